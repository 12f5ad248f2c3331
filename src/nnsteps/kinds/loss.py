"""The ``loss`` kind: a loss of ``torch.nn.functional`` (or the course's ½ Σ (x − y)²), its value and its
gradient with respect to the input: fields, solver, likely mistakes and generator.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.generation import generator
from nnsteps.generation.common import chance, ints, one, tenths
from nnsteps.names import Loss, Op
from nnsteps.numbers import parse_number
from nnsteps.problems import fields as F
from nnsteps.problems.params import as_given
from nnsteps.problems.registry import Field, FieldType, Params, register
from nnsteps.work import Worked

T = FieldType
LOSSES = tuple(v.value for v in Loss)
REDUCTIONS = ("mean", "sum", "none", "batchmean")
OPTIONS = {Loss.CROSS_ENTROPY: {"weight", "ignore_index", "label_smoothing"}, Loss.NLL: {"weight", "ignore_index"},
           Loss.BCE: {"weight"}, Loss.BCE_WITH_LOGITS: {"weight", "pos_weight"}, Loss.SMOOTH_L1: {"beta"},
           Loss.HUBER: {"delta"}, Loss.KL_DIV: {"log_target"}, Loss.SVM: {"margin", "W", "X", "reg"},
           Loss.MULTI_MARGIN: {"margin", "p", "weight"}}
"""The options each loss takes (the solver refuses others; the web form shows only these)."""
EXAMPLE = {Op.LOSS.value: Loss.CROSS_ENTROPY.value, "input": [[2, 1, 0.1]], "target": [0], "reduction": "mean"}
_CLASSES = {"input": EXAMPLE["input"], "target": EXAMPLE["target"]}
_ELEMENTS = {"input": EXAMPLE["input"], "target": [[1.5, 1, 0]]}
LOSS_EXAMPLES = {**{name.value: _CLASSES for name in (Loss.CROSS_ENTROPY, Loss.NLL, Loss.SVM, Loss.MULTI_MARGIN)},
                 **{name.value: _ELEMENTS for name in (Loss.MSE, Loss.L1, Loss.SMOOTH_L1, Loss.HUBER,
                                                       Loss.HALF_SQUARED_ERROR)},
                 Loss.KL_DIV.value: {"input": [[-1.2, -0.9, -1.2]], "target": [[0.3, 0.4, 0.3]]},
                 Loss.BCE.value: {"input": [[0.8, 0.3, 0.6]], "target": [[1, 0, 1]]},
                 Loss.BCE_WITH_LOGITS.value: {"input": EXAMPLE["input"], "target": [[1, 0, 1]]},
                 Loss.HINGE.value: {"input": [[0.6, -0.4, 1.5]], "target": [[1, 0, 1]]},
                 Loss.SQUARED_HINGE.value: {"input": [[0.6, -0.4, 1.5]], "target": [[1, -1, 1]]}}
"""The web form's input and target per loss: class indices, a target of the input's shape, or 0/1 and ±1 labels."""
def _number(minimum: Any, strict: bool, name: str) -> Any:
    def parse(value: Any) -> Any:
        v = F.number(value)
        if v < minimum or (strict and v == minimum):
            raise NnstepsError(f"expected {name} {'>' if strict else '>='} {minimum}, got {value!r}")
        return v

    return parse


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise NnstepsError(f"expected an integer, got {value!r}")
    v = parse_number(value, what="an integer")
    if not isinstance(v, int):
        raise NnstepsError(f"expected an integer, got {value!r}")
    return v


def _power(value: Any) -> int:
    """multi_margin's p: torch takes only 1 and 2.

    >>> _power(2)
    2
    """
    if _int(value) not in (1, 2):
        raise NnstepsError(f"expected p 1 or 2 (as torch's multi_margin_loss), got {value!r}")
    return int(value)


FIELDS: tuple[Field, ...] = (
    Field(Op.LOSS.value, T.CHOICE, "which loss", required=True, choices=LOSSES, example=Loss.CROSS_ENTROPY.value),
    Field("input", T.ARRAY, "the prediction: logits (cross_entropy, *_with_logits), log-probabilities (nll, kl_div), "
          "probabilities (binary_cross_entropy), class scores (svm, multi_margin) or values", example=[[2, 1, 0.1]],
          parse=as_given),
    Field("target", T.VALUE, "class indices, or an array of the input's shape (hinge: labels −1/1 or 0/1)",
          required=True, example=[0]),
    Field("reduction", T.CHOICE, "mean, sum or none (batchmean: kl_div); default mean (half_squared_error: sum)",
          choices=REDUCTIONS, example="mean"),
    Field("weight", T.ARRAY, "class weights (cross_entropy, nll, multi_margin) or element weights "
          "(binary_cross_entropy*)",
          example=[1, 2, 1], parse=as_given),
    Field("pos_weight", T.ARRAY, "weight of the positive class (binary_cross_entropy_with_logits)", example=[2],
          parse=as_given),
    Field("ignore_index", T.INTEGER, "a target class to skip (cross_entropy, nll)", default=-100, example=-100,
          parse=_int),
    Field("label_smoothing", T.NUMBER, "ε in [0, 1] (cross_entropy)", default=0, example=0.1,
          parse=_number(0, False, "label_smoothing")),
    Field("beta", T.NUMBER, "the switch point of smooth_l1", default=1, example=1, parse=_number(0, False, "beta")),
    Field("delta", T.NUMBER, "the switch point of huber", default=1, example=1, parse=_number(0, True, "delta")),
    Field("log_target", T.BOOLEAN, "kl_div's target is log-probabilities", default=False, example=False),
    Field("margin", T.NUMBER, "the margin Δ of the multiclass hinge (svm, multi_margin)", default=1, example=1,
          parse=_number(0, False, "margin")),
    Field("p", T.INTEGER, "the power of each hinge term, 1 or 2 (multi_margin)", default=1, example=1,
          parse=_power),
    Field("W", T.ARRAY, "instead of input: the weights W (D×C) of a linear classifier, scores S = X W (svm)",
          example="0.2 -0.5; 0.1 0.3", parse=as_given, instead_of=("input",)),
    Field("X", T.ARRAY, "with W: the samples X (N×D), one row each (svm)", example="1 2", parse=as_given),
    Field("reg", T.NUMBER, "the L2 strength λ, L + λ Σ W² (svm with W)", default=0, example=0,
          parse=_number(0, False, "reg")),
    Field("upstream", T.ARRAY, "∂L/∂ℓ for reduction none (the loss's shape); default all ones", example=[1],
          when=("reduction", ("none",)),
          parse=as_given),
)
FIELDS = tuple(replace(f, when=(Op.LOSS.value, tuple(k.value for k, o in OPTIONS.items() if f.name in o)))
               if any(f.name in o for o in OPTIONS.values()) else f for f in FIELDS)


def _drop(name: str) -> Any:
    def mutate(raw: dict[str, Any]) -> dict[str, Any] | None:
        return None if raw.pop(name, None) is None else raw

    return mutate


def _as_half(reduction: str) -> Any:
    """mse written with the course's ½, at the same reduction."""
    return lambda raw: {**raw, Op.LOSS.value: Loss.HALF_SQUARED_ERROR.value, "reduction": reduction}


