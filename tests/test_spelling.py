"""Behaviour of analyzer.spelling: British spelling becomes American, code never changes."""

import pytest
from breame.data.spelling_constants import AMERICAN_ENGLISH_SPELLINGS
from hypothesis import given, strategies as st

from analyzer import spelling
from analyzer.spelling import SpellingChange, american_form, americanize

BRITISH_TO_AMERICAN = {
    # -ise / -isation, software words first
    "optimisation": "optimization", "optimisations": "optimizations",
    "optimise": "optimize", "optimised": "optimized", "optimising": "optimizing",
    "optimiser": "optimizer", "optimisers": "optimizers",
    "authorisation": "authorization", "authorise": "authorize",
    "organisation": "organization", "organisational": "organizational",
    "normalise": "normalize", "serialise": "serialize", "serialisation": "serialization",
    "initialise": "initialize", "prioritise": "prioritize", "customise": "customize",
    "customisable": "customizable", "utilise": "utilize", "minimise": "minimize",
    "maximise": "maximize", "standardise": "standardize", "synchronise": "synchronize",
    "visualise": "visualize", "recognise": "recognize", "summarise": "summarize",
    "categorise": "categorize", "tokenisation": "tokenization", "containerised": "containerized",
    "parallelise": "parallelize", "sanitise": "sanitize", "memorise": "memorize",
    "virtualise": "virtualize", "containerise": "containerize", "productise": "productize",
    "operationalise": "operationalize", "modularise": "modularize",
    "parameterise": "parameterize", "finalise": "finalize", "materialise": "materialize",
    "localise": "localize", "internationalise": "internationalize", "capitalise": "capitalize",
    "emphasise": "emphasize", "specialise": "specialize", "generalise": "generalize",
    "centralise": "centralize", "decentralise": "decentralize", "digitalise": "digitalize",
    "monetise": "monetize", "stabilise": "stabilize", "formalise": "formalize",
    "legalise": "legalize", "penalise": "penalize", "personalise": "personalize",
    "realise": "realize", "apologise": "apologize", "criticise": "criticize",
    "mobilise": "mobilize", "harmonise": "harmonize", "hospitalise": "hospitalize",
    "jeopardise": "jeopardize", "memorialise": "memorialize", "metabolise": "metabolize",
    "neutralise": "neutralize", "patronise": "patronize", "revolutionise": "revolutionize",
    "scrutinise": "scrutinize", "sympathise": "sympathize", "symbolise": "symbolize",
    "tantalise": "tantalize", "terrorise": "terrorize", "vaporise": "vaporize",
    "vapourise": "vaporize", "rationalise": "rationalize", "randomise": "randomize",
    "deserialise": "deserialize", "deserialisation": "deserialization",
    "tokenise": "tokenize", "tokeniser": "tokenizer", "anonymise": "anonymize",
    "pseudonymise": "pseudonymize", "summarisation": "summarization",
    "moisturiser": "moisturizer",
    # -our
    "behaviour": "behavior", "behaviours": "behaviors", "behavioural": "behavioral",
    "colour": "color", "colours": "colors", "coloured": "colored", "colouring": "coloring",
    "favour": "favor", "favourite": "favorite", "honour": "honor", "honourable": "honorable",
    "neighbour": "neighbor",
    # -yse
    "analyse": "analyze", "analysed": "analyzed", "analysing": "analyzing",
    "analyser": "analyzer", "paralyse": "paralyze", "catalysed": "catalyzed",
    # -tre
    "centre": "center", "centred": "centered", "centres": "centers", "metre": "meter",
    "fibre": "fiber", "theatre": "theater",
    # -ogue, closed list
    "catalogue": "catalog", "catalogued": "cataloged", "analogue": "analog",
    # doubled -ll-
    "modelling": "modeling", "labelled": "labeled", "cancelled": "canceled",
    "travelling": "traveling", "signalling": "signaling", "fuelled": "fueled",
    "levelled": "leveled", "marshalling": "marshaling",
    # -ence
    "licence": "license", "defence": "defense", "offence": "offense", "pretence": "pretense",
    # single words
    "artefact": "artifact", "fulfil": "fulfill", "fulfils": "fulfills",
    "fulfilment": "fulfillment", "grey": "gray", "greyscale": "grayscale",
    "enrol": "enroll", "enrolment": "enrollment", "judgement": "judgment",
    "acknowledgement": "acknowledgment", "aluminium": "aluminum",
    "programme": "program", "programmes": "programs",
    "practise": "practice", "practised": "practiced",
}

