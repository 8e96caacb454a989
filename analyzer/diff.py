"""Section-aware diff of two agent files: what separates them, and what is only cosmetic.

``diff_files(a, b, rules=...)`` compares two parsed ``AgentFile``s and
returns a ``FileDiff``; it reads nothing from disk.

Algorithm
---------
1. **Front matter.** Fields are paired by key (case-insensitive); each pair
   is classified (``analyzer.classify``), unpaired keys are only in A or B.
2. **Containers.** Each file becomes a list of containers, each holding its
   *own* unit blocks (paragraphs, list items, code, tables; subsections are
   containers of their own). The preamble and the document title (a lone H1
   before every other heading) form one *top* container, so a copy that
   added a title is not a copy whose every opening line moved; the titles
   themselves are compared apart (``title_a`` / ``title_b``).
3. **Section matching**, cheapest evidence first: the top containers pair
   with each other; then equal normalised heading paths (in order, so
   repeated headings pair up in order); then equal last headings (a
   subsection that moved under another parent); then, for what is left,
   content: the pair with the highest unit overlap (Dice over normalised
   unit texts, at least ``SECTION_CONTENT_MIN``) is a renamed section.
   Leftovers are sections only in A or only in B. A matched section is
   ``moved`` when it changed parent or falls outside the longest run of
   matched sections that kept their order.
4. **Unit alignment** inside each matched pair of sections:
   ``SequenceMatcher`` over the normalised unit texts pairs equal units;
   inside each unequal stretch units are paired greedily by rapidfuzz ratio
   (at least ``UNIT_PAIR_MIN``). Every pair is classified; a unit left over
   on one side is inserted or deleted, unless the same text is left over on
   the other side somewhere else in the file: then it ``moved``.
5. **Summary.** Cosmetic differences (spelling pairs with counts, slots,
   formatting, white space) are added up over the whole file; real edits
   (``edited``, ``extended``, ``truncated``, ``rewritten``), insertions,
   deletions, renames and moves are listed where they happen.

Normalised texts come from the given ``rules``, so ``rules`` alone decides
what counts as cosmetic; ``Block.norm`` is reused only when the caller says
the files were parsed with those same rules (``parsed_with``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from rapidfuzz import fuzz

from analyzer.classify import (
    REAL_EDIT_CLASSES,
    Classification,
    SlotFill,
    SpellingPair,
    classify_texts,
    merge_spelling,
    ordered_classes,
    reduce_real_edits,
)
from analyzer.models import KIND_CODE, KIND_FIELD, KIND_PREAMBLE, KIND_SECTION, AgentFile, Block
from analyzer.normalize import active_rules, normalize
from analyzer.settings import DEFAULT_RULES

UNIT_PAIR_MIN = 0.6  # rapidfuzz ratio (0..1) for two units in the same stretch to count as one edited unit
SECTION_CONTENT_MIN = 0.5  # unit overlap (Dice) for two differently-headed sections to count as one renamed
TOP = ""  # container key of the preamble plus title


@dataclass(frozen=True)
class FieldDiff:
    """One front-matter key: ``same``, ``changed``, ``only-a`` or ``only-b``."""

    key: str
    status: str
    value_a: str
    value_b: str
    classification: Classification | None = None


@dataclass(frozen=True)
class UnitDiff:
    """One unit block: ``matched`` (with its classification), ``only-a``, ``only-b`` or ``moved``.

    A ``moved`` unit is listed where it is in B; ``moved_from`` is the A
    section it came from (``""`` for the top of the file).
    """

    status: str
    kind: str
    line_a: int
    line_b: int
    text_a: str
    text_b: str
    classification: Classification | None = None
    moved_from: str = ""


@dataclass(frozen=True)
class SectionDiff:
    """A section (or the top of the file) on either side and how it changed."""

    status: str  # "matched", "only-a", "only-b"
    path_a: str
    path_b: str
    level_a: int
    level_b: int
    line_a: int
    line_b: int
    classes: tuple[str, ...]
    units: tuple[UnitDiff, ...]  # every unit that is not identical, in reading order
    identical_units: int = 0

    @property
    def path(self) -> str:
        return self.path_b if self.status != "only-a" else self.path_a


@dataclass(frozen=True)
class FileDiff:
    file_a: str
    file_b: str
    rules: tuple[str, ...]
    classes: tuple[str, ...]
    title_a: str
    title_b: str
    fields: tuple[FieldDiff, ...]
    sections: tuple[SectionDiff, ...]
    spelling: tuple[SpellingPair, ...]
    placeholders: tuple[SlotFill, ...]
    cosmetic_units: tuple[tuple[str, int], ...] = field(default=())  # (class, units showing it)

    @property
    def real_edits(self) -> tuple[tuple[SectionDiff, UnitDiff], ...]:
        """Matched units whose difference is more than cosmetic."""
        return tuple((s, u) for s in self.sections for u in s.units
                     if u.classification is not None and u.classification.is_real_edit)


# --- containers -------------------------------------------------------------------

@dataclass(frozen=True)
class _Container:
    key: str  # normalised heading path ("" for the top)
    path: str  # heading path as written
    heading: str  # normalised last heading
    parent: str  # normalised parent heading path
    level: int
    line: int
    units: tuple[Block, ...]


def title_block(agent_file: AgentFile) -> Block | None:
    """The document title: a lone H1 that comes before every other heading, or None."""
    sections = [b for b in agent_file.blocks if b.kind == KIND_SECTION]
    if sections and sections[0].level == 1 and sum(1 for s in sections if s.level == 1) == 1:
        return sections[0]
    return None


def block_places(agent_file: AgentFile) -> dict[str, str]:
    """block id -> heading path of the section it sits in, with the preamble and title as ``""``."""
    title = title_block(agent_file)
    top = {b.block_id for b in agent_file.blocks if b.kind == KIND_PREAMBLE}
    if title is not None:
        top.add(title.block_id)
    by_id = {b.block_id: b for b in agent_file.blocks}
    places = {}
    for block in agent_file.blocks:
        if block.kind == KIND_FIELD:
            places[block.block_id] = "front matter"
        elif block.kind in (KIND_SECTION, KIND_PREAMBLE):
            places[block.block_id] = TOP if block.block_id in top else block.heading_path
        else:
            parent = by_id.get(block.parent)
            places[block.block_id] = TOP if block.parent in top or parent is None else parent.heading_path
    return places


def _containers(agent_file: AgentFile, norm) -> list[_Container]:
    title = title_block(agent_file)
    top_ids = {b.block_id for b in agent_file.blocks if b.kind == KIND_PREAMBLE}
    if title is not None:
        top_ids.add(title.block_id)
    units: dict[str, list[Block]] = defaultdict(list)
    for block in agent_file.blocks:
        if block.is_unit and block.kind != KIND_FIELD:
            units[TOP if block.parent in top_ids else block.parent].append(block)
    containers = [_Container(TOP, "", "", "", 0, min((u.start_line for u in units[TOP]), default=0),
                             tuple(units[TOP]))]
    for block in agent_file.blocks:
        if block.kind != KIND_SECTION or block.block_id in top_ids:
            continue
        parts = block.heading_path.split(" > ")
        containers.append(_Container(
            key=" > ".join(norm(p) for p in parts), path=block.heading_path, heading=norm(parts[-1]),
            parent=" > ".join(norm(p) for p in parts[:-1]), level=block.level, line=block.start_line,
            units=tuple(units[block.block_id]),
        ))
    return containers


# --- entry point ---------------------------------------------------------------------

def diff_files(a: AgentFile, b: AgentFile, *, rules: Iterable[str] = DEFAULT_RULES,
               parsed_with: Iterable[str] | None = None) -> FileDiff:
    """Compare two parsed agent files section by section (see the module docstring).

    ``parsed_with`` names the rules the files were parsed with; when they are
    the diff's ``rules``, the units' stored normalised texts are reused
    instead of normalising every unit a second time.
    """
    rules = tuple(rules)
    rule_objects = active_rules(rules)
    cache: dict[str, str] = {}
    if parsed_with is not None and set(parsed_with) == set(rules):
        cache.update((block.text, block.norm) for f in (a, b) for block in f.units)

    def norm(text: str) -> str:
        if text not in cache:
            cache[text] = normalize(text, rule_objects)
        return cache[text]

    fields = _diff_fields(a, b, rules)
    containers_a, containers_b = _containers(a, norm), _containers(b, norm)
    pairs, only_a, only_b = _match_sections(containers_a, containers_b, norm)
    moved_sections = _moved_sections(pairs, containers_a, containers_b)
    title_a, title_b = (t.heading if (t := title_block(f)) else "" for f in (a, b))
    sections = _section_diffs(containers_a, containers_b, pairs, only_a, only_b, moved_sections, norm, rules)
    return _summarise(a, b, rules, title_a, title_b, fields, sections)


def _diff_fields(a: AgentFile, b: AgentFile, rules: tuple[str, ...]) -> tuple[FieldDiff, ...]:
    values_a = {key.strip().lower(): (key, value) for key, value in a.fields}
    values_b = {key.strip().lower(): (key, value) for key, value in b.fields}
    order = [k for k, _ in (*a.fields, *b.fields)]
    diffs: list[FieldDiff] = []
    for key in dict.fromkeys(k.strip().lower() for k in order):
        if key in values_a and key in values_b:
            value_a, value_b = values_a[key][1], values_b[key][1]
            classification = classify_texts(value_a, value_b, rules=rules)
            status = "same" if classification.classes == ("identical",) else "changed"
            diffs.append(FieldDiff(values_b[key][0], status, value_a, value_b, classification))
        elif key in values_a:
            diffs.append(FieldDiff(values_a[key][0], "only-a", values_a[key][1], ""))
        else:
            diffs.append(FieldDiff(values_b[key][0], "only-b", "", values_b[key][1]))
    return tuple(diffs)


# --- section matching ------------------------------------------------------------------

def _match_sections(containers_a: list[_Container], containers_b: list[_Container], norm):
    """Pairs (index in A, index in B), then the unpaired indexes of A and of B."""
    pairs: list[tuple[int, int]] = [(0, 0)]
    free_a = list(range(1, len(containers_a)))
    free_b = list(range(1, len(containers_b)))
    for attribute in ("key", "heading"):
        waiting: dict[str, list[int]] = defaultdict(list)
        for j in free_b:
            waiting[getattr(containers_b[j], attribute)].append(j)
        for i in list(free_a):
            queue = waiting.get(getattr(containers_a[i], attribute))
            if queue:
                j = queue.pop(0)
                pairs.append((i, j))
                free_a.remove(i)
                free_b.remove(j)
    for i, j in _content_pairs(containers_a, containers_b, free_a, free_b, norm):
        pairs.append((i, j))
        free_a.remove(i)
        free_b.remove(j)
    return sorted(pairs), free_a, free_b


def _content_pairs(containers_a, containers_b, free_a, free_b, norm) -> list[tuple[int, int]]:
    scored = []
    for i in free_a:
        texts_a = Counter(norm(u.text) for u in containers_a[i].units)
        for j in free_b:
            texts_b = Counter(norm(u.text) for u in containers_b[j].units)
            total = sum(texts_a.values()) + sum(texts_b.values())
            overlap = 2 * sum((texts_a & texts_b).values()) / total if total else 0.0
            if overlap >= SECTION_CONTENT_MIN:
                scored.append((-overlap, i, j))
    chosen, used_a, used_b = [], set(), set()
    for _, i, j in sorted(scored):
        if i not in used_a and j not in used_b:
            chosen.append((i, j))
            used_a.add(i)
            used_b.add(j)
    return chosen


def _moved_sections(pairs, containers_a, containers_b) -> set[tuple[int, int]]:
    """Matched pairs that changed parent or fall outside the longest in-order run."""
    ordered = [(i, j) for i, j in pairs if i and j]
    keep = set(_longest_increasing(ordered))
    return {(i, j) for i, j in ordered
            if (i, j) not in keep or containers_a[i].parent != containers_b[j].parent}


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of ``pairs`` (sorted by A index) whose B indexes increase."""
    best: list[list[tuple[int, int]]] = []
    for pair in pairs:
        candidates = [run for run in best if run[-1][1] < pair[1]]
        best.append(max(candidates, key=len, default=[]) + [pair])
    return max(best, key=len, default=[])


