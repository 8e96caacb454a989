"""Candidate pairs -> verified fuzzy scores, without comparing every pair.

Blocks are compared only within a *match class*: units (paragraphs, list
items, code, tables...) with units, sections with sections, and front-matter
fields with fields of the same key. Within a class the work is done on
*distinct normalised texts* (one per fingerprint), so a paragraph pasted into
300 files is scored once.

The cheapest test comes first, as in difflib:

1. **Exact buckets.** Equal fingerprints are the same text; no scoring.
2. **MinHash LSH** over each text's set of word tokens. Tokens that occur in
   more than ``stop_token_share`` of the class's texts (``the``, ``and``,
   house vocabulary) are dropped first, so boilerplate words do not make
   every pair a candidate. Signatures use ``minhash_perms`` multiply-shift
   hash functions computed with numpy over all tokens at once; banding with
   ``lsh_rows`` rows per band makes two texts candidates when any band is
   equal. With 64 permutations in 32 bands of 2, a pair with token Jaccard
   0.4 is found with probability 1 - (1 - 0.4²)^32 > 0.99; near-duplicates at
   the default 0.85 character ratio have token Jaccard well above that (the
   ``candidate recall`` benchmark measures it against exhaustive scoring).
   Small classes (up to ``exhaustive_limit`` texts) skip LSH and pair every
   text, so small libraries are scored exactly.
3. **Length bound.** rapidfuzz's ``ratio`` is 1 - indel / (|a| + |b|), so it
   cannot exceed 2·min(|a|,|b|) / (|a| + |b|); pairs that cannot reach the
   threshold are dropped before scoring.
4. **rapidfuzz** ``fuzz.ratio`` with ``score_cutoff`` (it stops early when
   the cutoff cannot be reached).
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Iterable

import numpy as np
from rapidfuzz import fuzz

from analyzer.models import KIND_FIELD, KIND_PREAMBLE, KIND_SECTION, Block, TextMatch
from analyzer.settings import Settings

_TOKEN = re.compile(r"\w+")
_MAX_BUCKET = 400  # an LSH bucket larger than this pairs each text only with its length neighbours
_BUCKET_WINDOW = 40
_SEED = 0x5EED_A6E7


def match_class(block: Block) -> str:
    """Which blocks may be compared with which."""
    if block.kind == KIND_FIELD:
        return f"field:{block.heading.strip().lower()}"
    if block.kind in (KIND_SECTION, KIND_PREAMBLE):
        return "section"
    return "unit"


def distinct_texts(blocks: Iterable[Block]) -> dict[str, dict[str, str]]:
    """match class -> fingerprint -> normalised text."""
    classes: dict[str, dict[str, str]] = defaultdict(dict)
    for block in blocks:
        classes[match_class(block)].setdefault(block.fingerprint, block.norm)
    return classes


def find_matches(blocks: Iterable[Block], *, settings: Settings) -> tuple[TextMatch, ...]:
    """All near-duplicate pairs of distinct texts, per match class, sorted."""
    matches: list[TextMatch] = []
    for cls, texts in sorted(distinct_texts(blocks).items()):
        fingerprints = sorted(fp for fp, text in texts.items() if len(text) >= settings.min_near_chars)
        if len(fingerprints) < 2:
            continue
        norms = [texts[fp] for fp in fingerprints]
        for i, j, score in score_pairs(norms, settings=settings):
            matches.append(TextMatch(cls, fingerprints[i], fingerprints[j], score))
    return tuple(sorted(matches))


def score_pairs(texts: list[str], *, settings: Settings) -> list[tuple[int, int, float]]:
    """Indices (i < j) and scores of the text pairs at or above the block threshold."""
    if len(texts) <= settings.exhaustive_limit:
        candidates = _all_pairs(len(texts))
    else:
        candidates = lsh_candidates(texts, settings=settings)
    return verify(texts, candidates, threshold=settings.block_threshold)


def _all_pairs(count: int) -> np.ndarray:
    first, second = np.triu_indices(count, k=1)
    return np.stack([first, second], axis=1).astype(np.int64)


def verify(texts: list[str], candidates: np.ndarray, *, threshold: float) -> list[tuple[int, int, float]]:
    """Length bound, then rapidfuzz ratio with a cutoff, on candidate index pairs."""
    if len(candidates) == 0:
        return []
    lengths = np.fromiter((len(t) for t in texts), dtype=np.float64, count=len(texts))
    la, lb = lengths[candidates[:, 0]], lengths[candidates[:, 1]]
    bound = 2.0 * np.minimum(la, lb) / np.maximum(la + lb, 1.0)
    survivors = candidates[bound >= threshold - 1e-9]
    cutoff = threshold * 100.0
    found = []
    ratio = fuzz.ratio
    for i, j in survivors.tolist():
        score = ratio(texts[i], texts[j], score_cutoff=cutoff)
        if score:
            found.append((i, j, round(score / 100.0, 4)))
    return found


def token_sets(texts: list[str], *, stop_share: float) -> list[frozenset[str]]:
    """Each text's word tokens, without tokens that occur in more than ``stop_share`` of texts.

    A text whose every token is a stop token keeps its full token set, so it
    can still meet its own near-copies.
    """
    raw = [frozenset(_TOKEN.findall(text)) for text in texts]
    document_frequency: dict[str, int] = defaultdict(int)
    for tokens in raw:
        for token in tokens:
            document_frequency[token] += 1
    limit = max(2, int(stop_share * len(texts)))
    stop = {token for token, count in document_frequency.items() if count > limit}
    return [(tokens - stop) or tokens for tokens in raw]


def minhash_signatures(sets: list[frozenset[str]], *, perms: int) -> np.ndarray:
    """MinHash signatures (len(sets) x perms, uint64) with multiply-shift hashing.

    Token ids come from CRC-32 (stable across processes, unlike ``hash``).
    Each permutation p maps id x to ((a_p·x + b_p) mod 2^64) >> 32 with a_p odd;
    the signature keeps the minimum per permutation.
    """
    rng = np.random.default_rng(_SEED)
    a = rng.integers(1, 2**63, size=perms, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=perms, dtype=np.uint64)
    cache: dict[str, int] = {}
    ids: list[int] = []
    offsets = np.zeros(len(sets), dtype=np.int64)
    for index, tokens in enumerate(sets):
        offsets[index] = len(ids)
        for token in sorted(tokens):
            value = cache.get(token)
            if value is None:
                value = cache[token] = zlib.crc32(token.encode("utf-8", "surrogatepass"))
            ids.append(value)
    empty = np.array([len(s) == 0 for s in sets])
    token_ids = np.asarray(ids, dtype=np.uint64)
    signatures = np.full((len(sets), perms), np.iinfo(np.uint64).max, dtype=np.uint64)
    chunk = max(1, 4_000_000 // perms)  # tokens per chunk keeps the temporary matrix near 32 MB
    starts = offsets.tolist() + [len(ids)]
    first = 0
    while first < len(sets):
        last = first
        while last < len(sets) and starts[last + 1] - starts[first] <= chunk:
            last += 1
        last = max(last, first + 1)
        lo, hi = starts[first], starts[last]
        if hi > lo:
            with np.errstate(over="ignore"):
                hashed = (token_ids[lo:hi, None] * a[None, :] + b[None, :]) >> np.uint64(32)
            nonempty = np.flatnonzero(~empty[first:last]) + first
            reduced = np.minimum.reduceat(hashed, offsets[nonempty] - lo, axis=0)
            signatures[nonempty] = reduced
        first = last
    return signatures


def lsh_candidates(texts: list[str], *, settings: Settings) -> np.ndarray:
    """Index pairs (i < j) that share at least one LSH band, as an (n, 2) int64 array."""
    sets = token_sets(texts, stop_share=settings.stop_token_share)
    signatures = minhash_signatures(sets, perms=settings.minhash_perms)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    rows = settings.lsh_rows
    pair_codes: list[np.ndarray] = []
    usable = np.flatnonzero(np.fromiter((len(s) > 0 for s in sets), dtype=bool, count=len(sets)))
    for band in range(settings.minhash_perms // rows):
        keys = _band_keys(signatures[usable, band * rows:(band + 1) * rows])
        pair_codes.append(_bucket_pairs(keys, usable, lengths, len(texts)))
    if not pair_codes:
        return np.empty((0, 2), dtype=np.int64)
    codes = np.unique(np.concatenate(pair_codes))
    return np.stack([codes // len(texts), codes % len(texts)], axis=1)


def _band_keys(band: np.ndarray) -> np.ndarray:
    key = np.zeros(band.shape[0], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in range(band.shape[1]):
            key = key * np.uint64(0x9E3779B97F4A7C15) + band[:, column]
    return key


def _bucket_pairs(keys: np.ndarray, members: np.ndarray, lengths: np.ndarray, count: int) -> np.ndarray:
    """Pair codes (i * count + j) of texts whose band keys are equal."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    boundaries = np.flatnonzero(np.diff(sorted_keys)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [len(sorted_keys)]))
    sizes = ends - starts
    codes: list[np.ndarray] = []
    for start, end in zip(starts[sizes > 1].tolist(), ends[sizes > 1].tolist()):
        bucket = np.sort(members[order[start:end]])
        if len(bucket) > _MAX_BUCKET:
            bucket = bucket[np.argsort(lengths[bucket], kind="stable")]
            for offset in range(1, _BUCKET_WINDOW + 1):
                left, right = bucket[:-offset], bucket[offset:]
                low, high = np.minimum(left, right), np.maximum(left, right)
                codes.append(low * count + high)
            continue
        first, second = np.triu_indices(len(bucket), k=1)
        codes.append(bucket[first] * count + bucket[second])
    return np.concatenate(codes) if codes else np.empty(0, dtype=np.int64)
