"""Optimiser updates as ``torch.optim`` takes them, entry by entry, exact while the values stay rational.

Every method reads the gradient g of one step and its state, and writes the new state and θ:

* ``sgd``: g ← g + λθ; b ← g (first step) or μb + (1 − τ)g; d = g + μb (nesterov) or b; θ ← θ − αd.
  State ``b`` (the momentum buffer; none without momentum).
* ``momentum_ema`` (the course form): v ← βv + (1 − β)g; θ ← θ − αv. State ``v``.
* ``adagrad``: α_t = α/(1 + (t − 1)·lr_decay); g ← g + λθ; s ← s + g²; θ ← θ − α_t g/(√s + ε). State ``sum``.
* ``rmsprop``: g ← g + λθ; v ← a·v + (1 − a)g²; centered: ḡ ← a·ḡ + (1 − a)g, denominator √(v − ḡ²) + ε
  (else √v + ε); momentum: b ← μb + g/den, θ ← θ − αb (else θ ← θ − αg/den). State ``v``, ``g_avg``, ``b``.
* ``adam``: g ← g + λθ; m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; m̂ = m/(1 − β₁ᵗ); v̂ = v/(1 − β₂ᵗ)
  (amsgrad: v_max ← max(v_max, v), v̂ = v_max/(1 − β₂ᵗ)); θ ← θ − α m̂/(√v̂ + ε). ``adamw`` decays
  θ ← θ(1 − αλ) first instead of adding λθ to g. State ``m``, ``v``, ``m_hat``, ``v_hat`` (``v_max``).

``eps_inside`` (adagrad, rmsprop) puts ε under the root as d2l writes them: √(s + ε), √(v + ε). A given starting
state (:func:`initial_state`'s ``given``, torch's ``optimizer.state``) continues from it: sgd's first update then
reads b ← μb + (1 − τ)g, and update t counts on from the given step count.

Square roots go through :class:`nnsteps.irrational.Real`: float64 now, the exact form only when read.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from nnsteps.irrational import Real
from nnsteps.numbers import to_latex_operand
from nnsteps.work import Step

METHODS = ("sgd", "momentum_ema", "adagrad", "rmsprop", "adam", "adamw")
E8 = Fraction(1, 10**8)
DEFAULTS: dict[str, dict[str, Any]] = {
    "sgd": {"lr": Fraction(1, 1000), "momentum": 0, "dampening": 0, "nesterov": False, "weight_decay": 0},
    "momentum_ema": {"lr": Fraction(1, 100), "beta": Fraction(9, 10)},
    "adagrad": {"lr": Fraction(1, 100), "lr_decay": 0, "weight_decay": 0, "initial_accumulator_value": 0,
                "eps": Fraction(1, 10**10), "eps_inside": False},
    "rmsprop": {"lr": Fraction(1, 100), "alpha": Fraction(99, 100), "eps": E8, "weight_decay": 0, "momentum": 0,
                "centered": False, "eps_inside": False},
    "adam": {"lr": Fraction(1, 1000), "betas": (Fraction(9, 10), Fraction(999, 1000)), "eps": E8, "weight_decay": 0,
             "amsgrad": False, "bias_correction": True},
    "adamw": {"lr": Fraction(1, 1000), "betas": (Fraction(9, 10), Fraction(999, 1000)), "eps": E8,
              "weight_decay": Fraction(1, 100), "amsgrad": False, "bias_correction": True},
}
"""torch.optim's defaults (``momentum_ema`` is the course form; its defaults are the usual β = 0.9, α = 0.01)."""


MOMENTUM_SET_BY_SCHEDULE = ("sgd", "rmsprop", "adam", "adamw")
"""The methods with a momentum (sgd, rmsprop) or a β₁ (adam, adamw) that OneCycleLR's ``cycle_momentum`` sets."""


def with_momentum(method: str, o: dict[str, Any], mu: Any) -> dict[str, Any]:
    """The options of one update whose momentum a schedule set: μ for sgd and rmsprop, β₁ for adam and adamw
    (as torch's OneCycleLR writes ``group["momentum"]`` or ``group["betas"][0]``).

    >>> with_momentum("adam", {"betas": (Fraction(9, 10), Fraction(999, 1000))}, Fraction(17, 20))["betas"]
    (Fraction(17, 20), Fraction(999, 1000))
    >>> with_momentum("sgd", {"momentum": 0}, Fraction(19, 20))["momentum"]
    Fraction(19, 20)
    """
    if method in ("adam", "adamw"):
        return {**o, "betas": (mu, o["betas"][1])}
    return {**o, "momentum": mu}


