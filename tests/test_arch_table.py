"""The layer table: the reference's Questions 2–4 exactly, counts against closed forms, and the
step-honesty check (every substituted arithmetic evaluates to its step's result)."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from nnsteps.arch.render import render_table
from nnsteps.arch.table import summary
from nnsteps.problems.solve import solve_file

ROOT = Path(__file__).resolve().parents[1]
Q2 = (ROOT / "tests" / "test_arch_parse.py").read_text().split('Q2_PASTED = r"""')[1].split('"""')[0]


# ------------------------------------------------------------------ step honesty
def _braced(s: str, i: int) -> tuple[str, int]:
    """The text of the {...} group starting at s[i] == '{', and the index after it."""
    assert s[i] == "{", s[i:]
    depth = 0
    for j in range(i, len(s)):
        depth += {"{": 1, "}": -1}.get(s[j], 0)
        if depth == 0:
            return s[i + 1: j], j + 1
    raise AssertionError("unbalanced braces in " + s)


def latex_to_python(s: str) -> str:
    return re.sub(r"(\d+(?:\.\d+)?)", r'_F("\1")', _convert(s))


def _convert(s: str) -> str:
    s = s.replace(r"\left", "").replace(r"\right", "").replace(r"\cdot", "*")
    s = s.replace(r"\lfloor", " _floor(").replace(r"\rfloor", ") ")
    s = s.replace(r"\lceil", " _ceil(").replace(r"\rceil", ") ")
    out, i = "", 0
    while i < len(s):
        if s.startswith(r"\frac", i):
            num, i = _braced(s, i + 5)
            den, i = _braced(s, i)
            out += f"(({_convert(num)})/({_convert(den)}))"
        else:
            out += s[i]
            i += 1
    out = out.replace("{", "(").replace("}", ")")
    assert "\\" not in out, out
    return out


def evaluate(latex: str) -> Fraction:
    return eval(latex_to_python(latex), {"_F": Fraction, "_floor": math.floor, "_ceil": math.ceil})  # noqa: S307


def assert_honest(steps: list[Any]) -> int:
    checked = 0
    for top in steps:
        for step in top.walk():
            if step.substituted is not None and isinstance(step.result, (int, Fraction)):
                assert evaluate(step.substituted) == step.result, (step.title, step.substituted, step.result)
                checked += 1
    return checked


def test_latex_evaluator_itself() -> None:
    assert evaluate(r"\left\lfloor \frac{58 + 2 \cdot 0 - 1 \cdot (2 - 1) - 1}{2} \right\rfloor + 1") == 29
    assert evaluate(r"\left\lceil \frac{3}{2} \right\rceil") == 2


@pytest.mark.parametrize("name", ["lenet5", "alexnet", "vgg16", "resnet18", "resnet50"])
def test_every_step_of_the_classic_tables_is_honest(name: str) -> None:
    table = summary((ROOT / "examples" / "networks" / f"{name}.txt").read_text(), count_bias=True)
    assert assert_honest(table.worked().steps) > 10


def test_every_step_of_a_mixed_spec_is_honest() -> None:
    spec = ("input 17x13x4\nconv 3x5x8 p=same d=2\nconv 3x3x8 s=2 g=4 p=1\nmaxpool 3 s=2 ceil=true p=1\n"
            "convT 4x4x6 s=2 p=1 op=1\nadaptiveavgpool 4x4\nlayernorm\nflatten\ndense 7")
    assert assert_honest(summary(spec, flops=True).worked().steps) > 20
    seq = "input tokens 12\nembedding 100x32\nlstm 16 layers=2 bidirectional=true\nattention heads=4\ndense 5"
    assert assert_honest(summary(seq, count_bias=True).worked().steps) > 5


# ------------------------------------------------------------------ the reference problem set
def test_question_2_volumes() -> None:
    rows = summary(Q2).rows
    assert [r.output_shape.dims for r in rows] == [
        (64, 64, 32), (58, 58, 64), (29, 29, 64), (29, 29, 128), (23, 23, 256), (11, 11, 256), (30976,), (10,)]


def test_questions_2_to_4_from_the_problem_file() -> None:
    solved = {s.problem.id: s.worked.answer for s in solve_file(ROOT / "examples" / "assignment3.yaml").solved}
    assert [row["output_shape"] for row in solved["q2"]["layers"]] == [
        [64, 64, 32], [58, 58, 64], [29, 29, 64], [29, 29, 128], [23, 23, 256], [11, 11, 256], [30976], [10]]
    unnamed = [{k: v for k, v in row.items() if k != "name"} for row in solved["q2"]["layers"]]
    assert [{k: v for k, v in row.items() if k != "name"} for row in solved["q2-pasted"]["layers"]] == unnamed
    assert solved["q3a"]["asked"] == {"Conv1.output_shape": [32, 32, 16], "Conv1.neurons": 16384}
    assert solved["q3b"]["asked"] == {"Conv1.weights": 432, "Conv1.biases": 16}
    assert solved["q3c"]["asked"] == {"Conv2.output_shape": [30, 30, 16], "Conv2.neurons": 14400}
    assert solved["q3d"]["asked"] == {"Conv2.weights": 2304, "Conv2.biases": 16}
    assert solved["q3e"]["asked"] == {"Pool.output_shape": [15, 15, 16], "Pool.neurons": 3600,
                                      "flatten1.neurons": 3600}
    assert solved["q3f"]["receptive_field"] == 5
    assert (solved["q3f"]["stacked_params"], solved["q3f"]["single_params"]) == (2 * (9 * 256 + 16), 25 * 256 + 16)
    assert solved["q4"]["asked"] == {"flatten1.neurons": 3600, "Logistic.weights": 3600, "Logistic.biases": 1}


def test_contract_rows() -> None:
    answer = summary("input 8x8x3\nresidual { conv 3x3x3 p=1 } shortcut { conv 1x1x3 }\nflatten\ndense 2").answer()
    assert [r["type"] for r in answer["layers"]] == ["conv", "conv", "add", "flatten", "dense"]
    assert set(answer) >= {"layers", "total_params", "output_shape"}
    row = answer["layers"][0]
    assert set(row) >= {"name", "type", "output_shape", "neurons", "weights", "biases", "params", "macs",
                        "receptive_field"}
    assert answer["total_params"] == (27 * 3 + 3) + (3 * 3 + 3) + (192 * 2 + 2)
    assert answer["output_shape"] == [2]


def test_repeat_expands_with_numbered_names() -> None:
    t = summary("input 8x8x3\nrepeat 3 { conv 3x3x3 p=1; relu }")
    assert [r.name for r in t.rows] == ["conv1", "relu1", "conv2", "relu2", "conv3", "relu3"]
    assert t.rows[-1].rf is not None and t.rows[-1].rf.size == (7, 7)


# ------------------------------------------------------------------ counts
def test_conv_counts_and_mac_conventions() -> None:
    spec = "input 64x64x3\nconv 3x3x32 p=1"
    plain = summary(spec).rows[0]
    assert (plain.weights, plain.biases, plain.macs) == (864, 32, 64 * 64 * 32 * 27)
    assert summary(spec, count_bias=True).rows[0].macs == 64 * 64 * 32 * 28
    assert summary(spec, flops=True).rows[0].macs == 2 * 64 * 64 * 32 * 27


def test_receptive_field_of_question_2() -> None:
    rows = summary(Q2).rows
    assert [r.rf.size[0] for r in rows[:6] if r.rf] == [3, 9, 10, 14, 26, 28]
    assert [r.rf.jump[0] for r in rows[:6] if r.rf] == [1, 1, 2, 2, 2, 4]
    assert rows[6].rf is None


def test_recurrent_and_attention_counts() -> None:
    t = summary("input seq 35x300\nlstm 128 layers=2 bidirectional=true\ngru 64\nrnn 32 bias=false\n"
                "attention heads=4\ndense 10")
    lstm, gru, rnn, att, dense = t.rows
    assert lstm.output_shape.dims == (35, 256)
    assert lstm.weights == 2 * 4 * 128 * (300 + 128) + 2 * 4 * 128 * (256 + 128)
    assert lstm.biases == 2 * 2 * 2 * 4 * 128
    assert (gru.weights, gru.biases) == (3 * 64 * (256 + 64), 2 * 3 * 64)
    assert (rnn.weights, rnn.biases) == (32 * (64 + 32), 0)
    assert (att.weights, att.biases) == (4 * 32 * 32, 4 * 32)
    # QK^T and AV are counted (torchinfo leaves them out).
    assert att.macs == 4 * 35 * 32 * 32 + 2 * 35 * 35 * 32
    assert dense.output_shape.dims == (35, 10) and dense.macs == 35 * 32 * 10


def test_batchnorm_other_params_and_embedding() -> None:
    t = summary("input tokens 7\nembedding 1000x16\nlayernorm\nflatten\nbatchnorm")
    emb, ln, _, bn = t.rows
    assert (emb.weights, emb.output_shape.dims) == (16000, (7, 16))
    assert ln.other == 32 and bn.other == 2 * 112


def test_padding_same_with_even_kernel_is_asymmetric() -> None:
    row = summary("input 10x10x1\nconv 4x4x2 p=same").rows[0]
    assert row.output_shape.dims == (10, 10, 2)
    assert "1 before and 2 after" in (row.steps[0].note or "")


def test_renderings() -> None:
    t = summary(Q2)
    text = render_table(t, "text")
    assert "Pooling1" in text and "30976" in text and "2,090,826" in text and "bias adds not counted" in text
    md = render_table(t, "markdown", explain=True)
    assert "| Conv1 | conv | 64×64×32 |" in md and r"\left\lfloor" in md
    csv = render_table(t, "csv")
    assert csv.splitlines()[1].startswith("Conv1,conv,64x64x32,131072,864,32,0,896,")
    explained = render_table(t, "text", explain=True)
    assert "= 3·3·3·32" in explained and "= ⌊(64 - 3 + 2·1)/1⌋ + 1" in explained
