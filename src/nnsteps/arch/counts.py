"""Parameter, neuron, MAC and receptive-field rules of the layer table, each returning its number
inside the step that explains it (the size rules themselves live in :mod:`nnsteps.shapes`).

Every ``substituted`` string is arithmetic that evaluates to the step's result.
"""

from __future__ import annotations

from fractions import Fraction
from math import prod

from nnsteps.numbers import Exact, normalize, to_latex_operand
from nnsteps.work import Step


def product(title: str, lhs: str, factors: list[tuple[str, int]], note: str | None = None) -> Step[int]:
    """A count that is a product of sizes, e.g. ``weights = K·K·C_in·N``.

    >>> s = product("Weights", r"\\#w", [("K", 3), ("K", 3), ("C_{in}", 3), ("N", 32)])
    >>> s.formula, s.substituted, s.value
    ('\\\\#w = K \\\\cdot K \\\\cdot C_{in} \\\\cdot N', '3 \\\\cdot 3 \\\\cdot 3 \\\\cdot 32', 864)
    """
    if not factors:
        return Step(title, formula=f"{lhs} = 0", result=0, note=note)
    return Step(
        title,
        formula=f"{lhs} = " + r" \cdot ".join(sym for sym, _ in factors),
        substituted=r" \cdot ".join(to_latex_operand(v) for _, v in factors),
        result=prod(v for _, v in factors),
        note=note,
    )


def total(title: str, lhs: str, terms: list[tuple[str, int]], note: str | None = None) -> Step[int]:
    """A count that is a sum of counts, e.g. ``params = weights + biases``.

    >>> total("Parameters", "P", [("W", 864), ("B", 32)]).substituted
    '864 + 32'
    """
    if not terms:
        return Step(title, formula=f"{lhs} = 0", result=0, note=note)
    return Step(
        title,
        formula=f"{lhs} = " + " + ".join(sym for sym, _ in terms),
        substituted=" + ".join(to_latex_operand(v) for _, v in terms),
        result=sum(v for _, v in terms),
        note=note,
    )


def sum_of_products(title: str, lhs: str, products: list[list[tuple[str, int]]],
                    note: str | None = None) -> Step[int]:
    """A count that is a sum of products, e.g. a separable convolution's ``K·K·C + C·N`` weights.

    >>> s = sum_of_products("Weights", r"\\#w", [[("K", 3), ("K", 3), ("C", 4)], [("C", 4), ("N", 8)]])
    >>> s.substituted, s.value
    ('3 \\\\cdot 3 \\\\cdot 4 + 4 \\\\cdot 8', 68)
    """
    terms = [t for t in products if t]
    if not terms:
        return Step(title, formula=f"{lhs} = 0", result=0, note=note)
    return Step(
        title,
        formula=f"{lhs} = " + " + ".join(r" \cdot ".join(s for s, _ in t) for t in terms),
        substituted=" + ".join(r" \cdot ".join(to_latex_operand(v) for _, v in t) for t in terms),
        result=sum(prod(v for _, v in t) for t in terms),
        note=note,
    )


def macs(
    title: str, products: list[list[tuple[str, int]]], *, bias: list[tuple[str, int]] | None = None,
    flops: bool = False,
) -> Step[int]:
    """Multiply-accumulates as a sum of products; the bias adds (optional) and FLOPs = 2·MACs.

    ``products`` are the multiply-accumulate terms; ``bias`` the one add per output when counted.

    >>> macs("MACs", [[("H", 2), ("W", 2), ("N", 4), ("K^2 C", 9)]], bias=[("H", 2), ("W", 2), ("N", 4)]).value
    160
    >>> macs("FLOPs", [[("N_{in}", 10), ("N", 2)]], flops=True).substituted
    '2 \\\\cdot (10 \\\\cdot 2)'
    """
    terms = [t for t in products if t]
    if bias:
        terms.append(bias)
    if not terms:
        return Step(title, formula=r"\text{MACs} = 0", substituted="0", result=0)
    general = " + ".join(r" \cdot ".join(s for s, _ in t) for t in terms)
    numbers = " + ".join(r" \cdot ".join(to_latex_operand(v) for _, v in t) for t in terms)
    value = sum(prod(v for _, v in t) for t in terms)
    if flops:
        return Step(title, formula=rf"\text{{FLOPs}} = 2 \cdot ({general})", substituted=rf"2 \cdot ({numbers})",
                    result=2 * value)
    return Step(title, formula=rf"\text{{MACs}} = {general}", substituted=numbers, result=value)


