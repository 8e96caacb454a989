"""The scan history store and ``agent-analyzer history``: real scans of the corpus seeds in a temporary folder.

The commands run as subprocesses (``python -m analyzer``), so exit codes and
stderr are the ones a user sees; store-level behaviour (atomic appends,
concurrent writers, refused schemas) is checked through ``analyzer.history``.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from analyzer import history
from analyzer.history import HistoryError, HistoryMissing, files_changed_between, load_trend, record_scan
from analyzer.pipeline import analyze
from analyzer.report.history_out import history_png
from analyzer.scan import ScanSettings, run_scan
from analyzer.settings import Settings

SEEDS = Path(__file__).resolve().parents[1] / "corpus"
STORE = Path(".agent-analyzer/history.sqlite")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analyzer", *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A folder holding a copy of the corpus seeds in ``seeds/``."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return tmp_path


def seed_files(workspace: Path) -> list[Path]:
    return sorted((workspace / "seeds").iterdir())


def scan_once(tmp_path: Path) -> tuple:
    result = analyze([tmp_path / "seeds"], settings=Settings())
    outcome = run_scan(result, settings=ScanSettings())
    return result, outcome


def record(store: Path, result, outcome, exit_status: int = 1) -> int:
    return record_scan(store, result, outcome, settings=Settings(), scan_settings=ScanSettings(),
                       exit_status=exit_status)


def history_json(workspace: Path, *args: str) -> dict:
    completed = run_cli(workspace, "history", "--format", "json", *args)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_trend_shows_an_edited_and_an_added_file(workspace: Path) -> None:
    first, second = seed_files(workspace)[:2]
    assert run_cli(workspace, "scan", "seeds", "--update-baseline").returncode == 0
    with first.open("a", encoding="utf-8") as stream:
        stream.write("\n## Release checklist\n\nTag the release only after the staging deploy has run for a day.\n")
    assert run_cli(workspace, "scan", "seeds").returncode == 0
    shutil.copy(second, workspace / "seeds" / "copy-of-second.txt")
    assert run_cli(workspace, "scan", "seeds").returncode == 1  # the copy is a new duplicate

    scans = history_json(workspace)["scans"]
    assert [s["files"] for s in scans] == [5, 5, 6]
    assert [s["exit_status"] for s in scans] == [0, 0, 1]
    assert scans[0]["changes"] is None
    assert scans[1]["changes"]["modified"] == [first.name]
    assert scans[1]["blocks"] > scans[0]["blocks"]
    assert scans[2]["changes"]["added"] == ["copy-of-second.txt"]
    assert scans[2]["new_findings"] >= 1 and scans[2]["changes"]["findings_appeared"]

    completed = run_cli(workspace, "history")
    assert completed.returncode == 0, completed.stderr
    rows = completed.stdout.splitlines()
    assert rows[1].split()[:3] == ["scan", "date", "(UTC)"]
    assert rows[2].startswith("#1") and rows[2].endswith("first scan")
    assert rows[3].endswith("~1 file, dup -0.1 pt")  # the new section is not shared
    assert "+1 file" in rows[4] and "findings" in rows[4]
    assert rows[-1] == "wrote reports/history.png"
    assert (workspace / "reports" / "history.png").read_bytes().startswith(PNG_SIGNATURE)


def test_last_n_shows_only_the_latest_scans_with_their_changes(workspace: Path) -> None:
    result, outcome = scan_once(workspace)
    store = workspace / STORE
    for _ in range(3):
        record(store, result, outcome)
    points = load_trend(store, last=2)
    assert [p.scan_id for p in points] == [2, 3]
    assert points[0].previous_id == 1 and points[0].changes == history.ScanChanges()
    assert len(history_json(workspace, "--last", "1")["scans"]) == 1
    assert run_cli(workspace, "history", "--last", "0").returncode == 2


def test_scan_with_no_history_records_nothing(workspace: Path) -> None:
    assert run_cli(workspace, "scan", "seeds", "--no-history").returncode == 1
    assert not (workspace / STORE).exists()


def test_missing_store_exits_2_and_says_to_run_scan_first(workspace: Path) -> None:
    completed = run_cli(workspace, "history")
    assert completed.returncode == 2
    assert "run `agent-analyzer scan` first" in completed.stderr
    assert not (workspace / STORE).exists()  # reading never creates a store


@pytest.mark.parametrize("damage", ["not sqlite", "corrupt pages"])
def test_damaged_store_is_a_clean_error_naming_the_path(workspace: Path, damage: str) -> None:
    store = workspace / STORE
    if damage == "not sqlite":
        store.parent.mkdir(parents=True)
        store.write_bytes(b"this is a text file, not a database\n" * 100)
    else:
        record(store, *scan_once(workspace))
        data = bytearray(store.read_bytes())
        data[4096:] = b"\xff" * (len(data) - 4096)  # every page after the first
        store.write_bytes(bytes(data))
    before = store.read_bytes()

    completed = run_cli(workspace, "history")
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert str(STORE) in completed.stderr and "Traceback" not in completed.stderr

    scanned = run_cli(workspace, "scan", "seeds")
    assert scanned.returncode == 1  # the policy result, not a history error
    assert "warning: scan not recorded in the history" in scanned.stderr and str(STORE) in scanned.stderr
    assert store.read_bytes() == before


def test_unwritable_store_warns_and_keeps_the_scan_exit_code(workspace: Path) -> None:
    (workspace / "blocker").write_text("a file where the store's folder should be")
    completed = run_cli(workspace, "scan", "seeds", "--history", "blocker/history.sqlite")
    assert completed.returncode == 1
    assert "new finding(s)" in completed.stdout
    assert "warning: scan not recorded in the history: blocker/history.sqlite" in completed.stderr


def test_newer_schema_is_refused_and_left_unchanged(workspace: Path) -> None:
    result, outcome = scan_once(workspace)
    store = workspace / STORE
    record(store, result, outcome)
    with sqlite3.connect(store) as connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    before = store.read_bytes()
    with pytest.raises(HistoryError, match="schema version 99.*upgrade agent-analyzer"):
        record(store, result, outcome)
    completed = run_cli(workspace, "history")
    assert completed.returncode == 2 and "upgrade agent-analyzer" in completed.stderr
    assert store.read_bytes() == before


def test_sqlite_file_of_another_program_is_not_touched(workspace: Path) -> None:
    store = workspace / "other.sqlite"
    with sqlite3.connect(store) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER)")
    before = store.read_bytes()
    with pytest.raises(HistoryError, match="not an agent-analyzer history store.*invoices"):
        record(store, *scan_once(workspace))
    assert store.read_bytes() == before


def test_error_inside_the_transaction_leaves_the_store_as_before(workspace: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    result, outcome = scan_once(workspace)
    store = workspace / STORE
    record(store, result, outcome)

    def killed(*args: object) -> None:
        raise KeyboardInterrupt("killed after the scan and its files were inserted")

    monkeypatch.setattr(history, "_insert_findings", killed)
    with pytest.raises(KeyboardInterrupt):
        record(store, result, outcome)
    assert [p.scan_id for p in load_trend(store)] == [1]
    with sqlite3.connect(store) as connection:
        assert connection.execute("SELECT COUNT(*) FROM scan_files").fetchone() == (5,)


KILLED_WRITER = """
import sys, time
from pathlib import Path
from analyzer import history
from analyzer.pipeline import analyze
from analyzer.scan import ScanSettings, run_scan
from analyzer.settings import Settings

