"""nnsteps: neural-network exercises computed exactly, with the work shown.

>>> import nnsteps
>>> nnsteps.conv2d("1 2 0; 0 1 2; 2 0 1", "1 0; 0 1").value.tolist()
[[2, 4], [0, 2]]
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.names import Op
from nnsteps.work import Step, Worked

__version__ = "0.1.0"

# Everything that needs NumPy (or SymPy, torch, the checker) loads on first use, so that
# `nnsteps --help` starts at once.
_LAZY = {
    Op.CONV2D.value: "nnsteps.ops.grid.conv",
    Op.CONV_TRANSPOSE2D.value: "nnsteps.ops.grid.transpose",
    Op.MAX_POOL2D.value: "nnsteps.ops.grid.pool",
    Op.AVG_POOL2D.value: "nnsteps.ops.grid.pool",
    Op.RELU.value: "nnsteps.ops.activations.elementwise",
    Op.SIGMOID.value: "nnsteps.ops.activations.elementwise",
    Op.TANH.value: "nnsteps.ops.activations.elementwise",
    Op.SOFTMAX.value: "nnsteps.ops.activations.elementwise",
    Op.LINEAR.value: "nnsteps.ops.layers.dense",
    Op.LOGISTIC.value: "nnsteps.ops.layers.dense",
    Op.RNN.value: "nnsteps.ops.rnn",
    Op.MLP.value: "nnsteps.ops.mlp.network",
    "self_attention": "nnsteps.ops.sequence.attention",
    "check": "nnsteps.api_check",
    "generate": "nnsteps.api_check",
    "summary": "nnsteps.arch",
    "to_torch": "nnsteps.arch",
    "solve": "nnsteps.problems.solve",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = import_module(_LAZY[name])
        attr = "solve_text" if name == "solve" else name
        return getattr(module, attr)
    raise AttributeError(f"module 'nnsteps' has no attribute {name!r}")


__all__ = ["NnstepsError", "Step", "Worked", *_LAZY]
