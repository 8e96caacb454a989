"""Hypothesis fuzz target: front-matter reader + decoder + parser + normaliser never raise.

Inputs mix arbitrary bytes with front-matter-shaped text (delimiters, key
lines, YAML indicators, aliases, tags, brackets) so the generator reaches the
YAML and tolerant paths, not just "no front matter". Bounded by
``max_examples``; no deadline (the bound on time is the suite's runtime).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.frontmatter import split_front_matter
from analyzer.normalize import active_rules, normalize
from analyzer.parse import UnreadableFile, parse_bytes, parse_text
from analyzer.settings import Settings

RULES = active_rules(Settings().rules)

_PIECES = st.sampled_from([
    "---", "...", "----------", "name: x", "tools: [Read, Grep]", "globs: **/*", "a: &x [1, 2]", "b: *x",
    "c: !!python/object/apply:os.system [ls]", "d: |", "  literal", "e: >", "- item", "  - nested", "key:",
    "Examples:", "<example>", "</example>", "# Heading", "## Sub", "```", "~~~", "> quote", "| a | b |",
    "|---|---|", "{{ slot }}", "[[[", "]]]", "{a: {b: {c: 1}}}", "\t", "\ufeff", "\u200d", "日本語", "\r", "",
    "`code`", "**bold**", "_em_", "![img](x)", "[link](javascript:x)", "<script>", "%YAML 1.2", "? complex",
])
_LINES = st.lists(st.one_of(_PIECES, st.text(max_size=30)), max_size=25).map("\n".join)
_FUZZ = settings(max_examples=300, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@_FUZZ
@given(_LINES)
def test_front_matter_reader_never_raises_and_body_is_a_suffix(text):
    front_matter, body, body_line = split_front_matter(text)
    assert text.endswith(body)
    assert body_line >= 1 and front_matter.method in ("yaml", "tolerant", "none")
    for field in front_matter.fields:
        assert 1 <= field.start_line <= field.end_line and isinstance(field.text, str)


@_FUZZ
@given(st.one_of(_LINES, st.text(max_size=400)))
def test_parser_never_raises_and_blocks_stay_inside_the_file(text):
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parsed = parse_text(text, path="fuzz.md", rules=RULES)
    line_count = text.count("\n") + 1
    for block in parsed.blocks:
        assert 1 <= block.start_line <= block.end_line <= line_count, block
        assert normalize(block.norm, RULES) == block.norm


@_FUZZ
@given(st.one_of(st.binary(max_size=300), _LINES.map(lambda t: t.encode("utf-8", "surrogatepass")),
                 _LINES.map(lambda t: t.encode("utf-16"))))
def test_decoder_and_parser_take_any_bytes_or_refuse_with_a_reason(data):
    try:
        parsed = parse_bytes(data, path="fuzz.md", rules=RULES)
    except UnreadableFile as error:
        assert str(error)
        return
    assert parsed.bytes == len(data)


@_FUZZ
@given(st.one_of(_LINES, st.text(max_size=200)))
def test_normalisation_is_idempotent(text):
    once = normalize(text, RULES)
    assert normalize(once, RULES) == once
