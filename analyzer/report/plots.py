"""PNG figures drawn with matplotlib's object API (``Figure``), never pyplot state.

The heatmap orders rows by average-linkage hierarchical clustering of
``1 - similarity`` (scipy), so near-duplicates sit next to each other and
families show as blocks on the diagonal. PNG metadata (software version,
creation time) is stripped so the same data gives the same bytes.
"""

from __future__ import annotations

import io
import warnings
from pathlib import PurePosixPath

import matplotlib

matplotlib.use("Agg")
# File names can hold emoji, CJK or control characters the bundled font lacks: matplotlib draws a
# box and warns on stderr for each one; the box is enough, the warnings are noise for users.
warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font", category=UserWarning)
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from scipy.cluster.hierarchy import leaves_list, linkage  # noqa: E402
from scipy.spatial.distance import squareform  # noqa: E402

from analyzer.report.model import Matrix  # noqa: E402

_PNG_METADATA = {"Software": None}
MAX_LABELED = 80
MAX_ANNOTATED = 20


def cluster_order(values: np.ndarray) -> list[int]:
    """Leaf order of an average-linkage clustering on 1 - similarity."""
    size = values.shape[0]
    if size < 3:
        return list(range(size))
    return [int(i) for i in leaves_list(similarity_linkage(values))]


def similarity_linkage(values: np.ndarray) -> np.ndarray:
    """scipy's average-linkage tree of a similarity matrix, on 1 - similarity (symmetrised, clipped to [0, 1])."""
    distance = 1.0 - np.clip((values + values.T) / 2.0, 0.0, 1.0)
    np.fill_diagonal(distance, 0.0)
    return linkage(squareform(distance, checks=False), method="average")


def short_label(path: str, width: int = 42) -> str:
    name = PurePosixPath(path).name
    return name if len(name) <= width else name[: width - 1] + "…"


def heatmap_png(matrix: Matrix, *, title: str = "File similarity") -> bytes:
    size = len(matrix.labels)
    order = cluster_order(matrix.values) if size else []
    values = matrix.values[np.ix_(order, order)] if size else np.zeros((1, 1))
    labels = [short_label(matrix.labels[i]) for i in order]
    inches = min(24.0, max(6.0, 0.28 * size + 3.0))
    figure = Figure(figsize=(inches + 1.5, inches), dpi=100)
    axes = figure.add_subplot()
    image = axes.imshow(values, cmap="viridis", vmin=0.0, vmax=1.0, interpolation="nearest")
    figure.colorbar(image, ax=axes, fraction=0.04, pad=0.02, label="similarity")
    if size <= MAX_ANNOTATED:
        for row in range(size):
            for column in range(size):
                value = values[row, column]
                axes.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=8,
                          color="black" if value > 0.6 else "white")
    if size <= MAX_LABELED:
        axes.set_xticks(range(size), labels, rotation=90, fontsize=8)
        axes.set_yticks(range(size), labels, fontsize=8)
    else:
        axes.set_xticks([])
        axes.set_yticks([])
        axes.set_xlabel(f"{size} files (labels omitted; see similarity_matrix.csv)")
    axes.set_title(f"{title} ({size} files, clustered)")
    figure.tight_layout()
    return figure_png(figure)


def figure_png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata=_PNG_METADATA)
    return buffer.getvalue()


def dendrogram_png(matrix: Matrix, *, title: str = "File clustering") -> bytes:
    """Average-linkage dendrogram of ``1 - similarity`` (the heatmap's clustering), one leaf per file."""
    from scipy.cluster.hierarchy import dendrogram

    size = len(matrix.labels)
    height = min(40.0, max(3.0, 0.22 * size + 1.5))
    figure = Figure(figsize=(10.0, height), dpi=100)
    axes = figure.add_subplot()
    if size < 2:
        axes.text(0.5, 0.5, "fewer than two files: nothing to cluster", ha="center", va="center")
        axes.set_axis_off()
    else:
        tree = similarity_linkage(matrix.values)
        labels = [short_label(label) for label in matrix.labels]
        dendrogram(tree, ax=axes, orientation="right", labels=labels, leaf_font_size=8,
                   color_threshold=0.5, above_threshold_color="#999999")
        axes.set_xlabel("distance (1 - similarity); branches joined below 0.5 are coloured")
        axes.set_xlim(1.0, 0.0)
    axes.set_title(f"{title} ({size} files)")
    figure.tight_layout()
    return figure_png(figure)


def families_png(families: list[dict], files: list[dict], *, duplicated_share: float = 0.0, top: int = 30) -> bytes:
    """Bar chart of the largest file families: member count, coloured by mean similarity."""
    multi = [f for f in families if f["size"] >= 2][:top]
    figure = Figure(figsize=(10.0, max(3.0, 0.3 * len(multi) + 1.6)), dpi=100)
    axes = figure.add_subplot()
    if not multi:
        axes.text(0.5, 0.5, "no file family has more than one member", ha="center", va="center")
        axes.set_axis_off()
    else:
        name_of = {f["file"]: f["name"] for f in files}
        labels = [f"{f['family']}  {short_label(name_of.get(f['members'][0]) or f['members'][0], 30)}"
                  for f in multi]
        sizes = [f["size"] for f in multi]
        colours = matplotlib.colormaps["viridis"]([f["mean_similarity"] for f in multi])
        positions = list(range(len(multi)))[::-1]
        axes.barh(positions, sizes, color=colours)
        for position, family in zip(positions, multi):
            axes.text(family["size"], position, f" {family['size']} files, mean sim {family['mean_similarity']:.2f}",
                      va="center", fontsize=8)
        axes.set_yticks(positions, labels, fontsize=8)
        axes.set_xlabel("files in family")
        axes.set_xlim(0, max(sizes) * 1.35)
    total = len([f for f in families if f["size"] >= 2])
    axes.set_title(f"Largest file families ({len(multi)} of {total} with 2+ files; colour = mean similarity)\n"
                   f"{duplicated_share * 100:.1f}% of the library's unit text also appears in another file")
    figure.tight_layout()
    return figure_png(figure)
