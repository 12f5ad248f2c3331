"""PrairieLearn: a question directory per problem (``<id>/``), and per kind that nnsteps can generate a
randomised one (``<kind>-random/``), each with ``info.json`` (a UUID derived from the problem, so a re-export
keeps the question's identity), ``question.html`` and ``server.py``.

``server.py`` is a thin shell over this module: ``generate(data)`` draws a fresh variant with
``nnsteps.generate(kind, seed=data["variant_seed"])`` (or takes the fixed problem) and fills ``params`` and
``correct_answers``; ``grade(data)`` runs nnsteps's checker for per-cell partial credit and feedback. The
inputs are laid out by Mustache from ``params.blocks`` (a ``pl-matrix-input`` per matrix, a
``pl-number-input`` per number), since a random variant's shapes follow its seed. Symbolic cells are not
asked (named in a warning); a problem without any numeric cell is left out with a warning.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import re
import uuid
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.escape import inert_tex
from nnsteps.export.items import Item, ProblemSet, load, number_text

NAME = "prairielearn"
WRITES = "folder"
DEFAULT = "questions"

QUESTION_HTML = """<pl-question-panel>
  <div>{{{params.statement}}}</div>
</pl-question-panel>
{{#params.blocks}}
{{#matrix}}<pl-matrix-input answers-name="{{name}}" label="{{label}}" rtol="{{rtol}}" atol="{{atol}}"></pl-matrix-input>{{/matrix}}
{{^matrix}}<pl-number-input answers-name="{{name}}" label="{{label}} =" rtol="{{rtol}}" atol="{{atol}}"></pl-number-input>{{/matrix}}
{{/params.blocks}}
<pl-answer-panel>
  <div>{{{params.solution}}}</div>
</pl-answer-panel>
"""

SERVER = '''"""An nnsteps question (QUESTION): variants and grading by nnsteps (pip install nnsteps)."""

from nnsteps.export import prairielearn as nnsteps_pl

QUESTION = {qid}
KIND = {kind}
PROBLEM = {problem}  # YAML of the fixed problem; None: a fresh variant of KIND per PrairieLearn seed
RTOL = {rtol}
FEEDBACK = {feedback}  # mistakes: the wrong cells and the likely mistake; full: the key and derivation too


def generate(data):
    nnsteps_pl.generate(data, KIND, PROBLEM, RTOL)


def grade(data):
    nnsteps_pl.grade(data, RTOL, FEEDBACK)
'''
"""The generated ``server.py``; every ``{name}`` is filled with a Python literal (``repr``) by :func:`server_py`,
never with text, so an id or a problem file cannot close a string and add code."""


def build(problems: ProblemSet, options: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The question folders and the warnings.

    Two questions whose folders would share a name (``q 1`` and ``q_1``, or a problem named ``relu-random``
    beside the random relu question) are one error naming both: nothing is merged or overwritten.

    >>> files, warnings = build(load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}), {})
    >>> sorted(files)
    ['q/info.json', 'q/question.html', 'q/server.py', 'relu-random/info.json', 'relu-random/question.html', 'relu-random/server.py']
    >>> build(load({"problems": [{"id": "q 1", "kind": "relu", "input": "1"}, {"id": "q_1", "kind": "relu", "input": "2"}]}), {})
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: problem q_1, field id: problem 'q 1' and problem 'q_1' would both be PrairieLearn question folder 'q_1'; rename one
    """
    from nnsteps.export import feedback_level, warn_left_out
    from nnsteps.generation.generate import dump_yaml, kinds

    files: dict[str, str] = {}
    warnings: list[str] = []
    random: list[str] = []
    taken: dict[str, tuple[str, str]] = {}  # folder (casefolded: macOS, Windows disks ignore case) -> its question
    for item in problems.items:
        if not item.asked():
            warnings.append(warn_left_out(item, "no numeric answer cell (symbolic answers); PrairieLearn's "
                                                "number and matrix inputs take numbers"))
            continue
        if item.symbolic():
            warnings.append(f"{item.id} ({item.kind}): {len(item.symbolic())} symbolic cell(s) not asked")
        entry = dump_yaml({"problems": [item.raw]})
        files.update(_question(item.id, item.title or item.id, item.kind, entry, problems, single=True,
                               feedback=feedback_level(options), taken=taken))
        if item.kind in kinds() and item.kind not in random:
            random.append(item.kind)
    for kind in random:
        files.update(_question(f"{kind}-random", f"{kind} (a fresh variant per student)", kind, None, problems,
                               single=False, feedback=feedback_level(options), taken=taken))
    return files, warnings


def _question(qid: str, title: str, kind: str, problem: str | None, problems: ProblemSet,
              single: bool, feedback: str, taken: dict[str, tuple[str, str]]) -> dict[str, str]:
    digest = hashlib.sha256(f"nnsteps:{problems.sha256 if problem else ''}:{qid}".encode()).digest()
    info = {"uuid": str(uuid.UUID(bytes=digest[:16], version=4)), "type": "v3", "title": inert_tex(title),
            "topic": kind,
            "tags": ["nnsteps", kind], "singleVariant": single, "partialCredit": True}
    folder = _folder(qid)
    label = f"problem '{qid}'" if single else f"the random {kind} question"
    if folder.casefold() in taken:
        first, owner = taken[folder.casefold()]
        raise NnstepsError(f"{first} and {label} would both be PrairieLearn question folder '{folder}'; rename "
                           f"{'one' if single else 'the problem'}", problem=qid if single else owner, field="id")
    taken[folder.casefold()] = (label, qid)
    return {f"{folder}/info.json": json.dumps(info, indent=2, ensure_ascii=False) + "\n",
            f"{folder}/question.html": QUESTION_HTML,
            f"{folder}/server.py": server_py(qid=qid, kind=kind, problem=problem, rtol=problems.rtol,
                                                 feedback=feedback)}


def server_py(**values: Any) -> str:
    """:data:`SERVER` with each value as a Python literal (``repr``): file text is data in generated code.

    >>> import ast
    >>> hostile = "q1" + '"' * 3 + "\\nimport os\\n" + '"' * 3
    >>> tree = ast.parse(server_py(qid=hostile, kind="relu", problem=None, rtol=0.001, feedback="mistakes"))
    >>> [n.value.value == hostile for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "QUESTION"]
    [True]
    """
    # One pass over the template: a value's text is never searched for another {name}.
    return re.sub(r"\{(\w+)\}", lambda m: repr(values[m.group(1)]), SERVER)


def _folder(qid: str) -> str:
    from nnsteps.generation.generate import safe_name

    return safe_name(qid)


def generate(data: dict[str, Any], kind: str, problem: str | None, rtol: float) -> None:
    """Fill ``data["params"]`` and ``data["correct_answers"]`` for one variant (PrairieLearn's ``generate``).

    >>> data = {"variant_seed": 7, "params": {}, "correct_answers": {}}
    >>> generate(data, "relu", None, 0.001)
    >>> sorted(data["params"]), data["params"]["seed"]
    (['blocks', 'problem', 'seed', 'solution', 'statement'], 7)
    """
    from nnsteps.export.moodle import statement_html
    from nnsteps.export.statement import blocks
    from nnsteps.generation.generate import dump_yaml
    from nnsteps.render.html import worked_to_html

    if problem is None:
        import nnsteps

        seed = int(data.get("variant_seed", 0)) % (2**32)
        drawn = nnsteps.generate(kind, seed=seed).problems[0]
        problem = dump_yaml({"problems": [drawn]})
        data["params"]["seed"] = seed
    item = _item(problem, rtol)
    data["params"]["problem"] = problem
    # PrairieLearn places these raw ({{{ }}}, and an input's label too) on a page MathJax reads: HTML-escaped
    # text with no TeX command that acts.
    data["params"]["statement"] = inert_tex(statement_html(item))
    data["params"]["solution"] = inert_tex(worked_to_html(item.worked, heading="Worked solution"))
    data["params"]["blocks"] = []
    for i, block in enumerate(blocks(item)):
        name = f"b{i}"
        data["params"]["blocks"].append({"name": name, "label": inert_tex(html.escape(block.where)),
                                         "matrix": block.grid,
                                         "rtol": rtol, "atol": 0})
        values = [[float(number_text(c.value)) for c in row] for row in block.rows]
        data["correct_answers"][name] = values if block.grid else values[0][0]


def grade(data: dict[str, Any], rtol: float, feedback: str = "mistakes") -> None:
    """Grade the submission with nnsteps's checker (PrairieLearn's ``grade``): a partial score per input
    (its share of correct cells), the question's score over every asked cell (a blank one is wrong), and the
    feedback at ``feedback`` (``mistakes``: the wrong cells and the likely mistake; ``full`` adds the key
    value and the derivation of the first wrong cell; ``score``: none).
    """
    from nnsteps.export.statement import blocks
    from nnsteps.grading.check import check_problem
    from nnsteps.grading.tolerance import Tolerance

    item = _item(data["params"]["problem"], rtol)
    answer = copy.deepcopy(item.key)  # labels and symbolic cells as the key: only asked cells count below
    asked: dict[str, str] = {}
    for i, block in enumerate(blocks(item)):
        name = f"b{i}"
        given = _plain(data["submitted_answers"].get(name))
        rows = given if block.grid else [[given]]
        for r, row in enumerate(block.rows):
            for c, cell in enumerate(row):
                value = _at(rows, r, c, block.grid and len(block.rows) == 1)
                answer = _set(answer, cell.path, value)
                asked[cell.where] = name
    result = check_problem(item.raw, answer, Tolerance(rtol=rtol))
    credit: dict[str, list[int]] = {}
    for graded in result.cells:
        if graded.where in asked:
            credit.setdefault(asked[graded.where], []).append(int(graded.credit))
    data.setdefault("partial_scores", {})
    for name, marks in credit.items():
        data["partial_scores"][name] = {"score": sum(marks) / len(marks)}
    every = [m for marks in credit.values() for m in marks]
    data["score"] = sum(every) / len(every) if every else 0.0
    data.setdefault("feedback", {})["nnsteps"] = result.feedback(feedback)


def _item(problem: str, rtol: float) -> Item:
    from nnsteps.problems.load import loads

    return load(loads(problem), rtol=rtol).items[0]


def _plain(value: Any) -> Any:
    # pl-matrix-input stores a parsed matrix as {"_type": "ndarray", "_value": [...]} (prairielearn.to_json)
    if isinstance(value, dict) and "_value" in value:
        return value["_value"]
    if isinstance(value, dict) and "_real" in value:
        return value["_real"]
    return value


def _at(rows: Any, r: int, c: int, vector: bool) -> Any:
    try:
        if vector and isinstance(rows, list) and rows and not isinstance(rows[0], list):
            return rows[c]  # a row vector submitted flat
        return rows[r][c]
    except (IndexError, TypeError, KeyError):
        return None


def _set(root: Any, path: tuple[int | str, ...], value: Any) -> Any:
    if not path:
        return value  # the answer is this one number
    target = root
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return root
