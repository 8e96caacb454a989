"""Patching an LSH class after edits gives exactly the pairs a fresh scoring gives, and it really patches."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from analyzer import cache, lsh_patch
from analyzer.match import distinct_texts, score_pairs
from analyzer.normalize import RULES, active_rules
from analyzer.parse import fingerprint, parse_bytes
from analyzer.settings import Settings

_RULES = active_rules(RULES)
# small classes go through LSH too; one row per band makes wide buckets, where the window decides
_SETTINGS = (Settings(exhaustive_limit=10), Settings(exhaustive_limit=10, lsh_rows=1, stop_token_share=0.2))
_SWAPS = ("the", "and", "optimisation", "colour", "database", "zqxj", "service", "{{slot}}")


@pytest.fixture(scope="module")
def unit_texts(shared_dir: Path) -> dict[str, str]:
    """fingerprint -> normalised unit text of a 150-file slice of corpus-public (about 6,000 texts)."""
    sources = sorted((shared_dir / "corpus-public").rglob("*.md"))
    blocks = []
    for source in sources[:: max(1, len(sources) // 150)][:150]:
        blocks.extend(parse_bytes(source.read_bytes(), path=source.name, rules=_RULES).blocks)
    texts = {fp: text for fp, text in distinct_texts(blocks)["unit"].items() if len(text) >= 40}
    assert len(texts) > 3000
    return texts


def _edited(texts: dict[str, str], rng: random.Random, *, removals: int, additions: int) -> dict[str, str]:
    """``texts`` less some texts, plus near-copies of others (one word swapped, sometimes a word added)."""
    edited = dict(texts)
    for fp in rng.sample(sorted(edited), removals):
        del edited[fp]
    for _ in range(additions):
        words = edited[rng.choice(sorted(edited))].split()
        words[rng.randrange(len(words))] = rng.choice(_SWAPS)
        text = " ".join(words) + (" extra" if rng.random() < 0.3 else "")
        edited[fingerprint(text)] = text
    return edited


def _score(texts: dict[str, str], settings: Settings, previous=None) -> lsh_patch.LshState:
    fingerprints = sorted(texts)
    return lsh_patch.score_lsh_class([texts[fp] for fp in fingerprints], fingerprints, settings=settings,
                                     previous=previous)


def _named(state: lsh_patch.LshState) -> list[tuple[str, str, float]]:
    return [(state.fingerprints[i], state.fingerprints[j], s) for i, j, s in state.matches()]


@pytest.mark.integration
@pytest.mark.parametrize("settings", _SETTINGS, ids=["default-bands", "one-row-bands"])
def test_patched_pairs_equal_fresh_scoring_after_successive_random_edits(unit_texts, settings, monkeypatch):
    rng = random.Random(7)
    texts = unit_texts
    state = _score(texts, settings)
    assert _named(state) and state.matches() == score_pairs([texts[fp] for fp in sorted(texts)], settings=settings)
    patched_runs = 0
    real_index = lsh_patch.lsh_index
    for _ in range(5):
        texts = _edited(texts, rng, removals=rng.randint(0, 12), additions=rng.randint(1, 12))
        fresh = _score(texts, settings)
        calls = []
        monkeypatch.setattr(lsh_patch, "lsh_index", lambda *a, **k: calls.append(1) or real_index(*a, **k))
        patched = _score(texts, settings, previous=state)
        monkeypatch.setattr(lsh_patch, "lsh_index", real_index)
        patched_runs += not calls
        assert _named(patched) == _named(fresh)
        assert patched.fingerprints == fresh.fingerprints
        np.testing.assert_array_equal(patched.index.keys, fresh.index.keys)
        np.testing.assert_array_equal(patched.index.low, fresh.index.low)
        state = patched
    assert patched_runs == 5  # small edits are patched, never scored afresh


@pytest.mark.integration
def test_removing_a_matched_text_drops_its_pairs_and_adding_a_copy_finds_its_pairs(unit_texts):
    settings = _SETTINGS[0]
    state = _score(unit_texts, settings)
    a, b, _ = _named(state)[0]
    without = {fp: t for fp, t in unit_texts.items() if fp != a}
    patched = _score(without, settings, previous=state)
    assert all(a not in (x, y) for x, y, _ in _named(patched))
    copy = unit_texts[b] + " too"
    with_copy = {**without, fingerprint(copy): copy}
    again = _score(with_copy, settings, previous=patched)
    assert any({x, y} == {b, fingerprint(copy)} for x, y, _ in _named(again))
    assert _named(again) == _named(_score(with_copy, settings))


@pytest.mark.integration
def test_a_large_edit_is_scored_afresh_with_the_same_result(unit_texts, monkeypatch):
    settings = _SETTINGS[0]
    state = _score(unit_texts, settings)
    rng = random.Random(3)
    texts = _edited(unit_texts, rng, removals=len(unit_texts) // 5, additions=10)
    calls = []
    real_index = lsh_patch.lsh_index
    monkeypatch.setattr(lsh_patch, "lsh_index", lambda *a, **k: calls.append(1) or real_index(*a, **k))
    patched = _score(texts, settings, previous=state)
    assert calls == [1]
    monkeypatch.setattr(lsh_patch, "lsh_index", real_index)
    assert _named(patched) == _named(_score(texts, settings))


@pytest.mark.integration
def test_a_state_survives_the_cache_and_a_damaged_one_is_rebuilt(unit_texts, tmp_path):
    settings = _SETTINGS[0]
    state = _score(unit_texts, settings)
    memo = cache.MatchMemo(str(tmp_path), "settings")
    assert memo.save_state("unit", state) == ""
    loaded = memo.load_state("unit")
    assert loaded is not None and _named(loaded) == _named(state)
    for name in ("keys", "low", "histograms", "keep", "lengths", "pairs", "scores"):
        np.testing.assert_array_equal(getattr(loaded.index, name, getattr(loaded, name, None)),
                                      getattr(state.index, name, getattr(state, name, None)))
    assert loaded.index.tokens.vocabulary == state.index.tokens.vocabulary
    assert memo.load_state("section") is None and memo.rebuilt == 0
    (location,) = tmp_path.glob("lsh-v*/*.npz")
    raw = bytearray(location.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    location.write_bytes(bytes(raw))
    assert memo.load_state("unit") is None and memo.rebuilt == 1


def test_inconsistent_state_arrays_are_refused():
    texts = {fingerprint(t): t for t in ("alpha beta gamma delta epsilon", "alpha beta gamma delta zeta eta")}
    state = _score(texts, Settings(exhaustive_limit=0))
    good = cache.state_bytes(state)
    assert _named(cache.state_from_bytes(good)) == _named(state)
    broken = lsh_patch.LshState(state.fingerprints[:1], state.index, state.pairs, state.scores)
    with pytest.raises(ValueError):
        cache.state_from_bytes(cache.state_bytes(broken))


def test_a_state_of_other_widths_is_scored_afresh_not_trusted(monkeypatch):
    texts = {fingerprint(t): t for t in (
        "review the api gateway timeout settings before each release",
        "review the api gateway timeout settings before every release",
        "profile the slow database queries and add the missing indexes",
        "profile the slow database queries and add missing indexes now",
    )}
    settings = Settings(exhaustive_limit=0)
    other = _score(texts, Settings(exhaustive_limit=0, minhash_perms=32))
    calls = []
    real_index = lsh_patch.lsh_index
    monkeypatch.setattr(lsh_patch, "lsh_index", lambda *a, **k: calls.append(1) or real_index(*a, **k))
    again = _score(texts, settings, previous=other)
    assert calls == [1]
    assert _named(again) == _named(_score(texts, settings)) and len(_named(again)) == 2
