"""Synthetic agent-file families with known edit trees, grown from real files.

Used by ``lineage_synthetic.py`` (and meant for a scale benchmark that grows a
corpus to tens of thousands of files). Everything is driven by one
``random.Random`` so a seed gives the same corpus every time.

Pieces:

* ``Doc``: a light Markdown model (front-matter fields, preamble, top-level
  sections) that parses a real file and serialises it back; line endings are
  a flag, the text inside is LF.
* mutation operators ``op_*(doc, rng, donors) -> label | None``: each edits a
  ``Doc`` in place and returns a label naming what it did (``None`` when it
  does not apply to this document, e.g. no section to drop). ``OPERATORS``
  lists them; ``mutate`` applies 1-3 of them.
* ``pick_unrelated``: real files from ``corpus-public`` that share no text
  with one another (the corpus holds many forks, which would make the truth
  wrong), via a word 5-gram inverted index.
* ``build_corpus``: originals grown into families (chain, star or mixed
  trees; some with the original removed), plus unrelated distractors that
  carry house boilerplate sections, shuffled under neutral names, with the
  truth (``{file: {family, parent}}``) and the operators of every true edge.
"""

from __future__ import annotations

import csv
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.normalize import PLACEHOLDER
from analyzer.spelling import americanize

# --- Markdown model -----------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})\s+\S")
_FENCE = re.compile(r"^\s*(```|~~~)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


@dataclass
class Doc:
    """front: list of [key, raw lines] (None: no front matter); sections: raw texts starting with a heading."""

    front: list[list] | None
    preamble: str
    sections: list[str]
    level: int
    crlf: bool = False

    def copy(self) -> Doc:
        front = None if self.front is None else [[k, list(lines)] for k, lines in self.front]
        return Doc(front, self.preamble, list(self.sections), self.level, self.crlf)

    def body(self) -> str:
        parts = [p.strip("\n") for p in [self.preamble, *self.sections] if p.strip()]
        return "\n\n".join(parts) + "\n"

    def set_body(self, text: str) -> None:
        other = parse_body(text, self.level)
        self.preamble, self.sections = other.preamble, other.sections

    def text(self) -> str:
        out = ""
        if self.front is not None:
            out = "---\n" + "".join(line + "\n" for _, lines in self.front for line in lines) + "---\n\n"
        out += self.body()
        return out.replace("\n", "\r\n") if self.crlf else out


def _headings(lines: list[str]) -> list[tuple[int, int]]:
    """(line index, level) of every heading outside code fences."""
    found, fence = [], None
    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if m:
            fence = None if fence == m.group(1) else (fence or m.group(1))
            continue
        if fence is None:
            h = _HEADING.match(line)
            if h:
                found.append((i, len(h.group(1))))
    return found


def parse_body(text: str, level: int | None = None) -> Doc:
    lines = text.split("\n")
    heads = _headings(lines)
    if level is None:
        counts = defaultdict(int)
        for _, lv in heads:
            counts[lv] += 1
        multi = sorted(lv for lv, n in counts.items() if n >= 2)
        level = multi[0] if multi else 2
    cuts = [i for i, lv in heads if lv == level]
    if not cuts:
        return Doc(None, text, [], level)
    preamble = "\n".join(lines[:cuts[0]])
    sections = ["\n".join(lines[a:b]) for a, b in zip(cuts, cuts[1:] + [len(lines)])]
    return Doc(None, preamble, sections, level)


def parse(raw: str) -> Doc:
    crlf = "\r\n" in raw
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    front = None
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            front = []
            for line in text[4:end].split("\n"):
                if front and (not line or line[0] in " \t-"):
                    front[-1][1].append(line)
                else:
                    key = line.split(":", 1)[0].strip() if ":" in line else line
                    front.append([key, [line]])
            text = text[end + 4:].lstrip("\n")
    doc = parse_body(text)
    doc.front, doc.crlf = front, crlf
    return doc


def _split_fenced(text: str) -> list[tuple[bool, str]]:
    """(is_code, chunk) pieces of ``text``: fenced blocks are code, the rest prose."""
    out, buf, fence, code = [], [], None, False
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if m and fence is None:
            if buf:
                out.append((False, "\n".join(buf)))
            buf, fence = [line], m.group(1)
            continue
        buf.append(line)
        if m and fence == m.group(1):
            out.append((True, "\n".join(buf)))
            buf, fence = [], None
    if buf:
        out.append((fence is not None, "\n".join(buf)))
    return out


def _map_prose(text: str, fn) -> str:
    """Apply ``fn`` to prose outside fenced code and inline code spans."""
    parts = []
    for is_code, chunk in _split_fenced(text):
        if is_code:
            parts.append(chunk)
        else:
            pieces = re.split(r"(`[^`\n]*`)", chunk)
            parts.append("".join(p if p.startswith("`") else fn(p) for p in pieces))
    return "\n".join(parts)


def paragraphs(text: str) -> list[str]:
    """Blank-line separated prose blocks (paragraphs or lists), no headings, no code."""
    blocks = []
    for is_code, chunk in _split_fenced(text):
        if is_code:
            continue
        for block in re.split(r"\n\s*\n", chunk):
            block = block.strip("\n")
            if block.strip() and not _HEADING.match(block) and len(_WORD.findall(block)) >= 8:
                blocks.append(block)
    return blocks


def prose_lines(doc: Doc) -> list[tuple[int, int]]:
    """(part index, line index) of body lines that are prose: not headings, not code, with >= 4 words.

    Part 0 is the preamble, part i>0 is section i-1.
    """
    found = []
    for p, part in enumerate([doc.preamble, *doc.sections]):
        fence = None
        for i, line in enumerate(part.split("\n")):
            m = _FENCE.match(line)
            if m:
                fence = None if fence == m.group(1) else (fence or m.group(1))
                continue
            if fence is None and not _HEADING.match(line) and len(_WORD.findall(line)) >= 4 \
                    and not line.lstrip().startswith("|"):
                found.append((p, i))
    return found


def _get_part(doc: Doc, p: int) -> str:
    return doc.preamble if p == 0 else doc.sections[p - 1]


def _set_part(doc: Doc, p: int, text: str) -> None:
    if p == 0:
        doc.preamble = text
    else:
        doc.sections[p - 1] = text


def _edit_line(doc: Doc, p: int, i: int, fn) -> None:
    lines = _get_part(doc, p).split("\n")
    lines[i] = fn(lines[i])
    _set_part(doc, p, "\n".join(lines))


# --- donors: text from other real files --------------------------------------

@dataclass
class Donors:
    """Paragraphs, sentences and sections from real files that are in no family and no distractor."""

    blocks: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)

    @classmethod
    def from_docs(cls, docs: list[Doc]) -> Donors:
        d = cls()
        for doc in docs:
            body = doc.body()
            for block in paragraphs(body):
                if len(block) <= 1200:
                    d.blocks.append(block)
                if not block.lstrip().startswith(("-", "*", "|", ">")) and "\n" not in block.strip():
                    d.sentences.extend(s for s in re.split(r"(?<=[.!?])\s+", block.strip())
                                       if 6 <= len(_WORD.findall(s)) <= 30 and s[-1:] in ".!?")
            for section in doc.sections:
                n = len(_WORD.findall(section))
                if 25 <= n <= 350:
                    d.sections.append(section)
            d.words.extend(w.lower() for w in _WORD.findall(body) if len(w) >= 4)
        return d


