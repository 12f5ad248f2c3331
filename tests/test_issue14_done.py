"""Issue 14's "Done when" for its kinds as one contract: every kind checks cell by cell (one changed cell
is flagged where it is, and nothing else), generates distinct variants whose key scores full marks, has
a web form from its record, and writes honest steps (the irrational ones too, in float); each named
likely mistake of item 8 is detected by name when a student's answer makes it."""

from __future__ import annotations

import asyncio
import copy
import math
import re
from fractions import Fraction
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsteps.api_check import check, generate
from nnsteps.grading.check import check_problem
from nnsteps.grading.compare import plain
from nnsteps.problems.registry import load_kinds
from nnsteps.problems.solve import solve_problem

KINDS = ["graph", "perceptron", "metrics", "iou", "nms", "bleu", "perplexity", "beam_search", "positional_encoding"]


def _example(kind: str) -> dict[str, Any]:
    return {**load_kinds()[kind].example, "id": "q", "kind": kind}


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, (*path, i))]
    return [(path, value)]


def _where(path: tuple[Any, ...]) -> str:
    """The grader's name of a cell: dict keys joined by dots, list indices in brackets."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _changed(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return str(Fraction(value) + 1)
        except ValueError:
            return value + "x"  # a token of a sequence
    return value + 1


@pytest.mark.parametrize("kind", KINDS)
def test_checks_cell_by_cell(kind: str) -> None:
    raw = _example(kind)
    key = plain(solve_problem(raw).worked.answer)
    assert check_problem(raw, key).correct
    cells = [(p, v) for p, v in _leaves(key) if not isinstance(v, bool) and v is not None]
    assert cells, kind
    for path, value in (cells[0], cells[len(cells) // 2], cells[-1]):
        given = copy.deepcopy(key)
        target = given
        for p in path[:-1]:
            target = target[p]
        if path:
            target[path[-1]] = _changed(value)
        else:
            given = _changed(value)
        result = check_problem(raw, given)
        assert not result.correct
        assert [c.where for c in result.cells if not c.credit] == [_where(path)], (kind, path)


@pytest.mark.parametrize("kind", KINDS)
def test_generates_distinct_variants_that_score_full_marks(kind: str) -> None:
    exercises = generate(kind, seed=14, count=8)
    distinct = {repr(sorted((k, repr(v)) for k, v in p.items() if k != "id")) for p in exercises.problems}
    assert len(distinct) >= 6, kind
    report = check(exercises.document(), exercises.answers)
    assert report.score == report.max_score == 8


def test_every_kind_has_a_web_form_from_its_record_and_the_api_solves_its_example() -> None:
    from nnsteps.web.app import create_app

    app = create_app()

    async def go() -> tuple[Any, list[Any]]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            kinds = (await c.get("/api/kinds")).json()
            solved = [await c.post("/api/solve", json=_example(k)) for k in KINDS]
            return kinds, solved

    kinds, solved = asyncio.run(go())
    by_name = {k["name"]: k for k in kinds}
    for kind, response in zip(KINDS, solved, strict=True):
        record = load_kinds()[kind]
        form = by_name[kind]
        assert [f["name"] for f in form["fields"]] == list(record.fields), kind
        assert form["example"]["kind"] == kind and form.get("form", record.form) == record.form
        assert response.status_code == 200, (kind, response.text)
        ours = [v for _, v in _leaves(plain(solve_problem(_example(kind)).worked.answer))]
        theirs = [v for _, v in _leaves(response.json()["answer"])]
        assert len(ours) == len(theirs), kind
        for a, b in zip(ours, theirs, strict=True):
            if isinstance(a, (int, float, Fraction)) and not isinstance(a, bool):
                assert float(Fraction(str(b))) == pytest.approx(float(a), rel=1e-15, abs=1e-300), (kind, a, b)
            else:
                assert a == b, (kind, a, b)


# ------------------------------------------------------------------------- named likely mistakes (item 8)


def _named(raw: dict[str, Any], wrong: dict[str, Any]) -> str | None:
    given = plain(solve_problem({**raw, **wrong}).worked.answer)
    result = check_problem(raw, given)
    assert not result.correct
    return result.likely_mistake


def test_graph_fan_out_not_summed_is_named() -> None:
    raw = {"id": "g", "kind": "graph", "expression": "a = x * y; f = a + x", "values": {"x": 3, "y": 2}}
    assert _named(raw, {"fan_out": "last"}) == "fan-out gradients not summed (one path kept)"
    # CS231n's (x + y)·z has no fan-out: no such mistake is offered there
    cs231n = {"id": "g", "kind": "graph", "expression": "q = x + y; f = q * z", "values": {"x": -2, "y": 5, "z": -4}}
    assert [n for n, _ in load_kinds()["graph"].likely_mistakes(cs231n)] == []


def test_metrics_swaps_are_named() -> None:
    raw = {"id": "m", "kind": "metrics", "y_true": [0, 0, 1, 2, 2, 2, 1], "y_pred": [0, 1, 1, 2, 0, 2, 1]}
    assert _named(raw, {"convention": "precision_recall_swapped"}) == "precision and recall swapped"
    assert _named(raw, {"convention": "micro_macro_swapped"}) == "micro and macro averages swapped"


@pytest.mark.parametrize(("kind", "raw"), [
    ("iou", {"box_a": [0, 0, 4, 3], "box_b": [2, 1, 6, 5]}),
    # IoU 1/3 stays under 0.4; with +1 pixel 9/21 goes over: keep [0, 1, 2] becomes [0, 2]
    ("nms", {"boxes": [[0, 0, 4, 2], [2, 0, 6, 2], [5, 0, 9, 2]], "scores": [3, 2, 1], "iou_threshold": "0.4"}),
])
def test_iou_plus_one_pixel_is_named(kind: str, raw: dict[str, Any]) -> None:
    name = _named({"id": "b", "kind": kind, **raw}, {"plus_one": True})
    assert name is not None and name.startswith("+1 pixel convention")


def test_bleu_counts_not_clipped_is_named() -> None:
    raw = {"id": "b", "kind": "bleu", "candidate": "the the cat the mat", "references": ["the cat on the mat"],
           "max_n": 1}
    assert _named(raw, {"clip": False}) == "n-gram counts not clipped"


# ----------------------------------------------------------------- honest steps where values are irrational

_FLOAT = re.compile(r"\s+|(?P<tok>\\ln|\\sin|\\cos|\\exp|\\tanh|\\sqrt|\\min|\\max|\\left\(|\\right\)|\\frac|\\cdot|e(?![-+\d])|"
                    r"\d+(?:\.\d*)?(?:e[-+]?\d+)?|\.\d+|[-+(){}^/,])")
_FUNCS = {r"\ln": math.log, r"\sin": math.sin, r"\cos": math.cos, r"\exp": math.exp, r"\tanh": math.tanh,
          r"\sqrt": math.sqrt}


class Unreadable(Exception):
    """A substitution holding something other than numbers and these functions (a relation, words)."""


class _Float:
    """A float reader for the substitutions of the log/trig steps: numbers, e, + − \\cdot /, \\frac, powers
    a^{b}, \\ln \\sin \\cos \\exp \\tanh \\sqrt of an atom, \\min and \\max, and a factor before a parenthesis (−\\frac{1}{3}(…)).
    Test-only; it reads the ops' own output and never calls eval."""

    def __init__(self, latex: str) -> None:
        self.toks: list[str] = []
        pos = 0
        while pos < len(latex):
            m = _FLOAT.match(latex, pos)
            if not m:
                raise Unreadable(latex)
            if m.group("tok"):
                self.toks.append({r"\left(": "(", r"\right)": ")"}.get(m.group("tok"), m.group("tok")))
            pos = m.end()
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, want: str | None = None) -> str:
        tok = self.toks[self.i]
        assert want is None or tok == want, (want, tok, self.toks)
        self.i += 1
        return tok

    def value(self) -> float:
        v = self.expr()
        assert self.peek() is None, self.toks[self.i:]
        return v

    def expr(self) -> float:
        v = self.term()
        while self.peek() in ("+", "-"):
            v = v + self.term() if self.take() == "+" else v - self.term()
        return v

    def term(self) -> float:
        v = self.unary()
        while self.peek() in (r"\cdot", "/", "("):
            tok = self.peek()
            if tok == "(":
                v *= self.unary()
                continue
            self.take()
            v = v * self.unary() if tok == r"\cdot" else v / self.unary()
        return v

    def unary(self) -> float:
        if self.peek() == "-":
            self.take()
            return -self.unary()
        v = self.atom()
        if self.peek() == "^":
            self.take()
            self.take("{")
            e = self.expr()
            self.take("}")
            v = v ** e
        return v

    def atom(self) -> float:
        tok = self.take()
        if tok in _FUNCS:
            return _FUNCS[tok](self.unary())
        if tok in (r"\min", r"\max"):
            self.take("(")
            args = [self.expr()]
            while self.peek() == ",":
                self.take()
                args.append(self.expr())
            self.take(")")
            return min(args) if tok == r"\min" else max(args)
        if tok in ("(", "{"):
            v = self.expr()
            self.take(")" if tok == "(" else "}")
            return v
        if tok == r"\frac":
            self.take("{")
            a = self.expr()
            self.take("}")
            self.take("{")
            b = self.expr()
            self.take("}")
            return a / b
        return math.e if tok == "e" else float(tok)


