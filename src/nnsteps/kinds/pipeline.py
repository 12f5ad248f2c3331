"""The ``pipeline`` kind: grid kinds as stages in order (conv → ReLU → pooling …), each fed the
previous stage's output. A stage reads the same fields as a problem of its kind (from that kind's
record), so the two accept exactly the same options. Answers check stage by stage with follow-on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np  # noqa: F401  (the doctests draw with it)

from nnsteps import limits
from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.generation import generator
from nnsteps.generation.common import ints, one
from nnsteps.kinds._grid import Rng
from nnsteps.kinds._pipeline_learn import LEARN_FIELDS, learn, wants_backward
from nnsteps.names import Loss, Op
from nnsteps.problems import fields as F
from nnsteps.problems.registry import Field, FieldType, Problem, Stage, find_kind, load_kinds, register
from nnsteps.work import Step, Worked

KIND = "pipeline"
FLATTEN = "flatten"


def _flatten(x: Any, get: Callable[..., Any]) -> Worked:
    from nnsteps.arrays import as_array
    from nnsteps.ops._common import prior_steps

    arr = as_array(x, name="input")
    flat = arr.reshape(-1)
    shape = " \\times ".join(map(str, arr.shape))
    return Worked(FLATTEN, value=flat, steps=[*prior_steps(x), Step(
        "Flatten (channels first, then rows, as torch.flatten)", formula=rf"{shape} = {flat.size}", result=flat)])


_FLATTEN_FIELDS = {"input": "the input"}


def stages() -> dict[str, tuple[Stage, dict[str, str]]]:
    """Every stage a pipeline may use, in order: the grid kinds' records, then ``flatten``.

    >>> list(stages())[:2], list(stages())[-1]
    (['conv2d', 'conv_transpose2d'], 'flatten')
    """
    kinds = sorted((k for k in load_kinds().values() if k.stage is not None), key=lambda k: k.stage_order)
    out: dict[str, tuple[Stage, dict[str, str]]] = {k.name: (k.stage, k.fields) for k in kinds if k.stage}
    out[FLATTEN] = (_flatten, _FLATTEN_FIELDS)
    return out


def stage_named(name: Any) -> tuple[Stage, dict[str, str]] | None:
    """``stages()[name]`` (None if there is none), importing only the kind module of that stage.

    >>> stage_named("relu")[1]["input"], stage_named("flatten")[0] is _flatten, stage_named("pipeline")
    ('the input', True, None)
    """
    if name == FLATTEN:
        return _flatten, _FLATTEN_FIELDS
    kind = find_kind(name) if isinstance(name, str) else None
    return (kind.stage, kind.fields) if kind is not None and kind.stage is not None else None


def _stages_key(raw: dict[str, Any]) -> list[Any]:
    from nnsteps.grading.followon import pipeline_stages

    return pipeline_stages(raw)


def _follow_on(raw: dict[str, Any], given: Any, result: Any, tol: Any) -> None:
    from nnsteps.grading.followon import pipeline_follow_on

    if isinstance(given, dict):
        pipeline_follow_on(raw, given.get("stages"), result, tol)


def _mistakes(raw: dict[str, Any]) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M
    from nnsteps.grading.mistakes import stage_candidates

    out = stage_candidates(raw)
    if raw.get("target") is not None and raw.get(Op.LOSS.value, Loss.CROSS_ENTROPY.value) in (
            Loss.CROSS_ENTROPY, Loss.BCE_WITH_LOGITS):
        out.append(("the sign of p − y (y − p)", M.convention(needs=(), p_minus_y=False)))
    return out


def _statement(p: Any) -> Any:
    """A pipeline's question: the input, then each stage in order with its own givens (its kind's statement),
    the learning setup; the first stage's input gradient is the input's gradient, asked once."""
    from nnsteps.kinds._backprop import learn_statement
    from nnsteps.render.statement import Given, Statement, matrix, value

    givens = [Given("Input", "X = " + matrix(value(p, "input"), "input"))]
    for i, stage in enumerate(value(p, "steps", []), 1):
        name, options = (stage, {}) if isinstance(stage, str) else next(iter(stage.items()))
        record = find_kind(str(name))
        inner = record.statement(Problem({"id": p.id, **(options or {})})) if record and record.statement else None
        title = f"Stage {i} ({name})"
        if inner is None:
            givens.append(Given(title))
            continue
        intro = inner.intro.replace("$X$", "its input").replace("$Y$", "its output")
        givens.append(Given(f"{title}: {intro[:1].lower()}{intro[1:]}"))
        givens += [Given(f"{g.label}", g.latex, g.code) for g in inner.givens]
    more, asks = learn_statement(p, None)
    return Statement("Pass $X$ through the stages below in order, each fed the previous stage's output.",
                     givens + more, ["the final output $Y$", *asks],
                     skip=(("grads", "stages", 0, "input"),))


@register(KIND, statement=_statement, summary="grid kinds as stages in order, each fed the previous one's output", fields=(
    Field("input", FieldType.ARRAY, "the input", required=True, example="1 -2; 3 4"),
    Field("steps", FieldType.LIST, "the stages, in order: a name or {name: {options}}", required=True,
          example=[Op.RELU.value, {Op.AVG_POOL2D.value: {"kernel_size": 2}}]),
    Field("detail", FieldType.CELLS, "cells of the final output to expand (the last stage's detail)", default="auto"),
    *LEARN_FIELDS,
), answer=("output", Op.LOSS.value, "grads", "updated"), example={"input": "1 -2; 3 4", "steps": [Op.RELU.value, {Op.AVG_POOL2D.value: {"kernel_size": 2}}]},
    mistakes=_mistakes, follow_on=_follow_on, stages=_stages_key, form={"group": "grid"})
def solve_pipeline(p: Problem) -> Worked:
    """Stages in order, each fed the previous one's output; the work of each stage is kept.

    >>> w = solve_pipeline(Problem({"id": "p", "kind": "pipeline", "input": "1 -2; 3 4",
    ...                             "steps": ["relu", {"avg_pool2d": {"kernel_size": 2}}]}))
    >>> w.answer.tolist(), [s.title for s in w.steps]
    ([[2]], ['Stage 1: relu', 'Stage 2: avg_pool2d'])
    """
    x: Any = p.get("input", F.array("input"))
    raw_stages = p.raw["steps"]
    if not isinstance(raw_stages, list) or not raw_stages:
        raise NnstepsError("expected a non-empty list of stages such as [conv2d: {kernel: ...}, relu]",
                           problem=p.id, field="steps")
    if len(raw_stages) > limits.MAX_PIPELINE_STAGES:
        raise NnstepsError(f"expected at most {limits.MAX_PIPELINE_STAGES} stages, got {len(raw_stages)}",
                           problem=p.id, field="steps")
    steps: list[Step[Any]] = []
    outputs: list[Any] = []
    inputs: list[Any] = []
    runs: list[tuple[str, Any, Any]] = []
    for index, stage in enumerate(raw_stages):
        where = f"steps[{index}]"
        name, options, (run, allowed) = _stage_parts(stage, p.id, where)
        if index == len(raw_stages) - 1 and p.has("detail") and "detail" in allowed and "detail" not in options:
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
        inputs.append(x.value if isinstance(x, Worked) else x)
        runs.append((name, run, get))
        outputs.append(worked.value)
        steps.append(Step(f"Stage {index + 1}: {name}", steps=worked.steps))
        x = worked.value
    if wants_backward(p):
        return learn(p, x, inputs, runs, steps)  # a loss, backward through every stage, an update
    return Worked(KIND, value=x, steps=steps, answer=x, meta={"stages": outputs})


def _stage_parts(stage: Any, pid: str, where: str) -> tuple[str, dict[str, Any], tuple[Stage, dict[str, str]]]:
    """A stage's name, options and record (its kind's module alone is imported, unless the name is unknown)."""
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
    found = stage_named(name)
    if found is None:
        known = stages()
        raise NnstepsError(f"unknown stage '{name}'; known: {', '.join(known)}", problem=pid, field=where,
                           hint=did_you_mean(str(name), known))
    return str(name), options, found


@generator(KIND, ("pool", "learn"))
def pipeline(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """conv2d (2×2 kernel) -> ReLU -> 2×2 pooling with stride 2, as the reference's Question 5; with
    ``learn``, the small CNN of :mod:`nnsteps.kinds._pipeline_learn` (… → flatten → linear → cross-entropy).

    >>> [list(s)[0] if isinstance(s, dict) else s for s in pipeline(np.random.default_rng(0), {})["steps"]]
    ['conv2d', 'relu', 'avg_pool2d']
    """
    if options.get("learn"):
        from nnsteps.kinds._pipeline_learn import small_cnn

        return small_cnn(rng, KIND)
    h, w = int(rng.integers(3, 6)), int(rng.integers(3, 6))
    pools = (Op.MAX_POOL2D.value, Op.AVG_POOL2D.value)
    pool = options.get("pool") or one(rng, list(pools))
    if pool not in pools:
        raise NnstepsError(f"expected {' or '.join(pools)}, got {pool!r}", field="--pool")
    return {
        "kind": KIND,
        "input": ints(rng, (h, w), -2, 6),
        "steps": [{Op.CONV2D.value: {"kernel": ints(rng, (2, 2), -1, 2)}}, Op.RELU.value,
                  {pool: {"kernel_size": 2, "stride": 2}}],
    }
