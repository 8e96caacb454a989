"""Lineage in the pipeline and its outputs: known trees, undirected pairs, determinism, the seeds, git dates."""

from __future__ import annotations

import csv
import json
import random
import subprocess
import warnings
from pathlib import Path

import pytest

from analyzer.gitdates import first_commit_dates, parse_name_status_log
from analyzer.lineage import RELATIONS, infer_lineage
from analyzer.pipeline import GitDatesWarning, analyze
from analyzer.report.lineage_out import LINEAGE_COLUMNS, lineage_model
from analyzer.report.model import build_report
from analyzer.report.render import write_reports
from analyzer.settings import Settings
from corpora import SEED_000, SEED_001, SEED_002, SEED_003, SEED_004, family_of

WORDS = ("service request cache schema token queue index record handler worker policy audit metric "
         "tenant session client server payload timeout retry backoff shard replica lease lock "
         "migration rollback deploy release branch review commit build artifact pipeline stage "
         "latency throughput budget alert incident runbook owner escalation window quota limit "
         "gateway router proxy header cookie origin domain certificate secret vault rotation key "
         "invoice ledger balance refund charge customer order product catalog inventory warehouse").split()


def paragraph(seed: int, words: int = 34) -> str:
    """A deterministic sentence of ``words`` words that shares little with other seeds' sentences."""
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def section(title: str, seed: int, paragraphs: int = 2) -> str:
    body = "\n\n".join(paragraph(seed * 100 + i) for i in range(paragraphs))
    return f"## {title}\n\n{body}\n"


def agent(name: str, sections: list[str]) -> str:
    return f"---\nname: {name}\ndescription: Handles the {name} work.\n---\n\n# {name}\n\n" + "\n".join(sections)


BASE = [section(f"Part {i}", i) for i in range(1, 5)]


def lineage_of(result) -> dict[str, tuple[str, str]]:
    """file -> (parent, relation)."""
    return {edge.file: (edge.parent, edge.relation) for edge in result.lineage}


@pytest.fixture
def chain_result(write_corpus, run_analysis):
    """A -> B -> C: each version appends one section."""
    folder = write_corpus({
        "a.md": agent("chain", BASE),
        "b.md": agent("chain", BASE + [section("Extra One", 51)]),
        "c.md": agent("chain", BASE + [section("Extra One", 51), section("Extra Two", 52)]),
    })
    return run_analysis(folder)


def test_chain_of_appended_sections_is_a_chain(chain_result):
    lineage = lineage_of(chain_result)
    assert lineage["a.md"] == ("", "root")
    assert lineage["b.md"][0] == "a.md" and lineage["b.md"][1] == "derived"
    assert lineage["c.md"][0] == "b.md" and lineage["c.md"][1] == "derived"


def test_chain_edges_name_the_added_section(chain_result):
    details = {edge.file: dict(edge.details) for edge in chain_result.lineage}
    assert details["b.md"]["sections_added"] == "Extra One"
    assert details["c.md"]["sections_added"] == "Extra Two"


def test_star_hangs_every_fork_from_the_original(write_corpus, run_analysis):
    files = {"root.md": agent("star", BASE)}
    for number in range(3):
        files[f"fork{number}.md"] = agent("star", BASE + [section(f"Fork {number}", 60 + number)])
    lineage = lineage_of(run_analysis(write_corpus(files)))
    assert lineage["root.md"] == ("", "root")
    for number in range(3):
        assert lineage[f"fork{number}.md"] == ("root.md", "derived")


def test_family_whose_root_is_missing_is_still_one_tree(write_corpus, run_analysis):
    files = {f"fork{n}.md": agent("orphan", BASE + [section(f"Fork {n}", 70 + n)]) for n in range(3)}
    result = run_analysis(write_corpus(files))
    families = family_of(result)
    assert len({families[name] for name in files}) == 1
    rows = result.lineage
    assert sum(1 for row in rows if row.relation == "root") == 1
    assert sum(1 for row in rows if row.parent) == 2
    assert all(row.relation != "singleton" for row in rows)


def test_pair_differing_by_one_equal_paragraph_each_is_undirected(write_corpus, run_analysis):
    shared = BASE[:3]
    folder = write_corpus({
        "left.md": agent("twin", shared + [f"## Closing\n\n{paragraph(901)}\n"]),
        "right.md": agent("twin", shared + [f"## Closing\n\n{paragraph(902)}\n"]),
    })
    rows = {row.file: row for row in run_analysis(folder).lineage}
    child = next(row for row in rows.values() if row.parent)
    assert child.relation == "undirected"
    assert child.confidence < 0.5


