"""conv1d / 1-d pooling on sequences, conv3d / 3-d pooling on volumes, separable convolutions: the table
against PyTorch (output shapes and parameter counts of the exported module), receptive fields along time
worked by hand, and one-line errors for a layer on the wrong kind of input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nnsteps.arch.export import to_torch
from nnsteps.arch.table import summary
from nnsteps.errors import NnstepsError

torch = pytest.importorskip("torch")

from tests.helpers.step_honesty import check_steps  # noqa: E402
from tests.helpers.torch_parity import assert_parity  # noqa: E402  (after the skip: it needs torch)


def test_three_conv1d_k3_see_7_steps() -> None:
    rows = summary("input seq 32x4\nconv1d 3x8\nconv1d 3x8\nconv1d 3x8").rows
    assert [r.rf.size for r in rows] == [(3,), (5,), (7,)]  # type: ignore[union-attr]
    assert [r.rf.jump for r in rows] == [(1,), (1,), (1,)]  # type: ignore[union-attr]
    assert [r.output_shape.dims for r in rows] == [(30, 8), (28, 8), (26, 8)]


def test_strided_conv1d_multiplies_the_jump() -> None:
    # r = 1 + 2·1 = 3, j = 2; r = 3 + 2·2 = 7, j = 4; pool 2: r = 7 + 1·4 = 11, j = 8
    rows = summary("input 1d 64x2\nconv1d 3x4 s=2 p=1\nconv1d 3x4 s=2 p=1\nmaxpool1d 2").rows
    assert [(r.rf.size[0], r.rf.jump[0]) for r in rows] == [(3, 2), (7, 4), (11, 8)]  # type: ignore[union-attr]
    assert summary("input seq 64x2\nconv1d 5x4 d=2 p=4").rows[0].rf.size == (9,)  # type: ignore[union-attr]
    answer = summary("input seq 64x2\nconv1d 3x4 s=2").answer()["layers"][0]["receptive_field"]
    assert answer == {"size": 3, "jump": 2, "start": 1}


def test_recurrent_layers_end_the_temporal_field() -> None:
    rows = summary("input seq 16x4\nconv1d 3x8\nrelu\ndense 6\nlstm 5\nconv1d 3x2").rows
    assert [r.rf.size if r.rf else None for r in rows] == [(3,), (3,), (3,), None, (3,)]
    assert summary("input seq 16x4\nlstm 5\nrelu").rows[1].rf is None  # no temporal conv: as before


def test_conv3d_counts_and_field() -> None:
    row = summary("input 16x112x112x3\nconv3d 3x3x3x64 p=1").rows[0]
    assert row.output_shape.dims == (16, 112, 112, 64)
    assert (row.weights, row.biases) == (3 * 3 * 3 * 3 * 64, 64)
    assert row.macs == 16 * 112 * 112 * 64 * 27 * 3
    assert row.rf is not None and row.rf.size == (3, 3, 3)
    mixed = summary("input 8x32x32x3\nconv3d 1x3x3x8 s=1x2x2 p=0x1x1").rows[0]
    assert mixed.output_shape.dims == (8, 16, 16, 8)
    assert mixed.rf is not None and mixed.rf.size == (1, 3, 3) and mixed.rf.jump == (1, 2, 2)
    assert summary("input 8x32x32x3\nconv3d 1x3x3x8 s=1x2x2 p=0x1x1").answer()["layers"][0]["receptive_field"][
        "size"] == [1, 3, 3]


def test_separable_counts() -> None:
    row = summary("input 32x32x16\nseparable 3x3x32 p=1").rows[0]
    assert (row.weights, row.biases, row.params) == (9 * 16 + 16 * 32, 16 + 32, 9 * 16 + 16 * 32 + 48)
    assert row.macs == 32 * 32 * 16 * 9 + 32 * 32 * 16 * 32
    nobias = summary("input 32x32x16\nseparable 3x3x32 p=1 bias=false").rows[0]
    assert nobias.biases == 0 and nobias.weights == row.weights


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("input 8x8x3\nconv1d 3x4", "line 2, column 1: layer conv1d1: conv1d needs a sequence T×D as input, "
                                    "got volume 8×8×3"),
        ("input seq 10x4\nconv3d 3x3x3x4", "line 2, column 1: layer conv3d1: conv3d needs a volume D×H×W×C as "
                                           "input, got sequence 10×4"),
        ("input 4x8x8x3\nconv 3x3x4", "line 2, column 1: layer conv1: conv needs a volume H×W×C as input, got "
                                      "volume3d 4×8×8×3"),
        ("input seq 10x4\nseparable 3x3x4", "separable needs a volume H×W×C as input, got sequence 10×4"),
        ("input seq 10x4\nmaxpool1d 2x2", "line 2, column 11: layer maxpool1d1: the window size must be an "
                                          "integer, got '2x2'"),
        ("input seq 10x4\nconv1d 3x3x4", "conv1d takes a kernel K x filters (e.g. 3x64), got '3x3x4'"),
        ("input seq 10x4\nconv1d 3x4 p=same s=2", "padding=same needs stride 1"),
        ("input seq 10x4\nconv1d 3x4 p=full", "padding must be an integer, same or valid, got 'full'"),
        ("input seq 10x6\nconv1d 3x4 g=4", "groups=4 must divide both the input channels 6 and the filters 4"),
        ("input seq 4x2\nconv1d 7x4", "output would be smaller than 1"),
        ("input seq 10x4\nmaxpool1d 2 p=2", "padding must be <= kernel_size // 2 = 1"),
        ("input seq 10x4\navgpool1d 2 d=2", "unknown option 'd' for avgpool1d"),
        ("input 1d 10", "input sequence takes 2 size(s), got '10'"),
    ],
)
def test_bad_lines_are_one_line_errors(spec: str, message: str) -> None:
    with pytest.raises(NnstepsError) as info:
        summary(spec)
    text = str(info.value)
    assert message in text and "\n" not in text


_seq_layer = st.one_of(
    st.builds(lambda k, n, p, s, d, g, bias: f"conv1d {k}x{n * g} p={p} s={s} d={d} g={g} bias={bias}",
              st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(1, 3), st.integers(1, 2),
              st.sampled_from([1, 2]), st.sampled_from(["true", "false"])),
    st.builds(lambda k, n, mode: f"conv1d {k}x{n} p={mode}", st.integers(1, 4), st.integers(1, 4),
              st.sampled_from(["same", "valid"])),
    st.builds(lambda k, s, ceil: f"maxpool1d {k} s={s} p={k // 2} ceil={ceil}", st.integers(1, 3),
              st.integers(1, 2), st.sampled_from(["true", "false"])),
    st.builds(lambda k, s, cip: f"avgpool1d {k} s={s} p={k // 2} cip={cip}", st.integers(1, 3), st.integers(1, 2),
              st.sampled_from(["true", "false"])),
    st.sampled_from(["relu", "layernorm", "dense 4", "gru 3"]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(t=st.integers(4, 24), c=st.sampled_from([2, 4]), body=st.lists(_seq_layer, min_size=1, max_size=4))
def test_random_conv1d_specs_match_pytorch(t: int, c: int, body: list[str]) -> None:
    spec = "\n".join([f"input seq {t}x{c}", *body, "flatten"])
    try:
        summary(spec)
    except NnstepsError:
        assume(False)
    assert_parity(spec)


_volume_layer = st.one_of(
    st.builds(lambda k, n, p, s, bias: f"conv3d {k}x{k}x{k}x{n} p={p} s={s} bias={bias}", st.integers(1, 3),
              st.integers(1, 3), st.integers(0, 1), st.integers(1, 2), st.sampled_from(["true", "false"])),
    st.builds(lambda kd, k, n: f"conv3d {kd}x{k}x{k}x{n} p=same d=1x2x1", st.integers(1, 3), st.integers(1, 3),
              st.integers(1, 3)),
    st.builds(lambda k, s: f"maxpool3d {k} s={s}", st.integers(1, 2), st.integers(1, 2)),
    st.builds(lambda k, ceil: f"avgpool3d 1x{k}x{k} ceil={ceil}", st.integers(1, 2), st.sampled_from(["true", "false"])),
    st.sampled_from(["batchnorm", "relu", "dropout 0.5"]),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(d=st.integers(2, 6), hw=st.integers(3, 8), c=st.integers(1, 3), body=st.lists(_volume_layer, min_size=1,
                                                                                      max_size=3))
def test_random_conv3d_specs_match_pytorch(d: int, hw: int, c: int, body: list[str]) -> None:
    spec = "\n".join([f"input {d}x{hw}x{hw + 1}x{c}", *body, "flatten", "dense 2"])
    try:
        summary(spec)
    except NnstepsError:
        assume(False)
    assert_parity(spec)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(h=st.integers(3, 12), c=st.integers(1, 4), k=st.integers(1, 3), n=st.integers(1, 5), s=st.integers(1, 2),
       p=st.sampled_from(["0", "1", "same", "valid"]), dil=st.integers(1, 2), bias=st.sampled_from(["true", "false"]))
def test_random_separable_specs_match_pytorch(h: int, c: int, k: int, n: int, s: int, p: str, dil: int,
                                              bias: str) -> None:
    spec = f"input {h}x{h + 2}x{c}\nseparable {k}x{k}x{n} s={s} p={p} d={dil} bias={bias}\nrelu"
    try:
        summary(spec)
    except NnstepsError:
        assume(False)
    table = assert_parity(spec)
    sep = to_torch(spec)[0]
    assert sep.depthwise.groups == c and sep.depthwise.in_channels == sep.depthwise.out_channels == c
    assert tuple(sep.pointwise.kernel_size) == (1, 1) and (sep.pointwise.bias is None) == (bias == "false")
    assert table.rows[0].weights == sep.depthwise.weight.numel() + sep.pointwise.weight.numel()


def test_conv1d_exports_nn_conv1d_on_time_first_sequences() -> None:
    model = to_torch("input seq 10x3\nconv1d 3x5 p=1\nmaxpool1d 2")
    assert isinstance(model[0].inner, torch.nn.Conv1d) and isinstance(model[1].inner, torch.nn.MaxPool1d)
    x = torch.randn(2, 10, 3)
    expected = torch.nn.functional.conv1d(x.transpose(1, 2), model[0].inner.weight, model[0].inner.bias, padding=1)
    assert torch.allclose(model[0](x), expected.transpose(1, 2))


def test_network_problem_with_the_new_layers_solves_with_honest_steps() -> None:
    from nnsteps.problems.solve import solve_problem

    spec = ("input seq 100x2\nconv1d 5x16 p=2 s=2\nmaxpool1d 2\nconv1d 3x16 d=2 p=same bias=false\n"
            "avgpool1d 2 s=1 p=1 ceil=true\nflatten\ndense 3")
    worked = solve_problem({"id": "q", "kind": "network", "spec": spec}).worked
    assert worked.answer["total_params"] == (5 * 2 * 16 + 16) + 3 * 16 * 16 + (26 * 16 * 3 + 3)
    assert check_steps(worked.walk()) >= 25
    volume = solve_problem({"id": "v", "kind": "network", "spec": "input 4x8x8x2\nconv3d 3x3x3x4 p=1\n"
                            "maxpool3d 2\nflatten\ndense 2"}).worked
    separable = solve_problem({"id": "s", "kind": "network", "spec": "input 8x8x4\nseparable 3x3x8 s=2 p=1"}).worked
    assert check_steps(volume.walk()) >= 10 and check_steps(separable.walk()) >= 8
