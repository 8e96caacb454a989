"""The scan history store: one SQLite file that every ``scan`` appends to.

Each scan adds one row to ``scans`` (when, which root, tool version, a hash
of the settings, the counts and the exit status) and its detail rows: the
files with their sha256 and file family (``scan_files``) and every finding
with its identity key and whether the baseline had accepted it
(``scan_findings``). Block fingerprints are stored once per distinct file
content (``file_blocks``, keyed by the file's sha256, the settings hash and
the tool version), so an unchanged file costs one ``scan_files`` row per
scan, not one row per block; the view ``scan_blocks`` joins them back into
(scan, path, ordinal, kind, heading path, fingerprint) rows.

**Atomic appends.** A scan is written in one ``BEGIN IMMEDIATE`` transaction
in SQLite's default rollback-journal mode: a process killed half-way leaves a
journal that the next connection rolls back, so the store reads as before.
``BEGIN IMMEDIATE`` takes the write lock up front, and the connection waits up
to ``BUSY_TIMEOUT_SECONDS`` for it, so two scans appending at the same time
both land, one after the other.

**Versioned schema.** ``meta`` holds ``schema_version``. A store written by a
newer agent-analyzer, a file that is not SQLite, a corrupt file or a SQLite
file that holds other tables raise ``HistoryError`` with the path and what to
do; they are never changed.

Example::

    >>> import tempfile
    >>> from pathlib import Path
    >>> store = Path(tempfile.mkdtemp()) / "history.sqlite"
    >>> try:
    ...     load_trend(store)
    ... except HistoryMissing as error:
    ...     print(str(error).split("; ")[1])
    run `agent-analyzer scan` first (it records every scan there)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from analyzer import __version__
from analyzer.models import AnalysisResult
from analyzer.scan import ScanResult, ScanSettings
from analyzer.settings import Settings

SCHEMA_VERSION = 1
BUSY_TIMEOUT_SECONDS = 30.0
DEFAULT_HISTORY = Path(".agent-analyzer/history.sqlite")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scans (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,            -- UTC, ISO 8601
    root TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    settings_hash TEXT NOT NULL,
    files INTEGER NOT NULL,
    blocks INTEGER NOT NULL,
    families INTEGER NOT NULL,           -- file families with 2+ files
    findings INTEGER NOT NULL,
    new_findings INTEGER NOT NULL,       -- findings the baseline did not accept
    duplicated_share REAL NOT NULL,
    exit_status INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS scan_files (
    scan_id INTEGER NOT NULL REFERENCES scans(id),
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    family TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS scan_files_by_scan ON scan_files (scan_id, path);
CREATE TABLE IF NOT EXISTS file_blocks (
    sha256 TEXT NOT NULL,
    settings_hash TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    kind TEXT NOT NULL,
    heading_path TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (sha256, settings_hash, tool_version, ordinal)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS scan_findings (
    scan_id INTEGER NOT NULL REFERENCES scans(id),
    policy TEXT NOT NULL,
    finding_id TEXT NOT NULL,            -- analyzer.scan.finding_id: what the finding is about
    level TEXT NOT NULL,
    files TEXT NOT NULL,                 -- JSON list of paths
    message TEXT NOT NULL,
    is_new INTEGER NOT NULL              -- 1 when the baseline did not accept it
);
CREATE INDEX IF NOT EXISTS scan_findings_by_scan ON scan_findings (scan_id, finding_id);
CREATE VIEW IF NOT EXISTS scan_blocks AS
    SELECT f.scan_id, f.path, b.ordinal, b.kind, b.heading_path, b.fingerprint
    FROM scan_files AS f
    JOIN scans AS s ON s.id = f.scan_id
    JOIN file_blocks AS b
      ON b.sha256 = f.sha256 AND b.settings_hash = s.settings_hash AND b.tool_version = s.tool_version;
"""


class HistoryError(Exception):
    """The history store cannot be read or written; the message names the path and the fix."""


class HistoryMissing(HistoryError):
    """There is no history store (or it holds no scans) at the path."""


