"""The pages of the site as Markdown with front matter: independent of the rendering engine."""

from __future__ import annotations

import functools
import hashlib
import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from site_builder.compare.diffing import Changes
from site_builder.compare.render import heading, prevailing_words, section_html, section_label, source_note
from site_builder.i18n import format_day, t
from site_builder.markup import sanitize, to_html, unique_ids
from site_builder.site.engine_mkdocs import BUTTON_PRIMARY
from site_builder.site.page import FRAGMENT_PREFIX, Page
from site_builder.source.models import FOR_YOU, LanguageText, ReleaseRecord

DRAFT = "draft"
STATUSES = ("in force", "superseded", "upcoming", "never in force")  # the labels policy.js switches between


@dataclass(frozen=True)
class VersionView:
    """One version as the site shows it: a release, or the draft."""

    version: str
    record: ReleaseRecord | None
    status: str  # in force | superseded | upcoming | draft
    text_of: LanguageText | Callable[[], LanguageText]  # the text, or how to read it once a page needs it
    changes: Changes | None  # against the previous version; None for the first
    previous: str | None
    next: str | None
    source: str  # the policy's source language: its text and summary stand in where a language has none
    fallback: bool = False  # no text in this language was published for this version: shown in its source language
    nav: tuple[str | None, str | None] | None = None  # previous/next that apply (None: previous, next)

    @property
    def links(self) -> tuple[str | None, str | None]:
        """The previous and next version a reader is led to: a version that never took effect is skipped."""
        return self.nav if self.nav is not None else (self.previous, self.next)

    @property
    def text(self) -> LanguageText:
        return self.text_of() if callable(self.text_of) else self.text_of


@functools.lru_cache(maxsize=16384)
def _safe(html_text: str) -> tuple[str, str]:
    key = hashlib.sha1(html_text.encode()).hexdigest()[:20]
    return key, sanitize(html_text)


def trusted_fragment(frags: dict[str, str], html_text: str) -> str:
    """Interface HTML written by this module alone (a form), every value in it escaped: not sanitised,
    since the sanitiser would drop the form controls. Never pass policy text here."""
    key = "t" + hashlib.sha1(html_text.encode()).hexdigest()[:19]
    frags[key] = html_text
    return f"\n\n{FRAGMENT_PREFIX}{key}\n\n"


def fragment(frags: dict[str, str], html_text: str) -> str:
    """Ready HTML goes to the engine as a placeholder paragraph, filled in after Markdown.

    Sections shared by many versions are rendered once, and the engine does not re-parse them.
    """
    key, safe = _safe(html_text)
    frags[key] = safe
    return f"\n\n{FRAGMENT_PREFIX}{key}\n\n"


@dataclass(frozen=True)
class SiteContext:
    """What every page of one language needs to link to the rest."""

    lang: str
    other_langs: tuple[str, ...]
    site_url: str
    in_force: str | None
    upcoming: tuple[VersionView, ...]
    source: str  # the policy's source language (the text in policy/)
    site_name: str = ""


_ROOT_LINK = re.compile(r'href="/(?!/)')


def site_origin(site_url: str) -> str:
    """`https://www.example.com` of `https://www.example.com/privacy/`."""
    parts = urlsplit(site_url)
    return f"{parts.scheme}://{parts.netloc}"


def absolute_root_links(html_text: str, ctx: SiteContext) -> str:
    """Links to the company's own pages (`/terms/`) point at the host of site_url wherever the site is served."""
    return _ROOT_LINK.sub(f'href="{site_origin(ctx.site_url)}/', html_text)


def relpath(target: str, start: str) -> str:
    """`posixpath.relpath` for the site's own paths (no `..`, no symlinks): no file system calls,
    which matters at hundreds of links per page header times hundreds of versions."""
    to, base = [p for p in target.split("/") if p not in ("", ".")], [p for p in start.split("/") if p not in ("", ".")]
    common = 0
    while common < min(len(to), len(base)) and to[common] == base[common]:
        common += 1
    return "/".join([".."] * (len(base) - common) + to[common:]) or "."


