"""The layer table as text, Markdown, CSV or JSON; with ``explain``, every row's steps below it.

Numbers come from the rows; the explanations are the rows' own steps, rendered by
:mod:`nnsteps.render` (no formula is written here).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from nnsteps import limits
from nnsteps.arch.layers import Row
from nnsteps.arch.table import Table, row_answer, total_step
from nnsteps.errors import NnstepsError
from nnsteps.render import formats

FORMATS = formats.names(formats.TABLE)


def _rf_text(r: Row) -> tuple[str, str]:
    if r.rf is None:
        return "—", "—"

    def one(values: tuple[Any, ...]) -> str:
        texts = [str(x) for x in values]
        return texts[0] if len(set(texts)) == 1 else "×".join(texts)

    return one(r.rf.size), one(r.rf.jump)


def _bytes(n: int) -> str:
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _columns(table: Table) -> list[str]:
    return ["Layer", "Type", "Output", "Neurons", "Weights", "Biases", "Other", "Params", table.convention.label,
            "RF", "Jump", "Memory"]


def _cells(r: Row) -> list[str]:
    rf, jump = _rf_text(r)
    return [r.name, r.type, r.output_shape.text, f"{r.neurons:,}", f"{r.weights:,}", f"{r.biases:,}",
            f"{r.other:,}", f"{r.params:,}", f"{r.macs:,}", rf, jump, _bytes(r.memory_bytes)]


def _total_cells(table: Table) -> list[str]:
    return ["Total", "", table.output_shape.text, f"{sum(r.neurons for r in table.rows):,}",
            f"{table.total_weights:,}", f"{table.total_biases:,}", f"{table.total_other:,}",
            f"{table.total_params:,}", f"{table.total_macs:,}", "", "", _bytes(table.total_memory_bytes)]


def _footer(table: Table) -> list[str]:
    layout = {"volume3d": "Volumes are D×H×W×C", "sequence": "Sequences are T×C (time first)"}
    seq = table.input_shape.kind == "sequence"
    units = "time steps" if seq else "pixels"
    return [f"Input: {table.input_shape.text} ({table.input_shape.kind}). "
            f"{layout.get(table.input_shape.kind, 'Volumes are H×W×C')}.",
            f"{table.convention.label}: {table.convention.describe()}. Pooling, normalisation and activations "
            "count 0.",
            f"RF: receptive field in input {units}; Jump: input {units} between neighbouring outputs. "
            "Memory: output activations in float32, one sample."]


def table_text(table: Table) -> str:
    """An aligned plain-text table, totals and the convention footer.

    >>> from nnsteps.arch.table import summary
    >>> print(table_text(summary("input 8x8x1; conv 3x3x2")).splitlines()[2])
    conv1  conv  6×6×2       72       18       2      0      20    648   3     1  288 B
    """
    head = _columns(table)
    body = [_cells(r) for r in table.rows]
    total = _total_cells(table)
    widths = [max(len(row[i]) for row in [head, *body, total]) for i in range(len(head))]
    left = {0, 1, 2}

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    rule = "-" * len(fmt(head))
    lines = [fmt(head), rule, *(fmt(c) for c in body), rule, fmt(total), "", *_footer(table)]
    return "\n".join(line.rstrip() for line in lines)


def table_markdown(table: Table) -> str:
    """A Markdown table with totals and the convention footer.

    >>> from nnsteps.arch.table import summary
    >>> table_markdown(summary("input 8x8x1; conv 3x3x2")).splitlines()[2]
    '| conv1 | conv | 6×6×2 | 72 | 18 | 2 | 0 | 20 | 648 | 3 | 1 | 288 B |'
    """
    head = _columns(table)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(_cells(r)) + " |" for r in table.rows]
    lines.append("| " + " | ".join(f"**{c}**" if c else "" for c in _total_cells(table)) + " |")
    return "\n".join([*lines, "", *(f"{line}  " for line in _footer(table))])


def table_csv(table: Table) -> str:
    """One CSV row per layer (plain integers, no separators).

    >>> from nnsteps.arch.table import summary
    >>> table_csv(summary("input 8x8x1; conv 3x3x2")).splitlines()[1]
    'conv1,conv,6x6x2,72,18,2,0,20,648,3,1,1,288'
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["name", "type", "output_shape", "neurons", "weights", "biases", "other", "params",
                table.convention.label.lower(), "rf_size", "rf_jump", "rf_start", "memory_bytes"])
    for r in table.rows:
        a = row_answer(r)
        rf = a["receptive_field"] or {}
        w.writerow([r.name, r.type, "x".join(map(str, r.output_shape.dims)), r.neurons, r.weights, r.biases,
                    r.other, r.params, r.macs, *(_csv_value(rf.get(k)) for k in ("size", "jump", "start")),
                    r.memory_bytes])
    return buf.getvalue()


