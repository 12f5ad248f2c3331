"""Output-size rules of grid layers, each returning its number inside the step that explains it.

The ops, the layer table, the web page and the answer checker all call these functions; none
re-derives a size. Padding may be asymmetric (``padding='same'`` with an even kernel), so a pad is
``(before, after)``.
"""

from __future__ import annotations

from nnsteps.errors import NnstepsError
from nnsteps.work import Step

Pad = tuple[int, int]


def _pad_terms(pad: Pad) -> tuple[str, str]:
    """The padding term of a size formula, general and substituted."""
    before, after = pad
    if before == after:
        return "2P", rf"2 \cdot {before}"
    return r"P_{\text{before}} + P_{\text{after}}", f"{before} + {after}"


def size_formula(axis: str, n: int, k: int, p_general: str, p_numbers: str, stride: int, dilation: int,
                 bracket: tuple[str, str] = (r"\left\lfloor", r"\right\rfloor")) -> tuple[str, str]:
    """The output-size rule, general and with the numbers put in: the textbook form
    ``⌊(W − K + 2P)/S⌋ + 1`` when there is no dilation, PyTorch's general form when there is.

    Both equal ``⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1``: with d = 1, ``−(k − 1) − 1 = −k``.

    >>> size_formula("W", 5, 3, "2P", r"2 \\cdot 0", 2, 1)[1]
    '\\\\left\\\\lfloor \\\\frac{5 - 3 + 2 \\\\cdot 0}{2} \\\\right\\\\rfloor + 1'
    >>> size_formula("W", 5, 3, "2P", r"2 \\cdot 0", 1, 2)[0]
    'W_{\\\\text{out}} = \\\\left\\\\lfloor \\\\frac{W + 2P - D(K - 1) - 1}{S} \\\\right\\\\rfloor + 1'
    """
    left, right = bracket
    if dilation == 1:
        return (rf"{axis}_{{\text{{out}}}} = {left} \frac{{{axis} - K + {p_general}}}{{S}} {right} + 1",
                rf"{left} \frac{{{n} - {k} + {p_numbers}}}{{{stride}}} {right} + 1")
    return (rf"{axis}_{{\text{{out}}}} = {left} \frac{{{axis} + {p_general} - D(K - 1) - 1}}{{S}} {right} + 1",
            rf"{left} \frac{{{n} + {p_numbers} - {dilation} \cdot ({k} - 1) - 1}}{{{stride}}} {right} + 1")


def conv_out(n: int, k: int, *, pad: Pad = (0, 0), stride: int = 1, dilation: int = 1, axis: str = "H") -> Step[int]:
    """Output length of a convolution along one axis (PyTorch's rule).

    ``floor((n + 2p - d(k-1) - 1) / s) + 1``, written ``⌊(W − K + 2P)/S⌋ + 1`` when d = 1.

    >>> step = conv_out(5, 3, stride=2)
    >>> step.value
    2
    >>> step.substituted
    '\\\\left\\\\lfloor \\\\frac{5 - 3 + 2 \\\\cdot 0}{2} \\\\right\\\\rfloor + 1'
    >>> conv_out(5, 3, dilation=2).substituted
    '\\\\left\\\\lfloor \\\\frac{5 + 2 \\\\cdot 0 - 2 \\\\cdot (3 - 1) - 1}{1} \\\\right\\\\rfloor + 1'
    """
    span = n + pad[0] + pad[1] - dilation * (k - 1) - 1
    p_general, p_numbers = _pad_terms(pad)
    if span < 0:
        raise NnstepsError(
            f"the kernel does not fit: effective kernel {dilation * (k - 1) + 1} "
            f"(= {dilation}·({k}−1)+1) is larger than the padded input {n + pad[0] + pad[1]} along {axis}"
        )
    value = span // stride + 1
    formula, substituted = size_formula(axis, n, k, p_general, p_numbers, stride, dilation)
    return Step(
        f"Output size {axis}_out",
        formula=formula,
        substituted=substituted,
        result=value,
        data={"axis": axis, "n": n, "k": k, "pad": list(pad), "stride": stride, "dilation": dilation,
              "dropped": span % stride},
        note=(f"{span % stride} trailing row(s)/column(s) of the padded input are never reached by a window"
              if span % stride else None),
    )


def size(step: Step[int]) -> int:
    """The output size a size rule's step gives (its result), typed for the code that uses it.

    >>> size(pool_out(5, 2, stride=2, pad=1, ceil_mode=True))
    3
    """
    if step.result is None:
        raise ValueError(f"the step {step.title!r} has no size")
    return step.result


