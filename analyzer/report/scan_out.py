"""Renderers for ``agent-analyzer scan``: text, json, markdown, github annotations (SARIF in ``sarif.py``).

All read one ``ScanResult``; only findings the baseline did not accept
(``scan.new``) are failures, accepted ones are counted, never listed again.
"""

from __future__ import annotations

import json

from analyzer.report.sarif import sarif_text
from analyzer.scan import ScanFinding, ScanResult

FORMATS = ("text", "json", "markdown", "sarif", "github")


def render_scan(scan: ScanResult, fmt: str, *, root: str = "") -> str:
    if fmt == "sarif":
        return sarif_text(scan, root=root)
    return {"text": scan_text, "json": scan_json, "markdown": scan_markdown, "github": github_annotations}[fmt](scan)


def _summary_line(scan: ScanResult) -> str:
    accepted = len(scan.findings) - len(scan.new)
    state = f"{len(scan.new)} new finding(s)" if scan.new else "clean"
    return (f"scan: {state}; {accepted} accepted by the baseline, {len(scan.fixed)} accepted no longer found; "
            f"{scan.duplicated_share * 100:.1f}% of unit text duplicated across files")


def scan_text(scan: ScanResult) -> str:
    lines = []
    for finding in scan.new:
        where = finding.locations[0] if finding.locations else None
        prefix = f"{where.file}:{where.start_line}: " if where else ""
        lines.append(f"{prefix}{finding.level}: [{finding.policy}] {finding.message}")
        change = dict(finding.details).get("change")
        if change:
            lines += ["    " + line for line in change.rstrip("\n").splitlines()]
    lines.append(_summary_line(scan))
    return "\n".join(lines) + "\n"


def _finding_dict(finding: ScanFinding) -> dict:
    return {"id": finding.finding_id, "policy": finding.policy, "level": finding.level,
            "message": finding.message, "files": list(finding.files),
            "locations": [{"file": l.file, "start_line": l.start_line, "end_line": l.end_line}
                          for l in finding.locations],
            "details": dict(finding.details)}


def scan_json(scan: ScanResult) -> str:
    new_ids = {f.finding_id for f in scan.new}
    data = {"failed": scan.failed, "policies": list(scan.policies), "duplicated_share": scan.duplicated_share,
            "new": [_finding_dict(f) for f in scan.new],
            "accepted": [f.finding_id for f in scan.findings if f.finding_id not in new_ids],
            "fixed": list(scan.fixed)}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def scan_markdown(scan: ScanResult) -> str:
    lines = ["# agent-analyzer scan", "", _summary_line(scan), ""]
    if scan.new:
        lines += ["| policy | files | finding |", "| --- | --- | --- |"]
        for finding in scan.new:
            message = finding.message.replace("|", "\\|").replace("\n", " ")
            lines.append(f"| `{finding.policy}` | {', '.join(finding.files)} | {message} |")
        for finding in scan.new:
            change = dict(finding.details).get("change")
            if change:
                lines += ["", f"**{finding.policy}** {finding.message}", "", "```diff", change.rstrip("\n"), "```"]
    return "\n".join(lines) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(scan: ScanResult) -> str:
    """GitHub Actions workflow commands: one ``::error`` per new finding, at its first location."""
    lines = []
    for finding in scan.new:
        command = "error" if finding.level == "error" else "warning"
        change = dict(finding.details).get("change")
        message = f"{finding.message}\n{change}" if change else finding.message
        title = _escape_property(f"agent-analyzer {finding.policy}")
        if finding.locations:
            where = finding.locations[0]
            properties = (f"file={_escape_property(where.file)},line={where.start_line},"
                          f"endLine={max(where.start_line, where.end_line)},title={title}")
        else:
            properties = f"title={title}"
        lines.append(f"::{command} {properties}::{_escape_data(message)}")
    lines.append(_summary_line(scan))
    return "\n".join(lines) + "\n"
