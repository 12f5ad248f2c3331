"""Imported once by the server's forkserver (see ``PRELOAD`` in :mod:`nnsteps.web.app`): working
the bundled examples through every endpoint imports and warms all that a request may use (the
ops, SymPy, the renderers, their caches), so that each worker forked from it starts ready:
a worker from a cold forkserver takes ~3 s for what a warm one does in ~0.5 s.
"""

from __future__ import annotations

import sys

from nnsteps.names import Op


def warm() -> bool:
    """Work the bundled examples once; True when they all worked (a failure only costs speed).

    >>> warm()
    True
    """
    import json

    from nnsteps.web.app import handle
    from nnsteps.web.service import examples_dir

    folder = examples_dir()
    if folder is None:  # pragma: no cover - the examples ship with nnsteps
        return False
    try:
        problems = (folder / "assignment3.yaml").read_text(encoding="utf-8")
        answers = (folder / "assignment3_answers.yaml").read_text(encoding="utf-8")
        handle("view", json.dumps({"text": problems}).encode())
        handle("check", json.dumps({"problems": problems, "answers": answers}).encode())
        handle("grid", json.dumps({"id": "w", "kind": Op.CONV2D, "input": "1 2; 3 4", "kernel": "1 0; 0 1"}).encode())
        handle("explain", json.dumps({"problem": {"id": "w", "kind": Op.MAX_POOL2D, "input": "1 2; 3 4",
                                                  "kernel_size": 2}, "cell": [0, 0]}).encode())
    except Exception:  # noqa: BLE001 - warming is an optimisation; a real request reports its own errors
        return False
    return True


IN_FORKSERVER = sys.argv[:1] == ["-c"] and "multiprocessing.forkserver" in sys.modules
"""True in the forkserver process (started as ``python -c 'from multiprocessing.forkserver import main ...'``)."""

WARM = warm() if IN_FORKSERVER else False
