"""Policy Markdown to safe HTML: Python-Markdown renders as GitHub would, nh3 removes anything active.

Legal editors review the policy on GitHub or GitLab, so the published page must show what
their preview showed. Python-Markdown (the renderer MkDocs uses) differs from CommonMark/GFM
in a few places that real policies hit; the extensions below close those gaps:

- `mdx_breakless_lists`: a list may follow a paragraph line without a blank line;
- `GitHubMarkdown` (ours): `** text**` stays literal, as in CommonMark; nested lists indented by 2 spaces, or by the width of the marker, as
  CommonMark reads them (Python-Markdown wants exactly 4 per level);
- `pymdownx.tilde`: `~~strikethrough~~`; `pymdownx.magiclink`: bare URLs and `<https://...>`;
- `tables`, with `<br>` in cells; setext headings and hard line breaks are built in.
"""

from __future__ import annotations

import functools
import re
import secrets
from html.parser import HTMLParser

import markdown
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {
    "a", "abbr", "aside", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hr", "i", "ins", "li", "nav", "ol", "p", "pre", "s", "section", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}
# Policy text keeps nothing our scripts, our styles or Material's act on: no `class`, no `data-*`, no `id`
# (a heading's anchor is added by the renderer itself, see `_HeadingIds`), no `role` or `tabindex`.
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
_ITEM = re.compile(r"^( *)([-*+]|\d{1,9}[.)])( +|$)")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_ALIGN = re.compile(r"^text-align: ?(left|right|center);?$")


class _ListIndent(Preprocessor):
    """Re-indent list content to 4 spaces per level, the way CommonMark nests it.

    CommonMark nests a line under an item when it is indented at least to the item's content
    column (2 for `- `, 4 for `*   `, 3 for `1. `); Python-Markdown always wants 4.
    """

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        stack: list[int] = []  # content column of each open item
        fenced = blank = False
        for line in lines:
            if _FENCE.match(line):
                fenced = not fenced
            if fenced or not line.strip():
                out.append(line)
                blank = blank or not line.strip()
                continue
            indent = len(line) - len(line.lstrip(" "))
            item = _ITEM.match(line)
            lazy = not item and not blank and stack  # a paragraph's continuation line stays where it is
            while stack and indent < stack[-1] and not lazy:
                stack.pop()
            if item:
                depth, width = len(stack), len(item.group(2))
                spaces = len(item.group(3))
                content = indent + width + (spaces if 0 < spaces <= 4 else 1)
                if blank and out and depth < _depth_of(out):
                    out.append("")  # a shallower item after a nested list starts a new item
                out.append("    " * depth + item.group(2) + " " + line[item.end():])
                stack.append(content)
            elif stack and not lazy:
                extra = indent - stack[-1]  # 1 to 3 more spaces mean nothing; 4 make code
                out.append("    " * len(stack) + " " * (extra if extra >= 4 else 0) + line.lstrip(" "))
            elif not stack and indent < 4:
                out.append(line.lstrip(" "))
            else:
                out.append(line)
            blank = False
        return out


def _depth_of(out: list[str]) -> int:
    """Nesting depth of the last item written (4 spaces per level)."""
    for line in reversed(out):
        if line.strip():
            return (len(line) - len(line.lstrip(" "))) // 4
    return 0


class _LiteralDelimiter(InlineProcessor):
    """`**` or `_` followed by a space opens nothing in CommonMark: it stays literal text."""

    def handleMatch(self, m: re.Match, data: str) -> tuple[str, int, int]:  # noqa: N802 - Python-Markdown's API
        return self.md.htmlStash.store(m.group(1)), m.start(0), m.end(0)


_STASH = re.compile("\x02wzxhzdk:\\d+\x03")
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


class _HeadingIds(Treeprocessor):
    """Every heading inside a section gets GitHub's anchor (made unique per page by `unique_ids`)."""

    def run(self, root) -> None:  # noqa: ANN001 - an ElementTree element
        for el in root.iter():
            if el.tag in ("h1", "h2", "h3", "h4", "h5", "h6") and "id" not in el.attrib:
                el.set("id", _OWN_ID + github_slug(_STASH.sub("", "".join(el.itertext()))))


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


class GitHubMarkdown(Extension):
    """Our corrections: list indentation, emphasis that must touch its text, heading anchors."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Python-Markdown's API
        md.preprocessors.register(_ListIndent(md), "policy_list_indent", 25)
        md.treeprocessors.register(_HeadingIds(md), "policy_heading_ids", 4)
        md.inlinePatterns.register(_LiteralDelimiter(r"(?<!\S)([*_]{1,3})(?=\s)", md), "policy_literal_em", 105)


MARKDOWN_EXTENSIONS: list = ["tables", "sane_lists", "mdx_breakless_lists", "pymdownx.tilde", "pymdownx.magiclink"]


@functools.lru_cache(maxsize=1)
def _markdown() -> markdown.Markdown:
    return markdown.Markdown(extensions=[*MARKDOWN_EXTENSIONS, GitHubMarkdown()], output_format="html",
                             extension_configs={"pymdownx.tilde": {"subscript": False},
                                                "pymdownx.magiclink": {"hide_protocol": False}})


def warm_up() -> None:
    """Make the Markdown converter now (in a worker waiting for its first page)."""
    _markdown()


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
    md = _markdown()
    md.reset()
    return sanitize_policy(md.convert(text))


@functools.lru_cache(maxsize=1)
def _github():
    from markdown_it import MarkdownIt

    return MarkdownIt("gfm-like", {"linkify": True})


def github_difference(text: str) -> tuple[int, str, str] | None:
    """Where this Markdown reads differently on GitHub (CommonMark + GFM, by markdown-it-py):
    (0-based line, GitHub's text, ours) of the first block that differs, or None."""
    from site_builder.blocks import cut

    ours = [b.key for b in cut(to_html(text))]
    tokens = _github().parse(text)
    theirs = [b.key for b in cut(sanitize_policy(_github().renderer.render(tokens, _github().options, {})))]
    if ours == theirs:
        return None
    k = next((i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b), min(len(ours), len(theirs)))
    lines = [tok.map[0] for tok in tokens if tok.type == "inline" and tok.map]
    line = lines[min(k, len(lines) - 1)] if lines else 0
    return line, (theirs[k] if k < len(theirs) else ""), (ours[k] if k < len(ours) else "")


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
    md = _markdown()
    md.reset()
    rendered = _start_tags(md.convert(text))
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
