"""One report model, built once from an AnalysisResult and rendered many ways.

``build_report`` turns the pipeline's records into plain tables (lists of
row dicts with a fixed column order) and a summary mapping. The CSV, JSON,
HTML and PNG renderers only read this model, so every output tells the same
story. Column lists here are the documented output contract (see README):
columns may be added, never renamed or removed.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from dataclasses import dataclass, field

import numpy as np

from analyzer import __version__
from analyzer.background import beside
from analyzer.cache import ClassificationMemo
from analyzer.group import families_over_pair_cap, file_identity, pair_cap, relatedness
from analyzer.models import AnalysisResult
from analyzer.report.html_data import consolidation_tokens, family_diffs
from analyzer.report.lineage_out import lineage_model
from analyzer.report.pair_classes import PairClassifier, block_pair_rows, expects_pool, file_pair_classes
from analyzer.settings import Settings

FILES_COLUMNS = ("file", "name", "family", "bytes", "blocks", "warnings", "units", "fm_method",
                 "line_endings", "family_size", "sha256")
BLOCKS_COLUMNS = ("file", "block_id", "kind", "heading_path", "start_line", "end_line", "chars",
                  "fingerprint", "block_family", "parent", "level")
BLOCK_FAMILIES_COLUMNS = ("block_family", "members", "files", "kind", "representative", "mean_similarity",
                          "file_count", "chars", "preview")
FILE_PAIRS_COLUMNS = ("file_a", "file_b", "similarity", "containment_a_in_b", "containment_b_in_a",
                      "shared_blocks", "family_a", "family_b", "same_family", "relatedness", "classes",
                      "shared_name")
BLOCK_PAIRS_COLUMNS = ("block_a", "block_b", "file_a", "file_b", "score", "classes", "details", "match_class",
                       "block_family", "copies_a", "copies_b")
BLOCK_CONTAINMENTS_COLUMNS = ("inner_block", "outer_block", "inner_file", "outer_file", "inner_chars", "outer_chars",
                              "coverage", "copies_inner", "copies_outer", "inner_family", "outer_family",
                              "near_duplicate")
FINDINGS_COLUMNS = ("kind", "message", "files")


@dataclass(frozen=True)
class Matrix:
    """A square matrix with its row/column labels (file paths)."""

    labels: tuple[str, ...]
    values: np.ndarray


@dataclass(frozen=True)
class Report:
    files: list[dict]
    blocks: Sequence[dict]  # BlockRows: a row per block, made as it is read (blocks.csv is the largest table)
    block_families: list[dict]
    file_pairs: Sequence[dict]  # LazyRows: a row per file pair, made as it is read
    findings: list[dict]
    summary: dict
    similarity: Matrix
    containment: Matrix
    family_matrices: dict[str, tuple[Matrix, Matrix]] = field(default_factory=dict)
    families: list[dict] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    block_pairs: list[dict] = field(default_factory=list)
    lineage: dict = field(default_factory=dict)  # rows, trees, consensus (lineage_out.lineage_model)
    family_diffs: dict = field(default_factory=dict)  # side-by-side diffs for the HTML report (html_data)
    block_containments: list[dict] = field(default_factory=list)


_BESIDE_MIN_FILES = 500  # below this, the HTML parts take less time than forking the writer costs


def build_report(result: AnalysisResult, *, settings: Settings, generated_at: str = "") -> Report:
    """The report model of ``result``.

    The parts only the HTML page and the lineage outputs read (side-by-side
    family diffs, lineage trees with consensus texts, consolidation tokens)
    depend on nothing the tables need, so with two or more workers they are
    built in a forked child (``analyzer.background``) while this process
    makes the tables: on corpus-public they are about 4 s of the 9 s this
    function took in one process. When many block pairs are new to the
    classification memo (a cold run: ~25,000), ``PairClassifier`` classifies
    them in a process pool on every core; a child beside that pool made three
    busy processes on two cores, and the cold run gained nothing while its
    CPU time grew. So then the child starts after that classification, and
    otherwise (a warm run, where the memo knows nearly every pair) at once.
    The model is the same either way.
    """
    memo = ClassificationMemo(settings.cache_dir, settings.rules) if settings.cache_dir else None
    parallel = settings.worker_count > 1 and len(result.files) >= _BESIDE_MIN_FILES
    classifier = None
    if parallel and expects_pool(result, memo, settings.worker_count):
        classifier = PairClassifier(result, rules=settings.rules, workers=settings.worker_count, memo=memo)
    with beside(_html_parts, result, rules=settings.rules, parallel=parallel) as html_parts:
        classifier = classifier or PairClassifier(result, rules=settings.rules, workers=settings.worker_count,
                                                  memo=memo)
        files, blocks, block_families, pair_rows, findings, block_pairs, containments = _tables(result, classifier)
        if memo is not None:
            memo.save()
        similarity, containment, per_family = _matrices(result, settings=settings)
        tokens, diffs, lineage = html_parts()
    name_of = {f["file"]: f["name"] for f in files}
    families = [
        {"family": fam.family_id, "members": list(fam.members), "size": len(fam.members),
         "mean_similarity": fam.mean_similarity,
         "names": sorted({name_of[m] for m in fam.members if name_of[m]})}
        for fam in result.file_families
    ]
    summary = _summary(result, settings, files, findings, similarity)
    metadata = {
        "tool": "agent-analyzer",
        "version": __version__,
        "generated_at": generated_at,
        "root": result.root,
        "timings_seconds": dict(result.timings),
        "cache": dataclasses.asdict(result.cache) if result.cache is not None else None,
        "run_settings": settings.run_values(),
    }
    summary["consolidation_tokens"] = tokens
    return Report(files, blocks, block_families, pair_rows, findings, summary, similarity, containment,
                  per_family, families, metadata, block_pairs=block_pairs, family_diffs=diffs,
                  lineage=lineage, block_containments=containments)


def _html_parts(result: AnalysisResult, *, rules: tuple[str, ...]) -> tuple[int, dict, dict]:
    """(consolidation tokens, family diffs, lineage model): what only the page and lineage outputs read."""
    return consolidation_tokens(result), family_diffs(result, rules=rules), lineage_model(result)


def _tables(result: AnalysisResult, classifier: PairClassifier) -> tuple:
    """(files, blocks, block families, file pairs, findings, block pairs, containments) rows."""
    family_of = {path: fam.family_id for fam in result.file_families for path in fam.members}
    family_size = {fam.family_id: len(fam.members) for fam in result.file_families}
    block_family_of = {m: bf.family_id for bf in result.block_families for m in bf.members}
    blocks_by_id = {b.block_id: b for f in result.files for b in f.blocks}
    files = [_file_row(f, family_of, family_size) for f in result.files]
    blocks = BlockRows(result.files, block_family_of)
    block_families = [_block_family_row(bf, blocks_by_id) for bf in result.block_families]
    pairs = sorted(result.file_pairs, key=lambda p: (-p.similarity, p.file_a, p.file_b))
    block_pairs = block_pair_rows(result, classifier, block_family_of)
    containments = containment_rows(result, classifier, block_family_of)
    # classes only within a file family; other pairs merely share some blocks
    pair_classes = file_pair_classes(result, classifier, ((p.file_a, p.file_b) for p in pairs
                                                          if family_of.get(p.file_a) == family_of.get(p.file_b)))
    identity = {f.path: file_identity(f) for f in result.files}
    pair_rows = LazyRows(pairs, partial(_pair_row, family_of=family_of, classes=pair_classes, identity=identity))
    findings = [_finding_row(f) for f in result.findings]
    return files, blocks, block_families, pair_rows, findings, block_pairs, containments


def containment_rows(result: AnalysisResult, classifier: PairClassifier, block_family_of: dict[str, str]) -> list[dict]:
    """One row per contained pair of unit texts (``analyzer.containment``), like block_pairs.csv: the first
    block holding each text and how many blocks hold it; ``coverage`` is the share of the outer text's
    normalised characters that the inner text is; sorted by files, then blocks."""
    near = {(m.fingerprint_a, m.fingerprint_b) for m in result.text_matches if m.match_class == "unit"}
    rows = []
    for item in result.containments:
        inner, outer = classifier.first_block[("unit", item.inner)], classifier.first_block[("unit", item.outer)]
        rows.append({
            "inner_block": inner.block_id, "outer_block": outer.block_id, "inner_file": inner.file,
            "outer_file": outer.file, "inner_chars": inner.chars, "outer_chars": outer.chars,
            "coverage": round(len(inner.norm) / len(outer.norm), 4),
            "copies_inner": classifier.copies[("unit", item.inner)],
            "copies_outer": classifier.copies[("unit", item.outer)],
            "inner_family": block_family_of.get(inner.block_id, ""),
            "outer_family": block_family_of.get(outer.block_id, ""),
            "near_duplicate": (min(item.inner, item.outer), max(item.inner, item.outer)) in near,
        })
    rows.sort(key=lambda row: (row["inner_file"], row["outer_file"], row["inner_block"], row["outer_block"]))
    return rows


def _file_row(agent_file, family_of, family_size) -> dict:
    family = family_of.get(agent_file.path, "")
    return {
        "file": agent_file.path, "name": agent_file.name, "family": family, "bytes": agent_file.bytes,
        "blocks": len(agent_file.blocks), "warnings": " | ".join(agent_file.warnings),
        "units": len(agent_file.units), "fm_method": agent_file.fm_method,
        "line_endings": agent_file.line_endings, "family_size": family_size.get(family, 1),
        "sha256": agent_file.sha256,
    }


class LazyRows(Sequence):
    """Table rows made from ``items`` by ``make`` each time they are read, never held all at once.

    For the tables that are only streamed to disk or scanned: blocks.csv's
    389,000 row dicts for corpus-public took ~270 MB, file_pairs.csv's
    162,000 about 110 MB, against a few MB for the items they are made from.
    """

    def __init__(self, items: Sequence, make: Callable[[object], dict]) -> None:
        self._items = items
        self._make = make

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self._make(item) for item in self._items[index]]
        return self._make(self._items[index])

    def __iter__(self) -> Iterator[dict]:
        return map(self._make, self._items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (LazyRows, list)) and list(self) == list(other)


class BlockRows(LazyRows):
    """The rows of blocks.csv (see ``LazyRows``)."""

    def __init__(self, files: tuple, block_family_of: dict[str, str]) -> None:
        super().__init__([block for agent_file in files for block in agent_file.blocks],
                         partial(_block_row, block_family_of=block_family_of))


def _block_row(block, block_family_of) -> dict:
    return {
        "file": block.file, "block_id": block.block_id, "kind": block.kind,
        "heading_path": block.heading_path, "start_line": block.start_line, "end_line": block.end_line,
        "chars": block.chars, "fingerprint": block.fingerprint,
        "block_family": block_family_of.get(block.block_id, ""), "parent": block.parent, "level": block.level,
    }


def _block_family_row(family, blocks_by_id) -> dict:
    representative = blocks_by_id[family.representative]
    preview = " ".join(representative.text.split())
    return {
        "block_family": family.family_id, "members": len(family.members), "files": " ; ".join(family.files),
        "kind": family.kind, "representative": family.representative,
        "mean_similarity": family.mean_similarity, "file_count": len(family.files),
        "chars": representative.chars, "preview": preview[:160],
    }


def _pair_row(pair, family_of, classes, identity) -> dict:
    family_a, family_b = family_of.get(pair.file_a, ""), family_of.get(pair.file_b, "")
    return {
        "file_a": pair.file_a, "file_b": pair.file_b, "similarity": pair.similarity,
        "containment_a_in_b": pair.containment_a_in_b, "containment_b_in_a": pair.containment_b_in_a,
        "shared_blocks": pair.shared_blocks, "family_a": family_a, "family_b": family_b,
        "same_family": family_a == family_b, "relatedness": round(relatedness(pair), 4),
        "classes": " ".join(classes.get((pair.file_a, pair.file_b), ())),
        "shared_name": " ".join(sorted(identity[pair.file_a] & identity[pair.file_b])),
    }


def _finding_row(finding) -> dict:
    return {"kind": finding.kind, "message": finding.message, "files": list(finding.files),
            "details": dict(finding.details)}


def matrix_files(result: AnalysisResult, cap: int) -> tuple[str, ...]:
    """Files shown in the library-wide matrices: all of them, or the largest families up to ``cap``."""
    paths = sorted(f.path for f in result.files)
    if len(paths) <= cap:
        return tuple(paths)
    chosen: list[str] = []
    for family in result.file_families:  # ordered by size
        if len(family.members) < 2 or len(chosen) + len(family.members) > cap:
            continue
        chosen.extend(family.members)
    return tuple(sorted(chosen))


def _matrices(result: AnalysisResult, *, settings: Settings):
    labels = matrix_files(result, settings.matrix_max_files)
    similarity, containment = _square(labels, result.file_pairs)
    per_family = {}
    if len(labels) < len(result.files):
        family_of = {path: fam.family_id for fam in result.file_families for path in fam.members}
        inside: dict[str, list] = {}
        for pair in result.file_pairs:
            if family_of[pair.file_a] == family_of[pair.file_b]:
                inside.setdefault(family_of[pair.file_a], []).append(pair)
        for family in result.file_families:
            if len(family.members) >= 2:
                per_family[family.family_id] = _square(family.members, inside.get(family.family_id, []))
    return similarity, containment, per_family


def _square(labels, pairs) -> tuple[Matrix, Matrix]:
    index = {path: i for i, path in enumerate(labels)}
    size = len(labels)
    similarity = np.eye(size)
    containment = np.eye(size)
    for pair in pairs:
        i, j = index.get(pair.file_a), index.get(pair.file_b)
        if i is None or j is None:
            continue
        similarity[i, j] = similarity[j, i] = pair.similarity
        containment[i, j] = pair.containment_a_in_b
        containment[j, i] = pair.containment_b_in_a
    return Matrix(tuple(labels), similarity), Matrix(tuple(labels), containment)


def _summary(result: AnalysisResult, settings: Settings, files: list[dict], findings: list[dict],
             similarity: Matrix) -> dict:
    multi = [fam for fam in result.file_families if len(fam.members) > 1]
    total_units = sum(len(f.units) for f in result.files)
    duplicated_chars, all_chars = _duplicated_share(result)
    return {
        "counts": {
            "files": len(result.files),
            "blocks": sum(len(f.blocks) for f in result.files),
            "units": total_units,
            "block_families": len(result.block_families),
            "block_containments": len(result.containments),
            "file_pairs": len(result.file_pairs),
            "unit_families_over_pair_cap": families_over_pair_cap(result.block_families, len(result.files)),
            "file_families": len(result.file_families),
            "multi_file_families": len(multi),
            "files_in_multi_file_families": sum(len(f.members) for f in multi),
            "skipped_errors": sum(1 for s in result.skipped if s.severity == "error"),
            "skipped_excluded": sum(1 for s in result.skipped if s.severity != "error"),
            "files_with_warnings": sum(1 for f in files if f["warnings"]),
        },
        "duplicated_share": round(duplicated_chars / all_chars, 4) if all_chars else 0.0,
        "findings_by_kind": dict(sorted(Counter(f["kind"] for f in findings).items())),
        "findings": findings,
        "skipped": [{"path": s.path, "reason": s.reason, "severity": s.severity} for s in result.skipped],
        "warnings": [{"file": f["file"], "warning": w} for f in files for w in f["warnings"].split(" | ") if w],
        "pair_cap": pair_cap(len(result.files)),
        "matrix": {"files": len(similarity.labels), "cap": settings.matrix_max_files,
                   "complete": len(similarity.labels) == len(result.files)},
        "settings": settings.result_values(),
    }


def _duplicated_share(result: AnalysisResult) -> tuple[int, int]:
    """Characters of units whose block family spans more than one file, over all unit characters."""
    multi_file = {m for bf in result.block_families if len(bf.files) > 1 for m in bf.members}
    duplicated = total = 0
    for agent_file in result.files:
        for block in agent_file.units:
            total += block.chars
            if block.block_id in multi_file:
                duplicated += block.chars
    return duplicated, total


