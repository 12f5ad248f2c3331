"""nnsteps export --to html|latex: student and instructor handouts. The HTML is read back with
html.parser; the LaTeX is compiled with pdflatex (installed by scripts/test.sh; skipped elsewhere when missing)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from nnsteps.export import export
from nnsteps.export.items import load

ROOT = Path(__file__).resolve().parents[1]
PROBLEMS = ROOT / "examples" / "assignment3.yaml"


class Sections(HTMLParser):
    """Problem ids of the question sections, and whether any script or remote resource is loaded."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.remote = False
        self.boxes = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section" and a.get("class") == "question":
            self.ids.append(a["data-problem"] or "")
        if tag == "script" or any((v or "").startswith(("http:", "https:")) for k, v in a.items() if k in ("src", "href")):
            self.remote = True
        if tag == "td" and self.ids:
            self.boxes += 1


@pytest.fixture(scope="module")
def handouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("h")
    html = export(PROBLEMS, "html", out / "html")
    tex = export(PROBLEMS, "latex", out / "tex")
    assert html.warnings == tex.warnings == []  # handouts carry every problem, symbolic ones too
    return {p.name: p for p in html.written + tex.written}


def test_html_handouts_carry_every_question_student_without_answers(handouts: dict[str, Path]) -> None:
    ps = load(PROBLEMS)
    ids = [i.id for i in ps.items]
    student, instructor = handouts["student.html"].read_text(), handouts["instructor.html"].read_text()
    for text in (student, instructor):
        parser = Sections()
        parser.feed(text)
        assert parser.ids == ids and not parser.remote
        assert ps.sha256 in text  # the round trip: the problem file's fingerprint
    boxes = Sections()
    boxes.feed(student)
    # one empty box per numeric cell laid out in a grid (q1a's 3×3 output among them)
    assert boxes.boxes >= 9
    assert "Worked solution" not in student and 'class="worked"' not in student
    assert instructor.count('class="worked"') == len(ids) and "<math" in instructor
    # the worked step that q1a's key comes from is in the instructor's page, with its numbers
    assert "Answer and worked solution" in instructor and "<mtable" in instructor


def test_latex_handouts_use_standard_packages_only(handouts: dict[str, Path]) -> None:
    for name in ("student.tex", "instructor.tex"):
        text = handouts[name].read_text()
        packages = {p.strip() for line in text.splitlines() if line.startswith(r"\usepackage")
                    for p in line.split("{")[1].rstrip("}").split(",")}
        assert packages <= {"inputenc", "fontenc", "geometry", "amsmath", "amssymb", "graphicx"}
        assert text.count(r"\subsection*{") == len(load(PROBLEMS).items)
        assert text.isascii()
    assert r"\answerbox" in handouts["student.tex"].read_text()
    assert r"\steprow{" in handouts["instructor.tex"].read_text()
    assert r"\steprow{" not in handouts["student.tex"].read_text() and "Worked solution" not in handouts["student.tex"].read_text()


def compile_latex(source: str, name: str, folder: Path) -> Path:
    """pdflatex the source in ``folder``; the PDF's path (a failed run shows the end of its log)."""
    assert shutil.which("pdflatex"), "NNSTEPS_REQUIRE_PDFLATEX is set but pdflatex is not on PATH"
    (folder / name).write_text(source)
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", name], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return folder / name.replace(".tex", ".pdf")


NO_TEX = shutil.which("pdflatex") is None and not os.environ.get("NNSTEPS_REQUIRE_PDFLATEX")


