"""The ``nnsteps`` command: thin shells over the library (solve, summary, check, generate, serve).

Bad input prints one line, ``error: <where>: <what>``, and exits 2; nothing is half-written.
Heavy imports happen inside the commands, so ``nnsteps --help`` starts at once.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from nnsteps.budget import DEFAULT_SECONDS
from nnsteps.clihelp import FlagGroup, show_flags
from nnsteps.cliout import check_format, fail, write_output
from nnsteps.errors import NnstepsError
from nnsteps.hot import DIGITS_HELP, solve_text, use_digits
from nnsteps.hot import use_colour as use_colour  # where tests and users have found it
from nnsteps.render import formats

app = typer.Typer(
    cls=FlagGroup,
    name="nnsteps",
    help="Neural-network exercises computed exactly, with the work shown.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

TIME_LIMIT_HELP = "Seconds each problem may take (its work is stopped after that)."


def version() -> str:
    """The version: ``nnsteps.__version__``, its one home (pyproject reads the package's version from it
    too, so the installed metadata and the source tree never disagree).

    >>> version()[0].isdigit()
    True
    """
    from nnsteps import __version__

    return __version__


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"nnsteps {version()}")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", callback=_show_version,
                                               is_eager=True)] = False,
) -> None:
    """Neural-network exercises computed exactly, with the work shown.

    Start with: nnsteps solve examples/assignment3.yaml
    """


@app.command()
def solve(
    file: Annotated[Path, typer.Argument(help="Problem file (YAML or JSON); '-' reads standard input.")],
    fmt: Annotated[str | None, typer.Option("--format", "-f", help=f"{formats.spoken(formats.SOLVE)} (default: from "
                                            "the -o file's extension, else text).")] = None,
    out: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of printing "
                                             "(.md, .txt, .json, .html pick the format).")] = None,
    brief: Annotated[bool, typer.Option("--brief", help="Only the answers: the answer key.")] = False,
    time_limit: Annotated[float, typer.Option("--time-limit", help=TIME_LIMIT_HELP)] = DEFAULT_SECONDS,
    digits: Annotated[int | None, typer.Option("--digits", help=DIGITS_HELP)] = None,
    only: Annotated[str | None, typer.Option("--only", help="Solve only these problems: ids separated by "
                                             "commas (q1,q3).")] = None,
) -> None:
    """Solve every problem in FILE: each answer first, then the work.

    Examples:

      nnsteps solve examples/assignment3.yaml

      nnsteps solve examples/assignment3.yaml --brief

      nnsteps solve examples/assignment3.yaml --only q1,q3

      nnsteps solve examples/assignment3.yaml -o report.html

      nnsteps solve examples/assignment3.yaml -o answers.json
    """
    try:
        text = solve_text(file, fmt, out, brief, time_limit, digits, only)
    except NnstepsError as err:
        fail(err)
    write_output(text, out)


@app.command()
def summary(
    spec: Annotated[str, typer.Argument(help="Layer-spec file (one layer per line); '-' reads standard input.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"{formats.spoken(formats.TABLE)}.")] = "text",
    explain: Annotated[bool, typer.Option("--explain", help="Show every number's formula with the numbers put in.")] = False,
    macs_bias: Annotated[bool, typer.Option("--macs-bias", help="Count one MAC per bias add.")] = False,
    flops: Annotated[bool, typer.Option("--flops", help="Report FLOPs = 2 × MACs instead of MACs.")] = False,
    convention: Annotated[str, typer.Option("--convention", help="pytorch or keras: how recurrent biases count.")] = "pytorch",
    out: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of printing.")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds the table may take.")] = DEFAULT_SECONDS,
) -> None:
    """Layer table of a network written as text: shapes, neurons, weights, biases, MACs, receptive field.

    Examples:

      nnsteps summary examples/networks/vgg16.txt

      nnsteps summary examples/networks/resnet18.txt --format markdown --explain

      echo "input 32x32x3; conv 3x3x16 p=1; flatten; dense 10" | nnsteps summary - --format json

    The layer types and their options: nnsteps layers [TYPE].
    """

    fmt = check_format(fmt, formats.TABLE)
    from nnsteps import jobs
    from nnsteps.arch.parse import read_spec
    from nnsteps.budget import Budget

    try:
        text = jobs.summary(read_spec(spec), fmt, Budget(time_limit), count_bias=macs_bias, flops=flops,
                            explain=explain, convention=convention)
    except NnstepsError as err:
        fail(err)
    write_output(text, out)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    allow_host: Annotated[list[str] | None, typer.Option(
        "--allow-host", help="Also answer requests for this host name (repeatable); loopback names and --host "
                             "are always allowed.")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help=TIME_LIMIT_HELP)] = DEFAULT_SECONDS,
) -> None:
    """Run the local web app: convolution/pooling playground, networks, worked problems, checking.

    Examples:

      nnsteps serve                 # then open http://127.0.0.1:8000

      nnsteps serve --port 8765

      nnsteps serve --host 0.0.0.0 --allow-host mybox.local
    """
    from nnsteps.budget import Budget
    from nnsteps.web.app import serve as run_server

    try:
        budget = Budget(time_limit)
    except NnstepsError as err:
        fail(err)
    run_server(host=host, port=port, allow_hosts=allow_host or [], budget=budget)


@app.command()
def check(
    problems: Annotated[Path, typer.Argument(help="Problem file (YAML or JSON).")],
    answers: Annotated[Path, typer.Argument(help="Answers file, a directory of them (one per student), or a Moodle "
                                            "Responses / Canvas Student Analysis report (.csv) of a quiz nnsteps "
                                            "exported.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"{formats.spoken(formats.CHECK)}.")] = "text",
    feedback: Annotated[str, typer.Option("--feedback", help="full, hints (no key values), mistakes (the wrong "
                                          "cells and the likely mistake only) or score.")] = "full",
    rtol: Annotated[float, typer.Option("--rtol", help="Relative error allowed for rounded decimals.")] = 0.001,
    exact: Annotated[bool, typer.Option("--exact", help="Exact keys need exact answers (no rounding).")] = False,
    allow_missing: Annotated[bool, typer.Option("--allow-missing", help="Grade only the fields given (a practice "
                                                "sheet); by default a value left out is wrong.")] = False,
    require_all: Annotated[bool, typer.Option("--require-all", hidden=True,
                                              help="The default now: a value left out is wrong.")] = False,
    out: Annotated[Path | None, typer.Option("--output", "-o", help="Batch: folder for grades.csv, summary.json, "
                                             "gradescope/ (default ./grades); single: write the report here.")] = None,
    gradescope: Annotated[Path | None, typer.Option("--gradescope", help="Also write Gradescope results.json.")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help=TIME_LIMIT_HELP)] = DEFAULT_SECONDS,
    lms: Annotated[str | None, typer.Option("--from", help="ANSWERS is a response report of moodle or canvas "
                                            "(default: a .csv is one, the LMS read from its header).")] = None,
    digits: Annotated[int | None, typer.Option("--digits", help=DIGITS_HELP)] = None,
) -> None:
    """Check ANSWERS against PROBLEMS: verdict per cell, partial credit, likely mistake, feedback.

    Exit code 0 when everything is correct, 1 when any answer is wrong, 2 for bad input.

    Examples:

      nnsteps check examples/assignment3.yaml examples/assignment3_answers.yaml

      nnsteps check problems.yaml submissions/ --feedback hints -o grades

      nnsteps check examples/assignment3.yaml quiz-responses.csv -o grades    # Moodle or Canvas report
    """
    from nnsteps import jobs
    from nnsteps.budget import Budget
    from nnsteps.export.responses import is_report

    batch = answers.is_dir() or lms is not None or is_report(answers)
    try:
        use_digits(digits)
        text, code = jobs.check(problems, answers, Budget(time_limit), fmt=fmt.lower(), feedback=feedback.lower(),
                                rtol=rtol, exact=exact, allow_missing=allow_missing and not require_all,
                                out_dir=out if batch else None, gradescope=gradescope,
                                progress=sys.stderr.isatty(),
                                **({"lms": lms.lower()} if lms is not None else {}))
    except NnstepsError as err:
        fail(err)
    write_output(text, None if batch else out)
    raise typer.Exit(code)


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--output", "-o", help="Folder for problems.yaml, answers.yaml, solutions.md.")],
    kind: Annotated[str | None, typer.Argument(help="Problem kind: conv2d, pipeline, rnn, ... (or --from FILE).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same exercises).")] = 0,
    count: Annotated[int, typer.Option("--count", "-n", help="How many problems (--from: of each one).")] = 1,
    from_file: Annotated[Path | None, typer.Option("--from", help="Vary the numbers of this file's problems.")] = None,
    pins: Annotated[list[str] | None, typer.Option("--set", metavar="KEY=VALUE", help="Pin a generator option.")] = None,
    vary_structure: Annotated[bool, typer.Option("--vary-structure", help="Let shapes and options vary too.")] = False,
    roster: Annotated[Path | None, typer.Option("--roster", help="CSV of students, one variant (folder) each: "
                                                "one student per row; the column headed id, student, sid, email, "
                                                "username or name, else (no such header) the first column.")] = None,
    stride: Annotated[int | None, typer.Option("--stride", help="conv/pool: fix the stride.")] = None,
    padding: Annotated[int | None, typer.Option("--padding", help="conv/pool: fix the padding.")] = None,
    dilation: Annotated[int | None, typer.Option("--dilation", help="conv2d: fix the dilation.")] = None,
    learn: Annotated[bool | None, typer.Option("--learn", help="pipeline: the small CNN with a loss, backward "
                                                "pass and update.")] = None,
    loss: Annotated[str | None, typer.Option("--loss", help="loss, mlp: which loss (mse, cross_entropy, ...).")] = None,
    activation: Annotated[str | None, typer.Option("--activation", help="mlp: the hidden layer's activation "
                                                   "(leaky_relu, gelu, ...).")] = None,
    upstream: Annotated[bool | None, typer.Option("--upstream", help="conv, pool, linear, activations: also "
                                                  "ask for the gradients from a drawn upstream (rnn: backward "
                                                  "from ∂L/∂h, no output layer).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Also export each set (see nnsteps export).")] = None,
) -> None:
    """Generate exercises of KIND (or variants of the problems of a file) with their key and worked solutions.

    The problems of one call share their structure and differ in their numbers, unless --vary-structure.

    Examples:

      nnsteps generate conv2d --seed 7 --count 5 --stride 2 -o hw4

      nnsteps generate --from examples/backprop.yaml --count 5 -o variants

      nnsteps generate pipeline --seed 1 --roster roster.csv -o variants
    """
    from nnsteps.commands import parse_pins, run_generate

    try:
        if to is not None:
            from nnsteps.export import format_module

            format_module(to.lower())  # an unknown format fails before anything is written
        text = run_generate(kind, seed, count=count, roster=roster, out=out, from_file=from_file,
                            vary_structure=vary_structure, pins=parse_pins(pins or []), stride=stride,
                            padding=padding, dilation=dilation, learn=learn, loss=loss,
                            activation=activation, upstream=upstream)
        if to is not None:
            from functools import partial

            from nnsteps import jobs
            from nnsteps.budget import Budget
            from nnsteps.export.generated import export_generated

            exporter = partial(jobs.export, budget=Budget())  # each set under the default time budget
            text += "\n" + export_generated(out, to.lower(), variants=roster is not None, run=exporter)
    except NnstepsError as err:
        fail(err)
    typer.echo(text)


@app.command()
def export(
    problems: Annotated[Path, typer.Argument(help="Problem file (YAML or JSON).")],
    to: Annotated[str, typer.Option("--to", help="gradescope, moodle, canvas, prairielearn, html, latex or "
                                    "notebook.")],
    out: Annotated[Path, typer.Option("--output", "-o", help="File to write (a folder: the format's default "
                                      "name inside it). html, latex: handout.html writes handout.html and "
                                      "handout-key.html; a name without extension, a folder.")],
    rtol: Annotated[float, typer.Option("--rtol", help="Relative error allowed, as nnsteps check.")] = 0.001,
    math: Annotated[str, typer.Option("--math", help="moodle: worked solutions as mathml or tex.")] = "mathml",
    feedback: Annotated[str, typer.Option("--feedback", help="gradescope, prairielearn: what the autograder's "
                                          "feedback shows: mistakes (the wrong cells and the likely mistake, "
                                          "never the key), full (the key value and derivation too) or "
                                          "score.")] = "mistakes",
    time_limit: Annotated[float, typer.Option("--time-limit", help=TIME_LIMIT_HELP)] = DEFAULT_SECONDS,
    digits: Annotated[int | None, typer.Option("--digits", help=DIGITS_HELP)] = None,
) -> None:
    """Export PROBLEMS with answers and worked solutions to an LMS or autograder format.

    Problems a format cannot carry are named on stderr with the reason (never silently dropped).

    Examples:

      nnsteps export examples/assignment3.yaml --to gradescope -o autograder.zip

      nnsteps export examples/assignment3.yaml --to moodle --math tex -o quiz.xml
    """
    from nnsteps import jobs
    from nnsteps.budget import Budget

    try:
        use_digits(digits)
        done = jobs.export(problems, to.lower(), out, Budget(time_limit), rtol=rtol, math=math.lower(),
                           feedback=feedback.lower())
    except NnstepsError as err:
        fail(err)
    for warning in done.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo("wrote " + ", ".join(str(p) for p in done.written))


@app.command()
def kinds(
    kind: Annotated[str | None, typer.Argument(help="a kind: show its fields, answer keys and an example file")] = None,
) -> None:
    """List every problem kind with one line, or show one kind's fields, answer keys and example file."""
    from nnsteps.problems.describe import kinds_text

    try:
        write_output(kinds_text(kind), None)
    except NnstepsError as err:
        fail(err)


@app.command()
def layers(
    layer: Annotated[str | None, typer.Argument(help="a layer type: show its spellings, options and an example")] = None,
) -> None:
    """List the layer types of the spec language (nnsteps summary, kind: network), or show one type's options.

    Examples:

      nnsteps layers

      nnsteps layers conv1d
    """
    from nnsteps.arch.layers import describe

    try:
        write_output(describe(layer), None)
    except NnstepsError as err:
        fail(err)


@app.command()
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of problem files, for an editor's YAML/JSON support."""
    import json

    from nnsteps.problems.describe import file_schema

    write_output(json.dumps(file_schema(), indent=2, ensure_ascii=False), None)


show_flags(app)

main = app
"""``from nnsteps.cli import main; main()`` and ``python -m nnsteps.cli``: the Typer app itself. The console
script's entry (``solve`` without importing Typer first, everything else through this app) has one
home: :func:`nnsteps.__main__.main`."""


if __name__ == "__main__":
    app()
