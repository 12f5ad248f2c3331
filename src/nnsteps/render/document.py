"""Rendering a solved problem file in any output format (the formats have their one home in ``render.formats``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from nnsteps.render.formats import OutputFormat

Items = list[tuple[str, Any]]
"""A solved file's problems: (id, worked) in file order."""


def render_solved(solved: Any, fmt: str | OutputFormat, *, brief: bool = False, colour: bool = False) -> str:
    """A solved file (``nnsteps.problems.solve.SolvedFile``) as text, markdown, json or html.

    Every problem opens with its answer, then the work; ``brief`` gives the answers only (the answer
    key); ``colour`` adds terminal colour to text.

    >>> from nnsteps.problems.solve import solve_document
    >>> solved = solve_document({"title": "Quiz", "problems": [{"id": "q1", "kind": "relu", "input": "-1 2 -3"}]})
    >>> print(render_solved(solved, "text"))
    Quiz
    ####
    <BLANKLINE>
    q1
    ==
    Answer: [ 0  2  0 ]
    <BLANKLINE>
    Apply ReLU elementwise
      ReLU(z) = max(0, z)
        = [ 0  2  0 ]
      note: 2 negative entries become 0
    <BLANKLINE>
    >>> print(render_solved(solved, "text", brief=True))
    Quiz
    <BLANKLINE>
    q1
      [ 0  2  0 ]
    <BLANKLINE>
    >>> render_solved(solved, "pdf")
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field --format: expected one of text, markdown, json, html, got 'pdf'
    """
    fmt = OutputFormat.parse(fmt)
    items = [(s.problem.id, s.worked) for s in solved.solved]
    return RENDERERS[fmt](solved.title, items, brief, colour)


def _text(title: str, items: Items, brief: bool, colour: bool) -> str:
    from nnsteps.render.text import solved_file_to_text

    return solved_file_to_text(title, items, colour=colour, brief=brief)


def _markdown(title: str, items: Items, brief: bool, colour: bool) -> str:
    from nnsteps.render.markdown import solved_file_to_markdown

    return solved_file_to_markdown(title, items, brief=brief)


def _json(title: str, items: Items, brief: bool, colour: bool) -> str:
    from nnsteps.render.json import solved_file_to_json

    data = solved_file_to_json(title, items)
    if brief:  # the answer key: no steps
        for p in data["problems"]:
            p.pop("steps", None)
    return json.dumps(data, indent=2, ensure_ascii=False)


def _html(title: str, items: Items, brief: bool, colour: bool) -> str:
    from nnsteps.render.html import solved_file_to_html

    return solved_file_to_html(title, items, brief=brief)


RENDERERS: dict[OutputFormat, Callable[[str, Items, bool, bool], str]] = {
    OutputFormat.TEXT: _text, OutputFormat.MARKDOWN: _markdown, OutputFormat.JSON: _json, OutputFormat.HTML: _html,
}
"""Each format ``solve`` renders to, and its renderer ``(title, items, brief, colour)``: each imports its
module only when used, so a text solve never loads the HTML stack."""
