"""``input`` lines: the shape a spec starts from (an image, a 3-d volume, a sequence, token ids, a vector)
and the receptive field the table starts with; ``input``'s record (the table reads it; it builds no row).
"""

from __future__ import annotations

from nnsteps import limits
from nnsteps.arch.layers.core import RF, Shape
from nnsteps.arch.layers.record import LayerType, register
from nnsteps.arch.syntax import LayerStmt
from nnsteps.errors import NnstepsError, did_you_mean

_INPUT_WORDS = {"seq": "sequence", "sequence": "sequence", "1d": "sequence", "tokens": "tokens",
                "vector": "vector", "image": "volume", "volume": "volume", "3d": "volume3d", "volume3d": "volume3d"}


def input_shape(stmt: LayerStmt) -> Shape:
    """The shape an ``input`` line declares.

    >>> from nnsteps.arch.parse import parse
    >>> input_shape(parse("input 64x64x3")[0]), input_shape(parse("input seq 35x300")[0]).kind
    (Shape(kind='volume', dims=(64, 64, 3)), 'sequence')
    >>> input_shape(parse("input 1d 100x2")[0]).kind, input_shape(parse("input 8x32x32x3")[0]).kind
    ('sequence', 'volume3d')
    """
    args = list(stmt.args)
    kind = None
    if args and isinstance(args[0].value, str):
        word = args[0].value.lower()
        if word not in _INPUT_WORDS:
            raise NnstepsError(f"expected 'seq', '1d', 'tokens', 'vector' or sizes after 'input', got '{args[0].text}'",
                               line=args[0].line, column=args[0].column, hint=did_you_mean(word, _INPUT_WORDS))
        kind = _INPUT_WORDS[word]
        args = args[1:]
    if len(args) != 1 or not isinstance(args[0].value, tuple):
        where = args[1] if len(args) > 1 else stmt
        raise NnstepsError("expected 'input HxWxC', 'input DxHxWxC', 'input seq TxD', 'input tokens T' or "
                           "'input vector N'", line=where.line, column=where.column)
    dims = args[0].value
    wanted = {"volume": 3, "volume3d": 4, "sequence": 2, "tokens": 1, "vector": 1}
    if kind is None:
        kind = {3: "volume", 4: "volume3d", 1: "vector"}.get(len(dims))
        if kind is None:
            raise NnstepsError(f"input {args[0].text}: expected H x W x C (a grey image is HxWx1), "
                               "or 'input seq TxD' for a sequence", line=args[0].line, column=args[0].column)
    if len(dims) != wanted[kind]:
        raise NnstepsError(f"input {kind} takes {wanted[kind]} size(s), got '{args[0].text}'", line=args[0].line,
                           column=args[0].column)
    for d in dims:
        if not 1 <= d <= limits.MAX_DIM:
            raise NnstepsError(f"every input size must be 1..{limits.MAX_DIM:,}, got {d}", line=args[0].line,
                               column=args[0].column)
    return Shape(kind, dims)


def input_rf(shape: Shape) -> RF | None:
    """The receptive field the table starts from: per pixel of a volume; a sequence's starts at its first
    temporal convolution or pooling (recurrent and attention layers see the whole sequence).

    >>> input_rf(Shape("volume", (8, 8, 3))), input_rf(Shape("sequence", (10, 4)))
    (RF(size=(1, 1), jump=(1, 1), start=(0, 0)), None)
    """
    return RF.identity(len(shape.dims) - 1) if shape.kind in ("volume", "volume3d") else None


INPUT = LayerType(
    "input", "input HxWxC",
    "the first line: an image HxWxC, a 3-d volume DxHxWxC, a sequence 'seq TxC' (or '1d LxC'), 'tokens T' or "
    "'vector N'",
    build=None, labels=("input image", "input image size", "input size"), example="input 32x32x3")
register(INPUT)
