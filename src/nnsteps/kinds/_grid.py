"""What the grid kinds (conv, pooling, activations, dense heads) share: the ``detail`` and ``input``
fields, the answer keys with an upstream, and the generator helpers. Registers no kind.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeAlias

import numpy as np

from nnsteps.convargs import DILATION_HELP, PAIR_HELP, STRIDE_HELP
from nnsteps.errors import NnstepsError
from nnsteps.problems import fields as F
from nnsteps.problems.registry import Field, FieldType

Rng: TypeAlias = "np.random.Generator"  # a name, not the class: numpy.random loads only to generate

DETAIL = Field("detail", FieldType.CELLS, "which output cells to expand: auto, all, none, or a list of [row, col] cells",
               default="auto", example="auto")
INPUT = Field("input", FieldType.ARRAY, "the input", required=True, example="1 -2; 3 4")
# A 2-d op's input read as the op reads it: the one-row text "1 2 3 4" is a 1×4 grid, as in the Python API.
GRID_INPUT = replace(INPUT, help="the input (H×W, C×H×W or N×C×H×W)", parse=F.array("input", (2, 3, 4)))
STRIDE = Field("stride", FieldType.PAIR, f"{PAIR_HELP}: the {STRIDE_HELP}", default=1, example=1)
DILATION = Field("dilation", FieldType.PAIR, f"{PAIR_HELP}: the {DILATION_HELP}", default=1, example=1)
UPSTREAM_ANSWER = ("output", "grads")
"""The answer keys of a grid kind given ``upstream``; without it the answer is the output alone."""


def with_upstream(problem: dict[str, Any], rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """With the generator option ``upstream``, the problem also asks for its gradients: an upstream of small
    integers in the output's shape, drawn after the rest of the problem.

    >>> p = with_upstream({"kind": "relu", "input": [1, -2]}, np.random.default_rng(0), {"upstream": True})
    >>> len(p["upstream"]), with_upstream({"kind": "relu", "input": [1]}, np.random.default_rng(0), {})
    (2, {'kind': 'relu', 'input': [1]})
    """
    if not options.get("upstream"):
        return problem
    from nnsteps.generation.common import ints
    from nnsteps.problems.solve import solve_problem

    shape = np.shape(np.asarray(solve_problem({"id": "draw", **problem}).worked.value))
    problem["upstream"] = ints(rng, shape, -2, 2) if shape else int(rng.integers(-2, 3))
    return problem


def grid_statement(p: Any, intro: str, *, arrays: tuple[tuple[str, str, str], ...] = (("input", "Input", "X"),),
                   scalars: tuple[tuple[str, str, str, Any], ...] = (), output: str = "the output $Y$",
                   extra: tuple[str, ...] = ()) -> Any:
    r"""The statement of a grid kind: its arrays and settings, the upstream gradient when given, and what is asked:
    the output, then the input's gradient when an upstream is given.

    >>> class P: raw = {"input": "1 -2", "upstream": "1 1"}
    >>> grid_statement(P(), "Apply ReLU to $X$.").asks
    ['the output $Y$', 'the gradient $\\partial L/\\partial X$ (and of any parameter)']
    """
    from nnsteps.render.statement import build, value

    upstream = value(p, "upstream") is not None
    return build(p, intro, arrays=(*arrays, *((("upstream", r"Upstream gradient $\partial L/\partial Y$", ""),)
                                             if upstream else ())),
                 scalars=scalars, asks=[output, *extra, *([r"the gradient $\partial L/\partial X$ (and of any parameter)"]
                                                 if upstream else [])])


def opt_int(options: dict[str, Any], name: str, default: Any) -> Any:
    """A generator option that must be an integer >= 0 (``--stride 2``), or ``default``.

    >>> opt_int({"stride": 2}, "stride", 1), opt_int({}, "stride", 1)
    (2, 1)
    """
    value = options.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise NnstepsError(f"expected an integer >= 0, got {value!r}", field=f"--{name}")
    return value