# --- spelling ----------------------------------------------------------------

def _reverse_lexicon() -> dict[str, str]:
    try:
        from analyzer.spelling import _LEXICON  # private, but the one true lexicon
    except ImportError:  # pragma: no cover
        _LEXICON = {}
    reverse: dict[str, str] = {}
    for british, american in sorted(_LEXICON.items()):
        if american.isalpha() and len(american) >= 4:
            reverse.setdefault(american, british)
    if not reverse:  # pragma: no cover - fallback if the lexicon is not exposed
        pairs = ("color colour,behavior behaviour,organize organise,optimize optimise,analyze analyse,"
                 "center centre,favor favour,honor honour,labor labour,license licence,catalog catalogue,"
                 "initialize initialise,customize customise,prioritize prioritise,recognize recognise,"
                 "summarize summarise,normalize normalise,serialize serialise,utilize utilise,minimize minimise,"
                 "maximize maximise,standardize standardise,authorize authorise,organization organisation,"
                 "optimization optimisation,customization customisation,visualization visualisation,"
                 "behaviors behaviours,colors colours,modeling modelling,labeled labelled,canceled cancelled,"
                 "traveling travelling,defense defence,gray grey,artifact artefact,judgment judgement,"
                 "fulfill fulfil,neighbor neighbour,flavor flavour").split(",")
        reverse = dict(p.split() for p in pairs)
    return reverse


