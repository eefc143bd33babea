"""No script from policy text (issue 19, items 2 and 3): titles, code spans, table cells, link texts and
release summaries carrying script payloads are shown as text in every place a browser reads them (pages,
the search results Material renders from search_index.json, the compare page, our own page script)."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest

from site_builder.source.releases import write_record
from site_builder.source.workspace import open_workspace
from tests.conftest import PolicyRepo
from tests.test_browser import ARGS, CHROMIUM, IN_CI, _Quiet, _search

# Every payload calls pwned(n): a function the browser test exposes on every page it opens.
TITLE_EN = "Kids <img src=x onerror=pwned(1)>"
TITLE_EL = 'Παιδιά "><script>pwned(2)</script>'
BODY = """Ask us about `<img src=x onerror=pwned(3)>` anytime, {word}.

| Data | Note |
|------|------|
| `<svg onload=pwned(4)>` | <svg onload=pwned(5)></svg> cell |
| [<img src=x onerror=pwned(6)>](https://example.com/) | <a href="jav&#x61;script:pwned(7)">tricky</a> |

<a href="javascript:pwned(8)">plain link</a> and <a href=" JaVaScRiPt:pwned(9)">spaced link</a>

<div class="policy-notice policy-notice--upcoming" data-effective="2000-01-01" data-href="javascript:pwned(10)" data-now="Now" data-read="Read it"><p>Notice</p></div>

<div id="policy-compare" data-root="javascript:pwned(11)//" data-labels="{{}}">box</div>

<iframe srcdoc="<script>parent.pwned(12)</script>"></iframe>
"""
SUMMARY_EN = 'Surprise <img src=x onerror=pwned(13)> and <iframe srcdoc="<script>parent.pwned(14)</script>"></iframe>'
SUMMARY_EL = "Έκπληξη <svg onload=pwned(15)></svg> `<img src=x onerror=pwned(16)>`"


def _release_as_an_older_tool_did(repo: PolicyRepo, version: str, effective: str) -> None:
    """A release whose text a tool without today's check let through: the site must still be safe."""
    import datetime as dt

    ws = open_workspace(repo.root)
    write_record(repo.root, version=version, effective=dt.date.fromisoformat(effective), kind="minor",
                 summaries={"en": SUMMARY_EN, "el": SUMMARY_EL}, content_hash=ws.draft_hash())
    repo.commit(f"Release {version}")


@pytest.fixture
def hostile_repo(repo: PolicyRepo) -> PolicyRepo:
    """1.0 clean; 1.1 (in force) adds a section whose title, text and summary carry payloads."""
    repo.release("1.0", "2025-01-01")
    repo.write("policy/policy.yml", repo.read("policy/policy.yml") + "  - kids\n")
    repo.section("kids", TITLE_EN, BODY.format(word="children"))
    repo.translate("kids", TITLE_EL, BODY.format(word="παιδιά"))
    repo.commit("A hostile section")
    _release_as_an_older_tool_did(repo, "1.1", "2025-06-01")
    return repo


@pytest.fixture
def hostile_site(hostile_repo: PolicyRepo, tmp_path: Path):
    out = tmp_path / "site"
    out.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    base = f"http://127.0.0.1:{server.server_port}/"
    out.rmdir()
    hostile_repo.policy("build", "--out", str(out), "--today", "2026-01-15", "--site-url", base, "-q")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, out
    server.shutdown()


def test_search_entries_hold_escaped_text(hostile_site) -> None:
    """Material renders a result's title and text as HTML: the index holds no markup from policy text."""
    _, out = hostile_site
    for lang in ("en", "el"):
        docs = json.loads((out / lang / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
        fields = " ".join(doc["title"] + " " + doc["text"] for doc in docs)
        assert "<" not in fields and ">" not in fields, lang
        assert "&lt;img src=x onerror=pwned(1)&gt;" in fields or lang == "el"
        assert "&lt;script&gt;pwned(2)&lt;/script&gt;" in fields or lang == "en"


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists() and not IN_CI, reason="Debian's chromium is not installed (apt-get install chromium)")
def test_no_payload_runs_in_search_pages_links_or_compare(hostile_site) -> None:
    """Type payload words into search on /en/ and /el/, open every page kind, click every link of the
    content: no payload runs, and no link on any page leads to a script."""
    playwright = pytest.importorskip("playwright.sync_api")
    base, _ = hostile_site
    ran: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        context.expose_function("pwned", lambda n: ran.append(f"pwned({n})"))
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
        page = context.new_page()
        page.on("dialog", lambda d: (ran.append("dialog " + d.message), d.dismiss()))
        for lang, words in (("en", ["Kids", "onerror", "cell", "Surprise", "children"]),
                            ("el", ["Παιδιά", "tricky", "Έκπληξη", "onerror", "παιδιά"])):
            page.goto(base + f"{lang}/")
            for word in words:
                found = _search(page, word)
                page.wait_for_timeout(200)
                assert not ran, (lang, word, ran)
                assert found > 0, (lang, word)
        urls = [f"{lang}/{path}" for lang in ("en", "el")
                for path in ("", "1.1/", "1.1/changes/", "versions/", "compare/?from=1.0&to=1.1")]
        for url in urls:
            page.goto(base + url)
            # policy.js builds the notice's link once versions.json has come (a payload's target): wait for it
            page.wait_for_function("() => !document.querySelector('[data-root][data-labels]')"
                                   " || document.documentElement.hasAttribute('data-policy-today')")
            if "compare" in url:
                page.wait_for_selector("#policy-compare[data-ms]", state="attached", timeout=10000)
            _no_script_links(page, url)
            _click_every_link(page, base + url)
            assert not ran, (url, ran)
        browser.close()


def _no_script_links(page, url: str) -> None:
    protocols = page.eval_on_selector_all("a[href]", "links => links.map(a => a.protocol)")
    assert set(protocols) <= {"http:", "https:", "mailto:"}, (url, protocols)


def _click_every_link(page, url: str) -> None:
    """Click every link that stays on the page (to one of its anchors) or is not a web address (those a
    payload would be); the links to other pages, and to this one afresh, lead to http(s) addresses
    (`_no_script_links`) and those pages are visited too.
    Each click is its own task, as a reader's clicks are, so that one link's navigation cannot cancel another's."""
    clicked = page.eval_on_selector_all("a[href]", """async links => {
        const staying = links.filter(a => !/^https?:$/.test(a.protocol) || (a.getAttribute("href") || "").trim().startsWith("#")
                                          || (a.hash && a.origin === location.origin && a.pathname === location.pathname
                                              && a.search === location.search));
        for (const a of staying) {
            a.click();
            await new Promise(resolve => setTimeout(resolve, 0));
        }
        return staying.length;
    }""")
    assert clicked > 0, url  # every page has its skip link and section links at least
    page.wait_for_timeout(300)
    assert page.url.split("#")[0] == url, page.url


def test_check_names_raw_html_the_site_drops(repo: PolicyRepo) -> None:
    """`policy check` reports markup it will strip, with file and line, instead of 0 problems."""
    repo.section("intro", "Introduction",
                 'We respect your privacy.\n\n<div class="policy-notice" data-href="javascript:x()">note</div>\n\n'
                 '<svg onload=x()></svg>\n')
    repo.commit()
    done = repo.policy("check", check=False)
    assert done.returncode != 0
    out = done.stdout + done.stderr
    assert "policy/intro.md:6: raw HTML: the site drops the attribute(s) `class`, `data-href` of `<div>`" in out
    assert "policy/intro.md:8: raw HTML: the site drops the `<svg>` element" in out
    assert "Traceback" not in out


def test_check_is_quiet_about_code_spans_and_markdown(repo: PolicyRepo) -> None:
    """Markup shown as text (a code span) and plain Markdown are what the site publishes: nothing to say."""
    repo.section("intro", "Introduction", "Type `<b onclick=x()>` literally; **bold**, [a link](https://example.com/).\n")
    repo.commit()
    out = repo.policy("check", check=False).stdout
    assert "raw HTML" not in out


def test_summary_markup_is_a_warning_and_never_live(hostile_repo: PolicyRepo, tmp_path: Path) -> None:
    """A release summary's markup is named by check, and its changes page shows it without the markup."""
    done = hostile_repo.policy("check", check=False)
    assert "changelog/1.1.yml:" in done.stdout and "warning: raw HTML: the site drops the `<img>` element" in done.stdout
    hostile_repo.policy("build", "--out", str(tmp_path / "site"), "--today", "2026-01-15", "-q")
    for lang in ("en", "el"):
        for url in ("1.1/changes/", "1.1/", ""):
            live = _live_markup((tmp_path / "site" / lang / url / "index.html").read_text(encoding="utf-8"))
            assert not live, (lang, url, live)


class _Live(HTMLParser):
    """Markup that would run: event handlers, frames, scripts mentioning a payload, script links."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.script = tag == "script"
        for name, value in attrs:
            if name.startswith("on") or name == "srcdoc" or "script:" in (value or "").lower().replace(" ", ""):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag in ("iframe", "img", "object", "embed"):
            self.found.append(f"<{tag}>")

    def handle_data(self, data: str) -> None:
        if self.script and "pwned" in data:
            self.found.append("<script>" + data)


def _live_markup(html: str) -> list[str]:
    parser = _Live()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("summary", ['New <img src=x onerror=alert(1)> text', 'See <iframe srcdoc="<script>x()</script>"></iframe>'])
def test_release_refuses_a_summary_with_markup_it_would_drop(repo: PolicyRepo, summary: str) -> None:
    done = repo.policy("release", "1.0", "--effective", "2025-01-01", "--kind", "minor",
                       "--summary-en", summary, "--summary-el", "Σύνοψη.", check=False)
    assert done.returncode == 1 and "--summary-en: raw HTML: the site drops the" in done.stderr
    assert not (repo.root / "changelog" / "1.0.yml").exists()
