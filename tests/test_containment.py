"""Containment: unit texts found whole inside longer unit texts (analyzer.containment)."""

from __future__ import annotations

import csv
import random
import re

import pytest

from analyzer.containment import contained_pairs, patched_pairs
from analyzer.pipeline import analyze
from analyzer.settings import Settings
from corpora import paragraphs

WORD = re.compile(r"\w")


def brute_force(texts: dict[str, str], min_chars: int) -> list[tuple[str, str]]:
    """Every pair, tested directly: the definition, not the algorithm."""
    found = []
    for a, inner in texts.items():
        if len(inner) < min_chars or not WORD.search(inner):
            continue
        for b, outer in texts.items():
            if len(outer) <= len(inner):
                continue
            starts = [i for i in range(len(outer) - len(inner) + 1) if outer.startswith(inner, i)]
            if any((i == 0 or not WORD.match(outer[i - 1])) and
                   (i + len(inner) == len(outer) or not WORD.match(outer[i + len(inner)])) for i in starts):
                found.append((a, b))
    return sorted(found)


def test_a_sentence_pasted_into_a_longer_paragraph_is_contained():
    texts = {
        "short": "rollback plan documented and tested",
        "long": "every release needs a rollback plan documented and tested before the freeze.",
        "other": "nothing in common with either of them at all, really.",
    }
    assert contained_pairs(texts, min_chars=24) == [("short", "long")]


def test_containment_needs_word_boundaries():
    texts = {"short": "plan documented and tested", "long": "xplan documented and testedx, said the lead."}
    assert contained_pairs(texts, min_chars=10) == []


def test_texts_shorter_than_the_minimum_are_never_inner():
    texts = {"short": "run the tests", "long": "always run the tests before you push a branch."}
    assert contained_pairs(texts, min_chars=24) == []
    assert contained_pairs(texts, min_chars=5) == [("short", "long")]


def test_a_text_without_words_is_never_inner():
    texts = {"rule": "-- -- -- -- -- -- -- --", "long": "a heading -- -- -- -- -- -- -- -- and more words"}
    assert contained_pairs(texts, min_chars=5) == []


def test_one_inner_text_can_sit_in_many_outer_texts_and_chains_are_all_listed():
    texts = {"a": "check the error handling paths", "b": "first check the error handling paths twice",
             "c": "then first check the error handling paths twice, and log"}
    assert contained_pairs(texts, min_chars=10) == [("a", "b"), ("a", "c"), ("b", "c")]


def _cut_texts(seed: int, count: int) -> dict[str, str]:
    """Distinct texts cut from a few shared sentences, so containment is common (partial words, repeats)."""
    rng = random.Random(seed)
    sentences = paragraphs(seed, 4) + ["the the the the cat sat on the mat the the", "a_b a_b a-b ab_ x_y"]
    texts: dict[str, str] = {}
    for number in range(count):
        source = rng.choice(sentences)
        start = rng.randrange(len(source))
        end = rng.randrange(start, len(source) + 1)
        if rng.random() < 0.5:  # half the cuts on word boundaries, where containment counts
            start, end = source.rfind(" ", 0, start) + 1, (source.find(" ", end) + 1 or len(source) + 1) - 1
        piece = source[start:end]
        if rng.random() < 0.3:
            piece = piece + " " + rng.choice(sentences)[:rng.randrange(40)]
        if piece not in texts.values():
            texts[f"t{seed}-{number:03d}"] = piece
    return texts


@pytest.mark.parametrize("seed", range(6))
def test_the_gram_index_finds_exactly_what_testing_every_pair_finds(seed):
    texts = _cut_texts(seed, 150)
    reference = brute_force(texts, 8)
    assert len(reference) >= 20
    assert sorted(contained_pairs(texts, min_chars=8)) == reference


@pytest.mark.parametrize("seed", range(6))
def test_patching_the_last_set_finds_exactly_what_testing_every_pair_finds(seed):
    rng = random.Random(seed)
    texts = _cut_texts(seed, 220)
    before = dict(list(texts.items())[:200])
    previous = (sorted(before), contained_pairs(before, min_chars=8))
    removed = rng.sample(sorted(before), 6)
    after = {fp: t for fp, t in texts.items() if fp not in removed}  # six gone, about twenty new
    patched = patched_pairs(after, previous, min_chars=8)
    reference = brute_force(after, 8)
    assert patched == reference
    assert any(fp not in before for pair in reference for fp in pair)  # new texts inside and outside others
    assert any(fp in removed for pair in previous[1] for fp in pair)  # and pairs of gone texts dropped


def test_a_large_change_is_searched_whole():
    texts = _cut_texts(1, 100)
    assert patched_pairs(texts, ([], []), min_chars=8) is None


def test_analysis_lists_the_containment_with_its_blocks(tmp_path):
    base, extra = paragraphs(41, 2)
    pasted = "Always keep the rollback plan documented and tested."
    (tmp_path / "a.md").write_text(f"# A\n\n{pasted}\n\n{base}\n")
    (tmp_path / "b.md").write_text(f"# B\n\n{extra} {pasted} And then some more words follow here.\n")
    result = analyze([tmp_path], settings=Settings().replace(cache_dir=""))
    blocks = {b.fingerprint: b for f in result.files for b in f.units}
    assert [(blocks[c.inner].file, blocks[c.inner].text, blocks[c.outer].file) for c in result.containments] == [
        ("a.md", pasted, "b.md")]


def test_block_containments_csv_names_both_blocks(tmp_path):
    from analyzer.report.model import build_report
    from analyzer.report.render import write_reports

    pasted = "Always keep the rollback plan documented and tested."
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.md").write_text(f"# A\n\n{pasted}\n")
    (tmp_path / "in" / "b.md").write_text(f"# B\n\nFirst of all: {pasted} Twice.\n\n- {pasted}\n")
    settings = Settings().replace(cache_dir="")
    result = analyze([tmp_path / "in"], settings=settings)
    write_reports(build_report(result, settings=settings), tmp_path / "out", parallel=False)
    with (tmp_path / "out" / "block_containments.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["inner_file"], r["outer_file"], r["copies_inner"], r["near_duplicate"]) for r in rows] == [
        ("a.md", "b.md", "2", "false")]  # the list item is a copy of a.md's paragraph: two blocks hold it
    assert 0 < float(rows[0]["coverage"]) < 1
