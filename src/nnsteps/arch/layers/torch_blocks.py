"""Small ``nn.Module`` wrappers the layer records export to (defined on first use, so that importing
nnsteps never imports torch; ``nn`` is handed in by :mod:`nnsteps.arch.export`).

The table keeps a sequence time-first, ``(B, T, C)``, as ``batch_first`` RNNs and attention read it;
PyTorch's 1-d convolution, pooling and batch norm read ``(B, C, T)``: ``TimeFirst`` transposes around them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def blocks(nn: Any) -> dict[str, Any]:
    """The wrapper classes, built once per ``torch.nn``.

    >>> from torch import nn  # doctest: +SKIP
    >>> sorted(blocks(nn))  # doctest: +SKIP
    ['Recurrent', 'SelfAttention', 'TimeFirst']
    """

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

    class TimeFirst(nn.Module):  # type: ignore[misc]
        """A channels-first 1-d module (``nn.Conv1d``, ``nn.MaxPool1d``, ...) applied to a ``(B, T, C)``
        sequence: transposed to ``(B, C, T)`` and back."""

        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, x: Any) -> Any:
            return self.inner(x.transpose(1, 2)).transpose(1, 2)

    return {"Recurrent": Recurrent, "SelfAttention": SelfAttention, "TimeFirst": TimeFirst}


def mha(nn: Any, embed: int, heads: int, qkv: bool, out: bool, dropout: float = 0.0) -> Any:
    """``nn.MultiheadAttention(embed, heads, bias=qkv, batch_first=True)`` where its one ``bias`` switch says
    the layout; a mixed layout (``qkv != out``) is built from Linears instead (:func:`projected_attention`).

    >>> from torch import nn  # doctest: +SKIP
    >>> sum(p.numel() for p in mha(nn, 768, 12, False, True).parameters())  # doctest: +SKIP
    2360064
    """
    if qkv == out:
        return nn.MultiheadAttention(embed, heads, bias=qkv, batch_first=True, dropout=dropout)
    return projected_attention(nn)(embed, heads, qkv, out, dropout)


@lru_cache(maxsize=1)
def projected_attention(nn: Any) -> Any:
    """The class of multi-head attention from two Linears, GPT-2's layout: ``c_attn`` E→3E (Q, K, V; its
    bias is ``qkv_bias``) and ``c_proj`` E→E (W_O; ``out_bias``), called as ``nn.MultiheadAttention`` is
    (batch first, returning (output, None)).

    >>> from torch import nn  # doctest: +SKIP
    >>> projected_attention(nn)(8, 2, False, True).c_proj.bias.shape  # doctest: +SKIP
    torch.Size([8])
    """
    functional = nn.functional

    class ProjectedAttention(nn.Module):  # type: ignore[misc]
        batch_first = True
        # what nn.TransformerEncoderLayer reads to choose its fused fast path, which needs a
        # MultiheadAttention: None sends it down the plain path (as MultiheadAttention(bias=False) does)
        in_proj_bias = None

        def __init__(self, embed: int, heads: int, qkv: bool, out: bool, dropout: float = 0.0) -> None:
            super().__init__()
            self.heads, self.dropout = heads, dropout
            self.c_attn = nn.Linear(embed, 3 * embed, bias=qkv)
            self.c_proj = nn.Linear(embed, embed, bias=out)

        def forward(self, query: Any, key: Any, value: Any, key_padding_mask: Any = None, need_weights: bool = False,
                    attn_mask: Any = None, average_attn_weights: bool = True, is_causal: bool = False) -> Any:
            if key_padding_mask is not None or need_weights:
                raise ValueError("ProjectedAttention takes no key_padding_mask and returns no weights")
            b, t, e = query.shape
            w = self.c_attn.weight.split(e)
            bias = self.c_attn.bias.split(e) if self.c_attn.bias is not None else (None,) * 3
            q, k, v = (functional.linear(x, wi, bi).view(b, x.shape[1], self.heads, e // self.heads).transpose(1, 2)
                       for x, wi, bi in zip((query, key, value), w, bias, strict=True))
            y = functional.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, is_causal=is_causal,
                                                        dropout_p=self.dropout if self.training else 0.0)
            return self.c_proj(y.transpose(1, 2).reshape(b, t, e)), None

    return ProjectedAttention
