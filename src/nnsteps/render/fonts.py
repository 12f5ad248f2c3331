"""The bundled OpenType math font, embedded in standalone HTML so MathML looks like LaTeX offline.

The font is STIX Math (SIL Open Font License 1.1, from Debian's ``fonts-stix``), subset to the
characters our formulas use by ``scripts/subset_math_font.py``; its MATH table is kept, so
delimiters such as the floor brackets around a fraction stretch to the fraction's height.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from importlib import resources

FONT_FILE = "STIXMath-subset.woff"
FAMILY = "nnsteps STIX Math"


def font_bytes() -> bytes:
    """The bundled font file (WOFF).

    >>> font_bytes()[:4]
    b'wOFF'
    """
    return resources.files("nnsteps.render").joinpath("assets", FONT_FILE).read_bytes()


@lru_cache(maxsize=2)
def font_face_css(url: str | None = None) -> str:
    """An ``@font-face`` rule and the rule that sets the font on ``<math>``; the font is embedded as a data
    URI (a standalone page) unless a ``url`` serves it (the web app, where the browser caches it).

    >>> css = font_face_css()
    >>> css.startswith("@font-face") and "data:font/woff;base64," in css and "math, .math-text {" in css
    True
    >>> "url(/fonts/math.woff)" in font_face_css("/fonts/math.woff")
    True
    """
    src = url or "data:font/woff;base64," + base64.b64encode(font_bytes()).decode("ascii")
    return (f'@font-face {{ font-family: "{FAMILY}"; src: url({src}) format("woff"); font-display: block; }}\n'
            f'math, .math-text {{ font-family: "{FAMILY}", math, "STIX Two Math", "Cambria Math", serif; }}\n')
