"""What an answer *is*, for a reader: a number, a matrix, a table, or a labelled list of those.

Every renderer (text, Markdown, HTML through ``answer_html.answer_box``) shows a
problem's answer first, from the one view built here, so the same answer never reads differently in
two places. Answers stay the engine's values; this module only chooses their shape: a network's layer
rows become a table with the asked cells marked, named results (``grads``, ``updated``) a labelled list,
long exact forms their decimal (the exact form is kept for a disclosure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnsteps.names import Op
from nnsteps.work import Stack, Worked

_LABELS = {
    "grads": "Gradients", "updated": "Updated parameters", "symbolic": "Closed forms", "h": "Hidden states h",
    Op.LOSS.value: "Loss", "outputs": "Outputs", "output": "Output", "weights": "Weights", "bias": "Biases",
    "scores": "Scores", "total_params": "Total parameters", "output_shape": "Output shape",
    "total_macs": "Total MACs", "receptive_field": "Receptive field", "h_L": "h_L", "y": "y",
    "stacked_params": "Parameters, stacked", "single_params": "Parameters, single conv",
    "params_ratio": "Parameter ratio (stacked / single)", "stacked_macs": "MACs, stacked",
    "single_macs": "MACs, single conv", "nonlinearities": "Nonlinearities", "alpha_1j": "α_1j",
    "e_1j": "e_1j", "q_1": "q_1", "k_j": "k_j", "z_1": "z_1", "stages": "Stages", "deltas": "δ",
    # one vocabulary: a quantity is named in words with its symbol, the way the steps name it
    "c": "Cell states c", "gates": "Gates", "f1": "F1 score", "precision": "Precision", "recall": "Recall",
    "accuracy": "Accuracy", "confusion": "Confusion matrix", "macro": "Macro average", "micro": "Micro average",
    "weighted": "Weighted average", "best": "Best", "beams": "Beams", "keep": "Kept boxes",
    "weight_ih": "W_ih", "weight_hh": "W_hh", "bias_ih": "b_ih", "bias_hh": "b_hh", "h0": "h_0", "c0": "c_0", "m_hat": "m̂", "v_hat": "v̂",
    "v_max": "v_max", "lr": "Learning rate", "v_corrected": "Bias-corrected v",
    # boxes, BLEU, ROC and top-k as their steps and papers write them (not "Giou loss", "bleu", "auc")
    "giou": "GIoU", "diou": "DIoU", "ciou": "CIoU", "giou_loss": "GIoU loss", "diou_loss": "DIoU loss",
    "ciou_loss": "CIoU loss", "enclosing_area": "Enclosing area C", "center_distance_squared": "Centre distance ρ²",
    "diagonal_squared": "Enclosing diagonal c²", "alpha": "Weight α",
    "precisions": "n-gram precisions", "fpr": "False positive rates", "tpr": "True positive rates",
    "auc": "ROC-AUC", "pr_thresholds": "PR thresholds", "top_k_accuracy": "Top-k accuracy",
    # a headline answer named after its kind (IoU, BLEU): keyed by the acronym's lower case, so the kind's name
    # keeps its one home in its kind module
    **{acronym.lower(): acronym for acronym in ("IoU", "BLEU")},
}

_COLUMNS = [("name", "Layer"), ("type", "Type"), ("output_shape", "Output"), ("neurons", "Neurons"),
            ("weights", "Weights"), ("biases", "Biases"), ("other", "Other"), ("params", "Params"),
            ("macs", "MACs"), ("rf", "RF"), ("jump", "Jump"), ("memory_bytes", "Memory")]
"""The layer table's columns, in the order ``nnsteps summary`` prints them."""

_CELL_COLUMN = {"output_shape": ("output_shape", "neurons"), "neurons": ("neurons",), "weights": ("weights",),
                "biases": ("biases",), "params": ("params",), "other": ("other",), "macs": ("macs",),
                "receptive_field": ("rf", "jump")}


@dataclass
class Number:
    """One number (int, Fraction, float or irrational)."""

    value: Any


@dataclass
class Matrix:
    """A vector or matrix (or a stack of them), shown as a matrix."""

    value: Any
    stack: Stack | None = field(default=None, repr=False)
    """What a stack's leading axis is, when not a channel or a sample (attention's heads)."""


@dataclass
class Shape:
    """A tensor shape such as 64 × 64 × 32."""

    dims: list[Any]


@dataclass
class Formula:
    """A LaTeX formula the engine wrote (symbolic answers)."""

    latex: str


@dataclass
class Expression:
    """A closed form kept as a SymPy string: shown as readable text, never evaluated."""

    text: str