def rf_size(r: Exact, k_eff: int, jump: Exact, axis: str = "") -> Step[Exact]:
    """Receptive field after a window of span ``k_eff``: ``r = r_prev + (K_eff - 1)·j_prev``.

    >>> rf_size(3, 3, 1).value, rf_size(3, 2, 2).substituted
    (5, '3 + (2 - 1) \\\\cdot 2')
    """
    value = normalize(r + (k_eff - 1) * Fraction(jump))
    return Step(
        f"Receptive field{axis}",
        formula=r"r = r_{\text{prev}} + (K_{\text{eff}} - 1) \cdot j_{\text{prev}}",
        substituted=rf"{to_latex_operand(r)} + ({k_eff} - 1) \cdot {to_latex_operand(jump)}",
        result=value,  # type: ignore[arg-type]
    )


def rf_jump(jump: Exact, stride: int, axis: str = "", transposed: bool = False) -> Step[Exact]:
    """Distance in input pixels between neighbouring outputs: ``j = j_prev·S`` (``j_prev/S`` transposed).

    >>> rf_jump(2, 2).value, rf_jump(2, 2, transposed=True).value
    (4, 1)
    """
    if transposed:
        return Step(f"Jump{axis}", formula=r"j = \frac{j_{\text{prev}}}{S}",
                    substituted=rf"\frac{{{to_latex_operand(jump)}}}{{{stride}}}",
                    result=normalize(Fraction(jump) / stride))  # type: ignore[arg-type]
    return Step(f"Jump{axis}", formula=r"j = j_{\text{prev}} \cdot S",
                substituted=rf"{to_latex_operand(jump)} \cdot {stride}",
                result=normalize(Fraction(jump) * stride))  # type: ignore[arg-type]


def rf_start(start: Exact, k_eff: int, pad: int, jump: Exact, axis: str = "") -> Step[Exact]:
    """Input coordinate of the first output's window centre: ``start_prev + ((K_eff-1)/2 - P_before)·j_prev``.

    >>> rf_start(Fraction(1, 2), 3, 1, 1).value
    Fraction(1, 2)
    >>> rf_start(Fraction(1, 2), 2, 0, 1).value
    1
    """
    value = normalize(Fraction(start) + (Fraction(k_eff - 1, 2) - pad) * Fraction(jump))
    return Step(
        f"Start{axis}",
        formula=r"\text{start} = \text{start}_{\text{prev}} + \left(\frac{K_{\text{eff}} - 1}{2} - P\right) \cdot j_{\text{prev}}",
        substituted=rf"{to_latex_operand(start)} + \left(\frac{{{k_eff} - 1}}{{2}} - {pad}\right) \cdot {to_latex_operand(jump)}",
        result=value,  # type: ignore[arg-type]
    )


def stacked_rf(n: int, k: int) -> Step[int]:
    """Receptive field of ``n`` stacked ``k×k`` stride-1 convolutions: ``n(K - 1) + 1``.

    >>> stacked_rf(3, 3).value
    7
    """
    return Step(
        "Receptive field of the stack",
        formula=r"r = n (K - 1) + 1",
        substituted=rf"{n} \cdot ({k} - 1) + 1",
        result=n * (k - 1) + 1,
    )