def test_lineage_is_deterministic_and_independent_of_input_order(write_corpus, run_analysis):
    files = {"root.md": agent("star", BASE)}
    files.update({f"fork{n}.md": agent("star", BASE + [section(f"Fork {n}", 80 + n)]) for n in range(4)})
    files["other.md"] = agent("other", [section("Unrelated", 99)])
    folder = write_corpus(files)
    first, second = run_analysis(folder), run_analysis(folder)
    assert first.lineage == second.lineage
    shuffled = infer_lineage(tuple(reversed(first.files)), tuple(reversed(first.file_families)),
                             tuple(reversed(first.file_pairs)))
    assert shuffled == first.lineage
    named = analyze(sorted(folder.iterdir(), reverse=True), settings=Settings())
    assert named.lineage == first.lineage


def test_every_file_has_exactly_one_lineage_row(chain_result):
    assert sorted(edge.file for edge in chain_result.lineage) == sorted(f.path for f in chain_result.files)
    assert dict(chain_result.timings).get("lineage") is not None


# --- direction signals beyond containment ------------------------------------------------------------------

PROSE = ("Organize the {kind} review so every finding is prioritized, then summarize the behavior you "
         "observed and optimize the slowest path; recognize the color of each alert and analyze it.")


def prose_section(title: str, kind: str, replace: dict[str, str] | None = None) -> str:
    text = PROSE.format(kind=kind)
    for old, new in (replace or {}).items():
        text = text.replace(old, new)
    return f"## {title}\n\n{text}\n"


def spelled(replace: dict[str, str] | None = None) -> str:
    kinds = ("service", "schema", "release", "incident")
    return agent("speller", [prose_section(f"Part {n}", kind, replace) for n, kind in enumerate(kinds)])


def test_file_that_introduces_placeholders_is_the_child(write_corpus, run_analysis):
    """Templating turns a concrete value into a slot: the file with the slot derives from the concrete one.

    The concrete value is longer than the slot, so length alone would point the other way.
    """
    concrete = BASE[:3] + ["## Stack\n\nThe service runs on PostgreSQL 16 with the TimescaleDB extension and "
                           "every migration is reviewed before it ships to production.\n"]
    template = BASE[:3] + ["## Stack\n\nThe service runs on {{DATABASE}} and "
                           "every migration is reviewed before it ships to production.\n"]
    folder = write_corpus({"z_concrete.md": agent("stack", concrete), "a_template.md": agent("stack", template)})
    lineage = lineage_of(run_analysis(folder))
    assert lineage["z_concrete.md"] == ("", "root")
    assert lineage["a_template.md"][0] == "z_concrete.md"


@pytest.mark.parametrize("first, converted", [
    ({}, {"Organize": "Organise", "prioritized": "prioritised", "summarize": "summarise"}),
    ({"Organize": "Organise", "prioritized": "prioritised", "summarize": "summarise", "optimize": "optimise",
      "recognize": "recognise", "analyze": "analyse"}, {"Organise": "Organize", "prioritised": "prioritized"}),
], ids=["american-to-partly-british", "british-to-partly-american"])
def test_file_with_mixed_spelling_is_the_edited_one(write_corpus, run_analysis, first, converted):
    """A conversion that stops half way leaves mixed spelling; whichever way it went, that file is the child."""
    original = spelled(first)
    edited = original
    for old, new in converted.items():
        edited = edited.replace(old, new)
    folder = write_corpus({"z_original.md": original, "a_edited.md": edited})
    lineage = lineage_of(run_analysis(folder))
    assert lineage["z_original.md"] == ("", "root")
    assert lineage["a_edited.md"][0] == "z_original.md"


def test_star_of_equal_edits_is_rooted_at_its_hub(write_corpus, run_analysis):
    """Each fork swaps one word for another of the same length: no edge says which way, the branching point wins."""
    files = {"z_hub.md": agent("hub", BASE)}
    for number in range(3):
        sections = list(BASE)
        words = sections[number].split(" ")
        at = next(i for i, word in enumerate(words) if i > 3 and len(word) == 5 and word.isalpha())
        words[at] = next(w for w in ("proxy", "quota", "stage", "audit") if w != words[at])
        sections[number] = " ".join(words)
        files[f"fork{number}.md"] = agent("hub", sections)
    lineage = lineage_of(run_analysis(write_corpus(files)))
    assert lineage["z_hub.md"] == ("", "root")
    assert all(lineage[f"fork{n}.md"][0] == "z_hub.md" for n in range(3))


