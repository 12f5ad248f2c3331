"""``nnsteps export``: a problem file into the places courses live (Gradescope, Moodle, ...).

One module per format; each has ``NAME``, ``WRITES`` (``"file"`` or ``"folder"``), ``DEFAULT`` (the
file name used when ``-o`` is a folder), for the handouts ``EXTENSION`` (``-o handout.html`` writes
``handout.html`` and ``handout-key.html`` instead of a folder) and ``build(problems, options) -> (files, warnings)`` where files
maps a relative name to text or bytes. A problem a format cannot carry is named in a warning with the
reason and left out, never silently dropped.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnsteps.errors import NnstepsError, did_you_mean

FORMATS: dict[str, str] = {
    "gradescope": "gradescope",
    "moodle": "moodle",
    "html": "handout_html",
    "latex": "handout_latex",
    "notebook": "notebook",
    "prairielearn": "prairielearn",
    "canvas": "canvas",
}
"""Format name -> its module in this package (the one list of formats)."""


@dataclass
class Exported:
    """What an export wrote, and the warnings about what it could not carry."""

    written: list[Path]
    warnings: list[str] = field(default_factory=list)


def format_module(name: str) -> Any:
    """The module of a format; an unknown name is an error with a did-you-mean.

    >>> format_module("gradescope").NAME
    'gradescope'
    >>> format_module("gradscope")
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field --to: unknown format 'gradscope'; expected one of gradescope, moodle, html, latex, notebook, prairielearn, canvas (did you mean 'gradescope'?)
    """
    if name not in FORMATS:
        raise NnstepsError(f"unknown format '{name}'; expected one of {', '.join(FORMATS)}", field="--to",
                           hint=did_you_mean(name, list(FORMATS)))
    return importlib.import_module(f"nnsteps.export.{FORMATS[name]}")


def export(problems: str | Path | dict[str, Any], fmt: str, out: Path, *, rtol: float = 0.001,
           **options: Any) -> Exported:
    """Export a problem file (path or parsed document) to ``fmt``, written atomically at ``out``.

    ``out`` is the file for single-file formats (an existing folder gets the format's default name inside);
    a folder for folder formats. (``nnsteps export`` runs :func:`build` under the time budget, then :func:`write`.)

    >>> import tempfile, zipfile
    >>> d = Path(tempfile.mkdtemp())
    >>> done = export({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}, "gradescope", d)
    >>> [p.name for p in done.written], "setup.sh" in zipfile.ZipFile(done.written[0]).namelist()
    (['autograder.zip'], True)
    """
    return write(build(problems, fmt, rtol=rtol, **options), out)


@dataclass
class Built:
    """An export made in memory: the format, its files (relative name -> text or bytes) and the warnings."""

    fmt: str
    files: dict[str, str | bytes]
    warnings: list[str] = field(default_factory=list)


def build(problems: str | Path | dict[str, Any], fmt: str, *, rtol: float = 0.001, **options: Any) -> Built:
    """Solve the problems (a budget unit each, in a worker) and make the format's files in memory.

    >>> built = build({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}, "moodle")
    >>> list(built.files), built.warnings
    (['moodle.xml'], [])
    """
    from nnsteps.budget import stage
    from nnsteps.export.items import load

    module = format_module(fmt)
    problem_set = load(problems, rtol=rtol)
    stage(f"exporting {problem_set.source} to {fmt}", units=max(len(problem_set.items), 1))
    files, warnings = module.build(problem_set, options)
    return Built(fmt, dict(files), warnings)


def write(built: Built, out: Path) -> Exported:
    """Write a built export at ``out``, atomically (a folder format's files all at once).

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> [p.name for p in write(Built("moodle", {"moodle.xml": "<quiz/>"}), d).written]
    ['moodle.xml']
    """
    from nnsteps.files import write_atomic, write_folder

    module = format_module(built.fmt)
    out = Path(out)
    extension = getattr(module, "EXTENSION", None)
    if extension and out.suffix and not out.is_dir():
        return Exported(_write_pair(built, out, extension), built.warnings)
    if module.WRITES == "folder":
        texts = {name: data for name, data in built.files.items() if isinstance(data, str)}
        if len(texts) != len(built.files):  # folder formats write text files (write_folder opens them as text)
            raise TypeError(f"{built.fmt}: a folder format made a binary file")
        return Exported(write_folder(out, texts), built.warnings)
    (name, data), = built.files.items()
    target = out / name if out.is_dir() else out
    if not target.parent.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
    return Exported([write_atomic(target, data, field="--output")], built.warnings)


AUTOGRADER_FEEDBACK = ("mistakes", "full", "score")
"""What an autograder's feedback shows (``--feedback``): the wrong cells and the likely mistake (the default:
resubmissions cannot collect the key), the key value and derivation of the first wrong cell too, or nothing."""


def feedback_level(options: dict[str, Any]) -> str:
    """The autograder feedback level of an export's options (default ``mistakes``), checked.

    >>> feedback_level({}), feedback_level({"feedback": "full"})
    ('mistakes', 'full')
    >>> feedback_level({"feedback": "hint"})
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field --feedback: expected one of mistakes, full, score, got 'hint'
    """
    level = options.get("feedback") or "mistakes"
    if level not in AUTOGRADER_FEEDBACK:
        raise NnstepsError(f"expected one of {', '.join(AUTOGRADER_FEEDBACK)}, got '{level}'", field="--feedback",
                           hint=did_you_mean(str(level), list(AUTOGRADER_FEEDBACK)))
    return str(level)


def _write_pair(built: Built, out: Path, extension: str) -> list[Path]:
    """A handout named by ``-o``: the student's file at ``out``, the instructor's key beside it as
    ``<stem>-key<extension>`` (``handout.html`` and ``handout-key.html``).

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> [p.name for p in _write_pair(Built("html", {"student.html": "s", "instructor.html": "k"}), d / "h.html", ".html")]
    ['h.html', 'h-key.html']
    """
    from nnsteps.files import write_atomic

    if out.suffix.lower() != extension:
        raise NnstepsError(f"expected a file ending in {extension} (the handout and its -key{extension}) or a "
                           f"folder name without an extension, got {out.name}", field="--output")
    out.parent.mkdir(parents=True, exist_ok=True)
    key = out.with_name(f"{out.stem}-key{out.suffix}")
    return [write_atomic(out, built.files[f"student{extension}"], field="--output"),
            write_atomic(key, built.files[f"instructor{extension}"], field="--output")]


def warn_left_out(item: Any, reason: str) -> str:
    """The one wording of a left-out problem.

    >>> class I: id, kind = "q7", "attention"
    >>> warn_left_out(I, "symbolic answers")
    'left out q7 (attention): symbolic answers'
    """
    return f"left out {item.id} ({item.kind}): {reason}"
