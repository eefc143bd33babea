"""Languages as data (issue 23): the same code publishes a Greek-source policy with an English
translation and a three-language policy (English source, Greek, French added later), from
configuration and files only: check, build, diff, notices through a real SMTP server, and the
site in Chromium (language switch, `lang` attributes, search in each language). Bad language
configurations each get one clear message; `policy import --lang` says what the text is in."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml

from site_builder.source.content import fingerprint
from tests.conftest import PolicyRepo, copy_repo, make_repo
from tests.test_browser import _search, _serve
from tests.test_notices import Inbox, free_port  # noqa: F401 - Inbox: the SMTP handler of the notices tests

# Each section: (title, text of 1.0, text of 1.1); one word per language that only its text has,
# for the search (Greek searched without its accents).
TEXTS = {
    "en": {"title": "Privacy Policy",
           "intro": ("Introduction", "We respect your privacy.\n", "We respect your privacy and your trust.\n"),
           "rights": ("Your rights", "You may ask for portability of your data.\n",
                      "You may ask for portability of your data at any time.\n")},
    "el": {"title": "Πολιτική Απορρήτου",
           "intro": ("Εισαγωγή", "Σεβόμαστε την ιδιωτικότητά σας.\n", "Σεβόμαστε την ιδιωτικότητα και την εμπιστοσύνη σας.\n"),
           "rights": ("Τα δικαιώματά σας", "Μπορείτε να ζητήσετε τη φορητότητα των δεδομένων σας.\n",
                      "Μπορείτε να ζητήσετε οποτεδήποτε τη φορητότητα των δεδομένων σας.\n")},
    "fr": {"title": "Politique de confidentialité",
           "intro": ("Introduction", "Nous respectons votre vie privée.\n", "Nous respectons votre vie privée et votre confiance.\n"),
           "rights": ("Vos droits", "Vous pouvez demander la portabilité de vos données.\n",
                      "Vous pouvez demander à tout moment la portabilité de vos données.\n")},
}
SEARCH = {"en": ("portability", "portability"), "el": ("φορητοτητα", "φορητότητα"), "fr": ("portabilité", "portabilité")}
# Which text prevails (`prevailing_language: el`), as the English page says it: by name for Greek and
# English alone, for every language version otherwise.
PREVAILS = {"greek-source": "The Greek and English texts of this policy are published together; if they differ, the Greek text prevails.",
            "three-languages": "The language versions of this policy are published together; if they differ, the Greek text prevails."}
SUMMARY = {"en": "Summary of {v}.", "el": "Σύνοψη της έκδοσης {v}.", "fr": "Résumé de la version {v}."}
MKDOCS = ("site_name: Example\nsite_url: https://policy.example.com/\ntheme:\n  name: material\n"
          "extra:\n  notices:\n    sender: \"Example <privacy@example.com>\"\n    reply_to: privacy@example.com\n")
# name: (languages of 1.0, languages of 1.1, translations left stale in 1.1); the first language is the source
CONFIGS = {"greek-source": (["el", "en"], ["el", "en"], {("en", "intro")}),
           "three-languages": (["en", "el"], ["en", "el", "fr"], set())}


def _write_version(repo: PolicyRepo, languages: list[str], n: int, stale: set[tuple[str, str]] = frozenset()) -> None:
    source = languages[0]
    repo.write("policy/policy.yml", f"title: {TEXTS[source]['title']}\nlanguages: [{', '.join(languages)}]\n"
               "prevailing_language: el\nsections:\n  - intro\n  - rights\n")
    for sid in ("intro", "rights"):
        title, body = TEXTS[source][sid][0], TEXTS[source][sid][n]
        repo.section(sid, title, body, numbered=sid != "intro")
        for lang in languages[1:]:
            repo.write(f"translations/{lang}/policy.yml", f"title: {TEXTS[lang]['title']}\n")
            if (lang, sid) in stale:
                continue  # the translation of the text before: stale
            repo.write(f"translations/{lang}/{sid}.md", f'---\ntitle: {TEXTS[lang][sid][0]}\n'
                       f'source_hash: "{fingerprint(title, body)}"\n---\n{TEXTS[lang][sid][n]}')


def _release(repo: PolicyRepo, version: str, effective: str, languages: list[str], *extra: str) -> None:
    summaries = [arg for lang in languages for arg in ("--summary", f"{lang}={SUMMARY[lang].format(v=version)}")]
    repo.policy("release", version, "--effective", effective, "--kind", "minor", *summaries, *extra)
    repo.commit(f"Release {version}")


def make_policy(root: Path, name: str) -> PolicyRepo:
    """1.0 and 1.1 of a policy configured as CONFIGS[name] says, committed."""
    first, second, stale = CONFIGS[name]
    root.mkdir(parents=True)
    repo = PolicyRepo(root)
    repo.git("init", "-q", "-b", "main")
    repo.write("mkdocs.yml", MKDOCS)
    _write_version(repo, first, 1)
    repo.commit("Initial policy")
    _release(repo, "1.0", "2025-01-01", first)
    _write_version(repo, second, 2, stale)
    repo.commit("Rights: at any time")
    _release(repo, "1.1", "2025-06-01", second, *(["--allow-stale"] if stale else []))
    return repo


@pytest.fixture(scope="module", params=list(CONFIGS))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Each configuration made and built once for the module, served on 127.0.0.1."""
    folder = tmp_path_factory.mktemp(request.param)
    repo = make_policy(folder / "policy-repo", request.param)
    server, base = _serve(folder / "site")
    repo.policy("build", "--out", str(folder / "site"), "--today", "2026-01-15", "--site-url", base, "-q")
    yield request.param, repo, folder / "site", base
    server.shutdown()


