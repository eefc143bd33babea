"""Notices: .eml files, and sending through real SMTP servers (aiosmtpd on 127.0.0.1): exactly
once under concurrency and kills, unknown outcomes, the recipients file checked whole,
unsubscribe end to end, SMTP set-up errors named, TLS both ways (trustme certificates)."""

from __future__ import annotations

import email
import os
import signal
import socket
import sqlite3
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from email import policy
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.conftest import BASE_ENV, POLICY, PolicyRepo

SECRET = "test-secret-0123456789abcdef"
ENV = {"POLICY_UNSUBSCRIBE_SECRET": SECRET}


class Inbox:
    """An SMTP handler that keeps what it receives and can refuse or stall on demand."""

    def __init__(self, delay: float = 0.0, temporary_failures: int = 0, refuse: tuple[str, ...] = ()) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.delay, self.temporary_failures, self.refuse = delay, temporary_failures, refuse
        self.lock = threading.Lock()
        self.answered = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
        if self.temporary_failures > 0:
            self.temporary_failures -= 1
            return "451 4.3.0 Try again later"
        with self.lock:  # accepted: it counts as received, whenever the answer goes out
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if self.delay:
            time.sleep(self.delay)  # a slow server: the answer comes late
        with self.lock:
            self.answered += 1
        return "250 Message accepted"

    def wait_until_answered(self, seconds: float = 60) -> None:
        """Return once every message received has had its (late) answer."""
        deadline = time.monotonic() + seconds
        while True:
            with self.lock:
                if self.answered == len(self.messages):
                    return
            assert time.monotonic() < deadline, "the server never answered"
            time.sleep(0.05)

    def recipients(self) -> list[str]:
        return [rcpt for _, rcpts in self.envelopes for rcpt in rcpts]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    started = []

    def start(inbox: Inbox, **kwargs) -> str:  # noqa: ANN003 - Controller's options
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        started.append(controller)
        return f"127.0.0.1:{port}"
    yield start
    for controller in started:
        controller.stop()


def recipients(repo: PolicyRepo, rows: str | bytes) -> Path:
    return repo.write("people.csv", rows)


def send(repo: PolicyRepo, address: str, *extra: str, check: bool = False, env: dict | None = None):
    return repo.policy("notify", "1.1", "--send", "--recipients", "people.csv", "--smtp", address,
                       "--journal", "journal.sqlite", "--retry-delay", "0.05", *extra, check=check, env={**ENV, **(env or {})})


def statuses(repo: PolicyRepo) -> dict[str, str]:
    return dict(sqlite3.connect(repo.root / "journal.sqlite").execute("SELECT email, status FROM deliveries"))


def test_eml_files_parse_and_show_greek(released: PolicyRepo, tmp_path: Path) -> None:
    done = released.policy("notify", "1.1", "--out", str(tmp_path / "n"))
    assert "wrote" in done.stdout
    for lang in ("en", "el"):
        msg = email.message_from_bytes((tmp_path / "n" / f"{lang}.eml").read_bytes(), policy=policy.default)
        assert msg.get_content_type() == "multipart/alternative"
        plain, rich = msg.get_body(("plain",)), msg.get_body(("html",))
        assert plain.get_content_charset() == "utf-8" and rich is not None
        if lang == "el":
            assert msg["Subject"] == "Πολιτική Απορρήτου: έκδοση 1.1, σε ισχύ από 1 Ιουνίου 2025"
            assert "Σύνοψη της έκδοσης 1.1." in plain.get_content()
            assert "https://policy.example.com/el/1.1/changes/#rights" in plain.get_content()
            assert 'href="https://policy.example.com/el/1.1/changes/#rights"' in rich.get_content()
        else:
            assert msg["Subject"] == "Privacy Policy: version 1.1, effective 1 June 2025"
            assert "This is a minor change" in plain.get_content()
    assert (tmp_path / "n/el.html").read_text().startswith("<!doctype html>")


