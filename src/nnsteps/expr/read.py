"""Reading text into an expression tree: a tokenizer and a recursive-descent parser over a whitelist,
with one-line errors that give the column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from nnsteps import limits
from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.expr import cost
from nnsteps.expr.cost import Cost, TooCostly
from nnsteps.expr.tree import Call, Expr, Neg, Num, Power, Product, Sum, Sym
from nnsteps.expr.values import FUNCTIONS, EvaluationError, OverLimit
from nnsteps.numbers import Number, decimal_fraction

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/^(),=;]|[−·×])
""", re.VERBOSE)
_SAME_OP = {"**": "^", "−": "-", "·": "*", "×": "*"}


@dataclass(frozen=True)
class _Token:
    kind: str  # number, name, op, end
    text: str
    column: int  # 1-based


def _tokens(text: str, offset: int = 0) -> list[_Token]:
    out: list[_Token] = []
    i = 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if m is None:  # reported when the parser reaches it, so errors read left to right
            out.append(_Token("bad", text[i], offset + i + 1))
            i += 1
            continue
        kind = m.lastgroup or ""
        if kind != "space":
            out.append(_Token(kind, _SAME_OP.get(m.group(), m.group()), offset + i + 1))
        i = m.end()
    out.append(_Token("end", "", offset + len(text) + 1))
    return out


def _unexpected(t: _Token) -> NnstepsError:
    if t.kind == "bad":
        shown = repr(t.text) if t.text.isprintable() else f"U+{ord(t.text):04X}"
        return _error(t.column, f"unexpected character {shown}")
    return _error(t.column, f"unexpected '{t.text}'")


def _error(column: int, message: str, hint: str | None = None) -> NnstepsError:
    return NnstepsError(f"at column {column}: {message}", hint=hint)


class TooLarge(NnstepsError):
    """An expression refused for what evaluating it would cost (its ``reason``, at ``column``): a grader marks
    the answer wrong and shows the reason.

    >>> try:
    ...     parse("x^(1/10^290)", ["x"])
    ... except TooLarge as err:
    ...     err.column, err.reason
    (2, "too large to evaluate: a root of degree about 10^290 (an exponent's denominator), over the limit of 1,000")
    """

    def __init__(self, column: int, reason: str) -> None:
        super().__init__(f"at column {column}: {reason}")
        self.column, self.reason = column, reason


