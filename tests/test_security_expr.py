"""Answers are data, never code (issue 9): every payload into every answer field, through the Python API,
the command line (one file and a batch) and POST /api/check. Nothing runs (a payload that ran would create
a marker file), no exception escapes, and each field is graded wrong (formula fields say why)."""

from __future__ import annotations

import asyncio
import functools
import json
import re
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import nnsteps
from nnsteps.cli import app as cli_app
from nnsteps.grading.check import Grader
from nnsteps.grading.compare import expression_verdict
from nnsteps.web.app import create_app

SRC = Path(__file__).resolve().parents[1] / "src" / "nnsteps"
RNN_TANH = {"id": "rnn", "kind": "rnn", "x": [0.3, 0.4, 0.2], "h0": 0.5,
            "weights": {"w_in": 0.2, "w_hh": 0.2, "w_hy": 0.2}, "activation": "tanh", "target": 0.4,
            "learning_rate": 0.15}
PROBLEMS = {"problems": [
    {"id": "net", "kind": "network", "spec": "input 8x8x1\nconv 3x3x2\nmaxpool 2"},
    RNN_TANH,
    {"id": "q7", "kind": "attention"},
    {"id": "relu", "kind": "relu", "input": "1 -2; 3 -4"},
    {"id": "conv", "kind": "conv2d", "input": "1 2; 3 4", "kernel": "1 0; 0 1"},
]}

PAYLOADS = [
    "__import__('os').system('touch {marker}')",
    "__import__('pathlib').Path('{marker}').touch()",
    "(lambda: __import__('os').system('touch {marker}'))()",
    "open('{marker}', 'w').write('x')",
    "exec(\"open('{marker}', 'w')\")",
    "eval(\"open('{marker}', 'w')\")",
    "Symbol('x').__class__.__init__.__globals__['__builtins__']['open']('{marker}', 'w')",
    "().__class__.__bases__[0].__subclasses__()",
    "getattr(w_in, '__class__')",
    "w_in.__class__",
    "x.__class__",
    "lambda: 1",
    "sympify('w_in')",
    "3**(3*10**7)",
    "10**10**10",
    "w_in**(10**9)",
    "(2**1000)**1000",
    "(" * 10_000 + "1" + ")" * 10_000,
    "(" * 100 + "w_in" + ")" * 100,
    "-" * 10_000 + "w_in",
    "w_in" + "*w_in" * 3_000,
    "exp(exp(exp(exp(w_in))))",
    "1e999999999",
    "x",
    "w_in; import os",
    "w_in\nimport os",
    "{'a': 1}",
    "[" * 100,
]


def answers_for(payload: str) -> dict:
    """The payload in every kind of answer field: a layer row's ``type``, an RNN's symbolic closed forms,
    the symbolic attention derivation, plain numeric cells given as text, and a whole array given as text."""
    return {
        "net": {"layers": [{"name": "conv1", "type": payload, "params": payload}]},
        "rnn": {"symbolic": {"h_L": payload, "y": payload, "grads": {"w_in": payload, "w_hh": payload}},
                "y": payload},
        "q7": {"e_1j": payload, "z_1": payload},
        "relu": [[payload, payload], [payload, payload]],
        "conv": payload,
    }


def assert_nothing_credited(report: dict) -> None:
    for problem in report["problems"]:
        for cell in problem["cells"]:
            if cell["where"].endswith(".name"):  # the row's name, given right to pick the row
                continue
            assert not cell["correct"] and cell["verdict"] in ("wrong", "review", "missing"), cell
            if problem["id"] == "rnn" and cell["where"].startswith("symbolic") and cell["verdict"] != "missing":
                assert cell.get("note"), cell  # an unreadable formula says why (a field left out is "not answered")


@functools.cache
def grader() -> Grader:
    return Grader(PROBLEMS)


@pytest.mark.parametrize("template", PAYLOADS, ids=[f"payload{i}" for i in range(len(PAYLOADS))])
def test_payload_through_the_python_api(template, tmp_path):
    marker = tmp_path / "ran"
    payload = template.replace("{marker}", str(marker))
    report = grader().grade(answers_for(payload))  # nnsteps.check is Grader(problems).grade(answers)
    assert_nothing_credited(report.to_dict())
    assert "\n" not in str(report.problems[1].cells[0].note)
    report.render("text")
    report.render("markdown")
    assert not marker.exists()


