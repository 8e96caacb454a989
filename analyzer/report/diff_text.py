"""Render a ``FileDiff`` for the terminal (text) or as data (``--json``).

Both renderers read only the ``FileDiff``; the text one shows what a reader
needs first: front-matter changes, the title, then every section that
changed with its classes, real edits word by word (``[-removed-]{+added+}``,
or red and green when colour is on), runs of inserted or deleted units named
by their first line, and at the end the cosmetic differences added up
(``spelling (British in B): optimisation→optimization ×6``) instead of shown
line by line. Colour is plain ANSI and only used when asked for (the CLI asks
when stdout is a terminal and ``NO_COLOR`` is unset).
"""

from __future__ import annotations

import json

from analyzer.classify import Classification
from analyzer.diff import FieldDiff, FileDiff, SectionDiff, UnitDiff

_RED, _GREEN, _BOLD, _DIM, _RESET = "\x1b[31m", "\x1b[32m", "\x1b[1m", "\x1b[2m", "\x1b[0m"
CONTEXT_WORDS = 6  # words of unchanged text kept on each side of a change
PREVIEW_CHARS = 90
SHORT_RUN = 3  # runs of inserted/deleted units up to this long are listed unit by unit


# --- data ---------------------------------------------------------------------------

def diff_as_data(diff: FileDiff) -> dict:
    """The diff as plain data; lists keep reading order, everything unordered is sorted."""
    return {
        "file_a": diff.file_a,
        "file_b": diff.file_b,
        "rules": sorted(diff.rules),
        "classes": list(diff.classes),
        "title": {"a": diff.title_a, "b": diff.title_b},
        "front_matter": [_field_data(f) for f in diff.fields],
        "sections": [_section_data(s) for s in diff.sections],
        "real_edits": [{"section": s.path, "line_a": u.line_a, "line_b": u.line_b,
                        **_classification_data(u.classification)} for s, u in diff.real_edits],
        "cosmetic": {
            "spelling": [{"british": p.british, "american": p.american, "count": p.count,
                          "british_in": p.british_in} for p in diff.spelling],
            "placeholders": [{"slot": p.slot, "value": p.value, "slot_in": p.slot_in} for p in diff.placeholders],
            "units_by_class": dict(diff.cosmetic_units),
        },
    }


