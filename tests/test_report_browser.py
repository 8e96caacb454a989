"""report.html in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

Each page is opened from a file:// URL with every request recorded: the
page itself is the only request allowed (data: URLs are not requests). The
tests check what a reader does: the family cards and a side-by-side diff
render, a heatmap cell and a pair-table row open their diff, the search box
filters, and hostile agent text shows as text and runs nothing (no dialog
fires). Skipped, with the reason, where Chromium or Playwright is missing;
``.ci/run`` installs both.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analyzer.pipeline import analyze
from analyzer.report.model import build_report
from analyzer.report.render import write_reports
from analyzer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CORPUS_PUBLIC = ROOT.parent / "shared" / "corpus-public"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
HOSTILE = """---
name: hostile-helper
description: <script>alert(1)</script> {{ 7*7 }}
---
# Hostile helper

<script>alert(1)</script>

<img src=x onerror=alert(1)>

A [link](javascript:alert(2)) and <a href="javascript:alert(3)">another</a>.

{{ 7*7 }} and {% for x in range(3) %}loop{% endfor %} template syntax.

</textarea><svg onload=alert(4)></script><script>alert(5)</script>

Review the code carefully and report every problem you find with a clear explanation.
"""


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def _report(paths: list[Path], out: Path) -> Path:
    settings = Settings(workers=1)
    report = build_report(analyze(paths, settings=settings), settings=settings)
    write_reports(report, out)
    return out / "report.html"


class Opened:
    """A page with what it logged, requested and tried to show."""

    def __init__(self, browser, html: Path) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", self._dialog)
        self.url = html.resolve().as_uri()
        self.page.goto(self.url)
        self.page.wait_for_selector("body[data-ready='1']", timeout=30_000)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def assert_clean(self) -> None:
        assert self.errors == []
        assert [u for u in self.requests if u != self.url and not u.startswith("data:")] == []
        assert self.dialogs == []

    def open_first_pair_diff(self) -> None:
        self.page.locator("button.pair").first.click()
        self.page.wait_for_selector("#diff:not(.hidden) table.sbs tr")

    def close_diff(self) -> None:
        self.page.click("#diff-close")
        assert self.page.locator("#diff").is_hidden()


@pytest.fixture(scope="module")
def seeds_html(tmp_path_factory) -> Path:
    return _report([ROOT / "corpus"], tmp_path_factory.mktemp("seeds-report"))


@pytest.fixture
def seeds_page(browser, seeds_html):
    opened = Opened(browser, seeds_html)
    yield opened
    opened.page.close()


def test_seeds_report_opens_with_no_console_error_and_no_network_request(seeds_page, tmp_path):
    seeds_page.assert_clean()
    seeds_page.page.screenshot(path=str(tmp_path / "seeds-report.png"), full_page=True)
    assert (tmp_path / "seeds-report.png").stat().st_size > 10_000


def test_seeds_family_of_four_has_a_card_and_its_diff_renders_side_by_side(seeds_page, tmp_path):
    cards = seeds_page.page.locator("#family-list .family:visible")
    assert cards.count() == 1
    assert "4 files" in cards.first.inner_text()
    assert seeds_page.page.locator("button.pair").count() == 3  # each member against the central one
    seeds_page.open_first_pair_diff()
    diff = seeds_page.page.locator("#diff")
    assert diff.locator("tr.sec").count() > 1  # aligned by section
    assert diff.locator(".ins").count() + diff.locator(".del").count() > 0  # real edits highlighted
    assert "cosmetic" in diff.locator(".legend").inner_text()
    seeds_page.page.screenshot(path=str(tmp_path / "seeds-diff.png"))
    seeds_page.close_diff()
    seeds_page.assert_clean()


def test_clicking_a_heatmap_cell_opens_that_pairs_diff(seeds_page):
    page = seeds_page.page
    target = page.evaluate("""() => {
        const data = JSON.parse(document.getElementById('report-data').textContent);
        const files = data.heatmap.files, canvas = document.getElementById('heatmap');
        const box = canvas.getBoundingClientRect(), size = box.width / files.length;
        for (const [i, j] of data.heatmap.cells) {
            const a = files[i], b = files[j];
            if ((a + '\\n' + b) in data.diffs || (b + '\\n' + a) in data.diffs)
                return {x: box.left + (j + 0.5) * size, y: box.top + (i + 0.5) * size, a, b};
        }
        return null;
    }""")
    assert target is not None
    page.locator("#heatmap").scroll_into_view_if_needed()
    target = page.evaluate("""(t) => {
        const data = JSON.parse(document.getElementById('report-data').textContent);
        const files = data.heatmap.files, box = document.getElementById('heatmap').getBoundingClientRect();
        const size = box.width / files.length, i = files.indexOf(t.a), j = files.indexOf(t.b);
        return {x: box.left + (j + 0.5) * size, y: box.top + (i + 0.5) * size, a: t.a, b: t.b};
    }""", target)
    page.mouse.move(target["x"], target["y"])
    assert "similarity" in page.locator("#heat-info").inner_text()
    page.mouse.click(target["x"], target["y"])
    page.wait_for_selector("#diff:not(.hidden)")
    title = page.locator("#diff-title").inner_text()
    assert target["a"] in title and target["b"] in title
    seeds_page.assert_clean()


def test_clicking_a_pair_table_row_opens_its_diff(seeds_page):
    page = seeds_page.page
    row = page.locator("#pair-table tr.pair-row").first
    first_file = row.locator("td").first.inner_text()
    row.click()
    page.wait_for_selector("#diff:not(.hidden) table.sbs tr")
    assert first_file in page.locator("#diff-title").inner_text()
    seeds_page.assert_clean()


def test_pair_table_sorts_by_a_column(seeds_page):
    page = seeds_page.page
    page.click("#pair-table th button[data-sort='2']")  # similarity was descending: now ascending
    values = [float(v) for v in page.locator("#pair-table tbody tr td:nth-child(3)").all_inner_texts()]
    assert values == sorted(values)


def test_seeds_family_card_draws_its_lineage_tree_and_consensus(seeds_page):
    card = seeds_page.page.locator("#family-list .family:visible").first
    tree = card.locator("svg.tree")
    assert tree.count() == 1 and tree.is_visible()
    assert tree.locator("g.node").count() == 4  # the family of four, every member drawn once
    assert tree.locator("g.edge").count() == 3
    box = tree.bounding_box()
    assert box["width"] > 200 and box["height"] > 100
    names = tree.locator("g.node text").all_text_contents()
    assert any("★" in name for name in names)  # the central member is marked as in the list
    assert card.locator("details.consensus").count() == 1
    assert card.locator("table.delta-table tbody tr").count() == 4
    assert "Search and Research Capabilities" in card.locator("table.delta-table").inner_text()
    assert seeds_page.page.locator("#lineage").count() == 1  # lineage lives in the cards, once
    assert seeds_page.page.locator("section h2", has_text="Lineage").count() == 0
    seeds_page.assert_clean()


def test_search_box_filters_families_and_pairs(seeds_page):
    page = seeds_page.page
    member = page.locator("#family-list .family li").first.inner_text().strip()
    page.fill("#search", member)
    page.wait_for_function("() => document.getElementById('search-note').textContent.includes('match')")
    assert page.locator("#family-list .family:visible").count() == 1
    page.fill("#search", "no-such-file-anywhere")
    page.wait_for_function("() => document.getElementById('search-note').textContent.startsWith('0 files')")
    assert page.locator("#family-list .family:visible").count() == 0
    assert page.locator("#pair-table tbody tr").count() == 0
    page.fill("#search", "")
    page.wait_for_function("() => document.querySelectorAll('#family-list .family:not(.hidden)').length === 1")
    seeds_page.assert_clean()


def test_hostile_agent_text_renders_as_text_and_runs_nothing(browser, tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    (library / "hostile.md").write_text(HOSTILE, encoding="utf-8")
    (library / "hostile-copy.md").write_text(HOSTILE.replace("clear explanation", "clear, short explanation"),
                                             encoding="utf-8")
    opened = Opened(browser, _report([library], tmp_path / "out"))
    page = opened.page
    text = page.inner_text("body")
    assert "<script>alert(1)</script>" in text or "&lt;script&gt;" not in text  # shown as text, not markup
    assert page.evaluate("document.querySelectorAll('script').length") == 2  # only the page's own
    assert page.evaluate("document.querySelectorAll('img:not([src^=\"data:\"]), svg:not(.tree), a, textarea')"
                         ".length") == 0
    opened.open_first_pair_diff()
    diff_text = page.inner_text("#diff")
    assert "clear, short explanation" in diff_text or "short" in diff_text
    page.wait_for_timeout(300)  # give any injected handler a chance to fire
    opened.assert_clean()
    page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
    page.close()


TREE_TAGS = {"svg", "g", "title", "rect", "text", "line", "polygon"}


def test_hostile_file_names_in_the_lineage_tree_stay_text(browser, tmp_path):
    # The folder "<script>alert(8)<" holding "script>.md" makes the path "<script>alert(8)</script>.md".
    library = tmp_path / "library"
    (library / "<script>alert(8)<").mkdir(parents=True)
    (library / "<script>alert(8)<" / "script>.md").write_text(HOSTILE, encoding="utf-8")
    (library / "<svg onload=alert(6)>.md").write_text(HOSTILE.replace("clear explanation", "clear, short explanation"),
                                                      encoding="utf-8")
    (library / "x\" onmouseover=\"alert(7).md").write_text(HOSTILE + "\nAlways cite the file and line.\n",
                                                          encoding="utf-8")
    opened = Opened(browser, _report([library], tmp_path / "out"))
    page = opened.page
    tree = page.locator("#family-list .family svg.tree")
    assert tree.count() == 1
    tags = set(page.evaluate("Array.from(document.querySelectorAll('svg.tree, svg.tree *'), n => n.localName)"))
    assert tags <= TREE_TAGS
    handlers = page.evaluate("Array.from(document.querySelectorAll('*')).flatMap(n => Array.from(n.attributes))"
                             ".filter(a => a.name.startsWith('on')).map(a => a.name)")
    assert handlers == []
    titles = " ".join(page.locator("svg.tree title").all_text_contents())
    assert "<script>alert(8)</script>.md" in titles and "<svg onload=alert(6)>.md" in titles
    assert page.evaluate("document.querySelectorAll('script').length") == 2
    tree.hover()
    page.wait_for_timeout(300)
    opened.assert_clean()
    page.close()


def test_corpus_public_slice_report_works_in_the_browser(browser, tmp_path):
    if not CORPUS_PUBLIC.is_dir():
        pytest.skip(f"{CORPUS_PUBLIC} is absent (../shared is not checked out here)")
    # sorted by file name, so copies of one agent across repositories land in the slice together
    files = sorted(CORPUS_PUBLIC.rglob("*.md"), key=lambda p: (p.name, str(p)))[:150]
    opened = Opened(browser, _report(files, tmp_path / "out"))
    page = opened.page
    assert page.locator("#family-list .family:visible").count() >= 1
    opened.open_first_pair_diff()
    opened.close_diff()
    page.locator("#pair-table tbody tr").first.wait_for()
    assert page.locator("#pair-table tbody tr").count() <= 50  # paginated
    page.screenshot(path=str(tmp_path / "slice.png"), full_page=False)
    opened.assert_clean()
    page.close()
