"""On-disk cache of parsed files, keyed by file content and everything that shapes a parse.

Parsing (decode, front matter, markdown-it tokens, eight normalisation rules,
fingerprints) is the one stage whose work is per file and independent of the
rest of the library, so it is the one cached per file. A rerun over an
unchanged library reads each file, hashes it, and loads its blocks instead
of parsing them again; a changed file misses and is parsed.

**Key.** ``sha256(code version, rules, file sha256)``. The code version is a
hash of the source of every module a parse runs through (``parse``,
``frontmatter``, ``normalize``, ``spelling``, ``models`` and this one), so
editing the parser or a rule can never serve a stale parse, without anyone
remembering to bump a number. It also hashes the installed version of every
runtime dependency and Python's version and Unicode database
(``dependency_versions``): a new markdown-it-py may cut blocks differently, a
new PyYAML read front matter differently, a new Python fold case or NFKC
differently, and a parse cached before the upgrade must not stand for one
after it. The path is *not* in the key: a file copied
under a new name hits its copy's entry, and ``block_id``/``file`` are filled
in from the path being analysed.

**Entry.** ``<cache dir>/parse-v1/<2 hex>/<key>.json``: a header line
``agent-analyzer-cache 1 <sha256 of the payload>`` then the payload, JSON
(not pickle: loading an entry from a cache folder that came with a cloned
repository must never run code). Body block texts are not stored: they are
line spans of the decoded file, which is in hand anyway, so entries hold the
normalised texts once instead of every section's text again.

**Trust nothing.** An entry whose header, checksum, JSON or shape is wrong is
counted as *rebuilt*, parsed afresh and rewritten; it is never used. Writes go
to a temporary file in the entry's folder and are renamed into place, so a
killed run leaves whole entries or none, and two runs writing the same entry
at once each rename a complete file (the contents are equal). A cache folder
that cannot be written makes the run go on uncached, with one warning.

**Memos.** Later stages remember results the same way (same header and
checksum, written atomically, never trusted when damaged), each keyed by
everything its computation reads and each in an entry named by the code of
the modules that compute it: a match class's scored pairs by its texts
(``MatchMemo``, which also keeps each LSH class's last state for
``analyzer.lsh_patch``: ``<cache dir>/lsh-v1/<key>.npz``, numpy arrays behind
the same header, about 70 MB for corpus-public's 157,000 unit texts; and the
last set of unit texts with its containments, for
``analyzer.containment.patched_pairs``: ``<cache dir>/last-v1/``), change
classifications by the texts compared (``ClassificationMemo``), a file's internal restatements by its content
(``RestatementMemo``) and a file family's lineage by its members' contents
and scores (``LineageMemo``).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import io
import json
import os
import sys
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analyzer.lsh_patch import LshState
from analyzer.match import LshIndex, Tokens
from analyzer.models import CONTAINER_KINDS, KIND_FIELD, UNIT_KINDS, AgentFile, Block

FORMAT = 1
_HEADER = b"agent-analyzer-cache"
_PARSE_SOURCES = ("parse.py", "frontmatter.py", "normalize.py", "spelling.py", "models.py", "cache.py")


# the runtime dependencies in pyproject.toml (a test keeps the two lists equal)
DEPENDENCIES = ("rapidfuzz", "markdown-it-py", "PyYAML", "pandas", "numpy", "typer", "matplotlib", "Jinja2",
                "breame", "scipy")


@functools.cache
def dependency_versions() -> str:
    """The installed version of every runtime dependency, Python's version and its Unicode database.

    Part of every code version (``code_version``): any of them can change what
    a cached result would be. A dependency that is not installed as a
    distribution (run from a source tree) counts as ``unknown``. Read once
    per process (about 9 ms), not once per code version (a run has seven).
    """
    versions = []
    for name in DEPENDENCIES:
        try:
            versions.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name}=unknown")
    python = ".".join(map(str, sys.version_info[:3]))
    return ";".join([*versions, f"python={python}", f"unicode={unicodedata.unidata_version}"])


def code_version(sources: tuple[str, ...] = _PARSE_SOURCES) -> str:
    """Hash of the source of the modules that shape an entry and of ``dependency_versions``
    (computed once per process)."""
    if sources not in _CODE_VERSIONS:
        digest = hashlib.sha256(f"format {FORMAT}\0{dependency_versions()}".encode())
        folder = Path(__file__).resolve().parent
        for name in sources:
            digest.update(name.encode())
            digest.update((folder / name).read_bytes())
        _CODE_VERSIONS[sources] = digest.hexdigest()[:16]
    return _CODE_VERSIONS[sources]


_CODE_VERSIONS: dict[tuple[str, ...], str] = {}


@dataclass(frozen=True)
class CacheOutcome:
    """What a lookup did: ``hit``, ``miss`` (no entry) or ``rebuilt`` (entry present but invalid)."""

    status: str
    detail: str = ""


def entry_key(content_sha256: str, rules: tuple[str, ...]) -> str:
    """The cache key of one file's parse."""
    material = f"{code_version()}\0{','.join(rules)}\0{content_sha256}"
    return hashlib.sha256(material.encode()).hexdigest()


