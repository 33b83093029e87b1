"""The platform clients: one package per platform, and the registry that lists them.

Imports no Herald app: only Django, the standard library and third-party packages.
"""