@dataclass
class Table:
    """Rows of cells (already text) with some cells marked as the asked ones."""

    columns: list[str]
    rows: list[list[str]]
    marked: set[tuple[int, int]] = field(default_factory=set)
    total: list[str] | None = None
    note: str | None = None
    total_marked: set[int] = field(default_factory=set)
    """Columns of the total row that were asked (a network's total parameters or output shape)."""


@dataclass
class Fields:
    """Named results, in order: (label, view) pairs."""

    items: list[tuple[str, Any]]


View = Number | Matrix | Shape | Formula | Expression | Table | Fields


def answer_view(worked: Worked, *, brief: bool = False, every_column: bool = False) -> View | None:
    """The reader's view of a worked answer (``brief``: a network that was asked cells shows just those;
    ``every_column``: its layer table keeps a column of zeros, as ``nnsteps summary`` prints it).

    >>> answer_view(Worked("x", value=7))
    Number(value=7)
    >>> v = answer_view(Worked("rnn", value={"loss": 1, "grads": {"w_in": 2}}))
    >>> [(label, type(x).__name__) for label, x in v.items]
    [('Loss', 'Number'), ('Gradients', 'Fields')]
    """
    answer = worked.answer
    if answer is None:
        return None
    if isinstance(answer, dict) and isinstance(answer.get("layers"), list) and "total_params" in answer:
        return network_view(answer, brief=brief, every_column=every_column)
    return value_view(answer, stacks=worked.stacks)


def value_view(v: Any, key: str | None = None, stacks: dict[str, Stack] | None = None) -> View:
    """Any answer value as a view: dicts become labelled lists, arrays matrices, numbers numbers.

    >>> value_view([[1, 2], [3, 4]])
    Matrix(value=[[1, 2], [3, 4]])
    >>> value_view([64, 64, 32], key="output_shape")
    Shape(dims=[64, 64, 32])
    >>> value_view({"layers": [{"weights": [[1]], "bias": [2]}]}).items[0][0]
    'Layer 1'
    >>> [label for label, _ in value_view({"params": [1], "state": [{}, {}]}).items]
    ['Params']
    """
    if isinstance(v, dict):
        items: list[tuple[str, Any]] = []
        for k, x in v.items():
            if x is None or _all_empty(x):  # plain SGD's state: one empty record per step says nothing
                continue
            if k == "layers" and isinstance(x, list) and all(isinstance(r, dict) for r in x):
                items += [(f"Layer {i + 1}", value_view(r, stacks=stacks)) for i, r in enumerate(x)]
            else:
                items.append((label(str(k)), value_view(x, str(k), stacks)))
        return Fields(items)
    if isinstance(v, str):
        # SymPy strings multiply with "*"; the engine's LaTeX never does.
        return Expression(v) if "*" in v and "\\" not in v else Formula(v)
    if isinstance(v, (list, tuple, np.ndarray)):
        if key and key.endswith("shape"):
            return Shape(list(v))
        if isinstance(v, (list, tuple)) and v and all(isinstance(x, dict) or _holds_dicts(x) for x in v):
            # records (beam search's beams per step) are labelled lists, never a matrix of Python reprs
            return Fields([(f"{i + 1}", value_view(x, stacks=stacks)) for i, x in enumerate(v)])
        return Matrix(v, (stacks or {}).get(key or ""))
    return Number(v)


