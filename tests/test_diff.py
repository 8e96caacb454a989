"""Section-aware diff of two agent files, its terminal and JSON renderings, and the ``diff`` command."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.diff import FileDiff, diff_files
from analyzer.models import AgentFile
from analyzer.normalize import active_rules
from analyzer.parse import parse_text
from analyzer.report.diff_text import diff_as_data, diff_json, render_diff_text
from analyzer.settings import DEFAULT_RULES
from tests.conftest import SEED_001, SEED_002, SEED_004

NO_SPELLING = tuple(rule for rule in DEFAULT_RULES if rule != "spelling")


def parse(text: str, path: str = "x.md", rules=DEFAULT_RULES) -> AgentFile:
    return parse_text(text, path=path, rules=active_rules(rules))


def seed(seeds_dir: Path, name: str) -> AgentFile:
    return parse((seeds_dir / name).read_text(encoding="utf-8"), path=name)


@pytest.fixture(scope="module")
def seeds_001_002(seeds_dir) -> FileDiff:
    return diff_files(seed(seeds_dir, SEED_001), seed(seeds_dir, SEED_002))


# --- acceptance: seed 001 against seed 002 ---------------------------------------

def test_seed_diff_counts_british_spellings_of_002(seeds_001_002):
    pairs = {(p.british, p.american): (p.count, p.british_in) for p in seeds_001_002.spelling}
    assert pairs == {
        ("optimisation", "optimization"): (6, "b"),
        ("authorisation", "authorization"): (3, "b"),
        ("optimise", "optimize"): (1, "b"),
        ("optimised", "optimized"): (1, "b"),
    }


def test_seed_diff_names_the_design_philosophy_block_only_in_001(seeds_001_002):
    core = next(s for s in seeds_001_002.sections if s.path_a == "Core Philosophy")
    assert core.status == "matched" and core.classes == ("truncated",)
    assert {u.status for u in core.units} == {"only-a"}
    assert core.units[0].text_a.startswith("Design Philosophy:\nSimplicity is the ultimate sophistication")
    assert core.units[-1].text_a == "* Don't be afraid to restart if it's not perfect"
    assert [u.line_a for u in core.units] == sorted(u.line_a for u in core.units)
    assert core.units[0].line_a == 13 and len(core.units) == 24


def test_seed_diff_names_the_search_section_and_its_subsections_only_in_002(seeds_001_002):
    only_b = [s.path_b for s in seeds_001_002.sections if s.status == "only-b"]
    assert only_b == [
        "Search and Research Capabilities",
        "Search and Research Capabilities > Documentation Search (ref)",
        "Search and Research Capabilities > Library Documentation (context7)",
        "Search and Research Capabilities > Web Research (perplexity & brave)",
        "Search and Research Capabilities > Research Workflow",
        "Search and Research Capabilities > Integration Guidelines",
    ]
    assert not [s for s in seeds_001_002.sections if s.status == "only-a"]


def test_seed_diff_reports_the_output_standards_edit_and_no_other_real_edit(seeds_001_002):
    edits = seeds_001_002.real_edits
    assert len(edits) == 1
    section, unit = edits[0]
    assert section.path == "Output Standards"
    assert unit.classification.classes == ("edited",)
    assert [(e.removed, e.added) for e in unit.classification.edits] == [("Production-ready", "Complete")]
    one_sided_units = [(s.path, u.status) for s in seeds_001_002.sections if s.status == "matched"
                       for u in s.units if u.status != "matched"]
    assert {path for path, _ in one_sided_units} == {"Core Philosophy"}
    cosmetic_only = [s.path for s in seeds_001_002.sections if s.status == "matched"
                     and s.path not in ("Core Philosophy", "Output Standards")]
    for section in seeds_001_002.sections:
        if section.path in cosmetic_only:
            assert set(section.classes) <= {"identical", "spelling"}, section


def test_seed_diff_names_the_title_only_in_002(seeds_001_002):
    assert (seeds_001_002.title_a, seeds_001_002.title_b) == ("", "Senior Backend Engineer Agent")
    top = seeds_001_002.sections[0]
    assert top.path_a == top.path_b == "" and top.classes == ("identical",)


def test_seed_diff_front_matter_changes(seeds_001_002):
    status = {f.key: f.status for f in seeds_001_002.fields}
    assert status == {"name": "changed", "description": "changed", "model": "only-a", "tools": "only-b"}
    name = next(f for f in seeds_001_002.fields if f.key == "name")
    assert (name.value_a, name.value_b) == ("backend-engineer", "senior-backend-engineer")


def test_seed_diff_text_names_every_difference(seeds_001_002):
    text = render_diff_text(seeds_001_002)
    assert "spelling (British in B): optimisation→optimization ×6, authorisation→authorization ×3" in text
    assert '- only in A (lines 13-47, 24 units): "Design Philosophy: Simplicity is the ultimate sophistication"' in text
    assert "+ Search and Research Capabilities  (only in B" in text
    assert "  + Documentation Search (ref)  (only in B" in text
    assert "[-Production-ready-]{+Complete+}: Handles real-world load" in text
    assert "+ only in B: # Senior Backend Engineer Agent" in text
    assert "- model: only in A: sonnet" in text
    assert "+ tools: only in B: TodoWrite" in text
    assert "~ name [rewritten]: [-backend-engineer-] → {+senior-backend-engineer+}" in text
    assert "\x1b[" not in text


def test_seed_diff_with_spelling_rule_off_reports_spellings_as_edits(seeds_dir):
    a = parse((seeds_dir / SEED_001).read_text(encoding="utf-8"), SEED_001, NO_SPELLING)
    b = parse((seeds_dir / SEED_002).read_text(encoding="utf-8"), SEED_002, NO_SPELLING)
    result = diff_files(a, b, rules=NO_SPELLING)
    assert result.spelling == ()
    changed = sorted({(e.removed.lower(), e.added.lower()) for _, u in result.real_edits
                      for e in u.classification.edits})
    assert ("optimization", "optimisation") in changed and ("production-ready", "complete") in changed
    assert len(result.real_edits) == 11


def test_seed_004_dropped_the_security_requirements_bullet(seeds_dir):
    result = diff_files(seed(seeds_dir, SEED_001), seed(seeds_dir, SEED_004))
    section = next(s for s in result.sections if s.path_a.endswith("Technical Architecture Documentation"))
    dropped = [u.text_a for u in section.units if u.status == "only-a"]
    assert any(text.startswith("- **Security Requirements**") for text in dropped)


# --- behaviour on small files ---------------------------------------------------

def test_paragraph_moved_to_another_section_is_moved_not_deleted_and_added():
    a = parse("## One\n\nAlpha paragraph stays here.\n\nWandering paragraph with enough words.\n\n## Two\n\nBeta.\n")
    b = parse("## One\n\nAlpha paragraph stays here.\n\n## Two\n\nBeta.\n\nWandering paragraph with enough words.\n")
    result = diff_files(a, b)
    units = [(s.path, u.status, u.moved_from) for s in result.sections for u in s.units]
    assert units == [("Two", "moved", "One")]
    assert "moved" in result.classes


def test_reordered_sections_are_moved():
    a = parse("## First\n\nOne.\n\n## Second\n\nTwo.\n\n## Third\n\nThree.\n")
    b = parse("## Second\n\nTwo.\n\n## First\n\nOne.\n\n## Third\n\nThree.\n")
    moved = [s.path for s in diff_files(a, b).sections if "moved" in s.classes]
    assert len(moved) == 1 and moved[0] in ("First", "Second")


def test_section_with_a_new_heading_but_the_same_content_is_heading_renamed():
    body = "- Validate input\n- Sanitise output\n- Log every failure\n"
    a = parse(f"## Security Rules\n\n{body}")
    b = parse(f"## Security Checklist\n\n{body}")
    sections = diff_files(a, b).sections
    renamed = [s for s in sections if s.status == "matched" and s.path_a]
    assert [(s.path_a, s.path_b, s.classes) for s in renamed] == [
        ("Security Rules", "Security Checklist", ("heading-renamed",))]


def test_slot_filled_with_a_value_is_cosmetic_in_the_diff():
    a = parse("## Stack\n\nStore sessions in {{DATABASE}} with indexes.\n")
    b = parse("## Stack\n\nStore sessions in PostgreSQL with indexes.\n")
    result = diff_files(a, b)
    assert result.real_edits == ()
    assert [(p.slot, p.value) for p in result.placeholders] == [("{{DATABASE}}", "PostgreSQL")]
    assert result.classes == ("placeholder",)
    assert "placeholder: {{DATABASE}} (A) = PostgreSQL" in render_diff_text(result)


def test_edited_list_item_is_paired_not_deleted_and_added():
    a = parse("## Deliver\n\n- First item stays\n- Complete: handles load, errors and edge cases\n")
    b = parse("## Deliver\n\n- First item stays\n- Finished: handles load, errors and edge cases\n")
    result = diff_files(a, b)
    assert [(u.status, u.classification.classes) for s in result.sections for u in s.units] == [
        ("matched", ("edited",))]


def test_identical_files_diff_as_identical():
    text = "---\nname: x\n---\n# Title\n\nBody text here.\n"
    assert diff_files(parse(text), parse(text)).classes == ("identical",)


def test_json_data_has_the_same_content_and_is_stable(seeds_001_002):
    data = json.loads(diff_json(seeds_001_002))
    assert data == json.loads(json.dumps(diff_as_data(seeds_001_002)))
    assert diff_json(seeds_001_002) == diff_json(seeds_001_002)
    assert data["title"] == {"a": "", "b": "Senior Backend Engineer Agent"}
    assert [e["edits"] for e in data["real_edits"]] == [[{"added": "Complete", "removed": "Production-ready"}]]
    assert data["cosmetic"]["spelling"][1] == {"american": "optimization", "british": "optimisation",
                                               "british_in": "b", "count": 6}
    assert {f["key"]: f["status"] for f in data["front_matter"]}["tools"] == "only-b"


# --- the command ------------------------------------------------------------------

def test_diff_command_prints_the_text_diff(seeds_dir):
    result = CliRunner().invoke(app, ["diff", str(seeds_dir / SEED_001), str(seeds_dir / SEED_002)])
    assert result.exit_code == 0, result.output
    assert "optimisation→optimization ×6" in result.output
    assert "[-Production-ready-]{+Complete+}" in result.output


def test_diff_command_json_matches_the_library(seeds_dir, seeds_001_002):
    result = CliRunner().invoke(app, ["diff", str(seeds_dir / SEED_001), str(seeds_dir / SEED_002), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    expected = diff_as_data(seeds_001_002)
    assert data["sections"] == json.loads(json.dumps(expected["sections"]))
    assert data["cosmetic"] == json.loads(json.dumps(expected["cosmetic"]))


def test_diff_command_rules_option_turns_spelling_into_edits(seeds_dir):
    result = CliRunner().invoke(app, ["diff", str(seeds_dir / SEED_001), str(seeds_dir / SEED_002),
                                      "--json", "--rules", "-spelling"])
    data = json.loads(result.output)
    assert data["cosmetic"]["spelling"] == [] and len(data["real_edits"]) == 11


def test_diff_command_reads_a_git_revision(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    agent = tmp_path / "agent.md"
    agent.write_text("## Rules\n\n- Optimize queries\n", encoding="utf-8")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(tmp_path)}
    for command in (["init", "-q"], ["add", "agent.md"], ["commit", "-qm", "first"]):
        subprocess.run(["git", "-C", str(tmp_path), *command], check=True, env=env, capture_output=True)
    agent.write_text("## Rules\n\n- Optimise queries\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["diff", f"{agent}@HEAD", str(agent)])
    assert result.exit_code == 0, result.output
    assert "optimise→optimize ×1" in result.output


def test_diff_command_missing_file_is_a_usage_error(tmp_path):
    from analyzer.cli import UsageError

    result = CliRunner().invoke(app, ["diff", str(tmp_path / "nope.md"), str(tmp_path / "other.md")])
    assert isinstance(result.exception, UsageError)


# --- reports: block_pairs.csv and file-pair classes ----------------------------------

def test_report_block_pairs_and_file_pair_classes(seeds_result, tmp_path):
    import csv

    from analyzer.report.model import BLOCK_PAIRS_COLUMNS, build_report
    from analyzer.report.render import write_reports
    from analyzer.settings import Settings

    report = build_report(seeds_result, settings=Settings())
    classes = {(r["file_a"], r["file_b"]): r["classes"].split() for r in report.file_pairs}
    assert classes[(SEED_001, SEED_002)] == ["spelling", "edited"]
    assert len(report.block_pairs) == len(seeds_result.text_matches)
    assert all(row["classes"] for row in report.block_pairs)

    write_reports(report, tmp_path)
    with open(tmp_path / "block_pairs.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == BLOCK_PAIRS_COLUMNS
    assert {"block_a", "block_b", "file_a", "file_b", "score", "classes", "details"} <= set(rows[0])
    with open(tmp_path / "file_pairs.csv", encoding="utf-8", newline="") as handle:
        assert "classes" in next(csv.reader(handle))
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'data-sort="7">classes</button></th>' in html  # the pair table has a classes column
    assert "spelling edited" in html  # and the 001/002 classes travel in its embedded data


@pytest.mark.parametrize("other", [SEED_002, SEED_004])
def test_reusing_parsed_norms_gives_the_same_diff_as_normalising_again(seeds_dir, other):
    a, b = seed(seeds_dir, SEED_001), seed(seeds_dir, other)
    fresh = diff_as_data(diff_files(a, b, rules=DEFAULT_RULES))
    reused = diff_as_data(diff_files(a, b, rules=DEFAULT_RULES, parsed_with=DEFAULT_RULES))
    assert reused == fresh


def test_parsed_norms_are_not_reused_when_the_diff_uses_other_rules(seeds_dir):
    # Parsed with every default rule, diffed without spelling: spellings must become real edits.
    a, b = seed(seeds_dir, SEED_001), seed(seeds_dir, SEED_002)
    rules = tuple(r for r in DEFAULT_RULES if r != "spelling")
    data = diff_as_data(diff_files(a, b, rules=rules, parsed_with=DEFAULT_RULES))
    assert data == diff_as_data(diff_files(a, b, rules=rules))
    assert "optimisation" in json.dumps(data)
