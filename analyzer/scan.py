"""Consistency policies over an ``AnalysisResult``, checked against a committed baseline.

``scan`` is the CI gate: it runs the normal pipeline, then asks each enabled
*policy* what is wrong with the library, and fails only on findings that the
baseline has not accepted. Everything here is pure: reading and writing the
baseline file is done by ``read_baseline`` / ``write_baseline`` at the end.

Policies (rule ids in SARIF are these names):

* ``new-duplicate``: two files that are byte-identical, identical once
  normalised, or in one file family with ``similarity >= near_duplicate``.
* ``stale-copy``: a block that was identical in 2+ files when the baseline was
  written and now is not. Blocks are found again by ``(file, heading_path,
  kind)``; copies whose fingerprint differs from the baseline's are the
  *updated* ones, copies still equal to it are *stale*. When a section and a
  block inside it both qualify with the same files, only the innermost is
  reported. The change shown is a diff from a stale copy to an updated one.
* ``name-collision``: the pipeline's ``same-name-different-content`` finding.
* ``spelling-mix``: a file family in which one member spells a word the
  British way and another the American way (``analyzer.spelling.americanize``).
* ``max-duplicated-share``: the share of unit text duplicated across files is
  above ``max_duplicated_share`` and above the share recorded in the baseline
  (so an accepted share only fails when it grows).
* ``new-internal-restatement``: the pipeline's ``internal-restatement`` finding.
* ``front-matter``: no ``name`` or no ``description``, or front matter that YAML
  could not read (read by the tolerant reader, or with warnings).

**Identity.** A finding's id is a hash of what it is about: the policy, the
sorted files and the fingerprints or heading paths involved, never a count or
a percentage. A new duplicate therefore cannot hide behind a removed one: its
id was never accepted. The baseline stores the accepted ids, the duplicated
share, and a snapshot of identical multi-file block families (member file,
heading path, kind, fingerprint) that ``stale-copy`` compares against.

**Baseline file.** Diff-friendly JSON: sorted keys, one record per line, so a
review shows exactly which finding was accepted. Written atomically (a
temporary file, then ``os.replace``), so a killed write leaves the old one.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.models import KIND_FIELD, AgentFile, AnalysisResult, Block
from analyzer.settings import SettingsError
from analyzer.spelling import americanize

POLICIES = (
    "new-duplicate",
    "stale-copy",
    "name-collision",
    "spelling-mix",
    "max-duplicated-share",
    "new-internal-restatement",
    "front-matter",
)

POLICY_DESCRIPTIONS = {
    "new-duplicate": "A file is an exact or near copy of another file.",
    "stale-copy": "A block that was identical in several files was updated in some copies but not in others.",
    "name-collision": "Two files use the same front-matter name for different content.",
    "spelling-mix": "One file family mixes British and American spellings.",
    "max-duplicated-share": "The share of the library's text duplicated across files is above the threshold.",
    "new-internal-restatement": "Two sections of one file say the same thing.",
    "front-matter": "Front matter is missing name or description, or is not valid YAML.",
}

BASELINE_VERSION = 1


class ScanConfigError(SettingsError):
    """A ``[tool.agent-analyzer.scan]`` value is wrong; the message says how to fix it."""


class BaselineError(ValueError):
    """The baseline file exists but cannot be read as a baseline."""


@dataclass(frozen=True)
class ScanSettings:
    """Which policies run and their thresholds (``[tool.agent-analyzer.scan]``)."""

    policies: tuple[str, ...] = POLICIES
    near_duplicate: float = 0.9  # file similarity in [0.5, 1] that counts as a near copy
    max_duplicated_share: float = 0.5  # in [0, 1]
    stale_min_chars: int = 24  # shorter shared blocks are not tracked for stale-copy

    def validate(self) -> None:
        unknown = [p for p in self.policies if p not in POLICIES]
        if unknown:
            raise ScanConfigError(f"unknown scan policy(ies) {', '.join(unknown)}; choose from {', '.join(POLICIES)}")
        if not 0.5 <= self.near_duplicate <= 1.0:
            raise ScanConfigError(f"scan near-duplicate must be in [0.5, 1.0], got {self.near_duplicate}")
        if not 0.0 <= self.max_duplicated_share <= 1.0:
            raise ScanConfigError(f"scan max-duplicated-share must be in [0.0, 1.0], got {self.max_duplicated_share}")
        if not 1 <= self.stale_min_chars <= 100_000:
            raise ScanConfigError(f"scan stale-min-chars must be in [1, 100000], got {self.stale_min_chars}")


def scan_settings_from_config(config: dict[str, object]) -> ScanSettings:
    """ScanSettings from the ``scan`` table of the agent-analyzer config (keys may use - or _).

    ``disable = ["spelling-mix"]`` removes policies from the default list;
    ``policies = [...]`` names the exact list.
    """
    table = config.get("scan", {})
    if not isinstance(table, dict):
        raise ScanConfigError("[tool.agent-analyzer.scan] must be a table")
    values = {str(k).replace("-", "_"): v for k, v in table.items()}
    policies = tuple(values.pop("policies", POLICIES))
    disabled = set(values.pop("disable", ()))
    unknown_keys = sorted(set(values) - {"near_duplicate", "max_duplicated_share", "stale_min_chars"})
    if unknown_keys:
        raise ScanConfigError(f"unknown scan setting(s) {', '.join(unknown_keys)}; choose from policies, disable, "
                              "near-duplicate, max-duplicated-share, stale-min-chars")
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ScanConfigError(f"scan {key.replace('_', '-')} must be a number, got {value!r}")
    settings = ScanSettings(policies=tuple(p for p in policies if p not in disabled), **values)
    unknown_disabled = disabled - set(POLICIES)
    if unknown_disabled:
        raise ScanConfigError(f"unknown scan policy(ies) {', '.join(sorted(unknown_disabled))} in disable")
    settings.validate()
    return settings


@dataclass(frozen=True)
class Location:
    file: str
    start_line: int
    end_line: int


@dataclass(frozen=True)
class ScanFinding:
    """One policy violation; ``finding_id`` depends only on what it is about."""

    policy: str
    finding_id: str
    message: str
    files: tuple[str, ...]
    locations: tuple[Location, ...]
    details: tuple[tuple[str, str], ...] = ()
    level: str = "error"


@dataclass(frozen=True)
class Baseline:
    accepted: tuple[dict, ...] = ()  # {"id", "policy", "files"}
    duplicated_share: float | None = None
    block_families: tuple[dict, ...] = ()  # {"members": [[file, heading_path, kind, fingerprint], ...]}

    @property
    def accepted_ids(self) -> frozenset[str]:
        return frozenset(entry["id"] for entry in self.accepted)


@dataclass(frozen=True)
class ScanResult:
    findings: tuple[ScanFinding, ...]  # every finding, accepted or not, sorted
    new: tuple[ScanFinding, ...]  # findings not in the baseline: these fail the scan
    duplicated_share: float
    policies: tuple[str, ...]
    baseline_used: bool = False
    fixed: tuple[str, ...] = field(default=())  # accepted ids no longer found

    @property
    def failed(self) -> bool:
        return bool(self.new)


def finding_id(policy: str, files: tuple[str, ...] | list[str], *about: str) -> str:
    """A short stable id: hash of policy, sorted files and sorted fingerprints/paths."""
    key = "\x1f".join([policy, *sorted(files), "\x1e", *sorted(about)])
    return f"{policy}:{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}"


# --- the scan ---------------------------------------------------------------

def run_scan(result: AnalysisResult, *, settings: ScanSettings, baseline: Baseline | None = None) -> ScanResult:
    """Every enabled policy's findings, and which of them the baseline did not accept."""
    baseline = baseline or Baseline()
    share = duplicated_share(result)
    checks = {
        "new-duplicate": lambda: new_duplicates(result, settings.near_duplicate),
        "stale-copy": lambda: stale_copies(result, baseline),
        "name-collision": lambda: name_collisions(result),
        "spelling-mix": lambda: spelling_mixes(result),
        "max-duplicated-share": lambda: share_findings(share, settings.max_duplicated_share, baseline),
        "new-internal-restatement": lambda: restatements(result),
        "front-matter": lambda: front_matter_problems(result),
    }
    findings = sorted((f for policy in settings.policies for f in checks[policy]()),
                      key=lambda f: (f.policy, f.files, f.finding_id))
    accepted = baseline.accepted_ids
    new = tuple(f for f in findings if f.finding_id not in accepted)
    found_ids = {f.finding_id for f in findings}
    fixed = tuple(sorted(i for i in accepted if i not in found_ids))
    return ScanResult(tuple(findings), new, share, tuple(settings.policies),
                      baseline_used=bool(baseline.accepted or baseline.block_families), fixed=fixed)


