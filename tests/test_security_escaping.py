"""Text that came from a file is escaped for where it lands: a hostile problem id, token, parameter name or
student answer never becomes code in generated Python, markup in HTML/MathML/Markdown or a command in a
``.tex`` file, through the CLI, the exporters and the server; and a fuzz pass over every kind's string
fields into every output format finds nothing live. (The real Chromium loads are in
``tests/browser/test_escaped_pages.py``.)"""

from __future__ import annotations

import ast
import asyncio
import io
import json
import re
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnsteps.errors import NnstepsError
from nnsteps.escape import active_latex
from nnsteps.export import FORMATS, format_module
from nnsteps.export.items import load

ROOT = Path(__file__).resolve().parents[1]
ENV = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}

PWN = 'document.title="pwned"'
IMG = r'\text{<img/src="x"/onerror=' + PWN + ">}"
HREF = r"\href{javascript:" + PWN + "}{a}"
STYLE = r"\style{background:url(http://127.0.0.1:9/leak)}{a}"
CLASS = r"\class{x}{a}"
SCRIPT = "<script>" + PWN + "</script>"
INPUT = r"\input{/etc/hostname}"
TOKENS = (IMG, HREF, STYLE, CLASS, SCRIPT, INPUT)
PY_BREAK = 'q1"""\nimport os; os.system("touch /tmp/nnsteps-pwned")\n"""'


def beam(tokens: tuple[str, ...] = TOKENS, pid: str = "b1") -> dict[str, Any]:
    """A beam search whose vocabulary is the hostile tokens (and b)."""
    vocab = [*tokens, "b"]
    row = {t: f"{1 / (len(vocab) + 1):.6f}" for t in vocab}
    return {"id": pid, "kind": "beam_search", "beam_width": 2, "max_length": 2,
            "probabilities": {"": row, **{t: row for t in vocab}}}


def optimizer(names: tuple[str, ...] = TOKENS, pid: str = "o1") -> dict[str, Any]:
    """An SGD step whose parameters are named by the hostile tokens."""
    return {"id": pid, "kind": "optimizer", "method": "sgd", "lr": "0.1",
            "params": {n: i + 1 for i, n in enumerate(names)},
            "grads": [{n: "0.5" for n in names}]}


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nnsteps.cli", *args], env=ENV, capture_output=True, text=True,
                          timeout=600, cwd=cwd)


def write(tmp_path: Path, *problems: dict[str, Any], title: str = "Hostile") -> Path:
    path = tmp_path / "problems.yaml"
    path.write_text(yaml.safe_dump({"title": title, "problems": list(problems)}, allow_unicode=True))
    return path


