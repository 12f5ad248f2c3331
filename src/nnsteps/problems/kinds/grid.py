"""Grid problem kinds (conv, pooling, activations, dense heads, pipelines)."""
