"""The dense-network backprop exercise: the classic 2-2-2 sigmoid network, PyTorch parity, errors."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsteps.errors import NnstepsError
from nnsteps.ops.mlp.network import mlp

CLASSIC = dict(
    input=[0.05, 0.10],
    layers=[{"weights": [[0.15, 0.20], [0.25, 0.30]], "bias": [0.35, 0.35], "activation": "sigmoid"},
            {"weights": [[0.40, 0.45], [0.50, 0.55]], "bias": [0.60, 0.60], "activation": "sigmoid"}],
    target=[0.01, 0.99], learning_rate=0.5,
)


def test_classic_2_2_2_network():
    a = mlp(**CLASSIC).answer
    assert a["outputs"][0] == pytest.approx([0.593269992, 0.596884378], abs=1e-9)
    assert a["outputs"][1] == pytest.approx([0.75136507, 0.772928465], abs=1e-8)
    assert a["loss"] == pytest.approx(0.298371109, abs=1e-9)
    assert a["grads"]["layers"][1]["weights"][0][0] == pytest.approx(0.082167041, abs=1e-9)
    assert a["updated"]["layers"][1]["weights"][0] == pytest.approx([0.35891648, 0.408666186], abs=1e-8)
    assert a["updated"]["layers"][1]["weights"][1] == pytest.approx([0.511301270, 0.561370121], abs=1e-8)
    assert a["updated"]["layers"][0]["weights"][0] == pytest.approx([0.149780716, 0.19956143], abs=1e-8)
    assert a["updated"]["layers"][0]["weights"][1] == pytest.approx([0.24975114, 0.29950229], abs=1e-8)
    # The sigmoid outputs keep their exact SymPy form.
    assert str(a["outputs"][0][0].exact) == "1/(exp(-151/400) + 1)"


def test_exact_relu_network():
    a = mlp([1, 2], [{"weights": [[1, -1], [F(1, 2), 1]], "bias": [0, 0], "activation": "relu"},
                     {"weights": [[1, 1]], "activation": "none"}], target=[3], learning_rate=F(1, 10)).answer
    # z1 = [-1, 5/2] → a1 = [0, 5/2]; y = 5/2; ℓ = ½(5/2 − 3)² = 1/8
    assert a["outputs"] == [[0, F(5, 2)], [F(5, 2)]]
    assert a["loss"] == F(1, 8)
    assert a["grads"]["layers"][1]["weights"] == [[0, F(-5, 4)]]
    assert a["grads"]["layers"][0]["weights"] == [[0, 0], [F(-1, 2), -1]]
    assert a["updated"]["layers"][1]["bias"] is None


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4),
       acts=st.lists(st.sampled_from(["none", "tanh", "relu", "sigmoid"]), min_size=3, max_size=3),
       loss=st.sampled_from(["half_squared_error", "squared_error", "cross_entropy"]))
def test_gradients_match_torch_autograd(seed, sizes, acts, loss):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    layers = [{"weights": rng.normal(size=(o, i)), "bias": rng.normal(size=o), "activation": acts[k % 3]}
              for k, (i, o) in enumerate(zip(sizes, sizes[1:]))]
    x = rng.normal(size=sizes[0])
    target = rng.dirichlet(np.ones(sizes[-1])) if loss == "cross_entropy" else rng.normal(size=sizes[-1])
    w = mlp(x, layers, target=target, loss=loss, learning_rate=0.1)
    Ws = [torch.tensor(l["weights"], requires_grad=True) for l in layers]
    bs = [torch.tensor(l["bias"], requires_grad=True) for l in layers]
    f = {"none": lambda a: a, "tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}
    a = torch.tensor(x)
    for W, b, l in zip(Ws, bs, layers):
        a = f[l["activation"]](W @ a + b)
    t = torch.tensor(target)
    if loss == "half_squared_error":
        ell = 0.5 * ((a - t) ** 2).sum()
    elif loss == "squared_error":
        ell = torch.nn.functional.mse_loss(a, t, reduction="sum")
    else:
        ell = torch.nn.functional.cross_entropy(a.unsqueeze(0), t.unsqueeze(0), reduction="sum")
    ell.backward()
    ans = w.answer
    assert ans["loss"] == pytest.approx(float(ell.detach()), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(ans["outputs"][-1], a.detach().numpy(), rtol=1e-12, atol=1e-12)
    for k, (W, b) in enumerate(zip(Ws, bs)):
        np.testing.assert_allclose(ans["grads"]["layers"][k]["weights"], W.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ans["grads"]["layers"][k]["bias"], b.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ans["updated"]["layers"][k]["weights"],
                                   layers[k]["weights"] - 0.1 * W.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(input=[1, 2], layers=[{"weights": [[1, 2, 3]]}]),
         r"weights must be out×in with in = 2 to match the input \(2 values\), got 1×3"),
        (dict(input=[1, 2], layers=[{"weights": [[1, 2]]}, {"weights": [[1, 2]]}]),
         r"weights must be out×in with in = 1 to match layers\[0\].weights \(1 values\), got 1×2"),
        (dict(input=[1], layers=[{"weights": [[1]], "bias": [1, 2]}]), "bias must have 1 entries"),
        (dict(input=[1], layers=[]), "expected a non-empty list of layers"),
        (dict(input=[1], layers=[{"weights": [[1]]}], target=[1, 2]), "target must have 1 entries"),
        (dict(input=[1], layers=[{"weights": [[1]], "activation": "sigmod"}]), "expected activation one of"),
        (dict(input=[1], layers=[{"weights": [[1]]}], target=[1], learning_rate="x"), "expected a learning rate"),
    ],
)
def test_bad_input_errors(kwargs, message):
    with pytest.raises(NnstepsError, match=message):
        mlp(**kwargs)
