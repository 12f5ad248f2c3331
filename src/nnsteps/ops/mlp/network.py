"""A dense network worked by hand: forward activations, every δ, every gradient, one update.

    z^(l) = W^(l) a^(l-1) + b^(l),  a^(l) = f(z^(l)),  a^(0) = x
    δ^(L) = ∂ℓ/∂a^(L) ⊙ f'(z^(L)),  δ^(l) = (W^(l+1)ᵀ δ^(l+1)) ⊙ f'(z^(l))
    ∂ℓ/∂W^(l) = δ^(l) a^(l-1)ᵀ,  ∂ℓ/∂b^(l) = δ^(l)

Weights are out×in, as a PyTorch ``nn.Linear`` weight.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.names import Activation, Op
from nnsteps.numbers import Irrational
from nnsteps.numbers import to_latex_operand as op
from nnsteps.ops._common import read_learning_rate
from nnsteps.ops.activations import derivatives as act
from nnsteps.ops.activations import relu_family
from nnsteps.ops.domain import Domain, FloatDomain
from nnsteps.ops.losses import backprop as losses
from nnsteps.work import Step, Worked

LOSSES = ("half_squared_error", "squared_error", "cross_entropy")
PRELU = Op.PRELU.value
PRELU_WEIGHT = "prelu_weight"
"""The key of a PReLU layer's learned slope in ``grads`` and ``updated``."""
IRRATIONAL = (Activation.TANH.value, Activation.SIGMOID.value, *relu_family.IRRATIONAL)
EXPLAIN = 16
"""Units (and weights) per layer explained one by one."""


def mlp(
    input: Any, layers: list[dict[str, Any]], *, target: Any = None, loss: str = "half_squared_error",
    learning_rate: Any = None, l2: Any = None, l1: Any = None, weight_decay: Any = None,
    regularize_bias: bool = False, upstream: Any = None,
) -> Worked:
    """Forward pass, backpropagation and one gradient-descent step of a dense network.

    ``layers`` is a list of ``{"weights": out×in, "bias": out, "activation": ...}``: none, tanh, relu,
    sigmoid, or one of :data:`nnsteps.ops.activations.relu_family.OPTIONS` by name or as ``{name: {parameters}}``.
    ``upstream`` (∂ℓ/∂a of the last layer) replaces a target and loss: the backward pass starts from it.

    >>> w = mlp([1, 2], [{"weights": [[0.5, -1]], "bias": [1], "activation": "relu"}], target=[1],
    ...         learning_rate=0.1)
    >>> w.answer["outputs"], w.answer["loss"]
    ([[0]], Fraction(1, 2))
    """
    x, specs, d, tgt, lr, up = _read(input, layers, target, loss, learning_rate, upstream)
    a: list[np.ndarray] = [x]
    z: list[np.ndarray] = []
    steps: list[Step[Any]] = []
    for l, spec in enumerate(specs, start=1):
        W, b, f = spec["weights"], spec["bias"], spec["activation"]
        zl = W.dot(a[-1]) + (b if b is not None else 0)
        al = np.array([_apply(spec, d, v, j) for j, v in enumerate(zl)], dtype=object if d.is_exact else np.float64)
        z.append(zl)
        a.append(al)
        steps.append(_layer_step(l, W, b, f, a[-2], zl, al, d))
    answer: dict[str, Any] = {"outputs": [list(d.out_array(v)) for v in a[1:]]}
    if tgt is not None or up is not None:
        if up is None:
            Lc = len(specs)
            labels = [[(f"a^{{({Lc})}}_{{{k + 1}}}", f"t_{{{k + 1}}}") for k in range(len(a[-1]))]]
            res = losses.loss(loss, a[-1].reshape(1, -1), tgt.reshape(1, -1), d, labels=labels)
            steps.append(res.step)
            answer[Op.LOSS.value] = res.value
            up = res.grad[0]
        grads, back_steps, slopes = _backward(specs, a, z, up, d)
        steps.extend(back_steps)
        reg = {k: d.num(v) for k, v in (("l2", l2), ("l1", l1)) if v is not None}
        if reg:  # the penalty is part of the loss and of its gradients (ops.mlp.regularisation)
            from nnsteps.ops.mlp import regularisation as mlp_reg

            pen, pen_step = mlp_reg.penalty(specs, d, l2=reg.get("l2"), l1=reg.get("l1"), regularize_bias=regularize_bias)
            if Op.LOSS.value in answer:
                answer[Op.LOSS.value] = d.out(d.num(answer[Op.LOSS.value]) + pen)
            grads, reg_step = mlp_reg.add_gradients(grads, specs, d, l2=reg.get("l2"), l1=reg.get("l1"),
                                                    regularize_bias=regularize_bias)
            steps.extend([pen_step, reg_step])
        answer["grads"] = {"layers": [{"weights": d.out_array(gW).tolist(), "bias": d.out_array(gb).tolist(),
                                       **({PRELU_WEIGHT: d.out_array(ga).tolist()} if ga is not None else {})}
                                      for (gW, gb), ga in zip(grads, slopes)]}
        if lr is not None:
            used = grads
            if weight_decay is not None:
                from nnsteps.ops.mlp import regularisation as mlp_reg

                used, wd_step = mlp_reg.decayed(grads, specs, d, d.num(weight_decay), regularize_bias)
                steps.append(wd_step)
            upd, upd_step = _update(specs, used, lr, d, slopes)
            steps.append(upd_step)
            answer["updated"] = {"layers": upd}
    note = d.note()
    if note:
        steps[0].note = note
    return Worked(Op.MLP.value, value=answer, steps=steps, title="Dense network: forward pass and backpropagation",
                  answer=answer)


