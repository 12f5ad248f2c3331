"""The output formats, one home: every ``--format`` choice of the CLI, what an ``-o`` file's extension
picks, and the renderers' names.

>>> OutputFormat("json") is OutputFormat.JSON, [f.value for f in SOLVE]
(True, ['text', 'markdown', 'json', 'html'])
>>> OutputFormat.parse("MD"), OutputFormat.from_path(Path("key.md"))
(<OutputFormat.MARKDOWN: 'markdown'>, <OutputFormat.MARKDOWN: 'markdown'>)
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from nnsteps.errors import NnstepsError


class OutputFormat(StrEnum):
    """A format the engine renders to."""

    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"
    HTML = "html"
    CSV = "csv"

    @classmethod
    def parse(cls, value: str | OutputFormat, allowed: tuple[OutputFormat, ...] | None = None) -> OutputFormat:
        """A format by name (any case, ``md``/``txt``/``htm`` too), or an error naming the choices.

        >>> OutputFormat.parse("pdf")
        Traceback (most recent call last):
        ...
        nnsteps.errors.NnstepsError: field --format: expected one of text, markdown, json, html, got 'pdf'
        """
        choices = SOLVE if allowed is None else allowed
        text = str(value.value if isinstance(value, OutputFormat) else value).lower()
        text = _ALIASES.get(text, text)
        for fmt in choices:
            if fmt.value == text:
                return fmt
        from nnsteps.errors import did_you_mean

        names_ = [f.value for f in choices]
        raise NnstepsError(f"expected one of {', '.join(names_)}, got '{text}'", field="--format",
                           hint=did_you_mean(text, names_))

    @classmethod
    def from_path(cls, path: Path | None) -> OutputFormat | None:
        """The format an output file's extension names (``.md``, ``.txt``, ``.json``, ``.html``), else None.

        >>> OutputFormat.from_path(Path("report.HTML")), OutputFormat.from_path(Path("out.dat"))
        (<OutputFormat.HTML: 'html'>, None)
        """
        if path is None:
            return None
        return _SUFFIXES.get(path.suffix.lower())


F = OutputFormat
SOLVE = (F.TEXT, F.MARKDOWN, F.JSON, F.HTML)
"""``nnsteps solve --format`` (text first: the default for a terminal)."""
TABLE = (F.TEXT, F.MARKDOWN, F.JSON, F.CSV)
"""``nnsteps summary --format``: a layer table."""
CHECK = (F.TEXT, F.JSON, F.MARKDOWN)
"""``nnsteps check --format``: a grading report."""

_ALIASES = {"md": "markdown", "txt": "text", "htm": "html"}
_SUFFIXES = {".md": F.MARKDOWN, ".markdown": F.MARKDOWN, ".txt": F.TEXT, ".text": F.TEXT, ".json": F.JSON,
             ".html": F.HTML, ".htm": F.HTML}


def names(formats: tuple[OutputFormat, ...]) -> tuple[str, ...]:
    """The formats' names, as the CLI lists them.

    >>> names(CHECK)
    ('text', 'json', 'markdown')
    """
    return tuple(f.value for f in formats)


def spoken(formats: tuple[OutputFormat, ...]) -> str:
    """The formats' names as a ``--format`` help text says them.

    >>> spoken(TABLE), spoken(CHECK)
    ('text, markdown, json or csv', 'text, json or markdown')
    """
    words = names(formats)
    return ", ".join(words[:-1]) + " or " + words[-1]
