"""Integration: families on a slice of ../shared/corpus-public, checked against facts read from the files.

The slice (98 files, passed to the pipeline as explicit paths):

* every file of lst97/claude-code-sub-agents (38) and IQAIcom/iq-claude-config (26): small
  repositories whose files, per the corpus README, share no 30 % of their word shingles with
  files of other repositories;
* jmagly/ai-writing-guide: five SDLC agents, each as a Claude agent and as a Factory droid;
* wshobson/agents: every plugin copy of code-reviewer (7), debugger (5), error-detective (4)
  and legacy-modernizer (3);
* the code-reviewer and debugger agents of rshah515, vijaythecoder and webdevtodayjason.

Facts verified by reading the files (diff, and rapidfuzz ratio / word 5-shingle overlap):

* jmagly database-optimizer, incident-responder, legacy-modernizer: the droid is the agent with a
  different front matter (name 'Database Optimizer' -> 'database-optimizer', model 'sonnet' ->
  a pinned claude id, no 'memory', Factory tool names) and no final newline; bodies are identical.
* jmagly api-designer: the droid (927 bytes) is the first 30 lines of the 34 KB agent with the same
  front-matter changes, so the droid is contained in the agent.
* wshobson code-reviewer: the copies in code-documentation, code-refactoring, codebase-cleanup,
  comprehensive-review, git-pr-workflows and tdd-workflows differ only in their name line
  ('<plugin>-code-reviewer'); the incident-response code-reviewer is another text (ratio 0.25,
  no shared 5-shingle).
* wshobson debugger: the debugging-toolkit, error-debugging, error-diagnostics and unit-testing copies
  differ only in their name line; incident-response's debugger is a different, longer text (ratio 0.41,
  no shared 5-shingle).
* wshobson error-detective: the distributed-debugging, error-debugging and error-diagnostics copies
  differ only in their name line; incident-response's is another text (ratio 0.46, Jaccard 0.006).
* wshobson legacy-modernizer: the three copies differ in their name line (framework-migration's also
  says `model: fable`).
* Same name, different text: lst97, rshah515 and webdevtodayjason each have a `name: debugger` agent;
  rshah515, vijaythecoder, webdevtodayjason and IQAIcom each have a `name: code-reviewer` agent (lst97's
  is `code-reviewer-pro`). Among these, wshobson's and jmagly's code-reviewer / debugger, the pairwise
  word 5-shingle Jaccard is at most 0.016 and the character ratio at most 0.42.
* Within this slice no lst97 or IQAIcom file shares more than 13 % of the smaller file's word
  5-shingles with a file of another repository (the most is lst97's debugger and wshobson's short one).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.pipeline import analyze
from analyzer.settings import Settings
from corpora import SHARED, family_of

pytestmark = pytest.mark.integration

CORPUS = SHARED / "corpus-public"
JMAGLY = "jmagly__ai-writing-guide"
WSHOBSON = "wshobson__agents"
LST97 = "lst97__claude-code-sub-agents"
IQAI = "IQAIcom__iq-claude-config"

JMAGLY_PAIRS = ("database-optimizer", "incident-responder", "legacy-modernizer", "code-reviewer", "api-designer")
WSHOBSON_AGENTS = ("code-reviewer", "debugger", "error-detective", "legacy-modernizer")
SINGLES = (
    "rshah515__claude-code-subagents/core__code-reviewer.md",
    "rshah515__claude-code-subagents/core__debugger.md",
    "vijaythecoder__awesome-claude-agents/agents__core__code-reviewer.md",
    "webdevtodayjason__sub-agents/agents__code-reviewer__agent.md",
    "webdevtodayjason__sub-agents/agents__debugger__agent.md",
)


def jmagly_agent(name: str) -> str:
    return f"{JMAGLY}/agentic__code__frameworks__sdlc-complete__agents__{name}.md"


def jmagly_droid(name: str) -> str:
    return f"{JMAGLY}/.factory__droids__{name}.md"


def wshobson(plugin: str, agent: str) -> str:
    return f"{WSHOBSON}/plugins__{plugin}__agents__{agent}.md"


def slice_paths() -> list[Path]:
    paths = sorted((CORPUS / LST97).glob("*.md")) + sorted((CORPUS / IQAI).glob("*.md"))
    for name in JMAGLY_PAIRS:
        paths += [CORPUS / jmagly_agent(name), CORPUS / jmagly_droid(name)]
    for agent in WSHOBSON_AGENTS:
        paths += sorted((CORPUS / WSHOBSON).glob(f"plugins__*__agents__{agent}.md"))
    paths += [CORPUS / relative for relative in SINGLES]
    return paths


@pytest.fixture(scope="module")
def result():
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} is not available")
    paths = slice_paths()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        pytest.skip(f"corpus-public is incomplete: {missing[:3]}")
    return analyze(paths, settings=Settings())


@pytest.fixture(scope="module")
def families(result) -> dict[str, str]:
    return family_of(result)


@pytest.fixture(scope="module")
def pairs(result):
    return {(p.file_a, p.file_b): p for p in result.file_pairs}


def test_slice_is_read_whole_and_relative_to_the_corpus(result):
    assert len(result.files) == 98
    assert result.skipped == ()
    assert Path(result.root).resolve() == CORPUS.resolve()
    assert all(not Path(f.path).is_absolute() for f in result.files)


@pytest.mark.parametrize("name", ["database-optimizer", "incident-responder", "legacy-modernizer"])
def test_claude_agent_and_its_factory_droid_share_a_family(families, pairs, name):
    agent, droid = jmagly_agent(name), jmagly_droid(name)
    assert families[agent] == families[droid]
    pair = pairs[tuple(sorted((agent, droid)))]
    assert pair.similarity > 0.9  # identical bodies; only the front matter differs


def test_truncated_droid_is_contained_in_its_agent(families, pairs):
    agent, droid = jmagly_agent("api-designer"), jmagly_droid("api-designer")
    assert families[agent] == families[droid]
    pair = pairs[tuple(sorted((agent, droid)))]
    droid_in_agent = pair.containment_a_in_b if pair.file_a == droid else pair.containment_b_in_a
    agent_in_droid = pair.containment_b_in_a if pair.file_a == droid else pair.containment_a_in_b
    assert droid_in_agent > 0.6
    assert agent_in_droid < 0.2


def test_wshobson_code_reviewer_plugin_copies_are_one_family(families):
    copies = [wshobson(p, "code-reviewer") for p in ("code-documentation", "code-refactoring", "codebase-cleanup",
                                                     "comprehensive-review", "git-pr-workflows", "tdd-workflows")]
    assert len({families[c] for c in copies}) == 1
    assert families[wshobson("incident-response", "code-reviewer")] != families[copies[0]]


def test_wshobson_debugger_plugin_copies_are_one_family_without_the_rewritten_one(families):
    copies = [wshobson(p, "debugger") for p in ("debugging-toolkit", "error-debugging", "error-diagnostics",
                                                "unit-testing")]
    assert len({families[c] for c in copies}) == 1
    assert families[wshobson("incident-response", "debugger")] != families[copies[0]]


def test_wshobson_error_detective_plugin_copies_are_one_family(families):
    copies = [wshobson(p, "error-detective") for p in ("distributed-debugging", "error-debugging",
                                                       "error-diagnostics")]
    assert len({families[c] for c in copies}) == 1
    assert families[wshobson("incident-response", "error-detective")] != families[copies[0]]


def test_wshobson_legacy_modernizer_plugin_copies_are_one_family(families):
    copies = [wshobson(p, "legacy-modernizer") for p in ("code-refactoring", "dependency-management",
                                                         "framework-migration")]
    assert len({families[c] for c in copies}) == 1


@pytest.mark.parametrize(
    "agent, others",
    [
        (f"{LST97}/agents__quality-testing__debugger.md",
         ["rshah515__claude-code-subagents/core__debugger.md",
          "webdevtodayjason__sub-agents/agents__debugger__agent.md",
          wshobson("debugging-toolkit", "debugger"), wshobson("incident-response", "debugger")]),
        (f"{LST97}/agents__quality-testing__code-reviewer.md",
         ["rshah515__claude-code-subagents/core__code-reviewer.md",
          "vijaythecoder__awesome-claude-agents/agents__core__code-reviewer.md",
          "webdevtodayjason__sub-agents/agents__code-reviewer__agent.md",
          f"{IQAI}/plugins__iq-core__agents__code-reviewer.md",
          wshobson("code-documentation", "code-reviewer"), jmagly_agent("code-reviewer")]),
    ],
)
def test_same_name_different_text_agents_do_not_share_a_family(families, agent, others):
    assert all(families[agent] != families[other] for other in others)
    assert len({families[other] for other in others}) == len(others)


def test_same_name_different_content_is_reported_for_debugger(result):
    findings = [f for f in result.findings if f.kind == "same-name-different-content"]
    (debugger,) = [f for f in findings if "'debugger'" in f.message]
    assert set(debugger.files) == {
        f"{LST97}/agents__quality-testing__debugger.md",
        "rshah515__claude-code-subagents/core__debugger.md",
        "webdevtodayjason__sub-agents/agents__debugger__agent.md",
    }


def test_small_repositories_stay_apart_from_other_repositories(result, families):
    repository = {f.path: f.path.split("/", 1)[0] for f in result.files}
    for family in result.file_families:
        if any(repository[m] in (LST97, IQAI) for m in family.members):
            assert len({repository[m] for m in family.members}) == 1, family.members
