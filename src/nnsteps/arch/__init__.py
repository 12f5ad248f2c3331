"""Networks as text: the layer-spec language, the layer table, design questions, export to PyTorch.

>>> import nnsteps
>>> t = nnsteps.summary("input 32x32x3\\nconv 3x3x16 p=1 s=1\\nflatten\\ndense 1")
>>> t.rows[0].neurons, t.rows[0].weights, t.rows[-1].weights
(16384, 432, 16384)
"""

from nnsteps.arch.design import (
           solve_kernel,
           solve_output_padding,
           solve_padding,
           solve_stride,
           stacked_vs_single,
)
from nnsteps.arch.export import to_torch
from nnsteps.arch.table import Table, summary

__all__ = ["Table", "solve_kernel", "solve_output_padding", "solve_padding", "solve_stride", "stacked_vs_single",
           "summary", "to_torch"]
