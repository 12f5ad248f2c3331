"""Time `nnsteps check` grading: 1,000 generated submissions against one generated problem set.

Each submission is the key with a few cells perturbed (a third of them entirely right), so the
timing includes per-cell comparison, likely-mistake matching and the first wrong cell's derivation.

    python bench/bench_check.py [--submissions 1000] [--seed 0]
"""

from __future__ import annotations

import argparse
import copy
import time

import numpy as np

from nnsteps.generation.generate import generate
from nnsteps.grading.check import Grader

KINDS = ("conv2d", "max_pool2d", "avg_pool2d", "pipeline", "linear", "relu")


def build(seed: int) -> tuple[dict, dict]:
    problems: list[dict] = []
    answers: dict = {}
    for kind in KINDS:
        s = generate(kind, seed=seed, count=2)
        problems += s.problems
        answers.update(s.answers)
    return {"problems": problems}, answers


def perturb(answers: dict, rng: np.random.Generator) -> dict:
    out = copy.deepcopy(answers)
    if rng.random() < 1 / 3:
        return out
    for pid in rng.choice(list(out), size=3, replace=False):
        value = out[pid]
        cursor = value
        while isinstance(cursor, list) and isinstance(cursor[0], list):
            cursor = cursor[int(rng.integers(0, len(cursor)))]
        if isinstance(cursor, list):
            i = int(rng.integers(0, len(cursor)))
            cursor[i] = str(cursor[i]) + "1" if isinstance(cursor[i], str) else cursor[i] + 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    document, key = build(args.seed)
    rng = np.random.default_rng(args.seed)
    subs = [perturb(key, rng) for _ in range(args.submissions)]
    t0 = time.perf_counter()
    grader = Grader(document)
    t1 = time.perf_counter()
    correct = 0
    for answers in subs:
        correct += grader.grade(answers).correct
    t2 = time.perf_counter()
    n = len(subs)
    print(f"problems: {len(document['problems'])} ({', '.join(KINDS)}), submissions: {n}, all correct: {correct}")
    print(f"solve the key once: {(t1 - t0) * 1e3:.1f} ms")
    print(f"grade {n} submissions: {t2 - t1:.2f} s = {(t2 - t1) / n * 1e3:.2f} ms per submission")


if __name__ == "__main__":
    main()
