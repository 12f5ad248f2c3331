"""Rosenblatt's perceptron rule, example by example in the given order, exactly.

``binary`` labels (0/1): ŷ = 1 when z ≥ 0, else 0; w ← w + η(y − ŷ)x, b ← b + η(y − ŷ).
``sign`` labels (±1): ŷ = +1 when z ≥ 0, else −1; on a mistake w ← w + η·y·x, b ← b + η·y.
``strict``: the unit fires only when z > 0 (z = 0 predicts 0 or −1), as courses that write step(z > 0).
Training stops after ``epochs`` epochs, or after the first epoch with no update (that clean epoch counts).
"""

from __future__ import annotations

from typing import Any

from nnsteps.numbers import Number, to_latex_operand
from nnsteps.work import Step, Worked


def _vec(v: list[Any]) -> str:
    return r"\left(" + ", ".join(to_latex_operand(x) for x in v) + r"\right)"


def perceptron(X: list[list[Number]], y: list[Number], w: list[Number], b: Number, lr: Number = 1,
               epochs: int = 10, labels: str = "binary", kind: str = "", strict: bool = False) -> Worked:
    """Train a perceptron; every example's z, prediction and update.

    >>> w = perceptron([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, 0, 1], [0, 0], 0, 1, 10)
    >>> {k: w.answer[k] for k in ("w", "b", "epochs", "converged")}
    {'w': [2, 1], 'b': -3, 'epochs': 6, 'converged': True}
    >>> w = perceptron([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, 0, 1], [0, 0], 0, 1, 10, strict=True)
    >>> {k: w.answer[k] for k in ("w", "b", "epochs", "converged")}
    {'w': [2, 1], 'b': -2, 'epochs': 6, 'converged': True}
    """
    low = 0 if labels == "binary" else -1
    w, updates, steps = list(w), [], []
    converged, done = False, 0
    for epoch in range(1, epochs + 1):
        step: Step[Any] = Step(f"Epoch {epoch}")
        changed = False
        for i, (x, t) in enumerate(zip(X, y)):
            products = [wi * xi for wi, xi in zip(w, x)]
            z = sum(products, start=b)
            y_hat = 1 if (z > 0 if strict else z >= 0) else low
            terms = " + ".join(f"{to_latex_operand(wi)} \\cdot {to_latex_operand(xi)}" for wi, xi in zip(w, x))
            row = Step(f"Example {i + 1}: x = ({', '.join(map(str, x))}), y = {t}",
                       formula=r"z = w \cdot x + b", substituted=f"{terms} + {to_latex_operand(b)}", result=z)
            fires = ">" if strict else r"\ge"
            row.steps.append(Step("Prediction", formula=rf"\hat{{y}} = 1 \text{{ if }} z {fires} 0 \text{{ else }} {low}",
                                  result=y_hat))
            factor = lr * (t - y_hat) if labels == "binary" else (lr * t if y_hat != t else 0)
            if factor != 0:
                changed = True
                new_w = [wi + factor * xi for wi, xi in zip(w, x)]
                # written out per target: replacing "w" in one template would rewrite \leftarrow too
                step_of = r"\eta (y - \hat{y})" if labels == "binary" else r"\eta y"
                coeff = (f"{to_latex_operand(lr)} \\cdot ({to_latex_operand(t)} - {to_latex_operand(y_hat)})"
                         if labels == "binary" else f"{to_latex_operand(lr)} \\cdot {to_latex_operand(t)}")
                for j, (wi, xi) in enumerate(zip(w, x)):
                    row.steps.append(Step(f"Update w_{j + 1}", formula=rf"w_{{{j + 1}}} \leftarrow w_{{{j + 1}}} + {step_of} x_{{{j + 1}}}",
                                          substituted=f"{to_latex_operand(wi)} + {coeff} \\cdot {to_latex_operand(xi)}",
                                          result=new_w[j]))
                new_b = b + factor
                row.steps.append(Step("Update b", formula=rf"b \leftarrow b + {step_of}",
                                      substituted=f"{to_latex_operand(b)} + {coeff}", result=new_b))
                w, b = new_w, new_b
            else:
                row.note = "correct: no update"
            updates.append({"x": list(x), "y": t, "z": z, "y_hat": y_hat, "w": list(w), "b": b})
            step.steps.append(row)
        done = epoch
        step.result = {"w": list(w), "b": b}
        steps.append(step)
        if not changed:
            converged = True
            step.note = "no update in this epoch: converged"
            break
    boundary = " + ".join(f"{to_latex_operand(wi)} x_{{{j + 1}}}" for j, wi in enumerate(w))
    steps.append(Step("Decision boundary", formula=r"w \cdot x + b = 0",
                      substituted=f"{boundary} + {to_latex_operand(b)} = 0", result={"w": w, "b": b}))
    answer = {"w": w, "b": b, "epochs": done, "converged": converged, "updates": updates}
    return Worked(kind, value=answer, steps=steps, title="Perceptron learning rule", answer=answer,
                  meta={"vec": _vec(w)})
