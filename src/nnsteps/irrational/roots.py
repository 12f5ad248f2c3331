"""Square roots of integers as SymPy writes them: √n = s·√m with the square factors SymPy finds."""

from __future__ import annotations

import math
from functools import lru_cache


def _square_part(n: int) -> tuple[int, int]:
    """n = s²·m with the square factors SymPy finds (``Integer._eval_power``): every prime below 2**15
    divided out, then the rest taken whole when it is a perfect power."""
    s, m, d = 1, 1, 2
    while d < 2**15 and d * d <= n:
        k = 0
        while n % d == 0:
            n //= d
            k += 1
        s, m = s * d ** (k // 2), m * d ** (k % 2)
        d += 1 if d == 2 else 2
    if n > 1 and d >= 2**15:
        b, k = _perfect_power(n)
        s, m = s * b ** (k // 2), m * b ** (k % 2)
    else:
        m *= n
    return s, m


def _perfect_power(n: int) -> tuple[int, int]:
    """n = b**k with k as large as it goes (k = 1 when n is no perfect power)."""
    for k in range(n.bit_length(), 1, -1):
        b = _iroot(n, k)
        if b > 1 and b**k == n:
            return b, k
    return n, 1


def _iroot(n: int, k: int) -> int:
    """⌊n^(1/k)⌋ in integers (Newton's method; floats lose the last digits of big numbers)."""
    if k == 2:
        return math.isqrt(n)
    x = 1 << -(-n.bit_length() // k)  # above the root
    while True:
        y = ((k - 1) * x + n // x ** (k - 1)) // k
        if y >= x:
            return x
        x = y


@lru_cache(maxsize=4096)  # a layer's rows share their variances: each root is factored once
def root_of(n: int) -> tuple[int, int]:
    """√n as s·√m, as SymPy's ``Integer(n)**(1/2)`` takes the square factors out.

    >>> root_of(72), root_of(7), root_of(2 * 52579**2)
    ((6, 2), (1, 7), (52579, 2))
    """
    if n < 2:
        return n, 1
    return _square_part(n)
