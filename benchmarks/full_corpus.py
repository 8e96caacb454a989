"""Time the whole analysis on ../shared/corpus-public (or any folder) and report throughput.

Runs ``agent-analyzer analyze`` in a child process (so its peak memory can be
read from ``getrusage``), ``--repeat`` times, and prints a table: wall time,
files/s, MB/s, peak RSS, and the per-stage timings from summary.json.

    python benchmarks/full_corpus.py [--corpus DIR] [--repeat 1] [--workers 0]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus-public"


def run_once(corpus: Path, workers: int, extra: list[str]) -> tuple[float, int, dict]:
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "analyzer", "analyze", str(corpus), "--out", out, "--quiet",
                   "--workers", str(workers), *extra]
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True)
        wall = time.perf_counter() - start
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if completed.returncode not in (0, 3):
            sys.exit(f"analyze failed ({completed.returncode}): {completed.stderr[-2000:]}")
        summary = json.loads((Path(out) / "summary.json").read_text(encoding="utf-8"))
    return wall, max(peak_kb, before), summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("extra", nargs="*", help="extra arguments passed to analyze")
    args = parser.parse_args()
    total_bytes = sum(p.stat().st_size for p in args.corpus.rglob("*") if p.is_file())
    print(f"{'run':>3} {'files':>6} {'wall s':>8} {'files/s':>8} {'MB/s':>6} {'peak RSS MB':>11}  stages (s)")
    for run in range(1, args.repeat + 1):
        wall, peak_kb, summary = run_once(args.corpus, args.workers, args.extra)
        files = summary["counts"]["files"]
        stages = " ".join(f"{k}={v:.1f}" for k, v in summary["metadata"]["timings_seconds"].items())
        print(f"{run:>3} {files:>6} {wall:>8.1f} {files / wall:>8.1f} {total_bytes / wall / 1e6:>6.2f} "
              f"{peak_kb / 1024:>11.0f}  {stages}")


if __name__ == "__main__":
    main()
