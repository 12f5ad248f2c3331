"""The ``pipeline`` kind: grid kinds as stages in order (conv → ReLU → pooling …), each fed the
previous stage's output. A stage reads the same fields as a problem of its kind (from that kind's
record), so the two accept exactly the same options. Answers check stage by stage with follow-on.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np  # noqa: F401  (the doctests draw with it)

from nnsteps import limits
from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.generation import generator
from nnsteps.generation.common import ints, one
from nnsteps.kinds._grid import Rng
from nnsteps.kinds._pipeline_learn import LEARN_FIELDS, learn, wants_backward
from nnsteps.names import Loss, Op
from nnsteps.problems.params import Field, FieldType, Params, as_given, parse_params
from nnsteps.problems.registry import Problem, Stage, find_kind, register
from nnsteps.work import Step, Worked

KIND = "pipeline"
FLATTEN = "flatten"


def _flatten(x: Any, p: Params) -> Worked:
    from nnsteps.arrays import as_array
    from nnsteps.ops._common import prior_steps

    arr = as_array(x, name="input")
    flat = arr.reshape(-1)
    shape = " \\times ".join(map(str, arr.shape))
    return Worked(FLATTEN, value=flat, steps=[*prior_steps(x), Step(
        "Flatten (channels first, then rows, as torch.flatten)", formula=rf"{shape} = {flat.size}", result=flat)])


class StageRecord(NamedTuple):
    """What a pipeline reads of a stage's kind: its run, its fields by name, and the field its input fills
    (``input``; an embedding's ``indices``): a stage entry is parsed with the other fields."""

    run: Stage
    fields: dict[str, str]
    specs: tuple[Field, ...]
    input: str = "input"

    def options(self) -> tuple[Field, ...]:
        return tuple(f for f in self.specs if f.name != self.input)


_FLATTEN = StageRecord(_flatten, {"input": "the input"}, (Field("input", FieldType.ARRAY, "the input"),))


def stages() -> dict[str, StageRecord]:
    """Every stage a pipeline may use, in order: the grid kinds' records, then ``flatten``.

    >>> list(stages())[:2], list(stages())[-1]
    (['conv2d', 'conv_transpose2d'], 'flatten')
    """
    from nnsteps.kinds import STAGES

    found = (find_kind(name) for name in STAGES)  # only the modules of stage kinds are imported
    kinds = sorted((k for k in found if k is not None and k.stage is not None), key=lambda k: k.stage_order)
    out = {k.name: StageRecord(k.stage, k.fields, k.specs, k.stage_input) for k in kinds if k.stage}
    out[FLATTEN] = _FLATTEN
    return out


def stage_named(name: Any) -> StageRecord | None:
    """``stages()[name]`` (None if there is none), importing only the kind module of that stage.

    >>> stage_named("relu").fields["input"], stage_named("flatten").run is _flatten, stage_named("pipeline")
    ('the input', True, None)
    """
    if name == FLATTEN:
        return _FLATTEN
    kind = find_kind(name) if isinstance(name, str) else None
    if kind is None or kind.stage is None:
        return None
    return StageRecord(kind.stage, kind.fields, kind.specs, kind.stage_input)


def stage_outputs(worked: Worked) -> list[Any]:
    """The output of every stage, as the solver recorded them (the key of an answer given stage by stage).

    >>> w = solve_pipeline(find_kind("pipeline").parse({"id": "p", "kind": "pipeline", "input": "1 -2; 3 4",
    ...                                                    "steps": ["relu", {"avg_pool2d": {"kernel_size": 2}}]}))
    >>> [o.tolist() for o in stage_outputs(w)]
    [[[1, 0], [3, 4]], [[2]]]
    """
    return list(worked.meta["stages"])


def follow_on(p: Params, given: Any, result: Any, tol: Any) -> None:
    """Follow-on marking: stage k is ``follow-on`` where it equals stage k's op applied to the student's stage k-1.

    >>> from nnsteps.grading.compare import Tolerance, compare
    >>> raw = {"id": "p", "kind": "pipeline", "input": "1 -2; 3 4", "steps": ["relu", {"avg_pool2d": {"kernel_size": 2}}]}
    >>> given = [[[1, 0], [3, 5]], [[2.25]]]  # stage 1 wrong (5 for 4); stage 2 right for that stage 1
    >>> result = compare({"stages": [[[1, 0], [3, 4]], [[2]]]}, {"stages": given}, Tolerance())
    >>> follow_on(find_kind("pipeline").parse(raw), {"stages": given}, result, Tolerance())
    >>> [(c.path, c.verdict) for c in result.cells][-2:]
    [(('stages', 0, 1, 1), 'wrong'), (('stages', 1, 0, 0), 'follow-on')]
    """
    from nnsteps.grading.followon import staged
    from nnsteps.problems.solve import solve_problem

    steps = p.steps or []

    def redo(k: int, previous: Any) -> Any:  # stage k alone, fed the student's stage k-1
        one_stage = {"id": p.id, "kind": KIND, "input": previous, "steps": [steps[k]]}
        return solve_problem(one_stage).worked.answer

    if isinstance(given, dict) and isinstance(steps, list):
        staged(result, given.get("stages"), len(steps), redo, tol)


def _mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M
    from nnsteps.grading.mistakes import stage_candidates

    out = stage_candidates(p)
    if p.target is not None and (p.loss or Loss.CROSS_ENTROPY.value) in (Loss.CROSS_ENTROPY, Loss.BCE_WITH_LOGITS):
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
    Field("detail", FieldType.CELLS, "cells of the final output to expand (the last stage's detail)", default="auto",
          parse=as_given),
    *LEARN_FIELDS,
), answer=("output", Op.LOSS.value, "grads", "updated"), example={"input": "1 -2; 3 4", "steps": [Op.RELU.value, {Op.AVG_POOL2D.value: {"kernel_size": 2}}]},
    mistakes=_mistakes, follow_on=follow_on, stages=stage_outputs, form={"group": "grid"})
