"""What changed: section-level (deepdiff) and word-level (per block) comparison of two texts."""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from deepdiff import DeepDiff

from site_builder.errors import PolicyError
from site_builder.models import LanguageText, Snapshot

TOKEN = re.compile(r"\w+\s*|[^\w\s]\s*|\s+")  # a word or mark with the space after it
WORD = re.compile(r"\w+")
BLOCK_START = re.compile(r"^(\s{0,3}(?:[-*+]|\d{1,9}[.)])\s+|\s{0,3}#{1,6}\s+)")


@dataclass(frozen=True)
class Piece:
    """A run of text: kept (`=`), inserted (`+`) or deleted (`-`). Kept text keeps its old form in `old`."""

    op: str
    text: str
    old: str | None = None

    @property
    def old_text(self) -> str:
        return self.text if self.old is None else self.old


@dataclass(frozen=True)
class BlockChange:
    """One paragraph, list item or heading and how it changed."""

    kind: str  # paragraph | item | heading
    status: str  # unchanged | changed | added | removed
    pieces: tuple[Piece, ...]


@dataclass(frozen=True)
class SectionChange:
    """One section in the comparison."""

    id: str
    status: str  # unchanged | changed | added | removed
    moved: bool
    retitled: bool
    title: str
    old_title: str | None
    number: int | None
    old_number: int | None
    translation_pending: bool
    blocks: tuple[BlockChange, ...]
    words_inserted: int
    words_deleted: int

    @property
    def touched(self) -> bool:
        return self.status != "unchanged" or self.moved or self.retitled or self.translation_pending


@dataclass(frozen=True)
class Changes:
    """Everything that changed between two states of the policy, in one language."""

    lang: str
    from_label: str
    to_label: str
    sections: tuple[SectionChange, ...]

    def totals(self) -> dict[str, int]:
        """Counts for summaries: sections touched and words inserted and deleted."""
        secs = self.sections
        return {
            "sections_added": sum(s.status == "added" for s in secs),
            "sections_removed": sum(s.status == "removed" for s in secs),
            "sections_changed": sum(s.status == "changed" for s in secs),
            "sections_moved": sum(s.moved for s in secs),
            "sections_retitled": sum(s.retitled for s in secs),
            "sections_touched": sum(s.touched for s in secs),
            "words_inserted": sum(s.words_inserted for s in secs),
            "words_deleted": sum(s.words_deleted for s in secs),
        }

    @property
    def touched(self) -> tuple[SectionChange, ...]:
        return tuple(s for s in self.sections if s.touched)


# --- blocks and words ------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    kind: str
    prefix: str
    content: str
    tail: str

    @property
    def key(self) -> str:
        return " ".join(self.content.split())


@functools.lru_cache(maxsize=8192)
def split_blocks(body: str) -> tuple[_Block, ...]:
    """Cut Markdown into paragraphs, list items and headings; the pieces join back to `body`."""
    blocks: list[list[str]] = []
    blank_before = True
    for line in body.splitlines(keepends=True):
        if not line.strip():
            if not blocks:
                blocks.append([])
            blocks[-1].append(line)
            blank_before = True
            continue
        starts = BLOCK_START.match(line) is not None
        after_heading = bool(blocks) and bool(blocks[-1]) and blocks[-1][0].lstrip().startswith("#")
        if blank_before or starts or after_heading or not blocks:
            blocks.append([])
        blocks[-1].append(line)
        blank_before = False
    return tuple(_make_block("".join(lines)) for lines in blocks)


def _make_block(text: str) -> _Block:
    stripped = text.rstrip()
    tail = text[len(stripped):]
    match = BLOCK_START.match(stripped)
    prefix = match.group(1) if match else ""
    kind = "heading" if prefix.strip().startswith("#") else ("item" if prefix else "paragraph")
    return _Block(kind, prefix, stripped[len(prefix):], tail)


def _tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def _same(op: str, new: str, old: str) -> list[Piece]:
    return [Piece("=", new, None if new == old else old)] if (new or old) else []


