"""Rendering a solved problem file in any output format."""

from __future__ import annotations

import json
from typing import Any

from nnsteps.errors import NnstepsError


def render_solved(solved: Any, fmt: str) -> str:
    """A solved file (``nnsteps.problems.solve.SolvedFile``) as markdown, text, json or html.

    >>> from nnsteps.problems.solve import solve_document
    >>> solved = solve_document({"title": "Quiz", "problems": [{"id": "q1", "kind": "relu", "input": "-1 2 -3"}]})
    >>> print(render_solved(solved, "text"))
    Quiz
    ####
    <BLANKLINE>
    q1
    ==
    Apply ReLU elementwise
      ReLU(z) = max(0, z)
        = [ 0  2  0 ]
      note: 2 negative entries become 0
    <BLANKLINE>
    >>> render_solved(solved, "pdf")
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field --format: expected one of markdown, text, json, html, got 'pdf'
    """
    items = [(s.problem.id, s.worked) for s in solved.solved]
    if fmt == "markdown":
        from nnsteps.render.markdown import solved_file_to_markdown

        return solved_file_to_markdown(solved.title, items)
    if fmt == "text":
        from nnsteps.render.text import solved_file_to_text

        return solved_file_to_text(solved.title, items)
    if fmt == "json":
        from nnsteps.render.json import solved_file_to_json

        return json.dumps(solved_file_to_json(solved.title, items), indent=2, ensure_ascii=False)
    if fmt == "html":
        from nnsteps.render.html import solved_file_to_html

        return solved_file_to_html(solved.title, items)
    raise NnstepsError(f"expected one of markdown, text, json, html, got '{fmt}'", field="--format")
