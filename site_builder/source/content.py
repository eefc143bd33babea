"""Content loading: one parser for the working tree and any git revision.

Everything here reads through a `Source`, so the same rules apply to the editor's files
and to the text of a release years ago. Git itself lives in `history.py`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import unicodedata
from pathlib import Path
from typing import Any, Protocol

import yaml

from site_builder import i18n, strict_yaml
from site_builder.errors import Problem
from site_builder.source.models import (
    DEFAULT_SOURCE,
    KINDS,
    MAX_NOTICE_DAYS,
    PLACEHOLDER,
    RECORD_SUFFIX,
    VERSION_RULE,
    ReleaseRecord,
    Section,
    Snapshot,
    Translation,
    date_problem,
    is_version,
)

SECTION_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
LANG_CODE = re.compile(r"^[a-z]{2,3}$")
ISO_CODE = re.compile(r"[a-z]{2}")  # `languages:` in policy.yml: ISO 639-1 codes, like el
LINK_OPEN = re.compile(r"\]\(")
CONTENT_DIRS = ("policy", "translations")
MAX_SECTION_CHARS = 200_000  # a whole long policy; the renderers' time grows with the text
MAX_NESTING = 16  # lists and block quotes inside each other; the renderers recurse per level


class Source(Protocol):
    """Where files come from: the working tree or a git tree."""

    label: str

    def read(self, path: str) -> bytes | None:
        """The bytes of a file, or None when it does not exist."""

    def listdir(self, path: str) -> list[str]:
        """Names of the entries directly under a folder (empty when absent)."""


class WorkingTree:
    """The editor's files on disk, uncommitted edits included; links and outside paths refused."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.label = "working tree"
        self.refused: dict[str, Problem] = {}

    def _inside(self, path: str) -> bool:
        """False (and recorded) for a symbolic link, or anything that resolves outside the repository."""
        file = self.root / path
        parts = Path(path).parts
        for i in range(1, len(parts) + 1):
            if (self.root.joinpath(*parts[:i])).is_symlink():
                self.refused[path] = Problem(str(Path(*parts[:i])), 1, "is a symbolic link: policy text must be plain files inside "
                                             "the repository (a link can publish a file from elsewhere); replace it with the file itself")
                return False
        try:
            file.resolve().relative_to(self.root.resolve())
        except ValueError:
            self.refused[path] = Problem(path, 1, "lies outside the repository; policy text must be inside it")
            return False
        return True

    def read(self, path: str) -> bytes | None:
        file = self.root / path
        if not (file.is_file() or file.is_symlink()) or not self._inside(path):
            return None
        return file.read_bytes()

    def listdir(self, path: str) -> list[str]:
        folder = self.root / path
        if not folder.is_dir() or not self._inside(path):
            return []
        return sorted(p.name for p in folder.iterdir())


# --- YAML ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16384)
def parse_yaml(text: str, path: str, first_line: int = 1) -> tuple[Any, dict[str, int], list[Problem]]:
    """Parse YAML under the rules of `strict_yaml`; return the data, the line of each top-level key, and problems.

    Cached: two hundred releases share most of their files, and callers never mutate the result.
    """
    data, node, problems = strict_yaml.load(text, path, first_line=first_line, raw_scanned=_RAW_SCANNED)
    if problems:
        return None, {}, problems
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        lines = {str(k.value): first_line + k.start_mark.line for k, _ in node.value}
    return data, lines, []


