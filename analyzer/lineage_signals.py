"""Direction signals for one lineage edge that do not come from containment.

Containment and length say which file holds more of the other. Edges whose
change is cosmetic (spelling, placeholders, line endings, a renamed heading)
leave both at zero, so ``lineage.edge_evidence`` adds the asymmetric signals
below, each a signed score for "parent → child" in [-1, 1]:

* **Placeholders.** Concrete values turned into ``{{PLACEHOLDER}}`` slots
  usually mean a file was made into a template of another one, so the file
  with more distinct slots is more likely the child (filling a template in is
  the rarer way round). Score: the difference of distinct slot counts, capped.
* **Mixed spelling.** Converting spelling (by hand or by tool) is rarely
  complete, and pasting text from elsewhere brings its spelling along, so the
  file whose lexicon words mix British and American forms is usually the
  edited one. The direction of the conversion itself is not used: British to
  American is as likely as the reverse. Score: the child's minority share
  minus the parent's (share of the less used spelling among lexicon words).
* **New vocabulary.** When a passage inside a section both files keep was
  rewritten (units the other file lacks, under a top-level heading both
  have), the older wording was written with the rest of the file and shares
  its words, while the newer one brings words the common text does not use
  (a new idea, a sentence pasted from elsewhere). Score: the share of the
  parent's own content words found in the common text minus the child's, in
  [-1, 1]. Whole sections only one side has are left out: a section a
  template adds restates the file in its own words, while the section the
  other side lacks may itself be a late paste, so there the vocabulary does
  not tell the order (measured on both lineage benchmarks and the seeds:
  with whole sections in, synthetic edges gain but the seeds' template is
  read as the original). Nothing to compare for a pure addition or removal.
* **Written markers of time.** When both files carry one, a ``version``
  (front-matter field, or "Version: 1.2" / "version 0.2" in the text), the
  latest ISO date written in the text ("Last updated 2024-05-01", a
  ``lastUpdated`` field, a changelog line) or a ``name`` that extends the
  other's ("reviewer" → "reviewer-v2", "-custom", "-lite") say which file is
  newer directly, whatever was added or removed: a later version, a later
  date, a qualified name is the child. These are what the author wrote about
  the order, so they outweigh containment (a child that dropped a section
  but bumped its version is still the child). Score: +1, -1 or 0 each.

Each file is summarised once (``file_signals``); the ``*_signal`` functions
compare two summaries, so a family of n files costs n scans, not one per edge
(``novelty_signal`` compares the two files' units, one set operation per edge).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analyzer.models import KIND_CODE, KIND_SECTION, AgentFile
from analyzer.normalize import PLACEHOLDER
from analyzer.spelling import AMERICAN_FORMS, americanize

_CODE_FENCE = re.compile(r"```.*?```", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_WORD = re.compile(r"[A-Za-z]+")
_SLOT_CAP = 3  # distinct slots beyond this add nothing: one templating step is one event
_CONTENT_WORD = re.compile(r"[a-z][a-z0-9_-]{4,}")  # in normalised (lower-case) unit text
_NOVELTY_MIN_WORDS = 15  # own text shorter than this says nothing about its vocabulary
_ISO_DATE = re.compile(r"(?<![\d-])(20\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?![\d-])")
_VERSION_IN_TEXT = re.compile(r"\bversion\b[*_:\s]{0,6}v?(\d+(?:\.\d+){1,2})\b", re.IGNORECASE)
_VERSION_VALUE = re.compile(r"v?(\d+(?:\.\d+){0,2})")


@dataclass(frozen=True)
class FileSignals:
    """What the direction signals need to know about one file."""

    slots: frozenset[str]  # distinct placeholders in units and headings
    british_words: tuple[tuple[str, int], ...]  # (British form, count) outside code, sorted
    american: int  # lexicon words in American form outside code
    version: tuple[int, ...] = ()  # highest version the file states, () when none
    latest_date: str = ""  # latest ISO date (YYYY-MM-DD) written in the file, "" when none
    name: str = ""  # front-matter name

    @property
    def british(self) -> int:
        return sum(count for _, count in self.british_words)


def file_signals(agent_file: AgentFile) -> FileSignals:
    """Placeholders and spelling counts of ``agent_file`` (code fences and inline code left out)."""
    units = agent_file.units
    headings = "\n".join(b.heading for b in agent_file.blocks if b.kind == KIND_SECTION)
    slots = frozenset(PLACEHOLDER.findall("\n".join(b.text for b in units) + "\n" + headings))
    # code blocks are left out by kind; the pattern catches fences nested inside list items
    text = _CODE_FENCE.sub("", "\n".join(b.text for b in units if b.kind != KIND_CODE))
    british = tuple(sorted((change.british, change.count) for change in americanize(text)[1]))
    american = sum(map(AMERICAN_FORMS.__contains__, _WORD.findall(_INLINE_CODE.sub(" ", text).lower())))
    return FileSignals(slots, british, american, stated_version(agent_file), latest_date(agent_file),
                       agent_file.name.strip())


def stated_version(agent_file: AgentFile) -> tuple[int, ...]:
    """The highest version the file states: a ``version`` field or "Version: 1.2" in the text; () when none.

    Versions compare part by part as numbers, so "1.10" is later than "1.9"
    (unquoted, YAML reads ``version: 1.10`` as the number 1.1 before we see it).
    """
    found = []
    for key, value in agent_file.fields:
        match = _VERSION_VALUE.fullmatch(value.strip().strip("'\"")) if key.lower() == "version" else None
        if match:
            found.append(tuple(int(part) for part in match.group(1).split(".")))
    text = "\n".join(b.text for b in agent_file.units)
    found.extend(tuple(int(part) for part in m.group(1).split(".")) for m in _VERSION_IN_TEXT.finditer(text))
    return max(found, default=())


def latest_date(agent_file: AgentFile) -> str:
    """The latest ISO date (YYYY-MM-DD) written in the front matter or the text, "" when none."""
    text = "\n".join(value for _, value in agent_file.fields) + "\n" + "\n".join(b.text for b in agent_file.units)
    return max(("-".join(match) for match in _ISO_DATE.findall(text)), default="")


def mixed_share(signals: FileSignals) -> float:
    """Share of the less used spelling among the file's lexicon words: 0 consistent, 0.5 evenly mixed."""
    total = signals.british + signals.american
    return min(signals.british, signals.american) / total if total else 0.0