def _languages(name: str) -> list[str]:
    return list(CONFIGS[name][1])


def _page(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def test_check_passes_and_translations_follow_the_list(built) -> None:
    name, repo, _, _ = built
    langs = _languages(name)
    done = repo.policy("check")
    stale = CONFIGS[name][2]
    assert f"0 error(s), {len(stale)} warning(s)" in done.stderr, done.stdout + done.stderr
    assert all(f"translations/{lang}/{sid}.md:1: warning: stale translation: the source section (policy/) changed"
               in done.stdout for lang, sid in stale)
    rows = json.loads(repo.policy("translations", "--json").stdout)
    assert sorted({row["lang"] for row in rows}) == sorted(langs[1:])  # the source is not a translation
    assert {(row["lang"], row["section"]) for row in rows if row["state"] != "ok"} == stale


def test_pages_feeds_and_data_follow_the_list(built) -> None:
    name, _, site, base = built
    langs = _languages(name)
    assert sorted(p.name for p in site.iterdir() if p.is_dir() and len(p.name) == 2) == sorted(langs)
    root = _page(site, "index.html")
    assert f'<html lang="{langs[0]}">' in root  # the source language first
    assert all(f'hreflang="{lang}" href="{base}{lang}/"' in root for lang in langs)
    for lang in langs:
        page = _page(site, f"{lang}/1.1/index.html")
        assert re.search(rf'<html lang="{lang}"', page)
        assert TEXTS[lang]["rights"][2].strip() in page  # the text of that language, not the source's
        others = set(re.findall(r'<a href="[^"]*" hreflang="([a-z]{2})" lang="\1" class="policy-lang"', page))
        assert others == set(langs) - {lang}  # the language switch names every other language
        alternates = set(re.findall(r'<link rel="\s*alternate" hreflang="([a-z]{2})"', page))
        assert alternates == set(langs)  # hreflang alternates: every language, itself included
        assert f"{base}{lang}/1.1/" in _page(site, f"{lang}/sitemap.xml")
        feed = _page(site, f"{lang}/feed.xml")
        assert f'xml:lang="{lang}"' in feed and SUMMARY[lang].format(v="1.1") in feed
    assert PREVAILS[name] in _page(site, "en/1.1/index.html")
    if "fr" in langs:
        assert "en cas de divergence, le texte grec prévaut." in _page(site, "fr/1.1/index.html")
    versions = json.loads(_page(site, "versions.json"))
    newest = versions[0]
    assert sorted(newest["url"]) == sorted(langs) and sorted(newest["summary"]) == sorted(langs)
    changes = json.loads(_page(site, f"{langs[-1]}/1.1/changes.json"))
    assert changes["release"]["summary"] == SUMMARY[langs[-1]].format(v="1.1")


def test_notes_name_the_source_language(built) -> None:
    """Greek source: an English reader of a stale section is shown the Greek text, and told so in English."""
    name, _, site, _ = built
    if name != "greek-source":
        pytest.skip("only the Greek-source policy leaves a translation stale")
    page = _page(site, "en/1.1/index.html")
    assert "The English translation of this section is being updated; the Greek text is shown." in page
    assert re.search(r'<a href="../../el/1.1/#intro" hreflang="el">Read it in Greek</a>', page)
    assert TEXTS["el"]["intro"][2].strip() in page
    changes = _page(site, "en/1.1/changes/index.html")
    assert "The Greek text of this section changed; the English translation follows." in changes
    assert '<div class="policy-diff" lang="el">' in changes


def test_search_language_per_language(built) -> None:
    name, _, site, _ = built
    for lang in _languages(name):
        config = json.loads(_page(site, f"{lang}/search/search_index.json"))["config"]
        assert config["lang"] == [lang]  # Material's stemmer of that language (Greek: with accent folding)
    greek = (site / "el/assets/javascripts/lunr/min/lunr.el.min.js").read_text(encoding="utf-8")
    assert "el-fold-accents" in greek


def test_diff_defaults_to_the_source_language_and_checks_lang(built) -> None:
    name, repo, _, _ = built
    langs = _languages(name)
    source = langs[0]
    out = repo.policy("diff", "1.0", "1.1").stdout
    assert f"1.0 -> 1.1 ({source})" in out
    for lang in langs:
        out = repo.policy("diff", "1.0", "1.1", "--lang", lang).stdout
        assert f"({lang})" in out.splitlines()[0]
    done = repo.policy("diff", "1.0", "1.1", "--lang", "de", check=False)
    assert done.returncode == 2 and f"'de' is not a language of this policy; it publishes {', '.join(langs)}" in done.stderr


def test_notices_in_every_language_the_source_by_default(built, tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    name, template, _, _ = built
    langs = _languages(name)
    repo = copy_repo(template, tmp_path / "repo")
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        people = ["nolang@example.com"] + [f"{lang}@example.com,{lang}" for lang in langs]
        repo.write("people.csv", "\n".join(people) + "\n")
        done = repo.policy("notify", "1.1", "--send", "--recipients", "people.csv", "--smtp", f"127.0.0.1:{port}",
                           "--journal", "journal.sqlite", check=False)
        assert done.returncode == 0, done.stderr
        got = {m["To"]: m for m in inbox.messages}
        assert got["nolang@example.com"]["Content-Language"] == langs[0]  # no language: the source language
        for lang in langs:
            message = got[f"{lang}@example.com"]
            assert message["Content-Language"] == lang and message["Subject"].startswith(TEXTS[lang]["title"])
            plain = message.get_body(("plain",)).get_content()
            assert SUMMARY[lang].format(v="1.1") in plain
            if lang == "fr":  # a label before its link takes French typography: a no-break space before the colon
                assert "Voir toutes les modifications, mot par mot\u00a0: http" in plain and "Sections modifiées\u00a0:" in plain.splitlines()
        repo.write("people.csv", "anna@example.com\nbob@example.com,de\n")
        done = repo.policy("notify", "1.1", "--send", "--recipients", "people.csv", "--smtp", f"127.0.0.1:{port}",
                           "--journal", "journal.sqlite", check=False)
        assert done.returncode == 1
        assert f"people.csv:2: language 'de' for bob@example.com: the notice exists in {', '.join(langs)}" in done.stderr
    finally:
        controller.stop()
    report = repo.policy("notify", "report", "1.1", "--journal", "journal.sqlite", "--out", str(tmp_path / "report"))
    folder = Path(report.stdout.split()[1])
    header = (folder / "totals.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.count(" / ") == 2 * (len(langs) - 1)  # each column named in every language of the policy


def test_a_language_added_later(built) -> None:
    """French joins at 1.1: its 1.0 pages show the English text, marked lang="en", with a note in French."""
    name, _, site, _ = built
    if name != "three-languages":
        pytest.skip("only the three-language policy adds a language to its history")
    old = _page(site, "fr/1.0/index.html")
    assert '<html lang="fr"' in old
    assert '<div class="policy-text" lang="en">' in old and TEXTS["en"]["rights"][1].strip() in old
    assert "Aucun texte en français" in old  # the note, in the new language
    assert "Entrée en vigueur&nbsp;: 1er janvier 2025" in old and "Télécharger&nbsp;: " in old  # French typography
    changes = _page(site, "fr/1.1/changes/index.html")
    assert '<div class="policy-diff" lang="en">' in changes and "at any time" in changes  # the English changes, marked
    data = json.loads(_page(site, "fr/1.1/changes.json"))
    assert data["text_lang"] == "en"  # compared in the source language: 1.0 has no French text
    versions = json.loads(_page(site, "versions.json"))
    assert sorted(versions[-1]["summary"]) == ["el", "en"]  # 1.0's record is never rewritten
    missing = _page(site, "fr/404.html")  # the page for a missing address, in French too
    assert "<h1>Page introuvable</h1>" in missing and re.search(r'<a href="[^"]*/fr/">politique en vigueur</a>', missing)


# --- in the browser ----------------------------------------------------------------------



@pytest.mark.browser
def test_switch_lang_attributes_and_search_in_the_browser(built, browser) -> None:  # noqa: ANN001
    name, _, _, base = built
    langs = _languages(name)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(base)  # the language choice: the browser's language (en-US) where the policy has it
        page.wait_for_load_state()
        assert page.url.startswith(base + "en/")
        for here, there in zip(langs, langs[1:] + langs[:1], strict=True):
            page.goto(f"{base}{here}/1.1/")
            assert page.locator("html").get_attribute("lang") == here
            page.locator(f"a.policy-lang[hreflang={there}]").first.click()
            page.wait_for_load_state()
            assert page.url.endswith(f"/{there}/1.1/")
            assert page.locator("html").get_attribute("lang") == there
            assert TEXTS[there]["rights"][2].strip() in page.locator("article").inner_text()
        for lang in langs:
            page.goto(f"{base}{lang}/1.1/")
            query, word = SEARCH[lang]
            assert _search(page, query) >= 1, f"{lang}: {query!r} found nothing"
            assert word.lower() in page.locator(".md-search-result").inner_text().lower()
    finally:
        context.close()


# --- bad configurations: one clear message each -------------------------------------------------


@pytest.fixture(scope="module")
def small_template(tmp_path_factory: pytest.TempPathFactory) -> PolicyRepo:
    return make_repo(tmp_path_factory.mktemp("small") / "policy-repo")


BAD = {
    "not-iso": ("languages: [en, el, english]\n", {},
                "policy/policy.yml:2: `languages`: 'english' is not an ISO 639-1 language code"),
    "no-catalog": ("languages: [en, el, de]\n", {"translations/de/policy.yml": "title: Datenschutz\n"},
                   "policy/policy.yml:2: `languages`: there are no interface words (menus, notices) for `de`"),
    "folder-not-listed": ("languages: [en]\n", {},
                          "translations/el:1: translations/el/ is not a published language: add `el` to `languages`"),
    "listed-without-folder": ("languages: [en, el, fr]\n", {},
                              "policy/policy.yml:2: `languages` lists `fr` but translations/fr/ does not exist"),
    "twice": ("languages: [en, el, en]\n", {}, "policy/policy.yml:2: `languages` names `en` twice"),
    "not-a-list": ("languages: {en: yes}\n", {}, "policy/policy.yml:2: `languages` lists the published languages"),
    "prevailing": ("languages: [en, el]\nprevailing_language: fr\n", {},
                   "policy/policy.yml:3: `prevailing_language` must be one of en, el or none"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_configuration_gets_one_clear_message(case: str, small_template: PolicyRepo, tmp_path: Path) -> None:
    line, files, message = BAD[case]
    repo = copy_repo(small_template, tmp_path / "repo")
    text = repo.read("policy/policy.yml")
    repo.write("policy/policy.yml", text.replace("\n", "\n" + line, 1))
    for path, content in files.items():
        repo.write(path, content)
    done = repo.policy("check", check=False)
    errors = [row for row in done.stdout.splitlines() if ": warning: " not in row and re.match(r"\S+: ", row)]
    assert done.returncode == 1 and len(errors) == 1, done.stdout
    assert errors[0].startswith(message), errors[0]


def test_release_summaries_per_language(small_template: PolicyRepo, tmp_path: Path) -> None:
    repo = copy_repo(small_template, tmp_path / "repo")
    done = repo.policy("release", "1.0", "--effective", "2025-01-01", "--kind", "minor", "--summary", "en=One.",
                       "--summary", "de=Eins.", check=False)
    assert done.returncode == 2 and "give the summary with its language, like en=TEXT, for each language the policy publishes (en, el)" in done.stderr
    (tmp_path / "el.txt").write_text("Πρώτη έκδοση.\n", encoding="utf-8")
    repo.policy("release", "1.0", "--effective", "2025-01-01", "--kind", "minor", "--summary", "en=One.",
                "--summary-file", f"el={tmp_path / 'el.txt'}")
    record = yaml.safe_load(repo.read("changelog/1.0.yml"))
    assert record["summary"] == {"en": "One.", "el": "Πρώτη έκδοση."}


# --- policy import --lang ------------------------------------------------------------------------


def test_import_says_what_language_the_text_is_in(tmp_path: Path) -> None:
    source = tmp_path / "politique.md"
    source.write_text("Politique de confidentialité\n============================\n\nNous respectons votre vie privée.\n\n"
                      "Vos droits\n----------\n\nVous pouvez demander la portabilité de vos données.\n", encoding="utf-8")
    repo = PolicyRepo(tmp_path / "imported")
    repo.root.mkdir()
    repo.git("init", "-q", "-b", "main")
    done = repo.policy("import", str(source), "--lang", "xx", check=False)
    assert done.returncode == 1 and "--lang 'xx': give the language of the text as an ISO 639-1 code" in done.stderr
    assert not (repo.root / "policy").exists()
    repo.policy("import", str(source), "--lang", "fr")
    assert yaml.safe_load(repo.read("policy/policy.yml"))["languages"] == ["fr"]
    assert yaml.safe_load(repo.read("changelog/1.0.yml"))["summary"].keys() == {"fr"}
    repo.policy("build", "--out", str(tmp_path / "site"), "--today", "2030-01-01", "-q")
    page = (tmp_path / "site/fr/1.0/index.html").read_text(encoding="utf-8")
    assert '<html lang="fr"' in page and "portabilité" in page
    assert not (tmp_path / "site/en").exists()
    archive = (tmp_path / "site/fr/versions/index.html").read_text(encoding="utf-8")
    assert "Toutes les versions" in archive  # French interface words


@pytest.mark.browser
def test_the_page_script_writes_dates_as_the_build_does(built, browser) -> None:  # noqa: ANN001
    """The date the page's script writes (the print date; the returning reader's notice) follows the
    catalog's patterns as the build's dates do: French writes the first of a month «1er juin»."""
    from site_builder.i18n import format_day

    name, _, _, base = built
    context = browser.new_context()
    page = context.new_page()
    try:
        for day in (dt.date(2026, 6, 1), dt.date(2026, 6, 3)):
            page.clock.set_fixed_time(dt.datetime(day.year, day.month, day.day, 12, 0))
            for lang in _languages(name):
                page.goto(f"{base}{lang}/1.1/")
                assert page.locator(".policy-print-date").first.text_content() == format_day(day, lang), (lang, day)
    finally:
        context.close()
