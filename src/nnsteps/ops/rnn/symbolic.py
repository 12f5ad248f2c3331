"""Closed-form gradients of the scalar RNN (SymPy), in the reference's symbols and layout:
h_L expanded, y = w_hy h_L, and each gradient factored as (y − y_r) w_hy ∂h_L/∂w, then the same
formulas with the numbers put in.

Symbols: x_1 … x_L, h_0, w_in, w_hh, w_hy, y_r (and b_h, b_y when the problem has biases).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from nnsteps.names import Activation
from nnsteps.numbers import normalize, to_latex_operand
from nnsteps.work import Step

if TYPE_CHECKING:
    from nnsteps.ops.rnn.inputs import RnnNet

MAX_NONLINEAR_STEPS = 3
"""With tanh/sigmoid/relu the closed form nests; it is shown up to this length."""

TEX = {"w_in": r"w_{\text{in}}", "w_hh": r"w_{\text{hh}}", "w_hy": r"w_{\text{hy}}", "h_0": "h_0", "y_r": "y_r",
       "b_h": "b_h", "b_y": "b_y"}


@dataclass
class ClosedForm:
    """SymPy expressions of one scalar RNN: ``h_L``, ``y``, ``loss`` and ``dy`` (∂y/∂θ per weight)."""

    L: int
    symbols: dict[str, Any]
    h_L: Any
    y: Any
    loss: Any
    grads: dict[str, Any]
    factor: dict[str, Any]  # θ -> the factor after (y − y_r): w_hy ∂h_L/∂θ, or h_L, or 1


@dataclass
class SymbolicResult:
    step: Step[Any]
    strings: dict[str, Any]


def rnn_closed_form(L: int, *, activation: str = "none", loss: str = "half_squared_error",
                    biases: tuple[str, ...] = ()) -> ClosedForm:
    """ℓ's gradients for the scalar RNN h_t = f(w_in x_t + w_hh h_{t-1}), y = w_hy h_L, as SymPy.

    >>> cf = rnn_closed_form(2)
    >>> cf.h_L
    h_0*w_hh**2 + w_hh*w_in*x_1 + w_in*x_2
    >>> cf.grads["w_in"]
    w_hy*(w_hh*x_1 + x_2)*(w_hy*(h_0*w_hh**2 + w_hh*w_in*x_1 + w_in*x_2) - y_r)
    """
    import sympy

    names = ["h_0", "w_in", "w_hh", "w_hy", "y_r", *biases]
    s = {name: sympy.Symbol(name) for name in names}
    xs = [sympy.Symbol(f"x_{t}") for t in range(1, L + 1)]
    s.update({f"x_{t}": xs[t - 1] for t in range(1, L + 1)})
    f = {"none": lambda a: a, Activation.TANH.value: sympy.tanh, Activation.SIGMOID.value: lambda a: 1 / (1 + sympy.exp(-a)),
         Activation.RELU.value: lambda a: sympy.Max(0, a)}[activation]
    h = s["h_0"]
    for t in range(L):
        h = f(s["w_in"] * xs[t] + s["w_hh"] * h + (s.get("b_h", 0)))
    h_L = sympy.expand(h) if activation == "none" else h
    y = s["w_hy"] * h_L + (s.get("b_y", 0))
    c = sympy.Rational(1, 2) if loss == "half_squared_error" else 1
    ell = c * (y - s["y_r"]) ** 2
    scale = 1 if loss == "half_squared_error" else 2
    factor: dict[str, Any] = {}
    grads: dict[str, Any] = {}
    for name in ("w_in", "w_hh", "w_hy", *biases):
        if name == "w_hy":
            fac = h_L
        elif name == "b_y":
            fac = sympy.Integer(1)
        else:
            dh = sympy.diff(h_L, s[name])
            fac = s["w_hy"] * (sympy.expand(dh) if activation == "none" else dh)
        factor[name] = fac
        grads[name] = scale * (y - s["y_r"]) * fac
    return ClosedForm(L, s, h_L, y, ell, grads, factor)


def closed_form_for(net: RnnNet, answer: dict[str, Any]) -> SymbolicResult | None:
    """The closed-form step for a scalar RNN problem, or ``None`` with a note when out of reach.

    >>> from nnsteps.ops.rnn import rnn
    >>> from nnsteps.ops.rnn.inputs import read_rnn
    >>> net = read_rnn([0.3, 0.4, 0.2], h0=0.5, weights=None, kw={"w_in": 0.2, "w_hh": 0.2, "w_hy": 0.2},
    ...                activation="none", output="last", target=0.4, loss="half_squared_error", learning_rate=0.15)
    >>> answer = rnn([0.3, 0.4, 0.2], h0=0.5, w_in=0.2, w_hh=0.2, w_hy=0.2, target=0.4, symbolic=False).answer
    >>> result = closed_form_for(net, answer)
    >>> result.step.title, result.strings["h_L"]
    ('Closed-form gradients (L = 3)', 'h_0*w_hh**3 + w_hh**2*w_in*x_1 + w_hh*w_in*x_2 + w_in*x_3')
    """
    from nnsteps.ops.rnn.forward_pass import symbolic_bound_note

    L = net.L
    if net.output != "last" or net.loss == "cross_entropy" or net.target is None:
        return None
    if L > 30:
        return SymbolicResult(Step("Closed form", note=symbolic_bound_note(L)), {})
    if net.activation != "none" and L > MAX_NONLINEAR_STEPS:
        return SymbolicResult(Step("Closed form", note=(
            f"with {net.activation} the closed form nests {L} levels deep; it is shown for up to "
            f"{MAX_NONLINEAR_STEPS} steps, numbers only here")), {})
    biases = tuple(b for b in ("b_h", "b_y") if b in net.params)
    cf = rnn_closed_form(L, activation=net.activation, loss=net.loss, biases=biases)
    values = _values(net, cf)
    steps: list[Step[Any]] = []
    linear = net.activation == "none"
    h_tex = latex_expr(cf.h_L, cf) if linear else _sympy_latex(cf.h_L)
    steps.append(Step(f"h_{L} in terms of the inputs", formula=f"h_{{{L}}} = {h_tex}"))
    y_tex = r"w_{\text{hy}}\left(" + h_tex + r"\right)" + (" + b_y" if "b_y" in biases else "")
    steps.append(Step("The output", formula=f"y = {y_tex}"))
    c_tex = "" if net.loss == "half_squared_error" else "2"
    y_val = answer["y"]
    yr_val = values["y_r"]
    for name in ("w_in", "w_hh", "w_hy", *biases):
        fac = cf.factor[name]
        if name == "w_hy":
            fac_tex = rf"\left({h_tex}\right)"
            fac_num = "(" + numbers_expr(fac, cf, values) + ")" if linear else None
        elif name == "b_y":
            fac_tex, fac_num = "", ""
        else:
            inner = fac / cf.symbols["w_hy"]
            inner_tex = latex_expr(inner, cf) if linear else _sympy_latex(inner)
            fac_tex = rf"w_{{\text{{hy}}}} \left({inner_tex}\right)"
            fac_num = (rf"{to_latex_operand(values['w_hy'])} \cdot (" + numbers_expr(inner, cf, values) + ")"
                       if linear else None)
        value = _evaluate(cf.grads[name], cf, values)
        formula = rf"\frac{{\partial \ell}}{{\partial {TEX[name]}}} = {c_tex}(y - y_r)" + (f" {fac_tex}" if fac_tex else "")
        lead = (r"2 \cdot " if c_tex else "") + f"({to_latex_operand(y_val)} - {to_latex_operand(yr_val)})"
        substituted = None if fac_num is None else lead + (rf" \cdot {fac_num}" if fac_num else "")
        steps.append(Step(f"∂ℓ/∂{name} in closed form", formula=formula, substituted=substituted, result=value))
    strings = {
        "h_L": str(cf.h_L),
        "y": str(cf.y),
        "grads": {name: str(g) for name, g in cf.grads.items()},
    }
    note = "y stands for w_hy h_L in the factored gradients, as in the reference; the numbers agree with BPTT above"
    return SymbolicResult(Step(f"Closed-form gradients (L = {L})", steps=steps, note=note), strings)


def _values(net: RnnNet, cf: ClosedForm) -> dict[str, Any]:
    d, p = net.domain, net.params
    assert net.target is not None
    vals = {"h_0": d.out(net.h0[0]), "w_in": d.out(p["W_xh"][0][0]), "w_hh": d.out(p["W_hh"][0][0]),
            "w_hy": d.out(p["W_hy"][0][0]), "y_r": d.out(net.target[0][0])}
    for b in ("b_h", "b_y"):
        if b in p:
            vals[b] = d.out(p[b][0])
    for t in range(1, cf.L + 1):
        vals[f"x_{t}"] = d.out(net.x[t - 1][0])
    return vals


def _evaluate(expr: Any, cf: ClosedForm, values: dict[str, Any]) -> Any:
    """The expression at the problem's numbers: a Fraction where exact, else a float."""
    import sympy

    from nnsteps.numbers import Irrational

    subs = {}
    for name, v in values.items():
        if isinstance(v, Irrational):
            subs[cf.symbols[name]] = v.exact
        elif isinstance(v, (int, Fraction)):
            subs[cf.symbols[name]] = sympy.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else v
        else:
            subs[cf.symbols[name]] = sympy.Float(v, 17)
    out = expr.subs(subs)
    if out.is_Rational:
        return normalize(Fraction(int(out.p), int(out.q)))
    if all(isinstance(v, (int, Fraction)) for v in values.values()):
        return Irrational(out)
    return float(out)


