"""Front matter: find the block at the top of an agent file and read its fields.

Agent files (Claude Code sub-agents, Cursor ``.mdc`` rules, ``SKILL.md``
skills, slash commands) start with a YAML block between ``---`` lines.  Real
files bend that format in many ways, so reading happens in three steps, and
every step that has to bend a rule says so in a warning instead of raising.

1. **Locate.**  The block opens on the first non-blank line with ``---`` and
   closes on the next line of three or more dashes (or ``...``) at the same
   indentation.  A block on line 1 is always front matter.  A block after
   blank lines or indented (some generators emit either) is accepted, with a
   warning, only when it is closed and its first line looks like ``key:
   value``: otherwise it is a Markdown thematic break or a code block.  An
   opening ``---`` that is never closed is Markdown, not front matter.

2. **Read with safe YAML.**  The block (dedented) goes through a PyYAML
   ``SafeLoader`` subclass, so no tag can build a Python object.  Before
   anything is built the node tree is measured: nesting deeper than
   ``MAX_YAML_DEPTH`` or aliases that would expand past ``MAX_EXPANDED_SIZE``
   nodes and characters (the "billion laughs") are refused, and so is a block
   over ``MAX_YAML_CHARS``.  Top-level pairs are read one by one from the node
   tree, which keeps duplicate keys (YAML itself silently keeps the last) and
   gives every field its real document lines.

3. **Fall back to key: value lines.**  When YAML fails (unquoted ``globs:
   **/*`` reads as an alias, ``argument-hint: [a] | [b]``, descriptions with
   ``: `` in them, ...) or the document is not a mapping, the tolerant reader
   splits the block at top-level key lines (an identifier-like key at column 0
   followed by ``:``); every other line continues the previous field.  Two
   exceptions keep long descriptions whole: lines inside a closed
   ``<example>...</example>`` region never start a field, and neither does a
   capitalised label such as ``Examples:`` that has no value and is followed
   by unindented prose.  Each field is then read as YAML on its own, so one
   bad line does not change how the other fields read; a field that still
   fails keeps its text, folded like a YAML plain scalar (an ``- item`` block
   becomes a list).

Values are plain data: ``str``, ``int``, ``float``, ``bool``, ``None``,
``list`` and ``dict``; dates become ISO strings and keys that are not strings
become ``str(key)``.  ``FrontMatterField.text`` is the canonical text used for
comparison: lists are joined with ``", "`` so ``tools: a, b`` and ``tools: [a,
b]`` compare equal, booleans are ``true``/``false`` as written in YAML, and
nested data is compact JSON in source order.

Example:
    >>> front_matter, body, body_line = split_front_matter(
    ...     "---\\nname: reviewer\\ntools: [Read, Grep]\\n---\\n# Reviewer\\n")
    >>> front_matter.method, get_field(front_matter, "tools").text
    ('yaml', 'Read, Grep')
    >>> body, body_line
    ('# Reviewer\\n', 5)
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import json
import re
from dataclasses import dataclass

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_YAML_CHARS = 64 * 1024
"""Largest front matter, in characters, given to the YAML parser.  The largest
real block in corpus-public is under 6,000 characters; pure-Python PyYAML reads
dense ``key: value`` lines at roughly 100,000 characters a second, so the bound
keeps the worst case (a failed whole-block parse, then one parse per field)
under two seconds.  Larger blocks use the tolerant reader without YAML."""

MAX_YAML_DEPTH = 32
"""Deepest nesting of YAML collections accepted.  Real agent front matter
nests at most three or four levels; the bound keeps the recursive PyYAML
composer and constructor far from Python's recursion limit."""

MAX_EXPANDED_SIZE = 4 * MAX_YAML_CHARS
"""Largest size of the YAML data once every alias is expanded, counted as one
per node plus the characters of every scalar.  Without aliases a document is
never larger than about twice its text, so only alias bombs reach it."""

