"""The ``mlp`` kind: a dense network's forward pass, every δ, every gradient and one update:
fields, solver, likely mistakes, follow-on marking and generator.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.generation import generator
from nnsteps.generation.common import one, tenths
from nnsteps.kinds._backprop import LEARNING_RATE, LOSSES, learn_statement, loss, mapping
from nnsteps.names import Activation, Loss, Op
from nnsteps.problems import fields as F
from nnsteps.problems.params import as_given
from nnsteps.problems.registry import Field, Params, Problem, register
from nnsteps.problems.registry import FieldType as T
from nnsteps.work import Worked

MORE_ACTIVATIONS = (Op.LEAKY_RELU.value, Op.ELU.value, Op.GELU.value, Op.SILU.value, Op.SOFTPLUS.value,
                    Op.HARDTANH.value, Op.PRELU.value)
MLP_LOSSES = (*LOSSES, *(v.value for v in Loss if v.value not in LOSSES))
EXAMPLE = {"input": [1, 2], "target": [2], "learning_rate": 0.5,
           "layers": [{"weights": [[1, 1]], "bias": [0], "activation": Activation.RELU.value}]}
FIELDS = (
    Field("input", T.ARRAY, "the input vector", required=True, example=[1, 2], parse=as_given),
    Field("layers", T.LIST, "list of {weights (out×in), bias, activation}; activation: none, tanh, relu, sigmoid, "
          f"{', '.join(MORE_ACTIVATIONS)}, by name or as {{name: {{parameters}}}} (e.g. {{leaky_relu: "
          "{negative_slope: 0.1}})", required=True, example=EXAMPLE["layers"]),
    Field("target", T.VALUE, "the target: a vector (one row per sample), or class indices (cross_entropy, nll)",
          example=[2]),
    Field(Op.LOSS.value, T.CHOICE, "half_squared_error (½ Σ over the outputs), squared_error (Σ), cross_entropy, or "
          "any loss of the loss kind (then worked by it; for cross_entropy the last layer's outputs are logits)",
          default="half_squared_error", choices=MLP_LOSSES, example="half_squared_error"),
    Field("loss_options", T.MAPPING, "the loss's options, as the loss kind's fields: weight, label_smoothing, "
          "ignore_index, pos_weight, beta, delta, log_target", example={"label_smoothing": 0.1},
          parse=mapping),
    LEARNING_RATE,
    Field("l2", T.NUMBER, "λ: adds λ Σ w² over the weight matrices to the loss (CS231n)", example=0.1),
    Field("l1", T.NUMBER, "λ: adds λ Σ |w| to the loss", example=0.1),
    Field("weight_decay", T.NUMBER, "λ: adds λw to the gradient in the update only (torch.optim.SGD)", example=0.01),
    Field("regularize_bias", T.BOOLEAN, "regularise the biases too", default=False, example=False),
    Field("reduction", T.CHOICE, "a mini-batch (input N×D): mean (default) or sum over the samples (a loss of the "
          "loss kind: its own reduction, batchmean too for kl_div)", choices=("mean", "sum", "batchmean"),
          example="mean"),
)


def _is_batch(value: Any) -> bool:
    """An input of rows (N×D) is a mini-batch, one sample per row."""
    if isinstance(value, list):
        return bool(value) and all(isinstance(v, list) for v in value)
    return isinstance(value, str) and ";" in value


def _is_index(target: Any, input: Any) -> bool:
    """One class index for one sample (``target: 1``): the loss kind's cross-entropy takes it."""
    return not _is_batch(input) and isinstance(target, int) and not isinstance(target, bool)


def _with_loss(p: Params, name: str) -> Worked:
    """The network with a loss of the ``loss`` kind, which that kind's own solver works (and checks)."""
    from nnsteps.ops.mlp.any_loss import mlp_with_loss
    from nnsteps.problems.registry import kind_of, load_kinds

    options, reduction = p.loss_options or {}, p.reduction

    def loss_of(outputs: Any) -> Worked:
        problem = {"id": p.id, "kind": Op.LOSS.value, Op.LOSS.value: name, "input": outputs, "target": p.target,
                   **({"reduction": reduction} if reduction is not None else {}), **options}
        try:
            kind_of(problem, 0)
        except NnstepsError as err:  # an option the loss kind does not know: name it as the mlp's field
            raise NnstepsError(err.message, problem=p.id, field="loss_options", hint=err.hint) from None
        return load_kinds()[Op.LOSS.value].solve(Problem(problem))

    return mlp_with_loss(p.input, p.layers, loss_of=loss_of, learning_rate=p.learning_rate, l2=p.l2, l1=p.l1,
                         weight_decay=p.weight_decay, regularize_bias=p.regularize_bias)


def _narrowed(p: Params, name: str, parse: Any) -> Any:
    """A field's value where this path takes fewer choices than the record (the course's three losses)."""
    try:
        return parse(p[name])
    except NnstepsError as err:
        raise err.located(problem=p.id, field=name) from None


