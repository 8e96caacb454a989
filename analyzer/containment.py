"""Containment: a unit text that occurs whole inside a longer unit text.

Near-duplicate matching (``analyzer.match``) scores pairs with ``fuzz.ratio``,
which cannot exceed 2·|a| / (|a| + |b|): a sentence pasted into a longer
paragraph, or a list item that grew by half, is never a near-duplicate of the
text it contains, whatever the candidate stage proposes. On a 1,000-file
sample of corpus-public, 91 % of the exact containments are beyond that
bound (``benchmarks/containment_recall.py``). This stage finds them exactly.

**Definition.** Text ``a`` is contained in text ``b`` when both are distinct
normalised unit texts, ``a`` is at least ``min_near_chars`` long and holds a
word, ``b`` is longer, and ``a`` occurs in ``b`` on word boundaries (no word
character just before or after it; a word character is what the regex ``\\w``
matches). Word boundaries keep ``"plan documented"`` out of
``"xplan documentedx"``, and make the search exact with word anchors:

**Algorithm (exact, no thresholds to tune).** When ``a`` occurs in ``b`` on
word boundaries, every word of ``a`` and every pair of adjacent words of ``a``
(a *gram*) is also a gram of ``b``. So each text's grams are collected once
(unigrams and bigrams of its ``\\w+`` tokens, as integer codes), and each
candidate ``a`` is looked up by its *rarest* gram only: the texts holding that
gram and longer than ``a`` are its candidates, and ``a in b`` (then the
boundary test) decides. A bigram is far rarer than any of its words, so the
candidates stay few: on corpus-public's 180,532 distinct unit texts, 357,848
candidate pairs (where the rarest single word gives 22 M), and 13,405
containments; 7 s CPU, numpy for the gram index, Python only for the
tokenising and the final substring tests. The rarest-bigram result equals an
exhaustive rarest-word search, pair for pair (measured on corpus-public).

The result depends only on the set of texts and ``min_near_chars``, so a
``Memo`` (``analyzer.cache.MatchMemo``) can return it for a set it has seen.
And since containment is a property of two texts alone, a set that differs
from the last one by a few texts is patched (``patched_pairs``): the last
pairs whose texts remain, plus a search for the pairs with a new text in
them (on corpus-public's 180,533 unit texts with ten gone and ten new: 0.78
s against 4.31 s for the whole search, the same 13,413 pairs).
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections import defaultdict
from collections.abc import Iterable
from typing import Protocol

import numpy as np

from analyzer.match import Memo, distinct_texts
from analyzer.models import Block, Containment

_TOKEN = re.compile(r"\w+")
_WORD_CHAR = re.compile(r"\w")
MEMO_CLASS = "containment:unit"  # the key its results are remembered under, beside the match classes'
_MAX_CHANGED_SHARE = 0.1  # above this share of new and gone texts, the whole search is about as cheap


class LastSets(Protocol):
    """Keeps a class's last set of texts and its pairs (``analyzer.cache.MatchMemo``)."""

    def last_set(self, match_class: str) -> tuple[list[str], list[tuple[str, str]]] | None: ...

    def keep_last_set(self, match_class: str, fingerprints: list[str], pairs: list[tuple[str, str]]) -> None: ...


def find_containments(blocks: Iterable[Block], *, min_chars: int, memo: Memo | None = None,
                      last: LastSets | None = None) -> tuple[Containment, ...]:
    """Every (inner, outer) pair of distinct unit texts where inner is contained in outer, sorted.

    With ``last``, a set that differs from the last one by a few texts is
    patched (``patched_pairs``) instead of searched whole; the result is the same.
    """
    texts = distinct_texts(blocks).get("unit", {})
    fingerprints = sorted(texts)
    pairs = memo.get(MEMO_CLASS, fingerprints) if memo is not None else None
    if pairs is None:
        previous = last.last_set(MEMO_CLASS) if last is not None else None
        found = patched_pairs(texts, previous, min_chars=min_chars) if previous is not None else None
        if found is None:
            found = contained_pairs(texts, min_chars=min_chars)
        pairs = [(inner, outer, 1.0) for inner, outer in found]
        if memo is not None:
            memo.put(MEMO_CLASS, fingerprints, pairs)
        if last is not None:
            last.keep_last_set(MEMO_CLASS, fingerprints, found)
    return tuple(sorted(Containment(inner, outer) for inner, outer, _ in pairs))


def patched_pairs(texts: dict[str, str], previous: tuple[list[str], list[tuple[str, str]]], *,
                  min_chars: int) -> list[tuple[str, str]] | None:
    """``contained_pairs(texts)`` from the pairs of an earlier set (its fingerprints, its pairs), or None
    when more than ``_MAX_CHANGED_SHARE`` of the texts are new or gone.

    Containment is a property of the two texts alone, so the earlier pairs
    whose texts are both still here hold, and every other pair has a new text
    in it: as the inner text, found by searching all texts joined (``"\\0"``
    between them, which is no word character, so a text's ends are word
    boundaries as they are alone); as the outer text, among the texts whose
    first word it holds as a word (an inner text occurring on word
    boundaries brings its first word along whole).
    """
    old_fingerprints, old_pairs = previous
    before = set(old_fingerprints)
    added = [fp for fp in sorted(texts) if fp not in before]
    gone = len(before) - (len(texts) - len(added))
    if len(added) + gone > _MAX_CHANGED_SHARE * max(1, len(texts)):
        return None
    found = {(inner, outer) for inner, outer in old_pairs if inner in texts and outer in texts}
    found.update(_pairs_with(texts, added, min_chars))
    return sorted(found)


