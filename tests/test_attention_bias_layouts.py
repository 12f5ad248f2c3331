"""Per-projection attention biases in the spec language (``qkv_bias``, ``out_bias``, ``bias``) for
``attention`` and the transformer layers: the table's counts equal PyTorch modules built the same way
(from ``nn.Linear``s where ``nn.MultiheadAttention``'s one bias switch cannot say it), and the export
computes the same attention as those Linears."""

from __future__ import annotations

import pytest

from nnsteps.arch.export import to_torch
from nnsteps.arch.table import summary
from nnsteps.errors import NnstepsError

torch = pytest.importorskip("torch")
nn = torch.nn


def n_params(module: object) -> int:
    return sum(p.numel() for p in module.parameters())  # type: ignore[attr-defined]


class LinearAttention(nn.Module):
    """Self-attention written from Linears: Q, K, V in one E→3E projection (GPT-2's c_attn) and W_O."""

    def __init__(self, e: int, heads: int, qkv_bias: bool, out_bias: bool) -> None:
        super().__init__()
        self.heads = heads
        self.c_attn = nn.Linear(e, 3 * e, bias=qkv_bias)
        self.c_proj = nn.Linear(e, e, bias=out_bias)

    def forward(self, x):
        b, t, e = x.shape
        q, k, v = self.c_attn(x).split(e, dim=-1)
        q, k, v = (z.view(b, t, self.heads, e // self.heads).transpose(1, 2) for z in (q, k, v))
        y = torch.nn.functional.scaled_dot_product_attention(q, k, v)
        return self.c_proj(y.transpose(1, 2).reshape(b, t, e))


def test_gpt2_attention_block_without_qkv_bias_has_2360064_parameters():
    spec = "input seq 1024x768\nattention heads=12 qkv_bias=false"
    table = summary(spec)
    row = table.rows[-1]
    assert (row.weights, row.biases, table.total_params) == (4 * 768 * 768, 768, 2_360_064)
    assert n_params(to_torch(spec)) == 2_360_064
    assert n_params(LinearAttention(768, 12, qkv_bias=False, out_bias=True)) == 2_360_064


@pytest.mark.parametrize(("opts", "qkv", "out"), [
    ("", True, True), ("bias=false", False, False), ("qkv_bias=false", False, True),
    ("out_bias=false", True, False), ("bias=false out_bias=true", False, True),
])
def test_attention_counts_equal_linear_built_modules(opts, qkv, out):
    spec = f"input seq 6x16\nattention heads=4 {opts}"
    table = summary(spec)
    assert table.total_params == n_params(LinearAttention(16, 4, qkv, out)) == n_params(to_torch(spec))


@pytest.mark.parametrize(("qkv", "out"), [(False, True), (True, False), (False, False), (True, True)])
def test_exported_attention_computes_what_the_linears_compute(qkv, out):
    torch.manual_seed(0)
    spec = f"input seq 5x8\nattention heads=2 qkv_bias={str(qkv).lower()} out_bias={str(out).lower()}"
    module = to_torch(spec)
    ref = LinearAttention(8, 2, qkv, out)
    if qkv == out:
        mha = next(m for m in module.modules() if isinstance(m, nn.MultiheadAttention))
        weights = [mha.in_proj_weight, mha.in_proj_bias, mha.out_proj.weight, mha.out_proj.bias]
    else:
        att = next(m for m in module.modules() if hasattr(m, "c_attn"))
        weights = [att.c_attn.weight, att.c_attn.bias, att.c_proj.weight, att.c_proj.bias]
    with torch.no_grad():
        for mine, theirs in zip([ref.c_attn.weight, ref.c_attn.bias, ref.c_proj.weight, ref.c_proj.bias], weights,
                                strict=True):
            assert (mine is None) == (theirs is None)
            if mine is not None:
                mine.copy_(theirs)
        x = torch.randn(3, 5, 8)
        for mode in (module.train, module.eval):  # eval takes PyTorch's fast path where it applies
            mode()
            torch.testing.assert_close(module(x), ref(x), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("opts", "kwargs"), [
    ("", {}), ("bias=false", {"bias": False}),
])
def test_transformer_encoder_bias_counts_equal_pytorch(opts, kwargs):
    spec = f"input seq 6x16\ntransformer_encoder heads=4 ff=32 {opts}"
    want = n_params(nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True, **kwargs))
    assert summary(spec).total_params == want == n_params(to_torch(spec))


@pytest.mark.parametrize("opts", ["qkv_bias=false", "out_bias=false"])
def test_transformer_encoder_with_mixed_biases_counts_and_runs(opts):
    spec = f"input seq 6x16\ntransformer_encoder heads=4 ff=32 {opts}"
    dropped = 3 * 16 if opts.startswith("qkv") else 16
    layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True)
    assert summary(spec).total_params == n_params(layer) - dropped
    module = to_torch(spec)
    assert n_params(module) == n_params(layer) - dropped
    x = torch.randn(2, 6, 16)
    with torch.no_grad():
        assert module.eval()(x).shape == module.train()(x).shape == x.shape


def test_transformer_decoder_counts_its_two_attention_blocks_biases():
    spec = "input seq 6x16\ntransformer_decoder heads=4 ff=32 qkv_bias=false"
    layer = nn.TransformerDecoderLayer(16, 4, dim_feedforward=32, batch_first=True)
    assert summary(spec).total_params == n_params(layer) - 2 * 3 * 16
    no_bias = nn.TransformerDecoderLayer(16, 4, dim_feedforward=32, batch_first=True, bias=False)
    assert summary(spec.replace("qkv_bias=false", "bias=false")).total_params == n_params(no_bias)


def test_a_bias_option_that_is_not_a_boolean_is_one_line():
    with pytest.raises(NnstepsError, match="qkv_bias must be true or false"):
        summary("input seq 6x16\nattention heads=4 qkv_bias=maybe")
