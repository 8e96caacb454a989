"""Time the whole analysis on ../shared/corpus-public (or any folder): cold, warm and uncached runs.

One invocation copies the corpus into a temporary folder (the shared folder is
never modified) and runs ``agent-analyzer analyze COPY --out TMP --quiet``
six times, each in a fresh child process (``measure_child.py``), after one
untimed warm-up run on a single file (so the cold run is not also the first
to import and byte-compile the analyzer):

1. ``cold``: ``--cache-dir`` pointing at a new, empty folder;
2. ``warm``: the same cache folder again, nothing changed, into an emptied --out (parse cache,
   match memo and classification memo, but every report is rendered again);
3. ``rerun-same-out``: the same again into the --out the warm run wrote (up-to-date reports are reused);
4. ``rerun-new-out``: the same again into a new --out (the reports are copied, checked, from the first);
5. ``warm-1-changed``: the same cache folder after appending one line to one file;
6. ``no-cache``: ``--no-cache`` (on the changed corpus too: the two runs' reports are compared,
   and the benchmark says whether they are equal).

It prints one table with wall time, CPU time (user + sys of the child and its
workers), files/s and MB/s (on wall time), peak RSS, every run's wall and CPU
time as a ratio to the cold run of the same invocation (the machines are
noisy; compare ratios, not seconds, across machines), and the parse-cache
hits/misses/rebuilt from ``summary.json`` ``metadata.cache`` (``-`` when the
cache is off or the field is absent); then a second table with the per-stage
timings from ``metadata.timings_seconds``, their sum, and the rest of the
child's wall time (interpreter start-up, imports, writing the reports).

    python benchmarks/full_corpus.py [--corpus DIR] [--workers 0] [-- EXTRA ANALYZE ARGS]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from measure_child import Measurement, measure, ratio, table

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus-public"
AGENT_SUFFIXES = (".md", ".mdc", ".markdown")
APPENDED_LINE = "\nOne more line appended by benchmarks/full_corpus.py to invalidate this file's cache entry.\n"


def agent_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in AGENT_SUFFIXES)


def run_analyze(corpus: Path, out: Path, workers: int, cache_args: list[str], extra: list[str],
                timeout: float | None = None, keep_out: bool = False) -> tuple[Measurement, dict]:
    """One measured ``analyze`` run; returns its cost and its summary.json (empty when it failed).

    The --out folder is emptied first unless ``keep_out`` (a rerun into the same folder, where
    up-to-date reports are reused)."""
    command = [sys.executable, "-m", "analyzer", "analyze", str(corpus), "--out", str(out), "--quiet",
               "--workers", str(workers), *cache_args, *extra]
    if out.exists() and not keep_out:
        shutil.rmtree(out)
    cost = measure(command, timeout=timeout, cwd=Path(__file__).resolve().parents[1])
    if cost.timed_out:
        return cost, {}
    if cost.returncode not in (0, 3):  # 3: ran fine, findings over a gate
        sys.exit(f"analyze failed ({cost.returncode}): {cost.stderr[-2000:]}")
    return cost, json.loads((out / "summary.json").read_text(encoding="utf-8"))


def warm_up(sample_file: Path, workers: int) -> None:
    """One untimed analyze of a single file, so the first measured run pays no byte-compiling or cold imports."""
    with tempfile.TemporaryDirectory(prefix="warm-up-") as scratch:
        folder = Path(scratch) / "corpus"
        folder.mkdir()
        shutil.copyfile(sample_file, folder / sample_file.name)
        run_analyze(folder, Path(scratch) / "out", workers, ["--no-cache"], [])


def cache_cells(summary: dict) -> list[str]:
    """hits, misses, rebuilt (and a write error) from metadata.cache; '-' when the field is absent."""
    use = summary.get("metadata", {}).get("cache")
    if not isinstance(use, dict) or not use.get("folder"):  # absent (older analyzer) or cache off
        return ["-", "-", "-"]
    cells = [str(use.get(key, "-")) for key in ("hits", "misses", "rebuilt")]
    if use.get("write_error"):
        cells[-1] += " (write error)"
    return cells


def report_differences(first: Path, second: Path) -> list[str]:
    """Report files (relative paths) that differ between two --out folders, or exist in one only;
    summary.json is compared without its ``metadata`` (timings, cache counts, dates)."""
    names = sorted({p.relative_to(folder).as_posix() for folder in (first, second)
                    for p in folder.rglob("*") if p.is_file()})
    differing = []
    for name in names:
        a, b = first / name, second / name
        if not (a.is_file() and b.is_file()):
            differing.append(name)
        elif name == "summary.json":
            without = [{k: v for k, v in json.loads(p.read_text(encoding="utf-8")).items() if k != "metadata"}
                       for p in (a, b)]
            if without[0] != without[1]:
                differing.append(name)
        elif a.read_bytes() != b.read_bytes():
            differing.append(name)
    return differing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--workers", type=int, default=0, help="passed to analyze (0 = one per core)")
    parser.add_argument("extra", nargs="*", help="extra arguments passed to analyze (after --)")
    args = parser.parse_args()
    corpus_dir = args.corpus.resolve()
    if not corpus_dir.is_dir():
        sys.exit(f"error: corpus folder not found: {corpus_dir}")

    with tempfile.TemporaryDirectory(prefix="full-corpus-") as scratch:
        root = Path(scratch)
        copy = root / "corpus"
        shutil.copytree(corpus_dir, copy, symlinks=True)
        files = agent_files(copy)
        if not files:
            sys.exit(f"error: no {', '.join(AGENT_SUFFIXES)} files under {corpus_dir}")
        megabytes = sum(p.stat().st_size for p in files) / 1e6
        changed = files[len(files) // 2]
        cache_dir = root / "cache"
        cache_dir.mkdir()
        out = root / "out"
        print(f"corpus {corpus_dir}: {len(files)} agent files, {megabytes:.1f} MB (copied to {copy})")

        warm_up(files[0], args.workers)
        runs: list[tuple[str, Measurement, dict]] = []

        def run(name: str, cache_args: list[str], keep_out: bool = False, into: Path = out) -> None:
            cost, summary = run_analyze(copy, into, args.workers, cache_args, args.extra, keep_out=keep_out)
            runs.append((name, cost, summary))
            print(f"  {name}: {cost.wall:.1f} s wall, {cost.cpu:.1f} s CPU", flush=True)

        run("cold", ["--cache-dir", str(cache_dir)])
        run("warm", ["--cache-dir", str(cache_dir)])
        run("rerun-same-out", ["--cache-dir", str(cache_dir)], keep_out=True)
        run("rerun-new-out", ["--cache-dir", str(cache_dir)], into=root / "out-new")
        with open(changed, "a", encoding="utf-8", newline="") as handle:
            handle.write(APPENDED_LINE)
        run("warm-1-changed", ["--cache-dir", str(cache_dir)], into=root / "out-changed")
        run("no-cache", ["--no-cache"], into=root / "out-uncached")
        differing = report_differences(root / "out-changed", root / "out-uncached")

    print(f"\n(warm-1-changed: one line appended to {changed.relative_to(copy)}; its reports "
          + ("equal the no-cache run's, byte for byte but for summary.json metadata)\n" if not differing else
             f"DIFFER from the no-cache run's: {', '.join(differing[:10])})\n"))
    cold = runs[0][1]
    rows = []
    for name, cost, summary in runs:
        n_files = summary.get("counts", {}).get("files", len(files))
        rows.append([name, n_files, f"{cost.wall:.1f}", f"{cost.cpu:.1f}", f"{n_files / cost.wall:.1f}",
                     f"{megabytes / cost.wall:.2f}", f"{cost.peak_rss_mb:.0f}", ratio(cost.wall, cold.wall),
                     ratio(cost.cpu, cold.cpu), *cache_cells(summary)])
    print(table(["run", "files", "wall s", "CPU s", "files/s", "MB/s", "peak RSS MB", "wall/cold", "CPU/cold",
                 "cache hits", "misses", "rebuilt"], rows))

    stages = list(dict.fromkeys(k for _, _, s in runs for k in s.get("metadata", {}).get("timings_seconds", {})))
    stage_rows = []
    for stage in stages:
        seconds = [s.get("metadata", {}).get("timings_seconds", {}).get(stage) for _, _, s in runs]
        stage_rows.append([stage, *("-" if v is None else f"{v:.2f}" for v in seconds),
                           *(ratio(v, seconds[0]) for v in seconds[1:])])
    totals = [sum(s.get("metadata", {}).get("timings_seconds", {}).values()) for _, _, s in runs]
    outside = [cost.wall - total for (_, cost, _), total in zip(runs, totals)]
    for label, values in (("(all stages)", totals), ("(outside stages)", outside)):
        stage_rows.append([label, *(f"{v:.2f}" for v in values), *(ratio(v, values[0]) for v in values[1:])])
    names = [name for name, _, _ in runs]
    print("\nper-stage wall seconds (summary.json metadata.timings_seconds) and ratio to cold;"
          "\n(outside stages) = child wall time minus all stages: interpreter start-up, imports, report writing\n")
    print(table(["stage", *names, *(f"{n}/cold" for n in names[1:])], stage_rows))


if __name__ == "__main__":
    main()
