"""A spec's table against the PyTorch module it exports: the parameter count and every top-level layer's
output shape. Import it after ``pytest.importorskip("torch")``: it needs torch."""

from __future__ import annotations

import torch

from nnsteps.arch.export import example_input, to_torch, torch_input_shape
from nnsteps.arch.table import Table, summary


def n_params(module: object) -> int:
    return sum(p.numel() for p in module.parameters())  # type: ignore[attr-defined]


def assert_parity(spec: str) -> Table:
    table = summary(spec)
    module = to_torch(spec).eval()
    assert n_params(module) == table.total_params
    # Each top-level child is one row (a residual block is its 'add' row).
    rows = {r.name: r for r in table.rows}
    seen: list[tuple[str, tuple[int, ...]]] = []
    hooks = [child.register_forward_hook(lambda _m, _i, out, name=name: seen.append((name, tuple(out.shape))))
             for name, child in module.named_children()]
    with torch.no_grad():
        module(example_input(table))
    for h in hooks:
        h.remove()
    assert len(seen) == len(list(module.children()))
    for name, shape in seen:
        assert shape == torch_input_shape(rows[name].output_shape), name
    return table
