"""Behaviour of analyzer.match: fingerprints, match classes, LSH candidates, verified scores."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from analyzer.match import (
    distinct_texts,
    find_matches,
    lsh_candidates,
    match_class,
    minhash_signatures,
    score_pairs,
    token_sets,
    verify,
)
from analyzer.models import KIND_FIELD, KIND_PARAGRAPH, Block
from analyzer.normalize import active_rules
from analyzer.parse import parse_text
from analyzer.settings import Settings

SETTINGS = Settings()
RULES = active_rules(SETTINGS.rules)

ORIGINAL = (
    "Review every pull request for security issues, missing tests and unclear names, "
    "then write a short summary with the three most important changes to make first."
)
ONE_WORD_CHANGED = ORIGINAL.replace("short summary", "brief summary")
UNRELATED = (
    "Translate the marketing brochure into French and Spanish, keeping the brand voice "
    "friendly and the product names exactly as they appear in the English original."
)


def blocks_of(text: str, path: str) -> tuple[Block, ...]:
    return parse_text(text, path=path, rules=RULES).blocks


def paragraph(text: str, path: str) -> Block:
    (block,) = [b for b in blocks_of(text, path) if b.kind == KIND_PARAGRAPH]
    return block


def matched_pairs(blocks, settings: Settings = SETTINGS) -> dict[frozenset[str], float]:
    return {frozenset((m.fingerprint_a, m.fingerprint_b)): m.score for m in find_matches(blocks, settings=settings)}


# ------------------------------------------------------------------ fingerprints and classes


def test_identical_blocks_share_a_fingerprint():
    assert paragraph(ORIGINAL, "a.md").fingerprint == paragraph(ORIGINAL, "b.md").fingerprint


def test_blocks_differing_only_in_what_normalisation_removes_share_a_fingerprint():
    plain = paragraph(ORIGINAL, "b.md")
    variant = paragraph(ORIGINAL.upper().replace("security issues", "**security**   issues"), "a.md")
    assert variant.text != plain.text
    assert variant.fingerprint == plain.fingerprint


def test_identical_texts_are_one_distinct_text_and_need_no_scoring():
    blocks = [paragraph(ORIGINAL, "a.md"), paragraph(ORIGINAL, "b.md")]
    assert len(distinct_texts(blocks)["unit"]) == 1
    assert find_matches(blocks, settings=SETTINGS) == ()


def test_lightly_edited_copy_is_matched_above_the_threshold():
    original, edited = paragraph(ORIGINAL, "a.md"), paragraph(ONE_WORD_CHANGED, "b.md")
    assert original.fingerprint != edited.fingerprint
    pairs = matched_pairs([original, edited])
    score = pairs[frozenset((original.fingerprint, edited.fingerprint))]
    assert SETTINGS.block_threshold <= score < 1.0
    assert score == round(fuzz.ratio(original.norm, edited.norm) / 100, 4)


def test_unrelated_blocks_are_not_matched():
    assert matched_pairs([paragraph(ORIGINAL, "a.md"), paragraph(UNRELATED, "b.md")]) == {}


def test_short_texts_below_min_near_chars_are_only_matched_exactly():
    short_a, short_b = paragraph("Use tabs.", "a.md"), paragraph("Use taps.", "b.md")
    assert len(short_a.norm) < SETTINGS.min_near_chars
    assert matched_pairs([short_a, short_b]) == {}
    assert matched_pairs([short_a, short_b], SETTINGS.replace(min_near_chars=5))


def test_sections_are_compared_with_sections_and_preambles_not_with_units():
    section = next(b for b in blocks_of(f"## Review\n\n{ORIGINAL}\n", "a.md") if b.kind == "section")
    body = blocks_of(f"Review {ONE_WORD_CHANGED}\n", "b.md")
    preamble = next(b for b in body if b.kind == "preamble")
    (unit,) = [b for b in body if b.is_unit]
    assert (match_class(section), match_class(preamble), match_class(unit)) == ("section", "section", "unit")
    # The unit's text is as close to the section's as the preamble's is, but it is in another class.
    assert unit.norm == preamble.norm
    expected = round(fuzz.ratio(section.norm, preamble.norm) / 100, 4)
    assert expected >= SETTINGS.block_threshold
    assert matched_pairs([section, preamble]) == {frozenset((section.fingerprint, preamble.fingerprint)): expected}
    assert matched_pairs([section, unit]) == {}


def test_fields_match_only_fields_with_the_same_key():
    description = f"---\ndescription: {ORIGINAL}\n---\n"
    same_key_edited = f"---\ndescription: {ONE_WORD_CHANGED}\n---\n"
    other_key = f"---\nsummary: {ORIGINAL}\n---\n"
    as_paragraph = f"{ORIGINAL}\n"
    blocks = (blocks_of(description, "a.md") + blocks_of(same_key_edited, "b.md")
              + blocks_of(other_key, "c.md") + blocks_of(as_paragraph, "d.md"))
    fields = {b.file: b for b in blocks if b.kind == KIND_FIELD}
    assert match_class(fields["a.md"]) == "field:description"
    assert match_class(fields["c.md"]) == "field:summary"
    # The texts are close enough to match if they were in one class:
    assert fuzz.ratio(fields["a.md"].norm, fields["c.md"].norm) >= 85
    matches = find_matches(blocks, settings=SETTINGS)
    assert [(m.match_class, {m.fingerprint_a, m.fingerprint_b}) for m in matches] == [
        ("field:description", {fields["a.md"].fingerprint, fields["b.md"].fingerprint})
    ]


def test_field_key_case_does_not_split_the_class():
    upper = [b for b in blocks_of(f"---\nDescription: {ORIGINAL}\n---\n", "a.md") if b.kind == KIND_FIELD][0]
    assert match_class(upper) == "field:description"


def test_matches_are_sorted_and_name_their_fingerprints_in_order():
    texts = [ORIGINAL, ONE_WORD_CHANGED, ORIGINAL.replace("three", "five"), UNRELATED]
    blocks = [paragraph(t, f"{i}.md") for i, t in enumerate(texts)]
    matches = find_matches(blocks, settings=SETTINGS)
    assert len(matches) == 3
    assert list(matches) == sorted(matches)
    assert all(m.fingerprint_a < m.fingerprint_b for m in matches)


# ------------------------------------------------------------------ verify and the length bound

PAIR_TEXTS = st.lists(st.text(alphabet="ab c", min_size=1, max_size=40), min_size=2, max_size=8)
# Thresholds as a user gives them (two decimals). Arbitrary floats are left out: verify() compares
# float32 scores, so a cutoff one double ulp above a score would be a meaningless difference.
THRESHOLDS = st.integers(50, 100).map(lambda percent: percent / 100)


def brute_force(texts: list[str], threshold: float) -> list[tuple[int, int, float]]:
    """Every pair that rapidfuzz's ratio passes at the threshold's cutoff, with no pre-filter."""
    found = []
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            score = fuzz.ratio(texts[i], texts[j], score_cutoff=threshold * 100)
            if score:
                found.append((i, j, round(score / 100, 4)))
    return found


def all_pairs(count: int) -> np.ndarray:
    first, second = np.triu_indices(count, k=1)
    return np.stack([first, second], axis=1).astype(np.int64)


def assert_same_scored_pairs(found, expected) -> None:
    assert [(i, j) for i, j, _ in found] == [(i, j) for i, j, _ in expected]
    assert [score for _, _, score in found] == pytest.approx([score for _, _, score in expected], abs=1e-4)


@hypothesis_settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PAIR_TEXTS, THRESHOLDS)
def test_length_bound_never_drops_a_pair_that_ratio_would_pass(texts, threshold):
    found = verify(texts, all_pairs(len(texts)), threshold=threshold)
    assert_same_scored_pairs(found, brute_force(texts, threshold))


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcd ", min_size=1, max_size=30), st.integers(0, 30), THRESHOLDS)
def test_a_text_and_its_prefix_are_kept_exactly_when_the_bound_allows(text, cut, threshold):
    # A prefix is the best case for ratio: its score equals the length bound itself.
    prefix = text[: max(1, len(text) - cut)]
    found = verify([text, prefix], all_pairs(2), threshold=threshold)
    assert_same_scored_pairs(found, brute_force([text, prefix], threshold))


# Characters that share a histogram bin (code points equal modulo 32), and long runs past the 255 cap.
BIN_COLLIDING = st.text(alphabet=st.sampled_from(["a", "A", "!", "\u00e1", "b", " ", "\U0001f9ea"]), max_size=40)


@hypothesis_settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(BIN_COLLIDING, st.text(max_size=30),
                          st.builds(lambda c, n: c * n, st.sampled_from("aA!"), st.integers(200, 400))),
                min_size=2, max_size=6))
def test_character_count_bound_is_never_below_the_ratio(texts):
    from analyzer.match import char_histograms, histogram_bound

    pairs = all_pairs(len(texts))
    lengths = np.array([len(t) for t in texts], dtype=np.float64)
    bound = histogram_bound(char_histograms(texts), lengths, pairs)
    for (i, j), limit in zip(pairs.tolist(), bound.tolist()):
        assert fuzz.ratio(texts[i], texts[j]) / 100 <= limit + 1e-9


@pytest.mark.parametrize("batch_chars", [1, 7, 2_000_000])
def test_character_histograms_count_every_character_whatever_the_batch_size(monkeypatch, batch_chars):
    from analyzer import match
    from analyzer.match import char_histograms

    monkeypatch.setattr(match, "_HISTOGRAM_CHARS", batch_chars)
    texts = ["", "abc", "a" * 300, "xyz\U0001f9ea" * 5, "b", "\ud800 lone surrogate"]
    expected = np.zeros((len(texts), 32), dtype=np.int64)
    for row, text in enumerate(texts):
        for char in text:
            expected[row, ord(char) % 32] += 1
    assert (char_histograms(texts) == np.minimum(expected, 255)).all()


def test_character_count_bound_rejects_texts_of_other_letters():
    from analyzer.match import char_histograms, histogram_bound

    texts = ["a quiet river runs", "xyz xyz xyz xyz xyz", "a quiet river ran"]
    lengths = np.array([len(t) for t in texts], dtype=np.float64)
    bound = histogram_bound(char_histograms(texts), lengths, all_pairs(3))
    assert bound[0] < 0.5 and bound[2] < 0.5 and bound[1] > 0.9  # (0, 1), (0, 2), (1, 2)


def test_pair_scoring_exactly_the_threshold_is_kept():
    # 11 shared characters out of 20 + 20: ratio = 22 / 40 = 0.55 exactly.
    first, second = "a" * 11 + "b" * 9, "a" * 11 + "c" * 9
    assert verify([first, second], all_pairs(2), threshold=0.55) == [(0, 1, 0.55)]
    assert verify([first, second], all_pairs(2), threshold=0.56) == []


def test_verify_of_no_candidates_is_empty():
    assert verify(["a", "b"], np.empty((0, 2), dtype=np.int64), threshold=0.85) == []


def test_score_pairs_is_exhaustive_below_the_limit():
    texts = [ORIGINAL.lower(), ONE_WORD_CHANGED.lower(), UNRELATED.lower()]
    assert score_pairs(texts, settings=SETTINGS) == brute_force(texts, SETTINGS.block_threshold)


# ------------------------------------------------------------------ LSH

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def generated_library(seed: int = 7, originals: int = 2400,
                      copies: int = 600) -> tuple[list[str], list[tuple[int, int]]]:
    """Random word texts; ``copies`` of them repeat an original with one word replaced.

    Texts are short (6-9 words, at most 63 characters) so that the exhaustive
    ground truth over all ~4.5 million pairs takes well under a second.
    """
    rng = random.Random(seed)
    vocabulary = sorted({"".join(rng.choice(_LETTERS) for _ in range(rng.randint(3, 6))) for _ in range(6000)})
    texts = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(6, 9))) for _ in range(originals)]
    planted = []
    for _ in range(copies):
        source = rng.randrange(originals)
        words = texts[source].split()
        words[rng.randrange(len(words))] = rng.choice(vocabulary)
        texts.append(" ".join(words))
        planted.append((source, len(texts) - 1))
    return texts, planted


@pytest.fixture(scope="module")
def library():
    texts, planted = generated_library()
    scores = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=SETTINGS.block_threshold * 100,
                           dtype=np.float32, workers=-1)
    first, second = np.nonzero(np.triu(scores, k=1))
    truth = {(i, j) for i, j in zip(first.tolist(), second.tolist())
             if fuzz.ratio(texts[i], texts[j]) >= SETTINGS.block_threshold * 100}
    return texts, planted, truth


def test_lsh_proposes_every_planted_near_duplicate(library):
    # a planted copy whose one new word costs more than the threshold allows is no near-duplicate:
    # the character-count bound drops it before scoring, as it should
    texts, planted, truth = library
    near = [pair for pair in planted if tuple(sorted(pair)) in truth]
    assert len(near) > len(planted) // 2
    candidates = lsh_candidates(texts, settings=Settings(exhaustive_limit=0))
    proposed = {tuple(pair) for pair in candidates.tolist()}
    missing = [pair for pair in near if tuple(sorted(pair)) not in proposed]
    assert missing == []


def test_lsh_candidates_are_few_and_ordered(library):
    texts, _, _ = library
    candidates = lsh_candidates(texts, settings=Settings(exhaustive_limit=0))
    all_pair_count = len(texts) * (len(texts) - 1) // 2
    assert len(candidates) < 0.01 * all_pair_count
    assert (candidates[:, 0] < candidates[:, 1]).all()
    assert len({tuple(p) for p in candidates.tolist()}) == len(candidates)


def test_forced_lsh_finds_the_same_pairs_as_exhaustive_scoring(library):
    texts, _, truth = library
    found = score_pairs(texts, settings=Settings(exhaustive_limit=0))
    assert {(i, j) for i, j, _ in found} == truth
    assert len(truth) >= 500  # most planted copies pass the threshold; the rest lost too many characters


def test_find_matches_over_lsh_agrees_with_exhaustive_matching_on_blocks():
    texts, planted = generated_library(seed=11, originals=300, copies=60)
    blocks = [paragraph(text, f"f{i:03d}.md") for i, text in enumerate(texts)]
    forced = find_matches(blocks, settings=Settings(exhaustive_limit=0))
    exhaustive = find_matches(blocks, settings=Settings())
    assert forced == exhaustive
    matched = {frozenset((m.fingerprint_a, m.fingerprint_b)) for m in exhaustive}
    close_copies = [(blocks[i], blocks[j]) for i, j in planted
                    if fuzz.ratio(blocks[i].norm, blocks[j].norm) >= 100 * SETTINGS.block_threshold]
    assert len(close_copies) >= 40
    assert all(frozenset((a.fingerprint, b.fingerprint)) in matched for a, b in close_copies)


def test_frequent_tokens_are_dropped_from_texts_that_have_rarer_ones():
    texts = [f"the common house rule alpha{i} beta{i} gamma{i} delta{i} epsilon{i} zeta{i}" for i in range(200)]
    sets = token_sets(texts, stop_share=0.02)
    assert sets[0] == frozenset({"alpha0", "beta0", "gamma0", "delta0", "epsilon0", "zeta0"})


def test_text_made_only_of_frequent_tokens_keeps_tokens_to_meet_its_copies():
    texts = [f"the common house rule alpha{i} beta{i} gamma{i} delta{i} epsilon{i} zeta{i}" for i in range(200)]
    sets = token_sets(texts + ["the common house rule", "the common house rule"], stop_share=0.02)
    assert sets[-1] and sets[-1] == sets[-2]
    assert sets[-1] <= {"the", "common", "house", "rule"}


def test_minhash_signatures_are_deterministic_across_calls():
    sets = token_sets([ORIGINAL.lower(), ONE_WORD_CHANGED.lower(), UNRELATED.lower()], stop_share=0.02)
    first = minhash_signatures(sets, perms=64)
    second = minhash_signatures(list(sets), perms=64)
    assert first.dtype == np.uint64 and first.shape == (3, 64)
    assert np.array_equal(first, second)


def test_minhash_signatures_do_not_depend_on_the_process_hash_seed():
    script = textwrap.dedent("""
        import hashlib
        from analyzer.match import minhash_signatures
        sets = [frozenset({"review", "security", "tests"}), frozenset({"translate", "brochure"})]
        print(hashlib.sha256(minhash_signatures(sets, perms=32).tobytes()).hexdigest())
    """)
    digests = {
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout.strip()
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_similar_token_sets_agree_on_more_minhash_values_than_unrelated_ones():
    sets = token_sets([ORIGINAL.lower(), ONE_WORD_CHANGED.lower(), UNRELATED.lower()], stop_share=1.0)
    signatures = minhash_signatures(sets, perms=256)
    near = (signatures[0] == signatures[1]).mean()
    far = (signatures[0] == signatures[2]).mean()
    assert near > 0.8 > 0.1 > far


def test_empty_token_set_gets_no_candidates():
    candidates = lsh_candidates(["", "!!!", ORIGINAL, ONE_WORD_CHANGED], settings=Settings(exhaustive_limit=0))
    assert {tuple(p) for p in candidates.tolist()} == {(2, 3)}


def _reference_token_sets(texts: list[str], stop_share: float) -> list[frozenset[str]]:
    """The definition in words, with Python sets: drop tokens in more than stop_share of texts,
    give a text left with fewer than five its rarest dropped tokens back (ties by text)."""
    import re
    from collections import Counter

    raw = [frozenset(re.findall(r"\w+", text)) for text in texts]
    frequency = Counter(token for tokens in raw for token in tokens)
    limit = max(2, int(stop_share * len(texts)))
    result = []
    for tokens in raw:
        kept = {t for t in tokens if frequency[t] <= limit}
        if len(kept) < 5:
            kept |= set(sorted(tokens - kept, key=lambda t: (frequency[t], t))[:5 - len(kept)])
        result.append(frozenset(kept))
    return result


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["the", "a", "rule", "agent", "x1", "é", "!!", "", "code", "test"]),
                         max_size=9).map(" ".join), max_size=40),
       st.sampled_from([0.0, 0.02, 0.2, 1.0]))
def test_flat_token_ids_match_the_set_definition_for_any_texts(texts, share):
    assert token_sets(texts, stop_share=share) == _reference_token_sets(texts, share)
