"""A computational graph drawn as inline SVG: inputs on the left, the output on the right, each node with its
forward value (above) and its gradient (below), edges from operand to operation.

Reads the typed data the ``graph`` op attaches to its "Graph" step (``data["drawing"]``: nodes with name,
op, value, grad and the names of their operands); text only, escaped, no script.
"""

from __future__ import annotations

import html
from typing import Any

from nnsteps.numfmt import number_text

W, H, DX, DY = 120, 44, 170, 80


def _short(v: Any) -> str:
    text = number_text(v)
    return text.split(" (≈ ")[-1].rstrip(")") if "≈" in text else text


def graph_svg(graph: dict[str, Any]) -> str:
    """The SVG of ``graph`` (``{"nodes": [{"name", "op", "value", "grad", "args"}], "output"}``).

    >>> svg = graph_svg({"nodes": [{"name": "x", "op": "input", "value": 1, "grad": 2, "args": []},
    ...                            {"name": "f", "op": "product", "value": 2, "grad": 1, "args": ["x", "x"]}],
    ...                  "output": "f"})
    >>> svg.startswith('<svg class="graph"') and svg.count("<line") == 1 and "∂ 2" in svg
    True
    """
    nodes = graph["nodes"]
    depth: dict[str, int] = {}
    for n in nodes:  # nodes come children first
        depth[n["name"]] = 1 + max((depth.get(a, 0) for a in n["args"]), default=-1)
    columns: dict[int, list[str]] = {}
    for n in nodes:
        columns.setdefault(depth[n["name"]], []).append(n["name"])
    pos = {name: (20 + d * DX, 20 + i * DY) for d, names in columns.items() for i, name in enumerate(names)}
    width = 40 + W + DX * max(columns)
    height = 40 + H + DY * (max(len(v) for v in columns.values()) - 1)
    out = [f'<svg class="graph" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="computational graph">']
    for n in nodes:
        x2, y2 = pos[n["name"]]
        for a in dict.fromkeys(n["args"]):
            x1, y1 = pos[a]
            out.append(f'<line x1="{x1 + W}" y1="{y1 + H // 2}" x2="{x2}" y2="{y2 + H // 2}" stroke="#888"/>')
    for n in nodes:
        x, y = pos[n["name"]]
        symbol = {"sum": "+", "product": "×", "neg": "−", "power": "^"}.get(n["op"], n["op"])
        op = "" if n["op"] == "input" else f" = {symbol}"
        fill = "#eef5ff" if n["op"] == "input" else ("#fff3e0" if n["name"] == graph.get("output") else "#fff")
        out += [f'<g><rect x="{x}" y="{y}" width="{W}" height="{H}" rx="6" fill="{fill}" stroke="#555"/>',
                f'<text x="{x + 6}" y="{y + 15}" font-size="12">{html.escape(n["name"] + op)}</text>',
                f'<text x="{x + 6}" y="{y + 28}" font-size="11" fill="#1b5e20">{html.escape(_short(n["value"]))}</text>',
                f'<text x="{x + 6}" y="{y + 40}" font-size="11" fill="#b71c1c">∂ {html.escape(_short(n["grad"]))}'
                "</text></g>"]
    out.append("</svg>")
    return "".join(out)
