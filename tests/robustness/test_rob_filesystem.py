"""File-system cases: links, loops, permissions, files that vanish, and awkward names.

Symbolic links are not followed unless --follow-symlinks; every link that is
not followed, every loop and every second path to a file is listed in
summary.json with a reason. Tests run as root in CI, where ``chmod 000``
does not stop reads: the permission case is then simulated by making
``open`` fail in-process, and the real chmod test is skipped with that reason.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from analyzer import discover, pipeline
from analyzer.settings import Settings
from robustness_support import GOOD_AGENT, assert_skipped, running_as_root, unguard, write_file

SECRET = "---\nname: secret\n---\n# Secret\n\nText that lives outside the analyzed folder.\n"

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")


@pytest.fixture
def linked(tmp_path: Path, library: Path) -> Path:
    """library/ with a link to a file outside, a link to a folder outside, a loop and a broken link."""
    outside = tmp_path / "outside"
    write_file(outside, "secret.md", SECRET)
    (library / "link.md").symlink_to(outside / "secret.md")
    (library / "outdir").symlink_to(outside, target_is_directory=True)
    (library / "sub").mkdir()
    write_file(library / "sub", "inner.md", "# Inner\n\nAn inner agent.\n")
    (library / "sub" / "up").symlink_to(library, target_is_directory=True)
    (library / "sub" / "self").symlink_to(library / "sub", target_is_directory=True)
    (library / "broken.md").symlink_to(library / "nowhere.md")
    return library


def test_links_are_not_followed_by_default_and_each_is_listed(cli_run, linked):
    run = cli_run(linked)
    assert run.code == 0, run.stderr
    assert set(run.analyzed()) == {"reviewer.md", "sub/inner.md"}
    for path in ("link.md", "outdir", "sub/up", "sub/self", "broken.md"):
        assert_skipped(run, path, "not followed (use --follow-symlinks)", severity="excluded")
    assert "outside the analyzed folder" not in (run.out / "blocks.csv").read_text(encoding="utf-8")


def test_follow_symlinks_reads_outside_links_once_and_never_loops(cli_run, linked):
    run = cli_run(linked, options=("--follow-symlinks",))
    analyzed = run.analyzed()
    assert set(analyzed) == {"reviewer.md", "sub/inner.md", "link.md"}
    assert_skipped(run, "outdir/secret.md", "same file as link.md", severity="excluded")
    for loop in ("sub/up", "sub/self"):
        assert_skipped(run, loop, "folder already visited", severity="excluded")
    assert_skipped(run, "broken.md", "broken symbolic link")  # an error: exit 3


def test_symlink_loop_given_as_the_root_terminates(cli_run, tmp_path):
    root = tmp_path / "loop"
    root.mkdir()
    write_file(root, "a.md", GOOD_AGENT)
    (root / "again").symlink_to(root, target_is_directory=True)
    (root / "x").symlink_to(root / "y")
    (root / "y").symlink_to(root / "x")
    run = cli_run(root, options=("--follow-symlinks",))
    assert set(run.analyzed()) == {"a.md"}
    assert_skipped(run, "again", "folder already visited", severity="excluded")
    assert "x" in run.skipped() and "y" in run.skipped()


@pytest.mark.skipif(running_as_root(), reason="running as root: chmod 000 does not stop root from reading")
def test_unreadable_file_is_skipped_with_permission_denied(cli_run, library):
    locked = write_file(library, "locked.md", GOOD_AGENT)
    locked.chmod(0)
    try:
        run = cli_run(library)
    finally:
        locked.chmod(0o644)
    assert_skipped(run, "locked.md", "cannot read: Permission denied")
    assert "reviewer.md" in run.analyzed()


def test_unreadable_file_simulated_in_process_is_skipped(cli_run, library, monkeypatch):
    locked = write_file(library, "locked.md", GOOD_AGENT.replace("Reviewer", "Locked"))
    real_open = open

    def guarded_open(path, *args, **kwargs):
        if str(path) == str(locked.absolute()):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(discover, "open", guarded_open, raising=False)  # where files are read
    run = cli_run(library)
    assert_skipped(run, "locked.md", f"cannot read: {os.strerror(errno.EACCES)}")
    assert "reviewer.md" in run.analyzed()


def test_file_deleted_between_discovery_and_parsing_is_skipped(cli_run, library, monkeypatch):
    doomed = write_file(library, "doomed.md", GOOD_AGENT.replace("Reviewer", "Doomed"))
    real_discover = pipeline.discover

    def discover_then_delete(paths, *, settings):
        found = real_discover(paths, settings=settings)
        doomed.unlink()
        return found

    monkeypatch.setattr(pipeline, "discover", discover_then_delete)
    run = cli_run(library)
    assert_skipped(run, "doomed.md", "cannot read: No such file or directory")
    assert "reviewer.md" in run.analyzed()


def test_file_replaced_by_a_folder_during_the_run_is_skipped(library, monkeypatch):
    changing = write_file(library, "changing.md", GOOD_AGENT)
    real_discover = pipeline.discover

    def discover_then_swap(paths, *, settings):
        found = real_discover(paths, settings=settings)
        changing.unlink()
        changing.mkdir()
        return found

    monkeypatch.setattr(pipeline, "discover", discover_then_swap)
    result = pipeline.analyze([library], settings=Settings())
    assert [(s.path, s.severity) for s in result.skipped] == [("changing.md", "error")]
    assert "cannot read" in result.skipped[0].reason


def test_unlistable_folder_is_reported(library, monkeypatch):
    real_walk = os.walk

    def walk_with_error(top, *args, onerror=None, **kwargs):
        onerror(PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(Path(top) / "private")))
        yield from real_walk(top, *args, onerror=onerror, **kwargs)

    monkeypatch.setattr("analyzer.discover.os.walk", walk_with_error)
    result = pipeline.analyze([library], settings=Settings())
    assert ("private", "error") in [(s.path, s.severity) for s in result.skipped]


@pytest.mark.parametrize(
    "name",
    ["with spaces.md", "ünïcödé 日本語.md", "emoji 🤖‍💻.md", "new\nline.md", "tab\tname.md", "-dash.md",
     "=formula.md", "<script>alert(1)<\\script>.md".replace("\\", "_"), "quote\"and'.md"],
)
def test_awkward_file_names_are_analyzed_and_reported_safely(cli_run, library, name):
    write_file(library, name, GOOD_AGENT.replace("Reviewer", "Awkward"))
    run = cli_run(library)
    assert run.code == 0, run.stderr
    assert name in run.analyzed()
    assert name in {unguard(row["file"]) for row in run.rows("blocks.csv")}
    assert "<script>" not in run.html
    for row in run.rows("files.csv"):
        assert not row["file"].startswith(("=", "+", "-", "@")), row["file"]


def test_explicit_paths_with_awkward_names_are_taken(cli_run, tmp_path):
    folder = tmp_path / "dir with space"
    target = write_file(folder, "agent notes.txt", "plain text agent file without front matter\n")
    run = cli_run(target)
    assert run.code == 0, run.stderr
    assert list(run.analyzed()) == ["agent notes.txt"]


def test_missing_path_is_a_usage_error_without_traceback(cli_run, tmp_path):
    run = cli_run(tmp_path / "does-not-exist")
    assert run.code == 2
    assert run.stderr.startswith("error: no such file or folder") and "Traceback" not in run.stderr


def test_out_that_is_a_file_is_a_usage_error_without_traceback(cli_run, library, tmp_path):
    blocker = write_file(tmp_path, "not-a-folder", "x")
    run = cli_run(library, out=blocker)
    assert run.code == 2 and run.stderr.startswith("error:") and "Traceback" not in run.stderr
    assert blocker.read_text() == "x"
