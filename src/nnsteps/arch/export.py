"""Export a spec to a PyTorch module (PyTorch is an optional extra, imported only here, lazily).

The module is an ``nn.Sequential`` whose children are named like the table's rows; a residual
block becomes one child holding ``body`` and ``shortcut``; each layer's module comes from its layer type's
record. Inputs are channels-first with a batch axis: ``(B, C, H, W)`` for a volume, ``(B, C, D, H, W)`` for a
3-d volume, ``(B, T, D)`` for a sequence (time first, as the RNNs read it), ``(B, T)`` long for tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from nnsteps.arch.layers import Row, Shape, layer_type
from nnsteps.arch.parse import LayerStmt, Node, Repeat, parse
from nnsteps.arch.table import Table, summary
from nnsteps.errors import NnstepsError


def to_torch(spec: str) -> Any:
    """An ``nn.Module`` that computes what the spec describes, with PyTorch's default initialisation.

    >>> m = to_torch("input 8x8x3; conv 3x3x4 p=1; relu; flatten; dense 2")  # doctest: +SKIP
    >>> sum(p.numel() for p in m.parameters())  # doctest: +SKIP
    622
    """
    try:
        import torch  # noqa: F401
    except ImportError:
        raise NnstepsError("to_torch needs PyTorch: pip install 'nnsteps[torch]'") from None
    nodes = parse(spec)
    table = summary(nodes)
    rows = iter(table.rows)
    nn = _classes()["nn"]
    return nn.Sequential(_ordered(_build(nodes[1:], rows)))


def torch_input_shape(shape: Shape, batch: int = 1) -> tuple[int, ...]:
    """The PyTorch tensor shape (batch first, channels first) of a table shape.

    >>> torch_input_shape(Shape("volume", (64, 64, 3))), torch_input_shape(Shape("volume3d", (8, 16, 16, 3)))
    ((1, 3, 64, 64), (1, 3, 8, 16, 16))
    """
    if shape.kind in ("volume", "volume3d"):
        *spatial, c = shape.dims
        return (batch, c, *spatial)
    return (batch, *shape.dims)


def example_input(table: Table) -> Any:
    """A zero tensor of the table's input shape (long ids for token inputs).

    Needs the optional ``torch`` extra, so the example is skipped like :func:`to_torch`'s:

    >>> from nnsteps.arch.table import summary
    >>> x = example_input(summary("input 8x8x3; conv 3x3x4"))  # doctest: +SKIP
    >>> tuple(x.shape), x.dtype  # doctest: +SKIP
    ((1, 3, 8, 8), torch.float32)
    """
    import torch

    dtype = torch.long if table.input_shape.kind == "tokens" else torch.float32
    return torch.zeros(torch_input_shape(table.input_shape), dtype=dtype)


def _ordered(pairs: list[tuple[str, Any]]) -> Any:
    """The children in order under names each its own: two names alike once made safe (``Conv-1``, ``Conv_1``)
    would keep one child, and a name a module already has (``forward``, ``training``) is refused by PyTorch, so
    either takes a number (``Conv_1_2``, ``forward_2``)."""
    from collections import OrderedDict

    taken = _classes()["nn"].Sequential()
    out: OrderedDict[str, Any] = OrderedDict()
    for name, module in pairs:
        key, n = name, 1
        while key in out or hasattr(taken, key):
            n += 1
            key = f"{name}_{n}"
        out[key] = module
    return out


def _build(nodes: list[Node], rows: Iterator[Row]) -> list[tuple[str, Any]]:
    c = _classes()
    nn = c["nn"]
    out: list[tuple[str, Any]] = []
    for node in nodes:
        if isinstance(node, LayerStmt):
            row = next(rows)
            out.append((_module_name(row.name), _module(row)))
        elif isinstance(node, Repeat):
            for _ in range(node.count):
                out += _build(node.body, rows)
        else:
            body = nn.Sequential(_ordered(_build(node.body, rows)))
            shortcut = nn.Sequential(_ordered(_build(node.shortcut or [], rows)))
            add = next(rows)
            out.append((_module_name(add.name), c["Residual"](body, shortcut)))
    return out


def _module_name(name: str) -> str:
    """PyTorch child names may not contain '.', and should be identifiers."""
    return re.sub(r"\W", "_", name) or "layer"


def _module(row: Row) -> Any:
    """The row's module, as its layer type's record exports it."""
    export = layer_type(row.type).to_torch
    if export is None:  # pragma: no cover - every layer type with a builder has an export
        raise NnstepsError(f"cannot export layer type {row.type}")
    return export(row, _classes()["nn"])


@lru_cache(maxsize=1)
def _classes() -> dict[str, Any]:
    """Module classes, defined on first use so that importing nnsteps never imports torch."""
    from torch import nn

    class Residual(nn.Module):  # type: ignore[misc]
        """``y = body(x) + shortcut(x)``; an empty shortcut is the identity."""

        def __init__(self, body: Any, shortcut: Any) -> None:
            super().__init__()
            self.body = body
            self.shortcut = shortcut

        def forward(self, x: Any) -> Any:
            return self.body(x) + self.shortcut(x)

    return {"nn": nn, "Residual": Residual}
