"""The CLI's work under a budget: each command's work runs in a worker (:mod:`nnsteps.budget`)
with one time budget per problem, and comes back as the text to print.

Files are read inside the worker (parsing is work too); standard input is read by the caller,
because a worker's standard input is closed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nnsteps.budget import Budget, Unit, run, stage
from nnsteps.errors import NnstepsError, did_you_mean


def solve(source: Path | str, fmt: str, budget: Budget, *, text: str | None = None, brief: bool = False,
          colour: bool = False, only: str | None = None) -> str:
    """Solve a problem file (or its ``text``) and render it; each problem has ``budget.seconds``. ``only``:
    the ids to solve, comma-separated (:func:`pick`).

    >>> print(solve("<input>", "text", Budget(20), text="problems: [{id: a, kind: relu, input: '1 -2'}]"))
    a
    =
    Answer: [ 1  0 ]
    <BLANKLINE>
    Apply ReLU elementwise
      ReLU(z) = max(0, z)
        = [ 1  0 ]
      note: 1 negative entry becomes 0
    <BLANKLINE>
    """
    import nnsteps.problems.solve  # noqa: F401  (imported before the fork: imports are not the problems' time)
    import nnsteps.render.document  # noqa: F401

    return str(run(solve_task, source, fmt, text, brief, colour, only, budget=budget,
                   unit=Unit(f"reading {source}")))


def pick(entries: list[dict[str, Any]], only: str | None) -> list[dict[str, Any]]:
    """The problems ``--only`` names ("q1,q3"), in the file's order; an id the file lacks is an error.

    >>> [e["id"] for e in pick([{"id": "q1"}, {"id": "q2"}, {"id": 3}], "3, q1")]
    ['q1', 3]
    >>> pick([{"id": "q1"}], "q2")
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field --only: no problem with id 'q2'; the file's ids: q1
    """
    if only is None:
        return entries
    wanted = [w.strip() for w in only.split(",") if w.strip()]
    ids = [str(e["id"]) for e in entries]
    if not wanted:
        raise NnstepsError(f"expected problem ids separated by commas, got {only!r}", field="--only")
    for w in wanted:
        if w not in ids:
            shown = ", ".join(ids[:12]) + (f", … ({len(ids)} in all)" if len(ids) > 12 else "")
            raise NnstepsError(f"no problem with id '{w}'; the file's ids: {shown}", field="--only",
                               hint=did_you_mean(w, ids))
    return [e for e, i in zip(entries, ids) if i in wanted]


def solve_task(source: Path | str, fmt: str, text: str | None, brief: bool = False, colour: bool = False,
               only: str | None = None) -> str:
    """In the worker: load, solve each problem under its own budget, render (one budget per problem)."""
    from nnsteps.problems.load import load_file, loads
    from nnsteps.problems.solve import solve_document
    from nnsteps.render.document import render_solved

    document = loads(text, source=str(source)) if text is not None else load_file(source)
    if only is not None:  # --only: the problems it names, in the file's order
        from nnsteps.problems.solve import problems_of

        title, entries = problems_of(document, source=str(source))
        document = {**({"title": title} if title else {}), "problems": pick(entries, only)}
    solved = solve_document(document, source=str(source))
    stage(f"rendering {source}", units=len(solved.solved))
    return render_solved(solved, fmt, brief=brief, colour=colour)


def summary(spec_text: str, fmt: str, budget: Budget, **options: Any) -> str:
    """A layer table built and rendered in a worker, under one budget.

    >>> print(summary("input 4x4x1; flatten; dense 2", "csv", Budget(20)).splitlines()[0])
    name,type,output_shape,neurons,weights,biases,other,params,macs,rf_size,rf_jump,rf_start,memory_bytes
    """
    import nnsteps.arch.render  # noqa: F401  (imported before the fork)
    import nnsteps.arch.table  # noqa: F401

    return str(run(summary_task, spec_text, fmt, options, budget=budget, unit=Unit("the network spec")))


def summary_task(spec_text: str, fmt: str, options: dict[str, Any]) -> str:
    """In the worker: the layer table of a spec's text, rendered."""
    from nnsteps.arch.render import render_table
    from nnsteps.arch.table import summary as build_table

    explain = bool(options.pop("explain", False))
    return render_table(build_table(spec_text, **options), fmt, explain=explain)


