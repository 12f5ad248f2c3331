"""The names more than one layer spells: one home for each, so each is written once.

An op's name is its public function (``nnsteps.conv2d``), the kind of the ``Worked`` it returns, the
problem kind that asks for it and, for some, a word of the layer-spec language (``relu``, ``linear``)
or an option value (``activation: tanh``). A problem kind whose name nothing else spells keeps it in
its own module under ``nnsteps.kinds``; ``tests/test_kinds_records.py`` checks that every kind name is
a string literal in exactly one module: here or its kind module.

>>> Op.CONV2D == "conv2d", Activation("tanh") is Activation.TANH
(True, True)
"""

from __future__ import annotations

from enum import StrEnum


class Op(StrEnum):
    """The ops: each the name of a public function, of the ``Worked`` it returns and of a problem kind."""

    CONV2D = "conv2d"
    CONV_TRANSPOSE2D = "conv_transpose2d"
    MAX_POOL2D = "max_pool2d"
    AVG_POOL2D = "avg_pool2d"
    RELU = "relu"
    SIGMOID = "sigmoid"
    TANH = "tanh"
    SOFTMAX = "softmax"
    LINEAR = "linear"
    LOGISTIC = "logistic"
    RNN = "rnn"
    MLP = "mlp"
    ATTENTION = "attention"
    LOSS = "loss"  # the loss kind, and the answer key and field of every kind that computes a loss
    DROPOUT = "dropout"
    EMBEDDING = "embedding"
    BATCH_NORM = "batch_norm"
    LAYER_NORM = "layer_norm"
    LEAKY_RELU = "leaky_relu"
    ELU = "elu"
    GELU = "gelu"
    SILU = "silu"
    SOFTPLUS = "softplus"
    HARDTANH = "hardtanh"
    PRELU = "prelu"


class Loss(StrEnum):
    """The losses of the ``loss`` kind (``torch.nn.functional``'s names, the course's ½ Σ (x − y)², CS231n's
    multiclass ``svm`` and Keras' ``hinge`` and ``squared_hinge``)."""

    MSE = "mse"
    L1 = "l1"
    SMOOTH_L1 = "smooth_l1"
    HUBER = "huber"
    CROSS_ENTROPY = "cross_entropy"
    NLL = "nll"
    BCE = "binary_cross_entropy"
    BCE_WITH_LOGITS = "binary_cross_entropy_with_logits"
    KL_DIV = "kl_div"
    HALF_SQUARED_ERROR = "half_squared_error"
    SVM = "svm"
    MULTI_MARGIN = "multi_margin"
    HINGE = "hinge"
    SQUARED_HINGE = "squared_hinge"


class Activation(StrEnum):
    """The activation functions an ``rnn`` or ``mlp`` layer may apply (``none``: the identity)."""

    NONE = "none"
    TANH = Op.TANH.value
    RELU = Op.RELU.value
    SIGMOID = Op.SIGMOID.value


class Design(StrEnum):
    """Results of the layer-spec tools that are also problem kinds."""

    NETWORK = "network"
    STACKED_FILTERS = "stacked_filters"
    SIZE_INVERSE = "size_inverse"
