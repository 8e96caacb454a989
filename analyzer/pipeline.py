"""``analyze(paths, settings=...) -> AnalysisResult``: the whole pipeline.

It reads top to bottom like the stages it runs, each one timed:

    discover -> read and parse (in parallel) -> match -> group blocks
    -> file pairs -> file families -> findings -> lineage
                                 `-> containments (beside the grouping)

With two or more workers and a library large enough to pay for a fork,
matching scores its smaller classes, containment runs beside the grouping
and lineage beside the findings, each in a forked child
(``analyzer.background``); the results are the same values.

Only ``discover``, ``read_and_parse`` and (with ``git_dates``) the git
history read touch the disk; everything after
them is a pure function of the parsed files and the settings. With a cache,
matching, the findings and lineage also read and save what they remembered
(``analyzer.cache``'s memos, lineage's in the process that computes it),
which only saves recomputing: the values are the same.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from analyzer import cache
from analyzer.containment import find_containments
from analyzer.background import beside
from analyzer.discover import FileTooLarge, discover, read_file
from analyzer.findings import find_findings
from analyzer.gitdates import GitDatesError, first_commit_dates
from analyzer.group import file_families, file_pairs, group_blocks
from analyzer.lineage import LineageEdge, infer_lineage
from analyzer.match import MATCH_SETTINGS, find_matches
from analyzer.models import AgentFile, AnalysisResult, DiscoveredFile, FileFamily, FilePair, SkippedFile
from analyzer.normalize import active_rules
from analyzer.parse import UnreadableFile, decode, parse_text
from analyzer.settings import Settings

Progress = Callable[[str, int, int], None]  # (stage, done, total)
_PARALLEL_MIN_FILES = 200
_BACKGROUND_MIN_FILES = 500  # below this, lineage takes less time than forking the process costs


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
        files, unreadable, cache_use = read_and_parse(discovery.files, settings=settings, progress=progress)
    all_blocks = [block for agent_file in files for block in agent_file.blocks]
    memo = _match_memo(settings)
    with _timed("match", timings):
        matches = find_matches(all_blocks, settings=settings, memo=memo, states=memo)
    # containment reads only the unit texts: it runs in a forked child while the groups are made
    with beside(find_containments, all_blocks, min_chars=settings.min_near_chars, memo=memo, last=memo,
                parallel=settings.worker_count > 1 and len(files) >= _BACKGROUND_MIN_FILES) as contained:
        with _timed("group", timings):
            grouping = group_blocks(files, matches)
            pairs = file_pairs(files, grouping, settings=settings)
            families = file_families(files, pairs, settings=settings)
        with _timed("containment", timings):
            containments = contained()
    dates = read_git_dates(discovery.root, files) if git_dates else None
    # lineage and findings both read only the groups: lineage runs in a forked child meanwhile (its
    # timing is then the wait for it after the findings; see analyzer.background)
    with beside(_lineage_with_memo, files, families, pairs, dates=dates, cache_dir=settings.cache_dir,
                rules=settings.rules,
                parallel=settings.worker_count > 1 and len(files) >= _BACKGROUND_MIN_FILES) as lineage_result:
        restatements = cache.RestatementMemo(settings.cache_dir, settings.rules) if settings.cache_dir else None
        with _timed("findings", timings):
            findings = find_findings(files, families, grouping, top_blocks=settings.top_blocks, memo=restatements)
            memo_error = restatements.save() if restatements else ""
        with _timed("lineage", timings):
            lineage, lineage_error = lineage_result()
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
        containments=containments,
        cache=dataclasses.replace(cache_use, match_hits=memo.hits, match_misses=memo.misses,
                                  write_error=cache_use.write_error or memo.write_error or memo_error
                                  or lineage_error)
        if memo else cache_use,
    )


def _lineage_with_memo(files: tuple[AgentFile, ...], families: tuple[FileFamily, ...], pairs: tuple[FilePair, ...],
                       *, dates: dict[str, str] | None, cache_dir: str, rules: tuple[str, ...],
                       ) -> tuple[tuple[LineageEdge, ...], str]:
    """``infer_lineage`` with the cache's ``LineageMemo`` (none without ``cache_dir``): (rows, write error or "").

    The memo is read, used and saved here, in whichever process runs this: a
    forked child's memo is its own copy, so one saved by the parent would be
    the empty one it never filled.
    """
    memo = cache.LineageMemo(cache_dir, rules) if cache_dir else None
    rows = infer_lineage(files, families, pairs, dates=dates, memo=memo)
    return rows, memo.save() if memo else ""


def _match_memo(settings: Settings) -> cache.MatchMemo | None:
    if not settings.cache_dir:
        return None
    key = ",".join(f"{name}={getattr(settings, name)!r}" for name in MATCH_SETTINGS)
    return cache.MatchMemo(settings.cache_dir, key)


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


def read_and_parse(found: tuple[DiscoveredFile, ...], *, settings: Settings, progress: Progress | None = None,
                   ) -> tuple[tuple[AgentFile, ...], tuple[SkippedFile, ...], CacheUse]:
    """Read and parse every file; a file that cannot be read becomes a SkippedFile.

    With ``settings.cache_dir``, files whose parse is cached (``analyzer.cache``,
    keyed by content) are loaded here in the parent: a worker would have to
    pickle the same blocks back, which costs more than loading them. The rest
    are parsed, in a process pool when there are enough of them, and stored.
    The cache only saves time: the files returned are equal either way.

    Equal strings of different files (a block's text, normalised text,
    fingerprint, heading and heading path) are made one object through a
    table kept while parsing (``cache.from_payload``): on corpus-public 40 %
    of the blocks repeat a text another file holds, and sharing them saves
    ~80 MB of the 470 MB the parsed files held.
    """
    total = len(found)
    results: dict[int, tuple[AgentFile | SkippedFile, str, str]] = {}
    pending: list[int] = []
    strings: dict[str, str] = {}
    for index, item in enumerate(found):
        hit = _cached_parse(item, settings, strings) if settings.cache_dir else None
        if hit is None:
            pending.append(index)
        else:
            results[index] = hit
            _tick(progress, len(results), total)
    jobs = [(found[i].path, found[i].rel_path, settings.rules, settings.max_file_size, settings.cache_dir)
            for i in pending]
    workers = min(settings.worker_count, max(1, len(jobs) // 50))
    if workers > 1 and len(jobs) >= _PARALLEL_MIN_FILES:
        chunk = max(1, min(64, len(jobs) // (workers * 8)))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for index, (outcome, status, error) in zip(pending, pool.map(_parse_job, jobs, chunksize=chunk)):
                results[index] = _from_compact(outcome, found[index].rel_path, strings), status, error
                _tick(progress, len(results), total)
    else:
        for index, job in zip(pending, jobs):
            outcome, status, error = _parse_job(job)
            results[index] = _from_compact(outcome, found[index].rel_path, strings), status, error
            _tick(progress, len(results), total)
    ordered = [results[i] for i in range(total)]
    files = tuple(r for r, _, _ in ordered if isinstance(r, AgentFile))
    skipped = tuple(r for r, _, _ in ordered if isinstance(r, SkippedFile))
    return files, skipped, _cache_use(settings.cache_dir, ordered)


def _cached_parse(item: DiscoveredFile, settings: Settings,
                  strings: dict[str, str] | None = None) -> tuple[AgentFile, str, str] | None:
    """The file's cached parse when its entry exists and is valid; None sends it to be parsed.

    Any problem (unreadable, too large, binary, invalid entry) is left for
    ``_parse_job`` to meet and report as it would without a cache.
    """
    try:
        data = read_file(item.path, settings.max_file_size)
        key = cache.entry_key(hashlib.sha256(data).hexdigest(), settings.rules)
        if not cache.entry_path(settings.cache_dir, key).is_file():
            return None
        text, _, _ = decode(data)
    except (OSError, FileTooLarge, UnreadableFile):
        return None
    cached, _ = cache.load(settings.cache_dir, key, path=item.rel_path, text=text, strings=strings)
    return (cached, "hit", "") if cached is not None else None


@dataclass(frozen=True)
class CacheUse:
    """How the parse cache served one run (run metadata: it differs between equal runs)."""

    folder: str = ""
    hits: int = 0
    misses: int = 0
    rebuilt: int = 0
    write_error: str = ""
    match_hits: int = 0  # match classes whose scored pairs were read back (analyzer.cache.MatchMemo)
    match_misses: int = 0


def _cache_use(cache_dir: str, results: list[tuple[AgentFile | SkippedFile, str, str]]) -> CacheUse:
    if not cache_dir:
        return CacheUse()
    status = Counter(s for _, s, _ in results)
    errors = sorted({e for _, _, e in results if e})
    return CacheUse(cache_dir, status["hit"], status["miss"], status["rebuilt"], errors[0] if errors else "")


def _tick(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress("parse", done, total)


def _parse_job(job: tuple[str, str, tuple[str, ...], int, str]) -> tuple[tuple[dict, str] | SkippedFile, str, str]:
    """One file: (parsed file or SkippedFile, cache status, cache write error).

    A parsed file comes back as (``cache.to_payload``, decoded text), which
    ``_from_compact`` turns into the AgentFile.

    The payload is made anyway to be cached, and plain lists and strings
    travel faster than Blocks (on corpus-public: pickled in 0.5 s instead of
    3.4, unpickled in 2.4 s instead of 6.2, where every frozen slotted Block
    is rebuilt field by field); the parent then builds each Block once,
    sharing strings across files (``cache.from_payload``, 5.4 s), so a cold
    parse costs about the CPU it did while the parsed files take ~80 MB less.
    The files are equal to the parsed ones: that is the cache's guarantee.
    """
    path, rel_path, rule_names, max_size, cache_dir = job
    try:
        data = read_file(path, max_size)
    except FileTooLarge as error:
        return SkippedFile(rel_path, str(error)), "", ""
    except OSError as error:
        return SkippedFile(rel_path, f"cannot read: {error.strerror or error}"), "", ""
    try:
        text, warnings, style = decode(data)
    except UnreadableFile as error:
        return SkippedFile(rel_path, str(error)), "", ""
    key = cache.entry_key(hashlib.sha256(data).hexdigest(), rule_names) if cache_dir else ""
    status = ""
    if key:
        cached, outcome = cache.load(cache_dir, key, path=rel_path, text=text)
        if cached is not None:
            return (cache.to_payload(cached), text), "hit", ""
        status = outcome.status
    try:
        parsed = parse_text(text, path=rel_path, rules=active_rules(rule_names), data=data,
                            warnings=warnings, line_endings=style)
    except RecursionError:
        return SkippedFile(rel_path, "structure nested too deeply to parse"), "", ""
    payload = cache.to_payload(parsed)
    return (payload, text), status, cache.store_payload(cache_dir, key, payload) if key else ""


def _from_compact(outcome: tuple[dict, str] | SkippedFile, rel_path: str,
                  strings: dict[str, str]) -> AgentFile | SkippedFile:
    if isinstance(outcome, SkippedFile):
        return outcome
    payload, text = outcome
    return cache.from_payload(payload, path=rel_path, text=text, strings=strings)