# --- unit alignment --------------------------------------------------------------------

def _align_units(units_a: tuple[Block, ...], units_b: tuple[Block, ...], norm) -> list:
    texts_a, texts_b = [norm(u.text) for u in units_a], [norm(u.text) for u in units_b]
    entries: list[tuple[str, Block | None, Block | None]] = []
    matcher = SequenceMatcher(None, texts_a, texts_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            entries.extend(("pair", units_a[i], units_b[j]) for i, j in zip(range(i1, i2), range(j1, j2)))
        else:
            entries.extend(_pair_stretch(units_a[i1:i2], units_b[j1:j2], texts_a[i1:i2], texts_b[j1:j2]))
    return entries


def _pair_stretch(units_a, units_b, texts_a, texts_b) -> list[tuple[str, Block | None, Block | None]]:
    """Pair the most similar units of an unequal stretch (without crossing); the rest are one-sided."""
    scored = sorted(
        (-fuzz.ratio(ta, tb, score_cutoff=UNIT_PAIR_MIN * 100), i, j)
        for i, ta in enumerate(texts_a) for j, tb in enumerate(texts_b)
        if units_a[i].kind == units_b[j].kind or KIND_CODE not in (units_a[i].kind, units_b[j].kind)
    )
    partner: dict[int, int] = {}
    used_b: set[int] = set()
    for negative, i, j in scored:
        if negative < 0 and i not in partner and j not in used_b and _keeps_order(partner, i, j):
            partner[i] = j
            used_b.add(j)
    entries: list[tuple[str, Block | None, Block | None]] = []
    next_a = next_b = 0
    for i, j in sorted(partner.items()):  # pairs keep their order, so sorting by i sorts by j too
        entries.extend(("only-a", units_a[k], None) for k in range(next_a, i))
        entries.extend(("only-b", None, units_b[k]) for k in range(next_b, j))
        entries.append(("pair", units_a[i], units_b[j]))
        next_a, next_b = i + 1, j + 1
    entries.extend(("only-a", units_a[k], None) for k in range(next_a, len(units_a)))
    entries.extend(("only-b", None, units_b[k]) for k in range(next_b, len(units_b)))
    return entries


def _keeps_order(partner: dict[int, int], i: int, j: int) -> bool:
    return all((i < k) == (j < m) for k, m in partner.items())


def _section_diffs(containers_a, containers_b, pairs, only_a, only_b, moved_sections, norm, rules):
    aligned = {pair: _align_units(containers_a[pair[0]].units, containers_b[pair[1]].units, norm) for pair in pairs}
    leftover_a: dict[str, list[tuple[Block, str]]] = defaultdict(list)  # norm text -> (unit, A section path)
    for pair, entries in aligned.items():
        for status, unit_a, _ in entries:
            if status == "only-a":
                leftover_a[norm(unit_a.text)].append((unit_a, containers_a[pair[0]].path))
    for i in only_a:
        for unit in containers_a[i].units:
            leftover_a[norm(unit.text)].append((unit, containers_a[i].path))
    moves: dict[str, tuple[Block, str]] = {}  # B block id -> (A unit, A section path)

    def take_move(unit_b: Block) -> tuple[Block, str] | None:
        queue = leftover_a.get(norm(unit_b.text))
        if queue:
            moves[unit_b.block_id] = queue.pop(0)
            return moves[unit_b.block_id]
        return None

    for pair in pairs:
        for status, _, unit_b in aligned[pair]:
            if status == "only-b":
                take_move(unit_b)
    for j in only_b:
        for unit in containers_b[j].units:
            take_move(unit)
    moved_away = {unit.block_id for unit, _ in moves.values()}
    placed: list[tuple[tuple[int, int, int], SectionDiff]] = []
    for pair in pairs:
        i, j = pair
        diff = _matched_section(containers_a[i], containers_b[j], aligned[pair], moves, moved_away,
                                moved=pair in moved_sections, rules=rules)
        placed.append(((j, 0, i), diff))
    for j in only_b:
        placed.append(((j, 0, 0), _one_sided(containers_b[j], "only-b", moves, moved_away, rules)))
    b_of_a = dict(pairs)
    for i in only_a:
        anchor = max((k for k in b_of_a if k < i), default=0)
        placed.append(((b_of_a.get(anchor, 0), 1, i),
                       _one_sided(containers_a[i], "only-a", moves, moved_away, rules)))
    return tuple(diff for _, diff in sorted(placed, key=lambda item: item[0]))


def _matched_section(container_a: _Container, container_b: _Container, entries, moves, moved_away, *,
                     moved: bool, rules) -> SectionDiff:
    units: list[UnitDiff] = []
    identical = 0
    for status, unit_a, unit_b in entries:
        if status == "pair":
            classification = classify_texts(unit_a.text, unit_b.text, rules=rules,
                                            code=KIND_CODE in (unit_a.kind, unit_b.kind))
            if classification.classes == ("identical",):
                identical += 1
                continue
            units.append(UnitDiff("matched", unit_b.kind, unit_a.start_line, unit_b.start_line,
                                  unit_a.text, unit_b.text, classification))
        elif status == "only-a":
            if unit_a.block_id not in moved_away:
                units.append(UnitDiff("only-a", unit_a.kind, unit_a.start_line, 0, unit_a.text, ""))
        else:
            units.append(_added_or_moved(unit_b, moves, rules))
    heading = None
    if container_a.key != TOP:
        head_a, head_b = container_a.path.split(" > ")[-1], container_b.path.split(" > ")[-1]
        heading = classify_texts(head_a, head_b, rules=rules)
    classes = _section_classes(units, heading, moved)
    return SectionDiff("matched", container_a.path, container_b.path, container_a.level, container_b.level,
                       container_a.line, container_b.line, classes, tuple(units), identical)


def _added_or_moved(unit_b: Block, moves, rules) -> UnitDiff:
    if unit_b.block_id in moves:
        unit_a, path_a = moves[unit_b.block_id]
        classification = classify_texts(unit_a.text, unit_b.text, rules=rules).with_classes("moved")
        return UnitDiff("moved", unit_b.kind, unit_a.start_line, unit_b.start_line, unit_a.text, unit_b.text,
                        classification, moved_from=path_a)
    return UnitDiff("only-b", unit_b.kind, 0, unit_b.start_line, "", unit_b.text)


def _one_sided(container: _Container, status: str, moves, moved_away, rules) -> SectionDiff:
    if status == "only-a":
        units = tuple(UnitDiff("only-a", u.kind, u.start_line, 0, u.text, "")
                      for u in container.units if u.block_id not in moved_away)
        return SectionDiff(status, container.path, "", container.level, 0, container.line, 0, (), units)
    units = tuple(_added_or_moved(u, moves, rules) for u in container.units)
    return SectionDiff(status, "", container.path, 0, container.level, 0, container.line, (), units)


def _section_classes(units: list[UnitDiff], heading: Classification | None, moved: bool) -> tuple[str, ...]:
    classes: set[str] = set()
    real: set[str] = set()
    for unit in units:
        if unit.classification is not None:
            classes |= set(unit.classification.classes) - REAL_EDIT_CLASSES
            real |= set(unit.classification.classes) & REAL_EDIT_CLASSES
        real |= {"only-a": {"truncated"}, "only-b": {"extended"}}.get(unit.status, set())
    if heading is not None and heading.classes != ("identical",):
        classes |= {"heading-renamed"} if heading.is_real_edit else set(heading.classes)
    if moved:
        classes.add("moved")
    classes |= reduce_real_edits(real)
    classes.discard("identical")
    return ordered_classes(classes or {"identical"})


# --- summary ---------------------------------------------------------------------------

def _summarise(a: AgentFile, b: AgentFile, rules, title_a, title_b, fields, sections) -> FileDiff:
    classifications = [f.classification for f in fields if f.classification is not None]
    classifications += [u.classification for s in sections for u in s.units if u.classification is not None]
    headings = [s for s in sections if s.status == "matched"]
    classes: set[str] = set()
    real: set[str] = set()
    for section in headings:
        classes |= set(section.classes) - REAL_EDIT_CLASSES
        real |= set(section.classes) & REAL_EDIT_CLASSES
    for diff in fields:
        if diff.classification is not None:
            classes |= set(diff.classification.classes) - REAL_EDIT_CLASSES
            real |= set(diff.classification.classes) & REAL_EDIT_CLASSES
        real |= {"only-a": {"truncated"}, "only-b": {"extended"}}.get(diff.status, set())
    real |= {"only-a": {"truncated"}, "only-b": {"extended"}}.get(_side(title_a, title_b), set())
    if title_a and title_b and title_a != title_b:
        classes.add("heading-renamed")
    for section in sections:
        real |= {"only-a": {"truncated"}, "only-b": {"extended"}}.get(section.status, set())
    classes |= reduce_real_edits(real)
    classes.discard("identical")
    if not classes:
        classes.add("identical" if a.sha256 == b.sha256 else "whitespace")
    cosmetic = Counter(name for c in classifications for name in c.classes
                       if name in ("whitespace", "formatting", "spelling", "placeholder"))
    return FileDiff(
        file_a=a.path, file_b=b.path, rules=rules, classes=ordered_classes(classes),
        title_a=title_a, title_b=title_b, fields=fields, sections=sections,
        spelling=merge_spelling(c.spelling for c in classifications),
        placeholders=tuple(sorted({p for c in classifications for p in c.placeholders})),
        cosmetic_units=tuple(sorted(cosmetic.items())),
    )


def _side(text_a: str, text_b: str) -> str:
    if text_a and not text_b:
        return "only-a"
    if text_b and not text_a:
        return "only-b"
    return ""
