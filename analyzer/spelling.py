"""British to American spelling for technical prose, leaving code alone.

Algorithm
---------
1. **Lexicon.** Once, at import, a dict is built from every British word form
   we convert (lower case) to its American form. Its sources:

   a. breame's ``BRITISH_ENGLISH_SPELLINGS`` table. Only that British ->
      American table is read; breame's American -> British table is used only
      as a guard (a word breame lists as American is never converted, which is
      what keeps ``program``, ``draft``, ``connection``, ``license``,
      ``practice`` and ``meter`` as they are). Entries that are wrong or
      ambiguous in software prose are rejected (``_BREAME_REJECTS``: ``buses``
      -> ``busses``, ``gauge`` -> ``gage``, ``disc`` -> ``disk``, ``spectre``,
      ``dialogue`` -> ``dialog``, ``analyses`` ...); the generated forms
      below override breame's few wrong targets (``pummelled`` -> ``pummel``).
   b. Morphology: paradigms generated from curated stem lists, never from an
      open-ended suffix rule. ``optim`` in ``_IZE_STEMS`` yields ``optimise``,
      ``optimised``, ``optimises``, ``optimising``, ``optimiser(s)``,
      ``optimisable``, ``optimisation(s)``, ``optimisational`` and their -iz-
      forms; every -ise stem in breame joins the curated list, so breame's
      ``moisturise`` also gives ``moisturiser``. Likewise -our (``_OUR_STEMS``),
      -yse (``_YSE_STEMS``), -tre (``_TRE_NOUNS``/``_TRE_VERBS``), doubled -ll-
      (``_LL_STEMS``), and the closed -ogue list ``catalogue``/``analogue``.
   c. Single words (``_SPECIFIC_WORDS``): artefact, fulfil, grey, enrol,
      judgement, acknowledgement, skilful, focussed ...

   A key is dropped when it is in ``_NEVER_CHANGE`` (otherwise, expertise,
   premise, four, genre, analysis, analyses ...), when breame lists it as an
   American spelling, or when it is itself some key's American form, so that
   conversion is idempotent.

2. **Word lookup** (``american_form``). A letter-word is looked up whole; if
   absent, it may be one or two known prefixes (``un``, ``re``, ``de``,
   ``pre``, ``non`` ...) followed by a lexicon key: ``unorganised`` ->
   ``unorganized``, ``reoptimise`` -> ``reoptimize``. Case is carried over by
   pattern: lower, Title or UPPER; any other mix (``cOlOuR``, camelCase) is
   left alone as a likely identifier.

3. **Scanning.** The text is lower-cased (same length, so positions line
   up) and reversed, so that word ends become word starts. One compiled
   regex, a non-word character followed by a trie of all reversed lexicon
   keys, then only has to be tried where a word ends; the regex engine skips
   the letters in between. A match is the longest key that ends a word; the
   letters before it must be an allowed prefix (checked by
   ``american_form``), and the characters around the word must not be
   letters, digits or ``_``: ``colour_map`` and ``colour2`` are identifiers
   and stay, ``well-organised`` and ``colour's`` convert. Most texts have no
   candidate and are returned at once.

4. **Code.** Only when there is a candidate are code regions computed:
   fenced blocks (a line whose first non-blank characters, after any ``>``
   quote markers, are at least three backticks or tildes, up to a closing
   fence of the same character and at least the same length, or the end of
   the text) and, between them, CommonMark inline code spans (a run of N
   backticks up to the next run of exactly N backticks in the same
   paragraph). Candidates inside code are dropped; the rest are replaced and
   counted. Indented (four-space) code blocks, HTML ``<code>`` and URLs are
   prose to this module.

Decisions for technical prose: ``dialogue``, ``prologue``, ``monologue``
stay (American prose keeps -ogue; only ``catalogue`` and ``analogue``
convert); British ``practise`` becomes ``practice``; ``licence`` becomes
``license``; ``analyses``, ``paralyses``, ``catalyses`` stay because they are
also the plural nouns of analysis, paralysis, catalysis; ``cheque``,
``storey``, ``tonne``, ``disc`` and ``axe`` stay (a different word or a
name in American usage).

Example:
    >>> americanize("We optimise the `colour` of the Behaviour.")[0]
    'We optimize the `colour` of the Behavior.'
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from breame.data.spelling_constants import (
    AMERICAN_ENGLISH_SPELLINGS,
    BRITISH_ENGLISH_SPELLINGS,
)


@dataclass(frozen=True)
class SpellingChange:
    """One British spelling replaced ``count`` times by its American form."""

    british: str
    american: str
    count: int


# --- curated data ------------------------------------------------------------

# American stems of -ize verbs: stem + "ise..." converts to stem + "ize...".
# breame's own -ise stems are added to these when the lexicon is built.
_IZE_STEMS = frozenset("""
    americ american anonym apolog atom author binar canonical capital categor
    central character civil colon commercial commodit compartmental component
    computer conceptual container contextual critic crystall custom decentral
    democrat deserial desensit destabil digit digital discret docker dramat
    econom emphas empath energ epitom equal external factor familiar fertil
    final formal fossil general global harmon homogen hospital human hybrid
    hypothes ideal incentiv individual industrial initial institutional
    internal international item jeopard lemmat legal legitim liberal linear
    local magnet marginal material maxim mechan memo memor memorial metabol
    minim mobil modern modular monet monopol moral national natural neutral
    normal operational optim organ oxid parallel parameter parametr particular
    patron penal personal polar popular pressur priorit privat product
    pseudonym public quant radical random rational real recogn regular
    revolution romantic sanit schemat scrutin sensit serial social special
    stabil standard steril stigmat strateg styl subsid summar symbol sympath
    synchron synthes systemat tantal templat terror theor token trivial util
    vapor vector verbal victim virtual visual vocal weapon