def rel(from_url: str, to_url: str) -> str:
    """Relative link between two site-relative directory URLs, so any host and prefix work."""
    link = relpath(to_url or ".", from_url.rstrip("/") or ".")
    if "#" in to_url:
        return link
    return "./" if link == "." else link + "/"


def _page(path: str, body: str, url: str, frags: dict[str, str], title: str, ctx: SiteContext, *,
          search: bool, noindex: bool = False) -> Page:
    alternates = tuple((lang, ctx.site_url + lang + url[len(ctx.lang):]) for lang in (ctx.lang, *ctx.other_langs))
    return Page(path, body, url, frags, title, alternates, search, noindex)


def _a(href: str, text: str, **attrs: str) -> str:
    extra = "".join(f' {k.rstrip("_")}="{html.escape(v)}"' for k, v in attrs.items())
    return f'<a href="{html.escape(href)}"{extra}>{html.escape(text)}</a>'


def _language_switch(ctx: SiteContext, url: str) -> str:
    links = []
    for lang in ctx.other_langs:
        target = lang + url[len(ctx.lang):]
        links.append(_a(rel(url, target), t(lang, "language_name"), hreflang=lang, lang=lang, class_="policy-lang"))
    return " ".join(links)


def version_header(view: VersionView, ctx: SiteContext, url: str, *, on_changes: bool) -> str:
    """Version, effective date, status, previous/next, changes link, language switch."""
    lang = ctx.lang
    status_key = "draft" if view.status == DRAFT else view.status
    effective = format_day(view.record.effective, lang) if view.record else "—"
    # The status is the build's; policy.js recomputes it from the dates in versions.json on the day.
    dates = f' data-effective="{view.record.effective.isoformat()}"' if view.record and view.status != DRAFT else ""
    labels = html.escape(json.dumps({k: t(lang, "status." + k) for k in STATUSES}, ensure_ascii=False))
    parts = [f'<div class="policy-header policy-header--{status_key.replace(" ", "-")}" data-version="{html.escape(view.version)}"'
             f' data-root="{html.escape(rel(url, ""))}" data-labels="{labels}" id="policy-version-header" tabindex="-1">',
             f'<p class="policy-meta"><span class="policy-version">{t(lang, "version")} {html.escape(version_label(view, lang))}</span> · '
             f'<span class="policy-effective">{t(lang, "labelled", label=t(lang, "effective"), value=effective)}</span> · '
             f'<span class="policy-status policy-status--{status_key.replace(" ", "-")}"{dates}>{t(lang, "status." + status_key)}</span></p>',
             f'<p class="policy-print">{html.escape(ctx.site_name)} · {html.escape(ctx.site_url + url)} · '
             f'{html.escape(t(lang, "printed"))} <span class="policy-print-date"></span></p>',
             '<nav class="policy-links">']
    base = f"{lang}/{view.version}/"
    previous, following = view.links
    if previous:
        parts.append(_a(rel(url, f"{lang}/{previous}/"), f"← {t(lang, 'previous')} {previous}", rel="prev"))
    if on_changes:
        parts.append(_a(rel(url, base), t(lang, "full_text", version=view.version), class_="policy-full-text-link"))
    else:
        parts.append(_a(rel(url, base + "changes/"), t(lang, "changes"), class_="policy-changes-link"))
    if following:
        parts.append(_a(rel(url, f"{lang}/{following}/"), f"{t(lang, 'next')} {following} →", rel="next"))
    parts.append(_a(rel(url, f"{lang}/versions/"), t(lang, "archive")))
    # The other language, then the downloads: each a group of its own, so that neither reads as
    # part of the other (no "·" between them, which wrapped alone onto a phone's line).
    parts.append(f'<span class="policy-lang-switch">{_language_switch(ctx, url)}</span>')
    if view.status != DRAFT:
        parts.append(downloads(view, lang, url))
    parts.append("</nav>")
    if view.fallback:
        parts.append(f'<p class="policy-notice policy-notice--fallback">{html.escape(source_note(lang, "fallback_notice", view.text.lang))}</p>')
    if view.status == DRAFT:
        notice = ""
        if view.record is not None:
            notice = " " + _a(relpath(f"{lang}/{DRAFT}/notice.html", url.rstrip("/") or "."), t(lang, "notice_preview"))
        parts.append(f'<p class="policy-notice policy-notice--draft">{t(lang, "draft_notice")}{notice}</p>')
    elif view.status == "superseded" and ctx.in_force:
        parts.append(f'<p class="policy-notice policy-notice--superseded">{_a(rel(url, lang + "/"), t(lang, "superseded_notice"))}</p>')
    elif view.status == "never in force":
        replaced_by = view.links[1]
        said = t(lang, "never_notice", version=replaced_by) if replaced_by else t(lang, "never_notice_none")
        read = (" " + _a(rel(url, lang + "/"), t(lang, "read_in_force_short"))) if ctx.in_force else ""
        parts.append(f'<p class="policy-notice policy-notice--never">{html.escape(said)}{read}</p>')
    elif view.status == "upcoming" and view.record is not None:
        date = format_day(view.record.effective, lang)
        in_force = (" " + _a(rel(url, f"{lang}/{ctx.in_force}/"), t(lang, "read_in_force", version=ctx.in_force))) if ctx.in_force else ""
        if ctx.in_force and not url.endswith(FOR_YOU):
            in_force += " " + _a(rel(url, f"{lang}/{view.version}/{FOR_YOU}"), t(lang, "for_you.link"), class_="policy-for-you-link")
        parts.append(f'<p class="policy-notice policy-notice--not-yet" data-until="{view.record.effective.isoformat()}">'
                     f'{html.escape(t(lang, "not_yet_in_force", date=date))}{in_force}</p>')
    parts.append("</div>\n\n")
    return "\n".join(parts)


