"""How a cold analysis grows with library size: grow a corpus to N files, time it, fit time = a·N^b.

Growing: one seeded sequence of files is built up to the largest size; the
corpus of size N is the first N files of that sequence, so every size holds
the same mix. Each step either takes the next unused real file from
../shared/corpus-public (with probability ``--real-share``, default 0.1, as
long as real files remain) or derives a new file from one already in the
sequence. The parent is chosen by picking a family (a real file and all files
derived from it) uniformly, then any member of it, real or derived, so older
families grow larger but none takes over the corpus. The child is the
parent's text with 1-3 of ``mutate.py``'s operators applied: spelling
conversion, pasted blocks, grafted, dropped, renamed or reordered sections,
placeholders, word and sentence edits, front matter and line-ending changes.
Pasted text comes from 300 real files that are not otherwise used. The
sequence is written once under a temporary folder (``--keep DIR`` to keep
it); each size is a folder of hard links to its first N files.

Timing: after one untimed warm-up run on a single file, at each size
``agent-analyzer analyze DIR --no-cache --out TMP --quiet`` runs in a fresh
child process (``measure_child.py``), one size at a time, with
``--timeout`` seconds per size (a size that times out is recorded as such and
larger sizes are skipped). The table gives files, MB, wall and CPU seconds,
peak RSS, files/s, and the cost per file and peak RSS as ratios to the
smallest size measured in the same run (1.00 = linear growth). Then the growth
exponent b of time ≈ a·N^b, fitted by least squares on log-log over the sizes
from ``--fit-from`` (default 5000) upward, for wall and for CPU time, and the
pairwise exponents between consecutive sizes.

    python benchmarks/scale_series.py [--sizes 1000,5000,20000,50000] [--seed 11] [--timeout 3600]
        [--keep DIR] [--corpus DIR] [--workers 0]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

from full_corpus import AGENT_SUFFIXES, run_analyze, warm_up
from measure_child import Measurement, fit_exponent, ratio, table
from mutate import Donors, mutate, parse

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus-public"
DONOR_FILES = 300


def real_files(corpus: Path) -> list[Path]:
    """Agent files below the corpus root (the root holds README/MANIFEST, not agent files)."""
    return sorted(p for p in corpus.rglob("*")
                  if p.is_file() and p.parent != corpus and p.suffix.lower() in AGENT_SUFFIXES)


def grow(corpus: Path, pool: Path, total: int, seed: int, real_share: float) -> tuple[list[Path], Counter]:
    """Write ``total`` files into ``pool`` (real copies and derived files); return them in sequence order.

    Also returns counts of what was written (real, derived from real, derived
    from derived, operator labels).
    """
    rng = random.Random(seed)
    reals = real_files(corpus)
    rng.shuffle(reals)
    donor_paths, reals = reals[:DONOR_FILES], reals[DONOR_FILES:]
    donors = Donors.from_docs([parse(p.read_text(encoding="utf-8", errors="replace")) for p in donor_paths])
    written: list[Path] = []
    derived: set[int] = set()
    families: list[list[int]] = []  # sequence indices of each real file and of the files derived from it
    stats: Counter = Counter()
    next_real = 0
    for index in range(total):
        target_dir = pool / f"g{index // 1000:03d}"
        target_dir.mkdir(parents=True, exist_ok=True)
        if next_real < len(reals) and (not written or rng.random() < real_share):
            source = reals[next_real]
            next_real += 1
            target = target_dir / f"{index:06d}_{source.parent.name[:40]}__{source.name[-60:]}"
            shutil.copyfile(source, target)
            families.append([index])
            stats["real"] += 1
        else:
            family = rng.choice(families)  # a family uniformly, then any member of it
            parent_index = rng.choice(family)
            parent = written[parent_index]
            family.append(index)
            child, labels = mutate(parse(parent.read_bytes().decode("utf-8", errors="replace")), rng, donors)
            target = target_dir / f"{index:06d}_derived{parent.suffix}"
            target.write_bytes(child.text().encode("utf-8"))
            derived.add(index)
            stats["derived from derived" if parent_index in derived else "derived from real"] += 1
            stats.update(f"op {label}" for label in labels)
        written.append(target)
        if (index + 1) % 5000 == 0:
            print(f"  grown {index + 1} files", flush=True)
    sizes = sorted(len(family) for family in families)
    stats["families"], stats["family size median"], stats["family size max"] = (
        len(sizes), sizes[len(sizes) // 2], sizes[-1])
    return written, stats


def link_prefix(files: list[Path], folder: Path) -> None:
    """``folder`` holds the given files, as hard links when the file system allows (copies otherwise)."""
    for path in files:
        target = folder / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes must be comma-separated integers, got {text!r}") from None
    if not sizes or sizes[0] < 2:
        raise argparse.ArgumentTypeError("sizes must be integers >= 2, e.g. 1000,5000,20000")
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=parse_sizes, default=[1000, 5000, 20000, 50000])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--real-share", type=float, default=0.1,
                        help="chance that the next file is a new real file, in (0, 1] (default 0.1)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per size (default 3600)")
    parser.add_argument("--fit-from", type=int, default=5000, help="smallest size used in the fit")
    parser.add_argument("--workers", type=int, default=0, help="passed to analyze (0 = one per core)")
    parser.add_argument("--keep", type=Path, help="write the grown corpus here and keep it")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    if not 0 < args.real_share <= 1:
        parser.error("--real-share must be in (0, 1]")
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"--keep folder {args.keep} is not empty; give a new or empty folder")

    scratch = tempfile.TemporaryDirectory(prefix="scale-series-")
    root = args.keep.resolve() if args.keep else Path(scratch.name)
    root.mkdir(parents=True, exist_ok=True)
    try:
        run_series(args, root, Path(scratch.name))
    finally:
        scratch.cleanup()


def run_series(args: argparse.Namespace, root: Path, scratch: Path) -> None:
    print(f"growing {args.sizes[-1]} files from {args.corpus} (seed {args.seed}, real share {args.real_share}) "
          f"under {root}", flush=True)
    files, stats = grow(args.corpus.resolve(), root / "pool", args.sizes[-1], args.seed, args.real_share)
    grown = {k: v for k, v in stats.items() if not k.startswith("op ")}
    operators = {k[3:]: v for k, v in stats.items() if k.startswith("op ")}
    print("  " + ", ".join(f"{k}: {v}" for k, v in grown.items()))
    print("  operators applied: " + ", ".join(f"{k} {v}" for k, v in sorted(operators.items())), flush=True)

    warm_up(files[0], args.workers)
    results: list[tuple[int, float, Measurement | None, int]] = []  # (size, MB, cost, files analyzed)
    for size in args.sizes:
        folder = root / f"n{size}"
        link_prefix(files[:size], folder)
        megabytes = sum(p.stat().st_size for p in files[:size]) / 1e6
        if results and (results[-1][2] is None or results[-1][2].timed_out):
            results.append((size, megabytes, None, 0))
            continue
        cost, summary = run_analyze(folder, scratch / "out", args.workers, ["--no-cache"], [], timeout=args.timeout)
        analyzed = summary.get("counts", {}).get("files", size)
        results.append((size, megabytes, cost, analyzed))
        state = "timeout" if cost.timed_out else f"{cost.wall:.1f} s wall, {cost.cpu:.1f} s CPU"
        print(f"  n={size}: {state}", flush=True)
    print_results(results, args)


def print_results(results: list[tuple[int, float, Measurement | None, int]], args: argparse.Namespace) -> None:
    done = [(size, mb, cost, n) for size, mb, cost, n in results if cost is not None and not cost.timed_out]
    base = done[0] if done else None
    rows = []
    for size, megabytes, cost, analyzed in results:
        if cost is None or cost.timed_out:
            state = f"timeout after {args.timeout:.0f} s" if cost else "skipped (smaller size timed out)"
            rows.append([size, "-", f"{megabytes:.1f}", state, "", "", "", "", "", ""])
            continue
        wall_per_file = cost.wall / analyzed
        cpu_per_file = cost.cpu / analyzed
        rows.append([size, analyzed, f"{megabytes:.1f}", f"{cost.wall:.1f}", f"{cost.cpu:.1f}",
                     f"{cost.peak_rss_mb:.0f}", f"{analyzed / cost.wall:.1f}",
                     ratio(wall_per_file, base[2].wall / base[3]), ratio(cpu_per_file, base[2].cpu / base[3]),
                     ratio(cost.peak_rss_kb, base[2].peak_rss_kb)])
    print()
    print(table(["N", "files", "MB", "wall s", "CPU s", "peak RSS MB", "files/s", "wall/file ÷ first",
                 "CPU/file ÷ first", "RSS ÷ first"], rows))

    fit_points = [(n, cost) for _, _, cost, n in done if n >= args.fit_from]
    note = f"sizes >= {args.fit_from}"
    if len(fit_points) < 2:
        fit_points = [(n, cost) for _, _, cost, n in done]
        note = f"all sizes (fewer than 2 sizes >= {args.fit_from})"
    b_wall = fit_exponent([(n, c.wall) for n, c in fit_points])
    b_cpu = fit_exponent([(n, c.cpu) for n, c in fit_points])
    show = lambda b: "-" if b is None else f"{b:.2f}"  # noqa: E731
    print(f"\ngrowth exponent b in time ≈ a·N^b, least squares on log-log over {note}: "
          f"wall b = {show(b_wall)}, CPU b = {show(b_cpu)}")
    pair_rows = []
    for (n1, _, c1, a1), (n2, _, c2, a2) in zip(done, done[1:]):
        pair_rows.append([f"{a1} -> {a2}", show(fit_exponent([(a1, c1.wall), (a2, c2.wall)])),
                          show(fit_exponent([(a1, c1.cpu), (a2, c2.cpu)]))])
    if pair_rows:
        print()
        print(table(["sizes", "wall b", "CPU b"], pair_rows))


if __name__ == "__main__":
    sys.exit(main())
