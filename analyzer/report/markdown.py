"""``summary.md``: a short Markdown summary of a report, fit for a pull-request comment.

It reads only the report model: headline numbers, the count of findings of
each kind, the top findings (most files first, at most ``TOP_FINDINGS`` and
at most ``TOP_PER_KIND`` of one kind), and a table of the largest file
families. It holds no links and no HTML; every cell taken from an agent
file is flattened to one line, cut short, and has the characters that
Markdown tables and inline markup use (``|``, backticks, ``<``, ``*``, ``_``,
``[``, ``]``) escaped with a backslash, so hostile file names cannot break
the table or smuggle markup into the comment.
"""

from __future__ import annotations

import re
from collections import Counter

from analyzer.report.model import Report

TOP_FINDINGS = 10
TOP_PER_KIND = 3
TOP_FAMILIES = 10
CELL_CHARS = 80
_MARKUP = re.compile(r"([\\|`<>*_\[\]#!])")


def summary_markdown(report: Report) -> str:
    summary, counts = report.summary, report.summary["counts"]
    lines = [
        "## agent-analyzer summary",
        "",
        f"- **{counts['files']}** files, **{counts['blocks']}** blocks, "
        f"**{counts['multi_file_families']}** file families with 2+ files "
        f"({counts['files_in_multi_file_families']} files)",
        f"- **{summary['duplicated_share'] * 100:.1f}%** of unit text also appears in another file; "
        f"keeping one copy of each would save about **{summary.get('consolidation_tokens', 0):,}** tokens",
    ]
    if counts["skipped_errors"] or counts["files_with_warnings"]:
        lines.append(f"- {counts['skipped_errors']} files could not be read, "
                     f"{counts['files_with_warnings']} files have warnings")
    lines += ["", "### Top findings", ""]
    findings = [f for f in report.findings if f["kind"] != "most-copied-block"]
    findings.sort(key=lambda f: (-len(f["files"]), f["kind"], f["message"]))
    if not findings:
        lines.append("No findings.")
    else:
        by_kind = Counter(f["kind"] for f in findings)
        lines += [", ".join(f"{count} `{kind}`" for kind, count in sorted(by_kind.items())), ""]
    top = _top_findings(findings)
    for finding in top:
        lines.append(f"- `{finding['kind']}`: {_cell(finding['message'])} ({len(finding['files'])} files)")
    if len(findings) > len(top):
        lines.append(f"- … and {len(findings) - len(top)} more (see report.html and summary.json)")
    lines += ["", "### Largest file families", ""]
    multi = [f for f in report.families if f["size"] >= 2]
    if not multi:
        lines.append("No file has a near-duplicate.")
    else:
        lines += ["| family | files | mean similarity | names |", "| --- | ---: | ---: | --- |"]
        for family in multi[:TOP_FAMILIES]:
            names = ", ".join(family["names"][:3]) + (" …" if len(family["names"]) > 3 else "")
            lines.append(f"| {_cell(family['family'])} | {family['size']} | "
                         f"{family['mean_similarity']:.2f} | {_cell(names)} |")
        if len(multi) > TOP_FAMILIES:
            lines += ["", f"{len(multi) - TOP_FAMILIES} more families in report.html and files.csv."]
    return "\n".join(lines) + "\n"


def _top_findings(findings: list[dict]) -> list[dict]:
    """The first ``TOP_FINDINGS``, at most ``TOP_PER_KIND`` of a kind, so one busy kind cannot fill the list."""
    shown: list[dict] = []
    per_kind: Counter[str] = Counter()
    for finding in findings:
        if per_kind[finding["kind"]] < TOP_PER_KIND:
            per_kind[finding["kind"]] += 1
            shown.append(finding)
        if len(shown) == TOP_FINDINGS:
            break
    return shown


def _cell(text: str) -> str:
    flat = " ".join(str(text).split())
    if len(flat) > CELL_CHARS:
        flat = flat[:CELL_CHARS - 1] + "…"
    return _MARKUP.sub(r"\\\1", flat)
