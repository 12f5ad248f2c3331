"""Generating exercises: problems of one kind, deterministic for a seed, their key and solutions.

``generate("conv2d", seed=7, count=5)`` draws five problems with a NumPy ``Generator`` seeded by
(seed, kind), solves them with the kinds' own solvers, and returns the problems, the key (in the
answers-file shape ``nnsteps check`` reads) and the worked solutions as Markdown. A roster gives
each student a variant of their own, seeded by (seed, kind, student).

The problems of one call share their structure (shapes, options: the first one's) and differ in
their numbers (:func:`~nnsteps.generation.vary.vary`), unless ``vary_structure``; a kind whose
problems hold no numbers to vary (a network spec) draws each afresh. ``from_file`` varies the
problems of a file instead. A degenerate problem (every output equal, every gradient zero) is
redrawn, at most ``MAX_TRIES`` times.
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
from nnsteps.generation.vary import MAX_TRIES, kind_unavailable, solve_full


@dataclass
class ExerciseSet:
    """Generated problems with their key and worked solutions (and per-student variants)."""

    kind: str
    seed: int
    problems: list[dict[str, Any]]
    answers: dict[str, Any]
    solutions_markdown: str
    variants: dict[str, ExerciseSet] = field(default_factory=dict)
    title: str = ""
    kept: list[str] = field(default_factory=list)   # --from: ids with no numbers to vary, written as given

    def document(self) -> dict[str, Any]:
        return {"title": self.title or f"{self.kind} exercises (seed {self.seed})", "problems": self.problems}


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
          solve: bool, vary_structure: bool = True) -> list[tuple[dict[str, Any], Any]]:
    from nnsteps.generation.vary import has_numbers, variant
    from nnsteps.problems.registry import find_kind

    record = find_kind(kind)  # imports only that kind's module
    if record is None or record.generator is None:
        known = kinds()
        raise NnstepsError(f"no generator for kind '{kind}'; known: {', '.join(known)}",
                           field="KIND", hint=did_you_mean(kind, known))
    _check_count(count)
    fn, allowed = record.generator, record.generator_options
    for name in options:
        if name not in allowed:
            raise NnstepsError(f"generator {kind} has no option '{name}'"
                               + (f"; its options: {', '.join(allowed)}" if allowed else "; it takes none"),
                               field=f"--{name}", hint=did_you_mean(name, allowed))
    rng = _rng(seed, kind, student)
    template = None
    if not vary_structure and solve:  # every problem of the call shares the first one's structure
        template = _fresh(fn, options, f"{kind}-1", _rng(seed, kind, None), solve)
        if not has_numbers(template[0]):
            template = None  # its structure is all it has: each problem drawn afresh
    out: list[tuple[dict[str, Any], Any]] = []
    for i in range(count):
        pid = f"{kind}-{i + 1}"
        if template is None:
            out.append(_fresh(fn, options, pid, rng, solve))
        elif i == 0 and student is None:
            out.append(template)
        else:
            out.append(variant(template[0], pid, rng, [p for p, _ in out]))
    return out


def _rng(seed: int, name: str, student: str | None) -> np.random.Generator:
    return np.random.default_rng([seed & 0xFFFFFFFF, zlib.crc32(name.encode()), zlib.crc32((student or "").encode())])


def _check_count(count: Any) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= limits.MAX_PROBLEMS:
        raise NnstepsError(f"expected a count from 1 to {limits.MAX_PROBLEMS}, got {count!r}", field="--count")


def _fresh(fn: Any, options: dict[str, Any], pid: str, rng: np.random.Generator,
           solve: bool) -> tuple[dict[str, Any], Any]:
    """A problem drawn by the kind's generator, solvable and not degenerate (else drawn again)."""
    from nnsteps.generation.vary import degenerate

    worked = None
    for attempt in range(MAX_TRIES):
        try:
            problem = {"id": pid, **fn(rng, options)}
            if solve:
                worked = solve_full(problem)
                reason = degenerate(worked.answer)
                if reason is not None:
                    raise NnstepsError(f"no variant that is not degenerate ({reason}) in {MAX_TRIES} draws")
            break
        except NnstepsError as err:
            if kind_unavailable(err) or attempt == MAX_TRIES - 1:
                raise err.located(problem=pid) from None
    return problem, worked