_TO_BRITISH = _reverse_lexicon()
_AMERICAN_WORD = re.compile(r"\b[A-Za-z]+\b")


def britishize(text: str) -> tuple[str, int]:
    count = 0

    def word(m: re.Match) -> str:
        nonlocal count
        w = m.group(0)
        lower = w.lower()
        british = _TO_BRITISH.get(lower)
        if not british:
            return w
        if w == lower:
            out = british
        elif w == w.capitalize():
            out = british.capitalize()
        elif w.isupper():
            out = british.upper()
        else:
            return w
        count += 1
        return out

    return _map_prose(text, lambda s: _AMERICAN_WORD.sub(word, s)), count


def op_spelling(doc: Doc, rng: random.Random, donors: Donors) -> str | None:
    body = doc.body()
    american, changes = americanize(body)
    n_british = sum(c.count for c in changes)
    if n_british >= 2:
        doc.set_body(american)
        return "spelling_to_us"
    british, n = britishize(body)
    if n >= 2:
        doc.set_body(british)
        return "spelling_to_gb"
    return None


# --- structure ---------------------------------------------------------------

def _insert_into_part(part: str, block: str, rng: random.Random) -> str:
    """Insert ``block`` at a blank-line boundary of ``part`` (after its heading line, outside code)."""
    chunks = re.split(r"\n\s*\n", part.strip("\n"))
    positions, inside = [], False
    for i, chunk in enumerate(chunks):  # a boundary after chunk i is safe if no fence is open
        if chunk.count("```") % 2:
            inside = not inside
        if not inside:
            positions.append(i + 1)
    at = rng.choice(positions) if positions else len(chunks)
    return "\n\n".join(chunks[:at] + [block] + chunks[at:])


def op_paste_block(doc: Doc, rng: random.Random, donors: Donors) -> str | None:
    if not donors.blocks:
        return None
    p = rng.randrange(len(doc.sections) + 1)
    _set_part(doc, p, _insert_into_part(_get_part(doc, p), rng.choice(donors.blocks), rng))
    return "paste_block"


def _relevel(section: str, level: int) -> str:
    lines = section.split("\n")
    m = _HEADING.match(lines[0])
    if m:
        lines[0] = "#" * level + lines[0][len(m.group(1)):]
    return "\n".join(lines)


def op_graft_section(doc: Doc, rng: random.Random, donors: Donors) -> str | None:
    if not donors.sections:
        return None
    section = _relevel(rng.choice(donors.sections), doc.level)
    doc.sections.insert(rng.randint(0, len(doc.sections)), section)
    return "graft_section"


def op_drop_section(doc: Doc, rng: random.Random, donors: Donors) -> str | None:
    if len(doc.sections) < 3:
        return None
    del doc.sections[rng.randrange(len(doc.sections))]
    return "drop_section"


_HEADING_SYNONYMS = {
    "guidelines": "Best Practices", "best practices": "Guidelines", "overview": "Summary",
    "summary": "Overview", "responsibilities": "Duties", "capabilities": "Skills", "skills": "Capabilities",
    "workflow": "Process", "process": "Workflow", "instructions": "How to Work", "rules": "Principles",
    "principles": "Rules", "examples": "Usage Examples", "output": "Deliverables",
    "output format": "Response Format", "focus areas": "Areas of Focus", "approach": "Methodology",
    "purpose": "Mission", "role": "Your Role", "constraints": "Limitations", "checklist": "Review Checklist",
}
_HEADING_AFFIXES = (("Key ", ""), ("Core ", ""), ("", " and Conventions"), ("", " (Required)"),
                    ("", " Overview"), ("Our ", ""))


def op_rename_heading(doc: Doc, rng: random.Random, donors: Donors) -> str | None:
    if not doc.sections:
        return None
    i = rng.randrange(len(doc.sections))
    lines = doc.sections[i].split("\n")
    marks, title = lines[0].split(None, 1) if " " in lines[0] else (lines[0], "")
    title = title.strip()
    if not title:
        return None
    plain = re.sub(r"[^A-Za-z ]", "", title).strip().lower()
    new = _HEADING_SYNONYMS.get(plain)
    if new is None or rng.random() < 0.3:
        prefix, suffix = rng.choice(_HEADING_AFFIXES)
        new = prefix + title + suffix
    lines[0] = f"{marks} {new}"
    doc.sections[i] = "\n".join(lines)
    return "rename_heading"