def _mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    out = [("loss without the ½ (squared_error)", M.set_field(Op.LOSS.value, "squared_error", unless="half_squared_error"))]
    if _is_batch(p.input) and (p.reduction or "mean") == "mean":
        out.append(("the 1/N of a mean reduction forgotten (summed)", M.set_field("reduction", "sum")))
    if p.has(Op.LOSS.value) and p[Op.LOSS.value] in (Loss.CROSS_ENTROPY, Loss.BCE_WITH_LOGITS):
        out.append(("the sign of p − y (y − p)", M.convention(needs=("target",), p_minus_y=False)))
    return out


def follow_on(p: Params, given: Any, result: Any, tol: Any) -> None:
    """Follow-on marking: updated weights and biases from the student's own gradients.

    >>> from nnsteps.grading.compare import Tolerance, compare
    >>> raw = {"id": "m", "kind": "mlp", "input": [1, 1], "learning_rate": 0.5, "layers": [{"weights": [[1, 2]], "bias": [0]}]}
    >>> key = {"grads": {"layers": [{"weights": [[1, 1]]}]}, "updated": {"layers": [{"weights": [[0.5, 1.5]]}]}}
    >>> given = {"grads": {"layers": [{"weights": [[2, 2]]}]}, "updated": {"layers": [{"weights": [[0, 1]]}]}}
    >>> result = compare(key, given, Tolerance())
    >>> from nnsteps.problems.registry import find_kind
    >>> follow_on(find_kind("mlp").parse(raw), given, result, Tolerance())
    >>> [c.verdict for c in result.cells]
    ['wrong', 'wrong', 'follow-on', 'follow-on']
    """
    from nnsteps.grading.followon import updated

    if not isinstance(given, dict):
        return
    grads = (given.get("grads") or {}).get("layers") if isinstance(given.get("grads"), dict) else None
    news = (given.get("updated") or {}).get("layers") if isinstance(given.get("updated"), dict) else None
    layers = p.layers
    if not isinstance(grads, list) or not isinstance(news, list) or not isinstance(layers, list):
        return
    for i, (layer, g, u) in enumerate(zip(layers, grads, news)):
        if isinstance(layer, dict) and isinstance(u, dict):
            updated(result, ("updated", "layers", i), p.learning_rate, layer, g,
                    {name: u[name] for name in ("weights", "bias") if name in u}, tol)


def _statement(p: Any) -> Any:
    """A dense network's question: each layer's W, b and activation typeset."""
    from nnsteps.render.statement import Given, Statement, matrix, value

    givens = [Given("Input", "x = " + matrix(value(p, "input"), "input"))]
    for i, layer in enumerate(value(p, "layers", []), 1):
        if isinstance(layer, dict):
            act = str(layer.get("activation", "none"))
            parts = [f"W^{{[{i}]}} = {matrix(layer['weights'], 'weights')}" if "weights" in layer else "",
                     f"b^{{[{i}]}} = {matrix(layer['bias'], 'bias')}" if layer.get("bias") is not None else ""]
            givens.append(Given(f"Layer {i}, activation {act.replace('_', ' ')}",
                                r",\quad ".join(x for x in parts if x)))
    more, asks = learn_statement(p, "half_squared_error")
    reg = [f"{n.replace('_', ' ')} {value(p, n)}" for n in ("l2", "l1", "weight_decay") if value(p, n) is not None]
    if reg:
        more.append(Given("Regularisation: " + ", ".join(reg) + "."))
    return Statement(r"Run the dense network below forward, layer by layer: $a^{[l]} = f(W^{[l]} a^{[l-1]} + "
                     r"b^{[l]})$, $a^{[0]} = x$" + (", then backpropagate." if asks else "."), givens + more,
                     ["every layer's output", *asks])


@register(Op.MLP.value, fields=FIELDS, statement=_statement, summary="a dense network: forward pass, every δ and gradient, one update",
          answer=("outputs", Op.LOSS.value, "grads", "updated"), example=EXAMPLE, mistakes=_mistakes,
          follow_on=follow_on, form={"group": "backprop"},
          aliases={"backprop": "", "backpropagation": "", "feedforward": "", "dense_network": ""})
def solve_mlp(p: Params) -> Worked:
    """An ``mlp`` problem: forward pass, every δ, every gradient and one update (:func:`nnsteps.ops.mlp.network.mlp`).

    >>> w = solve_mlp(Problem({"id": "m", "kind": "mlp", "input": [1, 2], "target": [2], "learning_rate": 0.5,
    ...                        "layers": [{"weights": [[1, 1]], "bias": [0], "activation": "relu"}]}).params)
    >>> w.answer["outputs"], w.answer["loss"], w.answer["updated"]["layers"][0]
    ([[3]], Fraction(1, 2), {'weights': [[Fraction(1, 2), 0]], 'bias': [Fraction(-1, 2)]})
    """
    from nnsteps.ops.mlp.network import mlp

    name = p[Op.LOSS.value]
    if p.has("target") and (name not in LOSSES or p.has("loss_options") or _is_index(p.target, p.input)):
        return _with_loss(p, name)
    regularised = {"learning_rate": p.learning_rate, "l2": p.l2, "l1": p.l1, "weight_decay": p.weight_decay,
                   "regularize_bias": p.regularize_bias}
    if p.has("reduction") or _is_batch(p.input):
        from nnsteps.ops.mlp.batch import mlp_batch

        if not p.has("target"):
            raise NnstepsError("a mini-batch needs a target per sample", problem=p.id, field="target")
        return mlp_batch(p.input, p.layers, target=p.target, loss=_narrowed(p, Op.LOSS.value, loss),
                         reduction=_narrowed(p, "reduction", F.choice("mean", "sum")) if p.has("reduction") else "mean",
                         **regularised)
    return mlp(p.input, p.layers, target=p.target, loss=_narrowed(p, Op.LOSS.value, loss), **regularised)