NEVER_CHANGE = [
    "otherwise", "expertise", "enterprise", "promise", "premise", "exercise", "precise",
    "concise", "advertise", "compromise", "surprise", "revise", "supervise", "advise",
    "devise", "comprise", "franchise", "raise", "noise", "wise", "rise", "four", "hour",
    "your", "pour", "tour", "contour", "devour", "genre", "acre", "ogre", "mediocre",
    "analysis", "practice", "draft", "program", "connection", "exercised", "advised",
    "compromising", "surprises", "supervisor", "revision", "premises", "paradise",
    "merchandise", "chastise", "despise", "disguise", "improvise", "incise", "televise",
    "treatise", "demise", "circumcise", "excise", "apprise", "arise", "poise", "praise",
    "cruise", "bruise", "tortoise", "porpoise", "anise", "likewise", "clockwise", "house",
    "base", "case", "use", "cause", "close", "lose", "response", "license", "hypothesis",
    "emphasis",
    # decisions and breame entries rejected for software prose
    "analyses", "paralyses", "dialogue", "prologue", "monologue", "cancellation",
    "buses", "gases", "gauge", "aesthetic", "disc", "tonne", "axe", "spectre", "glamour",
    "fillet", "woolly", "cheque", "storey", "timbre", "massacre",
    # American spellings stay American
    "optimize", "optimization", "color", "behavior", "analyze", "center", "catalog",
    "modeling", "canceled", "fulfill", "gray", "enroll", "judgment", "programming",
    "programmed", "controlled", "compelled", "excelled", "installed", "fulfilled",
    "drafted", "connections",
]

BRITISH_WORDS = sorted(BRITISH_TO_AMERICAN)


def _capitalized(word: str) -> str:
    return word[0].upper() + word[1:]


# --- every British word converts in prose, in every case -----------------------

@pytest.mark.parametrize("british", BRITISH_WORDS)
def test_british_word_in_running_text_becomes_american(british):
    american = BRITISH_TO_AMERICAN[british]
    assert americanize(f"We {british} the query.")[0] == f"We {american} the query."


@pytest.mark.parametrize("british", BRITISH_WORDS)
def test_british_word_at_sentence_start_keeps_its_capital(british):
    american = BRITISH_TO_AMERICAN[british]
    text = f"{_capitalized(british)} the query."
    assert americanize(text)[0] == f"{_capitalized(american)} the query."


@pytest.mark.parametrize("british", BRITISH_WORDS)
def test_british_word_in_all_caps_stays_all_caps(british):
    american = BRITISH_TO_AMERICAN[british]
    text = f"WE {british.upper()} THE QUERY."
    assert americanize(text)[0] == f"WE {american.upper()} THE QUERY."


@pytest.mark.parametrize("british", BRITISH_WORDS)
def test_british_word_inside_inline_code_is_unchanged(british):
    american = BRITISH_TO_AMERICAN[british]
    text = f"{british} `{british}` and ``{british}`` but {british}"
    expected = f"{american} `{british}` and ``{british}`` but {american}"
    assert americanize(text)[0] == expected


@pytest.mark.parametrize("british", BRITISH_WORDS)
def test_british_word_inside_fenced_code_block_is_unchanged(british):
    american = BRITISH_TO_AMERICAN[british]
    text = f"{british}\n\n```python\n{british} = 1\n```\n\n~~~\n{british}\n~~~\n{british}\n"
    expected = f"{american}\n\n```python\n{british} = 1\n```\n\n~~~\n{british}\n~~~\n{american}\n"
    assert americanize(text)[0] == expected


@pytest.mark.parametrize("british", BRITISH_WORDS)
def test_american_form_maps_british_word_in_any_case(british):
    american = BRITISH_TO_AMERICAN[british]
    assert american_form(british) == american
    assert american_form(_capitalized(british)) == _capitalized(american)
    assert american_form(british.upper()) == american.upper()


