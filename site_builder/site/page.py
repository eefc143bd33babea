"""A page as the build hands it to the engine: the only thing the two share."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Page:
    """One page, independent of the engine: where it goes, what it says, how it is indexed."""

    path: str  # folder under the language root: "" (the policy in force), "2.0/", "2.0/changes/"
    markdown: str  # the body: Markdown headings and ready-HTML placeholders
    url: str  # site-relative URL of the built page, e.g. "en/2.0/changes/"
    fragments: dict[str, str] = field(default_factory=dict)  # placeholder key -> safe HTML
    title: str = ""
    alternates: tuple[tuple[str, str], ...] = ()  # (language, absolute URL) of this page in every language
    search: bool = False  # indexed by the site search
    noindex: bool = False  # kept out of search engines (drafts)


FRAGMENT_PREFIX = "POLICY-FRAGMENT-"