def _float_steps(worked: Any) -> int:
    """Every substitution (each side of an ``=`` chain) equals its step's numeric result in float."""
    checked = 0
    for step in worked.walk():
        result = step.result
        if not step.substituted or isinstance(result, bool) or not isinstance(result, (int, float, Fraction)):
            continue
        try:
            sides = [_Float(side) for side in step.substituted.split("=")]
        except Unreadable:
            continue  # "6 > 5", "c = 0": not arithmetic; each test asserts how many steps it checked
        for side in sides:
            assert side.value() == pytest.approx(float(result), rel=1e-12, abs=1e-300), (
                step.title, step.substituted, result)
        checked += 1
    return checked


@pytest.mark.parametrize(("candidate", "references", "smoothing", "checked"), [
    # every clipped count, the four precisions, BP = e^{1 - 6/5}, and BLEU: one zero precision is NLTK's
    # smallest float inside the logs (the score is 7.07e-78, not 0)
    ("the cat sat on mat", ["the cat is on the mat", "a cat sat on the mat"], "none", 5 + 4 + 3 + 2 + 4 + 2),
    # method1: the zero 4-gram precision, then its smoothed value (0 + 0.1)/2 as a step of its own
    ("the cat sat on mat", ["the cat is on the mat", "a cat sat on the mat"], "method1", 5 + 4 + 3 + 2 + 4 + 1 + 2),
    ("the cat sat on the mat", ["the cat sat on the mat"], "none", 5 + 5 + 4 + 3 + 4 + 1 + 1),  # BP = e^{1 - 6/6}
    ("a b c", ["x y z"], "none", 3 + 2 + 1 + 0 + 4 + 1 + 1),  # no unigram match: BLEU 0, as NLTK
])
def test_bleu_steps_are_honest_in_float(candidate: str, references: list[str], smoothing: str, checked: int) -> None:
    w = solve_problem({"id": "b", "kind": "bleu", "candidate": candidate, "references": references,
                       "smoothing": smoothing}).worked
    assert _float_steps(w) == checked


