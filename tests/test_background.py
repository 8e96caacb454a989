"""Behaviour of analyzer.background: work in a forked child gives what the caller would have computed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from analyzer.background import beside, can_fork

needs_fork = pytest.mark.skipif(not can_fork(), reason="fork is not available on this platform")


def _square_sums(values: list[int], *, offset: int = 0) -> tuple[int, int]:
    return sum(v * v for v in values) + offset, os.getpid()


def _fail(message: str) -> None:
    raise ValueError(message)


def _is_open(descriptor: int) -> bool:
    try:
        os.fstat(descriptor)
    except OSError:
        return False
    return True


@needs_fork
def test_forked_result_equals_the_inline_result_and_comes_from_another_process():
    values = list(range(1000))
    with beside(_square_sums, values, offset=3, parallel=True) as forked:
        forked_value, forked_pid = forked()
    with beside(_square_sums, values, offset=3, parallel=False) as inline:
        inline_value, inline_pid = inline()
    assert forked_value == inline_value == sum(v * v for v in values) + 3
    assert inline_pid == os.getpid() != forked_pid


@needs_fork
def test_an_exception_in_the_child_is_raised_to_the_caller():
    with beside(_fail, "broken input", parallel=True) as result:
        with pytest.raises(ValueError, match="broken input"):
            result()


@needs_fork
def test_listed_descriptors_are_closed_in_the_child_only():
    read_end, write_end = os.pipe()
    try:
        with beside(_is_open, write_end, parallel=True, close_in_child=(write_end,)) as open_in_child:
            assert open_in_child() is False
        assert _is_open(write_end)
    finally:
        os.close(read_end)
        os.close(write_end)


@needs_fork
def test_a_fresh_interpreter_child_gives_the_inline_result():
    values = list(range(1000))
    with beside(_square_sums, values, offset=3, parallel=True, fresh=True) as fresh:
        fresh_value, fresh_pid = fresh()
    assert fresh_value == sum(v * v for v in values) + 3
    assert fresh_pid != os.getpid()


@needs_fork
def test_an_exception_in_a_fresh_child_is_raised_to_the_caller():
    with beside(_fail, "broken input", parallel=True, fresh=True) as result:
        with pytest.raises(ValueError, match="broken input"):
            result()


@needs_fork
def test_a_fresh_child_does_not_run_the_callers_unguarded_script_again(tmp_path):
    script = tmp_path / "unguarded.py"
    script.write_text("import os\nfrom analyzer.background import beside\nprint('script ran')\n"
                      "with beside(os.getpid, parallel=True, fresh=True) as pid:\n    print('child', pid() != os.getpid())\n",
                      encoding="utf-8")
    ran = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert ran.stdout.splitlines() == ["script ran", "child True"], ran.stderr


def _imported(name: str) -> tuple[bool, int]:
    return name in sys.modules, os.getpid()


@needs_fork
def test_a_prepared_fresh_child_has_imported_its_modules_and_serves_the_next_call():
    from analyzer import background

    background.prepare_fresh("xml.dom.minidom")  # imported by nothing the call does
    (_, standby), = background._STANDBY
    with beside(_imported, "xml.dom.minidom", parallel=True, fresh=True) as result:
        imported, pid = result()
    assert imported and pid == standby.pid != os.getpid()
    assert background._STANDBY == []
    with beside(_imported, "xml.dom.minidom", parallel=True, fresh=True) as result:
        imported, pid = result()  # not prepared: a new child that imports only what the call needs
    assert not imported and pid != standby.pid


@needs_fork
def test_a_prepared_child_started_elsewhere_is_not_used(tmp_path, monkeypatch):
    from analyzer import background

    background.prepare_fresh("xml.dom.minidom")
    (_, standby), = background._STANDBY
    monkeypatch.chdir(tmp_path)  # a relative path on sys.path would mean another folder now
    with beside(_imported, "xml.dom.minidom", parallel=True, fresh=True) as result:
        imported, pid = result()
    assert not imported and pid != standby.pid
    assert standby.poll() is not None  # stopped, not left running


@needs_fork
def test_a_prepared_child_never_used_ends_quietly_with_its_caller(tmp_path):
    script = tmp_path / "prepared.py"
    script.write_text("from analyzer import background\nbackground.prepare_fresh('json')\n"
                      "print(background._STANDBY[0][1].pid)\n", encoding="utf-8")
    ran = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert ran.returncode == 0 and ran.stderr == ""
    child = int(ran.stdout)
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)  # reaped by the caller's exit handler


def test_without_parallel_nothing_runs_until_the_result_is_asked_for():
    calls = []
    with beside(calls.append, "ran", parallel=False) as result:
        assert calls == []
        result()
    assert calls == ["ran"]


@needs_fork
def test_analysis_with_forked_matching_and_lineage_equals_the_one_process_analysis(seeds_dir, monkeypatch):
    # the size thresholds that keep small libraries in one process are lowered so the seeds take the fork paths
    from analyzer import match, pipeline
    from analyzer.settings import Settings

    one_process = pipeline.analyze([seeds_dir], settings=Settings(workers=1))
    monkeypatch.setattr(match, "_BACKGROUND_MIN_TEXTS", 0)
    monkeypatch.setattr(pipeline, "_BACKGROUND_MIN_FILES", 0)
    forked = pipeline.analyze([seeds_dir], settings=Settings(workers=2))
    assert forked.text_matches == one_process.text_matches
    assert {m.match_class for m in forked.text_matches} >= {"unit", "section"}
    assert forked.lineage == one_process.lineage
    assert forked.findings == one_process.findings
    assert forked.file_families == one_process.file_families
    assert forked.containments == one_process.containments and forked.containments


@needs_fork
@pytest.mark.parametrize("classified_first", [False, True])
def test_report_with_html_parts_built_in_a_forked_child_equals_the_one_process_report(seeds_dir, monkeypatch,
                                                                                       classified_first):
    # classified_first: as in a cold run, the block pairs are classified in a process pool before the fork
    from analyzer import pipeline
    from analyzer.report import model, pair_classes
    from analyzer.settings import Settings

    result = pipeline.analyze([seeds_dir], settings=Settings(workers=1))
    one_process = model.build_report(result, settings=Settings(workers=1), generated_at="then")
    monkeypatch.setattr(model, "_BESIDE_MIN_FILES", 0)
    if classified_first:
        monkeypatch.setattr(pair_classes, "_PARALLEL_MIN_PAIRS", 0)
    calls = []
    original = model.beside

    def counting_beside(function, *args, parallel=True, **kwargs):
        calls.append(parallel)
        return original(function, *args, parallel=parallel, **kwargs)

    monkeypatch.setattr(model, "beside", counting_beside)
    forked = model.build_report(result, settings=Settings(workers=2), generated_at="then")
    assert calls == [True]
    assert forked.family_diffs == one_process.family_diffs and forked.family_diffs
    assert forked.lineage == one_process.lineage and forked.lineage["rows"]
    assert forked.summary == one_process.summary
    assert forked.block_pairs == one_process.block_pairs
    assert list(forked.file_pairs) == list(one_process.file_pairs)