store, seeds = Path(sys.argv[1]), Path(sys.argv[2])
result = analyze([seeds], settings=Settings())
outcome = run_scan(result, settings=ScanSettings())
insert_findings = history._insert_findings

def slow_insert(*args):
    insert_findings(*args)
    print("inside the transaction", flush=True)
    time.sleep(60)

history._insert_findings = slow_insert
history.record_scan(store, result, outcome, settings=Settings(), scan_settings=ScanSettings(), exit_status=1)
"""


def test_process_killed_inside_the_transaction_leaves_the_store_intact(workspace: Path) -> None:
    result, outcome = scan_once(workspace)
    store = workspace / STORE
    record(store, result, outcome)
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(store), str(workspace / "seeds")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "inside the transaction", writer.stderr.read()
    finally:
        writer.kill()
        writer.communicate()

    assert [p.scan_id for p in load_trend(store)] == [1]  # the hot journal is rolled back on open
    with sqlite3.connect(store) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT COUNT(*) FROM scan_findings").fetchone() == (len(outcome.findings),)
    assert record(store, result, outcome) == 2


CONCURRENT_WRITER = """
import sys, time
from pathlib import Path
from analyzer.history import record_scan
from analyzer.pipeline import analyze
from analyzer.scan import ScanSettings, run_scan
from analyzer.settings import Settings