def test_payload_names_the_reason_in_the_feedback(tmp_path):
    marker = tmp_path / "ran"
    report = nnsteps.check(PROBLEMS, answers_for(f"__import__('os').system('touch {marker}')"))
    assert_nothing_credited(report.to_dict())
    assert not marker.exists()
    notes = {c.where: c.note for c in report.problems[1].cells}
    assert notes["symbolic.h_L"] == "could not read the answer: at column 1: names may not start with '_', got '__import__'"
    only = grader().grade({"rnn": {"symbolic": {"h_L": "__import__('os').system('ls')"}}})
    feedback = only.problems[1].feedback("hints")
    assert "symbolic.h_L: could not read the answer: at column 1: names may not start with '_'" in feedback


def test_tanh_rnn_answered_x_is_wrong_at_once():
    # issue 9: this answer sent sympy.simplify into a loop that never ended
    report = grader().grade({"rnn": {"symbolic": {"h_L": "x", "grads": {"w_in": "x", "w_hh": "x", "w_hy": "x"}}}})
    cells = [c for c in report.problems[1].cells if c.given is not None]  # the rest are not answered
    assert [c.verdict for c in cells] == ["wrong"] * 4
    assert all("unknown name 'x'; the names are h_0, w_hh" in (c.note or "") for c in cells)


def test_formula_answers_still_get_credit():
    key = grader()._keys[1].key["symbolic"]
    report = grader().grade({"rnn": {"symbolic": {
        "h_L": "tanh(w_in*x_3 + w_hh*tanh(w_in*x_2 + w_hh*tanh(w_in*x_1 + w_hh*h_0)))",
        "y": key["y"],
        "grads": {"w_hy": "tanh(w_in*x_3 + w_hh*tanh(w_in*x_2 + w_hh*tanh(w_in*x_1 + w_hh*h_0)))"
                          " * (w_hy*tanh(w_in*x_3 + w_hh*tanh(w_in*x_2 + w_hh*tanh(w_in*x_1 + w_hh*h_0))) - y_r)"}}}})
    assert [c.verdict for c in report.problems[1].cells if c.given is not None] == ["correct"] * 3


def test_a_formula_that_cannot_be_decided_is_marked_for_review():
    verdict, note = expression_verdict("log(x_1) + w_in", "log(-x_1) + w_in")
    assert verdict == "review"
    assert note is not None and note.startswith("could not confirm; marked for review")


def test_payloads_through_the_command_line_one_file_and_a_batch(tmp_path):
    marker = tmp_path / "ran"
    problems = tmp_path / "problems.json"
    problems.write_text(json.dumps(PROBLEMS))
    subs = tmp_path / "subs"
    subs.mkdir()
    for i, template in enumerate(PAYLOADS):
        (subs / f"s{i:02d}.json").write_text(json.dumps(answers_for(template.replace("{marker}", str(marker)))))
    runner = CliRunner()
    single = runner.invoke(cli_app, ["check", str(problems), str(subs / "s00.json"), "--format", "json"])
    assert single.exit_code == 1, single.output
    assert_nothing_credited(json.loads(single.stdout))
    batch = runner.invoke(cli_app, ["check", str(problems), str(subs), "-o", str(tmp_path / "grades")])
    assert batch.exit_code == 1, batch.output
    summary = json.loads((tmp_path / "grades" / "summary.json").read_text())
    assert summary["graded"] == len(PAYLOADS) and not summary["errors"] and not marker.exists()
    assert all(p["all_correct"] == 0 for p in summary["problems"].values())
    for report in summary["reports"].values():
        assert_nothing_credited(report)


async def _post(app, body: dict) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        return await client.post("/api/check", content=json.dumps(body),
                                 headers={"content-type": "application/json"})


def test_payloads_through_the_server(tmp_path):
    marker = tmp_path / "ran"
    app = create_app()
    for template in PAYLOADS[:7] + ["3**(3*10**7)", "(" * 10_000 + "1" + ")" * 10_000, "x"]:
        reply = asyncio.run(_post(app, {"problems": PROBLEMS, "answers": answers_for(template.replace("{marker}", str(marker)))}))
        assert reply.status_code == 200, reply.text
        assert_nothing_credited(reply.json())
    assert not marker.exists()
    reply = asyncio.run(_post(app, {"problems": PROBLEMS, "answers": answers_for("\x00")}))  # refused at the door
    assert reply.status_code == 422 and "(a control character)" in reply.json()["error"]