def entry_path(cache_dir: str, key: str) -> Path:
    return Path(cache_dir) / f"parse-v{FORMAT}" / key[:2] / f"{key}.json"


def load(cache_dir: str, key: str, *, path: str, text: str,
         strings: dict[str, str] | None = None) -> tuple[AgentFile | None, CacheOutcome]:
    """The cached parse of ``text`` (the decoded file) under report path ``path``, if valid.

    ``strings`` (a table the caller keeps across files, see ``from_payload``)
    makes equal texts of different files one object.
    """
    location = entry_path(cache_dir, key)
    try:
        raw = location.read_bytes()
    except FileNotFoundError:
        return None, CacheOutcome("miss")
    except OSError as error:
        return None, CacheOutcome("rebuilt", f"unreadable entry ({error.strerror or error})")
    try:
        return from_payload(read_payload(raw), path=path, text=text, strings=strings), CacheOutcome("hit")
    except (ValueError, KeyError, IndexError, TypeError) as error:
        return None, CacheOutcome("rebuilt", f"invalid entry ({error})")


def store(cache_dir: str, key: str, agent_file: AgentFile) -> str:
    """Write ``agent_file``'s entry atomically; returns "" or why it could not be written."""
    return store_payload(cache_dir, key, to_payload(agent_file))


def store_payload(cache_dir: str, key: str, payload: dict) -> str:
    """``store`` for a payload already made with ``to_payload``."""
    return _write_entry(cache_dir, entry_path(cache_dir, key), payload)


def _write_entry(cache_dir: str, location: Path, data: dict) -> str:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    return _write_checked(cache_dir, location, payload)


def _write_checked(cache_dir: str, location: Path, payload: bytes) -> str:
    """Write the header (with the payload's checksum) and ``payload`` to ``location`` atomically;
    returns "" or why it could not be written."""
    header = b"%s %d %s\n" % (_HEADER, FORMAT, hashlib.sha256(payload).hexdigest().encode())
    try:
        location.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=location.parent, prefix=".tmp-", suffix=location.suffix)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(header)
                out.write(payload)
            os.replace(temp, location)
        except BaseException:
            _remove(temp)
            raise
    except OSError as error:
        return f"cannot write the cache in {cache_dir} ({error.strerror or error})"
    return ""


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def to_payload(agent_file: AgentFile) -> dict:
    """The entry's JSON payload: plain lists and strings, body texts left out (``from_payload`` cuts them
    from the file's text again). Parse workers send their files to the parent in this form too."""
    return {
        "name": agent_file.name,
        "bytes": agent_file.bytes,
        "sha256": agent_file.sha256,
        "fm_method": agent_file.fm_method,
        "fields": [list(pair) for pair in agent_file.fields],
        "warnings": list(agent_file.warnings),
        "line_endings": agent_file.line_endings,
        "blocks": [
            [b.kind, b.heading_path, b.heading, b.level, b.start_line, b.end_line,
             b.text if b.kind == KIND_FIELD else None, b.norm, b.fingerprint,
             int(b.parent.rsplit("#", 1)[1]) if b.parent else 0]
            for b in agent_file.blocks
        ],
    }


def read_payload(raw: bytes) -> dict:
    """The JSON payload of an entry's bytes; ValueError when the header or checksum is wrong."""
    data = json.loads(bytes(checked_payload(raw)).decode("utf-8", "surrogatepass"))
    if not isinstance(data, dict):
        raise ValueError("payload is not an object")
    return data


