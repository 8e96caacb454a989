"""The report files written by ``python -m analyzer analyze``: contract, safety, determinism, goldens."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from robustness.robustness_support import report_names

CASES = Path(__file__).resolve().parent / "cases"

REQUIRED_FILES = (
    "files.csv", "blocks.csv", "block_families.csv", "file_pairs.csv", "similarity_matrix.csv",
    "containment_matrix.csv", "heatmap.png", "summary.json", "report.html",
)
REQUIRED_COLUMNS = {
    "files.csv": ["file", "name", "family", "bytes", "blocks", "warnings"],
    "blocks.csv": ["file", "block_id", "kind", "heading_path", "start_line", "end_line", "chars", "fingerprint",
                   "block_family"],
    "block_families.csv": ["block_family", "members", "files", "kind", "representative", "mean_similarity"],
    "file_pairs.csv": ["file_a", "file_b", "similarity", "containment_a_in_b", "containment_b_in_a",
                       "shared_blocks"],
}


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analyzer", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_matrix(path: Path) -> tuple[list[str], list[str], list[list[float]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    return header[1:], [row[0] for row in body], [[float(v) for v in row[1:]] for row in body]


@pytest.fixture(scope="module")
def seeds_runs(seeds_dir, tmp_path_factory):
    """Two full CLI runs over corpus/ into two folders, executed differently: cached on 2 workers, uncached on 1.

    The second run has no cache, so it analyses again instead of copying the
    first folder's reports (uptodate.reuse).
    """
    outs = []
    for name, options in (("first", ("--workers", "2")), ("second", ("--workers", "1", "--no-cache"))):
        out = tmp_path_factory.mktemp(name)
        completed = run_cli("analyze", str(seeds_dir), "--out", str(out), "--quiet", *options)
        assert completed.returncode == 0, completed.stderr
        outs.append(out)
    return outs


@pytest.fixture(scope="module")
def seeds_out(seeds_runs) -> Path:
    return seeds_runs[0]


HOSTILE_AGENT = """---
name: '=HYPERLINK("http://evil.example","open")'
description: Shares <script>alert('name')</script> markup.
---

# =HYPERLINK("http://evil.example","click me")

Paste this <script>alert("pwned")</script> into every agent you write, then explain why.

## -cmd|' /C calc'!A0

