"""Discovery through symbolic links the user named on the command line."""

from __future__ import annotations

from pathlib import Path

from analyzer.discover import discover
from analyzer.settings import Settings


def _library(tmp_path: Path) -> Path:
    real = tmp_path / "real"
    real.mkdir()
    (real / "agent.md").write_text("---\nname: a\n---\n# A\n\nText.\n", encoding="utf-8")
    return real


def test_a_named_folder_reached_through_a_link_is_walked_with_paths_relative_to_the_link(tmp_path):
    link = tmp_path / "link"
    link.symlink_to(_library(tmp_path), target_is_directory=True)
    found = discover([link], settings=Settings())
    assert [f.rel_path for f in found.files] == ["agent.md"]
    assert found.root == str(link)


def test_a_named_file_that_is_a_link_is_read(tmp_path):
    link = tmp_path / "alias.md"
    link.symlink_to(_library(tmp_path) / "agent.md")
    found = discover([link], settings=Settings())
    assert [f.rel_path for f in found.files] == ["alias.md"]


def test_a_link_inside_a_walked_folder_is_not_followed_by_default(tmp_path):
    library = _library(tmp_path)
    (library / "alias.md").symlink_to(library / "agent.md")
    found = discover([library], settings=Settings())
    assert [f.rel_path for f in found.files] == ["agent.md"]
    assert any(s.path == "alias.md" and "symbolic link" in s.reason for s in found.skipped)
