"""The command line: exit codes, error messages, defaults and what is skipped and why."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.settings import Settings
from corpora import SEED_000, SEED_001, rewrite_chain



def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analyzer", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def summary_of(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def files_in(out: Path) -> list[str]:
    with (out / "files.csv").open(newline="", encoding="utf-8") as handle:
        return [row["file"] for row in csv.DictReader(handle)]


def assert_one_clean_error_line(stderr: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error:"), stderr
    assert "Traceback" not in stderr


MIXED_FILES = {
    "agents/broken.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR binary",
    "README.md": "# How to use these agents\n\nRead them.\n",
    "notes.txt": "Meeting notes, not an agent.\n",
    "reviewer.txt": "---\nname: reviewer\ndescription: Reviews code.\n---\n\nYou review pull requests.\n",
    "tool.py": "print('hello')\n",
}


@pytest.fixture(scope="module")
def mixed_corpus(seeds_dir, tmp_path_factory) -> Path:
    """Two good agents, a binary .md, a README, .txt files with and without front matter, a .py file."""
    root = tmp_path_factory.mktemp("mixed")
    files = {"agents/backend.md": (seeds_dir / SEED_000).read_bytes(),
             "agents/backend-copy.md": (seeds_dir / SEED_001).read_bytes(), **MIXED_FILES}
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


@pytest.fixture(scope="module")
def mixed_run(mixed_corpus, tmp_path_factory):
    """One --quiet run over the mixed corpus, shared by the tests that read its outputs."""
    out = tmp_path_factory.mktemp("mixed-out")
    completed = run_cli("analyze", str(mixed_corpus), "--out", str(out), "--quiet")
    return completed, out


# ------------------------------------------------------------------ exit codes


def test_copies_beyond_the_pair_cap_are_one_family_and_the_large_families_are_announced(tmp_path):
    # 60 copies of one agent, one word apart: every shared block is in all 60 files, over the cap of 50
    library = tmp_path / "copies"
    library.mkdir()
    for i in range(60):
        (library / f"p{i:02d}.md").write_text(
            f"---\nname: reviewer\ndescription: Reviews changes to service{i}\n---\n# Reviewer\n\n"
            f"You review pull requests for service{i} and report each problem clearly.\n\n## Rules\n\n"
            "- Run the whole test suite before you approve a change, and attach the log.\n", encoding="utf-8")
    completed = run_cli("analyze", str(library), "--out", str(tmp_path / "out"), "--no-cache")
    assert completed.returncode == 0, completed.stderr
    summary = summary_of(tmp_path / "out")
    with (tmp_path / "out" / "block_families.csv").open(newline="", encoding="utf-8") as handle:
        families = list(csv.DictReader(handle))
    expected = sum(1 for row in families if row["kind"] not in ("section", "preamble")
                   and int(row["file_count"]) > summary["pair_cap"])
    assert summary["pair_cap"] == 50 and expected >= 2
    assert summary["counts"]["unit_families_over_pair_cap"] == expected
    assert f"{expected} block families span more than 50 files (the pair cap)" in completed.stdout
    with (tmp_path / "out" / "files.csv").open(newline="", encoding="utf-8") as handle:
        files = list(csv.DictReader(handle))
    assert len(files) == 60 and {row["family"] for row in files} == {files[0]["family"]}  # one family of 60 copies
    assert "same-name-different-content" not in summary["findings_by_kind"]


def test_seeds_exit_zero_and_print_a_summary(seeds_dir, tmp_path):
    # --no-cache: with the cache, an earlier test's reports of the seeds would be copied, not written
    completed = run_cli("analyze", str(seeds_dir), "--out", str(tmp_path / "out"), "--no-cache")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("5 files,")
    wrote = re.search(r"^wrote (\d+) files to (.+)/$", completed.stdout, re.MULTILINE)
    assert wrote and int(wrote.group(1)) >= 9 and wrote.group(2) == str(tmp_path / "out")
    assert completed.stderr == ""


def test_missing_path_is_a_usage_error(tmp_path):
    missing = tmp_path / "no-such-folder"
    completed = run_cli("analyze", str(missing), "--out", str(tmp_path / "out"))
    assert completed.returncode == 2
    assert_one_clean_error_line(completed.stderr)
    assert str(missing) in completed.stderr
    assert not (tmp_path / "out").exists()


def test_threshold_out_of_range_names_the_allowed_range(seeds_dir, tmp_path):
    completed = run_cli("analyze", str(seeds_dir), "--out", str(tmp_path / "out"), "--threshold", "7")
    assert completed.returncode == 2
    assert_one_clean_error_line(completed.stderr)
    assert "[0.5, 1.0]" in completed.stderr and "7" in completed.stderr


def test_family_threshold_out_of_range_is_a_usage_error(seeds_dir, tmp_path):
    completed = run_cli("analyze", str(seeds_dir), "--out", str(tmp_path / "out"), "--family-threshold", "-1")
    assert completed.returncode == 2
    assert "[0.0, 1.0]" in completed.stderr


def test_unknown_rule_lists_the_known_ones(seeds_dir, tmp_path):
    completed = run_cli("analyze", str(seeds_dir), "--out", str(tmp_path / "out"), "--rules", "markup,sarcasm")
    assert completed.returncode == 2
    assert_one_clean_error_line(completed.stderr)
    assert "sarcasm" in completed.stderr and "whitespace" in completed.stderr


def test_non_numeric_threshold_is_a_usage_error(seeds_dir, tmp_path):
    completed = run_cli("analyze", str(seeds_dir), "--out", str(tmp_path / "out"), "--threshold", "high")
    assert completed.returncode == 2, completed.stderr
    assert "internal error" not in completed.stderr


def test_unknown_option_is_a_usage_error(seeds_dir, tmp_path):
    completed = run_cli("analyze", str(seeds_dir), "--out", str(tmp_path / "out"), "--no-such-option")
    assert completed.returncode == 2, completed.stderr
    assert "internal error" not in completed.stderr


def test_no_command_shows_help_without_an_internal_error():
    completed = run_cli()
    assert completed.returncode in (0, 2), completed.stderr
    assert "internal error" not in completed.stderr
    assert "analyze" in completed.stdout + completed.stderr


def test_binary_file_among_good_files_exits_three(mixed_run):
    completed, _ = mixed_run
    assert completed.returncode == 3, completed.stderr
    assert "skipped: agents/broken.md:" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_good_files_are_still_analyzed_when_one_is_unreadable(mixed_run):
    _, out = mixed_run
    assert files_in(out) == ["agents/backend-copy.md", "agents/backend.md", "reviewer.txt"]


def test_unreadable_file_is_listed_in_summary_with_its_reason(mixed_run):
    _, out = mixed_run
    skipped = {item["path"]: item for item in summary_of(out)["skipped"]}
    broken = skipped["agents/broken.md"]
    assert broken["severity"] == "error"
    assert "binary" in broken["reason"] and "NUL" in broken["reason"]
    assert summary_of(out)["counts"]["skipped_errors"] == 1


def test_readme_is_excluded_and_listed_with_severity_excluded(mixed_run):
    _, out = mixed_run
    skipped = {item["path"]: item for item in summary_of(out)["skipped"]}
    assert skipped["README.md"]["severity"] == "excluded"
    assert "README" in skipped["README.md"]["reason"]


def test_txt_without_front_matter_is_skipped_with_a_reason(mixed_run):
    _, out = mixed_run
    skipped = {item["path"]: item for item in summary_of(out)["skipped"]}
    assert skipped["notes.txt"]["severity"] == "excluded"
    assert "front matter" in skipped["notes.txt"]["reason"]


def test_txt_with_front_matter_is_analyzed(mixed_run):
    _, out = mixed_run
    assert "reviewer.txt" in files_in(out)
    assert "reviewer.txt" not in {item["path"] for item in summary_of(out)["skipped"]}


def test_other_file_types_are_ignored_not_errors(mixed_run):
    _, out = mixed_run
    skipped = {item["path"]: item for item in summary_of(out)["skipped"]}
    assert skipped["tool.py"]["severity"] == "ignored"


def test_module_help_lists_the_analyze_command():
    completed = run_cli("--help")
    assert completed.returncode == 0
    assert "analyze" in completed.stdout
    assert "Usage" in completed.stdout


def test_analyze_help_documents_its_options():
    completed = run_cli("analyze", "--help")
    assert completed.returncode == 0
    for option in ("--out", "--threshold", "--family-threshold", "--rules", "--exclude", "--quiet"):
        assert option in completed.stdout


# ------------------------------------------------------------------ output and defaults


def test_quiet_prints_nothing_on_stdout_but_still_reports_skipped_files(mixed_run):
    completed, out = mixed_run
    assert completed.stdout == ""
    assert (out / "summary.json").is_file()
    assert completed.stderr.startswith("skipped: agents/broken.md: binary file")


def test_no_path_in_the_repository_root_analyzes_corpus(repo_root, seeds_dir, tmp_path):
    # The installed console script, as a user types it: `agent-analyzer analyze` in the repository.
    script = Path(sys.executable).with_name("agent-analyzer")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "analyzer"]
    out = tmp_path / "out"
    completed = subprocess.run([*command, "analyze", "--out", str(out), "--quiet"], capture_output=True,
                               text=True, cwd=repo_root, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert sorted(files_in(out)) == sorted(p.name for p in seeds_dir.iterdir())
    assert Path(summary_of(out)["metadata"]["root"]).resolve() == seeds_dir.resolve()


def test_a_file_named_explicitly_is_analyzed_even_if_excluded_by_default(mixed_corpus, run_analysis):
    result = run_analysis(mixed_corpus / "README.md")
    assert [f.path for f in result.files] == ["README.md"]
    assert result.skipped == ()


def test_exclude_setting_leaves_matching_files_out_with_a_reason(mixed_corpus, run_analysis):
    result = run_analysis(mixed_corpus, Settings(exclude=("*copy*",)))
    assert [f.path for f in result.files] == ["agents/backend.md", "reviewer.txt"]
    skipped = {s.path: s for s in result.skipped}
    assert (skipped["agents/backend-copy.md"].reason, skipped["agents/backend-copy.md"].severity) == (
        "matches --exclude", "excluded")


@pytest.mark.parametrize("value, families", [("0.3", 1), ("1", 4)])
def test_cli_named_family_threshold_sets_when_named_files_join(tmp_path, value, families):
    folder = tmp_path / "library"
    folder.mkdir()
    for name, text in rewrite_chain(("reviewer",) * 4).items():
        (folder / name).write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    completed = run_cli("analyze", str(folder), "--out", str(out), "--quiet", "--no-cache",
                        "--named-family-threshold", value)
    assert completed.returncode == 0, completed.stderr
    with open(out / "files.csv", encoding="utf-8", newline="") as handle:
        assert len({row["family"] for row in csv.DictReader(handle)}) == families
