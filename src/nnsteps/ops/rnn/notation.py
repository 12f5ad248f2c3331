"""How an RNN's quantities are written in LaTeX: the reference's scalar names (w_in, h_t, y_r)
for the scalar RNN, indexed matrix entries (W_{xh,ij}, h_{t,i}) otherwise.

The forward pass and BPTT both write their steps with these, so one problem reads one way.
"""

from __future__ import annotations

from typing import Any

from nnsteps.numbers import to_latex_operand

SCALAR_TEX = {"W_xh": r"w_{\text{in}}", "W_hh": r"w_{\text{hh}}", "W_hy": r"w_{\text{hy}}", "b_h": "b_h", "b_y": "b_y"}
MATRIX_TEX = {"W_xh": "W_{xh}", "W_hh": "W_{hh}", "W_hy": "W_{hy}", "b_h": "b_{h}", "b_y": "b_{y}"}


def op(v: Any) -> str:
    """A number inside arithmetic (exact where exact).

    >>> from fractions import Fraction
    >>> op(3), op(-2), op(Fraction(-1, 2))
    ('3', '(-2)', '(-0.5)')
    """
    return to_latex_operand(v)


class Notation:
    """Symbols of one RNN problem.

    >>> n = Notation(scalar=True, H=1, D=1, O=1, every=False)
    >>> n.w("W_xh", 0, 0), n.h(2, 0), n.y(3, 0), n.r(3, 0)
    ('w_{\\\\text{in}}', 'h_{2}', 'y', 'y_r')
    """

    def __init__(self, *, scalar: bool, H: int, D: int, O: int, every: bool) -> None:
        self.scalar, self.H, self.D, self.O, self.every = scalar, H, D, O, every

    def _idx(self, t: int | str, i: int | None, n: int) -> str:
        return f"_{{{t}}}" if i is None or n == 1 else f"_{{{t},{i + 1}}}"

    def x(self, t: int | str, j: int | None = None) -> str:
        return "x" + self._idx(t, j, self.D)

    def h(self, t: int | str, i: int | None = None) -> str:
        return "h" + self._idx(t, i, self.H)

    def a(self, t: int | str, i: int | None = None) -> str:
        return "a" + self._idx(t, i, self.H)

    def delta(self, t: int | str, i: int | None = None) -> str:
        return r"\delta" + self._idx(t, i, self.H)

    def eps(self, t: int | str, i: int | None = None) -> str:
        return r"\varepsilon" + self._idx(t, i, self.H)

    def y(self, t: int | str, k: int | None = None) -> str:
        if not self.every:
            return "y" if k is None or self.O == 1 else f"y_{{{k + 1}}}"
        return "y" + self._idx(t, k, self.O)

    def r(self, t: int | str, k: int | None = None) -> str:
        if not self.every:
            return "y_r" if k is None or self.O == 1 else f"y_{{r,{k + 1}}}"
        return f"y_{{r,{t}}}" if k is None or self.O == 1 else f"y_{{r,{t},{k + 1}}}"

    def g(self, t: int | str, k: int | None = None) -> str:
        return rf"\frac{{\partial \ell}}{{\partial {self.y(t, k)}}}"

    def w(self, name: str, i: int | None = None, j: int | None = None) -> str:
        if self.scalar:
            return SCALAR_TEX[name]
        base = MATRIX_TEX[name]
        if i is None:
            return base
        if name.startswith("b"):
            return f"b_{{{name[-1]},{i + 1}}}"
        return f"W_{{{name[2:]},{i + 1}{j + 1 if j is not None else ''}}}"

    def grad(self, name: str, i: int | None = None, j: int | None = None) -> str:
        return rf"\frac{{\partial \ell}}{{\partial {self.w(name, i, j)}}}"


def dot_text(ws: list[Any], vs: list[Any]) -> str:
    """``w1 \\cdot v1 + w2 \\cdot v2 ...`` with every number an operand.

    >>> dot_text([2, -1], [3, 4])
    '2 \\\\cdot 3 + (-1) \\\\cdot 4'
    """
    return " + ".join(rf"{op(w)} \cdot {op(v)}" for w, v in zip(ws, vs))
