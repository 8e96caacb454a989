"""Everyday runs on a small library: cold, rerun, and a new --out, against another commit in the same run.

A team's folder of agents is tens of files, not thousands, and there a run's
time is mostly the interpreter: imports, worker start-up, the picture
process. This benchmark runs ``python -m analyzer analyze FOLDER`` (default:
the bundled ``corpus/``) in a fresh child (``measure_child.py``) for each of

1. ``cold``: an empty cache folder and an empty --out;
2. ``rerun``: the same cache and --out again, nothing changed (the reports
   are checked and reused in place);
3. ``new-out``: the same cache into another empty --out (a full analysis
   that reads the parse cache, or a copy of an intact folder's reports);
4. ``no-cache``: ``--no-cache`` into an empty --out (always a full analysis).

With ``--baseline REF`` the same runs are made with the code of git commit
``REF`` (checked out with ``git worktree add`` into a temporary folder and
run from there, so its own ``analyzer`` package is imported), alternating
with the working tree's round by round, so a slow moment of the machine hits
both alike. Prints the best of ``--rounds`` wall and CPU seconds and, with a
baseline, the working tree's ratio to it.

    python benchmarks/small_runs.py [--folder corpus] [--rounds 5] [--baseline REF]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from measure_child import Measurement, measure, ratio, table

REPO = Path(__file__).resolve().parents[1]
RUNS = ("cold", "rerun", "new-out", "no-cache")


@contextlib.contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """A temporary git worktree of ``ref``, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="small-runs-baseline-") as scratch:
        folder = Path(scratch) / "tree"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(folder), ref],
                       check=True)
        try:
            yield folder
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(folder)], check=False)


def one_round(code: Path, folder: Path, scratch: Path) -> tuple[dict[str, Measurement], int]:
    """The four runs, in order, with the ``analyzer`` package of ``code``; and the files analysed."""
    cache, out = scratch / "cache", scratch / "out"

    def run(target: Path, *options: str) -> Measurement:
        command = [sys.executable, "-m", "analyzer", "analyze", str(folder), "--out", str(target), "--quiet",
                   *options]
        measured = measure(command, cwd=code, timeout=600)
        if measured.returncode not in (0, 1, 2, 3):
            raise SystemExit(f"{' '.join(command)} (in {code}) failed with {measured.returncode}:\n"
                             f"{measured.stderr[-2000:]}")
        return measured

    measured = {
        "cold": run(out, "--cache-dir", str(cache)),
        "rerun": run(out, "--cache-dir", str(cache)),
        "new-out": run(scratch / "out2", "--cache-dir", str(cache)),
        "no-cache": run(scratch / "out3", "--no-cache"),
    }
    return measured, json.loads((out / "summary.json").read_text(encoding="utf-8"))["counts"]["files"]


def best(rounds: list[dict[str, Measurement]], run: str, attribute: str) -> float:
    return min(getattr(measured[run], attribute) for measured in rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=REPO / "corpus")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", help="a git commit to measure beside the working tree")
    arguments = parser.parse_args()
    folder = arguments.folder.resolve()
    codes = {"working tree": REPO}
    results: dict[str, list[dict[str, Measurement]]] = {"working tree": []}
    with contextlib.ExitStack() as stack:
        if arguments.baseline:
            codes = {f"baseline {arguments.baseline}": stack.enter_context(checkout(arguments.baseline)), **codes}
            results = {name: [] for name in codes}
        for round_number in range(arguments.rounds):
            for name, code in codes.items():
                with tempfile.TemporaryDirectory(prefix="small-runs-") as scratch:
                    measured, files = one_round(code, folder, Path(scratch))
                    results[name].append(measured)
            print(f"round {round_number + 1}/{arguments.rounds} done", file=sys.stderr)
    print(f"{folder}: {files} agent files, best of {arguments.rounds} rounds, each run a fresh process\n")
    baseline = next(iter(codes)) if arguments.baseline else None
    rows = []
    for run in RUNS:
        for name in codes:
            wall, cpu = best(results[name], run, "wall"), best(results[name], run, "cpu")
            row = [run, name, f"{wall:.2f}", f"{cpu:.2f}"]
            if baseline:
                row += [ratio(wall, best(results[baseline], run, "wall")),
                        ratio(cpu, best(results[baseline], run, "cpu"))]
            rows.append(row)
    headers = ["run", "code", "wall s", "CPU s"] + (["wall ÷ baseline", "CPU ÷ baseline"] if baseline else [])
    print(table(headers, rows, left=2))


if __name__ == "__main__":
    main()
