"""Change classes: what separates two blocks, in named, countable terms.

``classify_texts(a, b, rules=...)`` explains a pair of texts with classes
from ``CLASSES`` plus the evidence behind them (spelling word pairs with
counts, placeholder slots and the values they stand for, changed words).

Algorithm
---------
1. **Identical / whitespace.** Equal texts are ``identical``; texts equal
   once runs of white space are collapsed differ only in ``whitespace``
   (white space is always cosmetic: it never changes a word).
2. **Formatted text.** The active formatting rules of ``analyzer.normalize``
   (``line-endings``, ``unicode``, ``markup``, ``list-numbering``) are applied
   to both sides, so bullets, emphasis, heading hashes and list numbers are
   gone but every word keeps its original spelling and case.
3. **Tokens and keys.** Each formatted text is cut into tokens: an inline
   code span (atomic: nothing inside code is ever "cosmetic"), a template
   slot (``{{NAME}}``, ``${VAR}``, ``<NAME>``, ``[NAME]``), a word (letters
   and digits joined by ``-`` or ``'``), or one punctuation character. Each
   token gets a *key* that erases the differences the active rules call
   cosmetic: case folding (``case``), the American spelling (``spelling``,
   via ``analyzer.spelling.american_form``) and one shared key for every
   slot (``placeholders``).
4. **Alignment.** The longest common subsequence of the two key sequences
   (rapidfuzz ``Indel``, in C++) aligns them; a lone common token squeezed
   between two larger changes is folded into them (see ``_alignment``).
   Inside *equal* runs, tokens whose surfaces still differ are cosmetic:
   a different lower-case form is a ``spelling`` pair (or two spellings of
   one slot: ``placeholder``), a case-only difference is ``formatting``.
   A *non-equal* run where one side is only slots and the other one to six
   concrete words is a slot that replaced a value (``{{DATABASE}}`` for
   ``PostgreSQL``): ``placeholder``. Every other non-equal run is a real
   word-level change, kept as (removed words, added words).
5. **Markup.** When the formatting rules changed either text, the raw
   (white-space-collapsed) texts are aligned the same way; if they differ in
   more tokens than the formatted texts do, the extra tokens are markup,
   list numbers or typographic characters: ``formatting``.
6. **Kind of change.** With real changes, the word-level similarity
   (1 - insertions and deletions / all tokens) below ``REWRITE_BELOW`` is
   ``rewritten`` (and nothing else: cosmetic matches between unrelated
   texts are noise); only insertions is ``extended`` (B holds A plus
   additions); only deletions is ``truncated``; anything else ``edited``.

**Mirror symmetry.** The comparison always runs on the pair in a canonical
order (the smaller text first) and is mirrored back when the caller's order
was the other one, so ``classify_texts(b, a)`` is exactly
``classify_texts(a, b).mirrored()`` (``extended`` <-> ``truncated``, removed
<-> added words, which side holds the British spelling or the slot).

Example:
    >>> classify_texts("Optimise the **API**.", "Optimize the API.").classes
    ('formatting', 'spelling')
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz.distance import Indel

from analyzer.normalize import PLACEHOLDER, PLACEHOLDER_TOKEN, RULES, active_rules, normalize
from analyzer.settings import DEFAULT_RULES
from analyzer.spelling import american_form

CLASSES = (
    "identical",
    "whitespace",
    "formatting",
    "spelling",
    "placeholder",
    "heading-renamed",
    "moved",
    "edited",
    "extended",
    "truncated",
    "rewritten",
)
COSMETIC_CLASSES = frozenset({"identical", "whitespace", "formatting", "spelling", "placeholder"})
REAL_EDIT_CLASSES = frozenset({"edited", "extended", "truncated", "rewritten"})
REWRITE_BELOW = 0.5  # word-level similarity under which a changed text counts as rewritten
MAX_SLOT_VALUE_WORDS = 6  # a slot may stand for a value of at most this many tokens

_FORMATTING_RULES = ("line-endings", "unicode", "markup", "list-numbering")
_ORDER = {name: index for index, name in enumerate(CLASSES)}
_MIRROR = {"extended": "truncated", "truncated": "extended"}
_SPACES = re.compile(r"\s+")
_TOKEN = re.compile(r"`[^`\n]+`|" + PLACEHOLDER.pattern + r"|\w+(?:['-]\w+)*|[^\w\s]")
_WORD_PARTS = re.compile(r"([-'])")
_CODE_FENCE = re.compile(r"^\s*(?:`{3,}|~{3,})")


@dataclass(frozen=True, order=True)
class SpellingPair:
    """One British word and its American form, ``count`` times; ``british_in`` is ``"a"`` or ``"b"``."""

    british: str
    american: str
    count: int
    british_in: str

    def mirrored(self) -> "SpellingPair":
        return replace(self, british_in=_other(self.british_in))


@dataclass(frozen=True, order=True)
class SlotFill:
    """A template slot on one side (``slot_in``) where the other side has ``value``."""

    slot: str
    value: str
    slot_in: str

    def mirrored(self) -> "SlotFill":
        return replace(self, slot_in=_other(self.slot_in))


@dataclass(frozen=True)
class WordEdit:
    """Words of A replaced by words of B at one place (either may be empty)."""

    removed: str
    added: str

    def mirrored(self) -> "WordEdit":
        return WordEdit(self.added, self.removed)

    def __str__(self) -> str:
        if not self.removed:
            return f"+{self.added}"
        if not self.added:
            return f"-{self.removed}"
        return f"{self.removed}→{self.added}"


@dataclass(frozen=True)
class Segment:
    """A piece of a word-level diff: ``same``, ``cosmetic``, ``removed`` (A only) or ``added`` (B only).

    ``a`` and ``b`` are the words on each side (one is empty for removed/added).
    """

    kind: str
    a: str
    b: str

    def mirrored(self) -> "Segment":
        kind = {"removed": "added", "added": "removed"}.get(self.kind, self.kind)
        return Segment(kind, self.b, self.a)


@dataclass(frozen=True)
class Classification:
    """The classes that explain a pair (A, B) and their evidence."""

    classes: tuple[str, ...]
    similarity: float
    spelling: tuple[SpellingPair, ...] = ()
    placeholders: tuple[SlotFill, ...] = ()
    edits: tuple[WordEdit, ...] = ()
    segments: tuple[Segment, ...] = ()

    @property
    def is_real_edit(self) -> bool:
        return any(name in REAL_EDIT_CLASSES for name in self.classes)

    @property
    def is_cosmetic(self) -> bool:
        return not self.is_real_edit and not {"heading-renamed", "moved"} & set(self.classes)

    def mirrored(self) -> "Classification":
        return Classification(
            classes=mirror_classes(self.classes),
            similarity=self.similarity,
            spelling=tuple(sorted(p.mirrored() for p in self.spelling)),
            placeholders=tuple(sorted(p.mirrored() for p in self.placeholders)),
            edits=tuple(e.mirrored() for e in self.edits),
            segments=_mirror_segments(self.segments),
        )

    def with_classes(self, *extra: str) -> "Classification":
        return replace(self, classes=ordered_classes(set(self.classes) | set(extra)))

    def details(self) -> str:
        """One line of evidence: ``spelling: optimisation→optimization ×2; edited: Production-ready→Complete``."""
        parts = []
        if self.spelling:
            parts.append("spelling: " + ", ".join(f"{p.british}→{p.american} ×{p.count}" for p in self.spelling))
        if self.placeholders:
            parts.append("placeholder: " + ", ".join(f"{p.slot}={p.value}" for p in self.placeholders))
        if self.edits:
            parts.append("words: " + ", ".join(str(e) for e in self.edits[:8])
                         + (f", … (+{len(self.edits) - 8})" if len(self.edits) > 8 else ""))
        return "; ".join(parts)


def ordered_classes(names: Iterable[str]) -> tuple[str, ...]:
    """Class names in the order of ``CLASSES``, without repeats."""
    return tuple(sorted(set(names), key=_ORDER.__getitem__))


def mirror_classes(classes: Iterable[str]) -> tuple[str, ...]:
    """The classes of (B, A) given those of (A, B): ``extended`` <-> ``truncated``."""
    return ordered_classes(_MIRROR.get(name, name) for name in classes)


def reduce_real_edits(real: Iterable[str]) -> set[str]:
    """One real-edit class for a whole section or file: a lone kind stays, any mix is ``edited``.

    Example:
        >>> sorted(reduce_real_edits({"extended"})), sorted(reduce_real_edits({"extended", "truncated"}))
        (['extended'], ['edited'])
    """
    real = set(real)
    if len(real) == 1:
        return real
    return {"edited"} if real else set()


def _other(side: str) -> str:
    return "b" if side == "a" else "a"


def _mirror_segments(segments: tuple[Segment, ...]) -> tuple[Segment, ...]:
    out: list[Segment] = []
    for segment in (s.mirrored() for s in segments):
        if segment.kind == "removed" and out and out[-1].kind == "added":
            out.insert(len(out) - 1, segment)  # keep "removed before added"
        else:
            out.append(segment)
    return tuple(out)


# --- entry points -------------------------------------------------------------

def classify_texts(a: str, b: str, *, rules: Iterable[str] = DEFAULT_RULES, code: bool = False) -> Classification:
    """Explain the difference between texts ``a`` and ``b`` (see the module docstring).

    Args:
        a, b: block source texts (Markdown).
        rules: names of the normalisation rules whose differences count as cosmetic.
        code: the texts are code blocks: spelling never counts as cosmetic.

    Returns:
        A Classification; ``classify_texts(b, a)`` is its mirror image.
    """
    names = frozenset(rules)
    if code or _CODE_FENCE.match(a) or _CODE_FENCE.match(b):
        names = names - {"spelling"}
    if a <= b:
        return _classify(a, b, names)
    return _classify(b, a, names).mirrored()


def classify_section_texts(a: str, b: str, *, rules: Iterable[str] = DEFAULT_RULES) -> Classification:
    """Like ``classify_texts`` for two sections: the heading line is judged apart from the body.

    A heading that changed in more than cosmetic ways adds ``heading-renamed``
    instead of counting as an edit of the body. The body is compared with
    ``classify_long_texts`` (lines first), so the result carries no segments.
    """
    rules = tuple(rules)
    if a <= b:
        return _classify_section(a, b, rules)
    return _classify_section(b, a, rules).mirrored()


def classify_long_texts(a: str, b: str, *, rules: Iterable[str] = DEFAULT_RULES) -> Classification:
    """``classify_texts`` for long texts: lines are aligned first, then only differing stretches word by word.

    Non-blank lines are compared white-space-collapsed; the runs of lines that
    differ (adjacent insertions and deletions together) are classified with
    ``classify_texts`` (as code when a line of the run lies inside a fence)
    and their results combined: cosmetic classes and evidence add up, real
    edits reduce to one class (``reduce_real_edits``; a stretch rewritten
    inside otherwise equal text is ``edited``). ``similarity`` is the share of
    equal lines. Segments are not kept. Mirror-symmetric like ``classify_texts``.
    """
    rules = tuple(rules)
    if a == b:
        return Classification(("identical",), 1.0)
    if a > b:
        return classify_long_texts(b, a, rules=rules).mirrored()
    (lines_a, code_a, keys_a), (lines_b, code_b, keys_b) = _line_keys(a), _line_keys(b)
    parts: list[Classification] = []
    equal_lines = 0
    for tag, i1, i2, j1, j2 in _alignment(keys_a, keys_b, keys_a, keys_b):
        if tag == "equal":
            equal_lines += i2 - i1
            continue
        parts.append(classify_texts("\n".join(lines_a[i1:i2]), "\n".join(lines_b[j1:j2]), rules=rules,
                                    code=any(code_a[i1:i2]) or any(code_b[j1:j2])))
    total = len(keys_a) + len(keys_b)
    similarity = round(2 * equal_lines / total, 4) if total else 1.0
    classes = {name for part in parts for name in part.classes} - {"identical"}
    real = classes & REAL_EDIT_CLASSES
    if equal_lines and "rewritten" in real:
        real = (real - {"rewritten"}) | {"edited"}
    classes = (classes - REAL_EDIT_CLASSES) | reduce_real_edits(real)
    return Classification(
        classes=ordered_classes(classes or {"whitespace"}),
        similarity=similarity,
        spelling=merge_spelling(part.spelling for part in parts),
        placeholders=tuple(sorted({fill for part in parts for fill in part.placeholders})),
        edits=tuple(edit for part in parts for edit in part.edits),
    )


def _content_lines(text: str) -> tuple[list[str], list[bool]]:
    """Non-blank lines, and for each whether it lies inside (or is) a fenced code block line."""
    lines, code = [], []
    fence = ""
    for line in text.split("\n"):
        opening = _CODE_FENCE.match(line)
        inside = bool(fence) or bool(opening)
        if opening:
            marker = line.strip()[:3]
            fence = "" if fence and marker == fence else (fence or marker)
        if line.strip():
            lines.append(line)
            code.append(inside)
    return lines, code


def _classify_section(a: str, b: str, rules: tuple[str, ...]) -> Classification:
    head_a, _, body_a = a.partition("\n")
    head_b, _, body_b = b.partition("\n")
    heading = classify_texts(head_a, head_b, rules=rules)
    body = classify_long_texts(body_a, body_b, rules=rules)
    classes = set(body.classes) - {"identical"}
    if heading.is_real_edit:
        classes.add("heading-renamed")
    else:
        classes |= set(heading.classes) - {"identical"}
    return replace(
        body,
        classes=ordered_classes(classes or ({"identical"} if a == b else {"whitespace"})),
        spelling=merge_spelling((heading.spelling, body.spelling)),
        placeholders=tuple(sorted(set(heading.placeholders) | set(body.placeholders))),
    )


def merge_spelling(groups: Iterable[Sequence[SpellingPair]]) -> tuple[SpellingPair, ...]:
    """Add up spelling pairs from several comparisons into one sorted tuple."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for group in groups:
        for pair in group:
            counts[(pair.british, pair.american, pair.british_in)] += pair.count
    return tuple(sorted(SpellingPair(british, american, count, side)
                        for (british, american, side), count in counts.items()))


