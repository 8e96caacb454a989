"""Change classes of a pair of blocks: what each class means, its evidence, and mirror symmetry."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from analyzer.classify import (
    CLASSES,
    SlotFill,
    SpellingPair,
    WordEdit,
    classify_long_texts,
    classify_section_texts,
    classify_texts,
    mirror_classes,
)
from analyzer.settings import DEFAULT_RULES, Settings

NO_SPELLING = tuple(rule for rule in DEFAULT_RULES if rule != "spelling")
NO_PLACEHOLDERS = tuple(rule for rule in DEFAULT_RULES if rule != "placeholders")


def classes(a: str, b: str, **options) -> tuple[str, ...]:
    return classify_texts(a, b, **options).classes


def test_equal_texts_are_identical():
    assert classes("- **Secure**: follows the spec", "- **Secure**: follows the spec") == ("identical",)


def test_reflowed_text_is_whitespace_only():
    assert classes("Validate every input\nat the edge.  ", "Validate every input at the edge.") == ("whitespace",)


@pytest.mark.parametrize("a, b", [
    ("- **Secure**: follows the spec", "* Secure: follows the spec"),
    ("1. Run the migrations", "7) Run the migrations"),
    ("## Output Standards", "### Output Standards"),
    ("Use the “latest” version", 'Use the "latest" version'),
    ("Handle Errors Gracefully", "handle errors gracefully"),
])
def test_markup_list_numbers_heading_level_quotes_and_case_are_formatting(a, b):
    assert classes(a, b) == ("formatting",)


def test_british_copy_is_spelling_only_with_word_pairs_and_counts():
    american = "Query optimization and authorization; optimization of the colors."
    british = "Query optimisation and authorisation; optimisation of the colours."
    result = classify_texts(american, british)
    assert result.classes == ("spelling",)
    assert result.spelling == (
        SpellingPair("authorisation", "authorization", 1, "b"),
        SpellingPair("colours", "colors", 1, "b"),
        SpellingPair("optimisation", "optimization", 2, "b"),
    )
    assert result.edits == ()


def test_british_copy_is_edited_when_the_spelling_rule_is_off():
    result = classify_texts("Query optimization matters.", "Query optimisation matters.", rules=NO_SPELLING)
    assert result.classes == ("edited",)
    assert result.edits == (WordEdit("optimization", "optimisation"),)


def test_british_spelling_with_changed_case_is_spelling_and_formatting():
    assert classes("Optimise the cache", "optimize the cache") == ("formatting", "spelling")


def test_spelling_inside_inline_code_is_a_real_edit():
    assert classes("Set `colour` here", "Set `color` here") == ("edited",)


def test_spelling_inside_a_code_block_is_a_real_edit():
    fence_a, fence_b = "```\ncolour = 1\n```", "```\ncolor = 1\n```"
    assert classes(fence_a, fence_b) == ("edited",)
    assert classes("colour = 1", "color = 1", code=True) == ("edited",)


def test_slot_that_replaced_a_concrete_value_is_a_placeholder_difference():
    result = classify_texts("Store sessions in {{DATABASE}} with indexes.", "Store sessions in PostgreSQL with indexes.")
    assert result.classes == ("placeholder",)
    assert result.placeholders == (SlotFill("{{DATABASE}}", "PostgreSQL", "a"),)
    assert not result.is_real_edit


def test_slot_may_stand_for_a_value_of_several_words():
    result = classify_texts("Deploy on <CLOUD_PROVIDER> today.", "Deploy on Google Cloud Run today.")
    assert result.classes == ("placeholder",)
    assert result.placeholders == (SlotFill("<CLOUD_PROVIDER>", "Google Cloud Run", "a"),)


def test_two_syntaxes_of_one_slot_are_a_placeholder_difference():
    assert classes("Build {{PROJECT_NAME}} fast", "Build ${PROJECT_NAME} fast") == ("placeholder",)


def test_slot_for_value_is_an_edit_when_the_placeholder_rule_is_off():
    assert classes("Use {{DATABASE}} here", "Use PostgreSQL here", rules=NO_PLACEHOLDERS) == ("edited",)


def test_changed_word_is_edited_and_names_the_words():
    result = classify_texts("- **Production-ready**: Handles real-world load, errors, and edge cases",
                            "- **Complete**: Handles real-world load, errors, and edge cases")
    assert result.classes == ("edited",)
    assert result.edits == (WordEdit("Production-ready", "Complete"),)
    assert result.details() == "words: Production-ready→Complete"


def test_added_words_are_extended_and_removed_words_truncated():
    short = "Comprehensive error handling with appropriate logging"
    long = "Comprehensive error handling with appropriate logging (Pino structured logs)"
    assert classes(short, long) == ("extended",)
    assert classes(long, short) == ("truncated",)
    assert classify_texts(short, long).edits == (WordEdit("", "(Pino structured logs)"),)


def test_unrelated_texts_are_rewritten():
    assert classes("Use context7 tools first for libraries.", "Never deploy on a Friday afternoon, ever.") == (
        "rewritten",)


def test_cosmetic_and_real_differences_are_both_named():
    result = classify_texts("- Query optimization per **spec**", "* Query optimisation per spec (strict)")
    assert result.classes == ("formatting", "spelling", "extended")


def test_section_whose_heading_changed_is_heading_renamed():
    a = "## Output Standards\n\nYour implementations will be secure."
    b = "## Deliverables\n\nYour implementations will be secure."
    assert classify_section_texts(a, b).classes == ("heading-renamed",)


def test_section_heading_in_british_spelling_is_not_a_rename():
    a = "## Query Optimization\n\nIndex every key."
    b = "## Query Optimisation\n\nIndex every key."
    result = classify_section_texts(a, b)
    assert result.classes == ("spelling",)
    assert result.spelling == (SpellingPair("optimisation", "optimization", 1, "b"),)


def test_mirror_classes_swaps_extended_and_truncated_only():
    assert mirror_classes(("spelling", "extended")) == ("spelling", "truncated")
    assert mirror_classes(("truncated",)) == ("extended",)
    assert mirror_classes(("edited", "moved")) == ("moved", "edited")


def test_british_spelled_copy_shares_a_block_family_only_as_spelling(write_corpus, run_analysis):
    paragraph = ("You implement query optimization, authorization checks and data serialization "
                 "exactly as the specification says, then you summarize the behavior you changed.")
    british = ("You implement query optimisation, authorisation checks and data serialisation "
               "exactly as the specification says, then you summarise the behaviour you changed.")
    root = write_corpus({"a.md": f"# A\n\n{paragraph}\n", "b.md": f"# B\n\n{british}\n"})

    result = run_analysis(root)
    family_of = {m: f.family_id for f in result.block_families for m in f.members}
    units = {f.path: [b for b in f.units if "specification says" in b.text][0] for f in result.files}
    assert family_of[units["a.md"].block_id] == family_of[units["b.md"].block_id]
    assert classes(paragraph, british) == ("spelling",)

    off = Settings(rules=NO_SPELLING)
    assert classes(paragraph, british, rules=off.rules) == ("edited",)


# --- properties ----------------------------------------------------------------

_WORDS = st.sampled_from([
    "optimise", "optimize", "Colour", "color", "behaviour", "{{DATABASE}}", "PostgreSQL", "<PROJECT_NAME>",
    "**bold**", "*", "-", "1.", "`code`", "the", "API", "\n", "otherwise", "Analyse", "analyze", ",", ".",
    "${VAR}", "[API_KEY]", "#", "|", "grey", "GREY", "well-organised", "don't", "“quoted”",
])
_TEXTS = st.lists(_WORDS, max_size=25).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(_TEXTS, _TEXTS)
def test_classes_of_a_b_mirror_those_of_b_a(a, b):
    forward, backward = classify_texts(a, b), classify_texts(b, a)
    assert backward.classes == mirror_classes(forward.classes)
    assert backward == forward.mirrored()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.text(max_size=200), st.sets(st.sampled_from(DEFAULT_RULES)))
def test_classification_never_raises_and_names_known_classes(a, b, rules):
    result = classify_texts(a, b, rules=rules)
    assert result.classes and set(result.classes) <= set(CLASSES)
    assert (result.classes == ("identical",)) == (a == b)
    assert 0.0 <= result.similarity <= 1.0


@settings(max_examples=200, deadline=None)
@given(_TEXTS, _TEXTS)
def test_section_classification_mirrors(a, b):
    a, b = "## " + a, "## " + b
    assert classify_section_texts(b, a).classes == mirror_classes(classify_section_texts(a, b).classes)


def test_long_texts_classify_only_the_differing_lines():
    common = [f"- Rule number {n} stays exactly the same in both copies" for n in range(40)]
    a = "\n".join(common[:20] + ["- Query optimization per spec", "- Production-ready output"] + common[20:])
    b = "\n".join(common[:20] + ["- Query optimisation per spec", "- Complete output"] + common[20:])
    result = classify_long_texts(a, b)
    assert result.classes == ("spelling", "edited")
    assert result.edits == (WordEdit("Production-ready", "Complete"),)
    assert classify_long_texts(b, a) == result.mirrored()


def test_long_texts_inside_a_code_fence_never_count_spelling():
    a = "Intro line\n```\ncolour = 1\n```\nOutro line"
    b = "Intro line\n```\ncolor = 1\n```\nOutro line"
    assert classify_long_texts(a, b).classes == ("edited",)


_LINES = st.lists(_TEXTS, max_size=8).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(_LINES, _LINES)
def test_long_text_classes_mirror(a, b):
    assert classify_long_texts(b, a) == classify_long_texts(a, b).mirrored()
