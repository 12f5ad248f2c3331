"""No import circles: the module graph (static imports, lazy ones inside functions included) is
acyclic once the one listed exception, the lazy convenience rendering, is left out. The layers
themselves are import-linter's contracts in pyproject.toml (`lint-imports`, run by scripts/test.sh).
"""

from __future__ import annotations

import sys

import grimp

# The listed exception (README, Architecture): Worked's and a layer table's convenience renderers.
EXCEPTION = {("nnsteps.work", "nnsteps.render."), ("nnsteps.work", "nnsteps.plot"),
             ("nnsteps.arch.table", "nnsteps.arch.render")}


def _excepted(importer: str, imported: str) -> bool:
    return any(importer == a and imported.startswith(b) for a, b in EXCEPTION)


def _cycles(adj: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in adj[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(adj):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles() -> None:
    graph = grimp.build_graph("nnsteps", include_external_packages=False)
    adj = {m: {i for i in graph.find_modules_directly_imported_by(m) if not _excepted(m, i)} for m in graph.modules}
    assert "nnsteps.kinds.rnn" in adj  # the graph is this tree's
    assert _cycles(adj) == []


def test_cycles_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
