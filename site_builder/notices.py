"""Release notices: MIME messages per language, and sending them over SMTP with a journal.

The only module that uses smtplib. A delivery journal (SQLite) is written before and after
every send, so a run stopped at any moment and started again sends the rest, nobody twice.
"""

from __future__ import annotations

import base64
import csv
import functools
import hashlib
import hmac
import html
import os
import queue
import re
import smtplib
import sqlite3
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import formatdate
from pathlib import Path

import click

from site_builder.compare.diffing import compare_snapshots
from site_builder.compare.render import heading, section_label
from site_builder.config import load_config
from site_builder.errors import PolicyError
from site_builder.i18n import format_day, t
from site_builder.markup import to_html
from site_builder.workspace import open_workspace, require_verified_releases

EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
URL_ROOM = 400  # bytes kept free on the line that receives the unsubscribe URL in 8bit bodies
UNSAFE = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]|=\?")  # control characters and encoded words


@dataclass(frozen=True)
class NoticeSettings:
    """Sender, reply address and unsubscribe links, from `extra.notices` in mkdocs.yml."""

    sender: str
    reply_to: str
    unsubscribe_url: str  # with {email} and {token}
    unsubscribe_mailto: str | None


@dataclass(frozen=True)
class Notice:
    """One language's notice: subject and both bodies, with `{unsubscribe}` left to fill per recipient."""

    lang: str
    version: str
    subject: str
    text: str
    html: str


def header_safe(value: str, what: str) -> str:
    """Refuse anything that could add a header: line breaks, control characters, encoded words."""
    if UNSAFE.search(value):
        raise PolicyError(f"{what} {value!r} contains a line break, control character or encoded word; header injection refused")
    return value


def settings(root: Path) -> NoticeSettings:
    """Read and check `extra.notices` of mkdocs.yml."""
    conf = load_config(root).notices
    missing = [k for k in ("sender", "unsubscribe_url") if getattr(conf, k) is None]
    if missing:
        raise PolicyError(f"mkdocs.yml: set {', '.join('extra.notices.' + k for k in missing)} (see README, 'Notices')")
    sender = header_safe(conf.sender or "", "extra.notices.sender")
    reply_to = header_safe(conf.reply_to or _address(sender), "extra.notices.reply_to")
    mailto = conf.unsubscribe_mailto
    return NoticeSettings(sender, reply_to, header_safe(conf.unsubscribe_url or "", "extra.notices.unsubscribe_url"),
                          header_safe(mailto, "extra.notices.unsubscribe_mailto") if mailto else None)


def _address(sender: str) -> str:
    match = re.search(r"<([^>]+)>", sender)
    return match.group(1) if match else sender.strip()


def build_notices(root: Path, version: str, site_url: str | None) -> tuple[list[Notice], NoticeSettings]:
    """The notice of a release in every language of the policy."""
    ws = open_workspace(root, include_uncommitted=False)
    require_verified_releases(ws, hint="no notice was written or sent")
    release = ws.release(version)
    if release is None:
        known = ", ".join(r.version for r in ws.releases) or "none yet"
        raise PolicyError(f"unknown release {version!r}; known versions: {known}")
    conf = settings(ws.root)
    base = load_config(ws.root).url(site_url)
    index = [r.version for r in ws.releases].index(version)
    new = ws.snapshot_of(release)
    old = ws.snapshot_of(ws.releases[index - 1]) if index else None
    notices = []
    for lang in new.languages:
        changes = compare_snapshots(old, new, lang, from_label=ws.releases[index - 1].version, to_label=version) if old else None
        notices.append(_notice(lang, release.record, new.titles.get(lang, new.titles["en"]), changes, base, conf))
    return notices, conf


