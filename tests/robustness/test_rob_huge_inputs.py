"""Huge and deeply nested inputs: analyzed in bounded memory and time, or skipped by --max-file-size.

No timing assertions: the bound on time is that these tests finish inside
the suite (the 100,000-heading file is the slowest, a few seconds). Sizes of
the bracket and indented-list cases are kept small because inline-markup
regexes in analyzer/normalize.py are quadratic (or worse, for runs of
backticks) on one long line; that is reported separately, not hidden here. Size
limits are checked by the exact skip reason; structure limits by parsing
through without a RecursionError escaping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analyzer import pipeline
from analyzer.normalize import active_rules
from analyzer.parse import parse_bytes
from analyzer.settings import Settings
from robustness_support import assert_skipped, write_file

MB = 1024 * 1024


def test_50_mb_markdown_file_is_skipped_by_the_default_max_file_size(cli_run, library):
    huge = library / "huge.md"
    line = b"- a list item that repeats to make a very large agent file\n"
    with huge.open("wb") as stream:
        chunk = line * (MB // len(line))
        while stream.tell() < 50 * MB:
            stream.write(chunk)
    size = huge.stat().st_size
    run = cli_run(library)
    entry = assert_skipped(run, "huge.md", "over --max-file-size")
    assert f"{size:,} bytes" in entry["reason"] and f"{Settings().max_file_size:,}" in entry["reason"]
    assert "reviewer.md" in run.analyzed()


def test_smaller_max_file_size_skips_larger_files_and_keeps_the_rest(cli_run, library):
    write_file(library, "big.md", "# Big\n\n" + "word " * 4000)
    run = cli_run(library, options=("--max-file-size", "10000"))
    assert_skipped(run, "big.md", "over --max-file-size 10,000")
    assert "reviewer.md" in run.analyzed()
    assert run.summary["settings"]["max_file_size"] == 10000


def test_file_that_grows_past_the_limit_while_being_read_is_skipped(library, monkeypatch):
    grown = write_file(library, "grown.md", "# Grown\n\n" + "x" * 5000)
    real_getsize = os.path.getsize
    monkeypatch.setattr(os.path, "getsize", lambda p: 10 if p == str(grown) else real_getsize(p))
    result = pipeline.analyze([library], settings=Settings(max_file_size=1000))
    reasons = {s.path: s.reason for s in result.skipped}
    assert "grew past --max-file-size 1,000" in reasons["grown.md"]
    assert [f.path for f in result.files] == ["reviewer.md"]


def test_file_with_100000_headings_under_the_limit_is_analyzed(cli_run, tmp_path):
    folder = tmp_path / "headings"
    text = "".join(f"## Heading number {i}\n" for i in range(100_000))
    write_file(folder, "headings.md", text)
    assert len(text.encode()) < Settings().max_file_size
    run = cli_run(folder)
    assert run.code == 0, run.stderr
    row = run.analyzed()["headings.md"]
    assert row["blocks"] == "100000"


def test_one_megabyte_single_line_is_analyzed(cli_run, library):
    write_file(library, "line.md", "---\nname: long\n---\n" + "word" * (MB // 4) + "\n")
    run = cli_run(library)
    assert run.code == 0, run.stderr
    row = run.analyzed()["line.md"]
    assert row["name"] == "long" and int(row["bytes"]) > MB


def test_one_megabyte_line_without_spaces_or_newline_is_analyzed(cli_run, library):
    write_file(library, "blob.md", "x" * MB)
    run = cli_run(library)
    assert run.code == 0, run.stderr
    assert run.analyzed()["blob.md"]["bytes"] == str(MB)


def _nested_list(levels: int) -> str:
    return "- " * levels + "deepest item\n"


def _nested_indented_list(levels: int) -> str:
    return "".join("  " * level + f"- item {level}\n" for level in range(levels))


@pytest.mark.parametrize(
    "text",
    [_nested_list(5000), _nested_indented_list(400), "> " * 5000 + "quote\n", "1. " * 3000 + "x\n",
     "<div>\n" * 5000 + "text\n" + "</div>\n" * 5000, "[" * 3000 + "]" * 3000 + "\n"],
    ids=["5000-list-markers", "400-indented-levels", "5000-quote-markers", "3000-ordered", "5000-divs",
         "brackets"],
)
def test_deeply_nested_markdown_parses_or_is_skipped_with_a_reason(cli_run, library, text):
    write_file(library, "deep.md", "# Deep\n\n" + text)
    run = cli_run(library)
    skipped = run.skipped()
    if "deep.md" in skipped:
        assert_skipped(run, "deep.md", "nested too deeply")
    else:
        assert run.code == 0, run.stderr
        assert int(run.analyzed()["deep.md"]["blocks"]) >= 2
    assert "reviewer.md" in run.analyzed()


def test_recursion_error_in_the_parser_becomes_a_skipped_file(library, monkeypatch):
    def explode(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(pipeline, "parse_text", explode)
    result = pipeline.analyze([library], settings=Settings())
    assert [(s.path, s.reason, s.severity) for s in result.skipped] == [
        ("reviewer.md", "structure nested too deeply to parse", "error")]


def test_deep_list_parses_in_process_without_recursion_error():
    data = _nested_list(5000).encode()
    parsed = parse_bytes(data, path="deep.md", rules=active_rules(Settings().rules))
    assert parsed.blocks and parsed.blocks[-1].end_line == 1


def test_huge_front_matter_is_read_without_yaml_and_warned(cli_run, library):
    lines = "".join(f"key{i}: value number {i}\n" for i in range(8000))
    write_file(library, "wide-fm.md", f"---\nname: wide\n{lines}---\n# Body\n")
    run = cli_run(library)
    assert run.code == 0, run.stderr
    row = run.analyzed()["wide-fm.md"]
    assert row["name"] == "wide" and row["fm_method"] == "tolerant"
    assert "front matter" in row["warnings"]


def test_many_small_files_in_one_folder(cli_run, tmp_path: Path):
    folder = tmp_path / "many"
    for i in range(60):
        write_file(folder, f"agent{i:03d}.md", f"# Agent {i}\n\nDo task number {i} carefully.\n")
    run = cli_run(folder)
    assert run.code == 0, run.stderr
    assert len(run.analyzed()) == 60
