"""Many variants of one agent: n files that differ from each other in one word, at two sizes.

The brief's own case, at its worst: one agent copied into every project,
each copy with its project's name filled in. Every pair of copies is a
near-duplicate, so block_pairs.csv and file_pairs.csv grow with n², and
each of those pairs is classified (``report/pair_classes.py``). This prints
the stage timings, build_report and write_reports at ``--files`` and 4×
that many variants, one process (``--workers 1``), and the growth exponent of
the total; about 2 is the size of the output, more would be a defect. The
largest file family should hold every variant (all their blocks are held by
more files than the pair cap, so only ``group._alike_holders`` pairs them).

    python benchmarks/many_variants.py [--files 100]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from analyzer.pipeline import analyze
from analyzer.report.model import build_report
from analyzer.report.render import write_reports
from analyzer.settings import Settings
from measure_child import fit_exponent, table

AGENT = ("---\nname: project-reviewer\ndescription: Reviews changes to {project}\ntools: Read, Grep\n---\n"
         "# Project reviewer\n\nYou review pull requests for {project}.\n\n## Rules\n\n"
         + "".join(f"- Rule {i}: check the inputs of {{project}} and report each problem clearly.\n" for i in range(3))
         + "".join(f"- Rule {i}: check the inputs and report each problem with its line.\n" for i in range(3, 10))
         + "\n## Output\n\nA list of findings, most severe first, each with a file and line.\n")


def run(count: int, folder: Path) -> dict[str, float]:
    for index in range(count):
        (folder / f"project-{index:05d}.md").write_text(AGENT.format(project=f"service{index}"), encoding="utf-8")
    settings = Settings(workers=1)
    started = time.perf_counter()
    result = analyze([folder], settings=settings)
    analysed = time.perf_counter()
    report = build_report(result, settings=settings)
    built = time.perf_counter()
    write_reports(report, folder / "out", parallel=False)
    done = time.perf_counter()
    return {**dict(result.timings), "analyze": analysed - started, "build_report": built - analysed,
            "write_reports": done - built, "total": done - started, "block pairs": len(report.block_pairs),
            "file pairs": len(report.file_pairs),
            "largest file family": max((len(f.members) for f in result.file_families), default=0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    arguments = parser.parse_args()
    sizes = [arguments.files, 4 * arguments.files]
    results = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="variants-") as scratch:
            results.append(run(size, Path(scratch)))
    names = ["parse", "match", "group", "findings", "lineage", "analyze", "build_report", "write_reports", "total"]
    rows = [[name, *(f"{result.get(name, 0.0):.2f}" for result in results)] for name in names]
    rows += [[name, *(f"{result[name]:,}" for result in results)]
             for name in ("block pairs", "file pairs", "largest file family")]
    print(table(["seconds / rows", *(f"{size} files" for size in sizes)], rows))
    exponent = fit_exponent([(size, result["total"]) for size, result in zip(sizes, results)])
    print(f"\ngrowth exponent of the total: {exponent:.2f} (pairs grow with exponent 2)")


if __name__ == "__main__":
    main()
