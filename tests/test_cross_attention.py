"""Cross-attention (``attention`` with ``memory``): queries from x, keys and values from the memory,
against PyTorch in float64 (scaled_dot_product_attention; nn.MultiheadAttention with kdim/vdim, heads,
attn_mask of shape (T, S) and key_padding_mask of length S); exact scores; honest steps that say
where Q, K and V come from; checking cell by cell with named mistakes; generated variants; the web
form's record; bad input as one line."""

from __future__ import annotations

import importlib.util
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nnsteps.api_check import check, generate
from nnsteps.cli import app as cli
from nnsteps.errors import NnstepsError
from nnsteps.grading.check import check_problem
from nnsteps.grading.compare import plain
from nnsteps.ops.sequence.attention import self_attention
from nnsteps.problems.solve import solve_problem

_spec = importlib.util.spec_from_file_location("_honesty", Path(__file__).with_name("test_step_honesty.py"))
assert _spec and _spec.loader
_honesty = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_honesty)
check_steps = _honesty.check_steps

X = [[1, 0, 1, 0], [0, 2, 0, 2]]                 # T = 2 queries of width 4
MEM = [[1, 2, 0], [0, 1, 1], [2, 0, 1]]          # S = 3 memory tokens of width 3
WQ = [[1, 0, 1, 0], [0, 1, 0, 1]]                # d_k × d_model
WK = [[1, 0, 0], [0, 1, 1]]                      # d_k × d_m
WV = [[1, 1, 0], [0, 0, 1]]
PROBLEM = {"id": "c", "kind": "attention", "x": X, "memory": MEM, "w_q": WQ, "w_k": WK, "w_v": WV}


def _masks(rng, T, S, attn, pad):
    """A random (T, S) allowed-mask and length-S padding mask where every query keeps a key."""
    padding = rng.random(S) < 0.3 if pad else np.zeros(S, dtype=bool)
    padding[rng.integers(0, S)] = False
    allowed = rng.random((T, S)) < 0.6 if attn else np.ones((T, S), dtype=bool)
    keep = np.flatnonzero(~padding)
    allowed[np.arange(T), rng.choice(keep, size=T)] = True
    return allowed, padding


def test_exact_inputs_give_exact_scores_and_steps_say_the_source():
    w = solve_problem(PROBLEM).worked
    a = w.answer
    assert w.title == "Cross-attention"
    assert a["Q"] == [[2, 0], [0, 4]]
    assert a["K"] == [[1, 2], [0, 2], [2, 1]] and a["V"] == [[3, 0], [1, 1], [2, 1]]
    exact = [[str(getattr(v, "exact", v)) for v in row] for row in a["scores"]]
    assert exact == [["sqrt(2)", "0", "2*sqrt(2)"], ["4*sqrt(2)", "4*sqrt(2)", "2*sqrt(2)"]]  # q·k/√2
    assert len(a["weights"]) == 2 and len(a["weights"][0]) == 3
    titles = [s.title for s in w.steps[:3]]
    assert titles == ["Queries Q (from x)", "Keys K (from memory)", "Values V (from memory)"]
    assert w.steps[0].formula.startswith("Q = X W_Q") and w.steps[1].formula.startswith("K = M W_K")
    assert w.steps[2].formula.startswith("V = M W_V")
    assert "m_{1,j}" in w.steps[1].steps[0].formula
    assert check_steps(w.walk()) >= 4  # Q, K, V and a score; softmax and outputs are irrational here
    two_heads = solve_problem({**PROBLEM, "scale": False, "heads": 2, "w_o": "1 0; 0 1; 1 1"}).worked
    assert check_steps(two_heads.walk()) >= 6


def test_rational_root_gives_fractions():
    wq = [[1, 0], [0, 1], [1, 1], [0, 0]]                     # d_k = 4: divide by 2
    a = self_attention([[1, 2]], wq, [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]], [[1, 0, 0]],
                       memory=[[1, 1, 1], [2, 0, 0]]).answer
    assert a["scores"] == [[Fraction(6, 2), Fraction(2, 2)]]   # q = (1, 2, 3, 0): q·k = 6 and 2, over √4
    assert a["output"][0][0] == pytest.approx(float(a["weights"][0][0]) + 2 * float(a["weights"][0][1]), rel=1e-14)


