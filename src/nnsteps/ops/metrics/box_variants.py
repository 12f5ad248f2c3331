"""Generalized, Distance and Complete IoU of two boxes and their losses, as torchvision defines them
(``generalized_box_iou``, ``distance_box_iou``, ``complete_box_iou`` in ``torchvision/ops/metrics/boxes.py``;
``generalized_box_iou_loss``, ``distance_box_iou_loss``, ``complete_box_iou_loss``), eps where torchvision
puts it:

- GIoU = I/U − (C − U)/C, C the enclosing box's area (no eps); its loss 1 − [I/(U + ε) − (C − U)/(C + ε)].
- DIoU = I/U − ρ²/(c² + ε), ρ the distance of the centres, c the enclosing box's diagonal; its loss
  1 − I/(U + ε) + ρ²/(c² + ε).
- CIoU = DIoU − αv, v = 4/π² (arctan(w_B/h_B) − arctan(w_A/h_A))², α = v/(1 − IoU + v + ε); its loss is
  DIoU's loss + αv, where torchvision's DIoU part always uses its default ε = 1e-7 (the ε given reaches α only).

Exact for exact boxes except v (arctan), which is carried as a float with its exact form.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.irrational import Real
from nnsteps.numbers import normalize
from nnsteps.numbers import to_latex_operand as op
from nnsteps.ops.metrics.boxes import _iou, box
from nnsteps.work import Step, Worked

EPS = Fraction(1, 10**7)
"""torchvision's default eps."""
TITLES = {"giou": "Generalized IoU", "diou": "Distance IoU", "ciou": "Complete IoU"}


def _out(x: Any) -> Any:
    if isinstance(x, Real):
        return x.value()
    return normalize(Fraction(x)) if isinstance(x, (int, Fraction)) else x


def iou_variant(box_a: Any, box_b: Any, variant: str, *, loss: bool = False, eps: Any = EPS,
                plus_one: bool = False, squared: bool = True, aspect: bool = True, kind: str) -> Worked:
    """GIoU, DIoU or CIoU of two boxes (or, ``loss``, torchvision's loss), worked; the answer names the
    enclosing box, the centre distance, the diagonal, v and α where the variant uses them. ``squared=False``
    (ρ/c, not squared) and ``aspect=False`` (CIoU without αv) are named mistakes; the plain IoU is answered
    under ``kind``.

    >>> w = iou_variant([0, 0, 2, 2], [1, 1, 3, 3], "giou", kind="iou")
    >>> w.answer["enclosing_area"], w.answer["giou"]
    (9, Fraction(-5, 63))
    >>> w = iou_variant([0, 0, 2, 2], [1, 1, 3, 3], "diou", eps=0, kind="iou")
    >>> w.answer["center_distance_squared"], w.answer["diagonal_squared"], w.answer["diou"]
    (2, 18, Fraction(2, 63))
    """
    if variant not in TITLES:
        raise NnstepsError(f"expected a variant among {', '.join(TITLES)}, got {variant!r}", field="variant")
    a, b = box(box_a, "box_a"), box(box_b, "box_b")
    one = 1 if plus_one else 0
    (inter, union, plain), steps = _iou(a, b, one, "A", "B")
    answer: dict[str, Any] = {"intersection": inter, "union": union}
    eps = Fraction(eps)
    # complete_box_iou_loss calls its DIoU part with torchvision's default ε whatever ε it is given
    d_eps = EPS if variant == "ciou" and loss else eps
    iou: Any = plain
    if loss:  # torchvision's losses divide by U + ε
        iou = _out(Fraction(inter) / (Fraction(union) + d_eps))
        steps[-1] = Step("IoU", formula=r"\frac{I}{U + \varepsilon}", substituted=rf"\frac{{{op(inter)}}}{{{op(union)} + "
                         rf"{op(d_eps)}}}", result=iou, note="the loss's IoU: ε in the denominator (torchvision)"
                         + ("; the CIoU loss's DIoU part has torchvision's default ε = 1e-7" if d_eps != eps else ""))
    answer[kind] = iou  # the plain IoU is named after the kind that asks for it (the kind module spells it)
    ex = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
    cw, ch = ex[2] - ex[0] + one, ex[3] - ex[1] + one
    steps.append(Step("Enclosing box", formula=r"(\min x_1, \min y_1, \max x_2, \max y_2)", result=[_out(v) for v in ex],
                      note=f"width {op(cw)}, height {op(ch)}: the smallest box holding A and B"))
    if variant == "giou":
        value = _giou(inter, union, cw * ch, iou, loss, eps, steps, answer)
    else:
        value = _diou(a, b, cw, ch, iou, d_eps, squared, steps, answer)
        if variant == "ciou":
            value = _ciou(a, b, one, iou, value, eps, aspect, steps, answer)
    answer[variant] = _out(value)
    if loss:
        answer[f"{variant}_loss"] = _out(1 - Real.of(value))
        steps.append(Step("Loss", formula=rf"1 - \text{{{variant.upper()}}}", substituted=rf"1 - {op(answer[variant])}",
                          result=answer[f"{variant}_loss"], note=f"torchvision's {TITLES[variant].lower().replace(' ', '_')}"
                          "_loss form"))
    return Worked(f"box_{variant}", value=answer, steps=steps, title=TITLES[variant] + (" loss" if loss else ""),
                  answer=answer)


