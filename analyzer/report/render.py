"""Write every report file of an analysis into ``--out``.

Rendering reads only the report model. Each file is written atomically, and
every path is checked to stay inside the output folder.

Two runs writing into the same ``--out`` at once would each write whole
files, but the folder could end up with ``files.csv`` from one run and
``summary.json`` from the other. So the whole set is written while holding
an exclusive lock on ``OUT/.agent-analyzer.lock`` (``fcntl.flock``, released
by the kernel even when the holder is killed); a second run waits for the
first to finish, and the folder always holds one run's complete set. While
it holds the lock a run also deletes the temporary files that a killed run
left behind (no other writer can own them then). Where ``fcntl`` does not
exist (Windows) the files are still written atomically, without the lock.
"""

from __future__ import annotations

import base64
import csv
import io
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from analyzer.background import beside
from analyzer.report.files import (
    atomic_write_bytes,
    atomic_write_csv,
    atomic_write_text,
    csv_text,
    inside,
    json_text,
    safe_cell,
    stale_temporaries,
)
from analyzer.report.model import (
    BLOCK_FAMILIES_COLUMNS,
    BLOCK_CONTAINMENTS_COLUMNS,
    BLOCK_PAIRS_COLUMNS,
    BLOCKS_COLUMNS,
    FILE_PAIRS_COLUMNS,
    FILES_COLUMNS,
    Matrix,
    Report,
)
from analyzer.report import html_data
from analyzer.report.lineage_out import LINEAGE_COLUMNS, consensus_markdown, lineage_json, lineage_markdown
from analyzer.report.lineage_svg import drawn_nodes, tree_svg
from analyzer.report.markdown import summary_markdown
from analyzer.report.pictures import Pictures, PictureInputs, picture_inputs, render_pictures

HTML_PAIR_ROWS = html_data.MAX_EMBEDDED_PAIRS  # the most similar pairs embedded in report.html
HTML_LIST_ROWS = 200  # findings, skipped files, warnings, most-copied blocks listed in full before "N more"
HTML_CONSENSUS_CARDS = 50  # family cards (largest first) that embed their consensus text and member deltas
HTML_DELTA_ROWS = 25  # members listed in a card's adds/drops/changes table before "N more"
LOCK_NAME = ".agent-analyzer.lock"


@contextmanager
def output_lock(out_dir: Path) -> Iterator[int | None]:
    """Hold an exclusive lock on ``out_dir``, waiting while another run holds it; yields the lock's descriptor."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; every file is still written atomically
        yield None
        return
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)  # a planted symlink is not followed
    handle = os.open(out_dir / LOCK_NAME, flags, 0o666)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield handle
    finally:
        os.close(handle)  # closing releases the lock


def remove_stale_temporaries(out_dir: Path) -> None:
    """Delete temporary files left by killed runs in ``out_dir`` and its families/ folders."""
    folders = [out_dir]
    families = out_dir / "families"
    if families.is_dir() and not families.is_symlink():
        folders += sorted(p for p in families.iterdir() if p.is_dir() and not p.is_symlink())
    for folder in folders:
        for temporary in stale_temporaries(folder):
            try:
                temporary.unlink()
            except OSError:
                pass


def write_reports(report: Report, out_dir: Path, *, parallel: bool = True) -> list[Path]:
    """Render ``report`` into ``out_dir`` under ``output_lock``; returns the paths written, in order.

    With ``parallel``, the pictures are drawn in a second process (see ``_pictures_beside``).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with output_lock(out_dir):
        remove_stale_temporaries(out_dir)
        written = _write_all(report, out_dir, parallel=parallel)
        remove_stale_family_outputs(out_dir, written)
        return written


_INDENTED_DEPTH = 64
_FAMILY_FOLDER = re.compile(r"F\d{4,}")
_FAMILY_OUTPUTS = frozenset({"similarity_matrix.csv", "containment_matrix.csv", "consensus.md"})


