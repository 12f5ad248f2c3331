"""The round trip: a Moodle or Canvas response report (CSV) read back into nnsteps answers, one set per student.

Every question nnsteps exports to Moodle or Canvas ends with a reference line naming the problem, the answer
cell (Canvas asks one cell per question) and the problem file's fingerprint (whose title carries a generated
set's seed): ``[nnsteps problem q1a; file 0123456789abcdef]``, ``[nnsteps problem q1a; part 3 of 9; file …]``.
Both reports repeat each question's text, so a column maps back to its problem and cell:

- Moodle's quiz *Responses* report, downloaded with the question text shown: ``Surname`` (or ``Last name``),
  ``First name``, ``Email address``, ``State``, ``Started on``, ``Completed``, ``Time taken``, ``Grade/10.00``,
  then ``Question N`` and ``Response N`` per slot (``Right answer N`` too if shown). Per row, since a random
  question's text differs per attempt. A numerical response is the number; a cloze one is summarised
  ``part 1: 9; part 2: 4; …`` in the order of the blanks.
- Canvas's *Student Analysis* report: ``name``, ``id``, ``sis_id``, ``section``, ``section_id``,
  ``section_sis_id``, ``submitted``, ``attempt`` (with all versions), then per question
  ``<question id>: <question text>`` (the response) followed by a column headed by its points (the points
  earned), then ``n correct``, ``n incorrect``, ``score``.

nnsteps regrades every response with its own checker (its tolerance, partial credit and feedback), whatever
the LMS scored. Only the problems the report asks are graded, and only their asked cells (a table's labels
and symbolic cells are not in an LMS quiz).
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.export.items import Item, ProblemSet

LMS = ("moodle", "canvas")
REFERENCE = re.compile(r"\[nnsteps problem (.+?); (?:part (\d+) of (\d+); )?file ([0-9a-f]{16})\]")
BLANK = ("", "-")
"""Response text meaning "not answered"."""


def reference(problems: ProblemSet, item: Item, part: int | None = None, parts: int | None = None) -> str:
    """The reference line an exported question ends with (HTML, kept plain so an LMS's text version keeps it).

    >>> from nnsteps.export.items import load
    >>> ps = load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]})
    >>> text = reference(ps, ps.items[0], 2, 2)
    >>> REFERENCE.search(text).groups()[:3]
    ('q', '2', '2')
    """
    where = f"part {part} of {parts}; " if part is not None else ""
    return f"<p>[nnsteps problem {html.escape(item.id)}; {where}file {problems.sha256[:16]}]</p>"


@dataclass
class Responses:
    """What a report holds: the LMS, each student's answers (id -> answer) and the problems it asks."""

    lms: str
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)

    def document(self, problems: ProblemSet) -> dict[str, Any]:
        """The problem document narrowed to the problems the report asks (in the file's order)."""
        entries = [e for e in problems.document["problems"] if str(e["id"]) in self.ids]
        return {**({"title": problems.title} if problems.title else {}), "problems": entries}


def is_report(path: Path) -> bool:
    """True for a response report (a ``.csv`` file) rather than an answers file or folder.

    >>> is_report(Path("quiz-responses.CSV")), is_report(Path("answers.yaml"))
    (True, False)
    """
    return path.suffix.lower() == ".csv"


def read_report(path: Path, problems: ProblemSet, lms: str | None = None) -> Responses:
    """Read a response report against the problem set it was exported from.

    >>> from nnsteps.export.items import load
    >>> import tempfile
    >>> ps = load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]})
    >>> text = "x " + reference(ps, ps.items[0]).replace("<p>", "").replace("</p>", "")
    >>> f = Path(tempfile.mkdtemp()) / "r.csv"
    >>> _ = f.write_text(f'Surname,First name,Email address,State,Grade/1.00,Question 1,Response 1\\n'
    ...                  f'Lee,Ann,ann@x.edu,Finished,1.00,{text},part 1: 1; part 2: 0\\n')
    >>> r = read_report(f, ps)
    >>> r.lms, r.answers, r.ids
    ('moodle', {'ann@x.edu': {'q': ['1', '0']}}, ['q'])
    """
    rows = _rows(path)
    header = rows[0]
    lms = layout(path, lms, header)
    reader = _Reader(problems, path)
    if lms == "moodle":
        reader.moodle(header, rows[1:])
    else:
        reader.canvas(header, rows[1:])
    return Responses(lms, {s: {pid: nest(reader.items[pid], given) for pid, given in answers.items()}
                           for s, answers in reader.students.items()},
                     [i.id for i in problems.items if i.id in reader.seen])


def layout(path: Path, lms: str | None = None, header: list[str] | None = None) -> str:
    """The LMS of a report: ``lms`` checked, else read from the header (cheap: checked before any solving).

    >>> layout(Path("r.csv"), "moodel")
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field --from: expected one of moodle, canvas, got 'moodel' (did you mean 'moodle'?)
    """
    if lms is not None:
        if lms not in LMS:
            raise NnstepsError(f"expected one of {', '.join(LMS)}, got '{lms}'", field="--from",
                               hint=did_you_mean(lms, LMS))
        return lms
    return detect(header if header is not None else _rows(path)[0], path)


