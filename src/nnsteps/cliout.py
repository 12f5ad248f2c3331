"""What the CLI's commands share to answer: one error line and exit 2, the whole output written at once,
the ``--format`` choice checked."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer

from nnsteps.errors import NnstepsError
from nnsteps.hot import emit
from nnsteps.render import formats


def fail(err: NnstepsError | str) -> NoReturn:
    """Print one error line and exit 2.

    >>> fail("spec line 4: unknown layer 'convv'")  # prints the line to standard error
    Traceback (most recent call last):
    ...
    typer.exceptions.Exit: 2
    """
    typer.echo(f"error: {err}", err=True)
    raise typer.Exit(2)


def write_output(text: str, out: Path | None) -> None:
    """Write the whole output at once (to a temporary file renamed into place), or print it.

    >>> write_output("Total parameters: 750", None)
    Total parameters: 750
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "answer.md"
    >>> write_output("# Answer\\n", out); out.read_text()
    '# Answer\\n'
    """
    try:
        emit(text, out)
    except NnstepsError as err:
        fail(err)


def check_format(fmt: str, allowed: tuple[formats.OutputFormat, ...] = formats.SOLVE) -> str:
    """The ``--format`` value (any case, ``md`` too), or one error line and exit 2 if it is not one of
    ``allowed`` (the choices and their error text: :meth:`~nnsteps.render.formats.OutputFormat.parse`).

    >>> check_format("JSON")
    'json'
    >>> check_format("jsn")  # prints: error: field --format: ... got 'jsn' (did you mean 'json'?)
    Traceback (most recent call last):
    ...
    typer.exceptions.Exit: 2
    """
    try:
        return formats.OutputFormat.parse(fmt, allowed).value
    except NnstepsError as err:
        fail(err)
