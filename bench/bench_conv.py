"""Time nnsteps.conv2d's float path against torch.nn.functional.conv2d in the same process.

    python bench/bench_conv.py [--repeat 5]

Input: a float 64×56×56 volume, a 64×64×3×3 filter bank, padding 1 (a ResNet stage).
nnsteps runs with detail="none" (no explanation work) and with detail="auto" (one cell explained),
so the cost of the explanation is visible. Prints the median times and the ratios to PyTorch.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np


def median_time(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import torch
    import torch.nn.functional as F

    import nnsteps

    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 56, 56))
    w = rng.standard_normal((64, 64, 3, 3))
    xt, wt = torch.from_numpy(x)[None], torch.from_numpy(w)

    ours = nnsteps.conv2d(x, w, padding=1, detail="none").value
    theirs = F.conv2d(xt, wt, padding=1)[0].numpy()
    assert np.allclose(ours, theirs, rtol=1e-10, atol=1e-10), "results differ"

    t_torch = median_time(lambda: F.conv2d(xt, wt, padding=1), args.repeat)
    t_none = median_time(lambda: nnsteps.conv2d(x, w, padding=1, detail="none"), args.repeat)
    t_auto = median_time(lambda: nnsteps.conv2d(x, w, padding=1, detail="auto"), args.repeat)
    print(f"conv2d float64, input 64x56x56, filters 64x64x3x3, padding 1 (torch threads: {torch.get_num_threads()})")
    print(f"  torch.nn.functional.conv2d        {t_torch * 1e3:9.2f} ms")
    print(f"  nnsteps.conv2d detail='none'      {t_none * 1e3:9.2f} ms   ratio {t_none / t_torch:6.2f}x")
    print(f"  nnsteps.conv2d detail='auto'      {t_auto * 1e3:9.2f} ms   ratio {t_auto / t_torch:6.2f}x")


if __name__ == "__main__":
    main()
