"""Matched texts -> block families, file pairs and file families.

**Block families.** Blocks with the same fingerprint (in one match class) are
one text; near-duplicate text pairs join their texts with union-find. A
family needs at least two blocks; a text that occurs once and matches
nothing has no family.

**File pairs.** Only *unit* blocks (front-matter fields, paragraphs, list
items, code, tables...) carry weight, so every character counts once
whatever the heading nesting. A unit ``u`` of file A weighs

    w(u) = len(norm(u)) · idf(u),  idf(u) = log((R + 1) / df) / log(R + 1)

where ``df`` is the number of files that hold u's block family and
``R = max(files, idf_reference_files)``. A block pasted into hundreds of
files (house boilerplate) therefore weighs little, while in a small library
(five files, four of them one family) a shared block is not mistaken for
boilerplate: the corpus is too small to tell, so R keeps the idf near 1.

``containment(A in B) = Σ_u∈A w(u)·s(u, B) / Σ_u∈A w(u)``, where s is 1 for
an identical text in B, the fuzzy score for a near-duplicate, 0 otherwise.
``similarity`` is the symmetric (Dice) form: matched weight on both sides
over the total weight of both files. Pairs are generated only from block
families present in at most ``max(50, 2 % of files)`` files, so a block
found everywhere cannot make a quadratic number of pairs; such blocks still
count in the scores of pairs found through other blocks.

**File families.** Average-linkage agglomerative clustering on the sparse
graph of file pairs, with ``relatedness = (similarity + max containment) / 2``
(the mean of the symmetric share and the directed one, so a file that was
extended a lot stays with its original while two files that merely share a
pasted section do not). Average linkage merges two clusters only when the
mean relatedness over *all* their member pairs (missing pairs count 0)
reaches ``file_threshold``: one shared boilerplate block cannot chain
unrelated files together the way single linkage would.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from analyzer.match import match_class
from analyzer.models import AgentFile, Block, BlockFamily, FileFamily, FilePair, TextMatch
from analyzer.settings import Settings


class UnionFind:
    """Disjoint sets over hashable items, with path halving."""

    def __init__(self) -> None:
        self.parent: dict = {}

    def find(self, item):
        parent = self.parent.setdefault(item, item)
        while parent != item:
            grand = self.parent[parent]
            self.parent[item] = grand
            item, parent = parent, grand
        return item

    def union(self, a, b) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            if root_b < root_a:
                root_a, root_b = root_b, root_a
            self.parent[root_b] = root_a


@dataclass(frozen=True)
class BlockGrouping:
    families: tuple[BlockFamily, ...]
    family_of_block: dict[str, str]  # block id -> family id (only blocks in a family)
    pair_scores: dict[tuple[str, str], float]  # (fingerprint, fingerprint) sorted -> score


def group_blocks(files: tuple[AgentFile, ...], matches: tuple[TextMatch, ...]) -> BlockGrouping:
    """Union identical and near-duplicate texts into block families."""
    by_text: dict[tuple[str, str], list[Block]] = defaultdict(list)
    for agent_file in files:
        for block in agent_file.blocks:
            by_text[(match_class(block), block.fingerprint)].append(block)
    sets = UnionFind()
    for key in by_text:
        sets.find(key)
    pair_scores: dict[tuple[str, str], float] = {}
    for match in matches:
        sets.union((match.match_class, match.fingerprint_a), (match.match_class, match.fingerprint_b))
        pair_scores[(match.fingerprint_a, match.fingerprint_b)] = match.score
    groups: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for key in by_text:
        groups[sets.find(key)].append(key)
    drafts = []
    for keys in groups.values():
        members = sorted((block for key in keys for block in by_text[key]), key=lambda b: (b.file, b.ordinal))
        if len(members) >= 2:
            drafts.append((keys, members))
    drafts.sort(key=lambda d: (-len({b.file for b in d[1]}), -len(d[1]), d[1][0].block_id))
    families, family_of_block = [], {}
    for number, (keys, members) in enumerate(drafts, start=1):
        family_id = f"B{number:05d}"
        counts = {key[1]: len(by_text[key]) for key in keys}
        # the most copied text, earliest in its file, then the smallest block id
        representative = min(members, key=lambda b: (-counts[b.fingerprint], b.ordinal, b.block_id))
        families.append(BlockFamily(
            family_id=family_id,
            kind=Counter(b.kind for b in members).most_common(1)[0][0],
            members=tuple(b.block_id for b in members),
            files=tuple(sorted({b.file for b in members})),
            representative=representative.block_id,
            mean_similarity=_mean_similarity(counts, pair_scores),
        ))
        for block in members:
            family_of_block[block.block_id] = family_id
    return BlockGrouping(tuple(families), family_of_block, pair_scores)


def _mean_similarity(counts: dict[str, int], pair_scores: dict[tuple[str, str], float]) -> float:
    """Mean score over the member pairs whose score is known (identical pairs score 1)."""
    total = sum(c * (c - 1) / 2 for c in counts.values())
    weight = total
    fingerprints = sorted(counts)
    for index, a in enumerate(fingerprints):
        for b in fingerprints[index + 1:]:
            score = pair_scores.get((a, b))
            if score is not None:
                pairs = counts[a] * counts[b]
                total += score * pairs
                weight += pairs
    return round(total / weight, 4) if weight else 1.0


@dataclass(frozen=True)
class _Unit:
    fingerprint: str
    family: str
    weight: float


def file_pairs(files: tuple[AgentFile, ...], grouping: BlockGrouping, *, settings: Settings) -> tuple[FilePair, ...]:
    """Similarity and directed containments for every pair of files sharing a unit family."""
    units = _weighted_units(files, grouping, settings=settings)
    family_files: dict[str, set[str]] = defaultdict(set)
    for path, file_units in units.items():
        for unit in file_units:
            if unit.family:
                family_files[unit.family].add(path)
    pair_cap = max(50, int(0.02 * len(files)))
    candidates: set[tuple[str, str]] = set()
    for members in family_files.values():
        if 2 <= len(members) <= pair_cap:
            ordered = sorted(members)
            candidates.update((a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:])
    index = {path: _FileIndex(file_units) for path, file_units in units.items()}
    pairs = []
    for a, b in sorted(candidates):
        pair = _score_pair(a, b, index[a], index[b], grouping.pair_scores)
        if pair.shared_blocks:
            pairs.append(pair)
    return tuple(pairs)


def _weighted_units(files: tuple[AgentFile, ...], grouping: BlockGrouping, *, settings: Settings) -> dict[str, list[_Unit]]:
    df = {family.family_id: len(family.files) for family in grouping.families}
    reference = max(len(files), settings.idf_reference_files)
    scale = math.log(reference + 1)
    units: dict[str, list[_Unit]] = {}
    for agent_file in files:
        file_units = []
        for block in agent_file.units:
            family = grouping.family_of_block.get(block.block_id, "")
            idf = math.log((reference + 1) / df.get(family, 1)) / scale
            file_units.append(_Unit(block.fingerprint, family, max(len(block.norm), 1) * max(idf, 0.0)))
        units[agent_file.path] = file_units
    return units


class _FileIndex:
    """A file's units grouped by block family, for pair scoring by set intersection."""

    def __init__(self, units: list[_Unit]) -> None:
        self.total = sum(u.weight for u in units)
        self.units_by_family: dict[str, list[_Unit]] = defaultdict(list)
        for unit in units:
            if unit.family:
                self.units_by_family[unit.family].append(unit)
        self.fingerprints_by_family = {
            family: {u.fingerprint for u in members} for family, members in self.units_by_family.items()
        }