def kind_label(view: VersionView, lang: str) -> str:
    """"Material change", "Minor change", or "First version" for the first release (nothing changed before it)."""
    if view.record is None:
        return ""
    return t(lang, "kind.first" if view.previous is None else "kind." + view.record.kind)


def downloads(view: VersionView, lang: str, url: str) -> str:
    """The version as Markdown and JSON: saved under a file name that says what it is, and the
    Markdown declared UTF-8 (a server that sends .md without a charset shows Greek as mojibake)."""
    name = f"policy-{view.version}-{lang}"
    files = [_a(relpath(f"{lang}/{view.version}/policy.{ext}", url.rstrip("/")), label, type=kind, download=f"{name}.{ext}")
             for ext, label, kind in (("md", "Markdown", "text/markdown; charset=utf-8"),
                                      ("json", "JSON", "application/json"))]
    return (f'<span class="policy-downloads">{html.escape(t(lang, "labelled", label=t(lang, "download"), value=""))}'
            + "".join(f'<span class="policy-download">{link}</span>' for link in files) + "</span>")


def version_label(view: VersionView, lang: str) -> str:
    """"2.0"; the draft is "draft" in the reader's language, or "2.1 (draft)" for a pending release."""
    if view.version != DRAFT:
        return view.version
    word = t(lang, "draft_label")
    return f"{view.record.version} ({word})" if view.record else word


def upcoming_notices(ctx: SiteContext, url: str) -> str:
    """On the page in force: every release that takes effect later, with its date."""
    out = []
    for view in ctx.upcoming:
        if view.record is None:
            continue
        date = format_day(view.record.effective, ctx.lang)
        link = _a(rel(url, f"{ctx.lang}/{view.version}/changes/"), t(ctx.lang, "see_changes"))
        if ctx.in_force:  # the comparison that matters to a reader: what applies today -> what will apply
            link = _a(rel(url, f"{ctx.lang}/{view.version}/{FOR_YOU}"), t(ctx.lang, "for_you.link"),
                      class_="policy-for-you-link") + " · " + link
        later = (f' data-version="{html.escape(view.version)}" data-effective="{view.record.effective.isoformat()}" data-href="{html.escape(rel(url, f"{ctx.lang}/{view.version}/"))}"'
                 f' data-now="{html.escape(t(ctx.lang, "now_in_force", version=view.version, date=date))}"'
                 f' data-read="{html.escape(t(ctx.lang, "read_it"))}"')
        out.append(f'<div class="policy-notice policy-notice--upcoming" role="note"{later}><p>'
                   f'{html.escape(t(ctx.lang, "upcoming_notice", version=view.version, date=date))} {link}</p></div>\n\n')
    return "".join(out)