_KINDS = {kind: kind for kind in (*CONTAINER_KINDS, *UNIT_KINDS)}


def from_payload(data: dict, *, path: str, text: str, strings: dict[str, str] | None = None) -> AgentFile:
    """The AgentFile of a payload (``to_payload``) of decoded file ``text``, its strings shared.

    JSON gives every value a new string object, and on corpus-public's 389,000
    blocks the copies cost ~180 MB over a fresh parse: each block's ``kind``
    (21 MB), its ``parent`` id (43 MB, the parent's ``block_id`` again) and
    the ``heading_path`` it repeats from its section (32 MB). Here kinds are
    the model's constants, a parent is its parent's ``block_id`` object, and
    headings, heading paths, texts, normalised texts and fingerprints go
    through ``strings`` (one table per file when the caller gives none), so
    equal values are one object. Raises ValueError, KeyError, IndexError or
    TypeError on a payload of the wrong shape.
    """
    lines = text.split("\n")
    share = (strings if strings is not None else {}).setdefault
    ids = [f"{path}#{ordinal}" for ordinal in range(1, len(data["blocks"]) + 1)]
    blocks = []
    for ordinal, row in enumerate(data["blocks"], start=1):
        kind, heading_path, heading, level, start, end, field_text, norm, fp, parent = row
        body = field_text if kind == KIND_FIELD else "\n".join(lines[start - 1:end])
        blocks.append(Block(
            block_id=ids[ordinal - 1], file=path, ordinal=ordinal, kind=_KINDS.get(kind, kind),
            heading_path=share(heading_path, heading_path), heading=share(heading, heading), level=int(level),
            start_line=int(start), end_line=int(end), text=share(body, body), norm=share(norm, norm),
            fingerprint=share(fp, fp), parent=_parent_id(ids, int(parent)),
        ))
    return AgentFile(
        path=path, name=data["name"], bytes=int(data["bytes"]), sha256=data["sha256"],
        fm_method=data["fm_method"], fields=tuple((str(k), str(v)) for k, v in data["fields"]),
        blocks=tuple(blocks), warnings=tuple(data["warnings"]), line_endings=data["line_endings"],
    )


def checked_payload(raw: bytes) -> bytes | memoryview:
    """The payload of an entry's bytes; ValueError when the header or checksum is wrong."""
    end = raw.find(b"\n")
    parts = raw[:end].split(b" ") if end >= 0 else []
    if len(parts) != 3 or parts[0] != _HEADER or parts[1] != str(FORMAT).encode():
        raise ValueError("unknown header")
    payload = memoryview(raw)[end + 1:]  # a view: an LSH state's payload is tens of MB
    if hashlib.sha256(payload).hexdigest().encode() != parts[2]:
        raise ValueError("checksum mismatch (truncated or corrupt)")
    return payload


def _parent_id(ids: list[str], parent: int) -> str:
    """The block id of the entry's 1-based ``parent`` number (0: none)."""
    if not 0 <= parent <= len(ids):
        raise ValueError(f"parent block {parent} out of range")
    return ids[parent - 1] if parent else ""


