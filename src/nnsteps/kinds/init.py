"""The ``init`` kind: fans, gain, std and bound of a ``torch.nn.init`` scheme (and the variance argument for a
layer) (:mod:`nnsteps.ops.layers.init`): fields, solver, likely mistakes and generator."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.generation import generator
from nnsteps.generation.common import chance, one
from nnsteps.names import Op
from nnsteps.ops.layers.init import NONLINEARITIES, SCHEMES
from nnsteps.problems import fields as F
from nnsteps.problems.registry import Field, FieldType, Params, register
from nnsteps.work import Worked

KIND = "init"
T = FieldType
def _shape(value: Any) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                                              for v in value):
        raise NnstepsError(f"expected a list of positive integer sizes, got {value!r}")
    return value


KAIMING = tuple(s for s in SCHEMES if s.startswith("kaiming"))
XAVIER = tuple(s for s in SCHEMES if s.startswith("xavier"))
FIELDS = (
    Field("scheme", T.CHOICE, "the initialisation", required=True, choices=SCHEMES, example="kaiming_uniform"),
    Field("shape", T.LIST, "the weight's shape: [out, in] (linear) or [out, in, k, k] (conv)", example=[64, 32, 3, 3],
          parse=_shape),
    Field("fan_in", T.INTEGER, "or the fans given directly", example=288, parse=F.integer(1, "a fan"),
          instead_of=("shape",)),
    Field("fan_out", T.INTEGER, "with fan_in", example=576, parse=F.integer(1, "a fan"),
          instead_of=("shape",)),
    Field("gain", T.NUMBER, "xavier's gain (default 1, or calculate_gain(nonlinearity))", example=1,
          when=("scheme", XAVIER), instead_of=("nonlinearity",)),
    Field("nonlinearity", T.CHOICE, "for the gain as torch.nn.init.calculate_gain (kaiming default leaky_relu)",
          choices=NONLINEARITIES, example=Op.RELU.value, when=("scheme", XAVIER + KAIMING)),
    Field("a", T.NUMBER, "leaky_relu's negative slope (kaiming default 0)", example=0, when=("scheme", KAIMING)),
    Field("mode", T.CHOICE, "kaiming: fan_in or fan_out", default="fan_in", choices=("fan_in", "fan_out"),
          example="fan_in", when=("scheme", KAIMING)),
    Field("input_var", T.NUMBER, "Var(x) of the layer's inputs: then Var(y) = fan_in·Var(w)·Var(x) (output_var)",
          example=1),
)
EXAMPLE = {"scheme": "kaiming_uniform", "shape": [64, 32, 3, 3], "a": 0, "mode": "fan_in",
           "nonlinearity": Op.RELU.value}


def _mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    scheme = str(p.scheme or "")
    out: list[tuple[str, Any]] = []
    if scheme.startswith("kaiming"):
        out.append(("fan_in and fan_out swapped (mode)", M.set_field("mode", "fan_out" if p.mode == "fan_in"
                                                                     else "fan_in")))
        out.append(("the gain forgotten (g = 1)", M.set_field("nonlinearity", Op.LINEAR.value)))
        out.append(("Xavier's variance instead of He's", lambda r: {**{k: v for k, v in r.items() if k not in
                                                                       ("a", "mode", "nonlinearity")},
                                                                    "scheme": scheme.replace("kaiming", "xavier")}))
    if scheme.startswith("xavier"):
        out.append(("He's variance instead of Xavier's", lambda r: {**{k: v for k, v in r.items() if k != "gain"},
                                                                   "scheme": scheme.replace("xavier", "kaiming")}))
    if p.shape is not None and len(p.shape) > 2:
        out.append(("the kernel's receptive field left out of the fans", M.set_field("shape", p.shape[:2])))
    return out


def _statement(p: Any) -> Any:
    """An initialisation question: the scheme and the tensor's shape."""
    from nnsteps.render.statement import build, value

    scheme = str(value(p, "scheme", "")).replace("_", " ")
    return build(p, f"A weight tensor is initialised with torch.nn.init's {scheme} scheme.",
                 scalars=[("shape", "shape", "", None), ("fan_in", "fan in", "", None), ("fan_out", "fan out", "", None),
                          ("gain", "gain", "", None), ("nonlinearity", "nonlinearity", "", None), ("a", "", "a", None),
                          ("mode", "mode", "", None), ("input_var", "input variance", "", None)],
                 asks=["the fan in and fan out", "the gain", "the standard deviation", "the bound of the range"])


