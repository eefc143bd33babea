"""Finding your way (issue 21 points 7-10): contents, the reader's place kept across links, the
header, downloads, the history ZIP's dates, the unsubscribe page, search hits, requests, the 404,
dates, and "changed since you last read it"."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import json
import re
import threading
import zipfile
from html import escape
from pathlib import Path

import pytest

from site_builder.i18n import texts
from tests.conftest import PolicyRepo, copy_repo
from tests.test_browser import CHROMIUM, IN_CI
from tests.test_site import site_template  # noqa: F401 - the fixture

TODAY = "2026-01-15"  # 1.1 in force, 2.0 (with cookies) from 1 March 2026


@pytest.fixture(scope="module")
def built(site_template: PolicyRepo, tmp_path_factory: pytest.TempPathFactory):  # noqa: F811
    """The site of 1.0, 1.1 and 2.0 (upcoming), built once for the module; (repo, site folder)."""
    folder = tmp_path_factory.mktemp("navigation")
    repo = copy_repo(site_template, folder / "policy-repo")
    repo.policy("build", "--out", str(folder / "site"), "--today", TODAY, "-q")
    return repo, folder / "site"


def _html(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


# --- 8: the header separates the language from the downloads; downloads named, UTF-8 ----------------

def _links_nav(page_html: str) -> str:
    return re.search(r'<nav class="policy-links">(.*?)</nav>', page_html, re.S).group(1)


@pytest.mark.parametrize("url", ["en/1.1", "el/2.0/changes"])
def test_the_language_link_is_apart_from_the_downloads(built, url: str) -> None:
    _, site = built
    nav = _links_nav(_html(site, url))
    downloads = re.search(r'<span class="policy-downloads">(.*?)</span></span>', nav, re.S).group(1)
    assert "policy-lang" not in downloads  # not read as a third format
    assert re.search(r'<span class="policy-lang-switch"><a [^>]*class="policy-lang"', nav)
    assert "·" not in re.sub(r"<[^>]+>", "", nav)  # no text separator left to wrap alone


@pytest.mark.parametrize(("lang", "version"), [("el", "1.1"), ("en", "2.0")])
def test_downloads_are_named_declared_utf8_and_plain_markdown(built, lang: str, version: str) -> None:
    _, site = built
    nav = _links_nav(_html(site, f"{lang}/{version}"))
    assert f'href="policy.md" type="text/markdown; charset=utf-8" download="policy-{version}-{lang}.md"' in nav
    assert f'download="policy-{version}-{lang}.json"' in nav
    markdown = (site / lang / version / "policy.md").read_text(encoding="utf-8")
    assert "<a " not in markdown and "{ #" not in markdown and "{#" not in markdown
    assert re.search(r"^## ", markdown, re.M)


# --- 9: the history ZIP dated with the releases --------------------------------------------------------

def test_history_zip_entries_carry_their_release_dates(built) -> None:
    repo, site = built
    committed = {}
    for version in ("1.0", "1.1", "2.0"):
        stamp = repo.git("log", "-1", "--diff-filter=A", "--format=%ct", "--", f"changelog/{version}.yml").strip()
        committed[version] = dt.datetime.fromtimestamp(int(stamp), dt.UTC)
    with zipfile.ZipFile(site / "policy-history.zip") as archive:
        dates = {info.filename: dt.datetime(*info.date_time) for info in archive.infolist()}
    assert all(day.year > 1980 for day in dates.values())
    for version, moment in committed.items():
        for name in (f"{version}/el/policy.md", f"{version}/en/policy.json"):
            assert abs((dates[name] - moment.replace(tzinfo=None)).total_seconds()) <= 2, name
    assert dates["manifest.json"] == max(dates[n] for n in dates if n != "manifest.json")
    assert dates["1.0/en/policy.md"] < dates["1.1/en/policy.md"] < dates["2.0/en/policy.md"]


# --- 9: unsubscribe: a complete page, one word ----------------------------------------------------------

def test_unsubscribe_page_is_complete_in_both_languages_with_a_way_back(built) -> None:
    _, site = built
    page = (site / "unsubscribe/index.html").read_text(encoding="utf-8")
    assert "<main>" in page
    for lang in ("en", "el"):
        section = re.search(rf'<section lang="{lang}">(.*?)</section>', page, re.S).group(1)
        assert f'href="../{lang}/"' in section and f'href="../{lang}/versions/"' in section  # the way back
        assert "<li>" not in section  # no list that starts with "or …"
        assert not re.search(r"<p>\s*(or|ή)\b", section)
    assert "mailto:privacy@example.com?subject=unsubscribe" in page
    assert "mailto:privacy@example.com?subject=%CE%B1%CF%80%CE%B5%CE%B3%CE%B3%CF%81%CE%B1%CF%86%CE%AE" in page  # απεγγραφή
    assert "διαγραφή" not in page.lower()


def test_one_greek_word_for_unsubscribing() -> None:
    """«διαγραφή» also means erasure of data: every unsubscribe text says «απεγγραφή»."""
    greek = texts("el")
    about_unsubscribing = {k: v for k, v in greek.items() if "unsub" in k}
    assert about_unsubscribing and all("διαγραφ" not in v.lower() and "Διαγραφ" not in v for v in about_unsubscribing.values())
    assert "απεγγραφ" in greek["notice.unsubscribe_link"].lower() and "απεγγραφ" in greek["notice.material"]
    assert "διαγραφή των δεδομένων" in greek["notice.material"]  # erasure keeps its own word


def test_the_greek_notice_asks_for_the_same_word_in_its_mailto() -> None:
    from site_builder.notify.compose import NoticeSettings
    from site_builder.notify.mime import mailto_link

    conf = NoticeSettings("Example <privacy@example.com>", "privacy@example.com", None, "privacy@example.com",
                          "Example", "Example", "privacy@example.com")
    assert mailto_link(conf, "anna@example.com", "el").startswith(
        "mailto:privacy@example.com?subject=%CE%B1%CF%80%CE%B5%CE%B3%CE%B3%CF%81%CE%B1%CF%86%CE%AE%20anna")
    assert mailto_link(conf, "bob@example.com").startswith("mailto:privacy@example.com?subject=unsubscribe%20bob")


# --- 9: search: one hit per section and group of versions with its text, the one in force first -------

def test_search_has_one_entry_per_section_text_held_by_the_version_that_ranks_first(built) -> None:
    _, site = built
    for lang in ("en", "el"):
        docs = json.loads((site / lang / "search/search_index.json").read_text(encoding="utf-8"))["docs"]
        by_section: dict[str, list[str]] = {}
        for doc in docs:
            page, _, section = doc["location"].partition("#")
            if section and not page.endswith("changes/"):
                by_section.setdefault(section, []).append(page)
        # intro and collection are the same text in 1.0, 1.1 and 2.0: one entry, the version in force
        assert by_section["intro"] == ["1.1/"] and by_section["collection"] == ["1.1/"], lang
        # rights changed in 1.1: 1.0's wording and 1.1's (which 2.0 keeps), each once
        assert sorted(by_section["rights"]) == ["1.0/", "1.1/"], lang
        assert by_section["cookies"] == ["2.0/"], lang  # only the upcoming version has it
        assert {d["location"] for d in docs if "#" not in d["location"]} >= {"1.0/", "1.1/", "2.0/"}


# --- 9: the 404 works under any path; one date style ---------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "el"])
def test_the_404_page_has_only_full_addresses(built, lang: str) -> None:
    _, site = built
    page = (site / lang / "404.html").read_text(encoding="utf-8")
    addresses = re.findall(r'(?:href|src)="([^"]*)"', page)
    assert addresses and not [a for a in addresses if not a.startswith(("https://", "#"))]
    assert f"https://policy.example.com/{lang}/assets/stylesheets/policy.css" in addresses


@pytest.mark.parametrize("lang", ["en", "el"])
def test_the_404_page_says_the_words_of_its_catalog(built, lang: str) -> None:
    """Every language's 404 words come from its catalog (they were written into the template for
    English and Greek, so a corrected catalog entry never reached that page)."""
    from site_builder.i18n import t

    _, site = built
    page = (site / lang / "404.html").read_text(encoding="utf-8")
    assert f"<h1>{escape(t(lang, 'notfound.title'))}</h1>" in page
    link = f'<a href="https://policy.example.com/{lang}/versions/">{escape(t(lang, "notfound.versions"))}</a>'
    assert link in page, page[page.find("<h1>"):][:600]
    # and none in the template, where a translator would never look
    from site_builder.site.engine_mkdocs import THEME_DIR

    template = (THEME_DIR / "404.html").read_text(encoding="utf-8")
    assert t("en", "notfound.title") not in template and not re.search("[\u0370-\u03ff]", template)


@pytest.mark.parametrize(("url", "expected"), [("el/1.1", "πολιτική-απορρήτου"), ("el/versions", "όλες-οι-εκδόσεις"),
                                             ("en/1.1", "privacy-policy")])
def test_page_title_anchors_are_words_in_every_language(built, url: str, expected: str) -> None:
    """A Greek title's permalink used to be "#_1" (the slug dropped every Greek letter)."""
    _, site = built
    h1 = re.search(r'<h1 id="([^"]*)"', _html(site, url)).group(1)
    assert h1.startswith(expected), h1


