"""Languages as data, probed from outside: odd `languages:` values, catalog entries a translator got wrong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_builder import i18n
from site_builder.cli import cli
from tests.conftest import PolicyRepo
from tests.test_catalogs import edit, french_policy


def edit_french(locale: Path, old: str, new: str) -> Path:
    po = locale / "fr/LC_MESSAGES/messages.po"
    edit(po, old, new)
    return po


def run(repo: PolicyRepo, *args: str) -> tuple[int, str]:
    done = CliRunner().invoke(cli, [*args, "--repo", str(repo.root)])
    assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
    return done.exit_code, done.output


# --- a catalog entry with format-string tricks --------------------------------------------------------


@pytest.mark.parametrize("placeholder", ["{version!r:>99999999}", "{version:>99999999999999999999}", "{version!s}"])
def test_a_placeholder_with_a_format_or_conversion_is_refused_and_the_english_shows(
        repo: PolicyRepo, locale: Path, placeholder: str) -> None:
    po = edit_french(locale, 'msgstr "Texte intégral de la version {version}"', f'msgstr "Texte intégral {placeholder}"')
    assert i18n.t("fr", "full_text", version="2.0") == "Full text of version 2.0"  # not 100 MB of spaces, no crash
    code, output = run(french_policy(repo), "check")
    assert code == 1
    assert f"{po}:" in output and "`full_text`: a placeholder carries a conversion or a format" in output
    assert "Traceback" not in output


# --- markup in a catalog entry --------------------------------------------------------------------


@pytest.mark.parametrize("word", ['Versions <script>alert(1)</script>', 'Les "versions"', "Versions & avis"])
def test_markup_in_an_entry_is_refused_and_the_site_shows_the_english_word(
        repo: PolicyRepo, locale: Path, tmp_path: Path, word: str) -> None:
    po = edit_french(locale, 'msgid "nav.versions"\nmsgstr "Versions"', f'msgid "nav.versions"\nmsgstr "{word.replace(chr(34), chr(92) + chr(34))}"')
    french_policy(repo)
    code, output = run(repo, "check")
    assert code == 1
    assert f"{po}:" in output and "`nav.versions`: the text has" in output and "plain text" in output
    code, output = run(repo, "build", "--draft", "--out", str(tmp_path / "site"))
    assert code == 0, output
    page = (tmp_path / "site/fr/draft/index.html").read_text(encoding="utf-8")
    assert word not in page and "<script>alert" not in page
    assert re.search(r">\s*Versions\s*<", page)  # the English word, meanwhile



# --- a date pattern that cannot write a day -------------------------------------------------------


@pytest.mark.parametrize("pattern", ["dd/mm/yyyy", "d MMMM y HH:mm", "d MMMM y zzzz", "d " + "M" * 40])
def test_a_date_pattern_with_minutes_or_a_time_zone_is_refused_and_the_build_goes_on(
        repo: PolicyRepo, locale: Path, tmp_path: Path, pattern: str) -> None:
    po = edit_french(locale, 'msgid "date_format"\nmsgstr "d MMMM y"', f'msgid "date_format"\nmsgstr "{pattern}"')
    french_policy(repo)
    code, output = run(repo, "check")
    assert code == 1
    assert f"{po}:" in output and "`date_format`:" in output and "is not a CLDR date pattern" in output
    # not the first of a month: that one has its own pattern (1er juin), which is sound here
    repo.release("1.0", "2025-06-02", "minor", "--summary", "fr=Première version.", "--allow-stale")
    code, output = run(repo, "build", "--out", str(tmp_path / "site"))
    assert code == 0, output  # it stopped with "unexpected failure: AttributeError"
    page = (tmp_path / "site/fr/1.0/index.html").read_text(encoding="utf-8")
    assert "2 juin 2025" in page  # the English pattern with French month names, meanwhile


# --- odd `languages:` values: one clear message, for `policy translations` too -----------------------

MANY = "[" + ", ".join(a + b for a in "abcdefghijklmnopqrstuvwxyz" for b in "abcdefghijklmnopqrstuvwxyz")[: 300 * 4 - 2] + "]"
ODD = {
    "a number": ("[en, 5]", "`languages`: the number 5 is not a language code: write each as two lower-case letters"),
    "a mapping": ("[en, {el: yes}]", "`languages`: a dict is not a language code"),
    "empty": ("[]", "like [en, el], not an empty list"),
    "upper case": ("[EN, el]", "`languages`: 'EN' is not an ISO 639-1 language code"),
    "a path": ("[en, ../el]", "`languages`: '../el' is not an ISO 639-1 language code"),
    "300 entries": (MANY, "`languages` has 300 entries, more than there are ISO 639-1 languages (184)"),
}


@pytest.mark.parametrize("case", list(ODD))
def test_an_odd_languages_value_is_one_message_that_names_the_entry(repo: PolicyRepo, case: str) -> None:
    value, message = ODD[case]
    repo.write("policy/policy.yml", f"languages: {value}\n" + repo.read("policy/policy.yml"))
    done = repo.policy("check", check=False)
    errors = [row for row in done.stdout.splitlines() if re.match(r"\S+:\d+: (?!warning: )", row)]
    assert done.returncode == 1 and errors == [errors[0]], done.stdout  # no follow-on about translations/el/
    assert errors[0].startswith("policy/policy.yml:1: ") and message in errors[0], errors[0]


@pytest.mark.parametrize("args", [("translations",), ("translations", "--json"), ("translations", "mark", "el", "intro")])
def test_policy_translations_refuses_a_languages_list_it_cannot_read(repo: PolicyRepo, args: tuple[str, ...]) -> None:
    repo.write("policy/policy.yml", "languages: [EN, el]\n" + repo.read("policy/policy.yml"))
    before = repo.read("translations/el/intro.md")
    done = repo.policy(*args, check=False)
    assert done.returncode == 1 and done.stdout == ""  # it printed nothing and exited 0
    assert "policy/policy.yml:1: `languages`: 'EN' is not an ISO 639-1 language code" in done.stderr
    assert repo.read("translations/el/intro.md") == before


def test_policy_translations_names_a_listed_language_without_its_folder(repo: PolicyRepo) -> None:
    repo.write("policy/policy.yml", "languages: [en, el, fr]\n" + repo.read("policy/policy.yml"))
    done = repo.policy("translations", check=False)
    assert done.returncode == 1
    assert "`languages` lists `fr` but translations/fr/ does not exist" in done.stderr


@pytest.mark.parametrize("args", [("diff", "HEAD", "--lang", "en"), ("readability", "--lang", "en"),
                                  ("release", "1.0", "--effective", "2025-01-01", "--kind", "minor",
                                   "--summary", "en=First.", "--summary", "el=Πρώτη.")])
def test_a_command_names_the_unreadable_languages_list_not_a_language_it_guessed(
        repo: PolicyRepo, args: tuple[str, ...]) -> None:
    repo.write("policy/policy.yml", "languages: [EN, el]\n" + repo.read("policy/policy.yml"))
    done = repo.policy(*args, check=False)
    assert done.returncode != 0
    assert "policy/policy.yml:1: `languages`: 'EN' is not an ISO 639-1 language code" in done.stderr
    assert "publishes" not in done.stderr  # not "'el' is not a language of this policy; it publishes en"
    assert not (repo.root / "changelog").exists()


# --- translations/ folders without a `languages:` key ------------------------------------------------


def test_a_folder_with_a_three_letter_code_and_no_catalog_stops_the_build_with_the_catalog_named(
        repo: PolicyRepo, tmp_path: Path) -> None:
    (repo.root / "translations/el").rename(repo.root / "translations/ell")
    done = repo.policy("build", "--draft", "--out", str(tmp_path / "site"), check=False)
    assert done.returncode == 1
    assert "ell/LC_MESSAGES/messages.po: missing: `ell` is published (translations/ell/)" in done.stderr
    assert "nothing was written" in done.stderr and "not found in search paths" not in done.stderr
    assert not (tmp_path / "site").exists()


def test_a_folder_named_with_a_final_newline_is_not_a_language(repo: PolicyRepo, tmp_path: Path) -> None:
    (repo.root / "translations/el").rename(repo.root / "translations/el\n")
    done = repo.policy("build", "--draft", "--out", str(tmp_path / "site"), check=False)
    assert done.returncode == 1
    assert "a translation folder is named by its language code" in done.stderr
    assert not (tmp_path / "site").exists()