+ first item
"""


@pytest.fixture(scope="module")
def hostile_out(tmp_path_factory) -> Path:
    """Files with formula-like headings and HTML in their text, in nested folders."""
    root = tmp_path_factory.mktemp("hostile-corpus")
    copy = HOSTILE_AGENT.replace("then explain why.", "then explain why.\n\nA second paragraph for the copy.")
    for relative, text in {"team a/agents/evil.md": HOSTILE_AGENT, "team b/evil-copy.md": copy,
                           "plain.md": "# Plain\n\nNothing to see in this one, only ordinary words.\n"}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    out = tmp_path_factory.mktemp("hostile-out")
    completed = run_cli("analyze", str(root), "--out", str(out), "--quiet")
    assert completed.returncode == 0, completed.stderr
    return out


# ------------------------------------------------------------------ the contract


def test_every_required_report_file_is_written(seeds_out):
    for name in REQUIRED_FILES:
        assert (seeds_out / name).is_file(), name
        assert (seeds_out / name).stat().st_size > 0, name
    assert (seeds_out / "heatmap.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("name", sorted(REQUIRED_COLUMNS))
def test_csv_files_have_the_required_columns_in_order(seeds_out, name):
    with (seeds_out / name).open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header[: len(REQUIRED_COLUMNS[name])] == REQUIRED_COLUMNS[name]


def test_files_csv_describes_each_seed_file(seeds_out, seeds_dir):
    rows = {row["file"]: row for row in read_csv(seeds_out / "files.csv")}
    assert sorted(rows) == sorted(p.name for p in seeds_dir.iterdir())
    for name, row in rows.items():
        data = (seeds_dir / name).read_bytes()
        assert int(row["bytes"]) == len(data)
        assert row["sha256"] == hashlib.sha256(data).hexdigest()
        assert int(row["blocks"]) > 0


def test_blocks_csv_rows_match_files_csv_block_counts(seeds_out):
    counts: dict[str, int] = {}
    for row in read_csv(seeds_out / "blocks.csv"):
        counts[row["file"]] = counts.get(row["file"], 0) + 1
        assert 1 <= int(row["start_line"]) <= int(row["end_line"])
    assert counts == {row["file"]: int(row["blocks"]) for row in read_csv(seeds_out / "files.csv")}


def test_block_families_csv_counts_its_members_in_blocks_csv(seeds_out):
    members: dict[str, int] = {}
    for row in read_csv(seeds_out / "blocks.csv"):
        if row["block_family"]:
            members[row["block_family"]] = members.get(row["block_family"], 0) + 1
    families = read_csv(seeds_out / "block_families.csv")
    assert {row["block_family"]: int(row["members"]) for row in families} == members
    assert all(0.0 <= float(row["mean_similarity"]) <= 1.0 for row in families)


def test_matrices_are_square_with_file_labels(seeds_out):
    files = [row["file"] for row in read_csv(seeds_out / "files.csv")]
    for name in ("similarity_matrix.csv", "containment_matrix.csv"):
        columns, rows, values = read_matrix(seeds_out / name)
        assert columns == rows == sorted(files)
        assert all(len(row) == len(columns) for row in values)
        assert all(values[i][i] == 1.0 for i in range(len(values)))


def test_similarity_matrix_is_symmetric_and_matches_file_pairs(seeds_out):
    labels, _, values = read_matrix(seeds_out / "similarity_matrix.csv")
    index = {label: i for i, label in enumerate(labels)}
    for i in range(len(labels)):
        for j in range(len(labels)):
            assert values[i][j] == values[j][i]
    for pair in read_csv(seeds_out / "file_pairs.csv"):
        assert values[index[pair["file_a"]]][index[pair["file_b"]]] == pytest.approx(float(pair["similarity"]))


def test_containment_matrix_row_a_column_b_is_a_in_b(seeds_out):
    labels, _, values = read_matrix(seeds_out / "containment_matrix.csv")
    index = {label: i for i, label in enumerate(labels)}
    pairs = read_csv(seeds_out / "file_pairs.csv")
    assert pairs
    for pair in pairs:
        a, b = index[pair["file_a"]], index[pair["file_b"]]
        assert values[a][b] == pytest.approx(float(pair["containment_a_in_b"]))
        assert values[b][a] == pytest.approx(float(pair["containment_b_in_a"]))


def test_summary_json_has_counts_findings_and_metadata(seeds_out):
    summary = json.loads((seeds_out / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["files"] == 5
    assert summary["skipped"] == []
    assert {"generated_at", "version", "tool"} <= set(summary["metadata"])
    kinds = {finding["kind"] for finding in summary["findings"]}
    assert {"same-name-different-content", "renamed-copy", "internal-restatement"} <= kinds


def test_report_paths_are_relative_with_forward_slashes(hostile_out):
    files = [row["file"] for row in read_csv(hostile_out / "files.csv")]
    assert sorted(files) == ["plain.md", "team a/agents/evil.md", "team b/evil-copy.md"]
    for row in read_csv(hostile_out / "blocks.csv"):
        assert "\\" not in row["file"] and not row["file"].startswith("/")
        assert row["block_id"].startswith(row["file"] + "#")
    for pair in read_csv(hostile_out / "file_pairs.csv"):
        assert not Path(pair["file_a"]).is_absolute() and "\\" not in pair["file_a"]


# ------------------------------------------------------------------ determinism


def test_two_runs_write_byte_identical_csv(seeds_runs):
    first, second = seeds_runs
    first_csv = sorted(p.relative_to(first) for p in first.rglob("*.csv"))
    assert first_csv == sorted(p.relative_to(second) for p in second.rglob("*.csv"))
    assert len(first_csv) >= 6
    for relative in first_csv:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative


def test_two_runs_draw_the_same_heatmap_bytes(seeds_runs):
    first, second = seeds_runs
    assert (first / "heatmap.png").read_bytes() == (second / "heatmap.png").read_bytes()


def test_two_runs_differ_in_summary_metadata_only(seeds_runs):
    first, second = (json.loads((out / "summary.json").read_text(encoding="utf-8")) for out in seeds_runs)
    assert first["metadata"]["run_settings"] == {"workers": 2, "cache_dir": first["metadata"]["run_settings"]["cache_dir"]}
    assert first["metadata"]["run_settings"]["cache_dir"]
    assert second["metadata"]["run_settings"] == {"workers": 1, "cache_dir": ""}
    assert "copied_from" not in second["metadata"]
    first.pop("metadata")
    second.pop("metadata")
    assert first == second
    assert not {"workers", "cache_dir"} & set(first["settings"])


def test_worker_count_and_cache_leave_every_report_file_but_summary_json_byte_identical(seeds_runs):
    first, second = seeds_runs
    names = report_names(first)
    assert names == report_names(second)
    assert "report.html" in names and "heatmap.png" in names
    for name in names:
        if name != "summary.json":
            assert (first / name).read_bytes() == (second / name).read_bytes(), name


# ------------------------------------------------------------------ safety


def test_csv_cells_that_look_like_formulas_are_neutralised(hostile_out):
    blocks = read_csv(hostile_out / "blocks.csv")
    paths = {row["heading_path"] for row in blocks}
    assert "'=HYPERLINK(\"http://evil.example\",\"click me\")" in paths
    assert not [p for p in paths if p.startswith(("=", "+", "-", "@"))]
    assert any(p.startswith("'-cmd") for p in paths)
    names = {row["file"]: row["name"] for row in read_csv(hostile_out / "files.csv")}
    assert names["team a/agents/evil.md"] == "'=HYPERLINK(\"http://evil.example\",\"open\")"


def test_numbers_are_never_prefixed(hostile_out):
    for row in read_csv(hostile_out / "blocks.csv"):
        assert row["start_line"].isdigit() and row["chars"].isdigit()


def test_html_report_escapes_markup_from_file_content(hostile_out):
    html = (hostile_out / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(" in html  # the pasted paragraph reached the report...
    # ...but only as text: the page's own two script elements are the only ones, and the embedded
    # JSON data cannot close its element (every "<" in it is written as \u003c)
    assert html.lower().count("<script") == 2
    assert '<script type="application/json" id="report-data">' in html and '<script id="report-app">' in html
    data = html.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and ">" not in data and "&" not in data


def test_html_report_is_self_contained(seeds_out):
    html = (seeds_out / "report.html").read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in html
    assert "http://" not in html.split("<body>", 1)[0] and "https://" not in html.split("<body>", 1)[0]


# ------------------------------------------------------------------ golden case: the seeds


@pytest.fixture(scope="module")
def expected_seeds() -> dict:
    return json.loads((CASES / "seeds" / "expected_families.json").read_text(encoding="utf-8"))


def test_golden_seed_families_in_files_csv(seeds_out, expected_seeds):
    rows = {row["file"]: row for row in read_csv(seeds_out / "files.csv")}
    together = {rows[name]["family"] for name in expected_seeds["together"]}
    assert len(together) == 1
    (family,) = together
    for name in expected_seeds["together"]:
        assert int(rows[name]["family_size"]) == len(expected_seeds["together"])
    for name in expected_seeds["alone"]:
        assert rows[name]["family"] != family
        assert rows[name]["family_size"] == "1"


def test_golden_seed_pairs_are_same_family_exactly_within_the_family(seeds_out, expected_seeds):
    together = set(expected_seeds["together"])
    pairs = read_csv(seeds_out / "file_pairs.csv")
    inside = {(p["file_a"], p["file_b"]) for p in pairs if {p["file_a"], p["file_b"]} <= together}
    assert len(inside) == len(together) * (len(together) - 1) // 2  # every pair in the family shares blocks
    for pair in pairs:
        expected_same = {pair["file_a"], pair["file_b"]} <= together
        assert pair["same_family"] == ("true" if expected_same else "false"), pair


def test_golden_seed_names_and_line_endings(seeds_out, expected_seeds):
    rows = {row["file"]: row for row in read_csv(seeds_out / "files.csv")}
    assert {name: row["name"] for name, row in rows.items()} == expected_seeds["names"]
    assert {name: row["line_endings"] for name, row in rows.items()} == expected_seeds["line_endings"]


def test_a_rerun_removes_family_outputs_of_families_that_no_longer_exist(seeds_dir, tmp_path):
    out = tmp_path / "out"
    stale = out / "families" / "F0099"
    stale.mkdir(parents=True)
    (stale / "consensus.md").write_text("old family\n", encoding="utf-8")
    (out / "families" / "F0098").mkdir()
    (out / "families" / "F0098" / "notes.txt").write_text("mine\n", encoding="utf-8")
    completed = run_cli("analyze", str(seeds_dir), "--out", str(out), "--quiet")
    assert completed.returncode == 0, completed.stderr
    assert not stale.exists()
    assert (out / "families" / "F0098" / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert (out / "families" / "F0001" / "consensus.md").is_file()


# ------------------------------------------------------------------ stale copies and lineage trees in the report


def test_stale_copies_reach_summary_json_summary_md_and_the_html_findings(seeds_out):
    summary = json.loads((seeds_out / "summary.json").read_text(encoding="utf-8"))
    stale = [f for f in summary["findings"] if f["kind"] == "stale-copy"]
    assert stale and summary["findings_by_kind"]["stale-copy"] == len(stale)
    assert all(f["details"]["agree"] and f["details"]["differ"] for f in stale)
    markdown = (seeds_out / "summary.md").read_text(encoding="utf-8")
    assert f"{len(stale)} `stale-copy`" in markdown and "- `stale-copy`: " in markdown
    assert "- `renamed-copy`: " in markdown  # one busy kind does not crowd the others out of the top list
    html = (seeds_out / "report.html").read_text(encoding="utf-8")
    findings = html.split('<section id="findings"', 1)[1].split("</section>", 1)[0]
    assert '<span class="kind">stale-copy</span> <b>' in findings and "copies agree; these differ" in findings


def test_report_html_has_one_lineage_anchor_and_the_tree_inside_the_family_card(seeds_out):
    html = (seeds_out / "report.html").read_text(encoding="utf-8")
    assert html.count('id="lineage"') == 1 and "<h2>Lineage</h2>" not in html
    families = html.split('<section id="families">', 1)[1].split("</section>", 1)[0]
    assert families.count('<svg class="tree"') == 1 and families.count('<g class="node') == 4
    assert "svg.tree .undirected line { stroke-dasharray" in html  # the page's stylesheet dashes them


def _chain(length: int, prefix: str = "f") -> dict:
    """A tree: one root with ``length - 1`` children, the first child holding a grandchild."""
    def node(file, relation, children=()):
        return {"file": file, "relation": relation, "confidence": 0.5, "evidence": "shares 90% of units",
                "main_change": "+Extra section" if relation != "root" else "", "children": list(children)}
    children = [node(f"{prefix}{n:02d}.md", "derived" if n % 2 else "undirected") for n in range(2, length)]
    return {"family": "F0009", "size": length,
            "roots": [node(f"{prefix}00.md", "root", [node(f"{prefix}01.md", "derived")] + children)]}


def test_tree_svg_is_well_formed_deterministic_and_draws_every_edge():
    import xml.etree.ElementTree as ElementTree

    from analyzer.report.lineage_svg import tree_svg

    svg = tree_svg(_chain(5), central="f01.md")
    assert svg == tree_svg(_chain(5), central="f01.md")
    root = ElementTree.fromstring(str(svg))
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}g[@class='node']")) + len(root.findall(f"{ns}g[@class='node root']")) == 5
    edges = root.findall(f"{ns}g[@class='edge']") + root.findall(f"{ns}g[@class='edge undirected']")
    assert len(edges) == 4
    assert len(root.findall(f"{ns}g[@class='edge undirected']/{ns}line")) == 2  # dashed by the page's CSS
    assert not root.findall(f"{ns}g[@class='edge undirected']/{ns}polygon")  # no arrowhead: direction unknown
    assert len(root.findall(f"{ns}g[@class='edge']/{ns}polygon")) == 2  # parent -> child arrows
    assert any(text.text == "★ f01.md" for text in root.iter(f"{ns}text"))


def test_tree_svg_escapes_file_names_and_evidence():
    import xml.etree.ElementTree as ElementTree

    from analyzer.report.lineage_svg import tree_svg

    tree = _chain(3, prefix='<script>alert(1)</script>"onload=x &')
    tree["roots"][0]["children"][0]["evidence"] = "<img src=x onerror=alert(2)>"
    svg = str(tree_svg(tree))
    assert "<script" not in svg and "<img" not in svg and 'onload=x &0' not in svg and '"onload' not in svg
    root = ElementTree.fromstring(svg)  # escaped text parses back to exactly the names
    titles = [title.text for title in root.iter("{http://www.w3.org/2000/svg}title")]
    assert any(t.startswith('<script>alert(1)</script>"onload=x &00.md') for t in titles)
    assert any("<img src=x onerror=alert(2)>" in t for t in titles)


def test_big_family_tree_is_capped_and_says_how_many_more():
    from analyzer.report.lineage_svg import MAX_NODES, drawn_nodes, tree_svg

    tree = _chain(MAX_NODES + 25)
    svg = str(tree_svg(tree))
    assert svg.count('<g class="node') == MAX_NODES == drawn_nodes(tree)
    assert f"{MAX_NODES} of {MAX_NODES + 25} files drawn" in svg


def test_streamed_csv_files_equal_the_in_memory_rendering(tmp_path):
    from analyzer.report.files import atomic_write_csv, csv_text

    rows = [{"file": "=cmd|' /C calc'!A0", "score": 0.5, "ok": True, "note": "café 🧪, \"quoted\"\nnext"},
            {"file": "plain.md", "score": 1, "ok": False}]
    target = tmp_path / "rows.csv"
    atomic_write_csv(target, ("file", "score", "ok", "note"), rows)
    assert target.read_bytes() == csv_text(("file", "score", "ok", "note"), rows).encode("utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["rows.csv"]


_CELL = st.one_of(
    st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t=+-@\'é🧪0.')), max_size=6),
    st.text(max_size=4), st.integers(), st.floats(), st.booleans(), st.none(),
    st.decimals(allow_nan=False, places=2), st.tuples(st.integers()),
)


@settings(max_examples=400, deadline=None)
@given(data=st.data(), width=st.integers(min_value=1, max_value=5))
def test_csv_text_writes_exactly_what_csv_writer_writes_for_the_same_safe_cells(data, width):
    from analyzer.report.files import csv_text, safe_cell

    columns = [f"c{i}" for i in range(width)]
    rows = data.draw(st.lists(st.fixed_dictionaries({}, optional={c: _CELL for c in columns}), max_size=8))
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[safe_cell(row.get(c, "")) for c in columns] for row in rows])
    assert csv_text(columns, rows) == expected.getvalue()


def test_csv_rows_that_need_quoting_keep_their_place_among_plain_rows():
    from analyzer.report.files import csv_text

    rows = [{"a": str(i), "b": "x, y" if i % 3 == 0 else "plain"} for i in range(10_000)]
    read = list(csv.DictReader(io.StringIO(csv_text(("a", "b"), rows))))
    assert read == rows


def test_pictures_drawn_in_a_forked_process_equal_those_drawn_inline(seeds_result, tmp_path):
    # write_reports draws the PNGs in a second process while it writes the CSVs; --workers 1 draws them inline
    from analyzer.report.model import build_report
    from analyzer.report.render import write_reports
    from analyzer.settings import Settings

    report = build_report(seeds_result, settings=Settings())
    forked = write_reports(report, tmp_path / "forked", parallel=True)
    inline = write_reports(report, tmp_path / "inline", parallel=False)
    assert [p.relative_to(tmp_path / "forked") for p in forked] == [p.relative_to(tmp_path / "inline") for p in inline]
    pictures = [p for p in forked if p.suffix == ".png"]
    assert {p.name for p in pictures} == {"heatmap.png", "dendrogram.png", "families.png", "lineage.png"}
    for path in forked:
        assert path.read_bytes() == (tmp_path / "inline" / path.relative_to(tmp_path / "forked")).read_bytes(), path


def test_file_pairs_name_the_identity_both_files_declare(seeds_out):
    shared = {(p["file_a"][:3], p["file_b"][:3]): p["shared_name"] for p in read_csv(seeds_out / "file_pairs.csv")}
    assert shared[("000", "002")] == "senior-backend-engineer"
    assert shared[("000", "003")] == "senior-backend-engineer"  # 003 only shares the name
    assert shared[("000", "001")] == ""  # 001 is named backend-engineer
