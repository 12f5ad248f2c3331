"""The web app's JSON API, driven in process through httpx's ASGI transport (no network)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import httpx
import pytest

from nnsteps.problems.load import load_file
from nnsteps.problems.solve import solve_file
from nnsteps.render.json import solved_file_to_json
from nnsteps.web.app import MAX_BODY, create_app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "assignment3.yaml"
STATIC = ROOT / "src" / "nnsteps" / "web" / "static"
Q1X = "1 1 1 1 0; 0 0 1 1 1; 0 0 0 0 0; 1 1 0 1 0; 1 1 0 1 1"
Q1F = "1 4 1; 0 2 1; 2 4 2"


@pytest.fixture(scope="module")
def app():
    return create_app()


async def _post(app, path, payload=None, *, content=None):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        if content is not None:
            return await client.post(path, content=content, headers={"content-type": "application/json"})
        return await client.post(path, json=payload)


def post(app, path, payload=None, *, content=None):
    return asyncio.run(_post(app, path, payload, content=content))


def get(app, path):
    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            return await client.get(path)

    return asyncio.run(go())


def test_solve_answers_exactly_what_the_cli_json_gives(app):
    expected = solved_file_to_json(*_items(solve_file(EXAMPLE)))["problems"]
    raw = load_file(EXAMPLE)["problems"]
    text = EXAMPLE.read_text()
    for entry, want in zip(raw, expected):
        # Send the problem as JSON text written from the YAML (exact decimals survive as strings).
        response = post(app, "/api/solve", _jsonable(entry))
        assert response.status_code == 200, response.text
        assert response.json() == json.loads(json.dumps(want)), entry["id"]
    assert "q1b" in text


def _items(solved):
    return solved.title, [(s.problem.id, s.worked) for s in solved.solved]


def _jsonable(value):
    from fractions import Fraction

    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Fraction):
        return str(value)
    return value


def test_q1b_stride_2(app):
    r = post(app, "/api/solve", {"id": "q1b", "kind": "conv2d", "input": Q1X, "kernel": Q1F, "stride": 2})
    assert r.status_code == 200
    assert r.json()["answer"] == [[7, 8], [8, 8]]


def test_json_decimals_stay_exact(app):
    r = post(app, "/api/solve", content=b'{"id": "r", "kind": "relu", "input": [0.1, -0.2, 0.3]}')
    assert r.json()["answer_exact"] == ["1/10", "0", "3/10"]


def test_bad_input_is_422_with_the_cli_one_line_message(app):
    r = post(app, "/api/solve", {"id": "q", "kind": "conv2d", "input": Q1X, "kernel": Q1F, "stride": 0})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "problem q, field stride: expected a stride >= 1, got 0"
    assert "\n" not in body["error"]


def test_unknown_kind_says_did_you_mean(app):
    r = post(app, "/api/solve", {"id": "q", "kind": "convv2d", "input": "1"})
    assert r.status_code == 422
    assert "did you mean 'conv2d'?" in r.json()["error"]


def test_malformed_json_names_line_and_column(app):
    r = post(app, "/api/solve", content=b'{"id": "q",\n "kind": }')
    assert r.status_code == 422
    assert r.json()["line"] == 2
    assert "not valid JSON" in r.json()["error"]


def test_input_is_never_evaluated(app):
    r = post(app, "/api/solve", {"id": "q", "kind": "relu", "input": "__import__('os').system('true')"})
    assert r.status_code == 422
    assert "error" in r.json()


def test_size_limits_give_422_with_the_limit(app):
    big = ";".join([" ".join(["1"] * 300)] * 300)  # 90,000 exact elements > 40,000
    r = post(app, "/api/solve", {"id": "q", "kind": "relu", "input": big})
    assert r.status_code == 422
    assert re.search(r"limit|at most|larger", r.json()["error"])


def test_body_over_one_mib_is_413(app):
    r = post(app, "/api/solve", content=b" " * (MAX_BODY + 1))
    assert r.status_code == 413
    assert "limit" in r.json()["error"]


def test_body_of_exactly_one_mib_is_read(app):
    body = json.dumps({"id": "r", "kind": "relu", "input": "1 -2"}).encode()
    r = post(app, "/api/solve", content=body + b" " * (MAX_BODY - len(body)))
    assert r.status_code == 200


def test_two_hundred_concurrent_solves_all_answer_correctly(app):
    async def go():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=60) as client:
            async def one(k):
                r = await client.post("/api/solve", json={"id": f"p{k}", "kind": "conv2d", "input": Q1X,
                                                          "kernel": Q1F, "stride": 1 + k % 2})
                return k, r.status_code, r.json()

            return await asyncio.gather(*(one(k) for k in range(200)))

    results = asyncio.run(go())
    assert len(results) == 200
    for k, status, body in results:
        assert status == 200
        assert body["id"] == f"p{k}"
        expected = [[7, 8], [8, 8]] if k % 2 else [[7, 9, 8], [7, 9, 10], [8, 5, 8]]
        assert body["answer"] == expected


def test_grid_marks_the_dropped_rows_of_an_uneven_stride(app):
    r = post(app, "/api/grid", {"id": "g", "kind": "conv2d", "input": "1 2 3 4 5 6;" * 5 + "1 2 3 4 5 6",
                                "kernel": "1 0 -1; 1 0 -1; 1 0 -1", "stride": 3, "padding": 1})
    assert r.status_code == 200
    g = r.json()
    assert [a["dropped"] for a in g["axes"]] == [2, 2]  # floor((6 + 2 - 2 - 1) / 3) + 1 = 2, remainder 2
    assert len(g["notes"]) == 2 and "never reached" in g["notes"][0]
    assert "<math" in g["size_html"] and "\\frac" not in g["size_html"]
    assert len(g["cells"]) == 4 and g["output"][0][0] == ["-4", "-4"]


def test_explain_gives_the_cell_and_the_positions_it_reads(app):
    r = post(app, "/api/explain", {"problem": {"kind": "conv2d", "input": Q1X, "kernel": Q1F, "padding": 1},
                                   "cell": [0, 0]})
    assert r.status_code == 200
    e = r.json()
    assert e["value"] == "3"
    assert [-1, -1] in [read[1:] for read in e["data"]["reads"]]  # the padding corner
    assert "<math" in e["html"]


def test_explain_rejects_a_cell_outside_the_output(app):
    r = post(app, "/api/explain", {"problem": {"kind": "conv2d", "input": Q1X, "kernel": Q1F, "stride": 2},
                                   "cell": [5, 5]})
    assert r.status_code == 422
    assert "outside the output" in r.json()["error"]


def test_view_renders_a_whole_file_as_mathml(app):
    r = post(app, "/api/view", {"text": EXAMPLE.read_text()})
    assert r.status_code == 200
    problems = r.json()["problems"]
    import yaml

    ids = [p["id"] for p in yaml.safe_load(EXAMPLE.read_text())["problems"]]
    assert [p["solution"]["id"] for p in problems] == ids
    assert ids[:5] == ["q1a", "q1b", "q1c", "q1d", "q1e"] and "q5" in ids
    assert all("<math" in p["html"] and "$$" not in p["html"] for p in problems)


def test_view_text_error_points_at_the_line(app):
    r = post(app, "/api/view", {"text": "problems:\n  - id: q\n    kind: [relu\n"})
    assert r.status_code == 422
    assert r.json()["line"] is not None


def test_check_marks_the_wrong_cell(app):
    r = post(app, "/api/check", {"problems": "problems: [{id: q, kind: relu, input: '1 -2; 3 -4'}]",
                                 "answers": {"q": [[1, 0], [3, 4]]}})
    assert r.status_code == 200
    cells = r.json()["problems"][0]["cells"]
    assert [c["where"] for c in cells if not c["correct"]] == ["[1][1]"]


def test_check_never_reads_a_server_path(app):
    r = post(app, "/api/check", {"problems": "/etc/passwd", "answers": "/etc/passwd"})
    assert r.status_code == 422
    assert "root:" not in r.text


def test_examples_are_listed(app):
    r = get(app, "/api/examples")
    assert r.status_code == 200
    assert any(e["name"] == "assignment3.yaml" for e in r.json())


def test_openapi_schema_lists_the_api(app):
    schema = get(app, "/openapi.json").json()
    assert {"/api/solve", "/api/check", "/api/view", "/api/explain", "/api/grid"} <= set(schema["paths"])


def test_pages_load_nothing_from_another_origin(app):
    r = get(app, "/")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    for name in ("index.html", "app.js", "style.css"):
        text = (STATIC / name).read_text()
        urls = re.findall(r"(?:https?:)?//[\w.-]+\.\w+", text)
        assert set(urls) <= {"http://www.w3.org"}, (name, urls)
    assert get(app, "/static/app.js").status_code == 200
    assert get(app, "/math.css").headers["content-type"].startswith("text/css")


def test_serve_command_is_listed():
    from typer.testing import CliRunner

    from nnsteps.cli import app as cli

    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output
