"""The ``agent-analyzer`` command line: parse arguments, call the library, report.

Thin by design: every command builds a ``Settings``, calls the library and
turns library errors into one clean line on stderr with a documented exit
code. Exit codes:

* 0: analysis done, nothing skipped
* 1: reserved for the ``scan`` command: a policy failed
* 2: usage error (bad option, missing path, unwritable output folder)
* 3: some input files could not be read; the rest were analyzed
* 4: internal error (a bug: please report it; ``AGENT_ANALYZER_DEBUG=1`` shows the traceback)
"""

from __future__ import annotations

import dataclasses
import gc
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer

from analyzer import __version__
from analyzer.discover import DiscoveryError
from analyzer.models import AnalysisResult
from analyzer.normalize import RULES
from analyzer.report.files import OutputError
from analyzer.settings import Settings, SettingsError, load_config, settings_from_mapping

EXIT_OK, EXIT_POLICY, EXIT_USAGE, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3, 4
DEFAULT_CACHE = Path(".agent-analyzer/cache")

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Audit libraries of AI agent files: near-duplicates, families, differences, lineage.",
    pretty_exceptions_enable=False,
)


@app.callback()
def _group() -> None:
    """Audit libraries of AI agent files: near-duplicates, families, differences, lineage."""


class UsageError(Exception):
    """A mistake in how the command was called; exit 2."""


def default_corpus() -> Path:
    """``./corpus`` when it exists, else the corpus bundled beside the package."""
    local = Path("corpus")
    if local.is_dir():
        return local
    bundled = Path(__file__).resolve().parents[1] / "corpus"
    if bundled.is_dir():
        return bundled
    raise UsageError("no PATH given and no corpus/ folder here; name the folder to analyze")


def build_settings(config_start: Path, **options: object) -> Settings:
    """Config file values first, then command-line options that were given."""
    base = settings_from_mapping(load_config(config_start))
    changes = {key: value for key, value in options.items() if value is not None}
    if "rules" in changes:
        changes["rules"] = _parse_rules(str(changes["rules"]), base.rules)
    return base.replace(**changes)


def _parse_rules(text: str, current: tuple[str, ...]) -> tuple[str, ...]:
    """``--rules all``, ``none``, ``a,b,c``, or edits of the defaults: ``-spelling,+x``."""
    text = text.strip()
    if text in ("all", ""):
        return tuple(RULES)
    if text == "none":
        return ()
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if all(p[0] in "+-" for p in parts):
        chosen = set(current)
        for part in parts:
            (chosen.add if part[0] == "+" else chosen.discard)(part[1:])
        return tuple(name for name in RULES if name in chosen) + tuple(sorted(chosen - set(RULES)))
    return tuple(parts)


class _ProgressBar:
    """A rich progress bar on stderr, only for interactive runs that are not --quiet."""

    def __init__(self, enabled: bool) -> None:
        self.progress = None
        self.task = None
        if enabled and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), console=Console(stderr=True), transient=True)

    def __enter__(self) -> "_ProgressBar":
        if self.progress:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress:
            self.progress.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.progress is None:
            return
        if self.task is None:
            self.task = self.progress.add_task(f"{stage} files", total=total)
        self.progress.update(self.task, completed=done)


def _echo_err(message: str) -> None:
    typer.echo(message, err=True)