def duplicated_share(result: AnalysisResult) -> float:
    """Characters of units whose block family spans 2+ files, over all unit characters."""
    multi_file = {m for bf in result.block_families if len(bf.files) > 1 for m in bf.members}
    total = sum(b.chars for f in result.files for b in f.units)
    duplicated = sum(b.chars for f in result.files for b in f.units if b.block_id in multi_file)
    return round(duplicated / total, 4) if total else 0.0


def _whole_file(agent_file: AgentFile) -> Location:
    return Location(agent_file.path, 1, max((b.end_line for b in agent_file.blocks), default=1))


def new_duplicates(result: AnalysisResult, near: float) -> list[ScanFinding]:
    files = {f.path: f for f in result.files}
    kinds: dict[tuple[str, str], str] = {}
    for finding in result.findings:
        if finding.kind in ("exact-duplicate", "normalized-duplicate"):
            label = "exact copies" if finding.kind == "exact-duplicate" else "copies (identical after normalisation)"
            for i, a in enumerate(finding.files):
                for b in finding.files[i + 1:]:
                    kinds.setdefault((a, b), label)
    family_of = {path: fam.family_id for fam in result.file_families for path in fam.members}
    for pair in result.file_pairs:
        same_family = family_of.get(pair.file_a) == family_of.get(pair.file_b)
        if same_family and pair.similarity >= near:
            key = tuple(sorted((pair.file_a, pair.file_b)))
            kinds.setdefault(key, f"near copies (similarity {pair.similarity:.2f})")
    findings = []
    for (a, b), label in sorted(kinds.items()):
        findings.append(ScanFinding(
            "new-duplicate", finding_id("new-duplicate", [a, b]),
            f"{a} and {b} are {label}", (a, b), (_whole_file(files[a]), _whole_file(files[b]))))
    return findings


