"""Issue 21 points 1, 2, 5, 6: the effective timeline (a release replaced before its date never takes
effect), "what changes for you", per-language record fields and summaries as short lists."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import PolicyRepo, copy_repo, make_released

DAYS = ("2026-12-24", "2026-12-25", "2027-01-01")


def _oktabit(root: Path) -> PolicyRepo:
    """OKTABIT's pattern: 1.0, 1.1 in force; 2.0 and 2.1 both take effect on 2026-12-25."""
    repo = make_released(root)
    repo.section("rights", "Your rights", "You may ask for a copy of your data at any time, free of charge.\n")
    repo.translate("rights", "Τα δικαιώματά σας", "Μπορείτε να ζητήσετε οποτεδήποτε, δωρεάν, αντίγραφο των δεδομένων σας.\n")
    repo.commit("Rights: free of charge")
    repo.release("2.0", "2026-12-25", "material")
    repo.section("rights", "Your rights", "You may ask for a copy of your data at any time, free of charge, within a month.\n")
    repo.translate("rights", "Τα δικαιώματά σας",
                   "Μπορείτε να ζητήσετε οποτεδήποτε, δωρεάν, αντίγραφο των δεδομένων σας, εντός μηνός.\n")
    repo.commit("Rights: within a month")
    repo.release("2.1", "2026-12-25", "material")
    return repo


@pytest.fixture(scope="module")
def oktabit(tmp_path_factory: pytest.TempPathFactory) -> PolicyRepo:
    return _oktabit(tmp_path_factory.mktemp("oktabit") / "policy-repo")


