"""Data behind the interactive HTML report: family diffs, heatmap cells, pair rows, safe embedding.

The HTML page renders what a reader needs first (overview, findings,
family cards, most-copied blocks) on the server with Jinja2; everything that
could be large (the file-pair table, the side-by-side diffs, the heatmap
cells) travels as one JSON document inside ``<script type="application/json">``
and is drawn by a small script in the page, paginated.

**Family diffs.** For each of the ``max_families`` largest file families
(two or more members) the *central* member is the one with the highest sum
of similarity to the other members; every other member (up to
``max_members`` per family) is diffed against it with ``analyzer.diff``.
``compact_diff`` keeps what the side-by-side view shows: per section its
status and classes, and per differing unit the word-level segments
(``same`` / ``cosmetic`` / ``removed`` / ``added``) or, where the classifier
worked line by line and left no segments, both texts whole.

**Consolidation estimate.** ``consolidation_tokens`` is the text a library
would stop carrying if every block family that spans two or more files kept
one copy: the characters of its member units beyond the longest one, divided
by four (a common rule of thumb for English tokens).

**Safe embedding.** ``script_json`` is ``json.dumps`` with ``<``, ``>`` and
``&`` written as ``\\u003c``, ``\\u003e`` and ``\\u0026``, so no text from an
agent file can close the script element or open a comment; the page reads
it with ``JSON.parse(element.textContent)`` and inserts text with
``textContent`` only.
"""

from __future__ import annotations

import json

import numpy as np

from analyzer.diff import FileDiff, diff_files
from analyzer.models import AnalysisResult

MAX_DIFF_FAMILIES = 200
MAX_DIFF_MEMBERS = 25
MAX_HEATMAP_FILES = 150
MAX_EMBEDDED_PAIRS = 5000
MAX_UNIT_CHARS = 4000  # a unit text longer than this is cut in the embedded diff (the CSVs keep it all)


