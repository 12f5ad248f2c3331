"""Cold start: `nnsteps solve` of the reference's Q1 and Q5 as a whole process, against
`python -c "import numpy"` (the floor any NumPy program pays). Prints both medians and the ratio;
the goal is a ratio of at most 2. `python -m nnsteps` runs what the `nnsteps` console script runs
(`nnsteps.__main__:main`). Run by hand (not by the tests):

    python bench/bench_cold_start.py [--runs 15] [--breakdown]

The two commands run in turns (numpy, solve, numpy, solve, ...), so a machine whose load changes
during the run slows both alike; the ratio column is the median of each turn's ratio.
``--breakdown`` also times the phases of one solve inside one process (CPU ms, min of 5 runs): what
the parent imports, reading the file, looking up the kinds (importing their modules), solving,
loading the LaTeX-to-text converter and rendering.

Find what to defer with `python -X importtime -m nnsteps solve FILE 2> imports.txt` (modules a kind
lookup imports with importlib do not show there; the breakdown's kind-lookup line holds them).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "src" / "nnsteps" / "examples" / "assignment3.yaml"

# One solve, phase by phase, as the worker of `nnsteps solve` runs it (format: text).
PHASES = r"""
import sys, time
clock, laps, last = time.process_time, [], [time.process_time()]
def lap(name):
    now = clock(); laps.append((name, 1000 * (now - last[0]))); last[0] = now
import numpy; lap("import numpy")
import nnsteps.__main__, nnsteps.hot, nnsteps.jobs; lap("import the hot path and the budget")
import yaml; lap("import yaml")
import nnsteps.problems.solve, nnsteps.render.document; lap("import the solver and renderer (before the fork)")
from nnsteps.problems.load import load_file
from nnsteps.problems.solve import SolvedFile, problems_of, solve_problem
document = load_file(sys.argv[1]); lap("read and parse the file")
title, entries = problems_of(document, source=sys.argv[1]); lap("look up the kinds (import their modules)")
solved = [solve_problem(raw, i) for i, raw in enumerate(entries)]; lap("solve")
from nnsteps.render.latex_text import _converter
_converter(); lap("import pylatexenc and build its converter")
from nnsteps.render.document import render_solved
render_solved(SolvedFile(title, solved), "text"); lap("render text")
kinds = sorted(m.rpartition(".")[2] for m in sys.modules if m.startswith("nnsteps.kinds."))
print(repr((laps, kinds)))
"""


def problems_file(folder: Path) -> Path:
    """The reference's Q1 (every part) and Q5, as one problem file."""
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    keep = [p for p in document["problems"] if str(p["id"]).startswith(("q1", "q5"))]
    path = folder / "q1_q5.yaml"
    path.write_text(yaml.safe_dump({"problems": keep}), encoding="utf-8")
    return path


def timed_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system, the process and its worker) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def timed(commands: list[list[str]], runs: int, env: dict[str, str]) -> list[list[tuple[float, float]]]:
    """``runs`` (wall, CPU) times of each command, the commands taking turns, after one warm-up run of
    each that fills the OS file cache. CPU time barely moves when other work shares the machine; wall
    time is what a user waits."""
    for cmd in commands:
        subprocess.run(cmd, check=True, capture_output=True, env=env)
    results: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(runs):
        for cmd, out in zip(commands, results):
            out.append(timed_once(cmd, env))
    return results


def breakdown(path: Path, env: dict[str, str]) -> None:
    """CPU ms of each phase of one in-process solve: the minimum over 5 runs."""
    import ast

    runs = [ast.literal_eval(subprocess.run([sys.executable, "-c", PHASES, str(path)], check=True,
                                            capture_output=True, text=True, env=env).stdout) for _ in range(5)]
    print("\nphases of one solve in one process (CPU ms, min of 5):")
    for i, (name, _) in enumerate(runs[0][0]):
        print(f"  {min(r[0][i][1] for r in runs):7.1f}  {name}")
    print(f"  {sum(min(r[0][i][1] for r in runs) for i in range(1, len(runs[0][0]))):7.1f}  "
          "all but numpy\n  kind modules imported: " + ", ".join(runs[0][1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-bytecode-cache", action="store_true", help="keep PYTHONDONTWRITEBYTECODE if set")
    parser.add_argument("--breakdown", action="store_true", help="also time the phases of one solve")
    args = parser.parse_args()
    # Bytecode cached as an installed package has it (pip compiles on install): the warm-up run writes it
    # even where PYTHONDONTWRITEBYTECODE is set (--no-bytecode-cache measures compiling on every start).
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    if not args.no_bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as tmp:
        path = problems_file(Path(tmp))
        numpy, solve = timed([[sys.executable, "-c", "import numpy"],
                              [sys.executable, "-m", "nnsteps", "solve", str(path)]], args.runs, env)
        if args.breakdown:
            breakdown(path, env)

    def med(times: list[tuple[float, float]], i: int) -> float:
        return statistics.median(t[i] for t in times)

    def turns(i: int) -> float:
        return statistics.median(s[i] / n[i] for n, s in zip(numpy, solve))

    print(f"\n{args.runs} turns                      wall ms    CPU ms")
    print(f"python -c 'import numpy'    {med(numpy, 0) * 1000:7.1f}   {med(numpy, 1) * 1000:7.1f}")
    print(f"nnsteps solve Q1 + Q5        {med(solve, 0) * 1000:7.1f}   {med(solve, 1) * 1000:7.1f}")
    print(f"ratio of the medians           {med(solve, 0) / med(numpy, 0):7.2f}   {med(solve, 1) / med(numpy, 1):7.2f}"
          "  (goal: <= 2)")
    print(f"median of each turn's ratio    {turns(0):7.2f}   {turns(1):7.2f}")


if __name__ == "__main__":
    main()