def test_a_control_character_in_an_answer_is_refused_in_one_line():
    with pytest.raises(nnsteps.NnstepsError, match=r"^field answers.conv: expected text without "
                                                   r"control characters, got '\\x00' \(a control character\)$"):
        grader().grade(answers_for("\x00"))


def test_bad_unicode_and_tolerances_are_one_line_errors(tmp_path):
    app = create_app()
    reply = asyncio.run(_post(app, {"problems": PROBLEMS, "answers": {"relu": "1 \ud800"}}))
    assert reply.status_code == 422
    assert reply.json()["error"] == ("field answers.relu: expected text in valid Unicode, got '1 \\ud800' "
                                     "(a lone surrogate)")
    problems = tmp_path / "p.json"
    problems.write_text('{"problems": [{"id": "q\\ud800", "kind": "relu", "input": "1 -2"}]}')
    answers = tmp_path / "a.json"
    answers.write_text('{"q": "1 0"}')
    runner = CliRunner()
    bad_id = runner.invoke(cli_app, ["check", str(problems), str(answers)])
    assert bad_id.exit_code == 2 and bad_id.stderr.count("\n") == 1
    assert "field problems[0].id: expected text in valid Unicode, got 'q\\ud800'" in bad_id.stderr
    problems.write_text(json.dumps({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}))
    for rtol in ("nan", "inf", "-1"):
        result = runner.invoke(cli_app, ["check", str(problems), str(answers), f"--rtol={rtol}"])
        assert result.exit_code == 2 and result.stderr.count("\n") == 1
        assert "expected a finite relative tolerance >= 0" in result.stderr
    with pytest.raises(nnsteps.NnstepsError, match="expected a finite number >= 0, got nan"):
        nnsteps.check({"problems": [{"id": "q", "kind": "relu", "input": "1"}]}, {"q": 1}, rtol=float("nan"))


PYTHONISH = st.lists(st.sampled_from([
    "__import__", "('os')", ".system", "('touch MARKER')", "lambda", ":", "x", "w_in", "x_1", "h_0", "**", "*", "^",
    "/", "+", "-", "(", ")", "[", "]", "{", "}", ",", ".", "'", '"', "9", "0.3", "1e9", "10**10", "exec", "eval",
    "open", "getattr", "__class__", "__globals__", "Symbol", "tanh", "exp", "log", "sqrt", "max", "relu", "=", ";",
    "\n", " ", "\\", "#", "@", "!", "\x00", "\ud800", "é", "−",
]), max_size=30).map("".join) | st.text(max_size=60)


@given(payload=PYTHONISH)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_python_looking_strings_never_run_or_escape(payload):
    payload = payload.replace("MARKER", "/nonexistent-nnsteps-marker")
    try:
        report = grader().grade(answers_for(payload)).to_dict()  # a random answer may be right: no credit check
    except nnsteps.NnstepsError as err:  # only a lone surrogate or a control character is refused outright, in one line
        assert ("lone surrogate" in str(err) or "control character" in str(err)) and "\n" not in str(err)
        return
    for problem in report["problems"]:
        for cell in problem["cells"]:
            assert cell["verdict"] in ("correct", "wrong", "review", "missing", "rounded")
    assert not Path("/nonexistent-nnsteps-marker").exists()


@given(payload=PYTHONISH)
@settings(max_examples=150, deadline=None)
def test_python_looking_strings_as_formulas(payload):
    verdict, note = expression_verdict("w_hy*tanh(w_hh*tanh(h_0*w_hh + w_in*x_1) + w_in*x_2) - y_r", payload)
    assert verdict in ("correct", "wrong", "review")
    assert verdict == "correct" or note is None or "\n" not in note.replace(payload, "")


def test_no_module_evaluates_text():
    """A grep: nothing under src/ calls eval, exec, sympify or parse_expr (SymPy's sympify uses eval)."""
    pattern = re.compile(r"\b(eval|exec|sympify|parse_expr|lambdify|__import__)\s*\(|sympy\.S\(|from sympy\.parsing")
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if pattern.search(code) and not code.lstrip().startswith(">>>"):
                found.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_a_lone_surrogate_beside_a_newline_is_still_one_line():
    """Hypothesis found it: the newline was shown raw next to the escaped surrogate."""
    with pytest.raises(nnsteps.NnstepsError) as info:
        grader().grade(answers_for("0\n\udc00"))
    assert str(info.value) == "field answers.conv: expected text in valid Unicode, got '0\\n\\udc00' (a lone surrogate)"


# --- answers cheap to write and costly to evaluate are priced before they are paid ------------------------

