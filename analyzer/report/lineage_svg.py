"""A family's lineage tree as an inline SVG for its card in report.html.

Layout is the layered drawing of ``lineage.png`` (``lineage_plot``): a
node's row is its depth; leaves take consecutive columns in depth-first
order (children sorted by path) and a parent sits above the middle of its
children, so edges never cross. Arrows point from parent to child and carry
the edge's main change (``lineage_out.main_change``) just above the child;
``undirected`` edges are dashed and have no arrowhead (the direction is not
known). Each node shows its file name and, under it, its folder, both cut
from the left so the distinguishing end stays; hovering a node shows its full
path, relation and confidence, hovering an edge its evidence.

Big families stay compact: at most ``MAX_NODES`` nodes are drawn, taken
breadth first (so the drawn part is the top of the tree), and the caption
says how many more are in lineage.md.

**Escaping.** File names and evidence come from the library, so they are
untrusted. Every piece of markup is a ``markupsafe.Markup`` template and
every value goes in through ``Markup.format``, which escapes it (``<``,
``>``, ``&``, quotes); no text is ever concatenated into markup unescaped.
Coordinates are rounded, so the same tree gives the same bytes. Colours,
fonts and the dash of undirected edges come from the page's stylesheet
(the ``svg.tree`` rules in report.html.j2), so each tree
carries only its geometry and text.
"""

from __future__ import annotations

import math
from pathlib import PurePosixPath

from markupsafe import Markup

MAX_NODES = 40
NODE_WIDTH = 176
NODE_HEIGHT = 32
COLUMN = 188  # horizontal distance between leaf columns
ROW = 84  # vertical distance between depths
MARGIN = 6
NAME_CHARS = 26  # about 6 px a character at 11 px
FOLDER_CHARS = 32
CHANGE_CHARS = 31


def tree_svg(tree: dict, *, central: str = "", max_nodes: int = MAX_NODES) -> Markup:
    """The SVG of ``tree`` (a ``lineage_out`` tree: family, size, roots), at most ``max_nodes`` nodes."""
    roots, shown = top_of_tree(tree["roots"], max_nodes)
    if not roots:
        return Markup("")
    place, edges = tree_layout(roots)
    columns = max(x for x, _ in place.values()) + 1
    rows = max(depth for _, depth in place.values()) + 1
    width = round(columns * COLUMN - (COLUMN - NODE_WIDTH) + 2 * MARGIN)
    height = rows * ROW - (ROW - NODE_HEIGHT) + 2 * MARGIN
    parts = [Markup('<svg class="tree" xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" '
                    'viewBox="0 0 {} {}" role="img" aria-label="lineage tree of {}: {} of {} files drawn">')
             .format(width, height, width, height, tree["family"], shown, tree["size"])]
    parts += [_edge(place, parent, child) for parent, child in edges]
    parts += [_node(place, node, central) for node in walk(roots)]
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def drawn_nodes(tree: dict, max_nodes: int = MAX_NODES) -> int:
    """How many of ``tree``'s nodes ``tree_svg`` draws."""
    return top_of_tree(tree["roots"], max_nodes)[1]


def top_of_tree(roots: list[dict], max_nodes: int) -> tuple[list[dict], int]:
    """Copies of ``roots`` keeping the first ``max_nodes`` nodes in breadth-first order."""
    kept: set[int] = set()
    queue = list(roots)
    while queue and len(kept) < max_nodes:
        node = queue.pop(0)
        kept.add(id(node))
        queue.extend(node["children"])

    def prune(node: dict) -> dict:
        children = [prune(child) for child in node["children"] if id(child) in kept]
        return {**node, "children": children}

    return [prune(root) for root in roots if id(root) in kept], len(kept)