def policy_body(view: VersionView, ctx: SiteContext, url: str, frags: dict[str, str]) -> str:
    """The full text: numbered sections whose anchors are the section ids."""
    out = [f"# {_md_escape(view.text.title)}\n", fragment(frags, key_points_html(view.text, ctx.lang))]
    seen = {sec.id: 1 for sec in view.text.sections}  # heading anchors numbered in page order, as GitHub does
    for sec in view.text.sections:
        number = f"{sec.number}. " if sec.number else ""
        out.append(f"## {number}{_md_escape(sec.title)} {{ #{sec.id} }}\n")
        if sec.state in ("stale", "missing"):
            src = view.source
            original = _a(rel(url, f"{src}/{view.version}/") + f"#{sec.id}", source_note(ctx.lang, "read_english", src), hreflang=src)
            out.append(fragment(frags, f'<p class="policy-notice policy-notice--{sec.state}">{source_note(ctx.lang, sec.state + "_notice", src)} {original}</p>'))
        body_html = unique_ids(section_body_html(sec.body), seen)
        if view.fallback:
            body_html = body_html.replace('<div class="policy-text">', f'<div class="policy-text" lang="{view.text.lang}">', 1)
        out.append(fragment(frags, absolute_root_links(body_html, ctx)))
    out.append(fragment(frags, prevailing_note(view.text.prevailing, ctx)))
    return "\n".join(out)


def key_points_html(text: LanguageText, lang: str) -> str:
    """The first layer: a table of each section's key point, linked to the section ("" when none has one)."""
    if not any(sec.summary for sec in text.sections):
        return ""
    rows = "".join(f'<tr><th scope="row"><a href="#{html.escape(sec.id)}">{html.escape(_numbered(sec.number, sec.title))}</a></th>'
                   f"<td>{html.escape(sec.summary) or '—'}</td></tr>\n" for sec in text.sections)
    return (f'<table class="policy-key-points"><caption>{html.escape(t(lang, "key_points"))}</caption>\n'
            f'<thead><tr><th scope="col">{html.escape(t(lang, "key_points.section"))}</th>'
            f'<th scope="col">{html.escape(t(lang, "key_points.point"))}</th></tr></thead>\n<tbody>\n{rows}</tbody></table>\n')


def _numbered(number: int | None, title: str) -> str:
    return f"{number}. {title}" if number else title


def key_point_changes_html(changes: Changes, lang: str, version_url: str) -> str:
    """On the changes page: which key points (the one-line summaries of sections) changed."""
    if not changes.key_points:
        return ""
    if not any(before for _, before, _ in changes.key_points):  # the first version with key points: one line, not a list
        return (f'<p class="policy-key-point-changes">{html.escape(t(lang, "key_points_new"))} '
                f'{_a(version_url, t(lang, "key_points_read"))}</p>\n')
    items = []
    for sid, before, after in changes.key_points:
        was = f' <span class="policy-key-point-was">({html.escape(t(lang, "was", title=before))})</span>' if before else ""
        items.append(f'<li><a href="{html.escape(version_url)}#{html.escape(sid)}">{html.escape(changes.headings.get(sid, sid))}</a>: '
                     f"{html.escape(after)}{was}</li>")
    return (f'<div class="policy-key-point-changes"><p><strong>{html.escape(t(lang, "key_points_changed"))}</strong></p>\n'
            f'<ul>\n{"".join(items)}\n</ul></div>\n')


