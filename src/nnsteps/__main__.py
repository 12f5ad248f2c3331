"""``nnsteps`` (the console script) and ``python -m nnsteps``: the hot path without typer, else typer."""

from __future__ import annotations

import sys


def main() -> None:
    """Run ``solve`` through :mod:`nnsteps.hot` when it reads the command line; else the typer app."""
    from nnsteps.hot import dispatch

    code = dispatch(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from nnsteps.cli import app

    app()


if __name__ == "__main__":
    main()