_OPENING = re.compile(r"([ \t]*)---[ \t]*")
_CLOSING = re.compile(r"(-{3,}|\.\.\.)[ \t]*")
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*:(?:[ \t]+(.*))?")
_BLOCK_INDICATOR = re.compile(r"([|>])[-+0-9]*(?:[ \t]+#.*)?")
_EXAMPLE_OPEN = re.compile(r"<example\b[^>]*>", re.IGNORECASE)
_EXAMPLE_CLOSE = re.compile(r"</example\s*>", re.IGNORECASE)
_FLOW_BRACKETS = re.compile(r"[\[\]{}]")
_LINE_PREFIX = re.compile(r"^[ \t?:-]+", re.MULTILINE)
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE
_C_LOADER = getattr(yaml, "CSafeLoader", None)  # None when PyYAML was built without libyaml
_MERGE_TAG = "tag:yaml.org,2002:merge"
_FALLBACK = "read as plain key: value lines instead"
_REFUSED = "is refused by the YAML reader"


@dataclass(frozen=True)
class FrontMatterField:
    """One top-level field of the front matter.

    Attributes:
        key: the key as written (``str(key)`` when YAML reads a non-string key).
        value: plain data: str, int, float, bool, None, list or dict.
        text: canonical text of the value for comparison ("" for None).
        start_line: 1-based document line of the key.
        end_line: 1-based document line where the value ends.
    """

    key: str
    value: object
    text: str
    start_line: int
    end_line: int


@dataclass(frozen=True)
class FrontMatter:
    """The front matter of one document.

    Attributes:
        fields: top-level fields in source order; a duplicated key appears
            once per occurrence.
        start_line: line of the opening delimiter (1-based), 0 if none.
        end_line: line of the closing delimiter, 0 if none.
        method: "yaml", "tolerant" (the fallback reader was used) or "none".
        warnings: human-readable problems, each with what was done about it.
    """

    fields: tuple[FrontMatterField, ...]
    start_line: int
    end_line: int
    method: str
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class _Block:
    """A located front matter block: content lines are dedented."""

    lines: tuple[str, ...]
    first_line: int  # document line of lines[0]
    open_line: int
    close_line: int


@dataclass(frozen=True)
class _Pair:
    """A top-level YAML pair with character offsets into the parsed source."""

    key: str
    value: object
    key_index: int
    end_index: int


class _YamlRefused(Exception):
    """The YAML reader gave up; carries a summary, a reason and an offset."""

    def __init__(self, summary: str, reason: str, index: int | None = None):
        super().__init__(reason)
        self.summary = summary
        self.reason = reason
        self.index = index