def prevailing_note(prevailing: str | None, ctx: SiteContext) -> str:
    """Which language prevails if the texts differ: the company's choice, said on every page."""
    if not prevailing:
        return ""
    words = prevailing_words(ctx.lang, prevailing, (ctx.lang, *ctx.other_langs))
    return '<p class="policy-prevailing">' + html.escape(words) + "</p>"


@functools.lru_cache(maxsize=8192)
def section_body_html(body: str) -> str:
    """A section's text as sanitised HTML, rendered once however many versions share it."""
    return f'<div class="policy-text">\n{to_html(body)}\n</div>\n'


_LINE_BREAKS = re.compile(r"[ \t]*[\r\n]+[ \t]*")


def one_line(title: str) -> str:
    """A title is one heading: a line break in it is a space (Markdown would end the heading there
    and show the rest as a paragraph)."""
    return _LINE_BREAKS.sub(" ", title)


def _md_escape(text: str) -> str:
    """Titles are text, never markup, and one line each (`one_line`)."""
    escaped = html.escape(one_line(text), quote=False)
    for char in "\\`*_[]#{}":
        escaped = escaped.replace(char, "\\" + char)
    return escaped


def version_page(view: VersionView, ctx: SiteContext, *, current: bool = False) -> Page:
    """The full text of a version, or (current=True) the page in force at /<lang>/."""
    url = f"{ctx.lang}/" if current else f"{ctx.lang}/{view.version}/"
    title = t(ctx.lang, "current") if current else f"{view.text.title} {view.version}"
    frags: dict[str, str] = {}
    header = version_header(view, ctx, url, on_changes=False)
    if current or view.version == ctx.in_force:
        header += upcoming_notices(ctx, url)
    body = fragment(frags, header) + policy_body(view, ctx, url, frags)
    return _page("" if current else f"{view.version}/", body, url, frags, title, ctx, search=False,
                 noindex=view.status == DRAFT)


def changes_page(view: VersionView, ctx: SiteContext) -> Page:
    """What changed in a version against the one before."""
    lang = ctx.lang
    url = f"{lang}/{view.version}/changes/"
    frags: dict[str, str] = {}
    out = [fragment(frags, version_header(view, ctx, url, on_changes=True)), f"# {_md_escape(t(lang, 'changes_in', version=view.version))}\n"]
    if view.record:
        out.append(fragment(frags, f'<p class="policy-summary"><strong>{t(lang, "summary")}</strong> ({kind_label(view, lang)})</p>'))
        if lang in view.record.summary:  # policy text: sanitised on the way in, like the sections
            out.append(fragment(frags, to_html(view.record.summary[lang].strip())))
        else:
            shown, shown_lang = view.record.summary_in(lang, view.source)
            out.append(fragment(frags, f'<p class="policy-notice">{html.escape(source_note(lang, "no_summary", shown_lang))}</p>'
                                f'<div lang="{shown_lang}">{to_html(shown)}</div>'))
        if view.record.short_notice:  # after the summary (what changed comes first), in the reader's language only
            reason = view.record.short_notice_in(lang)
            said = t(lang, "short_notice", reason=reason) if reason else t(lang, "short_notice_no_reason")
            out.append(fragment(frags, '<p class="policy-notice policy-notice--short">' + html.escape(said) + "</p>"))
    if view.changes is None:
        out.append(fragment(frags, f"<p>{t(lang, 'first_version')}</p>"))
    else:
        out.append(fragment(frags, _diff_html(view.changes, ctx, rel(url, f"{lang}/{view.version}/"))))
    out.append(fragment(frags, prevailing_note(view.text.prevailing, ctx)))
    title = t(lang, "changes_in", version=view.version)
    return _page(f"{view.version}/changes/", "\n".join(out), url, frags, title, ctx, search=False,
                 noindex=view.status == DRAFT)