class _Live(HTMLParser):
    """Everything in an HTML/MathML page that could run or fetch: tags, handlers, links, styles."""

    BAD_TAGS = {"script", "img", "iframe", "object", "embed", "base", "form", "link", "frame", "audio", "video",
                "source", "input", "button", "maction", "annotation-xml", "foreignobject", "use", "image"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.styles = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BAD_TAGS:
            self.found.append(f"<{tag}>")
        if tag == "style":
            self.styles += 1
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name in ("href", "src", "xlink:href", "action", "formaction") and not value.startswith("#"):
                self.found.append(f"{tag} {name}={value}")
            if name == "style":
                self.found.append(f"{tag} style={value}")
            if name in ("xlink:href", "action", "formaction", "data") and "javascript:" in value:
                self.found.append(f"{tag} {name}={value}")

    handle_startendtag = handle_starttag


def live_html(text: str) -> list[str]:
    """What in an HTML document or fragment could run or fetch (empty: nothing)."""
    parser = _Live()
    parser.feed(text)
    parser.close()
    return parser.found + (["a second <style>"] if parser.styles > 1 else [])


def live_markdown(text: str) -> list[str]:
    """Raw HTML a Markdown viewer would read as markup (any ``<`` that opens a tag, comment or declaration) and
    links and images it would follow or fetch (``[a](javascript:…)``, ``![x](http://…)``), outside a fenced code block (whose text a viewer shows as written). Fences as CommonMark reads them: a
    block closes at the first line of at least as many of its fence characters and nothing else."""
    outside, fence = [], ""
    for line in text.split("\n"):
        bare = line[:3].lstrip(" ") + line[3:]
        run = re.match(r"`{3,}|~{3,}", bare)
        if not fence:
            if run and "`" not in bare[run.end():]:
                fence = run.group()
            else:
                outside.append(line)
        elif run and run.group()[0] == fence[0] and len(run.group()) >= len(fence) and not bare[run.end():].strip():
            fence = ""
    text = "\n".join(outside)
    links = re.findall(r"!?(?<!\\)\[[^\]\n]*(?<!\\)\]\([^)\n]*\)?", text)  # a link, or an image a viewer fetches
    return re.findall(r"<[A-Za-z/!?][^\n]{0,40}", text) + links


def live_tex(text: str) -> list[str]:
    """Commands after the preamble that act rather than typeset (file reads, shell escape, catcodes)."""
    body = text.split(r"\begin{document}", 1)[1]
    return [m.group() for m in re.finditer(r"\\(input|include|write|openin|read|catcode|csname|def)(?![A-Za-z])|\^\^",
                                           body)]


def module_level(source: str) -> list[str]:
    """The generated module's top-level statement types; a hostile text must add none (and must parse)."""
    return [type(node).__name__ for node in ast.parse(source).body]


def string_constants(source: str) -> set[str]:
    return {n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


# --- code from a PrairieLearn export -----------------------------------------------------------------------


def test_a_problem_id_that_closes_a_docstring_stays_a_string_in_prairielearns_server_py(tmp_path: Path) -> None:
    path = write(tmp_path, {"id": PY_BREAK, "kind": "relu", "input": "1 -2"})
    done = cli("export", str(path), "--to", "prairielearn", "-o", str(tmp_path / "pl"))
    assert done.returncode == 0, done.stderr
    servers = sorted((tmp_path / "pl").glob("*/server.py"))
    fixed = next(s for s in servers if not s.parent.name.endswith("-random"))
    source = fixed.read_text()
    assert module_level(source) == ["Expr", "ImportFrom", "Assign", "Assign", "Assign", "Assign", "Assign", "FunctionDef",
                                    "FunctionDef"]
    question = next(n for n in ast.parse(source).body if isinstance(n, ast.Assign) and n.targets[0].id == "QUESTION")
    assert isinstance(question.value, ast.Constant) and question.value.value == PY_BREAK
    assert PY_BREAK in yaml.safe_load(ast.literal_eval(source.split("PROBLEM = ", 1)[1].split("  #", 1)[0]))[
        "problems"][0]["id"]
    info = json.loads((fixed.parent / "info.json").read_text())
    assert info["title"] == PY_BREAK  # JSON carries it as a string too
    assert not Path("/tmp/nnsteps-pwned").exists()


def test_the_notebook_holds_ids_and_the_problem_file_as_python_literals(tmp_path: Path) -> None:
    path = write(tmp_path, {"id": PY_BREAK, "kind": "relu", "input": "1 -2"}, title="t'''\"\"\"\nimport os")
    done = cli("export", str(path), "--to", "notebook", "-o", str(tmp_path / "nb.ipynb"))
    assert done.returncode == 0, done.stderr
    cells = json.loads((tmp_path / "nb.ipynb").read_text())["cells"]
    code = [c["source"] for c in cells if c["cell_type"] == "code"]
    assert module_level(code[0])[:2] == ["Assign", "Import"]  # YAML = '...', then the setup
    assert [module_level(c) for c in code[1:]] == [["Assign"], ["Expr"]]
    assert PY_BREAK in string_constants(code[1]) and PY_BREAK in string_constants(code[2])
    assert "import os" not in " ".join(type(n).__name__ for n in ast.parse(code[0]).body)
    markdown = "\n".join(c["source"] for c in cells if c["cell_type"] == "markdown")
    assert live_markdown(markdown.replace("<small>", "").replace("</small>", "")) == []


# --- terminal control characters ------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["title", "id", "problem title", "token"])
def test_terminal_escapes_in_a_problem_file_are_refused_in_one_line(tmp_path: Path, where: str) -> None:
    evil = "T\x1b]0;owned\x07\x1b[2J\x9b31m"  # retitle the terminal, clear the screen, an 8-bit CSI
    problem = {"id": "q", "kind": "relu", "input": "1 -2"}
    if where == "id":
        problem["id"] = evil
    elif where == "problem title":
        problem["title"] = evil
    elif where == "token":
        problem = beam((evil, "c"))
    path = write(tmp_path, problem, title=evil if where == "title" else "ok")
    done = cli("solve", str(path))
    assert done.returncode == 2, done.stdout
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "\\x1b" in done.stderr and "a control character" in done.stderr
    assert not any(c in done.stderr for c in "\x1b\x07\x9b")


@pytest.mark.parametrize("where", ["title", "id", "token"])
def test_characters_xml_forbids_are_refused_in_one_line_before_any_export(tmp_path: Path, where: str) -> None:
    evil = "T\uffff\ufffe"  # was: Moodle XML and Canvas QTI written "not well-formed", failing at import
    problem = beam((evil, "c")) if where == "token" else {"id": evil if where == "id" else "q", "kind": "relu",
                                                           "input": "1 -2"}
    path = tmp_path / "problems.json"
    path.write_text(json.dumps({"title": evil if where == "title" else "ok", "problems": [problem]}))
    for target in ("moodle", "canvas"):
        done = cli("export", str(path), "--to", target, "-o", str(tmp_path / target))
        assert (done.returncode, done.stdout) == (2, ""), done.stdout
        assert done.stderr.startswith("error: field ") and done.stderr.count("\n") == 1, done.stderr
        assert "T\\uffff\\ufffe' (a character XML forbids)" in done.stderr and not (tmp_path / target).exists()


def test_terminal_escapes_in_an_answer_are_refused_and_tabs_and_newlines_are_text() -> None:
    from nnsteps.problems.load import loads

    assert loads('{"spec": "input 4x4x3\\r\\n\\tconv 3x3x2"}') == {"spec": "input 4x4x3\r\n\tconv 3x3x2"}
    with pytest.raises(NnstepsError, match=r"field q\[0\]: expected text without control characters, got "
                                           r"'1\\x08\\x08' \(a control character\)"):
        loads('{"q": ["1\\b\\b", 2]}')


# --- HTML injection: the report, the handouts, Moodle, Canvas, PrairieLearn, the server ----------------------


@pytest.mark.parametrize("problem", [beam(), optimizer()], ids=["beam-search-tokens", "optimizer-names"])
def test_hostile_tokens_reach_the_html_report_as_text(tmp_path: Path, problem: dict[str, Any]) -> None:
    path = write(tmp_path, problem)
    done = cli("solve", str(path), "-o", str(tmp_path / "report.html"))
    assert done.returncode == 0, done.stderr
    report = (tmp_path / "report.html").read_text()
    assert live_html(report) == []
    assert "&#x0003C;img/src=" in report or "&lt;img/src=" in report  # shown, as text
    assert "Content-Security-Policy" in report and "default-src 'none'" in report


def test_hostile_tokens_reach_the_html_handouts_as_text(tmp_path: Path) -> None:
    path = write(tmp_path, beam(), optimizer())
    done = cli("export", str(path), "--to", "html", "-o", str(tmp_path / "handout"))
    assert done.returncode == 0, done.stderr
    for name in ("student.html", "instructor.html"):
        page = (tmp_path / "handout" / name).read_text()
        assert live_html(page) == [], name
        assert "default-src 'none'" in page


def test_hostile_tokens_reach_moodle_and_canvas_as_text(tmp_path: Path) -> None:
    path = write(tmp_path, beam(), optimizer(), {"id": "c", "kind": "relu", "input": "1 -2",
                                                  "title": "{1:SHORTANSWER:=x}" + SCRIPT})
    done = cli("export", str(path), "--to", "moodle", "-o", str(tmp_path / "quiz.xml"))
    assert done.returncode == 0, done.stderr
    import xml.etree.ElementTree as ET

    root = ET.parse(tmp_path / "quiz.xml").getroot()
    texts = [q.findtext("questiontext/text") or "" for q in root.iter("question")]
    feedback = [q.findtext("generalfeedback/text") or "" for q in root.iter("question")]
    assert [live_html(t) for t in texts + feedback] == [[]] * len(texts + feedback)
    assert not any("{1:SHORTANSWER" in t for t in texts)  # a given cannot add a cloze blank
    done = cli("export", str(path), "--to", "canvas", "-o", str(tmp_path / "canvas.zip"))
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "canvas.zip") as z:
        qti = next(n for n in z.namelist() if n != "imsmanifest.xml")
        mattexts = [m.text or "" for m in ET.fromstring(z.read(qti)).iter() if m.tag.endswith("mattext")]
    assert mattexts and [live_html(t) for t in mattexts] == [[]] * len(mattexts)


def test_prairielearn_params_rendered_raw_hold_no_markup() -> None:
    from nnsteps.export import prairielearn
    from nnsteps.generation.generate import dump_yaml

    for problem in (beam(), optimizer()):
        data: dict[str, Any] = {"variant_seed": 1, "params": {}, "correct_answers": {}}
        prairielearn.generate(data, problem["kind"], dump_yaml({"problems": [problem]}), 0.001)
        assert live_html(data["params"]["statement"]) == []  # {{{params.statement}}} is placed unescaped
        assert live_html(data["params"]["solution"]) == []


def test_the_server_answers_hostile_tokens_as_data_and_escaped_html() -> None:
    from nnsteps.web.app import create_app

    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=120) as client:
            return [await client.post("/api/solve", json=beam()),
                    await client.post("/api/view", json={"problems": [beam(), optimizer()]})]

    solved, viewed = asyncio.run(go())
    assert solved.status_code == 200 and viewed.status_code == 200, (solved.text, viewed.text)
    assert solved.json()["answer"]["best"]["sequence"][0] in TOKENS  # the JSON answer is the data, unchanged
    problems = viewed.json()["problems"]
    assert len(problems) == 2
    for p in problems:
        assert live_html(p["html"]) == [] and live_html(p["answer_html"]) == []