def out(x: Any) -> Any:
    """A Real handed out: an int/Fraction while rational, an Irrational (or float) after."""
    return x.value() if isinstance(x, Real) else x


def _tex(x: Any) -> str:
    return to_latex_operand(out(x))


def state_names(method: str, o: dict[str, Any]) -> tuple[str, ...]:
    """The state a method keeps (the answer's keys per step).

    >>> state_names("adam", {"amsgrad": True}), state_names("sgd", {"momentum": 0})
    (('m', 'v', 'm_hat', 'v_hat', 'v_max'), ())
    """
    if method == "sgd":
        return ("b",) if o.get("momentum") else ()
    if method == "momentum_ema":
        return ("v",)
    if method == "adagrad":
        return ("sum",)
    if method == "rmsprop":
        return ("v",) + (("g_avg",) if o.get("centered") else ()) + (("b",) if o.get("momentum") else ())
    return ("m", "v", "m_hat", "v_hat") + (("v_max",) if o.get("amsgrad") else ())


def initial_state(method: str, o: dict[str, Any], n: int,
                  given: dict[str, list[Any]] | None = None) -> dict[str, list[Any]]:
    """The state before the first step: each entry of ``given`` (flat, by :func:`state_names`), else zeros
    (adagrad's sum starts at ``initial_accumulator_value``; sgd's buffer is absent until the first step).

    >>> initial_state("sgd", {"momentum": 0.9}, 2), [out(v) for v in initial_state("adam", {}, 1, {"m": [1]})["m"]]
    ({}, [1])
    """
    start = o.get("initial_accumulator_value", 0) if method == "adagrad" else 0
    given = given or {}
    return {k: [Real.of(v) for v in given[k]] if k in given else [Real.of(start)] * n
            for k in state_names(method, o) if k not in ("m_hat", "v_hat") and (k in given or method != "sgd")}


class _Writer:
    """Collects one step's quantities: the vector of each, and (when ``expand``) entry 0 in full."""

    def __init__(self, expand: bool, label: str) -> None:
        self.expand, self.label = expand, label
        self.steps: list[Step[Any]] = []

    def put(self, title: str, formula: str, values: list[Any], sub: Callable[[int], str] | None = None,
            whole: bool = False) -> list[Any]:
        step: Step[Any] = Step(title, formula=formula, result=[out(v) for v in values])
        if self.expand and sub is not None:
            where = f"{title}, {self.label} in full" if len(values) > 1 or not whole else f"{title} in full"
            step.steps.append(Step(where, formula=formula, substituted=sub(0),
                                   result=out(values[0])))
        self.steps.append(step)
        return values


