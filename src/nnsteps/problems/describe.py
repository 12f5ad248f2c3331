"""What a kind takes and gives, read from its record: the list ``nnsteps kinds`` prints, a kind's
fields and example file, the JSON Schema of problem files (``nnsteps schema``, ``/openapi.json``)
and the description the web app builds its New-problem forms from. Nothing here lists kinds.
"""

from __future__ import annotations

from typing import Any

from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.problems.registry import COMMON_FIELDS, Field, FieldType, Kind, load_kinds

SCHEMA_ID = "https://nnsteps.invalid/problem-file.schema.json"

_INT: dict[str, Any] = {"anyOf": [{"type": "integer"}, {"type": "string"}]}
_PAIR: dict[str, Any] = {"anyOf": [*_INT["anyOf"], {"type": "array", "items": _INT, "minItems": 2, "maxItems": 2}]}
_TYPES: dict[FieldType, dict[str, Any]] = {
    FieldType.ARRAY: {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "array"}]},
    FieldType.NUMBER: {"anyOf": [{"type": "number"}, {"type": "string"}]},
    FieldType.INTEGER: _INT,
    FieldType.PAIR: _PAIR,
    FieldType.PADDING: {"anyOf": [*_PAIR["anyOf"], {"enum": ["same", "valid"]}]},
    FieldType.BOOLEAN: {"anyOf": [{"type": "boolean"}, {"type": "string"}]},
    FieldType.CHOICE: {"type": "string"},
    FieldType.TEXT: {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    FieldType.MAPPING: {"type": "object"},
    FieldType.LIST: {"anyOf": [{"type": "array"}, {"type": "string"}]},
    FieldType.VALUE: {},
    FieldType.CELLS: {"anyOf": [{"enum": ["auto", "all", "none"]}, {"type": "array"}]},
}


def _plain(value: Any) -> Any:
    """Example values as JSON/YAML can hold them (exact fractions as their decimal text)."""
    from fractions import Fraction

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Fraction):
        return float(value)
    return value


def _field(f: Field) -> dict[str, Any]:
    """One field as the web form reads it: ``when`` ({field, is}) and ``instead_of`` only where they apply."""
    return {"name": f.name, "type": f.type.value, "default": _plain(f.default), "help": f.help,
            "example": _plain(f.example), "required": f.required,
            **({"choices": list(f.choices)} if f.choices else {}), **({"unit": f.unit} if f.unit else {}),
            **({"when": {"field": f.when[0], "is": [str(v) for v in f.when[1]]}} if f.when else {}),
            **({"instead_of": list(f.instead_of)} if f.instead_of else {})}


def example_of(kind: Kind) -> dict[str, Any]:
    """A complete problem of ``kind``: its record's example with an id and the kind.

    >>> example_of(load_kinds()["relu"])
    {'id': 'relu-1', 'kind': 'relu', 'input': '1 -2; 3 -4'}
    """
    body = kind.example if kind.example is not None else {
        f.name: f.example for f in kind.specs if f.required and f.example is not None}
    return {"id": f"{kind.name}-1", "kind": kind.name, **_plain(body)}


def describe_kinds() -> list[dict[str, Any]]:
    """Every kind with its summary, typed fields and a complete example problem (the web form's input).

    >>> d = {k["name"]: k for k in describe_kinds()}
    >>> d["max_pool2d"]["fields"][1]["name"], d["max_pool2d"]["fields"][1]["required"]
    ('kernel_size', True)
    >>> [f["when"] for f in d["optimizer"]["fields"] if f["name"] == "momentum"]
    [{'field': 'method', 'is': ['sgd', 'rmsprop']}]
    >>> d["perceptron"]["choice_examples"]["labels"]["sign"]  # what the form fills in when a choice needs it
    {'y': [-1, -1, -1, 1]}
    """
    return [{"name": k.name, "summary": k.summary, "fields": [_field(f) for f in k.specs],
             "answer": list(k.answer), "example": example_of(k),
             "choice_examples": _plain(k.form.get("examples", {}))} for k in load_kinds().values()]


def kind_schema(kind: Kind) -> dict[str, Any]:
    """The JSON Schema of one problem of ``kind``; unknown fields are rejected.

    >>> kind_schema(load_kinds()["relu"])["required"]
    ['id', 'kind', 'input']
    """
    props: dict[str, Any] = {"id": {"type": ["string", "integer"], "description": COMMON_FIELDS["id"]},
                             "kind": {"const": kind.name, "description": kind.summary},
                             "title": {"type": "string"}, "points": {"type": ["number", "string"]},
                             "description": {"type": "string"}}
    for f in kind.specs:
        schema = dict(_TYPES[f.type])
        if f.choices:
            schema = {"enum": list(f.choices)}
        schema["description"] = f.help
        if f.default is not None:
            schema["default"] = _plain(f.default)
        if f.example is not None:
            schema["examples"] = [_plain(f.example)]
        props[f.name] = schema
    return {"type": "object", "title": kind.name, "description": kind.summary, "properties": props,
            "required": ["id", "kind", *kind.required], "additionalProperties": False}


def problem_schema() -> dict[str, Any]:
    """One problem of any kind: exactly one kind's schema applies (chosen by ``kind``)."""
    return {"oneOf": [kind_schema(k) for k in load_kinds().values()]}


