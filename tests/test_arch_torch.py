"""to_torch parity: the exported module's parameter count and every top-level layer's output shape
equal the table's, for the classic networks and for random specs (Hypothesis)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nnsteps.arch.export import to_torch
from nnsteps.arch.table import summary
from nnsteps.errors import NnstepsError

torch = pytest.importorskip("torch")
ROOT = Path(__file__).resolve().parents[1]

from tests.helpers.torch_parity import assert_parity, n_params  # noqa: E402  (after the skip: it needs torch)

# torchvision's published totals (torchvision is not a dependency; these are its documented numbers).
CLASSIC = {"lenet5": 61_706, "alexnet": 61_100_840, "vgg16": 138_357_544, "resnet18": 11_689_512,
           "resnet50": 25_557_032}


@pytest.mark.parametrize("name", sorted(CLASSIC))
def test_classic_totals_equal_pytorch(name: str) -> None:
    spec = (ROOT / "examples" / "networks" / f"{name}.txt").read_text()
    table = summary(spec)
    with torch.device("meta"):  # shapes and counts without allocating or initialising 138M weights
        module = to_torch(spec)
    assert table.total_params == n_params(module) == CLASSIC[name]
    assert table.output_shape.dims == ((10,) if name == "lenet5" else (1000,))


def test_resnet18_forward_shapes() -> None:
    # The one forward pass on a real-size input: every stage's shape against PyTorch's.
    assert_parity((ROOT / "examples" / "networks" / "resnet18.txt").read_text())


def test_question_2_parity() -> None:
    table = assert_parity("input 64x64x3\nconv 3x3x32 p=1 s=1\nconv 7x7x64\nmaxpool 2\nconv 3x3x128 p=1\n"
                          "conv 7x7x256\nmaxpool 2\nflatten\ndense 10")
    assert table.total_params == 2_090_826


def test_sequence_layers_parity() -> None:
    assert_parity("input tokens 9\nembedding 50x16\ngru 8 layers=2 bidirectional=true\nlstm 12\nrnn 6 bias=false\n"
                  "dense 16\nattention heads=4\nlayernorm\nsoftmax\nflatten\ndense 3")


_grid_layer = st.one_of(
    st.builds(lambda k, n, p, s, d, bias: f"conv {k}x{k}x{n} p={p} s={s} d={d} bias={bias}",
              st.integers(1, 3), st.integers(1, 4), st.integers(0, 2), st.integers(1, 2), st.integers(1, 2),
              st.sampled_from(["true", "false"])),
    st.builds(lambda k, n: f"conv {k}x{k + 1}x{n} p=same", st.integers(1, 4), st.integers(1, 3)),
    st.builds(lambda k, s, ceil: f"maxpool {k} s={s} p={k // 2} ceil={ceil}", st.integers(1, 3), st.integers(1, 2),
              st.sampled_from(["true", "false"])),
    st.builds(lambda k, s: f"avgpool {k}x{k} s={s} cip=false", st.integers(1, 2), st.integers(1, 2)),
    st.builds(lambda k, n, s, p: f"convT {k}x{k}x{n} s={s} p={p} op={s - 1}", st.integers(2, 3), st.integers(1, 3),
              st.integers(1, 2), st.integers(0, 1)),
    st.sampled_from(["batchnorm", "relu", "tanh", "dropout 0.25", "layernorm", "softmax", "adaptiveavgpool 2x2"]),
    st.builds(lambda n: f"residual {{ conv 3x3x{n} p=1; relu }} shortcut {{ conv 1x1x{n} }}", st.integers(1, 3)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(h=st.integers(4, 20), w=st.integers(4, 20), c=st.integers(1, 4),
       body=st.lists(_grid_layer, min_size=1, max_size=5), head=st.booleans())
def test_random_grid_specs_match_pytorch(h: int, w: int, c: int, body: list[str], head: bool) -> None:
    spec = "\n".join([f"input {h}x{w}x{c}", *body] + (["flatten", "dense 3"] if head else []))
    try:
        summary(spec)
    except NnstepsError:
        assume(False)
    assert_parity(spec)


_seq_layer = st.one_of(
    st.builds(lambda kind, hid, layers, bi: f"{kind} {hid} layers={layers} bidirectional={bi}",
              st.sampled_from(["rnn", "lstm", "gru"]), st.integers(1, 6), st.integers(1, 2),
              st.sampled_from(["true", "false"])),
    st.builds(lambda n, bias: f"dense {n} bias={bias}", st.sampled_from([2, 4, 6, 8]),
              st.sampled_from(["true", "false"])),
    st.sampled_from(["attention heads=2", "attention heads=1 bias=false", "layernorm", "relu", "dropout 0.1"]),
)


@settings(max_examples=30, deadline=None)
@given(t=st.integers(1, 6), d=st.sampled_from([2, 4, 8]), body=st.lists(_seq_layer, min_size=1, max_size=4))
def test_random_sequence_specs_match_pytorch(t: int, d: int, body: list[str]) -> None:
    spec = "\n".join([f"input seq {t}x{d}", *body, "flatten"])
    try:
        summary(spec)
    except NnstepsError:
        assume(False)
    assert_parity(spec)
