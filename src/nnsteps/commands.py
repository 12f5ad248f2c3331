"""The work behind ``nnsteps check`` and ``nnsteps generate`` (the CLI only parses options).

Each returns the text to print and the exit code: 0 when everything graded is correct, 1 when any
answer is wrong; bad input raises :class:`NnstepsError` (the CLI prints it and exits 2).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.grading.feedback import LEVELS
from nnsteps.render import formats

CHECK_FORMATS = formats.names(formats.CHECK)


def run_check(
    problems: Any,
    answers: Path | dict[str, Any],
    *,
    fmt: str = "text",
    feedback: str = "full",
    rtol: float = 0.001,
    exact: bool = False,
    allow_missing: bool = False,
    out_dir: Path | None = None,
    gradescope: Path | None = None,
    progress: bool = False,
    budget: Any = None,
) -> tuple[str, int]:
    """Grade one answers file, or every file of a directory, or a mapping student -> answers (both batch: an
    LMS response report arrives read as such a mapping); return (text, exit code). With a ``budget``
    (:class:`nnsteps.budget.Budget`), each student of a batch is graded in a worker of their own under it.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "p.yaml").write_text("problems: [{id: q, kind: relu, input: '1 -2'}]")
    >>> _ = (d / "a.yaml").write_text("q: [1, 0]")
    >>> text, code = run_check(d / "p.yaml", d / "a.yaml", fmt="json", feedback="score")
    >>> json.loads(text)["score"], code
    (1.0, 0)
    """
    from nnsteps.grading.check import Grader

    _choice(fmt, CHECK_FORMATS, "--format")
    _choice(feedback, LEVELS, "--feedback")
    if not math.isfinite(rtol) or rtol < 0:
        raise NnstepsError(f"expected a finite relative tolerance >= 0, got {rtol}", field="--rtol")
    grader = Grader(problems, rtol=rtol, exact=exact, allow_missing=allow_missing)
    if isinstance(answers, dict) or answers.is_dir():
        from nnsteps.grading.grade import grade_directory, grade_submissions

        batch = (grade_submissions(grader, answers, progress=progress, budget=budget) if isinstance(answers, dict)
                 else grade_directory(grader, answers, progress=progress, budget=budget))
        return _batch(batch, fmt, feedback, out_dir or Path("grades"))
    report = grader.grade(answers, student=answers.stem)
    if gradescope is not None:
        from nnsteps.files import write_atomic
        from nnsteps.grading.grade import gradescope as gs

        gradescope.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(gradescope, json.dumps(gs(report, feedback), indent=2, ensure_ascii=False))
    return report.render(fmt, feedback), 0 if report.correct else 1


def _batch(batch: Any, fmt: str, feedback: str, out_dir: Path) -> tuple[str, int]:
    from nnsteps.grading.grade import batch_summary, write_batch

    written = write_batch(batch, out_dir, feedback)
    code = 0 if batch.all_correct else 1
    if fmt == "json":
        summary = batch_summary(batch, feedback)
        summary["written"] = [str(p) for p in written]
        return json.dumps(summary, indent=2, ensure_ascii=False), code
    rows = sorted(batch.reports.items())
    if fmt == "markdown":
        from nnsteps.escape import markdown_text

        lines = ["| student | score | max |", "|---|---|---|"]
        lines += [f"| {markdown_text(s)} | {r.score:.4g} | {r.max_score:.4g} |" for s, r in rows]
        lines += [f"| {markdown_text(s)} | error: {markdown_text(e)} | |" for s, e in sorted(batch.errors.items())]
    else:
        width = max([len(s) for s, _ in rows] + [len(s) for s in batch.errors] + [7])
        lines = [f"{s.ljust(width)}  {r.score:.4g}/{r.max_score:.4g}" for s, r in rows]
        lines += [f"{s.ljust(width)}  error: {e}" for s, e in sorted(batch.errors.items())]
    lines += ["", f"graded {len(rows)} submission(s), {len(batch.errors)} unreadable; wrote {out_dir}/grades.csv, "
              f"{out_dir}/summary.json and {out_dir}/gradescope/<student>/results.json"]
    return "\n".join(lines), code


def run_generate(
    kind: str | None, seed: int, *, count: int = 1, roster: Path | None = None, out: Path,
    from_file: Path | None = None, vary_structure: bool = False, pins: dict[str, Any] | None = None,
    **options: Any,
) -> str:
    """Generate and write exercises (of ``kind``, or variants of ``from_file``'s problems); return a
    one-paragraph summary of what was written. ``pins`` (``--set``) and ``options`` fix generator options.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> print(run_generate("relu", 1, count=2, out=d).splitlines()[0])
    wrote 2 relu problem(s) for seed 1:
    """
    from nnsteps.generation.generate import generate

    given = {k: v for k, v in options.items() if v is not None}
    for key, value in (pins or {}).items():
        if key in given and given[key] != value:
            raise NnstepsError(f"--{key} {given[key]} and --set {key}={value} disagree", field=f"--set {key}")
        given[key] = value
    result = generate(kind, seed, count=count, roster=roster, out=out, from_file=from_file,
                      vary_structure=vary_structure, **given)
    what = f"{kind} problem(s)" if from_file is None else f"variant(s) of each problem of {from_file}"
    kept = f"\n  kept as written (no numbers to vary): {', '.join(result.kept)}" if result.kept else ""
    if result.variants:
        return (f"wrote {len(result.variants)} variant(s) of {count} {what} for seed {seed}:\n"
                f"  {out}/<student>/problems.yaml, answers.yaml, solutions.md; {out}/variants.csv{kept}")
    return (f"wrote {count} {what} for seed {seed}:\n"
            f"  {out / 'problems.yaml'}\n  {out / 'answers.yaml'} (the key)\n  {out / 'solutions.md'}{kept}")


def parse_pins(pairs: list[str]) -> dict[str, Any]:
    """``--set key=value`` pairs as generator options: integers and true/false read as such, else text.

    >>> parse_pins(["cell=lstm", "stride=2", "upstream=true"])
    {'cell': 'lstm', 'stride': 2, 'upstream': True}
    >>> parse_pins(["cell"])
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field --set: expected key=value, got 'cell'
    """
    pins: dict[str, Any] = {}
    for pair in pairs:
        key, eq, text = pair.partition("=")
        key, text = key.strip().replace("-", "_"), text.strip()
        if not eq or not key or not text:
            raise NnstepsError(f"expected key=value, got {pair!r}", field="--set")
        value: Any = text
        if text.lower() in ("true", "false"):
            value = text.lower() == "true"
        elif text.lstrip("-").isdigit() and len(text) <= 6:
            value = int(text)
        pins[key] = value
    return pins


def _choice(value: str, allowed: tuple[str, ...], field: str) -> None:
    if value not in allowed:
        raise NnstepsError(f"expected one of {', '.join(allowed)}, got '{value}'", field=field,
                           hint=did_you_mean(value, allowed))
