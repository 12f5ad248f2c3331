"""Generating exercises: problems of one kind, deterministic for a seed, their key and solutions.

``generate("conv2d", seed=7, count=5)`` draws five problems with a NumPy ``Generator`` seeded by
(seed, kind), solves them with the kinds' own solvers, and returns the problems, the key (in the
answers-file shape ``nnsteps check`` reads) and the worked solutions as Markdown. A roster gives
each student a variant of their own, seeded by (seed, kind, student).
"""

from __future__ import annotations

import csv
import io
import re
import zlib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from nnsteps import limits
from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.files import csv_text, read_text, write_folder

MAX_TRIES = 20


@dataclass
class ExerciseSet:
    """Generated problems with their key and worked solutions (and per-student variants)."""

    kind: str
    seed: int
    problems: list[dict[str, Any]]
    answers: dict[str, Any]
    solutions_markdown: str
    variants: dict[str, ExerciseSet] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        return {"title": f"{self.kind} exercises (seed {self.seed})", "problems": self.problems}


def kinds() -> list[str]:
    """The kinds ``generate`` knows.

    >>> "conv2d" in kinds() and "rnn" in kinds()
    True
    """
    from nnsteps.problems.registry import load_kinds

    return sorted(name for name, record in load_kinds().items() if record.generator is not None)


def draw(kind: str, seed: int, count: int = 1, *, student: str | None = None, solve: bool = True,
         **options: Any) -> list[dict[str, Any]]:
    """``count`` problems of ``kind`` (with ids ``kind-1``…), the same for the same arguments.

    With ``solve`` each is solved as it is drawn, and redrawn (from the same stream) if the solver
    rejects it, so no generated problem is impossible.

    >>> draw("relu", 0, 2, solve=False)[0]["id"], draw("relu", 0, 2, solve=False) == draw("relu", 0, 2, solve=False)
    ('relu-1', True)
    """
    return [problem for problem, _ in _draw(kind, seed, count, student, options, solve)]


def _draw(kind: str, seed: int, count: int, student: str | None, options: dict[str, Any],
          solve: bool) -> list[tuple[dict[str, Any], Any]]:
    from nnsteps.problems.registry import find_kind

    record = find_kind(kind)  # imports only that kind's module
    if record is None or record.generator is None:
        known = kinds()
        raise NnstepsError(f"no generator for kind '{kind}'; known: {', '.join(known)}",
                           field="KIND", hint=did_you_mean(kind, known))
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= limits.MAX_PROBLEMS:
        raise NnstepsError(f"expected a count from 1 to {limits.MAX_PROBLEMS}, got {count!r}", field="--count")
    fn, allowed = record.generator, record.generator_options
    for name in options:
        if name not in allowed:
            raise NnstepsError(f"generator {kind} has no option '{name}'"
                               + (f"; its options: {', '.join(allowed)}" if allowed else "; it takes none"),
                               field=f"--{name}", hint=did_you_mean(name, allowed))
    rng = np.random.default_rng([seed & 0xFFFFFFFF, zlib.crc32(kind.encode()), zlib.crc32((student or "").encode())])
    out = []
    for i in range(count):
        pid = f"{kind}-{i + 1}"
        worked = None
        for attempt in range(MAX_TRIES):
            try:
                problem = {"id": pid, **fn(rng, options)}
                if solve:
                    worked = _solve_full(problem)
                break
            except NnstepsError as err:
                if _not_available(err) or attempt == MAX_TRIES - 1:
                    raise err.located(problem=pid) from None
        out.append((problem, worked))
    return out


def _not_available(err: NnstepsError) -> bool:
    return err.field == "kind" or "unknown kind" in err.message or "unknown field" in err.message


def generate(kind: str, seed: int = 0, *, count: int = 1, roster: str | Path | list[str] | None = None,
             out: str | Path | None = None, **options: Any) -> ExerciseSet:
    """Problems, key and solutions for one seed (and one variant per student with a roster).

    >>> s = generate("max_pool2d", seed=3, count=2)
    >>> list(s.answers) == [p["id"] for p in s.problems]
    True
    """
    students = read_roster(roster) if roster is not None else []
    if isinstance(count, int) and len(students) * count > limits.MAX_PROBLEMS:
        raise NnstepsError(f"expected at most {limits.MAX_PROBLEMS} problems in all (students × count), got "
                           f"{len(students):,} × {count} = {len(students) * count:,}", field="--roster")
    if students:
        sets = {name: _make(kind, seed, count, name, options) for name in students}
        result = ExerciseSet(kind, seed, [], {}, "", variants=sets)
    else:
        result = _make(kind, seed, count, None, options)
    if out is not None:
        write_set(result, Path(out))
    return result


def _make(kind: str, seed: int, count: int, student: str | None, options: dict[str, Any]) -> ExerciseSet:
    from nnsteps.render.markdown import solved_file_to_markdown

    drawn = _draw(kind, seed, count, student, options, solve=True)
    problems = [problem for problem, _ in drawn]
    answers = {str(problem["id"]): key_value(worked.answer) for problem, worked in drawn}
    items = [(str(problem["id"]), worked) for problem, worked in drawn]
    title = f"{kind} exercises (seed {seed})" + (f" for {student}" if student else "")
    return ExerciseSet(kind, seed, problems, answers, solved_file_to_markdown(title, items))


