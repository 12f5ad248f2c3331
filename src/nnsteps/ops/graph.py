"""A scalar computational graph: the forward values of every node, each node's local derivatives, and
reverse accumulation (backpropagation) to ∂f/∂(each input), with the sums where a value fans out.

The expression is read by the safe reader (:mod:`nnsteps.expr`), never evaluated as code; each operation
of the tree becomes a node (named by its assignment, or ``t1, t2, …``). Values are exact while rational,
:class:`~nnsteps.irrational.Real` (float64 with a lazy exact form) once a function leaves the rationals.
At a kink the derivative is PyTorch's: relu'(0) = 0, |x|'(0) = 0; max/min split a tie evenly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.expr import Call, EvaluationError, Expr, Neg, Power, Product, Sum, Sym, parse, parse_assignments
from nnsteps.expr.values import power
from nnsteps.irrational import Real
from nnsteps.names import Op
from nnsteps.numbers import to_latex_operand
from nnsteps.work import Step, Worked

Operand = str | Real  # a node's name, or a constant


@dataclass
class Node:
    """One operation: ``op`` is input, sum, product, power, neg or a function name."""

    name: str
    op: str
    args: list[Operand] = field(default_factory=list)
    flags: list[int] = field(default_factory=list)  # sum: sign ±1; product: 1 multiply, -1 divide
    value: Real = field(default_factory=lambda: Real.of(0))


def _sym(name: str) -> str:
    """A node name as LaTeX: ``w0`` → ``w_{0}``, ``loss`` → ``\\mathrm{loss}``."""
    m = re.fullmatch(r"([A-Za-z]+)_?([0-9]+)?", name)
    if m is None:
        return r"\mathrm{" + name.replace("_", r"\_") + "}"
    head = m.group(1) if len(m.group(1)) == 1 else rf"\mathrm{{{m.group(1)}}}"
    return head + (f"_{{{m.group(2)}}}" if m.group(2) else "")


def _num(v: Any) -> str:
    return to_latex_operand(v.value() if isinstance(v, Real) else v)


class _Builder:
    def __init__(self, inputs: dict[str, Real]) -> None:
        self.nodes: dict[str, Node] = {k: Node(k, "input", value=v) for k, v in inputs.items()}
        self.used: set[str] = set(inputs)
        self.count = 0

    def fresh(self) -> str:
        while True:
            self.count += 1
            name = f"t{self.count}"
            if name not in self.used:
                self.used.add(name)
                return name

    def value(self, a: Operand) -> Real:
        return self.nodes[a].value if isinstance(a, str) else a

    def lower(self, e: Expr, name: str | None = None) -> Operand:
        """The operand for ``e``: a constant, an existing node, or a new node (named ``name`` if given)."""
        if not e.symbols():
            return Real.of(e.evaluate({}))
        if isinstance(e, Sym):
            if name is None:
                return e.name
            node = Node(name, "sum", [e.name], [1])  # ``q = x``: a copy
        elif isinstance(e, Neg):
            node = Node("", "neg", [self.lower(e.operand)], [1])
        elif isinstance(e, Sum):
            node = Node("", "sum")
            for t in e.terms:
                negative = isinstance(t, Neg) and bool(t.operand.symbols())
                node.args.append(self.lower(t.operand if isinstance(t, Neg) and negative else t))
                node.flags.append(-1 if negative else 1)
        elif isinstance(e, Product):
            node = Node("", "product", [self.lower(f) for f in e.factors], [-1 if d else 1 for d in e.divide])
        elif isinstance(e, Power):
            node = Node("", "power", [self.lower(e.base), self.lower(e.exponent)], [1, 1])
        else:
            assert isinstance(e, Call)
            node = Node("", e.name, [self.lower(a) for a in e.args], [1] * len(e.args))
        node.name = name or self.fresh()
        self.used.add(node.name)
        node.value = self.forward(node)
        self.nodes[node.name] = node
        return node.name

    def forward(self, node: Node) -> Real:
        vals = [self.value(a) for a in node.args]
        try:
            return _forward(node.op, vals, node.flags)
        except (EvaluationError, ZeroDivisionError) as err:
            message = err.message if isinstance(err, EvaluationError) else "division by zero"
            raise NnstepsError(f"node {node.name}: {message}", field="expression") from None


def _pow(b: Real, e: Real) -> Real:
    if b.exact is not None and e.exact is not None:
        return Real.of(power(b.exact, e.exact))
    if e.exact is not None and e.exact.denominator == 1 and 0 <= e.exact <= 64:
        out = Real.of(1)
        for _ in range(int(e.exact)):
            out = out * b  # keeps the lazy exact form of an irrational base
        return out
    return Real.of(power(float(b), float(e)))


def _forward(op: str, v: list[Real], flags: list[int]) -> Real:
    if op == "sum":
        out = Real.of(0)
        for x, s in zip(v, flags):
            out = out + x if s > 0 else out - x
        return out
    if op == "product":
        out = Real.of(1)
        for x, s in zip(v, flags):
            if s < 0 and x == 0:
                raise ZeroDivisionError
            out = out * x if s > 0 else out / x
        return out
    if op == "neg":
        return -v[0]
    if op == "power":
        return _pow(v[0], v[1])
    if op in ("exp", Op.TANH, Op.SIGMOID):
        return v[0].apply(op)
    if op == "log":
        if v[0] <= 0:
            raise EvaluationError("log of a number <= 0")
        return v[0].apply("log")
    if op == "sqrt":
        if v[0] < 0:
            raise EvaluationError("sqrt of a negative number")
        return v[0].apply("sqrt")
    if op == Op.RELU:
        return v[0] if v[0] > 0 else Real.of(0)
    if op == "abs":
        return v[0] if v[0] >= 0 else -v[0]
    if op in ("max", "min"):
        best = v[0]
        for x in v[1:]:
            best = x if (x > best if op == "max" else x < best) else best
        return best
    assert op == "heaviside"
    return Real.of(1 if v[0] > 0 else 0 if v[0] < 0 else Fraction(1, 2))


def _local(node: Node, b: _Builder, i: int) -> tuple[str, str, Real]:
    """∂node/∂(its i-th operand): (the rule in symbols, the rule with numbers, the value)."""
    a = [_sym(x) if isinstance(x, str) else _num(x) for x in node.args]
    v = [b.value(x) for x in node.args]
    out, s = node.value, node.flags
    if node.op == "sum":
        return ("1" if s[i] > 0 else "-1"), "", Real.of(s[i])
    if node.op == "neg":
        return "-1", "", Real.of(-1)
    if node.op == "product":
        others = [j for j in range(len(v)) if j != i]
        num = [j for j in others if s[j] > 0]
        den = [j for j in others if s[j] < 0]
        val = Real.of(1)
        for j in num:
            val = val * v[j]
        for j in den:
            val = val / v[j]
        if s[i] < 0:  # ∂(c/x)/∂x = −c/x²
            val = -val / (v[i] * v[i])
            den = den + [i, i]
        top = " \\cdot ".join([a[j] for j in num]) or "1"
        ntop = " \\cdot ".join([_num(v[j]) for j in num]) or "1"
        sign = "-" if s[i] < 0 else ""
        if den:
            dot = r" \cdot "
            return (rf"{sign}\frac{{{top}}}{{{dot.join(a[j] for j in den)}}}",
                    rf"{sign}\frac{{{ntop}}}{{{dot.join(_num(v[j]) for j in den)}}}", val)
        return sign + top, ("" if len(num) < 2 else ntop), val
    if node.op == "power":
        base, exp = v
        if i == 0:
            val = exp * _pow(base, exp - 1) if exp != 0 else Real.of(0)
            return (rf"{a[1]} \cdot {a[0]}^{{{a[1]} - 1}}", rf"{_num(exp)} \cdot {_num(base)}^{{{_num(exp - 1)}}}",
                    val)
        if base <= 0:
            raise NnstepsError(f"node {node.name}: a power with a variable exponent needs a positive base",
                               field="expression")
        return rf"{a[0]}^{{{a[1]}}} \ln {a[0]}", "", out * base.apply("log")
    x = v[i]
    if node.op == "exp":
        return rf"e^{{{a[0]}}}", "", out
    if node.op == "log":
        return rf"\frac{{1}}{{{a[0]}}}", rf"\frac{{1}}{{{_num(x)}}}", 1 / x
    if node.op == "sqrt":
        return (rf"\frac{{1}}{{2\sqrt{{{a[0]}}}}}", rf"\frac{{1}}{{2 \cdot {_num(out)}}}",
                1 / (2 * out) if out != 0 else _inf(node))
    if node.op == Op.SIGMOID:
        return rf"\sigma({a[0]})(1 - \sigma({a[0]}))", rf"{_num(out)} \cdot (1 - {_num(out)})", out * (1 - out)
    if node.op == Op.TANH:
        return rf"1 - \tanh^2({a[0]})", rf"1 - {_num(out)}^{{2}}", 1 - out * out
    if node.op == Op.RELU:
        return rf"[{a[0]} > 0]", "", Real.of(1 if x > 0 else 0)
    if node.op == "abs":
        return rf"\operatorname{{sign}}({a[0]})", "", Real.of(1 if x > 0 else -1 if x < 0 else 0)
    if node.op in ("max", "min"):
        ties = [j for j in range(len(v)) if v[j] == out]
        share = Fraction(1, len(ties)) if i in ties else 0
        return rf"[{a[i]} = \{node.op}(\dots)]" + (r" / \text{ties}" if len(ties) > 1 else ""), "", Real.of(share)
    return "0", "", Real.of(0)  # heaviside: flat away from 0


def _inf(node: Node) -> Real:
    raise NnstepsError(f"node {node.name}: sqrt is not differentiable at 0", field="expression")


def _formula(node: Node, args: list[str]) -> str:
    """The node's operation over ``args`` (names or numbers)."""
    op, s = node.op, node.flags
    if op == "sum":
        out = args[0] if s[0] > 0 else "-" + args[0]
        for x, f in zip(args[1:], s[1:]):
            out += (" + " if f > 0 else " - ") + x
        return out
    if op == "product":
        num = [x for x, f in zip(args, s) if f > 0] or ["1"]
        den = [x for x, f in zip(args, s) if f < 0]
        top = " \\cdot ".join(num)
        bottom = r" \cdot ".join(den)
        return rf"\frac{{{top}}}{{{bottom}}}" if den else top
    if op == "neg":
        return "-" + args[0]
    if op == "power":
        return f"{args[0]}^{{{args[1]}}}"
    if op == "exp":
        return f"e^{{{args[0]}}}"
    if op == "sqrt":
        return rf"\sqrt{{{args[0]}}}"
    if op == "abs":
        return rf"\left|{args[0]}\right|"
    if op == Op.RELU:
        return rf"\max(0, {args[0]})"
    name = {Op.SIGMOID.value: r"\sigma", "log": r"\ln", "max": r"\max", "min": r"\min", Op.TANH.value: r"\tanh",
            "heaviside": r"H"}[op]
    return rf"{name}({', '.join(args)})"


