"""Change classes for the pairs an analysis found: rows of ``block_pairs.csv`` and file-pair classes.

Both are computed from the ``AnalysisResult`` alone, after the pipeline.

**Block pairs.** The matcher scores *distinct texts* (``TextMatch``: two
fingerprints of one match class), so one row is written per matched text
pair, not per pair of copies: ``block_a`` / ``block_b`` are the first block
(by file, then position) holding each text, and ``copies_a`` / ``copies_b``
say how many blocks hold it. Each pair is classified once
(``analyzer.classify``; sections with ``classify_section_texts``), plus
``moved`` when the two blocks sit under different headings.

**File pairs.** For two files, each unit (front-matter field, paragraph,
list item, ...) of A is looked up in B: the same fingerprint is an identical
unit (``moved`` if it sits under another heading; when the source texts
differ, their cosmetic classes, e.g. ``spelling``, cached by text pair); else the best-scoring
near-duplicate text that B holds gives that pair's classes (looked up in the
block-pair classifications, never recomputed); else the unit is only in A.
The file pair's classes are the union of the cosmetic classes, ``moved``,
and one real-edit class: units only in B make it ``extended``, only in A
``truncated``, both or any edited unit ``edited`` (``reduce_real_edits``).
Sections are not aligned here (that is ``agent-analyzer diff``), so
``heading-renamed`` is not reported for file pairs.

Cost: one classification per distinct text pair (the bulk of the work:
tokenising and aligning word tokens; sections align lines first), spread
over ``workers`` processes when there are many pairs, and a dictionary walk
per file pair. File pairs get classes only within a file family (see
``analyzer.report.model``).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

from analyzer.classify import (
    REAL_EDIT_CLASSES,
    Classification,
    classify_section_texts,
    classify_texts,
    ordered_classes,
    reduce_real_edits,
)
from analyzer.cache import ClassificationMemo
from analyzer.diff import block_places
from analyzer.match import match_class
from analyzer.models import KIND_CODE, AgentFile, AnalysisResult, Block, TextMatch

_PARALLEL_MIN_PAIRS = 2000  # below this, starting worker processes costs more than it saves


def _uses_pool(pending: int, workers: int) -> bool:
    """Whether ``pending`` block pairs are classified in a process pool of ``workers``."""
    return workers > 1 and pending >= _PARALLEL_MIN_PAIRS


def expects_pool(result: AnalysisResult, memo: ClassificationMemo | None, workers: int) -> bool:
    """Whether ``PairClassifier(result, memo=memo, workers=workers)`` will start its process pool,
    told before it is built: the memo holds the pairs the last run classified, so the run's matches
    beyond that many are about the ones it will not recall (``analyzer.report.model`` schedules by it)."""
    return _uses_pool(len(result.text_matches) - (len(memo.known) if memo is not None else 0), workers)


class PairClassifier:
    """Classifications of the result's text matches, computed once each (cached by fingerprint pair).

    With a ``memo`` (``analyzer.cache.ClassificationMemo``), classifications
    of text pairs seen by an earlier run are read back by the pair's texts, so
    a rerun after one file changed classifies only the pairs that are new.
    """

    def __init__(self, result: AnalysisResult, *, rules: Iterable[str], workers: int = 1,
                 memo: ClassificationMemo | None = None) -> None:
        self.rules = tuple(rules)
        self.memo = memo
        self.first_block: dict[tuple[str, str], Block] = {}
        self.copies: dict[tuple[str, str], int] = defaultdict(int)
        self.places: dict[str, str] = {}
        for agent_file in result.files:
            self.places.update(block_places(agent_file))
            for block in agent_file.blocks:
                key = (match_class(block), block.fingerprint)
                self.first_block.setdefault(key, block)
                self.copies[key] += 1
        self.cache: dict[tuple[str, str, str], Classification] = {}
        self.copy_cache: dict[tuple[str, str], tuple[str, ...]] = {}
        matches = result.text_matches
        if memo is not None:
            matches = tuple(m for m in matches if not self._recall(m))
        if _uses_pool(len(matches), workers):
            self._classify_in_parallel(matches, workers)

    def _recall(self, match: TextMatch) -> bool:
        key = (match.match_class, match.fingerprint_a, match.fingerprint_b)
        a, b = self.first_block[key[:2]], self.first_block[(key[0], key[2])]
        known = self.memo.get(_memo_key(a, b)) if self.memo is not None else None
        if known is not None:
            self.cache[key] = known
        return known is not None

    def _classify_in_parallel(self, matches: tuple[TextMatch, ...], workers: int) -> None:
        """Fill the cache for every match with a process pool (results equal the serial ones)."""
        keys = [(m.match_class, m.fingerprint_a, m.fingerprint_b) for m in matches]
        jobs = [(self.first_block[(cls, a)], self.first_block[(cls, b)], self.rules) for cls, a, b in keys]
        chunk = max(1, min(500, len(jobs) // (workers * 4)))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for key, job, classification in zip(keys, jobs, pool.map(_classify_job, jobs, chunksize=chunk)):
                self.cache[key] = classification
                if self.memo is not None:
                    self.memo.put(_memo_key(job[0], job[1]), classification)

    def copy_classes(self, a: Block, b: Block) -> tuple[str, ...]:
        """Classes of two blocks with one normalised text (cosmetic differences only), cached by text pair."""
        if a.text == b.text:
            return ("identical",)
        key = (a.text, b.text) if a.text <= b.text else (b.text, a.text)
        if key not in self.copy_cache:
            self.copy_cache[key] = classify_blocks(a, b, rules=self.rules).classes
        return self.copy_cache[key]  # cosmetic classes are their own mirror image

    def texts(self, match: TextMatch) -> Classification:
        """The classification of a text match, oriented fingerprint_a -> fingerprint_b."""
        key = (match.match_class, match.fingerprint_a, match.fingerprint_b)
        if key not in self.cache:
            a = self.first_block[(match.match_class, match.fingerprint_a)]
            b = self.first_block[(match.match_class, match.fingerprint_b)]
            self.cache[key] = classify_blocks(a, b, rules=self.rules)
            if self.memo is not None:
                self.memo.put(_memo_key(a, b), self.cache[key])
        return self.cache[key]

    def oriented(self, match: TextMatch, fingerprint_a: str) -> Classification:
        """The classification of ``match`` seen from the side holding ``fingerprint_a``."""
        classification = self.texts(match)
        return classification if match.fingerprint_a == fingerprint_a else classification.mirrored()


def _classify_mode(a: Block, b: Block) -> str:
    if match_class(a) == "section" and a.heading and b.heading:
        return "section"
    return "code" if KIND_CODE in (a.kind, b.kind) else "text"


def _memo_key(a: Block, b: Block) -> str:
    """What ``classify_blocks(a, b)`` depends on besides the rules: the mode and both texts."""
    digest = hashlib.blake2b(_classify_mode(a, b).encode(), digest_size=16)
    for text in (a.text, b.text):
        digest.update(b"\0" + text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _classify_job(job: tuple[Block, Block, tuple[str, ...]]) -> Classification:
    a, b, rules = job
    return classify_blocks(a, b, rules=rules)


def classify_blocks(a: Block, b: Block, *, rules: Iterable[str]) -> Classification:
    """Classify two blocks' texts by their kind (sections judge their heading apart; code has no spelling)."""
    mode = _classify_mode(a, b)
    if mode == "section":
        return classify_section_texts(a.text, b.text, rules=rules)
    return classify_texts(a.text, b.text, rules=rules, code=mode == "code")


