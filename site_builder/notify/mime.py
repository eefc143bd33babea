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
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from urllib.parse import quote

from site_builder.errors import PolicyError
from site_builder.notify.compose import UNSUBSCRIBE, Notice, NoticeSettings, address_of, header_safe

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


def mailto_link(conf: NoticeSettings, email: str) -> str:
    """An unsubscribe request by e-mail: works with no server at all."""
    return f"mailto:{conf.unsubscribe_mailto}?subject={quote('unsubscribe ' + email, safe='')}"


def unsubscribe_links(conf: NoticeSettings, email: str, key: str | None) -> tuple[str, list[str]]:
    """(the link in the body, the List-Unsubscribe targets), with the address URL-encoded."""
    mailto = mailto_link(conf, email)
    if conf.unsubscribe_url and key:
        url = conf.unsubscribe_url.format(email=quote(email, safe=""), token=unsubscribe_token(email, key))
        return url, [url, mailto]
    return mailto, [mailto]


def message_id(version: str, email: str, sender: str) -> str:
    """Fixed per (release, recipient): a resend is recognisable as the same message."""
    domain = address_of(sender).rpartition("@")[2] or "localhost"
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
    before, _, after = template.partition(UNSUBSCRIBE)
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
        return (plain + _short_lines(template).replace(UNSUBSCRIBE, value)).encode("utf-8")
    head, rest, after = _encoded_head(subtype, template)
    return head + base64.encodebytes(rest + value.encode("utf-8") + after).replace(b"\n", b"\r\n")


@functools.lru_cache(maxsize=64)
def _short_lines(text: str) -> str:
    """CRLF lines of at most 998 octets (RFC 5322), broken at spaces."""
    out = []
    for line in text.split("\n"):
        limit = 990 - (URL_ROOM if UNSUBSCRIBE in line else 0)  # the URL is filled in later
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


def render(notice: Notice, conf: NoticeSettings, email: str | None, *, key: str | None = None, date: str | None = None,
           eight_bit: bool = False) -> bytes:
    """The complete MIME message: multipart/alternative, plain text and HTML, UTF-8.

    With `email`: addressed to that recipient, with List-Unsubscribe (a mailto that needs no
    server; the https one-click endpoint too when configured and `key` is given). Without:
    a preview, its unsubscribe link the mailto.
    """
    target = email or ""
    if email:
        header_safe(email, "recipient")
    link, routes = unsubscribe_links(conf, target, key)
    mid = message_id(notice.version, email or f"preview-{notice.lang}", conf.sender)
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
            + _part("plain", notice.text, link, eight_bit) + sep
            + _part("html", notice.html, html.escape(link), eight_bit)
            + f"\r\n--{boundary}--\r\n".encode())
