"""nnsteps: neural-network exercises computed exactly, with the work shown.

>>> import nnsteps
>>> nnsteps.conv2d("1 2 0; 0 1 2; 2 0 1", "1 0; 0 1").value.tolist()
[[2, 4], [0, 2]]
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.ops.activation import relu, sigmoid, softmax, tanh
from nnsteps.ops.conv import conv2d
from nnsteps.ops.dense import linear, logistic
from nnsteps.ops.pool import avg_pool2d, max_pool2d
from nnsteps.ops.transpose import conv_transpose2d
from nnsteps.work import Step, Worked

__version__ = "0.1.0"

# Functions whose modules pull in more (SymPy, torch, the checker) load on first use.
_LAZY = {
    "rnn": "nnsteps.ops.rnn",
    "mlp": "nnsteps.ops.mlp",
    "self_attention": "nnsteps.ops.attention",
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


__all__ = [
    "NnstepsError", "Step", "Worked", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "relu",
    "sigmoid", "tanh", "softmax", "linear", "logistic", *_LAZY,
]
