"""`policy import`: an existing policy (one file, a folder of dated versions, or one file's git
history) brought into this layout, one release per version.

Sections are cut at one heading level; what comes before the first such heading is the
unnumbered introduction. Ids come from titles (ASCII, as section ids must be) and are kept
from one version to the next while the title stays, while the text stays close, or as
`--map "New title=old-id"` says for a rewrite.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import yaml
from bs4 import BeautifulSoup
from markdownify import MarkdownConverter

from site_builder.compare.diffing import plausible, similarity
from site_builder.errors import PolicyError, Problem, errors_in
from site_builder.markup import commonmark_tokens
from site_builder.source import history
from site_builder.source.content import ISO_CODE, SECTION_ID, content_hash, i18n_languages, load_record, load_snapshot
from site_builder.source.models import DEFAULT_SOURCE
from site_builder.source.releases import record_text

_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)*)[.)]?\s+(?=\S)")
_DATED = re.compile(r"^(?:\d+-)?(\d{4}-\d{2}-\d{2})\.(?:md|markdown|txt|html?)$")
_WORD = re.compile(r"\w+")
ID_LENGTH = 60
MAX_SOURCE_BYTES = 20 * 1024 * 1024  # a policy page is a few hundred KiB; this is not one
MAX_TEXT_CHARS = 2_000_000  # the text of one version: ten sections of the largest size a section may have
MAX_HTML_NESTING = 100  # elements inside each other; the HTML converter recurses per element


@dataclass(frozen=True)
class Cut:
    """One section of an imported version."""

    title: str
    body: str
    numbered: bool
    intro: bool = False
    origin: tuple[int, ...] = ()  # the line of the version's text each line of `body` came from


@dataclass(frozen=True)
class Version:
    """One version of the source: its text, date and a summary line."""

    label: str
    date: dt.date
    summary: str
    text: str
    source: str = ""  # the file (or file@commit) it was read from, for messages
    same_lines: bool = False  # the text's lines are the source's lines (Markdown, plain text; not HTML)


@dataclass
class Report:
    """What the import did, for the editor to read."""

    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)


# --- reading sources -------------------------------------------------------------------


def decode_source(data: bytes, name: str) -> str:
    """Text of a source file as Markdown, or a clear refusal of anything that is not text."""
    if len(data) > MAX_SOURCE_BYTES:
        raise PolicyError(f"{name} is {len(data) / 1048576:.0f} MiB, more than the {MAX_SOURCE_BYTES // 1048576} MiB a policy "
                          "source may have: import the policy page itself, not a site or an archive")
    if b"\0" in data:
        raise PolicyError(f"{name} is not a text file (it holds NUL bytes): import a Markdown, HTML or plain text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{name} is not UTF-8 text (byte {exc.start} cannot be read): save it as UTF-8 and import again") from None
    text = text.replace("\r\n", "\n")
    if is_html(text, name):
        text = html_to_markdown(text, name)
    elif name.lower().endswith(".txt"):
        text = text_to_markdown(text)
    if len(text) > MAX_TEXT_CHARS:
        raise PolicyError(f"{name}: its text is {len(text):,} characters long, more than the {MAX_TEXT_CHARS:,} a policy version "
                          "may have: import the policy itself, not a site or an archive")
    return text


def is_html(text: str, name: str) -> bool:
    """A web page (by its name or its first tag), converted to Markdown on import."""
    return bool(re.match(r"\s*(<!doctype html|<html|<body|<main|<article|<div|<h1)", text, re.I)) or name.lower().endswith((".html", ".htm"))


# What a browser never shows as the page's text: code, styles, metadata, fallbacks and templates.
_HIDDEN = ["head", "title", "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas"]


def html_to_markdown(text: str, name: str) -> str:
    """The text a browser shows of a page, as Markdown: hidden parts dropped, shown text kept as text."""
    check_html_nesting(text, name)
    soup = BeautifulSoup(text, "html.parser")
    for hidden in soup.find_all(_HIDDEN):
        hidden.decompose()
    return _PageConverter(heading_style="ATX", bullets="-").convert_soup(soup)


class _PageConverter(MarkdownConverter):
    """markdownify, but text the page showed stays text: `<`, `&`, `[` and backquotes are escaped."""

    def escape(self, text: str, parent_tags: set[str]) -> str:
        text = re.sub(r"&(?=#?\w+;)", "&amp;", text).replace("<", "&lt;")
        # markdownify's escape() (asterisks, underscores) is missing from its type stubs
        return super().escape(re.sub(r"([\\`\[\]])", r"\\\1", text), parent_tags)  # type: ignore[misc]


_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
_SELF_CLOSING_PEERS = {"p": set(), "li": {"ul", "ol"}, "dt": {"dl"}, "dd": {"dl"}, "tr": {"table"},
                       "td": {"tr", "table"}, "th": {"tr", "table"}, "option": {"select"}}


class _Depth(HTMLParser):
    """How deep elements nest, read without building a tree (a tree builder recurses as deep)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.deepest: tuple[int, int] = (0, 0)  # (depth, line)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        if tag in _SELF_CLOSING_PEERS and tag in self.stack:  # `<li>` without `</li>` ends the open item
            at = len(self.stack) - 1 - self.stack[::-1].index(tag)
            if not any(t in _SELF_CLOSING_PEERS[tag] for t in self.stack[at + 1:]):
                del self.stack[at:]
        self.stack.append(tag)
        if len(self.stack) > self.deepest[0]:
            self.deepest = (len(self.stack), self.getpos()[0])

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag):]


