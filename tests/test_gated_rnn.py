"""LSTM and GRU cells of the ``rnn`` kind against PyTorch (nn.LSTM / nn.GRU / LSTMCell / GRUCell with
copied weights, forward and autograd in float64), in both weight layouts, both outputs, target or
upstream; exact values where rational; shape errors that name the matrix."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnsteps.errors import NnstepsError
from nnsteps.ops.rnn import rnn
from nnsteps.problems.solve import solve_problem

torch = pytest.importorskip("torch")

GATES = {"lstm": "ifgo", "gru": "rzn"}


def _split(cell: str, ih: np.ndarray, hh: np.ndarray, bi: np.ndarray, bh: np.ndarray, layout: str) -> dict:
    H = hh.shape[1]
    gates = {}
    for k, g in enumerate(GATES[cell]):
        r = slice(k * H, (k + 1) * H)
        if layout == "Wc":
            gates[g] = {"Wc": np.concatenate([hh[r], ih[r]], axis=1).tolist(), "b_ih": bi[r].tolist(),
                        "b_hh": bh[r].tolist()}
        else:
            gates[g] = {"W": ih[r].tolist(), "U": hh[r].tolist(), "b_ih": bi[r].tolist(), "b_hh": bh[r].tolist()}
    return {"gates": gates}


def _grad_of(cell: str, layout: str, grads: dict, name: str, H: int) -> np.ndarray:
    """The stacked gradient of ``weight_ih`` … rebuilt from the answer's names."""
    if layout == "stacked":
        return np.array(grads[name], dtype=float)
    parts = []
    for g in GATES[cell]:
        if layout == "Wc" and name in ("weight_ih", "weight_hh"):
            wc = np.array(grads[f"gates.{g}.Wc"], dtype=float)
            parts.append(wc[:, H:] if name == "weight_ih" else wc[:, :H])
        else:
            key = {"weight_ih": "W", "weight_hh": "U", "bias_ih": "b_ih", "bias_hh": "b_hh"}[name]
            parts.append(np.array(grads[f"gates.{g}.{key}"], dtype=float))
    return np.concatenate(parts)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell=st.sampled_from(["lstm", "gru"]), layout=st.sampled_from(["stacked", "gates", "Wc"]),
       output=st.sampled_from(["last", "every"]), use_upstream=st.booleans(), H=st.integers(1, 3),
       D=st.integers(1, 3), L=st.integers(1, 4), O=st.integers(1, 2), seed=st.integers(0, 2**16))
