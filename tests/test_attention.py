"""Self-attention against PyTorch (scaled_dot_product_attention, nn.MultiheadAttention with the
weights copied in), masks and heads included; the symbolic Question 7; errors."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsteps.errors import NnstepsError
from nnsteps.ops.sequence.attention import self_attention
from nnsteps.problems.solve import solve_problem

X = [[1, 0, 1, 0], [0, 2, 0, 2], [1, 1, 1, 1]]
WQ = [[1, 0, 1, 0], [0, 1, 0, 1]]
WK = [[0, 0, 1, 1], [1, 1, 0, 0]]
WV = [[1, 0, 0, 0], [0, 1, 0, 1]]


def test_numeric_question_7_exact_parts():
    a = self_attention(X, WQ, WK, WV).answer
    assert a["Q"] == [[2, 0], [0, 4], [2, 2]]
    assert a["K"] == [[1, 1], [2, 2], [2, 2]]
    assert str(a["scores"][0][0].exact) == "sqrt(2)"
    e = [sympy.sqrt(2), 2 * sympy.sqrt(2), 2 * sympy.sqrt(2)]
    alpha = [sympy.exp(v) / sum(sympy.exp(u) for u in e) for v in e]
    assert sympy.simplify(a["weights"][0][0].exact - alpha[0]) == 0
    assert float(a["output"][0][0]) == pytest.approx(float(alpha[0] * 1 + alpha[2] * 1), rel=1e-14)


def test_scores_rational_when_sqrt_dk_is():
    a = self_attention([[1, 2]], [[1, 0], [0, 1], [1, 1], [0, 0]], [[1, 0], [0, 1], [1, 1], [0, 0]],
                       [[1, 0]]).answer  # d_k = 4: divide by 2
    assert a["scores"] == [[(1 + 4 + 9) / 2]]
    assert a["weights"] == [[1]]


def test_symbolic_question_7_when_no_numbers():
    w = solve_problem({"id": "q7", "kind": "attention"}).worked
    assert w.answer["z_1"] == r"z_1 = \sum_{j=1}^{3} \alpha_{1j} v_j"
    assert "q_1 = W_Q x_1" in w.to_markdown()


def test_problem_kind_with_numbers_and_causal_mask():
    w = solve_problem({"id": "q7n", "kind": "attention", "x": X, "w_q": WQ, "w_k": WK, "w_v": WV,
                       "mask": "causal"}).worked
    out = w.to_json()
    assert out["answer"]["scores"][0][1] is None and out["answer"]["weights"][0] == [1, 0, 0]




def _mask(kind, n, rng):
    if kind == "none":
        return "none", None
    if kind == "causal":
        return "causal", np.tril(np.ones((n, n), dtype=bool))
    m = rng.random((n, n)) < 0.6
    m[np.arange(n), rng.integers(0, n, size=n)] = True  # every row attends somewhere
    return m.astype(int).tolist(), m


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), dm=st.integers(1, 5), dk=st.integers(1, 5),
       dv=st.integers(1, 4), mask=st.sampled_from(["none", "causal", "explicit"]), scale=st.booleans(),
       rows=st.booleans())
def test_matches_scaled_dot_product_attention(seed, n, dm, dk, dv, mask, scale, rows):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dm))
    Wq, Wk, Wv = rng.normal(size=(dk, dm)), rng.normal(size=(dk, dm)), rng.normal(size=(dv, dm))
    spec, allowed = _mask(mask, n, rng)
    args = (Wq.T, Wk.T, Wv.T) if rows else (Wq, Wk, Wv)
    a = self_attention(x, *args, layout="rows" if rows else "columns", scale=scale, mask=spec).answer
    X = torch.tensor(x)
    Q, K, V = X @ torch.tensor(Wq).T, X @ torch.tensor(Wk).T, X @ torch.tensor(Wv).T
    ref = torch.nn.functional.scaled_dot_product_attention(
        Q.unsqueeze(0), K.unsqueeze(0), V.unsqueeze(0),
        attn_mask=None if allowed is None else torch.tensor(allowed),  # SDPA: True = may attend
        scale=None if scale else 1.0,
    )[0]
    np.testing.assert_allclose(np.array(a["output"], dtype=float), ref.numpy(), rtol=1e-11, atol=1e-12)
    weights = np.array(a["weights"], dtype=float)
    np.testing.assert_allclose(weights.sum(axis=1), np.ones(n), rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), heads=st.sampled_from([1, 2, 3]),
       per=st.integers(1, 3), mask=st.sampled_from(["none", "causal", "explicit"]), bias=st.booleans())
def test_matches_nn_multihead_attention(seed, n, heads, per, mask, bias):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    E = heads * per
    x = rng.normal(size=(n, E))
    Wq, Wk, Wv, Wo = (rng.normal(size=(E, E)) for _ in range(4))
    bq, bk, bv, bo = (rng.normal(size=E) if bias else None for _ in range(4))
    spec, allowed = _mask(mask, n, rng)
    a = self_attention(x, Wq, Wk, Wv, w_o=Wo, b_q=bq, b_k=bk, b_v=bv, b_o=bo, heads=heads, mask=spec).answer
    mha = torch.nn.MultiheadAttention(E, heads, bias=bias, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.tensor(np.concatenate([Wq, Wk, Wv])))
        mha.out_proj.weight.copy_(torch.tensor(Wo))
        if bias:
            mha.in_proj_bias.copy_(torch.tensor(np.concatenate([bq, bk, bv])))
            mha.out_proj.bias.copy_(torch.tensor(bo))
    X = torch.tensor(x).unsqueeze(0)
    # nn.MultiheadAttention: a True entry means "may NOT attend", the opposite of SDPA.
    out, w = mha(X, X, X, attn_mask=None if allowed is None else torch.tensor(~allowed), need_weights=True,
                 average_attn_weights=False)
    np.testing.assert_allclose(np.array(a["output"], dtype=float), out[0].detach().numpy(), rtol=1e-10, atol=1e-11)
    ours = np.array(a["weights"] if heads > 1 else [a["weights"]], dtype=float)
    np.testing.assert_allclose(ours, w[0].detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(w_q=[[1, 0, 1]]), r"w_q must be d_k×d_model = d_k×4 \(layout columns\) to match x \(3×4\), got 1×3"),
        (dict(w_k=[[1, 0, 1, 0]]), "queries and keys must have the same size d_k: w_q gives 2, w_k gives 1"),
        (dict(heads=3), "heads = 3 must divide d_k = 2"),
        (dict(mask=[[1, 0], [1, 1]]), r"mask must be n×n = 3×3 to match x \(3 tokens\), got 2×2"),
        (dict(mask=[[0, 0, 0], [1, 1, 0], [1, 1, 1]]), "mask row 1 lets token 1 attend to nothing"),
        (dict(mask="casual"), "expected mask none, causal or an n×n 0/1 matrix"),
        (dict(w_o=[[1, 2, 3]]), "w_o must be d_out×d_v = d_out×2"),
        (dict(layout="cols"), "expected layout columns or rows"),
    ],
)
def test_bad_input_errors(kwargs, message):
    args = dict(x=X, w_q=WQ, w_k=WK, w_v=WV)
    args.update(kwargs)
    with pytest.raises(NnstepsError, match=message):
        self_attention(**args)


def test_per_head_answers_are_labelled_by_head_as_the_steps_number_them() -> None:
    """A stack of per-head matrices is not a stack of channels: the answer says head 1, head 2."""
    from nnsteps.problems.solve import solve_document
    from nnsteps.render.document import render_solved

    solved = solve_document([{"id": "a", "kind": "attention", "x": "1 0; 0 1", "w_q": "1 0; 0 1",
                              "w_k": "1 0; 0 1", "w_v": "1 2; 3 4", "heads": 2}])
    text = render_solved(solved, "text")
    assert "head 1:\n" in text and "head 2:\n" in text and "channel" not in text
    assert r"\text{head}_{1}" in render_solved(solved, "markdown")
    assert "channel" not in render_solved(solved, "html").split("Self-attention", 1)[1].split("Queries")[0]
