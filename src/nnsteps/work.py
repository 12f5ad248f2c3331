"""Worked solutions as plain data: a :class:`Step` is one line of a TA's solution (the formula,
the formula with the numbers put in, the result); a :class:`Worked` is an answer with its steps.

Nothing here renders: ``nnsteps.render`` turns these into Markdown, text, JSON or HTML.
Formulas are LaTeX strings written by the code that computed the numbers in them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


_GREEK = {"delta": "δ", "varepsilon": "ε", "epsilon": "ε", "alpha": "α", "sigma": "σ", "eta": "η",
          "ell": "ℓ", "partial": "∂", "ell ": "ℓ", "cdot": "·", "times": "×"}


def plain_title(title: str) -> str:
    """A step title with LaTeX symbol names made plain (titles are text, not math).

    >>> plain_title(r"Gradient at a^{(2)}_{1}"), plain_title(r"\\delta_{3} for w_{\\text{in}}")
    ('Gradient at a^(2)_1', 'δ_3 for w_in')
    """
    text = re.sub(r"\\(?:text|mathrm|mathbf|operatorname)\{([^{}]*)\}", r"\1", title)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _GREEK.get(m.group(1), m.group(1)), text)
    return text.replace("{", "").replace("}", "")


def heading(pid: str, title: str | None) -> str:
    """A problem's heading wherever it is shown (text, Markdown, HTML, the web page, Gradescope): its id,
    then ": title" when it has one.

    >>> heading("q1a", "Q1(a) cross-correlation"), heading("q2", None)
    ('q1a: Q1(a) cross-correlation', 'q2')
    """
    return pid + (f": {title}" if title else "")


@dataclass
class Step(Generic[T]):
    """One step of a worked solution, carrying the value it derived.

    ``formula`` is the general rule, ``substituted`` the rule with this problem's numbers, and
    ``result`` the value those numbers give (a number, an array, or LaTeX text).

    >>> s = Step("Output height", formula="H_{out} = H - K + 1", substituted="5 - 3 + 1", result=3)
    >>> s.value
    3
    """

    title: str
    formula: str | None = None
    substituted: str | None = None
    result: T | None = None
    steps: list[Step[Any]] = field(default_factory=list)
    note: str | None = None
    data: dict[str, Any] | None = None
    stack: Stack | None = None
    """What the leading axis of a stacked result is, when not a channel (3-D) or a sample (4-D)."""
    """Machine-readable detail for viewers (e.g. which input cells a window reads)."""

    def __post_init__(self) -> None:
        # Titles are plain text in every renderer; symbol names written as LaTeX are read plainly.
        if "\\" in self.title or "{" in self.title:
            self.title = plain_title(self.title)

    @property
    def value(self) -> T | None:
        return self.result

    def walk(self) -> Iterator[Step[Any]]:
        """This step and all steps below it, depth first.

        >>> [s.title for s in Step("a", steps=[Step("b")]).walk()]
        ['a', 'b']
        """
        yield self
        for child in self.steps:
            yield from child.walk()


@dataclass(frozen=True)
class Stack:
    """The name of a stacked array's leading axis and the number its first block is read as.

    >>> Stack("head", first=1).label(0)
    'head 1'
    """

    name: str
    first: int = 0
    ndim: int | None = None
    """Only arrays of this many axes are so stacked (a conv kernel is filters × channels only in 4-D)."""
    inner: str | None = None
    """What the next axis of a 4-D stack is, when not a channel (a rotated kernel: input channel, then filter)."""

    def names(self, ndim: int) -> bool:
        """Whether an array of ``ndim`` axes has this leading axis."""
        return self.ndim is None or self.ndim == ndim

    def within(self) -> Stack | None:
        """The stack of one block: the inner axis, numbered from 0, when named."""
        return Stack(self.inner, ndim=3) if self.inner else None

    def label(self, i: int) -> str:
        return f"{self.name} {i + self.first}"


@dataclass
class Worked:
    """An answer and the steps that derived it; renders itself in Jupyter.

    ``value`` is what the op returns (an array, a number, or a dict of named results); other ops
    accept a ``Worked`` wherever they accept an array, so stages chain and keep their work.

    >>> w = Worked("relu", value=[0, 3], steps=[Step("ReLU", formula=r"\\max(0, z)")])
    >>> w.kind, w.value
    ('relu', [0, 3])
    """

    kind: str
    value: Any
    steps: list[Step[Any]] = field(default_factory=list)
    title: str | None = None
    answer: Any = None
    """The answer in the problem-file contract's shape, when it differs from ``value``."""
    meta: dict[str, Any] = field(default_factory=dict)
    size: Step[Any] | None = None
    """Grid ops: the output-size step; its children are the per-axis size rules (``data["axis"]``)."""
    cells: list[Step[Any]] = field(default_factory=list)
    """Grid ops: the steps explaining output cells, each with the input positions it reads (``data["reads"]``)."""
    stacks: dict[str, Stack] = field(default_factory=dict)
    """What the leading axis of a stacked answer array is (answer key → :class:`Stack`), where it is not
    a channel (3-D) or a sample (4-D): attention's per-head scores are ``Stack("head", first=1)``."""

    def __post_init__(self) -> None:
        if self.answer is None:
            self.answer = self.value

    def walk(self) -> Iterator[Step[Any]]:
        """Every step, depth first."""
        for step in self.steps:
            yield from step.walk()

    def to_markdown(self) -> str:
        from nnsteps.render.markdown import worked_to_markdown

        return worked_to_markdown(self)

    def to_text(self) -> str:
        from nnsteps.render.text import worked_to_text

        return worked_to_text(self)

    def to_json(self) -> dict[str, Any]:
        from nnsteps.render.json import worked_to_json

        return worked_to_json(self)

    def plot(self, **kwargs: Any) -> Any:
        """A matplotlib figure of the result (``nnsteps.plot.plot``; needs the ``plot`` extra)."""
        from nnsteps.plot import plot

        return plot(self, **kwargs)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        """Short: the kind, a summary of the value, how many steps (``print()`` shows the work).

        >>> import numpy as np
        >>> Worked("conv2d", value=np.array([[7, 8], [8, 8]], dtype=object), steps=[Step("a", steps=[Step("b")])])
        Worked(kind='conv2d', value=2×2 array [[7, 8], [8, 8]], steps=2)
        >>> Worked("rnn", value={"loss": 1, "grads": {}})
        Worked(kind='rnn', value={loss, grads}, steps=0)
        """
        return f"Worked(kind={self.kind!r}, value={_summary(self.value)}, steps={sum(1 for _ in self.walk())})"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from nnsteps.render.mimebundle import mimebundle

        return mimebundle(self)


def _summary(value: Any, width: int = 48) -> str:
    """A value in a few characters, for :meth:`Worked.__repr__`."""
    import numpy as np

    if isinstance(value, dict):
        text = "{" + ", ".join(str(k) for k in value) + "}"
    elif isinstance(value, np.ndarray):
        shape = "×".join(str(d) for d in value.shape)
        inner = _short(value.tolist())
        return f"{shape} array" + (f" {inner}" if len(inner) <= width else "")
    else:
        text = _short(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _short(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_short(x) for x in v) + "]"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)  # ints, and Fractions as "1/2"