def _mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    name = str(p[Op.LOSS.value] or "")
    reduction = p.reduction or "mean"
    out: list[tuple[str, Any]] = []
    if reduction in ("mean", "batchmean") and name != Loss.HALF_SQUARED_ERROR:
        out.append(("the 1/N of a mean reduction forgotten (summed)", M.set_field("reduction", "sum")))
    if name == Loss.MSE:
        out.append(("½(x − y)² instead of (x − y)²", _as_half(reduction)))
    if name == Loss.HALF_SQUARED_ERROR:
        out.append(("(x − y)² without the ½", M.set_field(Op.LOSS.value, Loss.MSE.value)))
    if p.weight is not None:
        out.append(("class weights ignored", _drop("weight")))
    if name in (Loss.HINGE, Loss.SQUARED_HINGE):
        out.append(("0/1 labels used as they are (Keras reads them as −1/1)",
                    M.convention(needs=(), hinge_labels_signed=False)))
    if name in (Loss.SVM, Loss.MULTI_MARGIN):
        if p.margin:
            out.append(("the hinge margin without Δ: max(0, s_j − s_y)", M.set_field("margin", 0)))
        out.append(("j = y counted in the hinge sum (adds Δ per sample)", M.convention(needs=(), hinge_skip_true=False)))
        if name == Loss.MULTI_MARGIN and p.p == 2:
            out.append(("the hinge terms not squared (p = 2)", M.set_field("p", 1)))
        other = Loss.SVM if name == Loss.MULTI_MARGIN else Loss.MULTI_MARGIN
        if not p.has("W"):
            out.append(("PyTorch's and CS231n's hinge confused (the 1/C)", M.set_field(Op.LOSS.value, other.value)))
    if name in (Loss.CROSS_ENTROPY, Loss.BCE_WITH_LOGITS):
        out.append(("the sign of p − y (y − p)", M.convention(needs=(), p_minus_y=False)))
    if p.label_smoothing not in (None, 0):
        out.append(("label smoothing ignored", M.set_field("label_smoothing", 0)))
    if name == Loss.BCE_WITH_LOGITS and p.pos_weight is not None:
        out.append(("pos_weight ignored", _drop("pos_weight")))
    return out


