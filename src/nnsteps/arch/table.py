"""The layer table: a spec walked layer by layer, every row with the steps behind its numbers.

``repeat`` blocks contribute their expanded rows; a ``residual`` block its body's rows, its
shortcut's rows, then one row of type ``add``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nnsteps.arch import counts
from nnsteps.arch.layers import (
    INPUT,
    RF,
    Ctx,
    MacConvention,
    Row,
    Shape,
    _neurons,
    input_rf,
    input_shape,
    layer_type,
)
from nnsteps.arch.parse import LayerStmt, Node, Repeat, Residual, parse
from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.names import Design
from nnsteps.work import Step, Worked

CONVENTIONS = ("pytorch", "keras")
"""How recurrent biases are counted (``summary --convention``, ``convention:`` in network problems)."""


@dataclass
class Table:
    """A network's layer table. Totals are sums over the rows.

    >>> t = summary("input 32x32x3; conv 3x3x16 p=1; flatten; dense 10")
    >>> [r.output_shape.text for r in t.rows], t.total_params
    (['32×32×16', '16384', '10'], 164298)
    """

    input_shape: Shape
    rows: list[Row]
    convention: MacConvention

    @property
    def output_shape(self) -> Shape:
        return self.rows[-1].output_shape if self.rows else self.input_shape

    @property
    def total_params(self) -> int:
        return sum(r.params for r in self.rows)

    @property
    def total_weights(self) -> int:
        return sum(r.weights for r in self.rows)

    @property
    def total_biases(self) -> int:
        return sum(r.biases for r in self.rows)

    @property
    def total_other(self) -> int:
        return sum(r.other for r in self.rows)

    @property
    def total_macs(self) -> int:
        return sum(r.macs for r in self.rows)

    @property
    def total_memory_bytes(self) -> int:
        return sum(r.memory_bytes for r in self.rows)

    def row(self, name: str) -> Row:
        """The row of the layer called ``name`` (case-insensitive)."""
        for r in self.rows:
            if r.name.lower() == name.lower():
                return r
        from nnsteps.errors import did_you_mean

        raise NnstepsError(f"no layer named '{name}'", hint=did_you_mean(name, [r.name for r in self.rows]))

    def answer(self) -> dict[str, Any]:
        """The problem-file contract: ``{"layers": [...], "total_params", "output_shape"}`` (+ totals)."""
        return {
            "layers": [row_answer(r) for r in self.rows],
            "total_params": self.total_params,
            "output_shape": list(self.output_shape.dims),
            "total_macs": self.total_macs,
            "mac_convention": self.convention.describe(),
        }

    def __str__(self) -> str:
        from nnsteps.arch.render import table_text

        return table_text(self)

    def _repr_markdown_(self) -> str:
        from nnsteps.arch.render import table_markdown

        return table_markdown(self)

    def to_text(self, explain: bool = False) -> str:
        """The aligned text table (with every row's steps when ``explain``)."""
        from nnsteps.arch.render import render_table

        return render_table(self, "text", explain=explain)

    def to_markdown(self, explain: bool = False) -> str:
        """The Markdown table (with every row's steps when ``explain``)."""
        from nnsteps.arch.render import render_table

        return render_table(self, "markdown", explain=explain)

    def worked(self, title: str | None = None) -> Worked:
        """The table as a worked solution: one step per layer, its numbers as child steps, then the total."""
        steps: list[Step[Any]] = [Step("Input", formula=None, result=self.input_shape.latex)]
        for r in self.rows:
            steps.append(Step(f"{r.name}: {r.text}", result=r.output_shape.latex, steps=r.steps))
        steps.append(total_step(self))
        return Worked(Design.NETWORK.value, value=self.answer(), steps=steps, title=title)


def total_step(table: Table) -> Step[int]:
    """Total parameters as the sum of the rows that have any.

    >>> step = total_step(summary("input 8x8x1; conv 3x3x2; flatten; dense 10"))
    >>> step.substituted, step.result
    ('20 + 730', 750)
    """
    # "\_" inside \text shows literally in MathML: each part of the name is text, its underscores math
    terms = [(r"\_".join(rf"\text{{{part}}}" for part in r.name.split("_")), r.params) for r in table.rows if r.params]
    return counts.total("Total parameters", r"\#\text{params}", terms)


def row_answer(r: Row) -> dict[str, Any]:
    """One row in the contract's shape.

    >>> row_answer(summary("input 8x8x1; conv 3x3x2").rows[0])["receptive_field"]
    {'size': 3, 'jump': 1, 'start': 1}
    """
    rf: dict[str, Any] | None = None
    if r.rf is not None:
        rf = {k: (v[0] if len(set(v)) == 1 else list(v)) for k, v in
              (("size", r.rf.size), ("jump", r.rf.jump), ("start", r.rf.start))}
    return {
        "name": r.name, "type": r.type, "output_shape": list(r.output_shape.dims), "neurons": r.neurons,
        "weights": r.weights, "biases": r.biases, "other": r.other, "params": r.params, "macs": r.macs,
        "receptive_field": rf, "memory_bytes": r.memory_bytes,
    }


def summary(spec: str | Sequence[Node], *, count_bias: bool = False, flops: bool = False,
            convention: str = "pytorch") -> Table:
    """Build the layer table of a spec (text or parsed nodes).

    ``count_bias`` counts one MAC per bias add; ``flops`` reports FLOPs = 2·MACs; ``convention``
    ``keras`` counts recurrent biases as Keras does (``pytorch``, the default, keeps b_ih and b_hh).

    >>> t = summary("input 64x64x3\\nconv 3x3x32 p=1 s=1")
    >>> t.rows[0].weights, t.rows[0].biases, t.rows[0].macs
    (864, 32, 3538944)
    """
    nodes = parse(spec) if isinstance(spec, str) else list(spec)
    if convention not in CONVENTIONS:
        raise NnstepsError(f"expected convention one of {', '.join(CONVENTIONS)}, got {convention!r}",
                           field="convention", hint=did_you_mean(str(convention), CONVENTIONS))
    conv = MacConvention(count_bias=count_bias, flops=flops, params=convention)
    first = nodes[0] if nodes else None
    if not isinstance(first, LayerStmt) or first.type != INPUT.name:
        where = first or LayerStmt("", [], {}, 1, 1, "")
        raise NnstepsError("a spec starts with its input, e.g. 'input 64x64x3' (H x W x C), 'input seq 35x300' "
                           "or 'input tokens 35'", line=where.line, column=where.column)
    shape = input_shape(first)
    # start: index of the centre pixel of the first output's window (0 = the first input pixel).
    rf = input_rf(shape)
    rows: list[Row] = []
    _walk(nodes[1:], shape, rf, conv, rows, Counter())
    _unique_names(rows)
    return Table(shape, rows, conv)


def _walk(nodes: Sequence[Node], shape: Shape, rf: RF | None, conv: MacConvention, rows: list[Row],
          seen: Counter[str]) -> tuple[Shape, RF | None]:
    for node in nodes:
        if isinstance(node, LayerStmt):
            build = layer_type(node.type).build
            if build is None:
                raise NnstepsError(f"'{node.type}' may only be the first line", line=node.line, column=node.column)
            seen[node.type] += 1
            name = node.name or f"{node.type}{seen[node.type]}"
            try:
                row = build(Ctx(node, name, shape, rf, conv))
            except NnstepsError as err:
                raise err.located(line=node.line, column=node.column) from None
            rows.append(row)
            shape, rf = row.output_shape, row.rf
        elif isinstance(node, Repeat):
            for _ in range(node.count):
                shape, rf = _walk(node.body, shape, rf, conv, rows, seen)
        else:
            shape, rf = _residual(node, shape, rf, conv, rows, seen)
    return shape, rf


def _residual(node: Residual, shape: Shape, rf: RF | None, conv: MacConvention, rows: list[Row],
              seen: Counter[str]) -> tuple[Shape, RF | None]:
    body_shape, body_rf = _walk(node.body, shape, rf, conv, rows, seen)
    short_shape, short_rf = _walk(node.shortcut or [], shape, rf, conv, rows, seen)
    if body_shape != short_shape:
        which = "shortcut" if node.shortcut else "identity shortcut"
        raise NnstepsError(f"residual branches disagree: the body gives {body_shape.text}, the {which} gives "
                           f"{short_shape.text}", line=node.line, column=node.column,
                           hint="add a shortcut { conv 1x1xN s=S } that matches the body" if not node.shortcut else None)
    seen["add"] += 1
    merged = body_rf
    if body_rf is not None and short_rf is not None:
        # The sum sees whatever either branch sees: the wider field of the two.
        merged = RF(tuple(max(a, b) for a, b in zip(body_rf.size, short_rf.size)), body_rf.jump, body_rf.start)
    row = Row(f"add{seen['add']}", "add", "residual sum", node.line, body_shape, body_shape, rf=merged)
    row.steps = [Step("Residual sum", formula=r"y = F(x) + \text{shortcut}(x)", result=body_shape.latex,
                      note=f"both branches give {body_shape.text}; the sum is elementwise, no parameters"),
                 _neurons(body_shape)]
    rows.append(row)
    return body_shape, merged


def _unique_names(rows: list[Row]) -> None:
    """Repeated labels ('Pooling' twice) become Pooling1, Pooling2, as course notes number them."""
    counts_ = Counter(r.name for r in rows)
    index: Counter[str] = Counter()
    taken = set(counts_)
    for r in rows:
        if counts_[r.name] > 1:
            index[r.name] += 1
            sep = "_" if r.name[-1].isdigit() else ""
            candidate = f"{r.name}{sep}{index[r.name]}"
            while candidate in taken:
                index[r.name] += 1
                candidate = f"{r.name}{sep}{index[r.name]}"
            taken.add(candidate)
            r.name = candidate
