"""Design questions answered with numbers.

* Stacked small filters against one large filter with the same receptive field: both networks are
  built as layer tables, so their counts come from the same rules as every other table.
* Inverse size questions: which padding, stride or kernel gives a wanted output size, which
  ``output_padding`` makes a transposed convolution restore a size. Each answer is checked by
  running the forward rule of :mod:`nnsteps.shapes` on it.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from nnsteps import shapes
from nnsteps.arch import counts
from nnsteps.arch.layers.grid import CONV
from nnsteps.arch.table import summary, total_step
from nnsteps.errors import NnstepsError
from nnsteps.names import Design
from nnsteps.numbers import normalize
from nnsteps.work import Step, Worked


def stacked_vs_single(n: int, k: int, channels: int, *, size: int | None = None, bias: bool = True) -> Worked:
    """``n`` stacked ``k×k`` convs of ``channels`` channels (ReLU between) against one conv with the
    same receptive field ``r = n(k-1)+1``: parameters, MACs and non-linearities of each.

    Both use no padding on a ``size×size×channels`` input, so they end at the same output size.

    >>> w = stacked_vs_single(2, 3, 16)
    >>> w.value["receptive_field"], w.value["stacked_params"], w.value["single_params"]
    (5, 4640, 6416)
    >>> w.value["params_ratio"]
    Fraction(290, 401)
    """
    if n < 1 or k < 1 or channels < 1:
        raise NnstepsError(f"expected n, kernel and channels >= 1, got n={n}, kernel={k}, channels={channels}")
    if n > 100:
        raise NnstepsError(f"expected at most 100 stacked layers, got {n}", field="n")
    r_step = counts.stacked_rf(n, k)
    r = r_step.value or 1
    size = size if size is not None else max(32, r)
    if size < r:
        raise NnstepsError(f"the input ({size}) must be at least the receptive field {r} for both to fit")
    b = "" if bias else " bias=false"
    stack_spec = f"input {size}x{size}x{channels}\nrepeat {n} {{ conv {k}x{k}x{channels}{b}; relu }}"
    single_spec = f"input {size}x{size}x{channels}\nconv {r}x{r}x{channels}{b}\nrelu"
    stack, single = summary(stack_spec), summary(single_spec)
    stack_rf = stack.rows[-1].rf
    assert stack_rf is not None and stack_rf.size[0] == r, "the table's receptive field must agree with n(K-1)+1"
    ratio = Fraction(stack.total_params, single.total_params)

    def convs(table: Any) -> list[Step[Any]]:
        return [Step(f"{row.name}: {row.text}", result=row.output_shape.latex,
                     steps=[s for s in row.steps if s.title in ("Weights", "Biases", "Parameters", "MACs")])
                for row in table.rows if row.type == CONV]

    stack_total = total_step(stack)
    single_total = total_step(single)
    macs_stack = counts.total("MACs of the stack", r"\text{MACs}", [(r.name, r.macs) for r in stack.rows if r.macs])
    macs_single = counts.total("MACs of the single conv", r"\text{MACs}",
                               [(r.name, r.macs) for r in single.rows if r.macs])
    steps: list[Step[Any]] = [
        r_step,
        Step(f"{n} stacked {k}×{k} convolutions, {channels} channels", result=stack.output_shape.latex,
             steps=[*convs(stack), stack_total, macs_stack]),
        Step(f"One {r}×{r} convolution, {channels} channels", result=single.output_shape.latex,
             steps=[*convs(single), single_total, macs_single]),
        Step("Parameters of the stack relative to the single filter",
             formula=r"\frac{\#\text{params}_{\text{stack}}}{\#\text{params}_{\text{single}}}",
             substituted=rf"\frac{{{stack.total_params}}}{{{single.total_params}}}", result=normalize(ratio),
             note=f"the stack has {n} non-linearities (ReLU after each conv) where the single filter has 1, "
                  f"and {single.total_params - stack.total_params:,} fewer parameters"
             if ratio < 1 else "here the stack is not smaller"),
    ]
    value = {"receptive_field": r, "stacked_params": stack.total_params, "single_params": single.total_params,
             "params_ratio": normalize(ratio), "stacked_macs": stack.total_macs, "single_macs": single.total_macs,
             "nonlinearities": {"stacked": n, "single": 1}}
    return Worked(Design.STACKED_FILTERS.value, value=value, steps=steps,
                  title=f"{n} stacked {k}×{k} convs vs one {r}×{r} conv")


def _check(title: str, make: Any) -> Step[int]:
    step: Step[int] = make()
    step.title = f"Check: {title}"
    return step


def solve_padding(n: int, k: int, out: int, *, stride: int = 1, dilation: int = 1) -> Worked:
    """The smallest symmetric padding ``P`` with ``conv_out(n, k, P, S, D) = out``.

    ``P_min = ceil((S(out - 1) - n + D(K - 1) + 1) / 2)``, and P must also not overshoot:
    ``n + 2P - D(K-1) - 1 <= S·out - 1``.

    >>> solve_padding(32, 3, 32).value, solve_padding(64, 7, 64).value
    (1, 3)
    """
    need = stride * (out - 1) - n + dilation * (k - 1) + 1
    p_min = -((-need) // 2)
    p = max(0, p_min)
    step = Step("Smallest padding", formula=r"P = \left\lceil \frac{S(H_{out} - 1) - H + D(K - 1) + 1}{2} \right\rceil",
                substituted=rf"\left\lceil \frac{{{stride} \cdot ({out} - 1) - {n} + {dilation} \cdot ({k} - 1) + 1}}{{2}} \right\rceil",
                result=p_min, note="padding cannot be negative, so P = 0" if p_min < 0 else None)
    check = shapes.conv_out(n, k, pad=(p, p), stride=stride, dilation=dilation)
    if check.value != out:
        raise NnstepsError(f"no padding gives {out}: with P = {p} the output is {check.value}; "
                           f"change the stride or the kernel")
    return Worked(Design.SIZE_INVERSE.value, value=p, steps=[step, _check(f"P = {p} gives {out}", lambda: check)],
                  title=f"Padding for {n} → {out} with K = {k}, S = {stride}")


def solve_stride(n: int, k: int, out: int, *, padding: int = 0, dilation: int = 1) -> Worked:
    """Every stride ``S`` with ``conv_out(n, k, P, S, D) = out``, smallest first.

    ``S_min = floor(span / out) + 1`` and ``S_max = floor(span / (out - 1))`` with ``span = n + 2P - D(K-1) - 1``.

    >>> solve_stride(224, 7, 112, padding=3).value
    [2]
    """
    span = n + 2 * padding - dilation * (k - 1) - 1
    if span < 0:
        raise NnstepsError(f"the kernel does not fit: span n + 2P - D(K-1) - 1 = {span} < 0")
    s_min = span // out + 1
    steps: list[Step[Any]] = [Step(
        "Smallest stride", formula=r"S_{\min} = \left\lfloor \frac{H + 2P - D(K - 1) - 1}{H_{out}} \right\rfloor + 1",
        substituted=rf"\left\lfloor \frac{{{n} + 2 \cdot {padding} - {dilation} \cdot ({k} - 1) - 1}}{{{out}}} \right\rfloor + 1",
        result=s_min)]
    if out == 1:
        strides = [s_min]
        steps[0].note = f"any stride >= {s_min} gives 1; the smallest is shown"
    else:
        s_max = span // (out - 1)
        steps.append(Step(
            "Largest stride", formula=r"S_{\max} = \left\lfloor \frac{H + 2P - D(K - 1) - 1}{H_{out} - 1} \right\rfloor",
            substituted=rf"\left\lfloor \frac{{{n} + 2 \cdot {padding} - {dilation} \cdot ({k} - 1) - 1}}{{{out} - 1}} \right\rfloor",
            result=s_max))
        strides = list(range(max(1, s_min), s_max + 1))[:1000]
        if not strides:
            raise NnstepsError(f"no stride gives {out} from {n} with K = {k}, P = {padding}: "
                               f"S would need {s_min} <= S <= {s_max}")
    steps.append(_check(f"S = {strides[0]} gives {out}",
                        lambda: shapes.conv_out(n, k, pad=(padding, padding), stride=strides[0], dilation=dilation)))
    return Worked(Design.SIZE_INVERSE.value, value=strides, steps=steps, title=f"Stride for {n} → {out} with K = {k}")


def solve_kernel(n: int, out: int, *, padding: int = 0, stride: int = 1, dilation: int = 1) -> Worked:
    """Every kernel size ``K`` with ``conv_out(n, K, P, S, D) = out``, smallest first.

    >>> solve_kernel(64, 58).value, solve_kernel(32, 15, stride=2).value
    ([7], [3, 4])
    """
    top = n + 2 * padding
    k_min = -((-(top - stride * out)) // dilation) + 1
    k_max = (top - 1 - stride * (out - 1)) // dilation + 1
    steps: list[Step[Any]] = [
        Step("Smallest kernel", formula=r"K_{\min} = \left\lceil \frac{H + 2P - S \cdot H_{out}}{D} \right\rceil + 1",
             substituted=rf"\left\lceil \frac{{{n} + 2 \cdot {padding} - {stride} \cdot {out}}}{{{dilation}}} \right\rceil + 1",
             result=k_min),
        Step("Largest kernel", formula=r"K_{\max} = \left\lfloor \frac{H + 2P - 1 - S(H_{out} - 1)}{D} \right\rfloor + 1",
             substituted=rf"\left\lfloor \frac{{{n} + 2 \cdot {padding} - 1 - {stride} \cdot ({out} - 1)}}{{{dilation}}} \right\rfloor + 1",
             result=k_max),
    ]
    kernels = list(range(max(1, k_min), k_max + 1))[:1000]
    if not kernels:
        raise NnstepsError(f"no kernel gives {out} from {n} with P = {padding}, S = {stride}")
    steps.append(_check(f"K = {kernels[0]} gives {out}",
                        lambda: shapes.conv_out(n, kernels[0], pad=(padding, padding), stride=stride, dilation=dilation)))
    return Worked(Design.SIZE_INVERSE.value, value=kernels, steps=steps, title=f"Kernel for {n} → {out}")


def solve_output_padding(n: int, target: int, k: int, *, stride: int = 1, padding: int = 0,
                         dilation: int = 1) -> Worked:
    """The ``output_padding`` that makes a transposed conv give ``target`` (PyTorch: ``0 <= op < max(S, D)``).

    >>> solve_output_padding(16, 32, 3, stride=2, padding=1).value
    1
    """
    base = (n - 1) * stride - 2 * padding + dilation * (k - 1) + 1
    op = target - base
    step = Step("Output padding", formula=r"P_{\text{out}} = H_{\text{target}} - ((H - 1) S - 2P + D(K - 1) + 1)",
                substituted=rf"{target} - (({n} - 1) \cdot {stride} - 2 \cdot {padding} + {dilation} \cdot ({k} - 1) + 1)",
                result=op)
    if not 0 <= op < max(stride, dilation):
        raise NnstepsError(f"output_padding would be {op}, but PyTorch needs 0 <= output_padding < "
                           f"max(stride, dilation) = {max(stride, dilation)}; change the kernel, stride or padding")
    check = _check(f"output_padding = {op} gives {target}", lambda: shapes.conv_transpose_out(
        n, k, pad=padding, stride=stride, dilation=dilation, output_padding=op))
    return Worked(Design.SIZE_INVERSE.value, value=op, steps=[step, check], title=f"output_padding for {n} → {target}")