def _order(cf: ClosedForm) -> list[Any]:
    s = cf.symbols
    gens = [s["h_0"], s["w_in"], s["w_hh"]] + [s[f"x_{t}"] for t in range(1, cf.L + 1)]
    return gens + [s[b] for b in ("b_h", "b_y") if b in s]


def _tex_name(sym: Any) -> str:
    name = str(sym)
    if name.startswith("x_"):
        return f"x_{{{name[2:]}}}"
    return TEX.get(name, name)


def _terms(expr: Any, cf: ClosedForm) -> list[tuple[Any, list[tuple[Any, int]]]]:
    """A polynomial's terms in the reference's order: h_0 first, then x_1, x_2, …"""
    import sympy

    gens = _order(cf)
    poly = sympy.Poly(expr, *gens)
    s = cf.symbols
    order = [s["h_0"]] + [s[f"x_{t}"] for t in range(1, cf.L + 1)] + [s[b] for b in ("b_h", "b_y") if b in s]
    rank = {g: i for i, g in enumerate(order)}

    def key(term: Any) -> tuple[int, ...]:
        mon = term[0]
        lead = min((rank[g] for g, e in zip(gens, mon) if e and g in rank), default=len(order))
        return (lead, -sum(mon))

    out = []
    for mon, coeff in sorted(poly.terms(), key=key):
        factors = [(g, e) for g, e in zip(gens, mon) if e]
        out.append((coeff, factors))
    return out


