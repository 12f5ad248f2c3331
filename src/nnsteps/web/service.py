"""What the web app's endpoints do, without the web framework: parse a body, solve, render.

Every formula and number comes from the engine (``solve_problem``) and its renderers; the page
only places the HTML and highlights cells named in the steps' ``data``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.names import Design
from nnsteps.render.answer_html import answer_box, value_html
from nnsteps.work import Worked, heading


def grid_kinds() -> tuple[str, ...]:
    """Kinds the playground draws: those whose record's form hint says ``playground`` (their
    explained cells carry ``data.reads``).

    >>> grid_kinds()
    ('conv2d', 'max_pool2d', 'avg_pool2d')
    """
    from nnsteps.problems.registry import load_kinds

    return tuple(k.name for k in load_kinds().values() if k.form.get("playground"))


def parse_body(body: bytes) -> Any:
    """A request body (JSON, or YAML) parsed with exact decimals, as the CLI reads files.

    >>> parse_body(b'{"id": "q", "kind": "relu", "input": [0.3, -1]}')
    {'id': 'q', 'kind': 'relu', 'input': [Fraction(3, 10), -1]}
    """
    from nnsteps.problems.load import loads

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise NnstepsError("the request body is not UTF-8 text") from None
    if not text.strip():
        raise NnstepsError("the request body is empty; expected one problem as JSON")
    return loads(text, source="the request body")


def _problem(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise NnstepsError(f"expected one problem (a JSON object with id and kind), got {type(raw).__name__}")
    return raw


def _page_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """The playground sends what the user typed: a bracketed ``input``/``kernel`` is a YAML list
    (several channels), read safely with exact decimals; anything else is matrix text.

    >>> _page_fields({"input": "[[[1, 2]], [[3, 0.5]]]", "kernel": "1 2"})["input"]
    [[[1, 2]], [[3, Fraction(1, 2)]]]
    """
    from nnsteps.problems.load import loads

    out = dict(raw)
    for key in ("input", "kernel"):
        value = out.get(key)
        if isinstance(value, str) and value.lstrip().startswith("["):
            out[key] = loads(value, source=f"the {key}")
    return out


def solve_json(raw: Any) -> dict[str, Any]:
    """One problem solved, as exactly the object ``nnsteps solve --format json`` gives for it.

    >>> solve_json({"id": "r", "kind": "relu", "input": "1 -2"})["answer"]
    [1, 0]
    """
    from nnsteps.problems.solve import solve_problem
    from nnsteps.render.json import worked_to_json

    solved = solve_problem(_problem(raw))
    return worked_to_json(solved.worked, pid=solved.problem.id)


def view(raw: Any) -> dict[str, Any]:
    """Problems (a whole problem file, or one problem) solved for the page: JSON plus HTML+MathML.

    A problem pasted without an ``id`` gets one (``problem``, or ``p1``, ``p2``… in a file). Each
    problem's ``html`` opens with its answer as the report shows it (:func:`~nnsteps.render.answer_html.answer_box`:
    tables for networks, matrices, labelled lists), then the work; ``answer_html`` is that answer alone.

    >>> out = view({"kind": "relu", "input": "1 -2"})
    >>> out["problems"][0]["solution"]["answer"], out["problems"][0]["solution"]["id"], "<math" in out["problems"][0]["html"]
    ([1, 0], 'problem', True)
    """
    from nnsteps.problems.solve import solve_document, solve_problem
    from nnsteps.render.json import worked_to_json

    if isinstance(raw, dict) and "problems" not in raw:
        if "kind" not in raw and "id" not in raw:
            raise NnstepsError("this looks like an answers file (problem id → answer), not a problem; check it on "
                               "the Check answers tab, or give a problem with a kind (or a file with a problems list)")
        with _unnamed(raw):
            solved = [solve_problem(with_ids(raw))]
        title = None
    else:
        document = solve_document(with_ids(raw), source="the request")
        solved, title = document.solved, document.title
    problems = []
    for s in solved:
        head = heading(s.problem.id, s.worked.title)
        solution = worked_to_json(s.worked, pid=s.problem.id)
        answer = answer_box(s.worked, every_column=True) or ""  # the page's tables keep nnsteps summary's columns
        problems.append({"solution": solution, "answer_html": answer,
                         "html": _worked_html(s.worked, head, answer)})
    return {"title": title, "problems": problems}


@contextmanager
def _unnamed(raw: Any) -> Iterator[None]:
    """Errors of a problem the user gave no id don't name the id the page gave it.

    >>> with _unnamed({"kind": "relu"}):
    ...     raise NnstepsError("bad", problem="problem", field="input")
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field input: bad
    """
    try:
        yield
    except NnstepsError as err:
        if isinstance(raw, dict) and "id" not in raw:
            err.problem = None
        raise


def with_ids(raw: Any) -> Any:
    """The document with an ``id`` for every problem that has none (a pasted problem needs no id).

    >>> with_ids({"kind": "relu", "input": "1"})["id"]
    'problem'
    >>> [p["id"] for p in with_ids({"problems": [{"kind": "relu"}, {"id": "p1", "kind": "relu"}, {"kind": "tanh"}]})["problems"]]
    ['p2', 'p1', 'p3']
    """
    if isinstance(raw, dict) and "problems" not in raw:
        return raw if "id" in raw else {"id": "problem", **raw}
    entries = raw.get("problems") if isinstance(raw, dict) else raw
    if not isinstance(entries, list):
        return raw
    taken = {str(e["id"]) for e in entries if isinstance(e, dict) and "id" in e}
    fresh = (f"p{i}" for i in range(1, 10**6) if f"p{i}" not in taken)
    filled = [{"id": next(fresh), **e} if isinstance(e, dict) and "id" not in e else e for e in entries]
    return {**raw, "problems": filled} if isinstance(raw, dict) else filled


def _worked_html(worked: Worked, heading: str, answer: str) -> str:
    """The engine's HTML of a solution with the page's answer block in place of the one-line answer."""
    import copy

    from nnsteps.render.html import worked_to_html

    bare = copy.copy(worked)
    bare.answer = None  # the answer block below replaces the renderer's single formula
    html = worked_to_html(bare, heading=heading)
    head, sep, rest = html.partition("</h2>")
    if not sep:
        head, rest = html.split("\n", 1)[0], "\n" + html.split("\n", 1)[1]
    return head + sep + "\n" + answer + rest


def view_text(text: str) -> dict[str, Any]:
    """:func:`view` of problem-file text (YAML or JSON), errors located at their line.

    >>> view_text("id: r\\nkind: relu\\ninput: 1 -2")["problems"][0]["solution"]["answer"]
    [1, 0]
    """
    from nnsteps.problems.load import loads

    return view(loads(text, source="the text"))


def grid(raw: Any) -> dict[str, Any]:
    """A conv/pool problem solved for the playground: the grids, every explained cell's reads,
    the size steps (HTML and their data) and the whole solution.

    >>> g = grid({"id": "q1b", "kind": "conv2d", "input": "1 1 1 1 0; 0 0 1 1 1; 0 0 0 0 0; 1 1 0 1 0; 1 1 0 1 1",
    ...           "kernel": "1 4 1; 0 2 1; 2 4 2", "stride": 2})
    >>> g["output"], len(g["cells"]), g["axes"][0]["dropped"]
    ([[['7', '8'], ['8', '8']]], 4, 0)
    """
    from nnsteps.arrays import as_array
    from nnsteps.problems.solve import solve_problem
    from nnsteps.render.html import step_to_html, worked_to_html
    from nnsteps.render.json import worked_to_json
    from nnsteps.render.values import exact_value, json_value

    given = _problem(raw)
    raw = _page_fields(given)
    kind = raw.get("kind")
    if kind not in grid_kinds():
        raise NnstepsError(f"the playground draws {', '.join(grid_kinds())}; got kind {kind!r}", field="kind")
    raw.setdefault("id", "playground")
    raw.setdefault("detail", "all")
    with _unnamed(given):
        x = as_array(raw.get("input"), name="input", ndim=(2, 3))
        solved = solve_problem(raw)
    worked = solved.worked
    size = worked.size
    axes = [json_value(s.data) for s in size.steps if s.data] if size else []
    cells = [json_value(s.data) for s in worked.cells if s.data]
    kernel = raw.get("kernel")
    return {
        "kind": kind,
        "input": exact_value(x.reshape((1,) * (3 - x.ndim) + x.shape)),
        "kernel": exact_value(_as3d(as_array(kernel, name="kernel"))) if kernel is not None else None,
        "output": exact_value(_as3d(worked.value)),
        "output_ndim": int(getattr(worked.value, "ndim", 0)),
        "axes": axes,
        "notes": [s.note for s in (size.steps if size else []) if s.note],
        "size_html": step_to_html(size) if size else "",
        "cells": cells,
        "solution": worked_to_json(worked, pid=solved.problem.id),
        "html": worked_to_html(worked, heading=solved.problem.id),
    }


def explain(raw: Any, cell: Any) -> dict[str, Any]:
    """One output cell of a conv/pool problem, worked: its step as HTML and its ``data``.

    ``cell`` is ``[row, col]``, or ``[channel, row, col]`` for a multi-channel output.

    >>> e = explain({"id": "q", "kind": "conv2d", "input": "1 2; 3 4", "kernel": "1 0; 0 1"}, [0, 0])
    >>> e["data"]["reads"], e["value"]
    ([[0, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 1]], '5')
    """
    from nnsteps.problems.solve import solve_problem
    from nnsteps.render.html import step_to_html
    from nnsteps.render.json import step_to_json
    from nnsteps.render.values import exact_value, json_value

    given = _problem(raw)
    raw = _page_fields(given)
    if raw.get("kind") not in grid_kinds():
        raise NnstepsError(f"cells can be explained for {', '.join(grid_kinds())}; got kind {raw.get('kind')!r}",
                           field="kind")
    if (not isinstance(cell, list) or not 2 <= len(cell) <= 4
            or not all(isinstance(i, int) and not isinstance(i, bool) for i in cell)):
        raise NnstepsError(f"expected a cell [row, col] or [channel, row, col], got {cell!r}", field="cell")
    raw.setdefault("id", "playground")
    raw["detail"] = [cell]
    with _unnamed(given):
        worked = solve_problem(raw).worked
    step = worked.cells[0] if worked.cells else None
    if step is None:  # pragma: no cover - every grid kind explains the cells it is asked for
        raise NnstepsError(f"no explanation came back for cell {cell}")
    return {"title": step.title, "html": step_to_html(step), "data": json_value(step.data),
            "value": exact_value(step.result), "step": step_to_json(step)}


def _as3d(value: Any) -> Any:
    import numpy as np

    arr = value if isinstance(value, np.ndarray) else np.asarray(value, dtype=object)
    while arr.ndim < 3:
        arr = arr.reshape((1,) + arr.shape)
    if arr.ndim > 3:
        arr = arr.reshape((-1,) + arr.shape[-2:])
    return arr


def examples_dir() -> Path | None:
    """Where the bundled example problem files are (the package's, else the repository's).

    >>> (examples_dir() / "networks" / "lenet5.txt").is_file()
    True
    """
    here = Path(__file__).resolve()
    for candidate in (here.parents[1] / "examples", here.parents[3] / "examples"):
        if candidate.is_dir():
            return candidate
    return None


def examples() -> list[dict[str, str]]:
    """The bundled example files (name, title, kind: problems, answers or network, and text), for the
    pages' one-click loading.

    >>> any(e["name"] == "assignment3.yaml" for e in examples()) or examples_dir() is None
    True
    """
    from nnsteps.problems.load import loads

    folder = examples_dir()
    if folder is None:
        return []
    out = []
    for path in sorted(folder.rglob("*")):
        if path.suffix not in (".yaml", ".yml", ".json", ".txt") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        title, kind = path.stem, Design.NETWORK.value
        if path.suffix != ".txt":
            try:
                doc = loads(text, source=path.name)
            except NnstepsError:
                continue
            kind = _document_kind(doc)
            title = str(doc.get("title") or title) if isinstance(doc, dict) else title
        out.append({"name": str(path.relative_to(folder)), "title": title, "kind": kind, "text": text})
    return out


def _document_kind(doc: Any) -> str:
    """``problems`` for a problem file (a ``problems`` list, a list of problems, or one problem);
    anything else is an answers file (problem id → answer, optionally under ``answers``).

    >>> _document_kind({"problems": []}), _document_kind({"id": "q", "kind": "relu"}), _document_kind({"q1a": 7})
    ('problems', 'problems', 'answers')
    """
    if isinstance(doc, list) or (isinstance(doc, dict) and ("problems" in doc or "kind" in doc)):
        return "problems"
    return "answers"


def check(problems: Any, answers: Any, allow_missing: bool = False) -> dict[str, Any]:
    """Answers graded against problems (each a parsed document or its YAML/JSON text), with the
    feedback per problem. Text is parsed here: nothing from a request is ever taken as a path. A value
    left out is wrong unless ``allow_missing``.

    >>> r = check("problems: [{id: q, kind: relu, input: '1 -2'}]", {"q": "1 1"})
    >>> r["score"], [c["where"] for c in r["problems"][0]["cells"] if not c["correct"]]
    (0.5, ['[1]'])
    """
    from nnsteps.problems.load import loads

    try:
        from nnsteps.grading.check import check as grade
    except ImportError:  # pragma: no cover - the checker ships with nnsteps; kept for partial installs
        raise NnstepsError("checking answers is not available in this installation") from None

    def document(value: Any, name: str) -> Any:
        parsed = loads(value, source=f"the {name}") if isinstance(value, str) else value
        if not isinstance(parsed, (dict, list)):
            raise NnstepsError(f"expected the {name} as a mapping or a list, got {type(parsed).__name__}", field=name)
        return parsed

    from nnsteps.grading.compare import WRONG_SHAPE

    if not isinstance(allow_missing, bool):
        raise NnstepsError(f"expected allow_missing true or false, got {allow_missing!r}", field="allow_missing")
    report = grade(with_ids(document(problems, "problems")), document(answers, "answers"), allow_missing=allow_missing)
    out = report.to_dict()
    out["unanswered"] = [p.id for p in report.problems if not p.answered]
    for result, entry in zip(report.problems, out["problems"]):
        entry["answered"] = result.answered
        entry["feedback_html"] = _feedback_html(result) if result.answered else ""
        for graded, cell in zip(result.cells, entry["cells"]):  # the key's exact values typeset (a student's own text stays text)
            cell["expected_html"] = value_html(graded.expected) if graded.expected is not None else ""
            # the page lays array entries out as grids (by path) and shows the student's text as written
            cell["path"], cell["written"] = list(graded.path), graded.shown
            cell["lines_up"] = graded.note != WRONG_SHAPE
    return out


def _feedback_html(result: Any) -> str:
    """A problem's feedback for the page: the verdict lines as text, the derivation typeset."""
    import html

    from nnsteps.grading.feedback import discussed, write_feedback
    from nnsteps.render.html import step_to_html

    lines = write_feedback(result.cells, result.notes, result.likely_mistake, None, "full", "text", result.answered)
    out = "".join(f"<p>{html.escape(line)}</p>" for line in lines.splitlines() if line.strip())
    cell = discussed(result.cells)
    if result.step is not None and cell is not None:  # the derivation of the cell the lines discuss
        out += f'<p>Derivation of {html.escape(cell.where)}:</p>' + step_to_html(result.step)
    return out
