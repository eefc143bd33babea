"""The delivery journal (SQLite): who got which release, the lock of a sending run, and the
suppression list that every send honours.

Statuses: `sending` (handed to the server, answer not yet recorded), `sent`, `failed`
(refused for good), `unknown` (the run died or the server did not answer after the message
was transmitted: it may have arrived), `suppressed` (on the suppression list when the run
reached it: not sent). A `sending` row found by the next run was left by a run that died
mid-send: it becomes `unknown`, and is resent only when the operator asks.

Each row also keeps the proof of notice: the recipient's language, when the message was handed
to the server, the server's reply (its queue id) and the run that sent it (`runs` says when
each run started, where, and with which limits).
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
    "CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, release TEXT, started REAL, host TEXT, pid INTEGER,"
    " rate REAL, max_count INTEGER)",
)
# Columns added after the first journals were written: added to an older journal when it is opened.
ADDED_COLUMNS = (("lang", "TEXT DEFAULT ''"), ("handed", "REAL"), ("run_id", "TEXT DEFAULT ''"))


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
            have = {row[1] for row in self.db.execute("PRAGMA table_info(deliveries)")}
            for name, kind in ADDED_COLUMNS:
                if name not in have:
                    self.db.execute(f"ALTER TABLE deliveries ADD COLUMN {name} {kind}")
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
    def start(self, release: str, email: str, message: str, lang: str = "", run_id: str = "") -> None:
        """Written just before the message goes to the server: the time it is handed over."""
        now = time.time()
        self.db.execute(
            "INSERT INTO deliveries (release, email, status, message_id, attempts, detail, updated, lang, handed, run_id)"
            " VALUES (?,?,'sending',?,1,'',?,?,?,?) ON CONFLICT(release, email) DO UPDATE SET status='sending',"
            " attempts=attempts + 1, updated=excluded.updated, lang=excluded.lang, handed=excluded.handed,"
            " run_id=excluded.run_id",
            (release, email.lower(), message, now, lang, now, run_id))

    @_named
    def skipped(self, release: str, email: str, lang: str, source: str, run_id: str) -> None:
        """A recipient the run left out because the address is on the suppression list."""
        self.db.execute(
            "INSERT INTO deliveries (release, email, status, message_id, attempts, detail, updated, lang, run_id)"
            " VALUES (?,?,'suppressed','',0,?,?,?,?) ON CONFLICT(release, email) DO UPDATE SET status='suppressed',"
            " detail=excluded.detail, updated=excluded.updated, run_id=excluded.run_id WHERE status != 'sent'",
            (release, email.lower(), source, time.time(), lang, run_id))

    @_named
    def begin_run(self, release: str, rate: float | None, max_count: int | None) -> str:
        """Record a sending run; returns its id (kept on every row it sends)."""
        run_id = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{os.getpid()}-{os.urandom(3).hex()}"
        self.db.execute("INSERT INTO runs (run_id, release, started, host, pid, rate, max_count) VALUES (?,?,?,?,?,?,?)",
                        (run_id, release, time.time(), socket.gethostname(), os.getpid(), rate, max_count))
        return run_id

    @_named
    def rows(self, release: str) -> list[dict[str, Any]]:
        """Every delivery row of a release, oldest hand-over first (the report's input)."""
        cursor = self.db.execute(
            "SELECT email, lang, release, handed, status, detail, message_id, attempts, run_id, updated"
            " FROM deliveries WHERE release=? ORDER BY COALESCE(handed, updated), email", (release,))
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    @_named
    def suppression_sources(self) -> dict[str, tuple[str, float]]:
        """Each suppressed address: how it got there (`by hand`, the unsubscribe link…) and when."""
        return {row[0]: (row[1], row[2]) for row in self.db.execute("SELECT email, source, at FROM suppressed")}

    @_named
    def runs(self, release: str) -> list[dict[str, Any]]:
        cursor = self.db.execute("SELECT run_id, started, host, pid, rate, max_count FROM runs WHERE release=?"
                                 " ORDER BY started", (release,))
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

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
