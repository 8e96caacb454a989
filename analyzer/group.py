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
over the total weight of both files. Pairs are generated from block
families present in at most ``pair_cap`` files (2 % of the files, within [50, 100]), so a block
found everywhere cannot make a quadratic number of pairs; such blocks still
count in the scores of pairs found through other blocks. Files that hold a
larger family are also paired when their sets of units are alike by
MinHash (``_alike_holders``), so many copies of one agent, all of whose
blocks are above the cap, still pair while a shared house block pairs
nothing.

**File families.** Average-linkage agglomerative clustering on the sparse
graph of file pairs, with ``relatedness = (similarity + max containment) / 2``
(the mean of the symmetric share and the directed one, so a file that was
extended a lot stays with its original while two files that merely share a
pasted section do not). Average linkage merges two clusters only when the
mean relatedness over *all* their member pairs (missing pairs count 0)
reaches ``file_threshold``: one shared boilerplate block cannot chain
unrelated files together the way single linkage would.

**Named links.** Average linkage splits long version chains: the first and
the last version of a file that was rewritten step by step share little, so
the mean over all member pairs stays under the threshold although every step
is a small one. A second, independent piece of evidence bridges that: two
files that *declare the same identity* (the same front-matter ``name``, or
the same document title, the H1 that opens the body; compared as slugs, so
``Intake Start`` matches ``intake-start``) are versions of one agent far more
often than two files that merely share text. Such a pair joins its files'
clusters by single link when its relatedness reaches the lower
``named_family_threshold`` (default 0.30, two thirds of the plain
threshold). A shared name alone is not enough: seed 003 of the founding
example is named ``senior-backend-engineer`` like three of the others and
shares almost no text (relatedness 0.004), so it stays alone. A name that
more files declare than the pair cap (``pair_cap``) is a convention's
("assistant", "Instructions") and links nothing. Measured on
the real lineage histories (``benchmarks/lineage_histories.py``): family F1
0.890 -> 0.946 (the ceiling there: two byte-identical files are filed as
two families), unchanged on the synthetic families with house boilerplate;
on corpus-public 63 named links join clusters, all read as forks of one
agent (the same skill in two collections, a translated copy).
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from analyzer.match import band_keys, estimated_jaccard, match_class, minhash_bytes, minhash_signatures, sorted_unique
from analyzer.models import KIND_SECTION, UNIT_KINDS, AgentFile, Block, BlockFamily, FileFamily, FilePair, TextMatch
from analyzer.settings import Settings

_NON_WORD = re.compile(r"[\W_]+")


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
    pair_scores: dict[tuple[str, str], float] = {}
    for match in matches:
        sets.union((match.match_class, match.fingerprint_a), (match.match_class, match.fingerprint_b))
        pair_scores[(match.fingerprint_a, match.fingerprint_b)] = match.score
    groups: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    matched = sets.parent
    for key, blocks in by_text.items():
        if key in matched:  # only texts that took part in a match can share a family with another text
            groups[sets.find(key)].append(key)
        elif len(blocks) >= 2:
            groups[key].append(key)
    drafts = []
    for keys in groups.values():
        members = sorted((block for key in keys for block in by_text[key]), key=_file_order)
        if len(members) >= 2:
            drafts.append((keys, members))
    drafts.sort(key=lambda d: (-len({b.file for b in d[1]}), -len(d[1]), d[1][0].block_id))
    all_counts = [{key[1]: len(by_text[key]) for key in keys} for keys, _ in drafts]
    scored = _scored_pairs(all_counts, pair_scores)
    families, family_of_block = [], {}
    for number, ((keys, members), counts) in enumerate(zip(drafts, all_counts), start=1):
        family_id = f"B{number:05d}"
        # the most copied text, earliest in its file, then the smallest block id
        representative = min(members, key=lambda b: (-counts[b.fingerprint], b.ordinal, b.block_id))
        families.append(BlockFamily(
            family_id=family_id,
            kind=Counter(b.kind for b in members).most_common(1)[0][0],
            members=tuple(b.block_id for b in members),
            files=tuple(sorted({b.file for b in members})),
            representative=representative.block_id,
            mean_similarity=_mean_similarity(counts, scored.get(number - 1, []), pair_scores),
        ))
        for block in members:
            family_of_block[block.block_id] = family_id
    return BlockGrouping(tuple(families), family_of_block, pair_scores)


def _file_order(block: Block) -> tuple[str, int]:
    return block.file, block.ordinal