@app.command()
def analyze(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files or folders to analyze (default: corpus/).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the reports (created if missing).")] = Path("reports"),
    include: Annotated[Optional[list[str]], typer.Option(help="Glob of files to take (repeatable).")] = None,
    exclude: Annotated[Optional[list[str]], typer.Option(help="Glob of files to leave out (repeatable).")] = None,
    rules: Annotated[Optional[str], typer.Option(help="Normalisation rules: all, none, a comma list, or edits such as -spelling.")] = None,
    threshold: Annotated[Optional[float], typer.Option(help="Block near-duplicate threshold in [0.5, 1].")] = None,
    family_threshold: Annotated[Optional[float], typer.Option(help="File family linkage threshold in [0, 1].")] = None,
    named_family_threshold: Annotated[Optional[float], typer.Option(help="Relatedness in [0, 1] at which two files declaring the same name or title join one family (1 turns named links off for all but identical files).")] = None,
    max_file_size: Annotated[Optional[int], typer.Option(help="Skip files larger than this many bytes.")] = None,
    matrix_max_files: Annotated[Optional[int], typer.Option(help="Largest library written as one square matrix.")] = None,
    follow_symlinks: Annotated[Optional[bool], typer.Option("--follow-symlinks/--no-follow-symlinks", help="Follow symbolic links.")] = None,
    workers: Annotated[Optional[int], typer.Option(help="Worker processes for parsing, pair classes and pictures (0 = one per core).")] = None,
    git_dates: Annotated[bool, typer.Option("--git-dates", help="Use each file's first-commit date (git) as lineage direction evidence.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    open_report: Annotated[bool, typer.Option("--open", help="Open report.html in the default browser, when one exists.")] = False,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", envvar="AGENT_ANALYZER_CACHE_DIR", help="Folder of the parse cache, keyed by file content and settings (default: .agent-analyzer/cache).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the parse cache.")] = False,
) -> None:
    """Analyze agent files and write reports (CSV, JSON, HTML, PNG) into --out."""
    from analyzer import uptodate
    from analyzer.pipeline import analyze as run_analysis
    from analyzer.report import pictures
    from analyzer.report.model import build_report
    from analyzer.report.render import write_reports

    targets = list(paths) if paths else [default_corpus()]
    settings = build_settings(
        targets[0], include=tuple(include) if include else None, exclude=tuple(exclude) if exclude else None,
        rules=rules, block_threshold=threshold, file_threshold=family_threshold,
        named_family_threshold=named_family_threshold, max_file_size=max_file_size,
        matrix_max_files=matrix_max_files, follow_symlinks=follow_symlinks, workers=workers,
    )
    settings = settings.replace(cache_dir=cache_folder(cache_dir, no_cache, settings.cache_dir))
    started = time.perf_counter()
    reusable = bool(settings.cache_dir) and not git_dates
    key = uptodate.input_key(targets, settings) if reusable else ""
    if key:
        metadata = {"tool": "agent-analyzer", "version": __version__, "generated_at": _now(),
                    "timings_seconds": {"up-to-date check": round(time.perf_counter() - started, 4)}, "cache": None,
                    "run_settings": settings.run_values()}
        reused = uptodate.reuse(settings.cache_dir, out, key, metadata)
        if reused is not None:
            summary, code, count, copied_from = reused
            _print_skipped_rows(summary.get("skipped", []))
            if not quiet:
                _print_summary(summary, out, count, reused=True, copied_from=copied_from)
            if open_report:
                open_in_browser(out / "report.html")
            raise typer.Exit(code)
    if settings.worker_count > 1:
        pictures.prepare()  # the interpreter that draws the PNGs imports matplotlib while we analyse
    with _ProgressBar(not quiet) as progress:
        result = run_analysis(targets, settings=settings, progress=progress, git_dates=git_dates)
    report = build_report(result, settings=settings, generated_at=_now())
    written = write_reports(report, out, parallel=settings.worker_count > 1)
    code = exit_code_for(result)
    if key and uptodate.input_key(targets, settings) == key:  # nothing changed while we ran
        uptodate.remember(settings.cache_dir, out, key, written, code)
    _print_skipped(result)
    _print_cache_problems(result)
    if not quiet:
        _print_summary(report.summary, out, len(written))
    if open_report:
        open_in_browser(out / "report.html")
    raise typer.Exit(code)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def open_in_browser(page: Path) -> bool:
    """Open ``page`` with the default browser; a note on stderr (not an error) when there is none."""
    import webbrowser

    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        _echo_err(f"no browser found; open {page} yourself")
        return False
    return browser.open(page.resolve().as_uri())


def cache_folder(cache_dir: Path | None, no_cache: bool, configured: str) -> str:
    """``Settings.cache_dir`` from the options: --no-cache, else --cache-dir, else config, else the default."""
    if no_cache:
        return ""
    if cache_dir is not None:
        return str(cache_dir)
    return configured or str(DEFAULT_CACHE)


