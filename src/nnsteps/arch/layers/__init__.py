"""The layer types of the spec language, one record each (:class:`LayerType`, :mod:`.record`): what a type
accepts and what it does to a shape, returning the layer's row (output shape, neurons, weights, biases,
MACs, receptive field) with its steps, and its PyTorch module. One module per family (``inputs``, ``grid``,
``nd``, ``separable``, ``dense``, ``sequence``, ``transformer``) registers its records; the registry finds them.

Shapes follow the course's reading order in the table (H×W×C, D×H×W×C, T×C) while the semantics are
PyTorch's (``nn.Conv1d/2d/3d``, ``nn.MaxPool2d``, ``nn.Linear`` on the last axis, ``nn.LSTM`` with two bias
vectors per gate block, ``nn.MultiheadAttention`` with in- and out-projections).
"""

from __future__ import annotations

from nnsteps.arch.layers.core import RF, Ctx, MacConvention, Row, Shape, _neurons
from nnsteps.arch.layers.inputs import INPUT, input_rf, input_shape
from nnsteps.arch.layers.record import (
           LayerType,
           Option,
           describe,
           label_words,
           layer_type,
           layer_types,
           spellings,
)

__all__ = ["INPUT", "RF", "Ctx", "LayerType", "MacConvention", "Option", "Row", "Shape", "_neurons", "describe",
           "input_rf", "input_shape", "label_words", "layer_type", "layer_types", "spellings"]