def _giou(inter: Any, union: Any, area_c: Any, iou: Any, loss: bool, eps: Fraction, steps: list[Step[Any]],
          answer: dict[str, Any]) -> Any:
    area_c = _out(area_c)
    answer["enclosing_area"] = area_c
    steps.append(Step("Enclosing area C", formula=r"w_C h_C", result=area_c))
    den = Fraction(area_c) + (eps if loss else 0)
    if den == 0:
        raise NnstepsError("expected boxes whose enclosing box has a positive area (GIoU divides by it)", field="box_a")
    value = Fraction(iou) - (Fraction(area_c) - Fraction(union)) / den
    tail = rf" + {op(eps)}" if loss else ""
    steps.append(Step("GIoU", formula=r"\text{IoU} - \frac{C - U}{C" + (r" + \varepsilon" if loss else "") + "}",
                      substituted=rf"{op(iou)} - \frac{{{op(area_c)} - {op(union)}}}{{{op(area_c)}{tail}}}",
                      result=_out(value), note="the share of the enclosing box outside the union, subtracted"))
    return value


def _center(b: list[Any]) -> tuple[Fraction, Fraction]:
    return Fraction(b[0] + b[2]) / 2, Fraction(b[1] + b[3]) / 2


def _diou(a: list[Any], b: list[Any], cw: Any, ch: Any, iou: Any, eps: Fraction, squared: bool,
          steps: list[Step[Any]], answer: dict[str, Any]) -> Any:
    (xa, ya), (xb, yb) = _center(a), _center(b)
    rho2 = (xa - xb) ** 2 + (ya - yb) ** 2
    diag2 = Fraction(cw) ** 2 + Fraction(ch) ** 2
    answer["center_distance_squared"], answer["diagonal_squared"] = _out(rho2), _out(diag2)
    steps.append(Step("Centre distance ρ²", formula=r"(x_A - x_B)^2 + (y_A - y_B)^2",
                      substituted=rf"({op(_out(xa))} - {op(_out(xb))})^{{2}} + ({op(_out(ya))} - {op(_out(yb))})^{{2}}",
                      result=_out(rho2), note=f"centres ({op(_out(xa))}, {op(_out(ya))}) and ({op(_out(xb))}, "
                      f"{op(_out(yb))}): each box's (x₁ + x₂)/2, (y₁ + y₂)/2"))
    steps.append(Step("Enclosing diagonal c²", formula=r"w_C^2 + h_C^2", substituted=rf"{op(cw)}^{{2}} + {op(ch)}^{{2}}",
                      result=_out(diag2)))
    if diag2 + eps == 0:
        raise NnstepsError("expected boxes whose enclosing box has a diagonal (DIoU divides by it)", field="box_a")
    penalty: Any = rho2 / (diag2 + eps)
    sub = rf"\frac{{{op(_out(rho2))}}}{{{op(_out(diag2))} + {op(eps)}}}"
    if not squared:  # the named mistake: ρ/c, the distances themselves
        penalty = (Real.of(penalty)).apply("sqrt")
        sub = rf"\sqrt{{{sub}}}"
    value = Real.of(iou) - Real.of(penalty)
    steps.append(Step("DIoU", formula=r"\text{IoU} - \frac{\rho^2}{c^2 + \varepsilon}",
                      substituted=rf"{op(iou)} - {sub}", result=_out(value),
                      note="the centre distance, relative to the enclosing diagonal, subtracted"
                      + ("" if squared else " (not squared: the named mistake)")))
    return value


def _ciou(a: list[Any], b: list[Any], one: int, iou: Any, diou: Any, eps: Fraction, aspect: bool,
          steps: list[Step[Any]], answer: dict[str, Any]) -> Any:
    wa, ha, wb, hb = a[2] - a[0] + one, a[3] - a[1] + one, b[2] - b[0] + one, b[3] - b[1] + one
    if ha == 0 or hb == 0:
        raise NnstepsError("expected boxes of positive height (CIoU's v takes arctan(w/h))", field="box_a" if ha == 0
                           else "box_b")
    pi = Real.of(1).apply("atan") * 4
    diff = Real.of(Fraction(wb) / Fraction(hb)).apply("atan") - Real.of(Fraction(wa) / Fraction(ha)).apply("atan")
    v = Real.of(4) / (pi * pi) * (diff * diff)
    answer["v"] = _out(v)
    steps.append(Step("Aspect term v", formula=r"\frac{4}{\pi^2}\left(\arctan\frac{w_B}{h_B} - \arctan\frac{w_A}{h_A}"
                      r"\right)^2", substituted=rf"\frac{{4}}{{\pi^2}}\left(\arctan {op(_out(Fraction(wb) / Fraction(hb)))}"
                      rf" - \arctan {op(_out(Fraction(wa) / Fraction(ha)))}\right)^2", result=answer["v"]))
    alpha = v / (1 - Real.of(iou) + v + Real.of(eps))
    answer["alpha"] = _out(alpha)
    steps.append(Step("Weight α", formula=r"\frac{v}{1 - \text{IoU} + v + \varepsilon}",
                      substituted=rf"\frac{{{op(answer['v'])}}}{{1 - {op(iou)} + {op(answer['v'])} + {op(eps)}}}",
                      result=answer["alpha"], note="α is a constant in the gradient (torch.no_grad)"))
    if not aspect:  # the named mistake: CIoU without the aspect term
        return diou
    value = Real.of(diou) - alpha * v
    steps.append(Step("CIoU", formula=r"\text{DIoU} - \alpha v", substituted=rf"{op(_out(diou))} - {op(answer['alpha'])} "
                      rf"\cdot {op(answer['v'])}", result=_out(value)))
    return value
