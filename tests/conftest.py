"""Hypothesis runs the same examples on every CI run (the ``ci`` profile, derandomized), so a red CI
means a change broke something, not that a new random draw was met; exploring fresh draws is opt-in:

    python -m pytest --sweep            # the long sweeps (tests marked ``sweep``) with fresh random draws
    python -m pytest --hypothesis-profile=explore   # every Hypothesis test with fresh random draws

What a sweep finds becomes an ``@example`` of the test it broke, so CI keeps it.
"""

from __future__ import annotations

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--sweep", action="store_true", default=False,
                     help="run the long Hypothesis sweeps (marked sweep) with fresh random draws")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sweep: a long Hypothesis sweep, run only with --sweep")
    if config.getoption("--sweep"):
        settings.load_profile("explore")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--sweep"):
        return
    skip = pytest.mark.skip(reason="a long sweep: run with --sweep")
    for item in items:
        if "sweep" in item.keywords:
            item.add_marker(skip)
