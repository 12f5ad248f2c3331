r"""A problem's question as a student reads it: a sentence saying what is given and asked, each given
value typeset (a matrix as a matrix, defaults that matter stated), and what is asked listed once.

Each kind's record builds its :class:`Statement` with its ``statement=`` hook from these helpers; the
exports and handouts render it (HTML with MathML, LaTeX, Markdown, plain text) and never show a kind's
developer summary. Prose holds inline math between ``$`` signs; given values are LaTeX the engine wrote
from parsed numbers, so no text of the problem file reaches math unescaped (a network spec is shown as
verbatim code).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

Path = tuple[int | str, ...]


@dataclass(frozen=True)
class Given:
    """One given value: a label in prose (may hold ``$math$``) and either display math or verbatim code."""

    label: str
    latex: str = ""
    code: str = ""


@dataclass
class Statement:
    """The question: ``intro`` (prose with ``$math$``), the givens, what is asked (prose lines; empty
    means "every answer key, by its label"), and the answer paths not asked (given, or a duplicate)."""

    intro: str
    givens: list[Given] = field(default_factory=list)
    asks: list[str] = field(default_factory=list)
    skip: tuple[Path, ...] = ()


def value(p: Any, name: str, default: Any = None) -> Any:
    """A problem's field as its author gave it (the one place statements read a problem).

    >>> class P: raw = {"stride": 2}
    >>> value(P(), "stride"), value(P(), "padding", 0)
    (2, 0)
    """
    raw = p.raw.get(name)
    return default if raw is None else raw


def matrix(v: Any, name: str = "array") -> str:
    r"""A given array (any accepted spelling: ``"1 2; 3 4"``, nested lists, LaTeX) typeset as a matrix.

    >>> matrix("1 2; 3 4")
    '\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}'
    """
    from nnsteps.arrays import as_array
    from nnsteps.render.values import latex_matrix

    a = as_array(v, name=name)
    return latex_matrix(a, digits=12)


def number(v: Any) -> str:
    r"""A given number as LaTeX (``"1e-8"`` reads :math:`10^{-8}`, ``0.3`` stays 0.3).

    >>> number("1e-8"), number("0.3"), number(2)
    ('10^{-8}', '0.3', '2')
    """
    from fractions import Fraction

    from nnsteps.numbers import parse_number
    from nnsteps.numfmt import to_latex

    x = parse_number(v)
    if isinstance(x, Fraction) and x.numerator == 1 and x.denominator > 1000:
        exponent = len(str(x.denominator)) - 1
        if 10 ** exponent == x.denominator:
            return f"10^{{-{exponent}}}"
    return to_latex(x)


def given_matrix(p: Any, name: str, label: str, symbol: str = "") -> Given | None:
    """The field ``name`` as a matrix given, labelled (``symbol`` is its math letter), or None when absent.

    >>> class P: raw = {"kernel": "1 0; 0 1"}
    >>> given_matrix(P(), "kernel", "Kernel", "K").latex
    'K = \\\\begin{bmatrix} 1 & 0 \\\\\\\\ 0 & 1 \\\\end{bmatrix}'
    """
    v = value(p, name)
    if v is None:
        return None
    return Given(label, (f"{symbol} = " if symbol else "") + matrix(v, name))


def settings(pairs: Sequence[tuple[str, Any]]) -> Given:
    r"""Scalar settings stated on one line: ``stride $s = 1$, padding $p = 0$``.

    >>> settings([("stride", "s = 1"), ("padding", "p = 0")]).label
    'Settings: stride $s = 1$, padding $p = 0$.'
    """
    return Given("Settings: " + ", ".join((f"{name} " if name else "") + f"${latex}$" for name, latex in pairs) + ".")


def ask_all(labels: Sequence[str]) -> list[str]:
    """What is asked, each once, in order.

    >>> ask_all(["the output", "the output", "the gradient"])
    ['the output', 'the gradient']
    """
    return list(dict.fromkeys(labels))


def skipped(path: Path, skip: Sequence[Path]) -> bool:
    """Whether an answer path lies under one the statement does not ask (``"*"`` matches any index or key).

    >>> skipped(("lr", 0), [("lr", 0)]), skipped(("lr", 1), [("lr", 0)]), skipped(("layers", 3, "macs"),
    ...     [("layers", "*", "macs")])
    (True, False, True)
    """
    return any(len(path) >= len(s) and all(w == "*" or w == p for w, p in zip(s, path)) for s in skip)


_MATH = re.compile(r"\$([^$]+)\$")


def pieces(prose: str) -> list[tuple[bool, str]]:
    """Prose into (is_math, text) pieces.

    >>> pieces("find $y$.")
    [(False, 'find '), (True, 'y'), (False, '.')]
    """
    out, last = [], 0
    for m in _MATH.finditer(prose):
        out += [(False, prose[last:m.start()]), (True, m.group(1))]
        last = m.end()
    return [*out, (False, prose[last:])]


def math_html(latex: str, tex: bool = False) -> str:
    r"""One formula in HTML: MathML, or (``tex``) TeX between ``\(`` and ``\)`` for an LMS's MathJax.

    >>> math_html("x^2", tex=True)
    '\\(x^2\\)'
    """
    from nnsteps.render.html import math

    return html.escape(rf"\({latex}\)") if tex else math(latex)


def prose_html(prose: str, tex: bool = False) -> str:
    """Prose with ``$math$`` as HTML with inline MathML (``tex``: TeX for MathJax).

    >>> prose_html("Find $y$ & more").startswith('Find <math'), prose_html("Find $y$ & more", tex=True)
    (True, 'Find \\\\(y\\\\) &amp; more')
    """
    return "".join(math_html(t, tex) if is_math else html.escape(t) for is_math, t in pieces(prose))


def statement_html(st: Statement, tex: bool = False) -> str:
    """The statement as HTML (MathML for math, or TeX with ``tex``; ``<pre>`` for code).

    >>> s = Statement("Apply ReLU to $X$.", [Given("Input", "X = 1")], ["the output $Y$", "the gradient"])
    >>> h = statement_html(s); h.count("<math"), "<li>" in h
    (3, True)
    """
    out = [f'<p class="intro">{prose_html(st.intro, tex)}</p>', '<dl class="givens">']
    for g in st.givens:
        body = (f"<pre>{html.escape(g.code)}</pre>" if g.code else  # inline math: set at the label's left
                f'<div class="given-math">{math_html(g.latex, tex)}</div>' if g.latex else "")
        out.append(f"<dt>{prose_html(g.label, tex)}</dt><dd>{body}</dd>" if body else
                   f'<dt class="setting">{prose_html(g.label, tex)}</dt>')
    out.append("</dl>")
    if len(st.asks) == 1:
        out.append(f'<p class="asks">Find {prose_html(st.asks[0], tex)}.</p>')
    elif st.asks:
        out.append('<p>Find:</p><ol class="asks">' + "".join(f"<li>{prose_html(a, tex)}</li>" for a in st.asks)
                   + "</ol>")
    return "".join(out)


def statement_markdown(st: Statement) -> str:
    """The statement as Markdown with ``$`` math, HTML in prose escaped and code in fences no line of it closes.

    >>> print(statement_markdown(Statement("Apply ReLU.", [Given("Input", "X = 1")], ["the output"])))
    Apply ReLU.
    <BLANKLINE>
    - Input: $$X = 1$$
    <BLANKLINE>
    Find:
    1. the output
    """
    from nnsteps.escape import markdown_code, markdown_math, markdown_text

    def prose(text: str) -> str:  # HTML in text escaped; math kept for the viewer's TeX, with no tag in it
        return "".join(f"${markdown_math(t)}$" if is_math else markdown_text(t) for is_math, t in pieces(text))

    out = [prose(st.intro), ""]
    for g in st.givens:
        if g.code:
            out += [f"- {prose(g.label)}:", "", markdown_code(g.code)]
        elif g.latex:
            out.append(f"- {prose(g.label)}: $${markdown_math(g.latex)}$$")
        else:
            out.append(f"- {prose(g.label)}")
    if st.asks:
        out += ["", "Find:", *(f"{i}. {prose(a)}" for i, a in enumerate(st.asks, 1))]
    return "\n".join(out).rstrip()


def statement_text(st: Statement) -> str:
    """The statement as plain text (math in Unicode).

    >>> print(statement_text(Statement("Apply $\\\\sigma$.", [Given("Input", "X = 1")], ["the output"])))
    Apply σ.
      Input: X = 1
    Find: the output.
    """
    from nnsteps.render.latex_text import latex_to_text

    def prose(text: str) -> str:
        return "".join(latex_to_text(t) if is_math else t for is_math, t in pieces(text))

    out = [prose(st.intro)]
    for g in st.givens:
        body = g.code.rstrip().replace("\n", "\n    ") if g.code else latex_to_text(g.latex) if g.latex else ""
        out.append(f"  {prose(g.label)}" + (f": {body}" if body else ""))
    if st.asks:
        out.append("Find: " + "; ".join(prose(a) for a in st.asks) + ".")
    return "\n".join(out)


def scalar(v: Any) -> str:
    r"""A given setting as LaTeX: a number, a pair ``[1, 2]`` as :math:`(1, 2)`, a word as text.

    >>> scalar(1), scalar([2, 1]), scalar("same"), scalar(True)
    ('1', '(2, 1)', '\\text{same}', '\\text{yes}')
    """
    if isinstance(v, bool):
        return r"\text{yes}" if v else r"\text{no}"
    if isinstance(v, (list, tuple)):
        return "(" + ", ".join(scalar(x) for x in v) + ")"
    try:
        return number(v)
    except Exception:  # a word (a mode, a method): shown as text, its specials removed
        return r"\text{" + re.sub(r"[^A-Za-z0-9 .,:()+-]", " ", str(v).replace("_", " ")) + "}"


def build(p: Any, intro: str, *, arrays: Sequence[tuple[str, str, str]] = (),
          scalars: Sequence[tuple[str, str, str, Any]] = (), asks: Sequence[str] = (),
          skip: Sequence[Path] = ()) -> Statement:
    r"""A statement from a problem: ``arrays`` are (field, label, symbol) shown as matrices when given;
    ``scalars`` (field, name, symbol, default) are stated on one line, the default when the field is absent
    and the default is not None (a student needs stride 1 and padding 0 written down).

    >>> class P: raw = {"input": "1 2; 3 4", "stride": 2}
    >>> s = build(P(), "Pool $X$.", arrays=[("input", "Input", "X")],
    ...           scalars=[("stride", "stride", "s", 1), ("padding", "padding", "p", 0), ("ceil", "ceil", "c", None)],
    ...           asks=["the output $Y$"])
    >>> [g.label for g in s.givens]
    ['Input', 'Settings: stride $s = 2$, padding $p = 0$.']
    """
    givens = [g for f, label, sym in arrays if (g := given_matrix(p, f, label, sym)) is not None]
    pairs = []
    for f, name, sym, default in scalars:
        v = value(p, f, default)
        if v is not None:
            pairs.append((name, (f"{sym} = " if sym else "") + scalar(v)))
    if pairs:
        givens.append(settings(pairs))
    return Statement(intro, givens, ask_all(asks), tuple(skip))


def named(v: Any) -> str:
    r"""Named given values (``{w: [1, 2], b: 0.5}``) as one line of math, each array a matrix.

    >>> named({"w_in": 0.2, "b": [1, 2]})
    'w_{in} = 0.2,\\quad b = \\begin{bmatrix} 1 & 2 \\end{bmatrix}'
    """
    def one(x: Any) -> str:
        return matrix(x) if isinstance(x, (list, str)) and not _is_number(x) else number(x)

    if not isinstance(v, dict):
        return one(v)
    return r",\quad ".join(f"{symbol(str(k))} = {one(x)}" for k, x in v.items())


def symbol(name: str) -> str:
    r"""A field or parameter name as a math symbol: ``w_in`` as :math:`w_{in}`, a long word as text.

    >>> symbol("w_in"), symbol("b"), symbol("weight_decay"), symbol("weight_ih"), symbol("bias_hh")
    ('w_{in}', 'b', '\\text{weight decay}', 'W_{ih}', 'b_{hh}')
    """
    head, _, tail = name.partition("_")
    if head in ("weight", "bias") and tail in ("ih", "hh"):  # PyTorch's RNN parameters, as the answer names them
        return f"{'W' if head == 'weight' else 'b'}_{{{tail}}}"
    safe = re.fullmatch(r"[A-Za-z]\w*", name) is not None
    if safe and len(head) <= 2 and tail and re.fullmatch(r"[A-Za-z0-9]+", tail):
        return f"{head}_{{{tail}}}"
    if safe and len(name) <= 2:
        return name
    return r"\text{" + re.sub(r"[^A-Za-z0-9 ]", " ", name.replace("_", " ")) + "}"


def _is_number(x: Any) -> bool:
    from nnsteps.numbers import parse_number

    try:
        parse_number(x)
    except Exception:
        return False
    return True
