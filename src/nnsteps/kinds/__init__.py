"""Every problem kind, one module per family; importing this package registers them all."""

from nnsteps.kinds import backprop, grid, network  # noqa: F401