def word_diff(old: str, new: str) -> list[Piece]:
    """Word-level pieces; whitespace differences (re-wrapping) are no change."""
    a, b = _tokens(old), _tokens(new)
    key = lambda t: t.rstrip() or " "  # noqa: E731 - spacing and re-wrapping are no change
    matcher = SequenceMatcher(None, [key(t) for t in a], [key(t) for t in b], autojunk=False)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_part, new_part = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag == "equal":
            pieces += _same("=", new_part, old_part)
        else:
            pieces += [Piece("-", old_part)] if old_part else []
            pieces += [Piece("+", new_part)] if new_part else []
    return _cleanup(pieces)


def _cleanup(pieces: list[Piece]) -> list[Piece]:
    """Fold a lone space kept between two changes into them, then merge neighbours."""
    out: list[Piece] = []
    for i, piece in enumerate(pieces):
        between = 0 < i < len(pieces) - 1 and pieces[i - 1].op != "=" and pieces[i + 1].op != "="
        # A space or a lone short word kept between two changes only makes the change choppy.
        small = len(WORD.findall(piece.text)) <= 1 and len(piece.text.strip()) <= 4
        if piece.op == "=" and between and small:
            out += [Piece("-", piece.old_text), Piece("+", piece.text)]
        else:
            out.append(piece)
    return _merge(out)


def _merge(pieces: list[Piece]) -> list[Piece]:
    """Adjacent changes become one deletion followed by one insertion."""
    merged: list[Piece] = []
    i = 0
    while i < len(pieces):
        if pieces[i].op == "=":
            merged.append(pieces[i])
            i += 1
            continue
        j = i
        while j < len(pieces) and pieces[j].op != "=":
            j += 1
        deleted = "".join(p.text for p in pieces[i:j] if p.op == "-")
        inserted = "".join(p.text for p in pieces[i:j] if p.op == "+")
        merged += ([Piece("-", deleted)] if deleted else []) + ([Piece("+", inserted)] if inserted else [])
        i = j
    return merged


def _whole(block: _Block, op: str) -> BlockChange:
    status = "added" if op == "+" else "removed"
    return BlockChange(block.kind, status, tuple(p for p in (Piece(op, block.prefix), Piece(op, block.content), Piece(op, block.tail)) if p.text))


def _paired(old: _Block, new: _Block) -> BlockChange:
    if old.key == new.key:  # the same words, perhaps re-wrapped: nothing to mark
        body = _same("=", new.content, old.content)
    else:
        body = word_diff(old.content, new.content)
    pieces = _same("=", new.prefix, old.prefix) + body + _same("=", new.tail, old.tail)
    changed = any(p.op != "=" for p in pieces)
    return BlockChange(new.kind, "changed" if changed else "unchanged", tuple(pieces))


def _similar(old: _Block, new: _Block) -> bool:
    if old.kind != new.kind:
        return False
    a, b = old.key.split(), new.key.split()
    if not a or not b:
        return False
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    common = sum(m.size for m in matcher.get_matching_blocks())
    # An item that kept its words and gained a clause is an edit, not a replacement.
    return matcher.ratio() >= 0.4 or common / min(len(a), len(b)) >= 0.6


def block_diff(old_body: str, new_body: str) -> list[BlockChange]:
    """Align blocks, then compare the words of each pair; lists stay lists."""
    a, b = split_blocks(old_body), split_blocks(new_body)
    matcher = SequenceMatcher(None, [x.key for x in a], [y.key for y in b], autojunk=False)
    out: list[BlockChange] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = a[i1:i2], b[j1:j2]
        for old, new in zip(olds, news):
            out += [_paired(old, new)] if tag == "equal" or _similar(old, new) else [_whole(old, "-"), _whole(new, "+")]
        out += [_whole(old, "-") for old in olds[len(news):]]
        out += [_whole(new, "+") for new in news[len(olds):]]
    return out


@functools.lru_cache(maxsize=8192)
def _unchanged(body: str) -> tuple[BlockChange, ...]:
    """The blocks of an untouched section (cached: most sections are untouched by a release)."""
    return tuple(BlockChange(b.kind, "unchanged", tuple(p for p in (Piece("=", b.prefix), Piece("=", b.content), Piece("=", b.tail)) if p.text))
                 for b in split_blocks(body))


def _count(blocks: tuple[BlockChange, ...], op: str) -> int:
    return sum(len(WORD.findall(p.text)) for blk in blocks for p in blk.pieces if p.op == op)


# --- sections --------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def _body_key(body: str) -> str:
    """A short fingerprint of a body's words: re-wrapping gives the same key."""
    return hashlib.sha1("\n\n".join(b.key for b in split_blocks(body)).encode()).hexdigest()


