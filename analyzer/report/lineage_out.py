"""Lineage and consensus in the report: rows, trees, Markdown, from ``AnalysisResult.lineage``.

``lineage_model(result)`` builds the plain data once (the lineage.csv rows,
one tree per family for lineage.json and the HTML report, and the consensus
of every family with 3+ members); the text renderers below only read it:

* ``lineage.csv``: one row per analyzed file, ``LINEAGE_COLUMNS`` (the first
  six are the contract; the edge details follow, one column per kind).
* ``lineage.json``: per family a tree of nested ``children``, each node with
  its edge's relation, confidence, evidence and details.
* ``lineage.md``: an indented outline per family with 2+ members, the
  evidence on each edge; families of one are counted in one line.
* ``families/<family>/consensus.md``: the reconstructed common ancestor,
  then each member as a delta from it.
"""

from __future__ import annotations

from collections import defaultdict

from analyzer.consensus import Consensus, consensus_for_families
from analyzer.models import AnalysisResult

LINEAGE_COLUMNS = ("file", "family", "parent", "relation", "confidence", "evidence",
                   "depth", "children", "sections_added", "sections_removed", "sections_renamed",
                   "units_added", "units_removed", "units_edited", "front_matter", "spelling", "placeholders",
                   "similarity", "parent_in_child", "child_in_parent", "other_details")
_DETAIL_COLUMNS = frozenset(LINEAGE_COLUMNS[8:-1])
MAX_LISTED = 40  # units listed per member delta in consensus.md before "N more"


def lineage_model(result: AnalysisResult) -> dict:
    """``{"rows": [...], "trees": [...], "consensus": [...]}`` for every output that shows lineage."""
    rows = [_row(edge) for edge in result.lineage]
    children: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row["parent"]:
            children[row["parent"]].append(row["file"])
    by_file = {row["file"]: row for row in rows}
    for row in rows:
        row["children"] = len(children[row["file"]])
        row["depth"] = _depth(row["file"], by_file)
    sizes = {family.family_id: len(family.members) for family in result.file_families}
    trees = []
    for family in result.file_families:
        roots = sorted(m for m in family.members if m in by_file and not by_file[m]["parent"])
        trees.append({"family": family.family_id, "size": sizes[family.family_id],
                      "roots": [_node(root, by_file, children) for root in roots]})
    consensus = [_consensus_dict(c) for c in consensus_for_families(result.files, result.file_families,
                                                                    result.block_families)]
    return {"rows": rows, "trees": trees, "consensus": consensus}


def _row(edge) -> dict:
    details = dict(edge.details)
    row = {"file": edge.file, "family": edge.family, "parent": edge.parent, "relation": edge.relation,
           "confidence": edge.confidence, "evidence": edge.evidence}
    row.update({key: value for key, value in details.items() if key in _DETAIL_COLUMNS})
    row["other_details"] = "; ".join(f"{k}: {v}" for k, v in details.items() if k not in _DETAIL_COLUMNS)
    row["details"] = details
    return row


def _depth(file: str, by_file: dict[str, dict]) -> int:
    depth, seen = 0, {file}
    while by_file[file]["parent"] and by_file[file]["parent"] in by_file:
        file = by_file[file]["parent"]
        if file in seen:  # a cycle cannot come out of a tree; stop rather than loop
            break
        seen.add(file)
        depth += 1
    return depth


def _node(file: str, by_file: dict[str, dict], children: dict[str, list[str]]) -> dict:
    """The nested tree under ``file``, built without recursion (a chain of any length fits)."""

    def bare(name: str) -> dict:
        row = by_file[name]
        return {"file": name, "relation": row["relation"], "confidence": row["confidence"],
                "evidence": row["evidence"], "main_change": main_change(row["details"]) if row["parent"] else "",
                "details": row["details"], "children": []}

    top = bare(file)
    stack, seen = [top], {file}
    while stack:
        node = stack.pop()
        for child in sorted(children[node["file"]]):
            if child not in seen:  # a cycle cannot come out of a tree; never loop on one
                seen.add(child)
                node["children"].append(bare(child))
        stack.extend(node["children"])
    return top


def main_change(details: dict[str, str]) -> str:
    """A short label for an edge: its one or two most telling changes ("+Search and Research…, British")."""
    parts = []
    for key in ("sections_added", "placeholders", "spelling", "sections_removed", "units_added",
                "units_removed", "sections_renamed", "units_edited", "front_matter"):
        value = details.get(key)
        if not value:
            continue
        first = value.split("; ")[0]
        more = value.count("; ")
        if key == "sections_added":
            parts.append(f"+{_cut(first, 28)}" + (f" (+{more})" if more else ""))
        elif key == "sections_removed":
            parts.append(f"−{_cut(first, 28)}" + (f" (+{more})" if more else ""))
        elif key == "placeholders":
            parts.append("placeholders " + ("introduced" if value.startswith("introduced") else "filled in"))
        elif key == "spelling":
            parts.append("→British spelling" if "British" in value else "→American spelling")
        elif key in ("units_added", "units_removed", "units_edited"):
            sign = {"units_added": "+", "units_removed": "−", "units_edited": "~"}[key]
            parts.append(f"{sign}{_cut(first.split(' (')[0], 34)}")
        elif key == "sections_renamed":
            parts.append("renamed " + _cut(first, 28))
        else:
            parts.append("front matter")
        if len(parts) == 2:
            break
    return ", ".join(parts) or "wording edits"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _consensus_dict(consensus: Consensus) -> dict:
    return {
        "family": consensus.family,
        "members": list(consensus.members),
        "units": len(consensus.units),
        "text": consensus_text(consensus),
        "deltas": [{
            "file": d.file, "kept": d.kept, "sections_added": list(d.sections_added),
            "sections_dropped": list(d.sections_dropped),
            "added": [list(item) for item in d.added], "dropped": [list(item) for item in d.dropped],
            "changed": [list(item) for item in d.changed], "cosmetic": d.cosmetic,
        } for d in consensus.deltas],
    }


