"""Measure one command in a fresh child process: wall time, CPU time and peak memory.

Shared by the scale benchmarks (``full_corpus.py``, ``scale_series.py``,
``peers.py``). ``measure(command)`` starts this file as a small wrapper
process, which starts ``command`` in its own session, waits for it and writes
one JSON object: the wall time it saw, and ``getrusage(RUSAGE_CHILDREN)`` of
the wrapper, i.e. user and system CPU of the command *and every descendant it
waited for* (worker pools included), and ``ru_maxrss`` of those processes.
Because the wrapper is new for every command, these figures belong to that
command alone, whatever ran before it.

Notes for reading the numbers:

* CPU time (user + sys) is the steadier figure on a shared machine; wall time
  also counts the time the command waited for a core.
* peak RSS is the largest *single* process among the command and its
  descendants (Linux ``ru_maxrss`` semantics), not the sum over concurrent
  workers.
* on timeout the whole session of the command is killed (SIGKILL to its
  process group) and the result says ``timed_out``.

Run directly (what ``measure`` does):

    python benchmarks/measure_child.py --json OUT.json [--timeout SECONDS] -- COMMAND ...
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    """What one child command cost."""

    wall: float
    user: float
    sys: float
    peak_rss_kb: int
    returncode: int | None
    timed_out: bool
    stdout: str = ""
    stderr: str = ""

    @property
    def cpu(self) -> float:
        return self.user + self.sys

    @property
    def peak_rss_mb(self) -> float:
        return self.peak_rss_kb / 1024


def measure(command: list[str], *, timeout: float | None = None, cwd: str | Path | None = None,
            env: dict[str, str] | None = None) -> Measurement:
    """Run ``command`` under the wrapper and return its cost; never raises on a failing command."""
    with tempfile.TemporaryDirectory(prefix="measure-") as scratch:
        report = Path(scratch) / "usage.json"
        wrapper = [sys.executable, str(Path(__file__).resolve()), "--json", str(report),
                   "--timeout", str(timeout or 0), "--", *command]
        backstop = None if not timeout else timeout + 120
        completed = subprocess.run(wrapper, capture_output=True, text=True, errors="replace", cwd=cwd,
                                   env=env, timeout=backstop)
        if not report.is_file():
            raise RuntimeError(f"measure wrapper failed ({completed.returncode}): {completed.stderr[-2000:]}")
        usage = json.loads(report.read_text(encoding="utf-8"))
    return Measurement(usage["wall"], usage["user"], usage["sys"], usage["maxrss_kb"], usage["returncode"],
                       usage["timed_out"], completed.stdout, completed.stderr)


def _run_wrapped(command: list[str], timeout: float) -> dict:
    start = time.perf_counter()
    child = subprocess.Popen(command, start_new_session=True)
    timed_out = False
    try:
        returncode = child.wait(timeout=timeout or None)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(child.pid, signal.SIGKILL)  # the command's own session: it and its workers
        returncode = child.wait()
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall": wall, "user": usage.ru_utime, "sys": usage.ru_stime, "maxrss_kb": usage.ru_maxrss,
            "returncode": None if timed_out else returncode, "timed_out": timed_out}


# --- small helpers for the benchmark tables ---------------------------------

def table(headers: list[str], rows: list[list], left: int = 1) -> str:
    """A plain text table: the first ``left`` columns left-aligned, the rest right-aligned."""
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[k]) for row in cells) for k in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(c.ljust(w) if k < left else c.rjust(w)
                         for k, (c, w) in enumerate(zip(row, widths))).rstrip()

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths), *(line(r) for r in cells[1:])])


def ratio(value: float | None, baseline: float | None) -> str:
    """``value / baseline`` as text, or ``-`` when either is missing or the baseline is zero."""
    if value is None or not baseline:
        return "-"
    return f"{value / baseline:.2f}"


def fit_exponent(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(time) on log(N): b in time ≈ a·N^b."""
    points = [(n, t) for n, t in points if n > 0 and t > 0]
    if len(points) < 2 or len({n for n, _ in points}) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, required=True, help="where to write the usage JSON")
    parser.add_argument("--timeout", type=float, default=0, help="seconds before the command is killed (0: none)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given after --")
    args.json.write_text(json.dumps(_run_wrapped(command, args.timeout)), encoding="utf-8")


if __name__ == "__main__":
    main()
