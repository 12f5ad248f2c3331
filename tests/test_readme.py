"""The README's Python tour runs as written, and its claims hold."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_the_tour_runs_and_gives_the_reference_numbers():
    tour = [b for b in _python_blocks() if b.startswith("import nnsteps")]
    assert tour, "the README lost its Python tour"
    namespace: dict[str, object] = {}
    exec(compile(tour[0], "README.md", "exec"), namespace)  # noqa: S102 - our own README
    y = namespace["y"]
    assert y.value.tolist() == [[7, 8], [8, 8]]  # type: ignore[attr-defined]


def test_the_readme_has_exactly_the_two_setup_commands():
    text = README.read_text(encoding="utf-8")
    bash_blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    assert bash_blocks[0].strip() == "pip install . && nnsteps solve examples/assignment3.yaml"
    assert bash_blocks[1].strip() == "bash scripts/test.sh"
    assert "scripts/test.sh" in (README.parent / ".ci" / "run").read_text()