class MatchMemo:
    """Scored pairs of one match class, remembered by the exact set of texts scored.

    Matching is a pure function of a class's distinct texts and the matching
    settings, so when a rerun meets the same set (same fingerprints) the pairs
    are read back instead of computed. Any other set is scored again; a class
    scored through LSH starts from its last ``LshState`` (``load_state``,
    ``save_state``: one per class and settings, the newest), which
    ``analyzer.lsh_patch`` patches into exactly the pairs a fresh scoring
    gives. Only classes of at least ``min_texts`` texts are remembered;
    smaller ones cost less to score than to store. The newest ``keep``
    entries are kept.
    """

    _SOURCES = ("match.py", "containment.py", "cache.py")

    def __init__(self, cache_dir: str, settings_key: str, *, min_texts: int = 1000, keep: int = 24) -> None:
        self.folder = Path(cache_dir) / f"match-v{FORMAT}"
        self.cache_dir = cache_dir
        self.settings_key = settings_key
        self.min_texts = min_texts
        self.keep = keep
        self.hits = self.misses = self.rebuilt = 0
        self.write_error = ""

    def _location(self, match_class: str, fingerprints: list[str]) -> Path:
        digest = hashlib.sha256(f"{code_version(self._SOURCES)}\0{self.settings_key}\0{match_class}\0".encode())
        digest.update(",".join(fingerprints).encode())
        return self.folder / f"{digest.hexdigest()}.json"

    def get(self, match_class: str, fingerprints: list[str]) -> list[tuple[str, str, float]] | None:
        """The remembered pairs (fingerprint a, fingerprint b, score), or None."""
        if len(fingerprints) < self.min_texts:
            return None
        location = self._location(match_class, fingerprints)
        try:
            data = read_payload(location.read_bytes())
            pairs = [(str(a), str(b), float(score)) for a, b, score in data["pairs"]]
        except FileNotFoundError:
            self.misses += 1
            return None
        except (OSError, ValueError, KeyError, TypeError):
            self.rebuilt += 1
            return None
        self.hits += 1
        return pairs

    def put(self, match_class: str, fingerprints: list[str], pairs: list[tuple[str, str, float]]) -> None:
        if len(fingerprints) < self.min_texts:
            return
        error = _write_entry(self.cache_dir, self._location(match_class, fingerprints), {"pairs": pairs})
        self.write_error = self.write_error or error
        if not error:
            self._prune()

    def _prune(self) -> None:
        try:
            entries = sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
            for stale in entries[self.keep:]:
                stale.unlink()
        except OSError:
            pass  # another run pruned first

    # --- last sets (analyzer.containment.patched_pairs) ---------------------------

    def _last_location(self, match_class: str) -> Path:
        name = f"{code_version(self._SOURCES)}\0{self.settings_key}\0{match_class}"
        return Path(self.cache_dir) / f"last-v{FORMAT}" / f"{hashlib.sha256(name.encode()).hexdigest()}.json"

    def last_set(self, match_class: str) -> tuple[list[str], list[tuple[str, str]]] | None:
        """The fingerprints and pairs ``keep_last_set`` kept for ``match_class`` last, or None."""
        try:
            data = read_payload(self._last_location(match_class).read_bytes())
            fingerprints = [str(fp) for fp in data["fingerprints"]]
            pairs = [(str(a), str(b)) for a, b in data["pairs"]]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            self.rebuilt += 1
            return None
        return fingerprints, pairs

    def keep_last_set(self, match_class: str, fingerprints: list[str], pairs: list[tuple[str, str]]) -> None:
        """Keep ``fingerprints`` and their ``pairs`` as ``match_class``'s last set (one per class and settings)."""
        if len(fingerprints) < self.min_texts:
            return
        error = _write_entry(self.cache_dir, self._last_location(match_class),
                             {"fingerprints": fingerprints, "pairs": [list(pair) for pair in pairs]})
        self.write_error = self.write_error or error

    # --- LSH states (analyzer.lsh_patch) ----------------------------------------

    _STATE_SOURCES = ("match.py", "lsh_patch.py", "cache.py")

    def _state_location(self, match_class: str) -> Path:
        name = f"{code_version(self._STATE_SOURCES)}\0{self.settings_key}\0{match_class}"
        return Path(self.cache_dir) / f"lsh-v{FORMAT}" / f"{hashlib.sha256(name.encode()).hexdigest()}.npz"

    def load_state(self, match_class: str) -> LshState | None:
        """The last saved ``LshState`` of ``match_class`` under these settings, or None (none, or damaged)."""
        try:
            state = state_from_bytes(checked_payload(self._state_location(match_class).read_bytes()))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError, zipfile.BadZipFile):
            self.rebuilt += 1
            return None
        return state

    def save_state(self, match_class: str, state: LshState) -> str:
        """Keep ``state`` as the class's last (one per class and settings); returns "" or the write error."""
        return _write_checked(self.cache_dir, self._state_location(match_class), state_bytes(state))


def state_bytes(state: LshState) -> bytes:
    """An ``LshState`` as an uncompressed ``.npz`` (arrays only: loading never runs code)."""
    index = state.index
    buffer = io.BytesIO()
    np.savez(buffer, fingerprints=_joined(state.fingerprints), vocabulary=_joined(index.tokens.vocabulary),
             ids=index.tokens.ids.astype(np.int32 if len(index.tokens.vocabulary) < 2**31 else np.int64),
             offsets=index.tokens.offsets, keep=index.keep, lengths=index.lengths, histograms=index.histograms,
             keys=index.keys, low=index.low, pairs=state.pairs, scores=state.scores)
    return buffer.getvalue()