def test_active_latex_commands_take_the_text_route_in_mathml() -> None:
    from nnsteps.render.mathml import latex_to_mathml

    assert latex_to_mathml(HREF).startswith('<span class="math-text">')
    assert latex_to_mathml(STYLE) == '<span class="math-text">background:url(http://127.0.0.1:9/leak)a</span>'
    assert latex_to_mathml(IMG) == ('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><mtext>'
                                    '&#x0003C;img/src="x"/onerror=document.title="pwned"&#x0003E;</mtext></mrow></math>')
    assert "<mtext>a_b {c}</mtext>" in latex_to_mathml(r"\text{a\_b \{c\}} + 1")  # escaped text, shown as written


# --- TeX that a page's MathJax would act on: Moodle, Canvas, PrairieLearn, Jupyter, Markdown ---------------

DELIMITED = (r"\(\href{javascript:" + PWN + r"}{x}\)", r"$\href{javascript:" + PWN + r"}{y}$", r"$$\class{c}{z}$$",
             r"\[\style{background:url(http://127.0.0.1:9/leak)}{a}\]")
"""Tokens that bring their own math delimiters, so a page's MathJax (Moodle's filter, Canvas, PrairieLearn,
Jupyter) would typeset them: a link to javascript:, a class, an outside fetch."""


