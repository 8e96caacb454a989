"""Audit findings a librarian wants first, derived from files, pairs and families.

* ``exact-duplicate``: files whose bytes are identical.
* ``normalized-duplicate``: files that differ in bytes but are identical once
  normalised (spelling, whitespace, markup...).
* ``same-name-different-content``: files that share a front-matter ``name``
  but are not in the same file family.
* ``renamed-copy``: a file family whose members carry different ``name``s.
* ``internal-restatement``: two sections of one file, neither inside the
  other, that say the same thing. Candidates must share most of their words
  (60 % of the smaller word set) and be of comparable size (the smaller has
  at least half the words of the larger: a short section whose words all
  occur in a long one is not a restatement). They are then scored with
  rapidfuzz's ``token_sort_ratio`` on the normalised text, which tolerates
  reordered sentences but not added material. When a section restates both
  a section and that section's subsections, only the outermost pair is kept.
* ``stale-copy``: inside one file family, a block family (near-copies of one
  unit: paragraph, list item, code...; front-matter fields and units shorter
  than ``STALE_MIN_CHARS`` are left out) held by at least three of the
  family's files, whose copies split into a majority version (one normalised
  text held by more than half of those files) and the rest. Each file's
  version is the set of fingerprints of its copies. The finding names the
  agreeing and the differing files and the block's heading path. It does not
  say which side is stale: the minority may be the newer edit, and findings
  are computed before lineage. Ordered by file family (largest first), then
  by the block's place in the first agreeing file; at most
  ``STALE_PER_FAMILY`` per family (the last one then counts the rest) and
  ``STALE_MAX`` in all.
* ``most-copied-block``: the block families found in the most files.
"""

from __future__ import annotations

import re
from collections import defaultdict

from rapidfuzz import fuzz

from analyzer.cache import RestatementMemo
from analyzer.group import BlockGrouping
from analyzer.models import CONTAINER_KINDS, KIND_FIELD, AgentFile, Block, FileFamily, Finding

_WORD = re.compile(r"\w{3,}")
RESTATEMENT_SCORE = 0.8
_RESTATEMENT_MIN_WORDS = 12
STALE_MIN_COPIES = 3  # files of one family holding the block; with two there is no majority
STALE_MIN_CHARS = 24  # shorter units (a word, a bullet label) are left out, as in scan's stale-copy
STALE_PER_FAMILY = 10
STALE_MAX = 500


def find_findings(files: tuple[AgentFile, ...], families: tuple[FileFamily, ...],
                  grouping: BlockGrouping, *, top_blocks: int,
                  memo: RestatementMemo | None = None) -> tuple[Finding, ...]:
    """Every finding, in a fixed order; a ``memo`` may supply files' restatements (the same values)."""
    findings = (
        _duplicates(files)
        + _name_findings(files, families)
        + _restatements(files, memo)
        + stale_copies(files, families, grouping)
        + _most_copied(files, grouping, top_blocks)
    )
    return tuple(findings)


def _duplicates(files: tuple[AgentFile, ...]) -> list[Finding]:
    by_bytes: dict[str, list[str]] = defaultdict(list)
    by_norm: dict[str, list[AgentFile]] = defaultdict(list)
    for agent_file in files:
        by_bytes[agent_file.sha256].append(agent_file.path)
        by_norm["|".join(b.fingerprint for b in agent_file.blocks if b.is_unit)].append(agent_file)
    findings = [
        Finding("exact-duplicate", f"{len(paths)} files are byte-identical", tuple(sorted(paths)))
        for paths in by_bytes.values() if len(paths) > 1
    ]
    for group in by_norm.values():
        if len({f.sha256 for f in group}) > 1 and any(b.is_unit for b in group[0].blocks):
            paths = tuple(sorted(f.path for f in group))
            findings.append(Finding("normalized-duplicate",
                                    f"{len(paths)} files differ only in what normalisation removes", paths))
    return sorted(findings, key=lambda f: (f.kind, f.files))