def _diff_html(changes: Changes, ctx: SiteContext, page_dir: str) -> str:
    """The sections a comparison touched, words marked: the same for changes pages and "what changes for you"
    (`page_dir`: the site-relative folder of the version's full text, for the key points' links)."""
    lang = ctx.lang
    touched = absolute_root_links("".join(section_html(sec, changes) for sec in changes.touched), ctx) \
        or f"<p>{t(lang, 'no_changes')}</p>"
    shown_in = (f'<p class="policy-notice policy-notice--fallback">{html.escape(source_note(lang, "changes_in_english", changes.shown_lang))}</p>\n'
                if changes.shown_lang and changes.shown_lang != lang else "")
    return (shown_in + f'<p class="policy-against">{html.escape(t(lang, "changes_against", version=changes.from_label))}</p>\n'
            + key_point_changes_html(changes, lang, page_dir)
            + _change_list(changes, lang) + f'<p class="policy-legend">{t(lang, "legend")}</p>\n' + touched)


def for_you_page(view: VersionView, changes: Changes, ctx: SiteContext) -> Page:
    """/<lang>/<version>/changes-for-you/: the version in force today compared with an upcoming one,
    across any versions published in between; rendered here, readable without JavaScript."""
    lang = ctx.lang
    url = f"{lang}/{view.version}/{FOR_YOU}"
    frags: dict[str, str] = {}
    title = t(lang, "for_you.title", version=view.version)
    date = format_day(view.record.effective, lang) if view.record else "—"
    out = [fragment(frags, version_header(view, ctx, url, on_changes=True)), f"# {_md_escape(title)}\n",
           fragment(frags, '<p class="policy-for-you-intro">' + html.escape(t(lang, "for_you.intro", from_version=changes.from_label,
                                                                               version=view.version, date=date)) + "</p>"),
           fragment(frags, _diff_html(changes, ctx, rel(url, f"{lang}/{view.version}/"))), fragment(frags, prevailing_note(view.text.prevailing, ctx))]
    return _page(f"{view.version}/{FOR_YOU}", "\n".join(out), url, frags, title, ctx, search=False)


def _change_list(changes: Changes, lang: str) -> str:
    items = [f'<li><a href="#{html.escape(s.id)}">{html.escape(heading(s))}</a> — {html.escape(section_label(s, lang))}</li>'
             for s in changes.touched]
    return '<ul class="policy-change-list">\n' + "\n".join(items) + "\n</ul>\n" if items else ""


def gdpr_page(view: VersionView, ctx: SiteContext, table_html: str) -> Page:
    """For editors, in the draft only (noindex): which section gives each item of Art. 13/14."""
    return _editors_page(view, ctx, "gdpr", "gdpr.disclaimer", table_html)


def readability_page(view: VersionView, ctx: SiteContext, table_html: str) -> Page:
    """For editors, in the draft only (noindex): how plainly each section reads (Art. 12 GDPR), against the last release."""
    return _editors_page(view, ctx, "readability", "readability.intro", table_html)


def _editors_page(view: VersionView, ctx: SiteContext, name: str, intro_key: str, table_html: str) -> Page:
    """A table for editors beside the draft: never indexed, never searched."""
    lang = ctx.lang
    url = f"{lang}/{view.version}/{name}/"
    frags: dict[str, str] = {}
    title = t(lang, f"{name}.title")
    body = (fragment(frags, version_header(view, ctx, url, on_changes=True)) + f"# {_md_escape(title)}\n"
            + fragment(frags, f'<p class="policy-notice">{html.escape(t(lang, intro_key))}</p>' + table_html))
    return _page(f"{view.version}/{name}/", body, url, frags, title, ctx, search=False, noindex=True)


def readability_labels(lang: str) -> dict[str, str]:
    """The column heads of the readability table in the reader's language."""
    return {key: t(lang, f"readability.{key}") for key in
            ("section", "sentences", "per_sentence", "long_words", "lix", "change", "over", "new", "long", "none_long")}