# --- words that must never change ------------------------------------------------

@pytest.mark.parametrize("word", NEVER_CHANGE)
def test_never_change_word_in_running_text_is_unchanged(word):
    text = f"We {word} the query."
    assert americanize(text) == (text, ())


@pytest.mark.parametrize("word", NEVER_CHANGE)
def test_never_change_word_at_sentence_start_is_unchanged(word):
    text = f"{_capitalized(word)} the query."
    assert americanize(text) == (text, ())


@pytest.mark.parametrize("word", NEVER_CHANGE)
def test_never_change_word_in_all_caps_is_unchanged(word):
    text = f"WE {word.upper()} THE QUERY."
    assert americanize(text) == (text, ())


@pytest.mark.parametrize("word", NEVER_CHANGE)
def test_american_form_of_never_change_word_is_none(word):
    assert american_form(word) is None
    assert american_form(word.upper()) is None


def test_words_breame_lists_as_american_are_never_converted():
    converted = {word for word in AMERICAN_ENGLISH_SPELLINGS if american_form(word) is not None}
    assert converted == set()


def test_no_american_output_is_itself_converted_again():
    converted_twice = {
        british: american
        for british, american in spelling._LEXICON.items()
        if american_form(american) is not None
    }
    assert converted_twice == {}


# --- counting changes ------------------------------------------------------------

def test_changes_count_each_british_form():
    text = "The optimisation of colour, and another optimisation."
    converted, changes = americanize(text)
    assert converted == "The optimization of color, and another optimization."
    assert changes == (
        SpellingChange("colour", "color", 1),
        SpellingChange("optimisation", "optimization", 2),
    )


def test_changes_merge_case_variants_of_one_word():
    assert americanize("Colour, COLOUR and colour.")[1] == (SpellingChange("colour", "color", 3),)


def test_changes_are_sorted_by_british_then_american():
    _, changes = americanize("grey behaviour analyse centre artefact")
    assert [change.british for change in changes] == [
        "analyse", "artefact", "behaviour", "centre", "grey"]


def test_words_inside_code_are_not_counted():
    text = "colour `colour`\n```\ncolour\n```\n"
    assert americanize(text)[1] == (SpellingChange("colour", "color", 1),)


def test_text_without_british_spelling_reports_no_changes():
    text = "Use the optimizer to color the program."
    assert americanize(text) == (text, ())


# --- word boundaries, prefixes and case ------------------------------------------

def test_hyphenated_compound_converts_its_british_part():
    assert americanize("A well-organised, colour-coded list.")[0] == "A well-organized, color-coded list."


def test_possessive_converts():
    assert americanize("the colour's value")[0] == "the color's value"


def test_known_prefix_in_front_of_british_word_converts():
    text = "unorganised, Reoptimise, NON-STANDARDISED, mislabelled, unrecognisable"
    expected = "unorganized, Reoptimize, NON-STANDARDIZED, mislabeled, unrecognizable"
    assert americanize(text)[0] == expected


def test_unknown_letters_in_front_of_british_word_block_conversion():
    text = "xyzcolour datacentre"
    assert americanize(text) == (text, ())


def test_identifier_like_words_are_unchanged():
    text = "colour_map colour2 2colour _colour colourMap écolour colouré"
    assert americanize(text) == (text, ())


def test_irregularly_cased_word_is_left_alone():
    assert american_form("cOlOuR") is None
    assert americanize("cOlOuR")[0] == "cOlOuR"


def test_very_long_word_is_handled_quickly():
    text = "x" * 200_000 + "colour colour"
    assert americanize(text)[0] == "x" * 200_000 + "colour color"


def test_american_form_rejects_anything_but_one_ascii_word():
    assert [american_form(word) for word in ["", "colour map", "colour-map", "colour2", "colóur"]] == [
        None, None, None, None, None]


def test_punctuation_around_word_does_not_block_conversion():
    text = '"colour" (behaviour) [centre]: grey! <fibre> *analyse*'
    assert americanize(text)[0] == '"color" (behavior) [center]: gray! <fiber> *analyze*'


# --- code detection --------------------------------------------------------------

