"""The layer-spec language: syntax, pasted course-note lines, and one test per documented error."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnsteps.arch.parse import LayerStmt, Repeat, Residual, count_layers, parse
from nnsteps.arch.table import summary
from nnsteps.errors import NnstepsError

ROOT = Path(__file__).resolve().parents[1]

Q2_PLAIN = """input 64x64x3
conv 3x3x32 p=1 s=1
conv 7x7x64 p=0 s=1
maxpool 2 s=2
conv 3x3x128 p=1 s=1
conv 7x7x256 p=0 s=1
maxpool 2x2 s=2
flatten
dense 10
"""

# Pasted verbatim from the reference's Question 2 (with its $…$ and bullets).
Q2_PASTED = r"""input 64x64x3
- Conv1:  $k = 3 \times 3 \times 32$ ,  $p = 1$ ,  $s = 1$
- Conv2:  $k = 7 \times 7 \times 64$ ,  $p = 0$ ,  $s = 1$
- Pooling: MaxPool  $2 \times 2$ , no overlap ( $s = 2$ )
- Conv3:  $k = 3 \times 3 \times 128$ ,  $p = 1$ ,  $s = 1$
- Conv4:  $k = 7 \times 7 \times 256$ ,  $p = 0$ ,  $s = 1$
- Pooling: MaxPool  $2 \times 2$ , no overlap ( $s = 2$ )
- Flatten
- Dense: size = 10
"""


def _numbers(spec: str) -> list[tuple[object, ...]]:
    t = summary(spec)
    return [(r.type, r.output_shape.dims, r.weights, r.biases, r.macs, r.rf) for r in t.rows]


def test_pasted_q2_gives_the_same_table_as_the_plain_language() -> None:
    assert _numbers(Q2_PASTED) == _numbers(Q2_PLAIN)
    names = [r.name for r in summary(Q2_PASTED).rows]
    assert names == ["Conv1", "Conv2", "Pooling1", "Conv3", "Conv4", "Pooling2", "Flatten", "Dense"]


def test_pasted_lines_without_dollars_or_bullets() -> None:
    spec = "input 64x64x3\nConv1: k = 3x3x32, p = 1, s = 1\nConv2: k = 7 × 7 × 64, p = 0, s = 1\n" \
           "Pooling: MaxPool 2×2, no overlap (s = 2)\nFlatten\nDense: size = 10"
    rows = summary(spec).rows
    assert [r.output_shape.dims for r in rows] == [(64, 64, 32), (58, 58, 64), (29, 29, 64), (29 * 29 * 64,), (10,)]


def test_semicolons_comments_and_blocks() -> None:
    nodes = parse("input 8x8x3  # an image\nrepeat 2 { conv 3x3x4 p=1; relu }\n"
                  "residual { conv 3x3x4 p=1 } shortcut { conv 1x1x4 }")
    assert isinstance(nodes[0], LayerStmt) and isinstance(nodes[1], Repeat) and isinstance(nodes[2], Residual)
    assert nodes[1].count == 2 and len(nodes[1].body) == 2
    assert nodes[2].shortcut is not None and nodes[2].shortcut[0].type == "conv"
    assert count_layers(nodes) == 1 + 4 + 3


def test_shortcut_on_the_next_line_and_multiline_blocks() -> None:
    t = summary("input 8x8x4\nresidual {\n  conv 3x3x4 p=1\n  relu\n}\nshortcut {\n  conv 1x1x4\n}\n")
    assert [r.type for r in t.rows] == ["conv", "relu", "conv", "add"]


@pytest.mark.parametrize(
    ("spec", "message", "line", "column"),
    [
        ("input 8x8x3\nconvv 3x3x4", "unknown layer 'convv' (did you mean 'conv'?)", 2, 1),
        ("input 8x8x3\nconv 3x3x4 strid=2", "unknown option 'strid' for conv", 2, 12),
        ("input 8x8x3\nconv 3x3x4 p=1 p=2", "option 'p' is given twice", 2, 16),
        ("input 8x8x3\nrepeat 0 { relu }", "a repeat count must be 1..1000", 2, 8),
        ("input 8x8x3\nrepeat 2 { relu", "this block is never closed", 2, 10),
        ("input 8x8x3\n}", "unexpected '}' with no open block", 2, 1),
        ("input 8x8x3\nrelu {", "only 'repeat' and 'residual' open blocks", 2, 6),
        ("input 8x8x3\nshortcut { relu }", "'shortcut' must follow", 2, 1),
        ("input 8x8x3\nconv 3x3x4 @", "unexpected character '@'", 2, 12),
        ("input 8x8x3\nFoo1: k = 3", "cannot tell the layer type of 'Foo1'", 2, 1),
    ],
)
def test_syntax_errors_name_line_and_column(spec: str, message: str, line: int, column: int) -> None:
    with pytest.raises(NnstepsError) as err:
        summary(spec)
    assert message in str(err.value)
    assert (err.value.line, err.value.column) == (line, column)


def test_nesting_depth_is_bounded() -> None:
    spec = "input 8x8x3\n" + "repeat 1 { " * 12 + "relu" + " }" * 12
    with pytest.raises(NnstepsError, match="nest at most 8 deep"):
        parse(spec)


def test_total_layers_are_bounded_without_expanding() -> None:
    spec = "input 8x8x3\n" + "repeat 1000 { " * 4 + "relu" + " }" * 4
    with pytest.raises(NnstepsError, match="at most 5,000 layers"):
        parse(spec)


def test_spec_size_is_bounded() -> None:
    with pytest.raises(NnstepsError, match="at most 200,000 characters"):
        parse("relu\n" * 50_000)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("conv 3x3x4", "a spec starts with its input"),
        ("input 8x8", "expected H x W x C"),
        ("input 8x8x3\ninput 8x8x3", "'input' may only be the first line"),
        ("input 8x8x3\ndense 10", "add 'flatten' before it"),
        ("input tokens 5\ndense 10", "add 'embedding VxD' first"),
        ("input 8x8x3\nconv 3x3", "conv takes a kernel K x K x filters"),
        ("input 8x8x3\nconv 3x3x4 p=same s=2", "padding=same needs stride 1"),
        ("input 8x8x3\nconv 3x3x4 g=2", "groups=2 must divide both the input channels 3"),
        ("input 8x8x3\nmaxpool 2 p=2", "padding must be <= kernel_size // 2 = 1"),
        ("input 8x8x3\nconvT 3x3x4 s=2 op=2", "output_padding must be smaller than stride or dilation"),
        ("input 8x8x3\nconv 3x3x4 bias=maybe", "bias must be true or false"),
        ("input 8x8x3\ndropout 1.5", "dropout probability must be between 0 and 1"),
        ("input seq 5x10\nattention heads=3", "heads=3 must divide the embedding size 10"),
        ("input seq 5x10\nbatchnorm", "batchnorm needs a volume"),
    ],
)
def test_layer_errors(spec: str, message: str) -> None:
    with pytest.raises(NnstepsError, match=message.replace("(", r"\(").replace(")", r"\)").replace("+", r"\+")):
        summary(spec)


def test_output_smaller_than_one_names_layer_line_and_formula() -> None:
    with pytest.raises(NnstepsError) as err:
        summary("input 8x8x3\nconv 3x3x4\nbig: conv 7x7x4")
    text = str(err.value)
    assert err.value.line == 3
    assert "layer big: output would be smaller than 1" in text
    assert "H_out = ⌊(6 + 0 − 1·(7−1) − 1)/1⌋ + 1 = 0" in text


def test_pool_that_does_not_fit_names_the_layer() -> None:
    with pytest.raises(NnstepsError, match="layer maxpool1: output would be smaller than 1"):
        summary("input 2x2x1\nmaxpool 3 s=1")


def test_residual_branches_that_disagree_name_both_shapes() -> None:
    with pytest.raises(NnstepsError) as err:
        summary("input 8x8x4\nresidual { conv 3x3x8 p=1 }")
    assert "the body gives 8×8×8, the identity shortcut gives 8×8×4" in str(err.value)
    assert err.value.line == 2


def test_classic_example_files_parse() -> None:
    for name in ("lenet5", "alexnet", "vgg16", "resnet18", "resnet50"):
        text = (ROOT / "examples" / "networks" / f"{name}.txt").read_text()
        assert summary(text).rows
