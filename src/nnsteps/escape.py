"""Escaping text that came from a file for where it lands, in one place: LaTeX text, Markdown text and
math, and the LaTeX commands that must never reach a page or a ``.tex`` file as commands.

Problem ids, titles, tokens and parameter names are data. Every output that places them escapes them
here (HTML uses :func:`html.escape`; generated Python holds them as ``repr`` literals), and the two places
that turn LaTeX into something live (MathML in :mod:`nnsteps.render.mathml`, a ``.tex`` handout) refuse a
formula that spells an :data:`ACTIVE` command.
"""

from __future__ import annotations

import os
import re

_LATEX_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
                   "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}"}
_LATEX_SPECIAL = re.compile(r"[\\{}$&#^_%~]|[\x00-\x1f\x7f]")

ACTIVE = re.compile(
    r"\\(?:href|url|style|class|cssId|html[A-Za-z]*|includegraphics|input|include|InputIfFileExists|write"
    r"|openin|openout|read|readline|immediate|catcode|lccode|uccode|mathcode|def|edef|gdef|xdef|let|futurelet"
    r"|csname|expandafter|noexpand|scantokens|newcommand|renewcommand|providecommand|DeclareRobustCommand"
    r"|usepackage|RequirePackage|documentclass|special|directlua|latelua|pdfprimitive|shipout|output|every"
    r"[A-Za-z]*|makeatletter|endinput|jobname|verb|unicode|require|toggle|mathtip|texttip|bbox|data|attr"
    r"|tooltip|begingroup|endgroup|lowercase|uppercase|string|meaning|newread|newwrite|closein|closeout"
    r"|pdf[A-Za-z]*|IfFileExists|file[a-z]+|mmlToken|setOptions)"
    r"(?![A-Za-z])|\^\^")
"""LaTeX that acts rather than typesets: links, styles and classes (MathML attributes), file reads and
writes (pdfTeX's ``\\pdffiledump``, ``\\pdfobj file``, ``\\filesize`` too), shell escape, definitions and
catcode tricks (``^^5c`` is a backslash to TeX). The engine's own formulas use none of them."""


def latex_text(text: str) -> str:
    r"""Plain text safe inside LaTeX (text mode or ``\text{}``): ``\ { } $ & # ^ _ % ~`` escaped, control
    characters (a newline ends a TeX paragraph) as spaces.

    >>> print(latex_text(r"\input{/etc/hostname} 50% a_b"))
    \textbackslash{}input\{/etc/hostname\} 50\% a\_b
    >>> print(latex_text("^^5c ~x & #1 $"))
    \textasciicircum{}\textasciicircum{}5c \textasciitilde{}x \& \#1 \$
    """
    return _LATEX_SPECIAL.sub(lambda m: _LATEX_SPECIALS.get(m.group(), " "), str(text))


_UNESCAPE = re.compile(r"\\textbackslash\{\}|\\textasciicircum\{\}|\\textasciitilde\{\}|\\[{}$&#_%]")
_UNESCAPED = {r"\textbackslash{}": "\\", r"\textasciicircum{}": "^", r"\textasciitilde{}": "~"}


def latex_unescape(text: str) -> str:
    r"""The text :func:`latex_text` escaped, back (to show it as text where LaTeX is not read: MathML).

    >>> latex_unescape(latex_text(r"\input{x} a_b ^~ 5%"))
    '\\input{x} a_b ^~ 5%'
    """
    return _UNESCAPE.sub(lambda m: _UNESCAPED.get(m.group(), m.group()[-1:]), text)


def active_latex(latex: str) -> str | None:
    r"""The first command in a formula that acts rather than typesets (:data:`ACTIVE`), or None.

    >>> active_latex(r"\frac{1}{2} \cdot \text{in}"), active_latex(r"x \href{javascript:1}{y}")
    (None, '\\href')
    >>> active_latex(r"\input{/etc/hostname}"), active_latex(r"\text{\textbackslash{}input}")
    ('\\input', None)
    """
    m = ACTIVE.search(latex)
    return m.group() if m else None


