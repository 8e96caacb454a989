"""Where the test corpora are, and names used across the test modules.

Kept out of conftest.py so test modules can import it by a name no other
conftest.py in the tree shadows.
"""

from __future__ import annotations

import random
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


def paragraphs(seed: int, count: int) -> list[str]:
    """``count`` sentences of 18 made-up words that share little with other seeds' sentences."""
    rng = random.Random(seed)
    vocabulary = [f"{a}{b}" for a in ("lum", "dor", "kel", "vas", "pim", "tor", "sef", "gar") for b in
                  ("ant", "ello", "ix", "omy", "ura", "est", "ique", "ard")]
    return [" ".join(rng.choice(vocabulary) for _ in range(18)) + "." for _ in range(count)]


def rewrite_chain(names: tuple[str, str, str, str]) -> dict[str, str]:
    """Four versions of one agent, each rewriting five of the previous version's eight paragraphs.

    Each step keeps three eighths of the text; v1 shares no paragraph with v3 or v4.
    """
    base = paragraphs(1, 8)
    versions = [base]
    for step in range(3):
        previous = versions[-1]
        versions.append(previous[5:] + paragraphs(100 + step, 5))
    return {f"v{n + 1}.md": f"---\nname: {name}\ndescription: d\n---\n\n## Role\n\n" + "\n\n".join(texts) + "\n"
            for n, (name, texts) in enumerate(zip(names, versions))}