class _MathJaxText(HTMLParser):
    """The text MathJax scans: outside the tags it skips by default and the classes that opt out."""

    SKIPPED = {"pre", "code", "script", "style", "textarea", "math", "select", "option"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.skipping: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        self.skipping.append(tag in self.SKIPPED or "tex2jax_ignore" in classes or "mathjax_ignore" in classes)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if not any(self.skipping):
            self.text.append(data)


def live_mathjax(page: str, *, markdown: bool = False) -> list[str]:
    """Math between MathJax's delimiters (``\\(…\\)``, ``\\[…\\]``, ``$…$``, ``$$…$$``; an escaped ``\\$`` is no
    delimiter) that holds a command which acts (a link, style, class, file read). A Markdown page is scanned
    whole, code blocks included (Jupyter typesets the rendered cell)."""
    if markdown:
        text = page
    else:
        parser = _MathJaxText()
        parser.feed(page)
        parser.close()
        text = "".join(parser.text)
    spans = re.finditer(r"\\\((.*?)\\\)|\\\[(.*?)\\\]|(?<!\\)\$\$(.*?)(?<!\\)\$\$|(?<!\\)\$(.*?)(?<!\\)\$", text, re.S)
    return [m.group()[:80] for m in spans
            if re.search(r"\\(?:href|class|style|cssId|data|html[A-Za-z]*|require|unicode|mmlToken|input)(?![A-Za-z])",
                         next(g for g in m.groups() if g is not None))]


def delimited_problems() -> list[dict[str, Any]]:
    """A beam search over the delimited tokens (its best sequence one of them) and an SGD step whose parameters
    they name, each titled by one."""
    row = {t: "0.25" for t in DELIMITED}
    return [{**beam(DELIMITED, pid="b1"), "probabilities": {"": row, **{t: row for t in DELIMITED}},
             "title": DELIMITED[0]},
            {**optimizer(DELIMITED, pid="o1"), "title": DELIMITED[1]}]


def test_tex_commands_from_a_file_do_nothing_where_an_lms_or_notebook_typesets_math(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    path = write(tmp_path, *delimited_problems(), title=DELIMITED[2])
    pages: dict[str, str] = {}
    for math in ("mathml", "tex"):
        done = cli("export", str(path), "--to", "moodle", "--math", math, "-o", str(tmp_path / f"{math}.xml"))
        assert done.returncode == 0, done.stderr
        root = ET.parse(tmp_path / f"{math}.xml").getroot()
        for n, q in enumerate(root.iter("question")):
            for where in ("name/text", "category/text", "questiontext/text", "generalfeedback/text"):
                pages[f"moodle {math} {n} {where}"] = q.findtext(where) or ""
    done = cli("export", str(path), "--to", "canvas", "-o", str(tmp_path / "canvas.zip"))
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "canvas.zip") as z:
        qti = ET.fromstring(z.read(next(n for n in z.namelist() if n != "imsmanifest.xml")))
    for n, m in enumerate(e for e in qti.iter() if e.tag.endswith("mattext")):
        pages[f"canvas {n}"] = m.text or ""
    for n, item in enumerate(e for e in qti.iter() if e.tag.endswith("item")):
        pages[f"canvas title {n}"] = item.get("title") or ""
    done = cli("export", str(path), "--to", "notebook", "-o", str(tmp_path / "nb.ipynb"))
    assert done.returncode == 0, done.stderr
    cells = json.loads((tmp_path / "nb.ipynb").read_text())["cells"]
    found = {f"notebook {n}": live_mathjax(c["source"], markdown=True) for n, c in enumerate(cells)
             if c["cell_type"] == "markdown"}
    done = cli("solve", str(path), "--format", "markdown", "-o", str(tmp_path / "solutions.md"))
    assert done.returncode == 0, done.stderr
    found["solutions.md"] = live_mathjax((tmp_path / "solutions.md").read_text(), markdown=True)
    found |= {name: live_mathjax(page) for name, page in pages.items()}
    assert {name: hits for name, hits in found.items() if hits} == {}
    assert any("∖href{javascript:" in page for page in pages.values())  # shown as written, a command to nothing


def test_prairielearn_shows_tex_and_markup_from_a_file_as_text_in_statements_and_input_labels() -> None:
    from nnsteps.export import prairielearn
    from nnsteps.generation.generate import dump_yaml

    for problem in [*delimited_problems(), optimizer()]:
        data: dict[str, Any] = {"variant_seed": 1, "params": {}, "correct_answers": {}}
        prairielearn.generate(data, problem["kind"], dump_yaml({"problems": [problem]}), 0.001)
        # PrairieLearn places the statement, the solution and an input's label raw ({{{ }}}) on a MathJax page.
        placed = [data["params"]["statement"], data["params"]["solution"],
                  *(block["label"] for block in data["params"]["blocks"])]
        assert [(live_html(text), live_mathjax(text)) for text in placed] == [([], [])] * len(placed)
    labels = [block["label"] for block in data["params"]["blocks"]]
    assert "params[0].&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;" in labels


def test_a_parameter_name_cannot_add_a_cloze_blank_beside_its_answer(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    sgd = {"id": "o1", "kind": "optimizer", "method": "sgd", "lr": "0.1", "params": {"{1:SHORTANSWER:=a}": 1, "w": 2},
           "grads": [{"{1:SHORTANSWER:=a}": "0.5", "w": "0.5"}]}
    done = cli("export", str(write(tmp_path, sgd)), "--to", "moodle", "-o", str(tmp_path / "quiz.xml"))
    assert done.returncode == 0, done.stderr
    text = next(q.findtext("questiontext/text") or "" for q in ET.parse(tmp_path / "quiz.xml").getroot().iter("question")
                if q.get("type") == "cloze")
    assert "{1:SHORTANSWER" not in text and "params[0].&#123;1:SHORTANSWER:=a&#125; = {1:NUMERICAL:=0.95:" in text
    assert re.findall(r"\{1:(\w+):", text) == ["NUMERICAL", "NUMERICAL"]  # one blank per parameter, no more


def test_a_problem_id_cannot_add_a_cloze_blank_through_the_reference_line_and_still_round_trips(tmp_path: Path) -> None:
    import html as html_module
    import xml.etree.ElementTree as ET

    from nnsteps.export.responses import REFERENCE

    relu = {"id": "q{1:SHORTANSWER:=a}", "kind": "relu", "input": "1 -2"}
    done = cli("export", str(write(tmp_path, relu)), "--to", "moodle", "-o", str(tmp_path / "quiz.xml"))
    assert done.returncode == 0, done.stderr
    text = next(q.findtext("questiontext/text") or "" for q in ET.parse(tmp_path / "quiz.xml").getroot().iter("question")
                if q.get("type") == "cloze")
    assert re.findall(r"\{1:(\w+):", text) == ["NUMERICAL", "NUMERICAL"]  # was: a third, SHORTANSWER, from the id
    found = REFERENCE.search(html_module.unescape(re.sub(r"<[^>]+>", " ", text)))  # Moodle's text of the question
    assert found is not None and found.group(1) == "q{1:SHORTANSWER:=a}"


# --- LaTeX injection ---------------------------------------------------------------------------------------


def test_an_input_token_never_reaches_the_tex_handout_as_a_command(tmp_path: Path) -> None:
    hostile = {**beam(), "id": "x\n\\input{/etc/hostname}", "title": r"\write18{touch /tmp/nnsteps-pwned} ^^5c"}
    path = write(tmp_path, hostile, optimizer())
    done = cli("export", str(path), "--to", "latex", "-o", str(tmp_path / "handout"))
    assert done.returncode == 0, done.stderr
    for name in ("student.tex", "instructor.tex"):
        tex = (tmp_path / "handout" / name).read_text()
        assert live_tex(tex) == [], name
        assert r"\textbackslash{}input\{/etc/hostname\}" in tex


def test_pdflatex_compiles_the_hostile_handout_without_reading_the_file(tmp_path: Path) -> None:
    import shutil

    if shutil.which("pdflatex") is None:
        pytest.skip("no pdflatex")
    marker = tmp_path / "secret.txt"
    marker.write_text("NNSTEPSSECRET\n")
    path = write(tmp_path, beam((rf"\input{{{marker}}}", "a")))
    assert cli("export", str(path), "--to", "latex", "-o", str(tmp_path / "handout")).returncode == 0
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-no-shell-escape", "instructor.tex"],
                          cwd=tmp_path / "handout", capture_output=True, text=True, timeout=300)
    log = (tmp_path / "handout" / "instructor.log").read_text(errors="replace")
    assert (tmp_path / "handout" / "instructor.pdf").exists(), done.stdout[-2000:]
    assert str(marker) not in re.findall(r"\(([^()\s]+)", log) and "NNSTEPSSECRET" not in log


# --- Markdown ----------------------------------------------------------------------------------------------


def test_markdown_solutions_and_check_reports_escape_html(tmp_path: Path) -> None:
    path = write(tmp_path, beam(), {"id": "r" + SCRIPT, "kind": "relu", "input": "1 -2", "title": SCRIPT})
    done = cli("solve", str(path), "--format", "markdown")
    assert done.returncode == 0, done.stderr
    assert live_markdown(done.stdout) == [] and "&lt;script>" in done.stdout
    answers = tmp_path / "ann.yaml"
    answers.write_text(yaml.safe_dump({"r" + SCRIPT: ['<img src=x onerror="alert(1)">', 0]}))
    done = cli("check", str(path), str(answers), "--format", "markdown", "--feedback", "full")
    assert done.returncode == 1, done.stderr
    assert live_markdown(done.stdout) == [] and "&lt;img src=x" in done.stdout


FENCE_BREAK = "a\n```\n<img src=x onerror=alert(1)>\n````\n<svg onload=alert(2)>"
"""Givens shown as code whose lines close a fence of three (then four) backticks."""


@pytest.mark.parametrize("problem", [
    {"kind": "bleu", "candidate": FENCE_BREAK, "references": ["a b"]},
    {"kind": "bleu", "candidate": "a b", "references": [FENCE_BREAK]},
    {"kind": "metrics", "y_true": [FENCE_BREAK, "b", FENCE_BREAK], "y_pred": [FENCE_BREAK, FENCE_BREAK, "b"]},
    {**beam((FENCE_BREAK, "c")), "end": FENCE_BREAK},
], ids=["bleu-candidate", "bleu-references", "metrics-labels", "beam-tokens-and-end"])
def test_a_given_that_closes_a_code_fence_stays_inside_it_in_the_notebook(problem: dict[str, Any]) -> None:
    files, _ = format_module("notebook").build(load({"problems": [{**problem, "id": "p"}]}), {})
    cells = json.loads(next(iter(files.values())))["cells"]
    markdown = "\n".join(c["source"] for c in cells if c["cell_type"] == "markdown")
    assert "<img src=x onerror=alert(1)>" in markdown  # shown as written, inside a fence
    assert live_markdown(markdown.replace("<small>", "").replace("</small>", "")) == []


def test_statement_prose_and_math_reach_markdown_escaped() -> None:
    from nnsteps.render.statement import Given, Statement, statement_markdown

    md = statement_markdown(Statement("Apply <b>f</b> to $\\text{<img src=x>}$.", [Given("Layer <i>1</i>", "x <y")],
                                      ["the <u>output</u>"]))
    assert live_markdown(md) == []
    assert "&lt;b>f&lt;/b>" in md and "$\\text{< img src=x>}$" in md and "&lt;u>output" in md


MD_LINKS = "x ![leak](http://127.0.0.1:9/leak.png) [click](javascript:alert(1)) [ref]: http://127.0.0.1:9/r"


def test_markdown_links_and_images_from_a_file_are_text_in_solutions_and_the_notebook(tmp_path: Path) -> None:
    path = write(tmp_path, {"id": "q[1](http://127.0.0.1:9/id)", "kind": "relu", "input": "1 -2", "title": MD_LINKS},
                 {"id": "b", "kind": "bleu", "candidate": "a b", "references": ["a b"], "title": MD_LINKS},
                 beam((MD_LINKS, "a` ![x](http://127.0.0.1:9/y.png) `b")),  # tokens inside math: no link either
                 title=MD_LINKS)
    done = cli("solve", str(path), "--format", "markdown")
    assert done.returncode == 0, done.stderr
    assert live_markdown(done.stdout) == [] and "[click\\](javascript:alert(1))" in done.stdout and "[ref\\]: http" in done.stdout
    assert cli("export", str(path), "--to", "notebook", "-o", str(tmp_path / "nb.ipynb")).returncode == 0
    cells = json.loads((tmp_path / "nb.ipynb").read_text())["cells"]
    markdown = "\n".join(c["source"] for c in cells if c["cell_type"] == "markdown")
    assert live_markdown(markdown.replace("<small>", "").replace("</small>", "")) == []


# --- fuzz: every kind's string fields into every output ------------------------------------------------------

SNIPPETS = [*TOKENS, PY_BREAK, "<!--", "]]>", "{{{x}}}", "{1:NUMERICAL:=1}", "\\", "\\\\", "^^5cinput",
            r"\catcode`\@=0", r"\write18{id}", "`````", "$x$", "&lt;script&gt;", "\u2028", "<svg onload=x>",
            "[a](javascript:x)", "%", "'''", "\"\"\"", "\\\n", FENCE_BREAK]
META = st.text(alphabet=list("\\{}$&#^_%~<>\"'`[]()!:;/=* \nxa1"), max_size=24)
HOSTILE = st.one_of(st.sampled_from(SNIPPETS), META,
                    st.tuples(st.sampled_from(SNIPPETS), META, st.sampled_from(SNIPPETS)).map("".join))


def _kinds() -> list[tuple[str, dict[str, Any], tuple[str, ...]]]:
    """Every kind with its example and its text fields: text, and lists of words in its example (a BLEU
    reference, class labels), whose first word the fuzz replaces."""
    from nnsteps.problems.registry import FieldType, load_kinds

    out = []
    for name, record in sorted(load_kinds().items()):
        if record.example:
            texts = tuple(f.name for f in record.specs if f.type == FieldType.TEXT or f.type == FieldType.LIST
                          and isinstance(v := record.example.get(f.name), list) and v and isinstance(v[0], str))
            out.append((name, dict(record.example), texts))
    return out


KINDS = _kinds()


def _outputs(document: dict[str, Any]) -> dict[str, Any]:
    """Every output format and every export of one problem file (an error line when it is refused)."""
    from nnsteps.problems.solve import solve_document
    from nnsteps.render.document import render_solved

    out: dict[str, Any] = {}
    solved = solve_document(document)
    for fmt in ("text", "markdown", "html", "json"):
        out[fmt] = render_solved(solved, fmt)
    problems = load(document)
    for target in FORMATS:
        files, _ = format_module(target).build(problems, {})
        for name, body in files.items():
            if isinstance(body, bytes):
                with zipfile.ZipFile(io.BytesIO(body)) as z:
                    for member in z.namelist():
                        out[f"{target}:{member}"] = z.read(member).decode()
            else:
                out[f"{target}:{name}"] = body
    return out


def assert_nothing_live(outputs: dict[str, Any], hostile: str) -> None:
    import xml.etree.ElementTree as ET

    for where, body in outputs.items():
        if where == "json":
            json.loads(body)
        elif where == "html" or where.endswith(".html") and not where.endswith("question.html"):
            assert live_html(body) == [], where
        elif where.endswith("question.html"):  # our Mustache template, unchanged by the problem
            from nnsteps.export.prairielearn import QUESTION_HTML

            assert body == QUESTION_HTML
        elif where == "markdown":
            assert live_markdown(body) == [], where
        elif where.endswith(".tex"):
            assert live_tex(body) == [], where
        elif where.endswith(".py"):
            source = body
            assert "Call" not in [type(n).__name__ for n in ast.parse(source).body], where
            if where.startswith("prairielearn:") and "-random/" not in where:
                assert module_level(source)[-2:] == ["FunctionDef", "FunctionDef"]
        elif where.endswith(".ipynb"):
            cells = json.loads(body)["cells"]
            for cell in cells:
                if cell["cell_type"] == "code":
                    ast.parse(cell["source"])
                else:
                    text = cell["source"].replace("<small>", "").replace("</small>", "")
                    assert live_markdown(text) == [], where
        elif where in ("moodle:moodle.xml",) or where.startswith("canvas:"):
            for el in ET.fromstring(body).iter():
                if el.tag.endswith(("}text", "}mattext")) or el.tag in ("text", "mattext"):
                    assert live_html(el.text or "") == [], (where, el.text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), hostile=HOSTILE)