def op_reorder_sections(doc: Doc, rng: random.Random, donors: Donors) -> str | None:
    if len(doc.sections) < 2:
        return None
    i, j = rng.sample(range(len(doc.sections)), 2)
    doc.sections[i], doc.sections[j] = doc.sections[j], doc.sections[i]
    return "reorder_sections"


# --- placeholders ------------------------------------------------------------

_CONCRETE = {
    "FRAMEWORK": "React Vue Angular Django Flask FastAPI Rails Laravel Spring Express Next.js NestJS Svelte".split(),
    "LANGUAGE": "Python TypeScript JavaScript Java Go Rust Ruby PHP Kotlin Swift C#".split(),
    "DATABASE": "PostgreSQL MySQL MongoDB Redis SQLite DynamoDB Prisma".split(),
    "CLOUD_PROVIDER": "AWS GCP Azure Vercel Heroku".split(),
    "TEST_FRAMEWORK": "Jest pytest Vitest Cypress Playwright JUnit RSpec Mocha".split(),
    "CI_SYSTEM": "GitHub Actions|Jenkins|CircleCI|GitLab CI".split("|"),
    "CONTAINER_PLATFORM": "Docker Kubernetes".split(),
}
_FILL_VALUES = {
    "PROJECT_NAME": "Acme Portal", "COMPANY": "Acme Corp", "TEAM_NAME": "Platform Team",
    "REPO_URL": "https://github.com/acme/portal", "VERSION": "2.4.1",
}
_SLOT_STYLES = ("{{%s}}", "{{ %s }}", "[%s]", "<%s>")


def op_placeholders(doc: Doc, rng: random.Random, donors: Donors) -> str | None:
    body = doc.body()
    slots = sorted({m.group(0) for m in PLACEHOLDER.finditer(body)})
    if slots and rng.random() < 0.6:
        for slot in rng.sample(slots, min(len(slots), rng.randint(1, 2))):
            name = re.sub(r"[^A-Z_]", "", slot.upper())
            value = _FILL_VALUES.get(name) or rng.choice(_CONCRETE.get(name) or ["Acme"])
            body = body.replace(slot, value)
        doc.set_body(body)
        return "placeholders_fill"
    found = []
    for slot, values in sorted(_CONCRETE.items()):
        for value in values:
            if re.search(r"(?<![\w.])" + re.escape(value) + r"(?![\w])", body):
                found.append((slot, value))
    style = rng.choice(_SLOT_STYLES)
    if found:
        chosen = rng.sample(found, min(len(found), rng.randint(1, 2)))
        for slot, value in chosen:
            pattern = re.compile(r"(?<![\w.])" + re.escape(value) + r"(?![\w])")
            body = _map_prose(body, lambda s, p=pattern, sl=slot: p.sub(style % sl, s))
        doc.set_body(body)
        return "placeholders_in"
    # nothing concrete to abstract: name the project in a sentence, as templates do
    lines = prose_lines(doc)
    if not lines:
        return None
    p, i = rng.choice(lines)
    _edit_line(doc, p, i, lambda s: s.rstrip() + " This applies to the " + style % "PROJECT_NAME" + " codebase.")
    return "placeholders_in"


# --- words and sentences -----------------------------------------------------

_FILLER = ("carefully always clearly relevant existing new important specific consistent thorough "
           "additional appropriate critical robust concise explicit").split()


def op_word_edits(doc: Doc, rng: random.Random, donors: Donors) -> str | None:
    lines = prose_lines(doc)
    if not lines:
        return None
    for p, i in rng.sample(lines, min(len(lines), rng.randint(1, 4))):
        def edit(line: str) -> str:
            words = line.split(" ")
            content = [k for k, w in enumerate(words) if _WORD.fullmatch(w.strip(".,;:()*"))]
            if not content:
                return line
            k = rng.choice(content)
            action = rng.choice(("insert", "delete", "replace"))
            vocab = donors.words or _FILLER
            if action == "insert":
                words.insert(k, rng.choice(_FILLER))
            elif action == "delete" and len(content) > 4:
                del words[k]
            else:
                words[k] = rng.choice(vocab)
            return " ".join(words)
        _edit_line(doc, p, i, edit)
    return "word_edits"