@generator(Op.MLP.value, (Op.LOSS.value, "activation"))
def mlp(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """A 2-2-2 dense network with one-decimal weights, a target and a learning rate; with the option
    ``loss`` (any loss of the loss kind) or ``activation`` (any of the layers' activations), a mini-batch
    of two samples with that loss and hidden activation.

    >>> [len(layer["weights"]) for layer in mlp(np.random.default_rng(0), {})["layers"]]
    [2, 2]
    >>> p = mlp(np.random.default_rng(0), {"loss": "nll", "activation": "leaky_relu"})
    >>> p["target"], p["layers"][0]["activation"]
    ([1, 1], {'leaky_relu': {'negative_slope': Fraction(1, 10)}})
    """
    if options.get(Op.LOSS.value) or options.get("activation"):
        return _mlp_more(rng, options)
    activation = one(rng, [Activation.SIGMOID.value, Activation.RELU.value, Activation.NONE.value])
    layers = [{"weights": tenths(rng, (2, 2), -9, 9), "bias": tenths(rng, (2,), -5, 5), "activation": activation}
              for _ in range(2)]
    return {
        "kind": Op.MLP.value,
        "input": tenths(rng, (2,), -9, 9),
        "layers": layers,
        "target": tenths(rng, (2,), 0, 10),
        Op.LOSS.value: "half_squared_error",
        "learning_rate": one(rng, [Fraction(1, 10), Fraction(1, 2)]),
    }


ACTIVATION_PARAMETERS: dict[str, dict[str, Any]] = {
    Op.LEAKY_RELU.value: {"negative_slope": Fraction(1, 10)}, Op.ELU.value: {"alpha": 1},
    Op.HARDTANH.value: {"min_val": -1, "max_val": 1}, Op.PRELU.value: {"weight": [Fraction(1, 4)]},
    Op.GELU.value: {"approximate": Activation.TANH.value},
}


def _mlp_more(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """A batch of two through a 2-2-2 network with any loss and hidden activation (small one-decimal values)."""
    name = options.get(Op.LOSS.value) or Loss.MSE.value
    if name not in MLP_LOSSES:
        raise NnstepsError(f"expected a loss of {', '.join(MLP_LOSSES)}, got {name!r}", field="--loss")
    act = options.get("activation") or one(rng, list(MORE_ACTIVATIONS))
    if act not in (*MORE_ACTIVATIONS, *(a.value for a in Activation)):
        raise NnstepsError(f"expected an activation of {', '.join(MORE_ACTIVATIONS)}, got {act!r}", field="--activation")
    hidden: Any = {act: ACTIVATION_PARAMETERS[act]} if act in ACTIVATION_PARAMETERS else act
    last = Activation.SIGMOID.value if name == Loss.BCE else Activation.NONE.value  # BCE takes probabilities
    layers = [{"weights": tenths(rng, (2, 2), -9, 9), "bias": tenths(rng, (2,), -5, 5), "activation": hidden},
              {"weights": tenths(rng, (2, 2), -9, 9), "bias": tenths(rng, (2,), -5, 5), "activation": last}]
    if name in (Loss.CROSS_ENTROPY, Loss.NLL, Loss.SVM, Loss.MULTI_MARGIN):  # a class index per sample
        target: Any = [int(v) for v in rng.integers(0, 2, size=2)]
    elif name in (Loss.HINGE, Loss.SQUARED_HINGE):  # Keras' labels: −1 or 1 per output
        target = [[int(v) for v in row] for row in 2 * rng.integers(0, 2, size=(2, 2)) - 1]
    elif name in (Loss.BCE, Loss.BCE_WITH_LOGITS):
        target = [[int(v) for v in row] for row in rng.integers(0, 2, size=(2, 2))]
    elif name == Loss.KL_DIV:
        target = [[Fraction(1, 2), Fraction(1, 2)], [Fraction(1, 4), Fraction(3, 4)]]
    else:
        target = tenths(rng, (2, 2), -9, 9)
    return {"kind": Op.MLP.value, "input": tenths(rng, (2, 2), -9, 9), "layers": layers, "target": target,
            Op.LOSS.value: name, "reduction": "mean", "learning_rate": one(rng, [Fraction(1, 10), Fraction(1, 2)])}