class _Parser:
    """Recursive descent: sum := product (('+'|'-') product)*; product := unary (('*'|'/') unary)*;
    unary := ('-'|'+') unary | power; power := primary ('^' unary)?; primary := number | name | call | (sum)."""

    def __init__(self, tokens: list[_Token], names: frozenset[str] | None) -> None:
        self.tokens = tokens
        self.i = 0
        self.names = names
        self.depth = 0
        self.costs: dict[int, Cost] = {}  # id(node) -> its price; every node priced stays in the tree

    def priced(self, node: Expr, column: int, price: Callable[[], Cost]) -> Expr:
        """``node`` with its price recorded, or :class:`TooLarge` at ``column`` when it is over a limit."""
        try:
            self.costs[id(node)] = price()
        except TooCostly as err:
            raise TooLarge(column, f"too large to evaluate: {err.reason}") from None
        return node

    def cost(self, node: Expr) -> Cost:
        return self.costs[id(node)]

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def expect_end(self, ends: tuple[str, ...] = ()) -> None:
        t = self.tok
        if t.kind == "end" or (t.kind == "op" and t.text in ends):
            return
        if t.kind in ("number", "name") or t.text == "(":
            raise _error(t.column, f"expected an operator before '{t.text}' (write * for a product)")
        raise _unexpected(t)

    def nested(self, column: int) -> None:
        self.depth += 1
        if self.depth > limits.MAX_EXPR_DEPTH:
            raise _error(column, f"nested more than {limits.MAX_EXPR_DEPTH} levels deep")

    def sum(self) -> Expr:
        column = self.tok.column
        terms = [self.product()]
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.take()
            term = self.product()
            if op.text == "-":
                term = self.priced(Neg(term), op.column, self.cost(term).negated)
            terms.append(term)
        if len(terms) == 1:
            return terms[0]
        return self.priced(Sum(tuple(terms)), column, lambda: cost.total([self.cost(t) for t in terms]))

    def product(self) -> Expr:
        column = self.tok.column
        factors, divide = [self.unary()], [False]
        while self.tok.kind == "op" and self.tok.text in "*/":
            op = self.take()
            factor = self.unary()
            if op.text == "/" and not factor.symbols() and _constant(factor, op.column) == 0:
                raise _error(op.column, "division by zero")
            factors.append(factor)
            divide.append(op.text == "/")
        if len(factors) == 1:
            return factors[0]
        return self.priced(Product(tuple(factors), tuple(divide)), column,
                           lambda: cost.product([self.cost(f) for f in factors], divide))

    def unary(self) -> Expr:
        t = self.tok
        if t.kind == "op" and t.text in "+-":
            self.take()
            self.nested(t.column)
            operand = self.unary()
            self.depth -= 1
            return self.priced(Neg(operand), t.column, self.cost(operand).negated) if t.text == "-" else operand
        return self.power()

    def power(self) -> Expr:
        base = self.primary()
        if self.tok.kind == "op" and self.tok.text == "^":
            op = self.take()
            self.nested(op.column)
            exponent = self.unary()  # right-associative: 2^3^2 = 2^(3^2); 2^-1 is allowed
            self.depth -= 1
            e = None
            if not exponent.symbols():  # priced, so evaluating it is cheap
                e = _constant(exponent, op.column)
                if abs(float(e)) > limits.MAX_EXPR_EXPONENT:
                    shown = e if isinstance(e, int) else f"{float(e):g}"
                    raise TooLarge(op.column, f"the exponent {shown} is over the limit of {limits.MAX_EXPR_EXPONENT}")
            exact = None if isinstance(e, float) else e  # a float exponent (2^sqrt(2)) takes no exact root
            node = self.priced(Power(base, exponent), op.column,
                               lambda: cost.power(self.cost(base), self.cost(exponent), exact))
            if e is not None and not base.symbols():
                _constant(node, op.column)  # refuses a constant power over the digit limit
            return node
        return base

    def primary(self) -> Expr:
        t = self.take()
        if t.kind == "number":
            try:
                value = decimal_fraction(t.text, what="a number")
            except NnstepsError as err:
                raise _error(t.column, err.message) from None
            assert not isinstance(value, float)
            return self.priced(Num(value), t.column, lambda: Cost.number(value))
        if t.kind == "name":
            return self.name(t)
        if t.text == "(":
            self.nested(t.column)
            inner = self.sum()
            self.depth -= 1
            if self.tok.text != ")":
                self.expect_end()
                raise _error(self.tok.column, f"expected ')' to close the '(' at column {t.column}")
            self.take()
            return inner
        if t.kind == "end":
            raise _error(t.column, "the expression ends too soon")
        raise _unexpected(t)

    def name(self, t: _Token) -> Expr:
        if t.text.startswith("_"):
            raise _error(t.column, f"names may not start with '_', got '{t.text}'")
        func = t.text.lower()
        func = "log" if func == "ln" else func
        if self.tok.text == "(":
            if func not in FUNCTIONS:
                raise _error(t.column, f"'{t.text}' is not a known function; the functions are "
                             f"{', '.join(FUNCTIONS)}", hint=did_you_mean(func, FUNCTIONS))
            return self.call(t, func)
        if func in FUNCTIONS and (self.names is None or t.text not in self.names):
            raise _error(t.column, f"the function '{t.text}' needs its argument in parentheses")
        if self.names is not None and t.text not in self.names:
            known = ", ".join(sorted(self.names)) or "none"
            raise _error(t.column, f"unknown name '{t.text}'; the names are {known}",
                         hint=did_you_mean(t.text, self.names))
        return self.priced(Sym(t.text), t.column, Cost.symbol)

    def call(self, t: _Token, func: str) -> Expr:
        opening = self.take()
        self.nested(opening.column)
        args: list[Expr] = []
        if self.tok.text != ")":
            args.append(self.sum())
            while self.tok.text == ",":
                self.take()
                args.append(self.sum())
        if self.tok.text != ")":
            self.expect_end((",",))
            raise _error(self.tok.column, f"expected ')' to close {t.text}( at column {opening.column}")
        self.take()
        self.depth -= 1
        low, high = FUNCTIONS[func]
        if not low <= len(args) <= high:
            wanted = str(low) if low == high else f"{low} to {high}"
            raise _error(t.column, f"{t.text} takes {wanted} argument{'s' if high > 1 else ''}, got {len(args)}")
        return self.priced(Call(func, tuple(args)), t.column, lambda: cost.call(func, [self.cost(a) for a in args]))


