"""``lineage.png``: the derivation trees of the largest file families, one panel each.

Layout is a plain layered drawing computed here (no graphviz): a node's row
is its depth in the tree; leaves take consecutive columns in depth-first
order (children sorted by path) and a parent sits above the middle of its
children, so edges never cross. Each edge is labelled with its main change
(``lineage_out.main_change``); ``undirected`` edges are dashed. At most
``MAX_FAMILIES`` families are drawn, largest first, and the title says so.
Drawn with the ``Figure`` API and written without PNG metadata, so the same
lineage gives the same bytes.
"""

from __future__ import annotations

import textwrap

from matplotlib.figure import Figure

from analyzer.report.lineage_svg import top_of_tree, tree_layout, walk
from analyzer.report.plots import figure_png, short_label

MAX_FAMILIES = 12
MAX_NODES = 24  # per tree, breadth first: a deeper or wider tree is cut (lineage.md has all of it)
_MAX_HEIGHT_INCHES = 120.0
_COLUMNS = 2


def lineage_png(trees: list[dict]) -> bytes:
    """One PNG of the trees of families with 2+ members (largest ``MAX_FAMILIES``)."""
    multi = sorted((t for t in trees if t["size"] > 1), key=lambda t: (-t["size"], t["family"]))
    shown = multi[:MAX_FAMILIES]
    if not shown:
        figure = Figure(figsize=(6, 1.5), dpi=100)
        figure.text(0.5, 0.5, "Lineage: no file family has 2 or more members", ha="center", va="center")
        return figure_png(figure)
    shown = [{**tree, "roots": top_of_tree(tree["roots"], MAX_NODES)[0]} for tree in shown]
    layouts = [_layout(tree) for tree in shown]
    columns = 1 if len(shown) == 1 else _COLUMNS
    rows = (len(shown) + columns - 1) // columns
    heights = [max(_height(layouts[i]) for i in range(r * columns, min(len(shown), (r + 1) * columns)))
               for r in range(rows)]
    widths = max(max(_width(layout) for layout in layouts), 3)
    figure = Figure(figsize=(min(30.0, 2.6 * widths * columns + 1),
                             min(_MAX_HEIGHT_INCHES, sum(1.7 * h + 1.2 for h in heights) + 0.8)),
                    dpi=100)
    grid = figure.add_gridspec(rows, columns, height_ratios=[h + 0.7 for h in heights])
    for index, (tree, layout) in enumerate(zip(shown, layouts)):
        axes = figure.add_subplot(grid[index // columns, index % columns])
        _draw(axes, tree, layout)
    title = "Lineage: file families as derivation trees"
    title += (f" (largest {len(shown)} of {len(multi)} families with 2+ files)" if len(multi) > len(shown)
              else f" ({len(multi)} famil{'y' if len(multi) == 1 else 'ies'} with 2+ files)")
    figure.suptitle(title, fontsize=12)
    figure.tight_layout()
    return figure_png(figure)


def _layout(tree: dict) -> dict:
    """{"pos": file -> (x, depth), "edges": [(parent node, child node)], "nodes": every node}."""
    pos, edges = tree_layout(tree["roots"])
    return {"pos": pos, "edges": edges, "nodes": walk(tree["roots"])}


def _height(layout: dict) -> int:
    return max(depth for _, depth in layout["pos"].values()) + 1


def _width(layout: dict) -> int:
    return int(max(x for x, _ in layout["pos"].values())) + 1


def _draw(axes, tree: dict, layout: dict) -> None:
    pos = layout["pos"]
    for parent, child in layout["edges"]:
        (x0, y0), (x1, y1) = pos[parent["file"]], pos[child["file"]]
        style = "--" if child["relation"] == "undirected" else "-"
        axes.annotate("", xy=(x1, -y1 + 0.12), xytext=(x0, -y0 - 0.12),
                      arrowprops={"arrowstyle": "-" if style == "--" else "->", "linestyle": style,
                                  "color": "#57606a", "lw": 1.2})
        label = "\n".join(textwrap.wrap(child["main_change"], 26)[:3])
        axes.text((x0 + x1) / 2, -(y0 + y1) / 2, label, ha="center", va="center", fontsize=7, color="#0b3d91",
                  bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.9})
    for node in layout["nodes"]:
        x, depth = pos[node["file"]]
        face = "#ddf4ff" if node["relation"] == "root" else "#f6f8fa"
        axes.text(x, -depth, short_label(node["file"], 30), ha="center", va="center", fontsize=8,
                  bbox={"boxstyle": "round,pad=0.3", "fc": face, "ec": "#57606a"})
    xs = [x for x, _ in pos.values()]
    axes.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
    axes.set_ylim(-(_height(layout) - 1) - 0.45, 0.45)
    axes.set_title(f"{tree['family']} ({tree['size']} files; dashed: direction undecided)", fontsize=9)
    axes.axis("off")
