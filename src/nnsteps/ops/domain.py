"""The number domain a backprop computation runs in: exact, exact-with-lazy-exact-forms, or float.

One class per domain (:class:`ExactDomain`, :class:`SymbolicDomain`, :class:`FloatDomain`), chosen
once by :meth:`Domain.choose`:

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
from abc import ABC, abstractmethod
from collections.abc import Callable
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.irrational import FLOAT, MAX_EXACT_DEPTH, MAX_EXACT_NODES, Real
from nnsteps.names import Op
from nnsteps.numbers import bounded, normalize

__all__ = ["Domain", "ExactDomain", "FloatDomain", "SymbolicDomain", "Real", "MAX_EXACT_NODES", "MAX_EXACT_DEPTH"]


class Domain(ABC):
    """Arithmetic helpers for one computation; a subclass per number domain, chosen once.

    >>> d = Domain.choose([np.array([Fraction(1, 2)], dtype=object)], irrational=True, small=True)
    >>> type(d).__name__, d.out(d.tanh(d.num(Fraction(1, 2)))).exact
    ('SymbolicDomain', tanh(1/2))
    """

    is_exact: ClassVar[bool] = True

    @staticmethod
    def choose(arrays: list[np.ndarray], *, irrational: bool, small: bool) -> Domain:
        """exact for exact input that stays rational, symbolic for small exact input that
        does not, float otherwise.

        >>> type(Domain.choose([np.array([0.5])], irrational=True, small=True)).__name__
        'FloatDomain'
        """
        exact = all(a.dtype == object for a in arrays)
        if not exact:
            return FloatDomain()
        if not irrational:
            return ExactDomain()
        return SymbolicDomain() if small else FloatDomain()

    @abstractmethod
    def num(self, v: Any) -> Any:
        """An input number in this domain.

        >>> FloatDomain().num(Fraction(1, 4)), ExactDomain().num(Fraction(4, 2))
        (0.25, 2)
        """

    def array(self, arr: np.ndarray) -> np.ndarray:
        """An input array in this domain (float64, or an object array of domain numbers).

        >>> ExactDomain().array(np.array([Fraction(2, 1)], dtype=object)).tolist()
        [2]
        """
        out = np.empty(arr.shape, dtype=object)
        flat = out.reshape(-1)
        for i, v in enumerate(np.asarray(arr, dtype=object).reshape(-1)):
            flat[i] = self.num(v)
        return out

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        """An array of zeros in this domain.

        >>> ExactDomain().zeros((2,)).tolist(), FloatDomain().zeros((1,)).tolist()
        ([0, 0], [0.0])
        """
        return self.array(np.zeros(shape, dtype=int).astype(object))

    # Functions that may leave the rationals.
    @abstractmethod
    def apply(self, name: str, x: Any, f: float | None = None) -> Any:
        """``name`` (tanh, sigmoid, exp, log, sqrt) of ``x`` in this domain; ``f`` overrides the
        float (a softmax computes its exponentials shifted by the row's maximum).

        >>> FloatDomain().apply("sigmoid", -800.0), ExactDomain().apply("sqrt", Fraction(9, 4))
        (0.0, Fraction(3, 2))
        """

    def stored(self, arr: np.ndarray) -> np.ndarray:
        """An array of computed values as this domain keeps them (float64 in the float domain).

        >>> FloatDomain().stored(np.array([1], dtype=object)).dtype
        dtype('float64')
        """
        return arr

    def stable(self, f: Any, exact: Callable[[], Any]) -> Any:
        """A value computed stably in float64 (``f``), or in an exact domain its exact form
        (``exact()``, called only there): log-sum-exp and softplus overflow if taken literally.

        >>> FloatDomain().stable(0.5, lambda: 1 / 0), ExactDomain().stable(0.5, lambda: Fraction(1, 2))
        (0.5, Fraction(1, 2))
        """
        return exact()

    def rate(self, lr: Any) -> Any:
        """A learning rate as the update multiplies by it: a symbolic domain keeps its exact form.

        >>> type(SymbolicDomain().rate(Fraction(1, 10))).__name__, ExactDomain().rate(Fraction(1, 10))
        ('Real', Fraction(1, 10))
        """
        return lr

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

    @abstractmethod
    def out(self, v: Any) -> Any:
        """A value as handed to users: int/Fraction (exact), Irrational (symbolic), or float.

        >>> ExactDomain().out(Fraction(6, 3)), FloatDomain().out(Fraction(1, 2))
        (2, 0.5)
        """

    def out_array(self, arr: np.ndarray) -> np.ndarray:
        """An array of values as handed to users (float64 in the float domain).

        >>> ExactDomain().out_array(np.array([Fraction(4, 2)], dtype=object)).tolist()
        [2]
        """
        out = np.empty(np.shape(arr), dtype=object)
        flat = out.reshape(-1)
        for i, v in enumerate(np.asarray(arr, dtype=object).reshape(-1)):
            flat[i] = self.out(v)
        return out

    def values(self, values: Any) -> np.ndarray:
        """A sequence of this domain's numbers as an array (float64 in the float domain).

        >>> FloatDomain().values([1, 2]).dtype, ExactDomain().values([1, 2]).dtype
        (dtype('float64'), dtype('O'))
        """
        return np.array(list(values), dtype=object)

    def note(self) -> str | None:
        """What the reader should know about the numbers of this domain."""
        return None


class ExactDomain(Domain):
    """ints and Fractions: no activation or loss leaves the rationals."""

    def num(self, v: Any) -> Any:
        return normalize(v)

    def apply(self, name: str, x: Any, f: float | None = None) -> Any:
        if name == "sqrt":
            r = _exact_sqrt(Fraction(x))
            if r is not None:
                return normalize(r)
        return FLOAT[name](float(x)) if f is None else f

    def out(self, v: Any) -> Any:
        try:  # the one exit of every exact value an op hands out: keep it within the digit limit
            return bounded(normalize(v))
        except NnstepsError as err:
            raise NnstepsError(f"the exact result grew past the limit: {err.message}") from None


class SymbolicDomain(Domain):
    """Exact input through tanh, sigmoid or exp: :class:`Real` numbers, handed out as Irrational or Fraction."""

    def __init__(self) -> None:
        # The first value handed out for each rational: a later value equal to it is handed out as it
        # (the answers have always been so).
        self._rationals: dict[Fraction, Any] = {}

    def num(self, v: Any) -> Any:
        return Real.of(v)

    def apply(self, name: str, x: Any, f: float | None = None) -> Any:
        return Real.of(x).apply(name, f)

    def rate(self, lr: Any) -> Any:
        return Real.of(lr)

    def out(self, v: Any) -> Any:
        r = Real.of(v)
        if r.q is None or (r.recipe is None and r.exact is None):
            return r.value()
        first = self._rationals.get(r.q)
        if first is None:
            first = self._rationals[r.q] = r.value() if r.exact is not None else r.irrational()
        return first

    def note(self) -> str | None:
        return ("tanh, sigmoid and exp leave the rationals: the values are rounded decimals from here on, "
                "computed from their exact forms (kept in the JSON's answer_exact)")


class FloatDomain(Domain):
    """float64 throughout: float input, or a problem too large to keep exact forms of."""

    is_exact = False

    def num(self, v: Any) -> Any:
        return float(v)

    def array(self, arr: np.ndarray) -> np.ndarray:
        return np.asarray(arr, dtype=np.float64)

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.zeros(shape)

    def apply(self, name: str, x: Any, f: float | None = None) -> Any:
        return FLOAT[name](float(x)) if f is None else f

    def stored(self, arr: np.ndarray) -> np.ndarray:
        return arr.astype(np.float64)

    def stable(self, f: Any, exact: Callable[[], Any]) -> Any:
        return f

    def out(self, v: Any) -> Any:
        return float(v)

    def out_array(self, arr: np.ndarray) -> np.ndarray:
        return np.asarray(arr, dtype=np.float64)

    def values(self, values: Any) -> np.ndarray:
        return np.array(values, dtype=np.float64)


def _exact_sqrt(x: Fraction) -> Fraction | None:
    if x < 0:
        return None
    p, q = math.isqrt(x.numerator), math.isqrt(x.denominator)
    if p * p == x.numerator and q * q == x.denominator:
        return Fraction(p, q)
    return None