def _print_cache_problems(result: AnalysisResult) -> None:
    """The cache never changes results, but a broken one costs time: say so."""
    use = result.cache
    if use is None or not use.folder:
        return
    if use.rebuilt:
        _echo_err(f"cache: {use.rebuilt} invalid entr{'y' if use.rebuilt == 1 else 'ies'} in {use.folder} "
                  "ignored and rebuilt")
    if use.write_error:
        _echo_err(f"cache: {use.write_error}; the run went on without caching (use --cache-dir or --no-cache)")


def exit_code_for(result: AnalysisResult) -> int:
    return EXIT_INPUT if any(s.severity == "error" for s in result.skipped) else EXIT_OK


def _print_skipped(result: AnalysisResult) -> None:
    _print_skipped_rows([dataclasses.asdict(s) for s in result.skipped])


def _print_skipped_rows(rows: list[dict]) -> None:
    for row in rows:
        if row.get("severity") == "error":
            _echo_err(f"skipped: {row['path']}: {row['reason']}")


def _print_summary(summary: dict, out: Path, written: int, *, reused: bool = False, copied_from: str = "") -> None:
    counts = summary["counts"]
    typer.echo(
        f"{counts['files']} files, {counts['blocks']} blocks, {counts['block_families']} block families, "
        f"{counts['multi_file_families']} file famil{'y' if counts['multi_file_families'] == 1 else 'ies'} "
        "with 2+ files "
        f"({counts['files_in_multi_file_families']} files), "
        f"{summary['duplicated_share'] * 100:.1f}% of unit text duplicated across files"
    )
    for kind, count in summary["findings_by_kind"].items():
        typer.echo(f"  {kind}: {count}")
    errors = counts["skipped_errors"]
    if errors:
        typer.echo(f"{errors} file(s) could not be read; see summary.json 'skipped'")
    over = counts.get("unit_families_over_pair_cap", 0)
    if over:
        typer.echo(f"{over} block famil{'y spans' if over == 1 else 'ies span'} more than {summary['pair_cap']} files "
                   "(the pair cap): files that share only those are paired when their sets of blocks are "
                   "alike (README: pair cap)")
    if copied_from:
        typer.echo(f"reports in {out}/ are up to date: copied from {copied_from}/, which holds them for the same "
                   "files, settings and version (--no-cache forces a full run)")
    elif reused:
        typer.echo(f"reports in {out}/ are up to date (same files, settings and version); "
                   "refreshed summary.json metadata (--no-cache forces a full run)")
    else:
        typer.echo(f"wrote {written} files to {out}/")


@app.command()
def diff(
    file_a: Annotated[str, typer.Argument(metavar="A", help="First agent file, or path@rev for a git revision.")],
    file_b: Annotated[str, typer.Argument(metavar="B", help="Second agent file, or path@rev for a git revision.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the diff as JSON data.")] = False,
    rules: Annotated[Optional[str], typer.Option(help="Rules whose differences count as cosmetic: all, none, a comma list, or edits such as -spelling.")] = None,
    color: Annotated[Optional[bool], typer.Option("--color/--no-color", help="Colour the output (default: when stdout is a terminal).")] = None,
) -> None:
    """Explain what separates two agent files: sections, real edits, cosmetic differences."""
    from analyzer.diff import diff_files
    from analyzer.normalize import active_rules
    from analyzer.parse import UnreadableFile, parse_bytes
    from analyzer.report.diff_text import diff_json, render_diff_text

    first = Path(file_a) if Path(file_a).exists() else Path(file_a.rsplit("@", 1)[0])
    settings = build_settings(first.resolve() if first.exists() else Path.cwd(), rules=rules)
    parsed = []
    for spec in (file_a, file_b):
        label, data = _read_diff_input(spec)
        try:
            parsed.append(parse_bytes(data, path=label, rules=active_rules(settings.rules)))
        except UnreadableFile as error:
            raise UsageError(f"{label}: {error}") from error
    result = diff_files(parsed[0], parsed[1], rules=settings.rules, parsed_with=settings.rules)
    if json_output:
        typer.echo(diff_json(result), nl=False)
    else:
        use_color = color if color is not None else sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        typer.echo(render_diff_text(result, color=use_color), nl=False)


