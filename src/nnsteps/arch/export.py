"""Export a spec to a PyTorch module (PyTorch is an optional extra, imported only here, lazily).

The module is an ``nn.Sequential`` whose children are named like the table's rows; a residual
block becomes one child holding ``body`` and ``shortcut``. Inputs are channels-first with a batch
axis: ``(B, C, H, W)`` for a volume, ``(B, T, D)`` for a sequence, ``(B, T)`` long for tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from nnsteps.arch.layers import Row, Shape
from nnsteps.arch.parse import LayerStmt, Node, Repeat, parse
from nnsteps.arch.table import Table, summary
from nnsteps.errors import NnstepsError
from nnsteps.names import Op


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

    >>> torch_input_shape(Shape("volume", (64, 64, 3)))
    (1, 3, 64, 64)
    """
    if shape.kind == "volume":
        h, w, c = shape.dims
        return (batch, c, h, w)
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
    from collections import OrderedDict

    return OrderedDict(pairs)


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
    c = _classes()
    nn = c["nn"]
    cfg = row.config
    t = row.type
    if t == "conv":
        return nn.Conv2d(cfg["in_channels"], cfg["out_channels"], cfg["kernel"], stride=cfg["stride"],
                         padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"], bias=cfg["bias"])
    if t == "convT":
        return nn.ConvTranspose2d(cfg["in_channels"], cfg["out_channels"], cfg["kernel"], stride=cfg["stride"],
                                  padding=cfg["padding"], output_padding=cfg["output_padding"],
                                  groups=cfg["groups"], bias=cfg["bias"], dilation=cfg["dilation"])
    if t == "maxpool":
        return nn.MaxPool2d(cfg["kernel"], stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"],
                            ceil_mode=cfg["ceil_mode"])
    if t == "avgpool":
        return nn.AvgPool2d(cfg["kernel"], stride=cfg["stride"], padding=cfg["padding"], ceil_mode=cfg["ceil_mode"],
                            count_include_pad=cfg["count_include_pad"])
    if t == "adaptiveavgpool":
        return nn.AdaptiveAvgPool2d(cfg["size"])
    if t == "globalavgpool":
        return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
    if t == "flatten":
        return nn.Flatten()
    if t == Op.DROPOUT.value:
        return nn.Dropout(float(cfg["p"]))
    if t in (Op.RELU.value, Op.SIGMOID.value, Op.TANH.value):
        return {Op.RELU.value: nn.ReLU, Op.SIGMOID.value: nn.Sigmoid, Op.TANH.value: nn.Tanh}[t]()
    if t == Op.SOFTMAX.value:
        # Over channels for a volume (B, C, H, W) and a vector; over features for a sequence (B, T, D).
        return nn.Softmax(dim=-1 if row.input_shape.kind == "sequence" else 1)
    if t == "batchnorm":
        return (nn.BatchNorm2d if row.input_shape.kind == "volume" else nn.BatchNorm1d)(cfg["features"])
    if t == "layernorm":
        dims = cfg["normalized"]
        return nn.LayerNorm([dims[2], dims[0], dims[1]] if len(dims) == 3 else list(dims))
    if t == "dense":
        return nn.Linear(cfg["in_features"], cfg["out_features"], bias=cfg["bias"])
    if t == Op.EMBEDDING.value:
        return nn.Embedding(cfg["num_embeddings"], cfg["dim"])
    if t in (Op.RNN.value, "lstm", "gru"):
        cls = {Op.RNN.value: nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[t]
        return c["Recurrent"](cls(cfg["input_size"], cfg["hidden"], num_layers=cfg["num_layers"], bias=cfg["bias"],
                                  batch_first=True, bidirectional=cfg["bidirectional"]))
    if t == Op.ATTENTION.value:
        return c["SelfAttention"](nn.MultiheadAttention(cfg["embed"], cfg["heads"], bias=cfg["bias"],
                                                        batch_first=True))
    if t == "transformer_encoder":
        return nn.TransformerEncoderLayer(cfg["d_model"], cfg["heads"], dim_feedforward=cfg["ff"], batch_first=True)
    if t == "transformer_decoder":  # a decoder layer reads a second sequence, which a Sequential cannot pass
        raise NnstepsError("cannot export transformer_decoder: it needs a memory sequence beside its input")
    raise NnstepsError(f"cannot export layer type {t}")  # pragma: no cover - every builder has a case


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

    class Recurrent(nn.Module):  # type: ignore[misc]
        """An RNN/LSTM/GRU that returns every step's hidden state and drops the final state."""

        def __init__(self, rnn: Any) -> None:
            super().__init__()
            self.rnn = rnn

        def forward(self, x: Any) -> Any:
            return self.rnn(x)[0]

    class SelfAttention(nn.Module):  # type: ignore[misc]
        """Multi-head self-attention: query, key and value are all the input sequence."""

        def __init__(self, mha: Any) -> None:
            super().__init__()
            self.mha = mha

        def forward(self, x: Any) -> Any:
            return self.mha(x, x, x, need_weights=False)[0]

    return {"nn": nn, "Residual": Residual, "Recurrent": Recurrent, "SelfAttention": SelfAttention}
