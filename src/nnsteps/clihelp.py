"""How the CLI's ``--help`` shows its options, where typer's default misleads.

typer 0.29 with click 8.4 shows every flag (``--brief``, ``--help``) as taking ``<bool>``, so a reader
types ``--brief true`` and gets an error. A flag takes no value: its help shows none.
"""

from __future__ import annotations

import typer
from typer import _click as click
from typer.core import TyperCommand, TyperGroup


class _Flags:
    """Flags get an empty metavar (what help shows as the value to type)."""

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        params: list[click.Parameter] = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
        return params


class FlagCommand(_Flags, TyperCommand):
    """A command whose ``--help`` shows flags as flags.

    >>> import typer
    >>> from typer.testing import CliRunner
    >>> app = typer.Typer()
    >>> @app.command(cls=FlagCommand)
    ... def hello(loud: bool = typer.Option(False, "--loud", help="Shout.")) -> None:
    ...     print("HELLO" if loud else "hello")
    >>> @app.command(cls=FlagCommand)
    ... def bye() -> None: ...
    >>> out = CliRunner().invoke(app, ["hello", "--help"], env={"COLUMNS": "80"}).output
    >>> "--loud" in out and "<bool>" not in out
    True
    """


class FlagGroup(_Flags, TyperGroup):
    """A group (the app itself) whose ``--help`` shows flags as flags."""


def show_flags(app: typer.Typer) -> None:
    """Make every command of ``app`` registered with typer's default class a :class:`FlagCommand`.

    >>> app = typer.Typer()
    >>> _ = app.command()(lambda: None)
    >>> show_flags(app); app.registered_commands[0].cls is FlagCommand
    True
    """
    for info in app.registered_commands:
        if info.cls in (None, TyperCommand):
            info.cls = FlagCommand