def name_collisions(result: AnalysisResult) -> list[ScanFinding]:
    files = {f.path: f for f in result.files}
    findings = []
    for finding in result.findings:
        if finding.kind == "same-name-different-content":
            name = files[finding.files[0]].name
            locations = tuple(_field_location(files[p], "name") for p in finding.files)
            findings.append(ScanFinding("name-collision", finding_id("name-collision", finding.files, name.casefold()),
                                        finding.message, finding.files, locations, finding.details))
    return findings


def _field_location(agent_file: AgentFile, key: str) -> Location:
    for block in agent_file.blocks:
        if block.kind == KIND_FIELD and block.heading_path == f"front matter > {key}":
            return Location(agent_file.path, block.start_line, block.end_line)
    return Location(agent_file.path, 1, 1)


def restatements(result: AnalysisResult) -> list[ScanFinding]:
    blocks = {b.block_id: b for f in result.files for b in f.blocks}
    findings = []
    for finding in result.findings:
        if finding.kind != "internal-restatement":
            continue
        details = dict(finding.details)
        first, second = blocks[details["section_a"]], blocks[details["section_b"]]
        findings.append(ScanFinding(
            "new-internal-restatement",
            finding_id("new-internal-restatement", finding.files, first.heading_path, second.heading_path),
            finding.message, finding.files,
            tuple(Location(b.file, b.start_line, b.end_line) for b in (first, second)), finding.details))
    return findings


def front_matter_problems(result: AnalysisResult) -> list[ScanFinding]:
    findings = []
    for agent_file in result.files:
        keys = {key for key, _ in agent_file.fields}
        problems = [f"no '{key}' field" for key in ("name", "description") if key not in keys]
        if agent_file.fm_method == "tolerant":
            problems.append("front matter is not valid YAML (read as plain key: value lines)")
        problems += [w for w in agent_file.warnings if "front matter" in w.lower() or "yaml" in w.lower()]
        for problem in problems:
            findings.append(ScanFinding(
                "front-matter", finding_id("front-matter", [agent_file.path], problem),
                f"{agent_file.path}: {problem}", (agent_file.path,), (Location(agent_file.path, 1, 1),)))
    return findings


def share_findings(share: float, threshold: float, baseline: Baseline) -> list[ScanFinding]:
    """The share above the limit, identified by its value: a share no higher than the baseline's keeps
    the baseline's finding (accepted, not "no longer found"); a higher one is a new finding."""
    accepted = baseline.duplicated_share
    if share <= threshold:
        return []
    if accepted is not None and share <= accepted:
        return [ScanFinding("max-duplicated-share", finding_id("max-duplicated-share", [], f"{accepted:.4f}"),
                            f"{share * 100:.1f}% of unit text is duplicated across files, above the limit of "
                            f"{threshold * 100:.1f}% but not above the baseline's {accepted * 100:.1f}%",
                            (), (), (("duplicated_share", f"{share:.4f}"),))]
    grown = f", up from {accepted * 100:.1f}% in the baseline" if accepted is not None else ""
    return [ScanFinding("max-duplicated-share", finding_id("max-duplicated-share", [], f"{share:.4f}"),
                        f"{share * 100:.1f}% of unit text is duplicated across files, above the limit of "
                        f"{threshold * 100:.1f}%{grown}", (), (), (("duplicated_share", f"{share:.4f}"),))]


