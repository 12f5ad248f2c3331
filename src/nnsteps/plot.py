"""Drawing a worked result with matplotlib (the optional ``plot`` extra): feature maps as annotated
heat maps, one panel per channel, and attention weights (any 2-D array inside a dict result).

The numbers drawn are the result's own values; nothing is recomputed here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.work import Worked

MAX_PANELS = 16
"""Channels or named arrays drawn at most; the rest are left out (the title says so)."""

MAX_ANNOTATED = 400
"""Cells written into the heat map as numbers, at most per panel."""


def plot(worked: Worked | Any, *, title: str | None = None, annotate: bool = True) -> Any:
    """A matplotlib ``Figure`` of a result: a heat map per 2-D map (channel or named array).

    >>> import matplotlib; matplotlib.use("Agg")
    >>> from nnsteps.work import Worked
    >>> fig = plot(Worked("conv2d", value=np.array([[7, 8], [8, 8]], dtype=object)))
    >>> len(fig.axes) >= 1, fig.axes[0].get_title()
    (True, 'conv2d')
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the environment
        raise NnstepsError("plotting needs matplotlib", hint="pip install 'nnsteps[plot]'") from None

    panels = _panels(worked)
    if not panels:
        raise NnstepsError("this result has no array to draw (expected a 2-D or 3-D array, or a dict holding one)")
    shown = panels[:MAX_PANELS]
    cols = min(4, len(shown))
    rows = -(-len(shown) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.0 * rows), squeeze=False)
    for ax, (name, arr) in zip(axes.flat, shown):
        _heatmap(ax, name, arr, annotate)
    for ax in list(axes.flat)[len(shown):]:
        ax.axis("off")
    head = title or (worked.title if isinstance(worked, Worked) else None)
    if head or len(panels) > len(shown):
        extra = f" (first {len(shown)} of {len(panels)} maps)" if len(panels) > len(shown) else ""
        fig.suptitle((head or "") + extra)
    fig.tight_layout()
    return fig


def _panels(worked: Any) -> list[tuple[str, np.ndarray]]:
    """(name, 2-D float array) pairs to draw."""
    kind = worked.kind if isinstance(worked, Worked) else "value"
    value = worked.value if isinstance(worked, Worked) else worked
    if isinstance(value, dict):
        out: list[tuple[str, np.ndarray]] = []
        for key, v in value.items():
            out += [(f"{key}" + (f" {n}" if n else ""), a) for n, a in _maps(v)]
        return out
    return [(kind + (f" {n}" if n else ""), a) for n, a in _maps(value)]


def _maps(value: Any) -> list[tuple[str, np.ndarray]]:
    if isinstance(value, Worked):
        value = value.value
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return []
    if arr.ndim == 1:
        return [("", arr.reshape(1, -1))]
    if arr.ndim == 2:
        return [("", arr)]
    if arr.ndim == 3:
        return [(f"channel {c}", arr[c]) for c in range(arr.shape[0])]
    if arr.ndim == 4:
        return [(f"sample {n} channel {c}", arr[n, c]) for n in range(arr.shape[0]) for c in range(arr.shape[1])]
    return []


def _heatmap(ax: Any, name: str, arr: np.ndarray, annotate: bool) -> None:
    im = ax.imshow(arr, cmap="viridis", interpolation="nearest")
    ax.set_title(name)
    ax.set_xticks(range(arr.shape[1]) if arr.shape[1] <= 20 else [])
    ax.set_yticks(range(arr.shape[0]) if arr.shape[0] <= 20 else [])
    if annotate and arr.size <= MAX_ANNOTATED:
        lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
        mid = (lo + hi) / 2
        for (i, j), v in np.ndenumerate(arr):
            ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=8, color="black" if v > mid else "white")
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