def _read_diff_input(spec: str) -> tuple[str, bytes]:
    """(label, bytes) of a diff argument: a file, or ``path@rev`` read with ``git show rev:path``."""
    import subprocess

    path = Path(spec)
    if path.is_dir():
        raise UsageError(f"{spec} is a folder; diff compares two files")
    if path.is_file():
        return spec, path.read_bytes()
    if "@" in spec:
        name, revision = spec.rsplit("@", 1)
        target = Path(name)
        if revision and target.parent.is_dir():
            completed = subprocess.run(["git", "-C", str(target.parent), "show", f"{revision}:./{target.name}"],
                                       capture_output=True)
            if completed.returncode == 0:
                return spec, completed.stdout
            message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
            raise UsageError(f"{spec}: git show failed ({message[-1] if message else 'no output'})")
    raise UsageError(f"{spec}: no such file (use path@rev for a git revision)")


GC_THRESHOLDS = (200_000, 30, 30)


def tune_collector() -> None:
    """Collect cyclic garbage less often (as mypy does): a batch run, not a library call, owns the process.

    CPython's default thresholds (700, 10, 10) collect the youngest generation
    every 700 net allocations, and the whole heap each time the survivors grow
    by a quarter. A run builds millions of long-lived objects (Blocks, shared
    strings, pairs, report rows) and its cycles are negligible (peak memory
    is the same with the collector off), so those collections walked objects
    that reference counting frees anyway. On corpus-public, old and new code
    alternating, three runs each: cold 121.3 -> 111.9 s median wall (0.92),
    warm with an emptied --out 70.7 -> 62.8 s (0.89); outputs byte-identical.
    Forked workers inherit the setting.
    """
    gc.set_threshold(*GC_THRESHOLDS)


def main() -> None:
    """Console entry point: run the app and map library errors to exit codes."""
    tune_collector()
    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else EXIT_OK)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except (UsageError, SettingsError, DiscoveryError, OutputError) as error:
        _echo_err(f"error: {error}")
        sys.exit(EXIT_USAGE)
    except _click_exceptions() as error:
        if hasattr(error, "show"):
            error.show()
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        _echo_err("interrupted; reports already written are complete, nothing half-written was left")
        sys.exit(130)
    except OSError as error:
        _echo_err(f"error: {error.filename or ''}: {error.strerror or error}")
        sys.exit(EXIT_USAGE)
    except Exception as error:  # noqa: BLE001 - the last line of defence for users
        if os.environ.get("AGENT_ANALYZER_DEBUG"):
            raise
        _echo_err(f"internal error: {type(error).__name__}: {error} "
                  "(a bug in agent-analyzer; rerun with AGENT_ANALYZER_DEBUG=1 for the traceback)")
        sys.exit(EXIT_INTERNAL)


def _click_exceptions() -> tuple[type[BaseException], ...]:
    """Usage errors of click and of the copy of click that typer bundles (typer >= 0.26)."""
    classes: list[type[BaseException]] = []
    for module_name in ("click.exceptions", "typer._click.exceptions"):
        try:
            module = __import__(module_name, fromlist=["UsageError"])
        except ImportError:
            continue
        classes.extend(getattr(module, name) for name in ("UsageError", "Abort") if hasattr(module, name))
    return tuple(classes)


