"""``nnsteps generate … --to FORMAT``: each generated problem set (one per student with a roster) exported
next to its ``problems.yaml``. The generated title carries the seed and the ids name the kind, so every
export can be traced back to ``nnsteps generate KIND --seed N`` and re-checked by nnsteps.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any


def export_generated(out: Path, fmt: str, *, variants: bool, run: Callable[..., Any] | None = None) -> str:
    """Export ``out/problems.yaml`` (or every ``out/<folder>/problems.yaml`` listed in ``variants.csv``) to
    ``fmt``; return the lines to print (warnings included). ``run(problems, fmt, out)`` does each export
    (default :func:`nnsteps.export.export`; the CLI passes ``nnsteps.jobs.export`` under the time budget).

    >>> import tempfile
    >>> from nnsteps.generation.generate import generate, write_set
    >>> out = Path(tempfile.mkdtemp())
    >>> _ = write_set(generate("relu", seed=1), out)
    >>> print(export_generated(out, "moodle", variants=False))
    exported to moodle: .../moodle.xml
    """
    from nnsteps.export import export, format_module

    module = format_module(fmt)
    folders = [out]
    if variants:
        with open(out / "variants.csv", encoding="utf-8", newline="") as f:
            folders = [out / row["folder"] for row in csv.DictReader(f)]
    lines: list[str] = []
    written: list[str] = []
    for folder in folders:
        done = (run or export)(folder / "problems.yaml", fmt,
                               folder / module.DEFAULT if module.WRITES == "folder" else folder)
        written += [str(p) for p in done.written]
        lines += [f"warning: {folder.name}: {w}" for w in done.warnings]
    shown = written[0] if len(written) == 1 else f"{len(written)} files, e.g. {written[0]}"
    return "\n".join([f"exported to {fmt}: {shown}", *lines])
