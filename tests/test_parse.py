"""Behaviour of analyzer.parse: decoding bytes and cutting Markdown into blocks."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from analyzer.models import (
    CONTAINER_KINDS,
    KIND_CODE,
    KIND_FIELD,
    KIND_LIST_ITEM,
    KIND_PARAGRAPH,
    KIND_PREAMBLE,
    KIND_QUOTE,
    KIND_SECTION,
    KIND_TABLE,
    AgentFile,
)
from analyzer.normalize import active_rules, normalize
from analyzer.parse import UnreadableFile, decode, parse_bytes, parse_text
from analyzer.settings import Settings
from corpora import SEED_000, SEED_001, SEED_002, SEED_003, SEED_004

RULES = active_rules(Settings().rules)
ALL_SEEDS = (SEED_000, SEED_001, SEED_002, SEED_003, SEED_004)


def parse(text: str, path: str = "agent.md") -> AgentFile:
    return parse_text(text, path=path, rules=RULES)


def parse_seed(seeds_dir: Path, name: str) -> AgentFile:
    return parse_bytes((seeds_dir / name).read_bytes(), path=name, rules=RULES)


def sections(agent_file: AgentFile) -> dict[str, tuple[int, int]]:
    return {b.heading_path: (b.start_line, b.end_line) for b in agent_file.blocks if b.kind == KIND_SECTION}


def units_of(agent_file: AgentFile, kind: str) -> list:
    return [b for b in agent_file.blocks if b.kind == kind]


# ------------------------------------------------------------------ decoding


def test_utf8_byte_order_mark_is_dropped_without_warning():
    text, warnings, style = decode(codecs.BOM_UTF8 + "# Agent\n".encode("utf-8"))
    assert (text, warnings, style) == ("# Agent\n", (), "lf")


def test_utf8_bom_file_parses_like_the_same_file_without_bom():
    body = "---\nname: reviewer\n---\n\n# Reviewer\n\nReviews code.\n"
    with_bom = parse_bytes(codecs.BOM_UTF8 + body.encode("utf-8"), path="a.md", rules=RULES)
    without = parse_bytes(body.encode("utf-8"), path="a.md", rules=RULES)
    assert with_bom.name == "reviewer"
    assert [b.fingerprint for b in with_bom.blocks] == [b.fingerprint for b in without.blocks]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_byte_order_mark_is_decoded_with_a_warning(encoding):
    source = "# Café agent\n\nRésumé writer.\n"
    bom = {"utf-16": b"", "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}[encoding]
    text, warnings, style = decode(bom + source.encode(encoding))
    assert text == source
    assert style == "lf"
    assert warnings == ("decoded as UTF-16 (byte-order mark)",)


def test_invalid_utf8_is_replaced_and_warned_not_dropped():
    text, warnings, _ = decode(b"# Agent\n\nBad byte \xff here.\n")
    assert text == "# Agent\n\nBad byte \ufffd here.\n"
    assert len(warnings) == 1
    assert "not valid UTF-8" in warnings[0] and "offset 18" in warnings[0]


def test_invalid_utf8_warning_reaches_the_parsed_file():
    agent_file = parse_bytes(b"# Agent\n\ncaf\xe9\n", path="a.md", rules=RULES)
    assert any("not valid UTF-8" in warning for warning in agent_file.warnings)
    assert any("\ufffd" in block.text for block in agent_file.blocks)


def test_nul_byte_means_binary_file():
    with pytest.raises(UnreadableFile, match="NUL byte at offset 3"):
        decode(b"abc\x00def")


def test_nul_character_in_utf16_text_is_refused():
    with pytest.raises(UnreadableFile, match="NUL"):
        decode(codecs.BOM_UTF16_LE + "a\x00b".encode("utf-16-le"))


def test_parse_bytes_raises_unreadable_for_binary_input():
    with pytest.raises(UnreadableFile):
        parse_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", path="image.md", rules=RULES)


@pytest.mark.parametrize(
    "data, style",
    [
        (b"# A\r\n\r\nText\r\n", "crlf"),
        (b"# A\n\nText\n", "lf"),
        (b"# A\r\n\nText\n", "mixed"),
        (b"# A\r\rText\r", "cr"),
    ],
)
def test_line_endings_become_lf_and_the_original_style_is_reported(data, style):
    text, _, reported = decode(data)
    assert text == "# A\n\nText\n"
    assert reported == style


def test_crlf_file_has_the_same_blocks_and_line_numbers_as_its_lf_copy():
    lf = "---\nname: a\n---\n\n# Title\n\nIntro.\n\n## Steps\n\n- one\n- two\n"
    crlf = parse_bytes(lf.replace("\n", "\r\n").encode(), path="a.md", rules=RULES)
    plain = parse_bytes(lf.encode(), path="a.md", rules=RULES)
    assert crlf.line_endings == "crlf" and plain.line_endings == "lf"
    assert [(b.kind, b.start_line, b.end_line, b.fingerprint) for b in crlf.blocks] == [
        (b.kind, b.start_line, b.end_line, b.fingerprint) for b in plain.blocks
    ]
    assert crlf.sha256 != plain.sha256


def test_bytes_and_sha256_describe_the_raw_file():
    import hashlib

    data = "# Ünïcode\r\n".encode("utf-8")
    agent_file = parse_bytes(data, path="a.md", rules=RULES)
    assert agent_file.bytes == len(data)
    assert agent_file.sha256 == hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ front matter fields


def test_front_matter_fields_become_field_blocks_on_their_lines():
    agent_file = parse("---\nname: reviewer\ndescription: >\n  Reviews code\n  carefully\nmodel: opus\n---\n\nBody.\n")
    fields = [(b.heading, b.heading_path, b.start_line, b.end_line) for b in units_of(agent_file, KIND_FIELD)]
    assert fields == [
        ("name", "front matter > name", 2, 2),
        ("description", "front matter > description", 3, 5),
        ("model", "front matter > model", 6, 6),
    ]
    assert agent_file.name == "reviewer"
    assert agent_file.fm_method == "yaml"


def test_field_block_text_carries_its_key_so_keys_are_compared_too():
    agent_file = parse("---\nname: reviewer\n---\n")
    (field,) = units_of(agent_file, KIND_FIELD)
    assert field.text == "name: reviewer"
    assert field.parent == ""


def test_seed_000_front_matter_fields_and_their_lines(seeds_dir):
    # Read from the file: name on line 2 ... 'sections:' opens on line 6 and its
    # last nested line is 32; 'variables:' runs from 33 to 49; '---' closes on 50.
    agent_file = parse_seed(seeds_dir, SEED_000)
    spans = {b.heading: (b.start_line, b.end_line) for b in units_of(agent_file, KIND_FIELD)}
    assert spans == {
        "name": (2, 2),
        "description": (3, 3),
        "role": (4, 4),
        "workflow_phase": (5, 5),
        "sections": (6, 32),
        "variables": (33, 49),
    }


def test_file_without_front_matter_has_no_fields_and_no_name():
    agent_file = parse("# Go agent\n\nYou write Go.\n")
    assert units_of(agent_file, KIND_FIELD) == []
    assert (agent_file.name, agent_file.fm_method) == ("", "none")


# ------------------------------------------------------------------ sections


def test_seed_000_sections_have_heading_paths_and_line_spans(seeds_dir):
    # Lines read from the seed: '## Production Standards' is line 140, its
    # three '###' subsections start at 141, 148 and 155 and the last list item
    # of the third is line 160; '## Code Quality Standards' opens on 162.
    found = sections(parse_seed(seeds_dir, SEED_000))
    assert found["Production Standards"] == (140, 160)
    assert found["Production Standards > Security Implementation"] == (141, 146)
    assert found["Production Standards > Performance & Scalability"] == (148, 153)
    assert found["Production Standards > Reliability & Monitoring"] == (155, 160)
    assert found["Input Expectations > Technical Architecture Documentation"] == (91, 96)
    assert found["Output Standards"] == (193, 202)


def test_lone_h1_title_does_not_prefix_other_heading_paths(seeds_dir):
    # Seed 000 has exactly one H1 ('# Senior Backend Engineer', line 52) before its H2s.
    agent_file = parse_seed(seeds_dir, SEED_000)
    title = next(b for b in agent_file.blocks if b.kind == KIND_SECTION and b.level == 1)
    assert (title.heading_path, title.start_line, title.end_line) == ("Senior Backend Engineer", 52, 54)
    others = [b for b in agent_file.blocks if b.kind == KIND_SECTION and b is not title]
    assert others and all(not b.heading_path.startswith("Senior Backend Engineer") for b in others)
    assert all(b.parent != title.block_id for b in others)


def test_title_section_holds_only_the_text_before_the_next_heading():
    agent_file = parse("# Title\n\nIntro line.\n\n## Role\n\nYou review.\n")
    assert sections(agent_file) == {"Title": (1, 3), "Role": (5, 7)}
    intro, role_text = units_of(agent_file, KIND_PARAGRAPH)
    assert intro.heading_path == "Title" and role_text.heading_path == "Role"


def test_copy_without_title_shares_heading_paths_with_its_original(seeds_dir):
    # Seed 001 has no H1; seed 000 has a lone H1 title. Their shared sections
    # must have the same heading paths so that the copy can be lined up.
    with_title = set(sections(parse_seed(seeds_dir, SEED_000)))
    without_title = set(sections(parse_seed(seeds_dir, SEED_001)))
    assert "Production Standards > Security Implementation" in with_title & without_title
    assert "Core Philosophy" in with_title & without_title


def test_two_h1_headings_are_ordinary_sections_that_prefix_paths():
    agent_file = parse("# One\n\n## A\n\ntext a\n\n# Two\n\n## B\n\ntext b\n")
    assert sections(agent_file) == {"One": (1, 5), "One > A": (3, 5), "Two": (7, 11), "Two > B": (9, 11)}


def test_h1_after_another_heading_is_not_a_title():
    agent_file = parse("## Before\n\nx\n\n# Late\n\n## Inside\n\ny\n")
    assert sections(agent_file) == {"Before": (1, 3), "Late": (5, 9), "Late > Inside": (7, 9)}


def test_section_ends_at_next_heading_of_same_or_higher_level():
    agent_file = parse("## A\n\na\n\n### A1\n\na1\n\n#### A1x\n\ndeep\n\n## B\n\nb\n")
    assert sections(agent_file) == {"A": (1, 11), "A > A1": (5, 11), "A > A1 > A1x": (9, 11), "B": (13, 15)}


def test_trailing_blank_lines_are_not_part_of_a_section():
    agent_file = parse("## A\n\ntext\n\n\n\n## B\n\nmore\n\n\n")
    assert sections(agent_file) == {"A": (1, 3), "B": (7, 9)}


def test_heading_inside_code_fence_is_not_a_section(seeds_dir):
    # Seed 004, lines 112-122: a ```bash fence whose lines start with '# 1. Update
    # schema.prisma', '# 2. Create migration', ... under '### Prisma Migration Workflow'.
    agent_file = parse_seed(seeds_dir, SEED_004)
    headings = [b.heading for b in agent_file.blocks if b.kind == KIND_SECTION]
    assert "Prisma Migration Workflow" in headings
    assert not [h for h in headings if h.startswith(("1. Update", "2. Create", "3. Verify", "4. Document"))]
    fence = next(b for b in units_of(agent_file, KIND_CODE) if "schema.prisma" in b.text)
    assert (fence.start_line, fence.end_line) == (112, 122)
    assert fence.heading_path == "Database Migration Management > Prisma Migration Workflow"


def test_heading_inside_list_item_or_blockquote_does_not_open_a_section():
    agent_file = parse("## Real\n\n- item\n\n  # not a section\n\n> # quoted heading\n")
    assert list(sections(agent_file)) == ["Real"]


def test_setext_headings_are_sections_and_a_lone_setext_h1_is_the_title():
    agent_file = parse("Title\n=====\n\nText.\n\nPart\n----\n\nMore.\n")
    assert sections(agent_file) == {"Title": (1, 4), "Part": (6, 9)}


# ------------------------------------------------------------------ units


def test_each_top_level_list_item_is_one_unit():
    agent_file = parse("## Steps\n\n- first\n- second\n- third\n")
    items = units_of(agent_file, KIND_LIST_ITEM)
    assert [(b.text, b.start_line) for b in items] == [("- first", 3), ("- second", 4), ("- third", 5)]


def test_nested_list_stays_inside_its_item():
    agent_file = parse("- parent\n  - child one\n  - child two\n- sibling\n")
    items = units_of(agent_file, KIND_LIST_ITEM)
    assert [(b.start_line, b.end_line) for b in items] == [(1, 3), (4, 4)]
    assert "child two" in items[0].text


def test_ordered_list_items_are_units_too():
    agent_file = parse("1. Analyze\n2. Build\n")
    assert [b.text for b in units_of(agent_file, KIND_LIST_ITEM)] == ["1. Analyze", "2. Build"]


def test_paragraph_code_table_and_quote_are_one_unit_each():
    text = ("## S\n\nA paragraph\nover two lines.\n\n```py\nx = 1\n```\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n> quoted\n> text\n")
    agent_file = parse(text)
    spans = [(b.kind, b.start_line, b.end_line) for b in agent_file.units]
    assert spans == [(KIND_PARAGRAPH, 3, 4), (KIND_CODE, 6, 8), (KIND_TABLE, 10, 12), (KIND_QUOTE, 14, 15)]


def test_text_before_first_heading_is_in_a_preamble():
    agent_file = parse("---\nname: a\n---\n\nIntro paragraph.\n\n- a point\n\n## Section\n\nbody\n")
    (preamble,) = [b for b in agent_file.blocks if b.kind == KIND_PREAMBLE]
    assert (preamble.heading_path, preamble.start_line, preamble.end_line) == ("(preamble)", 5, 7)
    before = [b for b in agent_file.units if b.parent == preamble.block_id]
    assert [b.kind for b in before] == [KIND_PARAGRAPH, KIND_LIST_ITEM]
    assert all(b.heading_path == "(preamble)" for b in before)


def test_seed_001_opening_paragraph_is_its_preamble(seeds_dir):
    # Seed 001 has no title: line 7 'You are an expert Senior Backend Engineer...'
    # comes before '## Core Philosophy' on line 9.
    agent_file = parse_seed(seeds_dir, SEED_001)
    (preamble,) = [b for b in agent_file.blocks if b.kind == KIND_PREAMBLE]
    assert (preamble.start_line, preamble.end_line) == (7, 7)
    (unit,) = [b for b in agent_file.units if b.parent == preamble.block_id]
    assert unit.text.startswith("You are an expert Senior Backend Engineer")


def test_file_without_headings_is_one_preamble_holding_every_unit():
    agent_file = parse("First.\n\nSecond.\n")
    containers = [b for b in agent_file.blocks if b.kind in CONTAINER_KINDS]
    assert [(b.kind, b.start_line, b.end_line) for b in containers] == [(KIND_PREAMBLE, 1, 3)]


def test_units_carry_their_sections_heading_path():
    agent_file = parse("## Outer\n\n### Inner\n\n- point\n")
    (item,) = units_of(agent_file, KIND_LIST_ITEM)
    assert item.heading_path == "Outer > Inner"


def test_block_ids_are_path_and_ordinal_in_document_order():
    agent_file = parse("---\nname: a\n---\n# T\n\nx\n", path="dir/agent.md")
    assert [b.block_id for b in agent_file.blocks] == ["dir/agent.md#1", "dir/agent.md#2", "dir/agent.md#3"]
    assert [b.ordinal for b in agent_file.blocks] == [1, 2, 3]


def test_empty_file_has_no_blocks():
    agent_file = parse("")
    assert agent_file.blocks == ()


# ------------------------------------------------------------------ structural invariants on the seeds


@pytest.mark.parametrize("seed", ALL_SEEDS)
def test_every_unit_parent_is_an_existing_container(seeds_dir, seed):
    agent_file = parse_seed(seeds_dir, seed)
    by_id = {b.block_id: b for b in agent_file.blocks}
    for block in agent_file.units:
        if block.kind == KIND_FIELD:
            assert block.parent == ""
            continue
        assert block.parent in by_id, block.block_id
        parent = by_id[block.parent]
        assert parent.kind in CONTAINER_KINDS
        assert parent.start_line <= block.start_line <= block.end_line <= parent.end_line


@pytest.mark.parametrize("seed", ALL_SEEDS)
def test_subsections_nest_inside_their_parent_section(seeds_dir, seed):
    agent_file = parse_seed(seeds_dir, seed)
    by_id = {b.block_id: b for b in agent_file.blocks}
    for block in agent_file.blocks:
        if block.kind == KIND_SECTION and block.parent:
            parent = by_id[block.parent]
            assert parent.kind == KIND_SECTION and parent.level < block.level
            assert block.heading_path == f"{parent.heading_path} > {block.heading}"
            assert parent.start_line < block.start_line <= block.end_line <= parent.end_line


@pytest.mark.parametrize("seed", ALL_SEEDS)
def test_line_spans_are_within_the_file(seeds_dir, seed):
    data = (seeds_dir / seed).read_bytes()
    line_count = len(data.decode("utf-8").split("\n"))
    agent_file = parse_bytes(data, path=seed, rules=RULES)
    assert agent_file.blocks
    for block in agent_file.blocks:
        assert 1 <= block.start_line <= block.end_line <= line_count, block.block_id


@pytest.mark.parametrize("seed", ALL_SEEDS)
def test_section_starts_on_the_line_of_its_heading(seeds_dir, seed):
    lines = (seeds_dir / seed).read_text(encoding="utf-8").split("\n")
    agent_file = parse_seed(seeds_dir, seed)
    for block in agent_file.blocks:
        if block.kind == KIND_SECTION:
            line = lines[block.start_line - 1]
            assert line.startswith("#") and line.lstrip("#").strip() == block.heading


def test_seed_003_fenced_json_with_braces_is_code_not_sections(seeds_dir):
    # Seed 003 lines 168-177 and 180-188 are ```json fences under '### Success
    # Response' and '### Error Response'.
    agent_file = parse_seed(seeds_dir, SEED_003)
    fences = [(b.start_line, b.end_line, b.heading_path) for b in units_of(agent_file, KIND_CODE)]
    assert (168, 177, "Response Format Standards > Success Response") in fences
    assert (180, 188, "Response Format Standards > Error Response") in fences


def test_seed_002_lone_h1_is_its_title(seeds_dir):
    # 002 opens with '# Senior Backend Engineer Agent' (line 6), its only H1.
    found = sections(parse_seed(seeds_dir, SEED_002))
    assert found["Senior Backend Engineer Agent"] == (6, 8)
    assert "Core Philosophy" in found


@pytest.mark.parametrize("seed", ALL_SEEDS)
def test_section_norm_is_its_heading_then_its_childrens_norms(seeds_dir, seed):
    # Containers compose their norm from their children's (each character normalised once); an inline
    # code span or emphasis can then never pair across two paragraphs, as it could over the whole span.
    agent_file = parse_seed(seeds_dir, seed)
    for block in agent_file.blocks:
        if block.kind in CONTAINER_KINDS:
            children = [b.norm for b in agent_file.blocks if b.parent == block.block_id]
            heading = [normalize(block.heading, RULES)] if block.kind == "section" else []
            assert block.norm == " ".join(p for p in heading + children if p), block.heading_path
            assert set(block.norm.split()) <= set(normalize(block.text, RULES).split()) | set(
                " ".join(children).split()), block.heading_path
