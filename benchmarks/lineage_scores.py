"""Scores for lineage benchmarks, shared by the real-history and synthetic runs.

* family F1: pairwise precision/recall of "same family" over all file pairs;
* edge F1: undirected parent–child edges predicted vs true;
* directed accuracy: share of true (child, parent) edges whose child got exactly that parent.

Also the naive baseline the issue asks for, scored in the same run: whole-file
rapidfuzz ratio, families as connected components above a threshold, maximum
spanning tree per family, root = longest file.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from analyzer.group import UnionFind


@dataclass(frozen=True)
class Scores:
    family_f1: float
    edge_f1: float
    directed_accuracy: float


def f1(tp: int, fp: int, fn: int) -> float:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def score(truth: dict[str, dict], family_of: dict[str, str], parent_of: dict[str, str]) -> Scores:
    files = sorted(truth)
    tp = fp = fn = 0
    for a, b in itertools.combinations(files, 2):
        same_true = truth[a]["family"] == truth[b]["family"]
        same_pred = family_of[a] == family_of[b]
        tp += same_true and same_pred
        fp += same_pred and not same_true
        fn += same_true and not same_pred
    true_edges = {frozenset((f, t["parent"])) for f, t in truth.items() if t["parent"]}
    pred_edges = {frozenset((f, p)) for f, p in parent_of.items() if p}
    edge = f1(len(true_edges & pred_edges), len(pred_edges - true_edges), len(true_edges - pred_edges))
    directed = [parent_of.get(f) == t["parent"] for f, t in truth.items() if t["parent"]]
    return Scores(f1(tp, fp, fn), edge, sum(directed) / len(directed) if directed else 1.0)


def naive_baseline(texts: dict[str, str], threshold: float = 0.5) -> tuple[dict[str, str], dict[str, str]]:
    """Whole-file ratio, threshold components, maximum spanning tree, root = longest file."""
    names = sorted(texts)
    matrix = process.cdist([texts[n] for n in names], [texts[n] for n in names], scorer=fuzz.ratio, workers=-1)
    sets = UnionFind()
    edges = []
    for i, j in itertools.combinations(range(len(names)), 2):
        sets.find(names[i])
        if matrix[i, j] >= threshold * 100:
            sets.union(names[i], names[j])
        edges.append((matrix[i, j], names[i], names[j]))
    for name in names:
        sets.find(name)
    family_of = {n: sets.find(n) for n in names}
    members = defaultdict(list)
    for name in names:
        members[family_of[name]].append(name)
    parent_of: dict[str, str] = {}
    edges.sort(key=lambda e: (-e[0], e[1], e[2]))
    for group in members.values():
        if len(group) < 2:
            continue
        inside = set(group)
        neighbours = defaultdict(list)
        for a, b in maximum_spanning_tree((a, b) for _, a, b in edges if a in inside and b in inside):
            neighbours[a].append(b)
            neighbours[b].append(a)
        root = max(group, key=lambda n: (len(texts[n]), n))
        stack, seen = [root], {root}
        while stack:
            node = stack.pop()
            for other in neighbours[node]:
                if other not in seen:
                    seen.add(other)
                    parent_of[other] = node
                    stack.append(other)
    return family_of, parent_of


def maximum_spanning_tree(pairs_best_first) -> list[tuple[str, str]]:
    """Kruskal: the pairs (given heaviest first) that join two parts not yet joined."""
    sets, tree = UnionFind(), []
    for a, b in pairs_best_first:
        if sets.find(a) != sets.find(b):
            sets.union(a, b)
            tree.append((a, b))
    return tree


def identical_copies_family_ceiling(truth: dict[str, dict], texts: dict[str, bytes]) -> float:
    """Best family F1 any content-based method can reach: byte-identical files must share a family.

    Truth families that hold byte-identical files are merged (no method that
    reads only the files can tell two identical files apart), and that
    merged partition is scored against the truth.
    """
    sets = UnionFind()
    by_content: dict[bytes, str] = {}
    for name in sorted(truth):
        sets.find(truth[name]["family"])
        first = by_content.setdefault(texts[name], name)
        sets.union(truth[first]["family"], truth[name]["family"])
    merged = {name: sets.find(truth[name]["family"]) for name in truth}
    return score(truth, merged, {n: t["parent"] or "" for n, t in truth.items()}).family_f1


def outside_closest_tree(truth: dict[str, dict], texts: dict[str, str]) -> list[tuple[str, str]]:
    """True edges (child, parent) missing from their true family's maximum spanning tree on whole-text ratio.

    Such an edge has a path between its two files made only of closer
    pairs: reverts, as a rule (after A -> B -> C with C undoing B's change,
    C is closer to A than to B). Any method that links each file to its
    closest relatives misses these edges, even with the families given.
    """
    members: dict[str, list[str]] = defaultdict(list)
    for name, t in truth.items():
        members[t["family"]].append(name)
    missed = []
    for family in sorted(members):
        names = sorted(members[family])
        scored = sorted(((fuzz.ratio(texts[a], texts[b]), a, b) for a, b in itertools.combinations(names, 2)),
                        key=lambda e: (-e[0], e[1], e[2]))
        tree = {frozenset(edge) for edge in maximum_spanning_tree((a, b) for _, a, b in scored)}
        missed += [(child, truth[child]["parent"]) for child in names
                   if truth[child]["parent"] and frozenset((child, truth[child]["parent"])) not in tree]
    return missed
