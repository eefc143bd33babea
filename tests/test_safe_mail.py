"""Issue 19, the mail items: a server that goes away, templating by structure, the unsubscribe
endpoint under hostile links and broken journals, sender and recipients parsed as mailboxes,
no bare CR/LF on the wire, settings and journal errors named at once. Real aiosmtpd servers."""

from __future__ import annotations

import datetime as dt
import email
import io
import socket
import sqlite3
import subprocess
import threading
import time
from email import policy
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
from aiosmtpd.controller import Controller

from site_builder.mailbox import address_problem
from site_builder.notify.compose import NoticeSettings, compose
from site_builder.notify.mime import render, unsubscribe_token
from site_builder.notify.recipients import load_recipients
from site_builder.notify.smtp import SENT, Mailer, SmtpOptions
from site_builder.notify.unsubscribe import make_app
from site_builder.source.models import ReleaseRecord
from tests.conftest import BASE_ENV, POLICY, PolicyRepo
from tests.test_notices import ENV, SECRET, Inbox, free_port, recipients, send, smtp, statuses  # noqa: F401 - fixture


class Raw(Inbox):
    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
        self.raw = getattr(self, "raw", []) + [envelope.original_content]
        return await super().handle_DATA(server, session, envelope)


# --- 4: a server that goes away ----------------------------------------------------------------


class GoesAway(Inbox):
    """Takes the first message, then answers the next MAIL with 421 and shuts down for good."""

    def __init__(self) -> None:
        super().__init__()
        self.controller: Controller | None = None
        self.mails = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: ANN001, ANN201
        self.mails += 1
        if self.mails > 1:
            assert self.controller is not None
            threading.Thread(target=self.controller.stop).start()
            return "421 4.3.2 Service shutting down"
        envelope.mail_from = address
        return "250 OK"


def start_on(handler: object, port: int) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def test_a_server_that_goes_away_leaves_the_rest_failed_and_sends_them_next_run(released: PolicyRepo) -> None:
    recipients(released, "anna@example.com,el\nbob@example.com,en\ncarl@example.com,en\n")
    port = free_port()
    away = GoesAway()
    away.controller = start_on(away, port)
    done = send(released, f"127.0.0.1:{port}")
    assert done.returncode == 1 and "Traceback" not in done.stderr and "unexpected failure" not in done.stderr
    assert "nothing was sent" not in done.stderr
    assert "Done: sent 1, already sent 0, unknown 0, failed 1" in done.stderr
    assert "went away and could not be reached again" in done.stderr and "1 message(s) were sent" in done.stderr
    assert statuses(released) == {"anna@example.com": "sent", "bob@example.com": "failed"}  # never `sending`/`unknown`
    inbox = Inbox()
    controller = start_on(inbox, port)  # the server is back: the same command sends the rest
    try:
        again = send(released, f"127.0.0.1:{port}")
    finally:
        controller.stop()
    assert again.returncode == 0, again.stderr
    assert "Done: sent 2, already sent 1, unknown 0" in again.stderr
    assert sorted(inbox.recipients()) == ["bob@example.com", "carl@example.com"]


def scripted_server(port: int, hang_up_at: bytes) -> threading.Thread:
    """One SMTP conversation that hangs up when the client says `hang_up_at`; then the port is closed."""
    listener = socket.create_server(("127.0.0.1", port))

    def run() -> None:
        conn, _ = listener.accept()
        listener.close()
        conn.sendall(b"220 scripted ESMTP\r\n")
        for line in conn.makefile("rb"):
            if line.upper().startswith(hang_up_at):
                break
            if line.upper().startswith(b"EHLO"):
                conn.sendall(b"250-scripted\r\n250 8BITMIME\r\n")
            else:
                conn.sendall(b"250 OK\r\n")
        conn.close()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("hang_up_at", [b"DATA", b"RCPT"])
def test_a_hang_up_before_the_message_left_is_failed_not_unknown(released: PolicyRepo, hang_up_at: bytes) -> None:
    recipients(released, "anna@example.com,el\n")
    port = free_port()
    scripted_server(port, hang_up_at)
    done = send(released, f"127.0.0.1:{port}")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert statuses(released) == {"anna@example.com": "failed"}  # nothing was transmitted: retried next run
    assert "unknown 0, failed 1" in done.stderr and "nothing was sent" not in done.stderr


@pytest.mark.parametrize("sender", ["Ζωή <zoë@example.com>", "Example <privacy@παράδειγμα.gr>"])
def test_a_non_ascii_sender_address_is_refused_when_the_configuration_is_read(released: PolicyRepo, sender: str) -> None:
    released.write("mkdocs.yml", released.read("mkdocs.yml").replace('"Example <privacy@example.com>"', f'"{sender}"'))
    for args in (("check",), ("notify", "1.1", "--out", "n")):
        done = released.policy(*args, check=False)
        assert done.returncode == 1 and "mkdocs.yml:7: extra.notices.sender" in done.stderr + done.stdout
        assert "non-ASCII" in done.stderr + done.stdout


