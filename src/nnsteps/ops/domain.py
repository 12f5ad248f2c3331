"""The number domain a backprop computation runs in: exact, exact-with-lazy-exact-forms, or float.

* ``exact``: ints and Fractions (no activation or loss leaves the rationals);
* ``symbolic``: exact input, but tanh, sigmoid or exp is applied, and the problem is small: the
  arithmetic runs on :class:`~nnsteps.irrational.Real` numbers (a float computed first, the exact
  SymPy form kept as a recipe built only when asked), and every value handed out is an
  ``Irrational`` or, where the value stays rational, a Fraction;
* ``float``: float input, or a problem too large to keep exact forms of (their size grows with
  every step): float64 throughout.

The RNN, MLP and attention ops share this, so one rule decides when a number stops being exact.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.irrational import FLOAT, MAX_EXACT_DEPTH, MAX_EXACT_NODES, Real
from nnsteps.names import Op
from nnsteps.numbers import bounded, normalize

__all__ = ["Domain", "Real", "MAX_EXACT_NODES", "MAX_EXACT_DEPTH"]


class Domain:
    """Arithmetic helpers for one computation.

    >>> d = Domain.choose([np.array([Fraction(1, 2)], dtype=object)], irrational=True, small=True)
    >>> d.kind, d.out(d.tanh(d.num(Fraction(1, 2)))).exact
    ('symbolic', tanh(1/2))
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        # The first value handed out for each rational: a later value equal to it is handed out as it
        # (the answers have always been so).
        self._rationals: dict[Fraction, Any] = {}

    @staticmethod
    def choose(arrays: list[np.ndarray], *, irrational: bool, small: bool) -> Domain:
        """``exact`` for exact input that stays rational, ``symbolic`` for small exact input that
        does not, ``float`` otherwise.

        >>> Domain.choose([np.array([0.5])], irrational=True, small=True).kind
        'float'
        """
        exact = all(a.dtype == object for a in arrays)
        if not exact:
            return Domain("float")
        if not irrational:
            return Domain("exact")
        return Domain("symbolic" if small else "float")

    @property
    def is_exact(self) -> bool:
        return self.kind != "float"

    def num(self, v: Any) -> Any:
        """An input number in this domain.

        >>> Domain("float").num(Fraction(1, 4)), Domain("exact").num(Fraction(4, 2))
        (0.25, 2)
        """
        if self.kind == "float":
            return float(v)
        if self.kind == "symbolic":
            return Real.of(v)
        return normalize(v)

    def array(self, arr: np.ndarray) -> np.ndarray:
        """An input array in this domain (float64, or an object array of domain numbers)."""
        if self.kind == "float":
            return np.asarray(arr, dtype=np.float64)
        out = np.empty(arr.shape, dtype=object)
        flat = out.reshape(-1)
        for i, v in enumerate(np.asarray(arr, dtype=object).reshape(-1)):
            flat[i] = self.num(v)
        return out

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        if self.kind == "float":
            return np.zeros(shape)
        return self.array(np.zeros(shape, dtype=int).astype(object))

    # Functions that may leave the rationals.
    def apply(self, name: str, x: Any, f: float | None = None) -> Any:
        """``name`` (tanh, sigmoid, exp, log, sqrt) of ``x`` in this domain; ``f`` overrides the
        float (a softmax computes its exponentials shifted by the row's maximum).

        >>> Domain("float").apply("sigmoid", -800.0), Domain("exact").apply("sqrt", Fraction(9, 4))
        (0.0, Fraction(3, 2))
        """
        if self.kind == "symbolic":
            return Real.of(x).apply(name, f)
        if name == "sqrt" and self.kind == "exact":
            r = _exact_sqrt(Fraction(x))
            if r is not None:
                return normalize(r)
        return FLOAT[name](float(x)) if f is None else f

    def tanh(self, x: Any) -> Any:
        return self.apply(Op.TANH, x)

    def exp(self, x: Any) -> Any:
        return self.apply("exp", x)

    def log(self, x: Any) -> Any:
        return self.apply("log", x)

    def sqrt(self, x: Any) -> Any:
        return self.apply("sqrt", x)

    def sigmoid(self, x: Any) -> Any:
        return self.apply(Op.SIGMOID, x)

    def positive(self, x: Any) -> bool:
        if isinstance(x, Real):
            return x.f > 0 if x.exact is None else x.exact > 0
        return bool(x > 0)

    def out(self, v: Any) -> Any:
        """A value as handed to users: int/Fraction, Irrational (symbolic), or float."""
        if self.kind == "float":
            return float(v)
        if self.kind == "symbolic":
            r = Real.of(v)
            if r.q is None or (r.recipe is None and r.exact is None):
                return r.value()
            first = self._rationals.get(r.q)
            if first is None:
                first = self._rationals[r.q] = r.value() if r.exact is not None else r.irrational()
            return first
        try:  # the one exit of every exact value an op hands out: keep it within the digit limit
            return bounded(normalize(v))
        except NnstepsError as err:
            raise NnstepsError(f"the exact result grew past the limit: {err.message}") from None

    def out_array(self, arr: np.ndarray) -> np.ndarray:
        """An array of values as handed to users (float64 in the float domain)."""
        if self.kind == "float":
            return np.asarray(arr, dtype=np.float64)
        out = np.empty(np.shape(arr), dtype=object)
        flat = out.reshape(-1)
        for i, v in enumerate(np.asarray(arr, dtype=object).reshape(-1)):
            flat[i] = self.out(v)
        return out

    def note(self) -> str | None:
        """What the reader should know about the numbers of this domain."""
        if self.kind == "symbolic":
            return ("tanh, sigmoid and exp leave the rationals: the values are rounded decimals from here on, "
                    "computed from their exact forms (kept in the JSON's answer_exact)")
        return None


def _exact_sqrt(x: Fraction) -> Fraction | None:
    if x < 0:
        return None
    p, q = math.isqrt(x.numerator), math.isqrt(x.denominator)
    if p * p == x.numerator and q * q == x.denominator:
        return Fraction(p, q)
    return None

