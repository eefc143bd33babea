"""`policy import`: an existing policy (one file, a folder of dated versions, or one file's git
history) brought into this layout, one release per version.

Sections are cut at one heading level; what comes before the first such heading is the
unnumbered introduction. Ids come from titles (ASCII, as section ids must be) and are kept
from one version to the next while the title stays, while the text stays close, or as
`--map "New title=old-id"` says for a rewrite.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from markdown_it import MarkdownIt

from site_builder.compare.diffing import similarity
from site_builder.errors import PolicyError
from site_builder.source import history
from site_builder.source.content import SECTION_ID, WorkingTree, content_hash
from site_builder.source.releases import write_record

_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)*)[.)]?\s+(?=\S)")
_DATED = re.compile(r"^(?:\d+-)?(\d{4}-\d{2}-\d{2})\.(?:md|markdown|txt|html?)$")
_WORD = re.compile(r"\w+")
_PARSER = MarkdownIt("commonmark").enable("table")
ID_LENGTH = 60


@dataclass(frozen=True)
class Cut:
    """One section of an imported version."""

    title: str
    body: str
    numbered: bool
    intro: bool = False


@dataclass(frozen=True)
class Version:
    """One version of the source: its text, date and a summary line."""

    label: str
    date: dt.date
    summary: str
    text: str


@dataclass
class Report:
    """What the import did, for the editor to read."""

    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)


# --- reading sources -------------------------------------------------------------------


def decode_source(data: bytes, name: str) -> str:
    """Text of a source file, or a clear refusal of anything that is not text."""
    if b"\0" in data:
        raise PolicyError(f"{name} is not a text file (it holds NUL bytes): import a Markdown, HTML or plain text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{name} is not UTF-8 text (byte {exc.start} cannot be read): save it as UTF-8 and import again") from None
    text = text.replace("\r\n", "\n")
    if re.match(r"\s*(<!doctype html|<html|<body|<main|<article|<div|<h1)", text, re.I) or name.lower().endswith((".html", ".htm")):
        from markdownify import markdownify

        text = markdownify(text, heading_style="ATX", bullets="-", strip=["script", "style"])
    elif name.lower().endswith(".txt"):
        text = text_to_markdown(text)
    return text


_TEXT_HEADING = re.compile(r"^\s*\d{1,2}\.\s+\S.{1,100}$")
_BULLET = re.compile(r"^\s*[•·●▪◦‣–]\s*")


def text_to_markdown(text: str) -> str:
    """Plain text as a web page's text is saved: a short first line is the title, short numbered
    lines between blank lines are section headings, and bullet characters start list items."""
    lines = text.split("\n")
    out = []
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    for i, line in enumerate(lines):
        blank_around = (i == 0 or not lines[i - 1].strip()) and (i + 1 >= len(lines) or not lines[i + 1].strip())
        if i == first and len(line.strip()) <= 80 and blank_around:
            out.append("# " + line.strip())
        elif _TEXT_HEADING.match(line) and blank_around and not line.rstrip().endswith((".", ";", ",")):
            out.append("## " + line.strip().replace(".", "\\.", 1))
        elif _BULLET.match(line):
            out.append("- " + _BULLET.sub("", line))
        else:
            out.append(line)
    return "\n".join(out)


def versions_from_path(source: Path, history_path: str | None) -> list[Version]:
    """The versions a source holds: a file (one), a folder of dated files, or a file's git history."""
    if history_path is not None:
        found = history.file_versions(source, history_path)
        if not found:
            raise PolicyError(f"{history_path!r} has no commits in {source}: name a file that git tracks there (git log -- {history_path})")
        return [Version(sha[:10], when.date(), subject or f"Version of {when.date()}", decode_source(data, f"{history_path}@{sha[:10]}"))
                for sha, when, subject, data in found]
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if _DATED.match(p.name))
        if not files:
            raise PolicyError(f"{source} holds no versions named like 001-2024-02-21.md (a date in each name); import one file, or use --history")
        out = []
        for path in files:
            date = dt.date.fromisoformat(_DATED.match(path.name).group(1))  # type: ignore[union-attr]
            out.append(Version(path.stem, date, f"Version recorded on {date.isoformat()}", decode_source(path.read_bytes(), str(path))))
        return out
    if not source.is_file():
        raise PolicyError(f"{source} does not exist: name a Markdown, HTML or text file, a folder of dated versions, or a git repository with --history")
    return [Version(source.stem, dt.date.today(), f"Imported from {source.name}", decode_source(source.read_bytes(), str(source)))]