@register(KIND, fields=FIELDS, statement=_statement, summary="fans, gain, std and bound of a torch.nn.init scheme (Xavier, He, LeCun)",
          answer=("fan_in", "fan_out", "gain", "std", "bound", "output_var"), example=EXAMPLE, mistakes=_mistakes,
          form={"group": "training"},
          aliases={"xavier": "scheme: xavier_uniform", "glorot": "scheme: xavier_uniform", "he": "scheme: "
                   "kaiming_uniform", "kaiming": "scheme: kaiming_uniform", "lecun": "scheme: lecun_normal"})
def solve_init(p: Params) -> Worked:
    """An ``init`` problem.

    >>> from nnsteps.problems.registry import Problem
    >>> a = solve_init(Problem({"id": "i", "kind": "init", "scheme": "kaiming_normal", "shape": [8, 2, 1, 1],
    ...                         "nonlinearity": "relu", "input_var": 3}).params).answer
    >>> a["fan_in"], a["fan_out"], a["std"], a["output_var"]
    (2, 8, 1, 6)
    """
    from nnsteps.ops.layers.init import fans, gain_squared, init

    scheme = p.scheme
    fan_step = None
    if p.has("shape"):
        if p.has("fan_in") or p.has("fan_out"):
            raise NnstepsError("give a shape or fan_in/fan_out, not both", problem=p.id, field="fan_in")
        try:
            fan_in, fan_out, fan_step = fans(p.shape)
        except NnstepsError as err:
            raise err.located(problem=p.id, field="shape") from None
    else:
        fan_in = p.need("fan_in")
        fan_out = p.fan_out if p.has("fan_out") else fan_in
    kaiming = scheme.startswith("kaiming")
    for name, ok in (("a", kaiming), ("mode", kaiming), ("gain", scheme.startswith("xavier")),
                     ("nonlinearity", scheme != "lecun_normal")):
        if p.has(name) and not ok:
            raise NnstepsError(f"{scheme} takes no {name}", problem=p.id, field=name)
    nonlinearity = p.nonlinearity or (Op.LEAKY_RELU.value if kaiming else None)
    if p.has("gain") and p.has("nonlinearity"):
        raise NnstepsError("give a gain or a nonlinearity, not both", problem=p.id, field="gain")
    gain_step = None
    if p.has("gain"):
        gain2: Any = p.gain * p.gain
    elif nonlinearity is not None:
        slope = (p.a if p.has("a") else 0) if kaiming else None
        gain2, gain_step = gain_squared(nonlinearity, slope)
    else:
        gain2 = 1
    return init(scheme, fan_in, fan_out, gain2=gain2, gain_step=gain_step, mode=p.mode, input_var=p.input_var,
                kind=KIND, fan_step=fan_step)


@generator(KIND, ("scheme",))
def init_problem(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """A linear or conv weight shape and a scheme.

    >>> init_problem(np.random.default_rng(0), {"scheme": "xavier_normal"})["scheme"]
    'xavier_normal'
    """
    scheme = options.get("scheme") or one(rng, list(SCHEMES))
    if scheme not in SCHEMES:
        raise NnstepsError(f"expected one of {', '.join(SCHEMES)}, got {scheme!r}", field="--scheme")
    shape = [one(rng, [4, 8, 16, 32]), one(rng, [2, 4, 8, 16])]
    if chance(rng, 0.5):
        shape += [one(rng, [1, 3, 5])] * 2
    problem: dict[str, Any] = {"kind": KIND, "scheme": scheme, "shape": shape}
    if scheme.startswith("kaiming"):
        problem["nonlinearity"] = one(rng, [Op.RELU.value, Op.LEAKY_RELU.value])
        if problem["nonlinearity"] == Op.LEAKY_RELU.value:
            problem["a"] = one(rng, [0, Fraction(1, 10)])
        problem["mode"] = one(rng, ["fan_in", "fan_out"])
    elif scheme.startswith("xavier") and chance(rng, 0.5):
        problem["nonlinearity"] = Op.TANH.value
    if chance(rng, 0.3):
        problem["input_var"] = 1
    return problem