def _activation(value: Any, where: str) -> tuple[str, dict[str, Any]]:
    """A layer's activation: a name, or ``{name: {parameters}}`` (as a pipeline step).

    >>> _activation("ReLU", "a"), _activation({"leaky_relu": {"negative_slope": 0.1}}, "a")
    (('relu', {}), ('leaky_relu', {'negative_slope': 0.1}))
    """
    options: Any = {}
    if isinstance(value, dict) and len(value) == 1:
        (value, options), = value.items()
        options = options if options is not None else {}
        if not isinstance(options, dict):
            raise NnstepsError(f"expected {{{value}: {{parameters}}}}, got {options!r}", field=where)
    f = str(value).strip().lower()
    names = (*act.NAMES, *relu_family.OPTIONS)
    if f not in names:
        raise NnstepsError(f"expected activation one of {', '.join(names)}, got {f!r}", field=where,
                           hint=did_you_mean(f, names))
    if options and f in act.NAMES:
        raise NnstepsError(f"{f} takes no parameters, got {', '.join(map(str, options))}", field=where)
    return f, dict(options)


def _located(build: Any, where: str) -> Any:
    try:
        return build()
    except NnstepsError as err:
        raise err.located(field=where) from None


def _read(input: Any, layers: Any, target: Any, loss: str, learning_rate: Any, upstream: Any = None) -> Any:
    x = as_array(input, name="input", ndim=(1,))
    if not isinstance(layers, (list, tuple)) or not layers:
        raise NnstepsError("expected a non-empty list of layers {weights, bias, activation}", field="layers")
    loss = str(loss).strip().lower()
    if loss not in LOSSES:
        raise NnstepsError(f"expected loss one of {', '.join(LOSSES)}, got {loss!r}", field=Op.LOSS.value,
                           hint=did_you_mean(loss, LOSSES))
    raw: list[dict[str, Any]] = []
    n_in = x.shape[0]
    for i, layer in enumerate(layers):
        where = f"layers[{i}]"
        if not isinstance(layer, dict):
            raise NnstepsError(f"expected a mapping {{weights, bias, activation}}, got {type(layer).__name__}",
                               field=where)
        unknown = set(layer) - {"weights", "bias", "activation"}
        if unknown:
            raise NnstepsError(f"unknown key(s) {', '.join(sorted(map(str, unknown)))}; expected weights, bias, "
                               "activation", field=where)
        if "weights" not in layer:
            raise NnstepsError("every layer needs weights (out×in)", field=where)
        W = as_array(layer["weights"], name=f"{where}.weights", ndim=(1, 2))
        if W.ndim == 1:
            W = W.reshape(1, -1)
        if W.shape[1] != n_in:
            prev = "the input" if i == 0 else f"layers[{i - 1}].weights"
            raise NnstepsError(f"weights must be out×in with in = {n_in} to match {prev} ({n_in} values), "
                               f"got {W.shape[0]}×{W.shape[1]}", field=f"{where}.weights")
        b = None
        if layer.get("bias") is not None:
            b = as_array(layer["bias"], name=f"{where}.bias", ndim=(0, 1)).reshape(-1)
            if b.shape[0] != W.shape[0]:
                raise NnstepsError(f"bias must have {W.shape[0]} entries to match weights "
                                   f"({W.shape[0]}×{W.shape[1]}), got {b.shape[0]}", field=f"{where}.bias")
        f, options = _activation(layer.get("activation", "none"), f"{where}.activation")
        raw.append({"weights": W, "bias": b, "activation": f, "options": options})
        n_in = W.shape[0]
    tgt = None
    if target is not None:
        tgt = as_array(target, name="target", ndim=(0, 1)).reshape(-1)
        if tgt.shape[0] != n_in:
            raise NnstepsError(f"target must have {n_in} entries to match the last layer's output, "
                               f"got {tgt.shape[0]}", field="target")
    lr = read_learning_rate(learning_rate)
    arrays = [x] + [s["weights"] for s in raw] + [s["bias"] for s in raw if s["bias"] is not None]
    arrays += [tgt] if tgt is not None else []
    arrays += [as_array(s["options"]["weight"], name="weight") for s in raw if "weight" in s["options"]]
    g = None
    if upstream is not None:
        g = as_array(upstream, name="upstream", ndim=(0, 1)).reshape(-1)
        if g.shape[0] != n_in:
            raise NnstepsError(f"upstream must have {n_in} entries to match the last layer's output, "
                               f"got {g.shape[0]}", field="upstream")
        arrays.append(g)
    irrational = loss == "cross_entropy" or any(s["activation"] in IRRATIONAL for s in raw) or (
        g is not None and any(isinstance(v, Irrational) for v in g))
    small = sum(s["weights"].size for s in raw) <= 400
    gelu = any(s["activation"] == Op.GELU.value for s in raw)  # erf: float64 only, as the gelu kind
    d = FloatDomain() if gelu else Domain.choose(arrays, irrational=irrational, small=small)
    specs = [{"weights": d.array(s["weights"]), "bias": d.array(s["bias"]) if s["bias"] is not None else None,
              "activation": s["activation"], "fn": None if s["activation"] in act.NAMES else
              _located(lambda s=s: relu_family.pair(s["activation"], d, s["options"]), f"layers[{i}].activation"),
              "slope": d.array(as_array(s["options"].get("weight", relu_family.OPTIONS[PRELU]["weight"]),
                                        name="weight").reshape(-1)) if s["activation"] == PRELU else None}
             for i, s in enumerate(raw)]
    if lr is not None and not d.is_exact:
        lr = float(lr)
    return d.array(x), specs, d, (d.array(tgt) if tgt is not None else None), lr, (d.array(g) if g is not None else None)


