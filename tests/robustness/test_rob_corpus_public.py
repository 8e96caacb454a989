"""The real oddities of ../shared/corpus-public (its README, "Files worth a test"), read by path.

One CLI run over the listed files (explicit paths, so the report root is
corpus-public itself); each test then checks how one oddity was read. The
whole module skips when ../shared is absent.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

ODDITIES = {
    "invalid-yaml-globs": "PatrickJS__awesome-cursorrules/rules__ai-agent-specialist.mdc",
    "invalid-yaml-argument-hint": "davila7__claude-code-templates/cli-tool__components__commands__automation__husky.md",
    "invalid-yaml-colon": "davila7__claude-code-templates/.claude__agents__agent-expert.md",
    "invalid-yaml-colon-2": "autohandai__awesome-sub-agents/categories__07-specialized-domains__healthcare-admin.md",
    "multi-line-examples": "jerfowler__agent-comm-mcp-server/.claude__agents__senior-backend-engineer.md",
    "duplicate-keys": "Tokenizaa__everything-opencode/skills__concise-planning__SKILL.md",
    "long-dash-close": "vijaythecoder__awesome-claude-agents/agents__universal__frontend-developer.md",
    "indented": "0xfurai__claude-code-subagents/agents__sqs-expert.md",
    "after-blank-lines": "PuvaanRaaj__claude-code-fintech-stack/commands__migration-reviewer.md",
    "no-front-matter": "PuvaanRaaj__claude-code-fintech-stack/agents__go-agent.md",
    "tools-list": "jmagly__ai-writing-guide/.factory__droids__code-reviewer.md",
    "crlf-stray-cr": "laywill__awesome-claude-code-subagents/categories__02-architecture-and-design__api-designer.md",
    "crlf": "davila7__claude-code-templates/cli-tool__components__agents__development-tools__unused-code-cleaner.md",
    "mixed-endings": "affaan-m__everything-claude-code/skills__repo-scan__SKILL.md",
    "no-final-newline": "0xfurai__claude-code-subagents/agents__actix-expert.md",
    "zero-width-joiner": "github__awesome-copilot/agents__salesforce-flow.agent.md",
    "placeholders": "affaan-m__everything-claude-code/commands__multi-plan.md",
    "largest": "davila7__claude-code-templates/cli-tool__components__skills__productivity__avoid-ai-writing__SKILL.md",
    "smallest": "davila7__claude-code-templates/cli-tool__components__commands__utilities__clean.md",
    "cjk": "affaan-m__everything-claude-code/docs__zh-CN__agents__architect.md",
    "long-description": "davila7__claude-code-templates/cli-tool__components__agents__accessibility__accessibility-tester.md",
    "nested-path": "davila7__claude-code-templates/cli-tool__components__agents__business-marketing__cli-tool__"
                   "components__agents__business-marketing__vital-health-content-agent.md",
}


@pytest.fixture(scope="module")
def oddities_run(corpus_public, tmp_path_factory):
    """One in-process CLI run over every oddity (module-scoped, so it is not a fixture of cli_run)."""
    import sys

    from _pytest.monkeypatch import MonkeyPatch

    from analyzer import cli
    from robustness_support import CliRun

    missing = [path for path in ODDITIES.values() if not (corpus_public / path).is_file()]
    assert missing == [], f"corpus-public changed; missing {missing}"
    out = tmp_path_factory.mktemp("oddities") / "out"
    patch = MonkeyPatch()
    patch.setattr(sys, "argv", ["agent-analyzer", "analyze", *(str(corpus_public / p) for p in ODDITIES.values()),
                                "--out", str(out), "--workers", "1", "--quiet"])
    try:
        with pytest.raises(SystemExit) as done:
            cli.main()
    finally:
        patch.undo()
    return CliRun(done.value.code, "", "", out)


@pytest.fixture(scope="module")
def rows(oddities_run):
    return oddities_run.analyzed()


def test_every_oddity_is_analyzed_and_nothing_is_skipped(oddities_run, rows):
    assert oddities_run.code == 0
    assert oddities_run.summary["skipped"] == []
    assert set(rows) == set(ODDITIES.values())


@pytest.mark.parametrize("key", ["invalid-yaml-globs", "invalid-yaml-argument-hint", "invalid-yaml-colon",
                                 "invalid-yaml-colon-2", "multi-line-examples"])
def test_invalid_yaml_is_read_by_the_tolerant_reader_with_a_warning(rows, key):
    row = rows[ODDITIES[key]]
    assert row["fm_method"] == "tolerant"
    assert "not valid YAML" in row["warnings"] and "read as plain key: value lines" in row["warnings"]


def test_tolerant_reader_keeps_every_field(oddities_run):
    fields = [r for r in oddities_run.rows("blocks.csv")
              if r["file"] == ODDITIES["invalid-yaml-globs"] and r["kind"] == "field"]
    assert [r["heading_path"] for r in fields] == [
        "front matter > description", "front matter > globs", "front matter > alwaysApply"]


def test_duplicate_keys_are_kept_and_warned(rows):
    warnings = rows[ODDITIES["duplicate-keys"]]["warnings"]
    assert "'category' appears 2 times" in warnings and "'risk' appears 2 times" in warnings


@pytest.mark.parametrize("key, warning", [("long-dash-close", "line of 56 dashes"),
                                          ("indented", "indented"), ("after-blank-lines", "after 4 blank line(s)")])
def test_displaced_front_matter_is_read_with_a_warning(rows, key, warning):
    row = rows[ODDITIES[key]]
    assert row["fm_method"] == "yaml"
    assert warning in row["warnings"]


def test_file_without_front_matter_has_blocks_but_no_fields(rows):
    row = rows[ODDITIES["no-front-matter"]]
    assert row["fm_method"] == "none" and int(row["blocks"]) > 10


def test_tools_as_list_and_as_comma_string_compare_as_the_same_text(oddities_run):
    from analyzer.parse import parse_bytes
    from analyzer.settings import Settings
    from analyzer.normalize import active_rules

    rules = active_rules(Settings().rules)
    as_list = parse_bytes(b"---\ntools: [Read, Grep]\n---\n", path="a", rules=rules)
    as_text = parse_bytes(b"---\ntools: Read, Grep\n---\n", path="b", rules=rules)
    assert as_list.fields == as_text.fields
    assert oddities_run.analyzed()[ODDITIES["tools-list"]]["fm_method"] == "yaml"


@pytest.mark.parametrize("key, style", [("crlf-stray-cr", "mixed"), ("crlf", "crlf"), ("mixed-endings", "mixed"),
                                        ("no-final-newline", "lf")])
def test_line_ending_styles_are_reported(rows, key, style):
    assert rows[ODDITIES[key]]["line_endings"] == style


def test_sizes_and_hashes_describe_the_real_bytes(corpus_public, rows):
    import hashlib

    for path, row in rows.items():
        data = (corpus_public / path).read_bytes()
        assert int(row["bytes"]) == len(data) and row["sha256"] == hashlib.sha256(data).hexdigest()


def test_cjk_and_zero_width_text_are_decoded_without_replacement(oddities_run, rows):
    paths = [r["heading_path"] for r in oddities_run.rows("blocks.csv") if r["file"] == ODDITIES["cjk"]]
    assert any("\u4e00" <= ch <= "\u9fff" for path in paths for ch in path)
    for key in ("cjk", "zero-width-joiner"):
        assert "UTF-8" not in rows[ODDITIES[key]]["warnings"]
    assert "\ufffd" not in (oddities_run.out / "blocks.csv").read_text(encoding="utf-8")
