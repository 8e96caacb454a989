"""Byte-level oddities, end to end through the CLI: each file is analyzed or skipped with a reason.

A degraded file (replacement characters, UTF-16) is analyzed and carries a
warning in files.csv and summary.json; an unreadable one (binary) is listed
in summary.json, stderr and report.html, and the run exits 3 while the rest
of the batch is still analyzed.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from robustness_support import GOOD_AGENT, assert_skipped, write_file

AGENT_TEXT = "---\nname: encoded\n---\n# Encoded\n\nA paragraph with café, naïve and 日本語 text.\n"


def test_utf8_bom_file_is_analyzed_without_the_bom(cli_run, library):
    write_file(library, "bom.md", codecs.BOM_UTF8 + AGENT_TEXT.encode("utf-8"))
    run = cli_run(library)
    assert run.code == 0, run.stderr
    row = run.analyzed()["bom.md"]
    assert row["name"] == "encoded" and row["fm_method"] == "yaml"
    assert "\ufeff" not in (run.out / "blocks.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_decoded_and_warned(cli_run, library, encoding):
    bom = {"utf-16": b"", "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}[encoding]
    write_file(library, "wide.md", bom + AGENT_TEXT.encode(encoding))
    run = cli_run(library)
    assert run.code == 0, run.stderr
    assert run.analyzed()["wide.md"]["name"] == "encoded"
    assert any("UTF-16" in warning for warning in run.warnings_of("wide.md"))


def test_utf16_bom_with_odd_byte_count_is_skipped_with_a_reason(cli_run, library):
    write_file(library, "torn.md", codecs.BOM_UTF16_LE + AGENT_TEXT.encode("utf-16-le") + b"\x41")
    run = cli_run(library)
    assert_skipped(run, "torn.md", "UTF-16")
    assert "reviewer.md" in run.analyzed()


def test_invalid_utf8_is_analyzed_with_replacements_and_a_warning(cli_run, library):
    write_file(library, "latin1.md", "---\nname: latin\n---\n# Caf\xe9\n\nna\xefve text here\n".encode("latin-1"))
    run = cli_run(library)
    assert run.code == 0, run.stderr
    row = run.analyzed()["latin1.md"]
    assert row["name"] == "latin"
    assert "not valid UTF-8" in row["warnings"]
    assert any("U+FFFD" in warning for warning in run.warnings_of("latin1.md"))


def test_binary_file_is_skipped_and_the_batch_goes_on(cli_run, library):
    write_file(library, "image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    run = cli_run(library)
    entry = assert_skipped(run, "image.md", "binary file")
    assert "NUL byte at offset" in entry["reason"]
    assert set(run.analyzed()) == {"reviewer.md"}
    assert run.summary["counts"]["skipped_errors"] == 1


def test_nul_character_inside_utf16_text_is_skipped(cli_run, library):
    write_file(library, "nul16.md", codecs.BOM_UTF16_LE + "# A\x00B\n".encode("utf-16-le"))
    run = cli_run(library)
    assert_skipped(run, "nul16.md", "NUL")


def test_empty_file_is_analyzed_as_an_empty_document(cli_run, library):
    write_file(library, "empty.md", b"")
    run = cli_run(library)
    assert run.code == 0, run.stderr
    row = run.analyzed()["empty.md"]
    assert (row["bytes"], row["blocks"], row["fm_method"]) == ("0", "0", "none")


def test_whitespace_only_file_is_analyzed(cli_run, library):
    write_file(library, "blank.md", "\n \n\t\n\r\n")
    run = cli_run(library)
    assert run.code == 0, run.stderr
    assert run.analyzed()["blank.md"]["blocks"] == "0"


def test_file_that_is_only_front_matter_has_fields_and_no_body(cli_run, library):
    write_file(library, "only.md", "---\nname: only\ndescription: nothing else\n---\n")
    run = cli_run(library)
    assert run.code == 0, run.stderr
    row = run.analyzed()["only.md"]
    assert (row["name"], row["fm_method"], row["units"]) == ("only", "yaml", "2")
    kinds = {r["kind"] for r in run.rows("blocks.csv") if r["file"] == "only.md"}
    assert kinds == {"field"}


def test_unclosed_front_matter_is_read_as_markdown_with_a_warning(cli_run, library):
    write_file(library, "open.md", "---\nname: never closed\n\n# Body\n\ntext\n")
    run = cli_run(library)
    assert run.code == 0, run.stderr
    row = run.analyzed()["open.md"]
    assert row["fm_method"] == "none" and "never closed" in row["warnings"]


@pytest.mark.parametrize(
    "data, style",
    [(GOOD_AGENT.replace("\n", "\r\n").encode(), "crlf"),
     (GOOD_AGENT.replace("\n", "\r").encode(), "cr"),
     (GOOD_AGENT.encode().replace(b"\n", b"\r\n", 3), "mixed")],
    ids=["crlf", "bare-cr", "mixed"],
)
def test_line_ending_variants_parse_like_the_lf_file(cli_run, library, data, style):
    write_file(library, "variant.md", data)
    run = cli_run(library)
    assert run.code == 0, run.stderr
    rows = run.analyzed()
    assert rows["variant.md"]["line_endings"] == style
    assert rows["variant.md"]["blocks"] == rows["reviewer.md"]["blocks"]
    assert rows["variant.md"]["name"] == "reviewer"


def test_skipped_and_degraded_files_are_counted_separately(cli_run, library):
    write_file(library, "binary.md", b"\x00\x01\x02")
    write_file(library, "latin1.md", "caf\xe9 text\n".encode("latin-1"))
    run = cli_run(library)
    counts = run.summary["counts"]
    assert run.code == 3
    assert counts["skipped_errors"] == 1 and counts["files"] == 2
    assert counts["files_with_warnings"] == 1


def test_output_is_byte_identical_across_runs(cli_run, library, tmp_path: Path):
    write_file(library, "latin1.md", "caf\xe9 text\n".encode("latin-1"))
    write_file(library, "binary.md", b"\x00\x01\x02")
    write_file(library, "copy.md", GOOD_AGENT.replace("Reviewer", "Checker"))
    first, second = cli_run(library), cli_run(library, options=("--no-cache",))  # uncached: analysed, not copied
    assert "copied_from" not in second.summary["metadata"]
    for name in ("files.csv", "blocks.csv", "block_families.csv", "file_pairs.csv", "report.html"):
        assert (first.out / name).read_bytes() == (second.out / name).read_bytes(), name
    strip = lambda summary: {k: v for k, v in summary.items() if k != "metadata"}  # noqa: E731
    assert strip(first.summary) == strip(second.summary)