""".split())

# breame -ise stems whose -ise form is also the usual American one.
_IZE_STEM_REJECTS = frozenset({"exorc"})

# British stems spelled differently from their American -ize stem.
_IZE_STEM_RESPELLINGS = {
    "colour": "color",
    "glamour": "glamor",
    "tranquill": "tranquil",
    "vapour": "vapor",
}

_IZE_TAILS = ("e", "ed", "es", "ing", "er", "ers", "able", "ably",
              "ation", "ations", "ational")

# behaviour, colour, favour ... ; never h(our), f(our), t(our), cont(our).
_OUR_STEMS = frozenset("""
    arb ard arm behavi cand clam col demean endeav ferv flav fav harb hon hum
    lab misdemean neighb od parl ranc rig rum sav savi splend succ tum val vap
    vig
""".split())

_OUR_TAILS = ("our", "ours", "oured", "ouring", "ourings", "ourable",
              "ourably", "ourless", "ourful", "ourfully")

_OUR_EXTRA_WORDS = (
    "behavioural", "behaviourally", "behaviourism", "behaviourist",
    "behaviourists", "favourite", "favourites", "favouritism", "neighbourhood",
    "neighbourhoods", "neighbourly", "colourist", "colourists", "humourist",
    "humoural", "armourer", "armourers", "armoury", "labourer", "labourers",
    "savoury", "unsavoury", "odourless",
)

# analyse, paralyse, catalyse ...; never "-yses", which is also the plural
# of analysis, paralysis, catalysis.
_YSE_STEMS = frozenset("anal breathal catal dial electrol hydrol paral psychoanal".split())
_YSE_TAILS = ("e", "ed", "ing", "er", "ers", "able")

_TRE_NOUNS = frozenset("""
    amphitheat calib cent centilit centimet decilit epicent fib goit kilomet
    lacklust lit lust meag met micromet millilit millimet mit nanomet nit
    reconnoit sab saltpet scept sepulch somb theat