def detect(header: list[str], path: Path | str | None = None) -> str:
    """Which LMS wrote a report, from its header.

    >>> detect(["name", "id", "sis_id", "section", "submitted", "1: x", "1.0", "n correct", "n incorrect", "score"])
    'canvas'
    >>> detect(["Surname", "First name", "State", "Response 1"])
    'moodle'
    >>> detect(["student", "q1"])
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field report: not a Moodle Responses report (no 'Response 1' column) nor a Canvas Student Analysis report (no 'n correct' and 'score' columns); header: student, q1
    """
    names = [h.strip() for h in header]
    if "n correct" in names and "score" in names:
        return "canvas"
    if any(re.fullmatch(r"Response \d+", h) for h in names):
        return "moodle"
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    raise NnstepsError(f"{f'{path}: ' if path else ''}not a Moodle Responses report (no 'Response 1' column) nor a Canvas Student "
                       f"Analysis report (no 'n correct' and 'score' columns); header: {shown}", field="report")


class _Reader:
    """Collects student -> problem id -> {asked-cell index: response text}, checking every reference."""

    def __init__(self, problems: ProblemSet, path: Path) -> None:
        self.problems = problems
        self.path = path
        self.items = {i.id: i for i in problems.items if i.asked()}
        self.students: dict[str, dict[str, dict[int, str]]] = {}
        self.seen: set[str] = set()

    def resolve(self, text: str, column: str) -> tuple[Item, int | None, int | None] | None:
        """The item (and part, of how many) a question text references; None for a text without one."""
        found = REFERENCE.search(html.unescape(text))
        if found is None:
            return None
        pid, part, parts, digest = found.groups()
        if digest != self.problems.sha256[:16]:
            raise NnstepsError(f"column '{column}' was exported from another problem file (fingerprint {digest}; "
                               f"{self.problems.source} has {self.problems.sha256[:16]}): export and check the "
                               "same file", field="report")
        if pid not in self.items:
            raise NnstepsError(f"column '{column}' names a problem that is not among the questions "
                               f"{self.problems.source} exports",
                               problem=pid, field="report", hint=did_you_mean(pid, list(self.items)))
        item = self.items[pid]
        if parts is not None and int(parts) != len(item.asked()):
            raise NnstepsError(f"column '{column}' has {parts} parts; the problem has {len(item.asked())} "
                               "numeric cells", problem=pid, field="report")
        self.seen.add(pid)
        return item, (int(part) if part else None), (int(parts) if parts else None)

    def student(self, name: str) -> dict[str, dict[int, str]]:
        from nnsteps.escape import printable

        name = printable(name)  # shown in the report and the terminal: no escape or newline acts there
        key, n = name, 1
        while key in self.students:  # several attempts of one student: each is graded, numbered
            n += 1
            key = f"{name} (attempt {n})"
        self.students[key] = {}
        return self.students[key]

    def moodle(self, header: list[str], rows: list[list[str]]) -> None:
        slots = {int(m.group(1)): i for i, h in enumerate(header) if (m := re.fullmatch(r"Response (\d+)", h.strip()))}
        texts = {int(m.group(1)): i for i, h in enumerate(header) if (m := re.fullmatch(r"Question (\d+)", h.strip()))}
        if missing := sorted(set(slots) - set(texts)):
            raise NnstepsError(f"{self.path}: no 'Question {missing[0]}' column to tell which problem 'Response "
                               f"{missing[0]}' answers; download Moodle's Responses report with the question "
                               "text shown", field="report")
        col = _columns(header)
        for line, row in enumerate(rows, start=2):
            if not any(c.strip() for c in row) or row[0].strip().lower() == "overall average":
                continue
            given = self.student(_moodle_name(row, col) or f"row {line}")
            for n in sorted(slots):
                if not _at(row, texts[n]).strip():
                    continue  # a slot this attempt did not reach
                found = self.resolve(_at(row, texts[n]), f"Question {n}")
                if found is None:
                    raise NnstepsError(f"column 'Question {n}' holds a question nnsteps did not export (no "
                                       "[nnsteps problem …] reference in its text)", field="report")
                item = found[0]
                if item.id in given:
                    raise NnstepsError(f"problem {item.id} is asked twice in one attempt", field="report")
                given[item.id] = _moodle_parts(_at(row, slots[n]), item)

    def canvas(self, header: list[str], rows: list[list[str]]) -> None:
        questions: dict[int, tuple[Item, int]] = {}
        taken: set[tuple[str, int]] = set()
        for i, h in enumerate(header):
            m = re.fullmatch(r"(\d+): (.*)", h.strip(), re.S)
            if m is None:
                continue
            found = self.resolve(m.group(2), h.strip()[:40])
            if found is None:
                raise NnstepsError(f"column '{h.strip()[:40]}' holds a question nnsteps did not export (no "
                                   "[nnsteps problem …] reference in its text)", field="report")
            item, part, _ = found
            index = (part or 1) - 1
            if (item.id, index) in taken:
                raise NnstepsError(f"part {index + 1} of problem {item.id} has two columns", field="report")
            taken.add((item.id, index))
            questions[i] = (item, index)
        if not questions:
            raise NnstepsError(f"{self.path}: no question columns ('<question id>: <question text>')", field="report")
        col = _columns(header)
        ids: dict[str, set[str]] = {}  # a display name -> the Canvas user ids that wear it
        for row in rows:
            ids.setdefault(_at(row, col.get("name", -1)).strip(), set()).add(_at(row, col.get("id", -1)).strip())
        for line, row in enumerate(rows, start=2):
            if not any(c.strip() for c in row):
                continue
            uid = _at(row, col.get("id", -1)).strip()
            name = _at(row, col.get("name", -1)).strip()
            if name and len(ids[name]) > 1:  # a student may take another's display name: never their attempt
                name = f"{name} (id {uid})"
            given = self.student(name or uid or f"row {line}")
            for i, (item, index) in questions.items():
                given.setdefault(item.id, {})[index] = _at(row, i)