# --- cutting one version into sections ---------------------------------------------------


def _plain(inline) -> str:  # noqa: ANN001 - a markdown-it inline token
    text = "".join(child.content for child in inline.children or [] if child.type in ("text", "code_inline"))
    return " ".join(text.split())


def headings(text: str) -> list[tuple[int, int, int, str]]:
    """Top-level headings: (level, first line, line after, plain title)."""
    tokens = _PARSER.parse(text)
    out = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.level == 0 and tok.map:
            out.append((int(tok.tag[1]), tok.map[0], tok.map[1], _plain(tokens[i + 1])))
    return out


def auto_level(texts: list[str]) -> int | None:
    """The heading level that cuts most versions into sections: below a lone title heading."""
    votes: Counter[int] = Counter()
    for text in texts:
        levels = Counter(level for level, *_ in headings(text))
        candidates = sorted(lv for lv, n in levels.items() if n >= 2 or (lv > 1 and n >= 1 and levels.get(1, 0) <= 1))
        if candidates:
            votes[candidates[0]] += 1
    return votes.most_common(1)[0][0] if votes else None


def cut_version(text: str, level: int) -> tuple[str | None, list[Cut]]:
    """(document title, sections) of one version, cut at `level`."""
    lines = text.split("\n")
    found = headings(text)
    title = next((h[3] for h in found if h[0] == 1 and h[0] < level), None)
    title_lines = {h[1] for h in found if h[0] == 1 and h[0] < level and h[3] == title}
    cuts = [h for h in found if h[0] == level]
    sections: list[Cut] = []
    start = cuts[0][1] if cuts else len(lines)
    intro = "\n".join(line for i, line in enumerate(lines[:start]) if not _in_title(i, found, title_lines)).strip()
    if intro:
        sections.append(Cut("Introduction", intro + "\n", False, intro=True))
    numbered_any = any(_NUMBER.match(h[3]) for h in cuts)
    for k, (_, _first, after, heading) in enumerate(cuts):
        end = cuts[k + 1][1] if k + 1 < len(cuts) else len(lines)
        body = "\n".join(lines[after:end]).strip("\n")
        name = _NUMBER.sub("", heading).strip() or heading or f"Section {k + 1}"
        sections.append(Cut(name, (body + "\n") if body.strip() else "", numbered_any))
    return title, sections


def _in_title(i: int, found: list[tuple[int, int, int, str]], title_lines: set[int]) -> bool:
    return any(first <= i < after for _, first, after, _ in found if first in title_lines)


# --- ids that last -----------------------------------------------------------------------


