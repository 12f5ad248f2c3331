"""Layer types of the spec language as records: one :class:`LayerType` per type, holding everything the
language knows about it (spellings, pasted-label words, options with their types, defaults and help, the
rule that builds its table row, the export to PyTorch), registered by the module that defines it.

The registry discovers the modules of :mod:`nnsteps.arch.layers` (pkgutil), so adding a layer type is
adding one record in one module: the parser, the option checks, the table, the export and the help text
all read the records.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Option:
    """One ``key=value`` option a layer type accepts: its canonical name, how its value is written, its
    default (what the layer does without it) and help; ``aliases`` are the short spellings (``p``, ``s``).

    >>> Option("stride", "integer or HxW", 1, "step between windows", ("s",)).aliases
    ('s',)
    """

    name: str
    type: str
    default: Any
    help: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class LayerType:
    """A layer type of the spec language.

    ``build(ctx) -> Row`` computes the layer's row (shape, parameters, MACs, receptive field, each with its
    steps); ``to_torch(row, nn) -> nn.Module`` the PyTorch module of that row (``nn`` is ``torch.nn``,
    passed in so that no layer module imports torch). ``labels`` are words of pasted course notes that
    name the type before a colon (``Fully connected: 10``). ``build`` is None only for ``input``, which
    the table reads itself.
    """

    name: str
    usage: str
    summary: str
    build: Callable[[Any], Any] | None
    aliases: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    example: str = ""
    to_torch: Callable[[Any, Any], Any] | None = None

    def option(self, key: str) -> Option | None:
        """The option ``key`` names (canonical name or alias), or None.

        >>> layer_type("conv").option("p").name
        'padding'
        """
        for o in self.options:
            if key == o.name or key in o.aliases:
                return o
        return None


_REGISTRY: dict[str, LayerType] = {}
_SPELLINGS: dict[str, str] = {}


def register(*types: LayerType) -> None:
    """Add layer types to the registry; a spelling may belong to one type only."""
    for lt in types:
        for word in (lt.name, *lt.aliases):
            owner = _SPELLINGS.get(word.lower())
            if owner is not None and owner != lt.name:
                raise ValueError(f"layer spelling {word!r} of {lt.name} is already {owner}'s")
            _SPELLINGS[word.lower()] = lt.name
        _REGISTRY[lt.name] = lt


@lru_cache(maxsize=1)
def _discover() -> None:
    """Import every module of the layers package once: each registers its records."""
    package = __name__.rpartition(".")[0]
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        importlib.import_module(f"{package}.{info.name}")


def layer_types() -> dict[str, LayerType]:
    """Every registered layer type by canonical name, in registration order.

    >>> {"conv", "conv1d", "conv3d", "separable", "lstm"} <= set(layer_types())
    True
    """
    _discover()
    return dict(_REGISTRY)


def layer_type(name: str) -> LayerType:
    """The record of a canonical layer type (``KeyError`` for an unknown one).

    >>> layer_type("dense").usage
    'dense N'
    """
    _discover()
    return _REGISTRY[name]


def spellings() -> dict[str, str]:
    """Every spelling the parser accepts (lower case) -> its canonical layer type.

    >>> spellings()["fc"], spellings()["convtranspose2d"]
    ('dense', 'convT')
    """
    _discover()
    return dict(_SPELLINGS)


def label_words() -> dict[str, str]:
    """Words of pasted labels that name a layer type (``max pooling``) beyond its spellings.

    >>> label_words()["fully connected"]
    'dense'
    """
    _discover()
    return {w: lt.name for lt in _REGISTRY.values() for w in lt.labels}


def describe(name: str | None = None) -> str:
    """The spec language's layer types as help text, from the records: every type with its usage and
    summary, or one type with its spellings, options and an example.

    >>> print(describe("maxpool1d").splitlines()[0])
    maxpool1d K — max pooling over time on a sequence T×C (nn.MaxPool1d); stride defaults to K
    """
    types = layer_types()
    if name is None:
        width = max(len(lt.usage) for lt in types.values())
        return "\n".join(f"{lt.usage:<{width}}  {lt.summary}" for lt in types.values())
    words = spellings()
    if name.lower() not in words:
        from nnsteps.errors import NnstepsError, did_you_mean

        raise NnstepsError(f"expected a layer type of the spec language, got '{name}'",
                           hint=did_you_mean(name.lower(), list(words)))
    lt = types[words[name.lower()]]
    lines = [f"{lt.usage} — {lt.summary}"]
    if lt.aliases:
        lines.append("also written: " + ", ".join(lt.aliases))
    if lt.options:
        lines.append("options:")
        for o in lt.options:
            alias = f" ({', '.join(o.aliases)})" if o.aliases else ""
            lines.append(f"  {o.name}{alias}: {o.type}, default {_default_text(o.default)} — {o.help}")
    if lt.example:
        lines += ["example:", *("  " + line for line in lt.example.splitlines())]
    return "\n".join(lines)


def _default_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
