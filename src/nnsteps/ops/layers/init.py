"""Weight initialisation as ``torch.nn.init`` computes it: fans (``_calculate_fan_in_and_fan_out``), gains
(``calculate_gain``), the standard deviation and the uniform bound of each scheme, and the variance argument
Var(y) = n·Var(w)·Var(x) for one layer.

The variance is computed first, exactly (every gain² is rational); std = √Var and bound = √(3·Var) go through
:func:`nnsteps.irrational.lazy_apply`, so they are exact where rational and lazily exact otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.irrational import lazy_apply
from nnsteps.names import Op
from nnsteps.numbers import to_latex_operand as tex
from nnsteps.work import Step, Worked

SCHEMES = ("xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "lecun_normal")
NONLINEARITIES = (Op.LINEAR.value, "conv1d", Op.CONV2D.value, "conv3d", "conv_transpose1d", Op.CONV_TRANSPOSE2D.value,
                  "conv_transpose3d", Op.SIGMOID.value, Op.TANH.value, Op.RELU.value, Op.LEAKY_RELU.value, "selu")


def _q(x: Fraction) -> Any:
    return int(x) if x.denominator == 1 else x


def fans(shape: Sequence[int]) -> tuple[int, int, Step[Any]]:
    """fan_in, fan_out of a weight tensor as torch: out × in × k…, receptive field = product of k….

    >>> fans([64, 32, 3, 3])[:2], fans([10, 4])[:2]
    ((288, 576), (4, 10))
    """
    if len(shape) < 2:
        raise NnstepsError(f"fan in and fan out need a tensor of at least 2 dimensions, got shape {list(shape)}")
    receptive = math.prod(shape[2:])
    fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
    k = " \\cdot ".join(str(s) for s in shape[2:])
    # "\_" inside \text reads literally in MathML: the fans are written fan_{in}, fan_{out}
    step: Step[Any] = Step("Fans", formula=r"\text{fan}_{\text{in}} = C_{in} \cdot \prod k, \quad \text{fan}_{\text{out}} = "
                           r"C_{out} \cdot \prod k",
                           result=rf"\text{{fan}}_{{\text{{in}}}} = {fan_in}, \text{{fan}}_{{\text{{out}}}} = {fan_out}")
    step.steps = [Step("fan_in", formula=r"C_{in} \cdot \prod k", substituted=f"{shape[1]} \\cdot {k}" if k
                       else str(shape[1]), result=fan_in),
                  Step("fan_out", formula=r"C_{out} \cdot \prod k", substituted=f"{shape[0]} \\cdot {k}" if k
                       else str(shape[0]), result=fan_out)]
    return fan_in, fan_out, step


def gain_squared(nonlinearity: str, param: Any = None) -> tuple[Any, Step[Any]]:
    """gain² as ``torch.nn.init.calculate_gain`` squares it (leaky_relu's slope defaults to 0.01).

    >>> gain_squared("tanh")[0], gain_squared("relu")[0], gain_squared("leaky_relu", 0)[0]
    (Fraction(25, 9), 2, 2)
    """
    if nonlinearity == Op.TANH.value:
        g2: Any = Fraction(25, 9)
        form = r"g = \tfrac{5}{3}"
    elif nonlinearity == Op.RELU.value:
        g2, form = 2, r"g = \sqrt{2}"
    elif nonlinearity == Op.LEAKY_RELU.value:
        slope = Fraction(1, 100) if param is None else param
        g2 = _q(Fraction(2) / (1 + Fraction(slope) ** 2)) if not isinstance(slope, float) else 2 / (1 + slope**2)
        form = r"g = \sqrt{\frac{2}{1 + a^2}}"
        return g2, Step("Gain", formula=form, substituted=rf"\sqrt{{\frac{{2}}{{1 + {tex(slope)} \cdot {tex(slope)}}}}}",
                        result=lazy_apply("sqrt", g2))
    elif nonlinearity == "selu":
        g2, form = Fraction(9, 16), r"g = \tfrac{3}{4}"
    else:
        g2, form = 1, "g = 1"
    return g2, Step(f"Gain ({nonlinearity})", formula=form, result=lazy_apply("sqrt", g2))


def init(scheme: str, fan_in: int, fan_out: int, *, gain2: Any = 1, gain_step: Step[Any] | None = None,
         mode: str = "fan_in", input_var: Any = None, kind: str = "weights", fan_step: Step[Any] | None = None) -> Worked:
    """std and bound of ``scheme`` for the given fans and gain² (answer: fan_in, fan_out, gain, std, bound).

    >>> a = init("xavier_uniform", 2, 4).answer
    >>> a["fan_in"], a["gain"], str(a["std"].exact), a["bound"]
    (2, 1, 'sqrt(3)/3', 1)
    >>> str(init("kaiming_normal", 9, 1, gain2=2).answer["std"].exact)
    'sqrt(2)/3'
    """
    steps: list[Step[Any]] = [s for s in (fan_step, gain_step) if s is not None]
    g2 = gain2
    if scheme.startswith("xavier"):
        var = _q(Fraction(g2) * 2 / (fan_in + fan_out)) if not isinstance(g2, float) else g2 * 2 / (fan_in + fan_out)
        steps.append(Step("Variance", formula=r"\mathrm{Var}(w) = g^2 \cdot \frac{2}{\text{fan}_{\text{in}} + \text{fan}_{\text{out}}}",
                          substituted=rf"{tex(g2)} \cdot \frac{{2}}{{{fan_in} + {fan_out}}}", result=var))
    else:
        fan = fan_in if scheme == "lecun_normal" or mode == "fan_in" else fan_out
        if scheme == "lecun_normal":
            g2 = 1
        var = _q(Fraction(g2) / fan) if not isinstance(g2, float) else g2 / fan
        steps.append(Step("Variance", formula=r"\mathrm{Var}(w) = \frac{g^2}{\text{fan}}",
                          substituted=rf"\frac{{{tex(g2)}}}{{{fan}}}", result=var))
    std = lazy_apply("sqrt", var)
    steps.append(Step("Standard deviation", formula=r"\sigma = \sqrt{\mathrm{Var}(w)}", substituted=rf"\sqrt{{{tex(var)}}}",
                      result=std))
    answer: dict[str, Any] = {"fan_in": fan_in, "fan_out": fan_out, "gain": lazy_apply("sqrt", g2), "std": std}
    if scheme.endswith("uniform"):
        three = 3 * var
        answer["bound"] = lazy_apply("sqrt", three)
        steps.append(Step("Bound of U(−b, b)", formula=r"b = \sqrt{3} \cdot \sigma = \sqrt{3 \cdot \mathrm{Var}(w)}",
                          substituted=rf"\sqrt{{3 \cdot {tex(var)}}}", result=answer["bound"]))
    if input_var is not None:
        out_var = fan_in * var * input_var
        answer["output_var"] = _q(Fraction(out_var)) if not isinstance(out_var, float) else out_var
        steps.append(Step("Variance of a layer's output", formula=r"\mathrm{Var}(y) = n \cdot \mathrm{Var}(w) \cdot "
                          r"\mathrm{Var}(x), \quad n = \text{fan}_{\text{in}}",
                          substituted=rf"{fan_in} \cdot {tex(var)} \cdot {tex(input_var)}", result=answer["output_var"],
                          note="y = Σ_i w_i x_i over n = fan_in independent zero-mean terms"))
    return Worked(kind, value=answer, steps=steps)
