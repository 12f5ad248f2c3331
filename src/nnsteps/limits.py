"""Size limits, so that no input can hang the CLI or the server.

Every limit is checked where the size becomes known, and the error names the limit.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

MAX_ARRAY_ELEMENTS = 1_000_000
"""Elements in one input array (float path)."""

MAX_EXACT_ELEMENTS = 40_000
"""Elements in one exact (int/Fraction) array: exact arithmetic is Python-speed."""

MAX_EXACT_MACS = 4_000_000
"""Multiply-accumulates an exact op may do (H_out·W_out·C·K·K·N)."""

MIN_OPERAND_BITS = 64
"""Bits a multiply-accumulate is weighed at, at least: two numbers of up to a machine word cost the same."""

MAX_EXACT_WORK = MAX_EXACT_MACS * MIN_OPERAND_BITS
"""An exact op's work: multiply-accumulates × the bits of its widest operands (numerator + denominator bits of
the widest input entry plus those of the widest weight; at least ``MIN_OPERAND_BITS``). The cost of exact
arithmetic grows with the digits: 3.6 million products of 148-digit decimals take a minute, of small ints 3 s."""

MAX_FILE_WORK = 2 * MAX_EXACT_WORK
"""Exact work of all the ops of one problem file (or one problem solved on its own): YAML aliases can repeat
one expensive problem many times in a few bytes."""

MAX_FLOAT_MACS = 2_000_000_000
"""Multiply-accumulates a float op may do."""

MAX_MATRIX_TEXT = 2_000_000
"""Characters in one matrix string."""

MAX_NUMBER_DIGITS = 300
"""Digits in the numerator or the denominator of one exact number, as typed or as an exact op computes it:
beyond it exact arithmetic, SymPy and formatting slow down without end, and floats overflow."""

MAX_NESTING = 32
"""Levels of nested lists and mappings in one problem or answers document (arrays are at most 4-D)."""

MAX_DOCUMENT_VALUES = 2_000_000
"""Values (numbers, strings, lists, mappings) in one document once YAML aliases are expanded: a few lines of
aliases can stand for billions."""

MAX_DOCUMENT_CHARS = 4 * 1024 * 1024
"""Characters of numbers and text in one document once YAML aliases are expanded (four times the file limit):
an alias costs what the copy it stands for would cost."""

MAX_DIM = 100_000
"""Any one size, stride, padding or dilation."""

MAX_PIPELINE_STAGES = 20
"""Stages in one pipeline: each stage may cost as much as one problem."""

MAX_PROBLEMS = 500
"""Problems in one file."""

MAX_FILE_BYTES = 1024 * 1024
"""Bytes in one problem or answers file (as in one web request): YAML parses about 250,000 numbers a second."""

MAX_REPORT_BYTES = 16 * 1024 * 1024
"""Bytes in one LMS response report (CSV), every attempt of a class read back for regrading."""

MAX_SHOWN_TERMS = 48
"""Terms written out in one expanded sum, max or softmax denominator; longer ones show their ends around ⋯
(rendering LaTeX as text or MathML costs about half a millisecond a term)."""

MAX_EXACT_OUTPUT = 250_000
"""Entries in the output (or padded input) of one exact op: each is a Python number, later rendered."""

MAX_EXPLAINED_LAYERS = 100
"""Layers whose steps ``summary --explain`` writes as terminal text (LaTeX to text costs ~10 ms a layer);
Markdown and JSON explain every layer."""

MAX_EXPLAINED_CELLS = 64
"""Cells expanded term by term with detail='all' before the explanation samples instead."""

MAX_EXPR_TEXT = 5_000
"""Characters in one expression a student or a problem writes (an expanded closed form of a 30-step RNN is
about 2,300)."""

MAX_EXPR_DEPTH = 64
"""Levels of parentheses, signs, powers and function calls in one expression."""

MAX_EXPR_EXPONENT = 1000
"""Largest exponent (in absolute value) a power in an expression may have: ``3**(3*10**7)`` is refused, not
computed."""

MAX_EXPR_ROOT = 1000
"""Largest degree of a root an expression may take (an exponent's denominator): ``2^(1/10^290)`` is refused,
not tried (its exact root was a 10^290-bit power)."""

MAX_EXPR_COST = 1_000_000
"""Machine-word operations one evaluation of an expression may be priced at (:mod:`nnsteps.expr.cost`, from the
tree, before anything is evaluated); a check evaluates an answer at up to 24 points, about 0.2 s at this price. A
30-step RNN's closed forms are priced near 65,000."""

MAX_REQUEST_SECONDS = 60.0
"""Seconds one web request's work may take, however many problems it holds: the per-problem budget
(``serve --time-limit``) counts up to this ceiling, never past it (``/api/check`` asked for 2 × problems × 10 s);
a ``--time-limit`` above it is the ceiling instead."""

MAX_EXPR_WORK = 200_000
"""Nodes evaluated when deciding whether two expressions are equal (an identity test at random points)."""

_budget: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("nnsteps_work_budget", default=None)


@contextlib.contextmanager
def work_budget() -> Iterator[None]:
    """Count the exact work of every op run inside against ``MAX_FILE_WORK``; nested scopes share the outer one.

    >>> with work_budget():
    ...     charge(MAX_FILE_WORK, "one op")
    ...     charge(1, "the next op")
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: the next op would bring this file's exact work to 512,000,001; the limit for one file is 512,000,000
    """
    if _budget.get() is not None:
        yield
        return
    token = _budget.set([0])
    try:
        yield
    finally:
        _budget.reset(token)


def charge(work: int, what: str) -> None:
    """Add ``work`` to the running file budget (if any), refusing to go over ``MAX_FILE_WORK``."""
    spent = _budget.get()
    if spent is None:
        return
    if spent[0] + work > MAX_FILE_WORK:
        from nnsteps.errors import NnstepsError

        raise NnstepsError(f"{what} would bring this file's exact work to {spent[0] + work:,}; the limit for one "
                           f"file is {MAX_FILE_WORK:,}")
    spent[0] += work
