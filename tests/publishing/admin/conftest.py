import pytest


@pytest.fixture(autouse=True)
def fake_platform():
    """The admin's pages run on the real platform modules, whose rules are what an operator
    reads, not on the fake the rest of tests/publishing uses (``test_scheduling`` opts in)."""
    return None
