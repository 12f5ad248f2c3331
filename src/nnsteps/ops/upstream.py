"""What every backward pass from an upstream gradient shares: reading ∂L/∂Y (the output's shape,
named when it is not), and the answer ``{"output", "grads"}`` in which its gradients are handed out.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError


def read_upstream(upstream: Any, shape: tuple[int, ...], what: str = "output") -> np.ndarray:
    """∂L/∂Y as an array of the output's shape (a vector or grid typed flat may stand for a batch of one).

    >>> read_upstream("1 -1; 2 0", (2, 2)).tolist()
    [[1, -1], [2, 0]]
    >>> read_upstream([1, 2, 3], (2, 2))
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field upstream: expected the output's shape (2, 2) (∂L/∂Y), got shape (3,)
    """
    g = as_array(upstream, name="upstream")
    if g.shape != shape:
        if g.size == int(np.prod(shape)) and tuple(s for s in g.shape if s != 1) == tuple(s for s in shape if s != 1):
            return g.reshape(shape)  # [[1, 2]] for a (2,) output, or a grid for its 1×1×H×W form
        raise NnstepsError(f"expected the {what}'s shape {shape} (∂L/∂Y), got shape {g.shape}", field="upstream")
    return g


def sum_to(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a gradient over the axes a parameter was broadcast along (a bias over rows, a per-channel weight).

    >>> sum_to(np.array([[1, 2], [3, 4]], dtype=object), (2,)).tolist()
    [4, 6]
    """
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def with_grads(forward: Any, grads: dict[str, Any], steps: list[Any], stacks: dict[str, Any] | None = None) -> Any:
    """The forward ``Worked`` answered as ``{"output", "grads"}``, its backward steps appended.

    >>> from nnsteps.work import Worked
    >>> with_grads(Worked("relu", value=np.array([0, 2])), {"input": [0, 1]}, []).answer
    {'output': [0, 2], 'grads': {'input': [0, 1]}}
    """
    from nnsteps.work import Worked

    answer = {"output": np.asarray(forward.value).tolist(), "grads": grads}
    return Worked(forward.kind, value=answer, steps=[*forward.steps, *steps], title=forward.title, answer=answer,
                  meta=forward.meta, stacks={**forward.stacks, **(stacks or {})})


def plain_input(x: Any) -> Any:
    """A stage's input as an array: an earlier stage's result is its value."""
    from nnsteps.work import Worked

    return x.value if isinstance(x, Worked) else x
