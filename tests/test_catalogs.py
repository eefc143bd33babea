"""The interface words as gettext catalogs: complete in every language, checked by `policy check`, plural forms."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from site_builder import i18n
from site_builder.cli import cli
from site_builder.compare.diffing import compare_texts
from site_builder.compare.render import render
from site_builder.i18n import available_languages, format_day, language_name, missing_entries, t, texts, tn
from site_builder.source.models import LanguageText, SectionText
from tests.conftest import PolicyRepo

SHIPPED = Path(i18n.__file__).parent / "locale"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    i18n.clear_cache()


def fr_po(locale: Path) -> Path:
    return locale / "fr/LC_MESSAGES/messages.po"


# --- the shipped catalogs ----------------------------------------------------------------------


def test_english_greek_and_french_catalogs_are_complete() -> None:
    assert {"en", "el", "fr"} <= set(available_languages())
    for lang in ("en", "el", "fr"):
        with (SHIPPED / lang / "LC_MESSAGES/messages.po").open("rb") as fh:
            catalog = read_po(fh, abort_invalid=True)
        assert catalog.locale_identifier == lang
        assert missing_entries(lang) == [], lang
    assert [language_name(lang) for lang in ("en", "el", "fr")] == ["English", "Ελληνικά", "Français"]


def test_the_template_lists_every_key_with_its_english_text_and_no_translation() -> None:
    """messages.pot is what a translator of a new language starts from: it must follow en.po."""
    with (SHIPPED / "messages.pot").open("rb") as fh:
        template = read_po(fh)
    with (SHIPPED / "en/LC_MESSAGES/messages.po").open("rb") as fh:
        english = read_po(fh)
    entries = {m.id if isinstance(m.id, str) else m.id[0]: m for m in template if m.id}
    assert set(entries) == {m.id if isinstance(m.id, str) else m.id[0] for m in english if m.id}
    assert all(not any(m.string if isinstance(m.string, tuple) else [m.string]) for m in entries.values())
    for source in english:
        if source.id:
            forms = source.string if isinstance(source.string, tuple) else (source.string,)
            quoted = " ".join(entries[source.id if isinstance(source.id, str) else source.id[0]].auto_comments)
            assert quoted == "English: " + " ".join(" | ".join(forms).split()), source.id


def test_each_language_reads_its_own_words() -> None:
    assert (t("en", "status.in force"), t("el", "status.in force"), t("fr", "status.in force")) == (
        "In force", "Σε ισχύ", "En vigueur")
    assert t("el", "full_text", version="2.0") == "Πλήρες κείμενο της έκδοσης 2.0"
    assert t("fr", "feed_title", title="Politique") == "Politique\u00a0: versions"  # French typography kept


def test_french_typography_is_consistent() -> None:
    """A space before : ; ? ! and inside « » is a no-break space in every French entry, never a plain one."""
    for key, text in texts("fr").items():
        assert not re.search(r" [:;?!»]|« ", text), key


def test_a_greek_date_reads_as_a_greek_writes_it() -> None:
    assert format_day(dt.date(2025, 6, 1), "el") == "1 Ιουνίου 2025"
    assert format_day(dt.date(2025, 6, 1), "en") == "1 June 2025"
    assert format_day(dt.date(2025, 6, 1), "fr") == "1er juin 2025"  # the first of the month, as French writes it
    assert format_day(dt.date(2025, 6, 2), "fr") == "2 juin 2025"


@pytest.mark.parametrize(("lang", "counts"), [
    ("en", {0: "0 sections touched", 1: "1 section touched", 2: "2 sections touched"}),
    ("el", {0: "Μεταβλήθηκαν 0 ενότητες", 1: "Μεταβλήθηκε 1 ενότητα", 2: "Μεταβλήθηκαν 2 ενότητες"}),
    ("fr", {0: "0 section modifiée", 1: "1 section modifiée", 2: "2 sections modifiées"}),  # French: 0 is singular
])
def test_plural_forms_follow_each_language(lang: str, counts: dict[int, str]) -> None:
    assert {n: tn(lang, "totals.sections", n) for n in counts} == counts


def text_of(lang: str, body: str) -> LanguageText:
    return LanguageText(lang, "Policy", (SectionText("rights", "Rights", body, 1, "source"),))


@pytest.mark.parametrize(("lang", "one", "many"), [
    ("en", "1 section touched: 1 word inserted, 0 deleted.", "1 section touched: 3 words inserted, 1 deleted."),
    ("el", "Μεταβλήθηκε 1 ενότητα: προστέθηκε 1 λέξη, διαγράφηκαν 0.",
     "Μεταβλήθηκε 1 ενότητα: προστέθηκαν 3 λέξεις, διαγράφηκε 1."),
    ("fr", "1 section modifiée\u00a0: 1 mot ajouté, 0 supprimé.", "1 section modifiée\u00a0: 3 mots ajoutés, 1 supprimé."),
])
def test_a_notice_counts_its_changes_in_good_grammar(lang: str, one: str, many: str) -> None:
    old = text_of(lang, "one two three four five six seven eight\n")
    one_word = compare_texts(old, text_of(lang, "one two three four five six seven eight nine\n"), from_label="1.0", to_label="1.1")
    assert one in render(one_word, "markdown")
    three_words = compare_texts(old, text_of(lang, "one two three four five six seven nine ten eleven\n"),
                                from_label="1.0", to_label="1.1")
    assert many in render(three_words, "markdown")


# --- what `policy check` reports of a catalog ---------------------------------------------------


def test_a_placeholder_a_translator_misspelt_is_reported_and_the_english_shows_meanwhile(locale: Path) -> None:
    edit(fr_po(locale), 'msgstr "Texte intégral de la version {version}"', 'msgstr "Texte intégral de la version {versoin}"')
    assert missing_entries("fr") == ["full_text"]
    problem = i18n.entry_problems("fr")[0]
    assert "{versoin}" in problem.message and "{version}" in problem.message and problem.line > 0
    assert t("fr", "full_text", version="2.0") == "Full text of version 2.0"  # a build goes on, in English


def test_an_empty_or_fuzzy_entry_is_missing(locale: Path) -> None:
    edit(fr_po(locale), 'msgstr "En vigueur"', 'msgstr ""')
    edit(fr_po(locale), '#. English: Superseded\n', '#. English: Superseded\n#, fuzzy\n')
    assert missing_entries("fr") == ["status.in force", "status.superseded"]
    assert t("fr", "status.in force") == "In force"


def test_a_language_without_a_catalog_lacks_every_entry(locale: Path) -> None:
    assert "de" not in available_languages()
    assert set(missing_entries("de")) == set(texts("en")) | {"totals.sections", "totals.inserted", "totals.deleted"}
    assert t("de", "version") == "Version" and language_name("de") == "Deutsch"


def french_policy(repo: PolicyRepo) -> PolicyRepo:
    repo.write("translations/fr/policy.yml", "title: Politique de confidentialité\n")
    repo.commit("Publish in French")
    return repo


def check(repo: PolicyRepo) -> tuple[int, str]:
    done = CliRunner().invoke(cli, ["check", "--repo", str(repo.root)])
    assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
    return done.exit_code, done.output


def test_a_published_language_with_a_complete_catalog_passes_check(repo: PolicyRepo, locale: Path) -> None:
    code, output = check(french_policy(repo))
    assert code == 0, output


def test_a_missing_entry_fails_check_naming_the_catalog_and_the_key(repo: PolicyRepo, locale: Path) -> None:
    po = fr_po(locale)
    text = po.read_text(encoding="utf-8")
    entry = re.search(r'#\. English: Superseded\nmsgid "status.superseded"\nmsgstr "[^"]*"\n\n', text)
    assert entry
    po.write_text(text.replace(entry.group(0), ""), encoding="utf-8")
    i18n.clear_cache()
    code, output = check(french_policy(repo))
    assert code == 1
    assert f"{po}: `status.superseded`: missing: add the entry" in output
    assert "“Superseded”" in output  # what to translate


def test_a_published_language_without_a_catalog_fails_check(repo: PolicyRepo, locale: Path) -> None:
    repo.write("translations/de/policy.yml", "title: Datenschutzerklärung\n")
    repo.commit("Publish in German")
    code, output = check(repo)
    assert code == 1
    assert f"{locale / 'de/LC_MESSAGES/messages.po'}: missing: `de` is published" in output
    assert f"copy {locale / 'messages.pot'}" in output


def test_an_unreadable_catalog_is_one_clear_problem(repo: PolicyRepo, locale: Path) -> None:
    edit(fr_po(locale), 'msgstr "À venir"\n', 'msgstr "À venir"\nÀ venir, sans guillemets\n')
    line = fr_po(locale).read_text(encoding="utf-8").splitlines().index("À venir, sans guillemets") + 1
    code, output = check(french_policy(repo))
    assert code == 1
    assert f"{fr_po(locale)}:{line}: this catalog cannot be read" in output
    assert "Traceback" not in output


def test_a_translation_of_an_english_text_since_changed_is_a_warning(repo: PolicyRepo, locale: Path) -> None:
    edit(locale / "en/LC_MESSAGES/messages.po", 'msgstr "In force"', 'msgstr "In effect"')
    assert [p.key for p in i18n.stale_entries("el")] == [p.key for p in i18n.stale_entries("fr")] == ["status.in force"]
    code, output = check(french_policy(repo))
    assert code == 0, output
    for lang in ("el", "fr"):
        assert re.search(re.escape(f"{locale / lang / 'LC_MESSAGES/messages.po'}:") + r"\d+: "
                         + re.escape("warning: `status.in force`: the English text changed since this entry was "
                                     "translated; it now reads “In effect”"), output), lang
    strict = CliRunner().invoke(cli, ["check", "--strict", "--repo", str(repo.root)])
    assert strict.exit_code == 1
