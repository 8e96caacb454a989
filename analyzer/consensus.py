"""The common ancestor of a file family, and each member as a delta from it.

For a family of three or more files we reconstruct a *consensus* text, the
best guess at the version the members were copied from, by majority vote over
unit blocks (front-matter fields, paragraphs, list items, code, tables):

1. **Identity.** Two units are "the same unit" when they are in one block
   family (identical or near-identical after normalisation, from
   ``group.group_blocks``); a unit in no block family is its own. So a
   spelling conversion or a small word edit does not split a unit.
2. **Majority.** A unit enters the consensus when more than half of the
   members hold it. Blocks pasted into one fork (a "Design Philosophy"
   paste, a research section, template sections, a project specialisation)
   are in a minority and drop out.
3. **Order.** Each member ranks the consensus units it holds, in its own
   order, and the rank is scaled to [0, 1]; units are ordered by the median
   of these relative ranks (ties: mean rank, then first-seen order). Ranking
   only consensus units means an insertion in one member does not shift the
   others' positions.
4. **Wording and place.** Each unit is written in its most frequent exact
   text among the members, under its most frequent heading path (headings
   at their most frequent level), so a one-off rewording or a move stays a
   minority.

Each member is then described against the consensus: the units it adds
(outside the consensus, grouped by heading), the consensus units it drops,
the units it words differently (``changed``: another text; ``cosmetic``
when only the raw text differs but the normalised text is the same, e.g. a
spelling conversion), and which headings it adds or drops entirely.

Pure: works on the parsed files and block families, touches no disk.

Example:
    >>> from analyzer.consensus import family_consensus
    >>> # consensus = family_consensus(result.files, family, result.block_families)
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from analyzer.models import KIND_FIELD, KIND_SECTION, AgentFile, Block, BlockFamily, FileFamily

MIN_MEMBERS = 3
PREVIEW_CHARS = 80


@dataclass(frozen=True)
class ConsensusUnit:
    """One unit of the consensus text."""

    key: str  # block family id, or the unit's own block id when it has no family
    kind: str
    heading_path: str
    text: str
    support: int  # members holding it
    position: float  # median relative rank among the consensus units
    norm: str = ""  # normalised form of ``text``


@dataclass(frozen=True)
class MemberDelta:
    """How one member differs from its family's consensus."""

    file: str
    kept: int  # consensus units this member holds
    sections_added: tuple[str, ...]
    sections_dropped: tuple[str, ...]
    added: tuple[tuple[str, str], ...]  # (heading path, preview) of units outside the consensus
    dropped: tuple[tuple[str, str], ...]  # (heading path, preview) of consensus units it lacks
    changed: tuple[tuple[str, str, str], ...]  # (heading path, consensus preview, member preview)
    cosmetic: int  # units whose raw text differs only by what normalisation removes


@dataclass(frozen=True)
class Consensus:
    family: str
    members: tuple[str, ...]
    units: tuple[ConsensusUnit, ...]
    headings: tuple[tuple[str, str, int], ...]  # (heading path, heading text, level) used in the text
    deltas: tuple[MemberDelta, ...]


def family_consensus(files: tuple[AgentFile, ...], family: FileFamily,
                     block_families: tuple[BlockFamily, ...], *,
                     by_path: dict[str, AgentFile] | None = None,
                     family_of: dict[str, str] | None = None) -> Consensus:
    """The consensus of ``family`` (any size; callers use it for 3+ members).

    ``by_path`` and ``family_of`` (block id -> block family) are the
    library-wide lookups; pass them when building many consensuses so they are
    made once, not once per family.
    """
    by_path = by_path if by_path is not None else {f.path: f for f in files}
    members = tuple(sorted(family.members))
    if family_of is None:
        family_of = block_family_index(block_families)
    occurrences = {m: _all_units(by_path[m], family_of) for m in members}
    units_of = _pick_occurrences(occurrences)
    holders: dict[str, set[str]] = defaultdict(set)
    first_seen: dict[str, int] = {}
    for member in members:
        for key, _ in units_of[member]:
            holders[key].add(member)
            first_seen.setdefault(key, len(first_seen))
    chosen = {key for key, who in holders.items() if len(who) * 2 > len(members)}
    units = _consensus_units(chosen, members, units_of, first_seen)
    headings = _headings(members, by_path, {u.heading_path for u in units})
    deltas = tuple(_delta(member, units_of[member], occurrences[member], units, by_path[member])
                   for member in members)
    return Consensus(family.family_id, members, units, headings, deltas)


