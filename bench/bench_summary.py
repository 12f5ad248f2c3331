"""Time nnsteps' layer table of ResNet-50 against torchinfo.summary of the same PyTorch module.

Both run in this process, on CPU, best of N runs each. nnsteps reads the spec text and derives every
number with its steps; torchinfo needs the module built and one forward pass of a 224×224 image.
Building the module (nnsteps.to_torch) is not timed: torchinfo is given it ready.

    python bench/bench_summary.py                 # ResNet-50, 5 runs each
    python bench/bench_summary.py --spec examples/networks/vgg16.txt --repeats 3
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def best_of(fn: Callable[[], Any], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run(spec_path: Path, repeats: int) -> dict[str, float]:
    import torch
    import torchinfo

    from nnsteps.arch.export import to_torch, torch_input_shape
    from nnsteps.arch.render import render_table
    from nnsteps.arch.table import summary

    text = spec_path.read_text()
    table = summary(text)
    module = to_torch(text).eval()
    shape = torch_input_shape(table.input_shape)
    dtypes = [torch.long] if table.input_shape.kind == "tokens" else None

    def ours() -> None:
        render_table(summary(text), "text")

    def theirs() -> None:
        torchinfo.summary(module, input_size=shape, dtypes=dtypes, verbose=0, device="cpu")

    ours()
    theirs()  # warm-up: first calls pay for imports and allocator set-up
    info = torchinfo.summary(module, input_size=shape, dtypes=dtypes, verbose=0, device="cpu")
    result = {"nnsteps_s": best_of(ours, repeats), "torchinfo_s": best_of(theirs, repeats),
              "nnsteps_params": table.total_params, "torchinfo_params": info.total_params}
    result["ratio"] = result["torchinfo_s"] / result["nnsteps_s"]
    return result


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=ROOT / "examples" / "networks" / "resnet50.txt")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    r = run(args.spec, args.repeats)
    print(f"spec: {args.spec.name} ({r['nnsteps_params']:,} params; torchinfo counts {r['torchinfo_params']:,})")
    print(f"nnsteps summary (table + text render): {r['nnsteps_s'] * 1e3:9.2f} ms")
    print(f"torchinfo.summary (forward pass):      {r['torchinfo_s'] * 1e3:9.2f} ms")
    print(f"ratio torchinfo / nnsteps:             {r['ratio']:9.1f}x")
    return r


if __name__ == "__main__":
    main()
