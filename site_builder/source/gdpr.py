"""GDPR Art. 13/14 coverage: which section gives each item of information, in which languages.

Sections declare the items they cover (`gdpr: [13.1.a]` in their front matter); the items and
their cues live in `data/gdpr_items.yml`. `policy check` warns for an item no section covers,
and for a declared item whose text in a language has none of its cues. An aid for editors,
not legal advice.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from site_builder import strict_yaml
from site_builder.blocks import cut
from site_builder.errors import Problem
from site_builder.i18n import t
from site_builder.markup import to_html
from site_builder.source.models import Snapshot


def _packaged(name: str) -> dict:
    """A YAML file shipped with the tool, read under the same rules as the editors' files."""
    data, _, problems = strict_yaml.load((Path(__file__).parents[1] / "data" / name).read_text(encoding="utf-8"), name)
    if problems or not isinstance(data, dict):
        raise RuntimeError(f"the installed tool is damaged: {name}: {problems[0].format() if problems else 'not a mapping'}")
    return data


_DATA = _packaged("gdpr_items.yml")["items"]
ITEMS: dict[str, dict[str, dict]] = {key: value for key, value in _DATA.items()}


def article(item: str) -> str:
    """"13.2.f" -> "Art. 13(2)(f)"."""
    number, paragraph, point = item.split(".")
    return f"Art. {number}({paragraph})({point})"


def fold(text: str) -> str:
    """Lower case, Greek accents removed, final sigma folded: what the cues are matched against."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ς", "σ")


@dataclass(frozen=True)
class Coverage:
    """One item: the sections that declare it, and per language whether their text has its cues."""

    item: str
    sections: tuple[str, ...]
    languages: dict[str, bool]  # the text has the item's cues (words found; its meaning is not checked)
    reviewed: tuple[str, ...] = ()  # "who, when" from `gdpr_reviewed` of the sections: a lawyer confirmed the meaning


def _text(snapshot: Snapshot, lang: str, section_id: str) -> str:
    sec = snapshot.text(lang).section(section_id)
    if sec is None:
        return ""
    return fold(sec.title + "\n" + "\n".join(b.key for b in cut(to_html(sec.body))))


def cued(lang: str) -> bool:
    """True when data/gdpr_items.yml has cue words in `lang` for every item (else its text is not checked)."""
    return all(lang in entry for entry in ITEMS.values())


def _name(item: str, lang: str) -> str:
    entry = ITEMS[item]
    return (entry.get(lang) or entry["en"])["name"]


def _has_cues(text: str, item: str, lang: str) -> bool:
    cues = ITEMS[item][lang]["cues"]
    return all(any(re.search(fold(cue), text) for cue in group) for group in cues)


def coverage(snapshot: Snapshot) -> list[Coverage]:
    """Every item of Art. 13 and 14, with its sections and the languages whose text shows it
    (languages without cue words are left out: their text is not checked, never guessed at)."""
    out = []
    for item in ITEMS:
        sections = tuple(s.id for s in snapshot.sections if item in s.gdpr)
        languages = {lang: any(_has_cues(_text(snapshot, lang, sid), item, lang) for sid in sections)
                     for lang in snapshot.languages if cued(lang)}
        reviewed = tuple(who for s in snapshot.sections for key, who in s.gdpr_reviewed if key == item)
        out.append(Coverage(item, sections, languages, reviewed))
    return out


def problems(snapshot: Snapshot) -> list[Problem]:
    """Warnings: items no section covers; declared items whose text in a language lacks them."""
    found = [Problem("policy/policy.yml", 1, f"GDPR check: site_builder/data/gdpr_items.yml has no cue words in `{lang}`, so "
                     f"the `{lang}` text is not checked; add `{lang}` cues there to check it", "warning")
             for lang in snapshot.languages if not cued(lang)]
    paths = {s.id: s.path for s in snapshot.sections}
    for row in coverage(snapshot):
        name = _name(row.item, snapshot.source)
        if not row.sections:
            found.append(Problem("policy/policy.yml", 1, f"GDPR {article(row.item)} ({name}) is covered by no section: write it, "
                                 f"then declare `gdpr: [\"{row.item}\"]` in that section's front matter", "warning"))
            continue
        for lang, shown in row.languages.items():
            if shown:
                continue
            sid = row.sections[0]
            path = paths[sid] if lang == snapshot.source else f"translations/{lang}/{sid}.md"
            found.append(Problem(path, 1, f"GDPR {article(row.item)} ({_name(row.item, lang)}) "
                                 f"is declared in {', '.join(row.sections)} but its {lang} text does not say it (none of the cues "
                                 "in site_builder/data/gdpr_items.yml); complete the text, or the cues if the text is right", "warning"))
    return found


def table(snapshot: Snapshot, fmt: str, lang: str | None = None) -> str:
    """The coverage table as text, Markdown, JSON or an HTML fragment, with what it does not prove
    (in the source language unless `lang` is given; a column per language that has cue words)."""
    lang = lang or snapshot.source
    rows = coverage(snapshot)
    langs = [code for code in snapshot.languages if cued(code)]
    note = t(lang, "gdpr.disclaimer")
    mark = {True: t(lang, "gdpr.cues"), False: t(lang, "gdpr.no_cues")}
    unreviewed = t(lang, "gdpr.unreviewed")

    def name(r: Coverage, code: str = lang) -> str:
        return _name(r.item, code)

    if fmt == "json":
        return json.dumps({"schema": "policy-gdpr/2", "note": {code: t(code, "gdpr.disclaimer") for code in langs}, "items": [
            {"item": r.item, "article": article(r.item), "name": {code: name(r, code) for code in langs},
             "sections": list(r.sections), "languages": r.languages, "reviewed": list(r.reviewed)} for r in rows]},
            ensure_ascii=False, indent=1) + "\n"
    heads = [t(lang, "gdpr.item"), t(lang, "gdpr.information"), t(lang, "gdpr.sections"), *langs, t(lang, "gdpr.reviewed")]
    cells = [[article(r.item), name(r), ", ".join(r.sections) or "—", *(mark[r.languages[code]] for code in langs),
              "; ".join(r.reviewed) or unreviewed] for r in rows]
    if fmt == "markdown":
        return (f"{note}\n\n| {' | '.join(heads)} |\n|{'---|' * len(heads)}\n"
                + "".join(f"| {' | '.join(row)} |\n" for row in cells))
    if fmt == "html":
        head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in heads)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in cells)
        return f'<table class="policy-gdpr"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    widths = [max(len(row[i]) for row in cells) for i in range(3)]
    return note + "\n\n" + "".join(
        "  ".join(f"{row[i]:<{widths[i]}}" for i in range(3)) + "  "
        + " ".join(f"{code}:{row[3 + j]}" for j, code in enumerate(langs)) + f"  {heads[-1]}: {row[-1]}\n" for row in cells)