class _BoundedSafeLoader(yaml.SafeLoader):
    """SafeLoader that refuses collections nested deeper than MAX_YAML_DEPTH."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML hook
        if self._depth >= MAX_YAML_DEPTH:
            raise _YamlRefused(
                _REFUSED, f"nesting deeper than {MAX_YAML_DEPTH} levels", self.peek_event().start_mark.index
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# ---------------------------------------------------------------- public API


def split_front_matter(text: str) -> tuple[FrontMatter, str, int]:
    """Find and read the front matter of a decoded document.

    Args:
        text: the whole document, line endings normalised to "\\n", no BOM.

    Returns:
        (front_matter, body, body_start_line): body is the text after the
        closing delimiter (always a suffix of ``text``) and body_start_line the
        1-based document line where it begins (1 when there is no front matter).
        Never raises: every problem becomes a warning on ``front_matter``.
    """
    lines = text.split("\n")
    block, locate_warnings = _locate_block(lines)
    if block is None:
        return FrontMatter((), 0, 0, "none", locate_warnings), text, 1
    fields, method, read_warnings = _read_block(block)
    warnings = locate_warnings + read_warnings + _duplicate_warnings(fields)
    front_matter = FrontMatter(fields, block.open_line, block.close_line, method, warnings)
    body_offset = min(len(text), sum(len(line) + 1 for line in lines[: block.close_line]))
    return front_matter, text[body_offset:], block.close_line + 1


def get_field(front_matter: FrontMatter, key: str) -> FrontMatterField | None:
    """Return the last field named ``key`` (case-sensitive), as YAML would, or None."""
    for field in reversed(front_matter.fields):
        if field.key == key:
            return field
    return None


# ------------------------------------------------------------------- locate


def _locate_block(lines: list[str]) -> tuple[_Block | None, tuple[str, ...]]:
    """Find the delimiters; return the block (or None) and warnings about its position."""
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    opening = _OPENING.fullmatch(lines[start]) if start is not None else None
    if opening is None:
        return None, ()
    indent = len(opening.group(1))
    close = _find_closing(lines, start + 1, indent)
    at_top = start == 0 and indent == 0
    content = [_dedent(line, indent) for line in lines[start + 1 : close]]
    if close is None:
        if at_top or _looks_like_fields(content):
            return None, (f"front matter opened on line {start + 1} is never closed; read as Markdown",)
        return None, ()
    if not at_top and not _looks_like_fields(content):
        return None, ()
    block = _Block(tuple(content), start + 2, start + 1, close + 1)
    return block, _position_warnings(block, start, indent, lines[close].strip())


def _find_closing(lines: list[str], begin: int, indent: int) -> int | None:
    """Index of the first closing delimiter at or left of the opening's indentation."""
    for index in range(begin, len(lines)):
        if _CLOSING.fullmatch(_dedent(lines[index], indent)):
            return index
    return None


def _dedent(line: str, indent: int) -> str:
    """Remove up to ``indent`` leading spaces or tabs."""
    removable = len(line) - len(line.lstrip(" \t"))
    return line[min(removable, indent) :]


def _looks_like_fields(content: list[str]) -> bool:
    """True when the first meaningful content line is a top-level ``key:`` line."""
    for line in content:
        if line.strip() and not line.lstrip().startswith("#"):
            return _KEY_LINE.fullmatch(line) is not None
    return False


def _position_warnings(block: _Block, blank_lines: int, indent: int, closing: str) -> tuple[str, ...]:
    """Warnings for front matter that is accepted but not where tools look for it."""
    warnings = []
    if blank_lines:
        warnings.append(
            f"front matter starts on line {block.open_line}, after {blank_lines} blank line(s); "
            "read anyway, but many tools only read front matter that starts on line 1"
        )
    if indent:
        warnings.append(
            f"front matter on lines {block.open_line}-{block.close_line} is indented by {indent} "
            "characters; read it dedented, but Markdown shows an indented block as code: remove the indentation"
        )
    if closing.startswith("-") and closing != "---":
        warnings.append(
            f"front matter opened on line {block.open_line} is closed by a line of {len(closing)} "
            f"dashes on line {block.close_line}, not by '---'; read up to it, but other tools may not"
        )
    return tuple(warnings)


# --------------------------------------------------------------------- read


def _read_block(block: _Block) -> tuple[tuple[FrontMatterField, ...], str, tuple[str, ...]]:
    """Read the block with YAML, or with the tolerant reader when YAML gives up."""
    source = "".join(line + "\n" for line in block.lines)  # as in the file: every line ends
    if len(source) > MAX_YAML_CHARS:
        warning = (
            f"front matter is too large for the YAML reader ({len(source)} characters, "
            f"limit {MAX_YAML_CHARS}); {_FALLBACK}"
        )
        fields, warnings = _read_tolerant(block, use_yaml=False)
        return fields, "tolerant", (warning, *warnings)
    try:
        pairs = _load_pairs(source)
    except _YamlRefused as refusal:
        fields, warnings = _read_tolerant(block, use_yaml=True)
        return fields, "tolerant", (_refusal_warning(refusal, block), *warnings)
    line_of = _line_locator(block.lines)
    fields = tuple(_yaml_field(pair, source, block, line_of) for pair in pairs)
    return fields, "yaml", ()


