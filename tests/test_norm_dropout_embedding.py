"""batch_norm, layer_norm, dropout and embedding: forward, running statistics and gradients against
PyTorch autograd (float64, Hypothesis), finite differences, exactness, step honesty, bad input."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.helpers.step_honesty import check_steps

from nnsteps.errors import NnstepsError
from nnsteps.problems.solve import solve_problem

torch = pytest.importorskip("torch")
F = torch.nn.functional
PARITY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
values = st.integers(-20, 20).map(lambda v: Fraction(v, 10))


def floats(value: Any) -> np.ndarray:
    return np.array(value, dtype=object).astype(np.float64)


def solve(**raw: Any) -> Any:
    return solve_problem({"id": "q", **raw}).worked


def grid(draw: Any, shape: tuple[int, ...], elements: Any = values) -> np.ndarray:
    size = int(np.prod(shape))
    return np.array(draw(st.lists(elements, min_size=size, max_size=size)), dtype=object).reshape(shape)


def close(a: Any, b: Any) -> None:
    np.testing.assert_allclose(floats(a), np.asarray(b, dtype=np.float64), rtol=1e-9, atol=1e-9)


@PARITY
@given(data=st.data())
def test_batch_norm_matches_torch(data: Any) -> None:
    d = data.draw
    shape = d(st.sampled_from([(3, 2), (2, 3), (2, 2, 2, 2), (1, 2, 2, 3)]))
    C = shape[1]
    x, g = grid(d, shape), grid(d, shape, st.integers(-2, 2))
    w, b = grid(d, (C,)), grid(d, (C,))
    rm, rv = grid(d, (C,)), grid(d, (C,), st.integers(1, 4))
    training = d(st.booleans())
    momentum = d(st.sampled_from([Fraction(1, 10), Fraction(1, 2), 1]))
    eps = d(st.sampled_from([Fraction(1, 100000), Fraction(1, 10)]))
    t = {k: torch.tensor(v.astype(np.float64), requires_grad=k in ("x", "w", "b"))
         for k, v in {"x": x, "w": w, "b": b, "rm": rm, "rv": rv}.items()}
    out = F.batch_norm(t["x"], t["rm"], t["rv"], t["w"], t["b"], training=training, momentum=float(momentum),
                       eps=float(eps))
    out.backward(torch.tensor(g.astype(np.float64)))
    worked = solve(kind="batch_norm", input=x.tolist(), weight=w.tolist(), bias=b.tolist(), running_mean=rm.tolist(),
                   running_var=rv.tolist(), training=training, momentum=momentum, eps=eps, upstream=g.tolist())
    a = worked.answer
    close(a["output"], out.detach().numpy())
    close(a["grads"]["input"], t["x"].grad.numpy())
    close(a["grads"]["weight"], t["w"].grad.numpy())
    close(a["grads"]["bias"], t["b"].grad.numpy())
    if training:
        close(a["running_mean"], t["rm"].numpy())
        close(a["running_var"], t["rv"].numpy())
        axes = tuple(i for i in range(len(shape)) if i != 1)
        close(a["var"], x.astype(np.float64).var(axis=axes))  # biased
    check_steps(worked.walk())


@PARITY
@given(data=st.data())
def test_layer_norm_matches_torch(data: Any) -> None:
    d = data.draw
    shape, norm = d(st.sampled_from([((2, 3), [3]), ((2, 2, 2), [2, 2]), ((3, 2), [2]), ((4,), [4])]))
    x, g = grid(d, shape), grid(d, shape, st.integers(-2, 2))
    w, b = grid(d, tuple(norm)), grid(d, tuple(norm))
    eps = d(st.sampled_from([Fraction(1, 100000), Fraction(1, 10)]))
    xt = torch.tensor(x.astype(np.float64), requires_grad=True)
    wt = torch.tensor(w.astype(np.float64), requires_grad=True)
    bt = torch.tensor(b.astype(np.float64), requires_grad=True)
    out = F.layer_norm(xt, norm, wt, bt, eps=float(eps))
    out.backward(torch.tensor(g.astype(np.float64)))
    worked = solve(kind="layer_norm", input=x.tolist(), normalized_shape=norm, weight=w.tolist(), bias=b.tolist(),
                   eps=eps, upstream=g.tolist())
    a = worked.answer
    close(a["output"], out.detach().numpy())
    close(a["grads"]["input"], xt.grad.numpy())
    close(a["grads"]["weight"], wt.grad.numpy())
    close(a["grads"]["bias"], bt.grad.numpy())
    check_steps(worked.walk())


@PARITY
@given(data=st.data())
def test_dropout_and_embedding_match_torch(data: Any) -> None:
    d = data.draw
    shape = d(st.sampled_from([(3,), (2, 3)]))
    x, g = grid(d, shape), grid(d, shape, st.integers(-2, 2))
    mask = grid(d, shape, st.integers(0, 1))
    p = d(st.sampled_from([0, Fraction(1, 2), Fraction(1, 5)]))
    xt = torch.tensor(x.astype(np.float64), requires_grad=True)
    out = xt * torch.tensor(mask.astype(np.float64)) / (1 - float(p))  # torch's dropout with this mask
    out.backward(torch.tensor(g.astype(np.float64)))
    worked = solve(kind="dropout", input=x.tolist(), p=p, mask=mask.tolist(), upstream=g.tolist())
    if p:
        close(worked.answer["output"], out.detach().numpy())
        close(worked.answer["grads"]["input"], xt.grad.numpy())
    V, D = d(st.integers(2, 4)), d(st.integers(1, 3))
    W = grid(d, (V, D))
    idx = d(st.lists(st.integers(0, V - 1), min_size=1, max_size=4))
    up = grid(d, (len(idx), D), st.integers(-2, 2))
    wt = torch.tensor(W.astype(np.float64), requires_grad=True)
    emb = F.embedding(torch.tensor(idx), wt)
    emb.backward(torch.tensor(up.astype(np.float64)))
    e = solve(kind="embedding", weight=W.tolist(), indices=idx, upstream=up.tolist())
    close(e.answer["output"], emb.detach().numpy())
    close(e.answer["grads"]["weight"], wt.grad.numpy())
    check_steps(worked.walk())
    check_steps(e.walk())


def test_batch_norm_contract_example_is_exact_where_rational() -> None:
    a = solve(kind="batch_norm", input=[[1, 2], [3, 6], [5, 1]], weight=[1, 1], bias=[0, 0], eps=1e-5, training=True,
              running_mean=[0, 0], running_var=[1, 1], momentum=0.1, upstream="1 0; 0 1; 1 1").answer
    assert a["mean"] == [3, 3] and a["var"] == [Fraction(8, 3), Fraction(14, 3)]
    assert a["running_mean"] == [Fraction(3, 10), Fraction(3, 10)]
    assert a["running_var"] == [Fraction(13, 10), Fraction(8, 5)]  # 0.9 + 0.1 · (8/3 · 3/2), the unbiased variance
    assert a["grads"]["bias"] == [2, 2]
    ln = solve(kind="layer_norm", input=[[0, 2]], normalized_shape=[2], eps=0, upstream=[[1, 0]]).answer
    assert ln["output"] == [[-1, 1]] and ln["grads"]["input"] == [[0, 0]]
    drop = solve(kind="dropout", input="2 4; 6 8", p=0.5, mask="1 0; 1 1", upstream="1 1; 1 1").answer
    assert drop == {"output": [[4, 0], [12, 16]], "grads": {"input": [[2, 0], [2, 2]]}}
    assert solve(kind="dropout", input="2 4", p=0.5, training=False).answer.tolist() == [2, 4]
    emb = solve(kind="embedding", weight="1 2; 3 4; 5 6", indices=[2, 0, 2], upstream="1 1; 2 0; 1 -1").answer
    assert emb["grads"]["weight"] == [[2, 0], [0, 0], [2, 0]]


def test_layer_norm_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(5)
    x, g = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))

    def loss(v: np.ndarray) -> float:
        return float((floats(solve(kind="layer_norm", input=v).answer["output"]) * g).sum())

    grad = floats(solve(kind="layer_norm", input=x, upstream=g).answer["grads"]["input"])
    h = 1e-6
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += h
        down[idx] -= h
        assert grad[idx] == pytest.approx((loss(up) - loss(down)) / (2 * h), abs=1e-6)


@pytest.mark.parametrize(("raw", "message"), [
    ({"kind": "dropout", "input": "1 2", "p": 1, "mask": "1 1"}, "expected p in [0, 1), got 1"),
    ({"kind": "dropout", "input": "1 2", "mask": "1 1 0"}, "mask of the input's shape (2,), got (3,)"),
    ({"kind": "embedding", "weight": "1 2; 3 4", "indices": [2]}, "indices in [0, 1]"),
    ({"kind": "batch_norm", "input": [[1, 2]]}, "more than 1 value per channel"),
    ({"kind": "layer_norm", "input": [[1, 2]], "normalized_shape": [3]}, "normalized_shape"),
    ({"kind": "batch_norm", "input": [[1, 2], [3, 4]], "upstream": [1, 2, 3]}, "expected the output's shape (2, 2)"),
])
def test_bad_input_is_one_line(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(NnstepsError) as err:
        solve(**raw)
    assert message in str(err.value) and "problem q" in str(err.value) and "\n" not in str(err.value)
