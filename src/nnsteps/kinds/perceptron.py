"""The ``perceptron`` kind: Rosenblatt's rule for a few epochs on rows X: fields, solver, likely mistakes
and generator.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.generation import generator
from nnsteps.generation.common import ints, one
from nnsteps.problems import fields as F
from nnsteps.problems.registry import Field, FieldType, Params, register
from nnsteps.work import Worked

T = FieldType
NAME = "perceptron"
LABELS = ("binary", "sign")
EXAMPLE = {"X": "0 0; 0 1; 1 0; 1 1", "y": [0, 0, 0, 1], "labels": "binary", "w": [0, 0], "b": 0, "lr": 1,
           "epochs": 10}
LABEL_EXAMPLES = {"binary": {"y": EXAMPLE["y"]}, "sign": {"y": [-1, -1, -1, 1]}}
"""The web form's labels per choice (0/1 or ±1)."""
def _flat(value: Any, name: str, ndim: int) -> list[Any]:
    out: list[Any] = F.array(name, (ndim,))(value).tolist()
    return out


def _rows(value: Any) -> list[list[Any]]:
    X = F.array("X", (1, 2))(value).tolist()
    return [row if isinstance(row, list) else [row] for row in X]


FIELDS = (
    Field("X", T.ARRAY, "the examples, one row each, in training order", required=True, example=EXAMPLE["X"],
          parse=_rows),
    Field("y", T.ARRAY, "each example's label: 0/1 (binary) or -1/+1 (sign)", required=True, example=EXAMPLE["y"],
          parse=lambda v: _flat(v, "y", 1)),
    Field("labels", T.CHOICE, "binary: ŷ = 1 if z ≥ 0 else 0, w += η(y − ŷ)x; sign: ŷ = ±1, on a mistake w += ηyx",
          default="binary", choices=LABELS, example="binary"),
    Field("w", T.ARRAY, "initial weights (default zeros)", example=EXAMPLE["w"], parse=lambda v: _flat(v, "w", 1)),
    Field("b", T.NUMBER, "initial bias", default=0, example=0),
    Field("lr", T.NUMBER, "learning rate η > 0", default=1, example=1),
    Field("strict", T.BOOLEAN, "fire only when z > 0 (z = 0 predicts the low label); default: z ≥ 0 fires",
          default=False, example=False),
    Field("epochs", T.INTEGER, "most epochs; training stops after an epoch with no update", default=10,
          example=10, parse=F.integer(1, "a number of epochs")),
)


def _statement(p: Any) -> Any:
    """A perceptron question: examples, labels, start and rate stated."""
    from nnsteps.render.statement import build, value

    sign = value(p, "labels") == "sign"
    fires = ">" if value(p, "strict", False) else r"\ge"  # strict: z = 0 predicts the low label
    rule = (rf"predict $\hat y = 1$ if $w^\top x + b {fires} 0$ else $-1$; on a mistake $w \leftarrow w + \eta y x$, "
            r"$b \leftarrow b + \eta y$" if sign else
            rf"predict $\hat y = 1$ if $w^\top x + b {fires} 0$ else $0$; then $w \leftarrow w + \eta (y - \hat y) x$, "
            r"$b \leftarrow b + \eta (y - \hat y)$")
    return build(p, f"Train a perceptron on the examples below in order, epoch after epoch: {rule}. Stop after an "
                 "epoch with no update.",
                 arrays=[("X", "Examples (one per row)", "X"), ("y", "Labels", "y"), ("w", "Initial weights", "w")],
                 scalars=[*([] if value(p, "w") is not None else [("w", "initial weights", "w", 0)]),
                          ("b", "initial bias", "b", 0), ("lr", "learning rate", r"\eta", 1),
                          ("epochs", "epoch limit", "", 10)],
                 asks=["the final weights $w$ and bias $b$", "how many epochs it takes, and whether it converges",
                       "at each example in turn: $z = w^\\top x + b$, the prediction $\\hat y$, and $w$ and $b$ after it"],
                 skip=(("updates", "*", "x"), ("updates", "*", "y")))  # each example and its label are given