def test_chain_whose_first_edit_is_undecidable_is_rooted_at_its_end(write_corpus, run_analysis):
    """first -> second swaps one word for one of the same length (no direction), second -> third adds a section.

    The first two tie as root; the end of the chain is preferred over its middle.
    """
    words = BASE[0].split(" ")
    at = next(i for i, word in enumerate(words) if i > 3 and len(word) == 5 and word.isalpha())
    words[at] = "quota" if words[at] != "quota" else "proxy"
    second = [" ".join(words)] + BASE[1:]
    folder = write_corpus({"z_first.md": agent("line", BASE), "m_second.md": agent("line", second),
                           "a_third.md": agent("line", second + [section("Added", 57)])})
    lineage = lineage_of(run_analysis(folder))
    assert lineage["z_first.md"] == ("", "root")
    assert lineage["m_second.md"][0] == "z_first.md"
    assert lineage["a_third.md"][0] == "m_second.md"


def test_cosmetic_copy_keeps_its_own_descendants(write_corpus, run_analysis):
    """A spelling-converted copy normalises to its original; its descendant, also British, hangs from the copy."""
    british = {"Organize": "Organise", "prioritized": "prioritised", "summarize": "summarise",
               "optimize": "optimise", "recognize": "recognise", "analyze": "analyse",
               "behavior": "behaviour", "color": "colour"}
    copy = spelled(british)
    grown = copy + "\n" + prose_section("Part 9", "billing", british)
    folder = write_corpus({"a_original.md": spelled(), "m_copy.md": copy, "z_grown.md": grown})
    parents = {child: parent for child, (parent, _) in lineage_of(run_analysis(folder)).items() if parent}
    edges = {frozenset(edge) for edge in parents.items()}
    assert frozenset(("m_copy.md", "z_grown.md")) in edges
    assert frozenset(("a_original.md", "z_grown.md")) not in edges


def test_word_sequence_ignores_section_order(write_corpus, run_analysis):
    """Moving a section costs nothing in the tree weight; the words inside a section keep their order."""
    from analyzer.lineage import word_sequence

    folder = write_corpus({"a.md": agent("moved", BASE), "b.md": agent("moved", [BASE[2], BASE[0], BASE[3], BASE[1]])})
    files = {f.path: f for f in run_analysis(folder).files}
    assert word_sequence(files["a.md"]) == word_sequence(files["b.md"])


def test_word_sequence_counts_a_renamed_heading(write_corpus, run_analysis):
    """A heading is text: renaming one changes the words (and spelling a heading differently does not)."""
    from analyzer.lineage import word_sequence

    renamed = [BASE[0], BASE[1].replace("## Part 2", "## Quality Gates"), BASE[2], BASE[3]]
    respelled = [BASE[0], BASE[1].replace("## Part 2", "## Part 2 Optimisation"), BASE[2], BASE[3]]
    american = [BASE[0], BASE[1].replace("## Part 2", "## Part 2 Optimization"), BASE[2], BASE[3]]
    folder = write_corpus({"a.md": agent("named", BASE), "b.md": agent("named", renamed),
                           "c.md": agent("named", respelled), "d.md": agent("named", american)})
    files = {f.path: f for f in run_analysis(folder).files}
    assert "gates" in word_sequence(files["b.md"]) and "gates" not in word_sequence(files["a.md"])
    assert word_sequence(files["c.md"]) == word_sequence(files["d.md"])


def test_descendant_of_a_renamed_copy_hangs_from_the_copy(write_corpus, run_analysis):
    """o -> r renames two headings; g, made from r, adds a section and keeps r's headings, not o's."""
    renamed = [BASE[0], BASE[1].replace("## Part 2", "## Quality Gates"), BASE[2],
               BASE[3].replace("## Part 4", "## Escalation Path")]
    folder = write_corpus({"o.md": agent("renamed", BASE), "r.md": agent("renamed", renamed),
                           "g.md": agent("renamed", renamed + [section("Extra", 61)])})
    edges = {frozenset((child, parent)) for child, (parent, _) in lineage_of(run_analysis(folder)).items() if parent}
    assert frozenset(("g.md", "r.md")) in edges
    assert frozenset(("g.md", "o.md")) not in edges