store, seeds, start = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
result = analyze([seeds], settings=Settings())
outcome = run_scan(result, settings=ScanSettings())
while not start.exists():
    time.sleep(0.01)
for _ in range(5):
    record_scan(store, result, outcome, settings=Settings(), scan_settings=ScanSettings(), exit_status=1)
"""


def test_two_concurrent_scans_both_land(workspace: Path) -> None:
    store, start = workspace / STORE, workspace / "start"
    writers = [subprocess.Popen([sys.executable, "-c", CONCURRENT_WRITER, str(store), str(workspace / "seeds"),
                                 str(start)], stderr=subprocess.PIPE, text=True) for _ in range(2)]
    time.sleep(0.5)
    start.touch()  # both create the store and append at once
    for writer in writers:
        _, errors = writer.communicate(timeout=120)
        assert writer.returncode == 0, errors
    points = load_trend(store)
    assert [p.scan_id for p in points] == list(range(1, 11))
    assert {p.files for p in points} == {5}
    with sqlite3.connect(store) as connection:
        assert connection.execute("SELECT COUNT(*) FROM scan_files").fetchone() == (50,)


def test_unchanged_files_store_their_blocks_once(workspace: Path) -> None:
    result, outcome = scan_once(workspace)
    store = workspace / STORE
    record(store, result, outcome)
    record(store, result, outcome)
    blocks = sum(len(f.blocks) for f in result.files)
    with sqlite3.connect(store) as connection:
        assert connection.execute("SELECT COUNT(*) FROM file_blocks").fetchone() == (blocks,)
        per_scan = connection.execute("SELECT scan_id, COUNT(*) FROM scan_blocks GROUP BY scan_id").fetchall()
    assert per_scan == [(1, blocks), (2, blocks)]
    assert files_changed_between(store, 1, 2) == history.ScanChanges()
    with pytest.raises(HistoryError, match="no scan with id 7"):
        files_changed_between(store, 1, 7)
    with pytest.raises(HistoryMissing):
        load_trend(workspace / "nowhere.sqlite")


def test_history_png_is_a_deterministic_png(workspace: Path) -> None:
    from PIL import Image

    result, outcome = scan_once(workspace)
    store = workspace / STORE
    for _ in range(3):
        record(store, result, outcome)
    assert run_cli(workspace, "history", "--out", "a").returncode == 0
    assert run_cli(workspace, "history", "--out", "b").returncode == 0
    first, second = (workspace / "a" / "history.png").read_bytes(), (workspace / "b" / "history.png").read_bytes()
    assert first.startswith(PNG_SIGNATURE) and first == second
    assert first == history_png(load_trend(store))
    with Image.open(workspace / "a" / "history.png") as image:
        assert image.size == (1000, 800)


def test_readme_history_commands_work_as_written(workspace: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### History", 1)[1].split("\n#", 1)[0]
    commands = [line.split("  #")[0].strip() for line in textwrap.dedent(section).splitlines()
                if line.startswith("agent-analyzer ")]
    assert any(c.startswith("agent-analyzer history") for c in commands)
    (workspace / "agents").mkdir()
    for path in seed_files(workspace):
        shutil.copy(path, workspace / "agents" / path.name)
    for command in commands:
        completed = run_cli(workspace, *command.split()[1:])
        assert completed.returncode in (0, 1), f"{command}: {completed.stderr}"
