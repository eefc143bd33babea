"""The delivery journal (SQLite): who got which release, the lock of a sending run, and the
suppression list that every send honours.

Statuses: `sending` (handed to the server, answer not yet recorded), `sent`, `failed`
(refused for good), `unknown` (the run died or the server did not answer after the message
was transmitted: it may have arrived). A `sending` row found by the next run was left by a
run that died mid-send: it becomes `unknown`, and is resent only when the operator asks.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from site_builder.errors import PolicyError

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS deliveries (release TEXT, email TEXT, status TEXT, message_id TEXT,"
    " attempts INTEGER DEFAULT 0, detail TEXT, updated REAL, PRIMARY KEY (release, email))",
    "CREATE TABLE IF NOT EXISTS suppressed (email TEXT PRIMARY KEY, source TEXT, at REAL)",
)


@contextlib.contextmanager
def sending_lock(path: Path, *, wait: bool, say: Callable[[str], None]) -> Iterator[None]:
    """One sending run per journal: a second one waits for the first, or stops at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path) + ".lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if not wait:
            raise PolicyError(f"another `policy notify --send` is using {path} right now; nothing was sent. "
                              "Wait for it, or run again without --no-wait to wait") from None
        say(f"Another run is sending with {path}; waiting for it to finish…")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


class Journal:
    """SQLite record of every delivery, keyed by release and recipient (one connection per thread)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        try:
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            for statement in SCHEMA:
                self.db.execute(statement)
        except sqlite3.Error as exc:
            raise PolicyError(f"cannot use the delivery journal {path}: {exc}") from None

    def recover(self) -> int:
        """Rows left `sending` by a run that died: their outcome is unknown. Returns how many."""
        return self.db.execute("UPDATE deliveries SET status='unknown', detail='the sending run stopped before the "
                               "server answered', updated=? WHERE status='sending'", (time.time(),)).rowcount

    def status(self, release: str, email: str) -> str | None:
        row = self.db.execute("SELECT status FROM deliveries WHERE release=? AND email=?", (release, email.lower())).fetchone()
        return row[0] if row else None

    def start(self, release: str, email: str, message: str) -> None:
        """Written just before the message goes to the server."""
        self.db.execute(
            "INSERT INTO deliveries (release, email, status, message_id, attempts, detail, updated) VALUES (?,?,'sending',?,1,'',?)"
            " ON CONFLICT(release, email) DO UPDATE SET status='sending', attempts=attempts + 1, updated=excluded.updated",
            (release, email.lower(), message, time.time()))

    def mark(self, release: str, email: str, status: str, detail: str = "") -> None:
        """The outcome (`sent` / `failed` / `unknown`), written once known."""
        self.db.execute("UPDATE deliveries SET status=?, detail=?, updated=? WHERE release=? AND email=?",
                        (status, detail, time.time(), release, email.lower()))

    def counts(self, release: str) -> dict[str, int]:
        return dict(self.db.execute("SELECT status, COUNT(*) FROM deliveries WHERE release=? GROUP BY status", (release,)))

    def suppress(self, email: str, source: str) -> bool:
        """Add an address to the suppression list; False when it was there already."""
        return self.db.execute("INSERT OR IGNORE INTO suppressed (email, source, at) VALUES (?,?,?)",
                               (email.strip().lower(), source, time.time())).rowcount == 1

    def suppressed(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT email FROM suppressed")}

    def close(self) -> None:
        self.db.close()
