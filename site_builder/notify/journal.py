"""The delivery journal (SQLite): who got which release, the lock of a sending run, and the
suppression list that every send honours.

Statuses: `sending` (handed to the server, answer not yet recorded), `sent`, `failed`
(refused for good), `unknown` (the run died or the server did not answer after the message
was transmitted: it may have arrived). A `sending` row found by the next run was left by a
run that died mid-send: it becomes `unknown`, and is resent only when the operator asks.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from filelock import FileLock, Timeout

from site_builder.errors import PolicyError

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS deliveries (release TEXT, email TEXT, status TEXT, message_id TEXT,"
    " attempts INTEGER DEFAULT 0, detail TEXT, updated REAL, PRIMARY KEY (release, email))",
    "CREATE TABLE IF NOT EXISTS suppressed (email TEXT PRIMARY KEY, source TEXT, at REAL)",
)


@contextlib.contextmanager
def sending_lock(path: Path, *, wait: bool, say: Callable[[str], None]) -> Iterator[None]:
    """One sending run per journal: a second one says at once who holds it, then waits or stops."""
    lock_path = Path(str(path) + ".lock")
    owner = Path(str(path) + ".lock.owner")  # beside the lock: who holds it (the lock file itself is the OS lock's)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(lock_path))
        lock.acquire(timeout=0)
    except Timeout:
        holder = _holder(owner)
        if not wait:
            raise PolicyError(f"another `policy notify --send` is using {path} right now ({holder}); nothing was sent. "
                              "Wait for it, or run again without --no-wait to wait") from None
        say(f"Another run is sending with {path} ({holder}); waiting for it to finish…")
        lock.acquire()
    except OSError as exc:
        raise PolicyError(f"cannot create the lock {lock_path} of the delivery journal: {exc.strerror or exc}; "
                          "nothing was sent. Give --journal a folder you can write to") from None
    try:
        _write_owner(owner)
        yield
    finally:
        with contextlib.suppress(OSError):
            owner.unlink()
        lock.release()


def _write_owner(owner: Path) -> None:
    try:
        owner.write_text(f"pid {os.getpid()} on {socket.gethostname()}, since "
                         f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}\n", encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"cannot write {owner} beside the delivery journal: {exc.strerror or exc}; nothing was sent") from None


def _holder(owner: Path) -> str:
    """Who holds the lock, as it wrote beside it: `pid 123 on host, since ...`."""
    try:
        text = owner.read_text(encoding="utf-8", errors="replace").strip()[:200]
    except OSError:
        text = ""
    return f"held by {text}" if text else f"its holder did not say who it is; see {owner}"


BUSY_WAIT = 5.0  # seconds another program's write may hold the database before we say so
F = TypeVar("F", bound=Callable[..., Any])


def journal_error(path: Path, exc: BaseException) -> PolicyError:
    """A journal problem as users can act on it: the path, what SQLite or the system said, what to do."""
    said = getattr(exc, "strerror", None) or str(exc)
    if "locked" in said or "busy" in said:
        hint = (f"another program held it for {BUSY_WAIT:.0f} s (an unsubscribe endpoint, a sqlite3 shell, a backup); "
                "close it and run again")
    elif "full" in said:
        hint = "the disk is full; free space and run again"
    elif "readonly" in said or "read-only" in said or "permission" in said.lower() or "unable to open" in said:
        hint = "it (or its folder) cannot be written; fix the permissions or give another --journal"
    elif "malformed" in said or "not a database" in said:
        hint = "it is damaged; restore it from a backup (it records who was sent what)"
    else:
        hint = "check the file and its folder"
    return PolicyError(f"delivery journal {path}: {said}; {hint}")


def _named(method: F) -> F:
    """SQLite and disk errors of a journal method raised as a PolicyError naming the journal."""

    @functools.wraps(method)
    def wrapper(self: Journal, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.Error, OSError) as exc:
            raise journal_error(self.path, exc) from None
    return wrapper  # type: ignore[return-value]


class Journal:
    """SQLite record of every delivery, keyed by release and recipient (one connection per thread)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_WAIT)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            for statement in SCHEMA:
                self.db.execute(statement)
        except (sqlite3.Error, OSError) as exc:
            raise journal_error(path, exc) from None

    @_named
    def recover(self) -> int:
        """Rows left `sending` by a run that died: their outcome is unknown. Returns how many."""
        return self.db.execute("UPDATE deliveries SET status='unknown', detail='the sending run stopped before the "
                               "server answered', updated=? WHERE status='sending'", (time.time(),)).rowcount

    @_named
    def status(self, release: str, email: str) -> str | None:
        row = self.db.execute("SELECT status FROM deliveries WHERE release=? AND email=?", (release, email.lower())).fetchone()
        return row[0] if row else None

    @_named
    def start(self, release: str, email: str, message: str) -> None:
        """Written just before the message goes to the server."""
        self.db.execute(
            "INSERT INTO deliveries (release, email, status, message_id, attempts, detail, updated) VALUES (?,?,'sending',?,1,'',?)"
            " ON CONFLICT(release, email) DO UPDATE SET status='sending', attempts=attempts + 1, updated=excluded.updated",
            (release, email.lower(), message, time.time()))

    @_named
    def mark(self, release: str, email: str, status: str, detail: str = "") -> None:
        """The outcome (`sent` / `failed` / `unknown`), written once known."""
        self.db.execute("UPDATE deliveries SET status=?, detail=?, updated=? WHERE release=? AND email=?",
                        (status, detail, time.time(), release, email.lower()))

    @_named
    def counts(self, release: str) -> dict[str, int]:
        return dict(self.db.execute("SELECT status, COUNT(*) FROM deliveries WHERE release=? GROUP BY status", (release,)))

    @_named
    def suppress(self, email: str, source: str) -> bool:
        """Add an address to the suppression list; False when it was there already."""
        return self.db.execute("INSERT OR IGNORE INTO suppressed (email, source, at) VALUES (?,?,?)",
                               (email.strip().lower(), source, time.time())).rowcount == 1

    @_named
    def suppressed(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT email FROM suppressed")}

    def close(self) -> None:
        self.db.close()