def test_english_dates_have_one_style(built) -> None:
    _, site = built
    american = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}")
    for path in (site / "en").rglob("*.html"):
        assert not american.search(path.read_text(encoding="utf-8")), path
    assert "1 March 2026" in _html(site, "en/2.0")
    script = (Path(__file__).parents[1] / "site_builder/theme/assets/javascripts/policy.js").read_text(encoding="utf-8")
    assert '"en-GB"' in script


# --- the browser ---------------------------------------------------------------------------------------

class _Quiet(http.server.SimpleHTTPRequestHandler):
    """Serves the site; a missing address gets the English 404 page, as a host would."""

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass

    def send_error(self, code, message=None, explain=None) -> None:  # noqa: ANN001
        if code != 404:
            super().send_error(code, message, explain)
            return
        body = (Path(self.directory) / "en/404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def served(site_template: PolicyRepo, tmp_path_factory: pytest.TempPathFactory):  # noqa: F811
    """The same site, built for the address it is served at."""
    if not CHROMIUM.exists():
        assert not IN_CI, "Debian's chromium is missing"
        pytest.skip("Debian's chromium is not installed")
    folder = tmp_path_factory.mktemp("navigation-served")
    repo = copy_repo(site_template, folder / "policy-repo")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    repo.policy("build", "--out", str(folder / "site"), "--today", TODAY, "--site-url", base, "-q")
    yield base
    server.shutdown()


@pytest.fixture
def reader(browser, served: str):  # noqa: ANN001
    """A page at phone width, with every failed request and error response recorded."""
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    yield page, served, failed
    context.close()


def _settled(page) -> None:  # noqa: ANN001
    page.wait_for_function("document.documentElement.hasAttribute('data-policy-today')")


@pytest.mark.browser
def test_contents_of_the_sections_at_desktop_width_and_in_the_phone_menu(reader) -> None:
    page, base, _ = reader
    for url in ("en/1.1/", "el/"):  # a version page, and the page in force (which is in the menu)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(base + url)
        contents = page.locator(".md-sidebar--secondary .md-nav--secondary")
        for section in ("intro", "collection", "rights"):
            assert contents.locator(f'a[href="#{section}"]').is_visible(), (url, section)
        page.set_viewport_size({"width": 375, "height": 800})
        page.reload()
        page.locator(".md-header label[for=__drawer]").click()
        page.locator(".md-nav--primary label.md-nav__link[for=__toc]").click()
        link = page.locator('.md-nav--primary a[href="#rights"]')
        link.wait_for(state="visible")
        link.click()
        page.wait_for_function("location.hash === '#rights'")


@pytest.mark.browser
def test_links_between_versions_views_and_languages_keep_the_section(reader) -> None:
    page, base, _ = reader
    page.goto(base + "en/1.1/#rights")
    _settled(page)
    nav = page.locator(".policy-links")
    assert nav.locator("a.policy-lang").get_attribute("href").endswith("el/1.1/#rights")
    assert nav.locator("a[rel=prev]").get_attribute("href").endswith("1.0/#rights")
    assert nav.locator("a[rel=next]").get_attribute("href").endswith("2.0/#rights")
    assert nav.locator("a.policy-changes-link").get_attribute("href").endswith("changes/#rights")
    nav.locator("a.policy-lang").click()
    page.wait_for_url(base + "el/1.1/#rights")
    # a second section, reached by the contents after the page loaded, and the changes page's way back
    page.goto(base + "en/1.1/changes/")
    page.evaluate("location.hash = '#rights'")
    page.locator(".policy-links a.policy-full-text-link").click()
    page.wait_for_url(base + "en/1.1/#rights")


@pytest.mark.browser
def test_the_compare_page_keeps_its_versions_in_the_other_language(reader) -> None:
    page, base, _ = reader
    page.goto(base + "en/compare/?from=1.0&to=2.0")
    page.locator("a.policy-lang").click()
    page.wait_for_url(base + "el/compare/?from=1.0&to=2.0")
    page.select_option("select[name=from]", "1.1")  # chosen in the page: the address changes, the link follows
    page.click(".policy-compare-form button")
    page.wait_for_function("location.search === '?from=1.1&to=2.0'")
    page.locator("a.policy-lang").click()
    page.wait_for_url(base + "en/compare/?from=1.1&to=2.0")


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 320])
def test_the_header_reads_on_a_phone(reader, width: int) -> None:
    page, base, _ = reader
    page.set_viewport_size({"width": width, "height": 800})
    for url in ("el/1.1/", "en/2.0/changes/"):
        page.goto(base + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, url
        lang_box = page.locator(".policy-lang-switch").bounding_box()
        downloads = page.locator(".policy-downloads").bounding_box()
        archive = page.locator(".policy-links > a").last.bounding_box()
        assert lang_box["y"] > archive["y"] and downloads["y"] > lang_box["y"], url  # each on a line of its own
        assert page.locator(".policy-links > a").count() <= 4


@pytest.mark.browser
def test_no_page_makes_a_failing_request(reader) -> None:
    page, base, failed = reader
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    for url in ("en/", "el/1.1/", "en/2.0/changes/", "el/versions/", "en/compare/?from=1.0&to=1.1", "unsubscribe/"):
        page.goto(base + url)
        page.wait_for_load_state("networkidle")
    assert failed == []
    assert not [u for u in requested if u.endswith("sitemap.xml") and not u.endswith(("/en/sitemap.xml", "/el/sitemap.xml"))]


@pytest.mark.browser
@pytest.mark.parametrize("path", ["no/such/page/", "en/9.9/changes/deeper/still"])
def test_the_404_page_works_under_any_path(reader, path: str) -> None:
    page, base, failed = reader
    answer = page.goto(base + path)
    assert answer.status == 404
    page.wait_for_load_state("networkidle")
    assert failed == [f"404 {base}{path}"]  # the page itself, nothing it loads
    assert page.locator(".md-header").is_visible()  # the theme's styles were found
    page.locator("article a", has_text="policy in force").click()
    page.wait_for_url(base + "en/")


@pytest.mark.browser
def test_the_print_date_is_written_as_the_build_writes_dates(reader) -> None:
    page, base, _ = reader
    page.clock.set_fixed_time(dt.datetime(2026, 11, 29, 12, 0))
    for lang, expected in (("en", "29 November 2026"), ("el", "29 Νοεμβρίου 2026")):
        page.goto(base + f"{lang}/1.1/")
        page.emulate_media(media="print")
        assert page.locator(".policy-print").inner_text().endswith(expected)
        page.emulate_media(media="screen")


def _visit(page, url: str, day: dt.datetime) -> None:  # noqa: ANN001
    page.clock.set_fixed_time(day)
    page.goto(url)
    _settled(page)
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "expected", "link"), [
    ("en", "This policy changed since you last read it (version 1.1, on 10 February 2026).", "What changed for you"),
    ("el", "Η πολιτική τροποποιήθηκε από την τελευταία φορά που τη διαβάσατε (έκδοση 1.1, στις 10 Φεβρουαρίου 2026).",
     "Δείτε τι άλλαξε για εσάς"),
])
def test_a_returning_reader_is_told_once_what_changed(reader, lang: str, expected: str, link: str) -> None:
    page, base, _ = reader
    notice = page.locator("#policy-since")
    _visit(page, base + f"{lang}/", dt.datetime(2026, 1, 20, 12, 0))  # first visit: 1.1 in force
    assert not notice.is_visible()
    _visit(page, base + f"{lang}/1.0/", dt.datetime(2026, 2, 10, 12, 0))  # still 1.1: nothing changed; read last then
    assert not notice.is_visible()
    _visit(page, base + f"{lang}/", dt.datetime(2026, 3, 2, 12, 0))  # 2.0 took effect on 1 March
    notice.wait_for(state="visible")
    assert notice.inner_text().startswith(expected)
    href = notice.locator("a").get_attribute("href")
    assert href.endswith("compare/?from=1.1&to=2.0")
    stored = page.evaluate("JSON.stringify(localStorage)")
    assert "2.0" in stored and "2026-03-02" in stored
    notice.locator("button").click()  # dismissible
    assert not notice.is_visible()
    notice_link = base + f"{lang}/compare/?from=1.1&to=2.0"
    _visit(page, base + f"{lang}/", dt.datetime(2026, 3, 3, 12, 0))  # once only
    assert not notice.is_visible()
    page.goto(notice_link)
    page.wait_for_selector("#policy-compare[data-ms]", state="attached", timeout=10000)
    assert link in page.evaluate("JSON.stringify(document.getElementById('policy-since').dataset)")


