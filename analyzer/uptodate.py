"""Skip an analysis whose reports are already up to date, the way a build tool skips a target.

The whole analysis is a pure function of the files' contents, what
discovery took and left, the settings and the code: same inputs, same
bytes out (outputs are deterministic; only ``summary.json``'s ``metadata``
differs). So after writing reports, ``remember`` stores in the cache folder,
for that ``--out`` folder, an *input key* and a checksum of every report file
written; a later run computes the input key again (discover, then read and
hash every file: a fraction of a second for 5,000 files) and, when it is
equal and every report file is still there with its checksum, ``reuse`` only
refreshes ``summary.json``'s metadata instead of analysing again.

The input key covers: the tool's version and the source of every module and
template in the package (so an upgrade or an edit never reuses old output),
every setting that can change a result, the analysed root, each discovered
file's report path and content hash (or why it could not be read), and each
file discovery skipped with its reason. ``--git-dates`` runs are never
reused (dates can change without contents changing), and any doubt (missing
or edited report file, damaged manifest) means a full run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path

from analyzer import __version__, cache
from analyzer.discover import FileTooLarge, discover, read_file
from analyzer.report.files import atomic_write_text, json_text
from analyzer.report.render import output_lock, remove_stale_temporaries
from analyzer.settings import Settings

_NOT_RESULT_SETTINGS = ("workers", "cache_dir")
_PACKAGE = Path(__file__).resolve().parent
_PACKAGE_SUFFIXES = (".py", ".j2", ".css", ".js", ".json")


def package_version() -> str:
    """Hash of every source file of the package: modules, templates and assets."""
    sources = tuple(sorted(p.relative_to(_PACKAGE).as_posix() for p in _PACKAGE.rglob("*")
                           if p.suffix in _PACKAGE_SUFFIXES and p.is_file()))
    return f"{__version__}-{cache.code_version(sources)}"


def input_key(paths: list[Path], settings: Settings) -> str:
    """A hash of everything an analysis of ``paths`` with ``settings`` depends on."""
    found = discover(paths, settings=settings)
    result_settings = {k: v for k, v in dataclasses.asdict(settings).items() if k not in _NOT_RESULT_SETTINGS}
    digest = hashlib.sha256(package_version().encode())
    digest.update(json.dumps(result_settings, sort_keys=True, default=list).encode())
    digest.update(f"\0root\0{found.root}".encode())
    for item in found.files:
        digest.update(f"\0file\0{item.rel_path}\0{_content_hash(item.path, settings.max_file_size)}".encode(
            "utf-8", "surrogatepass"))
    for skipped in found.skipped:
        digest.update(f"\0skipped\0{skipped.path}\0{skipped.reason}\0{skipped.severity}".encode(
            "utf-8", "surrogatepass"))
    return digest.hexdigest()


def _content_hash(path: str, max_size: int) -> str:
    try:
        return hashlib.sha256(read_file(path, max_size)).hexdigest()
    except FileTooLarge:
        return "too-large"
    except OSError as error:
        return f"unreadable:{error.errno}"


def _manifest_path(cache_dir: str, out: Path) -> Path:
    name = hashlib.sha256(os.path.abspath(out).encode("utf-8", "surrogatepass")).hexdigest()
    return Path(cache_dir) / f"reports-v{cache.FORMAT}" / f"{name}.json"


def remember(cache_dir: str, out: Path, key: str, written: list[Path], exit_code: int) -> str:
    """Record that ``out`` holds the reports of ``key``; returns "" or why it could not be written."""
    files, summary = {}, ""
    for path in written:
        relative = Path(os.path.relpath(path, os.path.abspath(out))).as_posix()
        if relative == "summary.json":
            summary = _summary_checksum(json.loads(path.read_text(encoding="utf-8")))
        else:
            files[relative] = file_checksum(path)
    manifest = {"key": key, "out": os.path.abspath(out), "files": files, "summary": summary, "exit_code": exit_code}
    return cache._write_entry(cache_dir, _manifest_path(cache_dir, out), manifest)


def file_checksum(path: Path) -> str:
    """SHA-256 of a report file, read in chunks: blocks.csv alone is 122 MB on corpus-public, and reading it
    whole at the end of a run, with the analysis still in memory, made that moment the run's peak."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _summary_checksum(summary: dict) -> str:
    """Checksum of summary.json apart from its metadata (the one part a reuse rewrites)."""
    content = {key: value for key, value in summary.items() if key != "metadata"}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def reuse(cache_dir: str, out: Path, key: str, metadata: dict) -> tuple[dict, int, int] | None:
    """(summary, exit code, report files) when ``out`` holds intact reports of ``key``, else None.

    ``summary.json`` gets ``metadata`` (with ``reused_report_of``: when the
    reports were made); every other file is left as it is.
    """
    try:
        manifest = cache.read_payload(_manifest_path(cache_dir, out).read_bytes())
    except (OSError, ValueError):
        return None
    if manifest.get("key") != key or manifest.get("out") != os.path.abspath(out) or not out.is_dir():
        return None
    try:
        return _reuse_locked(out, manifest, metadata)
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        return None  # the folder went away, cannot be locked, or the record is odd: a full run decides


def _reuse_locked(out: Path, manifest: dict, metadata: dict) -> tuple[dict, int, int] | None:
    with output_lock(out):
        remove_stale_temporaries(out)  # what a killed earlier run left, as a full run would
        for relative, checksum in sorted(manifest.get("files", {}).items()):
            try:
                if file_checksum(out / relative) != checksum:
                    return None
            except OSError:
                return None
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        if _summary_checksum(summary) != manifest["summary"]:
            return None
        previous = summary.pop("metadata")
        made = previous.get("reused_report_of") or previous.get("generated_at")
        fresh = {**previous, **metadata, "reused_report_of": made}
        atomic_write_text(out / "summary.json", json_text({"metadata": fresh, **summary}))
    return summary, int(manifest.get("exit_code", 0)), len(manifest["files"]) + 1