def compare_pairs(views: list[VersionView], lang: str, in_force: str | None = None) -> dict[str, str]:
    """"from>to" -> the page (from the site root) where the site itself compares the two versions:
    each changes page, and each "what changes for you" page (the version in force -> an upcoming one).

    The compare page shows these comparisons as they are, so the words it marks are the words the
    changes pages mark; only pairs no page compares are compared in the browser."""
    pairs = {f"{v.previous}>{v.version}": f"{lang}/{v.version}/changes/"
             for v in views if v.record is not None and v.previous is not None}
    if in_force is not None:
        for v in views:  # a changes page that already compares the pair stays its page
            if v.status == "upcoming":
                pairs.setdefault(f"{in_force}>{v.version}", f"{lang}/{v.version}/{FOR_YOU}")
    return pairs


def compare_page(views: list[VersionView], ctx: SiteContext) -> Page:
    """/<lang>/compare/: any two versions, chosen by the reader; opens on the version in force against
    the newest (the comparison that matters to a reader today).

    Shareable as `compare/?from=1.0&to=2.0`; without JavaScript the form still lists the versions
    and links every changes page."""
    lang = ctx.lang
    url = f"{lang}/compare/"
    released = [v for v in views if v.record is not None]
    frags: dict[str, str] = {}

    def options(selected: str | None) -> str:
        return "".join(f'<option value="{html.escape(v.version)}"{" selected" if v.version == selected else ""}>'
                       f"{html.escape(v.version)} — {format_day(v.record.effective, lang)}</option>"  # type: ignore[union-attr]
                       for v in reversed(released))
    first, last = compare_defaults(released, ctx.in_force)
    labels = {k: t(lang, k) for k in ("compare.loading", "compare.same", "compare.failed", "sec.added", "sec.removed",
                                      "sec.changed", "ins_label", "del_label", "compare.against", "sec.retitled",
                                      "typography.only", "typography.also")}
    pairs = {k: rel(url, v) for k, v in compare_pairs(views, lang, ctx.in_force).items()}
    form = (f'<form class="policy-compare-form" method="get" action="./">'
            f'<label>{html.escape(t(lang, "compare.from"))} <select name="from">{options(first)}</select></label> '
            f'<label>{html.escape(t(lang, "compare.to"))} <select name="to">{options(last)}</select></label> '
            f'<button type="submit" class="{BUTTON_PRIMARY}">{html.escape(t(lang, "compare.go"))}</button></form>'
            f'<p class="policy-print">{html.escape(ctx.site_name)} · {html.escape(ctx.site_url + url)} · '
            f'{html.escape(t(lang, "printed"))} <span class="policy-print-date"></span></p>'
            f'<p class="policy-legend">{html.escape(t(lang, "legend"))}</p>'
            f'<div id="policy-compare" data-root="{html.escape(rel(url, ""))}" data-lang="{lang}" '
            f'data-from="{html.escape(first or "")}" data-to="{html.escape(last or "")}" '
            f'data-pairs="{html.escape(json.dumps(pairs, ensure_ascii=False))}" '
            f'data-labels="{html.escape(json.dumps(labels, ensure_ascii=False))}" aria-live="polite"></div>'
            f'<noscript><p>{html.escape(t(lang, "compare.noscript"))}</p></noscript>'
            f'<script src="{html.escape(rel(url, lang + "/assets/javascripts/vendor/diff-8.0.4.min.js")[:-1])}"></script>'
            f'<script src="{html.escape(rel(url, lang + "/assets/javascripts/compare.js")[:-1])}"></script>')
    nav = f'<nav class="policy-links">{_a(rel(url, lang + "/"), t(lang, "current"))} {_a(rel(url, f"{lang}/versions/"), t(lang, "archive"))} {_language_switch(ctx, url)}</nav>'
    intro = f'<p class="policy-compare-intro">{html.escape(t(lang, "compare.intro"))}</p>'
    body = fragment(frags, nav) + f"# {_md_escape(t(lang, 'compare.title'))}\n\n" + trusted_fragment(frags, intro + form)
    return _page("compare/", body, url, frags, t(lang, "compare.title"), ctx, search=False)


