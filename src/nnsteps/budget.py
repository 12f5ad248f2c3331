"""Work budgets enforced by killing, not hoping: a unit of work runs in a worker process that is
killed when its time runs out, under a memory cap.

A unit is one problem solved, one submission checked, one layer table built, one web request.
The parent waits on a pipe; the worker may announce the next unit with :func:`stage`, which
restarts the clock under that unit's name, so a file of 18 problems has 18 budgets and the error
names the problem that ran out. The CLI forks (it is single-threaded and has nnsteps imported
already); the server starts workers from a forkserver with nnsteps preloaded, which is safe beside
uvicorn's threads.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from nnsteps.errors import NnstepsError

DEFAULT_SECONDS = 10.0
"""Seconds per problem: the heaviest inputs within :mod:`nnsteps.limits` take about 8 s on a busy core."""

MEMORY_BYTES = 2 * 1024**3
"""Address space of one worker (RLIMIT_AS): a solve of the reference set peaks near 400 MB of it."""

NICE_AFTER = 0.5
"""Seconds after which a server worker is reniced, so that long work yields the CPU to short requests."""

_CHANNEL: Any = None
"""In a worker, the pipe to the parent (None in the parent): :func:`stage` writes to it."""


@dataclass(frozen=True)
class Budget:
    """Seconds per unit of work and bytes of memory for one worker.

    >>> Budget(5).seconds, Budget().memory == MEMORY_BYTES
    (5.0, True)
    >>> Budget(0)
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field --time-limit: expected a number of seconds > 0, got 0
    """

    seconds: float = DEFAULT_SECONDS
    memory: int = MEMORY_BYTES

    def __post_init__(self) -> None:
        if not (isinstance(self.seconds, (int, float)) and math.isfinite(self.seconds) and self.seconds > 0):
            raise NnstepsError(f"expected a number of seconds > 0, got {self.seconds}", field="--time-limit")
        object.__setattr__(self, "seconds", float(self.seconds))


@dataclass
class Unit:
    """The work being timed: a label for messages (``problem q3``, ``the request``), its size in units and,
    for a server request, a ``ceiling``: seconds from its start that no announced size or stage extends.

    >>> Unit("the request", units=40, ceiling=60).deadline(Budget(10), start=100.0, now=130.0)
    160.0
    >>> Unit("problem q1").deadline(Budget(10), start=100.0, now=130.0)
    140.0
    """

    label: str
    problem: str | None = None
    units: float = 1.0
    ceiling: float | None = None

    def deadline(self, budget: Budget, start: float, now: float) -> float:
        """When the unit announced at ``now`` must end: ``units`` × the budget's seconds later, and no later
        than the ceiling after the ``start`` of the whole call."""
        end = now + budget.seconds * self.units
        return end if self.ceiling is None else min(end, start + self.ceiling)

    def stopped(self, why: str) -> NnstepsError:
        message = why if self.problem is not None else f"{self.label}: {why}"
        return NnstepsError(message, problem=self.problem)


def stage(label: str, *, problem: str | None = None, units: float = 1.0) -> None:
    """Announce the next unit of work: the parent restarts the clock with ``units`` × the seconds of
    its budget, and names ``problem`` (or ``label``) if it runs out. Does nothing outside a worker.

    >>> stage("problem q1", problem="q1")  # in the parent: nothing to tell
    """
    if _CHANNEL is not None:
        _CHANNEL.send(("stage", label, problem, units))


def in_worker() -> bool:
    """True inside a worker process.

    >>> in_worker()
    False
    """
    return _CHANNEL is not None


class Disconnected(Exception):
    """The client went away; its worker was killed."""


class Worker:
    """One worker process that runs tasks (module-level functions) under a budget.

    A task that runs out of time or memory ends in one :class:`NnstepsError` line, and its process
    is killed; the next call starts a new one.

    >>> w = Worker(Budget(5))
    >>> w.call(sorted, [3, 1, 2], unit=Unit("sorting"))
    [1, 2, 3]
    >>> w.close(); w.alive()
    False
    """

    def __init__(self, budget: Budget, method: str | None = None) -> None:
        self.budget = budget
        self.method = method or default_method()
        self._proc: Any = None
        self._conn: Any = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    def start(self) -> None:
        """Start the process (done by the first call)."""
        if self._proc is not None:
            return
        if self.method == "fork":  # the CLI: a plain fork, without importing multiprocessing
            from nnsteps import forked

            ours, theirs = forked.Pipe()
            proc: Any = forked.Process(_serve, (theirs, self.budget.memory), close_in_child=ours)
        else:
            import multiprocessing

            ctx: Any = multiprocessing.get_context(self.method)
            ours, theirs = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(theirs, self.budget.memory), daemon=True, name="nnsteps-worker")
        proc.start()
        theirs.close()
        self._proc, self._conn = proc, ours
        _LIVE.add(self)

    def kill(self) -> None:
        """Kill the process now (no-op if there is none) and reap it."""
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        _LIVE.discard(self)
        if proc is None:
            return
        try:
            proc.kill()
            proc.join(timeout=2)
        except (OSError, ValueError, AttributeError):  # pragma: no cover - already reaped
            pass
        conn.close()

    def close(self) -> None:
        """Stop the process (a worker is cheap; nothing is kept)."""
        self.kill()

    def _send(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.start()
        self._conn.send((fn, args, kwargs))

    def _receive(self, unit: Unit) -> tuple[bool, Any]:
        """Read one message; (True, result) when the task is over, (False, None) after a stage."""
        try:
            message = self._conn.recv()
        except (EOFError, OSError):
            code = self._proc.exitcode if self._proc is not None else None
            self.kill()
            raise unit.stopped(f"stopped unexpectedly (worker exit code {code}; the memory limit is "
                               f"{_size(self.budget.memory)})") from None
        kind = message[0]
        if kind == "stage":
            _, unit.label, unit.problem, unit.units = message
            return False, None
        if kind == "ok":
            return True, message[1]
        if kind == "error":
            raise _error(message[1])
        self.kill()
        if kind == "memory":
            raise unit.stopped(f"stopped: needs more than {_size(self.budget.memory)} of memory (memory limit)")
        raise RuntimeError(f"an nnsteps worker failed:\n{message[1]}")

    def _timeout(self, unit: Unit, elapsed: float) -> NnstepsError:
        self.kill()
        seconds = self.budget.seconds
        if unit.ceiling is not None and elapsed >= unit.ceiling:
            return unit.stopped(f"stopped after {unit.ceiling:g} s (the most one request may take)")
        limit = "time limit" if unit.units == 1 else f"time limit {seconds:g} s per problem"
        return unit.stopped(f"stopped after {seconds * unit.units:g} s ({limit}; --time-limit to change)")

    def call(self, fn: Callable[..., Any], *args: Any, unit: Unit, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` in the worker and return its result (or raise its error)."""
        self._send(fn, args, kwargs)
        start = time.monotonic()
        deadline = unit.deadline(self.budget, start, start)
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self._timeout(unit, time.monotonic() - start)
                if self._conn.poll(min(left, 1.0)):
                    done, result = self._receive(unit)
                    if done:
                        return result
                    deadline = unit.deadline(self.budget, start, time.monotonic())
        except _InputError:
            raise
        except BaseException:
            self.kill()  # a timeout, a crash or Ctrl-C: the work must not outlive the call
            raise

    async def call_async(self, fn: Callable[..., Any], *args: Any, unit: Unit,
                         gone: Callable[[], Awaitable[bool]] | None = None, **kwargs: Any) -> Any:
        """:meth:`call` for an event loop: also killed when ``gone()`` turns true (the client left)
        or the awaiting task is cancelled (the server shuts down). Long work is reniced."""
        import asyncio

        self._send(fn, args, kwargs)
        start = time.monotonic()
        deadline = unit.deadline(self.budget, start, start)
        reniced = False
        delay = 0.002
        try:
            while True:
                if self._conn.poll():
                    done, result = self._receive(unit)
                    if done:
                        return result
                    deadline = unit.deadline(self.budget, start, time.monotonic())
                    continue
                now = time.monotonic()
                if now >= deadline:
                    raise self._timeout(unit, now - start)
                if gone is not None and await gone():
                    raise Disconnected()
                if not reniced and now - start > NICE_AFTER:
                    reniced = True
                    _renice(self.pid)
                await asyncio.sleep(min(delay, max(deadline - now, 0)))
                delay = min(delay * 2, 0.05)
        except _InputError:
            raise
        except BaseException:
            self.kill()
            raise


