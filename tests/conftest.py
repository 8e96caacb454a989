"""Shared fixtures: where the corpora are, tiny corpora written into tmp_path, one-call analysis.

``integration`` marks tests that read ../shared/corpus-public; deselect them
with ``-m "not integration"``. Tests that need ../shared skip when it is absent.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from analyzer.models import AnalysisResult
from analyzer.pipeline import analyze
from analyzer.settings import Settings
from corpora import (  # noqa: F401 - the seed names and family_of are re-exported for other test modules
    REPO_CORPUS,
    REPO_ROOT,
    SEED_000,
    SEED_001,
    SEED_002,
    SEED_003,
    SEED_004,
    SHARED,
    family_of,
)

WriteCorpus = Callable[..., Path]
RunAnalysis = Callable[..., AnalysisResult]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "integration: reads ../shared/corpus-public (deselect with -m 'not integration')"
    )


@pytest.fixture(scope="session", autouse=True)
def _session_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """CLI runs in tests (in this process or in children) cache into a temporary folder, not the checkout."""
    os.environ["AGENT_ANALYZER_CACHE_DIR"] = str(tmp_path_factory.mktemp("parse-cache"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The repository's bundled corpus/ of five seed files."""
    if not REPO_CORPUS.is_dir():
        pytest.skip(f"{REPO_CORPUS} is missing")
    return REPO_CORPUS


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the repository; the test is skipped when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not available")
    return SHARED


@pytest.fixture
def write_corpus(tmp_path: Path) -> WriteCorpus:
    """Write ``{relative name: text or bytes}`` under ``tmp_path/<folder>`` and return that folder.

    Text is written as UTF-8 bytes exactly as given (no newline translation),
    so CRLF in a test string reaches the analyzer as CRLF.
    """

    def write(files: dict[str, str | bytes], folder: str = "corpus") -> Path:
        root = tmp_path / folder
        root.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return root

    return write


def run_pipeline(path: Path, settings: Settings | None = None) -> AnalysisResult:
    return analyze([path], settings=settings or Settings())


@pytest.fixture
def run_analysis() -> RunAnalysis:
    """``run_analysis(path, settings=None)``: the whole pipeline on one folder, nothing written."""
    return run_pipeline


@pytest.fixture(scope="session")
def seeds_result(seeds_dir: Path) -> AnalysisResult:
    """The pipeline's result on the bundled seeds, computed once per session."""
    return run_pipeline(seeds_dir)
