"""The common ancestor of a family: majority units in their usual order and wording, members as deltas."""

from __future__ import annotations

import pytest

from analyzer.consensus import consensus_for_families, family_consensus
from analyzer.report.lineage_out import consensus_markdown, consensus_text, lineage_model
from corpora import SEED_000, SEED_001, SEED_002, SEED_003, SEED_004
from test_lineage import BASE, agent, paragraph, section


def only_family(result):
    return next(f for f in result.file_families if len(f.members) >= 3)


@pytest.fixture
def orphan_forks(write_corpus, run_analysis):
    """Three forks of an original that is not in the library; each appends its own section."""
    files = {f"fork{n}.md": agent("orphan", BASE + [section(f"Fork {n}", 70 + n)]) for n in range(3)}
    return run_analysis(write_corpus(files))


def test_consensus_of_forks_reconstructs_the_missing_original(orphan_forks):
    consensus = family_consensus(orphan_forks.files, only_family(orphan_forks), orphan_forks.block_families)
    text = consensus_text(consensus)
    for number in range(1, 5):
        assert f"## Part {number}" in text
        assert paragraph(number * 100) in text
    assert "Fork" not in text
    assert text.index("## Part 1") < text.index("## Part 2") < text.index("## Part 4")


def test_each_fork_is_described_as_adding_its_section(orphan_forks):
    consensus = family_consensus(orphan_forks.files, only_family(orphan_forks), orphan_forks.block_families)
    for number, delta in enumerate(consensus.deltas):
        assert delta.file == f"fork{number}.md"
        assert delta.sections_added == (f"Fork {number}",)
        assert delta.dropped == () and delta.changed == ()
        assert delta.kept == len(consensus.units)


def test_most_common_wording_and_order_win(write_corpus, run_analysis):
    reworded = BASE[1].replace("## Part 2\n\n", "## Part 2\n\nPlease note: ", 1)
    files = {
        "a.md": agent("vote", BASE),
        "b.md": agent("vote", BASE),
        "c.md": agent("vote", [BASE[0], reworded, BASE[3], BASE[2]]),  # reworded and reordered
    }
    result = run_analysis(write_corpus(files))
    consensus = family_consensus(result.files, only_family(result), result.block_families)
    text = consensus_text(consensus)
    assert "Please note" not in text
    assert text.index("## Part 3") < text.index("## Part 4")
    delta = {d.file: d for d in consensus.deltas}["c.md"]
    assert len(delta.changed) == 1 and "Please note" in delta.changed[0][2]


def test_minority_blocks_are_dropped_and_reported(write_corpus, run_analysis):
    files = {
        "a.md": agent("drop", BASE),
        "b.md": agent("drop", BASE),
        "c.md": agent("drop", BASE[:3]),  # lacks Part 4
        "d.md": agent("drop", BASE + [section("Only Here", 77)]),
    }
    result = run_analysis(write_corpus(files))
    consensus = family_consensus(result.files, only_family(result), result.block_families)
    deltas = {d.file: d for d in consensus.deltas}
    assert "Only Here" not in consensus_text(consensus)
    assert "## Part 4" in consensus_text(consensus)
    assert deltas["c.md"].sections_dropped == ("Part 4",)
    assert deltas["d.md"].sections_added == ("Only Here",)


def test_consensus_is_only_built_for_families_of_three_or_more(write_corpus, run_analysis):
    result = run_analysis(write_corpus({"a.md": agent("pair", BASE), "b.md": agent("pair", BASE[:3])}))
    assert consensus_for_families(result.files, result.file_families, result.block_families) == ()


# --- the seeds ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_consensus(seeds_result):
    (consensus,) = consensus_for_families(seeds_result.files, seeds_result.file_families,
                                          seeds_result.block_families)
    return consensus


def test_seed_consensus_covers_the_four_variants(seed_consensus):
    assert seed_consensus.members == (SEED_000, SEED_001, SEED_002, SEED_004)
    assert SEED_003 not in seed_consensus.members


def test_seed_consensus_is_the_shared_backend_engineer_core(seed_consensus):
    text = consensus_text(seed_consensus)
    for heading in ("## Core Philosophy", "## Input Expectations", "## Database Migration Management",
                    "## Expert Implementation Areas", "## Production Standards", "## Code Quality Standards",
                    "## Implementation Approach", "## Output Standards"):
        assert heading in text
    assert "specification-driven development" in text
    assert text.index("## Core Philosophy") < text.index("## Production Standards") < text.index(
        "## Output Standards")


@pytest.mark.parametrize("fork_only", [
    "Design Philosophy", "Simplicity is the ultimate sophistication",  # 001's paste
    "Search and Research Capabilities", "ref_search_documentation",  # 002's research section
    "## Your Role", "## Input\n", "## Output Requirements",  # 000's template sections
    "Prisma", "{{PROJECT_NAME}}", "Code Execution Capabilities",  # 004's specialisation
])
def test_seed_consensus_leaves_out_what_one_fork_added(seed_consensus, fork_only):
    assert fork_only not in consensus_text(seed_consensus)


def test_seed_members_deltas_name_their_own_additions(seed_consensus):
    deltas = {d.file: d for d in seed_consensus.deltas}
    assert {"Your Role", "Input", "Output Requirements"} <= set(deltas[SEED_000].sections_added)
    assert any("Design Philosophy" in text for _, text in deltas[SEED_001].added)
    assert "Search and Research Capabilities" in deltas[SEED_002].sections_added
    assert "{{PROJECT_NAME}} Technology Stack" in deltas[SEED_004].sections_added
    assert deltas[SEED_002].cosmetic > 0  # the British spellings normalise to the consensus wording


def test_seed_consensus_markdown_has_the_text_then_the_deltas(seeds_result):
    (item,) = lineage_model(seeds_result)["consensus"]
    markdown = consensus_markdown(item)
    assert markdown.index("## Core Philosophy") < markdown.index("as deltas from the consensus")
    for member in (SEED_000, SEED_001, SEED_002, SEED_004):
        assert f"## `{member}`" in markdown


def test_consensus_is_deterministic(seeds_result):
    first = consensus_for_families(seeds_result.files, seeds_result.file_families, seeds_result.block_families)
    again = consensus_for_families(tuple(reversed(seeds_result.files)), seeds_result.file_families,
                                   tuple(reversed(seeds_result.block_families)))
    assert first == again
