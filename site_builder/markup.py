"""Policy Markdown to safe HTML: rendered as GitHub renders it (CommonMark + GFM), nh3 removes anything active.

Legal editors review the policy on GitHub or GitLab, so the published page must show what their
preview showed. markdown-it-py implements CommonMark with GFM's tables, strikethrough and bare-URL
autolinks (linkify), so the site reads lists, emphasis, setext headings and the rest exactly as
GitHub does, by construction. MkDocs keeps Python-Markdown for the page shell around the text.
"""

from __future__ import annotations

import functools
import re
import secrets
from html.parser import HTMLParser
from urllib.parse import unquote

import nh3
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = {
    "a", "abbr", "aside", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hr", "i", "ins", "li", "nav", "ol", "p", "pre", "s", "section", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}
# Policy text keeps nothing our scripts, our styles or Material's act on: no `class`, no `data-*`, no `id`
# (a heading's anchor is added by the renderer itself, see `_heading_ids`), no `role` or `tabindex`.
POLICY_ATTRIBUTES = {"*": {"lang"}, "a": {"href", "title", "hreflang"}, "abbr": {"title"}, "ol": {"start"},
                     "td": {"style"}, "th": {"style", "scope"}, **{f"h{n}": {"id"} for n in range(1, 7)}}
# The pages this tool assembles around the policy text: our own classes and data attributes.
ALLOWED_ATTRIBUTES = {"*": {"id", "class", "lang", "role"}, "a": {"href", "title", "hreflang", "rel", "type", "download"}, "abbr": {"title"},
                      "div": {"data-version", "data-root", "data-labels", "tabindex", "data-effective", "data-href",
                              "data-now", "data-read"},
                      "nav": {"data-root", "data-labels"}, "span": {"data-effective"}, "p": {"data-until"},
                      "tr": {"data-version"}, "section": {"data-section"}, "ol": {"start"},
                      "td": {"style", "data-label"}, "th": {"style", "scope"}}
URL_SCHEMES = {"http", "https", "mailto"}
_ALIGN = re.compile(r"^text-align: ?(left|right|center);?$")


# Marks the heading ids the renderer wrote, so that the sanitiser keeps those and drops any an editor typed;
# new in every process, so no policy text can contain it.
_OWN_ID = "policy-" + secrets.token_hex(8) + "-"
_NOT_SLUG = re.compile(r"[^\w\- ]")
_HEADING_ID = re.compile(r'<(h[1-6]) id="([^"]*)"')


def github_slug(text: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens.

    Greek stays Greek (`#τα-δικαιώματά-σας`), readable and the same on GitHub and here.
    """
    return _NOT_SLUG.sub("", text.strip().lower()).replace(" ", "-")


def _heading_text(inline: Token) -> str:
    """A heading's words as its anchor reads them: text, code and link text; no raw HTML, no image."""
    out: list[str] = []
    for child in inline.children or []:  # an image's alt text is its own children, not read here
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
    return "".join(out)


def _heading_ids(state) -> None:  # noqa: ANN001 - markdown-it's StateCore
    """Every heading inside a section gets GitHub's anchor (made unique per page by `unique_ids`)."""
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and i + 1 < len(tokens):
            token.attrSet("id", _OWN_ID + github_slug(_heading_text(tokens[i + 1])))


# Ids the page itself uses: the theme's (`__config` holds Material's settings, `__search`...) and
# our scripts'. A heading must never take one (a heading `__config` would be read as settings).
RESERVED_IDS = frozenset({"policy-compare", "policy-version-header"})


def unique_ids(html: str, seen: dict[str, int]) -> str:
    """Number repeated heading anchors as GitHub does (`x`, `x-1`, `x-2`), in page order; an anchor
    the page itself uses (`RESERVED_IDS`, or starting with `_` like the theme's) gets an `h` in front."""
    def number(m: re.Match) -> str:
        base = m.group(2) or "section"
        if base.startswith("_") or base in RESERVED_IDS:
            base = "h" + base if base.startswith("_") else "h-" + base
        count = seen.get(base, 0)
        seen[base] = count + 1
        return f'<{m.group(1)} id="{base if count == 0 else f"{base}-{count}"}"'
    return _HEADING_ID.sub(number, html)


def heading_ids(html: str) -> list[str]:
    """The heading anchors of a rendered fragment, in order."""
    return [m.group(2) for m in _HEADING_ID.finditer(html)]


def _strikethrough(tag: str):  # noqa: ANN202 - a markdown-it render rule
    def rule(self, tokens, idx, options, env) -> str:  # noqa: ANN001, ARG001
        return tag
    return rule


_MAYBE_LINK = re.compile(r"www\.|https?://|@|mailto:", re.IGNORECASE)


class _GitHubLinks(LinkifyIt):
    """The bare links GitHub makes (GFM's autolink extension): `www.`, `http(s)://` and `ftp://` addresses and e-mail
    addresses; not a bare domain (`example.com`), which linkify-it would link too. Text with none of
    those marks is not searched at all (the search is the slow part of rendering)."""

    def pretest(self, text: str) -> bool:
        return bool(_MAYBE_LINK.search(text))

    _last: tuple[str, list | None] = ("", None)

    def test(self, text: str) -> bool:
        return bool(self.match(text))

    def match(self, text: str) -> list | None:
        """markdown-it asks `test`, then `match`, for the same text: the search is done once."""
        last = self._last  # read once: another thread may render meanwhile
        if last[0] == text and text:
            return last[1]
        found = None
        if _MAYBE_LINK.search(text):
            found = [m for m in super().match(text) or []
                     if m.schema in ("http:", "https:", "ftp:", "mailto:") or (not m.schema and m.raw.lower().startswith("www."))] or None
        self._last = (text, found)
        return found


_ENCODED_LETTERS = re.compile(r"(?:%[89A-Fa-f][0-9A-Fa-f])+")


def _readable(href: str) -> str:
    """Letters beyond ASCII stay as written in a link (`#τα-δικαιώματά-σας`, the id its heading carries;
    `https://el.wikipedia.org/wiki/Ελλάδα`), not percent-encoded: the same target for a browser, the
    bytes the pages had, and what our link checks compare. Other escapes (`%22`) stay escaped."""
    def decode(m: re.Match) -> str:
        try:
            return unquote(m.group(), errors="strict")
        except UnicodeDecodeError:
            return m.group()
    return _ENCODED_LETTERS.sub(decode, href)


@functools.lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    """CommonMark + GFM (tables, `~~strikethrough~~` as GitHub's `<del>`, bare URLs linked), raw HTML kept
    for the sanitiser to judge, and GitHub's heading anchors."""
    # maxNesting: the 16 levels of lists `policy check` allows take 2 each (the list, its item) and a paragraph.
    md = MarkdownIt("gfm-like", {"linkify": True, "html": True, "xhtmlOut": False, "maxNesting": 40})
    md.linkify = _GitHubLinks()
    encode = md.normalizeLink
    md.normalizeLink = lambda url: _readable(encode(url))  # type: ignore[method-assign]
    md.core.ruler.push("policy_heading_ids", _heading_ids)
    md.add_render_rule("s_open", _strikethrough("<del>"))
    md.add_render_rule("s_close", _strikethrough("</del>"))
    return md


def render(text: str) -> str:
    """Policy Markdown to HTML as GitHub renders it, before sanitising (no newline after the last block,
    so that pages keep the bytes they had)."""
    return _markdown().render(text).rstrip("\n")


@functools.lru_cache(maxsize=8)
def _reader(tables: bool, max_nesting: int) -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"maxNesting": max_nesting})
    return parser.enable("table") if tables else parser