def consensus_text(consensus: Consensus) -> str:
    """The consensus as a Markdown agent file: front matter, then units under their headings."""
    fields = [u.text for u in consensus.units if u.kind == "field"]
    body = [u for u in consensus.units if u.kind != "field"]
    level_of = {path: (heading, level) for path, heading, level in consensus.headings}
    parts: list[str] = []
    if fields:
        parts.append("---\n" + "\n".join(fields) + "\n---")
    current: list[str] = []
    previous_kind = ""
    for unit in body:
        path = unit.heading_path.split(" > ") if unit.heading_path else []
        if path != current:
            common = 0
            while common < min(len(path), len(current)) and path[common] == current[common]:
                common += 1
            for depth in range(common, len(path)):
                key = " > ".join(path[: depth + 1])
                heading, level = level_of.get(key, (path[depth], min(6, depth + 2)))
                parts.append("#" * max(1, level) + " " + heading)
            current, previous_kind = path, ""
        if unit.kind == "list-item" and previous_kind == "list-item":
            parts[-1] += "\n" + unit.text.strip("\n")
        else:
            parts.append(unit.text.strip("\n"))
        previous_kind = unit.kind
    return "\n\n".join(parts) + "\n"


def consensus_markdown(item: dict) -> str:
    """``families/<family>/consensus.md``: the consensus text, then every member as a delta."""
    members = item["members"]
    lines = [
        f"<!-- Consensus of file family {item['family']} ({len(members)} files): the {item['units']} units held by",
        "     more than half of the members, in their median order, most frequent wording and heading.",
        "     Reconstructed by agent-analyzer (analyzer/consensus.py); each member's delta follows the text. -->",
        "",
        item["text"].rstrip("\n"),
        "",
        "<!-- end of consensus -->",
        "",
        "---",
        "",
        f"# Members of {item['family']} as deltas from the consensus",
        "",
    ]
    for delta in item["deltas"]:
        lines += _delta_lines(delta, item["units"])
    return "\n".join(lines).rstrip("\n") + "\n"


def _delta_lines(delta: dict, total: int) -> list[str]:
    lines = [f"## `{_code(delta['file'])}`", "",
             f"- holds {delta['kept']} of {total} consensus units; {len(delta['changed'])} worded differently, "
             f"{delta['cosmetic']} differ only cosmetically (spelling, formatting)"]
    if delta["sections_added"]:
        lines.append("- adds sections: " + "; ".join(delta["sections_added"]))
    if delta["sections_dropped"]:
        lines.append("- drops sections: " + "; ".join(delta["sections_dropped"]))
    for label, items in (("adds", delta["added"]), ("drops", delta["dropped"])):
        if items:
            lines.append(f"- {label} {len(items)} unit{'s' if len(items) != 1 else ''}:")
            lines += [f"  - {path or '(top)'}: {text}" for path, text in items[:MAX_LISTED]]
            if len(items) > MAX_LISTED:
                lines.append(f"  - … {len(items) - MAX_LISTED} more")
    if delta["changed"]:
        lines.append(f"- changes {len(delta['changed'])} unit{'s' if len(delta['changed']) != 1 else ''}:")
        for path, before, after in delta["changed"][:MAX_LISTED]:
            lines.append(f"  - {path or '(top)'}: {before} → {after}")
        if len(delta["changed"]) > MAX_LISTED:
            lines.append(f"  - … {len(delta['changed']) - MAX_LISTED} more")
    return lines + [""]


def _code(text: str) -> str:
    return text.replace("`", "'")


def lineage_json(model: dict) -> dict:
    """The lineage.json document: one tree per family (families of one included, as a lone root)."""
    rows = model["rows"]
    return {
        "files": len(rows),
        "families": len(model["trees"]),
        "relations": {relation: sum(1 for r in rows if r["relation"] == relation)
                      for relation in ("root", "derived", "undirected", "singleton")},
        "depth": max((row["depth"] for row in rows), default=0),
        "trees": model["trees"],
    }


def lineage_markdown(model: dict) -> str:
    """lineage.md: one indented outline per family with 2+ members, evidence on every edge."""
    trees = [t for t in model["trees"] if t["size"] > 1]
    singletons = sum(1 for t in model["trees"] if t["size"] == 1)
    lines = ["# Lineage", "",
             f"{len(model['rows'])} files in {len(model['trees'])} families: {len(trees)} "
             f"famil{'y' if len(trees) == 1 else 'ies'} with 2+ files below, {singletons} "
             f"singleton{'' if singletons == 1 else 's'} (files with no near-copy).", "",
             "Each file is indented under its most likely parent. `derived`: the direction is supported by the "
             "evidence; `undirected`: the two files are related but the direction could not be told.", ""]
    for tree in trees:
        lines += [f"## {tree['family']} ({tree['size']} files)", ""]
        for root in tree["roots"]:
            lines += _outline(root, 0)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _outline(root: dict, depth: int) -> list[str]:
    lines: list[str] = []
    stack = [(root, depth)]
    while stack:
        node, level = stack.pop()
        indent = "  " * level
        head = f"{indent}- `{_code(node['file'])}`: {node['relation']} (confidence {node['confidence']:.2f})"
        lines.append(head if level == 0 else f"{head}: {node['evidence']}")
        stack.extend((child, level + 1) for child in reversed(node["children"]))
    return lines


def lineage_csv_rows(model: dict) -> list[dict]:
    return model["rows"]
