"""Ops on a grid: 2-d convolution, transposed convolution and pooling, and their gradients."""