def consensus_for_families(files: tuple[AgentFile, ...], families: tuple[FileFamily, ...],
                           block_families: tuple[BlockFamily, ...],
                           min_members: int = MIN_MEMBERS) -> tuple[Consensus, ...]:
    """A consensus for every family with at least ``min_members`` files, in family order."""
    by_path = {f.path: f for f in files}
    family_of = block_family_index(block_families)
    return tuple(family_consensus(files, family, block_families, by_path=by_path, family_of=family_of)
                 for family in families if len(family.members) >= min_members)


def block_family_index(block_families: tuple[BlockFamily, ...]) -> dict[str, str]:
    """Block id -> block family id."""
    return {member: bf.family_id for bf in block_families for member in bf.members}


def _all_units(agent_file: AgentFile, family_of: dict[str, str]) -> list[tuple[str, Block]]:
    """(identity key, unit) for every unit, in file order."""
    return [(family_of.get(block.block_id, block.block_id), block) for block in agent_file.units]


def _pick_occurrences(occurrences: dict[str, list[tuple[str, Block]]]) -> dict[str, list[tuple[str, Block]]]:
    """One occurrence per key and member, in file order.

    A member that restates a unit (a template's "Input" section repeating
    the "Input Expectations" list) holds its key twice; the occurrence kept
    is the one under the heading most members put it under (ties: the first),
    so the restatement counts as an addition, not as the shared unit.
    """
    votes: dict[str, Counter] = defaultdict(Counter)
    for units in occurrences.values():
        for key, path in {(key, block.heading_path) for key, block in units}:
            votes[key][path] += 1
    picked = {}
    for member, units in occurrences.items():
        best: dict[str, tuple[int, int]] = {}
        for index, (key, block) in enumerate(units):
            score = (votes[key][block.heading_path], -index)
            if key not in best or score > best[key]:
                best[key] = score
        chosen_indexes = {-index for _, index in best.values()}
        picked[member] = [unit for index, unit in enumerate(units) if index in chosen_indexes]
    return picked


def _consensus_units(chosen: set[str], members: tuple[str, ...], units_of: dict[str, list[tuple[str, Block]]],
                     first_seen: dict[str, int]) -> tuple[ConsensusUnit, ...]:
    ranks: dict[str, list[float]] = defaultdict(list)
    texts: dict[str, Counter] = defaultdict(Counter)
    paths: dict[str, Counter] = defaultdict(Counter)
    kinds: dict[str, Counter] = defaultdict(Counter)
    norms: dict[tuple[str, str], str] = {}
    for member in members:
        kept = [(key, block) for key, block in units_of[member] if key in chosen]
        for index, (key, block) in enumerate(kept):
            ranks[key].append(index / max(1, len(kept) - 1))
            texts[key][block.text] += 1
            norms.setdefault((key, block.text), block.norm)
            paths[key][block.heading_path] += 1
            kinds[key][block.kind] += 1
    order = sorted(chosen, key=lambda k: (_is_body(kinds[k]), statistics.median(ranks[k]),
                                          statistics.fmean(ranks[k]), first_seen[k]))
    units = []
    for key in order:
        text = _most_common(texts[key])
        units.append(ConsensusUnit(key, _most_common(kinds[key]), _most_common(paths[key]), text, len(ranks[key]),
                                   round(statistics.median(ranks[key]), 4), norms[(key, text)]))
    return tuple(units)