def diff_json(diff: FileDiff) -> str:
    return json.dumps(diff_as_data(diff), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _classification_data(classification: Classification | None) -> dict:
    if classification is None:
        return {"classes": [], "edits": [], "details": ""}
    return {
        "classes": list(classification.classes),
        "edits": [{"removed": e.removed, "added": e.added} for e in classification.edits],
        "details": classification.details(),
    }


def _field_data(diff: FieldDiff) -> dict:
    return {"key": diff.key, "status": diff.status, "value_a": diff.value_a, "value_b": diff.value_b,
            **_classification_data(diff.classification)}


def _section_data(section: SectionDiff) -> dict:
    return {
        "status": section.status, "path_a": section.path_a, "path_b": section.path_b,
        "line_a": section.line_a, "line_b": section.line_b, "classes": list(section.classes),
        "identical_units": section.identical_units,
        "units": [_unit_data(u) for u in section.units],
    }


def _unit_data(unit: UnitDiff) -> dict:
    return {"status": unit.status, "kind": unit.kind, "line_a": unit.line_a, "line_b": unit.line_b,
            "text_a": unit.text_a, "text_b": unit.text_b, "moved_from": unit.moved_from,
            **_classification_data(unit.classification)}


# --- text ---------------------------------------------------------------------------

class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def wrap(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.color and text else text

    def removed(self, text: str) -> str:
        return self.wrap(_RED, text) if self.color else f"[-{text}-]"

    def added(self, text: str) -> str:
        return self.wrap(_GREEN, text) if self.color else f"{{+{text}+}}"


def render_diff_text(diff: FileDiff, *, color: bool = False) -> str:
    """The diff as terminal text (ANSI colour only when ``color``)."""
    style = _Style(color)
    lines = [style.wrap(_BOLD, "agent-analyzer diff"),
             f"  A: {diff.file_a}", f"  B: {diff.file_b}",
             f"  classes: {', '.join(diff.classes)}"]
    lines += _front_matter_lines(diff, style)
    lines += _title_lines(diff, style)
    lines += _section_lines(diff, style)
    lines += _cosmetic_lines(diff)
    return "\n".join(lines) + "\n"


def _front_matter_lines(diff: FileDiff, style: _Style) -> list[str]:
    changed = [f for f in diff.fields if f.status != "same"]
    same = len(diff.fields) - len(changed)
    if not diff.fields:
        return []
    lines = ["", style.wrap(_BOLD, f"front matter ({same} same, {len(changed)} different)")]
    for field_diff in changed:
        if field_diff.status == "only-a":
            lines.append(f"  - {field_diff.key}: only in A: {_preview(field_diff.value_a)}")
        elif field_diff.status == "only-b":
            lines.append(f"  + {field_diff.key}: only in B: {_preview(field_diff.value_b)}")
        else:
            classification = field_diff.classification
            classes = ", ".join(classification.classes) if classification else ""
            if len(field_diff.value_a) + len(field_diff.value_b) <= 2 * PREVIEW_CHARS:
                lines.append(f"  ~ {field_diff.key} [{classes}]: "
                             f"{style.removed(field_diff.value_a)} → {style.added(field_diff.value_b)}")
            elif classification is not None and "rewritten" in classification.classes:
                lines += [f"  ~ {field_diff.key} [{classes}]:",
                          f"      A: {style.removed(_preview(field_diff.value_a))}",
                          f"      B: {style.added(_preview(field_diff.value_b))}"]
            else:
                lines.append(f"  ~ {field_diff.key} [{classes}]: {_word_diff(classification, style)}")
    return lines


def _title_lines(diff: FileDiff, style: _Style) -> list[str]:
    if diff.title_a == diff.title_b:
        return []
    lines = ["", style.wrap(_BOLD, "title")]
    if diff.title_a and diff.title_b:
        lines.append(f"  ~ renamed: # {style.removed(diff.title_a)} → # {style.added(diff.title_b)}")
    elif diff.title_a:
        lines.append(f"  - only in A: # {diff.title_a}")
    else:
        lines.append(f"  + only in B: # {diff.title_b}")
    return lines


def _section_lines(diff: FileDiff, style: _Style) -> list[str]:
    matched = [s for s in diff.sections if s.status == "matched"]
    identical = sum(1 for s in matched if s.classes == ("identical",))
    cosmetic = sum(1 for s in matched if s.classes != ("identical",) and not _worth_showing(s))
    one_sided = [s for s in diff.sections if s.status != "matched"]
    lines = ["", style.wrap(_BOLD, f"sections ({len(matched)} matched: {identical} identical, "
                                   f"{cosmetic} with cosmetic differences only; "
                                   f"{sum(1 for s in one_sided if s.status == 'only-a')} only in A, "
                                   f"{sum(1 for s in one_sided if s.status == 'only-b')} only in B)")]
    open_paths: list[str] = []
    for section in diff.sections:
        if section.status == "matched":
            open_paths = []
            if _worth_showing(section):
                lines += _matched_section_lines(section, style)
            continue
        while open_paths and not section.path.startswith(open_paths[-1] + " > "):
            open_paths.pop()
        indent = "  " * (1 + len(open_paths))
        sign, side = ("-", "A") if section.status == "only-a" else ("+", "B")
        heading = section.path.split(" > ")[-1] if open_paths else section.path
        line = section.line_a or section.line_b
        count = f", {len(section.units)} units" if section.units else ""
        lines.append(f"{indent}{sign} {heading}  (only in {side}, line {line}{count})")
        open_paths.append(section.path)
    return lines


def _worth_showing(section: SectionDiff) -> bool:
    return bool({"heading-renamed", "moved", "edited", "extended", "truncated", "rewritten"} & set(section.classes))


def _matched_section_lines(section: SectionDiff, style: _Style) -> list[str]:
    name = section.path or "(top of file)"
    if section.path_a != section.path_b:
        name = f"{section.path_a or '(top of file)'} → {section.path_b or '(top of file)'}"
    lines = [f"  ~ {name}  [{', '.join(section.classes)}]"]
    run: list[UnitDiff] = []
    for unit in (*section.units, None):
        if unit is not None and run and unit.status == run[-1].status and unit.status in ("only-a", "only-b"):
            run.append(unit)
            continue
        if run:
            lines += [_run_line([u]) for u in run] if len(run) <= SHORT_RUN else [_run_line(run)]
        run = []
        if unit is None:
            break
        if unit.status in ("only-a", "only-b"):
            run = [unit]
        elif unit.status == "moved":
            lines.append(f"      ↷ moved from {unit.moved_from or '(top of file)'} "
                         f"(line {unit.line_a} → {unit.line_b}): {_preview(unit.text_b)}")
        elif unit.classification is not None and unit.classification.is_real_edit:
            classes = ", ".join(unit.classification.classes)
            lines.append(f"      ~ line {unit.line_a} → {unit.line_b} ({unit.kind}, {classes}): "
                         f"{_word_diff(unit.classification, style)}")
    return lines


def _run_line(run: list[UnitDiff]) -> str:
    only_a = run[0].status == "only-a"
    first, last = (run[0].line_a, run[-1].line_a) if only_a else (run[0].line_b, run[-1].line_b)
    where = f"line {first}" if first == last else f"lines {first}-{last}"
    sign, side = ("-", "A") if only_a else ("+", "B")
    text = run[0].text_a if only_a else run[0].text_b
    count = f", {len(run)} units" if len(run) > 1 else f", {run[0].kind}"
    return f"      {sign} only in {side} ({where}{count}): \"{_preview(text)}\"{' …' if len(run) > 1 else ''}"


def _word_diff(classification: Classification | None, style: _Style) -> str:
    """Segments end to end: unchanged context trimmed, cosmetic ones as B has them, edits marked."""
    if classification is None:
        return ""
    segments = classification.segments
    pieces: list[str] = []
    for index, segment in enumerate(segments):
        if segment.kind == "same":
            pieces.append(_trim_context(segment.b, index, len(segments)))
        elif segment.kind == "cosmetic":
            pieces.append(segment.b)
        else:
            text = segment.a if segment.kind == "removed" else segment.b
            lead = " " if text.startswith(" ") else ""
            marked = style.removed(text.strip()) if segment.kind == "removed" else style.added(text.strip())
            pieces.append(lead + marked)
    return "".join(pieces).strip()


def _trim_context(text: str, index: int, count: int) -> str:
    """Keep ``CONTEXT_WORDS`` words next to the changes around ``text``, an ellipsis for the rest."""
    lead = " " if text.startswith(" ") else ""
    words = text.split()
    if len(words) <= 2 * CONTEXT_WORDS + 1:
        return text
    head = words[:CONTEXT_WORDS] if index > 0 else []  # a change precedes: keep the head
    tail = words[-CONTEXT_WORDS:] if index < count - 1 else []  # a change follows: keep the tail
    return lead + " ".join([*head, "…", *tail])


def _cosmetic_lines(diff: FileDiff) -> list[str]:
    lines = ["", "cosmetic differences (counted, not shown line by line)"]
    if diff.spelling:
        for side in ("a", "b"):
            pairs = sorted((p for p in diff.spelling if p.british_in == side), key=lambda p: (-p.count, p.british))
            if pairs:
                listed = ", ".join(f"{p.british}→{p.american} ×{p.count}" for p in pairs)
                lines.append(f"  spelling (British in {side.upper()}): {listed}")
    if diff.placeholders:
        listed = ", ".join(f"{p.slot} ({p.slot_in.upper()}) = {p.value}" for p in diff.placeholders)
        lines.append(f"  placeholder: {listed}")
    others = [(name, count) for name, count in diff.cosmetic_units if name != "spelling"]
    for name, count in others:
        lines.append(f"  {name}: {count} block{'s' if count != 1 else ''}")
    if len(lines) == 2:
        lines.append("  none")
    return lines


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[:PREVIEW_CHARS - 1] + "…"