def _all_empty(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and bool(v) and all(isinstance(x, dict) and not x for x in v)


def _holds_dicts(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and bool(v) and all(isinstance(x, dict) or _holds_dicts(x) for x in v)


def label(key: str) -> str:
    """A field name as a reader's label: known names spelled out, symbols kept, words spaced.

    >>> label("grads"), label("w_in"), label("total_macs"), label("q_1")
    ('Gradients', 'w_in', 'Total MACs', 'q_1')
    """
    if key in _LABELS:
        return _LABELS[key]
    if len(key) <= 4 or any(c.isdigit() or c.isupper() for c in key):
        return key
    text = key.replace("_", " ")
    return text[0].upper() + text[1:]


def network_view(answer: dict[str, Any], *, brief: bool = False, every_column: bool = False) -> View:
    """A network's answer: the asked cells first (when there are), then the layer table, asked cells marked
    (``brief``: the asked cells alone, when there are).

    >>> a = {"layers": [{"name": "Conv1", "type": "conv", "output_shape": [4, 4, 2], "neurons": 32,
    ...       "weights": 18, "biases": 2, "other": 0, "params": 20, "macs": 288,
    ...       "receptive_field": {"size": 3, "jump": 1, "start": 0}, "memory_bytes": 128}],
    ...      "total_params": 20, "output_shape": [4, 4, 2], "asked": {"Conv1.neurons": 32}}
    >>> v = network_view(a)
    >>> v.items[0], v.items[1][1].marked
    (('Conv1 neurons', Number(value=32)), {(0, 3)})
    """
    layers = answer["layers"]
    asked = answer.get("asked") or {}
    items: list[tuple[str, Any]] = []
    for key, value in asked.items():
        layer, _, cell = key.rpartition(".")
        name = f"{layer} {label(cell).lower() if cell != 'output_shape' else 'output shape'}" if layer else label(key)
        items.append((name, value_view(value, cell or key)))
    if brief and asked:
        return Fields(items)
    table = layer_table(layers, asked, None if brief else answer.get("mac_convention"),
                        output_shape=answer.get("output_shape"), every_column=every_column)
    items.append(("Layers", table))
    if not asked:
        items.append(("Total parameters", Number(answer["total_params"])))
        if not brief:  # the table's last row shows it already
            items.append(("Output shape", Shape(list(answer["output_shape"]))))
    return Fields(items)


def layer_table(layers: list[dict[str, Any]], asked: dict[str, Any] | None = None,
                convention: str | None = None, *, output_shape: Any = None, every_column: bool = False) -> Table:
    """The layer rows as a :class:`Table` with ``nnsteps summary``'s columns and total row; asked cells marked.
    The Other column is left out when every layer has 0 there, unless ``every_column``.

    >>> t = layer_table([{"name": "d", "type": "dense", "output_shape": [10], "neurons": 10, "weights": 720,
    ...                   "biases": 10, "other": 0, "params": 730, "macs": 720, "receptive_field": None,
    ...                   "memory_bytes": 40}], {"d.params": 730, "total_params": 730}, output_shape=[10])
    >>> t.columns[:4], t.rows[0][:4], t.marked, t.total, t.total_marked
    (['Layer', 'Type', 'Output', 'Neurons'], ['d', 'dense', '10', '10'], {(0, 6)}, ['Total', '', '10', '10', '720', '10', '730', '720', '', '', '40 B'], {6})
    """
    keys = [k for k, _ in _COLUMNS if k != "other" or every_column or any(r.get("other") for r in layers)]
    heads = dict(_COLUMNS)
    if convention and convention.startswith("FLOPs"):
        heads["macs"] = "FLOPs"
    rows = [[_cell(r, k) for k in keys] for r in layers]
    marked: set[tuple[int, int]] = set()
    total_marked: set[int] = set()
    names = [str(r.get("name", "")).lower() for r in layers]
    for item in asked or {}:
        layer, _, cell = item.rpartition(".")
        if not layer:  # a network-wide quantity: its cell of the total row
            col = _TOTAL_COLUMN.get(cell)
            if col in keys:
                total_marked.add(keys.index(col))
        elif layer.lower() in names:
            for col in _CELL_COLUMN.get(cell, ()):
                if col in keys:
                    marked.add((names.index(layer.lower()), keys.index(col)))
    total = None
    if layers:
        sums = {k: sum(int(r.get(k) or 0) for r in layers)
                for k in ("neurons", "weights", "biases", "other", "params", "macs", "memory_bytes")}
        total_row = {"name": "Total", "output_shape": _shape_text(output_shape) if output_shape is not None else "",
                     **{k: f"{v:,}" for k, v in sums.items()}, "memory_bytes": _bytes(sums["memory_bytes"])}
        total = [total_row.get(k, "") for k in keys]
    return Table([heads[k] for k in keys], rows, marked, total,
                 note=(convention[0].upper() + convention[1:] + ".") if convention else None,
                 total_marked=total_marked)


_TOTAL_COLUMN = {"total_params": "params", "output_shape": "output_shape", "total_macs": "macs"}


def _shape_text(dims: Any) -> str:
    return "×".join(str(x) for x in dims) if isinstance(dims, (list, tuple)) else str(dims)


def _bytes(n: int) -> str:
    # The memory column (float32 activations), as ``nnsteps summary`` writes it.
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _cell(row: dict[str, Any], key: str) -> str:
    if key in ("rf", "jump"):
        rf = row.get("receptive_field") or {}
        v = rf.get("size" if key == "rf" else "jump")
        if v is None:
            return "—"
        return "×".join(str(x) for x in v) if isinstance(v, list) else str(v)
    v = row.get(key)
    if key == "output_shape":
        return _shape_text(v)
    if key == "memory_bytes" and isinstance(v, int):
        return _bytes(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return "—" if v is None else str(v)
