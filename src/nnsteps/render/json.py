"""The JSON contract: answers as JSON numbers, exact answers as strings, steps as LaTeX data."""

from __future__ import annotations

from typing import Any

from nnsteps.render.values import exact_value, json_value, latex_value
from nnsteps.work import Step, Worked


def step_to_json(step: Step[Any]) -> dict[str, Any]:
    """One step as ``{"title", "formula", "substituted", "result", "steps"}`` (+ ``note``, ``data``).

    >>> step_to_json(Step("s", result=3))["result"]
    '3'
    """
    out: dict[str, Any] = {
        "title": step.title,
        "formula": step.formula,
        "substituted": step.substituted,
        "result": latex_value(step.result, step.stack) if step.result is not None else None,
        "steps": [step_to_json(s) for s in step.steps],
    }
    if step.note:
        out["note"] = step.note
    if step.data:
        out["data"] = json_value(step.data)
    return out


def worked_to_json(worked: Worked, *, pid: str | None = None) -> dict[str, Any]:
    """One solved problem in the contract's shape.

    >>> w = Worked("sum", value=3, steps=[Step("Sum", formula="y = a + b", substituted="1 + 2", result=3)])
    >>> worked_to_json(w, pid="q1")
    {'id': 'q1', 'kind': 'sum', 'answer': 3, 'answer_exact': '3', 'steps': [{'title': 'Sum', 'formula': 'y = a + b', 'substituted': '1 + 2', 'result': '3', 'steps': []}]}
    """
    out: dict[str, Any] = {}
    if pid is not None:
        out["id"] = pid
    out["kind"] = worked.kind
    if worked.title:
        out["title"] = worked.title
    out["answer"] = json_value(worked.answer)
    out["answer_exact"] = exact_value(worked.answer)
    out["steps"] = [step_to_json(s) for s in worked.steps]
    return out


def solved_file_to_json(title: str | None, items: list[tuple[str, Worked]]) -> dict[str, Any]:
    """A whole problem file's solutions in the contract's shape: ``{"title", "problems": [...]}``.

    >>> w = Worked("sum", value=3, steps=[Step("Sum", formula="y = a + b", substituted="1 + 2", result=3)])
    >>> out = solved_file_to_json("Quiz", [("q1", w)])
    >>> out["title"], [(p["id"], p["answer"]) for p in out["problems"]]
    ('Quiz', [('q1', 3)])
    """
    return {"title": title, "problems": [worked_to_json(w, pid=pid) for pid, w in items]}