def test_unknown_release_is_explained(released: PolicyRepo) -> None:
    done = released.policy("notify", "9.0", check=False)
    assert done.returncode == 1 and "unknown release '9.0'; known versions: 1.0, 1.1" in done.stderr


def test_send_in_each_language_with_list_headers(released: PolicyRepo, smtp) -> None:
    inbox = Inbox()
    recipients(released, "email,language\nanna@example.com,el\nbob@example.com,en\nuser+news@example.com,en\n")
    done = send(released, smtp(inbox))
    assert done.returncode == 0, done.stderr
    assert "Done: sent 3, already sent 0, unknown 0, failed 0" in done.stderr
    by_rcpt = {m["To"]: m for m in inbox.messages}
    anna = by_rcpt["anna@example.com"]
    assert anna["Subject"].startswith("Πολιτική Απορρήτου") and anna["Content-Language"] == "el"
    assert "Σύνοψη" in anna.get_body(("plain",)).get_content()
    for rcpt, msg in by_rcpt.items():
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        https, mailto = [part.strip(" <>") for part in msg["List-Unsubscribe"].split(",")]
        assert https.startswith("https://policy.example.com/unsubscribe?email=" + urllib.parse.quote(rcpt, safe=""))
        keyword = "απεγγραφή" if msg["Content-Language"] == "el" else "unsubscribe"  # the notice's own word for it
        assert mailto.startswith("mailto:privacy@example.com?subject=" + urllib.parse.quote(keyword + " ", safe=""))
        assert msg["Message-ID"] and msg["Date"]
    assert "email=user%2Bnews%40example.com&token=" in by_rcpt["user+news@example.com"]["List-Unsubscribe"]
    again = send(released, smtp(Inbox()))
    assert "Done: sent 0, already sent 3" in again.stderr


def test_mailto_only_by_default(released: PolicyRepo, smtp) -> None:
    released.write("mkdocs.yml", released.read("mkdocs.yml").replace(
        '    unsubscribe_url: "https://policy.example.com/unsubscribe?email={email}&token={token}"\n', ""))
    inbox = Inbox()
    recipients(released, "anna@example.com,el\n")
    done = send(released, smtp(inbox), env={"POLICY_UNSUBSCRIBE_SECRET": ""})
    assert done.returncode == 0, done.stderr
    msg = inbox.messages[0]
    subject = urllib.parse.quote("απεγγραφή anna@example.com", safe="")  # a Greek reader's notice, in Greek
    assert msg["List-Unsubscribe"] == f"<mailto:privacy@example.com?subject={subject}>"
    assert msg["List-Unsubscribe-Post"] is None  # RFC 8058 one-click needs an https route


def test_an_https_unsubscribe_route_needs_the_secret(released: PolicyRepo, smtp) -> None:
    recipients(released, "anna@example.com,el\n")
    inbox = Inbox()
    done = send(released, smtp(inbox), env={"POLICY_UNSUBSCRIBE_SECRET": ""})
    assert done.returncode == 1 and "$POLICY_UNSUBSCRIBE_SECRET is not set" in done.stderr and inbox.messages == []


def test_temporary_failure_then_success(released: PolicyRepo, smtp) -> None:
    inbox = Inbox(temporary_failures=2)
    recipients(released, "anna@example.com,el\n")
    done = send(released, smtp(inbox))
    assert done.returncode == 0, done.stderr
    assert inbox.recipients() == ["anna@example.com"]


def test_permanent_failure_is_recorded_and_reported(released: PolicyRepo, smtp) -> None:
    inbox = Inbox(refuse=("ghost@example.com",))
    recipients(released, "ghost@example.com,en\nbob@example.com,en\n")
    done = send(released, smtp(inbox))
    assert done.returncode == 1
    assert "failed: ghost@example.com (line 1): 550 5.1.1 No such user" in done.stderr
    assert inbox.recipients() == ["bob@example.com"]
    assert statuses(released) == {"ghost@example.com": "failed", "bob@example.com": "sent"}


