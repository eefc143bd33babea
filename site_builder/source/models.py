"""The data model every stage passes on: frozen dataclasses, no loose dicts."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

DEFAULT_SOURCE = "en"  # the source language of a policy.yml without `languages:` (repositories made before it)
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")  # {{ name }} in a section body
SNAPSHOT_FORMAT = 4  # of snapshot_to_json: change it when Snapshot changes
KINDS = ("material", "minor")
# The one version grammar (release, check, build): numbers without leading zeros (so "1.01" and
# "1.1" cannot both exist), at most 9 digits each and 10 parts (so they compare as numbers).
VERSION_GRAMMAR = re.compile(r"(0|[1-9][0-9]{0,8})(\.(0|[1-9][0-9]{0,8})){0,9}")
VERSION_RULE = "digits and dots, like 2.0 (numbers without leading zeros, at most 9 digits and 10 parts)"
RECORD_SUFFIX = ".yml"
# Dates and numbers a policy can mean; anything outside is a typo (and 9999-12-31 + a day overflows).
EARLIEST_DATE, LATEST_DATE = dt.date(1970, 1, 1), dt.date(2199, 12, 31)
MAX_NOTICE_DAYS = 3650
FOR_YOU = "changes-for-you/"  # /<lang>/<version>/changes-for-you/: the version in force compared with one that will apply


def date_problem(value: dt.date) -> str | None:
    """Why a date is outside the range a policy can mean, or None."""
    if EARLIEST_DATE <= value <= LATEST_DATE:
        return None
    return f"{value} is outside {EARLIEST_DATE} to {LATEST_DATE}"


@dataclass(frozen=True)
class Section:
    """One section in the source language as the editors wrote it (placeholders not yet filled in)."""

    id: str
    title: str
    body: str
    numbered: bool
    fingerprint: str
    path: str
    gdpr: tuple[str, ...] = ()  # the Art. 13/14 items this section declares it covers
    summary: str = ""  # `summary`: the key point of the section, one line (the first layer of the notice)
    gdpr_reviewed: tuple[tuple[str, str], ...] = ()  # `gdpr_reviewed`: (item, "who, when") a lawyer confirmed
    summary_line: int = 1  # where `summary` is (or would be) in the file
    body_line: int = 1  # the file line where the Markdown body starts (for path:line messages)


@dataclass(frozen=True)
class Translation:
    """One translated section and whether it still matches the source text."""

    id: str
    lang: str
    title: str
    body: str
    source_hash: str
    state: str  # ok | stale
    path: str
    summary: str = ""  # the translated key point
    body_line: int = 1  # the file line where the Markdown body starts


@dataclass(frozen=True)
class SectionText:
    """A section as a reader of one language sees it, with its number and placeholders filled."""

    id: str
    title: str
    body: str
    number: int | None
    state: str  # source | ok | stale | missing (stale/missing show the source text)
    summary: str = ""  # the key point, one line ("" when the section has none)


@dataclass(frozen=True)
class LanguageText:
    """The whole policy in one language."""

    lang: str
    title: str
    sections: tuple[SectionText, ...]
    prevailing: str | None = None  # the language that prevails if the texts differ; "none": equally valid

    def section(self, section_id: str) -> SectionText | None:
        """The section with this id, if present."""
        return next((s for s in self.sections if s.id == section_id), None)


@dataclass(frozen=True)
class Snapshot:
    """The policy at one point: a release commit, any revision or the working tree."""

    titles: dict[str, str]
    sections: tuple[Section, ...]
    translations: dict[str, dict[str, Translation]]
    variables: dict[str, dict[str, str]]
    languages: tuple[str, ...]
    notice_days: int | None = None  # the notice the policy promises before a material change takes effect
    prevailing: str | None = None  # `prevailing_language` of policy.yml

    @property
    def source(self) -> str:
        """The language the editors write in (`policy/*.md`): the first of `languages`."""
        return self.languages[0]

    def translation_state(self, lang: str, section_id: str) -> str:
        """ok / stale / missing for a translated language, `source` for the source language."""
        if lang == self.source:
            return "source"
        found = self.translations.get(lang, {}).get(section_id)
        return found.state if found else "missing"

    def text(self, lang: str) -> LanguageText:
        """The policy as readers of `lang` see it; stale or missing sections fall back to the source text."""
        values = {**self.variables.get(self.source, {}), **self.variables.get(lang, {})}
        out, number = [], 0
        for sec in self.sections:
            number += sec.numbered
            state = self.translation_state(lang, sec.id)
            title, body, summary = sec.title, sec.body, sec.summary
            if state == "ok":
                tr = self.translations[lang][sec.id]
                title, body, summary = tr.title, tr.body, tr.summary
            out.append(SectionText(sec.id, title, fill_placeholders(body, values),
                                   number if sec.numbered else None, state, fill_placeholders(summary, values)))
        title = self.titles.get(lang) or self.titles[self.source]
        return LanguageText(lang, title, tuple(out), self.prevailing)


@dataclass(frozen=True)
class ReleaseRecord:
    """`changelog/<version>.yml` as validated."""

    version: str
    effective: dt.date
    kind: str
    summary: dict[str, str]
    content_hash: str
    path: str
    # why a material change takes effect sooner than the policy promises: {lang: reason}, or one
    # string in records written before reasons were per language (hash-locked, never rewritten)
    short_notice: str | dict[str, str] | None = None

    def short_notice_in(self, lang: str) -> str | None:
        """The short-notice reason readers of `lang` see, never another language's words.

        An old single string ("English reason / Ελληνική αιτιολογία") is cut at " / " and each
        part goes to the language of its script; a language with no part of its own gets None."""
        if isinstance(self.short_notice, dict):
            return self.short_notice.get(lang)
        if not self.short_notice:
            return None
        parts = [part.strip() for part in self.short_notice.split(" / ") if part.strip()]
        mine = [part for part in parts if script_language(part) == lang]
        return " ".join(mine) or None

    def summary_in(self, lang: str, source: str) -> tuple[str, str]:
        """The summary readers of `lang` see and the language it is in: theirs, else the source
        language's (a language added after this release), else the first one recorded."""
        for code in (lang, source, *self.summary):
            if self.summary.get(code):
                return self.summary[code], code
        return "", source

    @property
    def key(self) -> tuple[int, ...]:
        """Sort key: releases are ordered by their version number."""
        return version_key(self.version)