def _scored_pairs(all_counts: list[dict[str, int]],
                  pair_scores: dict[tuple[str, str], float]) -> dict[int, list[tuple[str, str]]]:
    """For each family (by index), the scored fingerprint pairs with both texts in it, sorted.

    One pass over the scored pairs, not over every pair of a family's texts:
    a family that near-duplicate chains grew to k distinct texts has k²/2
    text pairs but only about k scored ones (16,000 sections of one file took
    2.8-3.3 s here that way, 0.33-0.35 s this way).
    """
    families_of: dict[str, list[int]] = defaultdict(list)
    for index, counts in enumerate(all_counts):
        for fingerprint in counts:
            families_of[fingerprint].append(index)
    scored: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for a, b in pair_scores:
        if not a < b:  # keys are (smaller, larger) fingerprint; an odd key is not a family pair
            continue
        for index in families_of.get(a, ()):
            if b in all_counts[index]:
                scored[index].append((a, b))
    for pairs in scored.values():
        pairs.sort()
    return scored


def _mean_similarity(counts: dict[str, int], scored: list[tuple[str, str]],
                     pair_scores: dict[tuple[str, str], float]) -> float:
    """Mean score over the member pairs whose score is known (identical pairs score 1).

    ``scored``: the family's scored fingerprint pairs (``_scored_pairs``), in
    sorted order, so the float sum is the same as over all pairs in order.
    """
    total = sum(c * (c - 1) / 2 for c in counts.values())
    weight = total
    for a, b in scored:
        pairs = counts[a] * counts[b]
        total += pair_scores[(a, b)] * pairs
        weight += pairs
    return round(total / weight, 4) if weight else 1.0


class _Units:
    """Every unit block of the library as numpy columns: files in path order, each file's units in order.

    Row r is one unit: ``family[r]`` is the rank of its block family's id
    among all family ids (-1: in no family), ``fingerprint[r]`` an index into
    ``fingerprints``, ``weight[r]`` its ``w(u)`` (module docstring). File i's
    units are rows ``starts[i]:starts[i + 1]``. Three passes over the blocks
    read what each unit contributes and numpy does the rest: one small tuple
    per unit and a dict of cells (330 k units on corpus-public) took about
    2 s of file_pairs' 4.6.
    """

    def __init__(self, files: tuple[AgentFile, ...], grouping: BlockGrouping, *, settings: Settings) -> None:
        ordered = sorted(files, key=lambda f: f.path)
        self.paths = [f.path for f in ordered]
        self.family_ids = sorted(family.family_id for family in grouping.families)
        reference = max(len(files), settings.idf_reference_files)
        scale = math.log(reference + 1)
        holders = {family.family_id: len(family.files) for family in grouping.families}
        # idf by family rank; the last entry (index -1) is a text in no family, held by one file
        idf = [max(math.log((reference + 1) / holders[family_id]) / scale, 0.0) for family_id in self.family_ids]
        idf.append(max(math.log(reference + 1) / scale, 0.0))
        per_file = [agent_file.units for agent_file in ordered]
        self.starts = np.concatenate([[0], np.cumsum([len(units) for units in per_file])]).astype(np.int64)
        blocks = [block for units in per_file for block in units]
        rank = {family_id: number for number, family_id in enumerate(self.family_ids)}
        family_of = grouping.family_of_block
        self.family = np.fromiter((rank.get(family_of.get(b.block_id), -1) for b in blocks), dtype=np.int64,
                                  count=len(blocks))
        index: dict[str, int] = {}
        self.fingerprint = np.fromiter((index.setdefault(b.fingerprint, len(index)) for b in blocks), dtype=np.int64,
                                       count=len(blocks))
        self.fingerprints = list(index)
        lengths = np.fromiter((len(b.norm) for b in blocks), dtype=np.int64, count=len(blocks))
        self.weight = np.maximum(lengths, 1).astype(np.float64) * np.asarray(idf)[self.family]

    def file_of_rows(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.paths), dtype=np.int64), np.diff(self.starts))

    def token_sets(self, holders: list[int]) -> list[frozenset[str]]:
        """For each file in ``holders``, its set of units: a block family id, or "=" + the text's fingerprint
        for a unit in no family (``_alike_holders``)."""
        families, fingerprints = self.family.tolist(), self.fingerprint.tolist()
        starts = self.starts.tolist()
        return [frozenset(self.family_ids[f] if f >= 0 else "=" + self.fingerprints[p]
                          for f, p in zip(families[starts[h]:starts[h + 1]], fingerprints[starts[h]:starts[h + 1]]))
                for h in holders]


