"""The words of a notice: subject, plain text and a readable HTML body, per language."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from site_builder.compare.diffing import Changes, compare_snapshots
from site_builder.compare.render import heading, prevailing_words, section_label
from site_builder.config import address_of, load_config
from site_builder.errors import PolicyError
from site_builder.i18n import format_day, t
from site_builder.mailbox import UNSAFE, parse_mailbox
from site_builder.markup import to_html
from site_builder.source.models import FOR_YOU, ReleaseRecord, replaced_on_arrival
from site_builder.source.workspace import open_workspace, require_verified_releases

_LINK = "\x00"  # where our own footer sentence takes the link; never in editors' text, which is not cut at it


@dataclass(frozen=True)
class NoticeSettings:
    """Sender, reply address and unsubscribe routes, from `extra.notices` in mkdocs.yml."""

    sender: str  # as configured; its parts below
    reply_to: str
    unsubscribe_url: str | None  # https://... with {email} and {token}: the one-click endpoint
    unsubscribe_mailto: str  # always there: works with no server at all
    company: str
    sender_name: str = ""
    sender_addr: str = ""

    @property
    def needs_secret(self) -> bool:
        return bool(self.unsubscribe_url) and "{token}" in (self.unsubscribe_url or "")


@dataclass(frozen=True)
class Notice:
    """One language's notice: subject and both bodies, each cut where the recipient's link goes.

    The cut is made by structure (the footer is composed apart from the editors' text), so a
    `{unsubscribe}` or any other braces in a summary stay the text they are.
    """

    lang: str
    version: str
    subject: str
    text_parts: tuple[str, str]
    html_parts: tuple[str, str]

    def text(self, link: str) -> str:
        return self.text_parts[0] + link + self.text_parts[1]

    def html(self, link: str) -> str:
        """`link` is HTML-escaped here."""
        return self.html_parts[0] + html.escape(link) + self.html_parts[1]


def header_safe(value: str, what: str) -> str:
    """Refuse anything that could add a header: line breaks, control characters, encoded words."""
    if UNSAFE.search(value):
        raise PolicyError(f"{what} {value[:80]!r} contains a line break, control character or encoded word; header injection refused")
    return value


def settings(root: Path) -> NoticeSettings:
    """Read and check `extra.notices` of mkdocs.yml."""
    config = load_config(root)
    conf = config.notices
    if conf.sender is None:
        raise PolicyError("mkdocs.yml: set extra.notices.sender, like \"Company S.A. <privacy@example.com>\" (see README, 'Notices')")
    name, addr = parse_mailbox(conf.sender)  # checked when mkdocs.yml was read
    reply_to = address_of(conf.reply_to) if conf.reply_to else addr
    mailto = address_of(conf.unsubscribe_mailto) if conf.unsubscribe_mailto else reply_to
    company = name or config.site_name or addr
    return NoticeSettings(conf.sender, reply_to, conf.unsubscribe_url, mailto, company, name, addr)


def build_notices(root: Path, version: str, site_url: str | None) -> tuple[list[Notice], NoticeSettings]:
    """The notice of a release in every language of the policy (releases verified first)."""
    ws = open_workspace(root, include_uncommitted=False, advice=False)
    require_verified_releases(ws, hint="no notice was written or sent")
    release = ws.release(version)
    if release is None:
        known = ", ".join(r.version for r in ws.releases) or "none yet"
        raise PolicyError(f"unknown release {version[:40]!r}; known versions: {known}")
    conf = settings(ws.root)
    base = load_config(ws.root).url(site_url)
    index = [r.version for r in ws.releases].index(version)
    new = ws.snapshot_of(release)
    old = ws.snapshot_of(ws.releases[index - 1]) if index else None
    notices = []
    for_you = replaced_on_arrival(list(ws.releases), version)  # what its readers have until it takes effect
    for lang in new.languages:
        changes = compare_snapshots(old, new, lang, from_label=ws.releases[index - 1].version, to_label=version) if old else None
        notices.append(compose(lang, release.record, new.titles.get(lang) or new.titles[new.source], changes, base, conf,
                               new.prevailing, for_you, new.languages))
    return notices, conf


def preview_html(root: Path, lang: str, record: ReleaseRecord, title: str, changes: Changes | None, base: str,
                 prevailing: str | None = None, languages: tuple[str, ...] = ()) -> str:
    """The HTML notice a pending release would send, for the draft preview (marked as a preview)."""
    try:
        conf = settings(root)
    except PolicyError as exc:
        return f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><p>{html.escape(exc.format_message())}</p></html>\n'
    page = compose(lang, record, title, changes, base, conf, prevailing, languages=languages).html("#")
    banner = f'<p style="background:#fdecea;padding:.5em;margin:0">{html.escape(t(lang, "notice_preview_banner"))}</p>'
    return page.replace("<body", "<body data-preview", 1).replace("<!--banner-->", banner, 1)


def compose(lang: str, record: ReleaseRecord, title: str, changes: Changes | None, base: str,
            conf: NoticeSettings, prevailing: str | None = None, for_you: str | None = None,
            languages: tuple[str, ...] = ()) -> Notice:
    """Subject, plain text and HTML of one language's notice; `for_you`: the version in force until this
    one takes effect, whose comparison with it ("what changes for you") the notice links."""
    date = format_day(record.effective, lang)
    changes_url = f"{base}{lang}/{record.version}/changes/"
    full = f"{base}{lang}/{record.version}/"
    yours = (t(lang, "notice.for_you", from_version=for_you, version=record.version), f"{full}{FOR_YOU}") if for_you else None
    summary = _lines(record.summary_in(lang, next(iter(record.summary), lang))[0])
    touched = changes.touched if changes else ()
    note = prevailing_words(lang, prevailing, languages) if prevailing else ""
    text = _text(lang, record, date, summary, touched, changes_url, full, conf, note, yours)
    page = _html(lang, record, title, date, summary, touched, changes_url, full, conf, note, yours)
    subject = t(lang, "notice.subject", title=title, version=record.version, date=date)
    return Notice(lang, record.version, header_safe(subject, "subject"), text, page)


def _lines(text: str) -> str:
    """Every line break as \\n: a lone CR would reach the SMTP stream as a bare CR (a smuggling shape)."""
    return re.sub(r"\r\n?|[\u0085\u2028\u2029]", "\n", text)


def _cut(footer: str) -> tuple[str, str]:
    """Our footer sentence around the link: formatted with a mark, cut there (editors' text is never cut)."""
    before, mark, after = footer.partition(_LINK)
    assert mark, "the footer template has no {url}"
    return before, after


def _text(lang, record, date, summary, touched, changes_url, full, conf, note, yours) -> tuple[str, str]:  # noqa: ANN001
    lines = [conf.company, "", t(lang, "notice.greeting"), "", t(lang, "notice.effective", version=record.version, date=date), "",
             summary.strip(), "", t(lang, f"notice.{record.kind}", date=date), ""]
    if touched:
        lines.append(t(lang, "labelled", label=t(lang, "notice.changed_sections"), value="").rstrip())
        lines += [t(lang, "labelled", label=f"- {heading(sec)} ({section_label(sec, lang)})", value=f"{changes_url}#{sec.id}")
                  for sec in touched]
        lines.append("")
    lines += [*([t(lang, "labelled", label=yours[0], value=yours[1])] if yours else []),
              t(lang, "labelled", label=t(lang, "notice.all_changes"), value=changes_url),
              t(lang, "labelled", label=t(lang, "notice.full_text", version=record.version), value=full), "",
              *([note, ""] if note else []),
              t(lang, "notice.questions", reply_to=conf.reply_to), "", "-- "]
    before, after = _cut(t(lang, "notice.unsubscribe", url=_LINK))
    return "\n".join(lines) + "\n" + before, after + "\n"


_FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,'Helvetica Neue',Arial,'Noto Sans',sans-serif"


def _html(lang, record, title, date, summary, touched, changes_url, full, conf, note, yours) -> tuple[str, str]:  # noqa: ANN001
    esc = html.escape
    items = "".join(f'<li style="margin:0 0 6px"><a href="{esc(changes_url)}#{esc(sec.id)}" style="color:#1a4fa0">'
                    f"{esc(heading(sec))}</a> <span style=\"color:#555\">— {esc(section_label(sec, lang))}</span></li>"
                    for sec in touched)
    changed = (f'<h2 style="font-size:17px;margin:24px 0 8px">{esc(t(lang, "notice.changed_sections"))}</h2>'
               f'<ul style="padding-left:20px;margin:0">{items}</ul>') if touched else ""
    button = ("display:inline-block;background:#1a4fa0;color:#ffffff;text-decoration:none;padding:10px 16px;"
              "border-radius:4px;margin:4px 8px 4px 0;font-weight:600")
    head = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)}</title></head>"
        f'<body style="margin:0;padding:0;background:#f3f4f6;font-family:{_FONT};color:#1f2328;font-size:16px;line-height:1.5">'
        "<!--banner-->"
        '<div style="max-width:600px;margin:0 auto;padding:16px">'
        f'<div style="background:#ffffff;border-radius:6px;padding:24px;border:1px solid #e1e4e8">'
        f'<p style="margin:0 0 16px;font-weight:700;font-size:15px;letter-spacing:.02em;color:#1a4fa0">{esc(conf.company)}</p>'
        f'<h1 style="font-size:22px;line-height:1.3;margin:0 0 12px">{esc(t(lang, "notice.greeting"))}</h1>'
        f'<p style="background:#fff4d6;border-left:4px solid #f0a500;padding:10px 12px;margin:0 0 16px;font-size:17px">'
        f'<strong>{esc(t(lang, "notice.effective", version=record.version, date=date))}</strong></p>'
        f"<div>{to_html(summary)}</div>"
        f'<p style="color:#444">{esc(t(lang, f"notice.{record.kind}", date=date))}</p>'
        f"{changed}"
        + (f'<p style="margin:24px 0 8px"><a href="{esc(yours[1])}" style="{button}">{esc(yours[0])}</a></p>' if yours else "")
        + f'<p style="margin:24px 0 8px"><a href="{esc(changes_url)}" style="{button}">{esc(t(lang, "notice.all_changes"))}</a>'
        f'<a href="{esc(full)}" style="{button};background:#ffffff;color:#1a4fa0;border:1px solid #1a4fa0">'
        f'{esc(t(lang, "notice.full_text", version=record.version))}</a></p>'
        f'<p style="color:#444">{esc(t(lang, "notice.questions", reply_to=conf.reply_to))}</p>'
        + (f'<p style="color:#555;font-size:14px">{esc(note)}</p>' if note else "")
        + "</div>"
        f'<p style="font-size:13px;color:#555;padding:12px 8px;margin:0">{esc(t(lang, "notice.unsubscribe", url=""))}'
        '<a href="')
    return head, (f'" style="color:#1a4fa0">{esc(t(lang, "notice.unsubscribe_link"))}</a></p>'
                  "</div></body></html>\n")
