"""Lineage on real version histories: ../shared/lineage-histories (truth.json gives real direction).

Prints family F1, undirected edge F1 and directed parent accuracy for
agent-analyzer and for the naive baseline (whole-file ratio, threshold
families, maximum spanning tree, root = longest file), measured in one run.

    python benchmarks/lineage_histories.py [--histories DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # the repository, for `analyzer`

from lineage_scores import identical_copies_family_ceiling, naive_baseline, outside_closest_tree, score  # noqa: E402

from analyzer.lineage import infer_lineage  # noqa: E402
from analyzer.pipeline import analyze  # noqa: E402
from analyzer.settings import Settings  # noqa: E402

HISTORIES = Path(__file__).resolve().parents[2] / "shared" / "lineage-histories"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--histories", type=Path, default=HISTORIES)
    args = parser.parse_args()
    truth = json.loads((args.histories / "truth.json").read_text(encoding="utf-8"))
    corpus = args.histories / "corpus"
    start = time.perf_counter()
    result = analyze([corpus], settings=Settings())
    rows = infer_lineage(result.files, result.file_families, result.file_pairs)
    ours_time = time.perf_counter() - start
    ours = score(truth, {r.file: r.family for r in rows}, {r.file: r.parent for r in rows})
    texts = {p.name: p.read_text(encoding="utf-8", errors="replace") for p in sorted(corpus.iterdir())}
    start = time.perf_counter()
    family_of, parent_of = naive_baseline(texts)
    naive_time = time.perf_counter() - start
    naive = score(truth, family_of, parent_of)
    print(f"{len(truth)} files, {sum(1 for t in truth.values() if t['parent'])} true edges")
    print(f"{'method':<16} {'family F1':>9} {'edge F1':>8} {'directed':>9} {'time s':>7}")
    for name, s, t in (("agent-analyzer", ours, ours_time), ("naive baseline", naive, naive_time)):
        print(f"{name:<16} {s.family_f1:>9.3f} {s.edge_f1:>8.3f} {s.directed_accuracy:>9.3f} {t:>7.1f}")
    print(f"{'ratio ours/naive':<16} {ours.family_f1 / max(naive.family_f1, 1e-9):>9.2f} "
          f"{ours.edge_f1 / max(naive.edge_f1, 1e-9):>8.2f} "
          f"{ours.directed_accuracy / max(naive.directed_accuracy, 1e-9):>9.2f}")
    edges = sum(1 for t in truth.values() if t["parent"])
    raw = {p.name: p.read_bytes() for p in sorted(corpus.iterdir())}
    reverts = outside_closest_tree(truth, texts)
    print(f"content-only limits: family F1 <= {identical_copies_family_ceiling(truth, raw):.3f} "
          f"(byte-identical files filed in different truth families); "
          f"{len(reverts)} of {edges} true edges are not in their family's closest-relative tree "
          f"(reverts, mostly; a method linking each file to its closest relatives has edge F1 <= "
          f"~{(edges - len(reverts)) / edges:.3f})")


if __name__ == "__main__":
    main()
