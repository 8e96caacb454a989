"""Bytes -> AgentFile: decoding, front matter, and Markdown cut into blocks.

Decoding: a UTF-8 or UTF-16 byte-order mark decides the codec; otherwise
strict UTF-8, and on failure UTF-8 with U+FFFD replacements plus a warning
(the file is degraded, never dropped). A NUL byte outside UTF-16 means a
binary file, which is skipped. Line endings become LF before anything else,
so every line number refers to the file as an editor shows it.

Front matter is read by ``analyzer.frontmatter`` (safe YAML with a tolerant
fallback); each field becomes a ``field`` block.

The body is parsed by markdown-it-py with the inline rules switched off
(block structure is all we need, and it halves parse time). Only tokens at
nesting level 0 decide structure, so a ``# line`` inside a fenced code block
or a list item never opens a section:

* ``heading_open``: a section. A section runs until the next heading of the
  same or a higher level; its heading path is the chain of open headings.
  A lone H1 that comes before every other heading is the document's *title*:
  its section holds only the text up to the next heading, and it does not
  prefix the other sections' heading paths (otherwise a copy without the
  title would share no heading path with its original).
* paragraph, fence/code block, table, blockquote, html block: one unit each.
* bullet/ordered list: each top-level item is one unit (nested lists stay
  inside their item).
* units before the first heading belong to a ``preamble`` container.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass

from markdown_it import MarkdownIt

from analyzer.frontmatter import FrontMatter, split_front_matter
from analyzer.models import (
    KIND_CODE,
    KIND_FIELD,
    KIND_HTML,
    KIND_LIST_ITEM,
    KIND_PARAGRAPH,
    KIND_PREAMBLE,
    KIND_QUOTE,
    KIND_SECTION,
    KIND_TABLE,
    AgentFile,
    Block,
)
from analyzer.normalize import Rule, normalize


class UnreadableFile(Exception):
    """The bytes cannot be analyzed as text; the message is the skip reason."""


_MARKDOWN = MarkdownIt("commonmark").enable("table").disable("inline")

_UNIT_TOKENS = {
    "paragraph_open": KIND_PARAGRAPH,
    "fence": KIND_CODE,
    "code_block": KIND_CODE,
    "table_open": KIND_TABLE,
    "blockquote_open": KIND_QUOTE,
    "html_block": KIND_HTML,
}
_LIST_OPEN = {"bullet_list_open", "ordered_list_open"}
_CONTAINERS = (KIND_SECTION, KIND_PREAMBLE)


def fingerprint(norm: str) -> str:
    """A 64-bit BLAKE2b hash of normalised text, as 16 hex digits."""
    return hashlib.blake2b(norm.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def decode(data: bytes) -> tuple[str, tuple[str, ...], str]:
    """Decode file bytes. Returns (text with LF line endings, warnings, line-ending style)."""
    warnings: list[str] = []
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise UnreadableFile(f"UTF-16 byte-order mark but undecodable bytes ({error.reason})") from error
        warnings.append("decoded as UTF-16 (byte-order mark)")
    else:
        nul = data.find(b"\x00")
        if nul >= 0:
            raise UnreadableFile(f"binary file (NUL byte at offset {nul}); not a text agent file")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            text = data.decode("utf-8", errors="replace")
            warnings.append(
                f"not valid UTF-8 (first bad byte at offset {error.start}); "
                "undecodable bytes replaced with U+FFFD"
            )
    if "\x00" in text:
        raise UnreadableFile("binary content (NUL character after decoding)")
    style = _line_ending_style(text)
    if style != "lf":
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, tuple(warnings), style


def _line_ending_style(text: str) -> str:
    if "\r" not in text:
        return "lf"
    crlf = text.count("\r\n")
    bare = text.count("\r") - crlf
    if crlf and not bare and text.count("\n") == crlf:
        return "crlf"
    if bare and not crlf and "\n" not in text:
        return "cr"
    return "mixed"


@dataclass
class _Draft:
    """A block under construction (mutable only inside this module)."""

    kind: str
    start: int  # 1-based document line
    end: int
    level: int = 0
    heading: str = ""
    heading_path: str = ""
    parent: int = -1  # index into the draft list
    text: str = ""


def parse_text(text: str, *, path: str, rules: tuple[Rule, ...], data: bytes = b"",
               warnings: tuple[str, ...] = (), line_endings: str = "lf") -> AgentFile:
    """Cut decoded ``text`` into blocks and normalise each one."""
    front_matter, body, body_start = split_front_matter(text)
    lines = text.split("\n")
    fields = _field_drafts(front_matter)
    body_drafts = _body_drafts(body, body_start, lines)
    for draft in body_drafts:
        if draft.parent >= 0:
            draft.parent += len(fields)
    drafts = fields + body_drafts
    blocks = _finish(drafts, path, rules)
    name_fields = [f for f in front_matter.fields if f.key.strip().lower() == "name"]
    name = name_fields[-1].text.strip() if name_fields else ""
    return AgentFile(
        path=path,
        name=name,
        bytes=len(data) if data else len(text.encode("utf-8", "surrogatepass")),
        sha256=hashlib.sha256(data or text.encode("utf-8", "surrogatepass")).hexdigest(),
        fm_method=front_matter.method,
        fields=tuple((f.key, f.text) for f in front_matter.fields),
        blocks=blocks,
        warnings=tuple(warnings) + tuple(front_matter.warnings),
        line_endings=line_endings,
    )


def parse_bytes(data: bytes, *, path: str, rules: tuple[Rule, ...]) -> AgentFile:
    """Decode and parse one file's bytes; raises UnreadableFile for binary input."""
    text, warnings, style = decode(data)
    return parse_text(text, path=path, rules=rules, data=data, warnings=warnings, line_endings=style)


