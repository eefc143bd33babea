"""What changed: sections, blocks and words, compared on the rendered text.

Each section body is rendered exactly as the site renders it and cut into blocks (paragraphs,
list items, table cells, headings; see `blocks.py`). Blocks are aligned, similar blocks are
paired, and inside a pair the words are compared. Text that left one section and arrived in
another is a move, not a loss. Sequences are compared with diff-match-patch's C++ diff on
tokens mapped to characters (its documented `linesToChars` trick), so a long paragraph costs
about what `git diff --word-diff` costs, and a semantic clean-up keeps the marks readable.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import fast_diff_match_patch as dmp

from site_builder.blocks import WORD, Block, Container, Token, cut
from site_builder.markup import to_html
from site_builder.source.models import LanguageText, SectionText, Snapshot

MOVE_MIN_WORDS = 4  # shorter blocks ("Yes.", "Email") recur by chance: never called a move
PAIR_WINDOW = 24  # how far ahead a changed block looks for its new form
Marks = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]


@dataclass(frozen=True)
class Piece:
    """A run of text: kept (`=`), inserted (`+`) or deleted (`-`). Kept text keeps its old form in `old`."""

    op: str
    text: str
    old: str | None = None
    marks: Marks = ()

    @property
    def old_text(self) -> str:
        return self.text if self.old is None else self.old

    @property
    def link(self) -> str | None:
        """The target of the link this text is in, if any."""
        return next((dict(attrs).get("href") for tag, attrs in self.marks if tag == "a"), None)


@dataclass(frozen=True)
class LinkChange:
    """A link whose words stayed but whose target changed."""

    text: str
    old: str
    new: str


@dataclass(frozen=True)
class BlockChange:
    """One paragraph, list item, table cell or heading and how it changed."""

    kind: str  # paragraph | item | heading | cell | code
    status: str  # unchanged | changed | added | removed
    pieces: tuple[Piece, ...]
    chain: tuple[Container, ...] = ()
    moved: str | None = None  # "to" (left this section) or "from" (arrived here)
    moved_section: str | None = None  # the id of the other section of a move
    links: tuple[LinkChange, ...] = ()
    typography: bool = False  # kept words changed form only: quotes, dashes, spaces

    @property
    def reworded(self) -> bool:
        """Words were inserted or deleted (not only their typography or a link target)."""
        return any(p.op != "=" for p in self.pieces)

    @property
    def new_text(self) -> str:
        return "".join(p.text for p in self.pieces if p.op in "=+")

    @property
    def old_text(self) -> str:
        return "".join(p.old_text if p.op == "=" else p.text for p in self.pieces if p.op in "=-")


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
    renamed_from: str | None = None  # the old id of a section whose id changed
    blocks_moved: int = 0

    @property
    def touched(self) -> bool:
        return (self.status != "unchanged" or self.moved or self.retitled or self.translation_pending
                or self.renamed_from is not None)


@dataclass(frozen=True)
class Changes:
    """Everything that changed between two states of the policy, in one language."""

    lang: str
    from_label: str
    to_label: str
    sections: tuple[SectionChange, ...]
    headings: dict[str, str] = field(default_factory=dict, compare=False)  # id -> "5. Title" (either side)
    shown_lang: str = ""  # the language the texts are in, when `lang` had no text on one side
    key_points: tuple[tuple[str, str, str], ...] = field(default=(), compare=False)  # (id, before, after) of changed key points
    source: str = field(default="", compare=False)  # the policy's source language: the text of a pending section

    def totals(self) -> dict[str, int]:
        """Counts for summaries: sections touched and words inserted and deleted."""
        secs = self.sections
        return {
            "sections_added": sum(s.status == "added" for s in secs),
            "sections_removed": sum(s.status == "removed" for s in secs),
            "sections_changed": sum(s.status == "changed" for s in secs),
            "sections_moved": sum(s.moved for s in secs),
            "sections_retitled": sum(s.retitled for s in secs),
            "sections_renamed": sum(s.renamed_from is not None for s in secs),
            "sections_touched": sum(s.touched for s in secs),
            "blocks_moved": sum(s.blocks_moved for s in secs),
            "links_changed": sum(len(b.links) for s in secs for b in s.blocks if b.moved != "to"),
            "words_inserted": sum(s.words_inserted for s in secs),
            "words_deleted": sum(s.words_deleted for s in secs),
        }

    @property
    def touched(self) -> tuple[SectionChange, ...]:
        return tuple(s for s in self.sections if s.touched)


# --- sequences: diff-match-patch on tokens mapped to characters --------------------------------


def _opcodes(a: Sequence, b: Sequence) -> list[tuple[str, int, int, int, int]]:
    """difflib-style opcodes (equal / replace / delete / insert) for two sequences of keys."""
    table: dict = {}
    left = "".join(chr(0x10000 + table.setdefault(k, len(table))) for k in a)
    right = "".join(chr(0x10000 + table.setdefault(k, len(table))) for k in b)
    # timelimit=0: no time limit, so the result never depends on how busy the machine is.
    counts = dmp.diff(left, right, timelimit=0, cleanup="No", counts_only=True)
    out: list[tuple[str, int, int, int, int]] = []
    i = j = 0
    for op, n in counts:
        if op == "=":
            out.append(("equal", i, i + n, j, j + n))
            i, j = i + n, j + n
            continue
        di, dj = (n, 0) if op == "-" else (0, n)
        if out and out[-1][0] != "equal":
            _, i1, _, j1, _ = out.pop()
        else:
            i1, j1 = i, j
        i, j = i + di, j + dj
        out.append(("replace" if (i > i1 and j > j1) else ("delete" if i > i1 else "insert"), i1, i, j1, j))
    return out


def similarity(a: Sequence, b: Sequence) -> float:
    """Share of items two sequences have in common, in order (2 * common / total)."""
    if not a or not b:
        return 0.0
    common = sum(i2 - i1 for tag, i1, i2, _, _ in _opcodes(a, b) if tag == "equal")
    return 2 * common / (len(a) + len(b))


def plausible(lefts: Sequence[Sequence[str]], rights: Sequence[Sequence[str]], threshold: float) -> dict[int, list[int]]:
    """For each left word list, the right ones (indices, in order) whose `similarity` with it can
    reach `threshold`; no other pair can, so only these need scoring.

    A prefix filter over an index of rare words: words are numbered by occurrence ("the" #1,
    "the" #2) and ordered rarest first. Two lists with similarity >= t share at least
    t/(2-t) of either one's words, so each one's rarest `len - that + 1` words already hold a
    shared word; only lists sharing such a word, and of compatible lengths, are candidates.
    The cost follows the number of words, not the product of the numbers of lists.
    """
    if threshold <= 0:
        return {i: list(range(len(rights))) for i in range(len(lefts))}
    share = threshold / (2 - threshold)

    def numbered(words: Sequence[str]) -> list[tuple[str, int]]:
        seen: Counter[str] = Counter()
        out = []
        for word in words:
            seen[word] += 1
            out.append((word, seen[word]))
        return out

    left_tokens, right_tokens = [numbered(w) for w in lefts], [numbered(w) for w in rights]
    freq: Counter[tuple[str, int]] = Counter()
    for tokens in left_tokens + right_tokens:
        freq.update(tokens)

    def prefix(tokens: list[tuple[str, int]]) -> list[tuple[str, int]]:
        need = max(1, math.ceil(share * len(tokens) - 1e-9))
        return sorted(tokens, key=lambda t: (freq[t], t))[: len(tokens) - need + 1]

    index: dict[tuple[str, int], list[int]] = {}
    for j, tokens in enumerate(right_tokens):
        for tok in prefix(tokens):
            index.setdefault(tok, []).append(j)
    out: dict[int, list[int]] = {}
    for i, tokens in enumerate(left_tokens):
        if not tokens:
            continue
        found = {j for tok in prefix(tokens) for j in index.get(tok, ())}
        la, mine = len(tokens), set(tokens)
        # Words in common, in any order, bound the words in common in order: too few, no pair.
        out[i] = sorted(j for j in found if share * la - 1e-9 <= len(right_tokens[j]) <= la / share + 1e-9
                        and 2 * len(mine.intersection(right_tokens[j])) >= threshold * (la + len(right_tokens[j])) - 1e-9)
    return out


# --- words inside a block ----------------------------------------------------------------------


@dataclass
class _Run:
    equal: bool
    olds: list[Token]
    news: list[Token]

    def size(self, side: list[Token]) -> int:
        return len("".join(t.text for t in side).strip())


# Typography, not wording: straight and curly quotes, the dashes and the kinds of space. Case is
# wording ("Services" may be a defined term), so it stays a change.
_TYPOGRAPHY = str.maketrans({**dict.fromkeys("‘’‚‛′`´", "'"), **dict.fromkeys("“”„‟″«»", '"'),
                             **dict.fromkeys("‐‑‒–—―−", "-"), "…": "...", **dict.fromkeys("\u00a0\u2007\u2009\u200a\u202f\u2002\u2003", " ")})
_SPACING = re.compile(r"[ \t\r\n]+")


def typographic_key(text: str) -> str:
    """A word or mark as compared: its typography folded (a curly quote is the straight one)."""
    return text.translate(_TYPOGRAPHY)


def _visible(text: str) -> str:
    """Text as a reader sees its form: line breaks and runs of spaces fold, a no-break space does not."""
    return _SPACING.sub(" ", text).strip()


_RUN_MARKS = frozenset("-.‐‑‒–—―−")


def _joined(tokens: Sequence[Token]) -> list[Token]:
    """Dashes and dots written as runs ("--", "...") as one token, so "--" meets "—" and "..." meets "…"."""
    out: list[Token] = []
    for tok in tokens:
        last = out[-1] if out else None
        if last is not None and tok.text[:1] in _RUN_MARKS and last.text[-1:] in _RUN_MARKS and last.marks == tok.marks \
                and all(c in _RUN_MARKS for c in last.text) and tok.text.rstrip() and all(c in _RUN_MARKS for c in tok.text.rstrip()):
            out[-1] = Token(last.text + tok.text, tok.marks)
        else:
            out.append(tok)
    return out


_DASHES = re.compile(r"-+")


@functools.lru_cache(maxsize=65536)
def _fold(key: str) -> str:
    """A word as the word comparison sees it (words repeat: folded once each)."""
    return _DASHES.sub("-", typographic_key(key))


def _runs(a: Sequence[Token], b: Sequence[Token]) -> list[_Run]:
    runs = []
    a, b = _joined(a), _joined(b)
    for tag, i1, i2, j1, j2 in _opcodes([_fold(t.key) for t in a], [_fold(t.key) for t in b]):
        runs.append(_Run(tag == "equal", list(a[i1:i2]), list(b[j1:j2])))
    return runs


def _semantic_cleanup(runs: list[_Run]) -> list[_Run]:
    """diff-match-patch's `cleanupSemantic` on words: a kept run no longer than the changes on
    both sides of it is a coincidence ("the", ", "), so it joins them as one deletion and insertion."""
    out: list[_Run] = []
    for run in runs:
        out.append(run)
        while len(out) >= 3 and not out[-1].equal and out[-2].equal and not out[-3].equal:
            before, kept, after = out[-3], out[-2], out[-1]
            length = kept.size(kept.news)
            if length > max(before.size(before.olds), before.size(before.news)) or \
                    length > max(after.size(after.olds), after.size(after.news)):
                break
            del out[-3:]
            out.append(_Run(False, before.olds + kept.olds + after.olds, before.news + kept.news + after.news))
    return out


def _grouped(op: str, tokens: Iterable[Token]) -> list[Piece]:
    """Tokens as pieces: one piece per run of tokens inside the same inline elements."""
    runs: list[tuple[Marks, list[str]]] = []
    for tok in tokens:
        if runs and runs[-1][0] == tok.marks:
            runs[-1][1].append(tok.text)
        else:
            runs.append((tok.marks, [tok.text]))
    return [Piece(op, "".join(texts), None, marks) for marks, texts in runs]


def _kept(olds: list[Token], news: list[Token]) -> list[Piece]:
    """Kept tokens as pieces, grouped by the new text's inline elements; the old form is kept
    where it differs (typography, spacing)."""
    runs: list[tuple[Marks, list[str], list[str]]] = []
    for old, new in zip(olds, news, strict=False):
        if runs and runs[-1][0] == new.marks:
            runs[-1][1].append(new.text)
            runs[-1][2].append(old.text)
        else:
            runs.append((new.marks, [new.text], [old.text]))
    pieces = []
    for marks, texts, old_texts in runs:
        text, old_text = "".join(texts), "".join(old_texts)
        pieces.append(Piece("=", text, None if old_text == text else old_text, marks))
    return pieces


def word_pieces(old: Sequence[Token], new: Sequence[Token]) -> list[Piece]:
    """The words of two forms of a block: kept, deleted and inserted, spacing no change."""
    pieces: list[Piece] = []
    for run in _semantic_cleanup(_runs(old, new)):
        if run.equal:
            pieces += _kept(run.olds, run.news)
        else:
            pieces += _grouped("-", run.olds) + _grouped("+", run.news)
    return pieces


def _link_changes(old: Block, new: Block) -> tuple[LinkChange, ...]:
    """Links with the same words and another target, matched in order of their words."""
    before: dict[str, list[str]] = {}
    for text, href in old.links:
        before.setdefault(text, []).append(href)
    out = []
    for text, href in new.links:
        olds = before.get(text)
        if olds:
            was = olds.pop(0)
            if was != href:
                out.append(LinkChange(text, was, href))
    return tuple(out)


# --- blocks of a section -------------------------------------------------------------------


def _block_key(block: Block) -> tuple:
    return (block.key, tuple(href for _, href in block.links))


_WORDS: dict[int, tuple[Block, list[str], frozenset[tuple[str, int]]]] = {}


def _profile(block: Block) -> tuple[list[str], frozenset[tuple[str, int]]]:
    """A block's words, and the same numbered by occurrence ("the" #1, "the" #2) as a set: the
    size of two such sets' intersection bounds the words two blocks have in common in order.
    Made once per block (`section_blocks` keeps the blocks of a body, as `_same` relies on)."""
    hit = _WORDS.get(id(block))
    if hit is not None and hit[0] is block:
        return hit[1], hit[2]
    words = WORD.findall(block.key)
    seen: Counter[str] = Counter()
    numbered = []
    for word in words:
        seen[word] += 1
        numbered.append((word, seen[word]))
    if len(_WORDS) > 200_000:
        _WORDS.clear()
    _WORDS[id(block)] = (block, words, frozenset(numbered))
    return words, _WORDS[id(block)][2]


def _words(block: Block) -> list[str]:
    return _profile(block)[0]


_TEXT_KINDS = frozenset({"paragraph", "item"})


def _similar(old: Block, new: Block) -> bool:
    (a, bag_a), (b, bag_b) = _profile(old), _profile(new)
    if not a or not b:
        return not a and not b and old.kind == new.kind == "cell"
    # The words two blocks share in any order bound those they share in order: most pairs of
    # a long changed stretch fail here, before the (much dearer) ordered comparison.
    at_most = len(bag_a & bag_b)
    if old.kind != new.kind:
        if 5 * at_most < 2 * (len(a) + len(b)):  # the 0.8 below cannot be reached
            return False
    elif 5 * at_most < len(a) + len(b) and 5 * at_most < 3 * min(len(a), len(b)):  # nor 0.4, nor 0.6
        return False
    common = sum(i2 - i1 for tag, i1, i2, _, _ in _opcodes(a, b) if tag == "equal")
    ratio = 2 * common / (len(a) + len(b))
    if old.kind != new.kind:
        # A paragraph that became a list item (or back) with its words is the same text.
        return old.kind in _TEXT_KINDS and new.kind in _TEXT_KINDS and ratio >= 0.8
    # An item that kept its words and gained a clause is an edit, not a replacement.
    return ratio >= 0.4 or common / min(len(a), len(b)) >= 0.6


def _pair(olds: Sequence[Block], news: Sequence[Block]) -> list[tuple[Block | None, Block | None]]:
    """Pair the blocks of a changed stretch: the same words first (a link target may differ),
    then each old block with the first similar new block ahead of it, keeping the order."""
    out: list[tuple[Block | None, Block | None]] = []
    for tag, i1, i2, j1, j2 in _opcodes([b.key for b in olds], [b.key for b in news]):
        if tag == "equal":
            out += list(zip(olds[i1:i2], news[j1:j2], strict=False))
        else:
            out += _pair_similar(olds[i1:i2], news[j1:j2])
    return out


def _pair_similar(olds: Sequence[Block], news: Sequence[Block]) -> list[tuple[Block | None, Block | None]]:
    """The order-keeping pairing of similar blocks with the most words in common (dynamic
    programming); a stretch too long for that pairs each old block with the first similar one."""
    if not olds or not news:
        return [(o, None) for o in olds] + [(None, n) for n in news]
    if len(olds) * len(news) > 900:
        return _pair_greedy(olds, news)
    score = [[_pair_score(o, n) for n in news] for o in olds]
    m, n = len(olds), len(news)
    best = [[0.0] * (n + 1) for _ in range(m + 1)]
    for i in range(m - 1, -1, -1):
        for j in range(n - 1, -1, -1):
            take = score[i][j] + best[i + 1][j + 1] if score[i][j] > 0 else 0.0
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    out: list[tuple[Block | None, Block | None]] = []
    i = j = 0
    while i < m and j < n:
        if score[i][j] > 0 and best[i][j] == score[i][j] + best[i + 1][j + 1]:
            out.append((olds[i], news[j]))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            out.append((olds[i], None))
            i += 1
        else:
            out.append((None, news[j]))
            j += 1
    return out + [(o, None) for o in olds[i:]] + [(None, nw) for nw in news[j:]]


def _pair_score(old: Block, new: Block) -> float:
    """Words two similar blocks share (0 when they are not similar)."""
    if not _similar(old, new):
        return 0.0
    a, b = _words(old), _words(new)
    return 1.0 + sum(i2 - i1 for tag, i1, i2, _, _ in _opcodes(a, b) if tag == "equal")


def _pair_greedy(olds: Sequence[Block], news: Sequence[Block]) -> list[tuple[Block | None, Block | None]]:
    out: list[tuple[Block | None, Block | None]] = []
    j = 0
    for old in olds:
        found = next((k for k in range(j, min(len(news), j + PAIR_WINDOW)) if _similar(old, news[k])), None)
        if found is None:
            out.append((old, None))
            continue
        out += [(None, new) for new in news[j:found]] + [(old, news[found])]
        j = found + 1
    return out + [(None, new) for new in news[j:]]


def _whole(block: Block, op: str, chain: tuple[Container, ...]) -> BlockChange:
    return BlockChange(block.kind, "added" if op == "+" else "removed", tuple(_grouped(op, block.tokens)), chain)


_SAME: dict[int, tuple[Block, BlockChange]] = {}


def _same(block: Block) -> BlockChange:
    """A block that did not change, made once per block: `section_blocks` keeps the blocks of a body,
    so the same block comes back in every release that did not touch it."""
    hit = _SAME.get(id(block))
    if hit is not None and hit[0] is block:
        return hit[1]
    change = BlockChange(block.kind, "unchanged", tuple(_kept(list(block.tokens), list(block.tokens))), block.chain)
    if len(_SAME) > 200_000:
        _SAME.clear()
    _SAME[id(block)] = (block, change)
    return change


def _paired(old: Block, new: Block) -> BlockChange:
    if old.tokens == new.tokens:  # the same words, marks and links: the change is the new block's own
        return _same(new)
    pieces = word_pieces(old.tokens, new.tokens)
    links = _link_changes(old, new) if old.links != new.links else ()
    typography = any(p.op == "=" and p.old is not None and _visible(p.old) != _visible(p.text) for p in pieces)
    changed = bool(links) or typography or any(p.op != "=" for p in pieces)
    return BlockChange(new.kind, "changed" if changed else "unchanged", tuple(pieces), new.chain, links=links,
                       typography=typography)


def block_changes(old: Sequence[Block], new: Sequence[Block]) -> list[BlockChange]:
    """Align the blocks of two forms of a section and compare the words of each pair."""
    pairs: list[tuple[Block | None, Block | None]] = []
    for tag, i1, i2, j1, j2 in _opcodes([_block_key(b) for b in old], [_block_key(b) for b in new]):
        pairs += list(zip(old[i1:i2], new[j1:j2], strict=False)) if tag == "equal" else _pair(old[i1:i2], new[j1:j2])
    places = _container_map(pairs)
    out = []
    for before, after in pairs:
        if before is not None and after is not None:
            out.append(_paired(before, after))
        elif after is not None:
            out.append(_whole(after, "+", after.chain))
        elif before is not None:
            out.append(_whole(before, "-", _translate(before.chain, places)))
    return out


def _container_map(pairs: list[tuple[Block | None, Block | None]]) -> dict[int, Container]:
    """Old block elements that live on in the new text (the same list, row, ...), by old uid."""
    places: dict[int, Container] = {}
    for before, after in pairs:
        if before is None or after is None:
            continue
        for a, b in zip(before.chain, after.chain, strict=False):
            if a.tag != b.tag:
                break
            places.setdefault(a.uid, b)
    return places


def _translate(chain: tuple[Container, ...], places: dict[int, Container]) -> tuple[Container, ...]:
    """A deleted block's place in the new text: inside the same list or table where that still exists."""
    out: list[Container] = []
    for c in chain:
        if c.uid in places and (not out or out[-1].uid > 0):
            out.append(places[c.uid])
        else:
            out.append(replace(c, uid=-c.uid))  # negative: an element only the old text had
    return tuple(out)


@functools.lru_cache(maxsize=8192)
def section_blocks(body: str) -> tuple[Block, ...]:
    """A section body as the site renders it, cut into blocks."""
    return cut(to_html(body))


# --- sections ------------------------------------------------------------------------------


def _section_diff(old: LanguageText, new: LanguageText) -> tuple[set[str], set[str], set[str]]:
    """(added, removed, retitled) ids: sections keyed by id, compared by their titles.

    Plain set operations: deepdiff's tree walk over the same mapping gave the same three sets and
    took a tenth of a full build's time on a history of 60 short releases."""
    before = {s.id: s.title for s in old.sections}
    after = {s.id: s.title for s in new.sections}
    retitled = {sid for sid in before.keys() & after.keys() if before[sid] != after[sid]}
    return set(after.keys() - before.keys()), set(before.keys() - after.keys()), retitled


def _renames(removed: set[str], added: set[str], olds: dict[str, SectionText],
             news: dict[str, SectionText]) -> dict[str, str]:
    """new id -> old id for sections whose id changed while the text (or the title) stayed close."""
    found: dict[str, str] = {}
    old_ids, new_ids = sorted(removed), sorted(added)
    words = {("old", sid): WORD.findall(" ".join(b.key for b in section_blocks(olds[sid].body))) for sid in old_ids}
    words |= {("new", sid): WORD.findall(" ".join(b.key for b in section_blocks(news[sid].body))) for sid in new_ids}
    # Only pairs that can reach the 0.6 needed, or that share a title, are scored.
    close = plausible([words["old", s] for s in old_ids], [words["new", s] for s in new_ids], 0.6)
    titled: dict[str, list[str]] = {}
    for sid in new_ids:
        titled.setdefault(news[sid].title.strip().lower(), []).append(sid)
    for k, old_id in enumerate(old_ids):
        old_words = words["old", old_id]
        best, score = None, 0.0
        candidates = {new_ids[j] for j in close.get(k, ())} | set(titled.get(olds[old_id].title.strip().lower(), ()))
        for new_id in sorted(candidates - set(found)):
            new_words = words["new", new_id]
            if len(old_words) * len(new_words) > 4_000_000:
                continue
            value = similarity(old_words, new_words) if old_words or new_words else 0.0
            if news[new_id].title.strip().lower() == olds[old_id].title.strip().lower():
                value = max(value, 0.7)
            if value > score:
                best, score = new_id, value
        if best is not None and score >= 0.6:
            found[best] = old_id
    return found


def _moved(old_order: list[str], new_order: list[str]) -> set[str]:
    """Sections whose place among the others changed: those outside the longest common order."""
    common = set(old_order) & set(new_order)
    a = [s for s in old_order if s in common]
    b = [s for s in new_order if s in common]
    kept = {a[k] for tag, i1, i2, _, _ in _opcodes(a, b) if tag == "equal" for k in range(i1, i2)}
    return common - kept


@dataclass
class _Draft:
    """A section's comparison while moves between sections are still being found."""

    new: SectionText | None
    old: SectionText | None
    blocks: list[BlockChange]
    sources: list[Block | None]  # the old (removed) or new (added) block behind each change


def _draft(old: SectionText | None, new: SectionText | None) -> _Draft:
    if new is None:
        assert old is not None
        blocks = section_blocks(old.body)
        return _Draft(None, old, [_whole(b, "-", tuple(replace(c, uid=-c.uid) for c in b.chain)) for b in blocks], list(blocks))
    if old is None:
        blocks = section_blocks(new.body)
        return _Draft(new, None, [_whole(b, "+", b.chain) for b in blocks], list(blocks))
    if old.body == new.body:
        kept = _unchanged(new.body)
        return _Draft(new, old, list(kept), [None] * len(kept))
    changes = block_changes(section_blocks(old.body), section_blocks(new.body))
    return _Draft(new, old, changes, _sources(changes, section_blocks(old.body), section_blocks(new.body)))


@functools.lru_cache(maxsize=4096)
def _unchanged(body: str) -> tuple[BlockChange, ...]:
    """The blocks of a section that did not change: most sections of most releases, the same
    body release after release, so they are made once (BlockChange is frozen: safe to share)."""
    return tuple(_paired(b, b) for b in section_blocks(body))


def _sources(changes: list[BlockChange], old: Sequence[Block], new: Sequence[Block]) -> list[Block | None]:
    """The block behind each whole-block change, found again by its words (for moves)."""
    removed = {b.text: b for b in old}
    added = {b.text: b for b in new}
    out: list[Block | None] = []
    for ch in changes:
        if ch.status == "removed":
            out.append(removed.get(ch.old_text))
        elif ch.status == "added":
            out.append(added.get(ch.new_text))
        else:
            out.append(None)
    return out


def _find_moves(drafts: dict[str, _Draft]) -> None:
    """Text removed from one section and added to another is a move: marked on both sides."""
    outs = [(sid, i, src) for sid, d in drafts.items() for i, (b, src) in enumerate(zip(d.blocks, d.sources, strict=True))
            if b.status == "removed" and src is not None]
    ins = [(sid, i, src) for sid, d in drafts.items() for i, (b, src) in enumerate(zip(d.blocks, d.sources, strict=True))
           if b.status == "added" and src is not None]
    by_key: dict[str, list[tuple[str, int, Block]]] = {}
    for sid, i, blk in ins:
        if len(_words(blk)) >= MOVE_MIN_WORDS:
            by_key.setdefault(blk.key, []).append((sid, i, blk))
    taken: set[tuple[str, int]] = set()
    pending = []
    for sid, i, blk in outs:
        if len(_words(blk)) < MOVE_MIN_WORDS:
            continue
        match = next((m for m in by_key.get(blk.key, []) if m[0] != sid and (m[0], m[1]) not in taken), None)
        if match:
            taken.add((match[0], match[1]))
            _mark_move(drafts, (sid, i, blk), match)
        else:
            pending.append((sid, i, blk))
    rest = [m for m in ins if (m[0], m[1]) not in taken and len(_words(m[2])) >= 2 * MOVE_MIN_WORDS]
    # Only blocks that share enough rare words can be 75 % similar: the others are never scored.
    close = plausible([_words(blk) for _, _, blk in pending], [_words(m[2]) for m in rest], 0.75)
    for k, (sid, i, blk) in enumerate(pending):
        for cand in (rest[j] for j in close.get(k, ())):
            if cand[0] != sid and (cand[0], cand[1]) not in taken and cand[2].kind == blk.kind \
                    and similarity(_words(blk), _words(cand[2])) >= 0.75:
                taken.add((cand[0], cand[1]))
                _mark_move(drafts, (sid, i, blk), cand)
                break


def _mark_move(drafts: dict[str, _Draft], out: tuple[str, int, Block], into: tuple[str, int, Block]) -> None:
    (from_sid, i, old), (to_sid, j, new) = out, into
    left, arrived = drafts[from_sid].blocks[i], drafts[to_sid].blocks[j]
    drafts[from_sid].blocks[i] = replace(left, moved="to", moved_section=to_sid)
    pieces = word_pieces(old.tokens, new.tokens)
    drafts[to_sid].blocks[j] = replace(arrived, pieces=tuple(pieces), moved="from", moved_section=from_sid,
                                       links=_link_changes(old, new))


def _count(blocks: Iterable[BlockChange], op: str) -> int:
    total = 0
    for blk in blocks:
        if blk.moved == "to":
            continue  # counted once, where the text arrived
        total += sum(len(WORD.findall(p.text)) for p in blk.pieces if p.op == op)
    return total


def compare_texts(old: LanguageText, new: LanguageText, *, from_label: str, to_label: str,
                  pending: frozenset[str] = frozenset()) -> Changes:
    """Compare two texts of one language; `pending` names sections whose translation lags."""
    olds, news = {s.id: s for s in old.sections}, {s.id: s for s in new.sections}
    added, removed, retitled_ids = _section_diff(old, new)
    renames = _renames(removed, added, olds, news)
    renamed_old = set(renames.values())
    drafts: dict[str, _Draft] = {}
    for sec in new.sections:
        drafts[sec.id] = _draft(olds.get(renames.get(sec.id, sec.id)), sec)
    for sec in old.sections:
        if sec.id in removed and sec.id not in renamed_old:
            drafts["\0" + sec.id] = _draft(sec, None)  # "\0": an old id can be reused by a new section
    headings = {sid.lstrip("\0"): _heading(d.new or d.old) for sid, d in drafts.items()}
    _find_moves(drafts)
    new_id_of = {old_id: new_id for new_id, old_id in renames.items()}
    order_old = [new_id_of.get(s.id, s.id) for s in old.sections]
    moved = _moved(order_old, [s.id for s in new.sections])
    out = []
    for key, d in drafts.items():
        out.append(_section_change(key.lstrip("\0"), d, moved, retitled_ids, renames, pending, added))
    before = {sec.id: sec.summary for sec in old.sections}
    key_points = tuple((sec.id, before.get(sec.id, ""), sec.summary) for sec in new.sections
                       if sec.summary and before.get(sec.id, "") != sec.summary)
    return Changes(new.lang, from_label, to_label, tuple(out), headings, key_points=key_points)


def _heading(sec: SectionText | None) -> str:
    if sec is None:
        return ""
    return f"{sec.number}. {sec.title}" if sec.number else sec.title


def _section_change(sid: str, d: _Draft, moved: set[str], retitled_ids: set[str], renames: dict[str, str],
                    pending: frozenset[str], added: set[str]) -> SectionChange:
    blocks = tuple(replace(b, moved_section=b.moved_section.lstrip("\0")) if b.moved_section else b for b in d.blocks)
    sec, before = d.new, d.old
    renamed_from = renames.get(sid) if sec is not None else None
    if sec is None:
        status = "removed"
    elif before is None:
        status = "added"
    else:
        status = "changed" if any(b.status != "unchanged" for b in blocks) else "unchanged"
    retitled = before is not None and sec is not None and (sid in retitled_ids or before.title != sec.title)
    is_pending = sec is not None and sid in pending and (status != "unchanged" or retitled)
    shown = sec or before
    assert shown is not None
    return SectionChange(
        sid, status, sid in moved, retitled, shown.title, before.title if before else None,
        sec.number if sec else None, before.number if before else None, is_pending, blocks,
        _count(blocks, "+"), _count(blocks, "-"), renamed_from,
        sum(b.moved == "from" for b in blocks))


def compared_language(lang: str, old_languages: Sequence[str], new_languages: Sequence[str]) -> str:
    """The language whose texts a comparison in `lang` compares: the source language when `lang` has
    no published text on one side (that comparison is then the very one the source's readers get).
    The first of a version's languages is its source."""
    if lang in old_languages and lang in new_languages:
        return lang
    source = new_languages[0]
    return source if source in old_languages else old_languages[0]


def compare_snapshots(old: Snapshot, new: Snapshot, lang: str, *, from_label: str, to_label: str) -> Changes:
    """Compare two snapshots in `lang`; stale or missing translations are flagged as pending."""
    source = new.source
    shown = compared_language(lang, old.languages, new.languages)
    if shown != lang:
        # No text in `lang` was published for one of the versions: the comparison is in the source language.
        changes = compare_texts(old.text(shown), new.text(shown), from_label=from_label, to_label=to_label)
        return replace(changes, lang=lang, shown_lang=shown, source=source)
    pending = frozenset(s.id for s in new.sections if new.translation_state(lang, s.id) in ("stale", "missing"))
    before = old.text(lang)
    if pending:
        # The new text of a pending section is the source one: compare it with the source text it
        # replaced, so the marks show what changed there, not the translation struck out whole.
        originals = {s.id: s for s in old.text(source).sections}
        before = replace(before, sections=tuple(originals.get(s.id, s) if s.id in pending else s for s in before.sections))
    return replace(compare_texts(before, new.text(lang), from_label=from_label, to_label=to_label, pending=pending), source=source)
