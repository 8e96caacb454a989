"""Lineage on synthetic families grown from real files, with known edit trees, over several seeds.

For each seed, ``mutate.build_corpus`` picks unrelated real files from
../shared/corpus-public: originals that grow into families (chains, stars and
mixed trees, each new member derived from an existing one by 1-3 mutation
operators: spelling conversion either way, pasted blocks, grafted, dropped,
renamed or reordered sections, placeholders introduced or filled, word and
sentence edits, front-matter and line-ending changes; in some families the
original is removed, so its children are roots), plus distractors that share
long house boilerplate sections with each other and with some families. The
corpus is written under neutral shuffled names into a temporary folder.

Prints family F1, undirected edge F1 and directed parent accuracy for
agent-analyzer and the naive baseline (whole-file ratio, threshold families,
maximum spanning tree, root = longest file), both measured in the same run,
per seed, then mean and worst and the ratio ours/naive; then where we lose:
per mutation type of the true edge, how often the edge is found, oriented
right, and what the wrong parents are.

    python benchmarks/lineage_synthetic.py [--seeds 5] [--first-seed 1] [--families 40] [--distractors 150] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # the repository, for `analyzer`

from lineage_scores import naive_baseline, score  # noqa: E402
from mutate import build_corpus  # noqa: E402

from analyzer import lineage  # noqa: E402
from analyzer.lineage import infer_lineage  # noqa: E402
from analyzer.pipeline import analyze  # noqa: E402
from analyzer.settings import Settings  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus-public"
METRICS = ("family_f1", "edge_f1", "directed_accuracy")
OUTCOMES = ("right", "reversed", "sibling", "grandparent", "grandchild", "other_in_family", "root", "other_family")


def classify(child: str, truth: dict[str, dict], family_of: dict[str, str], parent_of: dict[str, str]) -> str:
    """What the predicted parent of ``child`` is, relative to its true parent."""
    true_parent = truth[child]["parent"]
    predicted = parent_of.get(child) or ""
    if predicted == true_parent:
        return "right"
    if not predicted:
        return "root"
    if truth[predicted]["family"] != truth[child]["family"]:
        return "other_family"
    if parent_of.get(true_parent) == child and truth[true_parent]["parent"] != child:
        return "reversed"
    if truth[predicted]["parent"] == true_parent:
        return "sibling"
    if truth[true_parent]["parent"] == predicted:
        return "grandparent"
    if truth[predicted]["parent"] == child:
        return "grandchild"
    return "other_in_family"


def family_errors(truth: dict[str, dict], family_of: dict[str, str]) -> tuple[int, int, list[str]]:
    """(true families split, predicted families merging several true ones, descriptions of merges)."""
    pred_of_true, true_of_pred = defaultdict(set), defaultdict(set)
    for name, t in truth.items():
        pred_of_true[t["family"]].add(family_of[name])
        true_of_pred[family_of[name]].add(t["family"])
    split = sum(len(v) > 1 for v in pred_of_true.values())
    merges = [" + ".join(sorted(v)) for v in true_of_pred.values() if len(v) > 1]
    return split, len(merges), merges


def run_seed(seed: int, args: argparse.Namespace) -> dict:
    corpus = build_corpus(CORPUS, seed, n_families=args.families, n_distractors=args.distractors)
    with tempfile.TemporaryDirectory(prefix=f"lineage_synth_{seed}_") as tmp:
        folder = Path(args.keep) / f"seed_{seed}" if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in sorted(corpus.files.items()):
            (folder / name).write_bytes(data)
        if args.keep:
            (folder.parent / f"seed_{seed}_truth.json").write_text(json.dumps(corpus.truth, indent=1, sort_keys=True))
            (folder.parent / f"seed_{seed}_info.json").write_text(json.dumps(
                {k: {**corpus.info[k], "ops": corpus.edge_ops.get(k)} for k in sorted(corpus.info)}, indent=1))
        start = time.perf_counter()
        result = analyze([folder], settings=Settings())
        rows = infer_lineage(result.files, result.file_families, result.file_pairs)
        ours_time = time.perf_counter() - start
        evidence = true_edge_evidence(result, corpus.truth)
        texts = {p.name: p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.iterdir())
                 if p.suffix == ".md"}
    ours_family = {r.file: r.family for r in rows}
    ours_parent = {r.file: r.parent for r in rows}
    relation = {r.file: r.relation for r in rows}
    start = time.perf_counter()
    naive_family, naive_parent = naive_baseline(texts)
    naive_time = time.perf_counter() - start
    return {
        "seed": seed, "corpus": corpus, "n_files": len(corpus.truth),
        "n_edges": sum(1 for t in corpus.truth.values() if t["parent"]),
        "ours": score(corpus.truth, ours_family, ours_parent), "naive": score(corpus.truth, naive_family, naive_parent),
        "ours_time": ours_time, "naive_time": naive_time,
        "ours_pred": (ours_family, ours_parent), "naive_pred": (naive_family, naive_parent), "relation": relation,
        "evidence": evidence,
    }


def true_edge_evidence(result, truth: dict[str, dict]) -> dict[str, float]:
    """Our signed direction evidence E(true parent -> child) on every true edge (empty if internals moved)."""
    try:
        by_path = {f.path: f for f in result.files}
        pair_of = {(p.file_a, p.file_b): p for p in result.file_pairs}
        return {child: lineage.edge_evidence(by_path[t["parent"]], by_path[child],
                                             lineage._pair(pair_of, t["parent"], child), {})
                for child, t in truth.items() if t["parent"]}
    except (AttributeError, KeyError, TypeError):
        return {}


def edge_ceiling(truth: dict[str, dict]) -> float:
    """Best edge F1 a method giving one tree per family can reach: orphans of a removed root need joining edges."""
    roots = Counter(t["family"] for t in truth.values() if not t["parent"])
    true_edges = sum(1 for t in truth.values() if t["parent"])
    forced = sum(n - 1 for n in roots.values())
    return 2 * true_edges / (2 * true_edges + forced) if true_edges else 1.0


def false_edges(truth: dict[str, dict], parent_of: dict[str, str]) -> Counter:
    """Predicted edges that are not true edges, by kind."""
    true_edges = {frozenset((f, t["parent"])) for f, t in truth.items() if t["parent"]}
    kinds = Counter()
    for child, parent in parent_of.items():
        if not parent or frozenset((child, parent)) in true_edges:
            continue
        if truth[child]["family"] != truth[parent]["family"]:
            kinds["cross-family"] += 1
        elif not truth[child]["parent"] and not truth[parent]["parent"]:
            kinds["between orphans of a removed root"] += 1
        else:
            kinds["within family"] += 1
    return kinds


def print_scores(runs: list[dict]) -> None:
    head = (f"{'seed':>4} {'files':>5} {'edges':>5} | {'ours fam':>8} {'edge':>6} {'dir':>6} {'time':>5} | "
            f"{'naive fam':>9} {'edge':>6} {'dir':>6} {'time':>5} | {'edge ceiling':>12}")
    print(head)
    print("-" * len(head))
    for r in runs:
        o, n = r["ours"], r["naive"]
        print(f"{r['seed']:>4} {r['n_files']:>5} {r['n_edges']:>5} | {o.family_f1:>8.3f} {o.edge_f1:>6.3f} "
              f"{o.directed_accuracy:>6.3f} {r['ours_time']:>5.1f} | {n.family_f1:>9.3f} {n.edge_f1:>6.3f} "
              f"{n.directed_accuracy:>6.3f} {r['naive_time']:>5.1f} | {edge_ceiling(r['corpus'].truth):>12.3f}")
    print()
    print(f"{'summary':<22} {'family F1':>9} {'edge F1':>8} {'directed':>9}")
    for method in ("ours", "naive"):
        label = "agent-analyzer" if method == "ours" else "naive baseline"
        for stat, fn in (("mean", statistics.fmean), ("worst", min)):
            values = [fn([getattr(r[method], m) for r in runs]) for m in METRICS]
            print(f"{label + ' ' + stat:<22} {values[0]:>9.3f} {values[1]:>8.3f} {values[2]:>9.3f}")
    for stat, fn in (("mean", statistics.fmean), ("worst", min)):
        ratios = [fn([getattr(r["ours"], m) for r in runs]) / max(fn([getattr(r["naive"], m) for r in runs]), 1e-9)
                  for m in METRICS]
        print(f"{'ratio ours/naive ' + stat:<22} {ratios[0]:>9.2f} {ratios[1]:>8.2f} {ratios[2]:>9.2f}")


def print_analysis(runs: list[dict]) -> None:
    """Per mutation type of the true edge: found (undirected), right parent, the sign of our evidence, wrong parents."""
    by_op: dict[str, Counter] = defaultdict(Counter)
    by_op_naive: dict[str, Counter] = defaultdict(Counter)
    by_group: dict[str, Counter] = defaultdict(Counter)
    relations, fp_ours, fp_naive = Counter(), Counter(), Counter()
    splits = merges = 0
    merge_examples: list[str] = []
    for r in runs:
        corpus, (family_of, parent_of) = r["corpus"], r["ours_pred"]
        naive_family, naive_parent = r["naive_pred"]
        truth = corpus.truth
        s, m, names = family_errors(truth, family_of)
        splits, merges = splits + s, merges + m
        merge_examples.extend(f"seed {r['seed']}: {n}" for n in names[:3])
        fp_ours.update(false_edges(truth, parent_of))
        fp_naive.update(false_edges(truth, naive_parent))
        for child, t in sorted(truth.items()):
            if not t["parent"]:
                continue
            outcome = classify(child, truth, family_of, parent_of)
            found = parent_of.get(child) == t["parent"] or parent_of.get(t["parent"]) == child
            naive_outcome = classify(child, truth, naive_family, naive_parent)
            ops = corpus.edge_ops.get(child, [])
            keys = {op.replace("line_endings_crlf", "line_endings").replace("line_endings_lf", "line_endings")
                    for op in ops}
            info = corpus.info[child]
            groups = ["all edges", f"{len(ops)} op(s)", f"shape {info['shape']}",
                      f"depth {min(info['depth'], 4)}{'+' if info['depth'] >= 4 else ''}",
                      "family lost its root" if info["root_missing"] else "family has its root",
                      "family has boilerplate" if info["boilerplate"] is not None else "no boilerplate"]
            if len(ops) == 1:
                groups.append(f"only {next(iter(keys))}")
            e = r["evidence"].get(child)
            sign = None if e is None else ("e+" if e > 0.01 else "e-" if e < -0.01 else "e0")
            for key in sorted(keys) + groups:
                target = by_group if key in groups else by_op
                target[key][outcome] += 1
                target[key]["found"] += found
                target[key]["n"] += 1
                if sign:
                    target[key][sign] += 1
            for key in sorted(keys):
                by_op_naive[key][naive_outcome] += 1
            relations[r["relation"].get(child, "?")] += 1

    def line(label: str, c: Counter, naive: Counter | None = None) -> str:
        n = c["n"]
        wrong = ", ".join(f"{k} {c[k]}" for k in OUTCOMES[1:] if c[k])
        naive_part = f" {naive['right'] / n:>5.2f}" if naive is not None else " " * 6
        signs = " ".join(f"{c[k] / n:>4.2f}" for k in ("e+", "e0", "e-"))
        return f"{label:<28} {n:>4} {c['found'] / n:>5.2f} {c['right'] / n:>5.2f}{naive_part}  {signs}  {wrong}"

    header = f"{'n':>4} {'found':>5} {'dir':>5}"
    print()
    print("Where we lose, over all seeds (true child->parent edges; an edge counts under each of its operators)")
    print(f"{'mutation type of true edge':<28} {header} {'naive':>5}  {'E>0':>4} {'E~0':>4} {'E<0':>4}  "
          "wrong parent is ...")
    for key in sorted(by_op, key=lambda k: (by_op[k]["right"] / by_op[k]["n"], k)):
        print(line(key, by_op[key], by_op_naive[key]))
    print()
    print(f"{'edge group':<28} {header} {'':>5}  {'E>0':>4} {'E~0':>4} {'E<0':>4}")
    for key in sorted(by_group, key=lambda k: (not k.startswith("all"), k.startswith("only"), k)):
        print(line(key, by_group[key]))
    print()
    print("found: the undirected edge is predicted; dir: the child got exactly its true parent (naive: same, baseline).")
    print("E>0 / E~0 / E<0: share of edges where our per-edge evidence E(true parent -> child) is > 0.01,")
    print("within +-0.01, or < -0.01 (analyzer.lineage.edge_evidence, without dates).")
    print("reversed: the true parent was made the child's child; sibling: a sibling was made its parent;")
    print("root: the child was made the family's root; other_family: the parent is outside the true family.")
    print(f"relations we reported on true child files: {dict(sorted(relations.items()))}")
    print(f"false edges, ours:  {dict(sorted(fp_ours.items()))}")
    print(f"false edges, naive: {dict(sorted(fp_naive.items()))}")
    print(f"families (ours): {splits} true families split, {merges} predicted families merging true ones")
    for example in merge_examples[:6]:
        print(f"  merged {example}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="how many seeds to run")
    parser.add_argument("--first-seed", type=int, default=1,
                        help="run seeds FIRST..FIRST+N-1 (e.g. 6 for seeds nobody tuned on)")
    parser.add_argument("--families", type=int, default=40)
    parser.add_argument("--distractors", type=int, default=150)
    parser.add_argument("--keep", type=Path, help="write each seed's corpus, truth and edge operators here")
    parser.add_argument("--no-analysis", action="store_true", help="print only the score table")
    args = parser.parse_args()
    runs = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        runs.append(run_seed(seed, args))
        print(f"seed {seed} done", file=sys.stderr, flush=True)
    print_scores(runs)
    if not args.no_analysis:
        print_analysis(runs)


if __name__ == "__main__":
    main()
