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
from site_builder.markup import to_html
from site_builder.source.models import SOURCE_LANG, Snapshot


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
    languages: dict[str, bool]


def _text(snapshot: Snapshot, lang: str, section_id: str) -> str:
    sec = snapshot.text(lang).section(section_id)
    if sec is None:
        return ""
    return fold(sec.title + "\n" + "\n".join(b.key for b in cut(to_html(sec.body))))


def _has_cues(text: str, item: str, lang: str) -> bool:
    cues = ITEMS[item].get(lang, ITEMS[item][SOURCE_LANG])["cues"]
    return all(any(re.search(fold(cue), text) for cue in group) for group in cues)


def coverage(snapshot: Snapshot) -> list[Coverage]:
    """Every item of Art. 13 and 14, with its sections and the languages whose text shows it."""
    out = []
    for item in ITEMS:
        sections = tuple(s.id for s in snapshot.sections if item in s.gdpr)
        languages = {lang: any(_has_cues(_text(snapshot, lang, sid), item, lang) for sid in sections)
                     for lang in snapshot.languages}
        out.append(Coverage(item, sections, languages))
    return out


def problems(snapshot: Snapshot) -> list[Problem]:
    """Warnings: items no section covers; declared items whose text in a language lacks them."""
    found = []
    paths = {s.id: s.path for s in snapshot.sections}
    for row in coverage(snapshot):
        name = ITEMS[row.item][SOURCE_LANG]["name"]
        if not row.sections:
            found.append(Problem("policy/policy.yml", 1, f"GDPR {article(row.item)} ({name}) is covered by no section: write it, "
                                 f"then declare `gdpr: [\"{row.item}\"]` in that section's front matter", "warning"))
            continue
        for lang, shown in row.languages.items():
            if shown:
                continue
            sid = row.sections[0]
            path = paths[sid] if lang == SOURCE_LANG else f"translations/{lang}/{sid}.md"
            found.append(Problem(path, 1, f"GDPR {article(row.item)} ({ITEMS[row.item].get(lang, ITEMS[row.item][SOURCE_LANG])['name']}) "
                                 f"is declared in {', '.join(row.sections)} but its {lang} text does not say it (none of the cues "
                                 "in site_builder/data/gdpr_items.yml); complete the text, or the cues if the text is right", "warning"))
    return found


def table(snapshot: Snapshot, fmt: str, lang: str = SOURCE_LANG) -> str:
    """The coverage table as text, Markdown, JSON or an HTML fragment."""
    rows = coverage(snapshot)
    langs = list(snapshot.languages)
    if fmt == "json":
        return json.dumps({"schema": "policy-gdpr/1", "items": [
            {"item": r.item, "article": article(r.item), "name": {code: ITEMS[r.item].get(code, ITEMS[r.item]["en"])["name"] for code in langs},
             "sections": list(r.sections), "languages": r.languages} for r in rows]}, ensure_ascii=False, indent=1) + "\n"
    mark = {True: "yes", False: "NO"}
    if fmt == "markdown":
        head = f"| item | information | sections | {' | '.join(langs)} |\n|---|---|---|{'---|' * len(langs)}\n"
        return head + "".join(f"| {article(r.item)} | {ITEMS[r.item].get(lang, ITEMS[r.item]['en'])['name']} | "
                              f"{', '.join(r.sections) or '—'} | {' | '.join(mark[r.languages[code]] for code in langs)} |\n" for r in rows)
    if fmt == "html":
        cells = "".join(f"<tr><td>{article(r.item)}</td><td>{html.escape(ITEMS[r.item].get(lang, ITEMS[r.item]['en'])['name'])}</td>"
                        f"<td>{html.escape(', '.join(r.sections) or '—')}</td>"
                        + "".join(f"<td>{mark[r.languages[code]]}</td>" for code in langs) + "</tr>" for r in rows)
        heads = "".join(f"<th scope=\"col\">{code}</th>" for code in langs)
        return (f'<table class="policy-gdpr"><thead><tr><th scope="col">item</th><th scope="col">information</th>'
                f'<th scope="col">sections</th>{heads}</tr></thead><tbody>{cells}</tbody></table>')
    width = max(len(ITEMS[r.item]["en"]["name"]) for r in rows)
    return "".join(f"{article(r.item):<14} {ITEMS[r.item]['en']['name']:<{width}}  {', '.join(r.sections) or '—':<30} "
                   + " ".join(f"{code}:{mark[r.languages[code]]}" for code in langs) + "\n" for r in rows)