def _constant(node: Expr, column: int) -> Number:
    """The value of a constant subexpression (already priced), as a parse error at ``column`` when it has none."""
    try:
        return node.evaluate({}, budget=[100_000])
    except EvaluationError as err:
        if isinstance(err, OverLimit):
            raise TooLarge(column, err.message) from None
        raise _error(column, err.message) from None


def _names(names: Iterable[str] | None) -> frozenset[str] | None:
    return None if names is None else frozenset(names)


def parse(text: str, names: Iterable[str] | None = None, *, offset: int = 0) -> Expr:
    """Read ``text`` as an expression over the symbol ``names`` (``None``: any plain name, for text nnsteps
    wrote itself). ``offset`` shifts the columns in error messages (a part of a longer text).

    >>> parse("2^3^2").evaluate({}), parse("-x^2", ["x"]).evaluate({"x": 3}), parse("ln(1) + Max(1, 2)").evaluate({})
    (512, -9, 2)
    >>> parse("__import__('os').system('ls')", ["x"])
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: at column 1: names may not start with '_', got '__import__'
    >>> parse("3**(3*10**7)")
    Traceback (most recent call last):
    ...
    nnsteps.expr.read.TooLarge: at column 2: the exponent 30000000 is over the limit of 1000
    >>> parse("(w - 3)^2 + 2b", ["w", "b"])
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: at column 14: expected an operator before 'b' (write * for a product)
    """
    if not isinstance(text, str):
        raise NnstepsError(f"expected an expression as text, got {type(text).__name__}")
    if len(text) > limits.MAX_EXPR_TEXT:
        raise NnstepsError(f"the expression is {len(text):,} characters, over the limit of {limits.MAX_EXPR_TEXT:,}")
    parser = _Parser(_tokens(text, offset), _names(names))
    if parser.tok.kind == "end":
        raise _error(parser.tok.column, "expected an expression, got empty text")
    tree = parser.sum()
    parser.expect_end()
    return tree


def parse_assignments(text: str, inputs: Iterable[str]) -> dict[str, Expr]:
    """Read a small program ``name = expr; name = expr`` (``;`` or new lines between statements).

    Each name is defined once; an expression may use the ``inputs`` and the names defined before it.
    Returns the definitions in order; a definition's tree refers to earlier names as symbols.

    >>> prog = parse_assignments("q = x + y; f = q * z", ["x", "y", "z"])
    >>> list(prog), sorted(prog["f"].symbols())
    (['q', 'f'], ['q', 'z'])
    >>> values = {"x": -2, "y": 5, "z": -4}
    >>> for name, e in prog.items():
    ...     values[name] = e.evaluate(values)
    >>> values["f"]
    -12
    >>> parse_assignments("q = x + 1; q = 2", ["x"])
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: at column 12: 'q' is defined twice
    """
    if not isinstance(text, str):
        raise NnstepsError(f"expected assignments as text, got {type(text).__name__}")
    if len(text) > limits.MAX_EXPR_TEXT:
        raise NnstepsError(f"the program is {len(text):,} characters, over the limit of {limits.MAX_EXPR_TEXT:,}")
    known = set(inputs)
    out: dict[str, Expr] = {}
    start = 0
    for part in re.split(r"(;|\n)", text) + [""]:
        if part in (";", "\n"):
            start += 1
            continue
        if part.strip():
            out_name, expr = _assignment(part, start, known)
            known.add(out_name)
            out[out_name] = expr
        start += len(part)
    if not out:
        raise NnstepsError("expected assignments like 'q = x + y; f = q * z', got empty text")
    return out


def _assignment(part: str, offset: int, known: set[str]) -> tuple[str, Expr]:
    tokens = _tokens(part, offset)
    if len(tokens) < 3 or tokens[0].kind != "name" or tokens[1].text != "=":
        raise _error(tokens[0].column, "expected 'name = expression'")
    name = tokens[0].text
    if name.startswith("_") or name.lower() in FUNCTIONS or name.lower() == "ln":
        raise _error(tokens[0].column, f"'{name}' cannot be assigned (a function, or a name starting with '_')")
    if name in known:
        raise _error(tokens[0].column, f"'{name}' is defined twice")
    column = tokens[1].column - offset  # the '=' within this part
    return name, parse(part[column:], known, offset=offset + column)
