"""A pipeline that learns: after the forward pass, a loss of the final output against ``target`` (or a
given ``upstream``), then backward through every stage, last to first, and with ``learning_rate`` one
gradient-descent update of every parameter. Registers no kind; :mod:`nnsteps.kinds.pipeline` calls it.

Each stage's backward pass is that stage's own kind run with ``upstream`` (the gradient of its output),
so a stage's gradients and their steps are exactly those of the same problem asked alone; ``flatten``'s
backward reshapes. The answer: ``{"output", "loss", "grads": {"input", "stages": [...]}, "updated":
{"stages": [...]}}``, each stage's gradients keyed by its own field names.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError
from nnsteps.names import Loss, Op
from nnsteps.numbers import parse_number
from nnsteps.numbers import to_latex_operand as op
from nnsteps.problems.params import Field, FieldType, Params, as_given
from nnsteps.work import Step, Worked

FLATTEN = "flatten"
PARAMETERS = ("kernel", "weights", "weight", "bias")
LEARN_FIELDS = (
    Field("target", FieldType.VALUE, "the target of the final output: a class index (cross_entropy, nll) or an array",
          example=1),
    Field(Op.LOSS.value, FieldType.CHOICE, "the loss of the final output (default cross_entropy for a class index, "
          "else mse)", choices=tuple(v.value for v in Loss), example=Loss.CROSS_ENTROPY.value),
    Field("upstream", FieldType.ARRAY, "∂L/∂(final output), instead of a target and loss", example="1 -1",
          parse=as_given),
    Field("learning_rate", FieldType.NUMBER, "η: one update w ← w − η ∂L/∂w of every parameter", example=0.1,
          parse=lambda v: parse_number(v, what="a learning rate")),
)


def wants_backward(p: Params) -> bool:
    return p.has("target") or p.has("upstream")


def _is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) or \
        isinstance(value, list) and bool(value) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)


def learn(p: Params, output: Any, inputs: list[Any], runs: list[tuple[str, Callable[..., Any], Params]],
          steps: list[Step[Any]]) -> Worked:
    """Loss, backward through every stage, update. ``runs[i]`` = (name, the stage's run, its parsed options).

    >>> from nnsteps.problems.solve import solve_problem
    >>> w = solve_problem({"id": "p", "kind": "pipeline", "input": [1, 2], "steps": [{"linear": {"weights": [[1, 1]],
    ...                    "bias": [0]}}], "target": [2], "loss": "mse", "learning_rate": 0.5}).worked
    >>> w.answer["loss"], w.answer["grads"]["stages"][0], w.answer["updated"]["stages"][0]
    (1, {'input': [2, 2], 'weights': [[2, 4]], 'bias': [2]}, {'weights': [[0, -1]], 'bias': [-1]})
    """
    answer: dict[str, Any] = {"output": np.asarray(output).tolist()}
    if p.has("upstream"):
        if p.has("target"):
            raise NnstepsError("give either a target (with a loss) or an upstream gradient, not both", problem=p.id,
                               field="upstream")
        g: Any = p.upstream
    else:
        target = p.target
        name = p.loss or (Loss.CROSS_ENTROPY.value if _is_index(target) else Loss.MSE.value)
        from nnsteps.ops.losses.classification import class_loss
        from nnsteps.ops.losses.functional import elementwise_loss

        try:
            fn = class_loss if name in (Loss.CROSS_ENTROPY, Loss.NLL) else elementwise_loss
            worked = fn(name, output, target)
        except NnstepsError as err:
            raise err.located(problem=p.id, field="target") from None
        answer[Op.LOSS.value] = worked.answer[Op.LOSS.value]
        g = _carry(worked.answer["grads"]["input"])
        steps.append(Step(f"Loss: {name}", steps=worked.steps, result=None))
    stage_grads: list[dict[str, Any]] = [{} for _ in runs]
    for i in range(len(runs) - 1, -1, -1):
        name, run, options = runs[i]
        x = inputs[i]
        if name == FLATTEN:
            shape = np.shape(as_array(x, name="input"))
            g = as_array(g, name="upstream").reshape(shape)
            stage_grads[i] = {"input": g.tolist()}
            steps.append(Step(f"Backward through stage {i + 1}: flatten (reshape the gradient to {shape})"))
            continue
        try:
            worked = run(x, options.replace(upstream=g))
        except NnstepsError as err:
            raise err.located(problem=p.id, field=f"steps[{i}]") from None
        if not isinstance(worked.value, dict) or "grads" not in worked.value:
            raise NnstepsError(f"stage {name} has no backward pass", problem=p.id, field=f"steps[{i}]")
        stage_grads[i] = worked.value["grads"]
        back = [s for s in worked.steps if s.title.startswith(("Gradient", "Derivative", "Scatter"))]
        steps.append(Step(f"Backward through stage {i + 1}: {name}", steps=back))
        if "input" not in stage_grads[i] and i > 0:  # an embedding's input is indices: no gradient flows on
            raise NnstepsError(f"stage {name} takes indices, which have no gradient: it can only be the first stage",
                               problem=p.id, field=f"steps[{i}]")
        g = _carry(stage_grads[i].get("input"))
    answer["grads"] = {**({"input": stage_grads[0]["input"]} if "input" in stage_grads[0] else {}),
                       "stages": stage_grads}
    if p.has("learning_rate"):
        lr = p.learning_rate
        answer["updated"] = {"stages": _update(p, lr, runs, stage_grads, steps)}
    return Worked(str(p.kind), value=answer, steps=steps, answer=answer)


def _carry(g: Any) -> Any:
    """A gradient handed to the stage before: decimals stay decimals (a list of floats would be read as the
    exact fractions of their digits), exact numbers stay exact.

    >>> _carry([0.5, 1]).dtype, _carry([1, 2])
    (dtype('float64'), [1, 2])
    """
    flat = np.asarray(g, dtype=object).reshape(-1)
    if any(isinstance(v, float) for v in flat):
        return np.asarray(g, dtype=object).astype(np.float64)
    return g


def _update(p: Params, lr: Any, runs: list[tuple[str, Any, Any]], grads: list[dict[str, Any]],
            steps: list[Step[Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    children: list[Step[Any]] = []
    for i, (name, _run, options) in enumerate(runs):
        new: dict[str, Any] = {}
        for key in PARAMETERS:
            if key not in grads[i] or key not in options or options[key] is None:
                continue
            old = options[key]
            w = as_array(old, name=key)
            dw = np.asarray(grads[i][key], dtype=object)
            exact = w.dtype == object
            lr_v = lr if exact else float(lr)
            value = w.reshape(dw.shape) - dw * lr_v if exact else w.astype(np.float64).reshape(dw.shape) - \
                dw.astype(np.float64) * lr_v
            value = np.vectorize(lambda v: int(v) if isinstance(v, Fraction) and v.denominator == 1 else v,
                                 otypes=[object])(value) if exact else value
            new[key] = value.tolist()
            w0, g0, v0 = w.reshape(-1)[0], dw.reshape(-1)[0], np.asarray(value).reshape(-1)[0]
            children.append(Step(f"Stage {i + 1} ({name}): {key}, first entry",
                                 substituted=rf"{op(w0)} - {op(lr)} \cdot {op(g0)}", result=v0))
        out.append(new)
    steps.append(Step("Update every parameter", formula=r"w \leftarrow w - \eta \frac{\partial L}{\partial w}",
                      steps=children))
    return out


def small_cnn(rng: np.random.Generator, kind: str) -> dict[str, Any]:
    """conv2d (2×2) → ReLU → 2×2 max pooling → flatten → linear → cross-entropy, with a learning rate:
    small integers in the grid, one-decimal weights in the dense layer.

    >>> [list(s)[0] if isinstance(s, dict) else s for s in small_cnn(np.random.default_rng(0), "p")["steps"]]
    ['conv2d', 'relu', 'max_pool2d', 'flatten', 'linear']
    """
    from nnsteps.generation.common import ints, tenths

    n = int(rng.integers(3, 5))
    pooled = ((n - 1) // 2) ** 2
    classes = int(rng.integers(2, 4))
    return {"kind": kind, "input": ints(rng, (n, n), -1, 3), "steps": [
        {Op.CONV2D.value: {"kernel": ints(rng, (2, 2), -1, 2), "bias": [0]}}, Op.RELU.value,
        {Op.MAX_POOL2D.value: {"kernel_size": 2}}, FLATTEN,
        {Op.LINEAR.value: {"weights": tenths(rng, (classes, pooled), -9, 9), "bias": tenths(rng, (classes,), -5, 5)}}],
        "target": int(rng.integers(0, classes)), Op.LOSS.value: Loss.CROSS_ENTROPY.value,
        "learning_rate": Fraction(1, 10)}