# --- the comparison -------------------------------------------------------------

def _classify(a: str, b: str, rules: frozenset[str]) -> Classification:
    if a == b:
        return Classification(("identical",), 1.0, segments=(Segment("same", _collapse(a), _collapse(a)),) if a else ())
    wa, wb = _collapse(a), _collapse(b)
    if wa == wb:
        return Classification(("whitespace",), 1.0, segments=(Segment("same", wa, wb),))
    (fa, tokens_a, spaced_a, keys_a), (fb, tokens_b, spaced_b, keys_b) = _prepared(a, rules), _prepared(b, rules)
    distance = Indel.distance(keys_a, keys_b)
    total = len(keys_a) + len(keys_b)
    similarity = round(1.0 - distance / total, 4) if total else 1.0
    found = _Found()
    for tag, i1, i2, j1, j2 in _alignment(tokens_a, tokens_b, keys_a, keys_b):
        run_a, run_b = _Run(tokens_a, spaced_a, i1, i2), _Run(tokens_b, spaced_b, j1, j2)
        if tag == "equal":
            found.equal_run(run_a, run_b)
        else:
            found.changed_run(run_a, run_b, rules)
    if (fa != wa or fb != wb) and similarity >= REWRITE_BELOW \
            and _changed_tokens(wa, wb, rules) > distance:
        found.classes.add("formatting")
    classes = found.classes
    if found.edits:
        kind = _kind_of_change(found.edits, similarity)
        if kind == "rewritten":  # cosmetic matches between unrelated texts are noise, not evidence
            classes.clear()
            found.spelling.clear()
            found.placeholders.clear()
        classes.add(kind)
    if not classes:
        classes.add("formatting")  # the texts differ, but only where no token lives (e.g. a lone markup line)
    return Classification(
        classes=ordered_classes(classes),
        similarity=similarity,
        spelling=tuple(sorted(SpellingPair(british, american, count, side)
                              for (british, american, side), count in found.spelling.items())),
        placeholders=tuple(sorted(found.placeholders)),
        edits=tuple(found.edits),
        segments=tuple(found.segments),
    )


