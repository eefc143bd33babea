"""One SMTP connection (the only module that uses smtplib): set-up errors named with what to do,
temporary refusals retried, and a message whose answer never came recorded as `unknown`.

A message is sent as MAIL, RCPT, then DATA. A failure before DATA means nothing was
transmitted: it is retried. A timeout or dropped connection during DATA means the server may
have the message: it is never retried by itself (SPEC: never a message twice).
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass

from site_builder.errors import PolicyError

SENT, FAILED, UNKNOWN = "sent", "failed", "unknown"


@dataclass(frozen=True)
class SmtpOptions:
    """How to reach the server, checked: one of plain, STARTTLS or implicit TLS; a login needs a password."""

    host: str
    port: int
    starttls: bool = False
    use_ssl: bool = False
    user: str | None = None
    password: str | None = None
    timeout: float = 60.0
    attempts: int = 5
    backoff: float = 1.0

    @classmethod
    def parse(cls, address: str, *, starttls: bool, use_ssl: bool, user: str | None, password: str | None,
              timeout: float, backoff: float) -> SmtpOptions:
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise PolicyError(f"--smtp {address[:80]!r} must be HOST:PORT, like smtp.example.com:587")
        if starttls and use_ssl:
            raise PolicyError("--starttls and --ssl exclude each other: --starttls upgrades a plain connection (port 587), "
                              "--ssl speaks TLS from the start (port 465); choose the one your server offers")
        if user and not password:
            raise PolicyError("--user needs the password in $POLICY_SMTP_PASSWORD (never on the command line)")
        if timeout <= 0:
            raise PolicyError("--timeout must be a positive number of seconds")
        return cls(host, int(port), starttls, use_ssl, user, password, timeout, backoff=backoff)


class Mailer:
    """One connection, reused; reconnects and retries what can still succeed."""

    def __init__(self, options: SmtpOptions) -> None:
        self.o = options
        self.conn: smtplib.SMTP | None = None
        self.lost: str | None = None  # why the server could not be reached again, once every retry failed
        self._last = ""

    def where(self) -> str:
        return f"{self.o.host}:{self.o.port}"

    def _open(self) -> smtplib.SMTP:
        context = ssl.create_default_context()  # verifies certificates; smtplib's default does not
        conn: smtplib.SMTP
        try:
            if self.o.use_ssl:
                conn = smtplib.SMTP_SSL(self.o.host, self.o.port, timeout=self.o.timeout, context=context)
            else:
                conn = smtplib.SMTP(self.o.host, self.o.port, timeout=self.o.timeout)
            conn.ehlo()
            if self.o.starttls:
                if not conn.has_extn("starttls"):
                    conn.close()
                    raise PolicyError(f"the server at {self.where()} does not offer STARTTLS; nothing was sent. Use --ssl on "
                                      "its TLS port (465), or drop --starttls only if sending unencrypted is acceptable")
                conn.starttls(context=context)
                conn.ehlo()
        except ConnectionRefusedError:
            raise PolicyError(f"connection refused by {self.where()}: no SMTP server listens there; check the host and "
                              "port of --smtp (587 for --starttls, 465 for --ssl); nothing was sent") from None
        except socket.gaierror:
            raise PolicyError(f"unknown host {self.o.host!r} in --smtp; nothing was sent") from None
        except ssl.SSLCertVerificationError as exc:
            raise PolicyError(f"the TLS certificate of {self.o.host} is not trusted ({exc.verify_message}); nothing was sent. "
                              "Fix the server's certificate, or for a private CA set SSL_CERT_FILE to its certificate") from None
        except ssl.SSLError as exc:
            raise PolicyError(f"the TLS handshake with {self.where()} failed ({exc.reason}): the server does not speak TLS "
                              "there; use --starttls on its submission port (587) or --ssl on its TLS port (465)") from None
        if self.o.user:
            self._login(conn)
        return conn

    def _login(self, conn: smtplib.SMTP) -> None:
        if not conn.has_extn("auth"):
            conn.close()
            raise PolicyError(f"the server at {self.where()} offers no login (AUTH); nothing was sent. Drop --user, or "
                              "connect with --starttls or --ssl: many servers offer AUTH only over TLS")
        try:
            conn.login(self.o.user or "", self.o.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            conn.close()
            raise PolicyError(f"login refused for user {self.o.user!r} ({exc.smtp_code}); check the user and "
                              "$POLICY_SMTP_PASSWORD; nothing was sent") from None

    def connect(self) -> None:
        """Open the connection now, so set-up errors stop the run before anything is sent."""
        for attempt in range(self.o.attempts):
            try:
                self.conn = self._open()
                return
            except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError):
                self.conn = None
                time.sleep(self.o.backoff * (2 ** attempt))
        raise PolicyError(f"no answer from the SMTP server {self.where()} after {self.o.attempts} attempts; "
                          "check that it runs and that nothing blocks the port; nothing was sent")

    def eight_bit(self) -> bool:
        """Whether the server takes 8bit bodies (8BITMIME)."""
        if self.conn is None:
            self.connect()
        assert self.conn is not None
        return self.conn.has_extn("8bitmime")

    def send(self, msg: bytes, sender: str, rcpt: str) -> tuple[str, str]:
        """(SENT, the server's reply), (FAILED, reason) when refused or never transmitted, or (UNKNOWN, reason)
        when the server did not answer after the message was transmitted.

        Anything that goes wrong before DATA (a lost connection, a reconnect refused, an
        unexpected answer) is FAILED: nothing was transmitted, the next run sends it. When the
        server cannot be reached again, `lost` says why and the run stops.
        """
        reason = ""
        options = ["BODY=8BITMIME"] if b"Content-Transfer-Encoding: 8bit" in msg[:4096] else []
        for attempt in range(self.o.attempts):
            if attempt:
                time.sleep(self.o.backoff * (2 ** (attempt - 1)))
            try:
                conn = self._connection()
                for code, text in _envelope(conn, sender, options, rcpt):
                    if code not in (250, 251):
                        raise smtplib.SMTPResponseException(code, text)
            except smtplib.SMTPResponseException as exc:
                reason = _said(exc.smtp_code, exc.smtp_error)
                self._reset()
                if not 400 <= exc.smtp_code < 500:
                    return FAILED, reason
                continue
            except PolicyError as exc:  # the server went away and refuses a new connection
                reason = exc.format_message().replace("; nothing was sent", "")
                self.conn = None
                continue
            except Exception as exc:  # noqa: BLE001 - before DATA nothing was transmitted: retry, then FAILED
                reason = f"connection: {exc or type(exc).__name__}"
                self.conn = None
                continue
            self.lost = None
            outcome = self._data(conn, msg)
            if outcome is not None:
                return outcome
            reason = self._last
        if self.conn is None:
            self.lost = reason  # no connection after every attempt: the run stops, the rest stays unsent
        return FAILED, f"not transmitted, gave up after {self.o.attempts} attempts: {reason}"

    def _connection(self) -> smtplib.SMTP:
        if self.conn is None:
            self.conn = self._open()
        return self.conn

    def _data(self, conn: smtplib.SMTP, msg: bytes) -> tuple[str, str] | None:
        """DATA: the outcome, or None for a temporary refusal (the reason in `_last`) to retry.

        Until the server says 354 nothing of the message has left: a failure there is FAILED.
        From the first byte of the message on, a lost answer is UNKNOWN.
        """
        try:
            payload = _dotted(msg)
        except ValueError as exc:
            self._reset()
            return FAILED, str(exc)
        try:
            conn.putcmd("data")
            code, text = conn.getreply()
        except Exception as exc:  # noqa: BLE001 - the message itself was not sent
            self.conn = None
            self._last = f"connection lost before the message was transmitted: {exc or type(exc).__name__}"
            return None
        if code == 354:
            try:
                conn.send(payload)
                code, text = conn.getreply()
            except Exception as exc:  # noqa: BLE001 - once the message left, the server may have it
                self.conn = None
                return UNKNOWN, f"no answer after the message was transmitted ({exc or type(exc).__name__}): it may have arrived"
        if code == 250:
            return SENT, _said(code, text)  # the server's reply: its queue id, the proof it took the message
        self._last = _said(code, text)  # an explicit refusal: the message was not taken
        self._reset()
        return (FAILED, self._last) if not 400 <= code < 500 else None

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


def _envelope(conn: smtplib.SMTP, sender: str, options: list[str], rcpt: str):  # noqa: ANN202 - a generator
    """MAIL FROM, then RCPT TO (only if the server took MAIL FROM): each answer in turn."""
    yield conn.mail(sender, options)
    yield conn.rcpt(rcpt)


def _dotted(msg: bytes) -> bytes:
    """The DATA stream: lines starting with a dot doubled, ended by CRLF . CRLF (RFC 5321 4.5.2).

    The message has CRLF line ends only (mime.py makes every break CRLF), so `^` after LF is
    every line start the server sees."""
    if re.search(rb"\r(?!\n)|(?<!\r)\n", msg):
        raise ValueError("a bare CR or LF in the message")  # mime.py never makes one: refuse rather than smuggle
    data = re.sub(rb"(?m)^\.", b"..", msg)
    return data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n"


def _said(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
