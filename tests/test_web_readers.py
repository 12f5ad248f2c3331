"""What the web app serves for readers (issues 10 and 11): kind descriptions for the New problem
forms, answers rendered without raw data structures, ids for pasted problems, the Check report's
unanswered list, the bundled math font. In process, through httpx's ASGI transport."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest

from nnsteps.problems.describe import describe_kinds
from nnsteps.problems.registry import KINDS
from nnsteps.problems.solve import solve_problem
from nnsteps.web import service
from nnsteps.web.answers import answer_html
from nnsteps.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "assignment3.yaml"


@pytest.fixture(scope="module")
def app():
    return create_app()


def get(app, path):
    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            return await client.get(path)

    return asyncio.run(go())


def test_api_kinds_describes_every_registered_kind_in_the_contract_shape(app):
    response = get(app, "/api/kinds")
    assert response.status_code == 200
    kinds = response.json()
    assert [k["name"] for k in kinds] == list(KINDS)
    for kind in kinds:
        assert {"name", "summary", "fields", "example"} <= set(kind)  # the contract; records add "answer"
        assert kind["summary"] and "``" not in kind["summary"]
        assert kind["example"]["kind"] == kind["name"] and kind["example"]["id"]
        for field in kind["fields"]:
            assert {"name", "type", "default", "help", "example", "required"} <= set(field)
        assert {f["name"] for f in kind["fields"] if f["required"]} == set(KINDS[kind["name"]].required)


def test_every_complete_kind_example_solves():
    solved = 0
    for kind in describe_kinds():
        example = kind["example"]
        if any(v is None for v in example.values()):
            continue  # a kind with no bundled or generated example: its form starts empty
        assert solve_problem(example).worked is not None, kind["name"]
        solved += 1
    assert solved >= len(KINDS) - 1


def test_example_decimals_stay_the_decimals_written():
    rnn = next(k for k in describe_kinds() if k["name"] == "rnn")["example"]
    assert rnn["x"] == [0.3, 0.4, 0.2] and rnn["weights"] == {"w_in": 0.2, "w_hh": 0.2, "w_hy": 0.2}


def test_network_answers_are_tables_not_data_structures():
    out = service.view_text(EXAMPLE.read_text())
    by_id = {p["solution"]["id"]: p for p in out["problems"]}
    q2 = by_id["q2"]["answer_html"]
    assert q2.count("<tr") == 1 + 8 + 1 and "30,976" in q2 and "11×11×256" in q2
    assert "'" not in re.sub(r"<[^>]+>", "", q2) and "{" not in q2
    q3a = by_id["q3a"]["answer_html"]
    assert re.findall(r"<td class='asked'>([^<]*)</td>", q3a) == ["32×32×16", "16,384"]
    for p in out["problems"]:
        assert p["html"].index('class="answer"') < p["html"].index('class="step"'), p["solution"]["id"]


def test_long_exact_forms_show_their_decimal_with_the_exact_form_behind_a_disclosure():
    # the MLP loss of examples/backprop.yaml, as the engine's JSON gives it
    exact = ("(-99/100 + 1/(exp(-3/5 - 11/(20*(exp(-157/400) + 1)) - 1/(2*(exp(-151/400) + 1))) + 1))**2/2 + "
             "(-1/100 + 1/(exp(-3/5 - 9/(20*(exp(-157/400) + 1)) - 2/(5*(exp(-151/400) + 1))) + 1))**2/2")
    html = answer_html({"kind": "mlp", "answer": {"loss": 0.2983711087600027}, "answer_exact": {"loss": exact}})
    visible = re.sub(r"<details.*?</details>", "", html, flags=re.S)
    assert "exp" not in visible and "<mn>0.2983711088</mn>" in visible
    assert "<details" in html and "exp(-3/5" in html
    short = answer_html({"kind": "relu", "answer": [0.16, 0.5], "answer_exact": ["4/25", "1/2"]})
    assert "<mn>0.16</mn>" in short and "<details" not in short


def test_a_problem_without_an_id_gets_one_and_errors_name_no_made_up_id():
    assert service.view({"kind": "relu", "input": "1 -2"})["problems"][0]["solution"]["id"] == "problem"
    doc = service.view_text("problems:\n  - {kind: relu, input: '1'}\n  - {id: p1, kind: tanh, input: '0'}")
    assert [p["solution"]["id"] for p in doc["problems"]] == ["p2", "p1"]
    with pytest.raises(Exception) as err:
        service.view({"kind": "relu"})
    assert str(err.value) == "field input: kind relu needs this field"
    with pytest.raises(Exception) as err:
        service.grid({"kind": "conv2d", "input": "1 2; 3 4", "kernel": "1", "stride": 0})
    assert "playground" not in str(err.value)


def test_an_answers_file_pasted_as_problems_says_where_it_belongs():
    with pytest.raises(Exception, match="looks like an answers file"):
        service.view_text("q1a: 7\nq1b: [[7, 8], [8, 8]]\n")


def test_answers_examples_are_classified_as_answers():
    kinds = {e["name"]: e["kind"] for e in service.examples()}
    assert kinds["assignment3_answers.yaml"] == "answers" and kinds["assignment3.yaml"] == "problems"


def test_check_lists_unanswered_problems_by_id_and_typesets_feedback():
    report = service.check(EXAMPLE.read_text(), "q1b: [[7, 8], [8, 9]]\n")
    assert report["unanswered"][:2] == ["q1a", "q1c"] and "q6" in report["unanswered"]
    q1b = next(p for p in report["problems"] if p["id"] == "q1b")
    assert q1b["answered"] and "<math" in q1b["feedback_html"] and "Derivation of [1][1]" in q1b["feedback_html"]
    assert "<mn>8</mn>" in next(c for c in q1b["cells"] if c["where"] == "[1][1]")["expected_html"]


def test_answer_html_of_named_results_is_a_labelled_list():
    html = answer_html({"kind": "rnn", "answer": {"grads": {"w_in": -0.5}}, "answer_exact": {"grads": {"w_in": "-1/2"}}})
    assert '<dl class="named">' in html and "<mn>0.5</mn>" in html and "w_in" not in html


def test_the_math_font_is_served_from_the_package(app):
    response = get(app, "/fonts/math.woff")
    assert response.status_code == 200
    assert response.headers["content-type"] == "font/woff"
    assert response.content[:4] == b"wOFF" and len(response.content) > 50_000