# --- lineage.csv / json / md / png contract -----------------------------------------------------------------

@pytest.fixture(scope="module")
def seeds_written(seeds_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lineage-out")
    result = analyze([seeds_dir], settings=Settings())
    write_reports(build_report(result, settings=Settings()), out)
    return out


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_lineage_csv_first_columns_are_the_contract(seeds_written):
    with (seeds_written / "lineage.csv").open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header[:6] == ["file", "family", "parent", "relation", "confidence", "evidence"]
    assert tuple(header) == LINEAGE_COLUMNS


def test_lineage_csv_lists_every_file_once_with_its_files_csv_family(seeds_written, seeds_dir):
    rows = read_rows(seeds_written / "lineage.csv")
    assert sorted(row["file"] for row in rows) == sorted(p.name for p in seeds_dir.iterdir())
    families = {row["file"]: row["family"] for row in read_rows(seeds_written / "files.csv")}
    for row in rows:
        assert row["family"] == families[row["file"]]
        assert row["relation"] in {"root", "derived", "undirected", "singleton"}
        assert 0.0 <= float(row["confidence"]) <= 1.0
        if row["relation"] in ("root", "singleton"):
            assert row["parent"] == ""
        else:
            assert row["parent"] and families[row["parent"]] == row["family"]


def test_relations_are_the_documented_ones():
    assert set(RELATIONS) == {"root", "derived", "undirected", "singleton"}


def test_lineage_json_holds_one_tree_per_family(seeds_written):
    document = json.loads((seeds_written / "lineage.json").read_text(encoding="utf-8"))
    trees = {tree["family"]: tree for tree in document["trees"]}
    assert document["files"] == 5
    big = next(tree for tree in trees.values() if tree["size"] == 4)
    assert len(big["roots"]) == 1

    def count(node):
        return 1 + sum(count(child) for child in node["children"])

    assert count(big["roots"][0]) == 4
    child = big["roots"][0]["children"][0]
    assert child["evidence"] and "similarity" in child["details"]


def test_lineage_md_outlines_the_family_and_counts_singletons(seeds_written):
    text = (seeds_written / "lineage.md").read_text(encoding="utf-8")
    assert "## F0001 (4 files)" in text
    assert "1 singleton" in text
    assert SEED_003 not in text
    assert "  - `" in text  # children are indented under their parent


def test_lineage_png_and_consensus_are_written(seeds_written):
    assert (seeds_written / "lineage.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    family = next(row["family"] for row in read_rows(seeds_written / "lineage.csv") if row["file"] == SEED_000)
    assert (seeds_written / "families" / family / "consensus.md").is_file()
    html = (seeds_written / "report.html").read_text(encoding="utf-8")
    assert 'id="lineage"' in html and "Search and Research Capabilities" in html


def test_lineage_outputs_are_byte_identical_across_runs(seeds_dir, seeds_written, tmp_path):
    result = analyze([seeds_dir], settings=Settings())
    write_reports(build_report(result, settings=Settings()), tmp_path)
    for name in ("lineage.csv", "lineage.json", "lineage.md", "lineage.png"):
        assert (tmp_path / name).read_bytes() == (seeds_written / name).read_bytes(), name


def test_many_families_png_says_how_many_are_shown():
    from analyzer.report.lineage_plot import lineage_png

    trees = [{"family": f"F{n:04d}", "size": 2, "roots": [{
        "file": f"a{n}.md", "relation": "root", "confidence": 1.0, "evidence": "", "main_change": "", "details": {},
        "children": [{"file": f"b{n}.md", "relation": "derived", "confidence": 0.5, "evidence": "x",
                      "main_change": "+Extra", "details": {}, "children": []}]}]} for n in range(15)]
    assert lineage_png(trees) == lineage_png(trees)


# --- the seeds ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_edges(seeds_dir):
    result = analyze([seeds_dir], settings=Settings())
    return {edge.file: edge for edge in result.lineage}


def test_seed_variants_form_one_tree_and_003_is_a_singleton(seed_edges):
    members = [SEED_000, SEED_001, SEED_002, SEED_004]
    assert len({seed_edges[m].family for m in members}) == 1
    assert sum(1 for m in members if seed_edges[m].relation == "root") == 1
    assert sum(1 for m in members if seed_edges[m].parent) == 3
    assert seed_edges[SEED_003].relation == "singleton" and seed_edges[SEED_003].parent == ""


def all_evidence(seed_edges) -> str:
    return " ".join(edge.evidence for edge in seed_edges.values())


def test_seed_evidence_names_the_design_philosophy_paste(seed_edges):
    assert "Design Philosophy" in all_evidence(seed_edges)


def test_seed_evidence_names_the_spelling_conversion(seed_edges):
    assert "British spelling" in all_evidence(seed_edges)


def test_seed_edge_into_002_adds_the_research_section(seed_edges):
    assert "Search and Research Capabilities" in dict(seed_edges[SEED_002].details).get("sections_added", "")


def test_seed_evidence_names_the_template_sections(seed_edges):
    added = " ".join(dict(e.details).get("sections_added", "") for e in seed_edges.values())
    for heading in ("Your Role", "Input", "Output Requirements"):
        assert heading in added


def test_seed_edge_into_004_introduces_placeholders_and_prisma(seed_edges):
    details = dict(seed_edges[SEED_004].details)
    assert details.get("placeholders", "").startswith("introduced")
    assert "{{PROJECT_NAME}}" in details["placeholders"]
    assert "Prisma" in seed_edges[SEED_004].evidence


# --- git dates ---------------------------------------------------------------------------------------------

def git(folder: Path, *args: str, date: str = "") -> None:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e", "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(folder)}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, env=env)


