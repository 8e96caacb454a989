"""Safe file output: atomic writes, CSV cells that cannot run as formulas, paths kept inside ``--out``.

Every file is written to a temporary file in the destination folder and
moved into place with ``os.replace``, which is atomic on POSIX and Windows:
a run killed at any moment leaves either the old file or the new one, never
half of one. The temporary file gets the permissions a plain ``open()`` would
give (0666 minus the umask), not ``mkstemp``'s private 0600, so a report can
be read by whoever could read the previous one. A killed run can leave its
temporary file behind (``.NAME.XXXXXXXX.tmp``); ``stale_temporaries`` finds
them so the next run can remove them.

CSV cells are neutralised as OWASP recommends for CSV injection: a text cell
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
prefixed with a single quote, so a spreadsheet shows it as text instead of
evaluating it. Numbers are written as numbers and are never prefixed.
Header cells are guarded too: the matrix CSVs use file paths as column
names, and a file may be called ``=cmd|' /C calc'!A0.md``.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset(_FORMULA_START)
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_TEMPORARY = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.tmp")  # what mkstemp(prefix=".NAME.", suffix=".tmp") makes
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


class OutputError(Exception):
    """An output path would leave the output folder, or the folder cannot be written."""


def _umask() -> int:
    """The process umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A binary stream whose bytes replace ``path`` only once all were written (temp file + rename).

    The temporary file sits in the same folder (so the rename is atomic); on
    any error it is removed and ``path`` keeps its previous content. It is not
    fsynced: a report set of 1,000 families is 3,000 files, and syncing each
    cost 2.5 s. Reports can always be rebuilt, and a file that a power cut
    truncated is caught by the up-to-date check (``analyzer.uptodate``
    compares every report's checksum before reusing it), so the next run
    rewrites it. A killed process still leaves each file whole, old or new.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(handle, 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as stream:
            yield stream
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    with atomic_file(path) as stream:
        stream.write(data)


def atomic_write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict]) -> None:
    """``csv_text(columns, rows)`` streamed into ``path`` atomically, never held in memory whole
    (blocks.csv of a 5,000-file library is 122 MB of text, up to four times that as a str)."""
    with atomic_file(path) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        try:
            write_csv(text, columns, rows)
            text.flush()
        finally:
            text.detach()  # the binary stream stays open for atomic_file to sync and close


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def stale_temporaries(folder: Path) -> list[Path]:
    """Temporary files that an interrupted ``atomic_write_bytes`` left in ``folder`` or below it, sorted."""
    try:
        entries = list(folder.rglob(".*.tmp"))
    except OSError:
        return []
    return sorted(p for p in entries if _TEMPORARY.fullmatch(p.name) and p.is_file() and not p.is_symlink())


def safe_cell(value: object) -> object:
    """A CSV cell that a spreadsheet cannot run: text starting with = + - @ TAB or CR gets a ' (OWASP)."""
    if type(value) is str:
        return "'" + value if value[:1] in _FORMULA_CHARS and value else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


_PLAIN_LINES = 4096  # plain lines gathered before one write to the stream


def write_csv(stream: TextIO, columns: Sequence[str], rows: Iterable[dict]) -> None:
    """Rows as CSV into ``stream``, every cell through ``safe_cell`` (a missing column is an empty cell).

    The bytes are exactly those of ``csv.writer`` (minimal quoting, ``\\n``
    line ends), written about twice as fast: ``csv.writer`` looks at every
    character in a C loop that managed about 40 MB/s here, and a call of
    ``safe_cell`` per cell cost as much again (blocks.csv of corpus-public is
    122 MB in 4.3 million cells). Most rows need no quoting, so each row's
    cells are made text in one pass (``_plain_line``: ``safe_cell``'s rule
    for the common types, written out) and joined with commas in one call; a
    line without a quote, line break or NUL whose commas are exactly the
    separators needed no quoting, and it is what ``csv.writer`` writes. Every
    other row goes through ``safe_cell`` and ``csv.writer`` as before, in order.
    """
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([safe_cell(column) for column in columns])  # matrix headers are file paths
    separators = len(columns) - 1
    blanks = itertools.repeat("")
    lines: list[str] = []
    for row in rows:
        values = list(map(row.get, columns, blanks))
        line = _plain_line(values, separators)
        if line is None:
            stream.write("".join(lines))
            lines.clear()
            writer.writerow([safe_cell(value) for value in values])
            continue
        lines.append(line)
        if len(lines) >= _PLAIN_LINES:
            stream.write("".join(lines))
            lines.clear()
    stream.write("".join(lines))


def _plain_line(values: list, separators: int) -> str | None:
    """The CSV line (with its ``\\n``) ``csv.writer`` writes for ``safe_cell`` of each value, when no
    cell needs quoting; None otherwise, or when a value is of a type other than str, int, float, bool
    or None (``csv.writer`` decides its text)."""
    formula = _FORMULA_CHARS
    texts = [
        ("'" + value if value[:1] in formula and value else value) if type(value) is str
        else repr(value) if type(value) is int or type(value) is float
        else ("true" if value else "false") if type(value) is bool
        else "" if value is None
        else None
        for value in values
    ]
    if None in texts:
        return None
    line = ",".join(texts)  # type: ignore[arg-type]
    if ('"' in line or "\n" in line or "\r" in line or "\0" in line or line.count(",") != separators
            or not (line or separators)):
        return None
    return line + "\n"


def csv_text(columns: Sequence[str], rows: Iterable[dict]) -> str:
    buffer = io.StringIO()
    write_csv(buffer, columns, rows)
    return buffer.getvalue()


def json_text(data: object, *, indent: int | None = 2) -> str:
    """JSON text; nesting deeper than Python's recursion limit (a lineage chain of thousands of
    files is a tree that deep) is encoded with the limit raised for the call."""
    try:
        return json.dumps(data, indent=indent, ensure_ascii=False, sort_keys=False) + "\n"
    except RecursionError:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 100_000))
        try:
            return json.dumps(data, indent=indent, ensure_ascii=False, sort_keys=False) + "\n"
        finally:
            sys.setrecursionlimit(limit)


def safe_name(text: str, fallback: str = "item") -> str:
    """A file-name component built from untrusted text that cannot leave its folder."""
    name = _UNSAFE_NAME.sub("-", text).strip(".-")[:80] or fallback
    return f"_{name}" if name.lower().split(".")[0] in _RESERVED else name


def inside(out_dir: Path, *parts: str) -> Path:
    """``out_dir / parts`` after checking that the result stays inside ``out_dir``."""
    base = out_dir.resolve()
    target = base.joinpath(*(safe_name(p) for p in parts)).resolve()
    if base != target and base not in target.parents:
        raise OutputError(f"refusing to write {target}: outside the output folder {base}")
    return target