def check_html_nesting(text: str, name: str) -> None:
    """Refuse a page whose elements nest deeper than any policy page does, naming the line."""
    parser = _Depth()
    for start in range(0, len(text), 65536):  # fed in pieces: the depth is checked as it grows
        parser.feed(text[start:start + 65536])
        depth, line = parser.deepest
        if depth > MAX_HTML_NESTING:
            raise PolicyError(f"{name}:{line}: HTML elements are nested more than {MAX_HTML_NESTING} deep here (lists, "
                              "quotes or boxes inside each other): no policy page needs that; save the page's text "
                              "with its nesting flattened and import it again")
    parser.close()


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
        return [_version(sha[:10], when.date(), subject or f"Version of {when.date()}", data, f"{history_path}@{sha[:10]}")
                for sha, when, subject, data in found]
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if _DATED.match(p.name))
        if not files:
            raise PolicyError(f"{source} holds no versions named like 001-2024-02-21.md (a date in each name); import one file, or use --history")
        out = []
        for path in files:
            date = dt.date.fromisoformat(_DATED.match(path.name).group(1))  # type: ignore[union-attr]
            out.append(_version(path.stem, date, f"Version recorded on {date.isoformat()}", path.read_bytes(), str(path)))
        return out
    if not source.is_file():
        raise PolicyError(f"{source} does not exist: name a Markdown, HTML or text file, a folder of dated versions, or a git repository with --history")
    return [_version(source.stem, dt.date.today(), f"Imported from {source.name}", source.read_bytes(), str(source))]


def _version(label: str, date: dt.date, summary: str, data: bytes, name: str) -> Version:
    text = decode_source(data, name)
    return Version(label, date, summary, text, name, not is_html(data.decode("utf-8-sig", "replace"), name))


# --- cutting one version into sections ---------------------------------------------------


def _plain(inline) -> str:  # noqa: ANN001 - a markdown-it inline token
    text = "".join(child.content for child in inline.children or [] if child.type in ("text", "code_inline"))
    return " ".join(text.split())


@functools.lru_cache(maxsize=1024)  # asked three times per version: the level, its check and the cut
def headings(text: str) -> tuple[tuple[int, int, int, str], ...]:
    """Top-level headings: (level, first line, line after, plain title)."""
    tokens = commonmark_tokens(text, tables=True)
    out = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.level == 0 and tok.map:
            out.append((int(tok.tag[1]), tok.map[0], tok.map[1], _plain(tokens[i + 1])))
    return tuple(out)


def own_level(text: str) -> int | None:
    """The heading level that cuts this version into sections: the highest level used at least
    twice, or used once below a lone title heading."""
    levels = Counter(level for level, *_ in headings(text))
    candidates = sorted(lv for lv, n in levels.items() if n >= 2 or (lv > 1 and n >= 1 and levels.get(1, 0) <= 1))
    return candidates[0] if candidates else None