def compare_defaults(released: list[VersionView], in_force: str | None) -> tuple[str | None, str | None]:
    """The pair the compare page opens on: in force -> newest; when the newest is in force, the
    version before it -> the newest; before any is in force, the first -> the newest."""
    if not released:
        return None, None
    names = [v.version for v in released]
    newest = names[-1]
    if in_force in names and in_force != newest:
        return in_force, newest
    if in_force == newest and len(names) > 1:
        return names[-2], newest
    return names[0], newest


def archive_page(views: list[VersionView], ctx: SiteContext) -> Page:
    """Every version, newest first, with effective date, kind, status and summary."""
    lang = ctx.lang
    url = f"{lang}/versions/"
    rows = []
    for view in reversed(views):
        if view.record is None:
            continue
        status = view.status
        cell = lambda key, content: f'<td data-label="{html.escape(t(lang, key))}">{content}</td>'  # noqa: E731 - a card on phones
        rows.append(
            f'<tr data-version="{html.escape(view.version)}">'
            + cell("version", _a(rel(url, f"{lang}/{view.version}/"), view.version))
            + cell("effective", format_day(view.record.effective, lang))
            + cell("kind", kind_label(view, lang))
            + cell("status", f'<span class="policy-status policy-status--{status.replace(" ", "-")}" '
                             f'data-effective="{view.record.effective.isoformat()}">{t(lang, "status." + status)}</span>')
            + cell("summary", _summary_html(view.record, lang, view.source))
            + cell("changes", _a(rel(url, f"{lang}/{view.version}/changes/"), t(lang, "changes"))) + "</tr>")
    head = "".join(f'<th scope="col">{t(lang, k)}</th>' for k in ("version", "effective", "kind", "status", "summary", "changes"))
    table = f'<table class="policy-archive">\n<thead><tr>{head}</tr></thead>\n<tbody>\n' + "\n".join(rows) + "\n</tbody>\n</table>\n"
    frags: dict[str, str] = {}
    labels = html.escape(json.dumps({k: t(lang, "status." + k) for k in STATUSES}, ensure_ascii=False))
    nav = (f'<nav class="policy-links" data-root="{html.escape(rel(url, ""))}" data-labels="{labels}">'
           f'{_a(rel(url, lang + "/"), t(lang, "current"))} {_language_switch(ctx, url)}</nav>')
    data = (f'<p class="policy-data">{_a(relpath("policy-history.zip", url.rstrip("/")), t(lang, "download_history"), type="application/zip")}'
            f' · {_a(relpath("versions.json", url.rstrip("/")), "versions.json", type="application/json")}'
            f' · {_a(relpath(f"{lang}/feed.xml", url.rstrip("/")), t(lang, "feed_link"), type="application/atom+xml")}'
            f' ({html.escape(t(lang, "feed_human"))})'
            f' · {_a(rel(url, f"{lang}/compare/"), t(lang, "compare.title"))}</p>')
    body = (fragment(frags, nav) + f"# {_md_escape(t(lang, 'archive'))}\n\n{t(lang, 'archive_intro')}\n"
            + fragment(frags, data + table))
    return _page("versions/", body, url, frags, t(lang, "archive"), ctx, search=False)


def _summary_html(record: ReleaseRecord, lang: str, source: str) -> str:
    """A summary as the editors wrote it (a sentence or a short Markdown list), sanitised like the text;
    in the source language, marked so, where the release has none in this language."""
    if lang in record.summary:
        return f'<div class="policy-summary-text">{to_html(record.summary[lang].strip())}</div>'
    shown, shown_lang = record.summary_in(lang, source)
    return f'<div class="policy-summary-text" lang="{shown_lang}">{to_html(shown.strip())}</div>'


def no_version_page(ctx: SiteContext) -> Page:
    """/<lang>/ before any release is in force."""
    url = f"{ctx.lang}/"
    frags: dict[str, str] = {}
    body = f"# {_md_escape(t(ctx.lang, 'current'))}\n\n{t(ctx.lang, 'no_version_in_force')}\n" + fragment(frags, upcoming_notices(ctx, url) or "<p></p>")
    return _page("", body, url, frags, t(ctx.lang, "current"), ctx, search=False)
