"""Size limits, so that no input can hang the CLI or the server.

Every limit is checked where the size becomes known, and the error names the limit.
"""

from __future__ import annotations

MAX_ARRAY_ELEMENTS = 1_000_000
"""Elements in one input array (float path)."""

MAX_EXACT_ELEMENTS = 40_000
"""Elements in one exact (int/Fraction) array: exact arithmetic is Python-speed."""

MAX_EXACT_MACS = 4_000_000
"""Multiply-accumulates an exact op may do (H_out·W_out·C·K·K·N)."""

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
