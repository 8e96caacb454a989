"""Untrusted text stays inert in every output; output names cannot leave --out.

HTML is checked on its raw text here (no live tag, handler or javascript:
URL built from file content; template syntax printed, not evaluated); a
headless-browser check belongs to the HTML issue. CSV cells that a
spreadsheet would read as a formula start with a guard quote, as OWASP
recommends. JSON is checked to hold the text exactly, since JSON readers
never evaluate it.
"""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import pytest

from analyzer.report.files import OutputError, csv_text, inside, safe_cell, safe_name
from robustness_support import FORMULA_START, write_file

PAYLOADS = (
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(2)\">click</a>",
    "</textarea><svg onload=alert(3)>",
    "{{ 7*7 }} {% for x in range(3) %}loop{% endfor %} ${7*7}",
    "\"><iframe src=//evil.example>",
)

HOSTILE_AGENT = """---
name: =HYPERLINK("http://evil.example","click")
description: +SUM(1,2) <script>alert('desc')</script>
tools: "@cmd|' /C calc'!A0"
---
# <script>alert('heading')</script>

<img src=x onerror=alert(1)>

-2+3 starts like a formula.

=1+1 also does.

@SUM(A1:A2) and a [link](javascript:alert(2)).

</textarea><svg onload=alert(3)>

{{ 7*7 }} and {% for x in range(3) %}loop{% endfor %} template syntax.

"><iframe src=//evil.example>
"""


@pytest.fixture
def hostile_run(cli_run, tmp_path):
    folder = tmp_path / "hostile"
    write_file(folder, "hostile.md", HOSTILE_AGENT)
    write_file(folder, "hostile-copy.md", HOSTILE_AGENT.replace("also does", "also does, again"))
    write_file(folder, "=cmd|' calc'!A0.md", "# =cmd\n\n<script>alert('name')</script> in a file called like a formula.\n")
    run = cli_run(folder)
    assert run.code == 0, run.stderr
    return run


class _Tags(HTMLParser):
    """Every start tag and its attributes, as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def test_html_has_no_live_markup_from_file_content(hostile_run):
    parser = _Tags()
    parser.feed(hostile_run.html)
    own_trees = [attrs for tag, attrs in parser.tags if tag == "svg" and dict(attrs).get("class") == "tree"]
    names = {tag for tag, attrs in parser.tags if not (tag == "svg" and attrs in own_trees)}
    assert names & {"svg", "iframe", "textarea", "a", "object", "embed", "form"} == set()
    assert [name for _, attrs in parser.tags for name, _ in attrs if name.lower().startswith("on")] == []
    scripts = [dict(attrs) for tag, attrs in parser.tags if tag == "script"]  # the page's own two, no more
    assert scripts == [{"type": "application/json", "id": "report-data"}, {"id": "report-app"}]
    data = hostile_run.html.split('id="report-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and ">" not in data  # file text in the JSON cannot close the element
    images = [dict(attrs) for tag, attrs in parser.tags if tag == "img"]
    assert all(image.get("src", "").startswith("data:image/png;base64,") for image in images)  # the heatmap only
    for tag, attrs in parser.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name, value)
    assert "</textarea>" not in hostile_run.html.lower()


def test_html_shows_hostile_text_escaped(hostile_run):
    html = hostile_run.html
    assert "&lt;script&gt;alert(" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_template_syntax_in_content_is_printed_not_evaluated(hostile_run):
    html = hostile_run.html
    assert "{{ 7*7 }} and {% for x in range(3) %}loop{% endfor %}" in html
    assert "49 and" not in html and "looplooploop" not in html


def _csv_cells(text: str):
    for row in csv.reader(io.StringIO(text)):
        yield from row


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_no_csv_cell_can_start_a_formula(hostile_run):
    tables = sorted(hostile_run.out.rglob("*.csv"))
    assert {"files.csv", "blocks.csv", "similarity_matrix.csv"} <= {path.name for path in tables}
    for table in tables:
        cells = list(_csv_cells(table.read_text(encoding="utf-8")))
        dangerous = [c for c in cells if c.startswith(FORMULA_START) and not _is_number(c)]
        assert dangerous == [], table.name


def test_guarded_csv_cells_keep_their_text_after_the_quote(hostile_run):
    files = hostile_run.rows("files.csv")
    names = {row["name"] for row in files}
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in names
    assert "'=cmd|' calc'!A0.md" in {row["file"] for row in files}


def test_json_holds_the_hostile_text_exactly(hostile_run):
    messages = [finding["message"] for finding in hostile_run.summary["findings"]]
    assert any("<img src=x onerror=alert(1)>" in message for message in messages)


@pytest.mark.parametrize(
    "value, expected",
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("plain", "plain"), (-1.5, -1.5), (3, 3), (True, "true"), (None, "")],
)
def test_safe_cell_follows_owasp(value, expected):
    assert safe_cell(value) == expected


def test_csv_text_round_trips_newlines_quotes_and_commas():
    text = csv_text(("a", "b"), [{"a": 'x,"y"\nz', "b": "=1"}])
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ['x,"y"\nz', "'=1"]]


@pytest.mark.parametrize(
    "part",
    ["../escape", "../../etc/passwd", "/etc/passwd", "..", ".", "", "a/../../b", "CON", "nul.txt", "com1",
     "\\..\\windows", "F0001/../../x", "~", "\x00", "a" * 500],
)
def test_output_names_built_from_untrusted_text_stay_inside_out(tmp_path, part):
    out = tmp_path / "out"
    out.mkdir()
    target = inside(out, "families", part, "similarity_matrix.csv")
    assert out.resolve() in target.parents
    component = target.relative_to(out.resolve()).parts[1]
    assert component not in ("", ".", "..") and "/" not in component and "\\" not in component
    assert component.lower().split(".")[0] not in ("con", "nul", "com1")
    assert len(component) <= 81


def test_safe_name_never_returns_an_empty_or_dot_name():
    for text in ("", ".", "..", "...", "/", "-", "...---"):
        assert safe_name(text) not in ("", ".", "..")


def test_inside_refuses_a_folder_that_links_outside(tmp_path):
    out = tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    (out).mkdir()
    elsewhere.mkdir()
    (out / "families").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(OutputError, match="outside the output folder"):
        inside(out, "families", "F0001", "similarity_matrix.csv")


def test_family_matrices_are_written_under_families_only(cli_run, tmp_path):
    folder = tmp_path / "fam"
    body = "# Agent\n\n" + "".join(f"- rule number {i} says to check the inputs carefully\n" for i in range(8))
    for i in range(4):
        write_file(folder, f"a{i}.md", body + f"\nextra line {i}\n")
    run = cli_run(folder, options=("--matrix-max-files", "2"))
    assert run.code == 0, run.stderr
    written = [p for p in run.out.rglob("*") if p.is_file()]
    assert written
    for path in written:
        relative = path.relative_to(run.out)
        assert ".." not in relative.parts
        assert len(relative.parts) == 1 or relative.parts[0] == "families"
    assert (run.out / "families").is_dir()


def test_write_reports_refuses_to_follow_a_planted_families_link(cli_run, tmp_path):
    folder = tmp_path / "fam"
    body = "# Agent\n\n" + "".join(f"- rule number {i} says to check the inputs carefully\n" for i in range(8))
    for i in range(4):
        write_file(folder, f"a{i}.md", body)
    out = tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "families").symlink_to(elsewhere, target_is_directory=True)
    run = cli_run(folder, out=out, options=("--matrix-max-files", "2"))
    assert run.code == 2 and "outside the output folder" in run.stderr
    assert list(elsewhere.iterdir()) == []