def inert_tex(text: str) -> str:
    r"""Text for a page where a TeX reader scans for ``$…$`` and ``\(…\)`` (MathJax in Moodle, Canvas,
    PrairieLearn and Jupyter; KaTeX in Markdown viewers): the backslash of every :data:`ACTIVE` command becomes
    ``∖`` (set minus, which looks like it), so ``$\href{javascript:…}{x}$`` written in a file reads as written
    there but makes no link, style, class or file read. The engine's own formulas use no ACTIVE command, so a
    whole page may pass through it.

    >>> print(inert_tex(r"$\href{javascript:alert(1)}{x}$ \(\frac{1}{2} \class{c}{y}\)"))
    $∖href{javascript:alert(1)}{x}$ \(\frac{1}{2} ∖class{c}{y}\)
    """
    return ACTIVE.sub(lambda m: "∖" + m.group()[1:] if m.group()[0] == "\\" else m.group(), text)


def markdown_text(text: str) -> str:
    """Text placed into Markdown with its HTML escaped, so a viewer shows markup, never runs it: every ``<``
    (no tag, comment or raw HTML block can open without one) and every ``&`` that could start a reference
    (``&lt;`` stays as typed); ``->`` and ``a & b`` read as written. A ``]`` before ``(`` or ``:`` is escaped
    too, so no link, image (fetched from outside when the page is viewed) or link definition can form (``Y[0, 0]``
    and ``[1][2]`` read as written: with no definition, a bracket pair alone links nowhere).

    >>> markdown_text('<img src=x onerror="alert(1)"> & b -> c &lt;')
    '&lt;img src=x onerror="alert(1)"> & b -> c &amp;lt;'
    >>> print(markdown_text("![x](http://evil/x.png) [a](javascript:1) [r]: http://evil Y[0][1]"))
    ![x\\](http://evil/x.png) [a\\](javascript:1) [r\\]: http://evil Y[0][1]
    """
    return _BRACKET.sub(r"\\\g<0>", _REFERENCE.sub("&amp;", inert_tex(str(text))).replace("<", "&lt;"))


_BRACKET = re.compile(r"\](?=[(:])")


_REFERENCE = re.compile(r"&(?=#?\w+;)")


_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")


def markdown_math(latex: str) -> str:
    """A formula placed between ``$`` in Markdown: a ``<`` that could open an HTML tag gets a space after it,
    and so does a ``]`` before ``(`` or ``:`` (the same formula to TeX; no tag, link or image to a Markdown
    viewer that does not read the math).

    >>> markdown_math(r"\\text{<img src=x>} < y")
    '\\\\text{< img src=x>} < y'
    >>> print(markdown_math(r"\\text{![x](http://evil/x.png)} [0, 1]"))
    \\text{![x] (http://evil/x.png)} [0, 1]
    """
    return _LINK_CLOSE.sub("] ", _TAG_OPEN.sub("< ", latex))


_LINK_CLOSE = re.compile(r"\](?=[(:])")


def markdown_code(text: str) -> str:
    """Text as a fenced code block a Markdown viewer shows as written: the fence is longer than any run of
    backticks in the text, so no line of it can close the block and let what follows be read as markup.

    >>> print(markdown_code("a\\n```\\n<img src=x>"))
    ````
    a
    ```
    <img src=x>
    ````
    """
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall("`+", str(text))), default=0))
    return f"{fence}\n{str(text).rstrip()}\n{fence}"


_UNSEEN = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def printable(name: str) -> str:
    r"""A name from outside (a submission's file name, a student in an LMS report) as reports show it: bytes that are not UTF-8 and characters a terminal or
    spreadsheet would act on or hide (newlines, escapes, bidi overrides) written as ``\xff``, ``\n``, ``\x1b``,
    so a name can neither stop the writing of ``grades.csv`` nor forge a line or a title in the report.

    >>> import os
    >>> printable(os.fsdecode(b"b\xff\xfeo")), printable("zed\nann\x1b]0;t\x07"), printable("José")
    ('b\\xff\\xfeo', 'zed\\nann\\x1b]0;t\\x07', 'José')
    """
    try:  # a file name's undecodable bytes come back; other text has none
        text = os.fsencode(name).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that no file name holds
        text = name.encode("utf-8", "backslashreplace").decode("utf-8")
    return _UNSEEN.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
