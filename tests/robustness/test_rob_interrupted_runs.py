"""Runs that must not lose data: atomic report files, SIGKILL at random points, concurrent runs.

The kill test starts the real ``agent-analyzer`` over corpus B into an --out
that holds a complete report of corpus A, and kills it with SIGKILL: half the
time at a random moment of the run, half the time at a random moment after
its first temporary file appeared (so the write phase is really hit). These
runs use ``--no-cache``: with the cache, a run of B would copy the reference's
reports of B (``uptodate.reuse``) in milliseconds instead of analysing. After
every kill each report file must be byte-identical to A's or to B's complete
file (summary.json: equal apart from its metadata), and anything else left
in the folder must be a hidden ``.NAME.XXXXXXXX.tmp`` file, which the next
complete run removes.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from analyzer.pipeline import analyze
from analyzer.report import render
from analyzer.report.files import atomic_write_bytes, csv_text, stale_temporaries
from analyzer.report.model import build_report
from analyzer.settings import Settings
from robustness_support import CORE_REPORT_FILES, report_names, write_file

fcntl = pytest.importorskip("fcntl")

KILLS = 8
TEMPORARY_NAME = r"\..+\.[a-z0-9_]{8}\.tmp"


def _corpus(folder: Path, prefix: str, count: int) -> Path:
    """``count`` related agent files, so families, pairs and matrices are all non-trivial."""
    shared = "".join(f"- Rule {i}: check the {prefix} inputs and report each problem clearly.\n" for i in range(12))
    for i in range(count):
        write_file(folder, f"{prefix}{i:02d}.md",
                   f"---\nname: {prefix}-agent-{i}\ndescription: agent {i} of corpus {prefix}\n---\n"
                   f"# {prefix.upper()} agent {i}\n\n## Rules\n\n{shared}\n## Own\n\nUnique text {i} for {prefix}: "
                   f"Rule 0: check the {prefix} inputs and report each problem clearly.\n")  # a rule inside: containment
    return folder


def _snapshot(out: Path) -> dict[str, bytes]:
    names = report_names(out)
    assert set(CORE_REPORT_FILES) <= set(names)
    return {name: (out / name).read_bytes() for name in names}


def _comparable(name: str, data: bytes) -> object:
    if name == "summary.json":
        summary = json.loads(data)
        summary.pop("metadata")
        return summary
    return data


def _assert_each_file_old_or_new(out: Path, old: dict[str, bytes], new: dict[str, bytes]) -> None:
    assert set(old) == set(new)
    for name in old:
        data = (out / name).read_bytes()
        value = _comparable(name, data)
        assert value in (_comparable(name, old[name]), _comparable(name, new[name])), f"{name} is neither"
    for path in out.rglob("*"):
        name = path.relative_to(out).as_posix()
        if path.is_file() and name not in old and path.name != render.LOCK_NAME:
            assert path in stale_temporaries(out), f"unexpected file left in --out: {name}"


def _run(command: list[str], corpus: Path, out: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen([*command, "analyze", str(corpus), "--out", str(out), "--quiet", "--workers", "1", *options],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _full_run(command: list[str], corpus: Path, out: Path) -> subprocess.Popen:
    """A run that analyses and writes every report: without the cache it cannot copy another folder's reports."""
    return _run(command, corpus, out, "--no-cache")


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("corpora")
    return _corpus(base / "a", "a", 30), _corpus(base / "b", "b", 40)


