"""A corpus of bad problem files through the CLI (``tests/bad_inputs/*.yaml``).

Each must end with exit code 2 and exactly one stderr line ``error: …`` that names the problem, the
field and what was expected; no traceback, nothing on stdout, and no ``-o`` output file (nor its
temporary ``.partial``) left behind.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from nnsteps.cli import app

CORPUS = Path(__file__).resolve().parent / "bad_inputs"

CASES = {
    "ragged_matrix": "error: problem rag, field input: rows must all have the same length: "
                     "row 0 has 3 entries, row 1 has 2 entries",
    "non_number": "error: problem nan1, field input: expected a number, got 'x'",
    "kernel_too_large": "error: problem big, field kernel: the kernel does not fit: effective kernel 3 ",
    "stride_zero": "error: problem s0, field stride: expected a stride >= 1, got 0",
    "stride_negative": "error: problem sneg, field stride: expected a stride >= 1, got -1",
    "pool_padding": "error: problem q1d, field padding: max_pool2d needs padding <= kernel_size // 2 = 1, got 2",
    "pool_window_too_large": "error: problem pw, field kernel_size: the pooling window does not fit: window 3 is "
                             "larger than the padded input 2 along H",
    "groups": "error: problem grp, field groups: groups=2 must divide both the input channels (3) and the filters (2)",
    "unknown_kind": "error: problem k1, field kind: unknown kind 'conv2dd'; known kinds: ",
    "unknown_key": "error: problem k2, field strid: unknown field 'strid' for kind conv2d; expected one of bias, ",
    "yaml_syntax": "error: line 5, column 7: ",
    "duplicate_id": "error: problem same, field id: duplicate id 'same'",
    "too_large": "error: problem huge, field input: exact arrays are limited to 40,000 entries, got 90,000",
    "empty_problems": "error: field problems: ",
    "bias_length": "error: problem bl, field bias: expected one bias per filter (2), got 3",
    "pipeline_unknown_stage": "error: problem pipe, field steps[1]: unknown stage 'reluu'; known: conv2d, ",
    "pipeline_bad_option": "error: problem pipe2, field steps[0].paddin: unknown option 'paddin' for stage conv2d",
    "same_with_stride": "error: problem ss, field padding: padding='same' needs stride 1 (as in PyTorch), got stride",
    "convt_output_too_large": "error: problem ct, field stride: the output would have 40,000,800,004 entries "
                              "(1×1×200002×200002); the exact limit is 250,000",
    "softmax_axis": "error: problem sm, field axis: expected an axis in [-2, 1] for a 2-D input (as torch.softmax's "
                    "dim), got 2",
    "softmax_axis_not_int": "error: problem sm2, field axis: expected an integer axis such as -1, got True",
    "bias_not_number": "error: problem bn, field bias: expected a bias, got 'abc'",
    "convt_output_empty": "error: problem ct, field padding: the transposed convolution's output along H would be 0",
    "huge_int": "error: line 4, column 16: expected a number of at most 300 digits, got 401 characters",
    "rnn_state_grows_too_large": "error: problem big: expected an exact hidden state of at most 300 digits, got one of about 361 digits",
    "huge_exponent": "error: problem exp, field input: expected a number of at most 300 digits, got '1e999999999'",
    "exact_result_too_large": "error: problem grow, field steps[0]: the exact result grew past the limit: expected a "
                              "number of at most 300 digits, got one of about 401 digits",
    "deep_nesting": "error: ",
    "alias_bomb": "error: ",
    "pipeline_too_long": "error: problem long, field steps: expected at most 20 stages, got 21",
    "network_lone_brace": "error: problem net, line 2, column 1, field spec: unexpected '{': only 'repeat' and "
                          "'residual' open blocks",
    "network_huge_number": "error: problem net2, line 1, column 7, field spec: expected numbers of at most 30 digits, "
                           "got 5,000 digits",
    "convt_exact_output": "error: problem ct2, field stride: the output would have 361,201 entries (1×1×601×601); the "
                          "exact limit is 250,000",
    "digits_conv": "error: problem wide: this convolution needs 1,710,864 multiply-accumulates of operands up to 985 "
                   "bits wide together (numerator + denominator bits), 1,685,201,040 bit-MACs; the exact work limit "
                   "is 256,000,000",
    "file_work_bomb": "error: problem w2: this convolution would bring this file's exact work to 629,856,000; the "
                      "limit for one file is 512,000,000",
    "alias_digits_bomb": "error: ",
}
"""File stem -> how its one error line must start."""

ENDINGS = {
    "unknown_kind": "(did you mean 'conv2d'?)",
    "unknown_key": "(did you mean 'stride'?)",
    "pipeline_unknown_stage": "(did you mean 'relu'?)",
    "pipeline_bad_option": "(did you mean 'padding'?)",
    "yaml_syntax": "is not valid YAML: expected ',' or ']', but got ':'",
    "empty_problems": "empty_problems.yaml: expected a non-empty list of problems",
    "deep_nesting": "deep_nesting.yaml nests lists or mappings more than 32 levels deep",
    "alias_bomb": "alias_bomb.yaml holds more than 2,000,000 values (each use of a YAML alias counts)",
    "alias_digits_bomb": "alias_digits_bomb.yaml holds more than 4,194,304 characters of numbers and text once its "
                         "YAML aliases are expanded (each use of an alias counts)",
}
"""File stem -> how its error line must end (the hint, or the rest of a message that names the file)."""


def test_corpus_and_cases_agree() -> None:
    assert sorted(p.stem for p in CORPUS.glob("*.yaml")) == sorted(CASES)


@pytest.mark.parametrize("stem", sorted(CASES))
def test_bad_file_fails_with_one_located_line(stem: str, tmp_path: Path) -> None:
    out = tmp_path / "answers.md"
    result = CliRunner().invoke(app, ["solve", str(CORPUS / f"{stem}.yaml"), "-o", str(out)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stderr.endswith("\n")
    assert lines[0].startswith(CASES[stem]), lines[0]
    if stem in ENDINGS:
        assert lines[0].endswith(ENDINGS[stem]), lines[0]
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no answers.md.partial either


def test_a_bad_problem_after_good_ones_writes_nothing(tmp_path: Path) -> None:
    """Validation and solving finish before any output is written: no half-written answers file."""
    source = tmp_path / "mixed.yaml"
    source.write_text(
        "problems:\n"
        "  - {id: ok, kind: relu, input: '1 -2'}\n"
        "  - {id: bad, kind: conv2d, input: '1 2; 3 4', kernel: '1 1 1; 1 1 1; 1 1 1'}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.json"
    result = CliRunner().invoke(app, ["solve", str(source), "--format", "json", "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: problem bad, field kernel: the kernel does not fit")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mixed.yaml"]


def test_a_subprocess_run_prints_no_traceback(tmp_path: Path) -> None:
    """The installed entry point, not only the in-process app, keeps to one line."""
    import subprocess
    import sys

    out = tmp_path / "x.md"
    proc = subprocess.run(
        [sys.executable, "-c", "from nnsteps.cli import main; main()", "solve", str(CORPUS / "stride_zero.yaml"),
         "-o", str(out)],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr == "error: problem s0, field stride: expected a stride >= 1, got 0\n"
    assert not out.exists()
