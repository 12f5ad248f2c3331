"""Grid problem kinds (conv, pooling, activations, dense heads) and pipelines of them.

Each kind reads its fields once, here, and calls the op; a pipeline stage reads the same fields,
so a stage in a pipeline and a problem of that kind accept exactly the same options.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nnsteps import limits
from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.ops import activation, conv, dense, pool, transpose
from nnsteps.problems import fields as F
from nnsteps.problems.registry import Problem, register
from nnsteps.work import Step, Worked

DETAIL = {"detail": "which output cells to expand: auto, all, none, or a list of [row, col] cells"}

CONV_FIELDS = {
    "input": "the input (H×W, C×H×W or N×C×H×W)",
    "kernel": "the kernel (K×K, C×K×K or N×C×K×K)",
    "bias": "a number, or one per filter",
    "stride": "int or [sh, sw]",
    "padding": "int, [ph, pw], same or valid",
    "dilation": "int or [dh, dw]",
    "groups": "int",
    "flip": "true for true convolution (kernel rotated 180°)",
    **DETAIL,
}
CONVT_FIELDS = {**{k: v for k, v in CONV_FIELDS.items() if k != "flip"}, "output_padding": "int or [oh, ow]"}
CONVT_FIELDS["padding"] = "int or [ph, pw]"
POOL_FIELDS = {
    "input": "the input",
    "kernel_size": "int or [kh, kw]",
    "stride": "defaults to kernel_size",
    "padding": "int or [ph, pw], at most kernel_size // 2",
    "ceil_mode": "round the output size up",
    **DETAIL,
}
MAX_POOL_FIELDS = {**POOL_FIELDS, "dilation": "int or [dh, dw]"}
AVG_POOL_FIELDS = {**POOL_FIELDS, "count_include_pad": "divide by the window size including padding",
                   "divisor_override": "divide by this instead"}
DENSE_FIELDS = {"input": "the feature vector h", "weights": "W (out × in) or w", "bias": "b"}


def _detail(value: Any) -> Any:
    if isinstance(value, str):
        return F.choice("auto", "all", "none")(value)
    if isinstance(value, list) and all(isinstance(c, list) and len(c) in (2, 3, 4) for c in value):
        return [[F.integer(0, "a cell index")(i) for i in c] for c in value]
    raise NnstepsError(f"expected auto, all, none or a list of [row, col] cells, got {value!r}")


def _conv(x: Any, get: Callable[..., Any]) -> Worked:
    return conv.conv2d(
        x, get("kernel", F.array("kernel", (2, 3, 4))), get("bias", lambda v: v, None),
        stride=get("stride", F.pair(1, "a stride"), (1, 1)), padding=get("padding", F.padding, (0, 0)),
        dilation=get("dilation", F.pair(1, "a dilation"), (1, 1)), groups=get("groups", F.integer(1), 1),
        flip=get("flip", F.boolean, False), detail=get("detail", _detail, "auto"),
    )


def _convt(x: Any, get: Callable[..., Any]) -> Worked:
    return transpose.conv_transpose2d(
        x, get("kernel", F.array("kernel", (2, 3, 4))), get("bias", lambda v: v, None),
        stride=get("stride", F.pair(1, "a stride"), (1, 1)), padding=get("padding", F.pair(0, "a padding"), (0, 0)),
        output_padding=get("output_padding", F.pair(0, "an output padding"), (0, 0)),
        dilation=get("dilation", F.pair(1, "a dilation"), (1, 1)), groups=get("groups", F.integer(1), 1),
        detail=get("detail", _detail, "auto"),
    )


def _max_pool(x: Any, get: Callable[..., Any]) -> Worked:
    k = get("kernel_size", F.pair(1, "a kernel size"))
    return pool.max_pool2d(
        x, k, get("stride", F.pair(1, "a stride"), None), get("padding", F.pair(0, "a padding"), (0, 0)),
        get("dilation", F.pair(1, "a dilation"), (1, 1)), get("ceil_mode", F.boolean, False),
        detail=get("detail", _detail, "auto"),
    )


def _avg_pool(x: Any, get: Callable[..., Any]) -> Worked:
    k = get("kernel_size", F.pair(1, "a kernel size"))
    return pool.avg_pool2d(
        x, k, get("stride", F.pair(1, "a stride"), None), get("padding", F.pair(0, "a padding"), (0, 0)),
        get("ceil_mode", F.boolean, False), get("count_include_pad", F.boolean, True),
        get("divisor_override", F.integer(1, "a divisor"), None), detail=get("detail", _detail, "auto"),
    )


def _linear(x: Any, get: Callable[..., Any]) -> Worked:
    return dense.linear(x, get("weights", F.array("weights", (1, 2))), get("bias", F.array("bias", (0, 1)), None))


def _logistic(x: Any, get: Callable[..., Any]) -> Worked:
    return dense.logistic(x, get("weights", F.array("weights", (1, 2))), get("bias", F.number, 0))


def _softmax(x: Any, get: Callable[..., Any]) -> Worked:
    return activation.softmax(x, axis=get("axis", _axis, -1))


def _axis(value: Any) -> int:
    """An axis index, negative ones counting from the end (``-1``: the last)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise NnstepsError(f"expected an integer axis such as -1, got {value!r}")
    return value


