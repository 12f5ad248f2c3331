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