def test_the_recipients_file_is_checked_whole_before_sending(released: PolicyRepo, smtp) -> None:
    inbox = Inbox()
    recipients(released, "email,language\nnot-an-address,en\n\"evil@example.com\r\nBcc: victim@example.com\",en\n"
               "ok@example.com,el\ncarl@example.com,fr\n")
    done = send(released, smtp(inbox))
    assert done.returncode == 1 and inbox.messages == [] and "nothing was sent" in done.stderr
    assert "people.csv:2: 'not-an-address' is not a valid e-mail address" in done.stderr
    assert "people.csv:4: " in done.stderr and "line break" in done.stderr
    assert "people.csv:6: language 'fr' for carl@example.com: the notice exists in en, el" in done.stderr
    done = send(released, smtp(inbox), "--skip-invalid")
    assert done.returncode == 0 and inbox.recipients() == ["ok@example.com"]


def test_a_latin1_file_is_refused_before_the_first_message(released: PolicyRepo, smtp) -> None:
    rows = "".join(f"reader{i}@example.com,en\n" for i in range(40)) + "zoë@example.com,en\n"
    recipients(released, rows.encode("latin-1"))
    inbox = Inbox()
    done = send(released, smtp(inbox))
    assert done.returncode == 1 and inbox.messages == []
    assert "people.csv:41: not UTF-8 (byte 0xeb); nothing was sent" in done.stderr and "Traceback" not in done.stderr


def test_missing_recipients_file_is_named(released: PolicyRepo) -> None:
    done = released.policy("notify", "1.1", "--send", "--recipients", "nobody.csv", "--smtp", "127.0.0.1:1", check=False,
                           env=ENV)
    assert done.returncode == 1 and "recipients file nobody.csv does not exist" in done.stderr


def test_header_injection_in_configuration_is_refused(released: PolicyRepo, smtp) -> None:
    released.write("mkdocs.yml", released.read("mkdocs.yml").replace(
        'sender: "Example <privacy@example.com>"', 'sender: "Example <privacy@example.com>\\r\\nBcc: victim@example.com"'))
    recipients(released, "ok@example.com,en\n")
    inbox = Inbox()
    done = send(released, smtp(inbox))  # refused as the configuration is read, with its line
    assert done.returncode == 1 and "mkdocs.yml:7: carriage return U+000D" in done.stderr
    released.write("mkdocs.yml", released.read("mkdocs.yml").replace("\\r\\nBcc: victim@example.com", " =?utf-8?q?=0ABcc:_v@example.com?="))
    assert "header injection refused" in send(released, smtp(inbox)).stderr
    assert inbox.messages == []


def test_title_with_line_break_cannot_add_headers(released: PolicyRepo, tmp_path: Path) -> None:
    released.write("translations/el/policy.yml", 'title: "Πολιτική\\nBcc: victim@example.com"\n')
    released.commit("Hostile title")
    released.release("1.2", "2025-07-01")
    done = released.policy("notify", "1.2", "--out", str(tmp_path / "n"), check=False)
    assert done.returncode == 1 and "header injection refused" in done.stderr


# --- exactly once ---------------------------------------------------------------------------


