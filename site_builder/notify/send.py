"""`policy notify`: the notice files, or the sending run.

A run takes the journal's lock (a second sender waits or stops), checks the whole recipients
file, opens the SMTP connection (set-up errors stop it before anything is sent), then
prepares messages while one SMTP thread sends them and records each outcome at once.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import click

from site_builder.errors import PolicyError
from site_builder.notify.compose import Notice, NoticeSettings, build_notices
from site_builder.notify.journal import Journal, sending_lock
from site_builder.notify.mime import message_id, render, secret
from site_builder.notify.recipients import Recipient, load_recipients
from site_builder.notify.smtp import FAILED, SENT, UNKNOWN, Mailer, SmtpOptions
from site_builder.paths import repository_place


def write_notice(root: Path, *, version: str, out: Path | None, site_url: str | None) -> list[Path]:
    """`policy notify VERSION`: <lang>.eml with both bodies beside it to preview."""
    notices, conf = build_notices(Path(root), version, site_url)
    folder = Path(out or Path(root) / "notices" / version)
    names = {f"{notice.lang}.{kind}" for notice in notices for kind in ("eml", "txt", "html")}
    _check_notice_folder(folder, Path(root).resolve(), names)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for notice in notices:
        raw = render(notice, conf, None)
        msg = message_from_bytes(raw, policy=default)
        for name, data in ((f"{notice.lang}.eml", raw), (f"{notice.lang}.txt", _body(msg, "plain")),
                           (f"{notice.lang}.html", _body(msg, "html"))):
            path = folder / name
            path.unlink(missing_ok=True)  # replaced, never written through a link
            path.write_bytes(data)
            written.append(path)
    return written


def _check_notice_folder(folder: Path, repo: Path, names: set[str]) -> None:
    """The notices go into a folder of their own: missing, or holding nothing but notices of this tool."""
    why = repository_place(folder.absolute(), repo) or repository_place(folder.resolve(), repo)
    if why is None and folder.is_symlink():
        why = "it is a symbolic link"
    if why is None and folder.exists():
        if not folder.is_dir():
            why = "it is a file, not a folder"
        else:
            foreign = sorted(entry.name for entry in os.scandir(folder)
                             if entry.name not in names or not entry.is_file(follow_symlinks=False))
            if foreign:
                why = f"it holds files that are not this release's notices (such as {foreign[0]})"
    if why is not None:
        raise PolicyError(f"--out {folder}: {why}; nothing was written. Write the notices into a new or empty folder")


def _body(msg, subtype: str) -> bytes:  # noqa: ANN001 - an email.message.EmailMessage
    body = msg.get_body((subtype,))
    return body.get_content().encode("utf-8") if body is not None else b""


@dataclass
class SendReport:
    """What a `--send` run did."""

    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    unknown: int = 0  # this run: transmitted, no answer
    unknown_before: int = 0  # earlier runs' unknown outcomes, not resent
    suppressed: int = 0
    invalid: int = 0
    deferred: int = 0  # left for a later run by --max
    run_id: str = ""
    failures: list[str] = field(default_factory=list)
    unknowns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SendOptions:
    """Everything a sending run is told on the command line."""

    recipients: Path
    smtp: SmtpOptions | None
    journal: Path
    dry_run: bool = False
    quiet: bool = False
    skip_invalid: bool = False
    resend_unknown: bool = False
    wait: bool = True
    rate: float | None = None  # messages per second at most (providers throttle)
    max_count: int | None = None  # messages this run at most; the next run sends the rest


def send_notice(root: Path, *, version: str, options: SendOptions, site_url: str | None = None) -> SendReport:
    """`policy notify VERSION --send`: one message per recipient, in their language, each once."""
    notices, conf = build_notices(Path(root), version, site_url)
    by_lang = {n.lang: n for n in notices}
    key = secret() if conf.needs_secret else None  # refuses before anything when the https route has no key
    listed = load_recipients(options.recipients, tuple(by_lang))
    for line, problem in listed.problems:
        click.echo(f"{options.recipients}:{line}: {problem}", err=True)
    if listed.problems and not options.skip_invalid:
        raise PolicyError(f"{len(listed.problems)} problem(s) in {options.recipients} (listed above); nothing was sent. "
                          "Fix the file, or pass --skip-invalid to send to the valid rows only")
    report = SendReport(invalid=len(listed.problems))
    say = (lambda line: None) if options.quiet else (lambda line: click.echo(line, err=True))
    started = time.monotonic()
    with sending_lock(options.journal, wait=options.wait or options.dry_run, say=say):
        store = Journal(options.journal)
        try:
            if not options.dry_run:
                store.recover()
                report.run_id = store.begin_run(version, options.rate, options.max_count)
            todo = _todo(listed.people, version, store, options, report)
            if options.max_count is not None and len(todo) > options.max_count:
                report.deferred = len(todo) - options.max_count
                todo = todo[:options.max_count]
            if options.dry_run:
                for person in todo:
                    say(f"would send the {person.lang} notice to {person.email}")
                report.sent = len(todo)
            elif todo:
                assert options.smtp is not None
                mailer = Mailer(options.smtp)
                mailer.connect()  # set-up errors stop the run before anything is sent
                try:
                    _send_all(todo, by_lang, conf, key, options, mailer, report, say)
                except PolicyError:
                    _summary(report, options, started)  # what did happen, before why the run stopped
                    raise
                finally:
                    mailer.close()
        finally:
            store.close()
    _summary(report, options, started)
    return report


def _todo(people: tuple[Recipient, ...], version: str, store: Journal, options: SendOptions,
          report: SendReport) -> list[Recipient]:
    """Who still gets a message: not sent before, not unsubscribed, not of unknown outcome."""
    suppressed = store.suppression_sources()
    todo = []
    for person in people:
        status = store.status(version, person.email)
        if person.email.lower() in suppressed:
            report.suppressed += 1
            if not options.dry_run and status != SENT:
                store.skipped(version, person.email, person.lang, suppressed[person.email.lower()][0], report.run_id)
        elif status == SENT:
            report.already_sent += 1
        elif status in (UNKNOWN, "sending") and not options.resend_unknown:
            report.unknown_before += 1
        else:
            todo.append(person)
    return todo


def _summary(report: SendReport, options: SendOptions, started: float) -> None:
    verb = "would send" if options.dry_run else "sent"
    click.echo(f"Done: {verb} {report.sent}, already sent {report.already_sent}, unknown {report.unknown}, "
               f"failed {report.failed}, unsubscribed {report.suppressed}, invalid rows skipped {report.invalid} "
               f"in {time.monotonic() - started:.1f}s" + (f" (run {report.run_id})" if report.run_id else ""), err=True)
    if report.deferred:
        click.echo(f"{report.deferred} message(s) left for the next run (--max {options.max_count}): run the same "
                   "command again to send them", err=True)
    if report.unknown or report.unknown_before:
        click.echo(f"warning: {report.unknown + report.unknown_before} message(s) have an unknown outcome (the server did not "
                   "answer after receiving them, or a run died while sending): they may have arrived and were not "
                   "sent again; check the server's log, then run again with --resend-unknown if they did not", err=True)
    for unknown in report.unknowns:
        click.echo(f"unknown: {unknown}", err=True)
    for failure in report.failures:
        click.echo(f"failed: {failure}", err=True)


@dataclass(frozen=True)
class _Outgoing:
    person: Recipient
    version: str
    message_id: str
    data: bytes


def _send_all(todo: list[Recipient], by_lang: dict[str, Notice], conf: NoticeSettings, key: str | None,
              options: SendOptions, mailer: Mailer, report: SendReport, say: Callable[[str], None]) -> None:
    """Prepare messages while an SMTP thread sends them, one at a time on one connection.

    The journal says `sending` just before a message goes to the server and its outcome as
    soon as the server answered, so a kill leaves at most one message of unknown outcome.
    """
    sender = conf.sender_addr
    eight_bit = mailer.eight_bit()
    outbox: queue.Queue[_Outgoing | None] = queue.Queue(maxsize=4)
    errors: list[BaseException] = []
    worker = threading.Thread(target=_smtp_loop, args=(outbox, mailer, sender, options, report, errors), daemon=True)
    worker.start()
    progress = _Progress(len(todo), say)
    try:
        for count, person in enumerate(todo, start=1):
            notice = by_lang[person.lang]
            out = _Outgoing(person, notice.version, message_id(notice.version, person.email, conf.sender_addr),
                            render(notice, conf, person.email, key=key, eight_bit=eight_bit))
            while not errors and worker.is_alive():
                try:
                    outbox.put(out, timeout=0.5)
                    break
                except queue.Full:
                    continue
            if errors or not worker.is_alive():
                break
            progress.update(count, report)
    finally:
        while worker.is_alive():
            try:
                outbox.put(None, timeout=0.5)
                break
            except queue.Full:
                continue
        worker.join()
    if errors:
        exc = errors[0]
        if isinstance(exc, PolicyError) and exc.format_message().startswith("sending stopped"):
            raise exc
        if isinstance(exc, PolicyError):
            raise PolicyError(f"sending stopped: {exc.format_message()}; {report.sent} message(s) were sent and stay sent, "
                              "run again to send the rest") from None
        raise PolicyError(f"sending stopped: {type(exc).__name__}: {exc}; {report.sent} message(s) were sent and stay sent, "
                          "run again to send the rest") from None


def _smtp_loop(outbox: queue.Queue[_Outgoing | None], mailer: Mailer, sender: str, options: SendOptions,
               report: SendReport, errors: list[BaseException]) -> None:
    """The SMTP thread: wait for the rate, record `sending`, send, record the outcome; any failure stops the run."""
    store: Journal | None = None
    gap = 1 / options.rate if options.rate else 0.0
    next_at = time.monotonic()
    try:
        store = Journal(options.journal)
        while (out := outbox.get()) is not None:
            if errors:
                continue
            if gap:
                time.sleep(max(0.0, next_at - time.monotonic()))
                next_at = max(next_at, time.monotonic() - gap) + gap
            store.start(out.version, out.person.email, out.message_id, out.person.lang, report.run_id)
            status, reason = mailer.send(out.data, sender, out.person.email)
            store.mark(out.version, out.person.email, status, reason)
            if status == SENT:
                report.sent += 1
            elif status == UNKNOWN:
                report.unknown += 1
                report.unknowns.append(f"{out.person.email} (line {out.person.line}): {reason}")
            else:
                assert status == FAILED
                report.failed += 1
                report.failures.append(f"{out.person.email} (line {out.person.line}): {reason}")
            if mailer.lost is not None:
                raise PolicyError(f"sending stopped: the SMTP server {mailer.where()} went away and could not be reached "
                                  f"again ({mailer.lost}); {report.sent} message(s) were sent before that and stay sent, "
                                  f"{out.person.email} is recorded as failed (not transmitted). Run the same command "
                                  "again once the server answers: it sends the rest")
    except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which stops the run
        errors.append(exc)
        while True:  # let the main thread finish putting; it checks `errors`
            try:
                if outbox.get(timeout=0.1) is None:
                    break
            except queue.Empty:
                break
    finally:
        if store is not None:
            store.close()


class _Progress:
    """A progress line every few seconds: how many of how many, the pace, and the time left."""

    EVERY = 5.0  # seconds between lines

    def __init__(self, total: int, say: Callable[[str], None]) -> None:
        self.total, self.say = total, say
        self.started = self.last = time.monotonic()

    def update(self, count: int, report: SendReport) -> None:
        now = time.monotonic()
        if now - self.last < self.EVERY and count != self.total:
            return
        self.last = now
        done = max(report.sent + report.failed + report.unknown, 1)
        pace = done / max(now - self.started, 1e-6)
        left = (self.total - done) / pace
        self.say(f"  {done} of {self.total}: {report.sent} sent, {report.failed} failed, {pace:.1f}/s, "
                 f"about {_duration(left)} left")


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h {rest // 60:02d}m" if hours else f"{rest // 60}m {rest % 60:02d}s"
