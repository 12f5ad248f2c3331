"""An answer as the web page shows it, from the solution's JSON (``answer`` beside ``answer_exact``).

The page's answers are rendered by the one answer renderer (:mod:`nnsteps.render.answer_html`, the
report's too); :func:`nnsteps.web.service.view` hands it the solved values directly. This module serves
callers that hold only the JSON an endpoint returned: it reads each number back to the value the engine
computed (a ``"p/q"`` exact string is that Fraction; an irrational's exact form is read by the safe
expression reader, never run as code) and renders that.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from nnsteps.render.answer_html import answer_box
from nnsteps.work import Worked


def answer_html(solution: dict[str, Any]) -> str:
    """The answer block of one solved problem (``worked_to_json``'s object) as HTML with MathML.

    >>> "<mtable" in answer_html({"kind": "relu", "answer": [[1, 0]], "answer_exact": [["1", "0"]]})
    True
    >>> "<table" in answer_html({"kind": "network", "answer": {"layers": [], "total_params": 0,
    ...     "output_shape": [1], "total_macs": 0}, "answer_exact": {}})
    True
    """
    value = from_json(solution.get("answer"), solution.get("answer_exact"))
    box = answer_box(Worked(str(solution.get("kind", "")), value=value), every_column=True)
    return box or ""


def from_json(value: Any, exact: Any = None) -> Any:
    """A JSON answer read back to the engine's values with the help of its ``answer_exact`` twin.

    >>> from_json([0.16, 0.5], ["4/25", "1/2"]), from_json({"w": -0.5}, {"w": "-1/2"})
    ([Fraction(4, 25), Fraction(1, 2)], {'w': Fraction(-1, 2)})
    >>> x = from_json(1.4142135623730951, "sqrt(2)")
    >>> type(x).__name__, str(x.exact)
    ('Irrational', 'sqrt(2)')
    """
    if isinstance(value, dict):
        named = exact if isinstance(exact, dict) else {}
        return {k: from_json(v, named.get(k)) for k, v in value.items()}
    if isinstance(value, list):
        twins = exact if isinstance(exact, list) and len(exact) == len(value) else [None] * len(value)
        return [from_json(v, e) for v, e in zip(value, twins)]
    if isinstance(value, float) and isinstance(exact, str):
        return _number(value, exact)
    return value


def _number(value: float, exact: str) -> Any:
    try:
        q = Fraction(exact)  # "p/q" or an integer: reads digits, runs nothing
    except (ValueError, ZeroDivisionError):
        return _irrational(value, exact)
    return int(q) if q.denominator == 1 else q


def _irrational(value: float, exact: str) -> Any:
    """The float with its exact form, read by the safe expression reader; the float alone if it cannot."""
    from nnsteps.errors import NnstepsError
    from nnsteps.expr import parse
    from nnsteps.irrational import Irrational

    try:
        form = parse(exact).to_sympy()
    except NnstepsError:
        return value
    return Irrational(form, value)
