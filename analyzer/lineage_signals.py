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

Each file is summarised once (``file_signals``); ``signal_evidence`` compares
two summaries, so a family of n files costs n spelling scans, not one per edge.
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


@dataclass(frozen=True)
class FileSignals:
    """What the direction signals need to know about one file."""

    slots: frozenset[str]  # distinct placeholders in units and headings
    british_words: tuple[tuple[str, int], ...]  # (British form, count) outside code, sorted
    american: int  # lexicon words in American form outside code

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
    return FileSignals(slots, british, american)


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
