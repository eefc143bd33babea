"""One SMTP connection (the only module that uses smtplib): set-up errors named with what to do,
temporary refusals retried, and a message whose answer never came recorded as `unknown`.

A message is sent as MAIL, RCPT, then DATA. A failure before DATA means nothing was
transmitted: it is retried. A timeout or dropped connection during DATA means the server may
have the message: it is never retried by itself (SPEC: never a message twice).
"""

from __future__ import annotations

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

    def _where(self) -> str:
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
                    raise PolicyError(f"the server at {self._where()} does not offer STARTTLS; nothing was sent. Use --ssl on "
                                      "its TLS port (465), or drop --starttls only if sending unencrypted is acceptable")
                conn.starttls(context=context)
                conn.ehlo()
        except ConnectionRefusedError:
            raise PolicyError(f"connection refused by {self._where()}: no SMTP server listens there; check the host and "
                              "port of --smtp (587 for --starttls, 465 for --ssl); nothing was sent") from None
        except socket.gaierror:
            raise PolicyError(f"unknown host {self.o.host!r} in --smtp; nothing was sent") from None
        except ssl.SSLCertVerificationError as exc:
            raise PolicyError(f"the TLS certificate of {self.o.host} is not trusted ({exc.verify_message}); nothing was sent. "
                              "Fix the server's certificate, or for a private CA set SSL_CERT_FILE to its certificate") from None
        except ssl.SSLError as exc:
            raise PolicyError(f"the TLS handshake with {self._where()} failed ({exc.reason}): the server does not speak TLS "
                              "there; use --starttls on its submission port (587) or --ssl on its TLS port (465)") from None
        if self.o.user:
            self._login(conn)
        return conn

    def _login(self, conn: smtplib.SMTP) -> None:
        if not conn.has_extn("auth"):
            conn.close()
            raise PolicyError(f"the server at {self._where()} offers no login (AUTH); nothing was sent. Drop --user, or "
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
        raise PolicyError(f"no answer from the SMTP server {self._where()} after {self.o.attempts} attempts; "
                          "check that it runs and that nothing blocks the port; nothing was sent")

    def eight_bit(self) -> bool:
        """Whether the server takes 8bit bodies (8BITMIME)."""
        if self.conn is None:
            self.connect()
        assert self.conn is not None
        return self.conn.has_extn("8bitmime")

    def send(self, msg: bytes, sender: str, rcpt: str) -> tuple[str, str]:
        """(SENT, ""), (FAILED, reason) when refused for good, or (UNKNOWN, reason) when the
        server did not answer after the message was transmitted."""
        reason = ""
        options = ["BODY=8BITMIME"] if b"Content-Transfer-Encoding: 8bit" in msg[:4096] else []
        for attempt in range(self.o.attempts):
            try:
                if self.conn is None:
                    self.conn = self._open()
                conn = self.conn
                for code, text in _envelope(conn, sender, options, rcpt):
                    if code not in (250, 251):
                        raise smtplib.SMTPResponseException(code, text)
            except smtplib.SMTPResponseException as exc:
                reason = _said(exc.smtp_code, exc.smtp_error)
                self._reset()
                if not 400 <= exc.smtp_code < 500:
                    return FAILED, reason
                time.sleep(self.o.backoff * (2 ** attempt))
                continue
            except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as exc:
                reason = f"connection: {exc}"  # nothing transmitted yet: safe to retry
                self.conn = None
                time.sleep(self.o.backoff * (2 ** attempt))
                continue
            try:
                code, text = conn.data(msg)  # raises for a refused DATA; returns the final answer
            except smtplib.SMTPDataError as exc:
                code, text = exc.smtp_code, exc.smtp_error
            except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as exc:
                self.conn = None
                return UNKNOWN, f"no answer after the message was transmitted ({exc or type(exc).__name__}): it may have arrived"
            if code == 250:
                return SENT, ""
            reason = _said(code, text)  # an explicit refusal: the message was not taken
            self._reset()
            if not 400 <= code < 500:
                return FAILED, reason
            time.sleep(self.o.backoff * (2 ** attempt))
        return FAILED, f"temporary failure, gave up after {self.o.attempts} attempts: {reason}"

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


def _said(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