def latex_expr(expr: Any, cf: ClosedForm) -> str:
    """A polynomial in the reference's notation: ``h_0 w_{hh}^{3} + w_{in} w_{hh}^{2} x_{1} + …``.

    >>> cf = rnn_closed_form(2)
    >>> latex_expr(cf.h_L, cf)
    'h_0 w_{\\\\text{hh}}^{2} + w_{\\\\text{in}} w_{\\\\text{hh}} x_{1} + w_{\\\\text{in}} x_{2}'
    """
    parts = []
    for coeff, factors in _terms(expr, cf):
        body = " ".join(_tex_name(g) + (f"^{{{e}}}" if e > 1 else "") for g, e in factors)
        c = "" if coeff == 1 and body else str(coeff)
        parts.append((c + " " if c and body else c) + body)
    return " + ".join(parts).replace("+ -", "- ")


def numbers_expr(expr: Any, cf: ClosedForm, values: dict[str, Any]) -> str:
    """The polynomial with the numbers put in, powers written as repeated products (so that the
    arithmetic reads and evaluates plainly).

    >>> cf = rnn_closed_form(2)
    >>> values = {"h_0": Fraction(1, 2), "w_in": Fraction(1, 5), "w_hh": Fraction(1, 5), "x_1": 3, "x_2": 4}
    >>> print(numbers_expr(cf.h_L, cf, values))
    0.5 \\cdot 0.2 \\cdot 0.2 + 0.2 \\cdot 0.2 \\cdot 3 + 0.2 \\cdot 4
    """
    parts = []
    for coeff, factors in _terms(expr, cf):
        ops = [] if coeff == 1 and factors else [to_latex_operand(normalize(Fraction(int(coeff.p), int(coeff.q))))]
        for g, e in factors:
            ops += [to_latex_operand(values[str(g)])] * e
        parts.append(r" \cdot ".join(ops))
    return " + ".join(parts)


def _sympy_latex(expr: Any) -> str:
    import sympy

    names = {sym: _tex_name(sym) for sym in expr.free_symbols}
    return str(sympy.latex(expr, symbol_names=names))
