"""Reading and writing user files with one-line errors: bounded reads, all-or-nothing writes."""

from __future__ import annotations

import sys
from pathlib import Path

from nnsteps.errors import NnstepsError


def read_text(path: str | Path, *, limit: int, what: str = "file") -> str:
    """A UTF-8 text file ('-' reads standard input), refusing anything over ``limit`` bytes.

    >>> read_text("/no/such/file", limit=10)
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: no such file: /no/such/file
    """
    if str(path) == "-":
        text = sys.stdin.read(limit + 1)
        if len(text) > limit:
            raise NnstepsError(f"standard input is over the {what} limit of {limit:,} characters")
        return text
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > limit:
            raise NnstepsError(f"{p} is {size:,} bytes; the {what} limit is {limit:,}")
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NnstepsError(f"no such file: {p}") from None
    except IsADirectoryError:
        raise NnstepsError(f"expected a file, got the directory {p}") from None
    except UnicodeDecodeError:
        raise NnstepsError(f"{p} is not UTF-8 text") from None
    except OSError as exc:
        raise NnstepsError(f"cannot read {p}: {exc.strerror}") from None


def write_atomic(path: Path, text: str, *, field: str | None = None) -> Path:
    """Write ``text`` to a temporary file, then rename it into place: never a half-written file.

    >>> import tempfile, os
    >>> target = Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_atomic(target, "7\\n").read_text()
    '7\\n'
    """
    tmp = path.with_name(path.name + ".partial")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise NnstepsError(f"cannot write {path}: {exc.strerror}", field=field) from None
    return path
