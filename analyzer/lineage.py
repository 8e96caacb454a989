"""Lineage: which file of a family was derived from which, with evidence.

The published method (Marmerola et al., "On the Reconstruction of Text
Phylogeny Trees", PLoS ONE 2016) builds a dissimilarity matrix, takes its
minimum spanning tree, and roots and orients it, deciding each edge's
direction on its own. We keep the spanning tree and change the rest:

1. **Dissimilarity from aligned blocks, not whole strings.** Edge weights
   are the block-level similarity of ``group.file_pairs`` (normalised text,
   IDF-weighted), so a cosmetic conversion (spelling, placeholders,
   whitespace) costs nothing and boilerplate shared with outsiders does not
   pull unrelated members together. Inside a family the tree is the
   *maximum* spanning tree on word-level similarity of the normalised texts
   (Kruskal; exact ties broken by centrality, then by path, so it is
   deterministic): versions of one file share most blocks, so block
   similarity ties, while the word-level ratio still tells the next version
   from the one after it. Moving a section costs nothing there (sections are
   compared in heading order).

2. **Cosmetic edits still break ties.** Because normalisation hides them, a
   spelling-converted or templated copy is as close to its original as to
   the original's other descendants. A small share (``_SURFACE_WEIGHT``) of
   the weight comes from the text as written (before normalisation, with its
   line-ending style), so a descendant hangs from the copy whose surface it
   shares instead of from whichever member sorts first. When even that ties
   (two candidate parents the child cannot tell apart, as written too), the
   edge goes to the more central candidate, the one with the larger summed
   weight to the whole family: in a star the original, in a chain the member
   between the others, rather than whichever name sorts first.

3. **Direction is decided once per family, not once per edge.** Each tree
   edge u–v carries a signed evidence score E(u→v) for "u is the parent of
   v": the containment asymmetry (a derived file usually keeps its parent and
   adds to it, so c(u in v) > c(v in u)), a weaker length term ("longer is
   newer", right in about 80 % of real edges), the asymmetric signals of
   cosmetic edits (``lineage_signals``: placeholders introduced point
   parent→child, the file with mixed spelling is the edited one), written
   markers of time (a higher ``version``, a later date written in the text,
   a name that qualifies the other's such as ``reviewer-v2``: strong, since
   the author wrote the order down), new vocabulary (when a passage inside a
   section both files keep was rewritten, the side whose wording shares
   fewer words with the common text is the newer one) and, with
   ``--git-dates``, the first-commit dates. Choosing a root orients every
   edge of a tree, so we pick the root that maximises the summed evidence of
   all edges oriented away from it (computed for every candidate root in
   linear time by re-rooting: moving the root across edge r→s changes the
   total by −2·E(r→s)); a tie (every edge cosmetic, say) goes to the
   branching point of a star, else to an end of a chain. A family-wide
   vote is far more robust than independent per-edge decisions, which is
   where most per-edge methods lose accuracy.

   What it cannot do: a child that only dropped a section looks exactly
   like a parent that later gained one (containment and length both point
   the wrong way, and with no rewritten passage the new vocabulary signal
   has nothing to compare), so a leaf that dropped a section next to the
   original takes the root unless a written marker (version, date,
   qualified name) says otherwise. Which file was the original is then
   a matter of tree shape, and shape priors (centrality, rumour centrality,
   hub degree) help stars but hurt chains, which real version histories are
   (benchmarks/lineage_*.py). References the child still makes to a section
   it lost (a heading named in its text) were measured too: right on
   synthetic drops, but wrong as often as right on real histories, whose
   authors turn a paragraph's lead words into a new heading. A revert
   (A → B → C with C back to nearly A) is read as A–C with B hanging off
   either, since nothing in the texts says C came after B: 11 of the 106
   true edges of the real histories are missing from their family's
   closest-relative tree even with the families given (the benchmark
   prints this limit). Siblings whose original is missing are linked to
   each other (one tree per family); two ways to spot the missing original
   were measured and rejected: a member holding units none of its tree
   neighbours has (every neighbour "dropping" them would be less
   parsimonious than the member adding them) fires on every middle version
   of a chain whose paragraphs evolve (histories edge F1 0.864 -> 0.71), and
   a positive branch length for the root between two of its children
   (neighbour-joining's additivity test on word Indel distance) almost never
   fires, because orphans differ from their lost original by cosmetic edits.

4. **Undecidable direction is reported, not guessed.** An edge whose own
   evidence is weak *and* whose orientation is not forced by a confident
   family vote is ``undirected``; every edge gets a ``confidence`` in [0, 1].

Evidence is also described in words for each edge: sections added, removed
or renamed, front-matter changes, spelling converted (and which way),
placeholders introduced or filled in, written markers that differ (version,
latest date, qualified name) and, when it alone would direct the edge, how
much of each side's own text uses the shared words (new vocabulary).

A family's rows are a function of what ``family_key`` hashes (its members'
contents, line endings and dates, and the scores between them), so with a
cache a rerun reads unchanged families back (``analyzer.cache.LineageMemo``)
and computes only the families an edit touched.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz

from analyzer.cache import LineageMemo
from analyzer.group import UnionFind
from analyzer.lineage_signals import (FileSignals, file_signals, marker_signal, name_extension, novelty_signal,
                                      own_text_shares, placeholder_signal, spelling_signal)
from analyzer.models import KIND_SECTION, AgentFile, FileFamily, FilePair

RELATIONS = ("root", "derived", "undirected", "singleton")
_UNDIRECTED_BELOW = 0.08  # |evidence| under this, with no confident family vote, is "undirected"
# E(parent → child) = containment asymmetry + length term + cosmetic signals (lineage_signals), weighted:
_CONTAINMENT_WEIGHT = 1.0
_LENGTH_WEIGHT = 0.25
_PLACEHOLDER_WEIGHT = 0.3
_SPELLING_WEIGHT = 0.5
_MARKER_WEIGHT = 1.0  # per written marker of time (version, date, qualified name), each ±1
_NOVELTY_WEIGHT = 1.0  # times the difference of the own texts' shares of common words, in [-1, 1]
_SURFACE_WEIGHT = 0.02  # share of the tree weight from the text as written (a tie-break for cosmetic copies)
_SHAPE_TIE_BREAK = 0.01  # tie-break between candidate roots by tree shape; see _root_prior


@dataclass(frozen=True)
class LineageEdge:
    """One row of lineage.csv: a file, its family, its most likely parent and why."""

    file: str
    family: str
    parent: str
    relation: str
    confidence: float
    evidence: str
    details: tuple[tuple[str, str], ...] = ()


def infer_lineage(files: tuple[AgentFile, ...], families: tuple[FileFamily, ...],
                  pairs: tuple[FilePair, ...], *, dates: dict[str, str] | None = None,
                  memo: LineageMemo | None = None) -> tuple[LineageEdge, ...]:
    """A parent (or none) for every file, family by family, sorted by family then file.

    With ``memo`` (``analyzer.cache.LineageMemo``), a family whose
    ``family_key`` is remembered is read back instead of computed, and every
    family computed is remembered; the caller saves the memo.
    """
    by_path = {f.path: f for f in files}
    pair_of = {(p.file_a, p.file_b): p for p in pairs}
    rows: list[LineageEdge] = []
    for family in families:
        if len(family.members) == 1:
            rows.append(LineageEdge(family.members[0], family.family_id, "", "singleton", 1.0,
                                    "no near-copy in the library"))
            continue
        rows.extend(_remembered_lineage(family, by_path, pair_of, dates or {}, memo))
    return tuple(sorted(rows, key=lambda r: (r.family, r.file)))


def _remembered_lineage(family: FileFamily, by_path: dict[str, AgentFile], pair_of: dict[tuple[str, str], FilePair],
                        dates: dict[str, str], memo: LineageMemo | None) -> list[LineageEdge]:
    """``_family_lineage``, read from ``memo`` when it remembers the family's key (and remembered there if not)."""
    if memo is None:
        return _family_lineage(family, by_path, pair_of, dates)
    key = family_key(family, by_path, pair_of, dates)
    rows = memo.get(key, family)
    if rows is None:
        rows = _family_lineage(family, by_path, pair_of, dates)
        memo.put(key, rows)
    return rows