def slug_id(title: str) -> str:
    """A section id from a title: ASCII letters and digits joined by single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > ID_LENGTH:
        slug = slug[:ID_LENGTH].rsplit("-", 1)[0]
    return slug or "section"


def parse_map(pairs: tuple[str, ...]) -> dict[str, str]:
    """`--map "New title=old-id"` options, checked."""
    out: dict[str, str] = {}
    for pair in pairs:
        title, sep, sid = pair.rpartition("=")
        if not sep or not title.strip():
            raise PolicyError(f"--map {pair!r}: write it as \"Heading title=section-id\"")
        sid = sid.strip()
        if not SECTION_ID.match(sid):
            raise PolicyError(f"--map {pair!r}: {sid!r} is not a section id (lower-case letters, digits and single hyphens)")
        out[_norm(title)] = sid
    return out


def _norm(title: str) -> str:
    return " ".join(_NUMBER.sub("", title).casefold().split())


class IdKeeper:
    """Gives each section of each version an id, keeping ids from the version before."""

    def __init__(self, mapping: dict[str, str], report: Report) -> None:
        self.mapping = mapping
        self.report = report
        self.previous: list[tuple[str, Cut]] = []

    def assign(self, label: str, cuts: list[Cut]) -> list[tuple[str, Cut]]:
        taken: set[str] = set()
        out: list[tuple[str, Cut] | None] = [None] * len(cuts)
        by_title: dict[str, str] = {}
        for sid, cut in self.previous:
            by_title.setdefault(_norm(cut.title), sid)
        for i, cut in enumerate(cuts):  # explicit --map, then the same title
            found = "introduction" if cut.intro else self.mapping.get(_norm(cut.title)) or by_title.get(_norm(cut.title))
            if found and found not in taken:
                sid = found
                out[i] = (sid, cut)
                taken.add(sid)
        for i, cut in enumerate(cuts):  # then text that stayed close under a new title
            if out[i] is None:
                close = self._closest(cut, taken)
                if close:
                    sid = close
                    out[i] = (sid, cut)
                    taken.add(sid)
                    self.report.add(f"  {label}: \"{cut.title}\" keeps the id `{sid}` (its text is close to that section's)")
        for i, cut in enumerate(cuts):
            if out[i] is None:
                base = slug_id(cut.title)
                sid, n = base, 2
                while sid in taken:
                    sid, n = f"{base}-{n}", n + 1
                if sid != base:
                    self.report.add(f"  {label}: two sections are titled \"{cut.title}\": the second is `{sid}` "
                                    f"(give it another id with --map \"{cut.title}=new-id\" if you prefer)")
                out[i] = (sid, cut)
                taken.add(sid)
        self.previous = [pair for pair in out if pair is not None]
        return self.previous

    def _closest(self, cut: Cut, taken: set[str]) -> str | None:
        words = _WORD.findall(cut.body.lower())
        best, score = None, 0.5
        for sid, old in self.previous:
            if sid in taken:
                continue
            value = similarity(words, _WORD.findall(old.body.lower()))
            if value > score:
                best, score = sid, value
        return best


# --- writing the repository ------------------------------------------------------------------


def _write_version(root: Path, title: str, sections: list[tuple[str, Cut]]) -> None:
    folder = root / "policy"
    for old in folder.glob("*.md"):
        old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"title": title, "sections": [sid for sid, _ in sections]}
    (folder / "policy.yml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for sid, cut in sections:
        front = {"title": cut.title} | ({} if cut.numbered else {"numbered": False})
        text = "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1000) + "---\n" + cut.body
        (folder / f"{sid}.md").write_text(text, encoding="utf-8")


def _mkdocs_yml(root: Path, title: str, site_url: str) -> None:
    path = root / "mkdocs.yml"
    if not path.exists():
        path.write_text(yaml.safe_dump({"site_name": title, "site_url": site_url, "theme": {"name": "material"}},
                                       allow_unicode=True, sort_keys=False), encoding="utf-8")


def import_policy(source: Path, *, repo: Path, history_path: str | None = None, level: int | None = None,
                  mapping: tuple[str, ...] = (), title: str | None = None, site_url: str = "https://example.com/privacy/",
                  progress: Callable[[str], None] = lambda line: None) -> Report:
    """Bring a policy (one version or many) into `repo`: sections, releases, one commit per version."""
    keep = parse_map(mapping)
    versions = versions_from_path(Path(source), history_path)
    root = Path(repo).resolve()
    if (root / "policy").exists() or (root / "changelog").exists():
        raise PolicyError(f"{root} has a policy already (policy/ or changelog/): import into a new, empty folder")
    if level is not None and not 1 <= level <= 6:
        raise PolicyError(f"--level {level}: a heading level is 1 to 6")
    level = level or auto_level([v.text for v in versions])
    if level is None or not any(h[0] == level for v in versions for h in headings(v.text)):
        shown = sorted({h[0] for v in versions for h in headings(v.text)})
        raise PolicyError(f"heading level {level} splits nothing in {source}; its heading levels are: "
                          f"{', '.join(map(str, shown)) or 'none'} — choose one with --level")
    report = Report()
    report.add(f"Importing {len(versions)} version(s) from {source}, sections cut at heading level {level}")
    repo_git = history.init_or_open(root)
    keeper, last = IdKeeper(keep, report), dt.date.min
    for n, version in enumerate(versions, start=1):
        doc_title, cuts = cut_version(version.text, level)
        sections = keeper.assign(version.label, cuts)
        date = max(version.date, last)  # effective dates never decrease
        last = date
        _write_version(root, title or doc_title or "Privacy Policy", sections)
        _mkdocs_yml(root, title or doc_title or "Privacy Policy", site_url)
        name = str(n) if len(versions) > 1 else "1.0"
        write_record(root, version=name, effective=date, kind="material", summaries={"en": version.summary},
                     content_hash=content_hash(WorkingTree(root)))
        history.commit_all(repo_git, f"Release {name}: {version.summary}",
                           dt.datetime.combine(date, dt.time(12), dt.UTC))
        progress(f"  {name}  {date}  {len(sections):3d} sections  {version.label}")
    report.add(f"Done: {len(versions)} release(s) in {root}; next: set site_url in mkdocs.yml, then `policy check` and `policy build`")
    return report
