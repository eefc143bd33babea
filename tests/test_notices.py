"""Notices: .eml files, and sending through a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import email
import os
import signal
import socket
import subprocess
import time
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import BASE_ENV, POLICY, PolicyRepo


class Inbox:
    """An SMTP handler that keeps what it receives and can refuse on demand."""

    def __init__(self, delay: float = 0.0, temporary_failures: int = 0, refuse: tuple[str, ...] = ()) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.delay, self.temporary_failures, self.refuse = delay, temporary_failures, refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
        if self.delay:
            time.sleep(self.delay)
        if self.temporary_failures > 0:
            self.temporary_failures -= 1
            return "451 4.3.0 Try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"

    def recipients(self) -> list[str]:
        return [rcpt for _, rcpts in self.envelopes for rcpt in rcpts]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    started = []

    def start(inbox: Inbox) -> str:
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        return f"127.0.0.1:{port}"
    yield start
    for controller in started:
        controller.stop()


def recipients(repo: PolicyRepo, rows: str) -> Path:
    return repo.write("people.csv", rows)


def send(repo: PolicyRepo, address: str, *extra: str, check: bool = False):
    return repo.policy("notify", "1.1", "--send", "--recipients", "people.csv", "--smtp", address,
                       "--journal", "journal.sqlite", "--retry-delay", "0.05", *extra, check=check)


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
    recipients(released, "email,language\nanna@example.com,el\nbob@example.com,en\ncarl@example.com,fr\n")
    done = send(released, smtp(inbox))
    assert done.returncode == 0, done.stderr
    assert "unknown language 'fr' for carl@example.com; sending in English" in done.stderr
    assert "Done: sent 3, already sent 0, failed 0" in done.stderr
    by_rcpt = {m["To"]: m for m in inbox.messages}
    anna = by_rcpt["anna@example.com"]
    assert anna["Subject"].startswith("Πολιτική Απορρήτου") and anna["Content-Language"] == "el"
    assert "Σύνοψη" in anna.get_body(("plain",)).get_content()
    assert by_rcpt["carl@example.com"]["Subject"].startswith("Privacy Policy")
    for rcpt, msg in by_rcpt.items():
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert f"email={rcpt}" in msg["List-Unsubscribe"] and msg["Message-ID"] and msg["Date"]
    assert by_rcpt["anna@example.com"]["Message-ID"] != by_rcpt["bob@example.com"]["Message-ID"]
    again = send(released, smtp(Inbox()))
    assert "Done: sent 0, already sent 3, failed 0" in again.stderr


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
    import sqlite3
    rows = dict(sqlite3.connect(released.root / "journal.sqlite").execute("SELECT email, status FROM deliveries"))
    assert rows == {"ghost@example.com": "failed", "bob@example.com": "sent"}


def test_bad_rows_are_reported_and_skipped(released: PolicyRepo, smtp) -> None:
    inbox = Inbox()
    recipients(released, "email,language\nnot-an-address,en\n\"evil@example.com\r\nBcc: victim@example.com\",en\nok@example.com,el\n")
    done = send(released, smtp(inbox))
    assert "people.csv:2: skipped: 'not-an-address' is not a valid e-mail address" in done.stderr
    assert "people.csv:4: skipped" in done.stderr
    assert inbox.recipients() == ["ok@example.com"] and done.returncode == 0


def test_missing_recipients_file_is_named(released: PolicyRepo) -> None:
    done = released.policy("notify", "1.1", "--send", "--recipients", "nobody.csv", "--smtp", "127.0.0.1:1", check=False)
    assert done.returncode == 1 and "recipients file nobody.csv does not exist" in done.stderr


def test_header_injection_in_configuration_is_refused(released: PolicyRepo, smtp) -> None:
    released.write("mkdocs.yml", released.read("mkdocs.yml").replace(
        'sender: "Example <privacy@example.com>"', 'sender: "Example <privacy@example.com>\\r\\nBcc: victim@example.com"'))
    recipients(released, "ok@example.com,en\n")
    inbox = Inbox()
    done = send(released, smtp(inbox))
    assert done.returncode == 1 and "header injection refused" in done.stderr
    released.write("mkdocs.yml", released.read("mkdocs.yml").replace("\\r\\nBcc: victim@example.com", " =?utf-8?q?=0ABcc:_v@example.com?="))
    assert "header injection refused" in send(released, smtp(inbox)).stderr
    assert inbox.messages == []


def test_title_with_line_break_cannot_add_headers(released: PolicyRepo, tmp_path: Path) -> None:
    released.write("translations/el/policy.yml", 'title: "Πολιτική\\nBcc: victim@example.com"\n')
    released.commit("Hostile title")
    released.release("1.2", "2025-07-01")
    done = released.policy("notify", "1.2", "--out", str(tmp_path / "n"), check=False)
    assert done.returncode == 1 and "header injection refused" in done.stderr


def test_killed_run_resumes_without_duplicates(released: PolicyRepo, smtp) -> None:
    inbox = Inbox(delay=0.05)
    people = [f"reader{i:03d}@example.com" for i in range(60)]
    recipients(released, "".join(f"{p},{'el' if i % 2 else 'en'}\n" for i, p in enumerate(people)))
    address = smtp(inbox)
    args = [POLICY, "notify", "1.1", "--send", "--recipients", "people.csv", "--smtp", address, "--journal", "journal.sqlite", "-q"]
    proc = subprocess.Popen(args, cwd=released.root, env=BASE_ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(inbox.messages) < 15:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    first_run = len(inbox.messages)
    assert first_run < len(people)
    done = subprocess.run(args, cwd=released.root, env=BASE_ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    received = inbox.recipients()
    assert set(received) == set(people)
    assert len(received) - len(set(received)) <= 1  # at most the one message in flight at the kill


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
                           "--journal", "journal.sqlite", check=False)
    assert done.returncode == 0, done.stderr
    assert sorted(inbox.recipients()) == ["anna@example.com", "bob@example.com"]
    for msg in inbox.messages:
        assert long_el[:200] in msg.get_body(("plain",)).get_content().replace("\n", " ") or \
            long_en[:200] in msg.get_body(("plain",)).get_content().replace("\n", " ")


def test_eight_bit_bodies_keep_every_line_within_998_bytes(released: PolicyRepo) -> None:
    from site_builder.notices import build_notices, render

    text = " ".join(["Κάθε σκοπός, η νομική του βάση και ο χρόνος διατήρησης, με ‘εισαγωγικά’."] * 60)
    release_long_text(released, text, text)
    notices, conf = build_notices(released.root, "1.2", None)
    for notice in notices:
        raw = render(notice, conf, "a.very.long.local.part.of.an.address@subscribers.example.com", eight_bit=True)
        assert b"Content-Transfer-Encoding: 8bit" in raw
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998
        parsed = email.message_from_bytes(raw, policy=policy.default)
        assert text[:300] in parsed.get_body(("plain",)).get_content().replace("\r\n", " ").replace("\n", " ")