def test_self_attention_titles_name_x_and_padding_masks_keys():
    w = self_attention([[1, 0], [0, 1], [1, 1]], [[1, 0], [0, 1]], [[1, 0], [0, 1]], [[1, 2], [3, 4]],
                       key_padding_mask=[0, 0, 1], scale=False)
    assert [s.title for s in w.steps[:3]] == ["Queries Q (from x)", "Keys K (from x)", "Values V (from x)"]
    assert [row[2] for row in w.answer["scores"]] == [None, None, None]
    assert [row[2] for row in w.answer["weights"]] == [0, 0, 0]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), T=st.integers(1, 4), S=st.integers(1, 5), dm=st.integers(1, 4),
       dmem=st.integers(1, 4), dk=st.integers(1, 4), dv=st.integers(1, 3), attn=st.booleans(), pad=st.booleans(),
       scale=st.booleans(), rows=st.booleans())
def test_matches_scaled_dot_product_attention(seed, T, S, dm, dmem, dk, dv, attn, pad, scale, rows):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    x, mem = rng.normal(size=(T, dm)), rng.normal(size=(S, dmem))
    Wq, Wk, Wv = rng.normal(size=(dk, dm)), rng.normal(size=(dk, dmem)), rng.normal(size=(dv, dmem))
    allowed, padding = _masks(rng, T, S, attn, pad)
    args = (Wq.T, Wk.T, Wv.T) if rows else (Wq, Wk, Wv)
    a = self_attention(x, *args, layout="rows" if rows else "columns", scale=scale, memory=mem,
                       mask=allowed.astype(int).tolist() if attn else "none",
                       key_padding_mask=padding.astype(int).tolist() if pad else None).answer
    Q = torch.tensor(x) @ torch.tensor(Wq).T
    K, V = torch.tensor(mem) @ torch.tensor(Wk).T, torch.tensor(mem) @ torch.tensor(Wv).T
    ref = torch.nn.functional.scaled_dot_product_attention(
        Q.unsqueeze(0), K.unsqueeze(0), V.unsqueeze(0),
        attn_mask=torch.tensor(allowed & ~padding),  # SDPA: True = may attend; it has no padding mask of its own
        scale=None if scale else 1.0,
    )[0]
    np.testing.assert_allclose(np.array(a["output"], dtype=float), ref.numpy(), rtol=1e-11, atol=1e-12)
    assert np.array(a["scores"], dtype=object).shape == (T, S)
    np.testing.assert_allclose(np.array(a["weights"], dtype=float).sum(axis=1), np.ones(T), rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), T=st.integers(1, 4), S=st.integers(1, 5), heads=st.sampled_from([1, 2, 3]),
       per=st.integers(1, 2), dmem=st.integers(1, 5), attn=st.booleans(), pad=st.booleans(), bias=st.booleans())