def _is_body(kinds: Counter) -> bool:
    """Front-matter fields come first whatever their rank."""
    return _most_common(kinds) != KIND_FIELD


def _most_common(counter: Counter) -> str:
    """The most frequent value; ties go to the smallest, so the result is deterministic."""
    best = max(counter.values())
    return min(value for value, count in counter.items() if count == best)


def _headings(members: tuple[str, ...], by_path: dict[str, AgentFile],
              used: set[str]) -> tuple[tuple[str, str, int], ...]:
    """(heading path, heading text, level) for every heading path the consensus text needs."""
    needed = {path for used_path in used if used_path and not used_path.startswith("front matter")
              for path in _prefixes(used_path)}
    texts: dict[str, Counter] = defaultdict(Counter)
    levels: dict[str, Counter] = defaultdict(Counter)
    for member in members:
        for block in by_path[member].blocks:
            if block.kind == KIND_SECTION and block.heading_path in needed:
                texts[block.heading_path][block.heading] += 1
                levels[block.heading_path][str(block.level)] += 1
    result = []
    for path in sorted(needed):
        depth = path.count(" > ") + 1
        heading = _most_common(texts[path]) if texts[path] else path.split(" > ")[-1]
        level = int(_most_common(levels[path])) if levels[path] else min(6, depth + 1)
        result.append((path, heading, level))
    return tuple(result)


def _prefixes(path: str) -> list[str]:
    parts = path.split(" > ")
    return [" > ".join(parts[: i + 1]) for i in range(len(parts))]


def preview(text: str, width: int = PREVIEW_CHARS) -> str:
    """One line of ``text``, cut to ``width`` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def _delta(member: str, units: list[tuple[str, Block]], occurrences: list[tuple[str, Block]],
           consensus: tuple[ConsensusUnit, ...], agent_file: AgentFile) -> MemberDelta:
    in_consensus = {u.key: u for u in consensus}
    held = {key: block for key, block in units}
    shared_ids = {block.block_id for key, block in units if key in in_consensus}
    added = [(block.heading_path, preview(block.text)) for _, block in occurrences if block.block_id not in shared_ids]
    dropped = [(u.heading_path, preview(u.text)) for u in consensus if u.key not in held]
    changed, cosmetic = [], 0
    for unit in consensus:
        block = held.get(unit.key)
        if block is None or block.text == unit.text:
            continue
        if block.norm == unit.norm:
            cosmetic += 1
        else:
            changed.append((unit.heading_path, preview(unit.text), preview(block.text)))
    member_paths = {b.heading_path for b in agent_file.blocks if b.kind == KIND_SECTION}
    consensus_paths = {u.heading_path for u in consensus}
    held_paths = {block.heading_path for key, block in units if key in in_consensus}
    sections_added = tuple(p for p in _ordered_paths(agent_file) if _only_new_units(p, occurrences, shared_ids)
                           and p not in consensus_paths
                           and not any(c.startswith(p + " > ") for c in consensus_paths))
    sections_dropped = tuple(sorted({p for p in consensus_paths if p and not p.startswith("front matter")
                                     and p not in held_paths and p not in member_paths}))
    return MemberDelta(member, len(held.keys() & in_consensus.keys()), sections_added, sections_dropped,
                       tuple(added), tuple(dropped), tuple(changed), cosmetic)


def _only_new_units(path: str, occurrences: list[tuple[str, Block]], shared_ids: set[str]) -> bool:
    """Whether the section at ``path`` (with its subsections) holds units, none of them consensus units."""
    inside = [block.block_id for _, block in occurrences
              if block.heading_path == path or block.heading_path.startswith(path + " > ")]
    return bool(inside) and not any(block_id in shared_ids for block_id in inside)


def _ordered_paths(agent_file: AgentFile) -> list[str]:
    return [b.heading_path for b in agent_file.blocks if b.kind == KIND_SECTION]