def _pairs_with(texts: dict[str, str], added: list[str], min_chars: int) -> set[tuple[str, str]]:
    """Every containment with a text of ``added`` inside or outside."""
    if not added:
        return set()
    fingerprints = sorted(texts)
    norms = [texts[fp] for fp in fingerprints]
    joined = "\0".join(norms)
    starts = np.cumsum([0] + [len(t) + 1 for t in norms[:-1]]).tolist()
    found: set[tuple[str, str]] = set()
    for inner in added:
        text = texts[inner]
        if len(text) < min_chars or not _TOKEN.search(text):
            continue
        at = joined.find(text)
        while at >= 0:
            owner = bisect.bisect_right(starts, at) - 1
            end = at + len(text)
            if len(norms[owner]) <= len(text):  # itself, or a text no longer than it: not an outer text
                at = joined.find(text, starts[owner] + len(norms[owner]))
            elif _on_word_boundaries(joined, at, end):
                found.add((inner, fingerprints[owner]))
                at = joined.find(text, starts[owner] + len(norms[owner]))  # one occurrence per outer text is enough
            else:
                at = joined.find(text, at + 1)
    first_word: dict[str, list[int]] = defaultdict(list)
    for index, text in enumerate(norms):
        word = _TOKEN.search(text) if len(text) >= min_chars else None
        if word:
            first_word[word.group()].append(index)
    for outer in added:
        text = texts[outer]
        for word in set(_TOKEN.findall(text)):
            for index in first_word.get(word, ()):
                if len(norms[index]) < len(text) and _contains(text, norms[index]):
                    found.add((fingerprints[index], outer))
    return found


def contained_pairs(texts: dict[str, str], *, min_chars: int) -> list[tuple[str, str]]:
    """(inner fingerprint, outer fingerprint) for each containment among ``texts`` (fingerprint -> text)."""
    fingerprints = sorted(texts)
    norms = [texts[fp] for fp in fingerprints]
    if len(norms) < 2:
        return []
    grams, owners, count = _grams(norms)
    lengths = np.fromiter((len(t) for t in norms), dtype=np.int64, count=len(norms))
    inner, outer = _candidates(grams, owners, count, lengths, min_chars)
    return [(fingerprints[i], fingerprints[j]) for i, j in zip(inner.tolist(), outer.tolist())
            if _contains(norms[j], norms[i])]


def _grams(norms: list[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """Each text's distinct grams as dense ids: (gram ids, owning text, number of distinct grams),
    sorted by (text, gram)."""
    vocabulary: dict[str, int] = {}
    index = vocabulary.setdefault
    flat = array("q")
    offsets = array("q", [0])
    for text in norms:
        flat.extend([index(token, len(vocabulary)) for token in _TOKEN.findall(text)])
        offsets.append(len(flat))
    tokens = np.frombuffer(flat, dtype=np.int64)
    starts = np.frombuffer(offsets, dtype=np.int64)
    owner = np.repeat(np.arange(len(norms), dtype=np.int64), np.diff(starts))
    width = len(vocabulary) + 1  # a unigram is (token, width - 1): no token has that id
    adjacent = np.flatnonzero(owner[:-1] == owner[1:])
    codes = np.concatenate([tokens * width + (width - 1), tokens[adjacent] * width + tokens[adjacent + 1]])
    code_owner = np.concatenate([owner, owner[adjacent]])
    ordered = np.sort(codes)
    distinct = ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(ordered) else ordered
    gram = np.searchsorted(distinct, codes)
    count = len(distinct)
    keys = np.sort(code_owner * count + gram)  # sorted by text, then gram; one entry per distinct (text, gram)
    keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys
    return keys % count, keys // count, count


def _candidates(grams: np.ndarray, owners: np.ndarray, count: int, lengths: np.ndarray,
                min_chars: int) -> tuple[np.ndarray, np.ndarray]:
    """(inner, outer) text index pairs: outer holds inner's rarest gram and is longer."""
    if len(grams) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    holders = np.bincount(grams, minlength=count)
    rarity = holders[grams] * count + grams  # fewest holders first, then the gram id: a deterministic pick
    first = np.flatnonzero(np.concatenate([[True], owners[1:] != owners[:-1]]))
    texts = owners[first]
    anchor = np.minimum.reduceat(rarity, first) % count
    wanted = lengths[texts] >= min_chars
    texts, anchor = texts[wanted], anchor[wanted]
    by_gram = np.argsort(grams, kind="stable")  # each gram's holders, in text order
    posting_owner = owners[by_gram]
    posting_start = np.concatenate([[0], np.cumsum(holders)])
    sizes = holders[anchor]
    total = int(sizes.sum())
    inner = np.repeat(texts, sizes)
    shift = np.repeat(posting_start[anchor] - np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes)
    outer = posting_owner[shift + np.arange(total, dtype=np.int64)]
    longer = lengths[outer] > lengths[inner]
    return inner[longer], outer[longer]


def _contains(outer: str, inner: str) -> bool:
    """``inner`` occurs in ``outer`` with no word character just before or just after it."""
    at = outer.find(inner)
    while at >= 0:
        if _on_word_boundaries(outer, at, at + len(inner)):
            return True
        at = outer.find(inner, at + 1)
    return False


def _on_word_boundaries(text: str, start: int, end: int) -> bool:
    """No word character just before ``start`` or at ``end`` of ``text``."""
    return ((start == 0 or not _WORD_CHAR.match(text, start - 1))
            and (end == len(text) or not _WORD_CHAR.match(text, end)))