def test_matches_pytorch(cell: str, layout: str, output: str, use_upstream: bool, H: int, D: int, L: int, O: int,
                         seed: int) -> None:
    rng = np.random.default_rng(seed)
    G = 4 if cell == "lstm" else 3
    ih, hh = rng.normal(size=(G * H, D)), rng.normal(size=(G * H, H))
    bi, bh = rng.normal(size=G * H), rng.normal(size=G * H)
    x, h0, c0 = rng.normal(size=(L, D)), rng.normal(size=H), rng.normal(size=H)
    W_hy, b_y = rng.normal(size=(O, H)), rng.normal(size=O)
    T = L if output == "every" else 1
    target, up = rng.normal(size=(T, O)), rng.normal(size=(L, H))
    weights = ({"weight_ih": ih.tolist(), "weight_hh": hh.tolist(), "bias_ih": bi.tolist(), "bias_hh": bh.tolist()}
               if layout == "stacked" else _split(cell, ih, hh, bi, bh, layout))
    kw: dict = {"upstream": up.tolist()} if use_upstream else {"target": target.tolist()}
    if not use_upstream:
        weights.update({"W_hy": W_hy.tolist(), "b_y": b_y.tolist()})
    w = rnn(x.tolist(), cell=cell, weights=weights, h0=h0.tolist(), c0=c0.tolist(), output=output,
            learning_rate=0.1, **kw)
    a = w.answer

    mod = (torch.nn.LSTM if cell == "lstm" else torch.nn.GRU)(D, H, dtype=torch.float64)
    with torch.no_grad():
        for name, arr in (("weight_ih_l0", ih), ("weight_hh_l0", hh), ("bias_ih_l0", bi), ("bias_hh_l0", bh)):
            getattr(mod, name).copy_(torch.tensor(arr))
    X = torch.tensor(x).unsqueeze(1)
    H0 = torch.tensor(h0).view(1, 1, H).requires_grad_()
    C0 = torch.tensor(c0).view(1, 1, H).requires_grad_()
    X.requires_grad_()
    out, state = mod(X, (H0, C0)) if cell == "lstm" else mod(X, H0)
    hs = out[:, 0, :]
    np.testing.assert_allclose(np.array(a["h"], dtype=float).reshape(L, H), hs.detach().numpy(), rtol=1e-9, atol=1e-12)
    if cell == "lstm":
        np.testing.assert_allclose(np.array(a["c"], dtype=float).reshape(L, H)[-1], state[1].detach().numpy().reshape(H),
                                   rtol=1e-9, atol=1e-12)
    if use_upstream:
        total = (hs * torch.tensor(up)).sum()
    else:
        Why, by = torch.tensor(W_hy, requires_grad=True), torch.tensor(b_y, requires_grad=True)
        rows = hs if output == "every" else hs[-1:]
        y = rows @ Why.T + by
        np.testing.assert_allclose(np.array(a["y"], dtype=float).reshape(T, O), y.detach().numpy(), rtol=1e-9, atol=1e-12)
        total = 0.5 * ((y - torch.tensor(target)) ** 2).sum()
        assert float(a["loss"]) == pytest.approx(total.item(), rel=1e-9, abs=1e-12)
    total.backward()
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        ref = getattr(mod, name + "_l0").grad.numpy()
        np.testing.assert_allclose(_grad_of(cell, layout, a["grads"], name, H).reshape(ref.shape), ref,
                                   rtol=1e-8, atol=1e-11, err_msg=name)
    if use_upstream:
        np.testing.assert_allclose(np.array(a["grads"]["x"], dtype=float), X.grad.numpy()[:, 0, :], rtol=1e-8, atol=1e-11)
        np.testing.assert_allclose(np.array(a["grads"]["h0"], dtype=float), H0.grad.numpy().reshape(H), rtol=1e-8, atol=1e-11)
        if cell == "lstm":
            np.testing.assert_allclose(np.array(a["grads"]["c0"], dtype=float), C0.grad.numpy().reshape(H),
                                       rtol=1e-8, atol=1e-11)
    else:
        np.testing.assert_allclose(np.array(a["grads"]["W_hy"], dtype=float), Why.grad.numpy(), rtol=1e-8, atol=1e-11)
        np.testing.assert_allclose(np.array(a["grads"]["b_y"], dtype=float), by.grad.numpy(), rtol=1e-8, atol=1e-11)
    if layout == "stacked":
        np.testing.assert_allclose(np.array(a["updated"]["weight_hh"], dtype=float),
                                   hh - 0.1 * mod.weight_hh_l0.grad.numpy(), rtol=1e-8, atol=1e-11)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_cells_match_torch_cells(cell: str) -> None:
    """LSTMCell / GRUCell with copied weights: one exact-input step, values decimal-exact to float64."""
    rng = np.random.default_rng(3)
    G, H, D = (4 if cell == "lstm" else 3), 2, 2
    ih, hh = rng.integers(-3, 4, size=(G * H, D)) / 4, rng.integers(-3, 4, size=(G * H, H)) / 4
    weights = {"weight_ih": [[str(v) for v in r] for r in ih], "weight_hh": [[str(v) for v in r] for r in hh]}
    w = rnn([["0.5", "-1"]], cell=cell, weights=weights, h0=["0.25", "0"], c0=["1", "-0.5"])
    ref = (torch.nn.LSTMCell if cell == "lstm" else torch.nn.GRUCell)(D, H, bias=False, dtype=torch.float64)
    with torch.no_grad():
        ref.weight_ih.copy_(torch.tensor(ih))
        ref.weight_hh.copy_(torch.tensor(hh))
    x, h = torch.tensor([[0.5, -1]], dtype=torch.float64), torch.tensor([[0.25, 0.0]], dtype=torch.float64)
    out = ref(x, (h, torch.tensor([[1.0, -0.5]], dtype=torch.float64))) if cell == "lstm" else ref(x, h)
    hy = out[0] if cell == "lstm" else out
    np.testing.assert_allclose(np.array(w.answer["h"][0], dtype=float), hy.detach().numpy()[0], rtol=1e-12)


def test_exact_where_rational() -> None:
    """σ(0) = ½ stays a Fraction; with g = tanh(0) = 0 and o = ½ every value is rational."""
    w = rnn([[0]], cell="lstm", weights={"weight_ih": [[1]] * 4, "weight_hh": [[1]] * 4}, c0=2,
            target=0, learning_rate="0.5")
    a = w.answer
    assert a["gates"][0] == {"i": Fraction(1, 2), "f": Fraction(1, 2), "g": 0, "o": Fraction(1, 2)}
    assert a["c"] == [1]  # f·c0 + i·g = ½·2 + ½·0: the old cell state gated by f
    assert abs(float(a["h"][0]) - 0.5 * np.tanh(1)) < 1e-15  # o·tanh(c): tanh of c not forgotten


def test_gru_answer_has_no_c_and_rzn_gates() -> None:
    w = rnn([1, 2], cell="gru", weights={"weight_ih": [[0], [0], [1]], "weight_hh": [[0], [0], [0]]})
    assert "c" not in w.answer and set(w.answer["gates"][0]) == {"r", "z", "n"}
    assert w.answer["gates"][0]["r"] == Fraction(1, 2)


