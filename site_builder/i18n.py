"""Every user-facing word of the site, the diffs and the notices, read from gettext catalogs through Babel.

The words live in `site_builder/locale/<lang>/LC_MESSAGES/messages.po` (template: `locale/messages.pot`).
Each msgid is a key (`status.in force`), so call sites name what they show and a change to the English
wording does not orphan every translation; `#.` comments give translators the English text.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import string
from pathlib import Path
from typing import NamedTuple

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, get_month_names
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import Translations

from site_builder.errors import PolicyError

LOCALE_DIR = Path(__file__).parent / "locale"
ENGLISH = "en"  # the catalog whose msgstr are the words every other catalog translates


class CatalogError(PolicyError):
    """A catalog file that cannot be read; `line` is where reading stopped."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.line, self.reason = line, reason


class CatalogProblem(NamedTuple):
    """One entry of a catalog that `policy check` reports: its key, its line in the .po file, what is wrong."""

    key: str
    line: int
    message: str


def catalog_path(lang: str) -> Path:
    """Where the catalog of `lang` is (or would be)."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


def template_path() -> Path:
    """The template a new language's catalog starts from: every key, its English text as a comment."""
    return LOCALE_DIR / "messages.pot"


def available_languages() -> tuple[str, ...]:
    """The languages that have a catalog, in code order."""
    return tuple(sorted(p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")))


def t(lang: str, key: str, **values: object) -> str:
    """The text for `key` in `lang`, with `{placeholders}` filled (English when the language lacks it)."""
    if _english_keys().get(key) is not False:
        raise KeyError(key)
    text = _translations(lang).gettext(key)
    return text.format(**values) if values else text


def tn(lang: str, key: str, n: int, **values: object) -> str:
    """The text for `key` in the plural form `lang` uses for the number `n`, with `{n}` and `values` filled."""
    if _english_keys().get(key) is not True:
        raise KeyError(key)
    return _translations(lang).ngettext(key, key, n).format(n=n, **values)


def texts(lang: str) -> dict[str, str]:
    """Every entry without plural forms, key -> text in `lang` (English where `lang` lacks it)."""
    return {key: t(lang, key) for key, plural in _english_keys().items() if not plural}


def language_name(lang: str) -> str:
    """The language's own name (Français for fr): from its catalog, else from Babel's locale data, else its code."""
    catalog = _catalog(lang)
    if catalog is not None and _translated(catalog.get("language_name")):
        return t(lang, "language_name")
    try:
        return Locale.parse(lang).get_display_name(lang) or lang
    except (ValueError, UnknownLocaleError):
        return lang


def missing_entries(lang: str) -> list[str]:
    """Keys the English catalog has that `lang` lacks, leaves empty or marks fuzzy, or whose `{placeholders}` differ."""
    problems = entry_problems(lang)
    if any(not p.key for p in problems):  # an unreadable catalog gives no entry at all
        return list(_english_keys())
    return [p.key for p in problems]


def entry_problems(lang: str) -> list[CatalogProblem]:
    """Each missing, empty, fuzzy or mis-placeholdered entry of `lang`'s catalog, with what to do about it."""
    try:
        catalog = _catalog(lang)
    except CatalogError as exc:
        return [CatalogProblem("", exc.line, exc.reason)]
    if catalog is None:
        return [CatalogProblem(key, 0, "missing") for key in _english_keys()]
    found = []
    for source in _catalog(ENGLISH) or ():
        if not source.id:
            continue
        key = _key(source)
        message = catalog.get(key)
        what = _entry_problem(source, message, lang)
        if what:
            found.append(CatalogProblem(key, (message.lineno or 0) if message else 0, what))
    return found


def stale_entries(lang: str) -> list[CatalogProblem]:
    """Entries whose `#. English:` comment no longer quotes the English text: the English changed since."""
    catalog, english = _catalog_or_none(lang), _catalog(ENGLISH)
    if catalog is None or english is None or lang == ENGLISH:
        return []
    found = []
    for message in catalog:
        source = english.get(_key(message)) if message.id else None
        quoted = " ".join(message.auto_comments)
        if source is None or not quoted.startswith("English: "):
            continue
        now = " | ".join(_forms(source))
        if quoted.removeprefix("English: ") != " ".join(now.split()):
            found.append(CatalogProblem(_key(message), message.lineno or 0,
                                        f"the English text changed since this entry was translated; it now reads “{now}”: "
                                        "review the translation, then quote the new English in its `#. English:` comment"))
    return found


@functools.lru_cache(maxsize=4096)
def format_day(day: dt.date, lang: str) -> str:
    """A date as the language writes it, with the catalog's CLDR pattern: "1 June 2025"."""
    pattern = t(lang, DATE_FORMAT_FIRST_DAY if day.day == 1 else DATE_FORMAT)
    if pattern == "d MMMM y":  # Babel's own month names, looked up once (hundreds of dates per build)
        return f"{day.day} {_month_names(lang)[day.month]} {day.year}"
    return format_date(day, format=pattern, locale=lang)


@functools.lru_cache(maxsize=16)
def _month_names(lang: str) -> dict[int, str]:
    return dict(get_month_names("wide", context="format", locale=lang))


def clear_cache() -> None:
    """Forget the catalogs read so far, so the next word is read from the files again (after editing them)."""
    for cached in (_catalog, _english_keys, _translations, format_day, _month_names):
        cached.cache_clear()


# --- reading and compiling the catalogs (once per process) -----------------------------------------


@functools.cache
def _catalog(lang: str) -> Catalog | None:
    """The catalog of `lang` as Babel reads it, or None when the language has none."""
    path = catalog_path(lang)
    if not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            return read_po(fh, domain="messages", abort_invalid=True)
    except (PoFileError, UnicodeDecodeError, ValueError) as exc:
        line = getattr(exc, "lineno", 0) + 1  # Babel counts from 0
        raise CatalogError(path, line, f"this catalog cannot be read ({exc}); fix the entry (msgid and msgstr "
                                       "in double quotes, as in messages.pot) or restore the file") from None


def _catalog_or_none(lang: str) -> Catalog | None:
    try:
        return _catalog(lang)
    except CatalogError:  # reported by entry_problems
        return None


@functools.cache
def _english_keys() -> dict[str, bool]:
    """Every key the English catalog has, and whether it has plural forms."""
    english = _catalog(ENGLISH)
    if english is None:
        raise PolicyError(f"{catalog_path(ENGLISH)}: the English interface catalog is missing: reinstall site_builder")
    return {_key(m): m.pluralizable for m in english if m.id}


@functools.cache
def _translations(lang: str) -> Translations:
    """`lang`'s entries compiled to a gettext table, falling back to English entry by entry.

    An entry `policy check` reports (empty, fuzzy, placeholders unlike the English) shows the English
    meanwhile, so a translator's slip never stops a build with a missing `{name}`."""
    _english_keys()  # a missing English catalog is named before anything else
    faulty = {p.key for p in entry_problems(lang)} if lang != ENGLISH else set()
    compiled = _compile(_catalog(lang) or _catalog(ENGLISH), faulty)  # type: ignore[arg-type]
    if lang != ENGLISH:
        compiled.add_fallback(_translations(ENGLISH))
    return compiled


def _compile(catalog: Catalog, faulty: set[str]) -> Translations:
    """read_po -> write_mo -> Translations, in memory, leaving out the `faulty` keys."""
    kept = Catalog(domain="messages")
    kept.mime_headers = catalog.mime_headers  # Plural-Forms comes with them
    for message in catalog:
        if message.id and _translated(message) and not message.fuzzy and _key(message) not in faulty:
            kept[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, kept)
    buffer.seek(0)
    return Translations(buffer, domain="messages")


# --- checking an entry against the English one ------------------------------------------------------


def _key(message: Message) -> str:
    return message.id[0] if isinstance(message.id, tuple | list) else message.id


def _forms(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string or ""]


def _translated(message: Message | None) -> bool:
    return message is not None and all(form for form in _forms(message))


def _entry_problem(source: Message, message: Message | None, lang: str) -> str:
    """What is wrong with `message` (the entry translating `source`), or ''."""
    english = " | ".join(_forms(source))
    if message is None:
        return f"missing: add the entry (msgid \"{_key(source)}\"), translating the English “{english}”"
    if not _translated(message):
        return f"not translated: fill its msgstr, translating the English “{english}”"
    if message.fuzzy:
        return "marked fuzzy (it may not match the English): review it, then remove the `#, fuzzy` line"
    if source.pluralizable != message.pluralizable:
        kind = "plural forms (msgid_plural, msgstr[0], msgstr[1]…)" if source.pluralizable else "one msgstr, no plural forms"
        return f"the English entry has {kind}: give `{lang}` the same shape"
    expected = set().union(*(_placeholders(form) or set() for form in _forms(source)))
    for form in _forms(message):
        found = _placeholders(form)
        if found is None:
            return f"the text has a lone {{ or }}: placeholders are written {{name}} (the English: “{english}”)"
        if _decorated(form):  # {version!r:>99999999} would pad the page with a hundred million spaces
            return (f"a placeholder carries a conversion or a format (`!` or `:` inside the braces): write each "
                    f"as {{name}} alone, as the English does: “{english}”")
        markup = sorted({c for c in form if c in MARKUP} - set(english))
        if markup:  # the words land in HTML pages and attributes unescaped, as the English ones can
            return (f"the text has {' '.join(markup)}, which a web page reads as markup and the English text does not have: "
                    "the interface words are plain text; write quotes as « » or “ ”, and `and` for &")
        if _key(source) in (DATE_FORMAT, DATE_FORMAT_FIRST_DAY) and not _formats_a_day(form, lang):
            return (f"“{form}” is not a CLDR date pattern a day can be written with (it names hours, minutes or a time "
                    "zone, or a field Babel does not know): use d, M and y, like “d MMMM y”; mm is minutes, MM the month")
        if found != expected:
            return (f"its placeholders {_names(found)} differ from the English {_names(expected)}: "
                    f"keep each {{name}} of the English text, spelled the same")
    return ""


def _placeholders(text: str) -> set[str] | None:
    """The `{names}` in a text, or None when its braces do not parse."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return None


DATE_FORMAT = "date_format"  # the catalog entry holding the CLDR pattern of every date
DATE_FORMAT_FIRST_DAY = "date_format_first_day"  # ... of the first of a month (French: 1er juin)


def _formats_a_day(pattern: str, lang: str) -> bool:
    """Whether Babel can write a date (a day, no time of day) with `pattern` in `lang`."""
    try:
        format_date(dt.date(2025, 6, 1), format=pattern, locale=lang)
    except (AttributeError, ValueError, TypeError, KeyError, UnknownLocaleError):  # `mm` asks a date for its minutes
        return False
    return True


MARKUP = '<>&"'  # characters HTML reads as markup (or an attribute's end)


def _decorated(text: str) -> bool:
    """Whether a `{placeholder}` of a (parsable) text has a `!conversion` or a `:format`: the English has none."""
    return any(name is not None and (spec or conversion) for _, name, spec, conversion in string.Formatter().parse(text))


def _names(names: set[str]) -> str:
    return ", ".join(f"{{{n}}}" for n in sorted(names)) or "(none)"
