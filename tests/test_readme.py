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


def _yaml_problem_file() -> str:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    files = [b for b in blocks if b.lstrip().startswith("title:") and "problems:" in b]
    assert files, "the README lost its problem-file example"
    return files[0]


def test_every_python_snippet_runs_against_the_readmes_own_files(tmp_path, monkeypatch):
    """Each ```python block runs as written, in a folder holding the README's problem file as
    problems.yaml and the bundled examples; the check() snippet's ids exist in that file."""
    import yaml

    root = README.parent
    (tmp_path / "problems.yaml").write_text(_yaml_problem_file(), encoding="utf-8")
    (tmp_path / "examples").symlink_to(root / "examples")
    monkeypatch.chdir(tmp_path)
    ids = {p["id"] for p in yaml.safe_load((tmp_path / "problems.yaml").read_text())["problems"]}
    blocks = _python_blocks()
    assert len(blocks) >= 3
    for i, block in enumerate(blocks):
        namespace: dict[str, object] = {}
        exec(compile(block, f"README.md python block {i}", "exec"), namespace)  # noqa: S102 - our own README
        if "report" in namespace:
            report = namespace["report"]
            asked = set(re.findall(r'"(q[\w-]+)"', block))
            assert asked and asked <= ids, f"check() uses ids {asked - ids} that problems.yaml lacks"
            assert report.score == report.max_score == len(asked)  # type: ignore[attr-defined]
    # the tour's claims, as its comments state them
    tour = next(b for b in blocks if b.startswith("import nnsteps"))
    namespace = {}
    exec(compile(tour, "README.md", "exec"), namespace)  # noqa: S102
    y = namespace["y"]
    assert repr(y) in tour
    assert [s.title for s in namespace["z"].steps][:2] == ["Stage: conv2d", "Stage: relu"]  # type: ignore[attr-defined]


def test_the_readmes_solve_commands_do_what_they_say(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from nnsteps.cli import app

    (tmp_path / "problems.yaml").write_text(_yaml_problem_file(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    text = README.read_text(encoding="utf-8")
    assert "nnsteps solve problems.yaml --brief" in text and "nnsteps solve problems.yaml -o solutions.md" in text
    runner = CliRunner()
    out = runner.invoke(app, ["solve", "problems.yaml"])
    assert out.exit_code == 0 and out.output.splitlines()[3] == "q1c" and "Answer:" in out.output
    assert runner.invoke(app, ["solve", "problems.yaml", "-o", "solutions.md"]).exit_code == 0
    assert (tmp_path / "solutions.md").read_text().startswith("# optional\n")
    assert "$$" in (tmp_path / "solutions.md").read_text()
    brief = runner.invoke(app, ["solve", "problems.yaml", "--brief"]).output
    assert "q5\n  [ 1 ]" in brief and "Output size" not in brief