@pytest.mark.parametrize(("expression", "values", "checked"), [
    ("1/(1+exp(-(w0*x0+w1*x1+w2)))", {"w0": 2, "w1": -3, "w2": -3, "x0": -1, "x1": -2}, 19),  # CS231n's neuron
    ("a = x * y; b = tanh(a) + sqrt(y); f = max(a, b) + log(x) + relu(x - y)", {"x": 3, "y": 2}, 22),
])
def test_graph_steps_with_functions_are_honest_in_float(expression: str, values: dict[str, int],
                                                         checked: int) -> None:
    w = solve_problem({"id": "g", "kind": "graph", "expression": expression, "values": values}).worked
    assert _float_steps(w) == checked


def test_perplexity_steps_are_honest_in_float() -> None:
    for raw in ({"probabilities": [0.25, 0.5, 0.125]}, {"probabilities": ["0.3", "0.7", "0.9"]},
                {"log_probabilities": [-1, "-0.5", -2]}):
        w = solve_problem({"id": "p", "kind": "perplexity", **raw}).worked
        assert _float_steps(w) == 2  # H and PP, each with its numbers


def test_positional_encoding_steps_are_honest_in_float() -> None:
    w = solve_problem({"id": "pe", "kind": "positional_encoding", "positions": 5, "d_model": 6}).worked
    assert _float_steps(w) == 5 * 6