class _Found:
    """Accumulates what the runs of one alignment show (mutable only inside ``_classify``)."""

    def __init__(self) -> None:
        self.classes: set[str] = set()
        self.spelling: Counter[tuple[str, str, str]] = Counter()
        self.placeholders: set[SlotFill] = set()
        self.edits: list[WordEdit] = []
        self.segments: list[Segment] = []

    def equal_run(self, run_a: "_Run", run_b: "_Run") -> None:
        start = 0
        for offset, (token_a, token_b) in enumerate(zip(run_a.tokens, run_b.tokens)):
            if token_a == token_b:
                continue
            self._same(run_b.part(start, offset))
            self.segments.append(Segment("cosmetic", run_a.part(offset, offset + 1), run_b.part(offset, offset + 1)))
            self._cosmetic_pair(token_a, token_b)
            start = offset + 1
        self._same(run_b.part(start, len(run_b.tokens)))

    def _cosmetic_pair(self, token_a: str, token_b: str) -> None:
        if _is_slot(token_a) or _is_slot(token_b):
            self.classes.add("placeholder")
            if not (_is_slot(token_a) and _is_slot(token_b)):
                slot, value, side = (token_a, token_b, "a") if _is_slot(token_a) else (token_b, token_a, "b")
                self.placeholders.add(SlotFill(slot, value, side))
            return
        lower_a, lower_b = token_a.lower(), token_b.lower()
        if lower_a == lower_b or _case_shape(token_a) != _case_shape(token_b):
            self.classes.add("formatting")  # a case-only difference, or case changed along with spelling
        if lower_a == lower_b:
            return
        self.classes.add("spelling")
        british_in = "a" if _american_token(token_a) is not None else "b"
        british, american = (lower_a, lower_b) if british_in == "a" else (lower_b, lower_a)
        self.spelling[(british, american, british_in)] += 1

    def changed_run(self, run_a: "_Run", run_b: "_Run", rules: frozenset[str]) -> None:
        removed, added = run_a.text(), run_b.text()
        shown_a, shown_b = run_a.part(0, len(run_a.tokens)), run_b.part(0, len(run_b.tokens))
        if "placeholders" in rules and _is_slot_fill(run_a.tokens, run_b.tokens):
            slot_side, slots, values = ("a", removed, added) if all(map(_is_slot, run_a.tokens)) else ("b", added, removed)
            self.classes.add("placeholder")
            self.placeholders.add(SlotFill(slots, values, slot_side))
            self.segments.append(Segment("cosmetic", shown_a, shown_b))
            return
        self.edits.append(WordEdit(removed, added))
        if removed:
            self.segments.append(Segment("removed", shown_a, ""))
        if added:
            self.segments.append(Segment("added", "", shown_b))

    def _same(self, text: str) -> None:
        if text:
            self.segments.append(Segment("same", text, text))


