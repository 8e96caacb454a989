"""Frozen dataclasses passed between the pipeline's stages.

The pipeline is a chain of pure functions; each stage takes the previous
stage's records and returns new ones, never mutating what it was given:

    discover  -> DiscoveredFile / SkippedFile
    parse     -> AgentFile (with its Blocks)
    match     -> TextMatch (scored pairs of distinct block texts)
    group     -> BlockFamily, FilePair, FileFamily
    pipeline  -> AnalysisResult (everything above plus findings)

Every record is hashable and comparable, so results can be sorted into a
deterministic order before they are written anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

# Block kinds. Sections and the preamble are containers; the others are units.
KIND_FIELD = "field"  # one front-matter field
KIND_PREAMBLE = "preamble"  # text before the first heading
KIND_SECTION = "section"  # a heading and everything under it
KIND_PARAGRAPH = "paragraph"
KIND_LIST_ITEM = "list-item"
KIND_CODE = "code"
KIND_TABLE = "table"
KIND_QUOTE = "blockquote"
KIND_HTML = "html"

CONTAINER_KINDS = frozenset({KIND_PREAMBLE, KIND_SECTION})
UNIT_KINDS = frozenset(
    {KIND_FIELD, KIND_PARAGRAPH, KIND_LIST_ITEM, KIND_CODE, KIND_TABLE, KIND_QUOTE, KIND_HTML}
)


@dataclass(frozen=True, order=True)
class SkippedFile:
    """A path that was not analyzed, and why.

    ``severity`` is ``"error"`` when the file was meant to be analyzed but
    could not be (unreadable, binary, too large): those make the run exit 3.
    It is ``"excluded"`` when a rule chose to leave it out (README, glob).
    """

    path: str
    reason: str
    severity: str = "error"


@dataclass(frozen=True)
class DiscoveredFile:
    """A file chosen for analysis: its absolute path and its report path."""

    path: str  # absolute path on disk
    rel_path: str  # relative to the analyzed root, with "/" separators


class Block(NamedTuple):
    """One piece of an agent file: a front-matter field, a section or a unit.

    ``text`` is the block's source text; ``norm`` the text after the
    normalisation rules; ``fingerprint`` a hash of ``norm``. ``parent`` is the
    ``block_id`` of the enclosing section (or preamble), empty at top level.

    A named tuple, not a frozen dataclass like the other records: 389,000
    are built per run on corpus-public (by the parser, or from the cache),
    and a frozen dataclass sets each of its 13 fields through
    ``object.__setattr__``: 4.5 µs a block against 0.9 (measured), about
    1.4 s of a run that reads every file from the cache. Immutable and
    hashable all the same.
    """

    block_id: str
    file: str
    ordinal: int
    kind: str
    heading_path: str
    heading: str
    level: int
    start_line: int
    end_line: int
    text: str
    norm: str
    fingerprint: str
    parent: str = ""

    @property
    def chars(self) -> int:
        return len(self.norm)

    @property
    def is_unit(self) -> bool:
        return self.kind in UNIT_KINDS


@dataclass(frozen=True)
class AgentFile:
    """A parsed agent file: identity, front matter summary and its blocks."""

    path: str  # relative report path
    name: str  # front-matter name, or "" when there is none
    bytes: int
    sha256: str
    fm_method: str  # "yaml", "tolerant" or "none"
    fields: tuple[tuple[str, str], ...]  # (key, canonical value text) in source order
    blocks: tuple[Block, ...]
    warnings: tuple[str, ...] = ()
    line_endings: str = "lf"

    @property
    def units(self) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.is_unit)


@dataclass(frozen=True, order=True, slots=True)
class TextMatch:
    """Two distinct normalised texts (by fingerprint) of one match class, scored in [0, 1]."""

    match_class: str
    fingerprint_a: str
    fingerprint_b: str
    score: float


@dataclass(frozen=True, order=True, slots=True)
class Containment:
    """A unit text (``inner``, by fingerprint) found whole, on word boundaries, inside a longer one
    (``outer``); see ``analyzer.containment``."""

    inner: str
    outer: str


@dataclass(frozen=True)
class BlockFamily:
    """Blocks that are copies or near-copies of each other."""

    family_id: str
    kind: str
    members: tuple[str, ...]  # block ids, sorted
    files: tuple[str, ...]  # distinct files, sorted
    representative: str  # block id whose text stands for the family
    mean_similarity: float


@dataclass(frozen=True, slots=True)
class FilePair:
    """How much two files share, from their matched unit blocks.

    Containments are directed: ``containment_a_in_b`` is the weighted share of
    A's content found in B. ``similarity`` is the symmetric (Dice) share.
    """

    file_a: str
    file_b: str
    similarity: float
    containment_a_in_b: float
    containment_b_in_a: float
    shared_blocks: int
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileFamily:
    """Files grouped by their file-level scores; a file alone is a family of one."""

    family_id: str
    members: tuple[str, ...]
    mean_similarity: float


@dataclass(frozen=True)
class Finding:
    """Something a librarian should look at, with the files it is about."""

    kind: str  # "exact-duplicate", "same-name-different-content", ...
    message: str
    files: tuple[str, ...]
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AnalysisResult:
    """Everything the pipeline found; the report model renders it."""

    root: str
    files: tuple[AgentFile, ...]
    skipped: tuple[SkippedFile, ...]
    block_families: tuple[BlockFamily, ...]
    text_matches: tuple[TextMatch, ...]
    file_pairs: tuple[FilePair, ...]
    file_families: tuple[FileFamily, ...]
    findings: tuple[Finding, ...]
    timings: tuple[tuple[str, float], ...] = field(default=(), compare=False)
    lineage: tuple = ()  # LineageEdge rows (analyzer.lineage), one per file, sorted by family then file
    cache: object = field(default=None, compare=False)  # CacheUse (analyzer.pipeline): run metadata
    containments: tuple[Containment, ...] = ()  # unit texts inside longer unit texts (analyzer.containment)