def check(problems: Path, answers: Path, budget: Budget, **options: Any) -> tuple[str, int]:
    """``run_check`` in a worker: the key and each submission get ``budget.seconds`` per problem (in a batch,
    each student in a worker of their own, forked from this one once the key is solved).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "p.yaml").write_text("problems: [{id: q, kind: relu, input: '1 -2'}]")
    >>> _ = (d / "a.yaml").write_text("q: [1, 0]")
    >>> check(d / "p.yaml", d / "a.yaml", Budget(20), fmt="text", feedback="score")[1]
    0
    """
    import nnsteps.commands  # noqa: F401
    import nnsteps.grading.check  # noqa: F401  (imported before the fork)

    options = {**options, "budget": budget}  # a batch grades each student in a worker under it
    text, code = run(check_task, problems, answers, options, budget=budget, unit=Unit(f"reading {problems}"))
    return str(text), int(code)


def check_task(problems: Path, answers: Path, options: dict[str, Any]) -> tuple[str, int]:
    """In the worker: size the budget from the problem count (and submissions), then check."""
    from nnsteps.commands import run_check
    from nnsteps.export.responses import is_report
    from nnsteps.problems.solve import read_problems

    lms = options.pop("lms", None)
    if lms is not None or is_report(answers):
        return check_report_task(problems, answers, lms, options)
    read = read_problems(problems)  # read once: the checker grades from it
    submissions = sum(1 for _ in answers.iterdir()) if answers.is_dir() else 1
    stage(f"checking {answers}", units=len(read.entries) * (submissions + 1))
    return run_check(read, answers, **options)  # type: ignore[no-any-return]


def check_report_task(problems: Path, report: Path, lms: str | None, options: dict[str, Any]) -> tuple[str, int]:
    """In the worker: an LMS response report (CSV) read back against the problems it was exported from (solved
    once for the cells each column names, a budget per problem), then graded like a folder of answers files."""
    from nnsteps.commands import run_check
    from nnsteps.export.items import load
    from nnsteps.export.responses import layout, read_report
    from nnsteps.problems.solve import read_problems

    lms = layout(report, lms)  # a report of neither LMS fails before any solving
    read = read_problems(problems)
    stage(f"reading {problems} for {report}", units=len(read.entries))
    problem_set = load(read, rtol=options.get("rtol", 0.001))
    responses = read_report(report, problem_set, lms)
    stage(f"checking {report}", units=len(responses.ids) * (len(responses.answers) + 1))
    # Graded against the keys the export solved, narrowed to the problems the report asks: nothing solved twice.
    # The report's answers hold every cell the quiz asked (a blank response is a missing cell); the cells it
    # did not ask (labels, symbolic cells) are not the student's to answer.
    return run_check(problem_set.keys.narrowed(responses.ids), responses.answers,  # type: ignore[no-any-return]
                     **{**options, "allow_missing": True})


def export(problems: Path, fmt: str, out: Path, budget: Budget, **options: Any) -> Any:
    """``nnsteps export``: the problems solved and the format built in a worker (``budget.seconds`` per
    problem), then written here, so work stopped by the budget leaves nothing half-written.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "p.yaml").write_text("problems: [{id: q, kind: relu, input: '1 -2'}]")
    >>> [p.name for p in export(d / "p.yaml", "moodle", d, Budget(20)).written]
    ['moodle.xml']
    """
    import nnsteps.export.items  # noqa: F401  (imported before the fork)
    import nnsteps.grading.check  # noqa: F401
    from nnsteps.export import build, format_module, write

    format_module(fmt)  # an unknown format is named before any work
    built = run(build, problems, fmt, budget=budget, unit=Unit(f"reading {problems}"), **options)
    return write(built, out)
