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
4. **Character-count bound** (difflib's ``quick_ratio``, vectorised). Every
   character that one text has more often than the other must be inserted
   or deleted, so the indel distance is at least the L1 distance of the two
   texts' character counts, and ``ratio`` at most 1 - L1 / (|a| + |b|). The
   counts are kept per code point modulo ``_HISTOGRAM_BINS``, capped at 255
   (one byte each): merging characters into bins and capping both only make
   the L1 distance smaller, so the bound stays an upper bound and no pair that
   could reach the threshold is dropped. It runs on each LSH band's pairs
   before the MinHash estimate and again in ``verify`` (for the exhaustive
   path). On corpus-public's units it leaves 134,563 of the 4,691,596 pairs
   the estimate alone kept, with the same 16,577 matches; scoring the unit
   class took 13.5 s before it and 9.9 s with it (same run).
5. **rapidfuzz** ``fuzz.ratio`` with ``score_cutoff`` (it stops early when
   the cutoff cannot be reached), batched through ``process.cpdist`` so the
   scoring loop runs in C++ on every core.

With the cache, a class scored through LSH is not scored from nothing when
only a few of its texts changed since the last run: ``analyzer.lsh_patch``
patches the last run's pairs, recomputing only the buckets the changed texts
touch, with exactly the result of scoring afresh (on corpus-public after one
file changed: 1.2-1.6 s instead of 8-9 s for the unit class).

Classes are independent, so the largest (units, on real libraries) is
scored in this process while the others (sections, front-matter fields) are
scored in a forked child (``analyzer.background``): on corpus-public the
section class is 5.5 s of the 18 s of CPU that matching costs.

Measured on corpus-public (157,649 distinct unit texts): the first version
paired every member of a bucket in a Python loop and scored pairs one call
at a time (69 s LSH + 22 s scoring); the vectorised window and cpdist replace
both loops.
"""

from __future__ import annotations

import re
import zlib
from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
from rapidfuzz import fuzz, process

from analyzer.background import beside
from analyzer.models import KIND_FIELD, KIND_PREAMBLE, KIND_SECTION, Block, TextMatch
from analyzer.settings import Settings

if TYPE_CHECKING:
    from analyzer.lsh_patch import LshState

_TOKEN = re.compile(r"\w+")
_BUCKET_WINDOW = 48  # in an LSH bucket, each text is paired with this many length neighbours
_MIN_TOKENS = 5  # stop tokens are given back to texts left with fewer tokens than this
_VERIFY_CHUNK = 200_000
_HISTOGRAM_BINS = 32  # character-count bins per text for the quick-ratio bound (one byte each)
_HISTOGRAM_CHARS = 2_000_000  # characters counted at once (about 20 bytes each while counted)
_BACKGROUND_MIN_TEXTS = 2000  # the other classes are scored in a forked child from this many texts
_MERGE_BANDS = 8  # LSH survivors of this many bands are merged into one sorted unique array
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


class Memo(Protocol):
    """Remembers a class's scored pairs by its exact set of texts (``analyzer.cache.MatchMemo``)."""

    def get(self, match_class: str, fingerprints: list[str]) -> list[tuple[str, str, float]] | None: ...

    def put(self, match_class: str, fingerprints: list[str], pairs: list[tuple[str, str, float]]) -> None: ...


class States(Protocol):
    """Keeps each LSH class's last ``analyzer.lsh_patch.LshState`` (``analyzer.cache.MatchMemo``)."""

    def load_state(self, match_class: str) -> LshState | None: ...

    def save_state(self, match_class: str, state: LshState) -> str: ...  # "" or why it was not saved

    write_error: str  # the first problem met writing the cache, or ""


MATCH_SETTINGS = ("block_threshold", "min_near_chars", "exhaustive_limit", "minhash_perms", "lsh_rows",
                  "stop_token_share", "min_candidate_jaccard")


def find_matches(blocks: Iterable[Block], *, settings: Settings, memo: Memo | None = None,
                 states: States | None = None) -> tuple[TextMatch, ...]:
    """All near-duplicate pairs of distinct texts, per match class, sorted.

    The result depends only on each class's set of texts and the settings in
    ``MATCH_SETTINGS``; a ``memo`` may supply a class's pairs for a set it has
    seen (it must return exactly what scoring would), and with ``states`` a
    class scored through LSH is patched from its last state when few of its
    texts changed (``analyzer.lsh_patch``: the same pairs as scoring afresh).
    A state that cannot be saved is noted in ``states.write_error``.
    """
    found: dict[str, list[tuple[str, str, float]]] = {}
    todo: dict[str, tuple[list[str], list[str]]] = {}  # class -> (fingerprints, their texts), not remembered
    for cls, texts in sorted(distinct_texts(blocks).items()):
        fingerprints = sorted(fp for fp, text in texts.items() if len(text) >= settings.min_near_chars)
        if len(fingerprints) < 2:
            continue
        pairs = memo.get(cls, fingerprints) if memo is not None else None
        if pairs is None:
            todo[cls] = (fingerprints, [texts[fp] for fp in fingerprints])
        else:
            found[cls] = pairs
    # the largest class is scored here, the others meanwhile in a forked child (analyzer.background)
    largest = max(todo, key=lambda cls: (len(todo[cls][0]), cls), default="")
    others = {cls: work for cls, work in todo.items() if cls != largest}
    parallel = settings.worker_count > 1 and sum(len(t) for _, t in others.values()) >= _BACKGROUND_MIN_TEXTS
    with beside(_score_classes, others, settings, states, parallel=parallel) as other_pairs:
        here, error = _score_classes({largest: todo[largest]} if largest else {}, settings, states)
        there, other_error = other_pairs()
    found.update(here)
    found.update(there)
    if states is not None:
        states.write_error = states.write_error or error or other_error
    matches: list[TextMatch] = []
    for cls, pairs in found.items():
        if memo is not None and cls in todo:
            memo.put(cls, todo[cls][0], pairs)
        matches.extend(TextMatch(cls, a, b, score) for a, b, score in pairs)
    return tuple(sorted(matches))


def _score_classes(work: dict[str, tuple[list[str], list[str]]], settings: Settings,
                   states: States | None = None) -> tuple[dict[str, list[tuple[str, str, float]]], str]:
    """``score_pairs`` for each class, as (fingerprint, fingerprint, score) triples, and "" or why a
    state could not be saved.

    With ``states``, a class scored through LSH starts from (and leaves) its
    last state; this runs in whichever process scores the class, so a forked
    child saves its own classes' states.
    """
    found = {}
    error = ""
    for cls, (fingerprints, norms) in work.items():
        if states is None or len(norms) <= settings.exhaustive_limit:
            pairs = score_pairs(norms, settings=settings)
        else:
            from analyzer.lsh_patch import score_lsh_class  # it builds on this module

            state = score_lsh_class(norms, fingerprints, settings=settings, previous=states.load_state(cls))
            error = error or states.save_state(cls, state)
            pairs = state.matches()
        found[cls] = [(fingerprints[i], fingerprints[j], score) for i, j, score in pairs]
    return found, error


def score_pairs(texts: list[str], *, settings: Settings) -> list[tuple[int, int, float]]:
    """Indices (i < j) and scores of the text pairs at or above the block threshold."""
    if len(texts) <= settings.exhaustive_limit:
        return verify(texts, _all_pairs(len(texts)), threshold=settings.block_threshold,
                      workers=settings.worker_count)
    return score_index(texts, lsh_index(texts, settings=settings), settings=settings)


def score_index(texts: list[str], index: LshIndex, *, settings: Settings) -> list[tuple[int, int, float]]:
    """``score_pairs`` through LSH, from the texts' ``LshIndex``."""
    return verify(texts, index_candidates(index, settings=settings), threshold=settings.block_threshold,
                  workers=settings.worker_count, histograms=index.histograms)


def _all_pairs(count: int) -> np.ndarray:
    first, second = np.triu_indices(count, k=1)
    return np.stack([first, second], axis=1).astype(np.int64)


def verify(texts: list[str], candidates: np.ndarray, *, threshold: float, workers: int = 1,
           histograms: np.ndarray | None = None) -> list[tuple[int, int, float]]:
    """Length bound, then rapidfuzz ratio with a cutoff, on candidate index pairs.

    Scoring runs in C++ through ``process.cpdist`` (element-wise pairs, with
    ``workers`` threads), in chunks so the two lists of strings stay small.
    """
    if len(candidates) == 0:
        return []
    lengths = np.fromiter((len(t) for t in texts), dtype=np.float64, count=len(texts))
    histograms = char_histograms(texts) if histograms is None else histograms
    found: list[tuple[int, int, float]] = []
    pool = np.array(texts, dtype=object)  # fancy indexing picks a chunk's strings in C, not a Python loop
    for start in range(0, len(candidates), _VERIFY_CHUNK):
        chunk = candidates[start:start + _VERIFY_CHUNK]  # the bounds per chunk: 5 M pairs at once took 300 MB
        la, lb = lengths[chunk[:, 0]], lengths[chunk[:, 1]]
        chunk = chunk[2.0 * np.minimum(la, lb) / np.maximum(la + lb, 1.0) >= threshold - 1e-9]
        chunk = chunk[histogram_bound(histograms, lengths, chunk) >= threshold - 1e-9]
        if len(chunk) == 0:
            continue
        scores = process.cpdist(pool[chunk[:, 0]].tolist(), pool[chunk[:, 1]].tolist(),
                                scorer=fuzz.ratio, score_cutoff=threshold * 100.0, dtype=np.float32,
                                workers=workers)
        hits = np.flatnonzero(scores >= threshold * 100.0)
        found.extend((int(chunk[k, 0]), int(chunk[k, 1]), round(float(scores[k]) / 100.0, 4)) for k in hits)
    return found


def char_histograms(texts: list[str], *, bins: int = 0) -> np.ndarray:
    """Each text's characters counted by code point modulo ``bins`` (``_HISTOGRAM_BINS``), capped at 255.

    Returns a (texts x bins) uint8 array. Characters are counted with one
    ``bincount`` per batch of about ``_HISTOGRAM_CHARS`` characters (the
    batch's texts as UTF-32 code points, each tagged with its text; a longer
    text is cut into slices), so memory stays bounded whatever the texts.
    """
    bins = bins or _HISTOGRAM_BINS
    counts = np.zeros((len(texts), bins), dtype=np.int64)
    batch: list[str] = []
    owners: list[int] = []
    size = 0
    for index, text in enumerate(texts):
        for start in range(0, len(text), _HISTOGRAM_CHARS):
            piece = text[start:start + _HISTOGRAM_CHARS]  # the text itself unless it is longer
            batch.append(piece)
            owners.append(index)
            size += len(piece)
            if size >= _HISTOGRAM_CHARS:
                _count_batch(counts, batch, owners, bins)
                batch, owners, size = [], [], 0
    if batch:
        _count_batch(counts, batch, owners, bins)
    return np.minimum(counts, 255).astype(np.uint8)


def _count_batch(counts: np.ndarray, batch: list[str], owners: list[int], bins: int) -> None:
    """Add the characters of ``batch`` (pieces of texts ``owners``, ascending) to ``counts``."""
    first, span = owners[0], owners[-1] - owners[0] + 1
    points = np.frombuffer("".join(batch).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    local = np.repeat(np.asarray(owners, dtype=np.int64) - first, [len(piece) for piece in batch])
    counts[first:first + span] += np.bincount(local * bins + points % bins, minlength=span * bins).reshape(span, bins)


def histogram_bound(histograms: np.ndarray, lengths: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """An upper bound of each pair's ``fuzz.ratio`` / 100: 1 - L1(character counts) / (|a| + |b|).

    The indel distance is at least the L1 distance of the exact character
    counts, which binned and capped counts (``char_histograms``) never exceed.
    """
    bound = np.empty(len(pairs), dtype=np.float64)
    for start in range(0, len(pairs), _VERIFY_CHUNK):
        chunk = pairs[start:start + _VERIFY_CHUNK]
        a, b = histograms[chunk[:, 0]], histograms[chunk[:, 1]]
        distance = (np.maximum(a, b) - np.minimum(a, b)).sum(axis=1, dtype=np.int64)
        total = lengths[chunk[:, 0]] + lengths[chunk[:, 1]]
        bound[start:start + _VERIFY_CHUNK] = 1.0 - distance / np.maximum(total, 1.0)
    return bound


@dataclass(frozen=True)
class Tokens:
    """Each text's kept word tokens as ids into ``vocabulary``: text i holds ``ids[offsets[i]:offsets[i + 1]]``.

    Flat integer arrays instead of a set of strings per text: on corpus-public's
    157,711 unit texts the sets peaked at 374 MB.
    """

    ids: np.ndarray  # int64, sorted within each text
    offsets: np.ndarray  # int64, len(texts) + 1
    vocabulary: tuple[str, ...]

    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)


def tokenize(texts: list[str], *, stop_share: float) -> Tokens:
    """Each text's word tokens, without the tokens that occur in more than ``stop_share`` of texts.

    Stop tokens carry no evidence in long texts but are most of a short one
    ("performance optimization and jvm tuning techniques"): a text left with
    fewer than five tokens gets back its rarest stop tokens up to five (ties
    by the token's text), so a short text can still meet its near-copies.
    """
    every = all_tokens(texts, {})
    return kept_tokens(every, stop_mask(every, stop_share=stop_share))


def all_tokens(texts: list[str], vocabulary: dict[str, int]) -> Tokens:
    """Each text's distinct word tokens, stop tokens included, as ids into ``vocabulary``.

    ``vocabulary`` (token -> id) is extended with the tokens it lacks, so texts
    tokenized later can share the ids of texts tokenized before
    (``analyzer.lsh_patch``); ids say nothing else (ordering, ties and hashes
    all go by the token's text).
    """
    flat = array("q")  # 8 bytes per token id; a list of Python ints held 36 per id (360 MB on corpus-public)
    offsets = array("q", [0])
    for text in texts:
        flat.extend(sorted({vocabulary.setdefault(token, len(vocabulary)) for token in _TOKEN.findall(text)}))
        offsets.append(len(flat))
    ids, starts = np.frombuffer(flat, dtype=np.int64).copy(), np.frombuffer(offsets, dtype=np.int64).copy()
    return Tokens(ids, starts, tuple(vocabulary))


def stop_mask(tokens: Tokens, *, stop_share: float) -> np.ndarray:
    """Which of ``tokens.ids`` are kept (see ``tokenize``): not a stop token, or given back to a short text."""
    ids, starts, words = tokens.ids, tokens.offsets, tokens.vocabulary
    frequency = np.bincount(ids, minlength=len(words))
    limit = max(2, int(stop_share * (len(starts) - 1)))
    keep = frequency[ids] <= limit
    kept_per_text = _per_text(keep, starts)
    for index in np.flatnonzero((kept_per_text < _MIN_TOKENS) & (np.diff(starts) > kept_per_text)):
        span = np.arange(starts[index], starts[index + 1])
        stops = sorted(span[~keep[span]], key=lambda k: (frequency[ids[k]], words[ids[k]]))
        keep[stops[:_MIN_TOKENS - int(kept_per_text[index])]] = True
    return keep


def kept_tokens(tokens: Tokens, keep: np.ndarray) -> Tokens:
    """``tokens`` reduced to the ids ``keep`` marks."""
    sizes = _per_text(keep, tokens.offsets)
    return Tokens(tokens.ids[keep], np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64), tokens.vocabulary)


def _per_text(mask: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """How many of each text's tokens ``mask`` holds (texts without tokens included)."""
    running = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
    return running[starts[1:]] - running[starts[:-1]]


def token_sets(texts: list[str], *, stop_share: float) -> list[frozenset[str]]:
    """``tokenize`` as one set of token strings per text (for reading and tests)."""
    tokens = tokenize(texts, stop_share=stop_share)
    return [frozenset(tokens.vocabulary[i] for i in tokens.ids[a:b])
            for a, b in zip(tokens.offsets[:-1], tokens.offsets[1:])]


def minhash_signatures(sets: list[frozenset[str]], *, perms: int) -> np.ndarray:
    """MinHash signatures of token sets (see ``signatures``)."""
    vocabulary = sorted({token for tokens in sets for token in tokens})
    index = {token: i for i, token in enumerate(vocabulary)}
    ids = np.asarray([index[token] for tokens in sets for token in sorted(tokens)], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum([len(tokens) for tokens in sets])]).astype(np.int64)
    return signatures(Tokens(ids, offsets, tuple(vocabulary)), perms=perms)


def signatures(tokens: Tokens, *, perms: int) -> np.ndarray:
    """MinHash signatures (texts x perms, uint64) with multiply-shift hashing.

    Token hashes come from CRC-32 of the token's text (stable across
    processes, unlike ``hash``). Each permutation p maps hash x to
    ((a_p·x + b_p) mod 2^64) >> 32 with a_p odd; the signature keeps the
    minimum per permutation. A text without tokens keeps the all-ones row.
    """
    rng = np.random.default_rng(_SEED)
    a = rng.integers(1, 2**63, size=perms, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=perms, dtype=np.uint64)
    crc = np.fromiter((zlib.crc32(t.encode("utf-8", "surrogatepass")) for t in tokens.vocabulary),
                      dtype=np.uint64, count=len(tokens.vocabulary))
    count = len(tokens.offsets) - 1
    empty = tokens.sizes() == 0
    result = np.full((count, perms), np.iinfo(np.uint64).max, dtype=np.uint64)
    chunk = max(1, 4_000_000 // perms)  # tokens per chunk keeps the temporary matrix near 32 MB
    starts = tokens.offsets.tolist()
    first = 0
    while first < count:
        last = first
        while last < count and starts[last + 1] - starts[first] <= chunk:
            last += 1
        last = max(last, first + 1)
        lo, hi = starts[first], starts[last]
        if hi > lo:
            with np.errstate(over="ignore"):
                hashed = (crc[tokens.ids[lo:hi], None] * a[None, :] + b[None, :]) >> np.uint64(32)
            nonempty = np.flatnonzero(~empty[first:last]) + first
            result[nonempty] = np.minimum.reduceat(hashed, tokens.offsets[nonempty] - lo, axis=0)
        first = last
    return result


@dataclass(frozen=True)
class LshIndex:
    """What the candidate stage derives from each text on its own; row i of every array is text i.

    Everything a text's candidates depend on besides the other texts: its
    tokens (all of them, and which the stop-token rule keeps, which does
    depend on the other texts), its length, its character counts, its band
    keys and its b-bit MinHash. ``analyzer.lsh_patch`` keeps one per class
    between runs.
    """

    tokens: Tokens  # every distinct token of each text, stop tokens included
    keep: np.ndarray  # bool per entry of tokens.ids: kept by the stop-token rule
    lengths: np.ndarray  # int64 characters
    histograms: np.ndarray  # uint8 (texts x _HISTOGRAM_BINS), see char_histograms
    keys: np.ndarray  # uint64 (texts x bands), see band_keys
    low: np.ndarray  # uint8 (texts x perms), see minhash_bytes

    def usable(self) -> np.ndarray:
        """Indices of the texts that keep at least one token (a text without tokens has no candidates)."""
        return np.flatnonzero(_per_text(self.keep, self.tokens.offsets) > 0)


def lsh_index(texts: list[str], *, settings: Settings, histograms: np.ndarray | None = None) -> LshIndex:
    """The ``LshIndex`` of ``texts``."""
    every = all_tokens(texts, {})
    keep = stop_mask(every, stop_share=settings.stop_token_share)
    keys, low = band_signatures(kept_tokens(every, keep), settings=settings)
    return LshIndex(every, keep, np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts)),
                    char_histograms(texts) if histograms is None else histograms, keys, low)