""".split())
_TRE_VERBS = frozenset("cent mit reconnoit".split())

# catalogue -> catalog and analogue -> analog; dialogue, prologue,
# epilogue, monologue, travelogue keep -ogue in American prose.
_OGUE_WORDS = {
    "analogue": "analog", "analogues": "analogs",
    "catalogue": "catalog", "catalogues": "catalogs",
    "catalogued": "cataloged", "cataloguing": "cataloging",
    "cataloguer": "cataloger", "cataloguers": "catalogers",
}

# Verbs ending in an unstressed -l: British doubles it before -ed/-ing/-er,
# American does not. Stressed endings (compel, control, excel, expel,
# propel, rebel, repel, patrol) double in both and are not listed.
_LL_STEMS = frozenset("""
    barrel bedevil bevel cancel carol cavil channel chisel counsel cudgel
    dial disembowel dishevel drivel duel enamel equal fuel funnel gambol
    gravel grovel impanel imperil initial jewel label level libel marshal
    marvel model panel parcel pedal pencil pummel quarrel ravel refuel
    remodel revel rival shovel shrivel signal snivel snorkel spiral squirrel
    stencil swivel tassel total towel trammel travel trial tunnel unravel
    weasel yodel
""".split())
_LL_TAILS = ("led", "ling", "ler", "lers")

_SPECIFIC_WORDS = {
    "acknowledgement": "acknowledgment", "acknowledgements": "acknowledgments",
    "ageing": "aging",
    "aluminium": "aluminum",
    "artefact": "artifact", "artefacts": "artifacts",
    "colourise": "colorize", "colourised": "colorized",
    "colourises": "colorizes", "colourising": "colorizing",
    "defence": "defense", "defences": "defenses",
    "enrol": "enroll", "enrols": "enrolls",
    "enrolment": "enrollment", "enrolments": "enrollments",
    "focussed": "focused", "focusses": "focuses", "focussing": "focusing",
    "fulfil": "fulfill", "fulfils": "fulfills",
    "fulfilment": "fulfillment", "fulfilments": "fulfillments",
    "grey": "gray", "greyed": "grayed", "greying": "graying",
    "greyish": "grayish", "greyness": "grayness", "greys": "grays",
    "greyscale": "grayscale",
    "instalment": "installment", "instalments": "installments",
    "judgement": "judgment", "judgements": "judgments",
    "licence": "license", "licences": "licenses",
    "offence": "offense", "offences": "offenses",
    "pretence": "pretense", "pretences": "pretenses",
    "programme": "program", "programmes": "programs",
    "pummelled": "pummeled", "pummelling": "pummeling",
    "skilful": "skillful", "skilfully": "skillfully",
    "wilful": "willful", "wilfully": "willfully",
}

# breame entries that are wrong, or ambiguous, in American software prose.
_BREAME_REJECTS = frozenset("""
    aesthete aesthetes aesthetic aesthetically aesthetics
    analyses breathalyses catalyses paralyses psychoanalyses
    archaeological archaeologically archaeologist archaeologists archaeology
    axe battleaxe bevvies bevvy buses busing gases minibuses
    cancellation cancellations
    dialogue dialogues epilogue epilogues monologue monologues prologue
    prologues travelogue travelogues
    disc discs videodisc videodiscs
    exorcise exorcised exorcises exorcising
    fillet filleted filleting fillets
    gauge gauged gauges gauging glamour gryphon gryphons
    louvre louvred louvres philtre philtres sheikh spectre spectres
    tonne tonnes tranquilly woollies woolly
""".split())

# Words that must never change: shared or American spellings that look like
# British patterns (-ise, -our, -re, -yse ...), and their common inflections.
_NEVER_CHANGE = frozenset("""
    acre acres advertise advertised advertisement advertiser advertises
    advertising advise advised adviser advises advising advisor anise apprise
    arise arises arising analyses analysis base bruise case catalyses
    catalysis cause chastise circumcise clockwise close comprise comprised
    comprises comprising compromise compromised compromises compromising
    concise connection connections contour contours counterclockwise cruise
    demise despise devise devised devises devising devour devoured disguise
    draft drafted drafting drafts emphasis enterprise enterprises excise
    exercise exercised exercises exercising expertise four franchise genre
    genres hour hours house hypotheses hypothesis improvise improvised incise
    license licensed licenses licensing likewise lose mediocre merchandise
    noise ogre otherwise paradise paralyses paralysis poise porpoise pour
    practice practiced practices practicing praise precise premise premises
    program programmed programmer programmers programming programs promise
    promised promises promising raise raised raises raising response revise
    revised revises revising revision revisions rise rises rising supervise
    supervised supervises supervising supervision supervisor supervisors
    surprise surprised surprises surprising surprisingly televise tortoise
    tour toured touring tours treatise use wise your yours
    cadre dialogue dialogues epilogue lucre macabre massacre monologue
    padre prologue spectre timbre