_SOURCE: dict[str, str] = {Loss.MSE: "as torch.nn.functional.mse_loss", Loss.L1: "as torch.nn.functional.l1_loss",
           Loss.SMOOTH_L1: "as torch.nn.functional.smooth_l1_loss", Loss.HUBER: "as torch.nn.functional.huber_loss",
           Loss.NLL: "as torch.nn.functional.nll_loss", Loss.MULTI_MARGIN: "as torch.nn.functional.multi_margin_loss",
           Loss.HALF_SQUARED_ERROR: "½ Σ (x − y)²", Loss.SVM: "the multiclass SVM loss, as CS231n's svm_loss",
           Loss.HINGE: "as Keras's hinge", Loss.SQUARED_HINGE: "as Keras's squared_hinge"}
"""Where each loss is defined, as a statement names it (the rest are torch.nn.functional's own names)."""


def _statement(p: Any) -> Any:
    """A loss question: prediction and target typeset, reduction and options stated."""
    from nnsteps.render.statement import Given, build, matrix, scalar, value

    name = str(value(p, Op.LOSS.value, ""))
    target = value(p, "target")
    st = build(p, f"Compute the {name.replace('_', ' ')} loss ({_SOURCE.get(name, f'as torch.nn.functional.{name}')}) "
               "of the prediction against the target, and its gradient with respect to the prediction.",
               arrays=[("input", "Prediction", "x"), ("weight", "Weights", "w"), ("pos_weight", "Positive weight", "")],
               scalars=[("reduction", "reduction", "", value(p, "reduction", "sum" if name == "half_squared_error"
                                                                else "mean")),
                        ("ignore_index", "ignored class", "", None), ("label_smoothing", "label smoothing", "", None),
                        ("beta", "", r"\beta", None), ("delta", "", r"\delta", None), ("log_target", "log target", "", None),
                        ("margin", "margin", r"\Delta", 1 if name in (Loss.SVM, Loss.MULTI_MARGIN) else None),
                        ("p", "power", "p", 1 if name == Loss.MULTI_MARGIN else None)],
               asks=["the loss $L$", r"the gradient $\partial L/\partial x$"])
    if target is not None:
        from nnsteps.render.statement import _is_number

        latex = scalar(target) if _is_number(target) else matrix(target, "target")
        st.givens.insert(1, Given("Target", f"y = {latex}"))
    if value(p, "W") is not None:  # CS231n's linear classifier: the scores S = X W are computed, not given
        _linear_classifier(p, st)
    return st