def update(method: str, theta: list[Any], grad: list[Any], state: dict[str, list[Any]], t: int, lr: Any,
           o: dict[str, Any], *, expand: bool = False, label: str = "entry 1") -> tuple[list[Any], dict[str, list[Any]],
                                                                                        Any, list[Step[Any]]]:
    """One update of ``method`` at step ``t`` (1-based) with rate ``lr``: (θ, state, rate used, steps).

    >>> th, st, a, _ = update("adam", [Real.of(1)], [Real.of(Fraction(1, 2))], initial_state("adam", {}, 1), 1,
    ...                       Fraction(1, 10), {"betas": (Fraction(9, 10), Fraction(999, 1000)), "eps": 0})
    >>> out(th[0]), out(st["m"][0]), out(st["m_hat"][0]), out(st["v_hat"][0])
    (Fraction(9, 10), Fraction(1, 20), Fraction(1, 2), Fraction(1, 4))
    """
    w = _Writer(expand, label)
    n = len(theta)
    g = [Real.of(x) for x in grad]
    th = [Real.of(x) for x in theta]
    wd = o.get("weight_decay", 0)
    w.put(f"g_{t}", rf"g_{{{t}}} = \nabla_\theta L", g)
    if wd and method != "adamw":
        g = w.put(f"g_{t} with weight decay", r"g \leftarrow g + \lambda \theta", [g[i] + th[i] * wd for i in range(n)],
                  lambda i: rf"{_tex(g[i])} + {_tex(wd)} \cdot {_tex(th[i])}")
    new: dict[str, list[Any]] = {}
    rate = lr
    if method == "sgd":
        mu, damp = o.get("momentum", 0), o.get("dampening", 0)
        d = g
        if mu:
            if "b" not in state:  # torch's first step: the buffer is g itself
                b = w.put(f"b_{t}", r"b_1 = g_1", list(g), lambda i: _tex(g[i]))
            else:
                old = state["b"]
                b = w.put(f"b_{t}", r"b_t = \mu b_{t-1} + (1 - \tau) g_t",
                          [old[i] * mu + g[i] * (1 - Fraction(damp)) for i in range(n)],
                          lambda i: rf"{_tex(mu)} \cdot {_tex(old[i])} + (1 - {_tex(damp)}) \cdot {_tex(g[i])}")
            new["b"] = b
            if o.get("nesterov"):
                d = w.put(f"d_{t} (Nesterov)", r"d_t = g_t + \mu b_t", [g[i] + b[i] * mu for i in range(n)],
                          lambda i: rf"{_tex(g[i])} + {_tex(mu)} \cdot {_tex(b[i])}")
            else:
                d = b
        uf = r"\Delta\theta_t = \alpha d_t" if mu else r"\Delta\theta_t = \alpha g_t"
        u = [d[i] * lr for i in range(n)]
        sub_u: Callable[[int], str] = lambda i: rf"{_tex(lr)} \cdot {_tex(d[i])}"  # noqa: E731
    elif method == "momentum_ema":
        beta, old = o["beta"], state["v"]
        v = w.put(f"v_{t}", r"v_t = \beta v_{t-1} + (1 - \beta) g_t",
                  [old[i] * beta + g[i] * (1 - Fraction(beta)) for i in range(n)],
                  lambda i: rf"{_tex(beta)} \cdot {_tex(old[i])} + (1 - {_tex(beta)}) \cdot {_tex(g[i])}")
        new["v"] = v
        uf = r"\Delta\theta_t = \alpha v_t"
        u = [v[i] * lr for i in range(n)]
        sub_u = lambda i: rf"{_tex(lr)} \cdot {_tex(v[i])}"  # noqa: E731
    elif method == "adagrad":
        decay, eps, old = o.get("lr_decay", 0), o["eps"], state["sum"]
        if decay:
            rate = out(Real.of(lr) / (1 + Fraction(decay) * (t - 1)))
            w.put(rf"\alpha_{t} with lr_decay", r"\alpha_t = \frac{\alpha}{1 + (t - 1) \cdot d}", [rate],
                  lambda i: rf"\frac{{{_tex(lr)}}}{{1 + {t - 1} \cdot {_tex(decay)}}}", whole=True)
        s = w.put(f"sum_{t}", r"s_t = s_{t-1} + g_t^2", [old[i] + g[i] * g[i] for i in range(n)],
                  lambda i: rf"{_tex(old[i])} + {_tex(g[i])} \cdot {_tex(g[i])}")
        new["sum"] = s
        inside = o.get("eps_inside")
        den = [(s[i] + eps).apply("sqrt") if inside else s[i].apply("sqrt") + eps for i in range(n)]
        uf = r"\Delta\theta_t = \frac{\alpha_t g_t}{\sqrt{s_t + \epsilon}}" if inside else \
            r"\Delta\theta_t = \frac{\alpha_t g_t}{\sqrt{s_t} + \epsilon}"
        u = [g[i] * rate / den[i] for i in range(n)]
        sub_u = lambda i: (rf"\frac{{{_tex(rate)} \cdot {_tex(g[i])}}}{{\sqrt{{{_tex(s[i])} + {_tex(eps)}}}}}" if inside  # noqa: E731
                           else rf"\frac{{{_tex(rate)} \cdot {_tex(g[i])}}}{{\sqrt{{{_tex(s[i])}}} + {_tex(eps)}}}")
    elif method == "rmsprop":
        a, eps, mu, old = o["alpha"], o["eps"], o.get("momentum", 0), state["v"]
        v = w.put(f"v_{t}", r"v_t = a v_{t-1} + (1 - a) g_t^2",
                  [old[i] * a + g[i] * g[i] * (1 - Fraction(a)) for i in range(n)],
                  lambda i: rf"{_tex(a)} \cdot {_tex(old[i])} + (1 - {_tex(a)}) \cdot {_tex(g[i])} \cdot {_tex(g[i])}")
        new["v"] = v
        if o.get("centered"):
            og = state["g_avg"]
            ga = w.put(f"g_avg_{t}", r"\bar g_t = a \bar g_{t-1} + (1 - a) g_t",
                       [og[i] * a + g[i] * (1 - Fraction(a)) for i in range(n)],
                       lambda i: rf"{_tex(a)} \cdot {_tex(og[i])} + (1 - {_tex(a)}) \cdot {_tex(g[i])}")
            new["g_avg"] = ga
            var = [v[i] - ga[i] * ga[i] for i in range(n)]
        else:
            var = v
        inside = o.get("eps_inside")
        den = [(var[i] + eps).apply("sqrt") if inside else var[i].apply("sqrt") + eps for i in range(n)]
        under = r"v_t - \bar g_t^2" if o.get("centered") else "v_t"
        w.put(f"denominator_{t}", rf"\sqrt{{{under} + \epsilon}}" if inside else rf"\sqrt{{{under}}} + \epsilon", den)
        if mu:
            ob = state["b"]
            b = w.put(f"b_{t}", r"b_t = \mu b_{t-1} + \frac{g_t}{\text{den}}",
                      [ob[i] * mu + g[i] / den[i] for i in range(n)])
            new["b"] = b
            uf = r"\Delta\theta_t = \alpha b_t"
            u = [b[i] * lr for i in range(n)]
            sub_u = lambda i: rf"{_tex(lr)} \cdot {_tex(b[i])}"  # noqa: E731
        else:
            uf = r"\Delta\theta_t = \frac{\alpha g_t}{\text{den}_t}"
            u = [g[i] * lr / den[i] for i in range(n)]
            sub_u = lambda i: rf"\frac{{{_tex(lr)} \cdot {_tex(g[i])}}}{{{_tex(den[i])}}}"  # noqa: E731
    else:  # adam, adamw
        (b1, b2), eps = o["betas"], o["eps"]
        if method == "adamw" and wd:
            old_th = th
            th = w.put("θ decayed (AdamW)", r"\theta \leftarrow \theta (1 - \alpha \lambda)",
                       [old_th[i] * (1 - Real.of(lr) * wd) for i in range(n)],
                       lambda i: rf"{_tex(old_th[i])} \cdot (1 - {_tex(lr)} \cdot {_tex(wd)})")
        om, ov = state["m"], state["v"]
        m = w.put(f"m_{t}", r"m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t",
                  [om[i] * b1 + g[i] * (1 - Fraction(b1)) for i in range(n)],
                  lambda i: rf"{_tex(b1)} \cdot {_tex(om[i])} + (1 - {_tex(b1)}) \cdot {_tex(g[i])}")
        v = w.put(f"v_{t}", r"v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2",
                  [ov[i] * b2 + g[i] * g[i] * (1 - Fraction(b2)) for i in range(n)],
                  lambda i: rf"{_tex(b2)} \cdot {_tex(ov[i])} + (1 - {_tex(b2)}) \cdot {_tex(g[i])} \cdot {_tex(g[i])}")
        new["m"], new["v"] = m, v
        vv = v
        if o.get("amsgrad"):
            omax = state["v_max"]
            vv = w.put(f"v_max_{t}", r"v^{max}_t = \max(v^{max}_{t-1}, v_t)",
                       [v[i] if v[i] > omax[i] else omax[i] for i in range(n)],
                       lambda i: rf"\max({_tex(omax[i])}, {_tex(v[i])})")
            new["v_max"] = vv
        c1 = 1 - Fraction(b1) ** t if o.get("bias_correction", True) else 1
        c2 = 1 - Fraction(b2) ** t if o.get("bias_correction", True) else 1
        mh = w.put(f"m_hat_{t}", r"\hat m_t = \frac{m_t}{1 - \beta_1^t}", [m[i] / c1 for i in range(n)],
                   lambda i: rf"\frac{{{_tex(m[i])}}}{{{_tex(c1)}}}")
        vh = w.put(f"v_hat_{t}", r"\hat v_t = \frac{v_t}{1 - \beta_2^t}", [vv[i] / c2 for i in range(n)],
                   lambda i: rf"\frac{{{_tex(vv[i])}}}{{{_tex(c2)}}}")
        new["m_hat"], new["v_hat"] = mh, vh
        uf = r"\Delta\theta_t = \frac{\alpha \hat m_t}{\sqrt{\hat v_t} + \epsilon}"
        u = [mh[i] * lr / (vh[i].apply("sqrt") + eps) for i in range(n)]
        sub_u = lambda i: rf"\frac{{{_tex(lr)} \cdot {_tex(mh[i])}}}{{\sqrt{{{_tex(vh[i])}}} + {_tex(eps)}}}"  # noqa: E731
    w.put(f"update_{t}", uf, u, sub_u)
    new_th = w.put(f"θ_{t}", r"\theta_t = \theta_{t-1} - \Delta\theta_t", [th[i] - u[i] for i in range(n)],
                   lambda i: rf"{_tex(th[i])} - {_tex(u[i])}")
    return new_th, new, rate, w.steps