def test_matches_nn_multihead_attention(seed, T, S, heads, per, dmem, attn, pad, bias):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    E = heads * per
    x, mem = rng.normal(size=(T, E)), rng.normal(size=(S, dmem))
    Wq, Wk, Wv, Wo = rng.normal(size=(E, E)), rng.normal(size=(E, dmem)), rng.normal(size=(E, dmem)), \
        rng.normal(size=(E, E))
    bq, bk, bv, bo = (rng.normal(size=E) if bias else None for _ in range(4))
    allowed, padding = _masks(rng, T, S, attn, pad)
    a = self_attention(x, Wq, Wk, Wv, w_o=Wo, b_q=bq, b_k=bk, b_v=bv, b_o=bo, heads=heads, memory=mem,
                       mask=allowed.astype(int).tolist() if attn else "none",
                       key_padding_mask=padding.tolist() if pad else None).answer
    mha = torch.nn.MultiheadAttention(E, heads, bias=bias, batch_first=True, kdim=dmem, vdim=dmem,
                                      dtype=torch.float64)
    with torch.no_grad():
        if mha._qkv_same_embed_dim:  # d_m == E: PyTorch keeps one stacked in_proj_weight
            mha.in_proj_weight.copy_(torch.tensor(np.concatenate([Wq, Wk, Wv])))
        else:
            mha.q_proj_weight.copy_(torch.tensor(Wq))
            mha.k_proj_weight.copy_(torch.tensor(Wk))
            mha.v_proj_weight.copy_(torch.tensor(Wv))
        mha.out_proj.weight.copy_(torch.tensor(Wo))
        if bias:
            mha.in_proj_bias.copy_(torch.tensor(np.concatenate([bq, bk, bv])))
            mha.out_proj.bias.copy_(torch.tensor(bo))
    M = torch.tensor(mem).unsqueeze(0)
    # nn.MultiheadAttention: attn_mask (T, S) True = may NOT attend; key_padding_mask (S,) True = ignore.
    out, w = mha(torch.tensor(x).unsqueeze(0), M, M, attn_mask=torch.tensor(~allowed) if attn else None,
                 key_padding_mask=torch.tensor(padding).unsqueeze(0) if pad else None, need_weights=True,
                 average_attn_weights=False)
    np.testing.assert_allclose(np.array(a["output"], dtype=float), out[0].detach().numpy(), rtol=1e-10, atol=1e-11)
    ours = np.array(a["weights"] if heads > 1 else [a["weights"]], dtype=float)
    np.testing.assert_allclose(ours, w[0].detach().numpy(), rtol=1e-10, atol=1e-12)


def test_checking_flags_the_wrong_cell_and_names_cross_attention_mistakes():
    key = plain(solve_problem(PROBLEM).worked.answer)
    result = check_problem(PROBLEM, key)
    assert result.correct
    given = json.loads(json.dumps(key))
    given["scores"][1][2] = 99
    result = check_problem(PROBLEM, given)
    assert not result.correct
    assert [c.where for c in result.cells if not c.credit] == ["scores[1][2]"]

    same_width = {**PROBLEM, "x": [[1, 0, 1], [0, 2, 0], [1, 1, 0]], "w_q": [[1, 0, 1], [0, 1, 0]]}
    wrong = {k: v for k, v in same_width.items() if k != "memory"}  # keys and values from x: self-attention
    result = check_problem(same_width, plain(solve_problem(wrong).worked.answer))
    assert result.likely_mistake == "keys and values taken from x instead of the memory"

    padded = {**PROBLEM, "key_padding_mask": [0, 1, 0]}
    result = check_problem(padded, key)
    assert result.likely_mistake == "padding keys attended (key_padding_mask ignored)"

    masked = {**PROBLEM, "mask": "1 1 0; 0 1 1"}
    result = check_problem(masked, key)
    assert result.likely_mistake == "mask ignored"


def test_generator_variant_with_memory_scores_full_marks():
    exercises = generate("attention", seed=7, count=12, memory=True)
    assert all("memory" in p and len(p["w_k"][0]) == len(p["memory"][0]) for p in exercises.problems)
    assert any("key_padding_mask" in p for p in exercises.problems)
    report = check(exercises.document(), exercises.answers)
    assert report.score == report.max_score == 12
    assert all("memory" not in p for p in generate("attention", seed=7, count=12, memory=False).problems)
    mixed = generate("attention", seed=7, count=30, vary_structure=True).problems
    assert 0 < sum("memory" in p for p in mixed) < 30
    shared = generate("attention", seed=7, count=30).problems  # one call's problems share one structure
    assert sum("memory" in p for p in shared) in (0, 30)


def test_record_gives_the_form_and_cli_its_fields(tmp_path):
    from nnsteps.problems.registry import load_kinds

    record = load_kinds()["attention"]
    assert {"memory", "key_padding_mask"} <= set(record.fields)
    listing = CliRunner().invoke(cli, ["kinds", "attention"])
    assert listing.exit_code == 0 and "memory" in listing.output and "key_padding_mask" in listing.output
    source = tmp_path / "cross.yaml"
    source.write_text(yaml.safe_dump({"problems": [PROBLEM]}))
    solved = CliRunner().invoke(cli, ["solve", str(source), "--format", "json"])
    assert solved.exit_code == 0, solved.output
    answer = json.loads(solved.output)["problems"][0]["answer"]
    assert len(answer["scores"]) == 2 and len(answer["scores"][0]) == 3


