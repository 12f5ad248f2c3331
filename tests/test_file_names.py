"""Names tell what a file holds, not its history: no test file is named after an issue or as an addition
(``test_issue*``, ``*_more``, ``*_new_*``, ``*_done``), and no source module as an addition (``*_more``) or over 400 lines."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HISTORY = re.compile(r"^test_issue|_more$|_new_|^test_new_|_done$")


def test_no_test_file_is_named_after_an_issue_or_an_addition() -> None:
    names = sorted(p.stem for p in (ROOT / "tests").rglob("*.py"))
    assert "test_step_honesty" in names and "step_honesty" in names  # the walk sees tests/ and tests/helpers/
    assert [n for n in names if HISTORY.search(n)] == []


def test_no_source_module_is_named_as_an_addition() -> None:
    modules = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "src").rglob("*.py"))
    assert "src/nnsteps/ops/domain.py" in modules
    assert [m for m in modules if m.endswith("_more.py")] == []


def test_shared_test_helpers_live_in_tests_helpers_not_in_test_files() -> None:
    importers = sorted(p.name for p in (ROOT / "tests").rglob("test_*.py")
                       if re.search(r"^\s*from tests\.test_\w+ import", p.read_text(), re.M))
    assert importers == []


def test_no_source_module_is_over_400_lines() -> None:
    """Small modules with one job each (STYLE.md): a module that grows past 400 lines is split by job."""
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in (ROOT / "src").rglob("*.py")}
    assert sizes["src/nnsteps/cli.py"] > 100  # the walk sees the package
    assert {m: n for m, n in sizes.items() if n > 400} == {}