@pytest.fixture(scope="module")
def sites(oktabit: PolicyRepo, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The site as built on 2026-11-29 (the issue's day) and on each simulated day."""
    folder = tmp_path_factory.mktemp("timeline-sites")
    out = {}
    for day in ("2026-11-29", *DAYS):
        oktabit.policy("build", "--out", str(folder / day), "--today", day, "-q")
        out[day] = folder / day
    return out


def _text(html_text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html_text))


def _statuses(site: Path) -> dict[str, str]:
    return {v["version"]: v["status"] for v in json.loads((site / "versions.json").read_text(encoding="utf-8"))}


def test_a_release_replaced_on_its_own_date_is_never_in_force(sites: dict[str, Path]) -> None:
    assert _statuses(sites["2026-11-29"]) == {"2.1": "upcoming", "2.0": "never in force", "1.1": "in force", "1.0": "superseded"}
    assert _statuses(sites["2026-12-24"])["2.0"] == "never in force"
    for day in DAYS[1:]:
        assert _statuses(sites[day]) == {"2.1": "in force", "2.0": "never in force", "1.1": "superseded", "1.0": "superseded"}


@pytest.mark.parametrize("day", ["2026-11-29", *DAYS])
def test_exactly_one_version_is_in_force_on_every_simulated_day(sites: dict[str, Path], day: str) -> None:
    statuses = _statuses(sites[day])
    assert list(statuses.values()).count("in force") == 1
    expected = "1.1" if day < "2026-12-25" else "2.1"
    for lang, said in (("en", "In force"), ("el", "Σε ισχύ")):
        page = (sites[day] / lang / "index.html").read_text(encoding="utf-8")
        assert f'data-version="{expected}"' in page
        assert _text(page).count(said) >= 1


def test_the_page_in_force_announces_only_the_version_that_will_apply(sites: dict[str, Path]) -> None:
    for lang, word in (("en", "A new version"), ("el", "Νέα έκδοση")):
        page = _text((sites["2026-11-29"] / lang / "index.html").read_text(encoding="utf-8"))
        assert page.count(word) == 1, page
        assert f"{word} 2.1" in page and f"{word} 2.0" not in page


def test_previous_and_next_skip_the_version_that_never_applied(sites: dict[str, Path]) -> None:
    site = sites["2026-11-29"]
    for lang, nxt, prev in (("en", "Next version", "Previous version"), ("el", "Επόμενη έκδοση", "Προηγούμενη έκδοση")):
        one = _text((site / lang / "1.1" / "index.html").read_text(encoding="utf-8"))
        assert f"{nxt} 2.1" in one and f"{nxt} 2.0" not in one
        two = _text((site / lang / "2.1" / "index.html").read_text(encoding="utf-8"))
        assert f"{prev} 1.1" in two and f"{prev} 2.0" not in two


def test_the_version_that_never_applied_says_so_in_both_languages(sites: dict[str, Path]) -> None:
    site = sites["2026-11-29"]
    for lang, status, said in (("en", "Superseded before it took effect", "never took effect"),
                               ("el", "Αντικαταστάθηκε πριν τεθεί σε ισχύ", "δεν τέθηκε ποτέ σε ισχύ")):
        page = _text((site / lang / "2.0" / "index.html").read_text(encoding="utf-8"))
        assert status in page and said in page and "2.1" in page
        archive = (site / lang / "versions" / "index.html").read_text(encoding="utf-8")
        row = re.search(r'<tr data-version="2\.0">.*?</tr>', archive, re.S)
        assert row and status in _text(row.group(0))
        feed = (site / lang / "feed.xml").read_text(encoding="utf-8")
        entry = re.search(r"<entry>(?:(?!</entry>).)*?/2\.0/changes/.*?</entry>", feed, re.S)
        assert entry and status in entry.group(0) and "25" not in re.search(r"<title>(.*?)</title>", entry.group(0)).group(1)


def test_a_third_release_on_the_same_date_replaces_both(tmp_path: Path, oktabit: PolicyRepo) -> None:
    """Second payload of the class: 2.2 also takes effect on 2026-12-25, so neither 2.0 nor 2.1 ever applies."""
    repo = copy_repo(oktabit, tmp_path / "policy-repo")
    repo.section("rights", "Your rights", "You may ask for a copy of your data at any time, free of charge, within two weeks.\n")
    repo.commit("Rights: two weeks")
    repo.policy("release", "2.2", "--effective", "2026-12-25", "--kind", "minor", "--summary-en", "Faster.",
                "--summary-el", "Ταχύτερα.", "--allow-stale")
    repo.commit("Release 2.2")
    repo.policy("build", "--out", str(tmp_path / "site"), "--today", "2026-12-24", "-q")
    assert _statuses(tmp_path / "site") == {"2.2": "upcoming", "2.1": "never in force", "2.0": "never in force",
                                            "1.1": "in force", "1.0": "superseded"}
    page = _text((tmp_path / "site" / "en" / "index.html").read_text(encoding="utf-8"))
    assert page.count("A new version") == 1 and "A new version 2.2" in page


def test_the_first_release_is_the_first_version_not_a_minor_change(sites: dict[str, Path]) -> None:
    for lang, first, minor in (("en", "First version", "Minor change"), ("el", "Πρώτη έκδοση", "Επουσιώδης τροποποίηση")):
        archive = (sites["2026-11-29"] / lang / "versions" / "index.html").read_text(encoding="utf-8")
        rows = {m.group(1): _text(m.group(0)) for m in re.finditer(r'<tr data-version="([0-9.]+)">.*?</tr>', archive, re.S)}
        assert first in rows["1.0"] and minor not in rows["1.0"]
        assert minor in rows["1.1"] and first not in rows["1.1"]
        changes = _text((sites["2026-11-29"] / lang / "1.0" / "changes" / "index.html").read_text(encoding="utf-8"))
        assert first in changes and minor not in changes


@pytest.fixture(scope="module")
def served_site(sites: dict[str, Path]):
    """The site built on 2026-11-29, served: policy.js must switch on the reader's day, without a rebuild."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(sites["2026-11-29"])))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def _on_day(browser, url: str, day: str, width: int = 1280):  # noqa: ANN001, ANN202
    import datetime as dt

    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.clock.set_fixed_time(dt.datetime.fromisoformat(day + "T12:00:00"))
    page.goto(url)
    page.wait_for_function(f"document.documentElement.getAttribute('data-policy-today') === '{day}'")
    return context, page


@pytest.mark.browser
@pytest.mark.parametrize("day", DAYS)
def test_policy_js_shows_exactly_one_version_in_force_on_the_readers_day(browser, served_site: str, day: str) -> None:  # noqa: ANN001
    expected = "1.1" if day < "2026-12-25" else "2.1"
    for lang, now_word, never in (("en", "is in force since", "Superseded before it took effect"),
                                  ("el", "ισχύει η έκδοση", "Αντικαταστάθηκε πριν τεθεί σε ισχύ")):
        context, page = _on_day(browser, served_site + f"{lang}/versions/", day)
        in_force = page.locator("tr[data-version]:has(.policy-status--in-force)")
        assert in_force.count() == 1 and in_force.get_attribute("data-version") == expected
        assert never in page.locator('tr[data-version="2.0"] .policy-status').inner_text()
        page.goto(served_site + f"{lang}/")
        page.wait_for_function(f"document.documentElement.getAttribute('data-policy-today') === '{day}'")
        visible = [n.inner_text() for n in page.locator(".policy-notice--upcoming").all() if n.is_visible()]
        text = " ".join(visible)
        assert "2.0" not in text and len(visible) == 1
        if day >= "2026-12-25":
            assert now_word in text and "2.1" in text
        else:
            assert now_word not in text
        header = page.locator(".policy-header .policy-status").first.inner_text()
        assert header == ({"en": "In force", "el": "Σε ισχύ"}[lang] if expected == "1.1" else
                          {"en": "Superseded", "el": "Έχει αντικατασταθεί"}[lang])
        context.close()


def test_what_changes_for_you_compares_the_version_in_force_with_the_one_that_will_apply(sites: dict[str, Path]) -> None:
    site = sites["2026-11-29"]
    assert not (site / "en" / "2.0" / "changes-for-you").exists()  # 2.0 never applies: nothing changes for anyone
    for lang, link, intro in (("en", "What changes for you", "Version 1.1 is in force today"),
                              ("el", "Τι αλλάζει για εσάς", "Σήμερα ισχύει η έκδοση 1.1")):
        raw = (site / lang / "2.1" / "changes-for-you" / "index.html").read_text(encoding="utf-8")
        page = _text(raw)
        assert intro in page and "2.1" in page
        # one comparison across 2.0: 1.1's words deleted, 2.1's words inserted, no JavaScript needed
        diff = raw[raw.index("policy-against"):]
        ins = " ".join(re.findall(r"<ins[^>]*>(.*?)</ins>", diff, re.S))
        assert ("free of charge" in ins and "within a month" in ins) if lang == "en" else ("δωρεάν" in ins and "μηνός" in ins)
        assert "compare.js" not in raw
        for where in ((site / lang / "index.html"), (site / lang / "1.1" / "index.html"),
                      (site / lang / "2.1" / "index.html"), (site / lang / "2.1" / "changes" / "index.html")):
            linked = re.findall(r'<a href="([^"]*changes-for-you/)"[^>]*>' + link, where.read_text(encoding="utf-8"))
            assert linked, where
            assert (where.parent / linked[0] / "index.html").resolve() == (site / lang / "2.1" / "changes-for-you" / "index.html").resolve()


def test_what_changes_for_you_is_only_there_while_a_version_is_still_to_come(sites: dict[str, Path]) -> None:
    """Second payload: on 2027-01-01 2.1 is in force, nothing is upcoming, so there is no such page and no link."""
    site = sites["2027-01-01"]
    assert not list(site.glob("*/*/changes-for-you"))
    assert "changes-for-you" not in (site / "en" / "index.html").read_text(encoding="utf-8")


def test_the_notice_email_links_what_changes_for_you(oktabit: PolicyRepo, tmp_path: Path) -> None:
    oktabit.policy("notify", "2.1", "--out", str(tmp_path / "notices"))
    for lang, words in (("en", "What changes for you: version 1.1"), ("el", "Τι αλλάζει για εσάς: η έκδοση 1.1")):
        text = (tmp_path / "notices" / f"{lang}.txt").read_text(encoding="utf-8")
        page = (tmp_path / "notices" / f"{lang}.html").read_text(encoding="utf-8")
        url = f"https://policy.example.com/{lang}/2.1/changes-for-you/"
        assert f"{words}, " in text and url in text
        assert f'href="{url}"' in page and words in page
    # 2.0 never applies: its notice (if anyone sends it) promises no comparison that has no page
    oktabit.policy("notify", "2.0", "--out", str(tmp_path / "notices-2.0"))
    assert "changes-for-you" not in (tmp_path / "notices-2.0" / "en.txt").read_text(encoding="utf-8")


def _short_release(repo: PolicyRepo, *reasons: str, check: bool = True):  # noqa: ANN202
    repo.write("policy/policy.yml", repo.read("policy/policy.yml").replace("title: Privacy Policy\n", "title: Privacy Policy\nnotice_days: 30\n", 1))
    repo.section("rights", "Your rights", "You may object at any time.\n")
    repo.translate("rights", "Τα δικαιώματά σας", "Μπορείτε να αντιταχθείτε οποτεδήποτε.\n")
    soon = (__import__("datetime").date.today() + __import__("datetime").timedelta(days=5)).isoformat()
    args = [a for reason in reasons for a in ("--allow-short-notice", reason)]
    return repo.policy("release", "2.0", "--effective", soon, "--kind", "material", "--summary-en", "Objection.",
                       "--summary-el", "Εναντίωση.", *args, check=check)


def _short_notice_line(site: Path, lang: str) -> str:
    page = (site / lang / "2.0" / "changes" / "index.html").read_text(encoding="utf-8")
    found = re.search(r'<p class="policy-notice policy-notice--short">(.*?)</p>', page, re.S)
    assert found, lang
    return found.group(1)


def test_the_short_notice_reason_is_given_per_language(released: PolicyRepo, tmp_path: Path) -> None:
    _short_release(released, "en=Corrects an error before it takes effect.", "el=Διορθώνει σφάλμα πριν τεθεί σε ισχύ.")
    released.commit("Release 2.0")
    released.policy("build", "--out", str(tmp_path / "s"), "-q")
    en, el = _short_notice_line(tmp_path / "s", "en"), _short_notice_line(tmp_path / "s", "el")
    assert "Corrects an error" in en and "Διορθώνει" not in en
    assert "Διορθώνει σφάλμα" in el and "Corrects" not in el
    page = (tmp_path / "s" / "en" / "2.0" / "changes" / "index.html").read_text(encoding="utf-8")
    assert page.index("Objection.") < page.index("policy-notice--short")  # the summary first, then the legal sentence


@pytest.mark.parametrize(("reason", "en_has", "el_has"), [
    # the record: one string, English / Greek; each page gets its own half
    ("Corrects 2.0 before it takes effect. / Διορθώνει την 2.0 πριν τεθεί σε ισχύ.", "Corrects 2.0", "Διορθώνει την 2.0"),
    # an old English-only reason: the Greek page says the reason is recorded in English, in Greek
    ("Corrects an error before it takes effect.", "Corrects an error", "μόνο στα αγγλικά"),
])
def test_an_old_single_string_reason_never_shows_another_languages_words(released: PolicyRepo, tmp_path: Path,
                                                                         reason: str, en_has: str, el_has: str) -> None:
    _short_release(released, "en=placeholder", "el=προσωρινό")
    record = released.read("changelog/2.0.yml")
    record = re.sub(r"short_notice:\n(  .*\n)+", "short_notice: " + json.dumps(reason, ensure_ascii=False) + "\n", record)
    released.write("changelog/2.0.yml", record)
    released.commit("Release 2.0")
    assert released.policy("check", check=False).returncode == 0  # the string form stays valid
    released.policy("build", "--out", str(tmp_path / "s"), "-q")
    en, el = _short_notice_line(tmp_path / "s", "en"), _short_notice_line(tmp_path / "s", "el")
    assert en_has in en and not re.search(r"[α-ω]{3}", en)
    assert el_has in el and not re.search(r"[A-Za-z]{3}", el)


@pytest.mark.parametrize("reasons", [("en=Only English.",), ("Corrects an error.",), ("en=A.", "el=Β.", "fr=C.")])
def test_a_short_notice_needs_one_reason_per_language(released: PolicyRepo, reasons: tuple[str, ...]) -> None:
    done = _short_release(released, *reasons, check=False)
    assert done.returncode != 0 and "--allow-short-notice" in done.stderr
    assert not (released.root / "changelog/2.0.yml").exists()


def test_a_record_with_a_reason_missing_for_a_language_is_refused_by_check(released: PolicyRepo) -> None:
    _short_release(released, "en=Corrects an error.", "el=Διορθώνει σφάλμα.")
    released.write("changelog/2.0.yml", re.sub(r"\n  el: .*", "", released.read("changelog/2.0.yml")))
    done = released.policy("check", check=False)
    assert done.returncode != 0 and "changelog/2.0.yml:" in done.stdout + done.stderr
    assert "`short_notice` has no reason for language `el`" in done.stdout + done.stderr


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> tuple[PolicyRepo, Path]:
    """1.0, 1.1 and a 2.0 whose summaries are Markdown lists (bulleted in English, numbered in Greek),
    one item with a `javascript:` link that must not become live."""
    repo = make_released(tmp_path_factory.mktemp("listed") / "policy-repo")
    repo.section("rights", "Your rights", "You may object at any time.\n")
    repo.translate("rights", "Τα δικαιώματά σας", "Μπορείτε να αντιταχθείτε οποτεδήποτε.\n")
    repo.commit("Rights: objection")
    repo.policy("release", "2.0", "--effective", "2026-12-25", "--kind", "material",
                "--summary-en", "Two changes:\n\n- You may object at any time.\n- We answer [within a month](https://x.example/).",
                "--summary-el", "1. Μπορείτε να αντιταχθείτε οποτεδήποτε.\n2. Απαντούμε εντός μηνός.")
    # `policy release` refuses such a link; a record written by hand gets it, and it must stay dead
    record = repo.read("changelog/2.0.yml")
    assert "https://x.example/" in record
    repo.write("changelog/2.0.yml", record.replace("https://x.example/", "javascript:alert(1)"))
    repo.commit("Release 2.0")
    repo.policy("build", "--out", str(repo.root.parent / "site"), "--today", "2026-11-29", "-q")
    repo.policy("notify", "2.0", "--out", str(repo.root.parent / "notices"))
    return repo, repo.root.parent


def _items(html_text: str, tag: str) -> list[str]:
    found = re.search(rf"<{tag}>(.*?)</{tag}>", html_text, re.S)
    assert found, tag
    return [_text(item).strip() for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


@pytest.mark.parametrize(("lang", "tag", "first"), [("en", "ul", "You may object at any time."),
                                                    ("el", "ol", "Μπορείτε να αντιταχθείτε οποτεδήποτε.")])
def test_a_summary_written_as_a_list_is_a_list_everywhere_it_is_shown(listed: tuple[PolicyRepo, Path], lang: str,
                                                                       tag: str, first: str) -> None:
    _, folder = listed
    site = folder / "site"
    changes = (site / lang / "2.0" / "changes" / "index.html").read_text(encoding="utf-8")
    summary = changes[changes.index("policy-summary"):changes.index("policy-against")]
    assert _items(summary, tag)[0] == first
    archive = (site / lang / "versions" / "index.html").read_text(encoding="utf-8")
    row = re.search(r'<tr data-version="2\.0">.*?</tr>', archive, re.S).group(0)  # type: ignore[union-attr]
    assert _items(row, tag)[0] == first and len(_items(row, tag)) == 2
    import html as html_lib

    feed = html_lib.unescape((site / lang / "feed.xml").read_text(encoding="utf-8"))
    assert _items(feed, tag)[0] == first
    notice = (folder / "notices" / f"{lang}.html").read_text(encoding="utf-8")
    assert _items(notice, tag)[0] == first
    for text in (changes, archive, feed, notice):  # sanitised like the policy text: the link is dead (shown as text)
        assert re.search(r"""href\s*=\s*["']?\s*javascript:""", text, re.I) is None


def test_a_summary_list_reads_as_a_list_in_the_plain_text_notice(listed: tuple[PolicyRepo, Path]) -> None:
    text = (listed[1] / "notices" / "en.txt").read_text(encoding="utf-8")
    assert "\n- You may object at any time.\n- We answer" in text


@pytest.mark.browser
def test_the_new_pages_have_no_wcag_violations(browser, served_site: str) -> None:  # noqa: ANN001
    """axe-core on "what changes for you" and on the page of a version that never applied, both languages."""
    from tests.test_browser import _axe_source, axe_violations

    axe = _axe_source()
    if axe is None:
        pytest.skip("axe-core not installed (npm install axe-core, or set AXE_CORE_JS)")
    found = {}
    for width in (1280, 375, 320):
        page = browser.new_page(viewport={"width": width, "height": 800})
        page.add_init_script(axe)  # sent once, in every page before its own scripts (it only defines `axe`)
        for url in (f"{lang}/{path}" for lang in ("en", "el") for path in ("", "2.0/", "2.1/changes-for-you/", "2.1/changes/")):
            page.goto(served_site + url)
            violations = axe_violations(page)
            if violations:
                found[(width, url)] = violations
            wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
            if wide:
                found[(width, url)] = found.get((width, url), []) + [("scrolls sideways", width)]
        page.close()
    assert found == {}
