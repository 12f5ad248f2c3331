"""Every problem kind, one module per family, found through :data:`MANIFEST`: the registry reads it and
imports only the module a problem's kind lives in, so adding a kind is adding its module and its line
here (``tests/test_kind_manifest.py`` checks the two never drift). Modules whose name starts with
``_`` hold what a family shares and register nothing, so they are not listed.

>>> MANIFEST["conv"], "relu" in STAGES
(('conv2d', 'conv_transpose2d'), True)
"""

MANIFEST: dict[str, tuple[str, ...]] = {
    # module of this package -> the kinds its import registers, in registration order
    "activation": ("relu", "sigmoid", "tanh", "softmax"),
    "relu_family": ("leaky_relu", "elu", "gelu", "silu", "softplus", "hardtanh", "prelu"),
    "attention": ("attention",),
    "boxes": ("iou", "nms"),
    "conv": ("conv2d", "conv_transpose2d"),
    "dense": ("linear", "logistic"),
    "graph": ("graph",),
    "init": ("init",),
    "norm_dropout_embedding": ("batch_norm", "layer_norm", "dropout", "embedding"),
    "loss": ("loss",),
    "metrics": ("metrics",),
    "mlp": ("mlp",),
    "moving_average": ("moving_average",),
    "network": ("network", "stacked_filters", "size_inverse"),
    "optimizer": ("optimizer",),
    "perceptron": ("perceptron",),
    "pipeline": ("pipeline",),
    "pool": ("max_pool2d", "avg_pool2d"),
    "positional": ("positional_encoding",),
    "roc": ("roc",),
    "rnn": ("rnn",),
    "sequence_metrics": ("bleu", "perplexity", "beam_search"),
}
"""Module -> the kinds it registers; the registry lists kinds in this order."""

STAGES: frozenset[str] = frozenset({
    "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "relu", "sigmoid", "tanh", "softmax", "linear",
    "logistic", "leaky_relu", "elu", "gelu", "silu", "softplus", "hardtanh", "prelu", "batch_norm", "layer_norm",
    "dropout", "embedding",
})
"""The kinds that are also pipeline stages (their records carry ``stage``); ``flatten`` is the pipeline's own."""
