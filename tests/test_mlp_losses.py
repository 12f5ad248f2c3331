"""mlp with every loss of the ``loss`` kind and every activation of ``relu_family``, against PyTorch
autograd and torch.optim.SGD (float64, Hypothesis); exact inputs give exact gradients where the
functions are rational; step honesty; bad input."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from tests.helpers.step_honesty import check_steps

from nnsteps.errors import NnstepsError
from nnsteps.problems.solve import solve_problem

torch = pytest.importorskip("torch")
F = torch.nn.functional
PARITY = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
tenths = st.integers(-9, 9).map(lambda v: Fraction(v, 10))
LOSSES = ["mse", "l1", "smooth_l1", "huber", "cross_entropy", "nll", "binary_cross_entropy",
          "binary_cross_entropy_with_logits", "kl_div", "half_squared_error"]
ACTIVATIONS = ["leaky_relu", "elu", "gelu", "silu", "softplus", "hardtanh", "prelu", "relu", "none"]


def floats(value: Any) -> np.ndarray:
    return np.array(value, dtype=object).astype(np.float64)


def t64(value: Any, grad: bool = False) -> Any:
    return torch.tensor(floats(value), dtype=torch.float64, requires_grad=grad)


def torch_activation(name: str, z: Any, options: dict[str, Any], slope: Any) -> Any:
    o = {k: float(v) if not isinstance(v, (str, list)) else v for k, v in options.items()}
    if name == "leaky_relu":
        return F.leaky_relu(z, o.get("negative_slope", 0.01))
    if name == "elu":
        return F.elu(z, o.get("alpha", 1.0))
    if name == "gelu":
        return F.gelu(z, approximate=o.get("approximate", "none"))
    if name == "silu":
        return F.silu(z)
    if name == "softplus":
        return F.softplus(z, o.get("beta", 1.0), o.get("threshold", 20.0))
    if name == "hardtanh":
        return F.hardtanh(z, o.get("min_val", -1.0), o.get("max_val", 1.0))
    if name == "prelu":
        return F.prelu(z, slope)
    if name == "relu":
        return F.relu(z)
    return z


def torch_loss(name: str, y: Any, target: Any, reduction: str, options: dict[str, Any]) -> Any:
    if name in ("cross_entropy", "nll"):
        t = torch.tensor(target)
        kw: dict[str, Any] = {"reduction": reduction}
        if "weight" in options:
            kw["weight"] = t64(options["weight"])
        if name == "cross_entropy":
            return F.cross_entropy(y, t, label_smoothing=float(options.get("label_smoothing", 0)), **kw)
        return F.nll_loss(y, t, **kw)
    t = t64(target)
    if name == "mse":
        return F.mse_loss(y, t, reduction=reduction)
    if name == "l1":
        return F.l1_loss(y, t, reduction=reduction)
    if name == "smooth_l1":
        return F.smooth_l1_loss(y, t, reduction=reduction, beta=float(options.get("beta", 1)))
    if name == "huber":
        return F.huber_loss(y, t, reduction=reduction, delta=float(options.get("delta", 1)))
    if name == "binary_cross_entropy":
        return F.binary_cross_entropy(y, t, reduction=reduction)
    if name == "binary_cross_entropy_with_logits":
        pw = t64(options["pos_weight"]) if "pos_weight" in options else None
        return F.binary_cross_entropy_with_logits(y, t, reduction=reduction, pos_weight=pw)
    if name == "kl_div":
        return F.kl_div(y, t, reduction=reduction)
    return 0.5 * ((y - t) ** 2).sum() if reduction == "sum" else 0.5 * ((y - t) ** 2).mean()


def draw_activation(d: Any) -> tuple[str, dict[str, Any]]:
    name = d(st.sampled_from(ACTIVATIONS))
    options: dict[str, Any] = {}
    if name == "leaky_relu":
        options["negative_slope"] = d(st.sampled_from([Fraction(1, 10), Fraction(1, 2), 2]))
    elif name == "elu":
        options["alpha"] = d(st.sampled_from([1, Fraction(1, 2)]))
    elif name == "gelu":
        options["approximate"] = d(st.sampled_from(["none", "tanh"]))
    elif name == "softplus":
        options["beta"] = d(st.sampled_from([1, 2]))
        options["threshold"] = d(st.sampled_from([20, 1]))
    elif name == "hardtanh":
        options["min_val"], options["max_val"] = d(st.sampled_from([(-1, 1), (Fraction(-1, 2), 2)]))
    elif name == "prelu":
        options["weight"] = d(st.sampled_from([[Fraction(1, 4)], [Fraction(1, 10), Fraction(1, 2)]]))
    return name, options


def draw_target(d: Any, name: str, n: int, o: int) -> Any:
    if name in ("cross_entropy", "nll"):
        return [d(st.integers(0, o - 1)) for _ in range(n)]
    if name in ("binary_cross_entropy", "binary_cross_entropy_with_logits"):
        return [[d(st.integers(0, 1)) for _ in range(o)] for _ in range(n)]
    if name == "kl_div":
        return [[Fraction(1, o)] * o for _ in range(n)]
    return [[d(tenths) for _ in range(o)] for _ in range(n)]


@PARITY
@given(data=st.data())
def test_mlp_with_every_loss_and_activation_matches_torch_autograd_and_sgd(data: Any) -> None:
    d = data.draw

    def mat(*shape: int) -> np.ndarray:
        size = int(np.prod(shape))
        return np.array(d(st.lists(tenths, min_size=size, max_size=size)), dtype=object).reshape(shape)

    loss = d(st.sampled_from(LOSSES))
    act, options = draw_activation(d)
    N, O = d(st.integers(1, 3)), 2
    x, W1, b1, W2, b2 = mat(N, 2), mat(2, 2), mat(2), mat(O, 2), mat(O)
    last = "sigmoid" if loss == "binary_cross_entropy" else "none"  # BCE takes probabilities
    target = draw_target(d, loss, N, O)
    reduction = d(st.sampled_from(["mean", "sum"]))
    loss_options: dict[str, Any] = {}
    if loss == "cross_entropy" and d(st.booleans()):
        loss_options = {"label_smoothing": Fraction(1, 10), "weight": [1, 2]}
    if loss == "huber":
        loss_options = {"delta": d(st.sampled_from([Fraction(1, 2), 1]))}
    if loss == "smooth_l1":
        loss_options = {"beta": d(st.sampled_from([Fraction(1, 2), 1]))}
    if loss == "binary_cross_entropy_with_logits" and d(st.booleans()):
        loss_options = {"pos_weight": [2, 1]}
    l2 = d(st.sampled_from([None, Fraction(1, 10)]))
    lr = Fraction(1, 10)
    z = x.dot(W1.T) + b1
    kinks = {"leaky_relu": [0], "prelu": [0], "relu": [0], "hardtanh": [options.get("min_val"), options.get("max_val")]}
    # at a kink float64 rounding may land on either side while the exact value sits on it: not a parity question
    assume(all(v != k for v in z.reshape(-1) for k in kinks.get(act, [])))
    layers = [{"weights": W1.tolist(), "bias": b1.tolist(), "activation": {act: options} if options else act},
              {"weights": W2.tolist(), "bias": b2.tolist(), "activation": last}]
    raw: dict[str, Any] = {"id": "q", "kind": "mlp", "input": x.tolist(), "layers": layers, "target": target,
                           "loss": loss, "reduction": reduction, "learning_rate": lr}
    if loss_options:
        raw["loss_options"] = loss_options
    if l2 is not None:
        raw["l2"] = l2
    try:
        w = solve_problem(raw).worked
    except NnstepsError as err:  # a target row of the loss kind's checks (kl_div's sums) or a BCE edge
        pytest.fail(str(err))
    params = [t64(W1, True), t64(b1, True), t64(W2, True), t64(b2, True)]
    slope = t64(options["weight"], True) if act == "prelu" else None
    h = torch_activation(act, t64(x) @ params[0].T + params[1], options, slope)
    y = h @ params[2].T + params[3]
    if last == "sigmoid":
        y = torch.sigmoid(y)
    L = torch_loss(loss, y, target, reduction, loss_options)
    if l2 is not None:
        L = L + float(l2) * ((params[0] ** 2).sum() + (params[2] ** 2).sum())
    L.backward()
    tol = {"rtol": 1e-9, "atol": 1e-9}
    np.testing.assert_allclose(float(w.answer["loss"]), L.item(), **tol)
    got = w.answer["grads"]["layers"]
    for got_layer, (pw, pb) in zip(got, [(params[0], params[1]), (params[2], params[3])]):
        np.testing.assert_allclose(floats(got_layer["weights"]), pw.grad.numpy(), **tol)
        np.testing.assert_allclose(floats(got_layer["bias"]), pb.grad.numpy(), **tol)
    if slope is not None:
        np.testing.assert_allclose(floats(got[0]["prelu_weight"]), slope.grad.numpy(), **tol)
    with torch.no_grad():
        for p in params:
            p -= float(lr) * p.grad
    up = w.answer["updated"]["layers"]
    np.testing.assert_allclose(floats(up[0]["weights"]), params[0].detach().numpy(), **tol)
    np.testing.assert_allclose(floats(up[1]["bias"]), params[3].detach().numpy(), **tol)
    check_steps(w.steps)


def test_exact_inputs_give_exact_gradients_where_everything_is_rational() -> None:
    raw = {"id": "q", "kind": "mlp", "input": [[1, -2], [2, 1]], "target": [[1], [0]], "loss": "huber",
           "loss_options": {"delta": 0.5}, "reduction": "mean", "learning_rate": 0.5,
           "layers": [{"weights": [[1, 1], [0.5, -1]], "bias": [0, 0], "activation": {"leaky_relu": {"negative_slope": 0.1}}},
                      {"weights": [[1, -1]], "bias": [0], "activation": {"hardtanh": {"min_val": -2, "max_val": 2}}}]}
    w = solve_problem(raw).worked
    flat = [v for layer in w.answer["grads"]["layers"] for key in ("weights", "bias")
            for v in np.asarray(layer[key], dtype=object).reshape(-1)]
    assert all(isinstance(v, (int, Fraction)) for v in flat)
    # by hand: z1 = (-1, 2.5) → h = (-0.1, 2.5) → y = -2.6 → hardtanh -2 (gradient 0 there);
    #          z2 = (3, 0) → h = (3, 0) → y = 3 → 2 (gradient 0): every gradient is 0, the loss is not:
    #          |y − t| = 3, 2 ≥ δ: ℓ = δ(|y − t| − δ/2) = 11/8, 7/8, mean 9/8
    assert w.answer["loss"] == Fraction(9, 8)
    assert all(v == 0 for v in flat)
    raw["layers"][1]["activation"] = "none"
    w = solve_problem(raw).worked
    # y = (-2.6, 3): |y − t| ≥ 0.5, so ∂ℓ/∂y = δ sign(y − t) / N = (−1/4, 1/4);
    # ∂L/∂W2 = −¼ (−0.1, 2.5) + ¼ (3, 0)
    assert w.answer["grads"]["layers"][1] == {"weights": [[Fraction(31, 40), Fraction(-5, 8)]], "bias": [0]}
    check_steps(w.steps)


def test_one_sample_cross_entropy_with_a_class_index_uses_the_outputs_as_logits() -> None:
    raw = {"id": "q", "kind": "mlp", "input": [1, 2], "target": 0, "loss": "cross_entropy",
           "layers": [{"weights": [[1, 0], [0, 1]], "bias": [0, 0]}]}
    w = solve_problem(raw).worked
    # logits (1, 2): p = softmax, ∂L/∂z = p − onehot(0); ∂L/∂W = (p − y) xᵀ
    p0 = 1 / (1 + np.exp(1))
    np.testing.assert_allclose(floats(w.answer["grads"]["layers"][0]["bias"]), [p0 - 1, 1 - p0], rtol=1e-12)
    np.testing.assert_allclose(float(w.answer["loss"]), np.log(1 + np.exp(1)), rtol=1e-12)  # −log p₀


def test_bad_loss_options_and_activation_parameters_name_the_field() -> None:
    base = {"id": "q", "kind": "mlp", "input": [1, 2], "target": [1], "loss": "mse",
            "layers": [{"weights": [[1, 1]], "bias": [0]}]}
    with pytest.raises(NnstepsError, match="mse takes no label_smoothing"):
        solve_problem({**base, "loss_options": {"label_smoothing": 0.1}})
    with pytest.raises(NnstepsError, match=r"layers\[0\].activation.*elu takes no negative_slope"):
        solve_problem({**base, "layers": [{"weights": [[1, 1]], "activation": {"elu": {"negative_slope": 1}}}]})
    with pytest.raises(NnstepsError, match=r"unknown field 'gamma'"):
        solve_problem({**base, "loss_options": {"gamma": 2}})


def test_weight_decay_l1_and_a_biased_prelu_match_torch_sgd() -> None:
    raw = {"id": "q", "kind": "mlp", "input": [[1, -2], [0.5, 1]], "target": [[1, 0], [0, 1]],
           "loss": "binary_cross_entropy_with_logits", "loss_options": {"pos_weight": [2, 1]}, "reduction": "sum",
           "l1": 0.1, "weight_decay": 0.01, "regularize_bias": True, "learning_rate": 0.5,
           "layers": [{"weights": [[1, 1], [0.5, -1]], "bias": [0, 0.2], "activation": {"prelu": {"weight": [0.25, 0.5]}}},
                      {"weights": [[1, -1], [0.3, 0.2]], "bias": [0.1, 0]}]}
    w = solve_problem(raw).worked
    W1, b1 = t64([[1, 1], [0.5, -1]], True), t64([0, 0.2], True)
    W2, b2 = t64([[1, -1], [0.3, 0.2]], True), t64([0.1, 0], True)
    a = t64([0.25, 0.5], True)
    y = F.prelu(t64([[1, -2], [0.5, 1]]) @ W1.T + b1, a) @ W2.T + b2
    L = F.binary_cross_entropy_with_logits(y, t64([[1, 0], [0, 1]]), pos_weight=t64([2, 1]), reduction="sum")
    L = L + 0.1 * sum(p.abs().sum() for p in (W1, b1, W2, b2))
    L.backward()
    np.testing.assert_allclose(float(w.answer["loss"]), L.item(), rtol=1e-12)
    np.testing.assert_allclose(floats(w.answer["grads"]["layers"][0]["bias"]), b1.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(floats(w.answer["grads"]["layers"][0]["prelu_weight"]), a.grad.numpy(), rtol=1e-12)
    sgd = torch.optim.SGD([W1, b1, W2, b2], lr=0.5, weight_decay=0.01)
    sgd.step()
    torch.optim.SGD([a], lr=0.5).step()  # PReLU's slope: no weight decay (it is not a weight)
    up = w.answer["updated"]["layers"]
    np.testing.assert_allclose(floats(up[0]["weights"]), W1.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(floats(up[0]["bias"]), b1.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(floats(up[1]["weights"]), W2.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(floats(up[0]["prelu_weight"]), a.detach().numpy(), rtol=1e-12)
    check_steps(w.steps)