@dataclass(frozen=True)
class _Run:
    """Tokens ``start:end`` of one side, with which of them follow white space."""

    all_tokens: list[str]
    spaced: list[bool]
    start: int
    end: int

    @property
    def tokens(self) -> list[str]:
        return self.all_tokens[self.start:self.end]

    def part(self, first: int, last: int, *, lead: bool = True) -> str:
        """Tokens ``first:last`` of this run as text, spaced as in the source.

        With ``lead``, a space before the first token is kept too, so that
        segments joined end to end read like the source.
        """
        pieces = []
        for index in range(self.start + first, self.start + last):
            if self.spaced[index] and (pieces or lead):
                pieces.append(" ")
            pieces.append(self.all_tokens[index])
        return "".join(pieces)

    def text(self) -> str:
        return self.part(0, self.end - self.start, lead=False)


def _case_shape(token: str) -> str:
    if token.isupper():
        return "upper"
    if token[:1].isupper():
        return "title"
    return "lower"


def _kind_of_change(edits: list[WordEdit], similarity: float) -> str:
    if similarity < REWRITE_BELOW:
        return "rewritten"
    if all(not e.removed for e in edits):
        return "extended"
    if all(not e.added for e in edits):
        return "truncated"
    return "edited"


def _is_slot(token: str) -> bool:
    return PLACEHOLDER.fullmatch(token) is not None