def op_sentence_edits(doc: Doc, rng: random.Random, donors: Donors) -> str | None:
    lines = prose_lines(doc)
    if not lines or not donors.sentences:
        return None
    p, i = rng.choice(lines)
    action = rng.choice(("insert", "delete", "replace"))

    def edit(line: str) -> str:
        sentences = re.split(r"(?<=[.!?])\s+", line)
        k = rng.randrange(len(sentences))
        if action == "delete" and len(sentences) >= 2:
            del sentences[k]
        elif action == "replace" and len(sentences) >= 2:
            sentences[k] = rng.choice(donors.sentences)
        else:
            sentences.insert(k + 1, rng.choice(donors.sentences))
        return " ".join(sentences)

    _edit_line(doc, p, i, edit)
    return "sentence_edits"


# --- front matter and line endings -------------------------------------------

_TOOLS = "Read Write Edit Bash Grep Glob WebFetch WebSearch Task TodoWrite MultiEdit".split()
_NEW_FIELDS = (("model", ["model: sonnet", "model: opus", "model: inherit", "model: haiku"]),
               ("color", ["color: blue", "color: green", "color: purple", "color: orange"]),
               ("version", ["version: 1.0.0", "version: 2.1", "version: 0.3.0"]),
               ("category", ["category: engineering", "category: quality", "category: devops"]),
               ("author", ["author: platform-team", "author: acme"]),
               ("tags", ["tags: [backend, api]", "tags: [review, quality]"]))


def op_front_matter(doc: Doc, rng: random.Random, donors: Donors) -> str | None:
    if doc.front is None:
        first = next((s for s in doc.sections), doc.preamble).strip().split("\n")[0].lstrip("# ").strip()
        slug = re.sub(r"[^a-z0-9]+", "-", first.lower()).strip("-")[:40] or "agent"
        desc = next((b for b in paragraphs(doc.body())), "An agent.").split("\n")[0][:160]
        doc.front = [["name", [f"name: {slug}"]], ["description", [f"description: {desc}"]]]
        return "front_matter_add"
    keys = [k for k, _ in doc.front]
    choices = ["add_field", "modify_field", "tools"]
    if len(doc.front) >= 3:
        choices.append("remove_field")
    action = rng.choice(choices)
    if action == "tools":
        idx = next((n for n, (k, _) in enumerate(doc.front) if k in ("tools", "allowed-tools")), None)
        if idx is None:
            doc.front.append(["tools", ["tools: " + ", ".join(sorted(rng.sample(_TOOLS, 3)))]])
            return "front_matter_tools"
        lines = doc.front[idx][1]
        if len(lines) == 1 and ":" in lines[0]:
            key, value = lines[0].split(":", 1)
            tools = [t.strip() for t in value.strip().strip("[]").split(",") if t.strip()]
            missing = [t for t in _TOOLS if t not in tools]
            if tools and (rng.random() < 0.5 or not missing):
                tools.remove(rng.choice(tools))
            elif missing:
                tools.append(rng.choice(missing))
            doc.front[idx][1] = [f"{key}: " + ", ".join(tools)]
            return "front_matter_tools"
        action = "modify_field"
    if action == "add_field":
        options = [(k, v) for k, v in _NEW_FIELDS if k not in keys]
        if not options:
            action = "modify_field"
        else:
            key, values = rng.choice(options)
            doc.front.insert(rng.randint(1, len(doc.front)), [key, [rng.choice(values)]])
            return "front_matter_add"
    if action == "remove_field":
        removable = [n for n, (k, _) in enumerate(doc.front) if k not in ("name", "description")]
        if removable:
            del doc.front[rng.choice(removable)]
            return "front_matter_remove"
    # modify: reword the description, or change the model / name
    for n, (k, lines) in enumerate(doc.front):
        if k == "description" and len(lines) == 1:
            words = lines[0].split(" ")
            if len(words) > 4:
                words.insert(rng.randint(2, len(words)), rng.choice(_FILLER))
                doc.front[n][1] = [" ".join(words)]
                return "front_matter_modify"
        if k == "name" and len(lines) == 1:
            doc.front[n][1] = [lines[0].rstrip() + rng.choice(("-v2", "-pro", "-lite", "-custom"))]
            return "front_matter_modify"
    return None


