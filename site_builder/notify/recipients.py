"""The recipients file, checked whole before the first message: encoding, addresses, languages."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from site_builder.errors import PolicyError
from site_builder.mailbox import address_problem

CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


@dataclass(frozen=True)
class Recipient:
    email: str
    lang: str
    line: int


@dataclass(frozen=True)
class RecipientList:
    """The valid rows, and every problem as (line, message)."""

    people: tuple[Recipient, ...]
    problems: tuple[tuple[int, str], ...]
    duplicates: int


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PolicyError(f"{path}:{line}: not UTF-8 (byte {raw[exc.start]:#04x}); nothing was sent. Save the file as UTF-8 "
                          "(in a spreadsheet: \"CSV UTF-8\") and run again") from None


def load_recipients(path: Path, languages: tuple[str, ...]) -> RecipientList:
    """Read `email,language` rows (a header row is optional); collect every problem with its line.

    `languages`: the notice's languages, the policy's source language first (a row without a
    language gets it)."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise PolicyError(f"recipients file {path} does not exist; give a CSV with email,language rows") from None
    except OSError as exc:
        raise PolicyError(f"cannot read recipients {path}: {exc.strerror}") from None
    reader = csv.reader(io.StringIO(_decode(raw, path), newline=""))
    people: list[Recipient] = []
    problems: list[tuple[int, str]] = []
    seen: set[str] = set()
    duplicates = 0
    for row in reader:
        line = reader.line_num
        if not row or not any(cell.strip() for cell in row):
            continue
        if line == 1 and row[0].strip().lower() in ("email", "e-mail", "address"):
            continue
        email = row[0].strip()
        lang = (row[1].strip().lower() if len(row) > 1 else "") or languages[0]
        if CONTROL.search(",".join(row)):
            problems.append((line, f"{email[:60]!r} holds a line break or control character"))
        elif address_problem(email):  # the very check a message is sent with
            problems.append((line, f"{email[:60]!r} {address_problem(email)}"))
        elif lang not in languages:
            problems.append((line, f"language {lang[:10]!r} for {email}: the notice exists in {', '.join(languages)} "
                                   "(the languages of policy/policy.yml); write one of them, or leave it empty for "
                                   f"{languages[0]}"))
        elif email.lower() in seen:
            duplicates += 1  # the same person listed twice gets one message
        else:
            seen.add(email.lower())
            people.append(Recipient(email, lang, line))
    return RecipientList(tuple(people), tuple(problems), duplicates)
