"""transformer_encoder / transformer_decoder in the spec language: parameters exactly PyTorch's sum(p.numel())."""

from __future__ import annotations

import pytest

from nnsteps.arch.table import summary as build_table
from nnsteps.errors import NnstepsError

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(("t", "e", "heads", "ff"), [(10, 64, 8, 256), (5, 8, 2, 16), (3, 12, 3, 7), (4, 6, 1, 2048)])
@pytest.mark.parametrize("decoder", [False, True])
def test_params_equal_pytorch(t: int, e: int, heads: int, ff: int, decoder: bool) -> None:
    kind = "transformer_decoder" if decoder else "transformer_encoder"
    table = build_table(f"input seq {t}x{e}\n{kind} d_model={e} heads={heads} ff={ff}")
    row = table.rows[-1]
    cls = torch.nn.TransformerDecoderLayer if decoder else torch.nn.TransformerEncoderLayer
    layer = cls(d_model=e, nhead=heads, dim_feedforward=ff, batch_first=True)
    assert row.params == sum(p.numel() for p in layer.parameters())
    norms = sum(p.numel() for n, p in layer.named_parameters() if n.startswith("norm"))
    assert row.other == norms
    x = torch.zeros(1, t, e)
    out = layer(x, torch.zeros(1, 7, e)) if decoder else layer(x)
    assert tuple(out.shape[1:]) == row.output_shape.dims


def test_bad_transformer_lines_are_located() -> None:
    with pytest.raises(NnstepsError, match="heads=3 must divide d_model 8"):
        build_table("input seq 4x8\ntransformer_encoder heads=3 ff=16")
    with pytest.raises(NnstepsError, match="d_model=16 must equal"):
        build_table("input seq 4x8\ntransformer_encoder d_model=16 heads=2")
    with pytest.raises(NnstepsError, match="unknown option 'memory' for transformer_encoder"):
        build_table("input seq 4x8\ntransformer_encoder heads=2 memory=3")


def test_encoder_exports_to_torch_with_the_same_params_and_shape() -> None:
    from nnsteps.arch.export import to_torch

    spec = "input seq 6x16\ntransformer_encoder d_model=16 heads=4 ff=32"
    model = to_torch(spec)
    assert sum(p.numel() for p in model.parameters()) == build_table(spec).rows[-1].params
    assert tuple(model.eval()(torch.zeros(2, 6, 16)).shape) == (2, 6, 16)
    with pytest.raises(NnstepsError, match="needs a memory sequence"):
        to_torch("input seq 6x16\ntransformer_decoder heads=4 ff=32")
