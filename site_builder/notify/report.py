"""`policy notify report VERSION`: proof of notice, read from the delivery journal.

One row per recipient of the release (the journal holds one per release and address, so a run
that was killed and resumed still shows each recipient once): the address or its SHA-256, the
language, when the message was handed to the server, the server's reply (its queue id), the
outcome and the run that sent it. Written as `recipients.csv` (column names in English and
Greek, for the people who read it), `totals.csv`, `report.json` (the same rows, the totals and
the runs, for programs) and `SHA256SUMS` (the SHA-256 of each file, checkable with
`sha256sum -c SHA256SUMS`), in a new folder: an earlier report is never overwritten.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from site_builder.errors import PolicyError
from site_builder.i18n import available_languages, t
from site_builder.notify.journal import Journal

OUTCOMES = ("sent", "failed", "unknown", "suppressed", "unsubscribed")
BY_HAND = "by hand"  # the suppression source of `policy unsubscribe`; any other is the recipient's own link


def _all(key: str, languages: tuple[str, ...]) -> str:
    """A column name as a human reads it, in every language of the policy: English / Greek."""
    return " / ".join(t(lang, key) for lang in languages)


def _when(stamp: float | None) -> str:
    if stamp is None:
        return ""
    return dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def outcome(row: dict[str, Any], sources: dict[str, tuple[str, float]]) -> str:
    status = row["status"]
    if status == "suppressed":
        source = sources.get(row["email"], (row["detail"] or BY_HAND, 0.0))[0]
        return "suppressed" if source == BY_HAND else "unsubscribed"
    return status if status in ("sent", "failed") else "unknown"  # `sending` left by a killed run: unknown


def report_rows(journal: Path, version: str, *, hash_addresses: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(one dict per recipient, the runs) of `version`, from the journal."""
    if not journal.is_file():
        raise PolicyError(f"no delivery journal at {journal}: nothing was sent with it. Give --journal the file "
                          "`policy notify --send` used")
    store = Journal(journal)
    try:
        rows, sources, runs = store.rows(version), store.suppression_sources(), store.runs(version)
    finally:
        store.close()
    if not rows:
        raise PolicyError(f"the journal {journal} records no notice of version {version!r}; "
                          "check the version and the --journal file")
    out = []
    for row in rows:
        address, reply = row["email"], row["detail"] or ""
        if hash_addresses:  # nor in the server's words ("550 <anna@example.com>: no such user")
            address = hashlib.sha256(address.encode("utf-8")).hexdigest()
            reply = re.sub(re.escape(row["email"]), address, reply, flags=re.IGNORECASE)
        out.append({
            "email_sha256" if hash_addresses else "email": address,
            "language": row["lang"] or "",
            "version": row["release"],
            "handed_utc": _when(row["handed"]),
            "server_reply": reply,
            "outcome": outcome(row, sources),
            "run": row["run_id"] or "",
            "attempts": row["attempts"] or 0,
            "message_id": row["message_id"] or "",
        })
    run_list = [{**run, "started_utc": _when(run.pop("started"))} for run in runs]
    return out, run_list


_HEADER_KEYS = {"email": "report.email", "email_sha256": "report.email_sha256", "language": "report.language",
                "version": "report.version", "handed_utc": "report.handed", "server_reply": "report.reply",
                "outcome": "report.outcome", "run": "report.run", "attempts": "report.attempts",
                "message_id": "report.message_id"}


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM: spreadsheets then read the Greek right


def _cell(value: Any) -> Any:
    """A cell no spreadsheet runs as a formula (a server reply is text from outside)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_report(journal: Path, version: str, out: Path, *, hash_addresses: bool,
                 languages: tuple[str, ...] | None = None) -> tuple[Path, dict[str, int]]:
    """Write the report into a new folder under `out`; returns it and the totals. Headers and outcomes
    are named in `languages` (the policy's; by default every language the tool has words for)."""
    langs = languages or available_languages()
    rows, runs = report_rows(journal, version, hash_addresses=hash_addresses)
    totals = {name: sum(row["outcome"] == name for row in rows) for name in OUTCOMES}
    columns = list(rows[0])
    files = {
        "recipients.csv": _csv([_all(_HEADER_KEYS[c], langs) for c in columns], [[row[c] for c in columns] for row in rows]),
        "totals.csv": _csv([_all("report.outcome", langs), _all("report.count", langs)],
                           [[_all(f"outcome.{name}", langs), totals[name]] for name in OUTCOMES]
                           + [[_all("report.total", langs), len(rows)]]),
        "report.json": (json.dumps({"version": version, "generated_utc": _when(time.time()),
                                    "journal": str(journal), "addresses": "sha256" if hash_addresses else "plain",
                                    "totals": {**totals, "total": len(rows)}, "runs": runs, "recipients": rows},
                                   ensure_ascii=False, indent=1) + "\n").encode("utf-8"),
    }
    files["SHA256SUMS"] = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in files.items()).encode()
    base = f"report-{version}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"
    folder = out / base
    for count in range(2, 100):
        if not os.path.lexists(folder):
            break
        folder = out / f"{base}-{count}"
    staged = out / f".{folder.name}.partial-{os.getpid()}"
    try:
        staged.mkdir(parents=True)
        for name, data in files.items():
            (staged / name).write_bytes(data)
        if os.path.lexists(folder):
            raise PolicyError(f"{folder} exists already; run again")
        staged.rename(folder)
    except OSError as exc:
        raise PolicyError(f"cannot write the report under {out}: {exc.strerror or exc}; give --out a folder you can "
                          "write to") from None
    finally:
        if staged.exists():
            for child in staged.iterdir():
                child.unlink()
            staged.rmdir()
    return folder, totals
