"""First-commit dates of the analyzed files, for ``--git-dates`` lineage evidence.

One ``git log`` pass over the analyzed folder replaces one
``git log --diff-filter=A --follow -- path`` call per file:

    git log --reverse --diff-filter=AR -M --name-status -z --format=%x01%at -- <folder>

walks the history oldest first and lists, per commit, the files it added
(``A path``) and renamed (``R<score> old new``). A path's date is the first
commit that added it; a rename passes the old path's date on to the new
path, which is what ``--follow`` does for a single file. Dates are author
dates converted to UTC ISO-8601 (``2024-05-01T10:00:00+00:00``), so comparing
them as strings orders them in time whatever the committers' time zones.

Reading git is the only thing here that can fail (no git executable, not a
repository, a corrupt repository, a timeout); every failure becomes a
``GitDatesError`` whose message says what happened, and the pipeline turns it
into a warning: lineage then uses content evidence only.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

GIT_TIMEOUT_SECONDS = 120


class GitDatesError(Exception):
    """git could not tell the dates; the message says why."""


def first_commit_dates(root: str | Path, rel_paths: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``rel_path -> first-commit date`` for the files under ``root`` that git knows.

    Args:
        root: the analyzed folder (report paths are relative to it).
        rel_paths: the analyzed files, relative to ``root`` with ``/`` separators.

    Returns:
        Dates as UTC ISO-8601 strings; files git never committed are left out.

    Raises:
        GitDatesError: git is missing, ``root`` is not in a git work tree, or
        git failed while reading the history.
    """
    folder = Path(root)
    if not folder.is_dir():
        folder = folder.parent
    toplevel = _git(folder, "rev-parse", "--show-toplevel")
    top = Path(toplevel.decode("utf-8", "surrogateescape").strip()).resolve()
    try:
        prefix = PurePosixPath(folder.resolve().relative_to(top).as_posix())
    except ValueError as error:
        raise GitDatesError(f"{folder} is not inside its git work tree {top}") from error
    log = _git(top, "-c", "core.quotepath=off", "log", "--reverse", "--diff-filter=AR", "-M", "--name-status",
               "-z", "--format=%x01%at", "--", str(prefix) if str(prefix) != "." else ".")
    dates = parse_name_status_log(log)
    result = {}
    for rel_path in rel_paths:
        key = str(prefix / rel_path) if str(prefix) != "." else rel_path
        if key in dates:
            result[rel_path] = dates[key]
    return result


def parse_name_status_log(output: bytes) -> dict[str, str]:
    """Repository path -> first-commit date, from the ``git log`` output described above."""
    dates: dict[str, str] = {}
    for commit in output.split(b"\x01"):
        tokens = [t.strip().decode("utf-8", "surrogateescape") for t in commit.split(b"\x00")]
        tokens = [t for t in tokens if t]
        if not tokens or not tokens[0].isdigit():
            continue
        date = datetime.fromtimestamp(int(tokens[0]), timezone.utc).isoformat()
        index = 1
        while index < len(tokens):
            status = tokens[index]
            if status.startswith(("R", "C")) and index + 2 < len(tokens):
                old, new = tokens[index + 1], tokens[index + 2]
                dates.setdefault(new, dates.get(old, date))
                index += 3
            else:
                if status.startswith("A") and index + 1 < len(tokens):
                    dates.setdefault(tokens[index + 1], date)
                index += 2
    return dates


def _git(cwd: Path, *args: str) -> bytes:
    try:
        completed = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True,
                                   timeout=GIT_TIMEOUT_SECONDS, check=False)
    except FileNotFoundError as error:
        raise GitDatesError("git is not installed (or not on PATH)") from error
    except (OSError, subprocess.SubprocessError) as error:
        raise GitDatesError(f"git could not run ({error})") from error
    if completed.returncode != 0:
        lines = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitDatesError(f"git failed in {cwd}: {lines[-1] if lines else 'no output'}")
    return completed.stdout
