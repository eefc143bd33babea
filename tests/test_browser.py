"""A reader in a real browser (Debian's Chromium driven by Playwright) on a locally served site."""

from __future__ import annotations

import functools
import http.server
import os
import re
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import ARGS, CHROMIUM, IN_CI, PolicyRepo, copy_repo  # noqa: F401 - ARGS: for the other browser modules
from tests.test_site import site_template  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists() and not IN_CI,
                                 reason="Debian's chromium is not installed (apt-get install chromium)")]


def test_the_browser_is_there_in_ci() -> None:
    """CI runs the browser tests for real: Chromium and Playwright must be installed."""
    assert CHROMIUM.exists(), "Debian's chromium is missing: .ci/run installs it with apt-get"
    import playwright.sync_api  # noqa: F401


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        """A reader who leaves before a file is sent (a page closed while its search index loads) is no error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """A server for `folder` (not made yet) on a free port of 127.0.0.1, and its base URL."""
    server = _Server(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


@pytest.fixture(scope="module")
def served(site_template: PolicyRepo, tmp_path_factory: pytest.TempPathFactory):  # noqa: F811
    """The site built once for this module and served on 127.0.0.1: 1.0, 1.1, 2.0 upcoming, and the
    draft of a pending 2.1 (so that every page type is there for the accessibility test)."""
    folder = tmp_path_factory.mktemp("browser")
    repo = copy_repo(site_template, folder / "policy-repo")
    repo.section("rights", "Your rights", "A draft wording of the rights.\n")
    repo.policy("release", "2.1", "--effective", "2026-06-01", "--kind", "minor", "--summary-en", "Draft.",
                "--summary-el", "Σχέδιο.", "--allow-stale")
    server, base = _serve(folder / "site")
    repo.policy("build", "--draft", "--out", str(folder / "site"), "--today", "2026-01-15", "--site-url", base, "-q")
    yield base
    server.shutdown()


@pytest.fixture
def browser_page(browser, served: str):  # noqa: ANN001
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    yield page, served, requests
    context.close()


# What Material's search shows above the results: with the box empty once its index (loaded in a web
# worker) is ready, and once it has answered a query, in every language the tests publish.
READY = re.compile(r"^(Type to start searching|Πληκτρολογήστε για να αρχίσει η αναζήτηση|Taper pour démarrer la recherche)$")
ANSWERED = re.compile(r"matching document|έγγραφ|δεν βρήκε|document|Aucun")


def _search(page, query: str) -> int:  # noqa: ANN001
    """Search as a reader does and wait for Material's answer (no fixed wait: the box is emptied
    first, so the answer counted is the one to this query, not to the one before)."""
    from playwright.sync_api import expect

    box = page.locator("input.md-search__input")
    if not box.is_visible():
        page.locator("label[for=__search]").first.click()
    meta = page.locator(".md-search-result__meta")
    for text, answer in (("", READY), (query, ANSWERED)):
        box.fill(text)
        page.keyboard.press("End")  # Material searches on key events; fill() alone sends none
        expect(meta).to_have_text(answer, timeout=30000)
    return page.locator(".md-search-result__item").count()


def test_reader_journey(browser_page) -> None:
    page, base, requests = browser_page
    page.goto(base + "en/1.1/changes/")
    ins, dele = page.locator(".policy-diff ins").first, page.locator(".policy-diff del")
    assert ins.is_visible() and "at any time" in ins.inner_text()
    style = lambda el, prop: el.evaluate(f"e => getComputedStyle(e).{prop}")  # noqa: E731
    assert "underline" in style(ins, "textDecorationLine")
    page.goto(base + "en/draft/changes/")  # the draft rewords the rights: words are deleted
    dele = page.locator(".policy-diff del")
    assert dele.first.is_visible() and "copy of your data" in dele.first.inner_text()
    assert "line-through" in style(dele.first, "textDecorationLine")
    # inserted and deleted words differ in more than colour
    page.set_content(f'<link rel="stylesheet" href="{base}en/assets/stylesheets/policy.css"><div class="policy-diff"><ins>a</ins><del>b</del></div>',
                     wait_until="load")  # the style sheet is loaded
    assert style(page.locator("ins"), "textDecorationLine") != style(page.locator("del"), "textDecorationLine")

    page.goto(base + "en/1.1/changes/")
    page.locator("a.policy-lang[hreflang=el]").first.click()
    page.wait_for_load_state()
    assert urlparse(page.url).path == "/el/1.1/changes/"
    assert page.locator("html").get_attribute("lang") == "el"
    assert page.locator(".policy-diff ins").first.is_visible()

    page.goto(base + "en/")
    notice = page.locator(".policy-notice--upcoming")
    assert notice.is_visible() and "1 March 2026" in notice.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1  # no sideways scrolling on a phone

    page.goto(base + "el/")
    assert _search(page, "δεδομένα") >= 1
    assert _search(page, "δεδομενα") >= 1
    assert _search(page, "ΔΕΔΟΜΈΝΑ") >= 1
    assert _search(page, "ΔΕΔΟΜΕΝΑ") >= 1

    outside = sorted({u for u in requests if urlparse(u).hostname not in ("127.0.0.1",) and not u.startswith(("data:", "blob:", "about:"))})
    assert outside == [], outside


def test_the_html_notice_reads_well_on_a_phone(browser, released: PolicyRepo, tmp_path: Path) -> None:  # noqa: ANN001
    """The notice at 375 px in Chromium: no sideways scrolling, a sans-serif face, the date and company shown."""
    released.policy("notify", "1.1", "--out", str(tmp_path / "n"))
    for lang, date, company in (("el", "1 Ιουνίου 2025", "Example"), ("en", "1 June 2025", "Example")):
        for width in (375, 1024):
            page = browser.new_page(viewport={"width": width, "height": 800})
            page.goto((tmp_path / "n" / f"{lang}.html").as_uri())
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            font = page.evaluate("getComputedStyle(document.body).fontFamily")
            assert "sans-serif" in font and "Times" not in font
            text = page.locator("body").inner_text()
            assert date in text and company in text
            box = page.locator("div").nth(1).bounding_box()  # the white card inside the 600 px column
            assert box is not None and box["width"] <= 600 + 1  # a comfortable measure on a desktop client too
            page.close()


def test_status_switches_on_the_effective_date_without_a_rebuild(browser_page) -> None:
    """Built on 15 January with 2.0 due on 1 March: on 2 March the reader sees 2.0 in force."""
    import datetime as dt

    page, base, _ = browser_page
    page.clock.set_fixed_time(dt.datetime(2026, 1, 20, 12, 0))
    page.goto(base + "en/2.0/")
    page.wait_for_function("document.documentElement.getAttribute('data-policy-today') === '2026-01-20'")
    assert page.locator(".policy-header .policy-status").inner_text() == "Upcoming"
    assert page.locator(".policy-notice--not-yet").is_visible()  # says it is not yet in force, links the one that is
    assert "1 March 2026" in page.locator(".policy-notice--not-yet").inner_text()
    page.clock.set_fixed_time(dt.datetime(2026, 3, 2, 12, 0))
    for url, expected in (("en/2.0/", "In force"), ("en/1.1/", "Superseded"), ("el/2.0/", "Σε ισχύ")):
        page.goto(base + url)
        page.wait_for_function("document.documentElement.getAttribute('data-policy-today') === '2026-03-02'")
        assert page.locator(".policy-header .policy-status").inner_text() == expected, url
    assert not page.locator(".policy-notice--not-yet").is_visible()
    page.goto(base + "en/")
    page.wait_for_function("document.documentElement.getAttribute('data-policy-today') === '2026-03-02'")
    assert "Version 2.0 is in force since 1 March 2026" in page.locator(".policy-notice--upcoming").inner_text()


def test_archive_on_a_320px_phone_and_print(browser_page) -> None:
    import datetime as dt

    page, base, _ = browser_page
    page.clock.set_fixed_time(dt.datetime(2026, 2, 3, 12, 0))  # the reader prints on 3 February 2026
    page.set_viewport_size({"width": 320, "height": 700})
    for lang in ("el", "en"):
        page.goto(base + f"{lang}/versions/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, lang
        assert page.locator(".policy-archive tr[data-version] td").first.evaluate("e => getComputedStyle(e).display") == "block"
    page.goto(base + "el/1.1/")
    page.emulate_media(media="print")
    header = page.locator(".policy-print")
    assert header.is_visible()
    text = header.inner_text()
    assert text == f"Example · {base}el/1.1/ · εκτύπωση: 3 Φεβρουαρίου 2026"  # the day of printing, not of the build
    page.goto(base + "en/1.1/")
    assert page.locator(".policy-print").inner_text() == f"Example · {base}en/1.1/ · printed on 3 February 2026"
    assert page.locator(".policy-meta").is_visible()  # version, effective date and status
    assert not page.locator(".policy-links").first.is_visible()


def test_greek_404_root_language_and_skip_link(browser, served: str) -> None:  # noqa: ANN001
    greek = browser.new_page(locale="el-GR")
    greek.goto(served)
    greek.wait_for_url(served + "el/")  # the reader's language
    english = browser.new_page(locale="en-US")
    english.goto(served)
    english.wait_for_url(served + "en/")
    greek.goto(served + "el/404.html")
    assert "Η σελίδα δεν βρέθηκε" in greek.locator("article").inner_text()
    switch = greek.locator(".policy-404-languages a[hreflang=en]")
    assert switch.get_attribute("href") == served + "en/"
    greek.goto(served + "el/1.1/")
    skip = greek.locator("a.md-skip")
    assert skip.get_attribute("href").endswith("#policy-version-header")
    greek.close()
    english.close()


def test_search_finds_every_version_labelled_in_force_first(browser_page) -> None:
    page, base, _ = browser_page
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(base + "en/2.0/")
    assert _search(page, "cookie") >= 1
    first = page.locator(".md-search-result__item").first
    assert "2.0" in first.inner_text() and "Upcoming" in first.inner_text()  # a section only the upcoming 2.0 has
    # the rights section: 1.0's wording and 1.1's (which 2.0 keeps), one hit each, not one per version
    assert _search(page, "copy") == 2
    top = page.locator(".md-search-result__link").first.get_attribute("href")
    assert "1.1/" in top  # the version in force first
    texts = page.locator(".md-search-result__item").all_inner_texts()
    assert not any("All versions" in text for text in texts)  # the archive is not a hit


def test_compare_any_two_versions_with_a_shareable_url(browser_page, tmp_path: Path) -> None:
    page, base, _ = browser_page
    page.set_viewport_size({"width": 1100, "height": 1300})
    page.goto(base + "en/compare/?from=1.0&to=2.0")
    page.wait_for_selector("#policy-compare[data-ms]", state="attached", timeout=10000)
    assert int(page.get_attribute("#policy-compare", "data-ms")) < 1000  # loads and renders in under a second
    box = page.locator("#policy-compare")
    assert "Version 2.0 compared with version 1.0" in box.inner_text()
    assert box.locator("section[data-section=cookies] .policy-badge").inner_text() == "Added"
    assert "at any time" in box.locator("section[data-section=rights] ins").first.inner_text()
    # choosing other versions updates the address, which can be shared
    page.select_option("select[name=from]", "1.1")
    page.click(".policy-compare-form button")
    page.wait_for_function("location.search === '?from=1.1&to=2.0'")
    page.goto(base + "el/compare/?from=1.0&to=1.1")
    page.wait_for_selector("#policy-compare[data-ms]", state="attached", timeout=10000)
    assert "οποτεδήποτε" in page.locator("#policy-compare ins").first.inner_text()
    shots = Path(os.environ.get("POLICY_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "compare-page.png"))
    page.goto(base + "en/2.0/changes/")
    page.screenshot(path=str(shots / "changes-page.png"))


def _axe_source() -> str | None:
    for candidate in (os.environ.get("AXE_CORE_JS", ""), Path(__file__).resolve().parents[1] / ".ci-npm/node_modules/axe-core/axe.min.js",
                      Path(__file__).resolve().parents[1] / "node_modules/axe-core/axe.min.js"):
        if candidate and Path(candidate).is_file():
            return Path(candidate).read_text(encoding="utf-8")
    return None


# WCAG 2.1 A and AA; only the violations are gathered (axe's own option: the other result types are
# left unprocessed, which does not change what it finds) and only they cross back to Python.
AXE_RUN = ("axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},"
           " resultTypes: ['violations']}).then(r => r.violations.map(v => [v.id, v.nodes[0].target]))")


def axe_violations(page, axe: str | None = None) -> list:  # noqa: ANN001
    """[(rule, first element)] that axe-core finds on the page; `axe` is injected first unless the
    page already has it (an init script)."""
    if axe is not None:
        page.add_script_tag(content=axe)
    return page.evaluate(AXE_RUN)


def test_every_page_type_has_no_wcag_violations(browser, served: str) -> None:  # noqa: ANN001
    """axe-core (npm, injected into the page): WCAG 2.1 A and AA, both languages, desktop and phone."""
    axe = _axe_source()
    if axe is None:
        assert not IN_CI, "axe-core is missing: .ci/run installs it with npm"
        pytest.skip("axe-core not installed (npm install axe-core, or set AXE_CORE_JS)")
    base = served
    pages = ["index.html", "unsubscribe/"] + [f"{lang}/{path}" for lang in ("en", "el") for path in (
        "", "1.1/", "2.0/", "1.1/changes/", "2.0/changes/", "versions/", "compare/?from=1.0&to=2.0", "404.html",
        "draft/", "draft/changes/", "draft/gdpr/", "draft/readability/", "draft/notice.html")]
    found = {}
    for width in (1280, 375):
        page = browser.new_page(locale="fr-FR", viewport={"width": width, "height": 800})  # no redirect at /
        page.add_init_script(axe)  # sent once, in every page before its own scripts (it only defines `axe`)
        for url in pages:
            page.goto(base + url)
            if "compare" in url:
                page.wait_for_selector("#policy-compare[data-ms]", state="attached", timeout=10000)
            violations = axe_violations(page)
            if violations:
                found[(width, url)] = violations
        page.close()
    assert found == {}