def op_line_endings(doc: Doc, rng: random.Random, donors: Donors) -> str | None:
    doc.crlf = not doc.crlf
    return "line_endings_crlf" if doc.crlf else "line_endings_lf"


OPERATORS = (op_spelling, op_paste_block, op_graft_section, op_drop_section, op_rename_heading,
             op_reorder_sections, op_placeholders, op_word_edits, op_sentence_edits, op_front_matter,
             op_line_endings)


def mutate(doc: Doc, rng: random.Random, donors: Donors, n_ops: int | None = None) -> tuple[Doc, list[str]]:
    """A copy of ``doc`` with 1-3 (or ``n_ops``) distinct applicable operators applied, and their labels."""
    child = doc.copy()
    want = n_ops or rng.randint(1, 3)
    labels: list[str] = []
    for op in rng.sample(OPERATORS, len(OPERATORS)):
        if len(labels) == want:
            break
        label = op(child, rng, donors)
        if label:
            labels.append(label)
    if child.text() == doc.text():  # every operator was a no-op on the text: force a visible edit
        labels.append(op_paste_block(child, rng, donors) or "none")
    return child, labels


# --- picking real files ------------------------------------------------------

def _shingles(text: str) -> set[int]:
    words = [w.lower() for w in _WORD.findall(text)]
    return {hash(tuple(words[i:i + 5])) for i in range(len(words) - 4)}


@dataclass
class RealFile:
    name: str
    raw: str
    doc: Doc


def manifest_files(corpus: Path) -> list[tuple[str, int]]:
    with open(corpus / "MANIFEST.csv", encoding="utf-8") as handle:
        return sorted((row["file"], int(row["bytes"])) for row in csv.DictReader(handle))


def pick_unrelated(corpus: Path, rng: random.Random, wants: list[tuple[str, int, callable]],
                   min_bytes: int = 1000, max_bytes: int = 6000) -> dict[str, list[RealFile]]:
    """Real files sharing (almost) no 5-gram with each other, in named groups.

    ``wants``: (group name, count, predicate on RealFile). Candidates come in a
    seeded random order; each goes to the first group that still needs files
    and accepts it. A file is rejected if over 3 % of its 5-grams (or 12 of
    them) appear in any file already taken.
    """
    names = [n for n, size in manifest_files(corpus) if min_bytes <= size <= max_bytes]
    rng.shuffle(names)
    index: dict[int, int] = {}
    groups: dict[str, list[RealFile]] = {g: [] for g, _, _ in wants}
    need = {g: n for g, n, _ in wants}
    for name in names:
        if all(len(groups[g]) >= need[g] for g in need):
            break
        raw = (corpus / name).read_text(encoding="utf-8", errors="replace")
        if sum(c.isascii() for c in raw) < 0.97 * len(raw) or "\ufffd" in raw:
            continue
        shingles = _shingles(raw)
        if len(shingles) < 80:
            continue
        hits = defaultdict(int)
        for s in shingles:
            owner = index.get(s)
            if owner is not None:
                hits[owner] += 1
        if hits and max(hits.values()) > min(12, 0.03 * len(shingles)):
            continue
        real = RealFile(name, raw, parse(raw))
        for g, n, accept in wants:
            if len(groups[g]) < n and accept(real):
                groups[g].append(real)
                owner_id = sum(len(v) for v in groups.values())
                for s in shingles:
                    index.setdefault(s, owner_id)
                break
    return groups


# --- building a corpus -------------------------------------------------------

HOUSE_HEADINGS = ("Security Policy", "Communication Protocol", "House Style", "Escalation and Support",
                  "Compliance Requirements")


@dataclass
class Corpus:
    files: dict[str, bytes]  # neutral name -> content
    truth: dict[str, dict]  # neutral name -> {family, parent}
    edge_ops: dict[str, list[str]]  # child name -> operator labels of the true edge (when parent is known)
    info: dict[str, dict]  # neutral name -> {family, shape, depth, root_missing, boilerplate, source}


def make_boilerplate(rng: random.Random, sources: list[RealFile], heading: str, level: int = 2) -> str:
    """A long house section (about 200-320 words) built from real sections' prose under one heading."""
    blocks = []
    for real in sources:
        blocks.extend(paragraphs(real.doc.body()))
    rng.shuffle(blocks)
    text, words = [], 0
    for block in blocks:
        if words >= 200:
            break
        n = len(_WORD.findall(block))
        if n <= 160:
            text.append(block)
            words += n
    return "#" * level + " " + heading + "\n\n" + "\n\n".join(text)


