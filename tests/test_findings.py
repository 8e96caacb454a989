"""Behaviour of analyzer.findings on the seeds and on tiny corpora written by fixtures."""

from __future__ import annotations

from analyzer.findings import internal_restatements
from corpora import SEED_000, SEED_001, SEED_002, SEED_003, SEED_004, family_of

AGENT = """---
name: release-manager
description: Prepares releases, writes the changelog and tags the version.
---

# Release Manager

You prepare a release when the main branch is green.

## Checklist

- Update the version number in every package manifest.
- Write the changelog entry from the merged pull requests since the last tag.
- Tag the release commit and push the tag to the remote.

## Behaviour

Prioritise a predictable cadence over large releases; summarise the risk of each change.
"""


def findings_of(result, kind: str):
    return [f for f in result.findings if f.kind == kind]


# ------------------------------------------------------------------ the seeds


def test_seed_variants_are_one_family_and_the_unrelated_seed_is_not(seeds_result):
    # Read from the seeds: 000, 001, 002 and 004 share the body from '## Core Philosophy'
    # to '## Output Standards' (001 adds a 'Design Philosophy' list, 002 British spellings
    # and a research section, 004 a tech stack and code examples); 003 is another text
    # (phases, checklists, JSON response formats) that only shares the agent's name.
    families = family_of(seeds_result)
    together = {families[SEED_000], families[SEED_001], families[SEED_002], families[SEED_004]}
    assert len(together) == 1
    assert families[SEED_003] not in together


def test_same_name_different_content_names_the_unrelated_seed(seeds_result):
    (finding,) = findings_of(seeds_result, "same-name-different-content")
    assert "senior-backend-engineer" in finding.message
    assert SEED_003 in finding.files
    assert set(finding.files) == {SEED_000, SEED_002, SEED_003, SEED_004}  # 001 is named backend-engineer
    families = family_of(seeds_result)
    assert dict(finding.details)[families[SEED_003]] == SEED_003


def test_renamed_copy_names_the_seed_called_backend_engineer(seeds_result):
    (finding,) = findings_of(seeds_result, "renamed-copy")
    assert finding.files == (SEED_001,)
    assert "backend-engineer" in finding.message
    assert dict(finding.details)["family_name"] == "senior-backend-engineer"


def test_internal_restatements_in_seed_000_are_reported(seeds_result):
    # Read from seed 000: 'Your Role' (line 56) says what 'Core Philosophy' (83) says;
    # 'Input' (60) lists the eight items of 'Input Expectations' (87) and its two
    # subsections; 'Output Requirements' (72) restates the list of 'Output Standards' (193).
    found = {
        tuple(f.message.split("'")[1::2][:2])
        for f in findings_of(seeds_result, "internal-restatement") if f.files == (SEED_000,)
    }
    assert found == {
        ("Your Role", "Core Philosophy"),
        ("Input", "Input Expectations"),
        ("Output Requirements", "Output Standards"),
    }


def test_restatement_keeps_only_the_outermost_pair(seeds_result):
    seed = next(f for f in seeds_result.files if f.path == SEED_000)
    pairs = {(a.heading_path, b.heading_path) for a, b, _ in internal_restatements(seed)}
    assert ("Input", "Input Expectations") in pairs
    assert not [pair for pair in pairs if pair[1].startswith("Input Expectations >")]


def test_restatement_finding_gives_section_lines(seeds_result):
    (finding,) = [f for f in findings_of(seeds_result, "internal-restatement") if "'Your Role'" in f.message]
    assert "(lines 56-58)" in finding.message and "(lines 83-85)" in finding.message


def test_seeds_have_no_duplicate_findings(seeds_result):
    assert findings_of(seeds_result, "exact-duplicate") == []
    assert findings_of(seeds_result, "normalized-duplicate") == []


def test_most_copied_blocks_span_several_seed_files(seeds_result):
    copied = findings_of(seeds_result, "most-copied-block")
    assert copied
    assert all(len(f.files) >= 2 for f in copied)
    top = copied[0]
    assert set(top.files) >= {SEED_000, SEED_001, SEED_002, SEED_004}


# ------------------------------------------------------------------ tiny corpora


def test_byte_identical_files_are_an_exact_duplicate(write_corpus, run_analysis):
    result = run_analysis(write_corpus({"a.md": AGENT, "copy/a.md": AGENT, "other.md": AGENT.replace("Tag", "Sign")}))
    (finding,) = findings_of(result, "exact-duplicate")
    assert finding.files == ("a.md", "copy/a.md")
    assert "byte-identical" in finding.message
    assert findings_of(result, "normalized-duplicate") == []


def test_files_differing_only_in_line_endings_whitespace_and_spelling_are_normalized_duplicates(
        write_corpus, run_analysis):
    variant = (AGENT.replace("Prioritise", "Prioritize").replace("summarise", "summarize")
               .replace("Behaviour", "Behavior").replace("green.", "green.   ").replace("\n", "\r\n"))
    result = run_analysis(write_corpus({"uk.md": AGENT, "us-crlf.md": variant}))
    assert findings_of(result, "exact-duplicate") == []
    (finding,) = findings_of(result, "normalized-duplicate")
    assert finding.files == ("uk.md", "us-crlf.md")
    families = family_of(result)
    assert families["uk.md"] == families["us-crlf.md"]


def test_one_real_word_changed_is_not_a_normalized_duplicate(write_corpus, run_analysis):
    result = run_analysis(write_corpus({"a.md": AGENT, "b.md": AGENT.replace("green", "red")}))
    assert findings_of(result, "normalized-duplicate") == []
    families = family_of(result)
    assert families["a.md"] == families["b.md"]  # still a near-copy


def test_same_name_in_one_family_is_not_a_finding(write_corpus, run_analysis):
    result = run_analysis(write_corpus({"a.md": AGENT, "b.md": AGENT.replace("green", "red")}))
    assert findings_of(result, "same-name-different-content") == []
    assert findings_of(result, "renamed-copy") == []


def test_same_name_for_different_agents_is_reported(write_corpus, run_analysis):
    other = ("---\nname: release-manager\ndescription: Plans the marketing launch of a product.\n---\n\n"
             "Coordinate the press kit, the launch blog post and the social media calendar with the team.\n")
    result = run_analysis(write_corpus({"a.md": AGENT, "b.md": other}))
    (finding,) = findings_of(result, "same-name-different-content")
    assert finding.files == ("a.md", "b.md")
    assert "release-manager" in finding.message


def test_renamed_copy_reports_the_minority_name(write_corpus, run_analysis):
    renamed = AGENT.replace("name: release-manager", "name: ship-it")
    result = run_analysis(write_corpus({"a.md": AGENT, "b.md": AGENT.replace("green", "red"), "c.md": renamed}))
    (finding,) = findings_of(result, "renamed-copy")
    assert finding.files == ("c.md",)
    assert "ship-it" in finding.message and "release-manager" in finding.message


def test_file_without_restated_sections_has_no_restatement(write_corpus, run_analysis):
    result = run_analysis(write_corpus({"a.md": AGENT}))
    assert findings_of(result, "internal-restatement") == []