def test_beam_search_scores_are_the_sums_of_the_tables_logs() -> None:
    table = {"": {"a": 0.6, "b": 0.4}, "a": {"a": 0.5, "b": 0.5}, "b": {"a": 0.9, "b": 0.1}}
    for alpha in (None, "0.7", 1):
        w = solve_problem({"id": "bs", "kind": "beam_search", "probabilities": table, "beam_width": 2,
                           "max_length": 2, **({} if alpha is None else {"length_penalty": alpha})}).worked
        scored = 0
        for step in w.walk():
            if step.formula and step.formula.startswith(r"\text{score}"):
                tokens = step.title.split()
                want = sum(math.log(table[" ".join(tokens[:i])][t]) for i, t in enumerate(tokens))
                want /= len(tokens) ** float(Fraction(alpha or 0))
                assert float(step.result) == pytest.approx(want, rel=1e-15), step.title
                scored += 1
        assert scored == 2 + 4  # two first tokens, then each beam's two continuations
        assert _float_steps(w) == scored


def test_beam_search_end_token_steps_are_honest() -> None:
    table = {"": {"x": 0.5, "</s>": 0.5}, "x": {"y": 0.9, "</s>": 0.1}, "x y": {"</s>": 1}}
    w = solve_problem({"id": "bs", "kind": "beam_search", "probabilities": table, "beam_width": 2, "max_length": 3,
                       "end": "</s>", "length_penalty": "0.5"}).worked
    assert _float_steps(w) == 2 + 3 + 2  # the ended beam is carried forward with its own sum


# ---------------------------------------------------------------- the perceptron on the logic gates

GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "NOR": [1, 0, 0, 0]}


def _rosenblatt(X: list[list[int]], y: list[int], sign: bool, w: list[Fraction], b: Fraction, lr: Fraction,
                epochs: int) -> tuple[list[Fraction], Fraction, int, bool, list[Fraction]]:
    """The issue's rule written out plainly, as the reference: (w, b, epochs, converged, every z)."""
    zs: list[Fraction] = []
    for epoch in range(1, epochs + 1):
        updated = False
        for x, t in zip(X, y, strict=True):
            z = sum((wi * xi for wi, xi in zip(w, x, strict=True)), start=Fraction(0)) + b
            zs.append(z)
            guess = (1 if z >= 0 else -1) if sign else (1 if z >= 0 else 0)
            if guess != t:
                step = lr * t if sign else lr * (t - guess)
                w = [wi + step * xi for wi, xi in zip(w, x, strict=True)]
                b += step
                updated = True
        if not updated:
            return w, b, epoch, True, zs
    return w, b, epochs, False, zs


@settings(max_examples=25, deadline=None)
@given(gate=st.sampled_from(sorted(GATES)), sign=st.booleans(), lr=st.sampled_from(["1", "0.5", "0.1", "2"]),
       w=st.lists(st.integers(-3, 3), min_size=2, max_size=2), b=st.integers(-3, 3))
def test_perceptron_on_logic_gates_matches_the_rule(gate: str, sign: bool, lr: str, w: list[int], b: int) -> None:
    X = [[0, 0], [0, 1], [1, 0], [1, 1]]
    y = [2 * t - 1 for t in GATES[gate]] if sign else GATES[gate]
    a = solve_problem({"id": "p", "kind": "perceptron", "X": X, "y": y, "labels": "sign" if sign else "binary",
                       "w": w, "b": b, "lr": lr, "epochs": 200}).worked.answer
    rw, rb, epochs, converged, zs = _rosenblatt(X, y, sign, [Fraction(v) for v in w], Fraction(b), Fraction(lr), 200)
    assert (a["w"], a["b"], a["epochs"], a["converged"]) == (rw, rb, epochs, converged)
    assert converged  # the four gates are linearly separable: the perceptron theorem
    assert [u["z"] for u in a["updates"]] == zs
