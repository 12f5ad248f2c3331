"""The one error type nnsteps raises for bad input.

Inner code raises with the rule and the values; entry points (problem files, spec parser,
CLI, web app) add where it happened: the problem id, the field, the line and column.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class NnstepsError(ValueError):
    """Bad input, described in one line: where, what was expected, what came.

    >>> e = NnstepsError("stride must be >= 1, got 0", field="stride")
    >>> str(e.located(problem="q1"))
    'problem q1, field stride: stride must be >= 1, got 0'
    """

    def __init__(
        self,
        message: str,
        *,
        problem: str | None = None,
        field: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.problem = problem
        self.field = field
        self.line = line
        self.column = column
        self.hint = hint

    def located(
        self,
        *,
        problem: str | None = None,
        field: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> NnstepsError:
        """Fill in location parts that are still unknown (inner code knows less than callers)."""
        self.problem = self.problem if self.problem is not None else problem
        if field is not None:
            # An outer field contains the inner one: "steps[2].kernel".
            self.field = field if self.field is None or self.field == field else f"{field}.{self.field}"
        self.line = self.line if self.line is not None else line
        self.column = self.column if self.column is not None else column
        return self

    def where(self) -> str:
        parts = []
        if self.problem is not None:
            parts.append(f"problem {self.problem}")
        if self.line is not None:
            parts.append(f"line {self.line}" + (f", column {self.column}" if self.column is not None else ""))
        if self.field is not None:
            parts.append(f"field {self.field}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "error": str(self),
            "message": self.message,
            "problem": self.problem,
            "field": self.field,
            "line": self.line,
            "column": self.column,
            "hint": self.hint,
        }


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest known word, or None.

    >>> did_you_mean("convv", ["conv", "dense"])
    "did you mean 'conv'?"
    """
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
