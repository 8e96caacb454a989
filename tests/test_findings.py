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


# ------------------------------------------------------------------ stale-copy

CHANGELOG_ITEM = "- Write the changelog entry from the merged pull requests since the last tag."
CHANGELOG_EDITED = "- Write the changelog entry from the merged pull requests and issues since the last tag."


def test_stale_copy_names_the_copy_that_differs_from_the_majority(write_corpus, run_analysis):
    edited = AGENT.replace(CHANGELOG_ITEM, CHANGELOG_EDITED)
    result = run_analysis(write_corpus({"a.md": AGENT, "b.md": AGENT, "team/c.md": AGENT, "d.md": edited}))
    assert len(set(family_of(result).values())) == 1
    (finding,) = findings_of(result, "stale-copy")
    details = dict(finding.details)
    assert details["heading_path"] == "Checklist"
    assert details["differ"] == "d.md:13"
    assert details["agree"] == "a.md:13 ; b.md:13 ; team/c.md:13"
    assert finding.files == ("a.md", "b.md", "d.md", "team/c.md")
    assert "3 of 4 copies agree" in finding.message and "these differ: d.md:13" in finding.message
    assert "stale" not in finding.message  # the edit may be the newer one: no direction is claimed


def test_an_even_split_has_no_majority_and_no_stale_copy(write_corpus, run_analysis):
    edited = AGENT.replace(CHANGELOG_ITEM, CHANGELOG_EDITED)
    result = run_analysis(write_corpus({"a.md": AGENT, "b.md": AGENT, "c.md": edited, "d.md": edited}))
    assert findings_of(result, "stale-copy") == []


def test_two_copies_are_too_few_to_have_a_majority(write_corpus, run_analysis):
    result = run_analysis(write_corpus({"a.md": AGENT, "b.md": AGENT.replace(CHANGELOG_ITEM, CHANGELOG_EDITED)}))
    assert findings_of(result, "stale-copy") == []


def test_cosmetic_differences_do_not_make_a_stale_copy(write_corpus, run_analysis):
    american = AGENT.replace("Prioritise", "Prioritize").replace("summarise", "summarize")
    result = run_analysis(write_corpus({"a.md": AGENT, "b.md": AGENT, "c.md": american}))
    assert findings_of(result, "stale-copy") == []


def test_stale_copies_are_capped_per_family_and_the_last_counts_the_rest(write_corpus, run_analysis):
    from analyzer.findings import STALE_PER_FAMILY

    items = [
        "- Confirm the database migrations ran cleanly on the staging cluster.",
        "- Drain the message queue so no half-processed order survives the deploy.",
        "- Warm the cache with yesterday's most requested product pages.",
        "- Check that firewall rules still allow the payment provider's webhooks.",
        "- Rotate any secret that was shared in a chat channel this sprint.",
        "- Take a fresh backup of customer uploads and verify one restore.",
        "- Raise the log level for the checkout service during the first hour.",
        "- Pin dashboards for latency, error rate and saturation on the big screen.",
        "- Tell customer support which features change and where the notes are.",
        "- Freeze merges to main until the smoke tests report green twice.",
        "- Schedule the rollback window with the on-call engineer in writing.",
        "- Update the public status page with the maintenance announcement.",
        "- Archive the previous build artefacts in cold storage for ninety days.",
    ]
    base = "# Release steps\n\n" + "\n".join(items) + "\n"
    edited = base
    for item in items:
        edited = edited.replace(item, item[:-1] + " today.")
    result = run_analysis(write_corpus({"a.md": base, "b.md": base, "c.md": base, "d.md": edited}))
    found = findings_of(result, "stale-copy")
    assert len(found) == STALE_PER_FAMILY
    assert all(dict(f.details)["differ"].startswith("d.md") for f in found)
    rest = found[-1]
    assert dict(rest.details)["units"] == str(len(items) - STALE_PER_FAMILY + 1)
    assert "more units where most copies agree" in rest.message


def test_stale_copy_findings_are_deterministic(write_corpus, run_analysis):
    edited = AGENT.replace(CHANGELOG_ITEM, CHANGELOG_EDITED)
    folder = write_corpus({"a.md": AGENT, "b.md": AGENT, "c.md": AGENT, "d.md": edited})
    assert findings_of(run_analysis(folder), "stale-copy") == findings_of(run_analysis(folder), "stale-copy")


def test_seed_004_is_the_odd_copy_out_in_most_shared_units(seeds_result):
    # Read from the seeds: 004 fills in {{PROJECT_NAME}} in its opening paragraph and adds
    # "(<500ms p95)" to 'Performant' in 'Output Standards'; 000, 001 and 002 keep the shorter texts.
    found = findings_of(seeds_result, "stale-copy")
    assert found
    by_heading = {(dict(f.details)["heading_path"], dict(f.details)["differ"].split(":")[0]) for f in found}
    assert ("Senior Backend Engineer", SEED_004) in by_heading
    assert ("Output Standards", SEED_004) in by_heading
    assert all(SEED_003 not in f.files for f in found)  # not in the family
