"""A large library's everyday runs, the working tree against another commit, rounds alternating.

These machines are noisy: on one 2-core machine the same cold run of
corpus-public took 60 s in one invocation of ``full_corpus.py`` and 86 s in
the next, and CPU seconds swing with it. Figures from two invocations are
therefore no comparison. This benchmark runs both codes in one invocation,
alternating round by round (and which goes first), on two copies of the
corpus that stay byte-identical, each with its own cache folder:

* ``cold``: an empty cache folder, an empty --out;
* ``warm``: the cache of the code's previous run, nothing changed, an
  emptied --out (every report rendered again);
* ``one-changed``: the same after appending one line to one file (the same
  line in both copies; a new line each round).

Each run is ``python -m analyzer analyze COPY --out OUT --quiet`` in a fresh
child (``measure_child.py``) started in the code's folder, so its own
``analyzer`` package is imported; the baseline is a ``git worktree`` of
``--baseline REF`` (``small_runs.checkout``). It prints every run, then per
scenario the best wall and CPU seconds of each code, the ratio of the bests,
the median of the per-round ratios (a slow moment of the machine spoils one
round, not the comparison) and the peak RSS.

    python benchmarks/ab_runs.py --baseline REF [--corpus DIR] [--rounds 3] [--runs cold,warm,one-changed]
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from full_corpus import CORPUS, agent_files
from measure_child import Measurement, measure, ratio, table
from small_runs import REPO, checkout

SCENARIOS = ("cold", "warm", "one-changed")


def run(code: Path, corpus: Path, scratch: Path, scenario: str) -> Measurement:
    """One measured run of ``scenario`` with the ``analyzer`` package in ``code``."""
    cache = scratch / ("cold-cache" if scenario == "cold" else "cache")
    if scenario == "cold":
        shutil.rmtree(cache, ignore_errors=True)
    out = scratch / "out"
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "analyzer", "analyze", str(corpus), "--out", str(out), "--quiet",
               "--cache-dir", str(cache)]
    measured = measure(command, cwd=code, timeout=1800)
    if measured.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(command)} (in {code}) failed with {measured.returncode}:\n"
                         f"{measured.stderr[-2000:]}")
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="a git commit to measure beside the working tree")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", default=",".join(SCENARIOS), help="which of " + ", ".join(SCENARIOS))
    arguments = parser.parse_args()
    scenarios = [s for s in arguments.runs.split(",") if s]
    if not set(scenarios) <= set(SCENARIOS) or not arguments.corpus.is_dir():
        raise SystemExit(f"usage: --runs from {', '.join(SCENARIOS)}; --corpus an existing folder")
    with contextlib.ExitStack() as stack:
        codes = {"baseline": stack.enter_context(checkout(arguments.baseline)), "working tree": REPO}
        scratch = {name: Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ab-runs-"))) for name in codes}
        copies = {name: scratch[name] / "corpus" for name in codes}
        for name, copy in copies.items():
            shutil.copytree(arguments.corpus, copy)
            if set(scenarios) - {"cold"}:
                run(codes[name], copy, scratch[name], "warm")  # untimed: fills the cache
        candidates = agent_files(copies["baseline"]) or sorted(f for f in copies["baseline"].rglob("*") if f.is_file())
        target = candidates[0].relative_to(copies["baseline"])
        results: dict[tuple[str, str], list[Measurement]] = {}
        for round_number in range(arguments.rounds):
            for scenario in scenarios:
                if scenario == "one-changed":
                    for copy in copies.values():
                        with (copy / target).open("a", encoding="utf-8") as handle:
                            handle.write(f"\nRound {round_number + 1} of benchmarks/ab_runs.py adds this line.\n")
                order = list(codes) if round_number % 2 == 0 else list(reversed(codes))
                for name in order:
                    measured = run(codes[name], copies[name], scratch[name], scenario)
                    results.setdefault((scenario, name), []).append(measured)
                    print(f"round {round_number + 1} {scenario:<12} {name:<13} wall {measured.wall:6.1f} s  "
                          f"CPU {measured.cpu:6.1f} s", file=sys.stderr, flush=True)
    print(f"{arguments.corpus}: baseline {arguments.baseline} vs the working tree, {arguments.rounds} rounds "
          f"alternating (one-changed appends to {target})\n")
    rows = []
    for scenario in scenarios:
        old, new = results[(scenario, "baseline")], results[(scenario, "working tree")]
        for name, measured in (("baseline", old), ("working tree", new)):
            rows.append([scenario, name, f"{min(m.wall for m in measured):.1f}", f"{min(m.cpu for m in measured):.1f}",
                         f"{max(m.peak_rss_mb for m in measured):.0f}", ""])
        median = statistics.median(n.wall / o.wall for o, n in zip(old, new))
        rows.append([scenario, "tree ÷ baseline", ratio(min(m.wall for m in new), min(m.wall for m in old)),
                     ratio(min(m.cpu for m in new), min(m.cpu for m in old)), "", f"{median:.2f}"])
    print(table(["run", "code", "best wall s", "best CPU s", "peak RSS MB", "median round wall ratio"], rows, left=2))


if __name__ == "__main__":
    main()
