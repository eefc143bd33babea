"""Real policy histories (../shared/corpus): rendering parity with GitHub, import, build, diff quality."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from site_builder.blocks import cut
from site_builder.markup import sanitize, to_html
from tests.conftest import BASE_ENV, CORPUS_SERVICES, PolicyRepo
from tests.corpus_tools import CORPUS, agreement
from tests.test_browser import _serve
from tests.test_marks import _every_pair_the_same, _versions, needs_chromium

SERVICES = CORPUS_SERVICES
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the repository")
GITHUB = MarkdownIt("gfm-like", {"linkify": True})


def versions(service: str) -> list[Path]:
    return sorted((CORPUS / service).glob("*.md"))


@pytest.mark.parametrize("service", SERVICES)
def test_every_block_reads_as_on_github(service: str) -> None:
    """markdown-it-py (CommonMark + GFM) is the oracle: the same blocks with the same visible text."""
    for path in versions(service):
        source = path.read_text(encoding="utf-8")
        ours = [b.key for b in cut(to_html(source))]
        github = [b.key for b in cut(sanitize(GITHUB.render(source)))]
        assert ours == github, path.name


class _Text(HTMLParser):
    """The text of each block element of a page's main content."""

    BLOCKS = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "div", "section"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.blocks: list[str] = [""]

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "article":
            self.depth += 1
        if tag in self.BLOCKS:
            self.blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.depth -= 1
        if tag in self.BLOCKS:
            self.blocks.append("")

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.blocks[-1] += data


MARKDOWN_LEFT = re.compile(r"\]\(|\|\s*-{3}|^#{1,6} |^[-*+] \w")


def markdown_left_in(page: Path) -> list[str]:
    parser = _Text()
    parser.feed(page.read_text(encoding="utf-8"))
    return [b for b in (" ".join(x.split()) for x in parser.blocks) if MARKDOWN_LEFT.search(html.unescape(b))]


@pytest.fixture(scope="module")
def imported(corpus_built: dict[str, PolicyRepo]) -> dict[str, PolicyRepo]:
    """Each history imported and built (once per run: conftest's corpus_built)."""
    return corpus_built


@pytest.mark.parametrize("service", SERVICES)
def test_history_imports_and_builds_without_markdown_syntax(imported: dict[str, PolicyRepo], service: str) -> None:
    repo = imported[service]
    site = repo.root / "site" / "en"
    count = len(versions(service))
    pages = sorted(site.glob("*/index.html")) + sorted(site.glob("*/changes/index.html"))
    assert len([p for p in pages if p.parent.name.isdigit()]) == count
    assert len(list(site.glob("*/changes/index.html"))) == count
    for page in pages:
        assert markdown_left_in(page) == [], page
    assert repo.policy("check").returncode == 0


@pytest.mark.parametrize("service", SERVICES)
def test_marked_words_agree_with_git_word_diff(imported: dict[str, PolicyRepo], service: str, tmp_path: Path) -> None:
    """Per section, our marks against `git diff --word-diff` on the same texts (URL words aside)."""
    repo = imported[service]
    both, only_git, only_ours = agreement(repo.root / "site", repo.root, tmp_path)
    recall = both / (both + only_git)
    precision = both / (both + only_ours)
    print(f"{service}: {both} words marked by both, {only_git} by git only, {only_ours} by us only; "
          f"recall {recall:.3f}, precision {precision:.3f}")
    assert recall >= 0.95  # of the words git marks, we mark at least 95 %
    assert precision >= 0.85  # the rest: short equalities folded by the semantic clean-up, whole-block rewrites


def test_import_reports_bad_input(tmp_path: Path) -> None:
    repo = PolicyRepo(tmp_path / "target")
    repo.root.mkdir()
    binary = tmp_path / "policy.pdf"
    binary.write_bytes(b"%PDF-1.4\0\0binary")
    assert "is not a text file" in repo.policy("import", str(binary), check=False).stderr
    flat = tmp_path / "flat.md"
    flat.write_text("# Policy\n\nOne paragraph.\n\n## Only one\n\nText.\n", encoding="utf-8")
    done = repo.policy("import", str(flat), "--level", "3", check=False)
    assert done.returncode == 1 and "heading level 3 splits nothing" in done.stderr and "1, 2" in done.stderr
    done = repo.policy("import", str(flat), "--map", "Only one=Bad_Id", check=False)
    assert done.returncode == 1 and "'Bad_Id' is not a section id" in done.stderr
    assert "Traceback" not in done.stderr and BASE_ENV


@pytest.fixture(scope="module")
def corpus_sites(corpus_built: dict[str, PolicyRepo]):
    """Each real history (imported and built once per run, see conftest), served."""
    out = {}
    servers = []
    for service, repo in corpus_built.items():
        server, base = _serve(repo.root / "site")
        servers.append(server)
        out[service] = (repo.root / "site", base)
    yield out
    for server in servers:
        server.shutdown()


@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize("service", SERVICES)
def test_corpus_compare_equals_changes_and_nothing_scrolls_sideways(browser, corpus_sites, service: str) -> None:  # noqa: ANN001
    """Every release of each real history against the one before: the compare page marks what the
    changes page marks, and no changes page is wider than a 320 px phone."""
    site, base = corpus_sites[service]
    page = browser.new_page()
    wide = _every_pair_the_same(page, base, "en", _versions(site), width=320)
    page.close()
    assert wide == {}
