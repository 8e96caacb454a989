"""Paths -> the agent files to analyze, with a reason for every file left out.

Folders are walked recursively in sorted order (so output order never
depends on the file system). A file is taken when:

* it was named explicitly on the command line (the user asked for it, so a
  named file or folder is read even through a symbolic link), or
* its extension is one of ``settings.extensions`` (``.md``, ``.mdc``,
  ``.markdown``), or
* it is a ``.txt`` file that opens with front matter (``---``).

and it matches no exclude glob (``README*``, ``CHANGELOG*``, ``LICENSE*``…
by default, plus ``--exclude``) or it matches an ``--include`` glob. Globs
are matched against the file name and against the path relative to the
root. Version-control and dependency folders (``.git``, ``node_modules``…)
are not entered. Symbolic links are not followed unless
``settings.follow_symlinks``; a followed link is still never read twice and
never loops: a folder reached again (a link loop, or two links to one
folder) is listed as skipped instead of walked, and a file reached through
more than one path is analyzed once, under the path without a link when
there is one (else the first in sorted order); the other paths are listed
as skipped with the path that was read.

Every file that is seen but not taken becomes a ``SkippedFile``: severity
``ignored`` for other file types (``.py``, ``.png``), ``excluded`` when a rule
left it out, ``error`` when it cannot be examined (permissions, a broken link).
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path

from analyzer.models import DiscoveredFile, SkippedFile
from analyzer.settings import SKIPPED_DIRS, Settings

_FRONT_MATTER_PROBE = 4096


@dataclass(frozen=True)
class Discovery:
    root: str
    files: tuple[DiscoveredFile, ...]
    skipped: tuple[SkippedFile, ...]


class FileTooLarge(Exception):
    """A file is over ``--max-file-size`` (or grew past it while being read); the message says which."""


def read_file(path: str, max_size: int) -> bytes:
    """A file's bytes, never more than ``max_size`` of them read.

    Raises FileTooLarge over the limit and OSError when the file cannot be read.
    """
    size = os.path.getsize(path)
    if size > max_size:
        raise FileTooLarge(f"file is {size:,} bytes, over --max-file-size {max_size:,}")
    with open(path, "rb") as handle:
        data = handle.read(max_size + 1)
    if len(data) > max_size:
        raise FileTooLarge(f"file grew past --max-file-size {max_size:,} while being read")
    return data


class DiscoveryError(Exception):
    """A path given by the user does not exist (a usage error, exit 2)."""


def common_root(paths: list[Path]) -> Path:
    """The folder that output paths are relative to."""
    # abspath, not resolve: a folder reached through a symbolic link keeps its own name, so report
    # paths stay relative to what the user named instead of becoming "../../elsewhere/...".
    resolved = [Path(os.path.abspath(p)) for p in paths]
    folders = [p if p.is_dir() else p.parent for p in resolved]
    return Path(os.path.commonpath([str(f) for f in folders])) if folders else Path.cwd()


def discover(paths: list[Path], *, settings: Settings) -> Discovery:
    """Walk ``paths`` and return what to analyze and what was skipped, both sorted."""
    missing = [str(p) for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        raise DiscoveryError(f"no such file or folder: {', '.join(missing)}")
    root = common_root(paths)
    taken: dict[str, DiscoveredFile] = {}
    skipped: dict[str, SkippedFile] = {}
    for path in paths:
        if path.is_dir():  # a folder the user named is entered even through a link; links inside follow the flag
            _walk(path, root, settings, taken, skipped)
        else:
            _consider(path, root, settings, taken, skipped, explicit=True)
    if settings.follow_symlinks:
        _drop_second_paths(taken, skipped)
    return Discovery(
        root=str(root),
        files=tuple(sorted(taken.values(), key=lambda f: f.rel_path)),
        skipped=tuple(sorted(skipped.values())),
    )


def _drop_second_paths(taken: dict[str, DiscoveredFile], skipped: dict[str, SkippedFile]) -> None:
    """Keep one path per file (device, inode) when links are followed; skip the others."""
    by_identity: dict[tuple[int, int], list[DiscoveredFile]] = {}
    for found in taken.values():
        try:
            stat = os.stat(found.path)
        except OSError:
            continue  # reading it will report the problem
        by_identity.setdefault((stat.st_dev, stat.st_ino), []).append(found)
    for paths in by_identity.values():
        if len(paths) < 2:
            continue
        paths.sort(key=lambda f: (os.path.realpath(f.path) != f.path, f.rel_path))
        for other in paths[1:]:
            del taken[other.rel_path]
            skipped[other.rel_path] = SkippedFile(
                other.rel_path, f"same file as {paths[0].rel_path} (reached through a symbolic link); read once",
                "excluded")


def relative_path(path: Path, root: Path) -> str:
    try:
        return Path(os.path.abspath(path)).relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(os.path.abspath(path), root)).as_posix()


def _walk(folder: Path, root: Path, settings: Settings,
          taken: dict[str, DiscoveredFile], skipped: dict[str, SkippedFile]) -> None:
    seen_dirs: set[tuple[int, int]] = set()

    def on_error(error: OSError) -> None:
        where = relative_path(Path(error.filename or folder), root)
        skipped[where] = SkippedFile(where, f"cannot list folder: {error.strerror or error}")

    for current, dirs, files in os.walk(folder, followlinks=settings.follow_symlinks, onerror=on_error):
        current_path = Path(current)
        try:
            stat = current_path.stat()
            if (stat.st_dev, stat.st_ino) in seen_dirs:
                dirs[:] = []
                rel = relative_path(current_path, root)
                skipped[rel] = SkippedFile(rel, "folder already visited through another path "
                                           "(symbolic link loop or second link); not read again", "excluded")
                continue
            seen_dirs.add((stat.st_dev, stat.st_ino))
        except OSError:
            pass
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        if not settings.follow_symlinks:
            for name in [d for d in dirs if (current_path / d).is_symlink()]:
                dirs.remove(name)
                rel = relative_path(current_path / name, root)
                skipped[rel] = SkippedFile(rel, "symbolic link to a folder; not followed (use --follow-symlinks)",
                                           "excluded")
        for name in sorted(files):
            _consider(current_path / name, root, settings, taken, skipped, explicit=False)


def _consider(path: Path, root: Path, settings: Settings, taken: dict[str, DiscoveredFile],
              skipped: dict[str, SkippedFile], *, explicit: bool) -> None:
    rel = relative_path(path, root)
    reason = _exclusion_reason(path, rel, settings, explicit)
    if reason is not None:
        severity = "ignored" if reason.startswith("not an agent file type") else "excluded"
        skipped[rel] = SkippedFile(rel, reason, severity)
        return
    if path.is_symlink() and not explicit:
        if not settings.follow_symlinks:
            skipped[rel] = SkippedFile(rel, "symbolic link; not followed (use --follow-symlinks)", "excluded")
            return
        if not path.exists():
            skipped[rel] = SkippedFile(rel, "broken symbolic link")
            return
    if not path.is_file():
        skipped[rel] = SkippedFile(rel, "not a regular file")
        return
    if path.suffix.lower() == ".txt" and not explicit and not settings.include:
        probe = _starts_with_front_matter(path)
        if probe is None:
            skipped[rel] = SkippedFile(rel, "cannot read file to check for front matter")
            return
        if not probe:
            skipped[rel] = SkippedFile(rel, ".txt file without front matter; not an agent file", "excluded")
            return
    taken[rel] = DiscoveredFile(path=str(path.absolute()), rel_path=rel)


def _exclusion_reason(path: Path, rel: str, settings: Settings, explicit: bool) -> str | None:
    """None when the file is taken; otherwise the reason it is not."""
    name = path.name
    if settings.include and _matches(settings.include, name, rel):
        return None
    if _matches(settings.exclude, name, rel):
        return "matches --exclude"
    if explicit:
        return None
    if _matches(settings.default_excludes, name, rel):
        return "project document (README, CHANGELOG, LICENSE...), excluded by default"
    if not _is_agent_like(path, settings):
        return f"not an agent file type ({path.suffix or 'no extension'})"
    if settings.include:
        return "does not match --include"
    return None


def _is_agent_like(path: Path, settings: Settings) -> bool:
    suffix = path.suffix.lower()
    return suffix in settings.extensions or suffix == ".txt"


def _matches(patterns: tuple[str, ...], name: str, rel: str) -> bool:
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p) for p in patterns)


def _starts_with_front_matter(path: Path) -> bool | None:
    try:
        with path.open("rb") as handle:
            head = handle.read(_FRONT_MATTER_PROBE)
    except OSError:
        return None
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return text.startswith(b"---")