@app.command()
def scan(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files or folders to scan (default: corpus/).")] = None,
    baseline: Annotated[Path, typer.Option("--baseline", help="Baseline of accepted findings (JSON, meant to be committed).")] = Path(".agent-analyzer/baseline.json"),
    update_baseline: Annotated[bool, typer.Option("--update-baseline", help="Accept every current finding: rewrite the baseline atomically and exit 0.")] = False,
    output_format: Annotated[str, typer.Option("--format", help="Output: text, json, markdown, sarif or github (workflow annotations).")] = "text",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Also write the normal reports into this folder.")] = None,
    git_dates: Annotated[bool, typer.Option("--git-dates", help="Use first-commit dates as lineage evidence (only with --out).")] = False,
    history: Annotated[Path, typer.Option("--history", help="History store (SQLite) this scan is appended to; read by `agent-analyzer history`.")] = Path(".agent-analyzer/history.sqlite"),
    no_history: Annotated[bool, typer.Option("--no-history", help="Do not record this scan in the history store.")] = False,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", envvar="AGENT_ANALYZER_CACHE_DIR", help="Folder of the parse cache, keyed by file content and settings (default: .agent-analyzer/cache).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the parse cache.")] = False,
) -> None:
    """Check the library against policies and a baseline; exit 1 when a finding is new (CI gate).

    Policies and thresholds come from [tool.agent-analyzer.scan] (pyproject.toml) or [scan]
    (.agent-analyzer.toml). Exit 0 clean, 1 a policy failed, 2 usage error, 3 some files unreadable.
    Every scan is appended to the --history store unless --no-history; when the store cannot be
    written the scan warns on stderr and keeps its exit code (history never fails a CI gate).
    """
    from analyzer.pipeline import analyze as run_analysis
    from analyzer.report.scan_out import FORMATS, render_scan
    from analyzer.scan import BaselineError, baseline_from, read_baseline, run_scan, scan_settings_from_config
    from analyzer.scan import write_baseline

    if output_format not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {output_format!r}")
    targets = list(paths) if paths else [default_corpus()]
    settings = build_settings(targets[0])
    settings = settings.replace(cache_dir=cache_folder(cache_dir, no_cache, settings.cache_dir))
    scan_settings = scan_settings_from_config(load_config(targets[0]))
    try:
        accepted = None if update_baseline else read_baseline(baseline)
    except BaselineError as error:
        raise UsageError(str(error)) from error
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    if out is not None and settings.worker_count > 1:
        from analyzer.report import pictures

        pictures.prepare()  # the interpreter that draws the PNGs imports matplotlib while we analyse
    result = run_analysis(targets, settings=settings, git_dates=git_dates)
    outcome = run_scan(result, settings=scan_settings, baseline=accepted)
    if update_baseline:
        write_baseline(baseline, baseline_from(result, outcome, settings=scan_settings))
        _echo_err(f"wrote {baseline}: {len(outcome.findings)} finding(s) accepted")
        outcome = run_scan(result, settings=scan_settings, baseline=read_baseline(baseline))
    if out is not None:
        from analyzer.report.model import build_report
        from analyzer.report.render import write_reports

        generated_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        write_reports(build_report(result, settings=settings, generated_at=generated_at), out,
                      parallel=settings.worker_count > 1)
    typer.echo(render_scan(outcome, output_format, root=result.root), nl=False)
    _print_skipped(result)
    _print_cache_problems(result)
    code = EXIT_POLICY if outcome.failed else exit_code_for(result)
    if not no_history:
        _record_history(history, result, outcome, settings=settings, scan_settings=scan_settings,
                        exit_status=code, started_at=started_at)
    raise typer.Exit(code)


def _record_history(store: Path, result: AnalysisResult, outcome: object, **details: object) -> None:
    """Append the scan to the history store; a store that cannot be written is a warning, not a failure."""
    from analyzer.history import HistoryError, record_scan

    try:
        record_scan(store, result, outcome, **details)
    except HistoryError as error:
        _echo_err(f"warning: scan not recorded in the history: {error}")


@app.command()
def history(
    store: Annotated[Path, typer.Option("--history", help="History store written by `agent-analyzer scan`.")] = Path(".agent-analyzer/history.sqlite"),
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for history.png (created if missing).")] = Path("reports"),
    last: Annotated[Optional[int], typer.Option("--last", min=1, help="Show only the last N scans.")] = None,
    output_format: Annotated[str, typer.Option("--format", help="Output: text or json.")] = "text",
) -> None:
    """Print the trend of recorded scans (files, families, findings, duplicated share) and write history.png.

    Exit 0, or 2 when the store is missing, empty, unreadable or of a newer schema.
    """
    from analyzer.history import HistoryError, load_trend
    from analyzer.report.files import atomic_write_bytes
    from analyzer.report.history_out import history_png, trend_json, trend_text

    if output_format not in ("text", "json"):
        raise UsageError(f"--format must be text or json, got {output_format!r}")
    try:
        points = load_trend(store, last=last)
    except HistoryError as error:
        raise UsageError(str(error)) from error
    if not points:
        raise UsageError(f"{store}: no scans recorded yet; run `agent-analyzer scan` first")
    atomic_write_bytes(out / "history.png", history_png(points))
    if output_format == "json":
        typer.echo(trend_json(points, store=str(store)), nl=False)
        _echo_err(f"wrote {out / 'history.png'}")
    else:
        typer.echo(trend_text(points, store=str(store)) + f"wrote {out / 'history.png'}")
