"""Time the cases where numbers leave the rationals (sigmoid, tanh) against the reference's grid problems,
and the same computations in PyTorch float64 as the floor.

Whole processes (what a user waits for, imports included), best of N, interleaved so that a busy
machine slows every case alike:

* ``nnsteps solve bench/reference_grid.yaml``   the reference's Q1 + Q5 (exact integers): the baseline;
* ``nnsteps solve examples/backprop.yaml``      the classic 2-2-2 sigmoid MLP;
* ``nnsteps solve bench/rnn_dlai_10.yaml``      deeplearning.ai's 10-sample tanh RNN cell forward;
* ``nnsteps solve bench/rnn_step_target.yaml``  one step of a 5-unit tanh RNN with a target;
* 200 generated MLP problems, generated (with their solutions) and checked.

Then in one process, after imports: each computation by nnsteps (solve, steps included) and by
PyTorch float64 autograd (values and gradients only), best of N.

    python bench/bench_numbers.py               # 3 runs each
    python bench/bench_numbers.py --repeats 5 --json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
FILES = {
    "reference Q1+Q5": BENCH / "reference_grid.yaml",
    "backprop.yaml (2-2-2 sigmoid MLP)": ROOT / "examples" / "backprop.yaml",
    "10-sample tanh RNN forward": BENCH / "rnn_dlai_10.yaml",
    "5-unit tanh RNN step, target": BENCH / "rnn_step_target.yaml",
}
MLP_COUNT = 200
GENERATE_AND_CHECK = (
    "from nnsteps.api_check import check, generate\n"
    f"ex = generate('mlp', seed=2024, count={MLP_COUNT})\n"
    "report = check(ex.document(), ex.answers)\n"
    f"assert report.score == {MLP_COUNT}, report.score\n"
)


def best_of(fn: Callable[[], Any], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def whole_processes(repeats: int) -> dict[str, float]:
    """Best wall time of each command as a fresh process."""
    commands: dict[str, list[str]] = {name: [sys.executable, "-m", "nnsteps.cli", "solve", str(path)]
                                      for name, path in FILES.items()}
    commands[f"generate + check {MLP_COUNT} MLPs"] = [sys.executable, "-c", GENERATE_AND_CHECK]
    best = {name: float("inf") for name in commands}
    env = _env()
    for _ in range(repeats):
        for name, cmd in commands.items():
            start = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def _floats(v: Any) -> Any:
    if isinstance(v, list):
        return [_floats(x) for x in v]
    return float(Fraction(str(v))) if not isinstance(v, (int, float, Fraction)) else float(v)


def _torch_mlp(problem: dict[str, Any]) -> None:
    import torch

    x = torch.tensor(_floats(problem["input"]), dtype=torch.float64)
    params = []
    a = x
    for layer in problem["layers"]:
        W = torch.tensor(_floats(layer["weights"]), dtype=torch.float64, requires_grad=True)
        b = torch.tensor(_floats(layer["bias"]), dtype=torch.float64, requires_grad=True)
        params += [W, b]
        z = W @ a + b
        act = layer.get("activation", "none")
        a = torch.sigmoid(z) if act == "sigmoid" else torch.tanh(z) if act == "tanh" else \
            torch.relu(z) if act == "relu" else z
    t = torch.tensor(_floats(problem["target"]), dtype=torch.float64)
    loss = 0.5 * ((a - t) ** 2).sum()
    loss.backward()
    lr = float(Fraction(str(problem["learning_rate"])))
    with torch.no_grad():
        [p - lr * p.grad for p in params]  # type: ignore[operator]


def _torch_rnn(problem: dict[str, Any]) -> None:
    import torch

    w = problem["weights"]
    T = {k: torch.tensor(_floats(v), dtype=torch.float64, requires_grad=True) for k, v in w.items()}
    h = torch.tensor(_floats(problem["h0"]), dtype=torch.float64)
    for x in problem["x"]:
        xt = torch.tensor(_floats(x), dtype=torch.float64)
        h = torch.tanh(T["W_xh"] @ xt + T["W_hh"] @ h + T["b_h"])
    y = T["W_hy"] @ h + T["b_y"]
    if "target" in problem:
        loss = 0.5 * ((y - torch.tensor(_floats(problem["target"]), dtype=torch.float64)) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            [p - problem["learning_rate"] * p.grad for p in T.values()]  # type: ignore[operator]


def in_process(repeats: int) -> dict[str, tuple[float, float]]:
    """(nnsteps, torch) seconds per computation, imports done."""
    import torch  # noqa: F401  (imported before timing)
    import yaml

    from nnsteps.api_check import check, generate
    from nnsteps.problems.solve import solve_file

    out: dict[str, tuple[float, float]] = {}
    for name, path in FILES.items():
        if name.startswith("reference"):
            continue
        problems = yaml.safe_load(path.read_text())["problems"]
        torch_fn = _torch_mlp if problems[0]["kind"] == "mlp" else _torch_rnn
        solve_file(path)  # warm-up
        out[name] = (best_of(lambda: solve_file(path), repeats),
                     best_of(lambda: [torch_fn(p) for p in problems], repeats))

    exercises = generate("mlp", seed=2024, count=MLP_COUNT)
    problems = exercises.problems

    def ours() -> None:
        ex = generate("mlp", seed=2024, count=MLP_COUNT)
        check(ex.document(), ex.answers)

    out[f"generate + check {MLP_COUNT} MLPs"] = (best_of(ours, repeats),
                                                best_of(lambda: [_torch_mlp(p) for p in problems], repeats))
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    whole = whole_processes(args.repeats)
    inproc = in_process(args.repeats)
    base = whole["reference Q1+Q5"]
    result = {"whole_process_s": whole, "ratio_to_reference": {k: v / base for k, v in whole.items()},
              "in_process_s": {k: {"nnsteps": a, "torch_float64": b, "ratio": a / b} for k, (a, b) in inproc.items()}}
    if args.json:
        print(json.dumps(result, indent=2))
        return result
    print(f"whole processes, best of {args.repeats}:")
    for name, t in whole.items():
        print(f"  {name:38s} {t:7.3f} s   {t / base:5.2f}× the reference")
    print("in one process (imports done): nnsteps vs PyTorch float64")
    for name, (a, b) in inproc.items():
        print(f"  {name:38s} {a:7.3f} s vs {b:7.4f} s   {a / b:7.1f}×")
    return result


if __name__ == "__main__":
    main()