_LIVE: set[Worker] = set()
"""Workers with a process, so that a server shutting down can kill them all."""


def kill_all() -> int:
    """Kill every live worker of this process; returns how many there were.

    >>> kill_all()
    0
    """
    live = list(_LIVE)
    for worker in live:
        worker.kill()
    return len(live)


def run(fn: Callable[..., Any], *args: Any, budget: Budget, unit: Unit, **kwargs: Any) -> Any:
    """Run one task in a fresh worker under ``budget``; the result, or one :class:`NnstepsError` line.

    >>> run(max, 3, 7, budget=Budget(5), unit=Unit("the maximum"))
    7
    >>> run(time.sleep, 3, budget=Budget(0.2), unit=Unit("q3", problem="q3"))
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: problem q3: stopped after 0.2 s (time limit; --time-limit to change)
    """
    worker = Worker(budget)
    try:
        return worker.call(fn, *args, unit=unit, **kwargs)
    finally:
        worker.close()


def default_method() -> str:
    """``fork`` where it is safe and fast (one thread, Linux/macOS), else ``forkserver`` or ``spawn``.

    >>> default_method() in ("fork", "forkserver", "spawn")
    True
    """
    if hasattr(os, "fork") and threading.active_count() == 1:
        return "fork"
    import multiprocessing

    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def start_forkserver(preload: list[str]) -> None:  # pragma: no cover - exercised by the live-server test
    """Start the forkserver now, with ``preload`` imported once, so each worker forks ready to work."""
    import multiprocessing
    from multiprocessing import forkserver

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(preload)
    forkserver.ensure_running()