def _is_slot_fill(run_a: list[str], run_b: list[str]) -> bool:
    """One side only slots, the other a short concrete value without slots."""
    if not run_a or not run_b:
        return False
    for slots, values in ((run_a, run_b), (run_b, run_a)):
        if all(map(_is_slot, slots)) and len(values) <= MAX_SLOT_VALUE_WORDS and not any(map(_is_slot, values)) \
                and any(token[0].isalnum() for token in values):
            return True
    return False


def _changed_tokens(wa: str, wb: str, rules: frozenset[str]) -> int:
    """Tokens inserted or deleted when the raw texts (markup and all) are aligned."""
    return Indel.distance(_raw_keys(wa, rules), _raw_keys(wb, rules))


def _alignment(tokens_a: list[str], tokens_b: list[str], keys_a: list[str],
               keys_b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """Runs ``(tag, i1, i2, j1, j2)``: ``equal`` or ``changed``, alternating.

    The longest common subsequence of the keys (rapidfuzz ``Indel.opcodes``,
    in C++) gives the equal runs; adjacent insertions and deletions are one
    changed run. A short equal run of surface-identical tokens squeezed
    between two larger changes (a lone ``the`` or ``,`` inside a rewrite)
    joins them, so a rewritten passage reads as one change.
    """
    runs: list[list] = []
    for op in Indel.opcodes(keys_a, keys_b):
        tag = "equal" if op.tag == "equal" else "changed"
        if runs and runs[-1][0] == tag == "changed":
            runs[-1][2], runs[-1][4] = op.src_end, op.dest_end
        else:
            runs.append([tag, op.src_start, op.src_end, op.dest_start, op.dest_end])
    merged: list[list] = []
    for index, run in enumerate(runs):
        if (run[0] == "equal" and merged and index + 1 < len(runs)
                and run[2] - run[1] <= min(_size(merged[-1]), _size(runs[index + 1]))
                and tokens_a[run[1]:run[2]] == tokens_b[run[3]:run[4]]):
            merged[-1][2], merged[-1][4] = run[2], run[4]
            continue
        if merged and merged[-1][0] == run[0] == "changed":
            merged[-1][2], merged[-1][4] = run[2], run[4]
        else:
            merged.append(list(run))
    return [tuple(run) for run in merged]


def _size(run: list) -> int:
    return max(run[2] - run[1], run[4] - run[3])


# --- text preparation -------------------------------------------------------------

def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=32)
def _formatting_rules(rules: frozenset[str]):
    return active_rules(name for name in _FORMATTING_RULES if name in rules)


