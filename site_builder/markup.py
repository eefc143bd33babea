"""Policy Markdown to safe HTML: Python-Markdown renders, nh3 removes anything active."""

from __future__ import annotations

import re

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "aside", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hr", "i", "ins", "li", "nav", "ol", "p", "pre", "section", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"*": {"id", "class", "lang", "role"}, "a": {"href", "title", "hreflang", "rel"}, "abbr": {"title"}, "div": {"data-version"}, "tr": {"data-version"}, "section": {"data-section"}}
URL_SCHEMES = {"http", "https", "mailto"}
_MD = markdown.Markdown(extensions=["sane_lists", "tables"], output_format="html")


def sanitize(html: str) -> str:
    """Keep a safe subset of HTML: no scripts, no event handlers, no `javascript:` links."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, clean_content_tags={"script", "style"},
                     link_rel=None)


def to_html(text: str) -> str:
    """Render policy Markdown to sanitised HTML."""
    _MD.reset()
    return sanitize(_MD.convert(text))


def escape_markdown_html(text: str) -> str:
    """Neutralise raw HTML in Markdown so it shows as text (used before an engine renders it)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def strip_tags(html: str) -> str:
    """Plain text of an HTML fragment (for summaries in feeds and e-mails)."""
    return re.sub(r"<[^>]+>", "", html)