def nest(item: Item, given: dict[int, str]) -> Any:
    """An answer in the key's shape from responses to the asked cells (by index): fields not asked are left
    out (the checker grades the fields given), a blank response is a missing cell.

    >>> from nnsteps.export.items import load
    >>> item = load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}).items[0]
    >>> nest(item, {0: "1", 1: "-"})
    ['1', None]
    """
    asked = {c.path: given.get(n) for n, c in enumerate(item.asked())}

    def build(value: Any, path: tuple[int | str, ...]) -> Any:
        if isinstance(value, dict):
            out = {k: build(v, (*path, k)) for k, v in value.items() if _asks(v, (*path, k), asked)}
            return out or None
        if isinstance(value, list):
            return [build(v, (*path, i)) for i, v in enumerate(value)]
        text = asked.get(path)
        if text is None or text.strip() in BLANK:
            return None
        return text.strip()

    return build(item.key, ())


def _asks(value: Any, path: tuple[int | str, ...], asked: dict[tuple[int | str, ...], Any]) -> bool:
    return any(p[: len(path)] == path for p in asked)


def _moodle_parts(text: str, item: Item) -> dict[int, str]:
    """A Moodle response summary as {cell index: text}: ``part 1: 9; part 2: 4`` or a single number. A blank's
    text is the student's: a ``; part 9:`` typed into one is part of that text (a marker counts only in order
    and in range), so no response can stop the regrade of the class or fill a cell of another blank.

    >>> from nnsteps.export.items import load
    >>> item = load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2 3"}]}).items[0]
    >>> _moodle_parts("part 1: 1; part 9: 7; part 2: 0; part 3: 3", item)
    {0: ' 1; part 9: 7', 1: ' 0', 2: ' 3'}
    >>> _moodle_parts("part 2: 0; part 3: 3", item), _moodle_parts("4", item)
    ({1: ' 0', 2: ' 3'}, {0: '4'})
    """
    text = text.strip()
    if not re.match(r"part \d+:", text):
        return {0: text}
    count = len(item.asked())
    marks: list[tuple[int, int, int]] = []  # (part, where its marker starts, where its text starts)
    for m in re.finditer(r"(?:^|; )part (\d{1,6}):", text):
        if (marks[-1][0] if marks else 0) < int(m.group(1)) <= count:
            marks.append((int(m.group(1)), m.start(), m.end()))
    ends = [start for _, start, _ in marks[1:]] + [len(text)]
    return {n - 1: text[begin:end] for (n, _, begin), end in zip(marks, ends)}


def _moodle_name(row: list[str], col: dict[str, int]) -> str:
    email = _at(row, col.get("email address", -1)).strip()
    if email:
        return email
    first = _at(row, col.get("first name", -1)).strip()
    last = _at(row, col.get("surname", col.get("last name", -1))).strip()
    return " ".join(p for p in (first, last) if p)


def _columns(header: list[str]) -> dict[str, int]:
    return {h.strip().lower(): i for i, h in reversed(list(enumerate(header)))}


def _at(row: list[str], i: int) -> str:
    return row[i] if 0 <= i < len(row) else ""


def _rows(path: Path) -> list[list[str]]:
    """The CSV's rows (UTF-8, a byte-order mark allowed, as both LMSs write it); one error line if unreadable.
    Read as every other input is: a regular file only (a FIFO or a device is refused at once), never more
    than its limit."""
    from nnsteps import limits
    from nnsteps.files import read_text

    try:
        text = read_text(path, limit=limits.MAX_REPORT_BYTES, what="response report").removeprefix("\ufeff")
    except NnstepsError as err:
        raise err.located(field="report") from None
    before = csv.field_size_limit(limits.MAX_REPORT_BYTES)  # a long response is one wrong cell, not a bad report
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as err:
        raise NnstepsError(f"{path}: not a CSV file ({err})", field="report") from None
    finally:
        csv.field_size_limit(before)
    if not rows:
        raise NnstepsError(f"{path} is empty", field="report")
    return rows