def generate(kind: str | None = None, seed: int = 0, *, count: int = 1,
             roster: str | Path | list[str] | None = None, out: str | Path | None = None,
             from_file: str | Path | None = None, vary_structure: bool = False, **options: Any) -> ExerciseSet:
    """Problems, key and solutions for one seed (and one variant per student with a roster): of ``kind``,
    sharing one structure unless ``vary_structure``; or, with ``from_file``, ``count`` variants of each
    problem of that file (numbers redrawn, structure kept; ids ``<id>-1``…).

    >>> s = generate("max_pool2d", seed=3, count=2)
    >>> list(s.answers) == [p["id"] for p in s.problems]
    True
    >>> [p["kernel_size"] for p in s.problems] == [s.problems[0]["kernel_size"]] * 2
    True
    """
    if (kind is None) == (from_file is None):
        raise NnstepsError("expected a kind or --from FILE (one of them), got "
                           + ("both" if kind is not None else "neither"), field="KIND")
    if from_file is not None and options:
        raise NnstepsError(f"--from keeps each problem's options; got options to pin: {', '.join(options)}",
                           field=f"--{next(iter(options))}")
    students = read_roster(roster) if roster is not None else []
    if isinstance(count, int) and len(students) * count > limits.MAX_PROBLEMS:
        raise NnstepsError(f"expected at most {limits.MAX_PROBLEMS} problems in all (students × count), got "
                           f"{len(students):,} × {count} = {len(students) * count:,}", field="--roster")
    entries = _file_entries(Path(from_file), count) if from_file is not None else []

    def make(student: str | None) -> ExerciseSet:
        if from_file is not None:
            return _make_from(Path(from_file), entries, seed, count, student)
        return _make(str(kind), seed, count, student, options, vary_structure)

    if students:
        sets = {name: make(name) for name in students}
        first = next(iter(sets.values()))
        result = ExerciseSet(first.kind, seed, [], {}, "", variants=sets, kept=first.kept)
    else:
        result = make(None)
    if out is not None:
        write_set(result, Path(out))
    return result


def _make(kind: str, seed: int, count: int, student: str | None, options: dict[str, Any],
          vary_structure: bool = False) -> ExerciseSet:
    drawn = _draw(kind, seed, count, student, options, solve=True, vary_structure=vary_structure)
    title = f"{kind} exercises (seed {seed})" + (f" for {student}" if student else "")
    return _exercise_set(kind, seed, drawn, title)


def _exercise_set(kind: str, seed: int, drawn: list[tuple[dict[str, Any], Any]], heading: str,
                  **extra: Any) -> ExerciseSet:
    from nnsteps.render.markdown import solved_file_to_markdown

    problems = [problem for problem, _ in drawn]
    answers = {str(problem["id"]): key_value(worked.answer) for problem, worked in drawn}
    items = [(str(problem["id"]), worked) for problem, worked in drawn]
    return ExerciseSet(kind, seed, problems, answers, solved_file_to_markdown(heading, items), **extra)


def _file_entries(path: Path, count: int) -> list[tuple[dict[str, Any], Any]]:
    """The problems of a file to vary, each solved as given (a file that does not solve is refused)."""
    from nnsteps.problems.load import load_file
    from nnsteps.problems.solve import problems_of, solve_problem

    _check_count(count)
    _, entries = problems_of(load_file(path), source=str(path))
    if len(entries) * count > limits.MAX_PROBLEMS:
        raise NnstepsError(f"expected at most {limits.MAX_PROBLEMS} problems in all (problems × count), got "
                           f"{len(entries):,} × {count} = {len(entries) * count:,}", field="--count")
    return [(raw, solve_problem(raw, i).worked) for i, raw in enumerate(entries)]


def _make_from(path: Path, entries: list[tuple[dict[str, Any], Any]], seed: int, count: int,
               student: str | None) -> ExerciseSet:
    from nnsteps.generation.vary import degenerate, has_numbers, variant

    drawn: list[tuple[dict[str, Any], Any]] = []
    kept = []
    for raw, worked in entries:
        pid = str(raw["id"])
        if not has_numbers(raw):
            kept.append(pid)
            drawn.append((raw, worked))
            continue
        rng = _rng(seed, f"{path.name}:{pid}", student)
        allowed = degenerate(worked.answer)  # a problem degenerate by design keeps that property
        mine: list[dict[str, Any]] = []
        for i in range(count):
            title = f"{raw['title']} (variant {i + 1})" if raw.get("title") else None
            problem, solved = variant(raw, f"{pid}-{i + 1}", rng, mine, allowed, title)
            mine.append(problem)
            drawn.append((problem, solved))
    title = f"Variants of {path.name} (seed {seed})" + (f" for {student}" if student else "")
    return _exercise_set(path.stem, seed, drawn, title, title=title, kept=kept)


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
    from nnsteps.escape import printable

    seen: dict[str, None] = {}
    for n in names:
        if n:  # a name lands in titles, files and the terminal: escapes written out, never acted on
            seen.setdefault(printable(n), None)
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
        def ignore_aliases(self, data: Any) -> bool:
            return True  # a value written twice is written out twice, never as &id001 and *id001

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