def script_json(data: object) -> str:
    """JSON that is safe inside ``<script type="application/json">`` (see the module docstring)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def consolidation_tokens(result: AnalysisResult) -> int:
    """Estimated tokens saved by keeping one copy of every block family spanning 2+ files (chars / 4)."""
    unit_chars = {b.block_id: b.chars for f in result.files for b in f.units}
    extra = 0
    for family in result.block_families:
        if len(family.files) < 2:
            continue
        sizes = [unit_chars[m] for m in family.members if m in unit_chars]
        if len(sizes) > 1:
            extra += sum(sizes) - max(sizes)
    return extra // 4


def central_member(members: tuple[str, ...], similarity: dict[tuple[str, str], float]) -> str:
    """The member with the highest summed similarity to the others (ties: first by path)."""
    def score(path: str) -> float:
        return sum(similarity.get((path, other), similarity.get((other, path), 0.0))
                   for other in members if other != path)
    return max(sorted(members), key=score)


def family_diffs(result: AnalysisResult, *, rules: tuple[str, ...], max_families: int = MAX_DIFF_FAMILIES,
                 max_members: int = MAX_DIFF_MEMBERS) -> dict:
    """``{"families": {id: {"central", "pairs"}}, "diffs": {"A\\nB": compact diff}, "capped": bool}``."""
    by_path = {f.path: f for f in result.files}
    similarity = {(p.file_a, p.file_b): p.similarity for p in result.file_pairs}
    multi = [f for f in result.file_families if len(f.members) >= 2]
    families, diffs = {}, {}
    for family in multi[:max_families]:
        central = central_member(family.members, similarity)
        others = sorted((m for m in family.members if m != central),
                        key=lambda m: (-similarity.get((central, m), similarity.get((m, central), 0.0)), m))
        pairs = []
        for other in others[:max_members - 1]:
            diff = diff_files(by_path[central], by_path[other], rules=rules, parsed_with=rules)
            diffs[f"{central}\n{other}"] = compact_diff(diff)
            pairs.append([central, other])
        families[family.family_id] = {"central": central, "pairs": pairs}
    capped = len(multi) > max_families or any(len(f.members) > max_members for f in multi[:max_families])
    return {"families": families, "diffs": diffs, "capped": capped,
            "max_families": max_families, "max_members": max_members}


def compact_diff(diff: FileDiff) -> dict:
    """What the side-by-side view draws (see the module docstring)."""
    return {
        "classes": list(diff.classes),
        "title": [diff.title_a, diff.title_b],
        "fields": [[f.key, f.status, _cut(f.value_a), _cut(f.value_b), _segments(f.classification)]
                   for f in diff.fields if f.status != "same"],
        "same_fields": sum(1 for f in diff.fields if f.status == "same"),
        "sections": [{
            "status": s.status, "a": s.path_a, "b": s.path_b, "classes": list(s.classes),
            "same": s.identical_units,
            "units": [[u.status, u.kind, u.line_a, u.line_b, _cut(u.text_a), _cut(u.text_b),
                       list(u.classification.classes) if u.classification else [],
                       _segments(u.classification), u.moved_from] for u in s.units],
        } for s in diff.sections],
        "spelling": [[p.british, p.american, p.count, p.british_in] for p in diff.spelling],
        "placeholders": [[p.slot, p.value, p.slot_in] for p in diff.placeholders],
        "cosmetic": dict(diff.cosmetic_units),
    }


def _segments(classification) -> list:
    if classification is None or not classification.segments:
        return []
    return [[s.kind[0], _cut(s.a), _cut(s.b)] for s in classification.segments]  # s, c, r, a


def _cut(text: str) -> str:
    return text if len(text) <= MAX_UNIT_CHARS else text[:MAX_UNIT_CHARS] + " … (cut; see the file)"


def heatmap_files(labels: tuple[str, ...], families: list[dict], cap: int = MAX_HEATMAP_FILES) -> list[str]:
    """The files drawn in the interactive heatmap: all matrix files, or the largest families up to ``cap``."""
    if len(labels) <= cap:
        return list(labels)
    chosen: list[str] = []
    for family in families:  # ordered by size
        if family["size"] < 2:
            continue
        if len(chosen) + family["size"] <= cap:
            chosen.extend(family["members"])
    return sorted(chosen)


def heatmap_data(files: list[str], file_pairs: list[dict], order: list[int]) -> dict:
    """Ordered labels and the non-zero cells ``[row, column, similarity, a_in_b, b_in_a, shared]``."""
    ordered = [files[i] for i in order]
    position = {path: i for i, path in enumerate(ordered)}
    cells = []
    for pair in file_pairs:
        i, j = position.get(pair["file_a"]), position.get(pair["file_b"])
        if i is None or j is None:
            continue
        cells.append([i, j, round(pair["similarity"], 3), round(pair["containment_a_in_b"], 3),
                      round(pair["containment_b_in_a"], 3), pair["shared_blocks"]])
    return {"files": ordered, "cells": cells}


def similarity_values(files: list[str], file_pairs: list[dict]) -> np.ndarray:
    index = {path: i for i, path in enumerate(files)}
    values = np.eye(len(files))
    for pair in file_pairs:
        i, j = index.get(pair["file_a"]), index.get(pair["file_b"])
        if i is not None and j is not None:
            values[i, j] = values[j, i] = pair["similarity"]
    return values


def pair_rows(file_pairs: list[dict], file_index: dict[str, int], cap: int = MAX_EMBEDDED_PAIRS) -> list[list]:
    """The ``cap`` most similar pairs as compact rows (the model keeps them sorted by similarity)."""
    return [[file_index[p["file_a"]], file_index[p["file_b"]], round(p["similarity"], 3),
             round(p["containment_a_in_b"], 3), round(p["containment_b_in_a"], 3), p["shared_blocks"],
             1 if p["same_family"] else 0, p.get("classes", "")] for p in file_pairs[:cap]]

