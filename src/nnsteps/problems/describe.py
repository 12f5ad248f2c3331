"""What each problem kind takes, as data: the web app's "New problem" forms are built from it.

``describe_kinds()`` is the contract the forms (and ``GET /api/kinds``) read::

    [{"name", "summary", "fields": [{"name", "type", "default", "help", "example", "required"}],
      "example": {a complete problem}}]

This version reads today's registry (``KINDS``: a help text per field, so every ``type`` is
``"any"`` and every ``default`` None); the example of a kind is its richest problem in the bundled
example files, else a generated one, else its required fields. No kind name is written here, so a
kind registered later gets a form without any change to this module or the page.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

from nnsteps.numbers import exact_decimal, is_terminating


def describe_kinds() -> list[dict[str, Any]]:
    """Every registered kind: name, one-line summary, fields and a complete example problem.

    >>> kinds = {k["name"]: k for k in describe_kinds()}
    >>> [f["name"] for f in kinds["rnn"]["fields"]][:3], kinds["rnn"]["example"]["x"]
    (['x', 'h0', 'weights'], [0.3, 0.4, 0.2])
    >>> {f["name"]: f["required"] for f in kinds["max_pool2d"]["fields"]}["input"]
    True
    """
    import nnsteps.problems.kinds  # noqa: F401  (registers every kind)
    from nnsteps.problems.registry import KINDS

    examples = _bundled_examples()
    out = []
    for name, kind in KINDS.items():
        example = examples.get(name) or _generated(name) or {
            "id": f"{name}-1", "kind": name, **{f: None for f in kind.required}}
        example = {"id": example.get("id", f"{name}-1"), **{k: v for k, v in example.items() if k != "title"}}
        fields = [{"name": field, "type": "any", "default": None, "help": help_text,
                   "example": example.get(field), "required": field in kind.required}
                  for field, help_text in kind.fields.items()]
        out.append({"name": name, "summary": _summary(name, kind.solve), "fields": fields, "example": example})
    return out


def jsonable(value: Any) -> Any:
    """A parsed problem value as JSON: a terminating exact decimal as a number that reads back as the
    same decimal (``0.3``), any other fraction as ``"p/q"`` text, which every field reads exactly.

    >>> jsonable({"x": [Fraction(3, 10), Fraction(1, 3), 2]})
    {'x': [0.3, '1/3', 2]}
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return value.numerator
        if is_terminating(value):
            text = exact_decimal(value)
            if Fraction(repr(float(text))) == value:
                return float(text)
        return f"{value.numerator}/{value.denominator}"
    return value


def _summary(name: str, solve: Any) -> str:
    """The solver's first docstring line, else the public op's of the same name, without markup."""
    import nnsteps

    for fn in (solve, getattr(nnsteps, name, None)):
        doc = (getattr(fn, "__doc__", None) or "").strip()
        if doc:
            line = doc.splitlines()[0]
            line = re.sub(r":\w+:`~?([^`]+)`", lambda m: m.group(1).rsplit(".", 1)[-1], line)
            return line.replace("``", "")
    return name


@lru_cache(maxsize=1)
def _bundled_examples() -> dict[str, dict[str, Any]]:
    """Per kind, the bundled example problem with the most fields (the most to learn from)."""
    from nnsteps.errors import NnstepsError
    from nnsteps.problems.load import loads

    best: dict[str, dict[str, Any]] = {}
    here = Path(__file__).resolve()
    # The package's bundled copy when installed, else the repository's (as the web app looks).
    folder = next((c for c in (here.parents[1] / "examples", here.parents[3] / "examples") if c.is_dir()), None)
    if folder is None:
        return best
    for path in sorted(folder.glob("*.y*ml")):
        try:
            doc = loads(path.read_text(encoding="utf-8"), source=path.name)
        except NnstepsError:
            continue
        entries = doc.get("problems") if isinstance(doc, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("kind"), str):
                kind = entry["kind"]
                if kind not in best or len(entry) > len(best[kind]):
                    best[kind] = jsonable(entry)
    return best


def _generated(name: str) -> dict[str, Any] | None:
    """A problem ``nnsteps generate`` draws for the kind (seed 1), when it generates that kind."""
    from nnsteps.errors import NnstepsError
    from nnsteps.problems.generate import draw, kinds

    if name not in kinds():
        return None
    try:
        return jsonable(draw(name, seed=1, count=1, solve=False)[0])
    except NnstepsError:  # pragma: no cover - generators draw valid problems
        return None
