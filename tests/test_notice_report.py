"""Proof of notice (`policy notify report`) and sending over days (`--rate`, `--max`, run ids), against
aiosmtpd on 127.0.0.1: a run killed with SIGKILL and resumed still reports every recipient once."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import BASE_ENV, POLICY, PolicyRepo
from tests.test_notices import ENV, Inbox, recipients, send, smtp  # noqa: F401 - smtp is a fixture

EMAIL = "email / διεύθυνση ηλεκτρονικού ταχυδρομείου"


def report(repo: PolicyRepo, *extra: str) -> tuple[Path, dict]:
    done = repo.policy("notify", "report", "1.1", "--journal", "journal.sqlite", "--out", "proof", *extra)
    folder = repo.root / done.stdout.splitlines()[0].removeprefix("wrote ")
    return folder, json.loads((folder / "report.json").read_text(encoding="utf-8"))


def csv_rows(folder: Path) -> list[dict[str, str]]:
    text = (folder / "recipients.csv").read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def manifest_holds(folder: Path) -> None:
    """SHA256SUMS names every other file with its true hash."""
    listed = dict(reversed(line.split("  ", 1)) for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert set(listed) == {p.name for p in folder.iterdir()} - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("resume", [(), ("--resend-unknown",)])
def test_report_of_a_killed_and_resumed_run_lists_everyone_once(released: PolicyRepo, smtp, resume) -> None:  # noqa: F811
    inbox = Inbox(delay=0.05)
    people = [f"reader{i:03d}@example.com" for i in range(40)]
    recipients(released, "".join(f"{p},{'el' if i % 2 else 'en'}\n" for i, p in enumerate(people)))
    address = smtp(inbox)
    args = [POLICY, "notify", "1.1", "--send", "--recipients", "people.csv", "--smtp", address, "--journal", "journal.sqlite", "-q"]
    proc = subprocess.Popen(args, cwd=released.root, env={**BASE_ENV, **ENV}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(inbox.messages) < 10:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    inbox.wait_until_answered()
    done = subprocess.run(args + list(resume), cwd=released.root, env={**BASE_ENV, **ENV}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    folder, data = report(released)
    rows = csv_rows(folder)
    assert sorted(row[EMAIL] for row in rows) == people  # each recipient exactly once
    assert [r["email"] for r in data["recipients"]] == [row[EMAIL] for row in rows]
    outcomes = {row[EMAIL]: row["outcome / έκβαση"] for row in rows}
    unknown = [e for e, o in outcomes.items() if o == "unknown"]
    assert len(unknown) <= (0 if resume else 1) and set(outcomes.values()) <= {"sent", "unknown"}
    assert data["totals"]["sent"] + data["totals"]["unknown"] == data["totals"]["total"] == 40
    sent = [row for row in rows if row["outcome / έκβαση"] == "sent"]
    assert all(row["server reply / απάντηση του διακομιστή"].startswith("250 ") for row in sent)
    assert all(row["handed to the server (UTC) / παράδοση στον διακομιστή (UTC)"].endswith("Z") for row in sent)
    langs = {row[EMAIL]: row["language / γλώσσα"] for row in rows}
    assert langs["reader001@example.com"] == "el" and langs["reader002@example.com"] == "en"
    runs = {row["run / εκτέλεση αποστολής"] for row in sent}
    assert len(runs) == 2 and runs <= {run["run_id"] for run in data["runs"]}  # the killed run and the resumed one
    manifest_holds(folder)


def test_outcomes_and_hashed_addresses(released: PolicyRepo, smtp) -> None:  # noqa: F811
    inbox = Inbox(refuse=("gone@example.com",))
    recipients(released, "anna@example.com,el\ngone@example.com,en\nquiet@example.com,en\nleft@example.com,el\n")
    released.policy("unsubscribe", "--journal", "journal.sqlite", "quiet@example.com")
    import sqlite3

    with sqlite3.connect(released.root / "journal.sqlite") as db:  # as the one-click endpoint records it
        db.execute("INSERT INTO suppressed VALUES ('left@example.com', 'one-click', 0)")
    assert send(released, smtp(inbox)).returncode == 1  # one refused
    folder, data = report(released)
    outcomes = {r["email"]: r["outcome"] for r in data["recipients"]}
    assert outcomes == {"anna@example.com": "sent", "gone@example.com": "failed",
                        "quiet@example.com": "suppressed", "left@example.com": "unsubscribed"}
    replies = {r["email"]: r["server_reply"] for r in data["recipients"]}
    assert replies["gone@example.com"].startswith("550") and replies["anna@example.com"].startswith("250")
    totals = (folder / "totals.csv").read_bytes().decode("utf-8-sig")
    assert "sent / εστάλη,1" in totals and "unsubscribed / απεγγράφηκε,1" in totals and ",4" in totals
    hashed, hashed_data = report(released, "--hash-addresses")
    assert hashed != folder  # an earlier report is never overwritten
    for name in ("recipients.csv", "report.json", "totals.csv"):
        text = (hashed / name).read_text(encoding="utf-8-sig")
        assert not any(f"{name}@" in text for name in ("anna", "gone", "quiet", "left"))
    rows = csv_rows(hashed)
    digests = {row["email SHA-256 / SHA-256 της διεύθυνσης ηλεκτρονικού ταχυδρομείου"] for row in rows}
    assert hashlib.sha256(b"anna@example.com").hexdigest() in digests and len(digests) == 4
    assert hashed_data["addresses"] == "sha256"
    manifest_holds(hashed)


def test_report_of_an_unknown_version_or_journal_is_explained(released: PolicyRepo) -> None:
    missing = released.policy("notify", "report", "1.1", "--journal", "nope.sqlite", check=False)
    assert missing.returncode == 1 and "no delivery journal at nope.sqlite" in missing.stderr
    released.policy("unsubscribe", "--journal", "journal.sqlite", "x@example.com")
    empty = released.policy("notify", "report", "9.9", "--journal", "journal.sqlite", check=False)
    assert empty.returncode == 1 and "records no notice of version '9.9'" in empty.stderr


@pytest.mark.parametrize("rate, gap", [("20/s", 0.05), ("300/min", 0.2)])
def test_rate_and_max_spread_a_send_over_runs(released: PolicyRepo, smtp, rate: str, gap: float) -> None:  # noqa: F811
    inbox = Inbox()
    people = [f"p{i}@example.com" for i in range(6)]
    recipients(released, "".join(f"{p},en\n" for p in people))
    address = smtp(inbox)
    started = time.monotonic()
    first = send(released, address, "--rate", rate, "--max", "4")
    took = time.monotonic() - started
    assert first.returncode == 0, first.stderr
    assert "Done: sent 4" in first.stderr and "2 message(s) left for the next run (--max 4)" in first.stderr
    assert len(inbox.recipients()) == 4
    assert "about" in first.stderr and "left" in first.stderr  # the progress line gives the time left
    assert took >= 3 * gap  # four messages: three gaps at least
    second = send(released, address, "--rate", rate, "--max", "4", "-q")
    assert "Done: sent 2, already sent 4" in second.stderr and "about" not in second.stderr
    assert sorted(inbox.recipients()) == sorted(people)
    _folder, data = report(released)
    assert len({r["run"] for r in data["recipients"]}) == 2 and len(data["runs"]) == 2
    assert {run["max_count"] for run in data["runs"]} == {4}


@pytest.mark.parametrize("rate", ["fast", "0/s", "-3/s", "10/week"])
def test_a_rate_that_is_no_rate_is_refused(released: PolicyRepo, rate: str) -> None:
    recipients(released, "anna@example.com,en\n")
    done = send(released, "127.0.0.1:9", "--rate", rate)
    assert done.returncode == 2 and "is not a rate" in done.stderr and "10/s" in done.stderr
