"""One frozen ``Settings`` object: every tunable, its default and its range.

Stages take ``settings`` as a keyword argument and read only what they need.
``Settings.replace(**changes)`` validates the result, so a bad value is caught
where it is given (the CLI, a config file) with a message that names the
allowed range. ``load_config`` reads ``[tool.agent-analyzer]`` from a
``pyproject.toml`` or a ``.agent-analyzer.toml`` file.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_RULES = (
    "line-endings",
    "unicode",
    "spelling",
    "markup",
    "list-numbering",
    "placeholders",
    "case",
    "whitespace",
)

DEFAULT_EXCLUDES = (
    "README*",
    "CHANGELOG*",
    "LICENSE*",
    "LICENCE*",
    "CONTRIBUTING*",
    "CODE_OF_CONDUCT*",
)

SKIPPED_DIRS = (".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".agent-analyzer")


class SettingsError(ValueError):
    """A setting is outside its allowed range; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    """All tunables of an analysis. Ranges are checked in ``validate``."""

    # discovery
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    default_excludes: tuple[str, ...] = DEFAULT_EXCLUDES
    extensions: tuple[str, ...] = (".md", ".mdc", ".markdown")
    max_file_size: int = 5 * 1024 * 1024
    follow_symlinks: bool = False
    # normalisation
    rules: tuple[str, ...] = DEFAULT_RULES
    # matching
    block_threshold: float = 0.85
    min_near_chars: int = 24
    exhaustive_limit: int = 3000
    minhash_perms: int = 64
    lsh_rows: int = 2
    stop_token_share: float = 0.02
    min_candidate_jaccard: float = 0.15  # LSH candidates whose MinHash Jaccard estimate is lower are not scored
    # grouping
    file_threshold: float = 0.45
    named_family_threshold: float = 0.30  # files declaring one name or title join at this relatedness (group.py)
    idf_reference_files: int = 100
    # reports
    matrix_max_files: int = 400
    top_blocks: int = 25
    # execution
    workers: int = 0
    cache_dir: str = ""  # parse cache folder (analyzer.cache); "" = no cache. The CLI defaults to .agent-analyzer/cache

    def replace(self, **changes: object) -> "Settings":
        updated = dataclasses.replace(self, **changes)
        updated.validate()
        return updated

    def validate(self) -> None:
        _in_range("block_threshold", self.block_threshold, 0.5, 1.0)
        _in_range("file_threshold", self.file_threshold, 0.0, 1.0)
        _in_range("named_family_threshold", self.named_family_threshold, 0.0, 1.0)
        _in_range("stop_token_share", self.stop_token_share, 0.0, 1.0)
        _in_range("min_candidate_jaccard", self.min_candidate_jaccard, 0.0, 1.0)
        _in_range("min_near_chars", self.min_near_chars, 1, 10_000)
        _in_range("max_file_size", self.max_file_size, 1, 2**40)
        _in_range("exhaustive_limit", self.exhaustive_limit, 0, 100_000)
        _in_range("minhash_perms", self.minhash_perms, 8, 1024)
        _in_range("lsh_rows", self.lsh_rows, 1, 16)
        _in_range("idf_reference_files", self.idf_reference_files, 1, 10_000_000)
        _in_range("matrix_max_files", self.matrix_max_files, 2, 100_000)
        _in_range("top_blocks", self.top_blocks, 1, 10_000)
        _in_range("workers", self.workers, 0, 256)
        if self.minhash_perms % self.lsh_rows:
            raise SettingsError(
                f"minhash_perms ({self.minhash_perms}) must be a multiple of lsh_rows ({self.lsh_rows})"
            )
        from analyzer.normalize import RULES  # local import: normalize imports nothing from here

        unknown = [rule for rule in self.rules if rule not in RULES]
        if unknown:
            raise SettingsError(
                f"unknown normalisation rule(s) {', '.join(unknown)}; choose from {', '.join(RULES)}"
            )

    @property
    def worker_count(self) -> int:
        return self.workers or max(1, os.cpu_count() or 1)

    def result_values(self) -> dict[str, object]:
        """Every setting that can change results, by name (tuples as lists): not those in ``RUN_ONLY``.

        Reports print these, and the up-to-date key and the scan history hash
        them; how the run was executed (``run_values``) goes in metadata only,
        so the same inputs give the same reports at any worker count or cache.
        """
        return {name: list(value) if isinstance(value, tuple) else value
                for name, value in dataclasses.asdict(self).items() if name not in RUN_ONLY}

    def run_values(self) -> dict[str, object]:
        """The settings in ``RUN_ONLY``, by name: how a run executed, not what it found."""
        return {name: getattr(self, name) for name in RUN_ONLY}


RUN_ONLY = ("workers", "cache_dir")  # settings proved not to change results (tests/test_cache.py)


def _in_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise SettingsError(f"{name} must be in [{low}, {high}], got {value}")


def load_config(start: Path) -> dict[str, object]:
    """Read ``[tool.agent-analyzer]`` from the nearest config file at or above ``start``.

    ``.agent-analyzer.toml`` (top-level keys) wins over ``pyproject.toml``.
    Returns an empty mapping when neither exists.
    """
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        dedicated = candidate / ".agent-analyzer.toml"
        if dedicated.is_file():
            return _read_toml(dedicated)
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            table = _read_toml(pyproject).get("tool", {})
            section = table.get("agent-analyzer") if isinstance(table, dict) else None
            if isinstance(section, dict):
                return section
    return {}


def _read_toml(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"{path}: cannot read configuration ({error})") from error


def settings_from_mapping(values: dict[str, object], base: Settings | None = None) -> Settings:
    """Build Settings from a config mapping (keys may use - or _), rejecting unknown keys."""
    base = base or Settings()
    known = {f.name: f for f in dataclasses.fields(Settings)}
    changes: dict[str, object] = {}
    for raw_key, value in values.items():
        key = str(raw_key).replace("-", "_")
        if key not in known:
            continue  # other tools' and other commands' keys (policies) live in the same table
        default = getattr(base, key)
        if isinstance(default, tuple):
            value = tuple(value) if isinstance(value, (list, tuple)) else (value,)
        elif isinstance(default, bool):
            value = bool(value)
        elif isinstance(default, (int, float)) and not isinstance(value, (int, float)):
            raise SettingsError(f"{raw_key} must be a number, got {value!r}")
        changes[key] = value
    return base.replace(**changes)