def _flatten(x: Any, get: Callable[..., Any]) -> Worked:
    from nnsteps.arrays import as_array
    from nnsteps.ops._common import prior_steps

    arr = as_array(x, name="input")
    flat = arr.reshape(-1)
    shape = " \\times ".join(map(str, arr.shape))
    return Worked("flatten", value=flat, steps=[*prior_steps(x), Step(
        "Flatten (channels first, then rows, as torch.flatten)", formula=rf"{shape} = {flat.size}", result=flat)])


STAGES: dict[str, tuple[Callable[[Any, Callable[..., Any]], Worked], dict[str, str]]] = {
    "conv2d": (_conv, CONV_FIELDS),
    "conv_transpose2d": (_convt, CONVT_FIELDS),
    "max_pool2d": (_max_pool, MAX_POOL_FIELDS),
    "avg_pool2d": (_avg_pool, AVG_POOL_FIELDS),
    "relu": (lambda x, get: activation.relu(x), {"input": "the input"}),
    "sigmoid": (lambda x, get: activation.sigmoid(x), {"input": "the input"}),
    "tanh": (lambda x, get: activation.tanh(x), {"input": "the input"}),
    "softmax": (_softmax, {"input": "the input", "axis": "the axis (default -1)"}),
    "linear": (_linear, DENSE_FIELDS),
    "logistic": (_logistic, DENSE_FIELDS),
    "flatten": (_flatten, {"input": "the input"}),
}


def _register_stage(name: str) -> None:
    run, fields = STAGES[name]

    @register(name, fields=fields, required=("input",))
    def solve(p: Problem) -> Worked:
        x = p.get("input", F.array("input"))
        return run(x, p.get)


for _name in STAGES:
    if _name != "flatten":
        _register_stage(_name)


@register("pipeline", fields={"input": "the input", "steps": "the stages, in order",
                              "detail": "cells of the final output to expand (the last stage's detail)"},
          required=("input", "steps"))
def solve_pipeline(p: Problem) -> Worked:
    """Stages in order, each fed the previous one's output; the work of each stage is kept.

    >>> w = solve_pipeline(Problem({"id": "p", "kind": "pipeline", "input": "1 -2; 3 4",
    ...                             "steps": ["relu", {"avg_pool2d": {"kernel_size": 2}}]}))
    >>> w.answer.tolist(), [s.title for s in w.steps]
    ([[2]], ['Stage 1: relu', 'Stage 2: avg_pool2d'])
    """
    x: Any = p.get("input", F.array("input"))
    stages = p.raw["steps"]
    if not isinstance(stages, list) or not stages:
        raise NnstepsError("expected a non-empty list of stages such as [conv2d: {kernel: ...}, relu]",
                           problem=p.id, field="steps")
    if len(stages) > limits.MAX_PIPELINE_STAGES:
        raise NnstepsError(f"expected at most {limits.MAX_PIPELINE_STAGES} stages, got {len(stages)}",
                           problem=p.id, field="steps")
    steps: list[Step[Any]] = []
    outputs: list[Any] = []
    for index, stage in enumerate(stages):
        where = f"steps[{index}]"
        name, options = _stage_parts(stage, p.id, where)
        run, allowed = STAGES[name]
        if index == len(stages) - 1 and p.has("detail") and "detail" in allowed and "detail" not in options:
            options = {**options, "detail": p.raw["detail"]}  # cells of the pipeline's answer
        for key in options:
            if key not in allowed or key == "input":
                raise NnstepsError(
                    f"unknown option '{key}' for stage {name}", problem=p.id, field=f"{where}.{key}",
                    hint=did_you_mean(str(key), [k for k in allowed if k != "input"]),
                )
        stage_problem = Problem({"id": p.id, **options})

        def get(field: str, parse: Callable[..., Any], default: Any = ..., _sp: Problem = stage_problem,
                _where: str = where) -> Any:
            try:
                return _sp.get(field, parse, default)
            except NnstepsError as err:
                err.field = f"{_where}.{field}"
                raise

        try:
            worked = run(x, get)
        except NnstepsError as err:
            raise err.located(problem=p.id, field=where) from None
        outputs.append(worked.value)
        steps.append(Step(f"Stage {index + 1}: {name}", steps=worked.steps))
        x = worked.value
    return Worked("pipeline", value=x, steps=steps, answer=_answer(x), meta={"stages": outputs})


def _answer(x: Any) -> Any:
    return x


def _stage_parts(stage: Any, pid: str, where: str) -> tuple[str, dict[str, Any]]:
    options: dict[str, Any]
    if isinstance(stage, str):
        name, options = stage.strip(), {}
    elif isinstance(stage, dict) and len(stage) == 1:
        name, options = next(iter(stage.items()))
        options = options or {}
        if not isinstance(options, dict):
            raise NnstepsError(f"expected the options of {name} as a mapping, got {options!r}", problem=pid, field=where)
    else:
        raise NnstepsError(f"expected a stage name or {{name: {{options}}}}, got {stage!r}", problem=pid, field=where)
    if name not in STAGES:
        raise NnstepsError(f"unknown stage '{name}'; known: {', '.join(STAGES)}", problem=pid, field=where,
                           hint=did_you_mean(str(name), STAGES))
    return str(name), options
