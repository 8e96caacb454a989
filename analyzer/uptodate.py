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

**Into another folder.** A warm rerun into a new ``--out`` (a dated folder,
a second checkout on the same machine) finds no record for that folder, but
the cache may hold one for another folder with the same input key. When that
folder's reports are all still there with their checksums, ``reuse`` copies
them (each checked while it is copied, both folders locked in path order)
instead of analysing again, then records the new folder too. On corpus-public that is about 230 MB copied instead of a full
analysis.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from analyzer import __version__, cache
from analyzer.discover import FileTooLarge, discover, read_file
from analyzer.report.files import atomic_file, atomic_write_text, inside, json_text
from analyzer.report.render import output_lock, remove_stale_family_outputs, remove_stale_temporaries
from analyzer.settings import Settings

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
    digest = hashlib.sha256(package_version().encode())
    digest.update(json.dumps(settings.result_values(), sort_keys=True).encode())
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


def reuse(cache_dir: str, out: Path, key: str, metadata: dict) -> tuple[dict, int, int, str] | None:
    """(summary, exit code, report files, folder copied from) when intact reports of ``key`` exist, else None.

    ``out``'s own record comes first: its reports are checked in place and
    only ``summary.json`` gets ``metadata`` (with ``reused_report_of``: when
    the reports were made); the folder copied from is then "". Otherwise each
    other folder recorded with ``key`` (newest first) is tried: its reports
    are copied into ``out``, each checked against its checksum while it is
    copied, ``metadata.copied_from`` names it, and ``out`` is recorded too.
    Any doubt means None, and a full run decides.
    """
    target = Path(os.path.abspath(out))
    for manifest in _manifests_with(cache_dir, key, first=_manifest_path(cache_dir, out)):
        source = Path(manifest["out"])
        if not source.is_dir():
            continue
        try:
            reused = _reuse_locked(source, target, manifest, metadata)
        except (OSError, ValueError, KeyError, AttributeError, TypeError):
            reused = None  # a folder went away, cannot be locked, changed while copied, or the record is odd
        if reused is None:
            continue
        if source != target:
            remember(cache_dir, target, key, [target / relative for relative in manifest["files"]]
                     + [target / "summary.json"], reused[1])
        return (*reused, "" if source == target else str(source))
    return None


def _manifests_with(cache_dir: str, key: str, *, first: Path) -> list[dict]:
    """The records of ``key``: the one at ``first`` (the --out's own), then the others, newest first."""
    found = []
    for path in (Path(cache_dir) / f"reports-v{cache.FORMAT}").glob("*.json"):
        try:
            manifest = cache.read_payload(path.read_bytes())
            if manifest.get("key") == key and isinstance(manifest.get("out"), str):
                found.append((path != first, -path.stat().st_mtime_ns, path.name, manifest))
        except (OSError, ValueError, AttributeError):
            continue
    return [manifest for *_, manifest in sorted(found, key=lambda item: item[:3])]


def _reuse_locked(source: Path, target: Path, manifest: dict, metadata: dict) -> tuple[dict, int, int] | None:
    """Check (``source`` is ``target``) or copy (another folder) the recorded reports, then refresh summary.json.

    Each report file is read once: hashed in place, or hashed while it is
    copied (a mismatch raises, and the full run that follows rewrites
    whatever was copied). Both folders are locked in path order, so two
    copies in opposite directions cannot deadlock.
    """
    files: dict[str, str] = manifest["files"]
    target.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as locks:
        for folder in sorted({source, target}):
            locks.enter_context(output_lock(folder))
        summary = json.loads((source / "summary.json").read_text(encoding="utf-8"))
        if _summary_checksum(summary) != manifest["summary"]:
            return None
        remove_stale_temporaries(target)  # what a killed earlier run left, as a full run would
        if source == target:
            if any(file_checksum(source / relative) != checksum for relative, checksum in sorted(files.items())):
                return None
        else:
            written = [_copy_checked(source / relative, inside(target, *relative.split("/")), checksum)
                       for relative, checksum in sorted(files.items())]
            remove_stale_family_outputs(target, written)
        previous = summary.pop("metadata")
        made = previous.get("reused_report_of") or previous.get("generated_at")
        fresh = {**previous, **metadata, "reused_report_of": made}
        if source != target:
            fresh["copied_from"] = str(source)
        atomic_write_text(target / "summary.json", json_text({"metadata": fresh, **summary}))
    return summary, int(manifest.get("exit_code", 0)), len(files) + 1


def _copy_checked(source: Path, destination: Path, checksum: str) -> Path:
    """Copy ``source`` to ``destination`` atomically; a source whose bytes no longer hash to ``checksum`` is refused."""
    with open(source, "rb") as reading, atomic_file(destination) as writing:
        digest = hashlib.sha256()
        for chunk in iter(lambda: reading.read(1 << 20), b""):
            digest.update(chunk)
            writing.write(chunk)
        if digest.hexdigest() != checksum:
            raise ValueError(f"{source} changed since it was recorded")  # atomic_file then keeps the old file
    return destination
