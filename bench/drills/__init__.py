"""Fault drills, one module per drill; what they share is in ``harness``.

``python -m bench.drills --help`` (or ``make drill-<name>``) runs them.
"""