def _linear_classifier(p: Any, st: Any) -> None:
    """The svm loss of ``S = X W``: X and W typeset, the regularisation stated, ∂L/∂W asked (not ∂L/∂x)."""
    from nnsteps.render.statement import Given, given_matrix, scalar, settings, value

    st.intro = (r"Compute the multiclass SVM loss (as CS231n's svm_loss) of the linear classifier $S = X W$ "
                r"against the target, with L2 regularisation $\lambda \sum W^2$, and its gradient with respect to $W$.")
    target = [g for g in st.givens if g.label == "Target"]
    st.givens = [g for g in (given_matrix(p, "X", "Samples (one per row)", "X"), given_matrix(p, "W", "Weights", "W"))
                 if g is not None] + target + [g for g in st.givens if g.label != "Target"]
    reg = settings([("regularisation", rf"\lambda = {scalar(value(p, 'reg', 0))}")]).label.removeprefix("Settings: ")
    shown = [i for i, g in enumerate(st.givens) if g.label.startswith("Settings: ")]
    if shown:  # one settings line: the reduction's, with the regularisation after it
        st.givens[shown[0]] = Given(st.givens[shown[0]].label.removesuffix(".") + ", " + reg)
    else:
        st.givens.append(Given("Settings: " + reg))
    st.asks = ["the loss $L$", r"the gradient $\partial L/\partial W$ (and $\partial L/\partial S$)"]


@register(Op.LOSS.value, fields=FIELDS, statement=_statement, summary="a loss of torch.nn.functional: its value and ∂L/∂input",
          answer=(Op.LOSS.value, "grads"), example=EXAMPLE, mistakes=_mistakes,
          form={"group": "backprop", "examples": {Op.LOSS.value: LOSS_EXAMPLES}},
          aliases={"bce": "loss: binary_cross_entropy", "bce_with_logits": "loss: binary_cross_entropy_with_logits",
                   "ce": "loss: cross_entropy", "mae": "loss: l1", "kl": "loss: kl_div", "log_loss": "loss: nll"})
def solve_loss(p: Params) -> Worked:
    """A ``loss`` problem (:mod:`nnsteps.ops.losses.functional`, :mod:`nnsteps.ops.losses.classification`).

    >>> from nnsteps.problems.registry import Problem
    >>> w = solve_loss(Problem({"id": "l", "kind": "loss", "loss": "mse", "input": [1, 2], "target": [0, 0]}).params)
    >>> w.answer
    {'loss': Fraction(5, 2), 'grads': {'input': [1, 2]}}
    """
    from nnsteps.ops.losses.classification import class_loss
    from nnsteps.ops.losses.functional import elementwise_loss
    from nnsteps.ops.losses.margin import multiclass_hinge

    name = p[Op.LOSS.value]
    reduction = p.reduction or ("sum" if name == Loss.HALF_SQUARED_ERROR else "mean")
    if reduction == "batchmean" and name != Loss.KL_DIV:
        raise NnstepsError("batchmean is kl_div's reduction; expected mean, sum or none", problem=p.id,
                           field="reduction")
    common = {"reduction": reduction, "upstream": p.upstream}
    if common["upstream"] is not None and reduction != "none":
        raise NnstepsError("an upstream gradient is taken with reduction none (the loss is then an array)",
                           problem=p.id, field="upstream")
    allowed = OPTIONS.get(Loss(name), set())
    for option in ("weight", "pos_weight", "ignore_index", "label_smoothing", "beta", "delta", "log_target",
                   "margin", "p", "W", "X", "reg"):
        if p.has(option) and option not in allowed:
            raise NnstepsError(f"{name} takes no {option}", problem=p.id, field=option)
    if name not in (Loss.SVM, Loss.MULTI_MARGIN) and not p.has("input"):
        raise NnstepsError("expected input (the prediction), got none", problem=p.id, field="input")
    try:
        if name in (Loss.SVM, Loss.MULTI_MARGIN):
            return multiclass_hinge(name, p.input, p.target, margin=p.margin, W=p.W, X=p.X, reg=p.reg, p=p.p or 1,
                                    weight=p.weight, **common)
        if name in (Loss.CROSS_ENTROPY, Loss.NLL):
            return class_loss(name, p.input, p.target, weight=p.weight, ignore_index=p.ignore_index,
                              label_smoothing=p.label_smoothing, **common)
        return elementwise_loss(name, p.input, p.target, weight=p.weight, pos_weight=p.pos_weight, beta=p.beta,
                                delta=p.delta, log_target=p.log_target, **common)
    except NnstepsError as err:
        raise err.located(problem=p.id) from None