@dataclass(frozen=True)
class ScanChanges:
    """What changed from one scan to another: files by path and sha256, findings by identity."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    findings_appeared: tuple[str, ...] = ()
    findings_resolved: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrendPoint:
    """One recorded scan, and what changed since the scan recorded before it (None for the first)."""

    scan_id: int
    started_at: str
    root: str
    tool_version: str
    settings_hash: str
    files: int
    blocks: int
    families: int
    findings: int
    new_findings: int
    duplicated_share: float
    exit_status: int
    previous_id: int | None = None
    previous_root: str | None = None
    previous_duplicated_share: float | None = None
    changes: ScanChanges | None = None


def settings_hash(settings: Settings, scan_settings: ScanSettings) -> str:
    """A short hash of every setting that can change results (not ``workers`` or ``cache_dir``)."""
    data = json.dumps({"analysis": settings.result_values(), "scan": dataclasses.asdict(scan_settings)},
                      sort_keys=True, default=list)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


# --- opening the store ----------------------------------------------------------

@contextmanager
def _connect(path: Path, *, create: bool) -> Iterator[sqlite3.Connection]:
    """A connection in autocommit mode (transactions are explicit); errors become HistoryError."""
    if not create and not path.is_file():
        if path.exists():
            raise HistoryError(f"{path}: not a file; pass --history with the path of the history store")
        raise HistoryMissing(f"no history store at {path}; run `agent-analyzer scan` first "
                             "(it records every scan there)")
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    except (OSError, sqlite3.Error) as error:
        raise HistoryError(f"{path}: cannot open the history store ({error})") from error
    try:
        yield connection
    except sqlite3.Error as error:
        raise _store_error(path, error) from error
    finally:
        connection.close()


def _store_error(path: Path, error: sqlite3.Error) -> HistoryError:
    text = str(error)
    if "locked" in text or "busy" in text:
        return HistoryError(f"{path}: still locked by another process after {BUSY_TIMEOUT_SECONDS:.0f} s ({text}); "
                            "try again when the other scan has finished")
    if isinstance(error, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
        return HistoryError(f"{path}: not a readable SQLite history store ({text}); move it aside "
                            "(a new store is started on the next scan) or pass --history with another path")
    return HistoryError(f"{path}: history store error ({text})")


def _check_schema(connection: sqlite3.Connection, path: Path, *, create: bool) -> bool:
    """True when the store holds our schema (creating it when asked and the file is empty)."""
    names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    if "meta" not in names:
        if names:
            raise HistoryError(f"{path}: a SQLite file that is not an agent-analyzer history store "
                               f"(it holds {', '.join(sorted(names)[:5])}); pass --history with another path")
        if not create:
            return False
        for statement in _SCHEMA.split(";"):  # not executescript: it would COMMIT the caller's transaction
            if statement.strip():
                connection.execute(statement)
        connection.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                               [("schema_version", str(SCHEMA_VERSION)), ("tool", "agent-analyzer")])
        return True
    row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = row[0] if row else None
    if version != str(SCHEMA_VERSION):
        raise HistoryError(f"{path}: history schema version {version} is not the one this agent-analyzer "
                           f"{__version__} reads ({SCHEMA_VERSION}); upgrade agent-analyzer "
                           "(pip install -U agent-analyzer), or pass --history with another path to start a new store")
    return True


@contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT; any exception (KeyboardInterrupt too) rolls everything back."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            try:
                connection.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the journal still rolls the change back when the next connection opens the store
        raise


# --- writing ------------------------------------------------------------------

def record_scan(path: Path, result: AnalysisResult, outcome: ScanResult, *, settings: Settings,
                scan_settings: ScanSettings, exit_status: int, started_at: str | None = None) -> int:
    """Append one scan to the store at ``path`` (created with its folder if missing); return its id.

    Args:
        path: the SQLite history file.
        result: the analysis the scan ran on (files, blocks, families).
        outcome: the scan's findings; ``outcome.new`` marks the ones the baseline did not accept.
        settings, scan_settings: hashed into ``settings_hash`` (and the key of stored block rows).
        exit_status: the exit code the scan command returns.
        started_at: UTC ISO 8601 time the scan started (default: now).

    Raises:
        HistoryError: the store cannot be written; nothing was changed.
    """
    path = Path(path)
    started_at = started_at or datetime.now(timezone.utc).isoformat(timespec="seconds")
    digest = settings_hash(settings, scan_settings)
    with _connect(path, create=True) as connection, _transaction(connection):
        _check_schema(connection, path, create=True)
        scan_id = _insert_scan(connection, result, outcome, started_at=started_at, digest=digest,
                               exit_status=exit_status)
        _insert_files(connection, scan_id, result, digest=digest)
        _insert_findings(connection, scan_id, outcome)
    return scan_id


def _insert_scan(connection: sqlite3.Connection, result: AnalysisResult, outcome: ScanResult, *,
                 started_at: str, digest: str, exit_status: int) -> int:
    families = sum(1 for family in result.file_families if len(family.members) > 1)
    cursor = connection.execute(
        "INSERT INTO scans (started_at, root, tool_version, settings_hash, files, blocks, families, findings, "
        "new_findings, duplicated_share, exit_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (started_at, result.root, __version__, digest, len(result.files), sum(len(f.blocks) for f in result.files),
         families, len(outcome.findings), len(outcome.new), outcome.duplicated_share, exit_status))
    return int(cursor.lastrowid)


def _insert_files(connection: sqlite3.Connection, scan_id: int, result: AnalysisResult, *, digest: str) -> None:
    family_of = {path: family.family_id for family in result.file_families for path in family.members}
    connection.executemany("INSERT INTO scan_files (scan_id, path, sha256, family) VALUES (?, ?, ?, ?)",
                           [(scan_id, f.path, f.sha256, family_of.get(f.path, "")) for f in result.files])
    connection.executemany(
        "INSERT OR IGNORE INTO file_blocks (sha256, settings_hash, tool_version, ordinal, kind, heading_path, "
        "fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(f.sha256, digest, __version__, b.ordinal, b.kind, b.heading_path, b.fingerprint)
         for f in result.files for b in f.blocks])


def _insert_findings(connection: sqlite3.Connection, scan_id: int, outcome: ScanResult) -> None:
    new_ids = {f.finding_id for f in outcome.new}
    connection.executemany(
        "INSERT INTO scan_findings (scan_id, policy, finding_id, level, files, message, is_new) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(scan_id, f.policy, f.finding_id, f.level, json.dumps(list(f.files), ensure_ascii=False), f.message,
          int(f.finding_id in new_ids)) for f in outcome.findings])


# --- reading ------------------------------------------------------------------

_POINT_COLUMNS = ("id, started_at, root, tool_version, settings_hash, files, blocks, families, findings, "
                  "new_findings, duplicated_share, exit_status")


def load_trend(path: Path, *, last: int | None = None) -> tuple[TrendPoint, ...]:
    """Every recorded scan (or the last ``last``), oldest first, each with its changes since the one before.

    Raises:
        HistoryMissing: no store at ``path``.
        HistoryError: the store is not SQLite, corrupt, or has a schema this version does not read.
    """
    if last is not None and last < 1:
        raise ValueError(f"last must be at least 1, got {last}")
    path = Path(path)
    with _connect(path, create=False) as connection:
        if not _check_schema(connection, path, create=False):
            return ()
        rows = connection.execute(f"SELECT {_POINT_COLUMNS} FROM scans ORDER BY id").fetchall()
        points = []
        for index in range(max(0, len(rows) - last) if last else 0, len(rows)):
            previous = rows[index - 1] if index else None
            changes = _changes(connection, previous[0], rows[index][0]) if previous else None
            points.append(TrendPoint(*rows[index], previous_id=previous[0] if previous else None,
                                     previous_root=previous[2] if previous else None,
                                     previous_duplicated_share=previous[10] if previous else None, changes=changes))
    return tuple(points)


def files_changed_between(path: Path, scan_a: int, scan_b: int) -> ScanChanges:
    """Files added, removed and modified (sha256 differs) from scan ``scan_a`` to scan ``scan_b``,
    and the finding ids that appeared or were resolved."""
    path = Path(path)
    with _connect(path, create=False) as connection:
        if not _check_schema(connection, path, create=False):
            raise HistoryMissing(f"{path}: no scans recorded yet; run `agent-analyzer scan` first")
        known = {row[0] for row in connection.execute("SELECT id FROM scans WHERE id IN (?, ?)", (scan_a, scan_b))}
        missing = [str(i) for i in (scan_a, scan_b) if i not in known]
        if missing:
            raise HistoryError(f"{path}: no scan with id {', '.join(missing)}")
        return _changes(connection, scan_a, scan_b)


def _changes(connection: sqlite3.Connection, scan_a: int, scan_b: int) -> ScanChanges:
    def column(sql: str) -> tuple[str, ...]:
        return tuple(row[0] for row in connection.execute(sql, {"a": scan_a, "b": scan_b}))

    only_in = ("SELECT DISTINCT {col} FROM {table} WHERE scan_id = :{x} AND {col} NOT IN "
               "(SELECT {col} FROM {table} WHERE scan_id = :{y}) ORDER BY {col}")
    return ScanChanges(
        added=column(only_in.format(col="path", table="scan_files", x="b", y="a")),
        removed=column(only_in.format(col="path", table="scan_files", x="a", y="b")),
        modified=column("SELECT DISTINCT new.path FROM scan_files AS new JOIN scan_files AS old "
                        "ON old.path = new.path AND old.scan_id = :a "
                        "WHERE new.scan_id = :b AND old.sha256 <> new.sha256 ORDER BY new.path"),
        findings_appeared=column(only_in.format(col="finding_id", table="scan_findings", x="b", y="a")),
        findings_resolved=column(only_in.format(col="finding_id", table="scan_findings", x="a", y="b")),
    )
