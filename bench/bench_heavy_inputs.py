"""Time the heaviest inputs the limits allow (the cases that used to hang: Fraction-heavy convolutions,
long sums rendered as text, a long softmax row, sigmoid of 300-digit numbers), solved and rendered in
json, markdown and text, beside PyTorch doing the same arithmetic in float64 where it can.

    python bench/bench_heavy_inputs.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

from nnsteps.problems.solve import solve_document
from nnsteps.render.document import render_solved

N = 20_000
HEAVY = {
    "conv2d 200×200 ⋆ 10×10, sevenths": {
        "kind": "conv2d", "input": [[Fraction(i * 200 + j + 1, 7) for j in range(200)] for i in range(200)],
        "kernel": [[Fraction(i * 10 + j + 1, 7) for j in range(10)] for i in range(10)]},
    "logistic, 20,000 terms": {"kind": "logistic", "input": [Fraction(i, 7) for i in range(N)],
                               "weights": [Fraction(i, 11) for i in range(N)]},
    "softmax of 400 sevenths": {"kind": "softmax", "input": [Fraction(i, 7) for i in range(400)]},
    "sigmoid of 400 300-digit integers": {"kind": "sigmoid", "input": [10**299 + i for i in range(400)]},
}


def _torch_seconds(name: str, problem: dict, repeat: int) -> float | None:
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    kind = problem["kind"]
    if kind == "conv2d":
        x = torch.tensor([[float(v) for v in row] for row in problem["input"]], dtype=torch.float64)[None, None]
        k = torch.tensor([[float(v) for v in row] for row in problem["kernel"]], dtype=torch.float64)[None, None]
        fn = lambda: F.conv2d(x, k)  # noqa: E731
    elif kind == "logistic":
        x = torch.tensor([float(v) for v in problem["input"]], dtype=torch.float64)
        w = torch.tensor([float(v) for v in problem["weights"]], dtype=torch.float64)
        fn = lambda: torch.sigmoid(x @ w)  # noqa: E731
    elif kind == "softmax":
        x = torch.tensor([float(v) for v in problem["input"]], dtype=torch.float64)
        fn = lambda: torch.softmax(x, 0)  # noqa: E731
    else:
        return None  # 300-digit integers don't fit a float64 tensor exactly
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t0) / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'input':<36} {'nnsteps (solve+render)':>24} {'torch float64':>14} {'ratio':>10}")
    for name, problem in HEAVY.items():
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            solved = solve_document([{"id": "p", **problem}])
            for fmt in ("json", "markdown", "text"):
                render_solved(solved, fmt)
        ours = (time.perf_counter() - t0) / args.repeat
        theirs = _torch_seconds(name, problem, args.repeat)
        ratio = f"{ours / theirs:10.0f}×" if theirs else f"{'—':>10}"
        torch_text = f"{theirs * 1000:11.2f} ms" if theirs else f"{'—':>14}"
        print(f"{name:<36} {ours:22.2f} s {torch_text} {ratio}")


if __name__ == "__main__":
    main()