@generator(Op.LOSS.value, (Op.LOSS.value,))
def loss(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """A loss of small numbers: logits and a class for cross-entropy, one-decimal values for the rest (the
    hinge losses when asked for by name, so the seeds of the others draw what they always drew).

    >>> sorted(loss(np.random.default_rng(0), {"loss": "cross_entropy"}))
    ['input', 'kind', 'loss', 'reduction', 'target']
    >>> loss(np.random.default_rng(0), {"loss": "svm"})["target"]
    [2, 3]
    """
    name = options.get(Op.LOSS.value) or one(rng, [Loss.CROSS_ENTROPY.value, Loss.MSE.value, Loss.NLL.value,
                                                   Loss.HALF_SQUARED_ERROR.value, Loss.L1.value, Loss.SMOOTH_L1.value,
                                                   Loss.HUBER.value, Loss.BCE.value, Loss.BCE_WITH_LOGITS.value,
                                                   Loss.KL_DIV.value])
    if name not in LOSSES:
        raise NnstepsError(f"expected one of {', '.join(LOSSES)}, got {name!r}", field="--loss")
    n, c = int(rng.integers(1, 3)), int(rng.integers(2, 4))
    problem: dict[str, Any] = {"kind": Op.LOSS.value, Op.LOSS.value: name}
    if name in (Loss.CROSS_ENTROPY, Loss.NLL):
        problem["input"] = ints(rng, (n, c), -2, 2) if name == Loss.CROSS_ENTROPY else ints(rng, (n, c), -4, 0)
        problem["target"] = ints(rng, (n,), 0, c - 1)
        if name == Loss.CROSS_ENTROPY and chance(rng, 0.3):
            problem["label_smoothing"] = Fraction(1, 10)
        if chance(rng, 0.3):
            problem["weight"] = ints(rng, (c,), 1, 3)
    elif name in (Loss.BCE, Loss.KL_DIV):
        problem["input"] = tenths(rng, (n, c), 1, 9) if name == Loss.BCE else ints(rng, (n, c), -3, -1)
        if name == Loss.KL_DIV:
            problem["target"] = [[Fraction(1, c)] * c for _ in range(n)]
        else:
            problem["target"] = ints(rng, (n, c), 0, 1)
    elif name in (Loss.SVM, Loss.MULTI_MARGIN):
        problem["input"] = tenths(rng, (n, c + 1), -30, 30)
        problem["target"] = ints(rng, (n,), 0, c)
    elif name in (Loss.HINGE, Loss.SQUARED_HINGE):
        problem["input"] = tenths(rng, (n, c), -15, 15)
        problem["target"] = [[one(rng, [-1, 1]) for _ in range(c)] for _ in range(n)]
    elif name == Loss.BCE_WITH_LOGITS:
        problem["input"] = ints(rng, (n, c), -2, 2)
        problem["target"] = ints(rng, (n, c), 0, 1)
    else:
        problem["input"] = tenths(rng, (n, c), -20, 20)
        problem["target"] = tenths(rng, (n, c), -20, 20)
    problem["reduction"] = one(rng, ["mean", "sum"]) if name != Loss.HALF_SQUARED_ERROR else "sum"
    return problem