@pytest.mark.parametrize(("weights", "message"), [
    ({"weight_ih": [[1], [2], [3]], "weight_hh": [[0], [0], [0], [0]]},
     "weight_ih must be 4H×D = 4×1 (gates i, f, g, o stacked), got 3×1"),
    ({"weight_ih": [[1]] * 8, "weight_hh": [[0, 0]] * 7}, "weight_hh must be 4H×H = 8×2"),
    ({"gates": {g: {"W": [[1]], "U": [[1]]} for g in "ifg"}}, "gates must hold exactly i, f, g, o"),
    ({"gates": {g: {"W": [[1, 2]], "U": [[1]]} for g in "ifgo"}}, "gates.i.W must be 1×1, got 1×2"),
    ({"gates": {g: {"Wc": [[1, 2, 3]]} for g in "ifgo"}}, "gates.i.Wc must be H×(H+D) = 1×2"),
])
def test_shape_errors_name_the_matrix(weights: dict, message: str) -> None:
    with pytest.raises(NnstepsError, match=message.replace("(", r"\(").replace(")", r"\)").replace("+", r"\+")):
        rnn([1], cell="lstm", weights=weights)


def test_kind_solves_a_yaml_problem() -> None:
    p = ({"id": "lstm", "kind": "rnn", "cell": "lstm", "x": [[0.5, -1], [1, 0.2]], "h0": [0, 0], "c0": [0, 0],
                 "weights": {"gates": {g: {"Wc": [[0.1, 0, 0.2, 0.1], [0, 0.1, -0.1, 0.3]], "b": [0, 0.1]}
                                       for g in "ifgo"}}, "upstream": [1, 0]})
    w = solve_problem(p).worked
    assert set(w.answer) == {"h", "c", "gates", "y", "grads"}
    assert len(w.answer["gates"]) == 2 and set(w.answer["grads"]) >= {"gates.i.Wc", "gates.o.b", "x", "h0", "c0"}


@pytest.mark.parametrize("variant", ["no_tanh_c", "ungated_c"])
def test_lstm_slips_are_worked_consistently(variant: str) -> None:
    """The two named LSTM slips, forward and gradients, against the same slip written in torch."""
    rng = np.random.default_rng(7)
    H, D, L = 2, 2, 3
    ih, hh, x, c0 = rng.normal(size=(4 * H, D)), rng.normal(size=(4 * H, H)), rng.normal(size=(L, D)), rng.normal(size=H)
    w = rnn(x.tolist(), cell="lstm", variant=variant, c0=c0.tolist(), upstream=[1.0, -1.0],
            weights={"weight_ih": ih.tolist(), "weight_hh": hh.tolist()})
    Wi, Wh = torch.tensor(ih, requires_grad=True), torch.tensor(hh, requires_grad=True)
    h, c = torch.zeros(H, dtype=torch.float64), torch.tensor(c0)
    for t in range(L):
        a = Wi @ torch.tensor(x[t]) + Wh @ h
        i, f, g, o = torch.sigmoid(a[:H]), torch.sigmoid(a[H:2 * H]), torch.tanh(a[2 * H:3 * H]), torch.sigmoid(a[3 * H:])
        c = (c if variant == "ungated_c" else f * c) + i * g
        h = o * (c if variant == "no_tanh_c" else torch.tanh(c))
    np.testing.assert_allclose(np.array(w.answer["h"][-1], dtype=float), h.detach().numpy(), rtol=1e-9)
    (h * torch.tensor([1.0, -1.0], dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(np.array(w.answer["grads"]["weight_ih"], dtype=float), Wi.grad.numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(np.array(w.answer["grads"]["weight_hh"], dtype=float), Wh.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_lstm_mistakes_are_named() -> None:
    from nnsteps.grading.compare import Tolerance
    from nnsteps.grading.mistakes import likely_mistake, mistaken_answers

    raw = {"id": "l", "kind": "rnn", "cell": "lstm", "x": [[0.5, -1], [1, 0.2]], "c0": 1, "target": 0.2,
           "weights": {"weight_ih": [[0.1, 0.2], [0.3, 0.1], [0.5, -0.2], [0.2, 0.4]], "weight_hh": [[0.1], [0.2], [0.3], [0.4]]}}
    key = solve_problem(raw).worked.answer
    wrong = dict(mistaken_answers(raw, key))
    for name in ("LSTM gate order mixed (i, f, o, g read as i, f, g, o)", "LSTM: tanh of c forgotten (h = o⊙c)",
                 "LSTM: old cell state not gated (c = c_(t-1) + i⊙g)"):
        assert likely_mistake(raw, key, wrong[name], Tolerance()) == name


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_generated_gated_cells_key_scores_full_marks(cell: str) -> None:
    from nnsteps.api_check import check, generate

    exercises = generate("rnn", seed=13, count=3, cell=cell)
    assert all(p["cell"] == cell for p in exercises.problems)
    report = check(exercises.document(), exercises.answers)
    assert report.score == report.max_score == 3
