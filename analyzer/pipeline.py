"""``analyze(paths, settings=...) -> AnalysisResult``: the whole pipeline.

It reads top to bottom like the stages it runs, each one timed:

    discover -> read and parse (in parallel) -> match -> group blocks
    -> file pairs -> file families -> findings -> lineage

Only ``discover``, ``read_and_parse`` and (with ``git_dates``) the git
history read touch the disk; everything after
them is a pure function of the parsed files and the settings.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from analyzer.discover import discover
from analyzer.findings import find_findings
from analyzer.gitdates import GitDatesError, first_commit_dates
from analyzer.group import file_families, file_pairs, group_blocks
from analyzer.lineage import infer_lineage
from analyzer.match import find_matches
from analyzer.models import AgentFile, AnalysisResult, DiscoveredFile, SkippedFile
from analyzer.normalize import active_rules
from analyzer.parse import UnreadableFile, parse_bytes
from analyzer.settings import Settings

Progress = Callable[[str, int, int], None]  # (stage, done, total)
_PARALLEL_MIN_FILES = 200


class GitDatesWarning(UserWarning):
    """``--git-dates`` could not read the history; lineage used content evidence only."""


def analyze(paths: list[Path], *, settings: Settings, progress: Progress | None = None,
            git_dates: bool = False) -> AnalysisResult:
    """Run every stage over ``paths`` and return the result (nothing is written).

    With ``git_dates``, each file's first-commit date is lineage evidence; when
    git cannot tell, a ``GitDatesWarning`` is issued and the run goes on.
    """
    timings: list[tuple[str, float]] = []
    with _timed("discover", timings):
        discovery = discover(paths, settings=settings)
    with _timed("parse", timings):
        files, unreadable = read_and_parse(discovery.files, settings=settings, progress=progress)
    all_blocks = [block for agent_file in files for block in agent_file.blocks]
    with _timed("match", timings):
        matches = find_matches(all_blocks, settings=settings)
    with _timed("group", timings):
        grouping = group_blocks(files, matches)
        pairs = file_pairs(files, grouping, settings=settings)
        families = file_families(files, pairs, settings=settings)
    with _timed("findings", timings):
        findings = find_findings(files, families, grouping, top_blocks=settings.top_blocks)
    with _timed("lineage", timings):
        dates = read_git_dates(discovery.root, files) if git_dates else None
        lineage = infer_lineage(files, families, pairs, dates=dates)
    return AnalysisResult(
        root=discovery.root,
        files=files,
        skipped=tuple(sorted(discovery.skipped + unreadable)),
        block_families=grouping.families,
        text_matches=matches,
        file_pairs=pairs,
        file_families=families,
        findings=findings,
        timings=tuple(timings),
        lineage=lineage,
    )


def read_git_dates(root: str, files: tuple[AgentFile, ...]) -> dict[str, str] | None:
    """First-commit dates of ``files`` (see ``analyzer.gitdates``); None, with a warning, when git fails."""
    try:
        return first_commit_dates(root, [f.path for f in files])
    except GitDatesError as error:
        warnings.warn(f"--git-dates: {error}; lineage uses content evidence only", GitDatesWarning, stacklevel=3)
        return None


@contextmanager
def _timed(stage: str, timings: list[tuple[str, float]]) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings.append((stage, round(time.perf_counter() - start, 4)))


def read_and_parse(found: tuple[DiscoveredFile, ...], *, settings: Settings,
                   progress: Progress | None = None) -> tuple[tuple[AgentFile, ...], tuple[SkippedFile, ...]]:
    """Read and parse every file; a file that cannot be read becomes a SkippedFile."""
    jobs = [(f.path, f.rel_path, settings.rules, settings.max_file_size) for f in found]
    results: list[AgentFile | SkippedFile] = []
    workers = min(settings.worker_count, max(1, len(jobs) // 50))
    if workers > 1 and len(jobs) >= _PARALLEL_MIN_FILES:
        chunk = max(1, min(64, len(jobs) // (workers * 8)))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for result in pool.map(_parse_job, jobs, chunksize=chunk):
                results.append(result)
                _tick(progress, len(results), len(jobs))
    else:
        for job in jobs:
            results.append(_parse_job(job))
            _tick(progress, len(results), len(jobs))
    files = tuple(r for r in results if isinstance(r, AgentFile))
    skipped = tuple(r for r in results if isinstance(r, SkippedFile))
    return files, skipped


def _tick(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress("parse", done, total)


def _parse_job(job: tuple[str, str, tuple[str, ...], int]) -> AgentFile | SkippedFile:
    path, rel_path, rule_names, max_size = job
    try:
        size = os.path.getsize(path)
        if size > max_size:
            return SkippedFile(rel_path, f"file is {size:,} bytes, over --max-file-size {max_size:,}")
        with open(path, "rb") as handle:
            data = handle.read(max_size + 1)
        if len(data) > max_size:
            return SkippedFile(rel_path, f"file grew past --max-file-size {max_size:,} while being read")
    except OSError as error:
        return SkippedFile(rel_path, f"cannot read: {error.strerror or error}")
    try:
        return parse_bytes(data, path=rel_path, rules=active_rules(rule_names))
    except UnreadableFile as error:
        return SkippedFile(rel_path, str(error))
    except RecursionError:
        return SkippedFile(rel_path, "structure nested too deeply to parse")