def preview_html(root: Path, lang: str, record, title: str, changes, base: str) -> str:  # noqa: ANN001
    """The HTML notice a pending release would send, for the draft preview (marked as a preview)."""
    try:
        conf = settings(root)
    except PolicyError as exc:
        return f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><p>{html.escape(exc.format_message())}</p></html>\n'
    page = _notice(lang, record, title, changes, base, conf).html.replace("{unsubscribe}", "#")
    banner = f'<p style="background:#fdecea;padding:.5em">{html.escape(t(lang, "notice_preview_banner"))}</p>'
    return page.replace("<body>", "<body>" + banner, 1)


def _body_bytes(msg, subtype: str) -> bytes:  # noqa: ANN001 - an email.message.EmailMessage
    body = msg.get_body((subtype,))
    return body.get_content().encode("utf-8") if body is not None else b""


def _notice(lang, record, title, changes, base, conf) -> Notice:  # noqa: ANN001 - internal
    date = format_day(record.effective, lang)
    changes_url = f"{base}{lang}/{record.version}/changes/"
    lines = [t(lang, "notice.greeting"), "", record.summary.get(lang, record.summary["en"]).strip(), "",
             t(lang, "notice.effective", version=record.version, date=date),
             t(lang, f"notice.{record.kind}", date=date), ""]
    parts = [f"<p>{html.escape(t(lang, 'notice.greeting'))}</p>", to_html(record.summary.get(lang, record.summary["en"])),
             f"<p><strong>{html.escape(t(lang, 'notice.effective', version=record.version, date=date))}</strong></p>",
             f"<p>{html.escape(t(lang, f'notice.{record.kind}', date=date))}</p>"]
    touched = changes.touched if changes else ()
    if touched:
        lines.append(t(lang, "notice.changed_sections") + ":")
        parts.append(f"<h2>{html.escape(t(lang, 'notice.changed_sections'))}</h2><ul>")
        for sec in touched:
            link = f"{changes_url}#{sec.id}"
            lines.append(f"- {heading(sec)} ({section_label(sec, lang)}): {link}")
            parts.append(f'<li><a href="{html.escape(link)}">{html.escape(heading(sec))}</a> — {html.escape(section_label(sec, lang))}</li>')
        parts.append("</ul>")
        lines.append("")
    full = f"{base}{lang}/{record.version}/"
    lines += [f"{t(lang, 'notice.all_changes')}: {changes_url}", f"{t(lang, 'notice.full_text', version=record.version)}: {full}", "",
              t(lang, "notice.questions", reply_to=conf.reply_to), "", "-- ", t(lang, "notice.unsubscribe", url="{unsubscribe}")]
    parts += [f'<p><a href="{html.escape(changes_url)}">{html.escape(t(lang, "notice.all_changes"))}</a><br>'
              f'<a href="{html.escape(full)}">{html.escape(t(lang, "notice.full_text", version=record.version))}</a></p>',
              f"<p>{html.escape(t(lang, 'notice.questions', reply_to=conf.reply_to))}</p>",
              f'<hr><p style="font-size:small;color:#555">{html.escape(t(lang, "notice.unsubscribe", url=""))}'
              f'<a href="{{unsubscribe}}">{html.escape(t(lang, "notice.unsubscribe_link"))}</a></p>']
    page = f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head><body>' + "".join(parts) + "</body></html>\n"
    subject = t(lang, "notice.subject", title=title, version=record.version, date=date)
    return Notice(lang, record.version, header_safe(subject, "subject"), "\n".join(lines) + "\n", page)


# --- messages --------------------------------------------------------------------------


def unsubscribe_token(email: str) -> str:
    """Per-recipient token: an HMAC with $POLICY_UNSUBSCRIBE_SECRET, so links cannot be forged."""
    secret = os.environ.get("POLICY_UNSUBSCRIBE_SECRET", "")
    return hmac.new(secret.encode(), email.lower().encode(), hashlib.sha256).hexdigest()[:32]


