"""Plain-language aid (Art. 12 GDPR: "concise, transparent, intelligible ... clear and plain language").

Per section and language: sentences, words per sentence, sentences over 35 words (with their
`path:line`), the share of long words, and the change against the last release.

The measures work the same way for Greek and English, with no English-only formula (Flesch and
its kind count English syllables): sentence length in words, and the share of *long words*,
words of more than six letters, as LIX (Björnsson's readability index, used for many European
languages) counts them. LIX = words per sentence + 100 × long words / words. Greek words are
longer than English ones, so compare a language with itself (a section against its last release),
never Greek with English.

`policy check` warns when the draft makes a section clearly harder than the last release in a
language: its LIX rises by HARDER_BY points or more (one LIX band is about 10 points) in a section
of MIN_WORDS words or more, and for any sentence over LONGEST words. Like every warning, these stop
`policy release` unless it is given --allow-stale. An aid for editors, not a judgement of the text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from site_builder.errors import Problem
from site_builder.source.models import Snapshot

LONG_SENTENCE = 35  # words: shown as "long" (file:line)
LONGEST = 50  # words: `check` warns for any sentence longer than this
LONG_WORD = 6  # letters: a word with more letters is "long" (LIX)
HARDER_BY = 5.0  # LIX points: `check` warns when a section's LIX rises this much against the last release
MIN_WORDS = 60  # ...and has at least this many words then and now (a few words more or less move a short text's LIX a lot)

_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
# A sentence ends at . ! ? (and the Greek question mark ; or U+037E) followed by a space and a
# capital letter, an opening quote or the end: "Art. 13", "e.g. name" and "ν. 3471/2006" go on.
# Any other language ends sentences as English does; its capitals include the accented ones (É, À).
_END = {"el": r"[.!;\u037e]"}
_OTHER_END = r"[.!?]"
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKS = re.compile(r"<[^>]+>|[*_`~]|\{\{|\}\}")
_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


@dataclass(frozen=True)
class Sentence:
    """One sentence: where it starts and how many words it has."""

    path: str
    line: int
    words: int
    text: str


@dataclass(frozen=True)
class Measure:
    """One section in one language."""

    section: str
    lang: str
    path: str
    sentences: tuple[Sentence, ...]
    words: int
    long_words: int

    @property
    def words_per_sentence(self) -> float:
        return self.words / len(self.sentences) if self.sentences else 0.0

    @property
    def long_word_share(self) -> float:
        return self.long_words / self.words if self.words else 0.0

    @property
    def lix(self) -> float:
        return self.words_per_sentence + 100 * self.long_word_share

    def long_sentences(self, limit: int = LONG_SENTENCE) -> list[Sentence]:
        return [s for s in self.sentences if s.words > limit]


def _units(body: str, first_line: int) -> list[tuple[int, str]]:
    """(file line, plain text) of each paragraph, list item, heading or table cell of a Markdown body."""
    out: list[tuple[int, str]] = []
    current: list[str] = []
    start = first_line
    fence = False

    def flush() -> None:
        if current:
            out.append((start, " ".join(current)))
            current.clear()

    for number, line in enumerate(body.split("\n"), first_line):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fence = not fence
            flush()
            continue
        if fence or not stripped:
            flush()
            continue
        if stripped.startswith("|"):
            flush()
            if not re.fullmatch(r"[|:\-\s]+", stripped):
                out.extend((number, cell) for cell in stripped.strip("|").split("|") if cell.strip())
            continue
        if _LIST.match(line) or stripped.startswith(("#", ">")):
            flush()
            start = number
            current.append(_LIST.sub("", stripped).lstrip("#> "))
            if stripped.startswith("#"):
                flush()
            continue
        if not current:
            start = number
        current.append(stripped)
    flush()
    return [(line, _MARKS.sub("", _LINK.sub(r"\1", text))) for line, text in out]


def sentences(body: str, lang: str, path: str, first_line: int = 1) -> list[Sentence]:
    """The sentences of a Markdown body, each with the line it starts on."""
    end = re.compile(_END.get(lang, _OTHER_END) + r"""[)"»”’]*(?=\s+[«"“(]?[A-Z\u00c0-\u00de\u0386-\u03a9]|\s*$)""")
    out = []
    for line, text in _units(body, first_line):
        start = 0
        for match in end.finditer(text):
            piece = text[start:match.end()].strip()
            start = match.end()
            if _WORD.search(piece):
                out.append(Sentence(path, line, len(_WORD.findall(piece)), piece))
        rest = text[start:].strip()
        if _WORD.search(rest):
            out.append(Sentence(path, line, len(_WORD.findall(rest)), rest))
    return out


def measure_text(section: str, lang: str, path: str, body: str, first_line: int = 1) -> Measure:
    """The measures of one section's text."""
    found = sentences(body, lang, path, first_line)
    words = [w for s in found for w in _WORD.findall(s.text)]
    return Measure(section, lang, path, tuple(found), len(words), sum(len(w) > LONG_WORD for w in words))


def measure(snapshot: Snapshot, lang: str) -> list[Measure]:
    """Every section of a snapshot as readers of `lang` see it (a stale or missing translation: its source text)."""
    text = snapshot.text(lang)
    originals = {s.id: s for s in snapshot.sections}
    out = []
    for sec in text.sections:
        tr = snapshot.translations.get(lang, {}).get(sec.id) if sec.state == "ok" else None
        path, first = (tr.path, tr.body_line) if tr else (originals[sec.id].path, originals[sec.id].body_line)
        out.append(measure_text(sec.id, lang if tr or lang == snapshot.source else snapshot.source, path, sec.body, first))
    return out