def test_unclosed_fence_protects_the_rest_of_the_text():
    text = "colour\n```\ncolour\n\ncolour\n"
    assert americanize(text)[0] == "color\n```\ncolour\n\ncolour\n"


def test_fence_closes_only_with_same_character_and_enough_length():
    text = "````\ncolour\n```\ncolour\n~~~~\ncolour\n````\ncolour\n"
    assert americanize(text)[0] == "````\ncolour\n```\ncolour\n~~~~\ncolour\n````\ncolor\n"


def test_fence_info_string_is_code():
    text = "```colour\nx\n```\ncolour"
    assert americanize(text)[0] == "```colour\nx\n```\ncolor"


def test_indented_and_quoted_fences_are_code():
    text = "- item\n    ```\n    colour\n    ```\n> ```\n> colour\n> ```\ncolour"
    expected = "- item\n    ```\n    colour\n    ```\n> ```\n> colour\n> ```\ncolor"
    assert americanize(text)[0] == expected


def test_windows_line_endings_keep_fences_working():
    text = "colour\r\n```\r\ncolour\r\n```\r\ncolour\r\n"
    assert americanize(text)[0] == "color\r\n```\r\ncolour\r\n```\r\ncolor\r\n"


def test_backticks_inside_a_code_span_of_longer_run_stay_code():
    text = "``a ` colour`` colour"
    assert americanize(text)[0] == "``a ` colour`` color"


def test_unmatched_backtick_is_literal_text():
    assert americanize("a ` colour")[0] == "a ` color"


def test_code_span_does_not_cross_a_blank_line():
    assert americanize("a `colour\n\ncolour` b")[0] == "a `color\n\ncolor` b"


def test_code_span_may_cross_a_single_line_break():
    assert americanize("a `colour\ncolour` colour")[0] == "a `colour\ncolour` color"


def test_triple_backticks_inside_a_line_are_an_inline_span():
    text = "Use ```colour``` or colour."
    assert americanize(text)[0] == "Use ```colour``` or color."


# --- documented decisions ----------------------------------------------------------

def test_dialogue_stays_because_american_prose_keeps_it():
    assert americanize("a dialogue with the agent")[0] == "a dialogue with the agent"


def test_analyses_stays_because_it_is_also_the_plural_of_analysis():
    assert americanize("The analyses differ.")[0] == "The analyses differ."


def test_british_programme_becomes_program_and_program_stays():
    assert americanize("The programme runs the program.")[0] == "The program runs the program."


# --- properties --------------------------------------------------------------------

_PIECES = st.sampled_from([
    *BRITISH_WORDS[::3], *NEVER_CHANGE[::3], "Colour", "OPTIMISE", "unorganised",
    " ", "\n", "\n\n", "\r\n", "`", "``", "```", "~~~", "````", "-", "_", "'", ".", "> ",
    "    ", "é", "2", "K", "İ", "python",
])
_MARKDOWN_LIKE = st.lists(_PIECES, max_size=40).map("".join)
_ANY_TEXT = st.one_of(st.text(), _MARKDOWN_LIKE)


def _code_texts(text: str) -> list[str]:
    return [text[start:end] for start, end in spelling._code_regions(text)]


@given(_ANY_TEXT)
def test_americanize_never_raises_and_reports_sorted_positive_counts(text):
    converted, changes = americanize(text)
    assert isinstance(converted, str)
    assert all(change.count > 0 for change in changes)
    assert list(changes) == sorted(changes, key=lambda change: (change.british, change.american))


@given(_ANY_TEXT)
def test_americanize_is_idempotent(text):
    once = americanize(text)[0]
    assert americanize(once) == (once, ())


@given(_ANY_TEXT)
def test_code_is_kept_verbatim_and_count_of_code_regions_is_unchanged(text):
    assert _code_texts(americanize(text)[0]) == _code_texts(text)


@given(_ANY_TEXT)
def test_number_of_backticks_is_unchanged(text):
    assert americanize(text)[0].count("`") == text.count("`")


@given(st.text(alphabet=st.characters(blacklist_categories=("Lu", "Ll", "Lt", "Lm", "Lo"))))
def test_text_without_letters_is_returned_unchanged(text):
    assert americanize(text) == (text, ())