def test_name_status_log_follows_renames_to_the_first_add():
    log = (b"\x011577818800\x00\nA\x00d/x.md\x00"
           b"\x011795444314\x00\nA\x00d/new.md\x00R100\x00d/x.md\x00d/y.md\x00")
    dates = parse_name_status_log(log)
    assert dates["d/y.md"] == dates["d/x.md"] == "2019-12-31T19:00:00+00:00"
    assert dates["d/new.md"] > dates["d/y.md"]


def test_first_commit_dates_reads_one_log_for_the_folder(tmp_path):
    pytest.importorskip("shutil").which("git") or pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "agents").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "agents" / "old.md").write_text(agent("dated", BASE))
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "old", date="2021-01-01T12:00:00+02:00")
    (repo / "agents" / "new.md").write_text(agent("dated", BASE + [section("Later", 53)]))
    (repo / "agents" / "untracked.md").write_text("# not committed\n")
    git(repo, "add", "agents/new.md")
    git(repo, "commit", "-qm", "new", date="2022-06-01T12:00:00+00:00")
    dates = first_commit_dates(repo / "agents", ["old.md", "new.md", "untracked.md"])
    assert dates == {"old.md": "2021-01-01T10:00:00+00:00", "new.md": "2022-06-01T12:00:00+00:00"}
    result = analyze([repo / "agents"], settings=Settings(), git_dates=True)
    rows = {edge.file: edge for edge in result.lineage}
    assert rows["new.md"].parent == "old.md"


def test_git_dates_outside_a_repository_warn_and_change_nothing(write_corpus, tmp_path):
    folder = write_corpus({"a.md": agent("solo", BASE), "b.md": agent("solo", BASE + [section("More", 54)])})
    plain = analyze([folder], settings=Settings())
    with pytest.warns(GitDatesWarning, match="--git-dates"):
        dated = analyze([folder], settings=Settings(), git_dates=True)
    assert dated.lineage == plain.lineage
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        analyze([folder], settings=Settings())  # without the flag git is never asked


def test_cli_accepts_git_dates(write_corpus, tmp_path):
    import sys

    folder = write_corpus({"a.md": agent("solo", BASE)})
    completed = subprocess.run([sys.executable, "-m", "analyzer", "analyze", str(folder), "--out",
                                str(tmp_path / "out"), "--quiet", "--git-dates"], capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "out" / "lineage.csv").is_file()


def test_lineage_model_rows_match_the_result(chain_result):
    model = lineage_model(chain_result)
    assert [row["file"] for row in model["rows"]] == [edge.file for edge in chain_result.lineage]
    assert {row["file"]: row["depth"] for row in model["rows"]} == {"a.md": 0, "b.md": 1, "c.md": 2}
