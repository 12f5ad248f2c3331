"""nnsteps.forked: the CLI worker's fork and pipes, without multiprocessing. Each case runs in a fresh
single-threaded interpreter (forking pytest's threads is what nnsteps.budget avoids), and the CLI's
worker runs through it: budgets, memory limits and crashes end as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(script: str) -> object:
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_child_runs_sends_and_ends_with_its_code() -> None:
    assert run("""
import json, os, sys, time
from nnsteps.forked import Pipe, Process

def echo(conn):
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return  # the parent closed its end
        conn.send(message * 2)

def crash():
    raise ValueError("boom")

ours, theirs = Pipe()
p = Process(echo, (theirs,), close_in_child=ours); p.start(); theirs.close()
big = "x" * 3_000_000  # far over a pipe's buffer, both ways
ours.send(big); reply = ours.recv()
ours.send([1]); small = ours.recv()
ours.close(); p.join(10)
q = Process(crash); q.start(); q.join(10)
r = Process(time.sleep, (60,)); r.start(); alive = r.is_alive(); r.kill(); r.join(10)
s = Process(sys.exit, (3,)); s.start(); s.join(10)
print(json.dumps([len(reply), small, p.exitcode, q.exitcode, alive, r.exitcode, r.is_alive(), s.exitcode]))
""") == [6_000_000, [1, 1], 0, 1, True, -9, False, 3]


def test_a_dead_child_is_an_end_of_file_and_a_poll() -> None:
    assert run("""
import json, os
from nnsteps.forked import Pipe, Process
ours, theirs = Pipe()
p = Process(os._exit, (0,), close_in_child=ours); p.start(); theirs.close()
ready = ours.poll(10)
try:
    ours.recv(); eof = False
except EOFError:
    eof = True
p.join(10)
print(json.dumps([ready, eof, p.exitcode]))
""") == [True, True, 0]


def test_the_cli_worker_keeps_its_budget_its_memory_limit_and_its_errors() -> None:
    assert run("""
import json
from nnsteps import budget, jobs
from nnsteps.errors import NnstepsError
out = []
assert budget.default_method() == "fork"
out.append(budget.run(max, 3, 7, budget=budget.Budget(5), unit=budget.Unit("m")))
for fn, args, seconds, memory in [(__import__("time").sleep, (30,), 0.3, budget.MEMORY_BYTES),
                                  (bytearray, (2 * 1024**3,), 20, 512 * 1024**2)]:
    try:
        budget.run(fn, *args, budget=budget.Budget(seconds, memory=memory), unit=budget.Unit("q", problem="q"))
    except NnstepsError as err:
        out.append(str(err))
w = budget.Worker(budget.Budget(20))
try:
    w.call(jobs.solve_task, "<input>", "json", "problems: [{id: q, kind: relu, input: '1 x'}]", unit=budget.Unit("x"))
except NnstepsError as err:
    out.append([err.problem, err.field, w.alive()])
out.append(json.loads(w.call(jobs.solve_task, "<input>", "json", "problems: [{id: q, kind: relu, input: '1 -2'}]",
                             unit=budget.Unit("x")))["problems"][0]["answer"])
w.close()
out.append([w.alive(), budget.kill_all(), "multiprocessing" in __import__("sys").modules])
print(json.dumps(out))
""") == [7, "problem q: stopped after 0.3 s (time limit; --time-limit to change)",
         "problem q: stopped: needs more than 0.5 GiB of memory (memory limit)", ["q", "input", True], [1, 0],
         [False, 0, False]]
