"""The one error type nnsteps raises for bad input.

Inner code raises with the rule and the values; entry points (problem files, spec parser,
CLI, web app) add where it happened: the problem id, the field, the line and column.
"""

from __future__ import annotations

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
    """A hint naming the closest known word, or None: the fewest edits first, then the longest
    shared prefix, then the order the choices are listed in (never the alphabet's: difflib alone ranks
    ties by the larger string, so ``w_h`` suggested ``w_hy`` before ``w_hh``).

    >>> did_you_mean("convv", ["conv", "dense"])
    "did you mean 'conv'?"
    >>> did_you_mean("w_h", ["w_in", "w_hh", "w_hy"]), did_you_mean("w_hyy", ["w_in", "w_hh", "w_hy"])
    ("did you mean 'w_hh'?", "did you mean 'w_hy'?")
    >>> did_you_mean("stirde", ["padding", "stride", "side"])
    "did you mean 'stride'?"
    >>> did_you_mean("xyz", ["conv", "dense"]) is None
    True
    """
    import difflib  # here: only a mistake needs it

    options = list(dict.fromkeys(choices))
    close = set(difflib.get_close_matches(word, options, n=len(options) or 1, cutoff=0.6))
    if not close:
        return None
    best = min((c for c in options if c in close),
               key=lambda c: (edit_distance(word.lower(), c.lower()), -_prefix(word.lower(), c.lower())))
    return f"did you mean '{best}'?"


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions to turn ``a`` into ``b``.

    >>> edit_distance("w_h", "w_hh"), edit_distance("kitten", "sitting")
    (1, 3)
    """
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
