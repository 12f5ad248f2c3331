"""Likely mistakes, named: re-solve the problem under a known wrong convention and see whether the
student's answer is what that convention gives.

Each mistake is a change to a copy of the problem dict (flip toggled, padding dropped, ...), so
the wrong answer comes from the same solver as the key; nothing here re-derives a formula. A
mistake is offered only where the problem's kind has the field it changes.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.grading.compare import Cell, Tolerance, compare
from nnsteps.numbers import parse_number

Raw = dict[str, Any]
Mutation = Callable[[Raw], "Raw | None"]


def likely_mistake(raw: Raw, key: Any, given: Any, tol: Tolerance,
                   wrong_answers: list[tuple[str, Any]] | None = None) -> str | None:
    """The first known wrong convention whose answer equals the student's, or None.

    ``wrong_answers`` (from :func:`mistaken_answers`) saves re-solving when grading many students.

    >>> raw = {"id": "q", "kind": "conv2d", "input": "1 2 0; 3 4 1; 0 1 2", "kernel": "1 0; 0 2"}
    >>> key = [[9, 4], [5, 8]]
    >>> likely_mistake(raw, key, [[6, 5], [7, 10]], Tolerance())
    'kernel flipped: true convolution instead of cross-correlation (PyTorch does not flip)'
    """
    for name, wrong in wrong_answers if wrong_answers is not None else mistaken_answers(raw, key, tol):
        try:
            if compare(wrong, given, tol).all_credit:
                return name
        except NnstepsError:
            continue  # the wrong convention answers other fields (a dropped bias has no gradient): not this one
    return None


def mistaken_answers(raw: Raw, key: Any, tol: Tolerance | None = None) -> list[tuple[str, Any]]:
    """(name, answer) for every wrong convention that applies and changes the answer.

    >>> raw = {"id": "q", "kind": "max_pool2d", "input": "1 2; 3 4", "kernel_size": 2}
    >>> [name for name, _ in mistaken_answers(raw, [[4]])]
    ['wrong pooling window (one smaller)', 'averaged instead of taking the max']
    """
    from nnsteps.problems.solve import solve_problem

    tol = tol or Tolerance()
    out = []
    for name, changed in candidates(raw):
        try:
            wrong = solve_problem(without_detail(changed)).worked.answer
        except (NnstepsError, ValueError, ZeroDivisionError, OverflowError):
            continue
        if compare(key, wrong, tol, complete=True).all_credit:
            continue  # this convention gives the right answer here: it explains nothing
        out.append((name, wrong))
    return out


def without_detail(raw: Raw) -> Raw:
    """A copy that skips the term-by-term expansion where the kind allows it (faster).

    >>> without_detail({"kind": "conv2d", "input": "1 2; 3 4", "kernel": "1"})["detail"]
    'none'
    >>> without_detail({"kind": "conv2d", "input": "1 2; 3 4", "kernel": "1", "detail": "all"})["detail"]
    'all'
    """
    from nnsteps.problems.registry import load_kinds

    KINDS = load_kinds()

    kind = KINDS.get(str(raw.get("kind")))
    if kind is not None and "detail" in kind.fields and "detail" not in raw:
        return {**raw, "detail": "none"}
    return raw


def candidates(raw: Raw) -> Iterator[tuple[str, Raw]]:
    """Every wrong convention that applies to this problem, as (name, changed copy).

    >>> raw = {"id": "q", "kind": "conv2d", "input": "1 2; 3 4", "kernel": "1 2; 0 3", "padding": 1}
    >>> [name for name, _ in candidates(raw)]
    ['kernel flipped: ...', 'padding forgotten (P = 0)', 'padding doubled', 'kernel transposed']
    """
    from nnsteps.problems.registry import load_kinds

    kind = load_kinds().get(str(raw.get("kind")))
    for name, mutate in kind.likely_mistakes(raw) if kind else []:
        changed = mutate(copy.deepcopy(raw))
        if changed is not None and _allowed(changed):
            yield _flip_name(raw) if name == "kernel flip" else name, changed


def _flip_name(raw: Raw) -> str:
    return UNFLIP if raw.get("flip") else FLIP


def _allowed(raw: Raw) -> bool:
    from nnsteps.problems.registry import COMMON_FIELDS, load_kinds

    KINDS = load_kinds()

    kind = KINDS.get(str(raw.get("kind")))
    return kind is not None and all(k in kind.fields or k in COMMON_FIELDS for k in raw)


def stage_candidates(raw: Raw) -> list[tuple[str, Mutation]]:
    """A pipeline's likely mistakes: each stage's own, applied to that stage (as mutations of the pipeline).

    >>> raw = {"kind": "pipeline", "input": "1 2; 3 4", "steps": ["relu", {"max_pool2d": {"kernel_size": 2}}]}
    >>> [name for name, _ in stage_candidates(raw)][:2]
    ['stage 2 (max_pool2d): floor and ceil mixed up (ceil_mode toggled)', 'stage 2 (max_pool2d): stride ignored (S = 1, overlapping windows)']
    """
    def fixed(changed: Raw) -> Mutation:
        return lambda _raw: changed

    return [(name, fixed(changed)) for name, changed in _stage_candidates(raw)]


def _stage_candidates(raw: Raw) -> Iterator[tuple[str, Raw]]:
    from nnsteps.problems.registry import load_kinds

    kinds = load_kinds()
    stages = raw.get("steps")
    if not isinstance(stages, list):
        return
    for i, stage in enumerate(stages):
        if isinstance(stage, dict) and len(stage) == 1:
            (name, opts), = stage.items()
            opts = dict(opts or {})
        elif isinstance(stage, str):
            name, opts = stage, {}
        else:
            continue
        stage_kind = kinds.get(str(name))
        stage_raw = {"kind": name, **opts}
        for label, mutate in stage_kind.likely_mistakes(stage_raw) if stage_kind else []:
            changed = mutate(copy.deepcopy(stage_raw))
            if changed is None:
                continue
            new_name = changed.pop("kind")
            new_stages = list(stages)
            new_stages[i] = {new_name: changed} if changed or new_name != name else new_name
            label = _flip_name({"flip": opts.get("flip")}) if label == "kernel flip" else label
            yield f"stage {i + 1} ({name}): {label}", {**raw, "steps": new_stages}


# --- the mutations -------------------------------------------------------------------------


def _scale_int(value: Any, factor: int) -> Any:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value * factor
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        return [v * factor for v in value]
    return None


def _nonzero(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, (int, list)) and not isinstance(value, bool):
        return value != 0 and value != [0, 0]
    return isinstance(value, str) and value.strip().lower() == "same"


def flip(raw: Raw) -> Raw:
    """Toggle ``flip``: true convolution for cross-correlation, or back.

    >>> flip({"kernel": "1 0; 0 2"})["flip"], flip({"kernel": "1 0; 0 2", "flip": True})["flip"]
    (True, False)
    """
    raw["flip"] = not bool(raw.get("flip", False))
    return raw


def padding_forgotten(raw: Raw) -> Raw | None:
    """Padding set to 0; None when there is none to forget.

    >>> padding_forgotten({"padding": "same"})["padding"], padding_forgotten({"padding": 0})
    (0, None)
    """
    if not _nonzero(raw.get("padding")):
        return None
    raw["padding"] = 0
    return raw


def padding_doubled(raw: Raw) -> Raw | None:
    """Integer padding doubled (P -> 2P); None without a nonzero integer padding.

    >>> padding_doubled({"padding": [1, 2]})["padding"], padding_doubled({"padding": "same"})
    ([2, 4], None)
    """
    doubled = _scale_int(raw.get("padding"), 2)
    if not doubled or doubled == [0, 0]:
        return None
    raw["padding"] = doubled
    return raw


def stride_ignored(raw: Raw) -> Raw | None:
    """Stride set to 1 (also for pooling's default stride = kernel size); None if it already is 1.

    >>> stride_ignored({"kind": "conv2d", "stride": 2})["stride"], stride_ignored({"kind": "conv2d"})
    (1, None)
    >>> stride_ignored({"kind": "max_pool2d", "kernel_size": 2})["stride"]
    1
    """
    stride = raw.get("stride")
    if stride in (None, 1, [1, 1]):
        if "kernel_size" in raw and stride is None:
            raw["stride"] = 1  # pooling's stride defaults to the kernel size
            return raw
        return None
    raw["stride"] = 1
    return raw


def dilation_ignored(raw: Raw) -> Raw | None:
    """Dilation set to 1; None if it already is 1.

    >>> dilation_ignored({"dilation": [2, 2]})["dilation"], dilation_ignored({"dilation": 1})
    (1, None)
    """
    if raw.get("dilation") in (None, 1, [1, 1]):
        return None
    raw["dilation"] = 1
    return raw


def kernel_transposed(raw: Raw) -> Raw | None:
    """The kernel (or weight matrix) with its last two axes swapped; None when that changes nothing.

    >>> kernel_transposed({"kernel": "1 2; 3 4"})["kernel"], kernel_transposed({"kernel": "1 2; 2 1"})
    ([[1, 3], [2, 4]], None)
    """
    from nnsteps.arrays import as_array

    field = "kernel" if "kernel" in raw else "weights"
    try:
        k = as_array(raw.get(field), name=field)
    except NnstepsError:
        return None
    if k.ndim < 2 or k.shape[-1] != k.shape[-2] and field == "kernel":
        return None
    t = k.swapaxes(-1, -2)
    if (t == k).all() if t.shape == k.shape else False:
        return None
    raw[field] = t.tolist()
    return raw


def bias_dropped(raw: Raw) -> Raw | None:
    """The problem without its bias; None when the bias is absent or zero.

    >>> "bias" in bias_dropped({"kernel": "1", "bias": 3}), bias_dropped({"kernel": "1", "bias": 0})
    (False, None)
    """
    bias = raw.get("bias")
    if bias is None:
        return None
    try:
        if parse_number(bias) == 0:
            return None
    except NnstepsError:
        pass
    del raw["bias"]
    return raw


def ceil_toggled(raw: Raw) -> Raw:
    """Toggle ``ceil_mode``: floor and ceil mixed up in the output size.

    >>> ceil_toggled({"kernel_size": 2})["ceil_mode"]
    True
    """
    raw["ceil_mode"] = not bool(raw.get("ceil_mode", False))
    return raw


def count_pad_toggled(raw: Raw) -> Raw | None:
    """Toggle ``count_include_pad`` (average pooling's divisor); None without padding, where it cannot matter.

    >>> count_pad_toggled({"padding": 1})["count_include_pad"], count_pad_toggled({"padding": 0})
    (False, None)
    """
    if not _nonzero(raw.get("padding")):
        return None
    raw["count_include_pad"] = not bool(raw.get("count_include_pad", True))
    return raw


def window(delta: int) -> Mutation:
    """A mutation that changes the pooling window by ``delta``, keeping the stride it had.

    >>> window(-1)({"kernel_size": 3}), window(-1)({"kernel_size": 1})
    ({'kernel_size': 2, 'stride': 3}, None)
    """
    def mutate(raw: Raw) -> Raw | None:
        k = raw.get("kernel_size")
        if isinstance(k, bool) or not isinstance(k, int) or k + delta < 1:
            return None
        if raw.get("stride") is None:
            raw["stride"] = k
        raw["kernel_size"] = k + delta
        return raw

    return mutate


def pool_swapped(target: str) -> Mutation:
    """A mutation that turns the pooling into ``target`` (max for average or back), dropping fields it lacks.

    >>> pool_swapped("avg_pool2d")({"kind": "max_pool2d", "kernel_size": 2, "dilation": 2})
    {'kind': 'avg_pool2d', 'kernel_size': 2}
    """
    def mutate(raw: Raw) -> Raw:
        raw["kind"] = target
        for key in ("dilation", "count_include_pad", "divisor_override"):
            raw.pop(key, None)
        return raw

    return mutate


def output_padding_dropped(raw: Raw) -> Raw | None:
    """Output padding set to 0; None if there is none.

    >>> output_padding_dropped({"output_padding": 1})["output_padding"], output_padding_dropped({})
    (0, None)
    """
    if raw.get("output_padding") in (None, 0, [0, 0]):
        return None
    raw["output_padding"] = 0
    return raw


def set_field(name: str, value: Any, *, unless: Any = ...) -> Mutation:
    """A mutation that sets ``name`` to ``value``; None when it already has it, or (with ``unless``)
    when the field is set to something else.

    >>> set_field("loss", "squared_error")({"loss": "half_squared_error"})
    {'loss': 'squared_error'}
    >>> set_field("loss", "squared_error", unless="half_squared_error")({"loss": "cross_entropy"}) is None
    True
    """
    def mutate(raw: Raw) -> Raw | None:
        if unless is not ... and raw.get(name, unless) != unless:
            return None
        if raw.get(name) == value:
            return None
        raw[name] = value
        return raw

    return mutate


def weights_entry_dropped(*names: str) -> Mutation:
    """A mutation that drops the named entries of ``weights`` (a forgotten bias); None if none is there.

    >>> weights_entry_dropped("b_h", "b_y")({"weights": {"w_in": 1, "b_h": 2}})
    {'weights': {'w_in': 1}}
    >>> weights_entry_dropped("b_h")({"weights": {"w_in": 1}}) is None
    True
    """
    def mutate(raw: Raw) -> Raw | None:
        weights = raw.get("weights")
        if not isinstance(weights, dict) or not any(n in weights for n in names):
            return None
        raw["weights"] = {k: v for k, v in weights.items() if k not in names}
        return raw

    return mutate


def layout_toggled(raw: Raw) -> Raw:
    """Swap the weight layout between ``columns`` and ``rows`` (W vs Wᵀ).

    >>> layout_toggled({})["layout"], layout_toggled({"layout": "rows"})["layout"]
    ('rows', 'columns')
    """
    raw["layout"] = "rows" if str(raw.get("layout", "columns")) == "columns" else "columns"
    return raw


def scale_off(raw: Raw) -> Raw | None:
    """Attention without the 1/√d_k scaling; None if it is already off.

    >>> scale_off({})["scale"], scale_off({"scale": False})
    (False, None)
    """
    if raw.get("scale") is False:
        return None
    raw["scale"] = False
    return raw


def softmax_axis(raw: Raw) -> Raw | None:
    """Softmax over the other axis (rows for columns); None for a kind without an axis field.

    >>> [softmax_axis({"kind": "softmax", "axis": a})["axis"] for a in (-1, 0)]
    [0, -1]
    """
    for name in ("axis", "dim"):
        if name in raw or name in _fields(str(raw.get("kind"))):
            raw[name] = 0 if raw.get(name, -1) in (-1, 1) else -1
            return raw
    return None


def _fields(kind: str) -> dict[str, str]:
    from nnsteps.problems.registry import load_kinds

    KINDS = load_kinds()

    return KINDS[kind].fields if kind in KINDS else {}


FLIP = "kernel flipped: true convolution instead of cross-correlation (PyTorch does not flip)"
UNFLIP = "kernel not flipped: cross-correlation instead of true convolution"

CONV: list[tuple[str, Mutation]] = [
    ("padding forgotten (P = 0)", padding_forgotten),
    ("padding doubled", padding_doubled),
    ("stride ignored (S = 1)", stride_ignored),
    ("dilation ignored (D = 1)", dilation_ignored),
    ("kernel transposed", kernel_transposed),
    ("bias dropped", bias_dropped),
]
POOL: list[tuple[str, Mutation]] = [
    ("floor and ceil mixed up (ceil_mode toggled)", ceil_toggled),
    ("padding forgotten (P = 0)", padding_forgotten),
    ("stride ignored (S = 1, overlapping windows)", stride_ignored),
    ("wrong pooling window (one smaller)", window(-1)),
    ("wrong pooling window (one larger)", window(1)),
]

# --- a sign slip in one term ----------------------------------------------------------------

_TERM_RE = re.compile(r"^\s*(?P<a>.+?)\s*\\cdot\s*(?P<b>.+?)\s*$")


def sign_slip(cell: Cell, substituted: str | None) -> str | None:
    """Name a sign slip when the student's value is the key with one product term's sign flipped.

    >>> c = Cell((0, 0), 7, 5, "wrong")
    >>> sign_slip(c, r"1 \\cdot 1 + 1 \\cdot 4 + 1 \\cdot 1 + 0 \\cdot 2")
    'a sign slip in one term: 1 \\\\cdot 1 counted as -1'
    """
    # Only a number the student wrote; text that failed to parse ('1/0', '1e999999999') stays as given.
    if not substituted or isinstance(cell.given, bool) or not isinstance(cell.given, (int, Fraction, float)):
        return None
    try:
        diff = Fraction(cell.given) - Fraction(cell.expected)
    except (TypeError, ValueError):
        return None
    if diff == 0:
        return None
    for term in substituted.split(" + "):
        m = _TERM_RE.match(term)
        if not m:
            continue
        a, b = _operand(m.group("a")), _operand(m.group("b"))
        if a is None or b is None:
            continue
        product = a * b
        if product != 0 and diff == -2 * product:
            from nnsteps.numbers import normalize, to_text

            shown = to_text(normalize(-product))
            return f"a sign slip in one term: {term.strip()} counted as {shown}"
    return None


def _operand(text: str) -> Fraction | None:
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    try:
        return Fraction(parse_number(text))
    except (NnstepsError, TypeError, ValueError):
        return None