@pytest.mark.browser
def test_without_storage_there_is_no_notice_and_no_error(browser, served: str) -> None:  # noqa: ANN001
    context = browser.new_context()
    context.add_init_script("Object.defineProperty(window, 'localStorage', {get() { throw new Error('denied'); }});")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(e.stack or str(e)))
    for day in (dt.datetime(2026, 1, 20, 12, 0), dt.datetime(2026, 3, 2, 12, 0)):
        _visit(page, served + "en/", day)
        assert not page.locator("#policy-since").is_visible()
    assert not [e for e in errors if "policy.js" in e]  # (the theme's own scripts may complain)
    context.close()


@pytest.mark.browser
def test_the_notice_and_the_contents_have_no_wcag_violations(reader) -> None:
    from tests.test_browser import _axe_source, axe_violations

    axe = _axe_source()
    if axe is None:
        assert not IN_CI
        pytest.skip("axe-core not installed")
    page, base, _ = reader
    _visit(page, base + "el/", dt.datetime(2026, 1, 20, 12, 0))
    _visit(page, base + "el/", dt.datetime(2026, 3, 2, 12, 0))
    page.locator("#policy-since").wait_for(state="visible")
    found = {}
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        violations = axe_violations(page, axe)
        if violations:
            found[width] = violations
    assert found == {}