def file_pairs(files: tuple[AgentFile, ...], grouping: BlockGrouping, *, settings: Settings) -> tuple[FilePair, ...]:
    """Similarity and directed containments for every pair of files sharing a unit family.

    Computed over *entries*, one per (file, block family) the file holds: an
    entry's weight W is the sum of its units' weights, and its *variant set*
    the set of their fingerprints. For a pair (A, B) and a family f both
    hold, A's found weight through f is W(A, f) when both entries hold the
    same variant set (every unit has an identical copy in B), which is 84 %
    of the 1 M pair-family incidences on corpus-public; only the others score
    unit by unit (``_found_weight``). Candidate pairs come from the families
    of at most ``pair_cap`` files, enumerated with numpy over the entries
    sorted by family, and from ``_alike_holders`` (files alike through the
    larger families); the larger families add their weight through a
    lookup of each pair's common large families (``large_incidences``). Each pair's total sums its families in
    family-id order, so the floats (and the CSVs) are the same on every run.
    On corpus-public this took file_pairs from 7.2 to ~1.5 s CPU (the
    previous per-pair Python loop visited every incidence unit by unit).
    """
    units = _Units(files, grouping, settings=settings)
    paths = units.paths
    if len(paths) < 2:
        return ()
    entries = _Entries(units)
    cap = pair_cap(len(files))
    first, second = entries.member_pairs(cap)
    count = len(paths)
    small = sorted_unique(entries.file[first] * count + entries.file[second])
    codes = sorted_unique(np.concatenate([small, _alike_holders(entries, units, cap, settings=settings)]))
    if len(codes) == 0:
        return ()
    only_alike = (~np.isin(codes, small)).tolist()  # pairs that only families above the cap relate
    floor = _alike_floor(settings)
    # every (candidate pair, common family) incidence: the small families' member pairs, then the large ones'
    pair_of = [np.searchsorted(codes, entries.file[first] * count + entries.file[second])]
    left, right = [first], [second]
    for found in entries.large_incidences(codes, count, cap):
        pair_of.append(found[0])
        left.append(found[1])
        right.append(found[2])
    pair_index, a_entry, b_entry = np.concatenate(pair_of), np.concatenate(left), np.concatenate(right)
    order = np.lexsort((entries.family[a_entry], pair_index))
    pair_index, a_entry, b_entry = pair_index[order], a_entry[order], b_entry[order]
    a_found, b_found = entries.weight[a_entry].copy(), entries.weight[b_entry].copy()  # a's weight found in b, b's in a
    for k in np.flatnonzero(entries.variants[a_entry] != entries.variants[b_entry]).tolist():
        a_found[k], b_found[k] = entries.found_both(int(a_entry[k]), int(b_entry[k]), grouping.pair_scores)
    a_sums = np.bincount(pair_index, weights=a_found, minlength=len(codes)).tolist()
    b_sums = np.bincount(pair_index, weights=b_found, minlength=len(codes)).tolist()
    shared = np.bincount(pair_index, weights=entries.units[a_entry], minlength=len(codes)).astype(np.int64).tolist()
    totals = entries.totals
    pairs = []
    for code, a_in_b, b_in_a, shared_blocks, alike_only in zip(codes.tolist(), a_sums, b_sums, shared, only_alike):
        a, b = divmod(code, count)
        total_a, total_b = totals[a], totals[b]
        total = total_a + total_b
        similarity = round((a_in_b + b_in_a) / total, 4) if total else 0.0
        if not shared_blocks or (alike_only and similarity < floor):
            continue  # see _alike_holders
        pairs.append(FilePair(
            file_a=paths[a],
            file_b=paths[b],
            similarity=similarity,
            containment_a_in_b=round(a_in_b / total_a, 4) if total_a else 0.0,
            containment_b_in_a=round(b_in_a / total_b, 4) if total_b else 0.0,
            shared_blocks=shared_blocks,
        ))
    return tuple(pairs)


