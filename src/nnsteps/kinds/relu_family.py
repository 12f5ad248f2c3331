"""The activation kinds ``leaky_relu``, ``elu``, ``gelu``, ``silu``, ``softplus``, ``hardtanh`` and
``prelu`` (forward, derivative, and with ``upstream`` the gradients): fields, solver (also a pipeline
stage), likely mistakes and generators.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.generation import generator
from nnsteps.generation.common import chance, ints, one
from nnsteps.kinds._grid import INPUT, Rng, grid_statement
from nnsteps.names import Activation, Op
from nnsteps.problems.params import as_given
from nnsteps.problems.registry import Field, FieldType, Params, register_stage
from nnsteps.work import Worked

T = FieldType
UPSTREAM = Field("upstream", T.ARRAY, "∂L/∂Y, the output's shape: then the answer is {output, grads}",
                 example="1 -1; 2 0", parse=as_given)
PARAMS: dict[Op, tuple[Field, ...]] = {
    Op.LEAKY_RELU: (Field("negative_slope", T.NUMBER, "the slope for x ≤ 0", default=Fraction(1, 100), example=0.1),),
    Op.ELU: (Field("alpha", T.NUMBER, "α: the value ELU approaches as x → −∞ is −α", default=1, example=1),),
    Op.GELU: (Field("approximate", T.CHOICE, "none (erf) or tanh", default="none", choices=("none", Activation.TANH.value),
                    example=Activation.TANH.value),),
    Op.SILU: (),
    Op.SOFTPLUS: (Field("beta", T.NUMBER, "β", default=1, example=1),
                  Field("threshold", T.NUMBER, "above βx = threshold softplus is x", default=20, example=20)),
    Op.HARDTANH: (Field("min_val", T.NUMBER, "the lower end", default=-1, example=-1),
                  Field("max_val", T.NUMBER, "the upper end", default=1, example=1)),
    Op.PRELU: (Field("weight", T.ARRAY, "a, one number or one per channel (axis 1)", default=Fraction(1, 4),
                     example=[0.25], parse=as_given),),
}
SUMMARIES = {
    Op.LEAKY_RELU: "leaky ReLU: x for x > 0, a·x otherwise (torch.nn.functional.leaky_relu)",
    Op.ELU: "ELU: x for x > 0, α(eˣ − 1) otherwise",
    Op.GELU: "GELU: x·Φ(x), exact (erf) or the tanh approximation",
    Op.SILU: "SiLU (swish): x·σ(x)",
    Op.SOFTPLUS: "softplus: log(1 + e^{βx})/β, linear past the threshold",
    Op.HARDTANH: "hardtanh: x clipped to [min_val, max_val]",
    Op.PRELU: "PReLU: leaky ReLU with a learned slope per channel",
}


INTROS = {
    Op.LEAKY_RELU: r"Apply leaky ReLU, $x$ for $x > 0$ and $a x$ otherwise, to every entry of $X$.",
    Op.ELU: r"Apply ELU, $x$ for $x > 0$ and $\alpha(e^{x} - 1)$ otherwise, to every entry of $X$.",
    Op.GELU: r"Apply GELU, $x\,\Phi(x)$ ($\Phi$ the standard normal CDF, or its tanh approximation), to every "
             r"entry of $X$.",
    Op.SILU: r"Apply SiLU, $x\,\sigma(x)$, to every entry of $X$.",
    Op.SOFTPLUS: r"Apply softplus, $\frac{1}{\beta}\log(1 + e^{\beta x})$ (just $x$ once $\beta x$ passes the "
                 r"threshold), to every entry of $X$.",
    Op.HARDTANH: r"Apply hardtanh, $x$ clipped to $[\text{min}, \text{max}]$, to every entry of $X$.",
    Op.PRELU: r"Apply PReLU, $x$ for $x > 0$ and $a_c x$ otherwise ($a_c$ the slope of channel $c$, axis 1), to $X$.",
}
SETTINGS: dict[Op, tuple[tuple[str, str, str, Any], ...]] = {
    Op.LEAKY_RELU: (("negative_slope", "negative slope", "a", Fraction(1, 100)),),
    Op.ELU: (("alpha", "", r"\alpha", 1),),
    Op.GELU: (("approximate", "approximation", "", "none"),),
    Op.SOFTPLUS: (("beta", "", r"\beta", 1), ("threshold", "threshold", "", 20)),
    Op.HARDTANH: (("min_val", "min", "", -1), ("max_val", "max", "", 1)),
    Op.PRELU: (("weight", "slope", "a", None),),
}


def _statement(op: Op) -> Callable[[Any], Any]:
    def statement(p: Any) -> Any:
        """The question for students, its parameters stated (defaults included)."""
        return grid_statement(p, INTROS[op], scalars=SETTINGS.get(op, ()))

    return statement


def _run(op: Op) -> Callable[[Any, Params], Worked]:
    def run(x: Any, p: Params) -> Worked:
        from nnsteps.ops.activations.relu_family import activation

        return activation(op.value, x, upstream=p.upstream, **{f.name: p[f.name] for f in PARAMS[op]})

    run.__module__ = __name__
    return run


def _mistakes(op: Op) -> Callable[[Params], list[tuple[str, Any]]]:
    def mistakes(p: Params) -> list[tuple[str, Any]]:
        from nnsteps.grading import mistakes as M

        out: list[tuple[str, Any]] = []
        if op == Op.LEAKY_RELU:
            out.append(("negative slope forgotten (plain ReLU)", M.set_field("negative_slope", 0)))
        if op == Op.GELU:
            other = "none" if p.approximate == Activation.TANH.value else Activation.TANH.value
            out.append((f"GELU with approximate={other}", M.set_field("approximate", other)))
        if op == Op.ELU:
            out.append(("α forgotten (α = 1)", M.set_field("alpha", 1, unless=1)))
        return out

    return mistakes


EXAMPLES: dict[Op, dict[str, Any]] = {op: {"input": "-2 -0.5 0 1.5"} for op in PARAMS}
EXAMPLES[Op.GELU] = {"input": "-1 0 1", "approximate": Activation.TANH.value, "upstream": "1 1 1"}
EXAMPLES[Op.PRELU] = {"input": [[-2, 1], [3, -1]], "weight": [0.25, 0.5], "upstream": "1 2; -1 1"}
EXAMPLES[Op.LEAKY_RELU] = {"input": "-2 3", "negative_slope": 0.1, "upstream": "1 1"}

for _order, _op in enumerate(PARAMS, start=20):
    register_stage(_op.value, _run(_op), (INPUT, *PARAMS[_op], UPSTREAM), order=_order, summary=SUMMARIES[_op],
                   answer=("output", "grads"), example=EXAMPLES[_op], mistakes=_mistakes(_op),
                   form={"group": "activation"}, statement=_statement(_op))


def _draw(op: Op, rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    rows, cols = int(rng.integers(1, 3)), int(rng.integers(2, 5))
    shape = (rows, cols) if rows > 1 else (cols,)
    problem: dict[str, Any] = {"kind": op.value, "input": ints(rng, shape, -3, 3)}
    if op == Op.LEAKY_RELU:
        problem["negative_slope"] = one(rng, [Fraction(1, 10), Fraction(1, 5), Fraction(1, 2)])
    if op == Op.ELU:
        problem["alpha"] = one(rng, [1, Fraction(1, 2), 2])
    if op == Op.GELU:
        problem["approximate"] = one(rng, ["none", Activation.TANH.value])
    if op == Op.HARDTANH:
        problem["min_val"], problem["max_val"] = one(rng, [(-1, 1), (-2, 2), (0, 2)])
    if op == Op.PRELU:
        problem["weight"] = [one(rng, [Fraction(1, 4), Fraction(1, 10), Fraction(1, 2)])]
    if chance(rng, 0.6):
        problem["upstream"] = ints(rng, shape, -2, 2)
    return problem


def _generator(op: Op) -> Any:
    def draw(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
        return _draw(op, rng, options)

    draw.__doc__ = f"{op.value} of small integers, with an upstream gradient most of the time."
    return generator(op.value)(draw)


for _op in PARAMS:
    _generator(_op)


def example_problem(op: Op) -> dict[str, Any]:
    """A generated problem of one of these kinds (for the docs and tests).

    >>> example_problem(Op.SILU)["kind"]
    'silu'
    """
    return _draw(op, np.random.default_rng(0), {})