# --- 6: templating by structure ---------------------------------------------------------------


@pytest.mark.parametrize("summary", ["Read it: {unsubscribe} now.", "[Our offers]({unsubscribe}) and {unsubscribe}",
                                     "Braces {email} {token} {0} {url} {unsubscribe!r} stay."])
def test_braces_in_a_summary_stay_text_and_the_link_goes_where_the_template_says(released: PolicyRepo, smtp,  # noqa: F811
                                                                                summary: str) -> None:
    released.policy("release", "1.2", "--effective", "2025-08-01", "--kind", "minor", "--summary-en", summary,
                    "--summary-el", summary)
    released.commit("Release 1.2")
    recipients(released, "anna@example.com,en\n")
    inbox = Inbox()
    done = released.policy("notify", "1.2", "--send", "--recipients", "people.csv", "--smtp", smtp(inbox), "--journal",
                           "journal.sqlite", env=ENV)
    assert done.returncode == 0, done.stderr
    msg = inbox.messages[0]
    link = msg["List-Unsubscribe"].split(",")[0].strip(" <>")
    plain, rich = msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()
    assert summary in plain and plain.count(link) == 1 and plain.rstrip().endswith(link)
    assert rich.count(link.replace("&", "&amp;")) == 1 and f'href="{link.replace("&", "&amp;")}"' in rich
    assert rich.rstrip().endswith(f'href="{link.replace("&", "&amp;")}" style="color:#1a4fa0">Unsubscribe</a></p></div></body></html>')
    if "](" in summary:
        # the editor's link is left as written (percent-encoded, as CommonMark and GitHub write a URL)
        assert '<a href="%7Bunsubscribe%7D">Our offers</a>' in rich
    else:
        assert summary in rich


# --- 8: the unsubscribe endpoint ----------------------------------------------------------------


