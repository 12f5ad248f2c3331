"""nnsteps export --to canvas: the QTI 1.2 zip read back with zipfile and xml.etree; the manifest names the
assessment, and every item has the QTI 1.2 structure Canvas imports (metadata, presentation with a decimal
blank, response processing accepting the key and the checker's range, general feedback)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from nnsteps.export import export
from nnsteps.export.items import load

ROOT = Path(__file__).resolve().parents[1]
PROBLEMS = ROOT / "examples" / "assignment3.yaml"
Q = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> tuple[zipfile.ZipFile, list[str]]:
    done = export(PROBLEMS, "canvas", tmp_path_factory.mktemp("c") / "quiz.zip")
    return zipfile.ZipFile(done.written[0]), done.warnings


def test_manifest_names_the_assessment_in_the_zip(package) -> None:
    z, _ = package
    manifest = ET.fromstring(z.read("imsmanifest.xml"))
    assert manifest.tag == f"{CP}manifest" and manifest.find(f"{CP}metadata/{CP}schema").text == "IMS Content"
    (resource,) = manifest.iter(f"{CP}resource")
    assert resource.get("type") == "imsqti_xmlv1p2"
    href = resource.find(f"{CP}file").get("href")
    assert href in z.namelist() and href == resource.get("identifier") + ".xml"


def test_items_are_numerical_questions_with_the_checkers_range(package) -> None:
    z, warnings = package
    (name,) = [n for n in z.namelist() if n != "imsmanifest.xml"]
    root = ET.fromstring(z.read(name))
    assert root.tag == f"{Q}questestinterop"
    ps = load(PROBLEMS)
    expected = {i.id: i for i in ps.items if i.asked()}
    points: dict[str, float] = {}
    values: dict[str, list[tuple[str, str, str]]] = {}
    for item in root.iter(f"{Q}item"):
        assert [c.tag for c in item] == [f"{Q}itemmetadata", f"{Q}presentation", f"{Q}resprocessing", f"{Q}itemfeedback"]
        meta = {f.find(f"{Q}fieldlabel").text: f.find(f"{Q}fieldentry").text for f in item.iter(f"{Q}qtimetadatafield")}
        assert meta["question_type"] == "numerical_question"
        pid = meta["nnsteps_problem"]
        points[pid] = points.get(pid, 0) + float(meta["points_possible"])
        assert item.find(f"{Q}presentation/{Q}response_str/{Q}render_fib").get("fibtype") == "Decimal"
        assert item.find(f"{Q}presentation/{Q}material/{Q}mattext").get("texttype") == "text/html"
        cond = item.find(f"{Q}resprocessing/{Q}respcondition[@continue='No']")
        assert cond.find(f"{Q}setvar").text == "100"
        values.setdefault(pid, []).append((cond.find(f".//{Q}varequal").text, cond.find(f".//{Q}vargte").text,
                                           cond.find(f".//{Q}varlte").text))
        shows = item.find(f"{Q}resprocessing/{Q}respcondition[@continue='Yes']/{Q}displayfeedback").get("linkrefid")
        assert shows == item.find(f"{Q}itemfeedback").get("ident") == "general_fb"
    assert set(points) == set(expected) and "q7" not in points
    assert any(w.startswith("left out q7") for w in warnings)
    for pid, item in expected.items():
        assert points[pid] == pytest.approx(item.points, rel=1e-9)
        assert len(values[pid]) == len(item.asked())
        for (eq, low, high), cell in zip(values[pid], item.asked()):
            assert float(eq) == pytest.approx(float(cell.value), rel=1e-14)
            tol = 0 if isinstance(cell.value, int) else abs(float(cell.value)) * ps.rtol
            assert float(low) == pytest.approx(float(cell.value) - tol, rel=1e-12)
            assert float(high) == pytest.approx(float(cell.value) + tol, rel=1e-12)


def test_worked_solution_is_the_general_feedback(package) -> None:
    z, _ = package
    (name,) = [n for n in z.namelist() if n != "imsmanifest.xml"]
    root = ET.fromstring(z.read(name))
    first = next(i for i in root.iter(f"{Q}item") if i.get("ident") == "q1a-0")
    assert "<math" in first.find(f"{Q}itemfeedback//{Q}mattext").text
    assert first.get("title") == "q1a [0][0]"
