"""Patching a match class's scored pairs after a few of its texts changed, exactly.

A rerun after one file was edited meets a unit class that differs from the
last run's by a handful of texts, and scoring it again costs as much as the
first time (on corpus-public: tokenizing 157,000 texts, 32 LSH bands of
bucket windows, the character bound on 4.7 M band pairs). This module keeps,
per match class, the last run's ``LshState`` (its ``match.LshIndex`` and its
matches, by fingerprint) and derives the new matches from it. The result is
*equal* to scoring the class afresh, pair for pair and score for score; it is
not an approximation that drifts run after run.

Why that holds. A fresh run's matches are the candidates that score at least
the threshold (``match.verify`` drops only pairs its exact bounds rule out),
and a candidate is a pair that some band's bucket makes one: two texts with
the same band key, at most ``_BUCKET_WINDOW`` apart when the bucket is
sorted by (length, index), that pass the length bound, the character bound
and the Jaccard estimate. Those last three read the two texts alone.

1. **Touched texts.** A text is *touched* when it is new, or when the
   stop-token rule, recomputed over the new set (document frequencies,
   the share limit, the rarest stop tokens given back to short texts), keeps
   a different set of its tokens than last time: its MinHash and band keys
   then change. Any other text has the same tokens, signature, keys, length
   and character counts as last time (they are read from the state, not
   computed).
2. **Touched buckets.** In each band, a bucket is touched when it holds a
   touched text now or held a touched or removed text last time. Every other
   bucket holds exactly the texts it held, with the same keys and lengths in
   the same relative order, so it makes exactly the candidates it made.
3. **New matches** = the old matches between two untouched texts that some
   untouched bucket still makes candidates (same key, key untouched, rank
   distance within the window: the pair-local filters held last time and
   read the same values now) + ``verify`` of every candidate the touched
   buckets make (computed as a fresh run computes them, on whole buckets),
   less the pairs already known.

When more than ``_MAX_TOUCHED_SHARE`` of the texts are touched (a large edit,
or the stop-token limit crossing an integer, which flips many tokens), the
class is scored afresh; either way the result is the same. A test compares
patched and fresh matches after random edits of a real corpus slice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analyzer.match import (
    _BUCKET_WINDOW,
    _HISTOGRAM_BINS,
    LshIndex,
    Tokens,
    all_tokens,
    band_candidates,
    band_signatures,
    char_histograms,
    kept_tokens,
    lsh_index,
    score_index,
    sorted_unique,
    stop_mask,
    verify,
)
from analyzer.settings import Settings

_MAX_TOUCHED_SHARE = 0.1  # above this share of touched texts, scoring afresh is about as cheap


@dataclass(frozen=True)
class LshState:
    """One LSH class as scored: its sorted fingerprints, their ``LshIndex`` rows and the matches found.

    ``pairs`` are index pairs (i < j) sorted, ``scores`` their ratios / 100
    rounded as ``verify`` rounds them.
    """

    fingerprints: tuple[str, ...]
    index: LshIndex
    pairs: np.ndarray  # int64 (matches x 2)
    scores: np.ndarray  # float64 (matches,)

    def matches(self) -> list[tuple[int, int, float]]:
        return [(int(i), int(j), float(s)) for (i, j), s in zip(self.pairs.tolist(), self.scores.tolist())]


def score_lsh_class(texts: list[str], fingerprints: list[str], *, settings: Settings,
                    previous: LshState | None = None) -> LshState:
    """The matches of a class scored through LSH, patched from ``previous`` when that is cheaper.

    ``fingerprints`` are the texts' fingerprints, sorted, ``texts`` in the
    same order; ``previous`` is any earlier state of the same class under the
    same settings (or None). The result equals ``score_pairs`` either way.
    """
    patched = _patch(texts, fingerprints, settings, previous) if previous is not None else None
    if patched is not None:
        return patched
    index = lsh_index(texts, settings=settings)
    return _state(fingerprints, index, score_index(texts, index, settings=settings))


def _state(fingerprints: list[str], index: LshIndex, found: list[tuple[int, int, float]]) -> LshState:
    found = sorted(found)
    pairs = np.asarray([(i, j) for i, j, _ in found], dtype=np.int64).reshape(-1, 2)
    return LshState(tuple(fingerprints), _compact(index), pairs, np.asarray([s for _, _, s in found], dtype=np.float64))


def _patch(texts: list[str], fingerprints: list[str], settings: Settings, old: LshState) -> LshState | None:
    """The new state derived from ``old`` (see the module docstring), or None when too much changed."""
    count = len(texts)
    position = {fp: i for i, fp in enumerate(old.fingerprints)}
    was = np.fromiter((position.get(fp, -1) for fp in fingerprints), dtype=np.int64, count=count)
    added = np.flatnonzero(was < 0)
    stayed = np.flatnonzero(was >= 0)
    removed = _absent(was[stayed], len(old.fingerprints))
    if len(added) + len(removed) > _MAX_TOUCHED_SHARE * count or not _fits(old.index, settings):
        return None
    tokens, copied_from, copied_to = _merged_tokens(texts, added, stayed, was, old.index.tokens)
    keep = stop_mask(tokens, stop_share=settings.stop_token_share)
    changed = stayed[_spans_differ(keep[copied_to], old.index.keep[copied_from],
                                   np.diff(old.index.tokens.offsets)[was[stayed]])]
    touched = np.sort(np.concatenate([added, changed]))  # disjoint
    if len(touched) + len(removed) > _MAX_TOUCHED_SHARE * count:
        return None
    index = _merged_index(texts, tokens, keep, stayed, was, touched, old.index, settings)
    untouched = np.flatnonzero(_absent(touched, count, as_mask=True))
    known, known_scores = _surviving_matches(old, was, untouched, count)
    old_gone = np.concatenate([removed, was[changed]])  # disjoint
    usable = index.usable()
    touched_now = touched[_present(usable, count)[touched]]
    gone_then = old_gone[_present(old.index.usable(), len(old.fingerprints))[old_gone]]
    found_again = np.zeros(len(known), dtype=bool)
    codes: list[np.ndarray] = []
    for band in range(index.keys.shape[1]):
        touched_keys = sorted_unique(np.concatenate([index.keys[touched_now, band], old.index.keys[gone_then, band]]))
        members = usable[np.isin(index.keys[usable, band], touched_keys)]
        codes.append(band_candidates(index, band, members, settings=settings))
        found_again |= _still_candidates(index, band, usable, touched_keys, known)
    fresh = sorted_unique(np.concatenate(codes)) if codes else np.empty(0, dtype=np.int64)
    known_codes = known[:, 0] * count + known[:, 1]
    found_again |= np.isin(known_codes, fresh)  # a touched bucket made it: its score is known
    fresh = fresh[~np.isin(fresh, known_codes)]
    scored = verify(texts, np.stack([fresh // count, fresh % count], axis=1), threshold=settings.block_threshold,
                    workers=settings.worker_count, histograms=index.histograms)
    kept = [(int(i), int(j), float(s)) for (i, j), s in
            zip(known[found_again].tolist(), known_scores[found_again].tolist())]
    return _state(fingerprints, index, kept + scored)


def _fits(index: LshIndex, settings: Settings) -> bool:
    """Whether ``index`` has the widths these settings and this code give (a state is keyed by both,
    so only a tampered one would not; it is then scored afresh rather than trusted)."""
    return (index.keys.shape[1:] == (settings.minhash_perms // settings.lsh_rows,)
            and index.low.shape[1:] == (settings.minhash_perms,)
            and index.histograms.shape[1:] == (_HISTOGRAM_BINS,))


def _merged_tokens(texts: list[str], added: np.ndarray, stayed: np.ndarray, was: np.ndarray,
                   old: Tokens) -> tuple[Tokens, np.ndarray, np.ndarray]:
    """Every text's tokens: the stayed texts' copied from ``old``, the added texts' tokenized now.

    Returns the tokens and, for the copied ones, their positions in ``old.ids``
    and in the new ids (equal length, in text order).
    """
    vocabulary = {word: i for i, word in enumerate(old.vocabulary)}
    new_tokens = all_tokens([texts[i] for i in added], vocabulary)
    sizes = np.zeros(len(texts), dtype=np.int64)
    sizes[stayed] = np.diff(old.offsets)[was[stayed]]
    sizes[added] = np.diff(new_tokens.offsets)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    copied_from = _span_positions(old.offsets, was[stayed])
    copied_to = _span_positions(offsets, stayed)
    ids = np.empty(offsets[-1], dtype=np.int64)
    ids[copied_to] = old.ids[copied_from]
    ids[_span_positions(offsets, added)] = new_tokens.ids
    return Tokens(ids, offsets, new_tokens.vocabulary), copied_from, copied_to


def _present(rows: np.ndarray, count: int) -> np.ndarray:
    """A mask of ``count`` entries, true at ``rows``."""
    mask = np.zeros(count, dtype=bool)
    mask[rows] = True
    return mask


def _absent(rows: np.ndarray, count: int, *, as_mask: bool = False) -> np.ndarray:
    """The indices below ``count`` not in ``rows``, ascending (or their mask). Masks, not
    ``np.setdiff1d``: numpy's hash-based unique took seconds on these arrays."""
    mask = ~_present(rows, count)
    return mask if as_mask else np.flatnonzero(mask)


