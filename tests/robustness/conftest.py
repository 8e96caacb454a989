"""Shared fixtures for the robustness suite (issue 8): run the real CLI, read every output back.

Most tests call ``analyzer.cli.main`` in-process (the same function the
``agent-analyzer`` console script calls, with its exit-code mapping), which
keeps the suite fast; the kill and concurrency tests start real processes.

``cli`` returns a ``CliRun``: exit code, stdout, stderr and accessors for
every report file, so a test can check that a skipped file is listed in
summary.json, stderr *and* report.html with one call (``assert_skipped``).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from analyzer import cli
from robustness_support import CORPUS_PUBLIC, GOOD_AGENT, CliRun, RunCli, write_file


@pytest.fixture
def cli_run(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> RunCli:
    """Run ``agent-analyzer analyze *paths --out OUT *options`` in-process.

    ``out`` defaults to a fresh folder in tmp_path. Never raises for a
    non-zero exit: the code is returned, so tests assert on it.
    """
    counter = iter(range(1_000_000))

    def run(*paths: Path | str, out: Path | None = None, options: tuple[str, ...] = ()) -> CliRun:
        out = out or tmp_path / f"out{next(counter)}"
        argv = ["agent-analyzer", "analyze", *map(str, paths), "--out", str(out), "--workers", "1", *options]
        monkeypatch.setattr(sys, "argv", argv)
        capsys.readouterr()
        with pytest.raises(SystemExit) as done:
            cli.main()
        captured = capsys.readouterr()
        code = done.value.code if isinstance(done.value.code, int) else 0
        return CliRun(code, captured.out, captured.err, out)

    return run


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A folder with one ordinary agent file, so every run has something to analyze."""
    folder = tmp_path / "library"
    write_file(folder, "reviewer.md", GOOD_AGENT)
    return folder


@pytest.fixture(scope="session")
def corpus_public() -> Path:
    if not CORPUS_PUBLIC.is_dir():
        pytest.skip(f"{CORPUS_PUBLIC} is absent (../shared is not checked out here)")
    return CORPUS_PUBLIC


@pytest.fixture(scope="session")
def console_script() -> list[str]:
    """The command that starts the real CLI in a new process."""
    found = shutil.which("agent-analyzer")
    return [found] if found else [sys.executable, "-m", "analyzer"]