def call(app, method: str, query: str, body: bytes = b"") -> tuple[str, str, str]:  # noqa: ANN001
    environ: dict = {"REQUEST_METHOD": method, "PATH_INFO": "/unsubscribe", "QUERY_STRING": query,
                     "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body), "wsgi.errors": io.StringIO()}
    setup_testing_defaults(environ)
    answer: list[str] = []
    page = b"".join(app(environ, lambda status, headers: answer.append(status))).decode()
    return answer[0], page, environ["wsgi.errors"].getvalue()


@pytest.mark.parametrize("token", ["%C3%A9", "%FF", "x" * 5000, "\u00e9\u00e9", "%00", "%E2%80%AE" * 20])
def test_hostile_tokens_get_a_clean_403_in_both_languages(tmp_path: Path, token: str) -> None:
    app = make_app(tmp_path / "journal.sqlite", SECRET)
    for method in ("GET", "POST"):
        for query in (f"email=anna%40example.com&token={token}", f"email=%FF%C3%A9@example.com&token={token}",
                      f"email={token}&token={token}"):
            status, page, _ = call(app, method, query, b"List-Unsubscribe=One-Click")
            assert status == "403 Forbidden", (query, status)
            assert "Ο σύνδεσμος δεν είναι έγκυρος" in page and "This link does not work" in page
    assert not (tmp_path / "journal.sqlite").exists()


def test_a_damaged_or_unusable_journal_gives_a_clean_503_naming_it(tmp_path: Path) -> None:
    token = unsubscribe_token("anna@example.com", SECRET)
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    folder = tmp_path / "a-folder.sqlite"  # a folder where the file should be: cannot be opened or written
    folder.mkdir()
    for journal in (damaged, folder):
        status, page, log = call(make_app(journal, SECRET), "POST", f"email=anna%40example.com&token={token}",
                                 b"List-Unsubscribe=One-Click")
        assert status == "503 Service Unavailable"
        assert "Your request could not be recorded" in page and "Το αίτημά σας δεν καταχωρίστηκε" in page
        assert str(journal) in log and "Traceback" not in log
        assert str(journal) not in page  # the reader is not shown our paths


# --- 9: sender and recipients as mailboxes ------------------------------------------------------


@pytest.mark.parametrize(("sender", "name"), [("ΟΚΤΑΜΠΙΤ Α.Ε. <privacy@oktabit.gr>", "ΟΚΤΑΜΠΙΤ Α.Ε."),
                                              ("ΟΚΤΑΜΠΙΤ, Α.Ε. <privacy@oktabit.gr>", "ΟΚΤΑΜΠΙΤ, Α.Ε."),
                                              ('\\"Oktabit, Inc.\\" <privacy@oktabit.gr>', "Oktabit, Inc."),
                                              ("privacy@oktabit.gr (OKTABIT S.A.)", "OKTABIT S.A."),
                                              ("privacy@oktabit.gr (Οκταμπίτ, Α.Ε.)", "Οκταμπίτ, Α.Ε.")])
def test_the_sender_is_one_mailbox_encoded_per_rfc2047(released: PolicyRepo, smtp, sender: str, name: str) -> None:  # noqa: F811
    released.write("mkdocs.yml", released.read("mkdocs.yml").replace('"Example <privacy@example.com>"', f'"{sender}"'))
    recipients(released, "anna@example.com,el\n")
    inbox = Raw()
    done = send(released, smtp(inbox))
    assert done.returncode == 0, done.stderr
    msg = inbox.messages[0]
    head = inbox.raw[0].split(b"\r\n\r\n", 1)[0]
    assert head.isascii()
    assert len(msg["From"].addresses) == 1 and msg["From"].defects == ()  # strict RFC 2047: no `=?...?=.` words
    assert msg["From"].addresses[0].display_name == name and msg["From"].addresses[0].addr_spec == "privacy@oktabit.gr"
    if not name.isascii():
        assert b"From: =?utf-8?" in head
    assert inbox.envelopes[0][0] == "privacy@oktabit.gr"
    assert msg["Message-ID"].endswith("@oktabit.gr>") and "(" not in msg["Message-ID"] and " " not in msg["Message-ID"]


@pytest.mark.parametrize("bad", ["=?utf-8?q?x?=@example.com", "x=?@example.com", "zoë@example.com", "a..b@example.com"])
def test_a_recipient_the_check_accepts_never_stops_the_run(released: PolicyRepo, smtp, bad: str) -> None:  # noqa: F811
    recipients(released, f"anna@example.com,el\n{bad},en\nbob@example.com,en\n")
    inbox = Inbox()
    done = send(released, smtp(inbox))
    assert done.returncode == 1 and inbox.messages == [] and f"people.csv:2: {bad!r}" in done.stderr
    done = send(released, smtp(inbox), "--skip-invalid")
    assert done.returncode == 0, done.stderr
    assert sorted(inbox.recipients()) == ["anna@example.com", "bob@example.com"]


def notice_settings() -> NoticeSettings:
    return NoticeSettings("Example <privacy@example.com>", "privacy@example.com",
                          "https://policy.example.com/unsubscribe?email={email}&token={token}", "privacy@example.com",
                          "Example", "Example", "privacy@example.com")


def record(summary: str) -> ReleaseRecord:
    return ReleaseRecord("1.2", dt.date(2025, 8, 1), "minor", {"en": summary, "el": summary}, "0" * 64, "changelog/1.2.yml")


@pytest.mark.parametrize("address", ["a+b@example.com", "o'neil@example.com", "x=?@example.com", "{x}@example.com",
                                     "a/b@example.com", "=?@example.com", "\"q\"@example.com", "a@-x.com", "a@x.c-m"])
def test_the_list_check_is_the_send_check(tmp_path: Path, address: str) -> None:
    people = tmp_path / "people.csv"
    people.write_text(f"{address},en\n", encoding="utf-8")
    listed = load_recipients(people, ("en",))
    notice = compose("en", record("Summary."), "Privacy Policy", None, "https://policy.example.com/", notice_settings())
    if listed.people:
        accepted = listed.people[0].email  # as the CSV reads it
        assert address_problem(accepted) is None
        raw = render(notice, notice_settings(), accepted, key=SECRET)  # never raises for an accepted row
        assert email.message_from_bytes(raw, policy=policy.default)["To"].addresses[0].addr_spec == accepted
    else:
        assert listed.problems and address_problem(address)


# --- no bare CR or LF on the wire ---------------------------------------------------------------


@pytest.mark.parametrize("summary", ["First line.\rSecond line.\r\n.\r\nMAIL FROM:<x@example.com>\r\n.\rAfter.",
                                     "Lone LF\n.\nand\u2028line\u0085sep\r\r\n.."])
@pytest.mark.parametrize("eight_bit", [True, False])
def test_no_bare_cr_or_lf_reaches_the_server(smtp, summary: str, eight_bit: bool) -> None:  # noqa: F811
    inbox = Raw()
    host, port = smtp(inbox).split(":")
    conf = notice_settings()
    notice = compose("en", record(summary), "Privacy Policy", None, "https://policy.example.com/", conf)
    data = render(notice, conf, "anna@example.com", key=SECRET, eight_bit=eight_bit)
    assert b"\r" not in data.replace(b"\r\n", b"") and b"\n" not in data.replace(b"\r\n", b"")
    mailer = Mailer(SmtpOptions(host, int(port), timeout=10))
    try:
        status, reply = mailer.send(data, "privacy@example.com", "anna@example.com")
        assert status == SENT and reply.startswith("250 ")  # the server's reply is kept as proof of notice
    finally:
        mailer.close()
    assert len(inbox.messages) == 1 and inbox.recipients() == ["anna@example.com"]  # nothing smuggled
    received = inbox.raw[0]
    assert received.rstrip(b"\r\n") == data.rstrip(b"\r\n")  # the same lines, dots restored by the server
    plain = inbox.messages[0].get_body(("plain",)).get_content()
    composed = notice.text(plain.rsplit(": ", 1)[1].strip())
    assert plain.splitlines() == composed.splitlines()
    assert [line for line in plain.splitlines() if line in (".", "..")]  # the dot lines arrived as lines of text


# --- 10: settings and journals named at once ----------------------------------------------------


@pytest.mark.parametrize(("url", "said"), [
    ("https://x.example.com/u?email={email}&token={token}&x={mail}", "unknown placeholder(s) {mail}"),
    ("https://x.example.com/u?email={email}&t={token!r}", "unknown placeholder(s) {token!r}"),
    ("https://x.example.com/u?email={email}&t={0}", "unknown placeholder(s) {0}"),
    ("https://x.example.com/u?email={email}", "needs both {email} and {token}"),
    ("https://x.example.com/u?token={token}", "needs both {email} and {token}"),
    ("http://x.example.com/u?email={email}&token={token}", "must be a plain https:// address"),
    ("https://x.example.com/u?email={email}&token={token}\\u0022 onclick=", "must be a plain https:// address"),
    ("https://x.example.com/u?email={email&token={token}", "brace that is not a placeholder")])
def test_the_unsubscribe_url_is_checked_when_the_configuration_is_read(released: PolicyRepo, url: str, said: str) -> None:
    released.write("mkdocs.yml", released.read("mkdocs.yml").replace(
        '"https://policy.example.com/unsubscribe?email={email}&token={token}"', f'"{url}"'))
    recipients(released, "anna@example.com,en\n")
    for done in (released.policy("check", check=False), send(released, "127.0.0.1:1", "--dry-run")):
        out = done.stdout + done.stderr
        assert done.returncode == 1 and "mkdocs.yml:9: extra.notices.unsubscribe_url" in out and said in out, out


def test_a_locked_journal_says_at_once_who_holds_it(released: PolicyRepo, smtp) -> None:  # noqa: F811
    recipients(released, "".join(f"reader{i}@example.com,en\n" for i in range(40)))
    inbox = Inbox(delay=1.0)  # slow enough that the first sender still holds the lock on a busy machine
    address = smtp(inbox)
    args = [POLICY, "notify", "1.1", "--send", "--recipients", "people.csv", "--smtp", address, "--journal", "journal.sqlite"]
    first = subprocess.Popen(args, cwd=released.root, env={**BASE_ENV, **ENV}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not (released.root / "journal.sqlite.lock.owner").exists():
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.05)
        holder = f"pid {first.pid} on {socket.gethostname()}"
        started = time.monotonic()
        stopped = send(released, address, "--no-wait")
        assert stopped.returncode == 1 and holder in stopped.stderr and time.monotonic() - started < 10
        waiting = subprocess.Popen(args, cwd=released.root, env={**BASE_ENV, **ENV}, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        assert waiting.stderr is not None
        line = waiting.stderr.readline()  # said at once, before the wait
        assert "waiting for it to finish" in line and holder in line
        inbox.delay = 0  # now let both finish
        assert waiting.wait(timeout=120) == 0
    finally:
        first.kill()
        first.wait()


def test_a_journal_that_cannot_be_opened_or_written_names_its_path(released: PolicyRepo, smtp) -> None:  # noqa: F811
    recipients(released, "anna@example.com,en\nbob@example.com,en\n")
    released.write("not-a-folder", "a file")
    released.write("damaged.sqlite", "not a database, " * 300)
    for journal, said in (("not-a-folder/journal.sqlite", "not-a-folder/journal.sqlite.lock"),
                          ("damaged.sqlite", "delivery journal damaged.sqlite: file is not a database")):
        done = released.policy("notify", "1.1", "--send", "--recipients", "people.csv", "--smtp", smtp(Inbox()),
                               "--journal", journal, check=False, env=ENV)
        assert done.returncode == 1 and said in done.stderr and "unexpected failure" not in done.stderr, done.stderr
    send(released, smtp(Inbox()), check=True)
    db = sqlite3.connect(released.root / "journal.sqlite")
    db.execute("CREATE TRIGGER full BEFORE UPDATE ON deliveries BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    db.commit()
    db.close()
    recipients(released, "carl@example.com,en\n")
    done = send(released, smtp(Inbox()))
    assert done.returncode == 1 and "journal.sqlite" in done.stderr and "disk is full" in done.stderr
    assert "unexpected failure" not in done.stderr
