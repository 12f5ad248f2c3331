"""Step honesty, the check: wherever a step's ``substituted`` is arithmetic, it evaluates to its ``result``.

A small evaluator reads the LaTeX that the ops write (numbers, ``+ - \\cdot \\times``, ``\\frac{a}{b}``,
parentheses and braces, ``\\left\\lfloor … \\right\\rfloor``, ``\\left\\lceil … \\right\\rceil``,
``\\max(…)``, ``10^{k}``), builds a Python ``ast`` expression whose constants are Fractions, and
interprets that tree itself: nothing is ever passed to ``eval``. A substitution containing anything
else (``e^{…}``, ``\\tanh``, ``\\ge``, ``\\infty``, symbols) is not arithmetic and is skipped; one made
only of arithmetic tokens MUST parse, so a garbled substitution fails rather than being skipped.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from nnsteps.numbers import Irrational
from nnsteps.work import Step

# ------------------------------------------------------------------------------------------ evaluator

_TOKEN = re.compile(
    r"\s+|(?P<tok>\\left\\lfloor|\\right\\rfloor|\\left\\lceil|\\right\\rceil|\\lfloor|\\rfloor|\\lceil|\\rceil"
    r"|\\left\(|\\right\)|\\[dt]?frac|\\cdot|\\times|\\max|\d+(?:\.\d*)?|\.\d+|[-+(){},^])"
)


class NotArithmetic(Exception):
    """The LaTeX holds something other than arithmetic (a symbol, e^{..}, a relation)."""


def tokenize(latex: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(latex):
        m = _TOKEN.match(latex, pos)
        if not m:
            raise NotArithmetic(latex[pos:pos + 12])
        if m.group("tok"):
            tokens.append({r"\left(": "(", r"\right)": ")", r"\lfloor": r"\left\lfloor", r"\rfloor": r"\right\rfloor",
                           r"\lceil": r"\left\lceil", r"\rceil": r"\right\rceil", r"\dfrac": r"\frac",
                           r"\tfrac": r"\frac"}.get(m.group("tok"), m.group("tok")))
        pos = m.end()
    return tokens


class _Parser:
    """Recursive descent from tokens to a Python ``ast`` expression over Fraction constants."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.i = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (expected is not None and tok != expected):
            raise SyntaxError(f"expected {expected!r} at token {self.i} of {self.tokens}, got {tok!r}")
        self.i += 1
        return tok

    def parse(self) -> ast.expr:
        node = self.expr()
        if self.peek() is not None:
            raise SyntaxError(f"trailing tokens {self.tokens[self.i:]}")
        return node

    def expr(self) -> ast.expr:
        node = self.term()
        while self.peek() in ("+", "-"):
            op = ast.Add() if self.take() == "+" else ast.Sub()
            node = ast.BinOp(node, op, self.term())
        return node

    def term(self) -> ast.expr:
        node = self.unary()
        while self.peek() in (r"\cdot", r"\times"):
            self.take()
            node = ast.BinOp(node, ast.Mult(), self.unary())
        return node

    def unary(self) -> ast.expr:
        if self.peek() == "-":
            self.take()
            return ast.UnaryOp(ast.USub(), self.unary())
        if self.peek() == "+":
            self.take()
            return self.unary()
        return self.power()

    def power(self) -> ast.expr:
        node = self.atom()
        if self.peek() == "^":
            self.take()
            node = ast.BinOp(node, ast.Pow(), self.group())
        return node

    def group(self) -> ast.expr:
        self.take("{")
        node = self.expr()
        self.take("}")
        return node

    def call(self, name: str, args: list[ast.expr]) -> ast.expr:
        return ast.Call(ast.Name(name, ast.Load()), args, [])

    def atom(self) -> ast.expr:
        tok = self.take()
        if re.fullmatch(r"\d+(?:\.\d*)?|\.\d+", tok):
            return ast.Constant(Fraction(tok))
        if tok == "(":
            node = self.expr()
            self.take(")")
            return node
        if tok == "{":
            node = self.expr()
            self.take("}")
            return node
        if tok == r"\frac":
            return ast.BinOp(self.group(), ast.Div(), self.group())
        if tok == r"\left\lfloor":
            node = self.expr()
            self.take(r"\right\rfloor")
            return self.call("floor", [node])
        if tok == r"\left\lceil":
            node = self.expr()
            self.take(r"\right\rceil")
            return self.call("ceil", [node])
        if tok == r"\max":
            self.take("(")
            args = [self.expr()]
            while self.peek() == ",":
                self.take()
                args.append(self.expr())
            self.take(")")
            return self.call("max", args)
        raise SyntaxError(f"unexpected token {tok!r} in {self.tokens}")


_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
        ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** int(b)}
_CALLS = {"floor": lambda a: Fraction(math.floor(a)), "ceil": lambda a: Fraction(math.ceil(a)),
          "max": lambda *a: max(a)}


