"""Wrong conventions an op can be told to follow, so that a likely mistake's answer comes from the same
code as the key.

Some mistakes are not a different problem (a padding dropped, a flag toggled) but a different step
inside the same computation: the kernel not rotated in ∂L/∂X, the upstream not dilated by the stride,
the gradient of a tied maximum routed elsewhere, the sample variance used for normalising, y − p
instead of p − y. The op that owns each step reads its convention here; only grading ever sets one
(:func:`following`, from a kind record's ``mistakes`` via :func:`nnsteps.grading.mutations.convention`),
for the duration of one re-solve. A problem file cannot: the conventions are no field of any kind.

>>> convention("flip_kernel_in_dx")
True
>>> with following({"flip_kernel_in_dx": False}):
...     convention("flip_kernel_in_dx")
False
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from nnsteps.errors import NnstepsError

DEFAULTS: dict[str, Any] = {
    "flip_kernel_in_dx": True,     # conv2d ∂L/∂X: correlate with the kernel rotated by 180°
    "dilate_upstream": True,       # conv2d ∂L/∂X: S − 1 zeros between the upstream's entries
    "max_tie": "first",            # max pooling: a tie's gradient goes to the first maximum (or last, all)
    "normalise_variance": "biased",  # batch norm: σ² divided by n for normalising (or unbiased, n − 1)
    "running_variance": "unbiased",  # batch norm: the running variance takes σ² n/(n − 1) (or biased)
    "p_minus_y": True,             # softmax/sigmoid cross-entropy: ∂ℓ/∂z = p − y (False: y − p)
    "auc_tie": "half",             # ROC-AUC: a tied positive and negative count half a win (or win, miss)
    "ap_rule": "step",             # average precision: Σ (R_n − R_{n−1}) P_n (or trapezoid)
    "hinge_skip_true": True,       # multiclass hinge: the sum runs over j ≠ y (False: j = y adds Δ too)
    "hinge_labels_signed": True,   # binary hinge: 0/1 labels read as −1/1, as Keras (False: used as they are)
}
"""Every convention with PyTorch's (the right) value."""

_ACTIVE: ContextVar[Mapping[str, Any] | None] = ContextVar("nnsteps_convention", default=None)


def convention(name: str) -> Any:
    """The value of one convention now: PyTorch's unless grading is re-solving under a wrong one."""
    return (_ACTIVE.get() or {}).get(name, DEFAULTS[name])


@contextmanager
def following(conventions: Mapping[str, Any]) -> Iterator[None]:
    """Run the ops inside under ``conventions`` (each a key of :data:`DEFAULTS`)."""
    unknown = sorted(set(conventions) - set(DEFAULTS))
    if unknown:
        raise NnstepsError(f"unknown convention(s) {', '.join(unknown)}; expected one of {', '.join(DEFAULTS)}")
    token = _ACTIVE.set({**(_ACTIVE.get() or {}), **conventions})
    try:
        yield
    finally:
        _ACTIVE.reset(token)
