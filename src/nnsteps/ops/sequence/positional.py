"""The sinusoidal positional encoding of "Attention Is All You Need":
PE(pos, 2i) = sin(pos / 10000^{2i/d}), PE(pos, 2i+1) = cos(pos / 10000^{2i/d}), in float64.
"""

from __future__ import annotations

import math
from typing import Any

from nnsteps.numfmt import to_latex_operand
from nnsteps.work import Step, Worked

MAX_SHOWN = 64
"""Entries worked one by one (the rest are in the matrix)."""


def positional_encoding(positions: int, d_model: int, base: int = 10000, kind: str = "") -> Worked:
    """The positions × d_model matrix, each entry with its angle (float64: sin and cos of these angles are
    irrational except at 0).

    >>> m = positional_encoding(2, 4).answer
    >>> m[0], [round(v, 6) for v in m[1]]
    ([0.0, 1.0, 0.0, 1.0], [0.841471, 0.540302, 0.01, 0.99995])
    """
    matrix: list[list[float]] = []
    entries: Step[Any] = Step("Entries", note=f"the first {MAX_SHOWN} entries worked; float64 throughout")
    for pos in range(positions):
        row = []
        for j in range(d_model):
            i2 = j - j % 2  # 2i: the pair of columns shares one frequency
            angle = pos / base ** (i2 / d_model)
            value = math.sin(angle) if j % 2 == 0 else math.cos(angle)
            row.append(value)
            if len(entries.steps) < MAX_SHOWN:
                fn = r"\sin" if j % 2 == 0 else r"\cos"
                entries.steps.append(Step(
                    f"PE({pos}, {j})", formula=rf"PE({pos}, {j}) = {fn}\left(\frac{{pos}}{{{base}^{{2i/d}}}}\right)",
                    substituted=rf"{fn}\left(\frac{{{pos}}}{{{base}^{{{i2}/{d_model}}}}}\right) = {fn}({to_latex_operand(angle)})",
                    result=value))
        matrix.append(row)
    steps: list[Step[Any]] = [
        Step("Frequencies", formula=rf"\omega_{{i}} = 1 / {base}^{{2i/d_{{model}}}}",
             result=[1 / base ** ((2 * i) / d_model) for i in range((d_model + 1) // 2)]),
        entries, Step("Positional encoding", result=matrix)]
    return Worked(kind, value=matrix, steps=steps, title=f"Sinusoidal positional encoding ({positions}×{d_model})",
                  answer=matrix)
