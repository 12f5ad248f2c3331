"""LaTeX to readable Unicode text for the terminal, via pylatexenc.

Our formulas use a small vocabulary (fractions, floors, products, sums, matrices); pylatexenc
does the parsing and symbol mapping, and we teach it to bracket fractions so that
``\\frac{a + b}{c}`` reads ``(a + b)/c``, not ``a + b/c``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _converter() -> Any:
    from pylatexenc import latex2text, latexwalker, macrospec

    def frac(node: Any, l2tobj: Any) -> str:
        args = node.nodeargd.argnlist if node.nodeargd else []
        num, den = (_group(l2tobj.nodelist_to_text([a]) if a is not None else "") for a in args[-2:])
        return f"{num}/{den}"

    def sqrt(node: Any, l2tobj: Any) -> str:
        arg = node.nodeargd.argnlist[-1]
        return "√" + _group(l2tobj.nodelist_to_text([arg]))

    def matrix_env(node: Any, l2tobj: Any) -> str:
        body = l2tobj.nodelist_to_text(node.nodelist)
        rows = [" ".join(c.strip() for c in r.split("&")) for r in re.split(r"\n|\\\\", body) if r.strip()]
        return "[" + "; ".join(rows) + "]"

    def text_arg(node: Any, l2tobj: Any) -> str:
        arg = node.nodeargd.argnlist[-1]
        return l2tobj.nodelist_to_text([arg])

    ctx = latex2text.get_default_latex_context_db().filter_context(keep_categories=None)
    ctx.add_context_category(
        "nnsteps",
        prepend=True,
        macros=[
            latex2text.MacroTextSpec("frac", simplify_repl=frac),
            latex2text.MacroTextSpec("dfrac", simplify_repl=frac),
            latex2text.MacroTextSpec("tfrac", simplify_repl=frac),
            latex2text.MacroTextSpec("sqrt", simplify_repl=sqrt),
            latex2text.MacroTextSpec("text", simplify_repl=text_arg),
            latex2text.MacroTextSpec("mathrm", simplify_repl=text_arg),
            latex2text.MacroTextSpec("operatorname", simplify_repl=text_arg),
            latex2text.MacroTextSpec("left", simplify_repl=""),
            latex2text.MacroTextSpec("right", simplify_repl=""),
            latex2text.MacroTextSpec("quad", simplify_repl="  "),
            latex2text.MacroTextSpec("qquad", simplify_repl="    "),
            latex2text.MacroTextSpec(",", simplify_repl=" "),
            latex2text.MacroTextSpec("top", simplify_repl="ᵀ"),
        ],
        environments=[
            latex2text.EnvironmentTextSpec(env, simplify_repl=matrix_env)
            for env in ("bmatrix", "pmatrix", "matrix", "array")
        ],
    )
    wctx = latexwalker.get_default_latex_context_db()
    wctx.add_context_category(
        "nnsteps",
        prepend=True,
        macros=[
            macrospec.MacroSpec("frac", "{{"),
            macrospec.MacroSpec("dfrac", "{{"),
            macrospec.MacroSpec("tfrac", "{{"),
            macrospec.MacroSpec("text", "{"),
            macrospec.MacroSpec("operatorname", "{"),
        ],
        environments=[macrospec.EnvironmentSpec("array", "{")],
    )
    return latex2text.LatexNodes2Text(latex_context=ctx, math_mode="text", strict_latex_spaces=True), wctx


def _group(text: str) -> str:
    text = text.strip()
    if re.fullmatch(r"[-−]?[\w.]+|\(.*\)|\[.*\]", text) and not _unbalanced(text):
        return text
    return f"({text})"


def _unbalanced(text: str) -> bool:
    depth = 0
    for i, ch in enumerate(text):
        depth += ch in "([" and 1 or (ch in ")]" and -1) or 0
        if depth == 0 and i < len(text) - 1 and text[0] in "([":
            return True
    return False


_SCRIPT_RE = re.compile(r"([_^])\{((?:[^{}]|\{[^{}]*\})*)\}")


def _bracket_scripts(latex: str) -> str:
    """Put a sub- or superscript of several terms in parentheses, since text has no lowering:
    ``X_{1 + u, v}`` must read ``X_(1 + u, v)``, not ``X_1 + u, v``; ``Y_{0,0}`` stays ``Y_0,0``.

    >>> _bracket_scripts(r"\\sum_{u=0}^{2} X_{1 + u, v} e^{-z} H_{\\text{out}}")
    '\\\\sum_{(u=0)}^{2} X_{(1 + u, v)} e^{(-z)} H_{\\\\text{out}}'
    """

    def bracket(m: re.Match[str]) -> str:
        content = m.group(2)
        plain = re.sub(r"\\text\{[^{}]*\}", "x", content).strip()
        if re.search(r"[\s+=\-]", plain) and not (plain.startswith("(") and plain.endswith(")")):
            return f"{m.group(1)}{{({content.strip()})}}"
        return m.group(0)

    return _SCRIPT_RE.sub(bracket, latex)


@lru_cache(maxsize=4096)
def latex_to_text(latex: str) -> str:
    """Readable text for a LaTeX formula (remembered: a file's steps repeat many formulas, and each
    walk through pylatexenc costs about a millisecond).

    Steps that differ only in their digits (``1 \\cdot 4 + 0 \\cdot 2`` and ``3 \\cdot 1 + 2 \\cdot 0``)
    share one walk: the formula with every digit written 0 is converted (once), and the digits are put
    back in order. Digits are plain characters to the walker and are copied, never reordered; the
    digit-for-digit template keeps every token's length (``\\frac12`` stays two one-digit arguments),
    and a text whose digits are not exactly the template's copied zeros is converted on its own.

    >>> latex_to_text(r"\\left\\lfloor \\frac{5 + 2 \\cdot 0 - 3}{2} \\right\\rfloor + 1")
    '⌊(5 + 2·0 - 3)/2⌋ + 1'
    >>> latex_to_text(r"H_{\\text{out}} = 1 \\cdot 4")
    'H_out = 1·4'
    """
    template = _NONZERO_DIGIT.sub("0", latex)
    if template != latex:
        read, shape = _walk(template)
        digits = _DIGIT.findall(latex)
        if read and shape.count("0") == len(digits) and not _NONZERO_DIGIT.search(shape):
            copied = iter(digits)
            return _ZERO.sub(lambda _: next(copied), shape)
    return _walk(latex)[1]


_DIGIT = re.compile(r"[0-9]")
_NONZERO_DIGIT = re.compile(r"[1-9]")
_ZERO = re.compile(r"0")


@lru_cache(maxsize=4096)
def _walk(latex: str) -> tuple[bool, str]:
    """(True, pylatexenc's text for ``latex``, tidied), or (False, the formula as it was given to it)."""
    from pylatexenc import latexwalker

    converter, wctx = _converter()
    latex = _bracket_scripts(re.sub(r",\s*\\[,;]\s*", ", ", latex))
    try:
        nodes = latexwalker.LatexWalker(latex, latex_context=wctx, tolerant_parsing=True).get_latex_nodes()[0]
        text = converter.nodelist_to_text(nodes)
    except Exception:  # a formula the walker cannot read is still better shown raw than lost
        return False, latex
    text = re.sub(r"\s*([⋆∈])\s*", r" \1 ", text)
    text = re.sub(r"∑(?=[^\W_])", "∑ ", text)
    # strict_latex_spaces drops the space after a command (\ge 0 read "≥0"): relations and arrows get theirs back.
    text = re.sub(r"[ \t]*([≥≤←→⊙≠≈])[ \t]*", r" \1 ", text).replace("^ᵀ", "ᵀ")
    text = re.sub(r"(?<=[^\s(])= ", " = ", text)
    text = re.sub(r"\s*·\s*", "·", text)
    text = re.sub(r"\s*×\s*", " × ", text)
    text = re.sub(r"([⌊⌈])\s+", r"\1", text)
    text = re.sub(r"\s+([⌋⌉])", r"\1", text)
    text = re.sub(r"([⌋⌉])(?=[+\-])", r"\1 ", text)
    text = re.sub(r"[ \t]{3,}", "  ", text)
    text = re.sub(r"_\{([^{}]*)\}", r"_\1", text)
    return True, text.strip()