def _section_map(text: LanguageText) -> dict[str, dict[str, str]]:
    return {s.id: {"title": s.title, "body": _body_key(s.body)} for s in text.sections}


def _section_diff(old: LanguageText, new: LanguageText) -> tuple[set[str], set[str], set[str], set[str]]:
    """(added, removed, retitled, changed) ids, found by deepdiff over the sections keyed by id."""
    before, after = _section_map(old), _section_map(new)
    same = {k for k in before.keys() & after.keys() if before[k] == after[k]}  # most sections: skip them
    diff = DeepDiff({k: v for k, v in before.items() if k not in same},
                    {k: v for k, v in after.items() if k not in same}, view="tree")
    ids = lambda key: {item.path(output_format="list")[0] for item in diff.get(key, [])}  # noqa: E731
    changed_paths = [item.path(output_format="list") for item in diff.get("values_changed", [])]
    retitled = {p[0] for p in changed_paths if p[1] == "title"}
    changed = {p[0] for p in changed_paths if p[1] == "body"}
    return ids("dictionary_item_added"), ids("dictionary_item_removed"), retitled, changed


def _moved(old_order: list[str], new_order: list[str]) -> set[str]:
    """Sections whose place among the others changed: those outside the longest common order."""
    common = set(old_order) & set(new_order)
    a = [s for s in old_order if s in common]
    b = [s for s in new_order if s in common]
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    kept = {a[block.a + k] for block in matcher.get_matching_blocks() for k in range(block.size)}
    return common - kept


def compare_texts(old: LanguageText, new: LanguageText, *, from_label: str, to_label: str,
                  pending: frozenset[str] = frozenset()) -> Changes:
    """Compare two texts of one language; `pending` names sections whose translation lags."""
    added, removed, retitled, changed = _section_diff(old, new)
    moved = _moved([s.id for s in old.sections], [s.id for s in new.sections])
    olds = {s.id: s for s in old.sections}
    out = []
    for sec in new.sections:
        before = olds.get(sec.id)
        if before is None:
            blocks = tuple(_whole(b, "+") for b in split_blocks(sec.body))
        elif before.body == sec.body:
            blocks = _unchanged(sec.body)
        else:
            blocks = tuple(block_diff(before.body, sec.body))
        status = "added" if sec.id in added else ("changed" if sec.id in changed else "unchanged")
        is_pending = sec.id in pending and sec.id in (added | changed | retitled)
        out.append(SectionChange(sec.id, status, sec.id in moved, sec.id in retitled, sec.title,
                                 before.title if before else None, sec.number,
                                 before.number if before else None, is_pending, blocks,
                                 _count(blocks, "+"), _count(blocks, "-")))
    for sec in old.sections:
        if sec.id in removed:
            blocks = tuple(_whole(b, "-") for b in split_blocks(sec.body))
            out.append(SectionChange(sec.id, "removed", False, False, sec.title, sec.title, None,
                                     sec.number, False, blocks, 0, _count(blocks, "-")))
    return Changes(new.lang, from_label, to_label, tuple(out))


def compare_snapshots(old: Snapshot, new: Snapshot, lang: str, *, from_label: str, to_label: str) -> Changes:
    """Compare two snapshots in `lang`; stale or missing translations are flagged as pending."""
    if lang not in new.languages:
        raise PolicyError(f"unknown language {lang!r}; the policy has: {', '.join(new.languages)}")
    pending = frozenset(s.id for s in new.sections if new.translation_state(lang, s.id) in ("stale", "missing"))
    return compare_texts(old.text(lang), new.text(lang), from_label=from_label, to_label=to_label, pending=pending)


def compare_revisions(ws, from_rev: str | None, to_rev: str | None, lang: str) -> Changes:  # noqa: ANN001 - Workspace
    """`policy diff`: defaults are the last release and the draft."""
    if from_rev is None:
        if not ws.releases:
            raise PolicyError("there is no release yet to compare with; name two revisions, or cut a release with `policy release`")
        from_rev = ws.releases[-1].version
    to_rev = to_rev or "draft"
    old, new = ws.snapshot_at(from_rev), ws.snapshot_at(to_rev)
    return compare_snapshots(old, new, lang, from_label=from_rev, to_label=to_rev)