# scripts/test.sh installs Debian's TeX and sets NNSTEPS_REQUIRE_PDFLATEX, so in CI this test runs, never skips.
@pytest.mark.skipif(NO_TEX, reason="pdflatex is not installed (bash scripts/test.sh installs it)")
@pytest.mark.parametrize("name", ["student.tex", "instructor.tex"])
def test_latex_handouts_compile(handouts: dict[str, Path], name: str, tmp_path: Path) -> None:
    pdf = compile_latex(handouts[name].read_text(), name, tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF")
    log = pdf.with_suffix(".log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log  # nothing runs off the page: wide matrices and tables are scaled


@pytest.mark.skipif(NO_TEX, reason="pdflatex is not installed (bash scripts/test.sh installs it)")
def test_instructor_key_of_the_reference_set_fits_in_six_pages(handouts: dict[str, Path], tmp_path: Path) -> None:
    key = handouts["instructor.tex"].read_text()
    pdf = compile_latex(key, "instructor.tex", tmp_path)
    pages = re.search(r"Output written on instructor.pdf \((\d+) pages?", pdf.with_suffix(".log").read_text(errors="replace"))
    assert pages and 1 <= int(pages.group(1)) <= 6, pages
    # answers as matrices and tables, not a line per cell; no "= None"; the title says "(instructor)" once
    assert r"\begin{bmatrix} 7 & 9 & 8 \\ 7 & 9 & 10 \\ 8 & 5 & 8 \end{bmatrix}" in key  # q1a's answer, whole
    assert "None" not in key and "[0][0]" not in key and key.count("(instructor)") == 1
    assert r"\begin{tabular}" in key  # q2's layer table


def test_statements_typeset_givens_and_never_ask_what_is_given(handouts: dict[str, Path]) -> None:
    student = handouts["student.tex"].read_text()
    # q1a's input as a matrix, not the YAML text; stride and padding stated though the file leaves padding out
    assert r"X = \begin{bmatrix} 1 & 1 & 1 & 1 & 0 \\ 0 & 0 & 1 & 1 & 1" in student
    assert "1 1 1 1 0" not in student and "stride $s = 1$, padding $p = 0$" in student
    assert "grid kinds as stages" not in student  # a kind's developer summary is never the question
    html = handouts["student.html"].read_text()
    assert "<mtable" in html and "grid kinds as stages" not in html


@pytest.mark.parametrize(("fmt", "name"), [("html", "handout.html"), ("latex", "handout.tex")])
def test_output_with_an_extension_writes_the_handout_and_its_key_beside_it(fmt: str, name: str,
                                                                            tmp_path: Path) -> None:
    done = export(PROBLEMS, fmt, tmp_path / name)
    stem, ext = name.split(".")
    assert [p.name for p in done.written] == [name, f"{stem}-key.{ext}"]
    assert all(p.is_file() for p in done.written)
    assert "Worked solution" not in done.written[0].read_text() and "Worked solution" in done.written[1].read_text()
    folder = export(PROBLEMS, fmt, tmp_path / "handouts")  # no extension: a folder, as before
    assert sorted(p.name for p in folder.written) == sorted([f"student.{ext}", f"instructor.{ext}"])


def test_output_with_another_extension_is_one_error_line(tmp_path: Path) -> None:
    from nnsteps.errors import NnstepsError

    with pytest.raises(NnstepsError, match=r"field --output: expected a file ending in \.html .*got handout\.pdf"):
        export(PROBLEMS, "html", tmp_path / "handout.pdf")


@pytest.mark.skipif(NO_TEX, reason="pdflatex is not installed (bash scripts/test.sh installs it)")
def test_the_key_of_the_optimizer_examples_compiles_with_hatted_symbols(tmp_path: Path) -> None:
    done = export(ROOT / "examples" / "optimizers_sequences.yaml", "latex", tmp_path / "h.tex")
    key = done.written[1].read_text()
    assert r"\named{$\hat{m}$}" in key and "m̂" not in key and key.isascii()  # pdflatex has no combining hat
    assert compile_latex(key, "key.tex", tmp_path).read_bytes().startswith(b"%PDF")


def test_latex_writes_a_tiny_float_as_a_power_of_ten() -> None:
    from nnsteps.render.values import latex_matrix

    assert latex_matrix([0.5, 1.734723476e-17]) == r"\begin{bmatrix} 0.5 & 1.734723476 \cdot 10^{-17} \end{bmatrix}"


@pytest.mark.skipif(NO_TEX, reason="pdflatex is not installed (bash scripts/test.sh installs it)")
def test_an_indented_matrix_in_a_key_is_scaled_to_the_room_left_by_its_indent(tmp_path: Path) -> None:
    # gradients.yaml's pipeline answers a matrix per stage inside an indented group (\leftskip 1.5em)
    key = export(ROOT / "examples" / "gradients.yaml", "latex", tmp_path / "g.tex").written[1].read_text()
    assert r"\begingroup\leftskip=1.5em" in key
    log = compile_latex(key, "key.tex", tmp_path).with_suffix(".log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log
