"""Follow-on marking: a later stage that is right *given the student's own earlier answer* earns
credit, marked ``follow-on`` rather than wrong.

* pipelines answered stage by stage (``{stages: [conv, relu, pool]}``): stage k is re-solved
  from the student's stage k-1 with the pipeline's own solver;
* RNNs: ``y`` from the student's ``h``, the loss from the student's ``y``, and the updated weights
  from the student's gradients; MLPs: the updated weights from the student's gradients.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.grading.compare import Comparison, compare, plain
from nnsteps.grading.tolerance import Tolerance
from nnsteps.names import Op
from nnsteps.numbers import normalize, parse_number

Raw = dict[str, Any]


def pipeline_stages(raw: Raw) -> list[Any]:
    """The key of every stage of a pipeline, by solving each prefix of its steps.

    >>> raw = {"id": "p", "kind": "pipeline", "input": "1 -2; 3 4", "steps": ["relu", {"avg_pool2d": {"kernel_size": 2}}]}
    >>> pipeline_stages(raw)
    [[[1, 0], [3, 4]], [[2]]]
    """
    from nnsteps.grading.mistakes import without_detail
    from nnsteps.problems.solve import solve_problem

    stages = raw.get("steps") or []
    return [
        plain(solve_problem(without_detail({**raw, "steps": stages[: k + 1]})).worked.answer)
        for k in range(len(stages))
    ]


def pipeline_follow_on(raw: Raw, given_stages: Any, result: Comparison, tol: Tolerance) -> None:
    """Mark stage k ``follow-on`` where it equals stage k's op applied to the student's stage k-1.

    >>> raw = {"id": "p", "kind": "pipeline", "input": "1 -2; 3 4", "steps": ["relu", {"avg_pool2d": {"kernel_size": 2}}]}
    >>> given = [[[1, 0], [3, 5]], [[2.25]]]  # stage 1 wrong (5 for 4); stage 2 right for that stage 1
    >>> result = compare({"stages": pipeline_stages(raw)}, {"stages": given}, Tolerance())
    >>> pipeline_follow_on(raw, given, result, Tolerance())
    >>> [(c.path, c.verdict) for c in result.cells][-2:]
    [(('stages', 0, 1, 1), 'wrong'), (('stages', 1, 0, 0), 'follow-on')]
    """
    from nnsteps.problems.solve import solve_problem

    if not isinstance(given_stages, list):
        return
    steps = raw.get("steps") or []
    for k in range(1, min(len(steps), len(given_stages))):
        cells = [c for c in result.cells if c.path[:2] == ("stages", k)]
        if not cells or all(c.credit for c in cells):
            continue
        previous = [c for c in result.cells if c.path[:2] == ("stages", k - 1)]
        if all(c.correct for c in previous) or given_stages[k - 1] is None:
            continue
        try:
            redo = solve_problem({"id": raw.get("id", "stage"), "kind": raw.get("kind"), "input": given_stages[k - 1],
                                  "steps": [steps[k]]}).worked.answer
        except NnstepsError:
            continue
        if compare(redo, given_stages[k], tol).all_credit:
            for c in cells:
                if not c.credit:
                    c.verdict = "follow-on"
                    c.note = f"consistent with your stage {k}"


def rnn_follow_on(raw: Raw, given: Any, result: Comparison, tol: Tolerance) -> None:
    """``y`` from the student's ``h`` (scalar or matrix weights, output at the last step), the loss
    from the student's ``y``, the updated weights from the student's gradients.

    >>> raw = {"id": "r", "kind": "rnn", "x": [1, 2], "weights": {"w_in": 1, "w_hh": 1, "w_hy": 2}, "target": 1}
    >>> given = {"h": [1, 4], "y": 8}  # h_2 wrong (4 for 3); y = w_hy h_2 right for that h_2
    >>> result = compare({"h": [1, 3], "y": 6}, given, Tolerance())
    >>> rnn_follow_on(raw, given, result, Tolerance())
    >>> [(c.path, c.verdict, c.note) for c in result.cells][1:]
    [(('h', 1), 'wrong', None), (('y',), 'follow-on', 'consistent with your h')]
    """
    if not isinstance(given, dict):
        return
    weights = raw.get("weights") or {}
    wrong = {c.path[0] for c in result.cells if not c.credit}
    if "y" in wrong and given.get("h") is not None and str(raw.get("output", "last")) == "last":
        y = _rnn_output(weights, given["h"])
        if y is not None:
            _mark(result, ("y",), y, given.get("y"), tol, "consistent with your h")
    if Op.LOSS.value in wrong and given.get("y") is not None and raw.get("target") is not None:
        loss = _loss(str(raw.get(Op.LOSS.value, "half_squared_error")), given["y"], raw["target"])
        if loss is not None:
            _mark(result, (Op.LOSS.value,), loss, given.get(Op.LOSS.value), tol, "consistent with your y")
    if "updated" in wrong:
        _updated(raw, weights, given, result, tol)


def mlp_follow_on(raw: Raw, given: Any, result: Comparison, tol: Tolerance) -> None:
    """Updated weights and biases from the student's own gradients.

    >>> raw = {"id": "m", "kind": "mlp", "learning_rate": 0.5, "layers": [{"weights": [[1, 2]], "bias": [0]}]}
    >>> key = {"grads": {"layers": [{"weights": [[1, 1]]}]}, "updated": {"layers": [{"weights": [[0.5, 1.5]]}]}}
    >>> given = {"grads": {"layers": [{"weights": [[2, 2]]}]}, "updated": {"layers": [{"weights": [[0, 1]]}]}}
    >>> result = compare(key, given, Tolerance())
    >>> mlp_follow_on(raw, given, result, Tolerance())
    >>> [c.verdict for c in result.cells]
    ['wrong', 'wrong', 'follow-on', 'follow-on']
    """
    if not isinstance(given, dict) or raw.get("learning_rate") is None:
        return
    grads = (given.get("grads") or {}).get("layers") if isinstance(given.get("grads"), dict) else None
    updated = (given.get("updated") or {}).get("layers") if isinstance(given.get("updated"), dict) else None
    layers = raw.get("layers")
    if not isinstance(grads, list) or not isinstance(updated, list) or not isinstance(layers, list):
        return
    try:
        lr = parse_number(raw["learning_rate"])
    except NnstepsError:
        return
    from nnsteps.arrays import as_array

    for i, (layer, g, u) in enumerate(zip(layers, grads, updated)):
        if not isinstance(layer, dict) or not isinstance(g, dict) or not isinstance(u, dict):
            continue
        for name in ("weights", "bias"):
            if layer.get(name) is None or g.get(name) is None or u.get(name) is None:
                continue
            try:
                new = as_array(layer[name], name=name) - lr * as_array(g[name], name=name)
            except (NnstepsError, ValueError, TypeError):
                continue
            _mark(result, ("updated", "layers", i, name), new, u[name], tol, "consistent with your gradients")


def _updated(raw: Raw, weights: dict[str, Any], given: dict[str, Any], result: Comparison, tol: Tolerance) -> None:
    grads, updated = given.get("grads"), given.get("updated")
    if not isinstance(grads, dict) or not isinstance(updated, dict) or raw.get("learning_rate") is None:
        return
    from nnsteps.arrays import as_array

    try:
        lr = parse_number(raw["learning_rate"])
    except NnstepsError:
        return
    for name, value in updated.items():
        if name not in grads or name not in weights:
            continue
        try:
            new = as_array(weights[name], name=name) - lr * as_array(grads[name], name=name)
        except (NnstepsError, ValueError, TypeError):
            continue
        _mark(result, ("updated", name), new, value, tol, "consistent with your gradients")


def _mark(result: Comparison, prefix: tuple[Any, ...], consistent: Any, given: Any, tol: Tolerance, note: str) -> None:
    if given is None or not compare(consistent, given, tol).all_credit:
        return
    for c in result.cells:
        if c.path[: len(prefix)] == prefix and not c.credit:
            c.verdict = "follow-on"
            c.note = note


def _rnn_output(weights: dict[str, Any], h: Any) -> Any:
    from nnsteps.arrays import as_array

    try:
        hs = as_array(h, name="h")
        last = hs[-1] if hs.ndim >= 1 else hs
        if "w_hy" in weights:
            y = parse_number(weights["w_hy"]) * last
        elif "W_hy" in weights:
            import numpy as np

            w = as_array(weights["W_hy"], name="W_hy")
            y = np.dot(w, last)
        else:
            return None
        if weights.get("b_y") is not None:
            y = y + as_array(weights["b_y"], name="b_y")
        return plain(y)
    except (NnstepsError, ValueError, TypeError, IndexError):
        return None


def _loss(kind: str, y: Any, target: Any) -> Any:
    from nnsteps.arrays import as_array

    try:
        ys = as_array(y, name="y").reshape(-1)
        ts = as_array(target, name="target").reshape(-1)
        if ys.shape != ts.shape:
            return None
        total = sum(((a - b) ** 2 for a, b in zip(ys, ts)), Fraction(0))
    except (NnstepsError, ValueError, TypeError):
        return None
    if kind == "half_squared_error":
        return normalize(total / 2) if not isinstance(total, float) else total / 2
    if kind == "squared_error":
        return normalize(total) if not isinstance(total, float) else total
    return None