def _apply(spec: dict[str, Any], d: Domain, z: Any, j: int) -> Any:
    """f(z) of unit j of a layer (the activation_grad forms for none/tanh/relu/sigmoid, else relu_family's)."""
    return act.apply(spec["activation"], d, z) if spec["fn"] is None else spec["fn"](z, j)[0]


def _deriv(spec: dict[str, Any], d: Domain, z: Any, h: Any, j: int) -> Any:
    """f'(z) of unit j, given h = f(z)."""
    return act.derivative(spec["activation"], d, z, h) if spec["fn"] is None else spec["fn"](z, j)[1]


def _sup(l: int) -> str:
    return f"^{{({l})}}"


def _sup_t(l: int) -> str:
    """A layer superscript with a transpose: ``^{(l)\\top}``."""
    return "^{(" + str(l) + r")\top}"


def _layer_step(l: int, W: np.ndarray, b: np.ndarray | None, f: str, prev: np.ndarray, zl: np.ndarray,
                al: np.ndarray, d: Domain) -> Step[Any]:
    children: list[Step[Any]] = []
    for j in range(min(len(zl), EXPLAIN)):
        sym = " + ".join(f"w{_sup(l)}_{{{j + 1}{i + 1}}} a{_sup(l - 1)}_{{{i + 1}}}" for i in range(len(prev)))
        num = " + ".join(rf"{op(d.out(W[j][i]))} \cdot {op(d.out(prev[i]))}" for i in range(len(prev)))
        if b is not None:
            sym += f" + b{_sup(l)}_{{{j + 1}}}"
            num += f" + {op(d.out(b[j]))}"
        zs, as_ = f"z{_sup(l)}_{{{j + 1}}}", f"a{_sup(l)}_{{{j + 1}}}"
        children.append(Step(f"Unit {j + 1}: weighted sum", formula=f"{zs} = {sym}", substituted=num,
                             result=d.out(zl[j])))
        if f != "none":
            children.append(Step(f"Unit {j + 1}: activation", formula=f"{as_} = {act.tex(f, zs)}",
                                 substituted=act.tex(f, op(d.out(zl[j]))), result=d.out(al[j])))
    rule = f"a{_sup(l)} = " + act.tex(f, f"W{_sup(l)} a{_sup(l - 1)}" + (f" + b{_sup(l)}" if b is not None else ""))
    return Step(f"Layer {l}: forward", formula=rule, result=d.out_array(al), steps=children,
                note=f"units {EXPLAIN + 1} to {len(zl)} follow the same rule" if len(zl) > EXPLAIN else None)