def solve_pipeline(p: Params) -> Worked:
    """Stages in order, each fed the previous one's output; the work of each stage is kept.

    >>> w = solve_pipeline(find_kind("pipeline").parse({"id": "p", "kind": "pipeline", "input": "1 -2; 3 4",
    ...                                                    "steps": ["relu", {"avg_pool2d": {"kernel_size": 2}}]}))
    >>> w.answer.tolist(), [s.title for s in w.steps]
    ([[2]], ['Stage 1: relu', 'Stage 2: avg_pool2d'])
    """
    x: Any = p.input
    raw_stages = p.steps
    if not isinstance(raw_stages, list) or not raw_stages:
        raise NnstepsError("expected a non-empty list of stages such as [conv2d: {kernel: ...}, relu]",
                           problem=p.id, field="steps")
    if len(raw_stages) > limits.MAX_PIPELINE_STAGES:
        raise NnstepsError(f"expected at most {limits.MAX_PIPELINE_STAGES} stages, got {len(raw_stages)}",
                           problem=p.id, field="steps")
    steps: list[Step[Any]] = []
    outputs: list[Any] = []
    inputs: list[Any] = []
    runs: list[tuple[str, Stage, Params]] = []
    for index, stage in enumerate(raw_stages):
        where = f"steps[{index}]"
        name, options, record = _stage_parts(stage, p.id, where)
        allowed = record.fields
        if index == len(raw_stages) - 1 and p.has("detail") and "detail" in allowed and "detail" not in options:
            options = {**options, "detail": p.detail}  # cells of the pipeline's answer
        for key in options:
            if key not in allowed or key == "input":
                raise NnstepsError(
                    f"unknown option '{key}' for stage {name}", problem=p.id, field=f"{where}.{key}",
                    hint=did_you_mean(str(key), [k for k in allowed if k != "input"]),
                )
        if record.input in options:
            raise NnstepsError(f"a stage's {record.input} are its input (the pipeline's input, or the stage before)",
                               problem=p.id, field=f"{where}.{record.input}")
        try:
            params = parse_params(record.options(), options, p.id)
            worked = record.run(x, params)
        except NnstepsError as err:
            raise err.located(problem=p.id, field=where) from None
        inputs.append(x.value if isinstance(x, Worked) else x)
        runs.append((name, record.run, params))
        outputs.append(worked.value)
        steps.append(Step(f"Stage {index + 1}: {name}", steps=worked.steps))
        x = worked.value
    if wants_backward(p):
        learned = learn(p, x, inputs, runs, steps)  # a loss, backward through every stage, an update
        learned.meta["stages"] = outputs
        return learned
    return Worked(KIND, value=x, steps=steps, answer=x, meta={"stages": outputs})


def _stage_parts(stage: Any, pid: str, where: str) -> tuple[str, dict[str, Any], StageRecord]:
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