def _refusal_warning(refusal: _YamlRefused, block: _Block) -> str:
    """Turn a refusal into 'front matter is not valid YAML (problem, line N); read as ...'."""
    where = ""
    if refusal.index is not None:
        where = f", line {block.first_line + _line_locator(block.lines)(refusal.index)}"
    return f"front matter {refusal.summary} ({refusal.reason}{where}); {_FALLBACK}"


def _line_locator(lines: tuple[str, ...]):
    """Return a function from a character offset in the joined lines to a 0-based line."""
    line_starts = list(itertools.accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
    return lambda index: bisect.bisect_right(line_starts, index) - 1


def _yaml_field(pair: _Pair, source: str, block: _Block, line_of) -> FrontMatterField:
    """Build a field from a YAML pair, trimming blank and comment lines off its end."""
    start = line_of(pair.key_index)
    ends_after_newline = source[pair.end_index - 1 : pair.end_index] == "\n"  # block values end at a line start
    end = line_of(pair.end_index - 1 if ends_after_newline else pair.end_index)
    end = _trim_end(block.lines, start, max(start, end))
    return FrontMatterField(
        pair.key, pair.value, _value_text(pair.value), block.first_line + start, block.first_line + end
    )


def _trim_end(lines: tuple[str, ...], start: int, end: int) -> int:
    """Move ``end`` back over blank and comment-only lines, never before ``start``."""
    while end > start and (not lines[end].strip() or lines[end].lstrip().startswith("#")):
        end -= 1
    return end


# --------------------------------------------------------------------- YAML


def _load_pairs(source: str) -> tuple[_Pair, ...]:
    """Parse ``source`` safely and return its top-level pairs in source order.

    Two readers, one answer.  libyaml (PyYAML's C ``CSafeLoader``) composes a
    block about 3.6x faster than pure-Python PyYAML (measured over every
    front matter block of corpus-public: 3.64 s -> 1.01 s CPU), and a front
    matter block is read with it when two cheap scans prove it safe: no
    character the pure-Python reader refuses (libyaml accepts some of them),
    and a nesting bound (``_shallow``) under ``MAX_YAML_DEPTH``, since
    libyaml's composer recurses on the C stack where Python's recursion limit
    cannot stop it.  The node graph it composes is then measured and
    constructed exactly like the pure-Python one.  Any failure is read again
    by the pure-Python loader, whose messages are the ones users see (libyaml
    words them differently), so both paths give equal fields, lines and
    warnings on all of corpus-public (4,984 files, 381 of them failing YAML).

    Raises:
        _YamlRefused: for invalid YAML, a document that is not a mapping,
            unsafe tags, or data past the depth and expansion bounds.
    """
    flow_depth = _check_flow_depth(source)
    if _C_LOADER is not None and not _NON_PRINTABLE.search(source) and _shallow(source, flow_depth):
        try:
            return _pairs_with(_C_LOADER, source)
        except Exception:  # noqa: BLE001 - the pure-Python reader below says what is wrong, in its words
            pass
    return _pairs_with(_BoundedSafeLoader, source)


def _pairs_with(loader_class: type, source: str) -> tuple[_Pair, ...]:
    """Compose ``source`` with ``loader_class``, measure its node graph, and construct its pairs."""
    loader = None
    try:
        loader = loader_class(source)  # the pure-Python reader rejects control characters itself
        root = loader.get_single_node()
        if root is None:
            return ()
        if not isinstance(root, MappingNode):
            kind = "a list" if isinstance(root, SequenceNode) else "a single value"
            raise _YamlRefused("is not a YAML mapping", f"it is {kind}, not key: value pairs", root.start_mark.index)
        _measure(root, 0, {}, set())
        return _top_level_pairs(loader, root)
    except _YamlRefused:
        raise
    except yaml.MarkedYAMLError as error:
        raise _refusal_from_marked(error) from None
    except yaml.reader.ReaderError as error:
        reason = f"{error.reason}, character #x{error.character:04x}"
        raise _YamlRefused("is not valid YAML", reason, error.position) from None
    except RecursionError:
        raise _YamlRefused(_REFUSED, "nesting too deep to read") from None
    except Exception as error:  # noqa: BLE001 - e.g. ValueError from "2024-13-45" dates
        raise _YamlRefused("is not valid YAML", f"{type(error).__name__}: {error}") from None
    finally:
        if loader is not None:
            loader.dispose()


def _shallow(source: str, flow_depth: int) -> bool:
    """True when the block nesting of ``source`` provably stays under MAX_YAML_DEPTH.

    A nested block collection starts at a greater column than its parent,
    except a sequence under a mapping key (``key:`` then ``- item`` at the
    same column) and compact forms (``- - x``, ``- key: v``, ``? key``),
    whose indicators take columns of their own.  So counting the spaces and
    indicator characters (``-``, ``?``, ``:``) that open a line, every two
    levels of nesting cost at least one column, and depth is at most twice
    the widest such prefix, plus one, plus the flow nesting inside it.
    """
    widest = max((len(match.group()) for match in _LINE_PREFIX.finditer(source)), default=0)
    return 2 * widest + 1 + flow_depth <= MAX_YAML_DEPTH


def _check_flow_depth(source: str) -> int:
    """Refuse flow collections ("[[[[...") nested past MAX_YAML_DEPTH before parsing; return the deepest.

    PyYAML's scanner keeps one possible simple key per flow level and revisits
    them all on every token, so deep flow nesting costs quadratic time even
    though the composer would refuse it later.  Brackets are counted without
    regard to quoting: a false alarm only sends the block to the tolerant reader.
    """
    depth = deepest = 0
    for bracket in _FLOW_BRACKETS.finditer(source):
        depth = depth + 1 if bracket.group() in "[{" else max(0, depth - 1)
        if depth > MAX_YAML_DEPTH:
            raise _YamlRefused(_REFUSED, f"nesting deeper than {MAX_YAML_DEPTH} levels", bracket.start())
        deepest = max(deepest, depth)
    return deepest


def _refusal_from_marked(error: yaml.MarkedYAMLError) -> _YamlRefused:
    """Describe a PyYAML error by its problem and the offset where it happened."""
    mark = error.problem_mark or error.context_mark
    reason = error.problem or error.context or type(error).__name__
    unsafe = isinstance(error, yaml.constructor.ConstructorError)
    summary = "cannot be read safely as YAML" if unsafe else "is not valid YAML"
    return _YamlRefused(summary, reason, mark.index if mark is not None else None)


def _measure(node: Node, depth: int, memo: dict[int, tuple[int, int]], active: set[int]) -> tuple[int, int]:
    """Return (expanded size, height) of ``node``, counting aliases once per use.

    Shared nodes are measured once (memo), so the cost is linear in the
    document even when its expansion is exponential.

    Raises:
        _YamlRefused: for self-referencing aliases, nesting past MAX_YAML_DEPTH
            or an expansion past MAX_EXPANDED_SIZE.
    """
    key = id(node)
    if key in active:
        raise _YamlRefused(_REFUSED, "an alias refers to a collection that contains it", node.start_mark.index)
    if key not in memo:
        if depth > MAX_YAML_DEPTH:
            raise _YamlRefused(_REFUSED, f"nesting deeper than {MAX_YAML_DEPTH} levels", node.start_mark.index)
        active.add(key)
        size, height = 1 + (len(node.value) if isinstance(node, ScalarNode) else 0), 0
        for child in _children(node):
            child_size, child_height = _measure(child, depth + 1, memo, active)
            size, height = size + child_size, max(height, child_height + 1)
            if size > MAX_EXPANDED_SIZE:
                reason = f"aliases expand to more than {MAX_EXPANDED_SIZE} nodes and characters"
                raise _YamlRefused(_REFUSED, reason, node.start_mark.index)
        active.discard(key)
        memo[key] = (size, height)
    size, height = memo[key]
    if depth + height > MAX_YAML_DEPTH:
        raise _YamlRefused(_REFUSED, f"nesting deeper than {MAX_YAML_DEPTH} levels", node.start_mark.index)
    return size, height


def _children(node: Node) -> list[Node]:
    """Child nodes of a collection node (keys and values for a mapping)."""
    if isinstance(node, MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _top_level_pairs(loader: yaml.SafeLoader, root: MappingNode) -> tuple[_Pair, ...]:
    """Construct every top-level pair, keeping duplicates; merge keys (``<<``) apply
    unless an explicit key of the same name overrides them."""
    explicit_count = sum(1 for key_node, _ in root.value if key_node.tag != _MERGE_TAG)
    loader.flatten_mapping(root)  # puts merged pairs first, explicit pairs last
    merged_count = len(root.value) - explicit_count
    pairs = [_construct_pair(loader, key_node, value_node) for key_node, value_node in root.value]
    explicit_keys = {pair.key for pair in pairs[merged_count:]}
    merged = {pair.key: pair for pair in pairs[:merged_count] if pair.key not in explicit_keys}
    return (*merged.values(), *pairs[merged_count:])


def _construct_pair(loader: yaml.SafeLoader, key_node: Node, value_node: Node) -> _Pair:
    """Build plain data for one pair with the safe constructor."""
    key = _plain(loader.construct_object(key_node, deep=True))
    value = _plain(loader.construct_object(value_node, deep=True))
    return _Pair(_key_text(key), value, key_node.start_mark.index, value_node.end_mark.index)


def _plain(value: object) -> object:
    """Turn constructed YAML data into plain, JSON-friendly, deterministic data."""
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {_key_text(_plain(key)): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_plain(item) for item in value), key=str)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _key_text(key: object) -> str:
    return key if isinstance(key, str) else str(key)


def _value_text(value: object) -> str:
    """Canonical comparison text: lists joined by ", ", nested data as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(_item_text(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _item_text(item: object) -> str:
    return json.dumps(item, ensure_ascii=False) if isinstance(item, (list, dict)) else _value_text(item)


# ----------------------------------------------------------------- tolerant


def _read_tolerant(block: _Block, use_yaml: bool) -> tuple[tuple[FrontMatterField, ...], tuple[str, ...]]:
    """Read top-level ``key: value`` lines; see step 3 of the module docstring."""
    lines = block.lines
    starts = _field_starts(lines)
    ends = [*starts[1:], len(lines)]
    fields = tuple(
        _tolerant_field(lines[start:end], block.first_line + start, use_yaml) for start, end in zip(starts, ends)
    )
    return fields, _stray_line_warnings(lines[: starts[0] if starts else len(lines)], block.first_line)


def _field_starts(lines: tuple[str, ...]) -> list[int]:
    """Indices of the lines that start a field."""
    in_example = _example_lines(lines)
    return [
        index
        for index, line in enumerate(lines)
        if _KEY_LINE.fullmatch(line) and index not in in_example and not _is_label(lines, index)
    ]


def _example_lines(lines: tuple[str, ...]) -> frozenset[int]:
    """Lines inside ``<example>`` regions that are closed later in the block."""
    inside: set[int] = set()
    pending: list[int] = []
    depth = 0
    for index, line in enumerate(lines):
        if depth > 0:
            pending.append(index)
        depth += len(_EXAMPLE_OPEN.findall(line)) - len(_EXAMPLE_CLOSE.findall(line))
        if depth <= 0:
            depth = 0
            inside.update(pending)
            pending.clear()
    return frozenset(inside)


def _is_label(lines: tuple[str, ...], index: int) -> bool:
    """True for a prose label like ``Examples:``: capitalised, no value, and
    followed by unindented text that is neither a key, a list item nor a comment."""
    match = _KEY_LINE.fullmatch(lines[index])
    if index == 0 or not match.group(1)[0].isupper() or (match.group(2) or "").strip():
        return False
    following = next((line for line in itertools.islice(lines, index + 1, None) if line.strip()), None)
    return (
        following is not None
        and not following[0].isspace()
        and not following.startswith(("-", "#"))
        and _KEY_LINE.fullmatch(following) is None
    )


def _tolerant_field(lines: tuple[str, ...], first_line: int, use_yaml: bool) -> FrontMatterField:
    """One field from its key line and continuation lines."""
    match = _KEY_LINE.fullmatch(lines[0])
    key, inline = match.group(1), (match.group(2) or "").strip()
    end = _trim_end(lines, 0, len(lines) - 1)
    value = _field_yaml_value(lines[: end + 1], key) if use_yaml else _NO_VALUE
    if value is _NO_VALUE:
        value = _field_text_value(inline, lines[1 : end + 1])
    return FrontMatterField(key, value, _value_text(value), first_line, first_line + end)


_NO_VALUE = object()


def _field_yaml_value(lines: tuple[str, ...], key: str) -> object:
    """The field's value when its own lines are valid YAML, else _NO_VALUE."""
    try:
        pairs = _load_pairs("".join(line + "\n" for line in lines))
    except _YamlRefused:
        return _NO_VALUE
    if len(pairs) != 1 or pairs[0].key != key:
        return _NO_VALUE
    return pairs[0].value


def _field_text_value(inline: str, continuation: tuple[str, ...]) -> object:
    """Value of a field that is not valid YAML: an ``- item`` list or folded text."""
    meaningful = [line.strip() for line in continuation if line.strip()]
    if not inline and meaningful and all(line.startswith("-") for line in meaningful):
        return [_unquote(line[1:].strip()) for line in meaningful]
    indicator = _BLOCK_INDICATOR.fullmatch(inline)
    if indicator and indicator.group(1) == "|":
        return _literal(continuation)
    if indicator:
        return _fold(continuation)
    return _fold((_unquote(inline), *continuation))


def _unquote(text: str) -> str:
    """Strip YAML quotes from a fully quoted scalar; leave anything else as written."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        try:
            value = _load_pairs(f"v: {text}")
        except _YamlRefused:
            return text
        if len(value) == 1 and isinstance(value[0].value, str):
            return value[0].value
    return text


def _fold(lines: tuple[str, ...]) -> str:
    """Fold lines like a YAML plain scalar: line breaks become spaces, blank lines newlines."""
    parts: list[str] = []
    blank_run = 0
    for line in (line.strip() for line in lines):
        if not line:
            blank_run += 1
            continue
        if parts:
            parts.append("\n" * blank_run if blank_run else " ")
        parts.append(line)
        blank_run = 0
    return "".join(parts)


def _literal(lines: tuple[str, ...]) -> str:
    """Keep lines as written, minus their common indentation, like a YAML ``|`` block."""
    indents = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
    common = min(indents, default=0)
    return "\n".join(line[common:] for line in lines).strip("\n")


def _stray_line_warnings(lines: tuple[str, ...], first_line: int) -> tuple[str, ...]:
    """One warning for text before the first key line, which belongs to no field."""
    stray = [index for index, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    if not stray:
        return ()
    return (
        f"{len(stray)} front matter line(s) from line {first_line + stray[0]} are not key: value lines "
        "and come before the first key; ignored",
    )


def _duplicate_warnings(fields: tuple[FrontMatterField, ...]) -> tuple[str, ...]:
    """One warning per key that appears more than once."""
    lines_by_key: dict[str, list[int]] = {}
    for field in fields:
        lines_by_key.setdefault(field.key, []).append(field.start_line)
    return tuple(
        f"front matter key '{key}' appears {len(lines)} times (lines {_line_list(lines)}); "
        "every occurrence is kept, but YAML keeps only the last: remove the others"
        for key, lines in lines_by_key.items()
        if len(lines) > 1
    )


def _line_list(lines: list[int], shown: int = 5) -> str:
    """'2, 4' or, for long lists, '2, 3, 4, 5, 6, ...'."""
    text = ", ".join(map(str, lines[:shown]))
    return text + ", ..." if len(lines) > shown else text