def _name_findings(files: tuple[AgentFile, ...], families: tuple[FileFamily, ...]) -> list[Finding]:
    family_of = {path: family.family_id for family in families for path in family.members}
    name_of = {f.path: f.name for f in files}
    by_name: dict[str, list[str]] = defaultdict(list)
    for agent_file in files:
        if agent_file.name:
            by_name[agent_file.name.casefold()].append(agent_file.path)
    findings = []
    for name, paths in sorted(by_name.items()):
        groups: dict[str, list[str]] = defaultdict(list)
        for path in paths:
            groups[family_of[path]].append(path)
        if len(groups) > 1:
            ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
            details = tuple((family, ", ".join(sorted(members))) for family, members in ordered)
            findings.append(Finding(
                "same-name-different-content",
                f"name '{name_of[paths[0]]}' is used by {len(paths)} files in {len(groups)} different families",
                tuple(sorted(paths)), details))
    for family in families:
        names = defaultdict(list)
        for path in family.members:
            names[name_of[path]].append(path)
        named = {n: p for n, p in names.items() if n}
        if len(names) > 1 and named:
            majority = max(named.items(), key=lambda item: (len(item[1]), item[0]))[0]
            for name, paths in sorted(names.items()):
                if name != majority:
                    shown = name or "(no name)"
                    findings.append(Finding(
                        "renamed-copy",
                        f"{', '.join(sorted(paths))} named '{shown}' belongs to family {family.family_id}, "
                        f"whose other members are named '{majority}'",
                        tuple(sorted(paths)), (("family", family.family_id), ("family_name", majority))))
    return findings


def _restatements(files: tuple[AgentFile, ...], memo: RestatementMemo | None) -> list[Finding]:
    findings = []
    for agent_file in files:
        for first, second, score in _remembered_restatements(agent_file, memo):
            findings.append(Finding(
                "internal-restatement",
                f"{agent_file.path}: '{first.heading_path}' (lines {first.start_line}-{first.end_line}) and "
                f"'{second.heading_path}' (lines {second.start_line}-{second.end_line}) say the same thing "
                f"(score {score:.2f})",
                (agent_file.path,),
                (("section_a", first.block_id), ("section_b", second.block_id), ("score", f"{score:.2f}")),
            ))
    return findings


def _remembered_restatements(agent_file: AgentFile, memo: RestatementMemo | None) -> list[tuple[Block, Block, float]]:
    """``internal_restatements``, read from ``memo`` by content when it holds the file (by block ordinal)."""
    remembered = memo.get(agent_file.sha256) if memo is not None else None
    if remembered == []:  # most files restate nothing
        return []
    if remembered is not None:
        by_ordinal = {block.ordinal: block for block in agent_file.blocks}
        if all(a in by_ordinal and b in by_ordinal for a, b, _ in remembered):
            return [(by_ordinal[a], by_ordinal[b], score) for a, b, score in remembered]
    found = internal_restatements(agent_file)
    if memo is not None:
        memo.put(agent_file.sha256, [(a.ordinal, b.ordinal, score) for a, b, score in found])
    return found


def internal_restatements(agent_file: AgentFile) -> list[tuple[Block, Block, float]]:
    """Pairs of non-nested sections of one file that say the same thing, with their scores."""
    sections = [b for b in agent_file.blocks if b.kind in CONTAINER_KINDS]
    words = {s.block_id: set(_WORD.findall(s.norm)) for s in sections}
    ancestors = _ancestors(agent_file)
    found = []
    for index, first in enumerate(sections):
        first_words = words[first.block_id]
        if len(first_words) < _RESTATEMENT_MIN_WORDS:
            continue
        for second in sections[index + 1:]:
            second_words = words[second.block_id]
            if len(second_words) < _RESTATEMENT_MIN_WORDS or first.block_id in ancestors[second.block_id]:
                continue
            smaller, larger = sorted((len(first_words), len(second_words)))
            if smaller < 0.5 * larger or len(first_words & second_words) < 0.6 * smaller:
                continue
            score = fuzz.token_sort_ratio(first.norm, second.norm) / 100.0
            if score >= RESTATEMENT_SCORE:
                found.append((first, second, round(score, 4)))
    pairs = {(a.block_id, b.block_id) for a, b, _ in found}
    return [
        (a, b, score) for a, b, score in found
        if not any((x, b.block_id) in pairs for x in ancestors[a.block_id])
        and not any((a.block_id, y) in pairs for y in ancestors[b.block_id])
    ]


def _ancestors(agent_file: AgentFile) -> dict[str, set[str]]:
    parent_of = {b.block_id: b.parent for b in agent_file.blocks}
    result: dict[str, set[str]] = {}
    for block_id in parent_of:
        chain, current = set(), parent_of[block_id]
        while current:
            chain.add(current)
            current = parent_of.get(current, "")
        result[block_id] = chain
    return result


