"""A Jupyter notebook (nbformat 4) per problem set: per problem a Markdown cell with the question, an answer
cell (``None``, with the key's shape as a comment), and a self-check cell that calls
``nnsteps.check`` on that problem alone and prints the score with hints (no key values).

Written as plain nbformat-4 JSON with the standard library (no Jupyter package needed to export); the
tests validate it with ``nbformat.validate``. The problem file travels inside the notebook (its exact
YAML), with its fingerprint in the notebook metadata.
"""

from __future__ import annotations

import json
from typing import Any

from nnsteps.export.items import Item, ProblemSet
from nnsteps.work import heading

NAME = "notebook"
WRITES = "file"
DEFAULT = "problems.ipynb"

SETUP = '''import nnsteps
from nnsteps.problems.load import loads

PROBLEMS = loads(YAML)
answers = {}


def self_check(pid, answer):
    """Grade one answer with nnsteps: the score, then hints on the first wrong cell."""
    problem = {"problems": [p for p in PROBLEMS["problems"] if str(p["id"]) == pid]}
    result = nnsteps.check(problem, {pid: answer}).problems[0]
    print(f"{pid}: {result.score:g}/{result.max_score:g}")
    print(result.feedback("hints"))
    return result.score'''
"""The setup cell; the problem file is placed before it as one Python literal (``repr``), never into it."""


def build(problems: ProblemSet, options: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The notebook JSON; nothing is left out (the checker grades every answer).

    >>> from nnsteps.export.items import load
    >>> files, _ = build(load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}), {})
    >>> nb = json.loads(files["problems.ipynb"])
    >>> nb["nbformat"], [c["cell_type"] for c in nb["cells"]]
    (4, ['markdown', 'code', 'markdown', 'code', 'code'])
    >>> print(nb["cells"][3]["source"])
    # the answer's shape: [None, None]
    answers['q'] = None
    """
    from nnsteps.escape import markdown_text
    from nnsteps.generation.generate import dump_yaml

    cells = [_markdown(f"# {markdown_text(problems.title or 'Problems')}\n\nFill in each answer cell, then run the check "
                       "cell below it. Answers may be numbers, fractions as text (`\"1/3\"`) or rows as text "
                       f"(`\"1 2; 3 4\"`).\n\n<small>nnsteps problem file {problems.sha256[:16]}</small>"),
             _code(f"YAML = {dump_yaml(problems.document)!r}\n" + SETUP, {"nnsteps": {"role": "setup"}})]
    for item in problems.items:
        meta = {"nnsteps": {"problem": item.id, "kind": item.kind}}
        cells += [_markdown(question_markdown(item), meta),
                  _code(f"# the answer's shape: {_template(item.key)!r}\nanswers[{item.id!r}] = None",
                        {"nnsteps": {**meta["nnsteps"], "role": "answer"}}),
                  _code(f"self_check({item.id!r}, answers[{item.id!r}])",
                        {"nnsteps": {**meta["nnsteps"], "role": "check"}})]
    notebook = {"nbformat": 4, "nbformat_minor": 5, "cells": cells,
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                             "language_info": {"name": "python"},
                             "nnsteps": {"sha256": problems.sha256, "problems": [i.id for i in problems.items]}}}
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i}"
    return {DEFAULT: json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"}, []


def question_markdown(item: Item) -> str:
    """The question as Markdown: heading and the kind's statement for students (``$`` math)."""
    from nnsteps.escape import markdown_text
    from nnsteps.export.statement import statement
    from nnsteps.render.statement import statement_markdown

    return f"## {markdown_text(heading(item.id, item.title))}\n\n" + statement_markdown(statement(item)) + "\n"


def _template(key: Any) -> Any:
    """The key's shape with None in every cell, row labels (a layer's name) kept to show which row is which.
    It is shown as a comment, not pre-filled: the checker grades labels as cells (free credit otherwise).

    >>> _template({"layers": [{"name": "Conv1", "params": 896}], "y": 3})
    {'layers': [{'name': 'Conv1', 'params': None}], 'y': None}
    """
    from nnsteps.export.items import LABEL_KEYS

    if isinstance(key, dict):
        return {k: (v if k in LABEL_KEYS and isinstance(v, str) else _template(v)) for k, v in key.items()}
    if isinstance(key, list):
        return [_template(v) for v in key]
    return None


def _markdown(text: str, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    from nnsteps.escape import inert_tex

    # Jupyter typesets the cell with MathJax: a file's \href, even in a code block, is no command there.
    return {"cell_type": "markdown", "metadata": meta or {}, "source": inert_tex(text)}


def _code(text: str, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"cell_type": "code", "metadata": meta or {}, "source": text, "execution_count": None, "outputs": []}
