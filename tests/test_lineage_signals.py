"""Direction signals beyond containment: written markers of time, new vocabulary, ties between candidate parents.

Every family here has a child that is *shorter* than its parent or holds less
of it, so containment and length alone would make the child the root; the
signal under test has to turn the edge round.
"""

from __future__ import annotations

import random

from test_lineage import BASE, agent, lineage_of, paragraph, section

from analyzer.lineage_signals import latest_date, name_extension, novelty_signal, stated_version


def with_fields(fields: dict[str, str], sections: list[str]) -> str:
    head = "\n".join(f"{key}: {value}" for key, value in fields.items())
    return f"---\n{head}\n---\n\n# Agent\n\n" + "\n".join(sections)


DROPPED = BASE + [section("Appendix", 61, paragraphs=3)]  # the parent; each child below lost "Appendix"


def test_version_field_orients_edge_even_when_child_is_shorter(write_corpus, run_analysis):
    folder = write_corpus({
        "a_new.md": with_fields({"name": "ops", "version": "1.3"}, BASE),
        "z_old.md": with_fields({"name": "ops", "version": "1.2"}, DROPPED),
    })
    lineage = lineage_of(run_analysis(folder))
    assert lineage["z_old.md"] == ("", "root")
    assert lineage["a_new.md"] == ("z_old.md", "derived")


def test_later_date_written_in_the_text_orients_edge_even_when_child_is_shorter(write_corpus, run_analysis):
    folder = write_corpus({
        "a_new.md": agent("ops", BASE + ["Last updated: 2024-06-01\n"]),
        "z_old.md": agent("ops", DROPPED + ["Last updated: 2024-05-01\n"]),
    })
    lineage = lineage_of(run_analysis(folder))
    assert lineage["z_old.md"] == ("", "root")
    assert lineage["a_new.md"] == ("z_old.md", "derived")
    evidence = dict(next(edge for edge in run_analysis(folder).lineage if edge.file == "a_new.md").details)
    assert evidence["markers"] == "latest date 2024-05-01 → 2024-06-01"


def test_qualified_name_is_the_child_even_when_it_is_shorter(write_corpus, run_analysis):
    folder = write_corpus({
        "a_fork.md": agent("reviewer-lite", BASE),
        "z_base.md": agent("reviewer", DROPPED),
    })
    lineage = lineage_of(run_analysis(folder))
    assert lineage["z_base.md"] == ("", "root")
    assert lineage["a_fork.md"] == ("z_base.md", "derived")


FOREIGN = ("Telescope mirrors require annealed borosilicate, careful grinding, polishing with cerium oxide, "
           "silvering under vacuum, collimation against Polaris and patient observing through turbulent "
           "atmospheric layers before galaxies reveal spiral arms.")


def native_paragraphs(seed: int, count: int) -> list[str]:
    """Paragraphs written in the family's own words: every word is one the shared sections use."""
    shared = " ".join(BASE).split()
    words = sorted({w.strip(".,").lower() for w in shared if w.strip(".,").isalpha() and len(w) >= 5})
    rng = random.Random(seed)
    return [" ".join(rng.choice(words) for _ in range(34)).capitalize() + "." for _ in range(count)]


def operations(*paragraphs: str) -> str:
    return "## Operations\n\n" + "\n\n".join(paragraphs) + "\n"


def test_side_whose_rewritten_passage_brings_new_words_is_the_child(write_corpus, run_analysis):
    """Inside a section both keep, the child swapped three paragraphs in the family's words for one on a new topic."""
    folder = write_corpus({
        "a_new.md": agent("ops", BASE + [operations(paragraph(71), FOREIGN)]),
        "z_old.md": agent("ops", BASE + [operations(paragraph(71), *native_paragraphs(5, 3))]),
    })
    result = run_analysis(folder)
    lineage = lineage_of(result)
    assert lineage["z_old.md"] == ("", "root")
    assert lineage["a_new.md"][0] == "z_old.md"
    files = {f.path: f for f in result.files}
    assert novelty_signal(files["z_old.md"], files["a_new.md"]) > 0.5
    assert "own words also in the shared text" in dict(next(
        edge for edge in result.lineage if edge.file == "a_new.md").details)["new_vocabulary"]


def test_whole_sections_only_one_side_has_say_nothing_about_vocabulary(write_corpus, run_analysis):
    """A section swapped for another (a template's restatement, a paste) is not compared: either may be the late one."""
    folder = write_corpus({
        "a.md": agent("ops", BASE + [f"## Optics\n\n{FOREIGN}\n"]),
        "b.md": agent("ops", BASE + [operations(*native_paragraphs(5, 3))]),
    })
    files = {f.path: f for f in run_analysis(folder).files}
    assert novelty_signal(files["b.md"], files["a.md"]) == 0.0


def test_pure_removal_gives_the_new_vocabulary_signal_nothing(write_corpus, run_analysis):
    folder = write_corpus({"a.md": agent("ops", BASE), "b.md": agent("ops", DROPPED)})
    files = {f.path: f for f in run_analysis(folder).files}
    assert novelty_signal(files["b.md"], files["a.md"]) == 0.0


def test_child_that_cannot_tell_two_candidates_apart_hangs_from_the_central_one(write_corpus, run_analysis):
    """"dropper" lost the section in which "b_sibling" changed a word: to it the parent and the sibling are equal.

    The parent is the more central of the two (the other fork still has the word the sibling changed), so the
    dropper hangs from it, although the sibling's name sorts first.
    """
    extra = section("Extra", 63)
    words = extra.split(" ")
    at = next(i for i, word in enumerate(words) if i > 3 and len(word) == 5 and word.isalpha())
    words[at] = "quota" if words[at] != "quota" else "proxy"
    folder = write_corpus({
        "z_parent.md": agent("tie", BASE + [extra]),
        "b_sibling.md": agent("tie", BASE + [" ".join(words)]),
        "c_dropper.md": agent("tie", BASE),
        "d_fork.md": agent("tie", BASE + [extra, section("Fork", 64)]),
    })
    parents = {child: parent for child, (parent, _) in lineage_of(run_analysis(folder)).items() if parent}
    edges = {frozenset(edge) for edge in parents.items()}
    assert frozenset(("c_dropper.md", "z_parent.md")) in edges
    assert frozenset(("c_dropper.md", "b_sibling.md")) not in edges


def test_version_compares_part_by_part_and_reads_the_text(write_corpus, run_analysis):
    folder = write_corpus({
        "field.md": with_fields({"name": "a", "version": '"1.10"'}, BASE[:1]),
        "text.md": agent("b", BASE[:1] + ["**Version**: 2.3.1\n"]),
        "none.md": with_fields({"name": "c", "version": "[Optional: e.g., 1.0]"}, BASE[:1]),
    })
    files = {f.path: f for f in run_analysis(folder).files}
    assert stated_version(files["field.md"]) == (1, 10) > (1, 9)
    assert stated_version(files["text.md"]) == (2, 3, 1)
    assert stated_version(files["none.md"]) == ()


def test_latest_date_skips_impossible_dates(write_corpus, run_analysis):
    folder = write_corpus({"a.md": agent("a", BASE[:1] + ["Released 2023-02-10, patched 2024-13-40.\n"])})
    files = {f.path: f for f in run_analysis(folder).files}
    assert latest_date(files["a.md"]) == "2023-02-10"


def test_name_extension_needs_a_separator():
    assert name_extension("reviewer", "reviewer-v2") == 1.0
    assert name_extension("reviewer_pro", "reviewer") == -1.0
    assert name_extension("review", "reviewer") == 0.0
    assert name_extension("", "reviewer-v2") == 0.0
