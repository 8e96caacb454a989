"""A lineage chain thousands of files deep is written like any other: no recursion limit, bounded drawings."""

from __future__ import annotations

import json
import sys

from analyzer.report.files import json_text
from analyzer.report.lineage_out import _node, _outline, lineage_json
from analyzer.report.lineage_plot import lineage_png
from analyzer.report.lineage_svg import drawn_nodes, tree_svg

DEPTH = 3000


def _chain_rows(depth: int) -> dict[str, dict]:
    rows = {}
    for index in range(depth):
        parent = f"v{index - 1:05d}.md" if index else ""
        rows[f"v{index:05d}.md"] = {"file": f"v{index:05d}.md", "parent": parent, "depth": index,
                                     "relation": "derived" if parent else "root", "confidence": 0.5,
                                     "evidence": "adds a line", "details": {}}
    return rows


def _chain_tree(depth: int) -> dict:
    rows = _chain_rows(depth)
    children = {name: [f"v{int(name[1:6]) + 1:05d}.md"] if int(name[1:6]) + 1 < depth else [] for name in rows}
    return {"family": "F0001", "size": depth, "roots": [_node("v00000.md", rows, children)]}


def test_a_chain_deeper_than_the_recursion_limit_becomes_a_nested_tree_markdown_and_json():
    tree = _chain_tree(DEPTH)
    lines = _outline(tree["roots"][0], 0)
    assert len(lines) == DEPTH
    assert lines[-1].startswith("  " * (DEPTH - 1) + "- `v02999.md`: derived")
    model = {"rows": list(_chain_rows(DEPTH).values()), "trees": [tree], "consensus": []}
    document = lineage_json(model)
    assert document["depth"] == DEPTH - 1
    text = json_text(document, indent=None)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)  # a reader of a tree this deep needs it too (README, lineage.json)
    try:
        node = json.loads(text)["trees"][0]["roots"][0]
    finally:
        sys.setrecursionlimit(limit)
    for _ in range(DEPTH - 1):
        node = node["children"][0]
    assert node["file"] == "v02999.md" and node["children"] == []


def test_drawings_of_a_deep_chain_are_cut_to_a_legible_size():
    tree = _chain_tree(DEPTH)
    assert drawn_nodes(tree) == 40
    assert str(tree_svg(tree)).count("<rect") <= 40
    png = lineage_png([tree])
    assert png.startswith(b"\x89PNG") and len(png) < 2_000_000
