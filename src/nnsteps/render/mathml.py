"""LaTeX to MathML with latex2mathml, so reports and pages show math with no script and no network.

The LaTeX comes from the engine (the code that computed the numbers), but tokens, names and ids from
problem files ride inside it, so this is the one place LaTeX becomes markup and it trusts none of it: a
formula spelling an active command (``\\href``, ``\\style``, ``\\class``, ``\\html…``, file reads:
:data:`nnsteps.escape.ACTIVE`) takes the text route; ``\\text{}`` content is placed as escaped text; the
tree keeps only MathML elements and presentation attributes, its text escaped (latex2mathml unescapes
its own output). A formula latex2mathml cannot read falls back to readable Unicode text, never to raw LaTeX.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

_MATH_OPEN = re.compile(r"^<math\b")


@lru_cache(maxsize=4096)
def latex_to_mathml(latex: str, display: bool = False) -> str:
    """One ``<math>`` element for a LaTeX formula (``display=True``: a block).

    >>> latex_to_mathml(r"\\frac{6}{2}")  # doctest: +ELLIPSIS
    '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><mfrac>...</mfrac></mrow></math>'
    >>> 'display="block"' in latex_to_mathml("x", display=True)
    True
    """
    from nnsteps.escape import active_latex

    if active_latex(latex):
        return text_fallback(latex)
    texts: list[str] = []
    try:
        out = _convert(_hold_texts(latex.strip(), texts), display, texts)
    except Exception:  # latex2mathml raises many types; any failure takes the text route
        return text_fallback(latex)
    if not _MATH_OPEN.match(out):
        return text_fallback(latex)
    return _bracket_tables(out)


_TEXT_OPEN = re.compile(r"\\(?:text|textrm|textbf|textit|texttt|textsf|mbox)\s*\{")
_HELD = re.compile(r"^nnstepsheld(\d+)$")
_ENTITY = re.compile(r"&(?!#x[0-9A-Fa-f]+;|#[0-9]+;)|<|>")
ELEMENTS = frozenset({
    "math", "mrow", "mi", "mn", "mo", "mtext", "mspace", "ms", "mfrac", "msqrt", "mroot", "mstyle", "merror",
    "mpadded", "mphantom", "mfenced", "menclose", "msub", "msup", "msubsup", "munder", "mover", "munderover",
    "mmultiscripts", "mprescripts", "none", "mtable", "mtr", "mtd", "mlabeledtr", "semantics"})
"""The MathML a formula may hold (presentation elements, no ``maction``, no ``annotation-xml``)."""
ATTRIBUTES = frozenset({
    "xmlns", "display", "mathvariant", "displaystyle", "scriptlevel", "stretchy", "fence", "separator",
    "lspace", "rspace", "width", "height", "depth", "columnalign", "rowalign", "columnlines", "rowlines",
    "columnspacing", "rowspacing", "frame", "framespacing", "accent", "accentunder", "linethickness", "minsize",
    "maxsize", "movablelimits", "largeop", "symmetric", "form", "notation", "align", "columnspan", "rowspan",
    "voffset", "bevelled", "numalign", "denomalign", "side", "equalrows", "equalcolumns", "dir", "mathsize",
    "mathcolor", "mathbackground", "open", "close", "separators"})
"""Presentation attributes a formula may carry: no ``href``, ``style``, ``class``, ``id`` or event handler."""
_SAFE_VALUE = re.compile(r"^[-#.%\w ]*$")
_MATHML_NS = "http://www.w3.org/1998/Math/MathML"


def _hold_texts(latex: str, texts: list[str]) -> str:
    r"""``\text{…}`` contents moved out (into ``texts``) and replaced by a placeholder latex2mathml keeps as
    one ``mtext``, so the text is placed escaped, as written (latex2mathml reads ``\}`` inside it wrongly).

    >>> texts = []
    >>> _hold_texts(r"a + \text{x\_y \{z\}}", texts), texts
    ('a + \\text{nnstepsheld0}', ['x_y {z}'])
    """
    from nnsteps.escape import latex_unescape

    out, at = [], 0
    for m in _TEXT_OPEN.finditer(latex):
        if m.start() < at:
            continue
        depth, i = 1, m.end()
        while i < len(latex) and depth:
            if latex[i] == "\\":
                i += 1
            elif latex[i] in "{}":
                depth += 1 if latex[i] == "{" else -1
            i += 1
        if depth:
            raise ValueError("an unclosed \\text{")  # the caller takes the text route
        out += [latex[at:m.end()], f"nnstepsheld{len(texts)}}}"]
        texts.append(latex_unescape(latex[m.end():i - 1]))
        at = i
    return "".join(out) + latex[at:]


def _convert(latex: str, display: bool, texts: list[str]) -> str:
    """latex2mathml's tree, sanitised (:data:`ELEMENTS`, :data:`ATTRIBUTES`, text escaped), serialised the way
    latex2mathml does (its entity references such as ``&#x0005B;`` kept)."""
    from xml.etree.ElementTree import tostring

    from latex2mathml.converter import convert_to_element

    root = convert_to_element(latex, display="block" if display else "inline")
    for el in root.iter():
        if el.tag not in ELEMENTS:
            el.tag = "mrow"
        for name in list(el.attrib):
            value = el.attrib[name]
            if name not in ATTRIBUTES or not (_SAFE_VALUE.match(value) or value == _MATHML_NS):
                del el.attrib[name]
        held = _HELD.match(el.text or "") if el.tag == "mtext" else None
        el.text = _escape(texts[int(held.group(1))] if held else el.text)
        el.tail = _escape(el.tail)
    return _unescape(tostring(root, encoding="unicode"))


def _unescape(xml: str) -> str:
    """``xml.sax.saxutils.unescape`` (whose import pulls in urllib.request: a tenth of the HTML report's time).

    >>> _unescape("&lt;mi&gt;a&amp;amp;b")
    '<mi>a&amp;b'
    """
    return xml.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _escape(text: str | None) -> str | None:
    # As latex2mathml writes characters: a numeric reference survives its tostring-then-unescape round.
    return _ENTITY.sub(lambda m: f"&#x{ord(m.group()):05X};", text) if text else text


MATH_CSS = """
math { math-style: normal; font-size: 1.1em; }
mtable.bmatrix { border-left: 1.5px solid; border-right: 1.5px solid; padding: 0 .15em; margin: 0 .15em;
  background: linear-gradient(currentColor, currentColor) top left / .35em 1.5px no-repeat,
              linear-gradient(currentColor, currentColor) bottom left / .35em 1.5px no-repeat,
              linear-gradient(currentColor, currentColor) top right / .35em 1.5px no-repeat,
              linear-gradient(currentColor, currentColor) bottom right / .35em 1.5px no-repeat; }
mtable.bmatrix mtd { padding: .1em .45em; }
.math-text { font-family: "STIX Two Math", "Cambria Math", serif; }
"""
"""Styles that MathML needs from a page: matrices get their brackets from CSS borders, so they
stretch to the matrix's height even where no OpenType math font is installed."""

_OPEN_TABLE = "<mo>&#x0005B;</mo><mtable>"
_CLOSE_TABLE = "</mtable><mo>&#x0005D;</mo>"


def _bracket_tables(mathml: str) -> str:
    """``[`` mtable ``]`` (a bmatrix) becomes ``<mtable class="bmatrix">`` drawn by :data:`MATH_CSS`.

    >>> _bracket_tables("<mo>&#x0005B;</mo><mtable><mtr/></mtable><mo>&#x0005D;</mo>")
    '<mtable class="bmatrix"><mtr/></mtable>'
    """
    if mathml.count(_OPEN_TABLE) != mathml.count(_CLOSE_TABLE) or mathml.count(_OPEN_TABLE) != mathml.count("<mtable"):
        return mathml
    return mathml.replace(_OPEN_TABLE, '<mtable class="bmatrix">').replace(_CLOSE_TABLE, "</mtable>")


def text_fallback(latex: str) -> str:
    """A formula as readable Unicode text in a ``<span>``, for LaTeX that MathML cannot carry.

    >>> text_fallback(r"\\frac{a + b}{c}")
    '<span class="math-text">(a + b)/c</span>'
    """
    from nnsteps.render.latex_text import latex_to_text

    return f'<span class="math-text">{html.escape(latex_to_text(latex))}</span>'


def converts(latex: str) -> bool:
    """Whether latex2mathml converts a formula (rather than the text fallback being used).

    >>> converts(r"\\left\\lfloor \\frac{5 - 3}{2} \\right\\rfloor + 1"), converts(r"\\frac{1}{")
    (True, False)
    """
    return latex_to_mathml(latex).startswith("<math")