@pytest.fixture(scope="module")
def reference(corpora, console_script, tmp_path_factory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Complete reports of corpus A (the old one) and corpus B (the new one)."""
    base = tmp_path_factory.mktemp("reference")
    snapshots = []
    for corpus, name in zip(corpora, ("old", "new")):
        process = _run(console_script, corpus, base / name)
        assert process.wait(timeout=120) == 0, process.stderr.read().decode()
        snapshots.append(_snapshot(base / name))
    old, new = snapshots
    assert set(old) == set(new)
    assert all(_comparable(name, old[name]) != _comparable(name, new[name]) for name in old)
    return old, new


def _wait_for_temporary(process: subprocess.Popen, out: Path) -> bool:
    while process.poll() is None:
        if stale_temporaries(out):
            return True
        time.sleep(0.001)
    return False


def _write_phase_seconds(command: list[str], corpus: Path, out: Path) -> tuple[float, float]:
    """(seconds until the first temporary file appears, seconds from then until exit) of a full run."""
    started = time.monotonic()
    process = _full_run(command, corpus, out)
    assert _wait_for_temporary(process, out), "the run wrote no temporary file"
    first_write = time.monotonic()
    assert process.wait(timeout=120) == 0
    return first_write - started, time.monotonic() - first_write


def _kill_runs(start: Callable[[Path], subprocess.Popen], out: Path, old: dict[str, bytes], new: dict[str, bytes],
               wait: Callable[[int, subprocess.Popen], None]) -> set[tuple[str, ...]]:
    """KILLS runs into ``out``, each started from the complete old report and SIGKILLed after ``wait(kill, run)``;
    after each, every file is old or new. Then one complete run. Returns which files each kill left new."""
    out.mkdir()
    outcomes = set()
    for kill in range(KILLS):
        for name, data in old.items():
            atomic_write_bytes(out / name, data)  # start every kill from the complete old report
        process = start(out)
        wait(kill, process)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        _assert_each_file_old_or_new(out, old, new)
        outcomes.add(tuple(sorted(name for name in old if (out / name).read_bytes() == new[name])))
    final = start(out)
    assert final.wait(timeout=120) == 0
    _assert_each_file_old_or_new(out, new, new)
    assert stale_temporaries(out) == []
    return outcomes


def test_sigkill_at_random_points_leaves_old_or_new_complete_files(corpora, reference, console_script, tmp_path):
    old, new = reference
    before_writing, writing = _write_phase_seconds(console_script, corpora[1], tmp_path / "timing")
    rng = random.Random(8)

    def wait(kill: int, process: subprocess.Popen) -> None:
        if kill % 2:
            time.sleep(rng.uniform(0.5 * before_writing, before_writing + writing))
        elif _wait_for_temporary(process, tmp_path / "out"):
            time.sleep(rng.uniform(0, writing))

    outcomes = _kill_runs(lambda out: _full_run(console_script, corpora[1], out), tmp_path / "out", old, new, wait)
    assert len(outcomes) >= 2, "every kill left the same state: the write phase was never hit"


def test_sigkill_while_copying_another_folders_reports_leaves_old_or_new_complete_files(
        corpora, reference, console_script, tmp_path):
    """With the cache, a run of B into a new --out copies the reference's reports of B; kills during it lose nothing."""
    old, new = reference
    started = time.monotonic()
    copy = _run(console_script, corpora[1], tmp_path / "timing")
    assert copy.wait(timeout=120) == 0
    duration = time.monotonic() - started
    assert json.loads((tmp_path / "timing" / "summary.json").read_bytes())["metadata"].get("copied_from"), \
        "the run analysed instead of copying: this test would not reach the copy"
    rng = random.Random(9)
    _kill_runs(lambda out: _run(console_script, corpora[1], out), tmp_path / "out", old, new,
               lambda kill, process: time.sleep(rng.uniform(0.5 * duration, duration)))


def test_two_concurrent_runs_into_one_out_leave_one_complete_set(corpora, reference, console_script, tmp_path):
    old, new = reference
    for attempt in range(1):
        out = tmp_path / f"shared{attempt}"
        first, second = (_run(console_script, corpus, out) for corpus in corpora)
        assert first.wait(timeout=120) == 0 and second.wait(timeout=120) == 0
        values = {name: _comparable(name, (out / name).read_bytes()) for name in report_names(out)}
        all_old = values == {name: _comparable(name, data) for name, data in old.items()}
        all_new = values == {name: _comparable(name, data) for name, data in new.items()}
        assert all_old or all_new, "report files from two different runs were mixed"


@pytest.fixture
def small_report(tmp_path):
    folder = _corpus(tmp_path / "c", "c", 3)
    settings = Settings(workers=1)
    return build_report(analyze([folder], settings=settings), settings=settings)


def test_every_report_file_is_written_while_holding_the_out_lock(small_report, tmp_path, monkeypatch):
    out = tmp_path / "out"
    checked: list[str] = []

    def write_checking_lock(path: Path, data: bytes) -> None:
        probe = os.open(out / render.LOCK_NAME, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(probe)
        checked.append(path.relative_to(out.resolve()).as_posix())
        atomic_write_bytes(path, data)

    monkeypatch.setattr(render, "atomic_write_bytes", write_checking_lock)
    monkeypatch.setattr(render, "atomic_write_text", lambda path, text: write_checking_lock(path, text.encode()))
    monkeypatch.setattr(render, "atomic_write_csv",
                        lambda path, columns, rows: write_checking_lock(path, csv_text(columns, rows).encode()))
    render.write_reports(small_report, out)
    assert sorted(checked) == report_names(out)
    probe = os.open(out / render.LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released after writing
    finally:
        os.close(probe)


def test_a_run_waits_for_the_lock_holder(small_report, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    holder = os.open(out / render.LOCK_NAME, os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    writer = threading.Thread(target=render.write_reports, args=(small_report, out))
    writer.start()
    writer.join(timeout=1.0)
    blocked = writer.is_alive()
    written_while_locked = report_names(out)
    os.close(holder)
    writer.join(timeout=60)
    assert blocked and written_while_locked == []
    assert set(CORE_REPORT_FILES) <= set(report_names(out))


def test_stale_temporaries_from_a_killed_run_are_removed_by_the_next(small_report, tmp_path):
    out = tmp_path / "out"
    (out / "families" / "F0001").mkdir(parents=True)
    leftovers = [out / ".files.csv.ab12cd_3.tmp", out / "families" / "F0001" / ".similarity_matrix.csv.zz99yy00.tmp"]
    for path in leftovers:
        path.write_bytes(b"half a fi")
    keep = write_file(out, "notes.tmp", "a user file that only looks temporary")
    render.write_reports(small_report, out)
    assert not any(path.exists() for path in leftovers)
    assert keep.exists()


def test_failed_write_keeps_the_previous_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = write_file(tmp_path, "report.html", "old complete report")

    def broken_replace(source, destination):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"new report")
    assert target.read_text() == "old complete report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_report_files_get_the_usual_permissions_not_private_ones(small_report, tmp_path):
    out = tmp_path / "out"
    previous = os.umask(0o022)
    try:
        render.write_reports(small_report, out)
    finally:
        os.umask(previous)
    modes = {name: (out / name).stat().st_mode & 0o777 for name in report_names(out)}
    assert set(modes.values()) == {0o644}, modes