def auto_level(texts: list[str]) -> int | None:
    """The heading level that cuts most versions into sections (for a version with no level of its own)."""
    votes = Counter(lv for lv in map(own_level, texts) if lv is not None)
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
    kept = [i for i in range(start) if not _in_title(i, found, title_lines)]
    intro = "\n".join(lines[i] for i in kept).strip()
    if intro:
        lead = next(n for n, i in enumerate(kept) if lines[i].strip())
        sections.append(Cut("Introduction", intro + "\n", False, intro=True, origin=tuple(i + 1 for i in kept[lead:])))
    numbered_any = any(_NUMBER.match(h[3]) for h in cuts)
    for k, (_, _first, after, heading) in enumerate(cuts):
        end = cuts[k + 1][1] if k + 1 < len(cuts) else len(lines)
        body = "\n".join(lines[after:end]).strip("\n")
        lead = next((n for n, line in enumerate(lines[after:end]) if line), 0)
        name = _NUMBER.sub("", heading).strip() or heading or f"Section {k + 1}"
        sections.append(Cut(name, (body + "\n") if body.strip() else "", numbered_any,
                            origin=tuple(range(after + lead + 1, end + 1))))
    return title, sections


def _in_title(i: int, found: tuple[tuple[int, int, int, str], ...], title_lines: set[int]) -> bool:
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
        self.titles: dict[str, str] = {}  # every title seen so far -> its latest id

    def assign(self, label: str, cuts: list[Cut]) -> list[tuple[str, Cut]]:
        taken: set[str] = set()
        out: list[tuple[str, Cut] | None] = [None] * len(cuts)
        by_title: dict[str, str] = dict(self.titles)  # a section a version lost comes back with its id
        for sid, cut in self.previous:
            by_title[_norm(cut.title)] = sid
        for i, cut in enumerate(cuts):  # explicit --map, then the same title
            found = "introduction" if cut.intro else self.mapping.get(_norm(cut.title)) or by_title.get(_norm(cut.title))
            if found and found not in taken:
                sid = found
                out[i] = (sid, cut)
                taken.add(sid)
        olds = [(sid, _WORD.findall(old.body.lower())) for sid, old in self.previous]
        for i, cut in enumerate(cuts):  # then text that stayed close under a new title
            if out[i] is None:
                close = self._closest(cut, taken, olds)
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
        self.titles.update((_norm(cut.title), sid) for sid, cut in self.previous)
        return self.previous

    @staticmethod
    def _closest(cut: Cut, taken: set[str], olds: list[tuple[str, list[str]]]) -> str | None:
        """The free id of the earlier section whose text is closest (similarity above one half):
        only sections that share enough rare words can reach that, so only they are compared."""
        words = _WORD.findall(cut.body.lower())
        free = [(sid, old) for sid, old in olds if sid not in taken]
        best, score = None, 0.5
        for k in plausible([words], [old for _, old in free], 0.5).get(0, ()):
            value = similarity(words, free[k][1])
            if value > score:  # candidates come in order: the first of equals wins, as before
                best, score = free[k][0], value
        return best


# --- writing the repository ------------------------------------------------------------------