def _solve_full(problem: dict[str, Any]) -> Any:
    from nnsteps.problems.solve import solve_problem

    return solve_problem(problem).worked


def key_value(value: Any) -> Any:
    """The key in the answers-file shape: ints, exact decimals, "p/q" for other fractions, floats
    for irrational values, nested lists for arrays.

    >>> key_value(np.array([Fraction(1, 4), Fraction(1, 3), 2], dtype=object))
    [Fraction(1, 4), '1/3', 2]
    """
    from nnsteps.grading.compare import plain
    from nnsteps.numbers import is_terminating

    value = plain(value)
    if isinstance(value, list):
        return [key_value(v) for v in value]
    if isinstance(value, dict):
        return {k: key_value(v) for k, v in value.items()}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, Fraction):
        return value if is_terminating(value) else f"{value.numerator}/{value.denominator}"
    if isinstance(value, float):
        return float(value)
    return value


def read_roster(roster: str | Path | list[str]) -> list[str]:
    """Student names from a CSV (a column named id, student, sid, email, username or name; else
    the first column), or a list.

    >>> read_roster(["ana", "bo", "ana"])
    ['ana', 'bo']
    """
    if isinstance(roster, list):
        names = [str(n).strip() for n in roster]
    else:
        path = Path(roster)
        try:
            rows = list(csv.reader(read_text(path, limit=limits.MAX_FILE_BYTES, what="roster").splitlines()))
        except NnstepsError as err:
            raise NnstepsError(f"cannot read the roster: {err.message}", field="--roster") from None
        rows = [r for r in rows if any(c.strip() for c in r)]
        if not rows:
            raise NnstepsError(f"the roster {path} is empty", field="--roster")
        header = [c.strip().lower() for c in rows[0]]
        column = next((header.index(n) for n in ("id", "student", "sid", "email", "username", "name") if n in header),
                      None)
        names = [r[column or 0].strip() for r in (rows[1:] if column is not None else rows) if len(r) > (column or 0)]
    seen: dict[str, None] = {}
    for n in names:
        if n:
            seen.setdefault(n, None)
    if not seen:
        raise NnstepsError("the roster names no students", field="--roster")
    return list(seen)


def safe_name(name: str) -> str:
    """A folder name for a student.

    >>> safe_name("ana.lopez@uni.edu")
    'ana.lopez_uni.edu'
    """
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "student"


def dump_yaml(data: Any) -> str:
    """YAML with exact numbers as typed decimals (0.125), other fractions as "p/q", rows inline.

    >>> print(dump_yaml({"q": [[Fraction(1, 4), 2]]}).strip())
    q:
    - [0.25, 2]
    """
    import yaml

    from nnsteps.numbers import exact_decimal, is_terminating

    class Dumper(yaml.SafeDumper):
        pass

    def fraction(dumper: yaml.SafeDumper, value: Fraction) -> Any:
        if is_terminating(value):
            return dumper.represent_scalar("tag:yaml.org,2002:float", exact_decimal(value))
        return dumper.represent_str(f"{value.numerator}/{value.denominator}")

    def floating(dumper: yaml.SafeDumper, value: float) -> Any:
        return dumper.represent_scalar("tag:yaml.org,2002:float", repr(float(value)))

    Dumper.add_representer(Fraction, fraction)
    Dumper.add_representer(float, floating)
    Dumper.add_multi_representer(float, floating)

    def listing(dumper: yaml.SafeDumper, value: list[Any]) -> Any:
        flow = all(not isinstance(v, (list, dict)) for v in value)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)

    Dumper.add_representer(list, listing)
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=110)


def write_set(result: ExerciseSet, out: Path) -> list[Path]:
    """Write problems.yaml, answers.yaml and solutions.md (per student folder with a roster).

    >>> import tempfile
    >>> [p.name for p in write_set(generate("max_pool2d", seed=3), Path(tempfile.mkdtemp()))]
    ['problems.yaml', 'answers.yaml', 'solutions.md']
    """
    return write_folder(out, _files(result), field="--output")  # all at once: a temporary folder moved into place


def _files(result: ExerciseSet) -> dict[str, str]:
    if not result.variants:
        return {"problems.yaml": dump_yaml(result.document()), "answers.yaml": dump_yaml(result.answers),
                "solutions.md": result.solutions_markdown}
    files: dict[str, str] = {}
    rows = io.StringIO()
    table = csv.writer(rows, lineterminator="\n")
    table.writerow(["student", "folder"])
    used: set[str] = set()
    for student, variant in result.variants.items():
        folder = base = safe_name(student)
        while folder in used:  # two names with one folder name: never one variant over another
            folder = f"{base}-{len(used)}"
        used.add(folder)
        files.update({f"{folder}/{name}": text for name, text in _files(variant).items()})
        table.writerow([csv_text(student), folder])
    files["variants.csv"] = rows.getvalue()
    return files
