"""A notice as a MIME message for one recipient: headers, unsubscribe routes, both bodies.

Written directly, not through EmailMessage per recipient: the shared part of each body is
encoded once per language, which keeps sending above 500 messages a second.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import html
import os
import re
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from urllib.parse import quote

from site_builder.errors import PolicyError
from site_builder.i18n import t
from site_builder.mailbox import address_problem, mailbox_header
from site_builder.notify.compose import Notice, NoticeSettings, header_safe

URL_ROOM = 400  # bytes kept free on the line that receives the unsubscribe URL in 8bit bodies
SECRET_ENV = "POLICY_UNSUBSCRIBE_SECRET"


def secret() -> str:
    """The key of unsubscribe tokens; without it anyone could unsubscribe anyone."""
    value = os.environ.get(SECRET_ENV, "")
    if len(value) < 16:
        raise PolicyError(f"${SECRET_ENV} is not set (or shorter than 16 characters): the https unsubscribe links carry a token "
                          f"signed with it; set it to a long random value, the same for `policy unsubscribe-app`")
    return value


def unsubscribe_token(email: str, key: str) -> str:
    """Per-recipient token: an HMAC of the address, so links cannot be forged."""
    return hmac.new(key.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


def mailto_link(conf: NoticeSettings, email: str, lang: str = "en") -> str:
    """An unsubscribe request by e-mail: works with no server at all. Its subject is the notice
    language's word for it, the one the notice and the /unsubscribe/ page use."""
    return f"mailto:{conf.unsubscribe_mailto}?subject={quote(t(lang, 'unsub.keyword') + ' ' + email, safe='')}"


def unsubscribe_links(conf: NoticeSettings, email: str, key: str | None, lang: str = "en") -> tuple[str, list[str]]:
    """(the link in the body, the List-Unsubscribe targets), with the address URL-encoded."""
    mailto = mailto_link(conf, email, lang)
    if conf.unsubscribe_url and key:
        url = conf.unsubscribe_url.format(email=quote(email, safe=""), token=unsubscribe_token(email, key))
        return url, [url, mailto]
    return mailto, [mailto]


def message_id(version: str, email: str, sender: str) -> str:
    """Fixed per (release, recipient): a resend is recognisable as the same message."""
    domain = sender.rpartition("@")[2] or "localhost"  # the sender's address alone: no name, no comment
    digest = hashlib.sha256(f"{version}\0{email.lower()}".encode()).hexdigest()[:32]
    return f"<policy-{version}-{digest}@{domain}>"


@functools.lru_cache(maxsize=64)
def _fixed_headers(notice: Notice, conf: NoticeSettings) -> bytes:
    """Subject, From, Reply-To folded and encoded once per language (the costly part of a message)."""
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = notice.subject
    msg["From"] = mailbox_header(conf.sender_name, conf.sender_addr)  # a name is quoted or RFC 2047-encoded
    msg["Reply-To"] = mailbox_header("", conf.reply_to)
    return msg.as_bytes().split(b"\r\n\r\n", 1)[0] + b"\r\n"


@functools.lru_cache(maxsize=64)
def _encoded_head(subtype: str, parts: tuple[str, str]) -> tuple[bytes, bytes, bytes]:
    """Base64 of a body up to its per-recipient link, cut at a whole line (57 bytes), once."""
    before, after = (_crlf(part) for part in parts)
    raw = before.encode("utf-8")
    cut = len(raw) - len(raw) % 57
    head = (f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n').encode()
    return head + base64.encodebytes(raw[:cut]).replace(b"\n", b"\r\n"), raw[cut:], after.encode("utf-8")


def _part(subtype: str, parts: tuple[str, str], value: str, eight_bit: bool) -> bytes:
    """A text part with the recipient's link (`value`, a URL without line breaks) between its two parts.

    8bit (when the server offers 8BITMIME) keeps lines long and few: the receiving side
    handles a message line by line, and base64 has five times as many lines.
    """
    if eight_bit and len(value.encode("utf-8")) <= URL_ROOM - 20:
        plain = f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
        before, after = _short_lines(parts)
        return (plain + before + value + after).encode("utf-8")
    head, rest, after_raw = _encoded_head(subtype, parts)
    return head + base64.encodebytes(rest + value.encode("utf-8") + after_raw).replace(b"\n", b"\r\n")


_BREAK = re.compile(r"\r\n|\r|\n")  # every line break, so that none reaches the wire bare


def _crlf(text: str) -> str:
    return _BREAK.sub("\r\n", text)


@functools.lru_cache(maxsize=64)
def _short_lines(parts: tuple[str, str]) -> tuple[str, str]:
    """Both parts as CRLF lines of at most 998 octets (RFC 5322), broken at spaces; the line
    where the link goes keeps URL_ROOM bytes free for it."""
    before, after = (_BREAK.split(part) for part in parts)
    joint = len(after[0].encode("utf-8")) + URL_ROOM
    head = [piece for i, line in enumerate(before) for piece in _wrap(line, 990 - (joint if i == len(before) - 1 else 0))]
    tail = [after[0], *(piece for line in after[1:] for piece in _wrap(line, 990))]
    return "\r\n".join(head), "\r\n".join(tail)


def _wrap(line: str, limit: int) -> list[str]:
    """One line as pieces of at most `limit` bytes, cut at spaces where there are any."""
    out = []
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
    return out


def render(notice: Notice, conf: NoticeSettings, email: str | None, *, key: str | None = None, date: str | None = None,
           eight_bit: bool = False) -> bytes:
    """The complete MIME message: multipart/alternative, plain text and HTML, UTF-8.

    With `email`: addressed to that recipient, with List-Unsubscribe (a mailto that needs no
    server; the https one-click endpoint too when configured and `key` is given). Without:
    a preview, its unsubscribe link the mailto.
    """
    target = email or ""
    if email and address_problem(email):  # the recipients file was checked with the same function
        raise PolicyError(f"recipient {email[:80]!r} {address_problem(email)}")
    link, routes = unsubscribe_links(conf, target, key, notice.lang)
    mid = message_id(notice.version, email or f"preview-{notice.lang}", conf.sender_addr)
    boundary = "=_policy_" + hashlib.sha256(mid.encode()).hexdigest()[:24]
    head = [f"Date: {date or formatdate(localtime=False, usegmt=True)}", f"Message-ID: {mid}"]
    if email:
        head += [f"To: {email}", "List-Unsubscribe: " + ",\r\n ".join(f"<{header_safe(r, 'unsubscribe link')}>" for r in routes)]
        if routes[0].startswith("https://"):
            head.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")  # RFC 8058: only for an https route
    head += ["MIME-Version: 1.0", f"Content-Language: {notice.lang}",
             f'Content-Type: multipart/alternative; boundary="{boundary}"']
    sep = f"\r\n--{boundary}\r\n".encode()
    return (_fixed_headers(notice, conf) + "\r\n".join(head).encode() + b"\r\n" + sep
            + _part("plain", notice.text_parts, link, eight_bit) + sep
            + _part("html", notice.html_parts, html.escape(link), eight_bit)
            + f"\r\n--{boundary}--\r\n".encode())