@dataclass(frozen=True)
class Release:
    """A published release: its record and the commit that first added it."""

    record: ReleaseRecord
    commit: str
    committed: dt.datetime = field(compare=False)

    @property
    def version(self) -> str:
        return self.record.version

    def status(self, today: dt.date, in_force: str | None, never: frozenset[str] = frozenset()) -> str:
        """upcoming / in force / superseded on `today`; `never in force` whatever the day for a
        release in `never` (replaced by a later release on or before its own effective date)."""
        if self.version in never:
            return "never in force"
        if self.record.effective > today:
            return "upcoming"
        return "in force" if self.version == in_force else "superseded"


_GREEK_LETTER = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def script_language(text: str) -> str:
    """"el" for text written mostly in Greek letters, "en" otherwise (names and URLs aside, a
    Greek sentence has more Greek than Latin letters)."""
    return "el" if len(_GREEK_LETTER.findall(text)) > len(_LATIN_LETTER.findall(text)) else "en"


def is_version(value: object) -> bool:
    """True for a version number this tool accepts, nothing before or after it (not even a line end)."""
    return isinstance(value, str) and VERSION_GRAMMAR.fullmatch(value) is not None


def record_version(name: str) -> str | None:
    """The version a file name in changelog/ records (`2.1.yml` -> "2.1"), None for any other name."""
    stem = name.removesuffix(RECORD_SUFFIX)
    return stem if name.endswith(RECORD_SUFFIX) and is_version(stem) else None


def version_key(version: str) -> tuple[int, ...]:
    """"1.10" > "1.9": compare versions as numbers."""
    return tuple(int(part) for part in version.split("."))


def never_in_force(releases: list[Release]) -> frozenset[str]:
    """The releases that never take effect: a later release takes effect on or before their own date.

    The timeline rule: on any day the newest release whose date has come is in force, so a release
    whose date is on or after a later release's date is never the newest one in force."""
    out, earliest_later = set(), None
    for rel in sorted(releases, key=lambda r: r.record.key, reverse=True):
        if earliest_later is not None and rel.record.effective >= earliest_later:
            out.add(rel.version)
        earliest_later = rel.record.effective if earliest_later is None else min(earliest_later, rel.record.effective)
    return frozenset(out)


def statuses_on(releases: list[Release], today: dt.date) -> dict[str, str]:
    """Every release's status on `today`: exactly one is in force once the first date has come."""
    in_force, never = in_force_version(releases, today), never_in_force(releases)
    return {r.version: r.status(today, in_force, never) for r in releases}


def replaced_on_arrival(releases: list[Release], version: str) -> str | None:
    """The version in force the day before `version` takes effect (what its readers compare it with),
    None for the first one to apply or a version that never takes effect."""
    record = next(r.record for r in releases if r.version == version)
    if version in never_in_force(releases) or record.effective <= EARLIEST_DATE:
        return None
    return in_force_version([r for r in releases if r.record.key < record.key], record.effective - dt.timedelta(days=1))


def in_force_version(releases: list[Release], today: dt.date) -> str | None:
    """The newest release whose effective date has come."""
    current = [r for r in releases if r.record.effective <= today]
    return max(current, key=lambda r: r.record.key).version if current else None


def snapshot_to_json(snap: Snapshot) -> dict:
    """A snapshot as plain data (for the per-commit cache)."""
    from dataclasses import asdict

    return {"titles": snap.titles, "sections": [asdict(s) for s in snap.sections],
            "translations": {lang: {sid: asdict(tr) for sid, tr in items.items()} for lang, items in snap.translations.items()},
            "variables": snap.variables, "languages": list(snap.languages), "notice_days": snap.notice_days,
            "prevailing": snap.prevailing}


def snapshot_from_json(data: dict) -> Snapshot:
    """The inverse of snapshot_to_json."""
    return Snapshot(dict(data["titles"]), tuple(Section(**{**s, "gdpr": tuple(s.get("gdpr", ())),
                                                                    "gdpr_reviewed": tuple(tuple(p) for p in s.get("gdpr_reviewed", ()))}) for s in data["sections"]),
                    {lang: {sid: Translation(**tr) for sid, tr in items.items()} for lang, items in data["translations"].items()},
                    {k: dict(v) for k, v in data["variables"].items()}, tuple(data["languages"]),
                    data.get("notice_days"), data.get("prevailing"))


def fill_placeholders(body: str, values: dict[str, str]) -> str:
    """Replace `{{ name }}` with the value from policy.yml `variables`."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)
