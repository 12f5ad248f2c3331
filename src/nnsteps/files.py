"""Reading and writing user files with one-line errors: bounded reads of regular files only, all-or-nothing
writes through temporary files that are created exclusively and never follow a planted link.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath

from nnsteps.errors import NnstepsError


def __getattr__(name: str) -> object:
    """``files.secrets``, imported when first asked for (or a file first written): it loads OpenSSL's
    hashes, which reading a file does not need.

    >>> import nnsteps.files
    >>> len(nnsteps.files.secrets.token_hex(4))
    8
    """
    if name == "secrets":
        import secrets

        return secrets
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def read_text(path: str | Path, *, limit: int, what: str = "file") -> str:
    """A UTF-8 text file ('-' reads standard input), refusing anything over ``limit`` bytes.

    Only regular files are read: a device (``/dev/zero``), a FIFO or a folder is refused at once, and
    never more than ``limit`` + 1 bytes are read (``/proc`` files report a size of 0).

    >>> read_text("/no/such/file", limit=10)
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: no such file: /no/such/file
    >>> read_text("/dev/zero", limit=10)
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: expected a regular file, got a character device: /dev/zero
    """
    if str(path) == "-":
        text = sys.stdin.read(limit + 1)
        if len(text) > limit:
            raise NnstepsError(f"standard input is over the {what} limit of {limit:,} characters")
        return text
    p = Path(path)
    try:
        data = _read_regular(p, limit, what)
    except FileNotFoundError:
        raise NnstepsError(f"no such file: {p}") from None
    except IsADirectoryError:
        raise NnstepsError(f"expected a file, got the directory {p}") from None
    except OSError as exc:
        raise NnstepsError(f"cannot read {p}: {exc.strerror}") from None
    if len(data) > limit:
        raise NnstepsError(f"{p} is over {limit:,} bytes; the {what} limit is {limit:,}")  # it grew meanwhile
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise NnstepsError(f"{p} is not UTF-8 text") from None


def _read_regular(p: Path, limit: int, what: str) -> bytes:
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode  # the file actually opened, not a name that may change meanwhile
        if stat.S_ISDIR(mode):
            raise IsADirectoryError
        if not stat.S_ISREG(mode):
            raise NnstepsError(f"expected a regular file, got {_kind(mode)}: {p}")
        if p.resolve().is_relative_to("/proc") or p.resolve().is_relative_to("/sys"):
            raise NnstepsError(f"expected a regular file, got a kernel file: {p}")  # sizes read as 0 there
        size = os.fstat(fd).st_size
        if size > limit:
            raise NnstepsError(f"{p} is {size:,} bytes; the {what} limit is {limit:,}")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "a special file"


def write_atomic(path: Path, text: str | bytes, *, field: str | None = None) -> Path:
    """Write ``text`` (UTF-8; or ``bytes`` as they are) to a temporary file, then rename it into place:
    never a half-written file.

    The temporary file has a random name in the same folder and is created exclusively without following
    links (a symlink planted there cannot redirect the write); an interrupt or SIGTERM removes it.

    >>> import tempfile, os
    >>> target = Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_atomic(target, "7\\n").read_text()
    '7\\n'
    >>> os.listdir(target.parent)
    ['out.txt']
    """
    path = Path(path)
    if path.name in ("", ".", "..") or path.is_dir():
        raise NnstepsError(f"expected a file name to write, got the folder '{path}'", field=field)
    try:  # a device or FIFO (or a link to one) is never renamed over: ``-o /dev/null`` must not replace /dev/null
        mode = os.stat(path).st_mode
    except OSError:
        mode = stat.S_IFREG  # a new name (or a dangling link, replaced)
    if not stat.S_ISREG(mode):
        raise NnstepsError(f"expected a regular file to write, got {_kind(mode)}: {path}", field=field)
    with _terminate_as_exit():
        tmp = _create_temporary(path, field)
        try:
            with (os.fdopen(tmp[0], "wb") if isinstance(text, bytes)
                  else os.fdopen(tmp[0], "w", encoding="utf-8")) as f:
                f.write(text)  # type: ignore[arg-type]
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp[1], path)
        except OSError as exc:
            _remove(tmp[1])
            raise NnstepsError(f"cannot write {path}: {exc.strerror}", field=field) from None
        except BaseException:
            _remove(tmp[1])
            raise
    return path


def _create_temporary(path: Path, field: str | None) -> tuple[int, Path]:
    import secrets  # here, not at the top: see __getattr__

    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.partial")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue  # someone took that name (or planted a link there): draw another
        except OSError as exc:
            raise NnstepsError(f"cannot write {path}: {exc.strerror}", field=field) from None
    raise NnstepsError(f"cannot write {path}: no free temporary name", field=field)


def _remove(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


@contextlib.contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """While writing, SIGTERM raises SystemExit (so cleanup runs) instead of killing the process outright."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main interpreter
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def csv_text(cell: str) -> str:
    """A CSV text cell that no spreadsheet runs as a formula: a leading = + - @ tab or CR gets a single
    quote in front, as OWASP recommends against CSV injection (numbers are written as they are).

    >>> csv_text("=HYPERLINK('http://x')"), csv_text("@SUM(A1)"), csv_text("ann")
    ("'=HYPERLINK('http://x')", "'@SUM(A1)", 'ann')
    """
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def write_folder(out: Path, files: Mapping[str, str], *, field: str | None = "--output") -> list[Path]:
    """Write a batch of files (relative name -> text) into ``out`` all at once.

    Everything is written into a fresh temporary folder next to ``out`` first; only when all of it is
    written does it move into place (``out`` itself by one rename when it does not exist yet, else each
    top-level entry). An error or an interrupt removes the temporary folder and leaves ``out`` as it was.
    Names must stay inside ``out`` (no absolute paths, no ``..``).

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "grades"
    >>> [p.relative_to(out).as_posix() for p in write_folder(out, {"a.csv": "1\\n", "sub/b.json": "{}"})]
    ['a.csv', 'sub/b.json']
    >>> sorted(os.listdir(out.parent))
    ['grades']
    """
    out = Path(out)
    rel = {name: _inside(name, field) for name in files}
    if out.exists() and not out.is_dir():
        raise NnstepsError(f"expected a folder to write into, got the file {out}", field=field)
    # The temporary folder sits on the same file system as its destination: inside ``out`` when it exists
    # (its entries then move in one by one), else next to it (then one rename makes it ``out``).
    home = Path(os.path.abspath(out)) if out.is_dir() else Path(os.path.abspath(out)).parent
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NnstepsError(f"cannot create {home}: {exc.strerror}", field=field) from None
    with _terminate_as_exit():
        try:
            tmp = Path(_mkdtemp(home, "nnsteps" if out.is_dir() else out.name))
        except OSError as exc:
            raise NnstepsError(f"cannot write into {home}: {exc.strerror}", field=field) from None
        try:
            for name, text in files.items():
                target = tmp.joinpath(*rel[name].parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "x", encoding="utf-8") as f:
                    f.write(text)
            _move_into_place(tmp, out)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise NnstepsError(f"cannot write {out}: {exc.strerror}", field=field) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return [out.joinpath(*rel[name].parts) for name in files]


def _mkdtemp(parent: Path, name: str) -> str:
    import tempfile

    return tempfile.mkdtemp(prefix=f".{name}.", suffix=".partial", dir=parent)


def _inside(name: str, field: str | None) -> PurePosixPath:
    rel = PurePosixPath(name)
    if not name or rel.is_absolute() or any(part in ("", ".", "..") for part in name.split("/")) or "\\" in name:
        raise NnstepsError(f"refusing to write '{name}': names must stay inside the output folder", field=field)
    return rel


def _move_into_place(tmp: Path, out: Path) -> None:
    if not out.is_dir():
        os.rename(tmp, out)  # one atomic step
        return
    for entry in sorted(tmp.iterdir()):
        target = out / entry.name
        if target.is_symlink():
            os.unlink(target)  # a link planted in the output folder is replaced, never followed
        if entry.is_dir() and target.is_dir():
            aside = Path(_mkdtemp(out, entry.name))
            os.rename(target, aside / entry.name)  # the old folder steps aside, the new one takes its name
            os.rename(entry, target)
            shutil.rmtree(aside, ignore_errors=True)
        else:
            os.replace(entry, target)
    shutil.rmtree(tmp, ignore_errors=True)
