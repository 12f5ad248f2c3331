"""The spec language's tree: layer statements and ``repeat``/``residual`` blocks, as :mod:`nnsteps.arch.parse`
builds them (plain data: the layer records read it, the parser writes it).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass
class Arg:
    """One argument as written: a size list (``3x3x32`` → (3, 3, 32)), a decimal, or a word."""

    value: tuple[int, ...] | Fraction | str
    text: str
    line: int
    column: int


@dataclass
class LayerStmt:
    """One layer line: its type, positional arguments, ``key=value`` options and optional label;
    ``text`` is the line rewritten in the plain language (``conv 3x3x32 p=1 s=1``)."""

    type: str
    args: list[Arg]
    options: dict[str, Arg]
    line: int
    column: int
    text: str
    name: str | None = None


@dataclass
class Repeat:
    count: int
    body: list[Node]
    line: int
    column: int


@dataclass
class Residual:
    body: list[Node]
    shortcut: list[Node] | None
    line: int
    column: int


Node = LayerStmt | Repeat | Residual
