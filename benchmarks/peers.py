"""agent-analyzer beside its peers, in one run on one folder: jscpd and exhaustive whole-file pairs.

On ../shared/corpus-public (``--corpus DIR`` to change), each tool runs in a
fresh child process (``measure_child.py``), one after the other:

1. jscpd 5.3.3 (Rust engine), installed by this script with
   ``npm install --prefix TMP jscpd@5.3.3`` (skipped, with the reason
   printed, when npm or the registry is unavailable; ``--jscpd-prefix DIR``
   reuses or keeps an install). It runs as
   ``jscpd -f markdown --formats-exts markdown:md,mdc,markdown --no-gitignore
   --max-size 5mb --silent -r json -o TMP CORPUS``: the same files
   agent-analyzer reads (``*.md``, ``*.mdc``, ``*.markdown``; no .gitignore
   rules; the size limit raised from jscpd's 1 MB to agent-analyzer's 5 MB
   default), its default detection settings (exact clones of >= 50 tokens and
   >= 5 lines) and its default thread count (all cores).
2. agent-analyzer, cold: ``analyze CORPUS --no-cache --out TMP --quiet``
   (after one untimed warm-up run on a single file, so it is not also the
   first run to import and byte-compile the analyzer).
3. the floor of the mandated parts, on the same files and every core (a
   process pool, files in chunks as the analyzer sends them): reading,
   decoding and front matter plus markdown-it-py's block parse alone
   (``--floor markdown``), and agent-analyzer's whole parse stage, i.e. that
   plus cutting blocks and every normalisation rule (``--floor parse``). No
   cache, no matching, no reports: what no change after parsing can remove.
4. exhaustive pairs: ``rapidfuzz.fuzz.ratio`` of every pair of whole files in
   a seeded random sample of ``--sample`` files (default 500), one core,
   timed; then extrapolated to the whole folder by the number of pairs
   (n·(n-1)/2), for wall and for CPU time of the scoring loop.

Prints wall, CPU (user + sys, child and its workers), peak RSS, each as a
ratio to jscpd measured in the same run (to agent-analyzer when jscpd was
skipped), and what each finds: jscpd's clone count, duplicated lines % and
markdown sources from its JSON report; agent-analyzer's file families (2+
files), block families and duplicated share from summary.json, and
near-duplicate block pairs (rows of block_pairs.csv). The exhaustive
baseline counts file pairs with ratio >= 80 in its sample.

    python benchmarks/peers.py [--corpus DIR] [--sample 500] [--seed 3] [--workers 0] [--jscpd-prefix DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from full_corpus import AGENT_SUFFIXES, agent_files, run_analyze, warm_up
from measure_child import Measurement, measure, ratio, table

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus-public"
JSCPD_VERSION = "5.3.3"


# --- jscpd ----------------------------------------------------------------------

def install_jscpd(prefix: Path) -> tuple[Path | None, str]:
    """(path of the jscpd launcher, "") or (None, why it is unavailable)."""
    binary = prefix / "node_modules" / ".bin" / "jscpd"
    if not binary.exists():
        npm = shutil.which("npm")
        if not npm:
            return None, "npm is not on PATH"
        try:
            done = subprocess.run([npm, "install", "--prefix", str(prefix), f"jscpd@{JSCPD_VERSION}",
                                   "--no-audit", "--no-fund", "--loglevel=error"],
                                  capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            return None, "npm install timed out after 600 s (registry unreachable?)"
        if done.returncode != 0:
            return None, f"npm install jscpd@{JSCPD_VERSION} failed: {done.stderr.strip()[-400:]}"
    try:
        version = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=60)
    except OSError as error:
        return None, f"jscpd does not start: {error}"
    if JSCPD_VERSION not in version.stdout:
        return None, f"jscpd --version says {version.stdout.strip() or version.stderr.strip()[-300:]!r}"
    return binary, ""


def jscpd_command(binary: Path, corpus: Path, out: Path) -> list[str]:
    exts = ",".join(s.lstrip(".") for s in AGENT_SUFFIXES)
    return [str(binary), "-f", "markdown", "--formats-exts", f"markdown:{exts}", "--no-gitignore",
            "--max-size", "5mb", "--silent", "-r", "json", "-o", str(out), str(corpus)]


def jscpd_finds(out: Path) -> str:
    report = json.loads((out / "jscpd-report.json").read_text(encoding="utf-8"))
    total = report["statistics"]["total"]
    markdown = report["statistics"]["formats"].get("markdown", {})
    return (f"{total['clones']} exact clones ({markdown.get('clones', 0)} in Markdown text, the rest in fenced "
            f"code), {total['percentage']:.2f}% duplicated lines; {total['sources']} sources "
            f"({markdown.get('sources', 0)} Markdown files of >= 50 tokens + fenced code blocks per language)")


# --- agent-analyzer -------------------------------------------------------------

def analyzer_finds(out: Path, summary: dict) -> str:
    counts = summary.get("counts", {})
    with open(out / "block_pairs.csv", encoding="utf-8", newline="") as handle:
        scores = [float(row["score"]) for row in csv.DictReader(handle)]
    exact = sum(score >= 1 for score in scores)
    return (f"{counts.get('multi_file_families', '?')} file families of 2+ files "
            f"({counts.get('files_in_multi_file_families', '?')} files), "
            f"{counts.get('block_families', '?')} block families, {len(scores)} near-duplicate block pairs"
            + (f" ({exact} of them score 1.0)" if exact else "")
            + f", duplicated share {summary.get('duplicated_share', 0):.1%} of unit characters")


# --- the floor: the mandated parser alone -------------------------------------------

FLOORS = {
    "markdown": "floor: read + front matter + markdown-it-py block parse",
    "parse": "floor: agent-analyzer's parse stage (blocks + normalisation)",
}


def _floor_one(job: tuple[str, str]) -> int:
    """Child-pool task: parse one file the ``mode`` way; the number of tokens or blocks made."""
    from analyzer.frontmatter import split_front_matter
    from analyzer.normalize import active_rules
    from analyzer.parse import _MARKDOWN, UnreadableFile, decode, parse_bytes
    from analyzer.settings import Settings

    path, mode = job
    data = Path(path).read_bytes()
    try:
        if mode == "markdown":
            text, _, _ = decode(data)
            return len(_MARKDOWN.parse(split_front_matter(text)[1]))
        return len(parse_bytes(data, path=path, rules=active_rules(Settings().rules)).blocks)
    except (UnreadableFile, RecursionError):
        return 0


def run_floor_child(list_file: Path, mode: str) -> None:
    """Child mode: parse the listed files the ``mode`` way on every core; print the count as JSON."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    paths = [line for line in list_file.read_text(encoding="utf-8").splitlines() if line]
    workers = os.cpu_count() or 1
    chunk = max(1, min(64, len(paths) // (workers * 8)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        made = sum(pool.map(_floor_one, [(p, mode) for p in paths], chunksize=chunk))
    print(json.dumps({"made": made}))


def run_floor(files: list[Path], mode: str, scratch: Path) -> tuple[Measurement, dict]:
    list_file = scratch / "floor-files.txt"
    list_file.write_text("".join(f"{p}\n" for p in files), encoding="utf-8")
    cost = measure([sys.executable, str(Path(__file__).resolve()), "--floor-child", mode, str(list_file)])
    if cost.returncode != 0:
        sys.exit(f"floor {mode} failed ({cost.returncode}): {cost.stderr[-2000:]}")
    return cost, json.loads(cost.stdout.strip().splitlines()[-1])


# --- exhaustive pairs -------------------------------------------------------------

def score_all_pairs(list_file: Path) -> None:
    """Child mode: score every pair of the listed files; print the loop's own times as JSON."""
    from rapidfuzz import fuzz

    texts = [Path(line).read_text(encoding="utf-8", errors="replace")
             for line in list_file.read_text(encoding="utf-8").splitlines() if line]
    wall_start, cpu_start = time.perf_counter(), time.process_time()
    pairs = similar = 0
    for i, first in enumerate(texts):
        for second in texts[i + 1:]:
            pairs += 1
            similar += fuzz.ratio(first, second) >= 80
    print(json.dumps({"pairs": pairs, "similar_80": similar, "wall": time.perf_counter() - wall_start,
                      "cpu": time.process_time() - cpu_start}))


def run_pairs(files: list[Path], sample: int, seed: int, scratch: Path) -> tuple[Measurement, dict]:
    chosen = random.Random(seed).sample(files, min(sample, len(files)))
    list_file = scratch / "pairs-sample.txt"
    list_file.write_text("".join(f"{p}\n" for p in chosen), encoding="utf-8")
    cost = measure([sys.executable, str(Path(__file__).resolve()), "--pairs-child", str(list_file)])
    if cost.returncode != 0:
        sys.exit(f"exhaustive pairs failed ({cost.returncode}): {cost.stderr[-2000:]}")
    return cost, json.loads(cost.stdout.strip().splitlines()[-1])


# --- the comparison --------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--sample", type=int, default=500, help="files in the exhaustive-pairs sample")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--workers", type=int, default=0, help="passed to analyze (0 = one per core)")
    parser.add_argument("--jscpd-prefix", type=Path, help="npm prefix for jscpd (reused if it holds one)")
    parser.add_argument("--pairs-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--floor-child", nargs=2, metavar=("MODE", "LIST"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pairs_child:
        score_all_pairs(args.pairs_child)
        return
    if args.floor_child:
        run_floor_child(Path(args.floor_child[1]), args.floor_child[0])
        return
    if args.sample < 2:
        parser.error("--sample must be at least 2")
    corpus = args.corpus.resolve()
    files = agent_files(corpus)
    if not files:
        sys.exit(f"error: no {', '.join(AGENT_SUFFIXES)} files under {corpus}")
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    print(f"corpus {corpus}: {len(files)} agent files, {megabytes:.1f} MB\n", flush=True)

    rows: list[tuple[str, Measurement | None, str]] = []  # (tool, cost, what it finds)
    with tempfile.TemporaryDirectory(prefix="peers-") as scratch_name:
        scratch = Path(scratch_name)
        prefix = args.jscpd_prefix.resolve() if args.jscpd_prefix else scratch / "npm"
        binary, why = install_jscpd(prefix)
        if binary is None:
            print(f"jscpd skipped: {why}", flush=True)
        else:
            out = scratch / "jscpd-out"
            command = jscpd_command(binary, corpus, out)
            print("jscpd: " + " ".join(command), flush=True)
            cost = measure(command)
            if cost.returncode != 0:
                print(f"jscpd failed ({cost.returncode}): {cost.stderr[-1000:]}")
            else:
                rows.append((f"jscpd {JSCPD_VERSION}", cost, jscpd_finds(out)))

        warm_up(files[0], args.workers)
        out = scratch / "analyzer-out"
        print("agent-analyzer: analyze --no-cache", flush=True)
        cost, summary = run_analyze(corpus, out, args.workers, ["--no-cache"], [])
        rows.append(("agent-analyzer (cold)", cost, analyzer_finds(out, summary)))

        for mode, name in FLOORS.items():
            print(name, flush=True)
            cost, made = run_floor(files, mode, scratch)
            rows.append((name, cost, f"{made['made']} {'tokens' if mode == 'markdown' else 'blocks'}; "
                                     "no matching, families, lineage or reports"))

        print(f"exhaustive pairs: {min(args.sample, len(files))} sampled files", flush=True)
        cost, loop = run_pairs(files, args.sample, args.seed, scratch)
    n = len(files)
    factor = (n * (n - 1) / 2) / loop["pairs"] if loop["pairs"] else 0.0
    sample_note = f"{loop['pairs']} pairs of a {min(args.sample, n)}-file sample"
    rows.append((f"exhaustive pairs, measured ({sample_note})", cost,
                 f"{loop['similar_80']} file pairs with ratio >= 80 "
                 f"(scoring loop {loop['wall']:.1f} s wall, {loop['cpu']:.1f} s CPU)"))
    rows.append((f"exhaustive pairs, extrapolated x{factor:.0f} to {n * (n - 1) // 2} pairs", None,
                 f"loop {loop['wall'] * factor:.0f} s wall, {loop['cpu'] * factor:.0f} s CPU "
                 f"(= {loop['wall'] * factor / 3600:.1f} h wall)"))

    base = rows[0][1]
    base_name = rows[0][0]
    table_rows = []
    for tool, cost, _ in rows:
        if cost is None:
            extrapolated_wall, extrapolated_cpu = loop["wall"] * factor, loop["cpu"] * factor
            table_rows.append([tool, f"{extrapolated_wall:.1f}", f"{extrapolated_cpu:.1f}", "-",
                               ratio(extrapolated_wall, base.wall), ratio(extrapolated_cpu, base.cpu), "-"])
            continue
        table_rows.append([tool, f"{cost.wall:.1f}", f"{cost.cpu:.1f}", f"{cost.peak_rss_mb:.0f}",
                           ratio(cost.wall, base.wall), ratio(cost.cpu, base.cpu),
                           ratio(cost.peak_rss_kb, base.peak_rss_kb)])
    print()
    print(table(["tool", "wall s", "CPU s", "peak RSS MB", f"wall ÷ {base_name}", f"CPU ÷ {base_name}",
                 f"RSS ÷ {base_name}"], table_rows))
    print("\nwhat each finds\n")
    print(table(["tool", "finds"], [[tool, finds] for tool, _, finds in rows], left=2))


if __name__ == "__main__":
    main()
