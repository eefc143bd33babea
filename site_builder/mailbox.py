"""E-mail addresses and mailboxes, one grammar for the configuration, the recipients file, the
sender and the unsubscribe endpoint (parsed with `email.headerregistry`, never by hand-cut text).

An address is accepted only when it can be sent as it is: ASCII (no SMTPUTF8), a dot-atom local
part, a domain of letters, digits and hyphens, nothing that reads as an encoded word.
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.headerregistry import Address

UNSAFE = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]|=\?")  # control characters and encoded words
_ADDR = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_NAMED = re.compile(r"^(?P<name>.*?)\s*<(?P<addr>[^<>]*)>$", re.S)  # Name <addr>
_COMMENT = re.compile(r"^(?P<addr>[^\s()]+)\s*\((?P<name>[^()]*)\)$", re.S)  # addr (Name)
MAX_ADDRESS = 254  # RFC 5321 path limit


def address_problem(value: str) -> str | None:
    """Why `value` cannot be sent to or from as it is, or None: the one check of every address."""
    if UNSAFE.search(value):
        return "contains a line break, control character or encoded word; header injection refused"
    if not value.isascii():
        return "has non-ASCII characters; write the domain in its xn-- form (the mailbox name must be ASCII)"
    if len(value) > MAX_ADDRESS or not _ADDR.match(value) or ".." in value or value.startswith(".") or ".@" in value:
        return "is not a valid e-mail address"
    try:
        parsed = Address(addr_spec=value)
    except (HeaderParseError, ValueError, IndexError):
        return "is not a valid e-mail address"
    if parsed.addr_spec != value:
        return "is not a valid e-mail address"
    return None


def parse_mailbox(value: str) -> tuple[str, str]:
    """(display name, address) of `Name <addr>`, `"Name, Inc." <addr>`, `addr (Name)` or `addr`.

    The name is kept whole, commas included: it is written back through `Address`, which quotes
    or encodes it, so it can never become a second mailbox. Raises ValueError with the reason.
    """
    text = value.strip()
    if UNSAFE.search(text):
        raise ValueError("contains a line break, control character or encoded word; header injection refused")
    match = _NAMED.match(text) or _COMMENT.match(text)
    name, addr = (match.group("name").strip(), match.group("addr").strip()) if match else ("", text)
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = re.sub(r'\\(.)', r"\1", name[1:-1])
    problem = address_problem(addr)
    if problem:
        raise ValueError(f"address {addr[:80]!r} {problem}")
    if any(c in name for c in "<>"):
        raise ValueError(f"display name {name[:80]!r} holds < or >; write one mailbox, like \"Company S.A. <privacy@example.com>\"")
    return name, addr


def mailbox_header(name: str, addr: str) -> Address:
    """The header value of a mailbox: the name quoted or RFC 2047-encoded as it needs."""
    local, _, domain = addr.rpartition("@")
    return Address(display_name=name, username=local, domain=domain)