def stale_copies(files: tuple[AgentFile, ...], families: tuple[FileFamily, ...],
                 grouping: BlockGrouping) -> list[Finding]:
    """``stale-copy`` findings: units whose copies in one file family split into a majority and the rest."""
    blocks = {b.block_id: b for f in files for b in f.blocks}
    family_of = {path: family.family_id for family in families for path in family.members}
    by_file_family: dict[str, list[list[Block]]] = defaultdict(list)
    for block_family in grouping.families:
        members = [blocks[m] for m in block_family.members]
        if members[0].kind == KIND_FIELD or not members[0].is_unit:
            continue
        inside: dict[str, list[Block]] = defaultdict(list)
        for block in members:
            inside[family_of[block.file]].append(block)
        for file_family, copies in inside.items():
            if len({b.file for b in copies}) >= STALE_MIN_COPIES and max(b.chars for b in copies) >= STALE_MIN_CHARS:
                by_file_family[file_family].append(copies)
    findings: list[Finding] = []
    for family in families:
        split = [s for s in (_majority_split(copies) for copies in by_file_family.get(family.family_id, ())) if s]
        split.sort(key=lambda s: (s[0][0].file, s[0][0].start_line, s[0][0].block_id))
        findings += [_stale_finding(family.family_id, agree, differ) for agree, differ in split[:STALE_PER_FAMILY]]
        if len(split) > STALE_PER_FAMILY:
            findings[-1] = _stale_rest(family.family_id, split[STALE_PER_FAMILY - 1:])
    return findings[:STALE_MAX]


def _majority_split(copies: list[Block]) -> tuple[list[Block], list[Block]] | None:
    """(one block per agreeing file, one per differing file) when one text is in more than half the files.

    A file agrees when any of its copies has the majority text (a file that
    restates the block elsewhere in a variant wording still holds it).
    """
    by_file: dict[str, list[Block]] = defaultdict(list)
    for block in sorted(copies, key=lambda b: (b.file, b.start_line, b.block_id)):
        by_file[block.file].append(block)
    holders: dict[str, set[str]] = defaultdict(set)
    for path, held in by_file.items():
        for block in held:
            holders[block.fingerprint].add(path)
    majority, agreeing = min(holders.items(), key=lambda item: (-len(item[1]), item[0]))
    if 2 * len(agreeing) <= len(by_file) or len(agreeing) == len(by_file):
        return None
    agree = [next(b for b in by_file[path] if b.fingerprint == majority) for path in sorted(agreeing)]
    differ = [by_file[path][0] for path in sorted(by_file) if path not in agreeing]
    return agree, differ


def _stale_finding(family_id: str, agree: list[Block], differ: list[Block]) -> Finding:
    heading = agree[0].heading_path or "(top of file)"
    text = " ".join(agree[0].text.split())
    preview = text if len(text) <= 60 else text[:57] + "..."
    copies = len(agree) + len(differ)
    return Finding(
        "stale-copy",
        f"{family_id} '{heading}': {len(agree)} of {copies} copies agree; these differ: {_listed(differ)} "
        f"(agreeing: {_listed(agree)}). Majority text: {preview}",
        tuple(sorted(b.file for b in agree + differ)),
        (("family", family_id), ("heading_path", agree[0].heading_path),
         ("agree", " ; ".join(f"{b.file}:{b.start_line}" for b in agree)),
         ("differ", " ; ".join(f"{b.file}:{b.start_line}" for b in differ))),
    )


def _stale_rest(family_id: str, rest: list[tuple[list[Block], list[Block]]]) -> Finding:
    paths = sorted({b.file for agree, differ in rest for b in agree + differ})
    differing = sorted({b.file for _, differ in rest for b in differ})
    return Finding(
        "stale-copy",
        f"{family_id}: {len(rest)} more units where most copies agree and some differ "
        f"(differing files: {', '.join(differing[:5])}{' …' if len(differing) > 5 else ''}); "
        f"see families/{family_id}/consensus.md",
        tuple(paths),
        (("family", family_id), ("units", str(len(rest))), ("differ", " ; ".join(differing))),
    )


def _listed(blocks: list[Block], shown: int = 3) -> str:
    names = [f"{b.file}:{b.start_line}" for b in blocks[:shown]]
    return ", ".join(names) + (f" and {len(blocks) - shown} more" if len(blocks) > shown else "")


def _most_copied(files: tuple[AgentFile, ...], grouping: BlockGrouping, top: int) -> list[Finding]:
    blocks = {b.block_id: b for f in files for b in f.blocks}
    ranked = sorted(
        (family for family in grouping.families if len(family.files) > 1 and blocks[family.representative].is_unit),
        key=lambda family: (-len(family.files), -len(blocks[family.representative].norm), family.family_id),
    )
    findings = []
    for family in ranked[:top]:
        text = blocks[family.representative].text.strip().replace("\n", " ")
        preview = text if len(text) <= 100 else text[:97] + "..."
        findings.append(Finding(
            "most-copied-block",
            f"block family {family.family_id} appears in {len(family.files)} files: {preview}",
            family.files, (("block_family", family.family_id), ("members", str(len(family.members)))),
        ))
    return findings