class _Files:
    """One imported version's files, in memory: read by the same loader as a release's commit."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.label = "imported version"

    def read(self, path: str) -> bytes | None:
        return self.files.get(path)

    def listdir(self, path: str) -> list[str]:
        prefix = path.rstrip("/") + "/"
        return sorted({name[len(prefix):].split("/")[0] for name in self.files if name.startswith(prefix)})


@dataclass(frozen=True)
class Planned:
    """One release to commit: its files (text and record), all validated before anything is written."""

    name: str
    date: dt.date
    version: Version
    files: dict[str, bytes]
    sections: list[tuple[str, Cut]]


def _version_files(title: str, sections: list[tuple[str, Cut]], lang: str | None = None) -> dict[str, bytes]:
    meta: dict = {"title": title} | ({"languages": [lang]} if lang else {}) | {"sections": [sid for sid, _ in sections]}
    files = {"policy/policy.yml": yaml.safe_dump(meta, allow_unicode=True, sort_keys=False).encode()}
    for sid, cut in sections:
        front = {"title": cut.title} | ({} if cut.numbered else {"numbered": False})
        text = "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1000) + "---\n" + cut.body
        files[f"policy/{sid}.md"] = text.encode()
    return files


def _plan(name: str, date: dt.date, version: Version, title: str, sections: list[tuple[str, Cut]],
          lang: str | None = None) -> Planned:
    files = _version_files(title, sections, lang)
    record = record_text(version=name, effective=date, kind="material", summaries={lang or DEFAULT_SOURCE: version.summary},
                         content_hash=content_hash(_Files(files)))
    return Planned(name, date, version, files | {f"changelog/{name}.yml": record.encode()}, sections)


def validate(planned: Planned) -> list[str]:
    """The errors `policy build` would find in this release, each located in the source where it can be."""
    snapshot, problems = load_snapshot(_Files(planned.files), advice=False)  # read exactly as a release's commit is
    path = f"changelog/{planned.name}.yml"
    problems += load_record(planned.files[path], path, snapshot.languages if snapshot else (DEFAULT_SOURCE,))[1]
    return [_locate(problem, planned) for problem in errors_in(problems)]


def _locate(problem: Problem, planned: Planned) -> str:
    """`source:line: message (generated file:line)`, or the generated file:line when the lines do not match."""
    source, where = planned.version.source, f"{problem.path}:{problem.line}"
    sid = problem.path.removeprefix("policy/").removesuffix(".md")
    cut = next((cut for s, cut in planned.sections if s == sid), None)
    if planned.version.same_lines and cut is not None and problem.line:
        text = planned.files[problem.path].decode()
        body_line = text[: len(text) - len(cut.body)].count("\n") + 1  # the file is front matter, then the body
        offset = problem.line - body_line
        if 0 <= offset < len(cut.origin):
            return f"{source}:{cut.origin[offset]}: {problem.message} (release {planned.name}, {where})"
    return f"{where}: {problem.message} (release {planned.name}, from {source})"


def _write(root: Path, files: dict[str, bytes]) -> None:
    """The working tree of one release: the policy folder replaced, the record added."""
    folder = root / "policy"
    for old in folder.glob("*.md"):
        old.unlink()
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)


def _mkdocs_yml(root: Path, title: str, site_url: str) -> None:
    path = root / "mkdocs.yml"
    if not path.exists():
        path.write_text(yaml.safe_dump({"site_name": title, "site_url": site_url, "theme": {"name": "material"}},
                                       allow_unicode=True, sort_keys=False), encoding="utf-8")


def _cut_level(versions: list[Version], level: int | None, source: Path) -> int:
    if level is not None and not 1 <= level <= 6:
        raise PolicyError(f"--level {level}: a heading level is 1 to 6")
    level = level or auto_level([v.text for v in versions])
    if level is None or not any(h[0] == level for v in versions for h in headings(v.text)):
        shown = sorted({h[0] for v in versions for h in headings(v.text)})
        raise PolicyError(f"heading level {level} splits nothing in {source}; its heading levels are: "
                          f"{', '.join(map(str, shown)) or 'none'} — choose one with --level")
    return level


def version_levels(versions: list[Version], level: int | None, fallback: int) -> list[int]:
    """The heading level each version is cut at: `--level` for all; else the level most versions
    use, where it cuts this version into sections; else the version's own structure (LinkedIn's
    last versions use `####` only). A version that also repeats its title heading keeps the common level."""
    if level:
        return [level] * len(versions)
    out = []
    for version in versions:
        used = Counter(lv for lv, *_ in headings(version.text))
        out.append(fallback if used.get(fallback, 0) >= 2 else own_level(version.text) or fallback)
    return out


LOST_WORDS = 0.9  # a version with less than a tenth of the words before it is likely not the policy
LOST_SECTIONS = 0.5


def _losses(label: str, before: list[tuple[str, Cut]] | None, after: list[tuple[str, Cut]]) -> list[str]:
    """Warnings for a version that lost most of the text or half the sections of the one before."""
    if not before:
        return []
    words = [sum(len(_WORD.findall(cut.body)) for _, cut in secs) for secs in (before, after)]
    out = []
    if words[0] and words[1] < words[0] * (1 - LOST_WORDS):
        out.append(f"  warning: {label} has {words[1]:,} words against {words[0]:,} in the version before "
                   f"(it lost {1 - words[1] / words[0]:.0%}): if the page captured was not the policy (a failure or "
                   "maintenance page) or was cut short, remove it from the source and import again")
    if len(before) >= 2 and len(after) <= len(before) * (1 - LOST_SECTIONS):
        out.append(f"  warning: {label} has {len(after)} section(s) against {len(before)} in the version before: "
                   "check that it is the whole policy (a capture cut short, a failure page or a changed heading style loses sections)")
    return out


def plan_import(versions: list[Version], *, levels: list[int], keep: dict[str, str], title: str | None, report: Report,
                lang: str | None = None) -> list[Planned]:
    """Every release the import would commit, validated as `policy build` validates a release; raises on any error."""
    keeper, last, planned, errors = IdKeeper(keep, report), dt.date.min, [], []
    before: list[tuple[str, Cut]] | None = None
    for n, (version, level) in enumerate(zip(versions, levels, strict=True), start=1):
        doc_title, cuts = cut_version(version.text, level)
        last = max(version.date, last)  # effective dates never decrease
        name = str(n) if len(versions) > 1 else "1.0"
        sections = keeper.assign(version.label, cuts)
        report.add(f"  {version.label}: heading level {level}, {len(sections)} section(s), "
                   f"{sum(len(_WORD.findall(cut.body)) for _, cut in sections):,} words")
        for line in _losses(version.label, before, sections):
            report.add(line)
        before = sections
        planned.append(_plan(name, last, version, title or doc_title or "Privacy Policy", sections, lang))
        errors += validate(planned[-1])
    if errors:
        shown = errors[:20] + ([f"... and {len(errors) - 20} more"] if len(errors) > 20 else [])
        raise PolicyError("\n".join(shown) + f"\n{len(errors)} error(s): `policy build` would refuse these releases, so nothing "
                          "was imported; correct the source and import again")
    return planned


def import_policy(source: Path, *, repo: Path, history_path: str | None = None, level: int | None = None,
                  mapping: tuple[str, ...] = (), title: str | None = None, site_url: str = "https://example.com/privacy/",
                  progress: Callable[[str], None] = lambda line: None, lang: str | None = None) -> Report:
    """Bring a policy (one version or many) into `repo`: sections, releases, one commit per version.

    Every release is read and validated first; nothing is written when any would fail to build.
    `lang`: the language the text is in, which becomes the source language (`languages: [lang]` in
    policy/policy.yml); None: English, the default, and no `languages` key.
    """
    if lang is not None and (not ISO_CODE.fullmatch(lang) or lang not in i18n_languages()):
        raise PolicyError(f"--lang {lang[:20]!r}: give the language of the text as an ISO 639-1 code the site has interface "
                          f"words for: {', '.join(i18n_languages())}")
    keep = parse_map(mapping)
    versions = versions_from_path(Path(source), history_path)
    root = Path(repo).resolve()
    if (root / "policy").exists() or (root / "changelog").exists():
        raise PolicyError(f"{root} has a policy already (policy/ or changelog/): import into a new, empty folder")
    common = _cut_level(versions, level, Path(source))
    levels = version_levels(versions, level, common)
    report = Report()
    report.add(f"Importing {len(versions)} version(s) from {source}, sections cut at heading level {common}"
               + ("" if len(set(levels)) == 1 else " (each version at its own level, below)"))
    planned = plan_import(versions, levels=levels, keep=keep, title=title, report=report, lang=lang)
    repo_git = history.init_or_open(root)
    for release in planned:
        _write(root, release.files)
        _mkdocs_yml(root, yaml.safe_load(release.files["policy/policy.yml"])["title"], site_url)
        history.commit_all(repo_git, f"Release {release.name}: {release.version.summary}",
                           dt.datetime.combine(release.date, dt.time(12), dt.UTC))
        progress(f"  {release.name}  {release.date}  {len(release.sections):3d} sections  {release.version.label}")
    report.add(f"Done: {len(versions)} release(s) in {root}; next: set site_url in mkdocs.yml, then `policy check` and `policy build`")
    return report