def family_key(family: FileFamily, by_path: dict[str, AgentFile], pair_of: dict[tuple[str, str], FilePair],
               dates: dict[str, str]) -> str:
    """sha256 of everything ``_family_lineage`` reads, so equal keys mean equal rows (``LineageMemo``).

    That is its members in order (ties in the tree and the re-rooting start
    follow it); for each member its path,
    its content hash (the parse, so every block, field and name, is a
    function of the content, the path and the rules, and the rules are in the
    memo's name), its line-ending style (``surface_sequence`` reads it, and
    ``parse_text`` takes it as given, not from the content) and its date;
    and ``_pair`` of every ordered pair of members, which the tree's edges
    and their descriptions read. Floats are written as ``repr`` writes them,
    so any change of a score changes the key. The family id is left out: it
    only labels the rows, and ids are numbered by family size, so an edit
    that grows one family renumbers others that did not change (their rows
    are read back under the new id).
    """
    members = family.members
    material = [
        [[m, by_path[m].sha256, by_path[m].line_endings, dates.get(m)] for m in members],
        [[float(value) for value in _pair(pair_of, a, b)] for a in members for b in members if a != b],
    ]
    text = json.dumps(material, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _pair(pair_of: dict[tuple[str, str], FilePair], a: str, b: str) -> tuple[float, float, float]:
    """(similarity, containment of a in b, containment of b in a), zeros when the files share nothing."""
    if (a, b) in pair_of:
        p = pair_of[(a, b)]
        return p.similarity, p.containment_a_in_b, p.containment_b_in_a
    if (b, a) in pair_of:
        p = pair_of[(b, a)]
        return p.similarity, p.containment_b_in_a, p.containment_a_in_b
    return 0.0, 0.0, 0.0


def word_sequence(agent_file: AgentFile) -> list[str]:
    """The file's normalised text as words: sections sorted by heading path, each its heading then its units.

    Sorting by the full heading path keeps every subsection under its parent
    and makes moving a section around cost nothing here; the order of the
    words inside a section still counts. ``surface_sequence`` still sees the
    move. Headings count as words like the rest: a renamed heading is an
    edit a descendant inherits, so it tells which copy a file was made from
    (with headings left out, a rename was only a change of sort order;
    measured with headings in: synthetic edge F1 0.930 -> 0.934, directed
    0.796 -> 0.806, worst seed 0.758 -> 0.790; real histories unchanged).
    """
    headings = section_heading_norms(agent_file)
    texts: dict[str, list[str]] = {path: [norm] for path, norm in headings.items()}
    for block in agent_file.units:
        texts.setdefault(block.heading_path, []).append(block.norm)
    return " ".join(text for path in sorted(texts) for text in texts[path]).split()


def section_heading_norms(agent_file: AgentFile) -> dict[str, str]:
    """Heading path -> the normalised heading of that section (first section wins on a repeated path).

    A section's normalised text is its normalised heading followed by its
    direct children's (``parse._finish``), so the heading is what is left
    once the children's part is taken off the end.
    """
    children: dict[str, list[str]] = defaultdict(list)
    for block in agent_file.blocks:
        if block.parent and block.norm:
            children[block.parent].append(block.norm)
    headings: dict[str, str] = {}
    for block in agent_file.blocks:
        if block.kind != KIND_SECTION or block.heading_path in headings:
            continue
        rest = " ".join(children.get(block.block_id, ()))
        heading = block.norm[:len(block.norm) - len(rest)] if rest and block.norm.endswith(rest) else block.norm
        headings[block.heading_path] = heading.strip()
    return headings


def surface_sequence(agent_file: AgentFile) -> list[str]:
    """The file as written: unit text and headings as words, before normalisation, plus its line-ending style."""
    parts = [b.heading if b.kind == KIND_SECTION else b.text for b in agent_file.blocks
             if b.is_unit or b.kind == KIND_SECTION]
    return [f"<{agent_file.line_endings}>"] + " ".join(parts).split()


def spanning_tree(members: tuple[str, ...], words: dict[str, list[str]],
                  surface: dict[str, list[str]] | None = None) -> list[tuple[str, str, float]]:
    """Maximum spanning tree (Kruskal) on word-level similarity of the members' normalised texts.

    Block-level similarity decides *whether* files are related; between
    versions of one file it is too coarse (most blocks are identical, so many
    pairs tie near 1.0). The edge weight is the mean of two word-level Indel
    ratios (rapidfuzz on token sequences, bit-parallel, so cheap even for long
    files): one on the words in order (sections in heading order, see
    ``word_sequence``), which tells the next version from the one after it,
    and one on the words sorted, which edits inside a paragraph disturb less.
    Measured on the real histories and on synthetic families
    (benchmarks/lineage_*.py), the mean beats either alone. With ``surface``
    (``surface_sequence`` per member), ``_SURFACE_WEIGHT`` times the ratio of
    the texts as written is added, so cosmetic differences break ties.
    Edges of equal weight (to 9 decimals, so float noise cannot split a tie)
    are taken in order of their ends' summed weight to all members, so a
    member that cannot tell two candidates apart joins the more central one.
    """
    ordered = {m: sorted(words[m]) for m in members}

    def weight(a: str, b: str) -> float:
        main = (fuzz.ratio(words[a], words[b]) + fuzz.ratio(ordered[a], ordered[b])) / 200.0
        if surface is None or not _SURFACE_WEIGHT:
            return main
        return main + _SURFACE_WEIGHT * fuzz.ratio(surface[a], surface[b]) / 100.0

    weights = {(a, b): weight(a, b) for i, a in enumerate(members) for b in members[i + 1:]}
    closeness = dict.fromkeys(members, 0.0)  # summed weight to the whole family: who is central
    for (a, b), value in weights.items():
        closeness[a] += value
        closeness[b] += value
    candidates = sorted(
        ((value, a, b) for (a, b), value in weights.items()),
        key=lambda item: (-round(item[0], 9), -round(closeness[item[1]] + closeness[item[2]], 9),
                          item[1], item[2]),
    )
    sets = UnionFind()
    tree = []
    for weight, a, b in candidates:
        if sets.find(a) != sets.find(b):
            sets.union(a, b)
            tree.append((a, b, weight))
    return tree


def edge_evidence(parent: AgentFile, child: AgentFile, pair: tuple[float, float, float],
                  dates: dict[str, str], signals: dict[str, FileSignals] | None = None) -> float:
    """Signed score for "parent → child" (positive: this direction is more likely).

    pair = (similarity, containment of parent in child, containment of child in parent);
    signals: ``file_signals`` of both files when already computed.
    """
    signals = signals or {}
    parent_signals = signals.get(parent.path) or file_signals(parent)
    child_signals = signals.get(child.path) or file_signals(child)
    _, parent_in_child, child_in_parent = pair
    containment = parent_in_child - child_in_parent
    size_parent = max(1, sum(b.chars for b in parent.units))
    size_child = max(1, sum(b.chars for b in child.units))
    length = max(-1.0, min(1.0, math.log(size_child / size_parent) * 2.0))
    score = _CONTAINMENT_WEIGHT * containment + _LENGTH_WEIGHT * length
    score += _PLACEHOLDER_WEIGHT * placeholder_signal(parent_signals, child_signals)
    score += _SPELLING_WEIGHT * spelling_signal(parent_signals, child_signals)
    score += _MARKER_WEIGHT * marker_signal(parent_signals, child_signals)
    score += _NOVELTY_WEIGHT * novelty_signal(parent, child)
    date_parent, date_child = dates.get(parent.path), dates.get(child.path)
    if date_parent and date_child and date_parent != date_child:
        score += 1.0 if date_parent < date_child else -1.0
    return score


def _family_lineage(family: FileFamily, by_path: dict[str, AgentFile],
                    pair_of: dict[tuple[str, str], FilePair], dates: dict[str, str]) -> list[LineageEdge]:
    members = family.members
    surface = {m: surface_sequence(by_path[m]) for m in members} if len(members) > 2 else None
    tree = spanning_tree(members, {m: word_sequence(by_path[m]) for m in members}, surface)
    signals = {m: file_signals(by_path[m]) for m in members}
    neighbours: dict[str, list[str]] = defaultdict(list)
    evidence: dict[tuple[str, str], float] = {}
    for a, b, _ in tree:
        neighbours[a].append(b)
        neighbours[b].append(a)
        score = edge_evidence(by_path[a], by_path[b], _pair(pair_of, a, b), dates, signals)
        evidence[(a, b)], evidence[(b, a)] = score, -score
    totals = _root_totals(members, neighbours, evidence)
    prior = _root_prior(members, neighbours)
    totals = {m: totals[m] + _SHAPE_TIE_BREAK * prior[m] for m in members}
    ranked = sorted(members, key=lambda m: (-totals[m], m))
    root = ranked[0]
    margin = totals[root] - totals[ranked[1]] if len(ranked) > 1 else 0.0
    parent_of = _orient(root, neighbours)
    rows = [LineageEdge(root, family.family_id, "", "root", round(_squash(margin), 4),
                        f"root of {len(members)} files: the version the others most plausibly derive from")]
    for child in sorted(parent_of):
        parent = parent_of[child]
        local = evidence[(parent, child)]
        confidence = _squash(0.5 * local + 0.5 * margin)
        relation = "derived" if max(local, margin) >= _UNDIRECTED_BELOW else "undirected"
        words, details = describe_change(by_path[parent], by_path[child], _pair(pair_of, parent, child),
                                         signals)
        rows.append(LineageEdge(child, family.family_id, parent, relation, round(confidence, 4), words, details))
    return rows


def _root_totals(members: tuple[str, ...], neighbours: dict[str, list[str]],
                 evidence: dict[tuple[str, str], float]) -> dict[str, float]:
    """Summed evidence of the tree oriented away from each possible root (re-rooting in O(n))."""
    start = members[0]
    total = sum(evidence[(p, c)] for c, p in _orient(start, neighbours).items())
    totals = {start: total}
    stack = [start]
    while stack:
        node = stack.pop()
        for other in sorted(neighbours[node]):
            if other not in totals:
                totals[other] = totals[node] - 2.0 * evidence[(node, other)]
                stack.append(other)
    for member in members:  # members the tree did not reach cannot happen; keep a value for safety
        totals.setdefault(member, float("-inf"))
    return totals


def _root_prior(members: tuple[str, ...], neighbours: dict[str, list[str]]) -> dict[str, float]:
    """Who should be the root when the evidence ties: a star's branching point, then an end, then a middle.

    Only a tie-break (weight ``_SHAPE_TIE_BREAK``): each tree neighbour beyond
    two counts 1 (forks hang from their original), an end of the tree 0.5
    (versions form chains: a middle member as root would mean two lines of
    edits made from it, with no evidence for either), a member with exactly
    two neighbours 0.
    """
    return {m: float(max(0, len(neighbours[m]) - 2)) + (0.5 if len(neighbours[m]) == 1 else 0.0)
            for m in members}


def _orient(root: str, neighbours: dict[str, list[str]]) -> dict[str, str]:
    """child -> parent for the tree hung from ``root``."""
    parent_of: dict[str, str] = {}
    seen, stack = {root}, [root]
    while stack:
        node = stack.pop()
        for other in sorted(neighbours[node]):
            if other not in seen:
                seen.add(other)
                parent_of[other] = node
                stack.append(other)
    return parent_of


def _squash(value: float) -> float:
    """Map evidence onto [0, 1): 0 for none, towards 1 for overwhelming."""
    return 1.0 - math.exp(-3.0 * max(0.0, value))


def describe_change(parent: AgentFile, child: AgentFile, pair: tuple[float, float, float],
                    signals: dict[str, FileSignals] | None = None) -> tuple[str, tuple[tuple[str, str], ...]]:
    """What the child changed relative to its parent, in words and as data (signals: ``file_signals`` if known)."""
    signals = signals or {}
    details: list[tuple[str, str]] = []
    added, removed, renamed = _section_changes(parent, child)
    if added:
        details.append(("sections_added", "; ".join(added)))
    if removed:
        details.append(("sections_removed", "; ".join(removed)))
    if renamed:
        details.append(("sections_renamed", "; ".join(renamed)))
    for key, value in _unit_changes(parent, child, set(removed), set(added)):
        details.append((key, value))
    fm = _field_changes(parent, child)
    if fm:
        details.append(("front_matter", "; ".join(fm)))
    parent_signals = signals.get(parent.path) or file_signals(parent)
    child_signals = signals.get(child.path) or file_signals(child)
    spelling = _spelling_direction(parent_signals, child_signals)
    if spelling:
        details.append(("spelling", spelling))
    slots = _placeholder_change(parent_signals, child_signals)
    if slots:
        details.append(("placeholders", slots))
    markers = _marker_change(parent_signals, child_signals)
    if markers:
        details.append(("markers", markers))
    vocabulary = _vocabulary_change(parent, child)
    if vocabulary:
        details.append(("new_vocabulary", vocabulary))
    similarity, parent_in_child, child_in_parent = pair
    details.append(("similarity", f"{similarity:.2f}"))
    details.append(("parent_in_child", f"{parent_in_child:.2f}"))
    details.append(("child_in_parent", f"{child_in_parent:.2f}"))
    words = [f"{key.replace('_', ' ')}: {value}" for key, value in details
             if key not in ("similarity", "parent_in_child", "child_in_parent")]
    if not words:
        words.append("wording edits only")
    words.append(f"keeps {parent_in_child:.0%} of parent, parent holds {child_in_parent:.0%} of it")
    return " | ".join(words), tuple(details)


def _section_signatures(agent_file: AgentFile) -> dict[str, set[str]]:
    """Top-level section heading -> fingerprints of the units under it (at any depth)."""
    sections = {b.block_id: b for b in agent_file.blocks if b.kind == KIND_SECTION}
    top: dict[str, str] = {}
    for block in agent_file.blocks:
        if block.kind == KIND_SECTION:
            parent = sections.get(block.parent)
            top[block.block_id] = top[parent.block_id] if parent else block.block_id
    result: dict[str, set[str]] = defaultdict(set)
    for block in agent_file.blocks:
        owner = top.get(block.parent) if block.is_unit else None
        if owner:
            result[sections[owner].heading].add(block.fingerprint)
    for block_id, owner in top.items():
        if block_id == owner:
            result.setdefault(sections[owner].heading, set())
    return result


def _section_changes(parent: AgentFile, child: AgentFile) -> tuple[list[str], list[str], list[str]]:
    old, new = _section_signatures(parent), _section_signatures(child)
    added = [h for h in new if h not in old]
    removed = [h for h in old if h not in new]
    renamed = []
    for heading in list(added):
        for gone in list(removed):
            shared = len(new[heading] & old[gone])
            if shared and shared >= 0.5 * max(1, min(len(new[heading]), len(old[gone]))):
                renamed.append(f"{gone} → {heading}")
                added.remove(heading)
                removed.remove(gone)
                break
    return added, removed, renamed


def _unit_changes(parent: AgentFile, child: AgentFile, parent_only: set[str],
                  child_only: set[str]) -> list[tuple[str, str]]:
    """Units added, removed or edited inside sections both files have, grouped by top-level section.

    Units of sections that only one side has are already named by
    ``sections_added``/``sections_removed``; a pasted block inside a shared
    section (a "Design Philosophy" paste under "Core Philosophy") shows here.
    A removed and an added unit under one heading whose normalised texts are
    close (ratio >= 80) count as one edited unit.
    """
    def body_units(agent_file: AgentFile, skip: set[str]) -> list:
        return [b for b in agent_file.units if b.kind != "field" and b.heading_path.split(" > ")[0] not in skip]

    old, new = body_units(parent, parent_only), body_units(child, child_only)
    old_prints, new_prints = {b.fingerprint for b in old}, {b.fingerprint for b in new}
    removed = [b for b in old if b.fingerprint not in new_prints]
    added = [b for b in new if b.fingerprint not in old_prints]
    edited = []
    for block in list(removed):
        top = block.heading_path.split(" > ")[0]
        twin = next((b for b in added if b.heading_path.split(" > ")[0] == top
                     and fuzz.ratio(block.norm, b.norm, score_cutoff=80)), None)
        if twin is not None:
            removed.remove(block)
            added.remove(twin)
            edited.append(twin)
    return [(key, _units_by_section(blocks)) for key, blocks in
            (("units_added", added), ("units_removed", removed), ("units_edited", edited)) if blocks]


def _units_by_section(blocks: list) -> str:
    """'Core Philosophy: 31 units ("Design Philosophy: Simplicity is…")' per top-level section, at most 4."""
    groups: dict[str, list] = defaultdict(list)
    for block in blocks:
        groups[block.heading_path.split(" > ")[0] or "(preamble)"].append(block)
    parts = []
    for heading, members in list(groups.items())[:4]:
        preview = " ".join(members[0].text.split())
        preview = preview if len(preview) <= 60 else preview[:59] + "…"
        count = f"{len(members)} unit{'s' if len(members) > 1 else ''}"
        parts.append(f'{heading}: {count} ("{preview}")')
    if len(groups) > 4:
        parts.append(f"+{len(groups) - 4} more sections")
    return "; ".join(parts)


def _field_changes(parent: AgentFile, child: AgentFile) -> list[str]:
    old, new = dict(parent.fields), dict(child.fields)
    changes = [f"+{k}" for k in new if k not in old] + [f"-{k}" for k in old if k not in new]
    changes += [f"~{k}" for k in new if k in old and new[k] != old[k]]
    return changes


def _spelling_direction(parent: FileSignals, child: FileSignals) -> str:
    old, new = Counter(dict(parent.british_words)), Counter(dict(child.british_words))
    lost, gained = sum((old - new).values()), sum((new - old).values())
    if lost and lost > gained:
        return f"converted to American spelling ({lost} words)"
    if gained and gained > lost:
        return f"converted to British spelling ({gained} words)"
    return ""


def _placeholder_change(parent: FileSignals, child: FileSignals) -> str:
    introduced, filled = sorted(child.slots - parent.slots), sorted(parent.slots - child.slots)
    parts = []
    if introduced:
        parts.append("introduced " + ", ".join(introduced[:6]))
    if filled:
        parts.append("filled in " + ", ".join(filled[:6]))
    return "; ".join(parts)


def _marker_change(parent: FileSignals, child: FileSignals) -> str:
    """Written markers of time that differ: 'version 1.2 → 1.3; latest date 2024-05-01 → 2024-06-01; name …'."""
    parts = []
    if parent.version and child.version and parent.version != child.version:
        parts.append("version " + ".".join(map(str, parent.version)) + " → " + ".".join(map(str, child.version)))
    if parent.latest_date and child.latest_date and parent.latest_date != child.latest_date:
        parts.append(f"latest date {parent.latest_date} → {child.latest_date}")
    if name_extension(parent.name, child.name):
        parts.append(f"name {parent.name} → {child.name}")
    return "; ".join(parts)


def _vocabulary_change(parent: AgentFile, child: AgentFile) -> str:
    """How "native" each side's own text is, when the difference alone would direct the edge (lower: newer)."""
    shares = own_text_shares(parent, child)
    if shares is None or abs(shares[0] - shares[1]) < _UNDIRECTED_BELOW:
        return ""
    return f"own words also in the shared text: parent {shares[0]:.0%}, child {shares[1]:.0%} (lower is newer)"