@register(NAME, fields=FIELDS, statement=_statement, summary="the perceptron rule, epoch by epoch, to its decision boundary",
          answer=("w", "b", "epochs", "converged", "updates"), example=EXAMPLE,
          mistakes=lambda p: ([("the update applied with the wrong sign of the error",
                                lambda raw: {**raw, "lr": -p.lr})] if p.lr is not None and p.lr > 0 else [])
          + [("z = 0 fires or not the other way round (z > 0 against z ≥ 0)",
              lambda raw: {**raw, "strict": not p.strict})],
          form={"group": "layers", "examples": {"labels": LABEL_EXAMPLES}})
def solve_perceptron(p: Params) -> Worked:
    """A ``perceptron`` problem (:mod:`nnsteps.ops.mlp.perceptron`).

    >>> from nnsteps.problems.registry import Problem
    >>> solve_perceptron(Problem({"id": "p", "kind": NAME, **EXAMPLE}).params).answer["w"]
    [2, 1]
    """
    from nnsteps.ops.mlp.perceptron import perceptron

    X, y, labels = p.X, p.y, p.labels
    if len(y) != len(X):
        raise NnstepsError(f"expected one label per row of X ({len(X)}), got {len(y)}", problem=p.id, field="y")
    allowed = (0, 1) if labels == "binary" else (-1, 1)
    for v in y:
        if v not in allowed:
            raise NnstepsError(f"expected {labels} labels {allowed[0]} or {allowed[1]}, got {v}", problem=p.id,
                               field="y")
    d = len(X[0])
    if any(len(row) != d for row in X):
        raise NnstepsError("expected rows of one length", problem=p.id, field="X")
    w = p.w if p.has("w") else [0] * d
    if len(w) != d:
        raise NnstepsError(f"expected {d} weights (the columns of X), got {len(w)}", problem=p.id, field="w")
    lr = p.lr
    if lr == 0:
        raise NnstepsError("expected a nonzero learning rate, got 0", problem=p.id, field="lr")
    epochs = p.epochs
    if epochs > 1000 or epochs * len(X) * d > 200_000:
        raise NnstepsError(f"expected at most 1000 epochs and a small problem, got {epochs} epochs",
                           problem=p.id, field="epochs")
    return perceptron(X, y, w, p.b, lr, epochs, labels, kind=NAME, strict=p.strict)


@generator(NAME, ("labels", "strict"))
def perceptron_problem(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """A perceptron on a logic gate or a few small points, binary or sign labels.

    >>> sorted(perceptron_problem(np.random.default_rng(0), {"labels": "sign"}))
    ['X', 'b', 'epochs', 'kind', 'labels', 'lr', 'w', 'y']
    >>> perceptron_problem(np.random.default_rng(0), {"strict": True})["strict"]
    True
    """
    labels = options.get("labels") or one(rng, list(LABELS))
    if labels not in LABELS:
        raise NnstepsError(f"expected one of {', '.join(LABELS)}, got {labels!r}", field="--labels")
    gate = one(rng, [[0, 0, 0, 1], [0, 1, 1, 1], [1, 1, 1, 0]])  # AND, OR, NAND: separable
    y = gate if labels == "binary" else [2 * v - 1 for v in gate]
    problem = {"kind": NAME, "X": [[0, 0], [0, 1], [1, 0], [1, 1]], "y": y, "labels": labels,
               "w": ints(rng, (2,), -1, 1), "b": int(rng.integers(-1, 2)), "lr": one(rng, [1, 1, 2]), "epochs": 10}
    if options.get("strict"):  # asked for, never drawn: the seeds of the others stay as they were
        problem["strict"] = True
    return problem
