"""Rendered HTML cut into blocks of words: what the comparison works on.

A block is a run of text inside one block-level element (a paragraph, a list item's own text,
a heading, a table cell, a preformatted block). Each word carries the inline elements around
it (a link with its target, bold, code ...), and each block the chain of block elements it
sits in, so that a comparison can put the page back together with only the words marked.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from html.parser import HTMLParser

TOKEN = re.compile(r"\w+\s*|[^\w\s]\s*|\s+")  # a word or mark with the space after it
WORD = re.compile(r"\w+")
BLOCK_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "pre", "blockquote", "div",
                        "ul", "ol", "table", "thead", "tbody", "tfoot", "tr", "hr", "section", "dl", "dt", "dd",
                        "header", "nav", "aside"})
INLINE_TAGS = frozenset({"a", "strong", "b", "em", "i", "code", "del", "s", "ins", "sup", "sub", "span", "abbr",
                         "u", "mark", "small", "q", "cite"})
CELL_TAGS = frozenset({"td", "th"})
_SPACE = re.compile(r"[ \t\r\n\f]+")

Attrs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Container:
    """A block element around a block's text; `uid` tells two siblings with the same tag apart."""

    tag: str
    attrs: Attrs
    uid: int


@dataclass(frozen=True)
class Token:
    """One word (or mark) with its trailing space and the inline elements around it."""

    text: str
    marks: tuple[tuple[str, Attrs], ...]

    @property
    def key(self) -> str:
        """What a comparison looks at: the word (a link whose target changed is reported apart)."""
        return self.text.rstrip() or (" " if self.text != "\n" else "\n")

    @property
    def href(self) -> str | None:
        for tag, attrs in self.marks:
            if tag == "a":
                return dict(attrs).get("href")
        return None


@dataclass(frozen=True)
class Block:
    """A run of text in one block element."""

    kind: str  # paragraph | item | heading | cell | code
    chain: tuple[Container, ...]
    tokens: tuple[Token, ...]

    # Read many times per comparison (pairing, moves, counts): made once per block. A frozen
    # dataclass's fields cannot change, so neither can these; they are not fields (equality and
    # hashing ignore them).
    @functools.cached_property
    def text(self) -> str:
        return "".join(t.text for t in self.tokens)

    @functools.cached_property
    def key(self) -> str:
        """The visible words, spacing folded: equal keys mean nothing a reader sees changed."""
        return " ".join(self.text.split())

    @functools.cached_property
    def links(self) -> tuple[tuple[str, str], ...]:
        """(link text, target) for each link, in order."""
        out: list[tuple[str, str]] = []
        last = None
        for tok in self.tokens:
            href = tok.href
            if href is None:
                last = None
                continue
            if last == href and out:
                out[-1] = (out[-1][0] + tok.text, href)
            else:
                out.append((tok.text, href))
            last = href
        return tuple((" ".join(text.split()), href) for text, href in out)


def _kind(chain: list[Container]) -> str:
    tag = chain[-1].tag if chain else "p"
    if tag in CELL_TAGS:
        return "cell"
    if tag == "pre":
        return "code"
    if re.fullmatch(r"h[1-6]", tag):
        return "heading"
    if any(c.tag == "li" for c in chain):
        return "item"
    return "paragraph"


class _Cutter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.chain: list[Container] = []
        self.marks: list[tuple[str, Attrs]] = []
        self.run: list[tuple[str, tuple[tuple[str, Attrs], ...]]] = []
        self.cell_done = False
        self.uid = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kept: Attrs = tuple((k, v or "") for k, v in attrs if k in ("href", "start", "style", "title", "lang"))
        if tag == "br":
            self.run.append(("\n", tuple(self.marks)))
        elif tag in BLOCK_TAGS:
            self._flush()
            self.uid += 1
            self.chain.append(Container(tag, kept, self.uid))
            self.cell_done = False
        elif tag in INLINE_TAGS:
            self.marks.append((tag, kept))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag != "br" and tag in BLOCK_TAGS | INLINE_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCK_TAGS:
            is_cell = bool(self.chain) and self.chain[-1].tag in CELL_TAGS
            self._flush(force=is_cell and not self.cell_done)
            while self.chain:
                if self.chain.pop().tag == tag:
                    break
            self.marks = []
        elif tag in INLINE_TAGS:
            for i in range(len(self.marks) - 1, -1, -1):
                if self.marks[i][0] == tag:
                    del self.marks[i]
                    break

    def handle_data(self, data: str) -> None:
        in_pre = any(c.tag == "pre" for c in self.chain)
        self.run.append((data if in_pre else _SPACE.sub(" ", data), tuple(self.marks)))

    def _flush(self, force: bool = False) -> None:
        tokens = _tokenize(self.run, any(c.tag == "pre" for c in self.chain))
        self.run = []
        if tokens or force:
            self.blocks.append(Block(_kind(self.chain), tuple(self.chain), tuple(tokens)))
            self.cell_done = True


def _tokenize(run: list[tuple[str, tuple]], pre: bool) -> list[Token]:
    tokens: list[Token] = []
    for text, marks in run:
        if text == "\n" and not pre:
            if tokens and tokens[-1].text.strip():
                tokens.append(Token("\n", marks))
            continue
        if not pre and (not tokens or tokens[-1].text.endswith((" ", "\n"))):
            text = text.lstrip(" ")  # spacing is folded, as a browser folds it
        tokens += [Token(piece, marks) for piece in TOKEN.findall(text)]
    while tokens and not pre and not tokens[-1].text.strip():
        tokens.pop()
    if tokens and not pre:
        last = tokens[-1]
        tokens[-1] = Token(last.text.rstrip(" "), last.marks) if last.text != "\n" else last
    return tokens


@functools.lru_cache(maxsize=8192)
def cut(html: str) -> tuple[Block, ...]:
    """The blocks of a rendered fragment, in reading order (cached: versions share sections)."""
    cutter = _Cutter()
    cutter.feed(html)
    cutter.close()
    cutter._flush()
    return tuple(cutter.blocks)
