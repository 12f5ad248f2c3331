"""A child process started by ``os.fork`` and a pair of pipes to it, without multiprocessing.

The CLI's worker (:mod:`nnsteps.budget`) is forked from a single-threaded process, where
multiprocessing adds nothing but its import (sockets, selectors, subprocess: about a tenth of
NumPy's import). These do what the worker uses of ``multiprocessing.Pipe`` and ``Process`` with the
``fork`` start method: pickled messages both ways, polling, kill, join and the exit code (``-9`` for a
process killed by SIGKILL). The server's forkserver still starts its workers through multiprocessing.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import sys
import time
from collections.abc import Callable
from typing import Any

_HEADER = struct.Struct("!Q")  # the length of the pickled message that follows


class Connection:
    """One end of a two-way channel: a pipe to read the other end's messages and one to write ours.

    >>> a, b = Pipe()
    >>> a.send({"x": [1, 2]}); b.poll(1.0), b.recv()
    (True, {'x': [1, 2]})
    >>> b.close(); a.poll(1.0), a.close()
    (True, None)
    """

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self._read_fd: int | None = read_fd
        self._write_fd: int | None = write_fd

    def send(self, obj: Any) -> None:
        """Send one picklable object (blocks while the pipe is full; the other end reads as it polls)."""
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(_HEADER.pack(len(data)) + data)
        while view:
            view = view[os.write(self._fd(self._write_fd), view):]

    def recv(self) -> Any:
        """The next object; EOFError when the other end has closed."""
        (size,) = _HEADER.unpack(self._read(_HEADER.size))
        return pickle.loads(self._read(size))

    def poll(self, timeout: float = 0.0) -> bool:
        """True when a message (or the other end's closing) can be read within ``timeout`` seconds."""
        poller = select.poll()
        poller.register(self._fd(self._read_fd), select.POLLIN)
        return bool(poller.poll(max(0, int(timeout * 1000))))

    def close(self) -> None:
        """Close both pipes (again: nothing)."""
        for fd in (self._read_fd, self._write_fd):
            if fd is not None:
                os.close(fd)
        self._read_fd = self._write_fd = None

    def _read(self, size: int) -> bytes:
        chunks = []
        while size:
            chunk = os.read(self._fd(self._read_fd), min(size, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    @staticmethod
    def _fd(fd: int | None) -> int:
        if fd is None:
            raise OSError("the connection is closed")
        return fd


def Pipe() -> tuple[Connection, Connection]:  # noqa: N802 - named as multiprocessing.Pipe, which it replaces
    """Two connected ends: what one sends, the other receives.

    >>> a, b = Pipe(); b.send("hi"); a.recv()
    'hi'
    """
    a_read, b_write = os.pipe()
    b_read, a_write = os.pipe()
    return Connection(a_read, a_write), Connection(b_read, b_write)


class Process:
    """``target(*args)`` in a forked child, which ends with ``os._exit`` (exit code 0, or 1 after an
    uncaught exception, whose traceback goes to standard error) and never returns into the caller.
    ``close_in_child`` is the parent's end of the pipes, closed in the child so that each end sees
    the other's closing; the child's standard input is closed, as multiprocessing does.

    >>> Process(sorted, ([2, 1],)).is_alive()  # not started (tests/test_forked.py forks, from one thread)
    False
    """

    def __init__(self, target: Callable[..., Any], args: tuple[Any, ...] = (),
                 close_in_child: Connection | None = None) -> None:
        self._target, self._args, self._close = target, args, close_in_child
        self.pid: int | None = None
        self._exitcode: int | None = None
        self._reaped = False  # ended, but reaped elsewhere (its code is lost)

    def start(self) -> None:
        for stream in (sys.stdout, sys.stderr):  # unflushed output would be written twice
            _flush(stream)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child process
            self._run_child()
        self.pid = pid

    def _run_child(self) -> None:  # pragma: no cover - the child process
        code = 1
        try:
            if self._close is not None:
                self._close.close()
            if sys.stdin is not None:
                try:
                    sys.stdin.close()
                    sys.stdin = open(os.devnull)  # noqa: SIM115 - the child's stdin for its lifetime
                except (OSError, ValueError):
                    pass
            self._target(*self._args)
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            for stream in (sys.stdout, sys.stderr):
                _flush(stream)
            os._exit(code)

    @property
    def exitcode(self) -> int | None:
        """None while the child runs; then its exit code, or minus the signal that ended it."""
        if self._exitcode is None and self.pid is not None and not self._reaped:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # pragma: no cover - reaped elsewhere: its code is lost
                self._reaped = True
                return None
            if pid:
                self._exitcode = os.waitstatus_to_exitcode(status)
        return self._exitcode

    def is_alive(self) -> bool:
        return self.pid is not None and self.exitcode is None and not self._reaped

    def kill(self) -> None:
        """SIGKILL (nothing if it has ended)."""
        if self.is_alive() and self.pid is not None:
            with contextlib.suppress(ProcessLookupError):  # it ended just now
                os.kill(self.pid, signal.SIGKILL)

    def join(self, timeout: float | None = None) -> None:
        """Wait until the child has ended, or ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.0005
        while self.is_alive():
            if deadline is not None and time.monotonic() >= deadline:
                return
            time.sleep(delay)
            delay = min(delay * 2, 0.02)


def _flush(stream: Any) -> None:
    try:
        if stream is not None:
            stream.flush()
    except (AttributeError, OSError, ValueError):
        pass
