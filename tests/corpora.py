"""Where the test corpora are, and names used across the test modules.

Kept out of conftest.py so test modules can import it by a name no other
conftest.py in the tree shadows.
"""

from __future__ import annotations

from pathlib import Path

from analyzer.models import AnalysisResult

REPO_ROOT = Path(__file__).resolve().parents[1]
REPO_CORPUS = REPO_ROOT / "corpus"
SHARED = Path(__file__).resolve().parents[2] / "shared"

# The five bundled seeds (identical to ../shared/seeds/), by their number.
SEED_000 = "000_9b9df52a84eaded4.txt"
SEED_001 = "001_2eaf52ca3d3a9a8a.txt"
SEED_002 = "002_f6206c0809d18f3b.txt"
SEED_003 = "003_6e9f18ae17aa6234.txt"
SEED_004 = "004_06d3d91cc6ac753a.txt"


def family_of(result: AnalysisResult) -> dict[str, str]:
    """file path -> file family id."""
    return {path: family.family_id for family in result.file_families for path in family.members}