def block_pair_rows(result: AnalysisResult, classifier: PairClassifier, block_family_of: dict[str, str]) -> list[dict]:
    """One row per matched distinct-text pair (see the module docstring), sorted by files then blocks."""
    rows = []
    for match in result.text_matches:
        a = classifier.first_block[(match.match_class, match.fingerprint_a)]
        b = classifier.first_block[(match.match_class, match.fingerprint_b)]
        classification = classifier.texts(match)
        classes = classification.classes
        if classifier.places.get(a.block_id) != classifier.places.get(b.block_id) and a.kind != "field":
            classes = ordered_classes((*classes, "moved"))
        rows.append({
            "block_a": a.block_id, "block_b": b.block_id, "file_a": a.file, "file_b": b.file,
            "score": match.score, "classes": " ".join(classes), "details": classification.details(),
            "match_class": match.match_class, "block_family": block_family_of.get(a.block_id, ""),
            "copies_a": classifier.copies[(match.match_class, match.fingerprint_a)],
            "copies_b": classifier.copies[(match.match_class, match.fingerprint_b)],
        })
    rows.sort(key=lambda row: (row["file_a"], row["file_b"], row["block_a"], row["block_b"]))
    return rows


def file_pair_classes(result: AnalysisResult, classifier: PairClassifier,
                      pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, ...]]:
    """Classes of each (file A, file B) in ``pairs`` (see the module docstring)."""
    near: dict[str, dict[str, list[TextMatch]]] = defaultdict(lambda: defaultdict(list))
    for match in result.text_matches:
        if match.match_class == "section":
            continue
        near[match.fingerprint_a][match.fingerprint_b].append(match)
        near[match.fingerprint_b][match.fingerprint_a].append(match)
    files = {f.path: f for f in result.files}
    return {(a, b): _pair_classes(files[a], files[b], classifier, near) for a, b in pairs}