def _serve(conn: Any, memory: int) -> None:  # pragma: no cover - runs in the worker process
    """The worker's loop: run each task received, send back its result or error."""
    global _CHANNEL
    _CHANNEL = conn
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which kills this process
    _die_with_parent()
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):
        pass  # no RLIMIT_AS here (e.g. macOS): the time limit still holds
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        fn, args, kwargs = task
        try:
            reply: tuple[str, Any] = ("ok", fn(*args, **kwargs))
        except NnstepsError as err:
            reply = ("error", err.to_dict())
        except MemoryError:
            reply = ("memory", None)
        except BaseException:
            reply = ("crash", _trace())
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("memory", None))
        except Exception:
            conn.send(("crash", _trace()))


def _trace() -> str:  # pragma: no cover - runs in the worker process
    """The traceback of the exception being handled (traceback is imported only for a crash)."""
    import traceback

    return traceback.format_exc()


def _die_with_parent() -> None:  # pragma: no cover - runs in the worker process
    """Linux: the kernel kills this worker if its parent dies (even by SIGKILL)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _renice(pid: int | None) -> None:
    if pid is None:
        return
    with contextlib.suppress(OSError, AttributeError):  # the worker just ended, or no setpriority here
        os.setpriority(os.PRIO_PROCESS, pid, 19)


class _InputError(NnstepsError):
    """Bad input reported by a worker, which stays usable (unlike a stopped one)."""


def _error(data: dict[str, Any]) -> NnstepsError:
    keys = ("problem", "field", "line", "column", "hint")
    return _InputError(str(data["message"]), **{k: data.get(k) for k in keys})  # type: ignore[arg-type]


def _size(n: int) -> str:
    """Bytes in words.

    >>> _size(2 * 1024**3), _size(1536 * 1024**2)
    ('2 GiB', '1.5 GiB')
    """
    return f"{n / 1024**3:g} GiB"