# --- spelling-mix -------------------------------------------------------------

def spelling_mixes(result: AnalysisResult) -> list[ScanFinding]:
    files = {f.path: f for f in result.files}
    findings = []
    for family in result.file_families:
        if len(family.members) < 2:
            continue
        texts = {path: "\n".join(b.text for b in files[path].units) for path in family.members}
        british: dict[str, set[str]] = defaultdict(set)  # american form -> files spelling it British
        pairs: dict[str, str] = {}
        for path, text in texts.items():
            for change in americanize(text)[1]:
                british[change.american].add(path)
                pairs[change.american] = change.british
        mixed = []
        for american, british_files in sorted(british.items()):
            pattern = re.compile(rf"(?<!\w){re.escape(american)}(?!\w)", re.IGNORECASE)
            american_files = {p for p, t in texts.items() if pattern.search(t)}
            if american_files:
                mixed.append((pairs[american], american, british_files, american_files))
        if mixed:
            words = [f"{b}/{a}" for b, a, _, _ in mixed]
            involved = sorted(set().union(*(bf | af for _, _, bf, af in mixed)))
            shown = "; ".join(f"'{b}' in {', '.join(sorted(bf))} but '{a}' in {', '.join(sorted(af))}"
                              for b, a, bf, af in mixed[:5])
            findings.append(ScanFinding(
                "spelling-mix", finding_id("spelling-mix", involved, *words),
                f"file family {family.family_id} mixes British and American spellings: {shown}",
                tuple(involved), tuple(_whole_file(files[p]) for p in involved),
                (("words", " ".join(words)),), level="warning"))
    return findings


# --- stale-copy -------------------------------------------------------------

def _key(block: Block) -> tuple[str, str, str]:
    return (block.file, block.heading_path, "unit" if block.is_unit else block.kind)


def _unique_blocks(result: AnalysisResult) -> dict[tuple[str, str, str], Block]:
    """Blocks that ``(file, heading_path, kind)`` names unambiguously."""
    seen: dict[tuple[str, str, str], list[Block]] = defaultdict(list)
    for agent_file in result.files:
        for block in agent_file.blocks:
            seen[_key(block)].append(block)
    return {key: blocks[0] for key, blocks in seen.items() if len(blocks) == 1}


def block_family_snapshot(result: AnalysisResult, *, min_chars: int = 24) -> tuple[dict, ...]:
    """Identical multi-file block families that stale-copy can find again, for the baseline."""
    unique = _unique_blocks(result)
    blocks = {b.block_id: b for f in result.files for b in f.blocks}
    snapshot = []
    for family in result.block_families:
        members = [blocks[m] for m in family.members]
        if (len(family.files) < 2 or members[0].kind == KIND_FIELD
                or len({b.fingerprint for b in members}) != 1 or members[0].chars < min_chars):
            continue
        tracked = [b for b in members if unique.get(_key(b)) is b]
        if len({b.file for b in tracked}) >= 2:
            rows = sorted([b.file, b.heading_path, _key(b)[2], b.fingerprint] for b in tracked)
            snapshot.append({"members": rows})
    return tuple(sorted(snapshot, key=lambda s: s["members"]))