def pool_out(
    n: int, k: int, *, pad: int = 0, stride: int, dilation: int = 1, ceil_mode: bool = False, axis: str = "H"
) -> Step[int]:
    """Output length of max/avg pooling along one axis, ``ceil_mode`` included (PyTorch's rule).

    With ``ceil_mode`` the division rounds up, but the last window must start inside the input
    or the left padding: if ``(out - 1) s >= n + p``, one fewer window.

    >>> pool_out(5, 2, stride=2).value, pool_out(5, 2, stride=2, ceil_mode=True).value
    (2, 3)
    >>> pool_out(4, 2, stride=2, pad=1, ceil_mode=True).value
    3
    >>> dropped = pool_out(5, 2, stride=2, pad=1, ceil_mode=True)  # ⌈4/2⌉ + 1 = 4 windows; the last starts in the padding
    >>> dropped.value, [s.result for s in dropped.steps]
    (3, [4, 3])
    """
    span = n + 2 * pad - dilation * (k - 1) - 1
    if span < 0:
        raise NnstepsError(
            f"the pooling window does not fit: window {dilation * (k - 1) + 1} is larger than "
            f"the padded input {n + 2 * pad} along {axis}"
        )
    bracket = (r"\left\lceil", r"\right\rceil") if ceil_mode else (r"\left\lfloor", r"\right\rfloor")
    raw = -((-span) // stride) + 1 if ceil_mode else span // stride + 1
    value = raw
    children: list[Step[int]] = []
    if ceil_mode and (raw - 1) * stride >= n + pad:
        value = raw - 1
        children.append(
            Step(
                "The last window would start in the right padding, so it is dropped",
                formula=r"(\text{out} - 1) S \ge H + P \Rightarrow \text{out} - 1",
                substituted=rf"({raw} - 1) \cdot {stride} = {(raw - 1) * stride} \ge {n} + {pad} = {n + pad}",
                result=value,
            )
        )
    general, substituted = size_formula(axis, n, k, "2P", rf"2 \cdot {pad}", stride, dilation, bracket)
    title = f"Output size {axis}_out" + (" (ceil_mode)" if ceil_mode else "")
    data = {"axis": axis, "n": n, "k": k, "pad": [pad, pad], "stride": stride, "dilation": dilation,
            "ceil_mode": ceil_mode, "value": value, "dropped": 0 if ceil_mode else span % stride}
    if children:
        # The size is the result (what `.value` gives); the rounded-up count and the drop are its steps.
        rounded = Step("Windows counted with the ceiling", formula=general, substituted=substituted, result=raw)
        return Step(title, formula=general, result=value, steps=[rounded, *children], data=data)
    return Step(title, formula=general, substituted=substituted, result=value, data=data)


def conv_transpose_out(
    n: int, k: int, *, pad: int = 0, stride: int = 1, dilation: int = 1, output_padding: int = 0, axis: str = "H"
) -> Step[int]:
    """Output length of a transposed convolution along one axis (PyTorch's rule).

    ``(n - 1) s - 2p + d(k - 1) + output_padding + 1``

    >>> conv_transpose_out(3, 4, stride=2, pad=1).value
    6
    """
    value = (n - 1) * stride - 2 * pad + dilation * (k - 1) + output_padding + 1
    if value < 1:
        raise NnstepsError(f"the transposed convolution's output along {axis} would be {value} < 1")
    return Step(
        f"Output size {axis}_out",
        formula=rf"{axis}_{{\text{{out}}}} = ({axis} - 1) S - 2P + D(K - 1) + P_{{\text{{out}}}} + 1",
        substituted=rf"({n} - 1) \cdot {stride} - 2 \cdot {pad} + {dilation} \cdot ({k} - 1) + {output_padding} + 1",
        result=value,
    )


def effective_kernel(k: int, dilation: int) -> Step[int]:
    """Span of a dilated kernel: ``1 + (K - 1) D``.

    >>> effective_kernel(3, 2).value
    5
    """
    return Step(
        "Effective kernel size",
        formula=r"K_{\text{eff}} = 1 + (K - 1) D",
        substituted=rf"1 + ({k} - 1) \cdot {dilation}",
        result=1 + (k - 1) * dilation,
    )


def same_padding(k: int, dilation: int = 1) -> Pad:
    """PyTorch's split for ``padding='same'``: total ``d(k-1)``, the extra pixel after.

    >>> same_padding(3), same_padding(4)
    ((1, 1), (1, 2))
    """
    total = dilation * (k - 1)
    return total // 2, total - total // 2