@dataclass(frozen=True)
class Row:
    """A section in a language now, and as the last release had it (None: new section)."""

    now: Measure
    before: Measure | None

    @property
    def lix_change(self) -> float | None:
        return None if self.before is None else self.now.lix - self.before.lix


def report(draft: Snapshot, last: Snapshot | None, langs: tuple[str, ...]) -> list[Row]:
    """Per language, per section: the draft's measures and the last release's."""
    rows: list[Row] = []
    for lang in langs:
        before = {m.section: m for m in measure(last, lang)} if last is not None and lang in last.languages else {}
        rows.extend(Row(m, before.get(m.section)) for m in measure(draft, lang))
    return rows


def problems(draft: Snapshot, last: Snapshot | None) -> list[Problem]:
    """Warnings: a sentence over LONGEST words; a section whose LIX rose by HARDER_BY or more."""
    out = []
    for row in report(draft, last, draft.languages):
        for s in row.now.long_sentences(LONGEST):
            out.append(Problem(s.path, s.line, f"a sentence of {s.words} words (over {LONGEST}): split it; it begins "
                               f"“{' '.join(s.text.split()[:8])} …” (see `policy readability`)", "warning"))
        change = row.lix_change
        if (change is not None and change >= HARDER_BY and row.before is not None
                and min(row.before.words, row.now.words) >= MIN_WORDS):
            out.append(Problem(row.now.path, 1, f"`{row.now.section}` ({row.now.lang}) reads clearly harder than in the last release: "
                               f"LIX {row.before.lix:.0f} -> {row.now.lix:.0f} (+{change:.0f}, the warning starts at +{HARDER_BY:.0f}); "
                               f"words per sentence {row.before.words_per_sentence:.1f} -> {row.now.words_per_sentence:.1f}, long words "
                               f"{row.before.long_word_share:.0%} -> {row.now.long_word_share:.0%}: shorter sentences and plainer words "
                               "help (see `policy readability`)", "warning"))
    return out


def as_json(rows: list[Row], against: str | None) -> str:
    """`policy readability --format json`: schema policy-readability/1."""
    def one(m: Measure) -> dict:
        return {"sentences": len(m.sentences), "words": m.words, "words_per_sentence": round(m.words_per_sentence, 1),
                "long_word_share": round(m.long_word_share, 3), "lix": round(m.lix, 1)}
    items = [{"section": r.now.section, "lang": r.now.lang, "path": r.now.path, **one(r.now),
              "long_sentences": [{"line": s.line, "words": s.words, "text": s.text} for s in r.now.long_sentences()],
              "before": one(r.before) if r.before else None,
              "lix_change": None if r.lix_change is None else round(r.lix_change, 1)} for r in rows]
    return json.dumps({"schema": "policy-readability/1", "against": against, "long_sentence": LONG_SENTENCE,
                       "long_word_letters": LONG_WORD, "sections": items}, ensure_ascii=False, indent=1) + "\n"


def as_text(rows: list[Row], against: str | None) -> str:
    """The table for a terminal, then every sentence over LONG_SENTENCE words as path:line."""
    width = max((len(r.now.section) for r in rows), default=7)
    head = (f"{'section':<{width}}  lang  sentences  words/sentence  long words  LIX   change "
            f"(against {against or 'no release'})\n")
    lines = []
    for r in rows:
        m = r.now
        change = "new" if r.lix_change is None else f"{r.lix_change:+.1f}"
        lines.append(f"{m.section:<{width}}  {m.lang:<4}  {len(m.sentences):>9}  {m.words_per_sentence:>14.1f}  "
                     f"{m.long_word_share:>10.0%}  {m.lix:>4.0f}  {change}\n")
    long = [f"{s.path}:{s.line}: {s.words} words: {' '.join(s.text.split()[:10])} …\n"
            for r in rows for s in r.now.long_sentences()]
    tail = (f"\nSentences over {LONG_SENTENCE} words:\n" + "".join(long)) if long else f"\nNo sentence over {LONG_SENTENCE} words.\n"
    return head + "".join(lines) + tail


def as_html(rows: list[Row], lang: str, labels: dict[str, str]) -> str:
    """The editors' draft page: one table for `lang`, then its long sentences."""
    import html

    mine = [r for r in rows if r.now.lang == lang] or rows
    body = "".join(
        f"<tr><th scope=\"row\">{html.escape(r.now.section)}</th><td>{len(r.now.sentences)}</td>"
        f"<td>{r.now.words_per_sentence:.1f}</td><td>{r.now.long_word_share:.0%}</td><td>{r.now.lix:.0f}</td>"
        f"<td>{html.escape(labels['new'] if r.lix_change is None else f'{r.lix_change:+.1f}')}</td>"
        f"<td>{len(r.now.long_sentences())}</td></tr>" for r in mine)
    heads = "".join(f'<th scope="col">{html.escape(labels[k])}</th>' for k in
                    ("section", "sentences", "per_sentence", "long_words", "lix", "change", "over"))
    long = "".join(f"<li><code>{html.escape(s.path)}:{s.line}</code> ({s.words}): {html.escape(s.text)}</li>"
                   for r in mine for s in r.now.long_sentences())
    return (f'<table class="policy-readability"><thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table>'
            + (f'<h2>{html.escape(labels["long"])}</h2><ul class="policy-long-sentences">{long}</ul>' if long else
               f'<p>{html.escape(labels["none_long"])}</p>'))