@dataclass(frozen=True)
class _StaleCandidate:
    updated: tuple[Block, ...]
    stale: tuple[Block, ...]
    old_fingerprint: str

    @property
    def files(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return tuple(b.file for b in self.updated), tuple(b.file for b in self.stale)

    def contains(self, other: "_StaleCandidate") -> bool:
        """True when ``other`` lies inside this candidate in every copy (and is not the same blocks)."""
        if self.files != other.files or self.updated + self.stale == other.updated + other.stale:
            return False
        for mine, theirs in zip(self.updated + self.stale, other.updated + other.stale):
            if not (mine.start_line <= theirs.start_line and theirs.end_line <= mine.end_line):
                return False
            if (mine.start_line, mine.end_line) == (theirs.start_line, theirs.end_line) and mine.is_unit:
                return False  # same span: keep the unit (the preamble and its only paragraph)
        return True


def stale_copies(result: AnalysisResult, baseline: Baseline) -> list[ScanFinding]:
    unique = _unique_blocks(result)
    candidates = []
    for family in baseline.block_families:
        members = family.get("members", [])
        old = {row[3] for row in members}
        if len(old) != 1:
            continue
        old_fingerprint = old.pop()
        present = [unique[key] for key in (tuple(row[:3]) for row in members) if key in unique]
        if len({b.fingerprint for b in present}) < 2:
            continue
        updated = tuple(b for b in present if b.fingerprint != old_fingerprint)
        stale = tuple(b for b in present if b.fingerprint == old_fingerprint)
        if updated and stale:
            candidates.append(_StaleCandidate(updated, stale, old_fingerprint))
    innermost = [c for c in candidates if not any(c.contains(other) for other in candidates)]
    return [_stale_finding(c) for c in innermost]


def _stale_finding(candidate: _StaleCandidate) -> ScanFinding:
    updated_files, stale_files = candidate.files
    first_updated, first_stale = candidate.updated[0], candidate.stale[0]
    change = "".join(difflib.unified_diff(
        [line + "\n" for line in first_stale.text.splitlines()],
        [line + "\n" for line in first_updated.text.splitlines()],
        fromfile=f"{first_stale.file} (stale)", tofile=f"{first_updated.file} (updated)", n=1))
    blocks = candidate.updated + candidate.stale
    return ScanFinding(
        "stale-copy",
        finding_id("stale-copy", list(updated_files + stale_files), candidate.old_fingerprint,
                   *{b.fingerprint for b in candidate.updated}),
        f"'{first_updated.heading_path}' was identical in {len(blocks)} files; it was updated in "
        f"{', '.join(updated_files)} but not in {', '.join(stale_files)}",
        tuple(sorted(updated_files + stale_files)),
        tuple(Location(b.file, b.start_line, b.end_line) for b in blocks),
        (("updated", " ".join(updated_files)), ("stale", " ".join(stale_files)),
         ("heading_path", first_updated.heading_path), ("change", change)),
    )


# --- the baseline file --------------------------------------------------------

def baseline_from(result: AnalysisResult, scan: ScanResult, *, settings: ScanSettings) -> Baseline:
    """The baseline that accepts every current finding and snapshots the shared blocks."""
    accepted = tuple({"id": f.finding_id, "policy": f.policy, "files": list(f.files)} for f in scan.findings)
    return Baseline(accepted=tuple(sorted(accepted, key=lambda e: (e["policy"], e["id"]))),
                    duplicated_share=scan.duplicated_share,
                    block_families=block_family_snapshot(result, min_chars=settings.stale_min_chars))


def baseline_text(baseline: Baseline) -> str:
    """Sorted keys, one accepted finding or block family per line: small diffs in review."""
    def lines(items: tuple[dict, ...]) -> str:
        if not items:
            return "[]"
        rows = ",\n".join("    " + json.dumps(item, sort_keys=True, ensure_ascii=False) for item in items)
        return "[\n" + rows + "\n  ]"

    share = json.dumps(baseline.duplicated_share)
    return (f'{{\n  "accepted": {lines(baseline.accepted)},\n'
            f'  "block_families": {lines(baseline.block_families)},\n'
            f'  "duplicated_share": {share},\n'
            f'  "tool": "agent-analyzer",\n'
            f'  "version": {BASELINE_VERSION}\n}}\n')


def parse_baseline(text: str, *, source: str = "baseline") -> Baseline:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BaselineError(f"{source}: not valid JSON ({error}); rewrite it with scan --update-baseline") from error
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise BaselineError(f"{source}: not an agent-analyzer baseline version {BASELINE_VERSION}; "
                            "rewrite it with scan --update-baseline")
    accepted = data.get("accepted", [])
    families = data.get("block_families", [])
    if not all(isinstance(e, dict) and isinstance(e.get("id"), str) for e in accepted):
        raise BaselineError(f"{source}: every accepted finding needs an 'id'")
    if not all(isinstance(f, dict) and all(isinstance(r, list) and len(r) == 4 for r in f.get("members", []))
               for f in families):
        raise BaselineError(f"{source}: block_families members must be [file, heading_path, kind, fingerprint]")
    return Baseline(tuple(accepted), data.get("duplicated_share"), tuple(families))


def read_baseline(path: Path) -> Baseline | None:
    """The baseline at ``path``, or None when there is none yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"{path}: cannot read the baseline ({error})") from error
    return parse_baseline(text, source=str(path))


def write_baseline(path: Path, baseline: Baseline) -> None:
    """Atomically replace ``path`` (temporary file in the same folder, then ``os.replace``)."""
    from analyzer.report.files import atomic_write_text

    atomic_write_text(path, baseline_text(baseline))
