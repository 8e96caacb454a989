"""Reports that are already up to date are reused, and any change to what they depend on forces a full run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UP_TO_DATE = "are up to date"


@pytest.fixture
def library(seeds_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    shutil.copytree(seeds_dir, folder)
    return folder


def _analyze(library: Path, out: Path, cache: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "AGENT_ANALYZER_CACHE_DIR"}
    return subprocess.run([sys.executable, "-m", "analyzer", "analyze", str(library), "--out", str(out),
                           "--cache-dir", str(cache), *extra], capture_output=True, text=True, env=env, timeout=300)


def _report_bytes(out: Path, *, skip: tuple[str, ...] = ("summary.json",)) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name not in skip}


def _results(out: Path) -> dict[str, bytes]:
    """The report files that carry no timestamp (report.html shows when it was made)."""
    return _report_bytes(out, skip=("summary.json", "report.html"))


def test_an_unchanged_rerun_reuses_the_reports_and_refreshes_only_summary_metadata(library, tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = _analyze(library, out, cache)
    assert first.returncode == 0 and "wrote" in first.stdout
    before = _report_bytes(out)
    summary_before = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    second = _analyze(library, out, cache)
    assert second.returncode == 0, second.stderr
    assert UP_TO_DATE in second.stdout
    assert _report_bytes(out) == before
    summary_after = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary_after["metadata"]["reused_report_of"] == summary_before["metadata"]["generated_at"]
    summary_after.pop("metadata"), summary_before.pop("metadata")
    assert summary_after == summary_before


@pytest.mark.parametrize("change", ["edit-input", "add-input", "other-setting", "edit-report", "delete-report",
                                    "edit-summary"])
def test_any_change_to_inputs_settings_or_reports_forces_a_full_run(library, tmp_path, change):
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert _analyze(library, out, cache).returncode == 0
    extra: tuple[str, ...] = ()
    if change == "edit-input":
        target = next(library.glob("003_*"))
        target.write_text(target.read_text(encoding="utf-8").replace("the", "teh", 1), encoding="utf-8")
    elif change == "add-input":
        shutil.copy(next(library.glob("000_*")), library / "copy.md")
    elif change == "other-setting":
        extra = ("--threshold", "0.9")
    elif change == "edit-summary":
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        summary["counts"]["files"] = 99
        (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    elif change == "edit-report":
        (out / "files.csv").write_text("tampered\n", encoding="utf-8")
    else:
        (out / "heatmap.png").unlink()
    rerun = _analyze(library, out, cache, *extra)
    assert rerun.returncode == 0, rerun.stderr
    assert UP_TO_DATE not in rerun.stdout and "wrote" in rerun.stdout
    fresh = _analyze(library, tmp_path / "fresh", tmp_path / "other-cache", *extra)
    assert _results(out) == _results(tmp_path / "fresh")


def test_no_cache_always_runs_in_full(library, tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert _analyze(library, out, cache).returncode == 0
    rerun = _analyze(library, out, cache, "--no-cache")
    assert UP_TO_DATE not in rerun.stdout and "wrote" in rerun.stdout


def test_a_reused_report_replays_skipped_files_and_the_exit_code(library, tmp_path):
    (library / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = _analyze(library, out, cache)
    second = _analyze(library, out, cache)
    assert first.returncode == second.returncode == 3
    assert UP_TO_DATE in second.stdout
    assert "skipped: image.md: binary file" in second.stderr
    assert [line for line in first.stderr.splitlines() if line.startswith("skipped:")] == \
        [line for line in second.stderr.splitlines() if line.startswith("skipped:")]


def test_another_out_folder_gets_a_checked_copy_of_the_same_reports(library, tmp_path):
    cache = tmp_path / "cache"
    assert _analyze(library, tmp_path / "a", cache).returncode == 0
    other = _analyze(library, tmp_path / "b", cache)
    assert other.returncode == 0, other.stderr
    assert f"copied from {tmp_path / 'a'}/" in other.stdout and "wrote" not in other.stdout
    assert _report_bytes(tmp_path / "a") == _report_bytes(tmp_path / "b")
    summary = json.loads((tmp_path / "b" / "summary.json").read_text(encoding="utf-8"))
    assert summary["metadata"]["copied_from"] == str(tmp_path / "a")
    third = _analyze(library, tmp_path / "b", cache)  # the copy is recorded: b itself is now up to date
    assert UP_TO_DATE in third.stdout and "copied from" not in third.stdout


@pytest.mark.parametrize("change", ["edit-report", "edit-input"])
def test_a_copy_is_never_made_from_edited_reports_or_for_other_inputs(library, tmp_path, change):
    cache = tmp_path / "cache"
    assert _analyze(library, tmp_path / "a", cache).returncode == 0
    if change == "edit-report":
        (tmp_path / "a" / "blocks.csv").write_text("tampered\n", encoding="utf-8")
    else:
        target = next(library.glob("003_*"))
        target.write_text(target.read_text(encoding="utf-8").replace("the", "teh", 1), encoding="utf-8")
    other = _analyze(library, tmp_path / "b", cache)
    assert other.returncode == 0, other.stderr
    assert "copied from" not in other.stdout and "wrote" in other.stdout
    fresh = _analyze(library, tmp_path / "fresh", tmp_path / "other-cache")
    assert _results(tmp_path / "b") == _results(tmp_path / "fresh")


def test_a_deleted_out_folder_is_written_again_in_full(library, tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert _analyze(library, out, cache).returncode == 0
    shutil.rmtree(out)
    rerun = _analyze(library, out, cache)
    assert rerun.returncode == 0, rerun.stderr
    assert "wrote" in rerun.stdout and (out / "report.html").is_file()
