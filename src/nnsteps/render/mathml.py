"""LaTeX to MathML with latex2mathml, so reports and pages show math with no script and no network.

The LaTeX comes from the engine (the code that computed the numbers); this module only converts
it. A formula latex2mathml cannot read falls back to readable Unicode text, never to raw LaTeX.
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
    from latex2mathml.converter import convert

    try:
        out = convert(latex.strip(), display="block" if display else "inline")
    except Exception:  # latex2mathml raises many types; any failure takes the text route
        return text_fallback(latex)
    if not _MATH_OPEN.match(out):
        return text_fallback(latex)
    return _bracket_tables(out)


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
