"""`nnsteps summary`: formats, --explain, MAC conventions, stdin, one-line errors with exit 2; bench smoke."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nnsteps.cli import app

ROOT = Path(__file__).resolve().parents[1]
LENET = str(ROOT / "examples" / "networks" / "lenet5.txt")
runner = CliRunner()


def test_text_table() -> None:
    r = runner.invoke(app, ["summary", LENET])
    assert r.exit_code == 0, r.output
    assert "61,706" in r.output and "28×28×6" in r.output and "bias adds not counted" in r.output


def test_json_contract_and_explain() -> None:
    r = runner.invoke(app, ["summary", LENET, "--format", "json", "--explain"])
    data = json.loads(r.output)
    assert data["total_params"] == 61706 and data["output_shape"] == [10]
    c1 = data["layers"][0]
    assert (c1["name"], c1["output_shape"], c1["weights"], c1["biases"]) == ("C1", [28, 28, 6], 150, 6)
    assert any(s["substituted"] == r"5 \cdot 5 \cdot 1 \cdot 6" for s in c1["steps"])


def test_flops_and_bias_conventions() -> None:
    plain = json.loads(runner.invoke(app, ["summary", LENET, "-f", "json"]).output)
    both = json.loads(runner.invoke(app, ["summary", LENET, "-f", "json", "--flops", "--macs-bias"]).output)
    c1p, c1b = plain["layers"][0], both["layers"][0]
    assert c1p["macs"] == 28 * 28 * 6 * 25 and c1b["macs"] == 2 * 28 * 28 * 6 * 26
    assert "FLOPs" in both["mac_convention"]


def test_stdin_csv_and_markdown() -> None:
    r = runner.invoke(app, ["summary", "-", "--format", "csv"], input="input 32x32x3; conv 3x3x16 p=1; flatten")
    assert r.output.splitlines()[1] == "conv1,conv,32x32x16,16384,432,16,0,448,442368,3,1,0,65536"
    r = runner.invoke(app, ["summary", "-", "-f", "markdown", "--explain"], input="input 8x8x1\nconv 3x3x2")
    assert "| conv1 | conv | 6×6×2 |" in r.output and "$$" in r.output


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["summary", "-"], "input 8x8x3\nconvv 3x3x4", "error: line 2, column 1: unknown layer 'convv' (did you mean 'conv'?)"),
        (["summary", "/no/such/spec.txt"], None, "error: no such file: /no/such/spec.txt"),
        (["summary", LENET, "-f", "yaml"], None, "error: field --format: expected one of text, markdown, json, csv"),
    ],
)
def test_errors_are_one_line_and_exit_2(args: list[str], stdin: str | None, message: str) -> None:
    r = runner.invoke(app, args, input=stdin)
    assert r.exit_code == 2
    assert message in r.output
    assert "Traceback" not in r.output


def test_bench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("torchinfo")
    spec = importlib.util.spec_from_file_location("bench_summary", ROOT / "bench" / "bench_summary.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.main(["--spec", LENET, "--repeats", "1"])
    assert result["nnsteps_params"] == result["torchinfo_params"] == 61706
    assert "ratio torchinfo / nnsteps" in capsys.readouterr().out