def _pair_classes(file_a: AgentFile, file_b: AgentFile, classifier: PairClassifier,
                  near: dict[str, dict[str, list[TextMatch]]]) -> tuple[str, ...]:
    classes: set[str] = set()
    real: set[str] = set()
    seen_b: set[str] = set()
    places_b: dict[str, set[str]] = defaultdict(set)
    copies_b: dict[str, dict[str, Block]] = defaultdict(dict)  # fingerprint -> text -> first unit
    for unit in file_b.units:
        places_b[unit.fingerprint].add(classifier.places.get(unit.block_id, ""))
        copies_b[unit.fingerprint].setdefault(unit.text, unit)
    for unit in file_a.units:
        place = classifier.places.get(unit.block_id, "")
        if unit.fingerprint in places_b:
            seen_b.add(unit.fingerprint)
            if place not in places_b[unit.fingerprint]:
                classes.add("moved")
            if unit.text not in copies_b[unit.fingerprint]:
                copy = next(iter(copies_b[unit.fingerprint].values()))
                classes |= set(classifier.copy_classes(unit, copy)) - {"identical"}
            continue
        candidates = _held_near(near.get(unit.fingerprint, {}), places_b)
        if not candidates:
            real.add("truncated")
            continue
        best_score, partner, best = max(candidates)
        seen_b.add(partner)
        found = classifier.oriented(best, unit.fingerprint).classes
        classes |= set(found) - REAL_EDIT_CLASSES - {"identical"}
        real |= set(found) & REAL_EDIT_CLASSES
        if place not in places_b[partner]:
            classes.add("moved")
    held_a = {u.fingerprint for u in file_a.units}
    if any(u.fingerprint not in seen_b and not _near_in(u.fingerprint, held_a, near) for u in file_b.units):
        real.add("extended")
    classes |= reduce_real_edits(real)
    if not classes:
        classes.add("identical" if file_a.sha256 == file_b.sha256 else "whitespace")
    return ordered_classes(classes)


def _held_partners(partners: dict[str, list[TextMatch]], held) -> Iterator[str]:
    """The near-duplicates of a text (``partners``: fingerprint -> matches) that ``held`` holds.

    Walks the shorter side: a text of one of 200 variants has 199
    near-duplicates but the other file holds a dozen texts, and the pair
    loop visits every unit of every file pair (n³ when walking partners).
    """
    if len(partners) <= len(held):
        return (other for other in partners if other in held)
    return (other for other in held if other in partners)


def _held_near(partners: dict[str, list[TextMatch]], held) -> list[tuple[float, str, TextMatch]]:
    """(score, partner fingerprint, best match) for each near-duplicate that ``held`` holds.

    Of two matches with one partner (two match classes) the first comes first, as in ``text_matches``.
    """
    best: list[tuple[float, str, TextMatch]] = []
    for other in _held_partners(partners, held):
        top = max(partners[other], key=lambda m: m.score)
        best.append((top.score, other, top))
    return best


def _near_in(fingerprint: str, held: set[str], near: dict[str, dict[str, list[TextMatch]]]) -> bool:
    """Do the ``held`` fingerprints include this text or a near-duplicate of it?"""
    return fingerprint in held or any(True for _ in _held_partners(near.get(fingerprint, {}), held))