""".split())

# Prefixes allowed in front of a lexicon key (at most two): un+organised.
_PREFIXES = frozenset("""
    anti auto co counter cross de dis hyper inter macro meta micro mini mis
    multi non out over post pre re semi sub super un under
""".split())
_LONGEST_PREFIX_CHAIN = 2 * max(map(len, _PREFIXES))


# --- lexicon -----------------------------------------------------------------

def _ize_forms(ize_stems: Iterable[str]) -> Iterator[tuple[str, str]]:
    respelled = {american: british for british, american in _IZE_STEM_RESPELLINGS.items()}
    for american_stem in ize_stems:
        for british_stem in {american_stem, respelled.get(american_stem, american_stem)}:
            for tail in _IZE_TAILS:
                yield british_stem + "is" + tail, american_stem + "iz" + tail


def _our_forms() -> Iterator[tuple[str, str]]:
    for stem in _OUR_STEMS:
        for tail in _OUR_TAILS:
            yield stem + tail, stem + tail.replace("our", "or", 1)
    for word in _OUR_EXTRA_WORDS:
        yield word, word.replace("our", "or", 1)


def _yse_forms() -> Iterator[tuple[str, str]]:
    for stem in _YSE_STEMS:
        for tail in _YSE_TAILS:
            yield stem + "ys" + tail, stem + "yz" + tail


def _tre_forms() -> Iterator[tuple[str, str]]:
    for stem in _TRE_NOUNS:
        yield stem + "tre", stem + "ter"
        yield stem + "tres", stem + "ters"
    for stem in _TRE_VERBS:
        yield stem + "tred", stem + "tered"
        yield stem + "tring", stem + "tering"


def _ll_forms() -> Iterator[tuple[str, str]]:
    for stem in _LL_STEMS:
        for tail in _LL_TAILS:
            yield stem + tail, stem + tail[1:]


def _breame_ize_stems() -> set[str]:
    return {
        american[:-3]
        for british, american in BRITISH_ENGLISH_SPELLINGS.items()
        if british.endswith("ise") and american == british[:-3] + "ize"
    }


def _build_lexicon() -> dict[str, str]:
    """Every British form we convert, lower case, mapped to its American form."""
    candidates: dict[str, str] = {}
    breame_pairs = ((b, a) for b, a in BRITISH_ENGLISH_SPELLINGS.items()
                    if b not in _BREAME_REJECTS)
    generated = (
        _ize_forms(_IZE_STEMS | (_breame_ize_stems() - _IZE_STEM_REJECTS)),
        _our_forms(), _yse_forms(), _tre_forms(), _ll_forms(),
        _OGUE_WORDS.items(), _SPECIFIC_WORDS.items(),
    )
    for pairs in (breame_pairs, *generated):
        candidates.update(pairs)
    american_forms = set(candidates.values())
    return {
        british: american
        for british, american in sorted(candidates.items())
        if british != american
        and british not in _NEVER_CHANGE
        and british not in AMERICAN_ENGLISH_SPELLINGS
        and british not in american_forms
    }


_LEXICON: dict[str, str] = _build_lexicon()
AMERICAN_FORMS: frozenset[str] = frozenset(_LEXICON.values())  # every American form the lexicon converts to


# --- word lookup -------------------------------------------------------------

def _is_prefix_chain(letters: str) -> bool:
    if letters in _PREFIXES:
        return True
    return any(letters[:cut] in _PREFIXES and letters[cut:] in _PREFIXES
               for cut in range(2, len(letters) - 1))


def _lookup(lower: str) -> str | None:
    """American form of a lower-case word: a lexicon key, or prefixes + key."""
    if lower in _NEVER_CHANGE:
        return None
    if lower in _LEXICON:
        return _LEXICON[lower]
    for cut in range(2, min(len(lower) - 2, _LONGEST_PREFIX_CHAIN) + 1):
        prefix, rest = lower[:cut], lower[cut:]
        if rest in _LEXICON and _is_prefix_chain(prefix):
            return prefix + _LEXICON[rest]
    return None


def _with_case_of(word: str, american: str) -> str | None:
    """``american`` (lower case) cased like ``word``; None for mixed case."""
    if word.islower():
        return american
    if word.isupper():
        return american.upper()
    if word[0].isupper() and word[1:].islower():
        return american.capitalize()
    return None


@lru_cache(maxsize=65536)
def american_form(word: str) -> str | None:
    """The American spelling of one word (any case), or None if the word is not a British spelling we convert.

    Args:
        word: one word of ASCII letters, e.g. ``"Optimising"``.

    Returns:
        The American spelling cased like ``word`` (``"Optimizing"``), or
        None when ``word`` is not a British spelling we convert, is not made
        of ASCII letters only, or is cased irregularly (``"cOlOuR"``).

    Example:
        >>> american_form("COLOUR"), american_form("colour"), american_form("four")
        ('COLOR', 'color', None)
    """
    if not word.isascii() or not word.isalpha():
        return None
    american = _lookup(word.lower())
    if american is None:
        return None
    return _with_case_of(word, american)


# --- scanning ----------------------------------------------------------------

def _trie_pattern(node: dict) -> str:
    """Regex alternation for a trie node; longer words are tried first."""
    branches = [char + _trie_pattern(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    optional = "" in node
    if len(branches) > 1 or (optional and len(branches[0]) > 1):
        body = "(?:" + "|".join(branches) + ")"
    else:
        body = branches[0]
    return body + "?" if optional else body


def _compile_word_ends(words: Iterable[str]) -> re.Pattern[str]:
    """Regex over reversed text: a non-word character, then a reversed word."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in reversed(word):
            node = node.setdefault(char, {})
        node[""] = {}
    return re.compile(r"[^a-z0-9_](" + _trie_pattern(trie) + ")")


