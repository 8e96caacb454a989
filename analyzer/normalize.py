"""Named normalisation rules: why two texts count as "the same".

Each rule is a pure function ``text -> (text, changes)`` registered under a
name in ``RULES``. ``changes`` says what the rule did, in words a diff can
show (``"optimisation→optimization"``, ``"emphasis"``). Rules always run in
registry order, whatever order the user lists them in, and each rule is
idempotent, so the composition is idempotent too.

The rules work on one block's source text. Structure (what is a heading, a
list item, a code fence) is decided earlier by the Markdown parser; the
``markup`` rule only removes inline syntax *inside* a block, so the regexes
here never decide structure.

Registry order and why:

1. ``line-endings``  CRLF and bare CR become LF.
2. ``unicode``       NFKC, typographic quotes/dashes to ASCII, zero-width
                     characters and non-breaking spaces removed.
3. ``spelling``      British to American spelling, outside inline code and
                     fenced code (it runs before ``markup`` removes the fences,
                     so code is still recognisable).
4. ``markup``        heading hashes, bullets, quote markers, emphasis, link
                     and image syntax, table pipes; a code-fence line becomes a
                     bare fence, so code stays code when the text is normalised
                     again (and spelling never touches it).
5. ``list-numbering`` ``1.`` / ``2)`` prefixes of ordered list items.
6. ``placeholders``  template slots (``{{NAME}}``, ``{{ var }}``, ``${VAR}``,
                     ``<PROJECT_NAME>`` or ``<NAME>`` with 3+ capitals,
                     ``[PROJECT_NAME]`` with an underscore) become ``{{slot}}``.
7. ``case``          case folding.
8. ``whitespace``    runs of white space become one space; ends stripped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from analyzer.spelling import americanize

Change = tuple[str, str]  # (rule name, what it changed)
RuleFunction = Callable[[str], tuple[str, tuple[str, ...]]]

PLACEHOLDER_TOKEN = "{{slot}}"
_MAX_PASSES = 4


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    apply: RuleFunction
    cosmetic_class: str  # the change class a difference explained by this rule belongs to


@dataclass(frozen=True)
class Normalized:
    text: str
    changes: tuple[Change, ...]


# --- line endings ---------------------------------------------------------

def _line_endings(text: str) -> tuple[str, tuple[str, ...]]:
    if "\r" not in text:
        return text, ()
    crlf = text.count("\r\n")
    converted = text.replace("\r\n", "\n").replace("\r", "\n")
    bare = text.count("\r") - crlf
    notes = tuple(n for n in (f"CRLF×{crlf}" if crlf else "", f"CR×{bare}" if bare else "") if n)
    return converted, notes


# --- unicode ----------------------------------------------------------------

_PUNCTUATION = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-", "\u00a0": " ", "\u2026": "...",
        "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None,
        "\u00ad": None,
    }
)


def _unicode(text: str) -> tuple[str, tuple[str, ...]]:
    if text.isascii():  # O(1): CPython keeps the flag on every string; ASCII is NFKC and has no typography
        return text, ()
    converted = unicodedata.normalize("NFKC", text).translate(_PUNCTUATION)
    return converted, (("typographic characters",) if converted != text else ())


# --- markup -----------------------------------------------------------------

_BACKTICKS = re.compile(r"`+")
_FENCE_LINE = re.compile(r"^[ \t]*(?:`{3,}[^`\n]*|~{3,}[^\n]*)$", re.MULTILINE)
# Every line-start marker at once (quote, bullet, checkbox, heading hashes, in any nesting such as
# "> - [ ] item" or "> # title"), so one pass removes them all and the rule is idempotent.
# An ordinal ("1.") counts as part of the prefix only when another marker follows it ("1. - x",
# "1. ```"); a plain numbered item is left to the list-numbering rule.
_LINE_PREFIX = re.compile(
    r"^[ \t]*(?:(?:>|[-*+](?=[ \t])|\[[ xX]\](?=[ \t])|#{1,6}(?=[ \t]|$)"
    r"|\d{1,9}[.)](?=[ \t]+(?:[>#*+-]|\[[ xX]\]|`{3}|~{3})))[ \t]*)+", re.MULTILINE)
_CLOSING_HASHES = re.compile(r"(?:[ \t]+#+)+[ \t]*$", re.MULTILINE)
# Inner groups are bounded so that a pathological line ("[" × 40,000, "*a " × 8,000) costs
# linear time instead of quadratic: a real link label or emphasised span is far shorter.
_IMAGE = re.compile(r"!\[([^\[\]\n]{0,500})\]\([^()\n]{0,2000}\)")
_LINK = re.compile(r"\[([^\[\]\n]{1,500})\]\([^()\n]{0,2000}\)")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.{1,300}?)(?<=\S)\1")
_EMPHASIS_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])(.{1,300}?)(?<=[^\s*])\*(?![\w*])")
_EMPHASIS_UNDERSCORE = re.compile(r"(?<![\w_])_(?=[^\s_])(.{1,300}?)(?<=[^\s_])_(?![\w_])")
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$", re.MULTILINE)
_TABLE_PIPE = re.compile(r"[ \t]*\|[ \t]*")
_MARKUP_CHARS = re.compile(r"[#*_\[\]`>|~+-]")


def _strip_inline(segment: str) -> str:
    # Each regex runs only when the characters it needs are present: a substring test is a C scan,
    # far cheaper than a regex with lookarounds, and most prose has no links or emphasis at all.
    if "|" in segment:
        segment = "\n".join(_TABLE_PIPE.sub(" | ", line).strip(" |") for line in segment.split("\n"))
    if "](" in segment:
        segment = _IMAGE.sub(r"\1", segment)
        segment = _LINK.sub(r"\1", segment)
    if "**" in segment or "__" in segment:
        segment = _STRONG.sub(r"\2", segment)
    if "*" in segment:
        segment = _EMPHASIS_STAR.sub(r"\1", segment)
    if "_" in segment:
        segment = _EMPHASIS_UNDERSCORE.sub(r"\1", segment)
    return segment


def code_spans(text: str) -> list[tuple[int, int]]:
    """Inline code spans as (start, end) offsets, found in linear time.

    As in CommonMark, a run of N backticks opens a span that the next run of
    exactly N backticks closes; a run with no such partner is literal text.
    Each run's next same-length run is found in one backward pass, so the
    cost is linear even for a line of thousands of backticks (a regex with a
    lazy body and a backreference is worse than quadratic there).
    """
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    next_same: list[int] = [-1] * len(runs)
    last_seen: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        next_same[index] = last_seen.get(length, -1)
        last_seen[length] = index
    spans, index = [], 0
    while index < len(runs):
        partner = next_same[index]
        if partner < 0:
            index += 1
            continue
        spans.append((runs[index][0], runs[partner][1]))
        index = partner + 1
    return spans


def _outside_code(text: str, transform: Callable[[str], str]) -> str:
    """Apply ``transform`` to the parts of ``text`` outside inline code spans."""
    if "`" not in text:
        return transform(text)
    pieces: list[str] = []
    position = 0
    for start, end in code_spans(text):
        pieces.append(transform(text[position:start]))
        pieces.append(text[start:end])
        position = end
    pieces.append(transform(text[position:]))
    return "".join(pieces)


def _markup(text: str) -> tuple[str, tuple[str, ...]]:
    """Remove Markdown syntax; repeated until stable, since removing one marker can expose another."""
    converted = text
    for _ in range(_MAX_PASSES):
        if not _MARKUP_CHARS.search(converted):
            break
        again = _markup_once(converted)
        if again == converted:
            break
        converted = again
    return converted, (("markup",) if converted != text else ())


def _markup_once(text: str) -> str:
    converted = _LINE_PREFIX.sub("", text)
    if "```" in converted or "~~~" in converted:
        converted = _FENCE_LINE.sub("```", converted)  # a bare fence keeps code recognisable as code
    if "#" in converted:
        converted = _CLOSING_HASHES.sub("", converted)
    if "---" in converted:
        converted = _TABLE_RULE.sub("", converted)
    return _outside_code(converted, _strip_inline)


# --- list numbering ---------------------------------------------------------

_ORDINAL = re.compile(r"^[ \t]*(?:\d{1,9}[.)](?=[ \t]|$)[ \t]*)+", re.MULTILINE)


def _list_numbering(text: str) -> tuple[str, tuple[str, ...]]:
    converted = _ORDINAL.sub("", text)
    return converted, (("list numbering",) if converted != text else ())


# --- placeholders -----------------------------------------------------------

_SLOT_NAME = r"[A-Za-z][A-Za-z0-9_.\- ]{0,60}"
PLACEHOLDER = re.compile(
    r"\{\{\s*" + _SLOT_NAME + r"?\s*\}\}"  # {{ name }} / {{NAME}}
    r"|\$\{[A-Za-z_][A-Za-z0-9_]{0,60}\}"  # ${VAR}
    r"|<(?:[A-Z][A-Z0-9]*_)+[A-Z0-9]+>|<[A-Z]{3,}>"  # <PROJECT_NAME>, <NAME>
    r"|\[(?:[A-Z][A-Z0-9]*_)+[A-Z0-9]+\]"  # [PROJECT_NAME], [YOUR_API_KEY]
)


def _placeholders(text: str) -> tuple[str, tuple[str, ...]]:
    if "{{slot}}" in text and not PLACEHOLDER.search(text.replace("{{slot}}", "")):
        return text, ()
    found: list[str] = []

    def slot(match: re.Match[str]) -> str:
        if match.group(0) != PLACEHOLDER_TOKEN:
            found.append(match.group(0))
        return PLACEHOLDER_TOKEN

    converted = PLACEHOLDER.sub(slot, text)
    return converted, tuple(f"placeholder {name}" for name in found)


# --- spelling, case, whitespace ---------------------------------------------

def _spelling(text: str) -> tuple[str, tuple[str, ...]]:
    converted, changes = americanize(text)
    return converted, tuple(f"{c.british}→{c.american}×{c.count}" for c in changes)


def _case(text: str) -> tuple[str, tuple[str, ...]]:
    converted = text.casefold()
    return converted, (("case",) if converted != text else ())


def _whitespace(text: str) -> tuple[str, tuple[str, ...]]:
    # str.split() and the regex \s both use Python's Unicode whitespace test; split/join is ~3x faster
    converted = " ".join(text.split())
    return converted, (("whitespace",) if converted != text else ())


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule("line-endings", "CRLF and bare CR become LF", _line_endings, "whitespace"),
        Rule("unicode", "NFKC, typographic quotes and dashes to ASCII, zero-width characters removed", _unicode, "formatting"),
        Rule("spelling", "British spelling becomes American (outside inline code and fenced code)", _spelling, "spelling"),
        Rule("markup", "Markdown syntax removed: heading hashes, bullets, emphasis, links, table pipes; fences made bare", _markup, "formatting"),
        Rule("list-numbering", "ordered-list numbers removed", _list_numbering, "formatting"),
        Rule("placeholders", "template slots such as {{NAME}}, ${VAR}, <NAME>, [NAME] become {{slot}}", _placeholders, "placeholder"),
        Rule("case", "case folded", _case, "formatting"),
        Rule("whitespace", "runs of white space become one space", _whitespace, "whitespace"),
    )
}


def active_rules(names: Iterable[str]) -> tuple[Rule, ...]:
    """The named rules in registry order (unknown names are rejected by Settings)."""
    wanted = set(names)
    return tuple(rule for name, rule in RULES.items() if name in wanted)


def normalize(text: str, rules: tuple[Rule, ...]) -> str:
    """Apply ``rules`` in order and return only the text (the fast path).

    One rule can expose work for an earlier one ("1. - x": list-numbering
    leaves "- x" for markup), so the chain repeats until the text is stable
    (at most ``_MAX_PASSES`` times; the second pass over normalised text is
    cheap because every rule's fast path sees nothing to do).
    """
    for _ in range(_MAX_PASSES):
        before = text
        for rule in rules:
            text = rule.apply(text)[0]
        if text == before:
            break
    return text


def explain(text: str, rules: tuple[Rule, ...]) -> Normalized:
    """Apply ``rules`` and keep what each one changed, for diffs and reports."""
    changes: list[Change] = []
    for _ in range(_MAX_PASSES):
        before = text
        for rule in rules:
            text, notes = rule.apply(text)
            changes.extend((rule.name, note) for note in notes)
        if text == before:
            break
    return Normalized(text, tuple(changes))