def commonmark_tokens(text: str, *, tables: bool = False, max_nesting: int = 20) -> list[Token]:
    """The CommonMark block tokens of `text` (markdown-it-py), for readers of its structure rather than its
    HTML: the import's section finder, the check's nesting limit. markdown-it stops nesting at `max_nesting`."""
    return _reader(tables, max_nesting).parse(text)


def warm_up() -> None:
    """Make the Markdown converter now (in a worker waiting for its first page)."""
    _markdown().render("# a\n\nb www.example.com")


def _keep_alignment(element: str, attribute: str, value: str) -> str | None:
    """Table cells keep their alignment and nothing else of `style`."""
    if attribute == "style":
        return value if _ALIGN.match(value.strip()) else None
    return value


def _keep_own(element: str, attribute: str, value: str) -> str | None:
    """Policy text: alignment as above; an `id` only where the renderer wrote it (a heading's anchor)."""
    if attribute == "id":
        return value[len(_OWN_ID):] if value.startswith(_OWN_ID) else None
    return _keep_alignment(element, attribute, value)


def sanitize_policy(html: str) -> str:
    """Policy text on its way in: plain formatting only, nothing a script or style of the site acts on."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=POLICY_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, clean_content_tags={"script", "style"},
                     link_rel=None, attribute_filter=_keep_own)


def sanitize(html: str) -> str:
    """A page this tool assembled (policy text in it already passed `sanitize_policy`): no scripts,
    no event handlers, no `javascript:` links."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, clean_content_tags={"script", "style"},
                     link_rel=None, attribute_filter=_keep_alignment)


@functools.lru_cache(maxsize=8192)
def to_html(text: str) -> str:
    """Render policy Markdown to sanitised HTML (GitHub's reading of it)."""
    return sanitize_policy(render(text))


class _StartTags(HTMLParser):
    """The start tags of an HTML fragment, in order: (tag, {attribute: value})."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def _start_tags(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _StartTags()
    parser.feed(html)
    parser.close()
    return parser.tags


def stripped_markup(text: str) -> list[tuple[str, str, int]]:
    """What the sanitiser drops from this Markdown, as (tag, attributes dropped or "" for the element,
    its rank among the tags of that name), in page order.

    The kept tags are a subsequence of the rendered ones (nh3 drops tags and attributes, never adds);
    an `id` the renderer wrote is not counted.
    """
    rendered = _start_tags(render(text))
    kept = _start_tags(to_html(text))
    out: list[tuple[str, str, int]] = []
    k, seen = 0, dict.fromkeys((tag for tag, _ in rendered), -1)
    for tag, attrs in rendered:
        seen[tag] += 1
        if k < len(kept) and kept[k][0] == tag:
            own = {a: v for a, v in attrs.items() if not (a == "id" and v.startswith(_OWN_ID))}
            dropped = sorted(a for a, v in own.items() if kept[k][1].get(a) != v)
            if dropped:
                out.append((tag, ", ".join(f"`{a}`" for a in dropped), seen[tag]))
            k += 1
        else:
            out.append((tag, "", seen[tag]))
    return out