def decode(raw: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 text with normalised line ends and NFC, or a problem naming the bad byte."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(path, line, f"not UTF-8 (byte {raw[exc.start]:#04x}); save the file as UTF-8")]
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text), hidden_text_problems(text, path)


_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_RAW_SCANNED = "\0\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # what hidden_text_problems names
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# Not text at all: C0/C1 controls but tab, line feed and carriage return, and Unicode noncharacters
# (U+FFFF makes feed.xml ill-formed; a control reaches mail bodies).
_NOT_TEXT = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")
_CONFLICT = re.compile(r"^(<{7}|>{7})( |$)|^={7}$", re.M)
_HIDDEN = re.compile("|".join(p.pattern for p in (_BIDI, _NOT_TEXT, _ZERO_WIDTH)) + "|\0")  # any of the above


def hidden_text_problems(text: str, path: str) -> list[Problem]:
    """What a reviewer cannot see in a diff: NUL bytes, bidirectional controls, zero-width
    characters, and merge-conflict markers left in the text."""
    out: list[Problem] = []
    conflicted = re.search(r"^<{7}( |$)", text, re.M) is not None
    if not conflicted and _HIDDEN.search(text) is None:  # most files: nothing to name, no line to look at
        return out
    for number, line in enumerate(text.split("\n"), start=1):
        if "\0" in line:
            out.append(Problem(path, number, "NUL byte in the text: the file is damaged or not text; remove it"))
        bidi = _BIDI.search(line)
        if bidi:
            out.append(Problem(path, number, f"invisible bidirectional control U+{ord(bidi.group()):04X}: it can make the text read otherwise than it is stored; delete it"))
        junk = _NOT_TEXT.search(line)
        if junk:
            out.append(Problem(path, number, f"control character or noncharacter U+{ord(junk.group()):04X}: it is not text and breaks feeds and mail; delete it"))
        zero = _ZERO_WIDTH.search(line)
        if zero:
            out.append(Problem(path, number, f"invisible zero-width character U+{ord(zero.group()):04X}: readers and search see words split or joined; delete it unless it is meant", "warning"))
        if conflicted and _CONFLICT.match(line):
            out.append(Problem(path, number, f"merge-conflict marker `{line[:7]}`: resolve the conflict (keep one text, delete the markers)"))
    return out


def split_front_matter(text: str, path: str) -> tuple[dict | None, dict[str, int], str, int, list[Problem]]:
    """Split `---` YAML front matter from the Markdown body: (meta, key lines, body, body line, problems)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, {}, text, 1, [Problem(path, 1, "missing front matter: the file must start with a `---` line, then `title: ...`, then `---`")]
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return None, {}, text, 1, [Problem(path, 1, "front matter is not closed: add a `---` line after it")]
    meta, key_lines, problems = parse_yaml("\n".join(lines[1:end]), path, first_line=2)
    if not problems and not isinstance(meta, dict):
        problems = [Problem(path, 2, "front matter must be `key: value` lines (a YAML mapping)")]
    body = "\n".join(lines[end + 1:]).strip("\n") + "\n"
    return (meta if not problems else None), key_lines, body, end + 2, problems


def describe_type(value: Any) -> str:
    """How YAML read a value, in words an editor recognises."""
    if isinstance(value, bool):
        return "a yes/no boolean"
    if isinstance(value, (int, float)):
        shown = repr(value)
        return f"the number {shown if len(shown) <= 24 else shown[:24] + '…'}"
    if isinstance(value, (dt.date, dt.datetime)):
        return "a date"
    if value is None:
        return "empty"
    return f"a {type(value).__name__}"


def text_field(meta: dict, key: str, path: str, lines: dict[str, int], problems: list[Problem],
               required: bool = True) -> str | None:
    """A required text value; YAML's booleans, numbers and dates are refused, not coerced."""
    line = lines.get(key, 1)
    if key not in meta:
        if required:
            problems.append(Problem(path, 1, f"missing `{key}`: add `{key}: ...` to the front matter"))
        return None
    value = meta[key]
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(path, line, f"`{key}` must be text, but YAML read {describe_type(value)}; put the value in quotes"))
        return None
    return value.strip()


def _policy_title(meta: dict, path: str, lines: dict[str, int], problems: list[Problem]) -> str | None:
    """The policy's title: also the subject of every notice, so nothing a mail program reads as an
    encoded word (`=?`), which `policy notify` would refuse only when the notices are sent."""
    title = text_field(meta, "title", path, lines, problems)
    if title is not None and "=?" in title:
        problems.append(Problem(path, lines.get("title", 1), f"`title` {title[:80]!r} contains `=?`, which mail programs read as an "
                                "encoded word in the notices' subject (and `policy notify` refuses): write it without `=?`"))
    return title


# --- fingerprints and placeholders ---------------------------------------------------


def fingerprint(title: str, body: str, summary: str = "") -> str:
    """Fingerprint of a source section: its title, text and key point (`summary`); re-wrapping lines
    does not change it. A section without a key point has the fingerprint it had before key points
    were counted, so no translation of such a section turned stale when they were."""
    blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n", body) if b.strip()]
    canonical = " ".join(title.split()) + "\n\n" + "\n\n".join(blocks)
    if summary.strip():
        canonical += "\n\nsummary: " + " ".join(summary.split())
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def translation_state(source_hash: str, source: Section) -> str:
    """ok / stale. A translation marked before key points counted records the fingerprint of the title
    and text alone: it stays up to date (the published history keeps its translations) until the
    translator marks it again, which records the key point too."""
    current = (source.fingerprint, fingerprint(source.title, source.body))
    return "ok" if source_hash and source_hash in current else "stale"


def content_hash(source: Source) -> str:
    """Fingerprint of the released text: every file under policy/ and translations/."""
    digest = hashlib.sha256()
    for path in sorted(_walk(source, CONTENT_DIRS)):
        data = source.read(path) or b""
        digest.update(f"{path}\0{len(data)}\0".encode())
        digest.update(data)
    return "sha256:" + digest.hexdigest()


def _walk(source: Source, roots: tuple[str, ...]) -> list[str]:
    found = []
    for root in roots:
        for name in source.listdir(root):
            path = f"{root}/{name}"
            if source.read(path) is None:
                found.extend(_walk(source, (path,)))
            else:
                found.append(path)
    return found


# --- the document ----------------------------------------------------------------------


def _read_text(source: Source, path: str, problems: list[Problem]) -> str | None:
    raw = source.read(path)
    if raw is None:
        return None
    text, found = decode(raw, path)
    problems.extend(found)
    return text


def _read_meta_file(source: Source, path: str, problems: list[Problem]) -> tuple[dict | None, dict[str, int]]:
    text = _read_text(source, path, problems)
    if text is None:
        return None, {}
    data, lines, found = parse_yaml(text, path)
    problems.extend(found)
    if not found and not isinstance(data, dict):
        problems.append(Problem(path, 1, "must be `key: value` lines (a YAML mapping)"))
        return None, {}
    return data, lines


def _variables(meta: dict, path: str, lines: dict[str, int], problems: list[Problem]) -> dict[str, str]:
    values = meta.get("variables") or {}
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        problems.append(Problem(path, lines.get("variables", 1), "`variables` must map names to quoted text values"))
        return {}
    return {str(k): v for k, v in values.items()}


def _section_ids(meta: dict, path: str, lines: dict[str, int], problems: list[Problem]) -> list[str]:
    ids = meta.get("sections")
    line = lines.get("sections", 1)
    if not isinstance(ids, list) or not ids:
        problems.append(Problem(path, line, "`sections` must list the section ids in order, one `- id` per line"))
        return []
    from site_builder.markup import RESERVED_IDS  # the renderer loads only when text is checked

    seen: set[str] = set()
    out = []
    for i, sid in enumerate(ids, start=1):
        if not isinstance(sid, str) or not SECTION_ID.match(sid):
            problems.append(Problem(path, line + i, f"invalid section id {sid!r}: use lower-case letters, digits and single hyphens, like `data-retention`"))
        elif sid in RESERVED_IDS:
            problems.append(Problem(path, line + i, f"section id `{sid}` is used by the site's own pages; choose another id"))
        elif sid in seen:
            problems.append(Problem(path, line + i, f"duplicate section id `{sid}`: each section is listed once"))
        else:
            seen.add(sid)
            out.append(sid)
    return out


def link_destinations(line: str) -> list[str]:
    """Destinations of the inline links on a line, read as CommonMark does (balanced parentheses, <...>)."""
    out = []
    for m in LINK_OPEN.finditer(line):
        i = m.end()
        while i < len(line) and line[i] == " ":
            i += 1
        if line.startswith("<", i):
            end = line.find(">", i)
            out.append(line[i + 1:end] if end > 0 else line[i + 1:])
            continue
        depth, j = 0, i
        while j < len(line) and not line[j].isspace():
            if line[j] == "\\":
                j += 2
                continue
            if line[j] == "(":
                depth += 1
            elif line[j] == ")":
                if depth == 0:
                    break
                depth -= 1
            j += 1
        out.append(line[i:j])
    return out


def _link_problem(dest: str) -> str | None:
    lowered = dest.strip().lower()
    if lowered.startswith(("https://", "http://", "mailto:", "#")) or (lowered.startswith("/") and not lowered.startswith("//")):
        return None
    scheme = re.match(r"^([a-z][a-z0-9+.-]*):", lowered)
    what = f"the `{scheme.group(1)}:` scheme is refused (it is unsafe or leads off the web)" if scheme else "a relative link breaks between versions"
    return (f"link to {_short(dest)}: {what}; policy text links to a section or heading (#anchor), "
            "a page of this site (/path/), an https:// page or a mailto: address")


def _short(value: str, limit: int = 80) -> str:
    """A value as it appears in a message, cut when long."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def page_anchors(section_ids: list[str], bodies: list[str]) -> set[str]:
    """Every anchor of a version page: section ids and the headings inside sections (GitHub's ids)."""
    from site_builder.markup import heading_ids, to_html, unique_ids

    seen = {sid: 1 for sid in section_ids}
    found = set(section_ids)
    for body in bodies:
        found.update(heading_ids(unique_ids(to_html(body), seen)))
    return found


def structure_problems(body: str, body_line: int, path: str) -> list[Problem]:
    """A section too long or nested too deep to render (the renderers recurse per level):
    refused where the text is read, before any renderer sees it."""
    if len(body) > MAX_SECTION_CHARS:
        return [Problem(path, body_line, f"the section is {len(body):,} characters long, more than the {MAX_SECTION_CHARS:,} "
                        "a section may have: split it into several sections")]
    deep = _too_deep(body) or _brackets_too_deep(body)
    if deep is None:
        return []
    line, what = deep
    return [Problem(path, body_line + line, f"{what} nested more than {MAX_NESTING} levels deep: no reader can follow "
                    f"that (and rendering it takes minutes); flatten it to at most {MAX_NESTING} levels")]


_CONTAINER_PREFIX = re.compile(r"[ \t>*+\-0-9.)]*")
_CONTAINERS = {"bullet_list_open": "a list", "ordered_list_open": "a list", "blockquote_open": "a block quote"}
_BRACKET = re.compile(r"\\.|[\[\]]|\n[ \t]*\n")


def _too_deep(body: str) -> tuple[int, str] | None:
    """(0-based line, what) of the first list or quote nested deeper than MAX_NESTING, as CommonMark reads it."""
    # Each level of nesting takes at least one character before a line's text: most texts need no parse.
    if all(len(m.group()) + 3 * m.group().count("\t") <= MAX_NESTING for m in map(_CONTAINER_PREFIX.match, body.split("\n")) if m):
        return None
    from site_builder.markup import commonmark_tokens  # the parser loads only for a text that may be too deep

    # markdown-it stops nesting at max_nesting (a list level takes two: the list and its item).
    depth = 0
    for token in commonmark_tokens(body, max_nesting=2 * MAX_NESTING + 8):
        if token.type in _CONTAINERS:
            depth += 1
            if depth > MAX_NESTING:
                return (token.map[0] if token.map else 0), _CONTAINERS[token.type]
        elif token.type.replace("_close", "_open") in _CONTAINERS:
            depth -= 1
    return None


def _brackets_too_deep(body: str) -> tuple[int, str] | None:
    """(0-based line, what) where link brackets open inside each other deeper than MAX_NESTING in one paragraph."""
    if body.count("[") <= MAX_NESTING:
        return None
    depth = 0
    for m in _BRACKET.finditer(body):
        mark = m.group()
        if mark == "[":
            depth += 1
            if depth > MAX_NESTING:
                return body.count("\n", 0, m.start()), "link brackets `[`"
        elif mark == "]":
            depth = max(depth - 1, 0)
        elif mark[0] == "\n":  # a blank line ends the paragraph
            depth = 0
    return None


def _check_body(body: str, body_line: int, path: str, known: set[str] | None,
                values: dict[str, str], problems: list[Problem], editing: bool = True) -> None:
    for offset, line in enumerate(body.split("\n")):
        for m in PLACEHOLDER.finditer(line):
            if m.group(1) not in values:
                problems.append(Problem(path, body_line + offset, f"unknown placeholder `{m.group(0)}`: define `{m.group(1)}` under `variables:` in policy/policy.yml"))
        for dest in link_destinations(line):
            why = _link_problem(dest)
            if why:
                problems.append(Problem(path, body_line + offset, why))
            elif dest.startswith("#") and editing and known is not None and dest[1:] not in known:
                problems.append(Problem(path, body_line + offset, f"link to `{dest}` matches no section or heading of this page, so it leads nowhere (on GitHub too): use a section id from policy/policy.yml or a heading's anchor", "warning"))
    _check_markup(body, body_line, path, problems, editing)


_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _check_markup(body: str, body_line: int, path: str, problems: list[Problem], editing: bool) -> None:
    """Raw HTML the site will not publish as written is named, like a refused link: an error while
    editing, a warning in a published release (whose page shows it stripped)."""
    from site_builder.markup import stripped_markup

    # A line break (`<br>`, which real policies put in table cells) is raw HTML the site keeps as it is:
    # a body with no other `<` needs no rendering to know nothing is dropped.
    if "![" not in body and "<" not in _LINE_BREAK.sub("", body):
        return
    flagged = {p.line for p in problems if p.path == path and p.severity == "error"}
    for tag, attrs, rank in stripped_markup(body):
        line = body_line + _tag_line(body, tag, rank)
        if line in flagged:
            continue  # one finding a line: already refused there (a `javascript:` link) or named
        flagged.add(line)
        what = f"the attribute(s) {attrs} of `<{tag}>`" if attrs else f"the `<{tag}>` element"
        problems.append(Problem(path, line, f"raw HTML: the site drops {what}; policy text keeps plain formatting only "
                                "(no scripts, event handlers, images, frames, `class`, `id`, `style` or `data-` "
                                "attributes): write it in Markdown or as plain text", "error" if editing else "warning"))


def _tag_line(body: str, tag: str, rank: int) -> int:
    """0-based line of the rank-th `<tag` of a body (Markdown's own `![image]` counts as `<img`)."""
    found = list(re.finditer(rf"<{tag}\b" + (r"|!\[" if tag == "img" else ""), body, re.IGNORECASE))
    if not found:
        return 0
    return body.count("\n", 0, found[min(rank, len(found) - 1)].start())


def _read_front_matter(source: Source, path: str, problems: list[Problem]) -> tuple[dict, dict[str, int], str, int] | None:
    """(meta, key lines, body, body line) of a Markdown file, or None with its problems recorded."""
    text = _read_text(source, path, problems)
    if text is None:
        return None
    meta, lines, body, body_line, found = split_front_matter(text, path)
    problems.extend(found)
    return None if meta is None else (meta, lines, body, body_line)


def _read_text_file(source: Source, path: str, problems: list[Problem]) -> tuple[dict, dict[str, int], str, int, str | None] | None:
    """A section or translation file: (front matter, key lines, body, its first line, title), or None when it cannot be used."""
    parsed = _read_front_matter(source, path, problems)
    if parsed is None:
        return None
    meta, lines, body, body_line = parsed
    title = text_field(meta, "title", path, lines, problems)
    refused = structure_problems(body, body_line, path)
    if refused:
        problems.extend(refused)
        return None
    return meta, lines, body, body_line, title


def _load_section(source: Source, sid: str, problems: list[Problem]) -> tuple[Section, int] | None:
    path = f"policy/{sid}.md"
    if source.read(path) is None:
        if path not in getattr(source, "refused", {}):
            problems.append(Problem("policy/policy.yml", 1, f"section `{sid}` is listed but {path} does not exist: create it or remove `{sid}` from `sections`"))
        return None
    read = _read_text_file(source, path, problems)
    if read is None:
        return None
    meta, lines, body, body_line, title = read
    numbered = meta.get("numbered", True)
    if not isinstance(numbered, bool):
        problems.append(Problem(path, lines.get("numbered", 1), "`numbered` must be true or false"))
        numbered = True
    title = title or sid
    summary = _summary(meta, path, lines, problems)
    return Section(sid, title, body, numbered, fingerprint(title, body, summary), path, _gdpr_items(meta, path, lines, problems),
                   summary, _gdpr_reviewed(meta, path, lines, problems), lines.get("summary", 2), body_line), body_line


def _summary(meta: dict, path: str, lines: dict[str, int], problems: list[Problem]) -> str:
    """`summary: ...`: the section's key point, one line of plain text (shown in the "Key points" table)."""
    value = meta.get("summary")
    if value is None:
        return ""
    if not isinstance(value, str) or not value.strip() or "\n" in value.strip():
        problems.append(Problem(path, lines.get("summary", 1), f"`summary` must be one line of text, like `summary: We keep your data "
                                f"at most 5 years.`, not {describe_type(value)}"))
        return ""
    return " ".join(value.split())


def _gdpr_reviewed(meta: dict, path: str, lines: dict[str, int], problems: list[Problem]) -> tuple[tuple[str, str], ...]:
    """`gdpr_reviewed: {"13.2.e": "A. Lawyer, 2026-11-29"}`: who confirmed an item's meaning, and when."""
    from site_builder.source.gdpr import ITEMS

    value = meta.get("gdpr_reviewed")
    if value is None:
        return ()
    line = lines.get("gdpr_reviewed", 1)
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()):
        problems.append(Problem(path, line, "`gdpr_reviewed` maps an item to who reviewed it and when, like "
                                "{\"13.2.e\": \"A. Lawyer, 2026-11-29\"}"))
        return ()
    unknown = [k for k in value if k not in ITEMS]
    if unknown:
        problems.append(Problem(path, line, f"`gdpr_reviewed`: unknown GDPR item(s) {', '.join(map(repr, unknown))}: use "
                                f"{', '.join(ITEMS)} (see `policy gdpr`)"))
    return tuple((k, " ".join(v.split())) for k, v in value.items() if k in ITEMS)


def _promises(meta: dict, lines: dict[str, int], languages: tuple[str, ...],
              problems: list[Problem]) -> tuple[int | None, str | None]:
    """`notice_days` and `prevailing_language` of policy/policy.yml, checked."""
    path = "policy/policy.yml"
    days = meta.get("notice_days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_NOTICE_DAYS):
        problems.append(Problem(path, lines.get("notice_days", 1), f"`notice_days` must be a whole number of days from 0 to "
                                f"{MAX_NOTICE_DAYS}, like 30, not {describe_type(days)}"))
        days = None
    prevailing = meta.get("prevailing_language")
    if prevailing is not None and prevailing not in (*languages, "none"):
        problems.append(Problem(path, lines.get("prevailing_language", 1), f"`prevailing_language` must be one of {', '.join(languages)} "
                                "or none (every text equally valid)"))
        prevailing = None
    elif prevailing is not None and not _has_entry(f"prevailing.all.{prevailing}"):
        problems.append(Problem(path, lines.get("prevailing_language", 1), f"`prevailing_language: {prevailing}`: the "
                                f"interface has no words for \"the {prevailing} text prevails\" (catalog entry "
                                f"prevailing.all.{prevailing}); add it to the catalogs, or choose another language or none"))
        prevailing = None
    return days, prevailing


def _has_entry(key: str) -> bool:
    try:
        i18n.t(i18n.ENGLISH, key)
    except KeyError:
        return False
    return True


def _gdpr_items(meta: dict, path: str, lines: dict[str, int], problems: list[Problem]) -> tuple[str, ...]:
    """`gdpr: [13.1.a, 13.2.b]`: the Art. 13/14 items a section declares (see `policy gdpr`)."""
    from site_builder.source.gdpr import ITEMS

    value = meta.get("gdpr", [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(Problem(path, lines.get("gdpr", 1), "`gdpr` lists items as quoted text, like [\"13.1.a\", \"13.2.b\"]"))
        return ()
    unknown = [v for v in value if v not in ITEMS]
    if unknown:
        problems.append(Problem(path, lines.get("gdpr", 1), f"unknown GDPR item(s) {', '.join(map(repr, unknown))}: use "
                                f"{', '.join(ITEMS)} (see `policy gdpr`)"))
    return tuple(v for v in value if v in ITEMS)


def _load_translation(source: Source, lang: str, name: str, originals: dict[str, Section],
                      listed: set[str], problems: list[Problem]) -> tuple[Translation, int] | None:
    path = f"translations/{lang}/{name}"
    sid = name[:-3]
    if sid in listed and sid not in originals:
        return None  # the source section is broken; that error is reported already
    if sid not in originals:
        problems.append(Problem(path, 1, f"orphan translation: there is no section `{sid}` in policy/; delete this file or rename it to an existing section id"))
        return None
    read = _read_text_file(source, path, problems)
    if read is None:
        return None
    meta, lines, body, body_line, title = read
    source_hash = meta.get("source_hash")
    source_hash = str(source_hash) if isinstance(source_hash, (str, int)) else ""
    state = translation_state(source_hash, originals[sid])
    if title is None:
        return None
    return Translation(sid, lang, title, body, source_hash, state, path, _summary(meta, path, lines, problems), body_line), body_line


MAX_LANGUAGES = 184  # the languages ISO 639-1 names


def _languages(meta: dict, lines: dict[str, int], source: Source, problems: list[Problem], editing: bool = False) -> list[str]:
    """`languages:` of policy/policy.yml, checked against translations/ and the interface catalogs.

    The first is the source language (the text in policy/), every other one has translations/<code>/.
    Without the key: English as the source, plus every translation folder present (as before the key)."""
    path, line = "policy/policy.yml", lines.get("languages", 1)
    folders = list(source.listdir("translations"))
    listed = meta.get("languages")
    if listed is None:
        out = [DEFAULT_SOURCE]
        for name in folders:
            if LANG_CODE.fullmatch(name):  # not match: `$` matches before a final newline (a folder "el\n")
                out.append(name)
            else:
                problems.append(Problem(f"translations/{name}", 1, "a translation folder is named by its language code, like `el`"))
        return out
    if isinstance(listed, str):
        listed = [part.strip() for part in listed.split(",")]
    if not isinstance(listed, list) or not listed:
        problems.append(Problem(path, line, "`languages` lists the published languages as ISO 639-1 codes, the source language "
                                f"(the text in policy/) first, like [en, el], not {describe_type(listed) if listed != [] else 'an empty list'}"))
        return [DEFAULT_SOURCE]
    if len(listed) > MAX_LANGUAGES:  # one message, not two per entry
        problems.append(Problem(path, line, f"`languages` has {len(listed)} entries, more than there are ISO 639-1 languages "
                                f"({MAX_LANGUAGES}): list only the languages the policy is published in, the source first"))
        return [DEFAULT_SOURCE]
    out = []
    unreadable = any(not isinstance(code, str) or not ISO_CODE.fullmatch(code) for code in listed)
    for code in listed:
        if not isinstance(code, str):
            problems.append(Problem(path, line, f"`languages`: {describe_type(code)} is not a language code: write each "
                                    "as two lower-case letters, like en, el or fr"))
        elif not ISO_CODE.fullmatch(code):
            problems.append(Problem(path, line, f"`languages`: {_short(code)} is not an ISO 639-1 language code: use two "
                                    "lower-case letters, like en, el or fr"))
        elif code in out:
            problems.append(Problem(path, line, f"`languages` names `{code}` twice: list each language once"))
        else:
            out.append(code)
    if not out:
        return [DEFAULT_SOURCE]
    interface = i18n_languages()
    for code in out:
        if code not in interface:
            problems.append(Problem(path, line, f"`languages`: there are no interface words (menus, notices) for `{code}`: "
                                    f"the tool has {', '.join(interface)}; add a catalog for `{code}` (copy "
                                    f"{i18n.template_path()} to {i18n.catalog_path(code)} and translate it) "
                                    "or remove it from the list"))
    for code in out[1:]:
        if code not in folders:  # one message, not one per section it would lack
            problems.append(Problem(path, line, f"`languages` lists `{code}` but translations/{code}/ does not exist: create it "
                                    f"(with policy.yml and the translated sections) or remove `{code}` from the list"))
            out.remove(code)
    if out[0] in folders and listed[0] == out[0]:  # not when the first entry, the source meant, is unreadable
        problems.append(Problem(f"translations/{out[0]}", 1, f"`{out[0]}` is the source language (first in `languages` of "
                                "policy/policy.yml): its text is policy/; delete this folder or list another language first"))
    for name in folders:
        if name not in out and not unreadable:  # a folder may be the language an unreadable entry meant
            problems.append(Problem(f"translations/{name}", 1, f"translations/{name}/ is not a published language: add `{name}` to "
                                    f"`languages` in policy/policy.yml ({path}:{line}), or delete the folder"))
    return out


def language_problems(source: Source) -> list[Problem]:
    """The problems of `languages:` in policy/policy.yml and of the translations/ folders, alone: what a
    command about translations must not go past (with them, it would list the wrong languages, or none)."""
    problems: list[Problem] = []
    meta, lines = _read_meta_file(source, "policy/policy.yml", problems)
    if meta is not None:
        _languages(meta, lines, source, problems)
    return problems


def i18n_languages() -> tuple[str, ...]:
    """The languages the interface words exist in (menus, notes, notices)."""
    return i18n.available_languages()


def load_snapshot(source: Source, *, advice: bool | None = None) -> tuple[Snapshot | None, list[Problem]]:
    """Read and validate the policy from a source; every problem is collected, none raised.

    The editors' own text (the working tree) also gets the advice checks: anchors that lead
    nowhere; a published release only the rules.
    """
    editing = isinstance(source, WorkingTree) if advice is None else advice
    problems: list[Problem] = []
    meta, lines = _read_meta_file(source, "policy/policy.yml", problems)
    if meta is None:
        if source.read("policy/policy.yml") is None:
            problems.append(Problem("policy/policy.yml", 1, "missing: create it with `title:` and `sections:` (the section ids in order)"))
        return None, problems
    languages = _languages(meta, lines, source, problems, editing)
    src = languages[0]
    titles = {src: _policy_title(meta, "policy/policy.yml", lines, problems) or "Privacy Policy"}
    variables = {src: _variables(meta, "policy/policy.yml", lines, problems)}
    ids = _section_ids(meta, "policy/policy.yml", lines, problems)
    sections, bodies = [], {}
    for sid in ids:
        loaded = _load_section(source, sid, problems)
        if loaded:
            section, body_line = loaded
            sections.append(section)
            bodies[sid] = (section.path, section.body, body_line)
    for name in source.listdir("policy"):
        if name.endswith(".md") and name[:-3] not in ids:
            problems.append(Problem(f"policy/{name}", 1, f"section file not listed: add `{name[:-3]}` to `sections` in policy/policy.yml, or delete the file"))
    originals = {s.id: s for s in sections}
    known = set(ids)
    anchors = page_anchors(ids, [s.body for s in sections]) if editing else None
    for path, body, body_line in bodies.values():
        _check_body(body, body_line, path, anchors, variables[src], problems, editing)
    translations: dict[str, dict[str, Translation]] = {}
    for lang in languages[1:]:
        tmeta, tlines = _read_meta_file(source, f"translations/{lang}/policy.yml", problems)
        tpath = f"translations/{lang}/policy.yml"
        if tmeta is None:
            if source.read(tpath) is None:
                problems.append(Problem(tpath, 1, "missing: create it with the translated `title:`"))
            tmeta, tlines = {}, {}
        else:
            titles[lang] = _policy_title(tmeta, tpath, tlines, problems) or titles[src]
        variables[lang] = _variables(tmeta, tpath, tlines, problems)
        values = {**variables[src], **variables[lang]}
        translations[lang] = {}
        loaded_bodies = []
        for name in source.listdir(f"translations/{lang}"):
            if not name.endswith(".md"):
                continue
            found = _load_translation(source, lang, name, originals, known, problems)
            if found:
                tr, body_line = found
                translations[lang][tr.id] = tr
                loaded_bodies.append((tr, body_line))
        lang_anchors = page_anchors(ids, [translations[lang][s.id].body if s.id in translations[lang] else s.body
                                          for s in sections]) if editing else None
        for tr, body_line in loaded_bodies:
            _check_body(tr.body, body_line, tr.path, lang_anchors, values, problems, editing)
    problems.extend(getattr(source, "refused", {}).values())
    notice_days, prevailing = _promises(meta, lines, tuple(languages), problems)
    snapshot = Snapshot(titles, tuple(sections), translations, variables, tuple(languages), notice_days, prevailing)
    return snapshot, problems


def translation_warnings(snapshot: Snapshot) -> list[Problem]:
    """Stale or missing translations, as warnings (errors under --strict)."""
    out = []
    for lang in snapshot.languages[1:]:
        for sec in snapshot.sections:
            state = snapshot.translation_state(lang, sec.id)
            path = f"translations/{lang}/{sec.id}.md"
            if state == "missing":
                out.append(Problem(path, 1, f"missing translation of `{sec.id}`", "warning"))
            elif state == "stale":
                recorded = snapshot.translations[lang][sec.id].source_hash
                why = "the source section (policy/) changed since it was translated" if recorded else "it records no `source_hash`"
                out.append(Problem(path, 1, f"stale translation: {why}; bring the text up to date, then run `policy translations mark {lang} {sec.id}`", "warning"))
    return out


def summary_warnings(snapshot: Snapshot) -> list[Problem]:
    """Once any section has a key point (`summary`), every section needs one in every language."""
    if not any(s.summary for s in snapshot.sections) and not any(
            tr.summary for items in snapshot.translations.values() for tr in items.values()):
        return []
    out = []
    for sec in snapshot.sections:
        if not sec.summary:
            out.append(Problem(sec.path, 2, "no key point: other sections have one; add `summary: <one line>` to the front matter "
                               "(it opens the version page, in the \"Key points\" table)", "warning"))
        for lang, items in snapshot.translations.items():
            tr = items.get(sec.id)
            if tr is not None and tr.state == "ok" and not tr.summary:
                out.append(Problem(tr.path, 2, f"no key point in `{lang}`: other sections have one; add the translated "
                                   "`summary: <one line>` to the front matter", "warning"))
    return out


# --- release records -------------------------------------------------------------------


def _record_version(data: dict, path: str, lines: dict[str, int], problems: list[Problem]) -> str | None:
    stem = Path(path).name.removesuffix(RECORD_SUFFIX)
    version = data.get("version")
    line = lines.get("version", 1)
    if not isinstance(version, str):
        problems.append(Problem(path, line, f"`version` must be quoted text like \"{stem}\", but YAML read {describe_type(version)}"
                                + (" (an unquoted 1.10 is the number 1.1)" if isinstance(version, float) else "")))
    elif not is_version(version):
        problems.append(Problem(path, line, f"`version` {_short(version)} must be {VERSION_RULE}"))
    elif version != stem:
        problems.append(Problem(path, line, f"`version` {version!r} does not match the file name; rename the file to changelog/{version}{RECORD_SUFFIX}"))
    else:
        return version
    return None


def _record_date(data: dict, key: str, path: str, lines: dict[str, int], problems: list[Problem]) -> dt.date | None:
    value = data.get(key)
    line = lines.get(key, 1)
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        read = describe_type(value) if not isinstance(value, str) else repr(value) + (
            " (no such day in the calendar)" if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value) else "")
        problems.append(Problem(path, line, f"`{key}` must be a date like 2026-12-01, but YAML read {read}"))
        return None
    why = date_problem(value)
    if why:
        problems.append(Problem(path, line, f"`{key}`: {why}; check the year"))
        return None
    return value


def load_record(raw: bytes, path: str, languages: tuple[str, ...]) -> tuple[ReleaseRecord | None, list[Problem]]:
    """Validate one `changelog/<version>.yml`."""
    text, problems = decode(raw, path)
    if text is None:
        return None, problems
    data, lines, problems = parse_yaml(text, path)
    if problems:
        return None, problems
    if not isinstance(data, dict):
        return None, [Problem(path, 1, "a release record is `key: value` lines: version, effective, kind, summary, content_hash")]
    version = _record_version(data, path, lines, problems)
    effective = _record_date(data, "effective", path, lines, problems)
    kind = data.get("kind")
    if kind not in KINDS:
        problems.append(Problem(path, lines.get("kind", 1), f"`kind` must be `material` or `minor`, not {kind!r}"))
    summary = data.get("summary")
    if not isinstance(summary, dict):
        problems.append(Problem(path, lines.get("summary", 1), "`summary` must have one entry per language: " + ", ".join(f"`{code}: ...`" for code in languages)))
        summary = {}
    for lang in languages:
        if not isinstance(summary.get(lang), str) or not summary[lang].strip():
            problems.append(Problem(path, lines.get("summary", 1), f"`summary` has no text for language `{lang}`: add `{lang}: ...`"))
    chash = data.get("content_hash")
    if not isinstance(chash, str) or not chash.startswith("sha256:"):
        problems.append(Problem(path, lines.get("content_hash", 1), "`content_hash` is missing or malformed; `policy release` writes it"))
    short = data.get("short_notice")
    short_line = lines.get("short_notice", 1)
    if isinstance(short, dict):  # one reason per language (older records hold one string: still valid)
        for lang in languages:
            if not isinstance(short.get(lang), str) or not short[lang].strip():
                problems.append(Problem(path, short_line, f"`short_notice` has no reason for language `{lang}`: add `{lang}: ...`"))
        for lang, reason in short.items():
            if not isinstance(lang, str) or not isinstance(reason, str):
                problems.append(Problem(path, short_line, f"`short_notice`: `{lang}: {reason!r}` must be a language code and its reason as text"))
    elif short is not None and (not isinstance(short, str) or not short.strip()):
        problems.append(Problem(path, short_line, "`short_notice` is the reason for a shorter notice, one per language: "
                                + ", ".join(f"`{code}: ...`" for code in languages)))
    if problems:
        return None, problems
    assert isinstance(version, str) and isinstance(effective, dt.date) and isinstance(kind, str) and isinstance(chash, str)
    record = ReleaseRecord(version, effective, kind, {k: str(v).strip() for k, v in summary.items()}, chash, path,
                           short.strip() if isinstance(short, str)
                           else {str(k): str(v).strip() for k, v in short.items()} if isinstance(short, dict) else None)
    warnings: list[Problem] = []
    for text in record.summary.values():  # shown stripped on the changes page and in the feed
        _check_markup(text, lines.get("summary", 1), path, warnings, editing=False)
    return record, warnings
