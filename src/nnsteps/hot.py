"""The CLI's hot path without typer: ``nnsteps solve FILE [options]`` starts as fast as NumPy allows.

Typer (with click and pydantic behind it) costs about as much to import as NumPy. The typer app in
:mod:`nnsteps.cli` stays the one source of the commands, their options and ``--help``; this module
runs ``solve``'s body (shared with that command) only for a command line it reads exactly as click
would, and hands anything else (``--help``, a misspelt option, a missing value...) to typer.
tests/test_cold_start.py checks that both paths print the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from nnsteps.errors import NnstepsError

# solve's options as the typer command declares them: option name -> parameter (None: a flag).
_SOLVE_OPTIONS = {"--format": "fmt", "-f": "fmt", "--output": "out", "-o": "out", "--time-limit": "time_limit",
                  "--only": "only", "--brief": None, "--digits": "digits"}


def use_colour(stream: object = None) -> bool:
    """Colour only for a terminal, and never when ``NO_COLOR`` is set (https://no-color.org).

    >>> use_colour()  # doctest output is not a terminal
    False
    """
    import os

    stream = sys.stdout if stream is None else stream
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def read_stdin(path: Path, *, what: str) -> str | None:
    """Standard input's text when ``path`` is '-' (a worker cannot read it), else None.

    >>> read_stdin(Path("answers.yaml"), what="problem file") is None
    True
    """
    if str(path) != "-":
        return None
    from nnsteps.files import read_text
    from nnsteps.limits import MAX_FILE_BYTES

    return read_text("-", limit=MAX_FILE_BYTES, what=what)


def emit(text: str, out: Path | None) -> None:
    """Print ``text`` (with one final newline), or write it whole to ``out`` (a temporary file renamed
    into place); a file that cannot be written raises :class:`NnstepsError`.

    >>> emit("Total parameters: 750", None)
    Total parameters: 750
    """
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    from nnsteps.files import write_atomic

    write_atomic(out, text)


DIGITS_HELP = "Significant digits of every decimal shown (default 10)."


def use_digits(digits: int | None) -> None:
    """``--digits N``: every decimal shown to N significant digits (checked: 3 to 15).

    >>> use_digits(None)
    """
    if digits is not None:
        from nnsteps.numfmt import set_digits

        set_digits(digits)


def solve_text(file: Path, fmt: str | None, out: Path | None, brief: bool, time_limit: float,
               digits: int | None = None, only: str | None = None) -> str:
    """``nnsteps solve``'s work: pick the format (``--format``, else ``-o``'s extension, else text),
    solve every problem (or those ``only`` names, "q1,q3") under the killable time budget and render.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "p.yaml"
    >>> _ = path.write_text("problems: [{id: a, kind: relu, input: '1 -2'}]")
    >>> print(solve_text(path, None, None, True, 20.0))
    a
      [ 1  0 ]
    <BLANKLINE>
    >>> solve_text(path, None, Path("x.docx"), False, 20.0)
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field --output: cannot tell the format from '.docx': expected .md, .txt, .json or .html, or give --format
    """
    from nnsteps import jobs
    from nnsteps.budget import Budget
    from nnsteps.render.formats import OutputFormat

    chosen = OutputFormat.parse(fmt) if fmt is not None else (OutputFormat.from_path(out) or OutputFormat.TEXT)
    if fmt is None and out is not None and out.suffix and OutputFormat.from_path(out) is None:
        raise NnstepsError(f"cannot tell the format from '{out.suffix}': expected .md, .txt, .json or .html, "
                           "or give --format", field="--output")
    use_digits(digits)
    budget = Budget(time_limit)
    stdin = read_stdin(file, what="problem file")
    return jobs.solve(file, chosen, budget, text=stdin, brief=brief, colour=out is None and use_colour(), only=only)


def parse_solve(args: list[str]) -> dict[str, Any] | None:
    """``solve``'s parameters from a command line click would read the same way, else None (typer then
    parses it, prints its usage or help, or its error).

    >>> parse_solve(["solve", "q.yaml", "-o", "r.html", "--brief"])["out"]
    PosixPath('r.html')
    >>> parse_solve(["solve", "q.yaml", "--help"]) is None
    True
    """
    if not args or args[0] != "solve":
        return None
    from nnsteps.budget import DEFAULT_SECONDS

    found: dict[str, Any] = {"fmt": None, "out": None, "brief": False, "time_limit": DEFAULT_SECONDS, "digits": None,
                             "only": None}
    files: list[str] = []
    rest = iter(args[1:])
    for token in rest:
        name, eq, attached = token.partition("=") if token.startswith("--") else (token, "", "")
        if token == "-" or not token.startswith("-"):
            files.append(token)
            continue
        if name not in _SOLVE_OPTIONS:
            return None  # --help, --, -fjson, a misspelling: typer's to answer
        param = _SOLVE_OPTIONS[name]
        if param is None:
            if eq:
                return None
            found["brief"] = True
            continue
        value = attached if eq else next(rest, None)
        if value is None:
            return None
        found[param] = value
    if len(files) != 1 or not files[0]:
        return None
    found["file"] = Path(files[0])
    if found["out"] is not None:
        found["out"] = Path(found["out"])
    try:
        found["time_limit"] = float(found["time_limit"])
        found["digits"] = None if found["digits"] is None else int(found["digits"])
    except ValueError:
        return None
    return found


def dispatch(args: list[str]) -> int | None:
    """Run a hot command line and return its exit code, or None when typer must handle it.

    >>> dispatch(["kinds"]) is None
    True
    """
    found = parse_solve(args)
    if found is None:
        return None
    try:
        emit(solve_text(**found), found["out"])
    except NnstepsError as err:
        sys.stderr.write(f"error: {err}\n")
        sys.stderr.flush()
        return 2
    except KeyboardInterrupt:  # as click reports it
        sys.stderr.write("\nAborted!\n")
        return 1
    return 0
