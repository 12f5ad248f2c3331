"""The Python API for checking answers and generating exercises (re-exported by ``nnsteps``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nnsteps.grading.check import Report


def check(problems: Any, answers: Any, *, rtol: float = 0.001, exact: bool = False,
          allow_missing: bool = False) -> Report:
    """Grade answers against problems: verdicts per cell, partial credit, likely mistakes, feedback.

    ``problems``: a problem file's path or its parsed document; ``answers``: an answers file's
    path or a mapping ``id -> answer``. ``rtol``: the relative error a rounded decimal may have;
    ``exact``: no rounding rule for exact keys. Every value a problem asks must be answered (one
    left out is wrong, "not answered"); ``allow_missing=True`` grades only the fields given (a practice
    sheet).

    >>> doc = {"problems": [{"id": "q", "kind": "conv2d", "input": "1 2; 3 4", "kernel": "1 0; 0 1"}]}
    >>> report = check(doc, {"q": [[5]]})
    >>> report.score, report.problems[0].correct
    (1.0, True)
    >>> print(report.render("text", level="score"))
    score: 1/1
    tolerance: ...
    <BLANKLINE>
    q (conv2d): 1/1  correct
    """
    from nnsteps.grading.check import check as _check

    return _check(problems, answers, rtol=rtol, exact=exact, allow_missing=allow_missing)


def generate(
    kind: str | None = None,
    seed: int = 0,
    *,
    count: int = 1,
    roster: str | Path | list[str] | None = None,
    out: str | Path | None = None,
    from_file: str | Path | None = None,
    vary_structure: bool = False,
    **options: Any,
) -> Any:
    """Fresh exercises of one kind, deterministic for a seed, with their key and solutions.

    Returns a :class:`~nnsteps.generation.generate.ExerciseSet` (``problems``, ``answers``,
    ``solutions_markdown``; ``variants`` per student with a roster). With ``out``, writes
    ``problems.yaml``, ``answers.yaml`` and ``solutions.md`` there (one folder per student with a
    roster). ``options`` fix a generator's choices, e.g. ``stride=2`` for conv2d or ``cell="lstm"``
    for rnn. The problems share one structure and differ in their numbers unless ``vary_structure``.
    ``from_file`` (instead of ``kind``): ``count`` variants of each problem of that file.

    >>> s = generate("conv2d", seed=1, count=2, stride=2)
    >>> [p["stride"] for p in s.problems], s.problems == generate("conv2d", seed=1, count=2, stride=2).problems
    ([2, 2], True)
    """
    from nnsteps.generation.generate import generate as _generate

    return _generate(kind, seed, count=count, roster=roster, out=out, from_file=from_file,
                     vary_structure=vary_structure, **options)


__all__ = ["check", "generate"]
