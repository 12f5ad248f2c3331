"""The output formats, one home: every ``--format`` choice of the CLI and the renderers' names.

>>> OutputFormat("json") is OutputFormat.JSON, [f.value for f in SOLVE]
(True, ['markdown', 'text', 'json', 'html'])
"""

from __future__ import annotations

from enum import StrEnum


class OutputFormat(StrEnum):
    """A format the engine renders to."""

    MARKDOWN = "markdown"
    TEXT = "text"
    JSON = "json"
    HTML = "html"
    CSV = "csv"


F = OutputFormat
SOLVE = (F.MARKDOWN, F.TEXT, F.JSON, F.HTML)
"""``nnsteps solve --format`` (Markdown first: the default)."""
TABLE = (F.TEXT, F.MARKDOWN, F.JSON, F.CSV)
"""``nnsteps summary --format``: a layer table."""
CHECK = (F.TEXT, F.JSON, F.MARKDOWN)
"""``nnsteps check --format``: a grading report."""


def names(formats: tuple[OutputFormat, ...]) -> tuple[str, ...]:
    """The formats' names, as the CLI lists them.

    >>> names(CHECK)
    ('text', 'json', 'markdown')
    """
    return tuple(f.value for f in formats)
