"""Cold start: `nnsteps solve` of the reference's Q1 and Q5 as a whole process, against
`python -c "import numpy"` (the floor any NumPy program pays). Prints both medians and the ratio;
the goal is a ratio of at most 2. Run by hand (not by the tests):

    python bench/bench_cold_start.py [--runs 15]

Find what to defer with `python -X importtime -m nnsteps.cli solve FILE 2> imports.txt`.
"""

from __future__ import annotations

import argparse
import os
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


def timed(cmd: list[str], runs: int, env: dict[str, str]) -> float:
    """Median wall time of ``runs`` runs (after one warm-up run that fills the OS file cache)."""
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with tempfile.TemporaryDirectory() as tmp:
        path = problems_file(Path(tmp))
        numpy = timed([sys.executable, "-c", "import numpy"], args.runs, env)
        solve = timed([sys.executable, "-m", "nnsteps.cli", "solve", str(path)], args.runs, env)
    print(f"python -c 'import numpy'    {numpy * 1000:7.1f} ms")
    print(f"nnsteps solve Q1 + Q5        {solve * 1000:7.1f} ms")
    print(f"ratio                        {solve / numpy:7.2f}  (goal: <= 2)")


if __name__ == "__main__":
    main()
