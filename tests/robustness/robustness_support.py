"""Helpers for the robustness suite: a finished CLI run, and checks that read every output.

Imported by the test modules by name (pytest puts this folder on sys.path),
so it is not called ``conftest``: tests/conftest.py already owns that name.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared"
CORPUS_PUBLIC = SHARED / "corpus-public"

CORE_REPORT_FILES = ("files.csv", "blocks.csv", "file_pairs.csv", "summary.json", "report.html")
"""Files every run writes; others (more CSVs, families/) are found by listing --out."""


def report_names(out: Path) -> list[str]:
    """Paths (relative to ``out``) of the report files, in sub-folders too: regular files that are not hidden."""
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                  if p.is_file() and not p.name.startswith("."))


@dataclass
class CliRun:
    """One finished ``agent-analyzer analyze`` run and its --out folder."""

    code: int
    stdout: str
    stderr: str
    out: Path

    @property
    def summary(self) -> dict:
        return json.loads((self.out / "summary.json").read_text(encoding="utf-8"))

    @property
    def html(self) -> str:
        return (self.out / "report.html").read_text(encoding="utf-8")

    def rows(self, name: str) -> list[dict]:
        return list(csv.DictReader(io.StringIO((self.out / name).read_text(encoding="utf-8"))))

    def analyzed(self) -> dict[str, dict]:
        """files.csv rows keyed by report path (with the CSV formula guard taken off)."""
        return {unguard(row["file"]): row for row in self.rows("files.csv")}

    def skipped(self) -> dict[str, dict]:
        """summary.json 'skipped' entries keyed by path."""
        return {item["path"]: item for item in self.summary["skipped"]}

    def warnings_of(self, path: str) -> list[str]:
        return [item["warning"] for item in self.summary["warnings"] if item["file"] == path]


RunCli = Callable[..., CliRun]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def unguard(cell: str) -> str:
    """The text of a CSV cell before the OWASP guard quote was put in front of it."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


def assert_skipped(run: CliRun, path: str, reason_part: str, *, severity: str = "error") -> dict:
    """``path`` was skipped with a reason containing ``reason_part``, visible everywhere it must be.

    summary.json has path, reason and severity; an error also reaches stderr
    (``skipped: PATH: REASON``) and makes the exit code 3; report.html lists
    the path and reason (escaped the way Jinja escapes text).
    """
    from markupsafe import escape

    entry = run.skipped().get(path)
    assert entry is not None, f"{path!r} missing from summary.json skipped: {run.summary['skipped']}"
    assert reason_part in entry["reason"], entry
    assert entry["severity"] == severity, entry
    assert path not in run.analyzed(), f"{path} was both skipped and analyzed"
    html = run.html
    assert str(escape(path)) in html and str(escape(entry["reason"])) in html
    if severity == "error":
        assert f"skipped: {path}: {entry['reason']}" in run.stderr
        assert run.code == 3
    return entry


def write_file(folder: Path, name: str, content: str | bytes) -> Path:
    """Write ``content`` (text as UTF-8, bytes as they are) to ``folder/name``."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


GOOD_AGENT = """---
name: reviewer
description: Reviews code for bugs and style.
tools: Read, Grep
---
# Reviewer

You review pull requests carefully and report bugs with line numbers.

## Rules

- Be specific about every problem you find in the change.
- Suggest a fix for each problem, with a short code example.
"""




def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