def _field_drafts(front_matter: FrontMatter) -> list[_Draft]:
    return [
        _Draft(KIND_FIELD, f.start_line, max(f.start_line, f.end_line), heading=f.key,
               heading_path=f"front matter > {f.key}", text=f"{f.key}: {f.text}")
        for f in front_matter.fields
    ]


def _body_drafts(body: str, body_start: int, lines: list[str]) -> list[_Draft]:
    tokens = _MARKDOWN.parse(body)
    title_index = _title_heading_index(tokens)
    drafts: list[_Draft] = []
    stack: list[int] = []  # indexes of open section drafts
    preamble = -1
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.level != 0 or token.map is None:
            index += 1
            continue
        start, end = body_start + token.map[0], body_start + token.map[1] - 1
        if token.type == "heading_open":
            level = int(token.tag[1])
            heading = tokens[index + 1].content.strip() if index + 1 < len(tokens) else ""
            while stack and (drafts[stack[-1]].level >= level or drafts[stack[-1]].heading_path == "\0title"):
                stack.pop()
            is_title = index == title_index
            path = heading if is_title else " > ".join([drafts[i].heading for i in stack] + [heading])
            drafts.append(_Draft(KIND_SECTION, start, end, level=level, heading=heading,
                                 heading_path="\0title" if is_title else path,
                                 parent=stack[-1] if stack else -1))
            stack.append(len(drafts) - 1)
        elif token.type in _LIST_OPEN:
            preamble = _ensure_container(drafts, stack, preamble, start)
            parent = stack[-1] if stack else preamble
            for item in _top_level_items(tokens, index):
                drafts.append(_Draft(KIND_LIST_ITEM, body_start + item[0], body_start + item[1] - 1,
                                     parent=parent))
        elif token.type in _UNIT_TOKENS:
            preamble = _ensure_container(drafts, stack, preamble, start)
            drafts.append(_Draft(_UNIT_TOKENS[token.type], start, end, parent=stack[-1] if stack else preamble))
        index += 1
    _close_containers(drafts, lines)
    return drafts