def _span_positions(offsets: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The positions ``offsets[r]:offsets[r + 1]`` of each of ``rows``, concatenated in order."""
    starts, ends = offsets[rows], offsets[rows + 1]
    sizes = ends - starts
    if sizes.sum() == 0:
        return np.empty(0, dtype=np.int64)
    shift = np.repeat(starts - np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes)
    return np.arange(int(sizes.sum()), dtype=np.int64) + shift


def _spans_differ(a: np.ndarray, b: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Per span of ``sizes`` consecutive entries: whether masks ``a`` and ``b`` differ anywhere in it."""
    running = np.concatenate([[0], np.cumsum(a != b, dtype=np.int64)])
    ends = np.cumsum(sizes)
    return (running[ends] - running[ends - sizes]) > 0


def _merged_index(texts: list[str], tokens: Tokens, keep: np.ndarray, stayed: np.ndarray, was: np.ndarray,
                  touched: np.ndarray, old: LshIndex, settings: Settings) -> LshIndex:
    """The new ``LshIndex``: untouched rows copied from ``old``, touched rows computed."""
    count = len(texts)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=count)
    histograms = np.empty((count, old.histograms.shape[1]), dtype=np.uint8)
    keys = np.empty((count, old.keys.shape[1]), dtype=np.uint64)
    low = np.empty((count, old.low.shape[1]), dtype=np.uint8)
    for array, previous in ((histograms, old.histograms), (keys, old.keys), (low, old.low)):
        array[stayed] = previous[was[stayed]]
    fresh = _absent(stayed, count)
    histograms[fresh] = char_histograms([texts[i] for i in fresh])
    kept = kept_tokens(tokens, keep)
    subset = Tokens(kept.ids[_span_positions(kept.offsets, touched)],
                    np.concatenate([[0], np.cumsum(np.diff(kept.offsets)[touched])]).astype(np.int64), kept.vocabulary)
    keys[touched], low[touched] = band_signatures(subset, settings=settings)
    return LshIndex(tokens, keep, lengths, histograms, keys, low)