def _grouped(terms: str) -> str:
    """A sum in parentheses before a product; one number as it is (a negative one is already in them)."""
    return f"({terms})" if " + " in terms else terms


def _backward(specs: list[dict[str, Any]], a: list[np.ndarray], z: list[np.ndarray], g: np.ndarray,
              d: Domain) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[Step[Any]], list[np.ndarray | None]]:
    Lc = len(specs)
    slopes: list[np.ndarray | None] = [None] * Lc
    deltas: list[np.ndarray] = [np.empty(0)] * (Lc + 1)
    steps: list[Step[Any]] = []
    upstream = g  # ∂ℓ/∂a^(l)
    up_sym: list[str] = [rf"\frac{{\partial \ell}}{{\partial a{_sup(Lc)}_{{{k + 1}}}}}" for k in range(len(g))]
    up_num: list[str] = [op(d.out(v)) for v in g]
    for l in range(Lc, 0, -1):
        spec = specs[l - 1]
        f = spec["activation"]
        fprime = [_deriv(spec, d, z[l - 1][j], a[l][j], j) for j in range(len(upstream))]
        dl = np.array([upstream[j] * fprime[j] for j in range(len(upstream))],
                      dtype=object if d.is_exact else np.float64)
        if f == PRELU:  # ∂ℓ/∂a_j = Σ over the units of the slope a_j of z (z ≤ 0) times ∂ℓ/∂h
            slopes[l - 1] = _prelu_grad(spec, z[l - 1], upstream, d, l, steps)
        deltas[l] = dl
        children: list[Step[Any]] = []
        for j in range(min(len(dl), EXPLAIN)):
            hs, zs = f"a{_sup(l)}_{{{j + 1}}}", f"z{_sup(l)}_{{{j + 1}}}"
            fd = act.deriv_tex(f, hs, zs)
            fd_num = act.deriv_sub(f, d, d.out(z[l - 1][j]), d.out(a[l][j])) if spec["fn"] is None else \
                op(d.out(fprime[j]))
            children.append(Step(
                f"δ of layer {l}, unit {j + 1}",
                formula=rf"\delta{_sup(l)}_{{{j + 1}}} = \left({up_sym[j]}\right) " + ("" if f == "none" else fd),
                substituted=rf"{_grouped(up_num[j])} \cdot {fd_num}", result=d.out(dl[j]),
            ))
        rule = (r"\delta^{(L)} = \frac{\partial \ell}{\partial a^{(L)}} \odot f'(z^{(L)})" if l == Lc else
                rf"\delta{_sup(l)} = \left(W{_sup_t(l + 1)}\delta{_sup(l + 1)}\right) \odot f'(z{_sup(l)})")
        steps.append(Step(f"Layer {l}: δ", formula=rule, result=d.out_array(dl), steps=children))
        if l > 1:
            W = specs[l - 1]["weights"]
            upstream = W.T.dot(dl)
            up_sym = [" + ".join(rf"w{_sup(l)}_{{{k + 1}{i + 1}}} \delta{_sup(l)}_{{{k + 1}}}" for k in range(len(dl)))
                      for i in range(W.shape[1])]
            up_num = [" + ".join(rf"{op(d.out(W[k][i]))} \cdot {op(d.out(dl[k]))}" for k in range(len(dl)))
                      for i in range(W.shape[1])]
    grads: list[tuple[np.ndarray, np.ndarray]] = []
    grad_steps: list[Step[Any]] = []
    for l in range(1, Lc + 1):
        dl, prev = deltas[l], a[l - 1]
        gW = np.outer(dl, prev)
        gb = dl.copy()
        grads.append((gW, gb))
        children = []
        for (j, i), v in np.ndenumerate(gW):
            if len(children) >= EXPLAIN * 4:
                break
            children.append(Step(
                f"∂ℓ/∂w{j + 1}{i + 1} of layer {l}",
                formula=rf"\frac{{\partial \ell}}{{\partial w{_sup(l)}_{{{j + 1}{i + 1}}}}} = \delta{_sup(l)}_{{{j + 1}}}"
                        rf" a{_sup(l - 1)}_{{{i + 1}}}",
                substituted=rf"{op(d.out(dl[j]))} \cdot {op(d.out(prev[i]))}", result=d.out(v),
            ))
        grad_steps.append(Step(f"Layer {l}: gradients",
                               formula=rf"\frac{{\partial \ell}}{{\partial W{_sup(l)}}} = \delta{_sup(l)} "
                                       rf"a{_sup_t(l - 1)}, \quad \frac{{\partial \ell}}{{\partial b{_sup(l)}}} = "
                                       rf"\delta{_sup(l)}",
                               result={"W": d.out_array(gW), "b": d.out_array(gb)}, steps=children))
    return grads, steps + grad_steps, slopes