BOMBS = [  # (answer, the reason the student sees)
    ("2^(1/10^290)", "too large to evaluate: a root of degree about 10^290 (an exponent's denominator), over the "
                     "limit of 1,000 (column 2)"),
    ("x_1^(1/10^290)", "too large to evaluate: a root of degree about 10^290 (an exponent's denominator), over the "
                       "limit of 1,000 (column 4)"),
    ("w_in + x_1^(1/10^8)", "too large to evaluate: a root of degree 100,000,000 (an exponent's denominator), over "
                            "the limit of 1,000 (column 11)"),
    ("x_1^0.0001", "too large to evaluate: a root of degree 10,000 (an exponent's denominator), over the limit of "
                   "1,000 (column 4)"),
    ("2^2^2^2^2", "too large to evaluate: the exponent 65536 is over the limit of 1000 (column 2)"),
    ("exp(10^1000)", "too large to evaluate: the value is over 300 digits (column 7)"),
    ("(10^299)^1000", "too large to evaluate: the value is over 300 digits (column 9)"),
    ("*".join(["x_1"] * 1200), "too large to evaluate: about 1,191,335 operations at each point tried, over the "
                               "limit of 1,000,000 (column 1)"),
    ("+".join(["x_1^99/w_hh^99"] * 300), "too large to evaluate: about 5,223,600 operations at each point tried, "
                                         "over the limit of 1,000,000 (column 1)"),
    ("+".join(["(x_1+1)^100"] * 300), "too large to evaluate: about 2,459,100 operations at each point tried, over "
                                      "the limit of 1,000,000 (column 1)"),
]


@pytest.mark.parametrize(("answer", "reason"), BOMBS, ids=[f"bomb{i}" for i in range(len(BOMBS))])
def test_an_answer_too_costly_to_evaluate_is_wrong_with_its_reason(answer, reason):
    report = grader().grade({"rnn": {"symbolic": {"h_L": answer}}})
    cell = next(c for c in report.problems[1].cells if c.where == "symbolic.h_L")
    assert (cell.verdict, cell.note) == ("wrong", reason)
    assert f"symbolic.h_L: {reason}" in report.problems[1].feedback("hints")


def test_a_root_of_a_huge_degree_reached_through_the_symbols_is_not_tried():
    # the exponent depends on the symbols, so the reader cannot price its degree: evaluation takes no exact root
    # of a degree over the limit (a 40^100-th root was 2 to that power), so the answer is simply decided
    assert expression_verdict("x_1^(1/w_hh^100) + w_in", "w_in + x_1^(1/w_hh^100)") == ("correct", None)
    assert expression_verdict("x_1^(1/w_hh^100) + w_in", "x_1^(1/w_hh^100)")[0] == "wrong"


@pytest.mark.parametrize("answer", [
    "exp(exp(exp(x_1)))", "sqrt(sqrt(sqrt(sqrt(sqrt(sqrt(sqrt(sqrt(x_1))))))))", "x_1^(1/1000)", "x_1^x_1^x_1",
    "(x_1 + w_hh)^1000", "+".join(["x_1"] * 2000),
], ids=["exp-of-exp", "nested-sqrt", "root-at-the-limit", "symbolic-tower", "power-over-the-digits", "long-sum"])
def test_cheap_forms_are_priced_within_the_limit_and_decided(answer):
    verdict, note = expression_verdict("w_hy*tanh(w_hh*tanh(h_0*w_hh + w_in*x_1) + w_in*x_2) - y_r", answer)
    assert verdict in ("wrong", "review") and not (note or "").startswith("too large")


def test_every_closed_form_of_a_30_step_rnn_is_priced_well_within_the_limit():
    from nnsteps.expr import read

    w = nnsteps.rnn([0.3, 0.4, 0.2] * 10, h0=0.5, weights={"w_in": 0.2, "w_hh": 0.2, "w_hy": 0.2},
                    target=0.4, learning_rate=0.15)  # the longest closed forms nnsteps writes (tanh stops at 3 steps)
    forms = [w.answer["symbolic"]["y"], *w.answer["symbolic"]["grads"].values()]
    for form in forms:
        parser = read._Parser(read._tokens(form), None)
        assert parser.cost(parser.sum()).work < nnsteps.limits.MAX_EXPR_COST // 10
        assert expression_verdict(form, form) == ("correct", None)
        assert expression_verdict(form, form.replace("**", "^"))[0] == "correct"  # read, priced and evaluated