def _title_heading_index(tokens: list) -> int:
    """Token index of the document title (a lone H1 before all other headings), or -1."""
    headings = [(i, t.tag) for i, t in enumerate(tokens) if t.type == "heading_open" and t.level == 0]
    if headings and headings[0][1] == "h1" and sum(1 for _, tag in headings if tag == "h1") == 1:
        return headings[0][0]
    return -1


def _ensure_container(drafts: list[_Draft], stack: list[int], preamble: int, line: int) -> int:
    """Create the preamble container on the first unit that precedes every heading."""
    if stack or preamble >= 0:
        return preamble
    drafts.append(_Draft(KIND_PREAMBLE, line, line, heading="(preamble)", heading_path="(preamble)"))
    return len(drafts) - 1


def _top_level_items(tokens: list, list_index: int) -> list[tuple[int, int]]:
    """Line spans of the items of the list that opens at ``tokens[list_index]``."""
    spans: list[tuple[int, int]] = []
    depth = tokens[list_index].level + 1
    for index in range(list_index + 1, len(tokens)):  # not tokens[list_index + 1:]: a copy per list is quadratic
        token = tokens[index]
        if token.level < depth:
            break
        if token.type == "list_item_open" and token.level == depth and token.map:
            spans.append((token.map[0], token.map[1]))
    return spans


def _close_containers(drafts: list[_Draft], lines: list[str]) -> None:
    """Extend each section/preamble to its last descendant's line, then trim blank lines."""
    for draft in reversed(drafts):  # children come after parents, so walk backwards
        if draft.parent >= 0:
            parent = drafts[draft.parent]
            parent.end = max(parent.end, draft.end)
    for draft in drafts:
        while draft.end > draft.start and draft.end - 1 < len(lines) and not lines[draft.end - 1].strip():
            draft.end -= 1
        if draft.heading_path == "\0title":
            draft.heading_path = draft.heading
        if not draft.text:
            draft.text = "\n".join(lines[draft.start - 1:draft.end])


def _finish(drafts: list[_Draft], path: str, rules: tuple[Rule, ...]) -> tuple[Block, ...]:
    """Normalise and fingerprint every draft, then freeze them into Blocks.

    A container's normalised text is built from parts already normalised:
    its heading, then each direct child's normalised text in document order.
    Each character is normalised once, not once per enclosing section (half
    the cost), and inline syntax (a code span, emphasis) can never pair up
    across two paragraphs the way it could over the whole span.
    """
    ids = [f"{path}#{ordinal}" for ordinal in range(1, len(drafts) + 1)]
    norms = [normalize(d.text, rules) if d.kind not in _CONTAINERS else "" for d in drafts]
    children: dict[int, list[int]] = {}
    for index, draft in enumerate(drafts):
        if draft.parent >= 0:
            children.setdefault(draft.parent, []).append(index)
    for index in range(len(drafts) - 1, -1, -1):
        draft = drafts[index]
        if draft.kind in _CONTAINERS:
            heading = normalize(draft.heading, rules) if draft.kind == KIND_SECTION else ""
            parts = [heading] + [norms[child] for child in children.get(index, [])]
            norms[index] = " ".join(part for part in parts if part)
    blocks = []
    for ordinal, draft in enumerate(drafts):
        parent = drafts[draft.parent] if draft.parent >= 0 else None
        heading_path = draft.heading_path if draft.kind in (KIND_SECTION, KIND_PREAMBLE, KIND_FIELD) else (
            parent.heading_path if parent else "")
        blocks.append(Block(
            block_id=ids[ordinal], file=path, ordinal=ordinal + 1, kind=draft.kind,
            heading_path=heading_path, heading=draft.heading, level=draft.level,
            start_line=draft.start, end_line=draft.end, text=draft.text, norm=norms[ordinal],
            fingerprint=fingerprint(norms[ordinal]), parent=ids[draft.parent] if draft.parent >= 0 else "",
        ))
    return tuple(blocks)