def read_graph(text: str, inputs: list[str], output: str | None) -> tuple[dict[str, Expr], str]:
    """The definitions (name → tree) and the output's name; a single expression is named ``f``.

    >>> defs, out = read_graph("q = x + y; f = q * z", ["x", "y", "z"], None)
    >>> list(defs), out
    (['q', 'f'], 'f')
    """
    if "=" in text:
        defs = parse_assignments(text, inputs)
    else:
        name = "f" if "f" not in inputs else "out"
        defs = {name: parse(text, inputs)}
    out = output if output is not None else list(defs)[-1]
    if out not in defs:
        raise NnstepsError(f"expected one of the assigned names {', '.join(defs)}, got {out!r}", field="output")
    return defs, out


def graph(text: str, values: dict[str, Any], output: str | None = None, *, fan_out: str = "sum",
          kind: str = "") -> Worked:
    """Forward and backward through the graph of ``text`` at ``values``; ``fan_out="last"`` is the named
    mistake of keeping only one path's gradient where a value is used twice; ``kind`` names the Worked.

    >>> w = graph("q = x + y; f = q * z", {"x": -2, "y": 5, "z": -4})
    >>> w.answer
    {'value': -12, 'nodes': {'q': 3, 'f': -12}, 'grads': {'x': -4, 'y': -4, 'z': 3}}
    """
    defs, out = read_graph(text, list(values), output)
    b = _Builder({k: Real.of(v) for k, v in values.items()})
    for name, tree in defs.items():
        b.lower(tree, name)
    # Only what the output depends on, in the order computed (children before parents).
    needed: set[str] = set()
    stack = [out]
    while stack:
        n = stack.pop()
        if n not in needed:
            needed.add(n)
            stack.extend(a for a in b.nodes[n].args if isinstance(a, str))
    order = [n for n in b.nodes if n in needed and b.nodes[n].op != "input"]
    forward: Step[Any] = Step("Forward pass", note="each node's value from its operands, in order")
    for n in order:
        node = b.nodes[n]
        names = [_sym(a) if isinstance(a, str) else _num(a) for a in node.args]
        nums = [_num(b.value(a)) for a in node.args]
        sub = _formula(node, nums)
        forward.steps.append(Step(f"{n}", formula=f"{_sym(n)} = {_formula(node, names)}", substituted=sub,
                                  result=node.value.value(), data={"node": n, "op": node.op, "args": [
                                      a if isinstance(a, str) else None for a in node.args]}))
    local: Step[Any] = Step("Local derivatives", note="each node's derivative with respect to each of its operands")
    locals_: dict[str, list[tuple[str, Real]]] = {}
    for n in order:
        node = b.nodes[n]
        parts: dict[str, Real] = {}
        for i, a in enumerate(node.args):
            if not isinstance(a, str):
                continue
            rule, sub, d = _local(node, b, i)
            local.steps.append(Step(rf"\partial {n} / \partial {a}",
                                    formula=rf"\frac{{\partial {_sym(n)}}}{{\partial {_sym(a)}}} = {rule}",
                                    substituted=sub or None, result=d.value()))
            parts[a] = parts[a] + d if a in parts else d  # x·x: one node, two uses
        locals_[n] = list(parts.items())
    grads: dict[str, Real] = {out: Real.of(1)}
    paths: dict[str, list[tuple[str, Real]]] = {}
    backward: Step[Any] = Step("Backward pass", note=f"∂{out}/∂{out} = 1; a value used by several nodes sums their paths")
    for n in reversed(order):
        for child, d in locals_[n]:
            paths.setdefault(child, []).append((n, d))
    for n in [*reversed(order), *[k for k in values if k in needed]]:
        if n == out:
            continue
        ways = paths.get(n, [])
        used = ways[-1:] if fan_out == "last" else ways
        total = Real.of(0)
        for parent, d in used:
            total = total + grads[parent] * d
        grads[n] = total
        d_of = rf"\frac{{\partial {_sym(out)}}}{{\partial {_sym(n)}}}"
        rule = " + ".join(rf"\frac{{\partial {_sym(out)}}}{{\partial {_sym(p)}}}"
                          rf"\frac{{\partial {_sym(p)}}}{{\partial {_sym(n)}}}" for p, _ in used)
        sub = " + ".join(rf"{_num(grads[p])} \cdot {_num(d)}" for p, d in used)
        backward.steps.append(Step(rf"\partial {out} / \partial {n}", formula=f"{d_of} = {rule}",
                                   substituted=sub, result=total.value(),
                                   note=("fans out: the paths are summed" if fan_out == "sum" else "fans out: only one path kept")
                                   if len(ways) > 1 else None))
    grad_answer = {k: (grads[k].value() if k in grads else 0) for k in values}
    nodes = {n: b.nodes[n].value.value() for n in order}
    answer = {"value": b.nodes[out].value.value(), "nodes": nodes, "grads": grad_answer}
    result = Step(f"Gradients of {out}", result=grad_answer)
    meta: dict[str, Any] = {"nodes_drawn": {"nodes": [{"name": n, "op": b.nodes[n].op, "value": b.nodes[n].value.value(),
                                 "grad": grads[n].value() if n in grads else 0,
                                 "args": [a for a in b.nodes[n].args if isinstance(a, str)]}
                                for n in [*[k for k in values if k in needed], *order]], "output": out}}
    table = {n["name"]: {"value": n["value"], "grad": n["grad"]} for n in meta["nodes_drawn"]["nodes"]}
    drawn = Step("Graph", result=table, note="each node's forward value and its gradient ∂f/∂node",
                 data={"drawing": meta["nodes_drawn"]})
    return Worked(kind, value=answer, steps=[drawn, forward, local, backward, result],
                  title=f"Computational graph of {out}", answer=answer, meta=meta)