def interpret(node: ast.expr) -> Fraction:
    """Evaluate the tree built by :class:`_Parser` (only its node types), exactly."""
    if isinstance(node, ast.Constant) and isinstance(node.value, Fraction):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -interpret(node.operand)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        right = interpret(node.right)
        if isinstance(node.op, ast.Pow) and right.denominator != 1:
            raise SyntaxError("only integer powers")
        return Fraction(_OPS[type(node.op)](interpret(node.left), right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CALLS:
        return Fraction(_CALLS[node.func.id](*[interpret(a) for a in node.args]))
    raise SyntaxError(f"unsupported node {ast.dump(node)}")


def evaluate(latex: str) -> Fraction:
    """The exact value of an arithmetic LaTeX string; NotArithmetic when it is not arithmetic.

    >>> evaluate(r"\\left\\lfloor \\frac{5 + 2 \\cdot 0 - 1 \\cdot (3 - 1) - 1}{2} \\right\\rfloor + 1")
    Fraction(2, 1)
    """
    return interpret(_Parser(tokenize(latex)).parse())


# ----------------------------------------------------------------------------------------- the check


def number(result: Any) -> Fraction | float | None:
    """The step's result when it is one number (exact or float); None for arrays, text, irrationals."""
    if isinstance(result, np.ndarray) and result.shape == ():
        result = result.item()
    if isinstance(result, (bool, Irrational)):
        return None
    if isinstance(result, (int, Fraction)):
        return Fraction(result)
    if isinstance(result, float) and math.isfinite(result):
        return result
    return None


def check_steps(steps: Iterable[Step[Any]]) -> int:
    """Assert every arithmetic substitution equals its numeric result; return how many were checked."""
    checked = 0
    for step in steps:
        expected = number(step.result)
        if not step.substituted or expected is None:
            continue
        try:
            tokens = tokenize(step.substituted)
        except NotArithmetic:
            continue
        try:
            value = interpret(_Parser(tokens).parse())
        except (SyntaxError, ZeroDivisionError) as err:  # arithmetic tokens only, yet unreadable: a bad step
            pytest.fail(f"step {step.title!r}: cannot evaluate {step.substituted!r}: {err}")
        if isinstance(expected, Fraction):
            assert value == expected, f"step {step.title!r}: {step.substituted} = {value}, but result is {expected}"
        else:
            assert math.isclose(float(value), expected, rel_tol=1e-9, abs_tol=1e-9), (
                f"step {step.title!r}: {step.substituted} = {float(value)}, but result is {expected}")
        checked += 1
    return checked


# ------------------------------------------------------- in float, where the values are irrational

_FLOAT = re.compile(r"\s+|(?P<tok>\\ln|\\sin|\\cos|\\exp|\\tanh|\\sqrt|\\min|\\max|\\left\(|\\right\)|\\frac|\\cdot|e(?![-+\d])|"
                    r"\d+(?:\.\d*)?(?:e[-+]?\d+)?|\.\d+|[-+(){}^/,])")
_FUNCS = {r"\ln": math.log, r"\sin": math.sin, r"\cos": math.cos, r"\exp": math.exp, r"\tanh": math.tanh,
          r"\sqrt": math.sqrt}


class Unreadable(Exception):
    """A substitution holding something other than numbers and these functions (a relation, words)."""


class _Float:
    """A float reader for the substitutions of the log/trig steps: numbers, e, + − \\cdot /, \\frac, powers
    a^{b}, \\ln \\sin \\cos \\exp \\tanh \\sqrt of an atom, \\min and \\max, and a factor before a parenthesis (−\\frac{1}{3}(…)).
    Test-only; it reads the ops' own output and never calls eval."""

    def __init__(self, latex: str) -> None:
        self.toks: list[str] = []
        pos = 0
        while pos < len(latex):
            m = _FLOAT.match(latex, pos)
            if not m:
                raise Unreadable(latex)
            if m.group("tok"):
                self.toks.append({r"\left(": "(", r"\right)": ")"}.get(m.group("tok"), m.group("tok")))
            pos = m.end()
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, want: str | None = None) -> str:
        tok = self.toks[self.i]
        assert want is None or tok == want, (want, tok, self.toks)
        self.i += 1
        return tok

    def value(self) -> float:
        v = self.expr()
        assert self.peek() is None, self.toks[self.i:]
        return v

    def expr(self) -> float:
        v = self.term()
        while self.peek() in ("+", "-"):
            v = v + self.term() if self.take() == "+" else v - self.term()
        return v

    def term(self) -> float:
        v = self.unary()
        while self.peek() in (r"\cdot", "/", "("):
            tok = self.peek()
            if tok == "(":
                v *= self.unary()
                continue
            self.take()
            v = v * self.unary() if tok == r"\cdot" else v / self.unary()
        return v

    def unary(self) -> float:
        if self.peek() == "-":
            self.take()
            return -self.unary()
        v = self.atom()
        if self.peek() == "^":
            self.take()
            self.take("{")
            e = self.expr()
            self.take("}")
            v = v ** e
        return v

    def atom(self) -> float:
        tok = self.take()
        if tok in _FUNCS:
            return _FUNCS[tok](self.unary())
        if tok in (r"\min", r"\max"):
            self.take("(")
            args = [self.expr()]
            while self.peek() == ",":
                self.take()
                args.append(self.expr())
            self.take(")")
            return min(args) if tok == r"\min" else max(args)
        if tok in ("(", "{"):
            v = self.expr()
            self.take(")" if tok == "(" else "}")
            return v
        if tok == r"\frac":
            self.take("{")
            a = self.expr()
            self.take("}")
            self.take("{")
            b = self.expr()
            self.take("}")
            return a / b
        return math.e if tok == "e" else float(tok)


def float_steps(worked: Any) -> int:
    """Every substitution (each side of an ``=`` chain) equals its step's numeric result in float."""
    checked = 0
    for step in worked.walk():
        result = step.result
        if not step.substituted or isinstance(result, bool) or not isinstance(result, (int, float, Fraction)):
            continue
        try:
            sides = [_Float(side) for side in step.substituted.split("=")]
        except Unreadable:
            continue  # "6 > 5", "c = 0": not arithmetic; each test asserts how many steps it checked
        for side in sides:
            # the operands are shown to 12 significant digits (numfmt.DIGITS and two guard digits): the line reads
            # as its result to that precision, not to the float's last bit (1 - 0.999987711651^2 cancels: abs)
            assert side.value() == pytest.approx(float(result), rel=1e-8, abs=1e-10), (
                step.title, step.substituted, result)
        checked += 1
    return checked