class _Entries:
    """One row per (file, block family) a file holds, as numpy columns sorted by (family id, file path)."""

    def __init__(self, units: _Units) -> None:
        weights = units.weight.tolist()
        bounds = units.starts.tolist()
        self.totals = [sum(weights[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]  # in unit order, as floats add
        owner = units.file_of_rows()
        rows = np.flatnonzero(units.family >= 0)
        rows = rows[np.lexsort((rows, owner[rows], units.family[rows]))]  # by family, file, then a file's unit order
        family, file = units.family[rows], owner[rows]
        first = np.flatnonzero(np.concatenate([[len(rows) > 0], (family[1:] != family[:-1]) | (file[1:] != file[:-1])]))
        self.family, self.file = family[first], file[first]
        self.units = np.diff(np.append(first, len(rows)))
        sorted_weights = units.weight[rows]
        self.weight = sorted_weights[first]
        fingerprint = units.fingerprint[rows]
        self.variants = fingerprint[first].copy()  # a one-text cell's variant set is its text
        self._bounds = np.append(first, len(rows)).tolist()
        self._weights = sorted_weights.tolist()
        self._fingerprints = [units.fingerprints[i] for i in fingerprint.tolist()]
        sets: dict[frozenset[str], int] = {}
        for cell in np.flatnonzero(self.units > 1).tolist():
            start, end = self._bounds[cell], self._bounds[cell + 1]
            self.weight[cell] = sum(self._weights[start:end])
            texts = frozenset(fingerprint[start:end].tolist())
            if len(texts) > 1:  # ids of sets of two or more texts come after every text's id
                self.variants[cell] = len(units.fingerprints) + sets.setdefault(texts, len(sets))
        boundaries = np.flatnonzero(np.diff(self.family)) + 1
        self.starts = np.concatenate([[0], boundaries]).astype(np.int64)
        self.sizes = np.diff(np.concatenate([self.starts, [len(self.family)]]))

    def cell(self, entry: int) -> list[tuple[str, float]]:
        """(fingerprint, weight) of each unit of ``entry``, in file order."""
        start, end = self._bounds[entry], self._bounds[entry + 1]
        return list(zip(self._fingerprints[start:end], self._weights[start:end]))

    def member_pairs(self, cap: int) -> tuple[np.ndarray, np.ndarray]:
        """Entry index pairs (i, j) of two files in one family of 2..cap files, file(i) < file(j)."""
        small = (self.sizes >= 2) & (self.sizes <= cap)
        in_small = np.repeat(small, self.sizes)
        first, second = [], []
        for offset in range(1, int(self.sizes[small].max(initial=1))):
            i = np.flatnonzero(in_small[:-offset] & (self.family[:-offset] == self.family[offset:]))
            first.append(i)
            second.append(i + offset)
        if not first:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        return np.concatenate(first), np.concatenate(second)

    def large_incidences(self, codes: np.ndarray, count: int, cap: int):
        """(pair index, entry of a, entry of b) for each pair code a·count + b and each family of more than
        ``cap`` files that both hold, in chunks of about ``_PAIR_CHUNK`` incidences.

        Each pair is expanded into file a's large families, and b's entry of
        each is looked up among the large entries sorted by (file, family):
        the cost follows the incidences found, not pairs × large families (a
        test per large family over every pair took minutes at 50,000 files,
        once the pairs of ``_alike_holders`` were added).
        """
        large = np.flatnonzero(np.repeat(self.sizes > cap, self.sizes))
        if len(large) == 0 or len(codes) == 0:
            return
        by_file = large[np.lexsort((self.family[large], self.file[large]))]
        families = int(self.family.max()) + 1
        keys = self.file[by_file] * families + self.family[by_file]  # sorted
        held = np.bincount(self.file[by_file], minlength=count)  # large families per file
        start = np.cumsum(held) - held
        for pair, within in _spread(held[codes // count]):
            a_entry = by_file[start[codes[pair] // count] + within]
            wanted = codes[pair] % count * families + self.family[a_entry]
            position = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
            hit = keys[position] == wanted
            yield pair[hit], a_entry[hit], by_file[position[hit]]

    def found_both(self, a: int, b: int, pair_scores: dict[tuple[str, str], float]) -> tuple[float, float]:
        """Found weights of entry a in entry b and of b in a, unit by unit (their variant sets differ)."""
        first, second = self.cell(a), self.cell(b)
        return _found_weight(first, second, pair_scores), _found_weight(second, first, pair_scores)


_PAIR_CHUNK = 4_000_000  # pairs or incidences expanded at a time (``_spread``)


def _alike_holders(entries: _Entries, units: _Units, cap: int, *,
                   settings: Settings) -> np.ndarray:
    """Pair codes of files that hold a family above ``cap`` and whose sets of units are alike.

    Pairs from families of at most ``cap`` files miss files related *only*
    through larger families: 60 copies of one agent, every block of which
    is held by all 60 files. Enumerating the large families' member pairs
    is what the cap prevents (one block pasted into 1,000 files is 500 k
    pairs). Instead each file that holds a large family gets a MinHash
    signature (``match.minhash_signatures``) of its set of units, a unit
    standing for its block family or, in none, for its own text; the
    signatures are banded like the text LSH (``lsh_rows`` rows a band), and
    two files in one bucket become a pair when their estimated Dice share of
    units, 2J / (1 + J) from the MinHash Jaccard estimate J, reaches the
    lowest relatedness a pair is used at (``min(file_threshold,
    named_family_threshold)``). The pairs found are scored like any other,
    and ``file_pairs`` keeps one that shares no family of at most ``cap``
    files only when its weighted similarity reaches that floor too.

    A file that holds a house block among thirty of its own has J ≈ 0.02
    with another such file, so shared boilerplate makes no pair, while
    copies of one agent have J near 1. Both tests are symmetric on purpose:
    a file made of house blocks only (a Cursor rule holding nothing but
    ``globs: **/*``, ``alwaysApply: false`` and a templated description) is
    wholly contained in every file holding them, so containment is no
    evidence here; tried first, an estimated-containment test added 1,556
    pairs on corpus-public (median relatedness 0.03) and joined one such
    stub to the family of a file it shares nothing specific with; these
    tests add none there. The cost: a short agent wholly inside a
    much longer one, related only through large families, is not paired
    (the README says so).
    """
    large_entry = np.repeat(entries.sizes > cap, entries.sizes)
    holders = sorted_unique(entries.file[large_entry])
    if len(holders) < 2:
        return np.empty(0, dtype=np.int64)
    sets = units.token_sets(holders.tolist())
    minhashes = minhash_signatures(sets, perms=settings.minhash_perms)
    low = minhash_bytes(minhashes)
    del sets
    floor = _alike_floor(settings)
    count, rows = len(units.paths), settings.lsh_rows
    kept: list[np.ndarray] = []
    for band in range(settings.minhash_perms // rows):
        for pairs in _equal_key_pairs(band_keys(minhashes[:, band * rows:(band + 1) * rows])):
            jaccard = estimated_jaccard(low, pairs).astype(np.float64)
            alike = 2.0 * jaccard / (1.0 + jaccard) >= floor  # the Dice share 2|A∩B| / (|A| + |B|)
            kept.append(holders[pairs[alike, 0]] * count + holders[pairs[alike, 1]])
        if len(kept) > 64:
            kept = [sorted_unique(np.concatenate(kept))]
    return sorted_unique(np.concatenate(kept)) if kept else np.empty(0, dtype=np.int64)


def _alike_floor(settings: Settings) -> float:
    """The lowest relatedness a file pair is used at (see ``_alike_holders``), less a rounding margin."""
    return min(settings.file_threshold, settings.named_family_threshold) - 1e-9


def _equal_key_pairs(keys: np.ndarray):
    """Every index pair (i < j) with equal keys, as (n, 2) arrays of about ``_PAIR_CHUNK`` rows at most.

    Vectorised over all buckets at once: in key order, the element at
    position r of a bucket of s is paired with the s - 1 - r after it.
    """
    order = np.argsort(keys, kind="stable")  # equal keys keep index order, so i < j within a bucket
    ordered = keys[order]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    sizes = np.diff(np.append(starts, len(ordered)))
    after = np.repeat(starts + sizes, sizes) - 1 - np.arange(len(ordered))  # partners after each element
    for owner, within in _spread(after):
        if len(owner):
            yield np.stack([order[owner], order[owner + 1 + within]], axis=1)


def _spread(counts: np.ndarray):
    """For owners 0..n-1 of ``counts[i]`` items each: (owner, index within owner) of every item,
    in runs of whole owners of about ``_PAIR_CHUNK`` items (an owner with more is a run of its own)."""
    ends = np.cumsum(counts)
    first = 0
    while first < len(counts):
        done = int(ends[first - 1]) if first else 0
        last = max(int(np.searchsorted(ends, done + _PAIR_CHUNK, side="right")), first + 1)
        part = counts[first:last]
        owner = np.repeat(np.arange(first, last), part)
        yield owner, np.arange(len(owner)) - np.repeat(np.cumsum(part) - part, part)
        first = last


def _found_weight(source: list[tuple[str, float]], target: list[tuple[str, float]],
                  pair_scores: dict[tuple[str, str], float]) -> float:
    """Weighted sum of ``source`` units (one family, ``_Entries.cell``) found among ``target``'s units of it."""
    targets = {fingerprint for fingerprint, _ in target}
    found = 0.0
    for fingerprint, weight in source:
        if fingerprint in targets:
            score = 1.0
        else:
            score = max(
                pair_scores.get((min(fingerprint, other), max(fingerprint, other)), 0.0)
                for other in targets
            ) or 0.5  # same family only through a chain of near-duplicates
        found += weight * score
    return found


def relatedness(pair: FilePair) -> float:
    """The score file families are clustered on (see the module docstring)."""
    return (pair.similarity + max(pair.containment_a_in_b, pair.containment_b_in_a)) / 2.0


def file_families(files: tuple[AgentFile, ...], pairs: tuple[FilePair, ...], *, settings: Settings) -> tuple[FileFamily, ...]:
    """Sparse average-linkage clustering of files joined by named links; ids ordered by size, then first member."""
    paths = sorted(f.path for f in files)
    clusters = average_linkage(paths, {(p.file_a, p.file_b): relatedness(p) for p in pairs},
                               threshold=settings.file_threshold)
    clusters = join_named(clusters, named_links(files, pairs, threshold=settings.named_family_threshold))
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


def file_identity(agent_file: AgentFile) -> frozenset[str]:
    """The names a file declares for itself, as slugs: its front-matter ``name`` and its title (an opening H1)."""
    names = {agent_file.name}
    first_heading = next((b for b in agent_file.blocks if b.kind == KIND_SECTION), None)
    if first_heading is not None and first_heading.level == 1:
        names.add(first_heading.heading)
    return frozenset(slug for slug in map(_slug, names) if slug)


def _slug(text: str) -> str:
    return _NON_WORD.sub("-", text.casefold()).strip("-")


def named_links(files: tuple[AgentFile, ...], pairs: tuple[FilePair, ...], *,
                threshold: float) -> list[tuple[str, str]]:
    """File pairs that declare a common identity (``file_identity``) and reach ``threshold`` relatedness.

    An identity declared by more files than ``pair_cap`` (the cap on block
    families that make file pairs, 2 % of files within [50, 100]) is a
    template's or a convention's ("Instructions", "assistant"), not one
    agent's, and links nothing.
    """
    identity = {f.path: file_identity(f) for f in files}
    declared = Counter(slug for slugs in identity.values() for slug in slugs)
    cap = pair_cap(len(files))
    identity = {path: frozenset(s for s in slugs if declared[s] <= cap) for path, slugs in identity.items()}
    return [(p.file_a, p.file_b) for p in pairs
            if relatedness(p) >= threshold and identity[p.file_a] & identity[p.file_b]]


def pair_cap(file_count: int) -> int:
    """Most files a block family (or a declared identity) may span and still make file pairs.

    2 % of the library, clamped to [50, 100]. A family of k files makes
    k·(k-1)/2 pairs, so the cap must stop growing with the library: with an
    unclamped 2 %, a block pasted into 1,000 of 50,000 files made ~500 k
    pairs on its own, and the 50 k-file scale run reached 16 GB in
    ``file_pairs``, still growing, before it was stopped. corpus-public (4,984 files, cap 99)
    is unchanged. Families above the cap still add their weight to the pairs
    other blocks make, and files holding them pair when their sets of units
    are alike (``_alike_holders``).
    """
    return min(100, max(50, int(0.02 * file_count)))


def families_over_pair_cap(families: tuple[BlockFamily, ...], file_count: int) -> int:
    """Unit block families held by more files than ``pair_cap``: they make no file pairs by themselves.

    Files related only through such families are paired only when their
    sets of units are alike by MinHash (``_alike_holders``): 60 copies of one
    agent are, while a short file wholly inside a long one may not be
    (its set is a small part of the long one's). Reported in summary.json.
    """
    cap = pair_cap(file_count)
    return sum(1 for family in families if family.kind in UNIT_KINDS and len(family.files) > cap)


def join_named(clusters: list[list[str]], links: list[tuple[str, str]]) -> list[list[str]]:
    """Merge the clusters that ``links`` connect (single link), each result sorted."""
    if not links:
        return clusters
    sets = UnionFind()
    for members in clusters:
        for member in members:
            sets.union(members[0], member)
    for a, b in links:
        sets.union(a, b)
    joined: dict[str, list[str]] = defaultdict(list)
    for members in clusters:
        joined[sets.find(members[0])].extend(members)
    return [sorted(members) for members in joined.values()]


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