@lru_cache(maxsize=1)
def _reversed_candidate() -> re.Pattern[str]:
    """The lexicon's word-end regex, compiled on first use: about 0.45 s, which a run that normalises
    nothing (a rerun reusing its reports, the picture process) should not pay at import."""
    return _compile_word_ends(_LEXICON)


_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    replacement: str


def _is_word_char(char: str) -> bool:
    return char == "_" or char.isalnum()


def _edit_for(text: str, start: int, end: int) -> _Edit | None:
    """The replacement for the word ending with the lexicon key text[start:end], if any."""
    if end < len(text) and _is_word_char(text[end]):
        return None
    word_start = start
    while word_start > 0 and text[word_start - 1] in _ASCII_LETTERS:
        word_start -= 1
    if word_start > 0 and _is_word_char(text[word_start - 1]):
        return None
    american = american_form(text[word_start:end])
    return None if american is None else _Edit(word_start, end, american)


def _candidate_edits(text: str) -> list[_Edit]:
    """Edits for every convertible word, code not yet excluded, in text order."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a character lower-cases to several
        lowered = text.translate(_ASCII_LOWER)
    reversed_text = (lowered + " ")[::-1]  # the space stands after the text's end
    edits = []
    for match in _reversed_candidate().finditer(reversed_text):
        key_start, key_end = match.span(1)
        edit = _edit_for(text, len(text) + 1 - key_end, len(text) + 1 - key_start)
        if edit is not None:
            edits.append(edit)
    edits.reverse()
    return edits


# --- code regions ------------------------------------------------------------

_FENCE_LINE = re.compile(r"^[ \t]*(?:>[ \t]*)*(`{3,}|~{3,})([^\n]*)", re.MULTILINE)
_BACKTICK_RUN = re.compile(r"`+")
_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")


def _fenced_blocks(text: str) -> list[tuple[int, int]]:
    """(start, end) of each fenced code block, fences included."""
    if "```" not in text and "~~~" not in text:
        return []
    blocks: list[tuple[int, int]] = []
    opening: tuple[int, str] | None = None
    for line in _FENCE_LINE.finditer(text):
        fence, rest = line.group(1), line.group(2)
        if opening is None:
            if not (fence[0] == "`" and "`" in rest):
                opening = (line.start(), fence)
        elif fence[0] == opening[1][0] and len(fence) >= len(opening[1]) and not rest.strip():
            blocks.append((opening[0], line.end()))
            opening = None
    if opening is not None:
        blocks.append((opening[0], len(text)))
    return blocks


def _inline_code_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """CommonMark code spans in text[start:end]: N backticks to the next run of exactly N."""
    runs = [match.span() for match in _BACKTICK_RUN.finditer(text, start, end)]
    if len(runs) < 2:
        return []
    runs_of_length: dict[int, list[int]] = {}
    for index, (run_start, run_end) in enumerate(runs):
        runs_of_length.setdefault(run_end - run_start, []).append(index)
    blank_lines = [match.start() for match in _BLANK_LINE.finditer(text, start, end)]
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(runs):
        open_start, open_end = runs[index]
        same = runs_of_length[open_end - open_start]
        later = bisect.bisect_right(same, index)
        if later < len(same):
            close_start, close_end = runs[same[later]]
            blank = bisect.bisect_left(blank_lines, open_end)
            if blank == len(blank_lines) or blank_lines[blank] >= close_start:
                spans.append((open_start, close_end))
                index = same[later] + 1
                continue
        index += 1
    return spans


def _code_regions(text: str) -> list[tuple[int, int]]:
    """Sorted, disjoint (start, end) of fenced blocks and inline code spans."""
    regions: list[tuple[int, int]] = []
    prose_start = 0
    for block_start, block_end in _fenced_blocks(text):
        regions += _inline_code_spans(text, prose_start, block_start)
        regions.append((block_start, block_end))
        prose_start = block_end
    regions += _inline_code_spans(text, prose_start, len(text))
    return regions


def _outside_code(edits: list[_Edit], regions: list[tuple[int, int]]) -> list[_Edit]:
    starts = [start for start, _ in regions]
    kept = []
    for edit in edits:
        index = bisect.bisect_right(starts, edit.start) - 1
        if index < 0 or edit.start >= regions[index][1]:
            kept.append(edit)
    return kept


# --- public entry point ------------------------------------------------------

def _apply(text: str, edits: list[_Edit]) -> str:
    pieces, position = [], 0
    for edit in edits:
        pieces += (text[position:edit.start], edit.replacement)
        position = edit.end
    pieces.append(text[position:])
    return "".join(pieces)


def _summarize(text: str, edits: list[_Edit]) -> tuple[SpellingChange, ...]:
    counts = Counter((text[edit.start:edit.end].lower(), edit.replacement.lower()) for edit in edits)
    return tuple(SpellingChange(british, american, count)
                 for (british, american), count in sorted(counts.items()))


def americanize(text: str) -> tuple[str, tuple[SpellingChange, ...]]:
    """Return text with British spellings converted to American, and the changes sorted by (british, american).

    Text in inline code spans and fenced code blocks is never changed.

    Example:
        >>> text, changes = americanize("Colour and colour, not `colour`.")
        >>> text
        'Color and color, not `colour`.'
        >>> changes
        (SpellingChange(british='colour', american='color', count=2),)
    """
    edits = _candidate_edits(text)
    if edits:
        edits = _outside_code(edits, _code_regions(text))
    if not edits:
        return text, ()
    return _apply(text, edits), _summarize(text, edits)