def _csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return "x".join(str(x) for x in v)
    return str(v)


def table_json(table: Table, *, explain: bool = False) -> str:
    """The contract's answer (rows, totals, output shape) as JSON; with ``explain``, each row's steps.

    >>> import json
    >>> from nnsteps.arch.table import summary
    >>> out = json.loads(table_json(summary("input 8x8x1; conv 3x3x2")))
    >>> out["input_shape"], out["output_shape"], out["total_params"]
    ([8, 8, 1], [6, 6, 2], 20)
    """
    from nnsteps.render.json import step_to_json
    from nnsteps.render.values import json_value

    out = json_value({"input_shape": list(table.input_shape.dims), **table.answer()})
    if explain:
        for row_out, row in zip(out["layers"], table.rows):
            row_out["steps"] = [step_to_json(s) for s in row.steps]
        out["total_step"] = step_to_json(total_step(table))
    return json.dumps(out, indent=2, ensure_ascii=False)


def explain_text(table: Table) -> str:
    """Every row's steps as terminal text: formula, numbers put in, result.

    >>> from nnsteps.arch.table import summary
    >>> print(explain_text(summary("input 8x8x1; conv 3x3x2; flatten; dense 10")))
    Input: 8×8×1
    <BLANKLINE>
    conv1: conv 3x3x2  ->  6×6×2
    ----------------------------
      Output size H_out
        H_out = ⌊(H - K + 2P)/S⌋ + 1
          = ⌊(8 - 3 + 2·0)/1⌋ + 1
          = 6
    ...
    Total parameters
      #params = conv1 + dense1
        = 20 + 730
        = 750
    """
    from nnsteps.render.text import step_to_text

    out = [f"Input: {table.input_shape.text}", ""]
    for r in table.rows[: limits.MAX_EXPLAINED_LAYERS]:
        title = f"{r.name}: {r.text}  ->  {r.output_shape.text}"
        out += [title, "-" * len(title), *(step_to_text(s, 1) for s in r.steps), ""]
    if len(table.rows) > limits.MAX_EXPLAINED_LAYERS:
        more = len(table.rows) - limits.MAX_EXPLAINED_LAYERS
        out += [f"... {more:,} more layers: --format markdown or json explains every one", ""]
        out.append(f"Total parameters: {table.total_params:,}")
    else:
        out.append(step_to_text(total_step(table)))
    return "\n".join(out)


def explain_markdown(table: Table) -> str:
    """Every row's steps as Markdown with LaTeX.

    >>> from nnsteps.arch.table import summary
    >>> md = explain_markdown(summary("input 8x8x1; conv 3x3x2; flatten; dense 10"))
    >>> [line for line in md.splitlines() if line.startswith("### ")][1:]
    ['### flatten1: `flatten` → $72$', '### dense1: `dense 10` → $10$', '### Total']
    >>> md.splitlines()[4]
    '*Output size H_out*'
    """
    from nnsteps.render.markdown import step_to_markdown

    out = [f"**Input:** ${table.input_shape.latex}$", ""]
    for r in table.rows:
        out += [f"### {r.name}: `{r.text}` → ${r.output_shape.latex}$", ""]
        out += [step_to_markdown(s, 1) for s in r.steps]
    out += ["### Total", "", step_to_markdown(total_step(table))]
    return "\n".join(out)


def render_table(table: Table, fmt: str = "text", *, explain: bool = False) -> str:
    """The table in one of ``text``, ``markdown``, ``json``, ``csv``; ``explain`` appends the steps.

    >>> from nnsteps.arch.table import summary
    >>> "Total" in render_table(summary("input 8x8x1; conv 3x3x2"), "text")
    True
    """
    if fmt == "text":
        return table_text(table) + ("\n\n" + explain_text(table) if explain else "")
    if fmt == "markdown":
        return table_markdown(table) + ("\n\n" + explain_markdown(table) if explain else "")
    if fmt == "json":
        return table_json(table, explain=explain)
    if fmt == "csv":
        return table_csv(table)
    raise NnstepsError(f"expected one of {', '.join(FORMATS)}, got '{fmt}'", field="--format")
