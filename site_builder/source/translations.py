"""Translation states (ok / stale / missing) and marking a translation as up to date."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

from site_builder.errors import ContentError, PolicyError, errors_in
from site_builder.source.content import WorkingTree, language_problems, load_snapshot


@dataclass(frozen=True)
class TranslationStatus:
    """One row of `policy translations`."""

    lang: str
    section: str
    state: str
    source_hash: str
    recorded_hash: str


def statuses(root: Path) -> list[TranslationStatus]:
    """Per language and section: ok / stale / missing, with the current source fingerprint."""
    stop = errors_in(language_problems(WorkingTree(root)))
    if stop:  # which languages are translations is what the command is about
        raise ContentError(stop)
    snap, problems = load_snapshot(WorkingTree(root))
    if snap is None:
        raise ContentError(errors_in(problems))
    rows = []
    for lang in snap.languages:
        if lang == snap.source:
            continue
        for sec in snap.sections:
            tr = snap.translations.get(lang, {}).get(sec.id)
            rows.append(TranslationStatus(lang, sec.id, snap.translation_state(lang, sec.id),
                                          sec.fingerprint, tr.source_hash if tr else ""))
    return rows


def as_json_rows(rows: list[TranslationStatus]) -> list[dict]:
    """Rows for `--json`."""
    return [asdict(r) for r in rows]


def mark(root: Path, lang: str, section_ids: list[str]) -> list[str]:
    """Record that translations are up to date with the source text (policy/); returns the files written."""
    stop = errors_in(language_problems(WorkingTree(root)))
    if stop:  # which languages are translations is what the command is about
        raise ContentError(stop)
    snap, problems = load_snapshot(WorkingTree(root))
    if snap is None:
        raise ContentError(errors_in(problems))
    if lang not in snap.languages or lang == snap.source:
        raise PolicyError(f"unknown translation language {lang!r}; known: {', '.join(snap.languages[1:]) or 'none'}")
    english = {s.id: s for s in snap.sections}
    unknown = [sid for sid in section_ids if sid not in english]
    if unknown:
        raise PolicyError(f"unknown section id {', '.join(unknown)}; known: {', '.join(english)}")
    written = []
    for sid in section_ids:
        path = Path(root) / "translations" / lang / f"{sid}.md"
        if not path.exists():
            raise PolicyError(f"{path.relative_to(root)} does not exist: translate the section first, then mark it")
        path.write_text(_set_source_hash(path.read_text(encoding="utf-8"), english[sid].fingerprint), encoding="utf-8")
        written.append(str(path.relative_to(root)))
    return written


def _set_source_hash(text: str, value: str) -> str:
    """Replace or add `source_hash:` inside the front matter, leaving everything else as it is."""
    lines = text.split("\n")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if lines[0].strip() != "---" or end is None:
        raise PolicyError("translation has no front matter; add `---`, `title: ...`, `---` at the top")
    for i in range(1, end):
        if re.match(r"^source_hash\s*:", lines[i]):
            lines[i] = f'source_hash: "{value}"'
            return "\n".join(lines)
    lines.insert(end, f'source_hash: "{value}"')
    return "\n".join(lines)
