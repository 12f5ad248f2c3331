"""Cold start: `nnsteps solve` of the reference's Q1 and Q5 as a whole process, against
`python -c "import numpy"` (the floor any NumPy program pays). Prints both medians and the ratio;
the goal is a ratio of at most 2. `python -m nnsteps` runs what the `nnsteps` console script runs
(`nnsteps.__main__:main`). Run by hand (not by the tests):

    python bench/bench_cold_start.py [--runs 15]

Find what to defer with `python -X importtime -m nnsteps solve FILE 2> imports.txt`.
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


def problems_file(folder: Path) -> Path:
    """The reference's Q1 (every part) and Q5, as one problem file."""
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    keep = [p for p in document["problems"] if str(p["id"]).startswith(("q1", "q5"))]
    path = folder / "q1_q5.yaml"
    path.write_text(yaml.safe_dump({"problems": keep}), encoding="utf-8")
    return path


def timed(cmd: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system, the process and its worker) of ``runs``
    runs, after one warm-up run that fills the OS file cache. CPU time barely moves when other work
    shares the machine; wall time is what a user waits."""
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-bytecode-cache", action="store_true", help="keep PYTHONDONTWRITEBYTECODE if set")
    args = parser.parse_args()
    # Bytecode cached as an installed package has it (pip compiles on install): the warm-up run writes it
    # even where PYTHONDONTWRITEBYTECODE is set (--no-bytecode-cache measures compiling on every start).
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    if not args.no_bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as tmp:
        path = problems_file(Path(tmp))
        numpy = timed([sys.executable, "-c", "import numpy"], args.runs, env)
        solve = timed([sys.executable, "-m", "nnsteps", "solve", str(path)], args.runs, env)
    print("                              wall ms    CPU ms")
    print(f"python -c 'import numpy'    {numpy[0] * 1000:7.1f}   {numpy[1] * 1000:7.1f}")
    print(f"nnsteps solve Q1 + Q5        {solve[0] * 1000:7.1f}   {solve[1] * 1000:7.1f}")
    print(f"ratio                        {solve[0] / numpy[0]:7.2f}   {solve[1] / numpy[1]:7.2f}  (goal: <= 2)")


if __name__ == "__main__":
    main()