def test_web_form_fields_come_from_the_record_and_the_api_solves_as_the_cli():
    import asyncio

    import httpx

    from nnsteps.web.app import create_app

    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://test") as c:
            return (await c.get("/api/kinds")).json(), await c.post("/api/solve", json=PROBLEM)

    kinds, solved = asyncio.run(go())
    fields = {f["name"]: f for f in next(k for k in kinds if k["name"] == "attention")["fields"]}
    assert fields["memory"]["type"] == "array" and not fields["memory"]["required"]
    assert "S entries" in fields["key_padding_mask"]["help"]
    assert solved.status_code == 200
    want = json.loads(json.dumps(plain(solve_problem(PROBLEM).worked.answer)))
    assert json.loads(json.dumps(plain(solved.json()["answer"]))) == want


@pytest.mark.parametrize(
    "change, message",
    [
        ({"w_k": [[1, 0, 0, 1], [0, 1, 1, 0]]},
         r"w_k must be d_k×d_m = d_k×3 \(layout columns\) to match memory \(3×3\), got 2×4"),
        ({"w_v": [[1, 1], [0, 0]]}, r"w_v must be d_k×d_m = d_k×3 \(layout columns\) to match memory \(3×3\), got 2×2"),
        ({"w_k": [[1, 0], [0, 1], [1, 1], [0, 0]], "w_v": [[1, 0], [0, 1], [1, 1]],
          "w_q": [[1, 0], [0, 1], [1, 1], [0, 0]], "layout": "rows"},
         r"w_k must be d_m×d_k = 3×d_k \(layout rows\) to match memory \(3×3\), got 4×2"),
        ({"mask": "1 1; 1 1"}, r"mask must be T×S = 2×3 to match x \(2 queries\) and memory \(3 keys\), got 2×2"),
        ({"mask": "1 1 0; 0 1 1; 1 1 1"}, r"mask must be T×S = 2×3 .* got 3×3"),
        ({"mask": "causal"}, r"a causal mask needs keys from x itself; with memory give an explicit 0/1 mask of "
                             r"shape T×S = 2×3"),
        ({"key_padding_mask": [0, 1]}, r"key_padding_mask must have S = 3 entries to match memory \(3 keys\), got 2"),
        ({"key_padding_mask": [1, 1, 1]}, "mask row 1 lets token 1 attend to nothing with the padding keys removed"),
        ({"key_padding_mask": [0, 2, 0]}, r"key_padding_mask entries must be 0 or 1 \(1 = a padding key, ignored\)"),
        ({"x": None}, "memory needs x: the queries come from x"),
        ({"mask": "nonee"}, r"expected mask none or a T×S = 2×3 0/1 matrix, got 'nonee'"),
    ],
)
def test_bad_input_names_both_shapes(change, message):
    raw = {k: v for k, v in {**PROBLEM, **change}.items() if v is not None}
    with pytest.raises(NnstepsError, match=message):
        solve_problem(raw)


def test_bad_input_is_one_line_exit_2(tmp_path):
    source = tmp_path / "bad.yaml"
    source.write_text(yaml.safe_dump({"problems": [{**PROBLEM, "w_k": [[1, 0, 0, 1], [0, 1, 1, 0]]}]}))
    result = CliRunner().invoke(cli, ["solve", str(source)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines == ["error: problem c, field w_k: w_k must be d_k×d_m = d_k×3 (layout columns) to match memory "
                     "(3×3), got 2×4"]


def test_readme_example_solves_as_its_comment_says():
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", readme, flags=re.S) if "id: cross" in b)
    problem = yaml.safe_load(block)[0]
    a = solve_problem(problem).worked.answer
    assert len(a["scores"]) == 2 and [len(r) for r in a["scores"]] == [3, 3]
    assert [r[2] for r in a["weights"]] == [0, 0] and [r[2] for r in a["scores"]] == [None, None]
