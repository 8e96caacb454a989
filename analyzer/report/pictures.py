"""The report's pictures (heatmap, dendrogram, families, lineage PNGs) and the heatmap's cluster order.

Everything here that needs matplotlib or scipy imports it when it draws, not
when this module is imported: those imports cost about 1.4 s of a run's
start-up, a rerun that reuses intact reports draws nothing, and a full run
draws in a second interpreter (``write_reports``) that can import them while
the analysis is still running (``prepare``). So the writing process never
imports matplotlib at all when the pictures are drawn beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.background import prepare_fresh
from analyzer.report.model import Matrix, Report

DRAWING_MODULES = ("analyzer.report.plots", "analyzer.report.lineage_plot")


@dataclass(frozen=True)
class PictureInputs:
    """What the four PNGs are drawn from: a few MB, picked out of the report (see ``render._pictures_beside``)."""

    similarity: Matrix  # the library-wide matrix (heatmap.png)
    heat: Matrix  # the files of the interactive heatmap (dendrogram.png, and its order in report.html)
    families: list[dict]
    files: list[dict]
    duplicated_share: float
    trees: list[dict]  # lineage trees (lineage.png)


@dataclass(frozen=True)
class Pictures:
    """The PNG bytes by file name, and the clustered order of the heatmap files (``heat``) for report.html."""

    png: dict[str, bytes]
    heat_order: list[int]


def picture_inputs(report: Report, heat: Matrix) -> PictureInputs:
    return PictureInputs(report.similarity, heat, report.families, report.files,
                         report.summary["duplicated_share"], (report.lineage or {"trees": []})["trees"])


def render_pictures(inputs: PictureInputs) -> Pictures:
    """Every PNG of the report set, by file name (heatmap, dendrogram, families, lineage), and the heat order."""
    from analyzer.report.lineage_plot import lineage_png
    from analyzer.report.plots import cluster_order, dendrogram_png, families_png, heatmap_png

    return Pictures(
        png={
            "heatmap.png": heatmap_png(inputs.similarity),
            "dendrogram.png": dendrogram_png(inputs.heat),
            "families.png": families_png(inputs.families, inputs.files, duplicated_share=inputs.duplicated_share),
            "lineage.png": lineage_png(inputs.trees),
        },
        heat_order=cluster_order(inputs.heat.values) if inputs.heat.labels else [],
    )


def prepare() -> None:
    """Start the interpreter that will draw the pictures now, importing matplotlib while the caller analyses."""
    prepare_fresh(*DRAWING_MODULES)