def message_id(version: str, email: str, sender: str) -> str:
    """Fixed per (release, recipient): a resend after a crash is recognisable as the same message."""
    domain = _address(sender).rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(f"{version}\0{email.lower()}".encode()).hexdigest()[:32]
    return f"<policy-{version}-{digest}@{domain}>"


@functools.lru_cache(maxsize=64)
def _fixed_headers(notice: Notice, conf: NoticeSettings) -> bytes:
    """Subject, From, Reply-To folded and encoded once per language (the costly part of a message)."""
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = notice.subject
    msg["From"] = conf.sender
    msg["Reply-To"] = conf.reply_to
    return msg.as_bytes().split(b"\r\n\r\n", 1)[0] + b"\r\n"


@functools.lru_cache(maxsize=64)
def _encoded_head(subtype: str, template: str) -> tuple[bytes, bytes, bytes]:
    """Base64 of a body up to its per-recipient placeholder, cut at a whole line (57 bytes), once."""
    before, _, after = template.partition("{unsubscribe}")
    raw = before.encode("utf-8")
    cut = len(raw) - len(raw) % 57
    head = (f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n').encode()
    return head + base64.encodebytes(raw[:cut]).replace(b"\n", b"\r\n"), raw[cut:], after.encode("utf-8")


def _part(subtype: str, template: str, value: str, eight_bit: bool) -> bytes:
    """A text part whose `{unsubscribe}` placeholder is filled for one recipient.

    8bit (when the server offers 8BITMIME) keeps lines long and few: the receiving side
    handles a message line by line, and base64 has five times as many lines.
    """
    if eight_bit and len(value.encode("utf-8")) <= URL_ROOM - 20:
        plain = f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
        return (plain + _short_lines(template).replace("{unsubscribe}", value)).encode("utf-8")
    head, rest, after = _encoded_head(subtype, template)
    return head + base64.encodebytes(rest + value.encode("utf-8") + after).replace(b"\n", b"\r\n")


@functools.lru_cache(maxsize=64)
def _short_lines(text: str) -> str:
    """CRLF lines of at most 998 octets (RFC 5322), broken at spaces."""
    out = []
    for line in text.split("\n"):
        limit = 990 - (URL_ROOM if "{unsubscribe}" in line else 0)  # the URL is filled in later
        while len(line.encode("utf-8")) > limit:
            fits = len(line.encode("utf-8")[:limit].decode("utf-8", "ignore"))  # characters in `limit` bytes
            cut = line.rfind(" ", 0, fits)
            if cut <= 0:
                out.append(line[:fits])
                line = line[fits:]
                continue
            out.append(line[:cut])
            line = line[cut + 1:]
        out.append(line)
    return "\r\n".join(out)


def render(notice: Notice, conf: NoticeSettings, email: str | None, *, date: str | None = None, eight_bit: bool = False) -> bytes:
    """The complete MIME message as bytes: multipart/alternative, plain text and HTML, UTF-8.

    Written directly (headers for this recipient, bodies in base64) because building an
    EmailMessage per recipient costs more than sending it.
    """
    if email:
        header_safe(email, "recipient")
        url = conf.unsubscribe_url.format(email=email, token=unsubscribe_token(email))
        mid = message_id(notice.version, email, conf.sender)
    else:
        url = conf.unsubscribe_url.format(email="", token="")
        mid = message_id(notice.version, f"preview-{notice.lang}", conf.sender)
    boundary = "=_policy_" + hashlib.sha256(mid.encode()).hexdigest()[:24]
    head = [f"Date: {date or formatdate(localtime=False, usegmt=True)}", f"Message-ID: {mid}"]
    if email:
        links = [f"<{url}>"] + ([f"<mailto:{conf.unsubscribe_mailto}?subject=unsubscribe>"] if conf.unsubscribe_mailto else [])
        head += [f"To: {email}", "List-Unsubscribe: " + ",\r\n ".join(links), "List-Unsubscribe-Post: List-Unsubscribe=One-Click"]
    head += ["MIME-Version: 1.0", f"Content-Language: {notice.lang}",
             f'Content-Type: multipart/alternative; boundary="{boundary}"']
    if email:
        header_safe(url, "unsubscribe URL")
    sep = f"\r\n--{boundary}\r\n".encode()
    return (_fixed_headers(notice, conf) + "\r\n".join(head).encode() + b"\r\n" + sep
            + _part("plain", notice.text, url, eight_bit) + sep
            + _part("html", notice.html, html.escape(url), eight_bit)
            + f"\r\n--{boundary}--\r\n".encode())


def write_notice(root: Path, *, version: str, out: Path | None, site_url: str | None) -> list[Path]:
    """`policy notify VERSION`: <lang>.eml with both bodies beside it to preview."""
    notices, conf = build_notices(Path(root), version, site_url)
    folder = Path(out or Path(root) / "notices" / version)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for notice in notices:
        raw = render(notice, conf, None)
        msg = message_from_bytes(raw, policy=default)
        for name, data in ((f"{notice.lang}.eml", raw),
                           (f"{notice.lang}.txt", _body_bytes(msg, "plain")),
                           (f"{notice.lang}.html", _body_bytes(msg, "html"))):
            (folder / name).write_bytes(data)
            written.append(folder / name)
    return written


# --- sending ---------------------------------------------------------------------------


@dataclass
class SendReport:
    """What a `--send` run did."""

    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    bad_rows: int = 0
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Recipient:
    email: str
    lang: str
    line: int


class Journal:
    """SQLite record of every delivery, keyed by release and recipient."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS deliveries (release TEXT, email TEXT, status TEXT, message_id TEXT,"
                        " attempts INTEGER DEFAULT 0, detail TEXT, updated REAL, PRIMARY KEY (release, email))")

    def claim(self, release: str, email: str, message: str) -> bool:
        """Mark a recipient `sending` unless already `sent`; False when it was sent before (one statement)."""
        cursor = self.db.execute(
            "INSERT INTO deliveries (release, email, status, message_id, attempts, detail, updated) VALUES (?,?,'sending',?,1,'',?)"
            " ON CONFLICT(release, email) DO UPDATE SET status='sending', attempts=attempts + 1, updated=excluded.updated"
            " WHERE deliveries.status != 'sent'", (release, email.lower(), message, time.time()))
        return cursor.rowcount == 1

    def mark(self, release: str, email: str, status: str, detail: str = "") -> None:
        """The outcome (`sent` / `failed`), written once the server answered."""
        self.db.execute("UPDATE deliveries SET status=?, detail=?, updated=? WHERE release=? AND email=?",
                        (status, detail, time.time(), release, email.lower()))

    def close(self) -> None:
        self.db.close()


def read_recipients(path: Path, languages: tuple[str, ...], report: SendReport, quiet: bool) -> Iterator[Recipient]:
    """Stream `email,language` rows; bad rows are reported with their line number and skipped."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise PolicyError(f"cannot read recipients {path}: {exc.strerror}") from None
    with handle:
        reader = csv.reader(handle)
        seen: set[str] = set()
        for row in reader:
            line = reader.line_num
            if line == 1 and row and row[0].strip().lower() == "email":
                continue
            if not row or not any(cell.strip() for cell in row):
                continue
            email = row[0].strip()
            lang = (row[1].strip().lower() if len(row) > 1 else "") or "en"
            if not EMAIL.match(email) or UNSAFE.search(",".join(row)):
                report.bad_rows += 1
                click.echo(f"{path}:{line}: skipped: {email!r} is not a valid e-mail address", err=True)
                continue
            if email.lower() in seen:
                continue
            seen.add(email.lower())
            if lang not in languages:
                if not quiet:
                    click.echo(f"{path}:{line}: warning: unknown language {lang!r} for {email}; sending in English", err=True)
                lang = "en"
            yield Recipient(email, lang, line)


class Mailer:
    """One SMTP connection, reused; reconnects and retries temporary failures with backoff."""

    def __init__(self, address: str, *, starttls: bool, use_ssl: bool, user: str | None, timeout: float = 30,
                 attempts: int = 5, backoff: float = 1.0) -> None:
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise PolicyError(f"--smtp {address!r} must be HOST:PORT, like smtp.example.com:587")
        self.host, self.port = host, int(port)
        self.starttls, self.use_ssl, self.user = starttls, use_ssl, user
        self.timeout, self.attempts, self.backoff = timeout, attempts, backoff
        self.conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()  # verifies certificates; smtplib's default does not
        conn: smtplib.SMTP
        if self.use_ssl:
            conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                conn.starttls(context=context)
        if self.user:
            conn.login(self.user, os.environ.get("POLICY_SMTP_PASSWORD", ""))
        return conn

    def eight_bit(self) -> bool:
        """Whether the server takes 8bit bodies (8BITMIME); connects if needed."""
        for attempt in range(self.attempts):
            try:
                if self.conn is None:
                    self.conn = self._connect()
                    self.conn.ehlo_or_helo_if_needed()
                return self.conn.has_extn("8bitmime")
            except (smtplib.SMTPException, OSError) as exc:
                if isinstance(exc, ssl.SSLCertVerificationError):
                    raise PolicyError(f"TLS certificate of {self.host} not trusted: {exc.verify_message}") from None
                self.conn = None
                time.sleep(self.backoff * (2 ** attempt))
        raise PolicyError(f"cannot connect to the SMTP server {self.host}:{self.port}; check --smtp and that the server runs")

    def send(self, msg: bytes, sender: str, rcpt: str) -> tuple[bool, str]:
        """(True, "") when accepted; (False, reason) when refused for good or after every retry."""
        reason = ""
        for attempt in range(self.attempts):
            try:
                if self.conn is None:
                    self.conn = self._connect()
                options = ["BODY=8BITMIME"] if b"Content-Transfer-Encoding: 8bit" in msg[:4096] else []
                refused = self.conn.sendmail(sender, [rcpt], msg, mail_options=options)
                if refused:
                    code, text = next(iter(refused.values()))
                    if 400 <= code < 500:
                        raise smtplib.SMTPResponseException(code, text)
                    return False, f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
                return True, ""
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = next(iter(exc.recipients.values()))
                reason = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
                if not 400 <= code < 500:
                    return False, reason
            except smtplib.SMTPResponseException as exc:
                reason = f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace') if isinstance(exc.smtp_error, bytes) else exc.smtp_error}"
                if not 400 <= exc.smtp_code < 500:
                    self._reset()
                    return False, reason
                self._reset()
            except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
                reason = f"connection: {exc}"
                self.conn = None
                if isinstance(exc, ssl.SSLCertVerificationError):
                    raise PolicyError(f"TLS certificate of {self.host} not trusted: {exc.verify_message}") from None
            time.sleep(self.backoff * (2 ** attempt))
        return False, f"temporary failure, gave up after {self.attempts} attempts: {reason}"

    def _reset(self) -> None:
        try:
            if self.conn is not None:
                self.conn.rset()
        except (smtplib.SMTPException, OSError):
            self.conn = None

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.conn = None


def send_notice(root: Path, *, version: str, recipients: Path, smtp: str | None, site_url: str | None = None,
                starttls: bool = False, use_ssl: bool = False, user: str | None = None, journal: Path | None = None,
                dry_run: bool = False, quiet: bool = False, backoff: float = 1.0) -> SendReport:
    """`policy notify VERSION --send`: one message per recipient, in their language, each once."""
    if not Path(recipients).is_file():
        raise PolicyError(f"recipients file {recipients} does not exist; give a CSV with email,language rows")
    notices, conf = build_notices(Path(root), version, site_url)
    by_lang = {n.lang: n for n in notices}
    report = SendReport()
    people = read_recipients(recipients, tuple(by_lang), report, quiet)
    started = time.monotonic()
    if dry_run:
        for person in people:
            report.sent += 1
            if not quiet:
                click.echo(f"would send {person.lang} notice to {person.email}", err=True)
    else:
        store = Journal(Path(journal or Path(root) / "notices" / "deliveries.sqlite"))
        mailer = Mailer(smtp or "", starttls=starttls, use_ssl=use_ssl, user=user, backoff=backoff)
        try:
            _send_all(people, by_lang, conf, store, mailer, report, quiet, started)
        finally:
            mailer.close()
            store.close()
    if not quiet or report.failed:
        verb = "would send" if dry_run else "sent"
        click.echo(f"Done: {verb} {report.sent}, already sent {report.already_sent}, failed {report.failed}, "
                   f"bad rows {report.bad_rows} in {time.monotonic() - started:.1f}s", err=True)
    for failure in report.failures:
        click.echo(f"failed: {failure}", err=True)
    return report


@dataclass(frozen=True)
class _Outgoing:
    person: Recipient
    version: str
    message_id: str
    data: bytes


def _send_all(people: Iterator[Recipient], by_lang: dict[str, Notice], conf: NoticeSettings, store: Journal,
              mailer: Mailer, report: SendReport, quiet: bool, started: float) -> None:
    """Prepare messages while an SMTP thread sends them, one at a time on one connection.

    Journal order per message: `sending` before it is queued, `sent`/`failed` by the SMTP
    thread as soon as the server answered and before it takes the next one, so a kill leaves
    at most the one message in flight delivered but unrecorded.
    """
    sender = _address(conf.sender)
    eight_bit = mailer.eight_bit()
    outbox: queue.Queue[_Outgoing | None] = queue.Queue(maxsize=4)
    errors: list[BaseException] = []
    worker = threading.Thread(target=_smtp_loop, args=(outbox, mailer, sender, store.path, report, errors), daemon=True)
    worker.start()
    try:
        for count, person in enumerate(people, start=1):
            out = _prepare(person, by_lang[person.lang], conf, store, report, eight_bit)
            while out is not None and not errors:
                try:
                    outbox.put(out, timeout=0.5)
                    break
                except queue.Full:
                    continue
            if errors:
                break
            if not quiet and count % 1000 == 0:
                click.echo(f"  {count} recipients: {report.sent} sent, {report.already_sent} already sent, {report.failed} failed "
                           f"({count / (time.monotonic() - started):.0f}/s)", err=True)
    finally:
        outbox.put(None)
        worker.join()
    if errors:
        raise errors[0]


def _smtp_loop(outbox: queue.Queue[_Outgoing | None], mailer: Mailer, sender: str, journal: Path,
               report: SendReport, errors: list[BaseException]) -> None:
    """The SMTP thread: send each queued message and record its outcome at once."""
    store = Journal(journal)
    try:
        while (out := outbox.get()) is not None:
            if errors:
                continue
            try:
                ok, reason = mailer.send(out.data, sender, out.person.email)
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                errors.append(exc)
                continue
            store.mark(out.version, out.person.email, "sent" if ok else "failed", reason)
            if ok:
                report.sent += 1
            else:
                report.failed += 1
                report.failures.append(f"{out.person.email} (line {out.person.line}): {reason}")
    finally:
        store.close()


def _prepare(person: Recipient, notice: Notice, conf: NoticeSettings, store: Journal, report: SendReport,
             eight_bit: bool) -> _Outgoing | None:
    mid = message_id(notice.version, person.email, conf.sender)
    if not store.claim(notice.version, person.email, mid):
        report.already_sent += 1
        return None
    return _Outgoing(person, notice.version, mid, render(notice, conf, person.email, eight_bit=eight_bit))
