"""nnsteps export --to prairielearn: info.json against (an excerpt of) PrairieLearn's published schema, and
server.py exercised with PrairieLearn-shaped data dictionaries: generate -> grade of the key scores 100%,
a perturbed cell less, by its share."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import jsonschema
import pytest

from nnsteps.export import export

ROOT = Path(__file__).resolve().parents[1]
PROBLEMS = ROOT / "examples" / "assignment3.yaml"

# From PrairieLearn's apps/prairielearn/src/schemas/schemas/infoQuestion.json (the keys nnsteps writes, the
# required ones, the uuid pattern, the type enum and additionalProperties: false).
INFO_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["uuid", "type", "title", "topic"],
    "properties": {
        "uuid": {"type": "string",
                 "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"},
        "type": {"type": "string", "enum": ["Calculation", "MultipleChoice", "Checkbox", "File", "MultipleTrueFalse", "v3"]},
        "title": {"type": "string"}, "topic": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "singleVariant": {"type": "boolean"}, "partialCredit": {"type": "boolean"},
    },
}


@pytest.fixture(scope="module")
def questions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    out = tmp_path_factory.mktemp("pl") / "questions"
    done = export(PROBLEMS, "prairielearn", out)
    return out, done.warnings


def server(folder: Path):
    spec = importlib.util.spec_from_file_location(f"server_{folder.name.replace('-', '_')}", folder / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fresh(seed: int = 1) -> dict:
    return {"params": {}, "correct_answers": {}, "submitted_answers": {}, "format_errors": {},
            "partial_scores": {}, "score": 0, "feedback": {}, "variant_seed": seed, "options": {}}


def submit(data: dict, answers: dict) -> dict:
    graded = copy.deepcopy(data)
    graded["submitted_answers"] = {k: ({"_type": "ndarray", "_value": v, "_dtype": "float64"} if isinstance(v, list)
                                       else v) for k, v in answers.items()}
    return graded


def test_info_json_follows_prairielearns_schema(questions: tuple[Path, list[str]]) -> None:
    out, warnings = questions
    folders = sorted(p.name for p in out.iterdir())
    assert "q1a" in folders and "conv2d-random" in folders and "q7" not in folders
    assert any(w.startswith("left out q7 (attention)") for w in warnings)
    uuids = set()
    for folder in out.iterdir():
        info = json.loads((folder / "info.json").read_text())
        jsonschema.validate(info, INFO_SCHEMA)
        uuids.add(info["uuid"])
        html = (folder / "question.html").read_text()
        assert "<pl-matrix-input" in html and "<pl-number-input" in html and "{{#params.blocks}}" in html
    assert len(uuids) == len(folders)


def test_fixed_question_generate_then_grade_the_key_and_a_perturbed_cell(questions: tuple[Path, list[str]]) -> None:
    out, _ = questions
    q = server(out / "q1a")
    data = fresh()
    q.generate(data)
    assert data["params"]["blocks"] == [{"name": "b0", "label": "answer", "matrix": True, "rtol": 0.001, "atol": 0}]
    assert data["correct_answers"]["b0"] == [[7, 9, 8], [7, 9, 10], [8, 5, 8]]
    key = submit(data, data["correct_answers"])
    q.grade(key)
    assert key["score"] == 1.0 and key["partial_scores"]["b0"]["score"] == 1.0
    wrong = [[7, 9, 8], [7, 9, 10], [8, 5, 9]]
    perturbed = submit(data, {"b0": wrong})
    q.grade(perturbed)
    assert perturbed["score"] == pytest.approx(8 / 9)
    assert perturbed["feedback"]["nnsteps"] == "1 of 9 entries wrong: [2][2]."  # the cell, never the key's 8
    blank = submit(data, {})
    q.grade(blank)
    assert blank["score"] == 0.0 and blank["feedback"]["nnsteps"].startswith("9 of 9 entries not answered: [0][0]")


def test_the_feedback_level_reaches_server_py(tmp_path: Path) -> None:
    out = tmp_path / "questions"
    export(PROBLEMS, "prairielearn", out, feedback="full")
    assert "FEEDBACK = 'full'" in (out / "q1a" / "server.py").read_text()
    q = server(out / "q1a")
    data = fresh()
    q.generate(data)
    perturbed = submit(data, {"b0": [[7, 9, 8], [7, 9, 10], [8, 5, 9]]})
    q.grade(perturbed)
    assert "[2][2]: you wrote 9, the key is 8." in perturbed["feedback"]["nnsteps"]
    assert "Derivation of [2][2]:" in perturbed["feedback"]["nnsteps"]


def test_a_single_number_question(questions: tuple[Path, list[str]]) -> None:
    q = server(questions[0] / "q1e")
    data = fresh()
    q.generate(data)
    assert data["correct_answers"] == {"b0": 9.0} and data["params"]["blocks"][0]["matrix"] is False
    right, wrong = submit(data, {"b0": 9}), submit(data, {"b0": 8})
    q.grade(right)
    q.grade(wrong)
    assert right["score"] == 1.0 and wrong["score"] == 0.0


@pytest.mark.parametrize("seed", [1, 2, 987654321])
def test_random_question_draws_a_variant_per_seed_and_grades_it(questions: tuple[Path, list[str]], seed: int) -> None:
    q = server(questions[0] / "conv2d-random")
    data = fresh(seed)
    q.generate(data)
    again = fresh(seed)
    q.generate(again)
    assert data["params"] == again["params"] and data["params"]["seed"] == seed
    key = submit(data, data["correct_answers"])
    q.grade(key)
    assert key["score"] == 1.0
    first = data["params"]["blocks"][0]["name"]
    value = copy.deepcopy(data["correct_answers"][first])
    value[0][0] += 1
    perturbed = submit(data, {**data["correct_answers"], first: value})
    q.grade(perturbed)
    cells = sum(len(r) for name in data["correct_answers"] for r in (data["correct_answers"][name]
                if isinstance(data["correct_answers"][name], list) else [[0]]))
    assert perturbed["score"] == pytest.approx(1 - 1 / cells)