def state_from_bytes(payload: bytes | memoryview) -> LshState:
    """The ``LshState`` of ``state_bytes``; ValueError (or a numpy/zip error) when anything is inconsistent."""
    with np.load(io.BytesIO(payload), allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    fingerprints, vocabulary = _split(arrays["fingerprints"]), _split(arrays["vocabulary"])
    count, ids, offsets = len(fingerprints), arrays["ids"].astype(np.int64), arrays["offsets"].astype(np.int64)
    pairs = arrays["pairs"].astype(np.int64).reshape(-1, 2)
    shapes_agree = (
        offsets.shape == (count + 1,) and offsets[0] == 0 and bool((np.diff(offsets) >= 0).all())
        and offsets[-1] == len(ids) == len(arrays["keep"]) and arrays["keep"].dtype == bool
        and (len(ids) == 0 or (0 <= ids.min() and ids.max() < len(vocabulary)))
        and arrays["lengths"].shape == (count,) and arrays["histograms"].shape[0] == count
        and arrays["histograms"].dtype == np.uint8 and arrays["keys"].shape[0] == count
        and arrays["keys"].dtype == np.uint64 and arrays["low"].shape[0] == count and arrays["low"].dtype == np.uint8
        and arrays["scores"].shape == (len(pairs),)
        and (len(pairs) == 0 or (0 <= pairs.min() and pairs.max() < count))
    )
    if not shapes_agree:
        raise ValueError("LSH state arrays do not agree")
    index = LshIndex(Tokens(ids, offsets, vocabulary), arrays["keep"], arrays["lengths"].astype(np.int64),
                     arrays["histograms"], arrays["keys"], arrays["low"])
    return LshState(fingerprints, index, pairs, arrays["scores"].astype(np.float64))


def _joined(words: tuple[str, ...]) -> np.ndarray:
    """Strings without line breaks (fingerprints, ``\\w+`` tokens) as one UTF-8 byte array."""
    return np.frombuffer("\n".join(words).encode("utf-8", "surrogatepass"), dtype=np.uint8)


def _split(array: np.ndarray) -> tuple[str, ...]:
    text = array.astype(np.uint8).tobytes().decode("utf-8", "surrogatepass")
    return tuple(text.split("\n")) if text else ()


class _KeyedMemo:
    """Plain-JSON values remembered by key, one entry per rule set and code version of ``_SOURCES``.

    The entry holds what the last run used (``save`` writes only those, so it
    never outgrows the library). A damaged entry is ignored and rewritten.
    """

    _SOURCES: tuple[str, ...] = ()
    _FOLDER = ""

    def __init__(self, cache_dir: str, rules: tuple[str, ...]) -> None:
        self.cache_dir = cache_dir
        name = hashlib.sha256(f"{code_version(self._SOURCES)}\0{','.join(rules)}".encode()).hexdigest()
        self.location = Path(cache_dir) / f"{self._FOLDER}-v{FORMAT}" / f"{name}.json"
        try:
            self.known: dict[str, list] = read_payload(self.location.read_bytes())["pairs"]
        except (OSError, ValueError, KeyError, TypeError):
            self.known = {}
        if not isinstance(self.known, dict):
            self.known = {}
        self.used: dict[str, list] = {}
        self.hits = 0

    def _lookup(self, key: str, convert):
        """``convert(row)`` of the remembered row, or None when there is none or it does not convert."""
        row = self.known.get(key)
        if row is None:
            return None
        try:
            value = convert(row)
        except (ValueError, TypeError, IndexError):
            return None
        self.used[key] = row
        self.hits += 1
        return value

    def _remember(self, key: str, row: list) -> None:
        self.used[key] = row

    def save(self) -> str:
        if self.used == self.known:
            return ""
        return _write_entry(self.cache_dir, self.location, {"pairs": dict(sorted(self.used.items()))})


class ClassificationMemo(_KeyedMemo):
    """Change classifications of text pairs (``analyzer.classify``), remembered by the pair's texts."""

    _SOURCES = ("classify.py", "spelling.py", "normalize.py", "cache.py")
    _FOLDER = "classify"

    def get(self, key: str):  # -> Classification | None
        return self._lookup(key, _classification_from)

    def put(self, key: str, classification) -> None:
        self._remember(key, _classification_row(classification))


class RestatementMemo(_KeyedMemo):
    """Each file's internal restatements (``analyzer.findings``), remembered by the file's content.

    They are a function of the parsed blocks alone, so the key is the file's
    sha256 (with the rules and the code of every module a parse and the
    search run through in the entry's name); values are (ordinal of section
    a, ordinal of section b, score) triples, which any path the content is
    found under maps back to blocks. On corpus-public the search is 5 s of
    a warm run's main process (every section's word set, then candidate
    pairs scored with ``token_sort_ratio``); read back it is a lookup.
    """

    _SOURCES = ("findings.py", *_PARSE_SOURCES)
    _FOLDER = "restatements"

    def get(self, sha256: str) -> list[tuple[int, int, float]] | None:
        return self._lookup(sha256, lambda row: [(int(a), int(b), float(score)) for a, b, score in row])

    def put(self, sha256: str, triples: list[tuple[int, int, float]]) -> None:
        self._remember(sha256, [list(t) for t in triples])


class LineageMemo(_KeyedMemo):
    """Each file family's lineage rows (``analyzer.lineage``), remembered by everything computing them reads.

    The key is ``lineage.family_key``: a hash of the family's members in
    order with each one's content hash, line-ending style and git date,
    and the similarity and both containments of every ordered pair of
    members. Those scores are IDF-weighted over the whole library, so an edit
    elsewhere can change them, and then the family is computed again. The
    rules and the code of every module lineage and the parse run through are
    in the entry's name. Values are the family's ``LineageEdge`` rows as
    lists, read back only when they name exactly the family's members, and
    labelled with the family's id of this run (ids are renumbered when
    families grow or shrink; the rows do not depend on them). On
    corpus-public the 1,036 families of two or more files cost ~6 s to
    compute (the lineage stage with ``--workers 1``: 6.4 s), and a warm run's
    main process waited ~5 s for them; with one file changed, reading them
    back and computing that file's family takes 0.24 s.
    """

    _SOURCES = ("lineage.py", "lineage_signals.py", "group.py", *_PARSE_SOURCES)
    _FOLDER = "lineage"

    def get(self, key: str, family):  # (FileFamily) -> list[LineageEdge] | None
        return self._lookup(key, lambda rows: _lineage_edges_from(rows, family))

    def put(self, key: str, edges) -> None:
        self._remember(key, [[e.file, e.family, e.parent, e.relation, e.confidence, e.evidence,
                              [list(pair) for pair in e.details]] for e in edges])


def _classification_row(c) -> list:
    return [list(c.classes), c.similarity, [[p.british, p.american, p.count, p.british_in] for p in c.spelling],
            [[f.slot, f.value, f.slot_in] for f in c.placeholders], [[e.removed, e.added] for e in c.edits],
            [[s.kind, s.a, s.b] for s in c.segments]]


def _classification_from(row: list):
    from analyzer.classify import Classification, Segment, SlotFill, SpellingPair, WordEdit

    classes, similarity, spelling, placeholders, edits, segments = row
    return Classification(
        classes=tuple(str(c) for c in classes), similarity=float(similarity),
        spelling=tuple(SpellingPair(str(a), str(b), int(n), str(w)) for a, b, n, w in spelling),
        placeholders=tuple(SlotFill(str(a), str(b), str(c)) for a, b, c in placeholders),
        edits=tuple(WordEdit(str(a), str(b)) for a, b in edits),
        segments=tuple(Segment(str(k), str(a), str(b)) for k, a, b in segments),
    )


def _lineage_edges_from(rows: list, family) -> list:
    from analyzer.lineage import LineageEdge

    edges = [LineageEdge(str(file), family.family_id, str(parent), str(relation), float(confidence), str(evidence),
                         tuple((str(key), str(value)) for key, value in details))
             for file, _, parent, relation, confidence, evidence, details in rows]  # labelled with today's id
    if sorted(e.file for e in edges) != sorted(family.members):
        raise ValueError("the remembered rows are not the family's")
    return edges