def test_two_senders_at_once_send_each_message_once(released: PolicyRepo, smtp) -> None:
    inbox = Inbox(delay=0.01)
    people = [f"reader{i:03d}@example.com" for i in range(120)]
    recipients(released, "".join(f"{p},{'el' if i % 2 else 'en'}\n" for i, p in enumerate(people)))
    address = smtp(inbox)
    args = [POLICY, "notify", "1.1", "--send", "--recipients", "people.csv", "--smtp", address, "--journal", "journal.sqlite"]
    procs = [subprocess.Popen(args, cwd=released.root, env={**BASE_ENV, **ENV}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    assert sorted(inbox.recipients()) == sorted(people)  # each exactly once
    assert any("waiting for it to finish" in err for _, err in outputs)
    assert any("Done: sent 0, already sent 120" in err for _, err in outputs)


def test_a_second_sender_can_stop_at_once(released: PolicyRepo, smtp) -> None:
    from filelock import FileLock

    recipients(released, "anna@example.com,el\n")
    with FileLock(str(released.root / "journal.sqlite.lock")):
        done = send(released, smtp(Inbox()), "--no-wait")
    assert done.returncode == 1 and "another `policy notify --send` is using" in done.stderr


def test_a_server_that_answers_after_the_timeout_gets_one_copy(released: PolicyRepo, smtp) -> None:
    inbox = Inbox(delay=3.0)
    recipients(released, "anna@example.com,el\nbob@example.com,en\n")
    address = smtp(inbox)
    done = send(released, address, "--timeout", "1")
    assert done.returncode == 0, done.stderr
    assert "unknown: anna@example.com (line 1): no answer after the message was transmitted" in done.stderr
    assert "message(s) have an unknown outcome" in done.stderr
    assert statuses(released) == {"anna@example.com": "unknown", "bob@example.com": "unknown"}
    inbox.wait_until_answered()  # the server has answered both, late: the sender has long given up
    assert sorted(inbox.recipients()) == ["anna@example.com", "bob@example.com"]  # once each, not five times
    again = send(released, address, "--timeout", "10")
    assert "Done: sent 0" in again.stderr and len(inbox.recipients()) == 2  # unknown: not resent by itself
    inbox.delay = 0
    forced = send(released, address, "--resend-unknown")
    assert "Done: sent 2" in forced.stderr and len(inbox.recipients()) == 4  # only when asked


def test_killed_run_resumes_without_duplicates(released: PolicyRepo, smtp) -> None:
    inbox = Inbox(delay=0.05)
    people = [f"reader{i:03d}@example.com" for i in range(60)]
    recipients(released, "".join(f"{p},{'el' if i % 2 else 'en'}\n" for i, p in enumerate(people)))
    address = smtp(inbox)
    args = [POLICY, "notify", "1.1", "--send", "--recipients", "people.csv", "--smtp", address, "--journal", "journal.sqlite", "-q"]
    proc = subprocess.Popen(args, cwd=released.root, env={**BASE_ENV, **ENV}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(inbox.messages) < 15:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = subprocess.run(args, cwd=released.root, env={**BASE_ENV, **ENV}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    received = inbox.recipients()
    assert len(received) == len(set(received))  # nobody twice
    missing = set(people) - set(received)
    unknown = {e for e, s in statuses(released).items() if s == "unknown"}
    assert missing <= unknown and len(unknown) <= 1  # at most the one message in flight at the kill
    if unknown:
        assert "unknown outcome" in done.stderr


def test_a_journal_that_cannot_be_written_stops_the_run(released: PolicyRepo, smtp) -> None:
    inbox = Inbox()
    recipients(released, "".join(f"reader{i}@example.com,en\n" for i in range(20)))
    send(released, smtp(inbox))  # creates the journal
    db = sqlite3.connect(released.root / "journal.sqlite")
    db.execute("CREATE TRIGGER no_more BEFORE INSERT ON deliveries BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    db.commit()
    recipients(released, "".join(f"other{i}@example.com,en\n" for i in range(20)))
    started = time.monotonic()
    done = send(released, smtp(Inbox()))
    assert done.returncode == 1 and "sending stopped" in done.stderr and "disk full" in done.stderr
    assert time.monotonic() - started < 30  # stops, never hangs


# --- unsubscribe ------------------------------------------------------------------------------


def test_unsubscribe_round_trip_through_the_endpoint(released: PolicyRepo, smtp) -> None:
    inbox = Inbox()
    recipients(released, "user+tag@example.com,el\nbob@example.com,en\n")
    send(released, smtp(inbox), check=True)
    msg = next(m for m in inbox.messages if m["To"] == "user+tag@example.com")
    link = msg["List-Unsubscribe"].split(",")[0].strip(" <>")
    query = urllib.parse.urlsplit(link).query
    port = free_port()
    app = subprocess.Popen([POLICY, "unsubscribe-app", "--journal", "journal.sqlite", "--port", str(port)], cwd=released.root,
                           env={**BASE_ENV, **ENV}, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}/unsubscribe?"
        deadline = time.monotonic() + 20
        while True:
            try:
                page = urllib.request.urlopen(base + query, timeout=5).read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert "user+tag@example.com" in page and "Απεγγραφή" in page
        forged = query.replace("user%2Btag", "bob")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(base + forged, data=b"List-Unsubscribe=One-Click"), timeout=5)
        assert refused.value.code == 403
        done = urllib.request.urlopen(urllib.request.Request(base + query, data=b"List-Unsubscribe=One-Click"), timeout=5)
        assert done.status == 200 and "δεν θα λαμβάνει πλέον" in done.read().decode()
    finally:
        app.send_signal(signal.SIGINT)
        app.wait(timeout=10)
    released.commit("a text for 1.2")
    released.section("rights", "Your rights", "Changed again.\n")
    released.translate("rights", "Τα δικαιώματά σας", "Άλλαξε ξανά.\n")
    released.commit("edit")
    released.release("1.2", "2025-07-01")
    later = Inbox()
    done = released.policy("notify", "1.2", "--send", "--recipients", "people.csv", "--smtp", smtp(later),
                           "--journal", "journal.sqlite", env=ENV)
    assert later.recipients() == ["bob@example.com"] and "unsubscribed 1" in done.stderr


def test_unsubscribe_by_hand(released: PolicyRepo, smtp) -> None:
    assert "unsubscribed" in released.policy("unsubscribe", "anna@example.com", "--journal", "journal.sqlite").stdout
    recipients(released, "anna@example.com,el\nbob@example.com,en\n")
    inbox = Inbox()
    send(released, smtp(inbox), check=True)
    assert inbox.recipients() == ["bob@example.com"]


# --- SMTP set-up errors and TLS -------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("tls")
    trusted, untrusted = trustme.CA(), trustme.CA()
    out = {}
    for name, ca in (("trusted", trusted), ("untrusted", untrusted)):
        cert = ca.issue_cert("127.0.0.1", "localhost")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        out[name] = context
    trusted.cert_pem.write_to_path(str(folder / "ca.pem"))
    out["ca_file"] = str(folder / "ca.pem")
    return out


def _authenticator(server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN201
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"notices" and auth_data.password == b"right"
    return AuthResult(success=ok, handled=False)


def test_starttls_with_login_is_verified_and_works(released: PolicyRepo, smtp, certificates) -> None:
    inbox = Inbox()
    address = smtp(inbox, tls_context=certificates["trusted"], require_starttls=True, authenticator=_authenticator,
                   auth_require_tls=True)
    recipients(released, "anna@example.com,el\n")
    env = {"SSL_CERT_FILE": certificates["ca_file"], "POLICY_SMTP_PASSWORD": "right"}
    done = send(released, address, "--starttls", "--user", "notices", env=env)
    assert done.returncode == 0, done.stderr
    assert inbox.recipients() == ["anna@example.com"]
    recipients(released, "anna@example.com,el\nbob@example.com,en\n")
    wrong = send(released, address, "--starttls", "--user", "notices", env={**env, "POLICY_SMTP_PASSWORD": "wrong"})
    assert wrong.returncode == 1 and "login refused for user 'notices'" in wrong.stderr


def test_implicit_tls_works_and_an_untrusted_certificate_is_named(released: PolicyRepo, smtp, certificates) -> None:
    inbox = Inbox()
    recipients(released, "anna@example.com,el\n")
    good = smtp(inbox, ssl_context=certificates["trusted"])
    done = send(released, good, "--ssl", env={"SSL_CERT_FILE": certificates["ca_file"]})
    assert done.returncode == 0, done.stderr
    assert inbox.recipients() == ["anna@example.com"]
    bad = smtp(Inbox(), ssl_context=certificates["untrusted"])
    recipients(released, "anna@example.com,el\nbob@example.com,en\n")
    refused = send(released, bad, "--ssl", env={"SSL_CERT_FILE": certificates["ca_file"]})
    assert refused.returncode == 1 and "the TLS certificate of 127.0.0.1 is not trusted" in refused.stderr


def test_each_smtp_setup_error_is_named_without_retrying(released: PolicyRepo, smtp) -> None:
    recipients(released, "anna@example.com,el\n")
    plain = smtp(Inbox())
    cases = [
        ((plain, "--starttls"), "does not offer STARTTLS"),
        ((plain, "--user", "notices"), "offers no login (AUTH)"),
        ((f"127.0.0.1:{free_port()}",), "connection refused by 127.0.0.1"),
        ((plain, "--ssl"), "the TLS handshake with"),
        ((plain, "--ssl", "--starttls"), "--starttls and --ssl exclude each other"),
    ]
    for args, message in cases:
        started = time.monotonic()
        done = send(released, *args, env={"POLICY_SMTP_PASSWORD": "x"})
        assert done.returncode == 1 and message in done.stderr, (args, done.stderr)
        assert time.monotonic() - started < 10, args  # no five retries of what cannot succeed
    no_password = send(released, plain, "--user", "notices", env={"POLICY_SMTP_PASSWORD": ""})
    assert "--user needs the password in $POLICY_SMTP_PASSWORD" in no_password.stderr


# --- bodies -------------------------------------------------------------------------------------


def release_long_text(repo: PolicyRepo, english: str, greek: str) -> None:
    """Release 1.2 whose `rights` section and summaries are one very long paragraph each."""
    repo.section("rights", "Your rights", english + "\n")
    repo.translate("rights", "Τα δικαιώματά σας", greek + "\n")
    repo.commit("Long text")
    repo.policy("release", "1.2", "--effective", "2025-08-01", "--kind", "material", "--summary-en", english, "--summary-el", greek)
    repo.commit("Release 1.2")


def test_long_paragraphs_are_sent_in_lines_smtp_accepts(released: PolicyRepo, smtp) -> None:
    long_en = " ".join(["We now explain every purpose, its legal basis and how long we keep the data."] * 40)
    long_el = " ".join(["Εξηγούμε πλέον κάθε σκοπό, τη νομική του βάση και για πόσο διατηρούμε τα δεδομένα."] * 40)
    release_long_text(released, long_en, long_el)
    inbox = Inbox()
    recipients(released, "anna@example.com,el\nbob@example.com,en\n")
    done = released.policy("notify", "1.2", "--send", "--recipients", "people.csv", "--smtp", smtp(inbox),
                           "--journal", "journal.sqlite", check=False, env=ENV)
    assert done.returncode == 0, done.stderr
    assert sorted(inbox.recipients()) == ["anna@example.com", "bob@example.com"]
    sent = {rcpts[0]: msg.get_body(("plain",)).get_content().replace("\n", " ")
            for (_, rcpts), msg in zip(inbox.envelopes, inbox.messages, strict=True)}
    assert long_el[:200] in sent["anna@example.com"] and long_en[:200] not in sent["anna@example.com"]  # in her language
    assert long_en[:200] in sent["bob@example.com"] and long_el[:200] not in sent["bob@example.com"]


def test_eight_bit_bodies_keep_every_line_within_998_bytes(released: PolicyRepo) -> None:
    from site_builder.notify.compose import build_notices
    from site_builder.notify.mime import render

    text = " ".join(["Κάθε σκοπός, η νομική του βάση και ο χρόνος διατήρησης, με ‘εισαγωγικά’."] * 60)
    release_long_text(released, text, text)
    notices, conf = build_notices(released.root, "1.2", None)
    for notice in notices:
        raw = render(notice, conf, "a.very.long.local.part.of.an.address@subscribers.example.com", key=SECRET, eight_bit=True)
        assert b"Content-Transfer-Encoding: 8bit" in raw
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998
        parsed = email.message_from_bytes(raw, policy=policy.default)
        assert text[:300] in parsed.get_body(("plain",)).get_content().replace("\r\n", " ").replace("\n", " ")