def _found_weight(source: _FileIndex, target: _FileIndex, common: set[str],
                  pair_scores: dict[tuple[str, str], float]) -> tuple[float, int]:
    """Weighted sum of ``source`` units found in ``target`` (through ``common`` families), and their count."""
    found, count = 0.0, 0
    for family in sorted(common):  # a fixed order keeps float sums, and so output, byte-stable
        targets = target.fingerprints_by_family[family]
        for unit in source.units_by_family[family]:
            if unit.fingerprint in targets:
                score = 1.0
            else:
                score = max(
                    pair_scores.get((min(unit.fingerprint, other), max(unit.fingerprint, other)), 0.0)
                    for other in targets
                ) or 0.5  # same family only through a chain of near-duplicates
            found += unit.weight * score
            count += 1
    return found, count


def _score_pair(a: str, b: str, index_a: _FileIndex, index_b: _FileIndex,
                pair_scores: dict[tuple[str, str], float]) -> FilePair:
    common = index_a.units_by_family.keys() & index_b.units_by_family.keys()
    found_a, count_a = _found_weight(index_a, index_b, common, pair_scores)
    found_b, _ = _found_weight(index_b, index_a, common, pair_scores)
    total = index_a.total + index_b.total
    return FilePair(
        file_a=a,
        file_b=b,
        similarity=round((found_a + found_b) / total, 4) if total else 0.0,
        containment_a_in_b=round(found_a / index_a.total, 4) if index_a.total else 0.0,
        containment_b_in_a=round(found_b / index_b.total, 4) if index_b.total else 0.0,
        shared_blocks=count_a,
    )


