"""The bias layout of an attention block's projections, shared by ``attention`` and the transformer layers:
``bias`` for all, or ``qkv_bias`` (W_Q, W_K, W_V) and ``out_bias`` (W_O) apart, e.g. Q, K, V without bias
and a biased output projection; PyTorch's ``nn.MultiheadAttention`` has one switch for both.
"""

from __future__ import annotations

from typing import Any

from nnsteps.arch.layers.record import Option

ATTENTION_BIAS = (
    Option("bias", "true or false", True, "biases on every projection (nn.MultiheadAttention's bias)"),
    Option("qkv_bias", "true or false", "bias", "biases on the Q, K, V projections (false with a biased output "
           "projection is the GPT-2-style layout: 768 wide, 2,360,064 parameters)"),
    Option("out_bias", "true or false", "bias", "a bias on the output projection W_O"),
)


def projection_bias(ctx: Any) -> tuple[bool, bool]:
    """(qkv_bias, out_bias) of an attention block: each defaults to ``bias``.

    >>> from nnsteps.arch.layers.core import Ctx, MacConvention, Shape
    >>> from nnsteps.arch.parse import parse
    >>> stmt = parse("attention heads=2 qkv_bias=false")[0]
    >>> projection_bias(Ctx(stmt, "att", Shape("sequence", (4, 8)), None, MacConvention()))
    (False, True)
    """
    bias = ctx.opt_bool("bias")
    return ctx.opt_bool("qkv_bias", bias), ctx.opt_bool("out_bias", bias)


def bias_note(qkv: bool, out: bool) -> str:
    """Which projections carry a bias, for the biases step.

    >>> bias_note(False, True)
    'b_O only (qkv_bias=false, GPT-2 style output projection)'
    """
    if qkv == out:
        return "b_Q, b_K, b_V and b_O" if qkv else "no projection has a bias"
    return "b_Q, b_K, b_V only (out_bias=false)" if qkv else "b_O only (qkv_bias=false, GPT-2 style output projection)"
