"""The ``optimizer`` kind's parameters and given state: how a problem's ``params``, each step's ``grads`` and a
given optimiser ``state`` (CS231n's tests start from one) are laid out as flat symbols and read back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.numbers import parse_number
from nnsteps.ops.optim.updates import state_names
from nnsteps.problems import fields as F
from nnsteps.problems.params import Params


def _leaf(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise NnstepsError(f"expected a number, got {value!r}")
    return parse_number(value)


class Layout:
    """The user's parameter structure: flat symbol names, and how to put flat values back into shape."""

    def __init__(self, params: Any) -> None:
        self.named = isinstance(params, dict)
        parts = params.items() if isinstance(params, dict) else [("w", params)]
        self.parts: list[tuple[str, tuple[int, ...]]] = []
        self.names: list[str] = []
        self.values: list[Any] = []
        for name, value in parts:
            flat, shape = self.flatten(value, str(name))
            self.parts.append((str(name), shape))
            self.names += [str(name)] if not shape else [f"{name}_{i + 1}" for i in range(len(flat))]
            self.values += flat

    @staticmethod
    def flatten(value: Any, name: str) -> tuple[list[Any], tuple[int, ...]]:
        arr = np.array(value, dtype=object)
        if arr.size == 0 or any(isinstance(x, (list, dict)) for x in arr.ravel()):
            raise NnstepsError(f"expected {name} a number or a rectangular array of numbers, got {value!r}")
        return [_leaf(x) for x in arr.ravel()], arr.shape

    def grads(self, g: Any, step: int) -> list[Any]:
        """One step's gradient, checked against the parameters' structure."""
        where = f"grads[{step}]"
        if self.named:
            if not isinstance(g, dict) or set(g) != {p for p, _ in self.parts}:
                raise NnstepsError(f"{where}: expected the names {[p for p, _ in self.parts]}, got {g!r}")
            items = [g[p] for p, _ in self.parts]
        else:
            items = [g]
        flat: list[Any] = []
        for (name, shape), value in zip(self.parts, items):
            f, s = self.flatten(value, name)
            if s != shape:
                raise NnstepsError(f"{where}: {name} has shape {list(shape)}, got a gradient of shape {list(s)}")
            flat += f
        return flat

    def shape(self, flat: list[Any]) -> Any:
        """Flat values back in the user's structure."""
        out: dict[str, Any] = {}
        i = 0
        for name, shape in self.parts:
            size = int(np.prod(shape)) if shape else 1
            chunk = flat[i:i + size]
            i += size
            out[name] = chunk[0] if not shape else np.array(chunk, dtype=object).reshape(shape).tolist()
        return out if self.named else out["w"]


def state_mapping(value: Any) -> dict[str, Any]:
    """The ``state`` field: a mapping of state names (nnsteps' or torch's) to values, checked later per method.

    >>> state_mapping({"m": [0.1], "t": 3})
    {'m': [0.1], 't': 3}
    """
    if not isinstance(value, dict):
        raise NnstepsError(f"expected a mapping of state names to values such as {{m: [0.1], v: [0.01], t: 3}}, "
                           f"got {value!r}")
    return value


TORCH_STATE = {"momentum_buffer": "b", "square_avg": "v", "grad_avg": "g_avg", "exp_avg": "m", "exp_avg_sq": "v",
               "max_exp_avg_sq": "v_max", "step": "t"}
STEP_COUNTED = ("adagrad", "rmsprop", "adam", "adamw")  # the methods whose torch state has a step count


def given_state(p: Params, layout: Layout, method: str, o: dict[str, Any]) -> tuple[dict[str, list[Any]], int]:
    """The given state, flat by state name (torch's names read too), and the updates already taken.

    >>> from nnsteps.problems.registry import find_kind
    >>> p = find_kind("optimizer").parse({"id": "o", "method": "adam", "params": [1, 2], "grads": [[0, 0]],
    ...                                    "state": {"exp_avg": [1, 2], "step": 3}})
    >>> given_state(p, p.params, "adam", {"betas": (0.9, 0.999), "amsgrad": False})
    ({'m': [1, 2]}, 3)
    """
    given = p.state if p.has("state") else {}
    names = [n for n in state_names(method, o) if n not in ("m_hat", "v_hat")]
    names += ["t"] if method in STEP_COUNTED else []
    start: dict[str, list[Any]] = {}
    t0, seen = 0, set()
    for key, value in given.items():
        name = TORCH_STATE.get(str(key), str(key))
        if name not in names:
            raise NnstepsError(f"{method} keeps no state {key!r} with these options; expected "
                               f"{', '.join(names) or 'none'}", problem=p.id, field=f"state.{key}")
        if name in seen:
            raise NnstepsError(f"state {name} given twice", problem=p.id, field=f"state.{key}")
        seen.add(name)
        if name == "t":
            try:
                t0 = F.integer(0, "a step count")(value)
            except NnstepsError as err:
                raise err.located(problem=p.id, field=f"state.{key}") from None
            continue
        try:
            start[name] = layout.grads(value, 0)
        except NnstepsError as err:
            raise NnstepsError(str(err).split("grads[0]: ")[-1].replace("a gradient of shape", "shape"), problem=p.id,
                               field=f"state.{key}") from None
        if name in ("sum", "v", "v_max") and any(x < 0 for x in start[name]):
            raise NnstepsError(f"expected a sum of squares >= 0, got {value!r}", problem=p.id, field=f"state.{key}")
    return start, t0
