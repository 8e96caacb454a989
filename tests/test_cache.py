"""The parse cache: same results with and without it, only changed files reparsed, nothing invalid trusted."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from analyzer import cache, uptodate
from analyzer.models import AnalysisResult
from analyzer.pipeline import analyze
from analyzer.settings import Settings
from corpora import rewrite_chain


def _entries(cache_dir: Path) -> list[Path]:
    """The per-file parse entries (the cache also holds match, classification and report records)."""
    return sorted(p for p in cache_dir.glob("parse-v*/*/*.json") if not p.name.startswith(".tmp-"))


def _same_analysis(a: AnalysisResult, b: AnalysisResult) -> None:
    assert a.files == b.files
    assert a.skipped == b.skipped
    assert a.text_matches == b.text_matches
    assert a.block_families == b.block_families
    assert a.file_pairs == b.file_pairs
    assert a.file_families == b.file_families
    assert a.findings == b.findings
    assert a.lineage == b.lineage
    assert a.containments == b.containments


@pytest.fixture
def library(seeds_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    shutil.copytree(seeds_dir, folder)
    return folder


def test_warm_run_loads_every_file_from_the_cache_with_equal_results(library, tmp_path):
    settings = Settings(cache_dir=str(tmp_path / "cache"))
    uncached = analyze([library], settings=Settings())
    cold = analyze([library], settings=settings)
    warm = analyze([library], settings=settings)
    assert (cold.cache.hits, cold.cache.misses) == (0, 5)
    assert (warm.cache.hits, warm.cache.misses, warm.cache.rebuilt) == (5, 0, 0)
    assert len(_entries(tmp_path / "cache")) == 5
    _same_analysis(uncached, cold)
    _same_analysis(uncached, warm)


@pytest.mark.parametrize("run", ["uncached", "cold", "warm"])
def test_copies_share_one_string_per_equal_text_and_a_parent_is_its_sections_id(library, tmp_path, run):
    # memory, not values: 389,000 blocks on corpus-public held ~180 MB of equal strings twice
    original = sorted(library.iterdir())[0]
    shutil.copyfile(original, library / "copy-of-first.md")
    settings = Settings(cache_dir="" if run == "uncached" else str(tmp_path / "cache"))
    if run == "warm":
        analyze([library], settings=settings)
    files = {f.path: f for f in analyze([library], settings=settings).files}
    copy, first = files["copy-of-first.md"], files[original.name]
    assert [b.norm for b in copy.blocks] == [b.norm for b in first.blocks]
    for a, b in zip(copy.blocks, first.blocks):
        assert a.norm is b.norm and a.text is b.text and a.fingerprint is b.fingerprint
    ids = {b.block_id: b.block_id for b in copy.blocks}
    assert all(b.parent is ids[b.parent] for b in copy.blocks if b.parent)


def test_only_the_changed_file_is_parsed_again(library, tmp_path):
    settings = Settings(cache_dir=str(tmp_path / "cache"))
    analyze([library], settings=settings)
    target = next(library.glob("002_*"))
    target.write_text(target.read_text(encoding="utf-8") + "\n## Added later\n\nA new closing rule.\n", encoding="utf-8")
    rerun = analyze([library], settings=settings)
    assert (rerun.cache.hits, rerun.cache.misses) == (4, 1)
    changed = next(f for f in rerun.files if f.path == target.name)
    assert changed.blocks[-1].text == "A new closing rule."
    _same_analysis(analyze([library], settings=Settings()), rerun)


def test_a_copy_under_a_new_name_hits_and_gets_its_own_block_ids(library, tmp_path):
    settings = Settings(cache_dir=str(tmp_path / "cache"))
    analyze([library], settings=settings)
    source = next(library.glob("000_*"))
    shutil.copy(source, library / "copied.md")
    rerun = analyze([library], settings=settings)
    assert (rerun.cache.hits, rerun.cache.misses) == (6, 0)
    copy = next(f for f in rerun.files if f.path == "copied.md")
    assert {b.file for b in copy.blocks} == {"copied.md"}
    assert copy.blocks[0].block_id == "copied.md#1"
    _same_analysis(analyze([library], settings=Settings()), rerun)


def test_other_rules_do_not_reuse_an_entry(library, tmp_path):
    base = Settings(cache_dir=str(tmp_path / "cache"))
    analyze([library], settings=base)
    no_spelling = base.replace(rules=tuple(r for r in base.rules if r != "spelling"))
    rerun = analyze([library], settings=no_spelling)
    assert (rerun.cache.hits, rerun.cache.misses) == (0, 5)
    assert rerun.files == analyze([library], settings=no_spelling.replace(cache_dir="")).files


def test_the_dependencies_in_the_cache_key_are_the_projects_runtime_dependencies(repo_root):
    project = tomllib.loads((repo_root / "pyproject.toml").read_text(encoding="utf-8"))
    names = {re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0] for spec in project["project"]["dependencies"]}
    assert names == set(cache.DEPENDENCIES)


@pytest.mark.parametrize("package", ["markdown-it-py", "PyYAML", "rapidfuzz"])
def test_an_upgraded_dependency_makes_every_cached_parse_and_report_key_miss(library, tmp_path, monkeypatch, request,
                                                                             package):
    settings = Settings(cache_dir=str(tmp_path / "cache"))
    analyze([library], settings=settings)
    before = uptodate.package_version()
    installed = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "999.0" if name == package else installed(name))
    monkeypatch.setattr(cache, "_CODE_VERSIONS", {})
    cache.dependency_versions.cache_clear()
    request.addfinalizer(cache.dependency_versions.cache_clear)  # the next test reads the real versions again
    rerun = analyze([library], settings=settings)
    assert (rerun.cache.hits, rerun.cache.misses, rerun.cache.rebuilt) == (0, 5, 0)
    assert uptodate.package_version() != before
    _same_analysis(analyze([library], settings=Settings()), rerun)


@pytest.mark.parametrize("damage", ["truncate", "flip-payload-byte", "garbage", "empty", "valid-checksum-bad-shape"])
def test_a_damaged_entry_is_rebuilt_never_trusted(library, tmp_path, damage):
    cache_dir = tmp_path / "cache"
    settings = Settings(cache_dir=str(cache_dir))
    analyze([library], settings=settings)
    entry = _entries(cache_dir)[0]
    raw = entry.read_bytes()
    header, _, payload = raw.partition(b"\n")
    if damage == "truncate":
        entry.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip-payload-byte":
        position = len(header) + 1 + len(payload) // 2
        entry.write_bytes(raw[:position] + bytes([raw[position] ^ 0x20]) + raw[position + 1:])
    elif damage == "garbage":
        entry.write_bytes(os.urandom(200))
    elif damage == "empty":
        entry.write_bytes(b"")
    else:
        data = json.loads(payload)
        data["blocks"] = [["section", 1]]
        forged = json.dumps(data).encode()
        import hashlib

        entry.write_bytes(b"agent-analyzer-cache 1 " + hashlib.sha256(forged).hexdigest().encode() + b"\n" + forged)
    rerun = analyze([library], settings=settings)
    assert (rerun.cache.hits, rerun.cache.rebuilt) == (4, 1)
    _same_analysis(analyze([library], settings=Settings()), rerun)
    assert entry.read_bytes() == raw  # rewritten whole


def test_an_unwritable_cache_folder_leaves_the_run_uncached_but_complete(library, tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    result = analyze([library], settings=Settings(cache_dir=str(blocker)))
    assert result.cache.write_error.startswith(f"cannot write the cache in {blocker}")
    _same_analysis(analyze([library], settings=Settings()), result)


def test_an_interrupted_write_leaves_no_entry_and_no_temporary(library, tmp_path, monkeypatch):
    cache_dir = tmp_path / "cache"

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cache.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        analyze([library], settings=Settings(cache_dir=str(cache_dir), workers=1))
    assert [p for p in cache_dir.rglob("*") if p.is_file()] == []


def _cli(cache_dir: Path, library: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "analyzer", "analyze", str(library), "--out", str(out), "--quiet",
            "--cache-dir", str(cache_dir), "--workers", "1"]


def test_sigkill_at_random_points_leaves_only_whole_valid_entries(library, tmp_path):
    cache_dir = tmp_path / "cache"
    rng = random.Random(11)
    for kill in range(6):
        shutil.rmtree(cache_dir, ignore_errors=True)
        process = subprocess.Popen(_cli(cache_dir, library, tmp_path / f"out{kill}"),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 2.5))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        for entry in _entries(cache_dir):
            assert cache.read_payload(entry.read_bytes())["blocks"], f"{entry} is not a whole entry"
    rerun = analyze([library], settings=Settings(cache_dir=str(cache_dir)))
    assert rerun.cache.rebuilt == 0
    _same_analysis(analyze([library], settings=Settings()), rerun)


def test_two_runs_filling_one_cache_at_once_both_succeed(library, tmp_path):
    cache_dir = tmp_path / "cache"
    runs = [subprocess.Popen(_cli(cache_dir, library, tmp_path / f"out{i}"), stderr=subprocess.PIPE)
            for i in range(2)]
    for run in runs:
        _, stderr = run.communicate(timeout=120)
        assert run.returncode == 0, stderr
    assert len(_entries(cache_dir)) == 5
    rerun = analyze([library], settings=Settings(cache_dir=str(cache_dir)))
    assert (rerun.cache.hits, rerun.cache.rebuilt) == (5, 0)
    assert (tmp_path / "out0" / "files.csv").read_bytes() == (tmp_path / "out1" / "files.csv").read_bytes()


def test_no_cache_option_writes_no_cache_and_default_folder_is_local(library, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "AGENT_ANALYZER_CACHE_DIR"}
    command = [sys.executable, "-m", "analyzer", "analyze", str(library), "--out", "out", "--quiet"]
    subprocess.run([*command, "--no-cache"], cwd=tmp_path, env=env, check=True)
    assert not (tmp_path / ".agent-analyzer").exists()
    subprocess.run(command, cwd=tmp_path, env=env, check=True)
    assert len(_entries(tmp_path / ".agent-analyzer" / "cache")) == 5
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert (summary["metadata"]["cache"]["hits"], summary["metadata"]["cache"]["misses"]) == (0, 5)


def test_rebuilt_entries_are_reported_on_stderr(library, tmp_path):
    cache_dir = tmp_path / "cache"
    subprocess.run(_cli(cache_dir, library, tmp_path / "out"), check=True)
    _entries(cache_dir)[0].write_bytes(b"not an entry")
    shutil.rmtree(tmp_path / "out")  # else the new --out gets a copy of its intact reports, without a parse
    run = subprocess.run(_cli(cache_dir, library, tmp_path / "other-out"), capture_output=True, text=True)
    assert run.returncode == 0
    assert f"cache: 1 invalid entry in {cache_dir} ignored and rebuilt" in run.stderr


@pytest.mark.integration
def test_a_corpus_slice_gives_the_same_families_and_lineage_with_and_without_cache_at_any_worker_count(
        shared_dir, tmp_path):
    folder = _corpus_slice(shared_dir, tmp_path / "slice", 260)
    reference = analyze([folder], settings=Settings(workers=1))
    assert len(reference.files) >= 250 and any(len(f.members) > 1 for f in reference.file_families)
    cached = Settings(cache_dir=str(tmp_path / "cache"))
    for workers in (2, 1, 3):
        _same_analysis(reference, analyze([folder], settings=cached.replace(workers=workers)))


def _corpus_slice(shared_dir: Path, folder: Path, count: int) -> Path:
    sources = sorted((shared_dir / "corpus-public").rglob("*.md"))
    for source in sources[:: max(1, len(sources) // count)][:count]:
        target = folder / source.relative_to(shared_dir / "corpus-public")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
    return folder


@pytest.mark.integration
def test_edited_files_patch_the_matches_and_containments_with_the_results_of_an_uncached_run(
        shared_dir, tmp_path, monkeypatch):
    from analyzer import containment, lsh_patch

    folder = _corpus_slice(shared_dir, tmp_path / "slice", 260)
    settings = Settings(cache_dir=str(tmp_path / "cache"), workers=1)
    analyze([folder], settings=settings)
    assert list((tmp_path / "cache").glob("lsh-v*/*.npz"))  # the unit class went through LSH and left its state
    edited = sorted(folder.rglob("*.md"))[::90]
    for number, path in enumerate(edited):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(" the ", " a ", 1) + f"\nOne more optimisation note, number {number}.\n",
                        encoding="utf-8")
    scored_afresh: list[int] = []
    patched_classes: list[int] = []
    real_index, real_patch = lsh_patch.lsh_index, lsh_patch._patch
    monkeypatch.setattr(lsh_patch, "lsh_index", lambda texts, **k: scored_afresh.append(len(texts)) or
                        real_index(texts, **k))
    monkeypatch.setattr(lsh_patch, "_patch", lambda texts, *a: patched_classes.append(len(texts)) or
                        real_patch(texts, *a))
    monkeypatch.setattr(containment, "contained_pairs", lambda *a, **k: pytest.fail("containments searched whole"))
    patched = analyze([folder], settings=settings)
    monkeypatch.undo()
    assert patched_classes and max(patched_classes) > 3000  # the unit class at least
    assert scored_afresh == []  # every LSH class was patched, none scored from nothing
    _same_analysis(analyze([folder], settings=Settings(workers=1)), patched)


def test_remembered_classifications_give_the_same_report_rows(library, tmp_path):
    from analyzer.report.model import build_report

    settings = Settings(cache_dir=str(tmp_path / "cache"), workers=1)
    target = next(library.glob("002_*"))
    plain = build_report(analyze([library], settings=Settings(workers=1)), settings=Settings(workers=1))
    cold = build_report(analyze([library], settings=settings), settings=settings)
    memo_files = list((tmp_path / "cache").glob("classify-v*/*.json"))
    assert len(memo_files) == 1
    warm = build_report(analyze([library], settings=settings), settings=settings)
    for report in (cold, warm):
        assert report.block_pairs == plain.block_pairs
        assert report.file_pairs == plain.file_pairs
        assert report.family_diffs == plain.family_diffs
    target.write_text(target.read_text(encoding="utf-8").replace("robust", "sturdy"), encoding="utf-8")
    changed_settings = Settings(workers=1)
    changed = build_report(analyze([library], settings=settings), settings=settings)
    fresh = build_report(analyze([library], settings=changed_settings), settings=changed_settings)
    assert changed.block_pairs == fresh.block_pairs and changed.file_pairs == fresh.file_pairs


def _restatements(result: AnalysisResult) -> list:
    return [f for f in result.findings if f.kind == "internal-restatement"]


def test_remembered_restatements_are_the_computed_ones_under_any_path(library, tmp_path, monkeypatch):
    from analyzer import findings

    settings = Settings(cache_dir=str(tmp_path / "cache"), workers=1)
    plain = analyze([library], settings=Settings(workers=1))
    assert _restatements(plain)  # the seeds restate sections (tests/test_findings.py)
    cold = analyze([library], settings=settings)
    assert len(list((tmp_path / "cache").glob("restatements-v*/*.json"))) == 1
    seed = next(library.glob("000_*"))
    shutil.copy(seed, library / "copy-of-seed.md")
    fresh = analyze([library], settings=Settings(workers=1))
    searched: list[str] = []
    original = findings.internal_restatements
    monkeypatch.setattr(findings, "internal_restatements", lambda f: searched.append(f.path) or original(f))
    warm = analyze([library], settings=settings)
    assert cold.findings == plain.findings
    assert warm.findings == fresh.findings
    assert searched == []  # the copy has the seed's content: its restatements were read back, under its own path
    assert any("copy-of-seed.md" in f.message for f in _restatements(warm))


def test_a_remembered_restatement_naming_a_missing_section_is_searched_again(library, tmp_path, monkeypatch):
    from analyzer import findings

    settings = Settings(cache_dir=str(tmp_path / "cache"), workers=1)
    plain = analyze([library], settings=settings)
    (entry,) = (tmp_path / "cache").glob("restatements-v*/*.json")
    data = cache.read_payload(entry.read_bytes())
    sha, rows = next((k, v) for k, v in sorted(data["pairs"].items()) if v)
    data["pairs"][sha] = [[9999, 10000, 0.99]]
    cache._write_entry(str(tmp_path / "cache"), entry, data)
    searched: list[str] = []
    original = findings.internal_restatements
    monkeypatch.setattr(findings, "internal_restatements", lambda f: searched.append(f.sha256) or original(f))
    again = analyze([library], settings=settings)
    assert searched == [sha]
    assert again.findings == plain.findings


@pytest.fixture
def two_families(library: Path) -> Path:
    """The seeds (a family of four and a singleton) beside a chain of four rewrites: two families to remember."""
    for name, text in rewrite_chain(("tool",) * 4).items():
        (library / f"chain-{name}").write_text(text, encoding="utf-8")
    return library


def _computed_families(monkeypatch) -> list[tuple[str, ...]]:
    """The members of every family whose lineage is computed from now on (not read from the memo), in order."""
    from analyzer import lineage

    computed: list[tuple[str, ...]] = []
    original = lineage._family_lineage
    monkeypatch.setattr(lineage, "_family_lineage", lambda family, *rest: computed.append(family.members)
                        or original(family, *rest))
    return computed


def _lineage_entry(cache_dir: Path) -> Path:
    (entry,) = cache_dir.glob("lineage-v*/*.json")
    return entry


def test_remembered_lineage_is_the_computed_lineage(two_families, tmp_path):
    settings = Settings(cache_dir=str(tmp_path / "cache"), workers=1)
    plain = analyze([two_families], settings=Settings(workers=1))
    cold = analyze([two_families], settings=settings)
    remembered = cache.read_payload(_lineage_entry(tmp_path / "cache").read_bytes())["pairs"]
    assert sorted(len(rows) for rows in remembered.values()) == [4, 4]  # the families of 2+ files, not singletons
    assert cold.lineage == plain.lineage
    assert not cold.cache.write_error


def test_a_warm_run_reads_every_family_from_the_memo(two_families, tmp_path, monkeypatch):
    from analyzer import lineage

    settings = Settings(cache_dir=str(tmp_path / "cache"), workers=1)
    cold = analyze([two_families], settings=settings)

    def must_not_compute(*_):
        raise AssertionError("a remembered family was computed again")

    monkeypatch.setattr(lineage, "_family_lineage", must_not_compute)
    warm = analyze([two_families], settings=settings)
    assert warm.lineage == cold.lineage
    assert any(edge.relation == "derived" for edge in warm.lineage)


def test_an_edited_file_recomputes_its_family_and_no_other(two_families, tmp_path, monkeypatch):
    settings = Settings(cache_dir=str(tmp_path / "cache"), workers=1)
    before = analyze([two_families], settings=settings)
    target = next(two_families.glob("002_*"))
    # an edit normalisation hides: every score stays as it was, only the file's content tells the change
    target.write_text(target.read_text(encoding="utf-8").replace("robust", "ROBUST"), encoding="utf-8")
    computed = _computed_families(monkeypatch)
    edited = analyze([two_families], settings=settings)
    assert edited.file_pairs == before.file_pairs
    assert computed == [family.members for family in edited.file_families if target.name in family.members]
    assert len(computed[0]) == 4
    assert edited.lineage == analyze([two_families], settings=Settings(workers=1)).lineage


def test_a_renumbered_family_is_read_back_under_its_new_id(two_families, tmp_path, monkeypatch):
    from analyzer.lineage import infer_lineage

    result = analyze([two_families], settings=Settings(workers=1))
    first = cache.LineageMemo(str(tmp_path / "cache"), Settings().rules)
    infer_lineage(result.files, result.file_families, result.file_pairs, memo=first)
    assert first.save() == ""
    renumbered = tuple(dataclasses.replace(f, family_id=f"F{9000 + n}") for n, f in enumerate(result.file_families))
    computed = _computed_families(monkeypatch)
    again = infer_lineage(result.files, renumbered, result.file_pairs,
                          memo=cache.LineageMemo(str(tmp_path / "cache"), Settings().rules))
    assert computed == []
    assert again == infer_lineage(result.files, renumbered, result.file_pairs)
    assert {edge.family for edge in again} == {f.family_id for f in renumbered}


@pytest.mark.parametrize("change", ["similarity", "containment_a_in_b", "containment_b_in_a", "date", "line_endings"])
def test_a_changed_score_date_or_line_ending_of_a_member_is_computed_again(two_families, tmp_path, monkeypatch,
                                                                           change):
    from analyzer.lineage import infer_lineage

    result = analyze([two_families], settings=Settings(workers=1))
    files, families, pairs = result.files, result.file_families, result.file_pairs
    first = cache.LineageMemo(str(tmp_path / "cache"), Settings().rules)
    infer_lineage(files, families, pairs, memo=first)
    assert first.save() == ""
    chain_pair = next(p for p in pairs if p.file_a.startswith("chain-"))
    dates = None
    if change == "date":
        dates = {chain_pair.file_a: "2024-01-01"}
    elif change == "line_endings":
        files = tuple(dataclasses.replace(f, line_endings="crlf") if f.path == chain_pair.file_a else f
                      for f in files)
    else:
        changed = dataclasses.replace(chain_pair, **{change: getattr(chain_pair, change) + 0.0001})
        pairs = tuple(changed if p is chain_pair else p for p in pairs)
    computed = _computed_families(monkeypatch)
    again = infer_lineage(files, families, pairs, dates=dates,
                          memo=cache.LineageMemo(str(tmp_path / "cache"), Settings().rules))
    assert computed == [family.members for family in families if chain_pair.file_a in family.members]
    assert again == infer_lineage(files, families, pairs, dates=dates)


@pytest.mark.parametrize("damage", ["flip-payload-byte", "garbage", "entry-of-wrong-shape", "rows-of-other-files",
                                    "row-of-wrong-shape"])
def test_a_damaged_lineage_entry_is_computed_again_with_the_same_rows(two_families, tmp_path, monkeypatch, damage):
    settings = Settings(cache_dir=str(tmp_path / "cache"), workers=1)
    cold = analyze([two_families], settings=settings)
    entry = _lineage_entry(tmp_path / "cache")
    raw = entry.read_bytes()
    if damage == "flip-payload-byte":
        position = len(raw) - len(raw) // 3
        entry.write_bytes(raw[:position] + bytes([raw[position] ^ 0x20]) + raw[position + 1:])
    elif damage == "garbage":
        entry.write_bytes(os.urandom(300))
    else:
        data = cache.read_payload(raw)
        keys = sorted(data["pairs"])
        if damage == "entry-of-wrong-shape":
            data["pairs"] = list(data["pairs"].values())
        elif damage == "rows-of-other-files":
            data["pairs"][keys[0]] = data["pairs"][keys[1]]
        else:
            data["pairs"][keys[0]][0] = data["pairs"][keys[0]][0][:3]
        cache._write_entry(str(tmp_path / "cache"), entry, data)
    computed = _computed_families(monkeypatch)
    again = analyze([two_families], settings=settings)
    whole = damage in ("flip-payload-byte", "garbage", "entry-of-wrong-shape")
    assert len(computed) == (2 if whole else 1)
    assert again.lineage == cold.lineage
    assert entry.read_bytes() == raw  # rewritten as it was


def test_lineage_remembered_in_a_forked_child_is_saved_and_its_write_errors_reported(two_families, tmp_path,
                                                                                    monkeypatch):
    from analyzer import background, pipeline

    if not background.can_fork():
        pytest.skip("no fork here")
    monkeypatch.setattr(pipeline, "_BACKGROUND_MIN_FILES", 1)  # lineage beside the findings even for 9 files
    settings = Settings(cache_dir=str(tmp_path / "cache"), workers=2)
    forked = analyze([two_families], settings=settings)
    assert len(cache.read_payload(_lineage_entry(tmp_path / "cache").read_bytes())["pairs"]) == 2
    assert forked.lineage == analyze([two_families], settings=Settings(workers=1)).lineage
    blocked = tmp_path / "blocked"
    analyze([two_families], settings=settings.replace(cache_dir=str(blocked)))
    shutil.rmtree(blocked / f"lineage-v{cache.FORMAT}")
    (blocked / f"lineage-v{cache.FORMAT}").write_text("a file where the memo's folder should be", encoding="utf-8")
    rerun = analyze([two_families], settings=settings.replace(cache_dir=str(blocked)))
    assert rerun.cache.write_error.startswith(f"cannot write the cache in {blocked}")
    assert rerun.lineage == forked.lineage