def _formatted(text: str, rules: frozenset[str]) -> str:
    """The text after the active formatting rules (which need its lines), white space collapsed."""
    formatting = _formatting_rules(rules)
    return _collapse(normalize(text, formatting) if formatting else text)


# A text is compared with every text it near-duplicates: in a family of n variants, n - 1 times. What
# depends on one text alone is prepared once (800 variants of one file: 640,000 pairs, each text prepared
# 1,600 times over otherwise). The lists are shared between calls and never changed.
_PREPARED_TEXTS = 4096


@lru_cache(maxsize=_PREPARED_TEXTS)
def _prepared(text: str, rules: frozenset[str]) -> tuple[str, list[str], list[bool], list[str]]:
    """(formatted text, its tokens, which follow a space, their comparison keys) of one side of ``_classify``."""
    formatted = _formatted(text, rules)
    tokens, spaced = _tokenize(formatted)
    return formatted, tokens, spaced, _keys(tokens, rules)


@lru_cache(maxsize=_PREPARED_TEXTS)
def _raw_keys(collapsed: str, rules: frozenset[str]) -> list[str]:
    return _keys(_TOKEN.findall(collapsed), rules)


@lru_cache(maxsize=_PREPARED_TEXTS)
def _line_keys(text: str) -> tuple[list[str], list[bool], list[str]]:
    """``_content_lines(text)`` and each line white-space-collapsed (``classify_long_texts``)."""
    lines, code = _content_lines(text)
    return lines, code, [_collapse(line) for line in lines]


def _tokenize(collapsed: str) -> tuple[list[str], list[bool]]:
    """Tokens of a white-space-collapsed text, and for each: does a space come right before it?"""
    tokens, spaced = [], []
    for match in _TOKEN.finditer(collapsed):
        start = match.start()
        tokens.append(match.group())
        spaced.append(start > 0 and collapsed[start - 1] == " ")
    return tokens, spaced


_KEY_CACHES: dict[tuple[bool, bool, bool], dict[str, str]] = {}
_KEY_CACHE_LIMIT = 500_000


def _keys(tokens: list[str], rules: frozenset[str]) -> list[str]:
    flags = ("case" in rules, "spelling" in rules, "placeholders" in rules)
    cache = _KEY_CACHES.setdefault(flags, {})
    if len(cache) > _KEY_CACHE_LIMIT:
        cache.clear()
    keys = []
    for token in tokens:
        key = cache.get(token)
        if key is None:
            key = cache[token] = _key(token, *flags)
        keys.append(key)
    return keys


def _key(token: str, fold: bool, spell: bool, slots: bool) -> str:
    if slots and PLACEHOLDER.fullmatch(token):
        return PLACEHOLDER_TOKEN
    if spell and token[:1].isalpha():
        token = _american_token(token) or token
    return token.casefold() if fold else token


@lru_cache(maxsize=262144)
def _american_token(token: str) -> str | None:
    """The token with every British word part in American spelling, or None if nothing changes."""
    parts = _WORD_PARTS.split(token)
    changed = [american_form(part) or part if part.isalpha() else part for part in parts]
    return "".join(changed) if changed != parts else None


assert set(_FORMATTING_RULES) <= set(RULES), "formatting rules must exist in analyzer.normalize.RULES"
