"""Renderers for ``agent-analyzer history``: the trend table (text, json) and ``history.png``.

All read the ``TrendPoint`` tuple that ``analyzer.history.load_trend`` returns.
"vs previous" compares each scan with the one recorded just before it: files
added (+), removed (-) and edited (~) by sha256, findings that appeared or were
resolved by identity, and the change in duplicated share in percentage points.

The figure has three stacked panels sharing the x axis (scan number in the
store): duplicated share, file families with 2+ files, findings (all and new).
It is drawn on a ``Figure`` (no pyplot state) and saved without a timestamp,
so the same store gives the same PNG bytes.
"""

from __future__ import annotations

import json

from analyzer.history import TrendPoint
from analyzer.report.plots import figure_png  # first: selects the Agg backend

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator, PercentFormatter  # noqa: E402

_COLUMNS = ("scan", "date (UTC)", "files", "families", "findings", "new", "duplicated", "vs previous")


def change_summary(point: TrendPoint) -> str:
    """``~1 file, +1/-0 findings, dup -2.1 pt``; ``first scan`` when nothing was recorded before."""
    changes = point.changes
    if changes is None:
        return "first scan"
    parts = []
    if point.previous_root != point.root:
        parts.append(f"other root than #{point.previous_id} ({point.previous_root})")
    files = [f"{sign}{len(paths)}" for sign, paths in (("+", changes.added), ("-", changes.removed),
                                                       ("~", changes.modified)) if paths]
    if files:
        count = len(changes.added) + len(changes.removed) + len(changes.modified)
        parts.append(f"{' '.join(files)} file{'s' if count > 1 else ''}")
    if changes.findings_appeared or changes.findings_resolved:
        parts.append(f"+{len(changes.findings_appeared)}/-{len(changes.findings_resolved)} findings")
    share_change = point.duplicated_share - (point.previous_duplicated_share or 0.0)
    if round(share_change, 4):
        parts.append(f"dup {share_change * 100:+.1f} pt")
    return ", ".join(parts) or "no change"


def trend_rows(points: tuple[TrendPoint, ...]) -> list[tuple[str, ...]]:
    rows = []
    for point in points:
        rows.append((f"#{point.scan_id}", point.started_at.replace("T", " ").removesuffix("+00:00"),
                     str(point.files), str(point.families), str(point.findings), str(point.new_findings),
                     f"{point.duplicated_share * 100:.1f}%", change_summary(point)))
    return rows


def trend_text(points: tuple[TrendPoint, ...], *, store: str = "") -> str:
    """A fixed-width table, oldest scan first; numbers right-aligned."""
    rows = [_COLUMNS, *trend_rows(points)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) if i < 2 else cell.rjust(width) for i, (cell, width) in enumerate(zip(row, widths))]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    header = f"history: {len(points)} scan(s)" + (f" in {store}" if store else "")
    return "\n".join([header, *lines]) + "\n"


def trend_json(points: tuple[TrendPoint, ...], *, store: str = "") -> str:
    """One object per scan with its counts and, after the first, the changes as path and id lists."""
    scans = []
    for point in points:
        entry = {key: value for key, value in vars(point).items() if key != "changes"}
        entry["changes"] = vars(point.changes) if point.changes else None
        scans.append(entry)
    return json.dumps({"store": store, "scans": scans}, indent=2, ensure_ascii=False, default=list) + "\n"


def history_png(points: tuple[TrendPoint, ...]) -> bytes:
    """Three stacked panels over scan number: duplicated share, families, findings (all and new)."""
    figure = Figure(figsize=(10.0, 8.0), dpi=100)
    share_axes, family_axes, finding_axes = figure.subplots(3, 1, sharex=True)
    x = [p.scan_id for p in points]
    share_axes.plot(x, [p.duplicated_share * 100 for p in points], marker="o", color="#1f77b4")
    share_axes.set_ylabel("duplicated share")
    share_axes.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    share_top = max([p.duplicated_share * 100 for p in points], default=0) * 1.15 + 5
    share_axes.set_ylim(-share_top * 0.04, share_top)  # a little room below 0 so points at 0 stay whole
    family_axes.plot(x, [p.families for p in points], marker="o", color="#2ca02c")
    family_axes.set_ylabel("file families\n(2+ files)")
    finding_axes.plot(x, [p.findings for p in points], marker="o", color="#7f7f7f", label="all findings")
    finding_axes.plot(x, [p.new_findings for p in points], marker="s", color="#d62728",
                      label="new (not in the baseline)")
    finding_axes.set_ylabel("findings")
    finding_axes.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2, frameon=False, fontsize=9,
                        borderaxespad=0.2)  # above the panel: never over the lines
    for axes in (family_axes, finding_axes):
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        top = max(axes.get_ylim()[1], 1) * 1.15
        axes.set_ylim(-top * 0.04, top)
    for axes in (share_axes, family_axes, finding_axes):
        axes.grid(True, color="#dddddd", linewidth=0.8)
    finding_axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if len(points) <= 20:
        finding_axes.set_xticks(x, [f"#{i}" for i in x])
    if points:
        first, latest = points[0].started_at[:10], points[-1].started_at[:10]
        span = first if first == latest else f"{first} to {latest}"
        finding_axes.set_xlabel(f"scan (number in the history store; {span}, UTC)")
        root = points[-1].root if len(points[-1].root) <= 60 else "…" + points[-1].root[-59:]
        figure.suptitle(f"agent-analyzer history: {len(points)} scan(s) of {root}")
    else:
        share_axes.text(0.5, 0.5, "no scans recorded", ha="center", va="center", transform=share_axes.transAxes)
        figure.suptitle("agent-analyzer history")
    figure.tight_layout()
    return figure_png(figure)