def file_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a problem file: ``{title, description, problems: [...]}`` or a list.

    >>> s = file_schema()
    >>> relu = next(k for k in s["$defs"]["problem"]["oneOf"] if k["title"] == "relu")  # whichever kind loaded first
    >>> s["$schema"], sorted(relu["properties"])[:2]
    ('https://json-schema.org/draft/2020-12/schema', ['description', 'id'])
    """
    problems = {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/problem"}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "nnsteps problem file",
        "anyOf": [
            {"type": "object", "required": ["problems"], "additionalProperties": False,
             "properties": {"title": {"type": "string"}, "description": {"type": "string"}, "problems": problems}},
            problems,
        ],
        "$defs": {"problem": problem_schema()},
    }


def answer_text(kind: Kind) -> str:
    """The answer's shape in words: its keys; for a kind answering the output alone unless given ``upstream``
    (or a ``target``), both forms.

    >>> kinds = load_kinds()
    >>> answer_text(kinds["relu"])
    'without upstream: one array (the output); with upstream: output, grads'
    >>> answer_text(kinds["layer_norm"]), answer_text(kinds["rnn"])[:9]
    ('output, mean, var, grads (grads with upstream)', 'h, y, los')
    """
    if not kind.answer:
        return "one array or number (the output)"
    keys = ", ".join(kind.answer)
    if kind.answer[0] != "output" or "upstream" not in kind.fields:
        return keys
    when = "upstream or target" if "target" in kind.fields else "upstream"
    if kind.answer == ("output", "grads") or "target" in kind.fields:
        return f"without {when}: one array (the output); with {when}: {keys}"
    return f"{keys} (grads with {when})"


def _squash(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def resolve(name: str) -> list[tuple[Kind, str]]:
    """The kinds a common name means, each with the field setting it stands for ("" for the kind as it
    is): a kind's name however written, the ``aliases`` of its record, else a choice of one of its fields.

    >>> [(k.name, how) for k, how in resolve("LSTM")], [k.name for k, _ in resolve("max-pool2d")]
    ([('rnn', 'cell: lstm')], ['max_pool2d'])
    >>> [(k.name, how) for k, how in resolve("kl_div")][0]
    ('loss', 'loss: kl_div')
    """
    key = _squash(name)
    found: dict[str, tuple[Kind, str]] = {}
    for kind in load_kinds().values():
        for alias, how in [(kind.name, ""), *kind.aliases.items()]:
            if _squash(alias) == key:
                found.setdefault(kind.name, (kind, how))
    if found:
        return list(found.values())
    for kind in load_kinds().values():  # a value of a choice field: "kl_div" is a loss with loss: kl_div
        for f in kind.specs:
            for choice in f.choices:
                if _squash(str(choice)) == key:
                    found.setdefault(kind.name, (kind, f"{f.name}: {choice}"))
    return list(found.values())


def kinds_text(name: str | None = None) -> str:
    """``nnsteps kinds``: every kind with one line; with a name, its fields, answer keys and an example file
    (a common name, ``lstm`` or ``f1``, first says which kind and which field setting it means).

    >>> print(kinds_text().splitlines()[0])
    every kind (nnsteps kinds KIND shows its fields):
    >>> print(kinds_text("relu"))  # doctest: +ELLIPSIS
    relu: ReLU, max(0, z), elementwise
    <BLANKLINE>
    fields:
      input  array  (required)  the input
    ...
    >>> print(kinds_text("adam").splitlines()[0])
    adam is kind optimizer with `method: adam`: nnsteps kinds optimizer
    """
    import json

    import yaml

    kinds = load_kinds()
    if name is None:
        width = max(map(len, kinds))
        lines = [f"{k.name:<{width}}  {k.summary}" for k in sorted(kinds.values(), key=lambda k: k.name)]
        return "every kind (nnsteps kinds KIND shows its fields):\n" + "\n".join(lines)
    if name not in kinds:
        found = resolve(name)
        if not found:
            names = [*kinds, *(alias for k in kinds.values() for alias in k.aliases)]
            raise NnstepsError(f"unknown kind '{name}'; known kinds: {', '.join(sorted(kinds))}", field="KIND",
                               hint=did_you_mean(name, names))
        lines = [f"{name} is kind {k.name}" + (f" with `{how}`" if ":" in how else f" ({how or k.summary})")
                 + f": nnsteps kinds {k.name}" for k, how in found]
        return "\n".join(lines) + ("\n\n" + kinds_text(found[0][0].name) if len(found) == 1 else "")
    kind = kinds[name]
    width = max(len(f.name) for f in kind.specs)
    tw = max(len(f.type.value) for f in kind.specs)
    rows = []
    for f in kind.specs:
        extra = "(required)" if f.required else (f"default {json.dumps(_plain(f.default))}" if f.default is not None else "optional")
        choices = f" [{' | '.join(f.choices)}]" if f.choices else ""
        rows.append(f"  {f.name:<{width}}  {f.type.value:<{tw}}  {extra}  {f.help}{choices}")
    answer = answer_text(kind)
    example = yaml.safe_dump({"problems": [example_of(kind)]}, sort_keys=False, allow_unicode=True)
    return (f"{kind.name}: {kind.summary}\n\nfields:\n" + "\n".join(rows) + f"\n\nanswer keys: {answer}\n\n"
            f"example file:\n{example}").rstrip("\n")
