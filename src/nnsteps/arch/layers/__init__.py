"""What each layer type accepts and what it does to a shape: one builder per type, returning the
layer's row (output shape, neurons, weights, biases, MACs, receptive field) with its steps.

Shapes follow the course's reading order in the table (H×W×C) while the semantics are PyTorch's
(``nn.Conv2d``, ``nn.MaxPool2d``, ``nn.Linear`` on the last axis, ``nn.LSTM`` with two bias vectors
per gate block, ``nn.MultiheadAttention`` with in- and out-projections).
"""

from __future__ import annotations

from collections.abc import Callable

from nnsteps.arch.layers.core import RF, Ctx, MacConvention, Row, Shape, _neurons, input_shape
from nnsteps.arch.layers.dense import dense, embedding, flatten, norm, same_shape
from nnsteps.arch.layers.grid import adaptive_pool, conv, conv_transpose, pool
from nnsteps.arch.layers.sequence import attention, recurrent
from nnsteps.arch.layers.transformer import DECODER, ENCODER, transformer
from nnsteps.names import Op

BUILDERS: dict[str, Callable[[Ctx], Row]] = {
    "conv": conv, "convT": conv_transpose, "maxpool": pool, "avgpool": pool,
    "adaptiveavgpool": adaptive_pool, "globalavgpool": adaptive_pool, "flatten": flatten,
    Op.DROPOUT.value: same_shape, Op.RELU.value: same_shape, Op.SIGMOID.value: same_shape, Op.TANH.value: same_shape, Op.SOFTMAX.value: same_shape,
    "batchnorm": norm, "layernorm": norm, "dense": dense, Op.EMBEDDING.value: embedding,
    Op.RNN.value: recurrent, "lstm": recurrent, "gru": recurrent, Op.ATTENTION.value: attention,
    ENCODER: transformer, DECODER: transformer,
}

__all__ = ["BUILDERS", "RF", "Ctx", "MacConvention", "Row", "Shape", "_neurons", "input_shape"]
