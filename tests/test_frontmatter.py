"""Behaviour of analyzer.frontmatter: locating, reading and bounding front matter."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer import frontmatter
from analyzer.frontmatter import (
    MAX_YAML_CHARS,
    MAX_YAML_DEPTH,
    FrontMatter,
    get_field,
    split_front_matter,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus-public"
SEEDS = SHARED / "seeds"


def read_shared(path: Path) -> str:
    """Read a shared corpus file as the analyzer would, or skip when it is absent."""
    if not path.is_file():
        pytest.skip(f"{path} is not available (../shared is absent)")
    return path.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n")


def fields_by_key(front_matter: FrontMatter) -> dict[str, object]:
    return {field.key: field.value for field in front_matter.fields}


def text_of(front_matter: FrontMatter, key: str) -> str:
    field = get_field(front_matter, key)
    assert field is not None, f"no field {key!r} in {front_matter}"
    return field.text


# ------------------------------------------------------------------ locating


def test_valid_yaml_front_matter_is_read_with_yaml():
    front_matter, body, body_line = split_front_matter(
        "---\nname: reviewer\ndescription: Reviews code\nmodel: sonnet\n---\n# Reviewer\n"
    )
    assert front_matter.method == "yaml"
    assert front_matter.warnings == ()
    assert fields_by_key(front_matter) == {"name": "reviewer", "description": "Reviews code", "model": "sonnet"}
    assert (front_matter.start_line, front_matter.end_line) == (1, 5)
    assert (body, body_line) == ("# Reviewer\n", 6)


def test_field_lines_are_document_lines():
    front_matter, _, _ = split_front_matter("---\nname: a\ndescription: b\n---\n")
    assert [(f.key, f.start_line, f.end_line) for f in front_matter.fields] == [
        ("name", 2, 2),
        ("description", 3, 3),
    ]


def test_multi_line_values_span_their_lines_without_trailing_blanks_or_comments():
    text = "---\ntools:\n  - Read\n  - Grep\ndescription: |\n  one\n  two\n\n# note\nmodel: opus\n---\n"
    front_matter, _, _ = split_front_matter(text)
    spans = {f.key: (f.start_line, f.end_line) for f in front_matter.fields}
    assert spans == {"tools": (2, 4), "description": (5, 7), "model": (10, 10)}
    assert text_of(front_matter, "description") == "one\ntwo\n"


@pytest.mark.parametrize(
    "value, end_line",
    [
        (" |\n  one\n  two", 4),
        (" >-\n  one\n  two", 4),
        ("\n  - a\n  - b", 4),
        ("\n  k: v", 3),
        (" [a,\n  b]", 3),
        (" ''", 2),
    ],
)
def test_last_field_ends_on_its_last_line(value, end_line):
    front_matter, _, _ = split_front_matter(f"---\nkey:{value}\n---\n")
    assert front_matter.method == "yaml"
    assert (front_matter.fields[-1].start_line, front_matter.fields[-1].end_line) == (2, end_line)


def test_document_without_front_matter_is_all_body():
    text = "# Go Agent\n\nYou write Go.\n"
    front_matter, body, body_line = split_front_matter(text)
    assert front_matter == FrontMatter((), 0, 0, "none", ())
    assert (body, body_line) == (text, 1)


def test_empty_document_has_no_front_matter():
    front_matter, body, body_line = split_front_matter("")
    assert (front_matter.method, body, body_line) == ("none", "", 1)


@pytest.mark.parametrize("text", ["---\nname: x\n---\n", "---\nname: x\n---"])
def test_document_that_is_only_front_matter_has_empty_body(text):
    front_matter, body, body_line = split_front_matter(text)
    assert text_of(front_matter, "name") == "x"
    assert (body, body_line) == ("", 4)


def test_unclosed_opening_delimiter_is_a_thematic_break_with_warning():
    text = "---\nname: x\n\nSome prose.\n"
    front_matter, body, body_line = split_front_matter(text)
    assert front_matter.method == "none"
    assert front_matter.warnings == ("front matter opened on line 1 is never closed; read as Markdown",)
    assert (body, body_line) == (text, 1)


def test_empty_front_matter_block_has_no_fields_and_no_warning():
    front_matter, body, body_line = split_front_matter("---\n---\nBody\n")
    assert (front_matter.method, front_matter.fields, front_matter.warnings) == ("yaml", (), ())
    assert (front_matter.start_line, front_matter.end_line) == (1, 2)
    assert (body, body_line) == ("Body\n", 3)


def test_long_dash_line_closes_front_matter_with_warning():
    text = "---\n\nname: frontend-developer\ntools: LS, Read\n" + "-" * 37 + "\n\n# Frontend\n"
    front_matter, body, body_line = split_front_matter(text)
    assert front_matter.method == "yaml"
    assert text_of(front_matter, "name") == "frontend-developer"
    assert front_matter.end_line == 5
    assert front_matter.warnings == (
        "front matter opened on line 1 is closed by a line of 37 dashes on line 5, not by '---'; "
        "read up to it, but other tools may not",
    )
    assert (body, body_line) == ("\n# Frontend\n", 6)


def test_long_dash_line_does_not_open_front_matter():
    text = "-----\nname: x\n---\nBody\n"
    front_matter, body, _ = split_front_matter(text)
    assert front_matter.method == "none"
    assert body == text


def test_yaml_document_end_marker_closes_front_matter():
    front_matter, body, body_line = split_front_matter("---\nname: x\n...\nBody\n")
    assert (front_matter.method, text_of(front_matter, "name"), front_matter.warnings) == ("yaml", "x", ())
    assert (body, body_line) == ("Body\n", 4)


def test_dashes_inside_an_indented_block_value_do_not_close_front_matter():
    front_matter, body, _ = split_front_matter("---\ndescription: |\n  above\n  ---\n  below\n---\nBody")
    assert text_of(front_matter, "description") == "above\n---\nbelow\n"
    assert body == "Body"


def test_front_matter_after_leading_blank_lines_is_read_with_warning():
    text = "\n\n\n\n---\ndescription: Review an API migration\n---\n\n## Context\n"
    front_matter, body, body_line = split_front_matter(text)
    assert front_matter.method == "yaml"
    assert (front_matter.start_line, front_matter.end_line) == (5, 7)
    field = get_field(front_matter, "description")
    assert (field.start_line, field.end_line) == (6, 6)
    assert front_matter.warnings == (
        "front matter starts on line 5, after 4 blank line(s); "
        "read anyway, but many tools only read front matter that starts on line 1",
    )
    assert (body, body_line) == ("\n## Context\n", 8)


def test_indented_front_matter_is_dedented_and_read_with_warning():
    text = "\n    ---\n    name: sqs-expert\n    description: Amazon SQS. \n    ---\n    \n    ## Focus Areas\n"
    front_matter, body, body_line = split_front_matter(text)
    assert front_matter.method == "yaml"
    assert fields_by_key(front_matter) == {"name": "sqs-expert", "description": "Amazon SQS."}
    assert get_field(front_matter, "name").start_line == 3
    assert any("indented by 4 characters" in warning for warning in front_matter.warnings)
    assert any("after 1 blank line(s)" in warning for warning in front_matter.warnings)
    assert (body, body_line) == ("    \n    ## Focus Areas\n", 6)


def test_indented_code_block_with_dashes_is_not_front_matter():
    text = "\n    ---\n    print('hello')\n    ---\n"
    front_matter, body, _ = split_front_matter(text)
    assert (front_matter.method, front_matter.warnings, body) == ("none", (), text)


def test_thematic_breaks_after_blank_lines_are_not_front_matter():
    text = "\n---\nJust a paragraph between two rules.\n---\n"
    front_matter, body, _ = split_front_matter(text)
    assert (front_matter.method, front_matter.warnings, body) == ("none", (), text)


def test_text_before_the_opening_delimiter_means_no_front_matter():
    text = "# Title\n---\nname: x\n---\n"
    front_matter, body, _ = split_front_matter(text)
    assert (front_matter.method, body) == ("none", text)


# -------------------------------------------------------------- YAML values


def test_tools_as_comma_string_and_as_yaml_list_have_the_same_text():
    as_string, _, _ = split_front_matter("---\ntools: Read, Grep, Bash\n---\n")
    as_list, _, _ = split_front_matter("---\ntools: [Read, Grep, Bash]\n---\n")
    as_block, _, _ = split_front_matter("---\ntools:\n  - Read\n  - Grep\n  - Bash\n---\n")
    assert get_field(as_string, "tools").value == "Read, Grep, Bash"
    assert get_field(as_list, "tools").value == ["Read", "Grep", "Bash"]
    assert text_of(as_string, "tools") == text_of(as_list, "tools") == text_of(as_block, "tools") == "Read, Grep, Bash"


def test_dates_and_datetimes_become_iso_strings():
    front_matter, _, _ = split_front_matter("---\ndate_added: 2026-02-27\nupdated: 2024-01-02 10:30:00Z\n---\n")
    assert fields_by_key(front_matter) == {"date_added": "2026-02-27", "updated": "2024-01-02T10:30:00+00:00"}


def test_non_string_keys_become_strings():
    front_matter, _, _ = split_front_matter("---\n1: one\n2.5: two\nnull: three\n---\n")
    assert [field.key for field in front_matter.fields] == ["1", "2.5", "None"]


def test_scalar_texts_are_written_as_in_yaml():
    front_matter, _, _ = split_front_matter("---\nalwaysApply: false\ntemperature: 0.2\nmax_turns: 5\nhint:\n---\n")
    assert [(f.value, f.text) for f in front_matter.fields] == [(False, "false"), (0.2, "0.2"), (5, "5"), (None, "")]


def test_nested_data_text_is_compact_json_in_source_order():
    text = "---\nmetadata:\n  zeta: 1\n  alpha: [x, {when: 2024-05-01}]\n---\n"
    front_matter, _, _ = split_front_matter(text)
    field = get_field(front_matter, "metadata")
    assert field.value == {"zeta": 1, "alpha": ["x", {"when": "2024-05-01"}]}
    assert field.text == '{"zeta": 1, "alpha": ["x", {"when": "2024-05-01"}]}'
    assert split_front_matter(text)[0] == front_matter


def test_list_of_mappings_text_joins_json_items():
    front_matter, _, _ = split_front_matter("---\nhandoffs:\n  - label: Plan\n    agent: planner\n  - Review\n---\n")
    assert text_of(front_matter, "handoffs") == '{"label": "Plan", "agent": "planner"}, Review'


def test_duplicate_keys_are_all_kept_in_order_and_warned():
    text = "---\ncategory: quality\nrisk: safe\ncategory: planning\nname: Plan\n---\n"
    front_matter, _, _ = split_front_matter(text)
    assert front_matter.method == "yaml"
    assert [(f.key, f.value, f.start_line) for f in front_matter.fields] == [
        ("category", "quality", 2),
        ("risk", "safe", 3),
        ("category", "planning", 4),
        ("name", "Plan", 5),
    ]
    assert get_field(front_matter, "category").value == "planning"
    assert front_matter.warnings == (
        "front matter key 'category' appears 2 times (lines 2, 4); "
        "every occurrence is kept, but YAML keeps only the last: remove the others",
    )


def test_get_field_is_case_sensitive_and_returns_none_when_missing():
    front_matter, _, _ = split_front_matter("---\nName: x\n---\n")
    assert get_field(front_matter, "Name").value == "x"
    assert get_field(front_matter, "name") is None


def test_explicit_key_overrides_a_merged_key():
    front_matter, _, _ = split_front_matter("---\nbase: &b {model: haiku, color: red}\n<<: *b\nmodel: opus\n---\n")
    assert front_matter.method == "yaml"
    assert [(f.key, f.value) for f in front_matter.fields] == [
        ("color", "red"),
        ("base", {"model": "haiku", "color": "red"}),
        ("model", "opus"),
    ]
    assert front_matter.warnings == ()


# ------------------------------------------------------------ tolerant reader


def test_unquoted_glob_falls_back_to_key_value_lines_with_warning():
    text = '---\ndescription: "Cursor rules for TypeScript"\nglobs: **/*\nalwaysApply: false\n---\nBody\n'
    front_matter, body, _ = split_front_matter(text)
    assert front_matter.method == "tolerant"
    assert fields_by_key(front_matter) == {
        "description": "Cursor rules for TypeScript",
        "globs": "**/*",
        "alwaysApply": False,
    }
    assert front_matter.warnings == (
        "front matter is not valid YAML (expected alphabetic or numeric character, but found '*', line 3); "
        "read as plain key: value lines instead",
    )
    assert body == "Body\n"


def test_glob_alias_at_end_of_value_is_kept_as_text():
    front_matter, _, _ = split_front_matter("---\nglobs: *.ts\n---\n")
    assert (front_matter.method, text_of(front_matter, "globs")) == ("tolerant", "*.ts")


def test_argument_hint_with_pipes_is_kept_as_text():
    text = "---\nallowed-tools: Bash, Read\nargument-hint: [--skip-install] | [--only-lint]\ndescription: Run CI\n---\n"
    front_matter, _, _ = split_front_matter(text)
    assert front_matter.method == "tolerant"
    assert text_of(front_matter, "argument-hint") == "[--skip-install] | [--only-lint]"
    assert text_of(front_matter, "allowed-tools") == "Bash, Read"
    assert "line 3" in front_matter.warnings[0]


def test_description_containing_colon_space_is_kept_whole():
    text = "---\nname: admin\ndescription: Use for healthcare: revenue cycle, HIPAA: audits\nmodel: gpt-5.4\n---\n"
    front_matter, _, _ = split_front_matter(text)
    assert front_matter.method == "tolerant"
    assert text_of(front_matter, "description") == "Use for healthcare: revenue cycle, HIPAA: audits"
    assert "mapping values are not allowed here, line 3" in front_matter.warnings[0]


def test_multi_line_description_with_examples_stays_one_field():
    text = (
        "---\n"
        "name: senior-backend-engineer\n"
        "description: Use this agent for MCP tools.\n"
        "\n"
        "Examples:\n"
        "<example>\n"
        "Context: User needs a new MCP tool.\n"
        'user: "Implement analyze_task_patterns."\n'
        "assistant: \"I'll use the senior-backend-engineer agent.\"\n"
        "<commentary>\n"
        "Since the user needs a tool, use the agent.\n"
        "</commentary>\n"
        "</example>\n"
        "model: opus\n"
        "color: blue\n"
        "---\n"
    )
    front_matter, _, _ = split_front_matter(text)
    assert front_matter.method == "tolerant"
    assert [(f.key, f.start_line, f.end_line) for f in front_matter.fields] == [
        ("name", 2, 2),
        ("description", 3, 13),
        ("model", 14, 14),
        ("color", 15, 15),
    ]
    description = text_of(front_matter, "description")
    assert description.startswith("Use this agent for MCP tools.\nExamples: <example> Context: User needs")
    assert description.endswith("</commentary> </example>")


def test_unclosed_example_does_not_swallow_the_following_fields():
    text = "---\ndescription: Examples: <example>\nContext: x\nmodel: opus\n---\n"
    front_matter, _, _ = split_front_matter(text)
    assert [field.key for field in front_matter.fields] == ["description", "Context", "model"]


def test_lowercase_key_without_value_followed_by_prose_is_still_a_field():
    text = "---\nname: x\ndescription:\nUse this agent always.\nmodel: opus\n---\n"
    front_matter, _, _ = split_front_matter(text)
    assert front_matter.method == "tolerant"
    assert fields_by_key(front_matter) == {"name": "x", "description": "Use this agent always.", "model": "opus"}


def test_tolerant_reader_reads_dash_item_block_as_list():
    text = "---\nglobs:\n  - *.ts\n  - **/*.tsx\ndescription: bad: yaml\n---\n"
    front_matter, _, _ = split_front_matter(text)
    assert front_matter.method == "tolerant"
    field = get_field(front_matter, "globs")
    assert (field.value, field.text, field.start_line, field.end_line) == (["*.ts", "**/*.tsx"], "*.ts, **/*.tsx", 2, 4)


def test_tolerant_reader_reads_flow_list_that_is_valid_yaml_on_its_own():
    text = "---\ntools: [Read, Grep]\nglobs: **/*\n---\n"
    front_matter, _, _ = split_front_matter(text)
    assert front_matter.method == "tolerant"
    assert get_field(front_matter, "tools").value == ["Read", "Grep"]


def test_tolerant_reader_folds_continuation_lines_like_yaml():
    text = "---\ndescription: first line: here\n  second line\n\n  new paragraph\nglobs: *\n---\n"
    front_matter, _, _ = split_front_matter(text)
    assert text_of(front_matter, "description") == "first line: here second line\nnew paragraph"
    assert get_field(front_matter, "description").end_line == 5


def test_tolerant_reader_warns_about_duplicate_keys():
    front_matter, _, _ = split_front_matter("---\nglobs: *.ts\nglobs: *.js\n---\n")
    assert [field.value for field in front_matter.fields] == ["*.ts", "*.js"]
    assert "front matter key 'globs' appears 2 times (lines 2, 3)" in front_matter.warnings[1]


def test_yaml_list_instead_of_mapping_falls_back_with_warning():
    front_matter, body, _ = split_front_matter("---\n- a\n- b\n---\nBody")
    assert (front_matter.method, front_matter.fields, body) == ("tolerant", (), "Body")
    assert front_matter.warnings[0] == (
        "front matter is not a YAML mapping (it is a list, not key: value pairs, line 2); "
        "read as plain key: value lines instead"
    )


def test_yaml_scalar_instead_of_mapping_falls_back_with_warning():
    front_matter, _, _ = split_front_matter("---\njust some words\nname: x\n---\n")
    assert front_matter.method == "tolerant"
    assert fields_by_key(front_matter) == {"name": "x"}
    assert "not key: value lines and come before the first key" in front_matter.warnings[-1]


# ------------------------------------------------------------- hostile YAML


def test_billion_laughs_is_refused_and_read_as_lines():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        previous, current = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{current}: &{current} [" + ",".join([f"*{previous}"] * 9) + "]")
    front_matter, _, _ = split_front_matter("---\n" + "\n".join(lines) + "\nname: laughs\n---\n")
    assert front_matter.method == "tolerant"
    assert "aliases expand to more than" in front_matter.warnings[0]
    assert text_of(front_matter, "name") == "laughs"
    assert text_of(front_matter, "j").startswith("&j [*i,")


def test_alias_that_contains_itself_is_refused():
    front_matter, _, _ = split_front_matter("---\nloop: &x [*x]\nname: n\n---\n")
    assert front_matter.method == "tolerant"
    assert "an alias refers to a collection that contains it" in front_matter.warnings[0]
    assert text_of(front_matter, "name") == "n"


def test_deep_flow_nesting_is_refused_without_recursion_error():
    text = "---\nx: " + "[" * 20_000 + "]" * 20_000 + "\nname: deep\n---\n"
    front_matter, _, _ = split_front_matter(text)
    assert front_matter.method == "tolerant"
    assert f"nesting deeper than {MAX_YAML_DEPTH} levels" in front_matter.warnings[0]
    assert text_of(front_matter, "name") == "deep"


def test_deep_block_nesting_is_refused():
    nested = "".join(f"{'  ' * level}k{level}:\n" for level in range(MAX_YAML_DEPTH + 5))
    front_matter, _, _ = split_front_matter("---\n" + nested + "---\n")
    assert front_matter.method == "tolerant"
    assert f"nesting deeper than {MAX_YAML_DEPTH} levels" in front_matter.warnings[0]


def test_nesting_within_the_bound_is_read():
    nested = "".join(f"{'  ' * level}k{level}:\n" for level in range(MAX_YAML_DEPTH - 2))
    front_matter, _, _ = split_front_matter("---\n" + nested + "---\n")
    assert (front_matter.method, front_matter.warnings) == ("yaml", ())


def test_compact_block_nesting_is_refused_without_reaching_libyaml():
    # "- - - ..." nests a sequence per two characters, so 20,000 levels fit in a small block; libyaml's
    # composer recurses on the C stack, so only the bounded pure-Python loader may read it
    text = "---\nx:\n" + "- " * 20_000 + "leaf\nname: deep\n---\n"
    front_matter, _, _ = split_front_matter(text)
    assert front_matter.method == "tolerant"
    assert f"nesting deeper than {MAX_YAML_DEPTH} levels" in front_matter.warnings[0]
    assert text_of(front_matter, "name") == "deep"


def _read_both_ways(monkeypatch, text: str) -> tuple[FrontMatter, FrontMatter]:
    with_libyaml, _, _ = split_front_matter(text)
    monkeypatch.setattr(frontmatter, "_C_LOADER", None)
    pure_python, _, _ = split_front_matter(text)
    monkeypatch.undo()
    return with_libyaml, pure_python


@pytest.mark.skipif(frontmatter._C_LOADER is None, reason="PyYAML was built without libyaml")
@pytest.mark.parametrize(
    "block",
    [
        "name: plain\ntools: [Read, Grep]\ndescription: >\n  folded\n  text",
        "name: café ☕\ndescription: \"naïve — ünïcode\"\nlist:\n  - a\n  - b: c",
        "globs: **/*.ts\nname: glob",  # an alias error: libyaml words it differently
        "name: bell \x07 inside",  # a control character the pure-Python reader refuses
        "a: &a [1, 2]\nb: *a\n<<: {c: 3}\nc: 4",  # aliases and a merge key
        "- a\n- b",  # a list, not a mapping
        "key: [unclosed",
        "nested:\n" + "".join(f"{'  ' * level}k{level}:\n" for level in range(1, 12)),
    ],
)
def test_libyaml_and_pure_python_read_front_matter_alike(monkeypatch, block):
    with_libyaml, pure_python = _read_both_ways(monkeypatch, f"---\n{block}\n---\n# Body\n")
    assert with_libyaml == pure_python


@pytest.mark.skipif(frontmatter._C_LOADER is None, reason="PyYAML was built without libyaml")
def test_libyaml_and_pure_python_read_corpus_front_matter_alike(monkeypatch):
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} is not available (../shared is absent)")
    paths = sorted(CORPUS.rglob("*.md*"))[::7]
    compared = 0
    for path in paths:
        text = path.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n")
        with_libyaml, pure_python = _read_both_ways(monkeypatch, text)
        assert with_libyaml == pure_python, path
        compared += bool(pure_python.fields)
    assert compared > 300


@pytest.mark.skipif(frontmatter._C_LOADER is None, reason="PyYAML was built without libyaml")
def test_shallow_front_matter_is_composed_by_libyaml(monkeypatch):
    used = []
    real = frontmatter._pairs_with
    monkeypatch.setattr(frontmatter, "_pairs_with", lambda cls, source: used.append(cls) or real(cls, source))
    split_front_matter("---\nname: a\ntools: [Read]\n---\n")
    assert used == [frontmatter._C_LOADER]
    used.clear()
    split_front_matter("---\nx:\n" + "- " * 40 + "leaf\n---\n")  # then each field alone, also too deep
    assert set(used) == {frontmatter._BoundedSafeLoader}


def test_python_object_tags_are_never_constructed(capfd):
    text = "---\nname: !!python/object/apply:os.system ['echo pwned']\ndescription: ok\n---\n"
    front_matter, _, _ = split_front_matter(text)
    assert "pwned" not in capfd.readouterr().out
    assert front_matter.method == "tolerant"
    assert front_matter.warnings[0].startswith(
        "front matter cannot be read safely as YAML (could not determine a constructor"
    )
    assert text_of(front_matter, "name") == "!!python/object/apply:os.system ['echo pwned']"
    assert text_of(front_matter, "description") == "ok"


def test_front_matter_over_the_size_limit_skips_yaml_with_warning():
    text = "---\nname: big\ndescription: " + "x" * MAX_YAML_CHARS + "\n---\nBody"
    front_matter, body, _ = split_front_matter(text)
    assert front_matter.method == "tolerant"
    assert front_matter.warnings[0].startswith("front matter is too large for the YAML reader")
    assert len(text_of(front_matter, "description")) == MAX_YAML_CHARS
    assert body == "Body"


@pytest.mark.parametrize(
    "line",
    [
        "name: a\x01b",  # control character: PyYAML's reader refuses it
        "added: 2024-13-45",  # looks like a date, datetime raises ValueError
        "count: " + "9" * 5000,  # past Python's int digit limit
        "data: !!binary not-base64!",
        "key: &a 1\nother: &a 2",  # duplicate anchor
        "? [a, b]\n: complex key",  # unhashable key
    ],
)
def test_yaml_errors_become_warnings_never_exceptions(line):
    front_matter, _, _ = split_front_matter(f"---\n{line}\n---\nBody")
    assert front_matter.method in {"yaml", "tolerant"}
    if front_matter.method == "tolerant":
        assert front_matter.warnings[0].endswith("; read as plain key: value lines instead")


# ----------------------------------------------------------- real corpus files


def test_corpus_cursor_rule_with_unquoted_glob():
    text = read_shared(CORPUS / "PatrickJS__awesome-cursorrules/rules__ai-agent-specialist.mdc")
    front_matter, body, body_line = split_front_matter(text)
    assert front_matter.method == "tolerant"
    assert text_of(front_matter, "globs") == "**/*"
    assert get_field(front_matter, "alwaysApply").value is False
    assert text_of(front_matter, "description").startswith("Cursor rules for TypeScript")
    assert body_line == 6 and body.startswith("You are a senior full-stack developer")


def test_corpus_command_with_piped_argument_hint():
    text = read_shared(CORPUS / "davila7__claude-code-templates/cli-tool__components__commands__automation__husky.md")
    front_matter, _, _ = split_front_matter(text)
    assert front_matter.method == "tolerant"
    assert text_of(front_matter, "argument-hint") == "[--skip-install] | [--only-lint] | [--skip-tests]"
    assert [f.key for f in front_matter.fields] == ["allowed-tools", "argument-hint", "description"]


@pytest.mark.parametrize(
    "relative, fragment",
    [
        ("davila7__claude-code-templates/.claude__agents__agent-expert.md", "Examples: <example>Context"),
        (
            "autohandai__awesome-sub-agents/categories__07-specialized-domains__healthcare-admin.md",
            "administration: revenue",
        ),
    ],
)
def test_corpus_descriptions_with_colon_space(relative, fragment):
    front_matter, _, _ = split_front_matter(read_shared(CORPUS / relative))
    assert front_matter.method == "tolerant"
    assert fragment in text_of(front_matter, "description")
    assert get_field(front_matter, "description").start_line == get_field(front_matter, "description").end_line


def test_corpus_multi_line_description_with_example_blocks():
    text = read_shared(CORPUS / "jerfowler__agent-comm-mcp-server/.claude__agents__senior-backend-engineer.md")
    front_matter, body, body_line = split_front_matter(text)
    assert front_matter.method == "tolerant"
    assert [(f.key, f.start_line, f.end_line) for f in front_matter.fields] == [
        ("name", 2, 2),
        ("description", 3, 29),
        ("model", 30, 30),
        ("color", 31, 31),
    ]
    description = text_of(front_matter, "description")
    assert description.count("<example>") == 3 and description.endswith("</example>")
    assert body_line == 33 and body.startswith("\nYou are an expert Senior Backend Engineer")


def test_corpus_duplicate_keys():
    text = read_shared(CORPUS / "Tokenizaa__everything-opencode/skills__concise-planning__SKILL.md")
    front_matter, _, _ = split_front_matter(text)
    assert front_matter.method == "yaml"
    assert [f.key for f in front_matter.fields][:4] == ["category", "risk", "category", "risk"]
    assert len(front_matter.warnings) == 2
    assert text_of(front_matter, "date_added") == "2026-02-27"


def test_corpus_front_matter_closed_by_a_long_dash_line():
    text = read_shared(CORPUS / "vijaythecoder__awesome-claude-agents/agents__universal__frontend-developer.md")
    front_matter, body, body_line = split_front_matter(text)
    assert (front_matter.method, front_matter.end_line, body_line) == ("yaml", 6, 7)
    assert text_of(front_matter, "tools") == "LS, Read, Grep, Glob, Bash, Write, Edit, WebFetch"
    assert "56 dashes" in front_matter.warnings[0]
    assert body.startswith("\n# Frontend")


def test_corpus_indented_front_matter():
    text = read_shared(CORPUS / "0xfurai__claude-code-subagents/agents__sqs-expert.md")
    front_matter, _, body_line = split_front_matter(text)
    assert (front_matter.method, front_matter.start_line, front_matter.end_line, body_line) == ("yaml", 2, 6, 7)
    assert text_of(front_matter, "model") == "claude-sonnet-4-20250514"
    assert len(front_matter.warnings) == 2


def test_corpus_front_matter_after_blank_lines():
    text = read_shared(CORPUS / "PuvaanRaaj__claude-code-fintech-stack/commands__migration-reviewer.md")
    front_matter, _, body_line = split_front_matter(text)
    assert (front_matter.method, front_matter.start_line, body_line) == ("yaml", 5, 8)
    assert get_field(front_matter, "description").start_line == 6


def test_corpus_agent_without_front_matter():
    text = read_shared(CORPUS / "PuvaanRaaj__claude-code-fintech-stack/agents__go-agent.md")
    front_matter, body, body_line = split_front_matter(text)
    assert (front_matter.method, front_matter.warnings, body, body_line) == ("none", (), text, 1)


def test_seed_description_with_inline_examples_is_read_whole():
    text = read_shared(SEEDS / "001_2eaf52ca3d3a9a8a.txt")
    front_matter, body, body_line = split_front_matter(text)
    assert front_matter.method == "tolerant"
    assert [f.key for f in front_matter.fields] == ["name", "description", "model"]
    assert text_of(front_matter, "name") == "backend-engineer"
    assert text_of(front_matter, "model") == "sonnet"
    description = text_of(front_matter, "description")
    assert description.startswith("Use this agent when you need to implement server-side features")
    assert "Examples: <example>Context: User has detailed API specifications" in description
    assert description.endswith("</example>")
    assert text.split("\n")[2] == "description: " + description
    assert "mapping values are not allowed here, line 3" in front_matter.warnings[0]
    assert body_line == 6 and body.startswith("\nYou are an expert Senior Backend Engineer")


# ---------------------------------------------------------------- properties


def assert_consistent(text: str) -> None:
    """Invariants every result must satisfy, whatever the input."""
    front_matter, body, body_line = split_front_matter(text)
    assert text.endswith(body)
    assert front_matter.method in {"yaml", "tolerant", "none"}
    if front_matter.method == "none":
        assert (body, body_line, front_matter.fields) == (text, 1, ())
        return
    assert body_line == front_matter.end_line + 1
    if body:
        assert text[: len(text) - len(body)].count("\n") + 1 == body_line
    for field in front_matter.fields:
        assert front_matter.start_line < field.start_line <= field.end_line < front_matter.end_line
        assert isinstance(field.key, str) and isinstance(field.text, str)


@given(st.text())
def test_any_text_is_split_without_raising(text):
    assert_consistent(text)


@given(st.text())
def test_any_text_after_an_opening_delimiter_is_split_without_raising(text):
    assert_consistent("---\n" + text)


KEYS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,12}", fullmatch=True)
VALUES = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), max_size=40)


@given(st.lists(st.tuples(KEYS, VALUES), max_size=8), st.text(max_size=40))
def test_generated_key_value_lines_keep_every_key_in_order(pairs, body):
    lines = [f"{key}: {value}" for key, value in pairs]
    text = "---\n" + "".join(line + "\n" for line in lines) + "---\n" + body
    assert_consistent(text)
    front_matter, split_body, _ = split_front_matter(text)
    assert split_body == body
    if front_matter.method == "tolerant":
        assert [field.key for field in front_matter.fields][: len(pairs)] == [key for key, _ in pairs][
            : len(front_matter.fields)
        ]


YAMLISH = st.sampled_from(
    [
        "name: x", "description: a: b", "globs: **/*", "tools: [Read, Grep]", "- item", "  - nested",
        "&a [x, y]", "*a", "<<: *a", "!!python/object/apply:os.system ['true']", "!!binary aGk=", "|", ">-",
        "? complex", ": value", "[[[[", "]]]]", "{a: {b: {c:", "}}}", '"quoted', "'single'", "# comment",
        "---", "...", "-----", "    ", "\t", "<example>", "</example>", "Examples:", "Context: x",
        "2024-01-01", "2024-13-45", "~", "%YAML 1.1", "\x00", "\u2028", "é", "key:", ":", "-", "&b [*b]",
    ]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(YAMLISH, st.sampled_from(["", " ", "\n", "\n  ", ", "])), max_size=40))
def test_yaml_ish_fragments_are_split_without_raising(parts):
    text = "---\n" + "".join(fragment + separator for fragment, separator in parts) + "\n---\nbody"
    assert_consistent(text)
