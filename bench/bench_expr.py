"""Time the safe expression reader and the identity test on the worst answers the checker meets.

Issue 9's case first: a tanh RNN's closed forms answered with ``x`` (SymPy's simplify never returned on
it), then the full closed form, a 5,000-character answer, and the largest key (a 30-step linear RNN).

    python bench/bench_expr.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import time

from nnsteps.expr import parse, same_value
from nnsteps.grading.check import Grader
from nnsteps.ops.rnn.symbolic import rnn_closed_form

RNN_TANH = {"problems": [{"id": "rnn", "kind": "rnn", "x": [0.3, 0.4, 0.2], "h0": 0.5,
                          "weights": {"w_in": 0.2, "w_hh": 0.2, "w_hy": 0.2}, "activation": "tanh",
                          "target": 0.4, "learning_rate": 0.15}]}


def timed(label: str, repeat: int, fn) -> None:
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    print(f"{label:<58} {1000 * (time.perf_counter() - t0) / repeat:8.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    grader = Grader(RNN_TANH)
    key = grader._keys[0].key["symbolic"]
    fields = ["h_L", "y"]
    # the first wrong answer also solves the problem's wrong-convention variants once (likely mistakes)
    timed("tanh RNN answered 'x', first check (variants solved once)", 1,
          lambda: grader.grade({"rnn": {"symbolic": {f: "x" for f in fields}}}))
    timed("tanh RNN, every closed form answered 'x'", args.repeat,
          lambda: grader.grade({"rnn": {"symbolic": {f: "x" for f in fields}}}))
    timed("tanh RNN, the closed forms answered right", args.repeat,
          lambda: grader.grade({"rnn": {"symbolic": {f: key[f] + " + 0" for f in fields}}}))
    long = "+".join(["w_in*x_1"] * 555)
    timed(f"parse a {len(long):,}-character answer", args.repeat, lambda: parse(long, ["w_in", "x_1"]))
    cf = rnn_closed_form(30)
    big = str(cf.grads["w_in"])
    a, b = parse(big), parse(big + " - 0")
    timed(f"identity test, 30-step RNN gradient ({len(big):,} characters)", args.repeat, lambda: same_value(a, b))


if __name__ == "__main__":
    main()
