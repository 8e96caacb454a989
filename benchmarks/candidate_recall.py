"""Candidate recall: the share of true near-duplicate block pairs that LSH proposes.

Takes the unit and section texts of a seeded random sample of files from
../shared/corpus-public (default 1,000 files), scores *every* pair of
distinct texts with rapidfuzz (``process.cdist`` with the block threshold as
``score_cutoff``), and compares the pairs found with the pairs the LSH stage
proposes. Prints recall, candidate counts and times for both, as a table.

    python benchmarks/candidate_recall.py [--files 1000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from analyzer.discover import discover
from analyzer.match import distinct_texts, lsh_candidates, verify
from analyzer.pipeline import read_and_parse
from analyzer.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus-public"


def exhaustive_pairs(texts: list[str], threshold: float, workers: int) -> set[tuple[int, int]]:
    scores = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=threshold * 100,
                           dtype=np.uint8, workers=workers)
    first, second = np.nonzero(np.triu(scores, k=1))
    return set(zip(first.tolist(), second.tolist()))


def parsed_sample(description: str) -> tuple[tuple, Settings]:
    """Parse ``--files`` files of ``--corpus`` picked with ``--seed`` (the command line of the sampling benchmarks)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    settings = Settings()
    found = discover([args.corpus], settings=settings).files
    sample = tuple(sorted(random.Random(args.seed).sample(list(found), min(args.files, len(found))),
                          key=lambda f: f.rel_path))
    files, _, _ = read_and_parse(sample, settings=settings)
    return files, settings


def main() -> None:
    files, settings = parsed_sample(__doc__.splitlines()[0])
    blocks = [b for f in files for b in f.blocks]
    print(f"{'class':<10} {'texts':>7} {'true pairs':>10} {'candidates':>11} {'recall':>7} "
          f"{'exhaustive s':>12} {'lsh+verify s':>12}")
    for cls in ("unit", "section"):
        texts_by_fp = distinct_texts(blocks)[cls]
        texts = [t for _, t in sorted(texts_by_fp.items()) if len(t) >= settings.min_near_chars]
        start = time.perf_counter()
        truth = exhaustive_pairs(texts, settings.block_threshold, settings.worker_count)
        exhaustive_time = time.perf_counter() - start
        start = time.perf_counter()
        candidates = lsh_candidates(texts, settings=settings)
        proposed = {(i, j) for i, j, _ in verify(texts, candidates, threshold=settings.block_threshold)}
        lsh_time = time.perf_counter() - start
        recall = len(truth & proposed) / len(truth) if truth else 1.0
        print(f"{cls:<10} {len(texts):>7} {len(truth):>10} {len(candidates):>11} {recall:>7.4f} "
              f"{exhaustive_time:>12.1f} {lsh_time:>12.1f}")
        missed = sorted(truth - proposed)[:3]
        for i, j in missed:
            print(f"  missed ({fuzz.ratio(texts[i], texts[j]):.0f}): {texts[i][:70]!r} ~ {texts[j][:70]!r}")


if __name__ == "__main__":
    main()
