"""Activations: elementwise forward (ReLU, σ, tanh, softmax), their derivatives (one home of
tanh′ and σ′), the ReLU family (leaky_relu … prelu), and the backward pass from an upstream
gradient."""