def tree_layout(roots: list[dict]) -> tuple[dict[str, tuple[float, int]], list[tuple[dict, dict]]]:
    """file -> (column, depth), and the (parent, child) edges: leaves take columns left to right,
    a parent sits midway over its first and last child. Iterative, so a chain of any length fits."""
    place: dict[str, tuple[float, int]] = {}
    edges: list[tuple[dict, dict]] = []
    next_column = 0.0
    stack: list[tuple[dict, int, bool]] = [(root, 0, False) for root in reversed(roots)]
    while stack:
        node, depth, children_done = stack.pop()
        children = node["children"]
        if not children:
            place[node["file"]] = (next_column, depth)
            next_column += 1
        elif children_done:
            edges.extend((node, child) for child in children)
            place[node["file"]] = ((place[children[0]["file"]][0] + place[children[-1]["file"]][0]) / 2.0, depth)
        else:
            stack.append((node, depth, True))
            stack.extend((child, depth + 1, False) for child in reversed(children))
    return place, edges


def walk(roots: list[dict]) -> list[dict]:
    """Every node, depth first in document order."""
    nodes, stack = [], list(reversed(roots))
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(reversed(node["children"]))
    return nodes


def _centre(place: dict, file: str) -> tuple[float, float]:
    column, depth = place[file]
    return MARGIN + column * COLUMN + NODE_WIDTH / 2, MARGIN + depth * ROW


def _edge(place: dict, parent: dict, child: dict) -> Markup:
    (x0, top0), (x1, y1) = _centre(place, parent["file"]), _centre(place, child["file"])
    y0 = top0 + NODE_HEIGHT
    undirected = child["relation"] == "undirected"
    line = Markup('<g class="edge{}"><title>{} → {}: {} (confidence {:.2f}): {}</title>'
                  '<line x1="{}" y1="{}" x2="{}" y2="{}"/>').format(
        " undirected" if undirected else "", parent["file"], child["file"], child["relation"],
        child["confidence"], child["evidence"], _n(x0), _n(y0), _n(x1), _n(y1))
    arrow = Markup("") if undirected else _arrowhead(x0, y0, x1, y1)
    label = Markup('<text class="c" x="{}" y="{}">{}</text></g>').format(
        _n(x1), _n(y1 - 8), _cut_right(child["main_change"] or child["relation"], CHANGE_CHARS))
    return line + arrow + label


def _arrowhead(x0: float, y0: float, x1: float, y1: float) -> Markup:
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    back_x, back_y = x1 - 8 * ux, y1 - 8 * uy
    points = [(x1, y1), (back_x - 4 * uy, back_y + 4 * ux), (back_x + 4 * uy, back_y - 4 * ux)]
    return Markup('<polygon points="{}"/>').format(
        " ".join(f"{_n(x)},{_n(y)}" for x, y in points))


def _node(place: dict, node: dict, central: str) -> Markup:
    x, top = _centre(place, node["file"])
    path = PurePosixPath(node["file"])
    star = "★ " if node["file"] == central else ""
    name = star + _cut_left(path.name, NAME_CHARS - len(star))
    folder = _cut_left(str(path.parent), FOLDER_CHARS) if str(path.parent) != "." else ""
    about = f"{node['file']}: {node['relation']}"  # the evidence is on the edge above it
    if node["relation"] not in ("root", "singleton"):
        about += f" (confidence {node['confidence']:.2f})"
    parts = [Markup('<g class="node{}"><title>{}</title><rect x="{}" y="{}" width="{}" height="{}" rx="5"/>')
             .format(" root" if node["relation"] == "root" else "", about, _n(x - NODE_WIDTH / 2), _n(top),
                     NODE_WIDTH, NODE_HEIGHT)]
    name_y = top + (13 if folder else 20)
    parts.append(Markup('<text class="n" x="{}" y="{}">{}</text>')
                 .format(_n(x), _n(name_y), name))
    if folder:
        parts.append(Markup('<text class="d" x="{}" y="{}">{}</text>')
                     .format(_n(x), _n(top + 26), folder))
    parts.append(Markup("</g>"))
    return Markup("").join(parts)


def _cut_left(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[-(width - 1):]


def _cut_right(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _n(value: float) -> str:
    """A coordinate with at most one decimal, no trailing zeros."""
    return f"{round(value, 1):g}"
