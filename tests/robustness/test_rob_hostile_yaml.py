"""Hostile front matter, end to end through the CLI: safe loading, bounded size, nothing executed.

Each file is analyzed (its front matter read by the tolerant key: value
reader when YAML is refused) and carries a warning that says why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.frontmatter import MAX_YAML_DEPTH
from robustness_support import write_file

BILLION_LAUGHS = """---
name: laughs
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
---
# Laughs

Body text.
"""


def _python_tag_file(marker: Path) -> str:
    return f"""---
name: tagged
run: !!python/object/apply:os.system ["touch {marker}"]
obj: !!python/object/new:pathlib.Path ["{marker}"]
module: !!python/name:os.system
---
# Tagged

Body text.
"""


def test_billion_laughs_is_refused_and_the_file_is_still_analyzed(cli_run, library):
    write_file(library, "laughs.md", BILLION_LAUGHS)
    run = cli_run(library)
    assert run.code == 0, run.stderr
    row = run.analyzed()["laughs.md"]
    assert row["name"] == "laughs" and row["fm_method"] == "tolerant"
    assert "refused" in row["warnings"] and "expand" in row["warnings"]
    assert (run.out / "summary.json").stat().st_size < 1_000_000


def test_self_referencing_alias_is_refused(cli_run, library):
    write_file(library, "cycle.md", "---\nname: cycle\nloop: &x [*x]\n---\n# Body\n")
    run = cli_run(library)
    assert run.code == 0, run.stderr
    assert run.analyzed()["cycle.md"]["name"] == "cycle"


@pytest.mark.parametrize(
    "value",
    ["[" * 5000 + "]" * 5000, "{a: " * 3000 + "1" + "}" * 3000,
     "".join("\n" + " " * level + f"k{level}:" for level in range(1, 120)) + " end"],
    ids=["flow-list", "flow-map", "block-map"],
)
def test_very_deep_yaml_nesting_is_refused_not_a_recursion_error(cli_run, library, value):
    write_file(library, "deep.md", f"---\nname: deep\nnested: {value}\n---\n# Body\n")
    run = cli_run(library)
    assert run.code == 0, run.stderr
    row = run.analyzed()["deep.md"]
    assert row["name"] == "deep"
    assert f"deeper than {MAX_YAML_DEPTH} levels" in row["warnings"]


def test_python_object_tags_are_never_constructed(cli_run, library, tmp_path):
    marker = tmp_path / "executed"
    write_file(library, "tagged.md", _python_tag_file(marker))
    run = cli_run(library)
    assert run.code == 0, run.stderr
    assert not marker.exists(), "a YAML tag ran a command"
    row = run.analyzed()["tagged.md"]
    assert row["name"] == "tagged" and row["fm_method"] == "tolerant"
    assert "cannot be read safely as YAML" in row["warnings"]


def test_unknown_local_tags_and_binary_scalars_do_not_crash(cli_run, library):
    write_file(library, "tags.md", "---\nname: tags\ncustom: !mytag {a: 1}\nblob: !!binary aGVsbG8=\n"
                                   "when: 2024-13-45\nset: !!set {a, b}\n---\n# Body\n")
    run = cli_run(library)
    assert run.code == 0, run.stderr
    assert run.analyzed()["tags.md"]["name"] == "tags"


def test_front_matter_that_is_a_list_or_a_scalar_is_warned(cli_run, library):
    write_file(library, "list.md", "---\n- one\n- two\n---\n# Body\n")
    write_file(library, "scalar.md", "---\njust text\n---\n# Body\n")
    run = cli_run(library)
    assert run.code == 0, run.stderr
    assert set(run.analyzed()) >= {"list.md", "scalar.md"}


def test_yaml_control_characters_are_refused_not_raised(cli_run, library):
    write_file(library, "ctl.md", "---\nname: ctl\nbad: a\x07b\x1bc\n---\n# Body\n")
    run = cli_run(library)
    assert run.code == 0, run.stderr
    row = run.analyzed()["ctl.md"]
    assert row["name"] == "ctl" and "not valid YAML" in row["warnings"]