def remove_stale_family_outputs(out_dir: Path, written: list[Path]) -> None:
    """Delete per-family files an earlier run wrote for families this run does not have.

    Family ids are renumbered when the library changes, so ``families/F0007``
    from last week may describe other files than today's F0007 or none at all.
    Only files this tool writes (by name) inside ``families/F<digits>/`` are
    removed, and a folder only when it is then empty: anything else a user put
    there stays.
    """
    families = out_dir / "families"
    if not families.is_dir() or families.is_symlink():
        return
    kept = {path.resolve() for path in written}
    for folder in sorted(families.iterdir()):
        if not _FAMILY_FOLDER.fullmatch(folder.name) or folder.is_symlink() or not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.name in _FAMILY_OUTPUTS and path.is_file() and not path.is_symlink() and path.resolve() not in kept:
                path.unlink()
        if not any(folder.iterdir()):
            folder.rmdir()


def _write_all(report: Report, out_dir: Path, *, parallel: bool = True) -> list[Path]:
    written: list[Path] = []

    def put(name: str, data: str | bytes, *folders: str) -> None:
        target = inside(out_dir, *folders, name)
        if isinstance(data, str):
            atomic_write_text(target, data)
        else:
            atomic_write_bytes(target, data)
        written.append(target)

    def put_csv(name: str, columns: tuple[str, ...], rows: list[dict]) -> None:
        target = inside(out_dir, name)
        atomic_write_csv(target, columns, rows)
        written.append(target)

    heat_files = html_data.heatmap_files(report.similarity.labels, report.families)
    heat = Matrix(tuple(heat_files), html_data.similarity_values(heat_files, report.file_pairs))
    with _pictures_beside(picture_inputs(report, heat), parallel=parallel) as pictures:
        put_csv("files.csv", FILES_COLUMNS, report.files)
        put_csv("blocks.csv", BLOCKS_COLUMNS, report.blocks)
        put_csv("block_families.csv", BLOCK_FAMILIES_COLUMNS, report.block_families)
        put_csv("file_pairs.csv", FILE_PAIRS_COLUMNS, report.file_pairs)
        put_csv("block_pairs.csv", BLOCK_PAIRS_COLUMNS, report.block_pairs)
        put_csv("block_containments.csv", BLOCK_CONTAINMENTS_COLUMNS, report.block_containments)
        put("similarity_matrix.csv", matrix_csv(report.similarity))
        put("containment_matrix.csv", matrix_csv(report.containment))
        for family, (similarity, containment) in sorted(report.family_matrices.items()):
            put("similarity_matrix.csv", matrix_csv(similarity), "families", family)
            put("containment_matrix.csv", matrix_csv(containment), "families", family)
        drawn = pictures()
    png = drawn.png
    put("heatmap.png", png["heatmap.png"])
    put("summary.json", json_text({"metadata": report.metadata, **report.summary}))
    _write_lineage(report, put, png["lineage.png"])
    put("dendrogram.png", png["dendrogram.png"])
    put("families.png", png["families.png"])
    put("summary.md", summary_markdown(report))
    put("report.html", render_html(report, png["heatmap.png"], heat_files=heat_files, heat_order=drawn.heat_order))
    return written


@contextmanager
def _pictures_beside(inputs: PictureInputs, *, parallel: bool) -> Iterator[Callable[[], Pictures]]:
    """The PNGs, drawn in a second process while the caller writes the text reports (``analyzer.background``).

    matplotlib needs ~5 s of CPU for the four pictures of a 5,000-file
    library and the CSVs about as much, so on two cores they overlap. The
    child is a fresh interpreter given only ``PictureInputs``, not a fork:
    a forked child counts the writer's whole resident set as its own, and on
    corpus-public that made it the run's peak (1,033 MB against the writer's
    881 MB). The bytes are the same either way. The child also clusters the
    heatmap files (scipy), so this process imports neither matplotlib nor
    scipy; ``pictures.prepare`` starts it early, so it imports them while the
    analysis runs.
    """
    with beside(render_pictures, inputs, parallel=parallel, fresh=True) as pictures:
        yield pictures


def _write_lineage(report: Report, put, picture: bytes) -> None:
    """lineage.csv/.json/.md/.png and families/<family>/consensus.md (see report/lineage_out.py)."""
    lineage = report.lineage or {"rows": [], "trees": [], "consensus": []}
    put("lineage.csv", csv_text(LINEAGE_COLUMNS, lineage["rows"]))
    document = lineage_json(lineage)
    # indented while trees are shallow; a deep chain indented would grow with the square of its depth
    put("lineage.json", json_text(document, indent=2 if document["depth"] <= _INDENTED_DEPTH else None))
    put("lineage.md", lineage_markdown(lineage))
    put("lineage.png", picture)
    for item in lineage["consensus"]:
        put("consensus.md", consensus_markdown(item), "families", item["family"])


