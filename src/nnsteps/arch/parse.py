"""The layer-spec language: text in, a tree of layer statements out (no shapes, no counts).

One layer per line (or ``;``-separated), ``#`` comments, ``repeat N { ... }`` and
``residual { ... } shortcut { ... }`` blocks. Lines pasted from course notes are accepted too:
``- Conv1:  $k = 3 \\times 3 \\times 32$ ,  $p = 1$`` keeps ``Conv1`` as the layer's name.
The layer types' spellings come from their records (:mod:`nnsteps.arch.layers`), which also check what
each type accepts; here only the syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from nnsteps.arch.layers import label_words, spellings
from nnsteps.arch.syntax import Arg, LayerStmt, Node, Repeat, Residual
from nnsteps.errors import NnstepsError, did_you_mean

__all__ = ["Arg", "LayerStmt", "Node", "Repeat", "Residual", "count_layers", "parse", "read_spec", "tokenize"]

MAX_SPEC_CHARS = 200_000
"""Characters in one spec."""
MAX_NUMBER_CHARS = 30
"""Digits in one number of a spec (sizes are bounded later; this keeps them printable)."""
MAX_DEPTH = 8
"""Nesting depth of repeat/residual blocks."""
MAX_REPEAT = 1_000
"""Count of one repeat block."""
MAX_LAYERS = 5_000
"""Layers after expanding every repeat block."""

# In pasted lines these keys introduce the layer's main argument, not an option.
_POSITIONAL_KEYS = {"k", "kernel", "filter", "filters", "size", "units", "n", "neurons", "out", "dim"}
# Words of pasted prose that carry no information the numbers don't ("no overlap (s = 2)").
_FILLER = {"no", "overlap", "non-overlapping", "nonoverlapping", "with", "and", "of"}




@dataclass
class _Tok:
    kind: str
    text: str
    line: int
    column: int
    value: object = None
    start: int = 0
    end: int = 0


_TOKEN = re.compile(
    r"""(?P<space>[ \t\r,()]+|\$|\\[,;!: ]|\\q?quad|\\left|\\right)
      |(?P<comment>\#[^\n]*)
      |(?P<newline>\n)
      |(?P<sep>;)
      |(?P<lbrace>\{)
      |(?P<rbrace>\})
      |(?P<colon>:)
      |(?P<eq>=)
      |(?P<ndword>[1-3][dD](?!\w))
      |(?P<number>\d+\.\d*|\.\d+)
      |(?P<dims>\d+(?:[ \t]*(?:x|X|×|\\times|\*)[ \t]*\d+)*)
      |(?P<word>[A-Za-z_][\w\-]*)
    """,
    re.VERBOSE,
)
_DIGITS = re.compile(r"\d+")
# A label's number ("Conv1", "Pooling_2") is not part of the type it names.
_LABEL_NUMBER = re.compile(r"[\s_]*\d+$")
_DIM_SPLIT = re.compile(r"[ \t]*(?:x|X|×|\\times|\*)[ \t]*")


def tokenize(text: str) -> list[_Tok]:
    """Split a spec into tokens, each knowing its line and column (1-based).

    >>> [(t.kind, t.value) for t in tokenize("conv 3x3x32 p=1")]
    [('word', 'conv'), ('dims', (3, 3, 32)), ('word', 'p'), ('eq', None), ('dims', (1,))]
    """
    if len(text) > MAX_SPEC_CHARS:
        raise NnstepsError(f"a spec may have at most {MAX_SPEC_CHARS:,} characters, got {len(text):,}")
    tokens: list[_Tok] = []
    line, line_start, pos = 1, 0, 0
    while pos < len(text):
        col = pos - line_start + 1
        ch = text[pos]
        # Bullets of pasted Markdown lists ("- Conv1: ...") carry no meaning.
        if ch in "-*•" and not text[line_start:pos].strip() and (pos + 1 == len(text) or text[pos + 1] in " \t"):
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        if m is None or not m.group(0):
            raise NnstepsError(f"unexpected character {ch!r}", line=line, column=col)
        kind = m.lastgroup or ""
        if kind == "ndword":  # "input 1d 100x2": a word, though it starts with a digit
            kind = "word"
        if kind == "newline":
            tokens.append(_Tok("newline", "\n", line, col))
            line, line_start = line + 1, m.end()
        elif kind == "word" and m.group(0).startswith("\\"):
            raise NnstepsError(f"unexpected LaTeX command {m.group(0)!r}", line=line, column=col)
        elif kind not in ("space", "comment"):
            tok = _Tok(kind, m.group(0), line, col, start=pos, end=m.end())
            longest = max(map(len, _DIGITS.findall(m.group(0))), default=0)
            if longest > MAX_NUMBER_CHARS:
                raise NnstepsError(f"expected numbers of at most {MAX_NUMBER_CHARS} digits, got {longest:,} digits",
                                   line=line, column=col)
            if kind == "dims":
                tok.value = tuple(int(x) for x in _DIM_SPLIT.split(m.group(0)))
            elif kind == "number":
                tok.value = Fraction(m.group(0))
            elif kind == "word":
                tok.value = m.group(0)
            tokens.append(tok)
        pos = m.end()
    return tokens


def parse(text: str) -> list[Node]:
    """Parse a spec into a list of layer statements and blocks.

    >>> nodes = parse("input 8x8x3\\nrepeat 2 { conv 3x3x4 p=1; relu }")
    >>> [type(n).__name__ for n in nodes], nodes[1].count, [s.type for s in nodes[1].body]
    (['LayerStmt', 'Repeat'], 2, ['conv', 'relu'])
    >>> parse("- Conv2:  $k = 7 \\\\times 7 \\\\times 64$ ,  $p = 0$")[0].name
    'Conv2'
    """
    parser = _Parser(tokenize(text), text)
    nodes = parser.block(depth=0, closing=None)
    total = count_layers(nodes)
    if total > MAX_LAYERS:
        raise NnstepsError(f"a spec may expand to at most {MAX_LAYERS:,} layers, got {total:,}")
    return nodes


def count_layers(nodes: list[Node]) -> int:
    """Layers after expanding repeats (computed without expanding, so it cannot blow up).

    >>> count_layers(parse("repeat 3 { conv 3x3x4; relu }"))
    6
    """
    total = 0
    for n in nodes:
        if isinstance(n, LayerStmt):
            total += 1
        elif isinstance(n, Repeat):
            total += n.count * count_layers(n.body)
        else:
            total += count_layers(n.body) + count_layers(n.shortcut or []) + 1
        if total > MAX_LAYERS:  # stop early: nested repeats multiply
            return total
    return total


@dataclass
class _Parser:
    toks: list[_Tok]
    text: str
    pos: int = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def skip_separators(self) -> None:
        while (t := self.peek()) is not None and t.kind in ("newline", "sep"):
            self.pos += 1

    def block(self, depth: int, closing: _Tok | None) -> list[Node]:
        if depth > MAX_DEPTH:
            assert closing is not None
            raise NnstepsError(f"blocks may nest at most {MAX_DEPTH} deep", line=closing.line, column=closing.column)
        nodes: list[Node] = []
        while True:
            self.skip_separators()
            t = self.peek()
            if t is None:
                if closing is not None:
                    raise NnstepsError("this block is never closed: expected '}'", line=closing.line,
                                       column=closing.column)
                return nodes
            if t.kind == "rbrace":
                if closing is None:
                    raise NnstepsError("unexpected '}' with no open block", line=t.line, column=t.column)
                self.pos += 1
                return nodes
            nodes.append(self.statement(depth))

    def expect_block(self, depth: int, after: _Tok) -> list[Node]:
        t = self.peek()
        if t is None or t.kind != "lbrace":
            where = t or after
            raise NnstepsError(f"expected '{{' after '{after.text}', got {_describe(t)}", line=where.line,
                               column=where.column)
        self.pos += 1
        return self.block(depth + 1, t)

    def statement(self, depth: int) -> Node:
        first = self.toks[self.pos]
        if first.kind == "word" and first.text.lower() == "repeat":
            self.pos += 1
            t = self.peek()
            if t is None or t.kind != "dims" or len(t.value) != 1:  # type: ignore[arg-type]
                where = t or first
                raise NnstepsError(f"expected a count after 'repeat', got {_describe(t)}", line=where.line,
                                   column=where.column)
            count = t.value[0]  # type: ignore[index]
            if not 1 <= count <= MAX_REPEAT:
                raise NnstepsError(f"a repeat count must be 1..{MAX_REPEAT}, got {count}", line=t.line,
                                   column=t.column)
            self.pos += 1
            return Repeat(count, self.expect_block(depth, first), first.line, first.column)
        if first.kind == "word" and first.text.lower() == "residual":
            self.pos += 1
            body = self.expect_block(depth, first)
            save = self.pos
            while (t := self.peek()) is not None and t.kind == "newline":
                self.pos += 1
            shortcut = None
            if t is not None and t.kind == "word" and t.text.lower() == "shortcut":
                self.pos += 1
                shortcut = self.expect_block(depth, t)
            else:
                self.pos = save
            return Residual(body, shortcut, first.line, first.column)
        if first.kind == "word" and first.text.lower() == "shortcut":
            raise NnstepsError("'shortcut' must follow the closing '}' of a residual block", line=first.line,
                               column=first.column)
        stmt: list[_Tok] = []
        while (t := self.peek()) is not None and t.kind not in ("newline", "sep", "lbrace", "rbrace"):
            stmt.append(t)
            self.pos += 1
        if t is not None and t.kind == "lbrace":
            raise NnstepsError("unexpected '{': only 'repeat' and 'residual' open blocks"
                               + (f", not '{stmt[0].text}'" if stmt else ""), line=t.line, column=t.column)
        return self.layer(stmt)

    def layer(self, toks: list[_Tok]) -> LayerStmt:
        first = toks[0]
        label: str | None = None
        colon = next((i for i, t in enumerate(toks) if t.kind == "colon"), None)
        pasted = colon is not None
        if colon is not None:
            head = toks[:colon]
            if not head or any(t.kind not in ("word", "dims") for t in head):
                raise NnstepsError("expected a label before ':'", line=toks[colon].line, column=toks[colon].column)
            label = " ".join(t.text for t in head)
            toks = toks[colon + 1:]
        if label is None and toks and toks[0].kind == "word" and toks[0].text[:1].isupper():
            label = toks[0].text  # "- Flatten" pasted from notes: the word as written names the layer
        ltype, rest = self.layer_type(toks, label, first)
        args: list[Arg] = []
        options: dict[str, Arg] = {}
        i = 0
        while i < len(rest):
            t = rest[i]
            if t.kind == "eq" or t.kind == "colon":
                raise NnstepsError(f"unexpected '{t.text}'", line=t.line, column=t.column)
            if t.kind == "word" and i + 1 < len(rest) and rest[i + 1].kind == "eq":
                if i + 2 >= len(rest) or rest[i + 2].kind not in ("dims", "number", "word"):
                    raise NnstepsError(f"expected a value after '{t.text}='", line=t.line, column=t.column)
                v = rest[i + 2]
                arg = Arg(v.value, v.text, v.line, v.column)  # type: ignore[arg-type]
                key = t.text.lower()
                if pasted and key in _POSITIONAL_KEYS:
                    args.append(arg)
                elif key in options:
                    raise NnstepsError(f"option '{t.text}' is given twice", line=t.line, column=t.column)
                else:  # located at the key, so an unknown option's error points at its name
                    options[key] = Arg(v.value, f"{t.text}={v.text}", t.line, t.column)  # type: ignore[arg-type]
                i += 3
                continue
            if pasted and t.kind == "word" and t.text.lower() in _FILLER:
                i += 1
                continue
            args.append(Arg(t.value, t.text, t.line, t.column))  # type: ignore[arg-type]
            i += 1
        text = " ".join([ltype, *(_arg_text(a) for a in args), *(f"{k}={_arg_text(a)}" for k, a in options.items())])
        return LayerStmt(ltype, args, options, first.line, first.column, text, name=label)

    def layer_type(self, toks: list[_Tok], label: str | None, first: _Tok) -> tuple[str, list[_Tok]]:
        types = spellings()
        if toks and toks[0].kind == "word" and toks[0].text.lower() in types:
            return types[toks[0].text.lower()], toks[1:]
        if label is not None:
            key = _LABEL_NUMBER.sub("", label.lower()).strip()
            labels = label_words()
            if key in labels:
                return labels[key], toks
            if key in types:
                return types[key], toks
            raise NnstepsError(
                f"cannot tell the layer type of '{label}': write it after the colon (e.g. '{label}: conv 3x3x16')",
                line=first.line, column=first.column, hint=did_you_mean(key, list(labels) + list(types)),
            )
        t = toks[0]
        if t.kind != "word":
            raise NnstepsError(f"expected a layer type, got {_describe(t)}", line=t.line, column=t.column)
        raise NnstepsError(f"unknown layer '{t.text}'", line=t.line, column=t.column,
                           hint=did_you_mean(t.text.lower(), [*types, "repeat", "residual"]))


def _arg_text(a: Arg) -> str:
    """An argument as the plain language writes it (``3x3x32``, ``0.5``, ``same``), whatever was pasted."""
    if isinstance(a.value, tuple):
        return "x".join(str(d) for d in a.value)
    return a.text.split("=")[-1]


def _describe(t: _Tok | None) -> str:
    if t is None:
        return "the end of the spec"
    if t.kind == "newline":
        return "the end of the line"
    return f"'{t.text}'"


def read_spec(path: str) -> str:
    """The text of a spec file ('-' reads standard input), with file errors as :class:`NnstepsError`.

    >>> from importlib.resources import files
    >>> read_spec(str(files("nnsteps") / "examples" / "networks" / "lenet5.txt")).splitlines()[1]
    'input 32x32x1'
    >>> read_spec("/no/such/net.txt")
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: no such file: /no/such/net.txt
    """
    from nnsteps.files import read_text

    return read_text(path, limit=MAX_SPEC_CHARS * 4, what="spec")