def _prelu_grad(spec: dict[str, Any], zl: np.ndarray, upstream: np.ndarray, d: Domain, l: int,
                steps: list[Step[Any]]) -> np.ndarray:
    n = spec["slope"].size
    sums = [d.num(0) for _ in range(n)]
    shown: list[str] = []
    for j, v in enumerate(zl):
        if not d.positive(v):
            k = j if n > 1 else 0
            sums[k] = sums[k] + v * upstream[j]
            if k == 0:
                shown.append(rf"{op(d.out(v))} \cdot {op(d.out(upstream[j]))}")
    out = np.array(sums, dtype=object if d.is_exact else np.float64)
    steps.append(Step(f"Layer {l}: gradient of the PReLU weight",
                      formula=r"\frac{\partial \ell}{\partial a} = \sum_{z_j \le 0} z_j \frac{\partial \ell}{\partial h_j}",
                      substituted=" + ".join(shown) or "0", result=d.out(out[0])))
    return out


def _update(specs: list[dict[str, Any]], grads: list[tuple[np.ndarray, np.ndarray]], lr: Any,
            d: Domain, slopes: list[Any]) -> tuple[list[dict[str, Any]], Step[Any]]:
    eta = d.rate(lr)
    out: list[dict[str, Any]] = []
    children: list[Step[Any]] = []
    for l, (spec, (gW, gb)) in enumerate(zip(specs, grads), start=1):
        W, b = spec["weights"], spec["bias"]
        newW = W - eta * gW
        entry_steps: list[Step[Any]] = []
        for (j, i), v in np.ndenumerate(newW):
            if len(entry_steps) >= EXPLAIN * 4:
                break
            w = f"w{_sup(l)}_{{{j + 1}{i + 1}}}"
            entry_steps.append(Step(
                f"Update w{j + 1}{i + 1} of layer {l}", formula=rf"{w} - \eta \frac{{\partial \ell}}{{\partial {w}}}",
                substituted=rf"{op(d.out(W[j][i]))} - {op(lr)} \cdot {op(d.out(gW[j][i]))}", result=d.out(v),
            ))
        layer: dict[str, Any] = {"weights": d.out_array(newW).tolist()}
        if b is not None:
            newb = b - eta * gb
            for j, v in enumerate(newb):
                bs = f"b{_sup(l)}_{{{j + 1}}}"
                entry_steps.append(Step(
                    f"Update b{j + 1} of layer {l}", formula=rf"{bs} - \eta \frac{{\partial \ell}}{{\partial {bs}}}",
                    substituted=rf"{op(d.out(b[j]))} - {op(lr)} \cdot {op(d.out(gb[j]))}", result=d.out(v),
                ))
            layer["bias"] = d.out_array(newb).tolist()
        else:
            layer["bias"] = None
        if slopes[l - 1] is not None:  # PReLU's learned slope (no l2, l1 or weight decay: it is not a weight)
            a = spec["slope"]
            newa = a - eta * slopes[l - 1]
            entry_steps.append(Step(f"Update the PReLU weight of layer {l}", formula=r"a - \eta \frac{\partial \ell}{\partial a}",
                                    substituted=rf"{op(d.out(a[0]))} - {op(lr)} \cdot {op(d.out(slopes[l - 1][0]))}",
                                    result=d.out(newa[0])))
            layer[PRELU_WEIGHT] = d.out_array(newa).tolist()
        out.append(layer)
        children.append(Step(f"Layer {l}: update", formula=rf"W{_sup(l)} - \eta \frac{{\partial \ell}}{{\partial W{_sup(l)}}}",
                             result=d.out_array(newW), steps=entry_steps))
    return out, Step("Gradient-descent update", formula=r"w^{\text{new}} = w - \eta \frac{\partial \ell}{\partial w}",
                     steps=children, data={"learning_rate": lr})
