"""Time a solve written as JSON and as an HTML report against the same solve as text, whole processes.

JSON carries every exact form (``answer_exact``) and the HTML report their disclosures, so these are the
outputs that pay for exact forms; the text solve prints decimals. Each file is solved three ways:

* ``nnsteps solve FILE``                    text (the baseline of its row);
* ``nnsteps solve FILE --format json``      what the web app and every script read;
* ``nnsteps solve FILE -o report.html``     the HTML report;

for ``examples/backprop.yaml`` (the 2-2-2 sigmoid MLP), ``bench/rnn_dlai_10.yaml`` (deeplearning.ai's
10-sample tanh RNN) and ``bench/reference_grid.yaml`` (the reference's exact-integer grid problems, the
baseline of the last column). Best of N, interleaved so that a busy machine slows every case alike; the CPU
time (user + system) is the steadier measure on a shared machine. Also printed: whether any of the JSON
solves imported SymPy (it should not: exact forms are printed from their recipes).

    python bench/bench_formats.py                 # 5 runs each
    python bench/bench_formats.py --repeats 9 --json
    python bench/bench_formats.py --src /path/to/other/checkout/src   # before/after
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FILES = {
    "backprop.yaml": ROOT / "examples" / "backprop.yaml",
    "rnn_dlai_10.yaml": ROOT / "bench" / "rnn_dlai_10.yaml",
    "reference_grid.yaml": ROOT / "bench" / "reference_grid.yaml",
}
FORMATS = ("text", "json", "html")
TARGET = 1.3
"""``--format json`` and ``-o report.html`` of backprop.yaml: at most this many times the text solve."""

# Whether SymPy is imported by a JSON solve, in the worker that renders it (solve_task, as the CLI runs it).
PROBE = ("import sys\nimport nnsteps.__main__, nnsteps.hot\nfrom nnsteps.jobs import solve_task\n"
         "solve_task(sys.argv[1], 'json', None)\nprint('sympy' in sys.modules)\n")


def command(path: Path, fmt: str, out_dir: Path) -> list[str]:
    cmd = [sys.executable, "-m", "nnsteps", "solve", str(path)]
    if fmt == "json":
        return [*cmd, "--format", "json"]
    if fmt == "html":
        return [*cmd, "-o", str(out_dir / f"{path.stem}.html")]
    return cmd


def whole_processes(src: Path, repeats: int) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """Best wall and best CPU seconds of each (file, format) as a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    wall: dict[tuple[str, str], float] = {}
    cpu: dict[tuple[str, str], float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            for name, path in FILES.items():
                for fmt in FORMATS:
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    start = time.perf_counter()
                    subprocess.run(command(path, fmt, Path(tmp)), check=True, stdout=subprocess.DEVNULL, env=env,
                                   cwd=ROOT)
                    took = time.perf_counter() - start
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                    key = (name, fmt)
                    wall[key] = min(wall.get(key, float("inf")), took)
                    cpu[key] = min(cpu.get(key, float("inf")), used)
    return wall, cpu


def imports_sympy(src: Path) -> dict[str, bool]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = {}
    for name, path in FILES.items():
        done = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, check=True,
                              env=env, cwd=ROOT)
        out[name] = done.stdout.strip().endswith("True")
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="the nnsteps source tree to time")
    args = parser.parse_args(argv)
    src = args.src.resolve()
    wall, cpu = whole_processes(src, args.repeats)
    base_wall, base_cpu = wall[("reference_grid.yaml", "text")], cpu[("reference_grid.yaml", "text")]
    rows = {f"{name} {fmt}": {"wall_s": wall[(name, fmt)], "cpu_s": cpu[(name, fmt)],
                              "wall_ratio_to_text": wall[(name, fmt)] / wall[(name, "text")],
                              "cpu_ratio_to_text": cpu[(name, fmt)] / cpu[(name, "text")],
                              "wall_ratio_to_reference": wall[(name, fmt)] / base_wall,
                              "cpu_ratio_to_reference": cpu[(name, fmt)] / base_cpu}
            for name in FILES for fmt in FORMATS}
    sympy = imports_sympy(src)
    met = all(rows[f"backprop.yaml {fmt}"]["cpu_ratio_to_text"] <= TARGET for fmt in ("json", "html"))
    result = {"src": str(src), "repeats": args.repeats, "rows": rows, "json_solve_imports_sympy": sympy,
              "target": TARGET, "target_met_cpu": met}
    if args.json:
        print(json.dumps(result, indent=2))
        return result
    print(f"whole processes, best of {args.repeats} ({src}): wall s, CPU s; ratios to the same file's text "
          f"solve and to the reference grid's text solve")
    print(f"  {'':30s} {'wall':>7s} {'×text':>6s} {'×ref':>6s}   {'CPU':>7s} {'×text':>6s} {'×ref':>6s}")
    for key, r in rows.items():
        print(f"  {key:30s} {r['wall_s']:7.3f} {r['wall_ratio_to_text']:6.2f} {r['wall_ratio_to_reference']:6.2f}   "
              f"{r['cpu_s']:7.3f} {r['cpu_ratio_to_text']:6.2f} {r['cpu_ratio_to_reference']:6.2f}")
    print("JSON solve imports SymPy: " + ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in sympy.items()))
    print(f"target (backprop.yaml json and html at most {TARGET}× text, CPU): {'met' if met else 'NOT met'}")
    return result


if __name__ == "__main__":
    main()