def _surviving_matches(old: LshState, was: np.ndarray, untouched: np.ndarray,
                       count: int) -> tuple[np.ndarray, np.ndarray]:
    """The old matches between two untouched texts, as new index pairs (sorted), and their scores."""
    now = np.full(len(old.fingerprints), -1, dtype=np.int64)
    now[was[untouched]] = untouched
    pairs = now[old.pairs] if len(old.pairs) else np.empty((0, 2), dtype=np.int64)
    both = (pairs >= 0).all(axis=1) if len(pairs) else np.zeros(0, dtype=bool)
    return pairs[both].reshape(-1, 2), old.scores[both]


def _still_candidates(index: LshIndex, band: int, usable: np.ndarray, touched_keys: np.ndarray,
                      pairs: np.ndarray) -> np.ndarray:
    """Which ``pairs`` (of untouched texts) an untouched bucket of ``band`` makes candidates.

    Same key, a key no touched text has or had, and ranks at most
    ``_BUCKET_WINDOW`` apart in the bucket sorted by (length, index), as
    ``match._bucket_pairs`` sorts it.
    """
    keys = index.keys[:, band]
    a, b = pairs[:, 0], pairs[:, 1]
    same = (keys[a] == keys[b]) & ~np.isin(keys[a], touched_keys)
    if not same.any():
        return same
    ordered = np.sort(keys[usable])
    size = np.searchsorted(ordered, keys[a], side="right") - np.searchsorted(ordered, keys[a], side="left")
    wide = same & (size > _BUCKET_WINDOW + 1)  # only there can two members be too far apart
    if wide.any():
        members = usable[np.isin(keys[usable], keys[a[wide]])]  # whole buckets, so ranks within them hold
        rank = np.zeros(len(index.lengths), dtype=np.int64)
        rank[members[np.lexsort((index.lengths[members], keys[members]))]] = np.arange(len(members))
        same[wide] = np.abs(rank[a[wide]] - rank[b[wide]]) <= _BUCKET_WINDOW
    return same


def _compact(index: LshIndex) -> LshIndex:
    """``index`` with its vocabulary reduced to the tokens in use (patched states would otherwise keep
    every token any earlier text had)."""
    used = sorted_unique(index.tokens.ids)
    if len(used) == len(index.tokens.vocabulary):
        return index
    vocabulary = tuple(index.tokens.vocabulary[i] for i in used.tolist())
    ids = np.searchsorted(used, index.tokens.ids).astype(np.int64)
    return LshIndex(Tokens(ids, index.tokens.offsets, vocabulary), index.keep, index.lengths, index.histograms,
                    index.keys, index.low)