def _tree_shape(rng: random.Random, size: int, shape: str) -> list[int | None]:
    """parent index of node i (node 0 is the original)."""
    parents: list[int | None] = [None]
    for i in range(1, size):
        if shape == "chain":
            parents.append(i - 1)
        elif shape == "star":
            parents.append(0)
        else:  # mixed: attach to a random existing node, favouring recent ones
            parents.append(max(rng.randrange(i), rng.randrange(i)))
    return parents


def build_corpus(corpus_dir: Path, seed: int, n_families: int = 40, n_distractors: int = 150,
                 root_missing_share: float = 0.2, boilerplate_share: float = 0.6,
                 family_boilerplate_share: float = 0.25, n_boilerplates: int = 3) -> Corpus:
    rng = random.Random(seed)
    groups = pick_unrelated(corpus_dir, rng, [
        ("originals", n_families, lambda r: len(r.doc.sections) >= 3 and 1500 <= len(r.raw) <= 5000),
        ("distractors", n_distractors, lambda r: True),
        ("donors", 40, lambda r: True),
    ])
    donor_files = groups["donors"]
    donors = Donors.from_docs([r.doc for r in donor_files[8:]])
    boilerplates = [make_boilerplate(rng, donor_files[2 * k:2 * k + 2], HOUSE_HEADINGS[k % len(HOUSE_HEADINGS)])
                    for k in range(n_boilerplates)]

    docs: list[tuple[str, Doc]] = []  # (temporary id, document)
    truth: dict[str, dict] = {}
    edge_ops: dict[str, list[str]] = {}
    info: dict[str, dict] = {}

    def add_boilerplate(doc: Doc) -> int:
        k = rng.randrange(len(boilerplates))
        doc.sections.insert(rng.randint(0, len(doc.sections)), _relevel(boilerplates[k], doc.level))
        return k

    for f, real in enumerate(groups["originals"]):
        family = f"family_{f:03d}"
        original = real.doc.copy()
        bp = add_boilerplate(original) if rng.random() < family_boilerplate_share else None
        shape = rng.choice(("chain", "star", "mixed"))
        size = rng.choice((3, 3, 4, 4, 4, 5, 5, 6))
        parents = _tree_shape(rng, size, shape)
        root_missing = rng.random() < root_missing_share and sum(p == 0 for p in parents) >= 2
        nodes: list[Doc] = [original]
        ops: list[list[str]] = [[]]
        for i in range(1, size):
            child, labels = mutate(nodes[parents[i]], rng, donors)
            nodes.append(child)
            ops.append(labels)
        depth = [0] * size
        for i in range(1, size):
            depth[i] = depth[parents[i]] + 1
        for i in range(size):
            if i == 0 and root_missing:
                continue
            tid = f"{family}/n{i}"
            parent = parents[i]
            parent_id = None if parent is None or (parent == 0 and root_missing) else f"{family}/n{parent}"
            docs.append((tid, nodes[i]))
            truth[tid] = {"family": family, "parent": parent_id}
            if parent_id:
                edge_ops[tid] = ops[i]
            info[tid] = {"family": family, "shape": shape, "depth": depth[i], "root_missing": root_missing,
                         "boilerplate": bp, "source": real.name, "size": size - root_missing}

    for d, real in enumerate(groups["distractors"]):
        doc = real.doc.copy()
        bp = add_boilerplate(doc) if rng.random() < boilerplate_share else None
        tid = f"distractor_{d:03d}"
        docs.append((tid, doc))
        truth[tid] = {"family": tid, "parent": None}
        info[tid] = {"family": tid, "shape": "distractor", "depth": 0, "root_missing": False,
                     "boilerplate": bp, "source": real.name, "size": 1}

    order = list(range(len(docs)))
    rng.shuffle(order)
    rename = {docs[k][0]: f"agent_{n:04d}.md" for n, k in enumerate(order)}
    files = {rename[tid]: doc.text().encode("utf-8") for tid, doc in docs}
    return Corpus(
        files=files,
        truth={rename[t]: {"family": v["family"], "parent": rename.get(v["parent"]) if v["parent"] else None}
               for t, v in truth.items()},
        edge_ops={rename[t]: v for t, v in edge_ops.items()},
        info={rename[t]: v for t, v in info.items()},
    )
