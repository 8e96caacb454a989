"""PNG figures drawn with matplotlib's object API (``Figure``), never pyplot state.

The heatmap orders rows by average-linkage hierarchical clustering of
``1 - similarity`` (scipy), so near-duplicates sit next to each other and
families show as blocks on the diagonal. PNG metadata (software version,
creation time) is stripped so the same data gives the same bytes.
"""

from __future__ import annotations

import io
from pathlib import PurePosixPath

import matplotlib

matplotlib.use("Agg")
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
    distance = 1.0 - np.clip((values + values.T) / 2.0, 0.0, 1.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    return [int(i) for i in leaves_list(tree)]


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