def test_fuzz_hostile_text_in_every_kinds_string_fields_comes_out_of_every_format_inert(data: st.DataObject,
                                                                                        hostile: str) -> None:
    name, example, texts = data.draw(st.sampled_from(KINDS), label="kind")
    where = data.draw(st.sampled_from(["id", "title", *texts]), label="field")
    value = [hostile, *example[where][1:]] if isinstance(example.get(where), list) else hostile
    problem = {"id": "p", "kind": name, **example, where: value if where != "id" else "p" + hostile}
    try:
        outputs = _outputs({"title": hostile, "problems": [problem]})
    except NnstepsError as err:  # refused: one line, nothing written
        assert "\n" not in str(err)
        return
    assert_nothing_live(outputs, hostile)


@pytest.mark.parametrize("problem", [beam(), optimizer()], ids=["beam-search-tokens", "optimizer-names"])
def test_every_format_carries_the_known_hostile_tokens_inert(problem: dict[str, Any]) -> None:
    assert_nothing_live(_outputs({"title": SCRIPT, "problems": [problem]}), SCRIPT)


def test_active_latex_is_named() -> None:
    assert [active_latex(t) for t in TOKENS] == [None, r"\href", r"\style", r"\class", None, r"\input"]


def test_pdftex_primitives_that_read_files_are_active_latex() -> None:
    reads = [r"\pdffiledump length 14 {/etc/hostname}", r"\pdfobj file {/etc/hostname}", r"\pdfximage{/etc/hostname}",
             r"\pdfmdfivesum file {/etc/hostname}", r"\IfFileExists{/etc/hostname}{a}{b}", r"\filesize{/etc/hostname}"]
    assert [active_latex(t) for t in reads] == [r"\pdffiledump", r"\pdfobj", r"\pdfximage", r"\pdfmdfivesum",
                                                r"\IfFileExists", r"\filesize"]
    assert active_latex(r"\frac{a}{b} \cdot \mathrm{pdf}") is None
