"""Containment recall: how many "short unit inside a longer unit" pairs the matching stage links.

Near-duplicate matching scores pairs of unit texts with ``fuzz.ratio``, which
cannot exceed 2·|a| / (|a| + |b|): a paragraph that was extended by more than
about a third of its length, or a sentence pasted into a longer paragraph,
is never a near-duplicate of the text it contains. This benchmark measures
how much that costs on real files.

Takes the unit texts of a seeded random sample of ../shared/corpus-public
(default 1,000 files), finds every pair (a, b) of distinct normalised unit
texts where a (at least ``min_near_chars`` long, holding a word) occurs inside
the longer b on word boundaries, exactly (candidates from an inverted index on
a's rarest *word*, then ``a in b`` and the boundary test: the reference), and
prints: how many such pairs there are, the share the matching stage links
(``find_matches``: LSH candidates and rapidfuzz verification), the share the
length bound rules out for ``ratio`` whatever the candidate stage does, the
share of *files* in which a contained unit has no copy at all (its text is
only found inside another file's longer unit, so the file-level containment
does not count it), and the recall and precision of the containment stage
(``analyzer.containment``: rarest *gram* index) against the reference, with
the time of each. Prints a few examples of each.

    python benchmarks/containment_recall.py [--files 1000] [--seed 7]
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # the repository, for `analyzer`

from candidate_recall import parsed_sample  # noqa: E402

from analyzer.containment import _contains, find_containments  # noqa: E402
from analyzer.match import distinct_texts, find_matches  # noqa: E402

_WORD = re.compile(r"\w+")


def contained_pairs(texts: dict[str, str], min_chars: int) -> list[tuple[str, str]]:
    """(short fingerprint, long fingerprint) for every text found inside a longer distinct text, on word boundaries."""
    words = {fp: set(_WORD.findall(text)) for fp, text in texts.items()}
    frequency = Counter(word for vocabulary in words.values() for word in vocabulary)
    holders: dict[str, list[str]] = defaultdict(list)
    for fp, vocabulary in words.items():
        for word in vocabulary:
            holders[word].append(fp)
    pairs = []
    for fp, text in sorted(texts.items()):
        if len(text) < min_chars or not words[fp]:
            continue
        rarest = min(words[fp], key=lambda w: (frequency[w], w))
        pairs.extend((fp, other) for other in holders[rarest]
                     if other != fp and len(texts[other]) > len(text) and _contains(texts[other], text))
    return sorted(pairs)


def main() -> None:
    files, settings = parsed_sample(__doc__.splitlines()[0])
    units = [b for f in files for b in f.units]
    texts = distinct_texts(units)["unit"]
    start = time.perf_counter()
    pairs = contained_pairs(texts, settings.min_near_chars)
    index_time = time.perf_counter() - start
    start = time.perf_counter()
    matched = {(m.fingerprint_a, m.fingerprint_b) for m in find_matches(units, settings=settings)
               if m.match_class == "unit"}
    match_time = time.perf_counter() - start
    linked = [p for p in pairs if (min(p), max(p)) in matched]
    start = time.perf_counter()
    staged = {(c.inner, c.outer) for c in find_containments(units, min_chars=settings.min_near_chars)}
    stage_time = time.perf_counter() - start
    threshold = settings.block_threshold
    bounded = [(a, b) for a, b in pairs
               if 2 * len(texts[a]) / (len(texts[a]) + len(texts[b])) < threshold - 1e-9]
    files_of: dict[str, set[str]] = defaultdict(set)
    for block in units:
        files_of[block.fingerprint].add(block.file)
    has_match = {fp for pair in matched for fp in pair}
    alone = {(file, a) for a, _ in pairs for file in files_of[a] if len(files_of[a]) == 1 and a not in has_match}
    print(f"{len(files)} files, {len(texts)} distinct unit texts; exact containment index {index_time:.1f} s, "
          f"matching {match_time:.1f} s")
    print(f"{'contained pairs':<44} {len(pairs):>8}")
    share = (lambda part: f"{len(part):>8} {len(part) / len(pairs):>7.1%}") if pairs else (lambda part: f"{0:>8}")
    print(f"{'  linked as near-duplicates (recall)':<44} {share(linked)}")
    print(f"{'  beyond the ratio length bound':<44} {share(bounded)}")
    print(f"{'  (file, unit) whose text has no copy at all':<44} {len(alone):>8}")
    print(f"{'  found by the containment stage (recall)':<44} {share([p for p in pairs if p in staged])}")
    print(f"{'containment stage: pairs, not in reference':<44} {len(staged):>8} {len(staged - set(pairs)):>8}")
    print(f"containment stage {stage_time:.1f} s (reference index {index_time:.1f} s), same run")
    for label, group in (("linked", linked), ("not linked", sorted(set(pairs) - set(linked)))):
        for a, b in group[:3]:
            print(f"  {label}: {texts[a][:60]!r} inside {texts[b][:60]!r}… ({len(texts[a])} / {len(texts[b])} chars)")


if __name__ == "__main__":
    main()