def relatedness(pair: FilePair) -> float:
    """The score file families are clustered on (see the module docstring)."""
    return (pair.similarity + max(pair.containment_a_in_b, pair.containment_b_in_a)) / 2.0


def file_families(files: tuple[AgentFile, ...], pairs: tuple[FilePair, ...], *, settings: Settings) -> tuple[FileFamily, ...]:
    """Sparse average-linkage clustering of files; ids ordered by size, then first member."""
    paths = sorted(f.path for f in files)
    clusters = average_linkage(paths, {(p.file_a, p.file_b): relatedness(p) for p in pairs},
                               threshold=settings.file_threshold)
    sim = {(p.file_a, p.file_b): p.similarity for p in pairs}
    clusters.sort(key=lambda members: (-len(members), members[0]))
    families = []
    for number, members in enumerate(clusters, start=1):
        scores = [sim.get((a, b), 0.0) for i, a in enumerate(members) for b in members[i + 1:]]
        families.append(FileFamily(
            family_id=f"F{number:04d}",
            members=tuple(members),
            mean_similarity=round(sum(scores) / len(scores), 4) if scores else 1.0,
        ))
    return tuple(families)


def average_linkage(items: list[str], weights: dict[tuple[str, str], float], *, threshold: float) -> list[list[str]]:
    """Merge clusters while the best mean pairwise weight between two clusters is >= threshold.

    Works on the sparse graph: each cluster keeps the *sum* of weights to its
    neighbours; the mean is that sum over |X|·|Y| (absent pairs weigh 0). A
    heap holds candidate merges; entries of merged clusters go stale and are
    skipped. Ties break on cluster ids, which follow the sorted input, so the
    result is deterministic.
    """
    ids = {item: number for number, item in enumerate(items)}
    members: dict[int, list[str]] = {number: [item] for item, number in ids.items()}
    neighbours: dict[int, dict[int, float]] = defaultdict(dict)
    for (a, b), weight in weights.items():
        x, y = ids[a], ids[b]
        neighbours[x][y] = neighbours[x].get(y, 0.0) + weight
        neighbours[y][x] = neighbours[y].get(x, 0.0) + weight
    heap = [(-total, x, y) for x, row in neighbours.items() for y, total in row.items() if x < y and total >= threshold]
    heapq.heapify(heap)
    next_id = len(items)
    while heap:
        negative, x, y = heapq.heappop(heap)
        if x not in members or y not in members:
            continue
        merged = next_id
        next_id += 1
        members[merged] = sorted(members.pop(x) + members.pop(y))
        row: dict[int, float] = {}
        for old in (x, y):
            for other, total in neighbours.pop(old, {}).items():
                if other in (x, y):
                    continue
                row[other] = row.get(other, 0.0) + total
                del neighbours[other][old]
        neighbours[merged] = row
        size = len(members[merged])
        for other, total in row.items():
            neighbours[other][merged] = total
            mean = total / (size * len(members[other]))
            if mean >= threshold:
                heapq.heappush(heap, (-mean, other, merged))
    return [sorted(group) for group in members.values()]