def placeholder_signal(parent: FileSignals, child: FileSignals) -> float:
    """+1 when the child introduced slots the parent lacks, -1 the reverse, scaled by how many (capped)."""
    introduced, filled = len(child.slots - parent.slots), len(parent.slots - child.slots)
    return max(-1.0, min(1.0, (min(introduced, _SLOT_CAP) - min(filled, _SLOT_CAP)) / _SLOT_CAP))


def spelling_signal(parent: FileSignals, child: FileSignals) -> float:
    """Positive when the child's spelling is more mixed than the parent's (the edited file is the mixed one)."""
    return 2.0 * (mixed_share(child) - mixed_share(parent))


def marker_signal(parent: FileSignals, child: FileSignals) -> float:
    """Written markers of time, summed: later version, later date, extended name on the child's side (each ±1)."""
    score = 0.0
    if parent.version and child.version and parent.version != child.version:
        score += 1.0 if child.version > parent.version else -1.0
    if parent.latest_date and child.latest_date and parent.latest_date != child.latest_date:
        score += 1.0 if child.latest_date > parent.latest_date else -1.0
    score += name_extension(parent.name, child.name)
    return score


def name_extension(parent_name: str, child_name: str) -> float:
    """+1 when the child's name is the parent's plus a qualifier ("reviewer" → "reviewer-v2"), -1 the reverse."""
    if not parent_name or not child_name or parent_name == child_name:
        return 0.0
    if child_name.startswith(parent_name) and not child_name[len(parent_name)].isalnum():
        return 1.0
    if parent_name.startswith(child_name) and not parent_name[len(child_name)].isalnum():
        return -1.0
    return 0.0


def own_text_shares(parent: AgentFile, child: AgentFile) -> tuple[float, float] | None:
    """(parent, child): the share of each file's own content words that the text both files share also uses.

    A file's own text is its units the other file lacks, under top-level
    headings both files have (front-matter fields left out): the wording one
    side replaced inside a section both kept. Whole sections only one side
    has are left out; they may be additions made at different times on either
    side (a template's restatement of the role on one, a research section
    pasted into the other), and their vocabulary does not say which came
    first. Content words have 5+ letters. None unless both files have
    ``_NOVELTY_MIN_WORDS`` such words and share some text.
    """
    def top(block) -> str:
        return block.heading_path.split(" > ")[0]

    old = {b.fingerprint: b for b in parent.units if b.kind != "field"}
    new = {b.fingerprint: b for b in child.units if b.kind != "field"}
    kept = {top(b) for b in old.values()} & {top(b) for b in new.values()}
    common = {word for key in old.keys() & new.keys() for word in _CONTENT_WORD.findall(old[key].norm)}
    parent_own = [word for key, b in old.items() if key not in new and top(b) in kept
                  for word in _CONTENT_WORD.findall(b.norm)]
    child_own = [word for key, b in new.items() if key not in old and top(b) in kept
                 for word in _CONTENT_WORD.findall(b.norm)]
    if not common or min(len(parent_own), len(child_own)) < _NOVELTY_MIN_WORDS:
        return None
    return (sum(map(common.__contains__, parent_own)) / len(parent_own),
            sum(map(common.__contains__, child_own)) / len(child_own))


def novelty_signal(parent: AgentFile, child: AgentFile) -> float:
    """Positive when the child's own text is newer in vocabulary than the parent's (see ``own_text_shares``)."""
    shares = own_text_shares(parent, child)
    return shares[0] - shares[1] if shares else 0.0
