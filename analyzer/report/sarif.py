"""Scan findings as SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run; the tool driver lists one rule per scan policy (rule id = policy
name). Each finding that the baseline did not accept becomes a result with
its policy as ``ruleId``, a message, one physical location per file span
(URIs relative to the analyzed root, resolved through ``%SRCROOT%``) and a
``partialFingerprints`` entry holding the finding's stable id, so a viewer
tracks it across commits. A finding about the whole library (duplicated
share) has no location, which SARIF allows.
"""

from __future__ import annotations

import json
from pathlib import Path

from analyzer import __version__
from analyzer.scan import POLICY_DESCRIPTIONS, POLICIES, ScanFinding, ScanResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def sarif_log(scan: ScanResult, *, root: str = "") -> dict:
    """The SARIF log (a plain dict) for the scan's new findings."""
    rules = [{"id": policy, "name": _rule_name(policy),
              "shortDescription": {"text": POLICY_DESCRIPTIONS[policy]},
              "defaultConfiguration": {"level": "error"}} for policy in POLICIES]
    run: dict = {
        "tool": {"driver": {"name": "agent-analyzer", "version": __version__, "rules": rules}},
        "results": [_result(finding) for finding in scan.new],
        "columnKind": "unicodeCodePoints",
    }
    if root:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": Path(root).resolve().as_uri() + "/"}}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def sarif_text(scan: ScanResult, *, root: str = "") -> str:
    return json.dumps(sarif_log(scan, root=root), indent=2, ensure_ascii=False) + "\n"


def _rule_name(policy: str) -> str:
    return "".join(part.capitalize() for part in policy.split("-"))


def _result(finding: ScanFinding) -> dict:
    result = {
        "ruleId": finding.policy,
        "ruleIndex": POLICIES.index(finding.policy),
        "level": finding.level if finding.level in ("error", "warning", "note") else "error",
        "message": {"text": _message(finding)},
        "partialFingerprints": {"agentAnalyzerFindingId/v1": finding.finding_id},
    }
    locations = [{"physicalLocation": {
        "artifactLocation": {"uri": location.file, "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": max(1, location.start_line),
                   "endLine": max(1, location.start_line, location.end_line)},
    }} for location in finding.locations]
    if locations:
        result["locations"] = locations
    return result


def _message(finding: ScanFinding) -> str:
    change = dict(finding.details).get("change")
    return f"{finding.message}\n\n{change}" if change else finding.message