def band_signatures(tokens: Tokens, *, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """Band keys (texts x bands) and b-bit MinHash values (texts x perms) of kept ``tokens``."""
    minhashes = signatures(tokens, perms=settings.minhash_perms)
    rows = settings.lsh_rows
    keys = np.empty((len(minhashes), settings.minhash_perms // rows), dtype=np.uint64)
    for band in range(keys.shape[1]):
        keys[:, band] = band_keys(minhashes[:, band * rows:(band + 1) * rows])
    return keys, minhash_bytes(minhashes)


def lsh_candidates(texts: list[str], *, settings: Settings, histograms: np.ndarray | None = None) -> np.ndarray:
    """Index pairs (i < j) that share at least one LSH band, whose character counts allow a
    ratio of ``block_threshold`` (``histogram_bound``) and whose MinHash Jaccard estimate
    reaches ``min_candidate_jaccard``, as an (n, 2) int64 array sorted by (i, j).

    Each band's pairs are filtered as they come, so only survivors are kept
    across bands (on corpus-public's units: 15.9 M band pairs, 12.0 M distinct;
    holding all band pairs before filtering peaked at 1.1 GB). The character
    bound goes first: it reads 32 bytes per text where the Jaccard estimate
    reads 64, and it rejects 97 % of the pairs (4.7 M survivors of the
    estimate alone, 134,563 of both), which can never be matches anyway.
    """
    return index_candidates(lsh_index(texts, settings=settings, histograms=histograms), settings=settings)


def index_candidates(index: LshIndex, *, settings: Settings) -> np.ndarray:
    """``lsh_candidates`` of the texts of ``index``."""
    count = len(index.lengths)
    usable = index.usable()
    kept: list[np.ndarray] = []
    for band in range(index.keys.shape[1]):
        kept.append(band_candidates(index, band, usable, settings=settings))
        if len(kept) >= _MERGE_BANDS:  # most survivors recur in several bands: fold them as we go
            kept = [sorted_unique(np.concatenate(kept))]
    if not kept:
        return np.empty((0, 2), dtype=np.int64)
    codes = sorted_unique(np.concatenate(kept))
    del kept
    return np.stack([codes // count, codes % count], axis=1)


def band_candidates(index: LshIndex, band: int, members: np.ndarray, *, settings: Settings) -> np.ndarray:
    """Pair codes (i * texts + j, i < j) of ``members`` that one band makes candidates, after the
    character-count bound and the Jaccard estimate. Buckets are whole only if ``members`` holds
    every usable text of each bucket it touches."""
    count = len(index.lengths)
    codes = _bucket_pairs(index.keys[members, band], members, index.lengths, count, settings.block_threshold)
    pairs = np.stack([codes // count, codes % count], axis=1)
    possible = histogram_bound(index.histograms, index.lengths, pairs) >= settings.block_threshold - 1e-9
    codes, pairs = codes[possible], pairs[possible]
    return codes[estimated_jaccard(index.low, pairs) >= settings.min_candidate_jaccard - 1e-9]


def minhash_bytes(signatures: np.ndarray) -> np.ndarray:
    """One byte of each MinHash value (a b-bit MinHash, Li & König 2010), for ``estimated_jaccard``."""
    return (signatures & np.uint64(0xFF)).astype(np.uint8)


def estimated_jaccard(low: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Share of equal MinHash values of each pair: an estimate of its token Jaccard.

    Compared on one byte of each value (``minhash_bytes``): unequal values
    then agree by chance with probability 1/256, an upward bias of at most
    0.004, and the gather moves 8x less memory (on 12 M candidate pairs the
    64-bit comparison took longer than scoring them).
    """
    estimate = np.empty(len(pairs), dtype=np.float32)
    step = max(1, 32_000_000 // max(1, low.shape[1]))
    for start in range(0, len(pairs), step):
        chunk = pairs[start:start + step]
        equal = low[chunk[:, 0]] == low[chunk[:, 1]]
        estimate[start:start + step] = np.count_nonzero(equal, axis=1) / low.shape[1]
    return estimate


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` for an integer array, by sorting: numpy 2.3+'s hash-based ``np.unique``
    took 43 s CPU on 30 M pair codes where ``sort`` and a neighbour mask take 2.5 s (measured)."""
    if len(values) == 0:
        return values
    ordered = np.sort(values)
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def band_keys(band: np.ndarray) -> np.ndarray:
    """One 64-bit key per row of an LSH band (rows x band width MinHash values)."""
    key = np.zeros(band.shape[0], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in range(band.shape[1]):
            key = key * np.uint64(0x9E3779B97F4A7C15) + band[:, column]
    return key


def _bucket_pairs(keys: np.ndarray, members: np.ndarray, lengths: np.ndarray, count: int,
                  threshold: float) -> np.ndarray:
    """Pair codes (i * count + j, i < j) of texts whose band keys are equal.

    Texts are sorted by (key, length) and each is paired with the next
    ``_BUCKET_WINDOW`` texts while the key is the same: every pair of a
    bucket up to that size, and in a larger bucket (a very common band) the
    pairs closest in length, which are the only ones the length bound can
    pass anyway. Pairs that fail the length bound are dropped here already,
    which keeps the candidate arrays small. Fully vectorised: one numpy pass
    per offset.
    """
    order = np.lexsort((lengths[members], keys))
    sorted_keys, sorted_members = keys[order], members[order]
    codes: list[np.ndarray] = []
    for offset in range(1, _BUCKET_WINDOW + 1):
        same = sorted_keys[:-offset] == sorted_keys[offset:]
        if not same.any():
            break
        left, right = sorted_members[:-offset][same], sorted_members[offset:][same]
        short, long = np.minimum(lengths[left], lengths[right]), np.maximum(lengths[left], lengths[right])
        fits = 2.0 * short >= threshold * (short + long) - 1e-9
        left, right = left[fits], right[fits]
        codes.append(np.minimum(left, right) * count + np.maximum(left, right))
    return np.concatenate(codes) if codes else np.empty(0, dtype=np.int64)