def matrix_csv(matrix: Matrix) -> str:
    """A square matrix with file paths as the first column and the header row.

    Values are rounded to 4 places in one numpy call and formatted as plain
    floats (a numpy call per cell took 2.6 s on a 400-file matrix and its
    1,000 family matrices); only the paths can start like a formula, so only
    they go through ``safe_cell``.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([safe_cell(column) for column in ("file", *matrix.labels)])
    rounded = np.round(np.asarray(matrix.values, dtype=float), 4).tolist() if len(matrix.labels) else []
    for label, row in zip(matrix.labels, rounded):
        writer.writerow([safe_cell(label), *[f"{value:.4f}" for value in row]])
    return buffer.getvalue()


def render_html(report: Report, heatmap: bytes, *, heat_files: list[str] | None = None,
                heat_order: list[int] | None = None) -> str:
    """The self-contained report page: server-rendered summary, JSON data for the interactive parts."""
    environment = Environment(
        loader=PackageLoader("analyzer.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = environment.get_template("report.html.j2")
    if heat_files is None:
        from analyzer.report.plots import cluster_order  # scipy; write_reports passes the order it was drawn in

        heat_files = html_data.heatmap_files(report.similarity.labels, report.families)
        heat_order = cluster_order(html_data.similarity_values(heat_files, report.file_pairs)) if heat_files else []
    file_index = {row["file"]: i for i, row in enumerate(report.files)}
    data = {
        "files": [[row["file"], row["name"], row["family"], row["bytes"], row["blocks"]] for row in report.files],
        "pairs": html_data.pair_rows(report.file_pairs, file_index, HTML_PAIR_ROWS),
        "pair_count": len(report.file_pairs),
        "heatmap": html_data.heatmap_data(heat_files, report.file_pairs, heat_order or []),
        "diffs": report.family_diffs.get("diffs", {}),
    }
    multi = [f for f in report.families if f["size"] > 1]
    shown = multi[:html_data.MAX_DIFF_FAMILIES * 5]
    family_pairs = report.family_diffs.get("families", {})
    most_copied = [f for f in report.findings if f["kind"] == "most-copied-block"]
    return template.render(
        summary=report.summary,
        metadata=report.metadata,
        findings=[f for f in report.findings if f["kind"] != "most-copied-block"],
        most_copied=most_copied[:HTML_LIST_ROWS],
        most_copied_count=len(most_copied),
        families=shown,
        family_count=len(multi),
        family_pairs=family_pairs,
        family_lineage=family_lineage(report.lineage, shown, family_pairs),
        diff_caps=report.family_diffs,
        singletons=sum(1 for f in report.families if f["size"] == 1),
        pairs_shown=min(HTML_PAIR_ROWS, len(report.file_pairs)),
        pair_count=len(report.file_pairs),
        heat_count=len(heat_files),
        list_rows=HTML_LIST_ROWS,
        heatmap=base64.b64encode(heatmap).decode("ascii") if heatmap else "",
        data_json=Markup(html_data.script_json(data)),
        delta_rows=HTML_DELTA_ROWS,
    )


def family_lineage(lineage: dict, families: list[dict], family_pairs: dict) -> dict[str, dict]:
    """Per family card: its tree as SVG (``lineage_svg``), nodes drawn, and (largest cards only) its consensus."""
    trees = {tree["family"]: tree for tree in (lineage or {}).get("trees", [])}
    consensus = {item["family"]: item for item in (lineage or {}).get("consensus", [])}
    cards = {}
    for index, family in enumerate(families):
        tree = trees.get(family["family"])
        central = family_pairs.get(family["family"], {}).get("central", "")
        cards[family["family"]] = {
            "svg": tree_svg(tree, central=central) if tree else "",
            "drawn": drawn_nodes(tree) if tree else 0,
            "consensus": consensus.get(family["family"]) if index < HTML_CONSENSUS_CARDS else None,
            "has_consensus": family["family"] in consensus,
        }
    return cards
