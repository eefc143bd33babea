"""The `policy` command: parse arguments, call one library function, map errors to exit codes."""

from __future__ import annotations

import datetime as dt
import functools
import gc
import json
import sys
from collections.abc import Callable
from pathlib import Path

import click

from site_builder.errors import PolicyError

repo_option = click.option("--repo", "repo", type=click.Path(file_okay=False, path_type=Path),
                           default=".", show_default=True, help="The policy repository.")


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD, like 2026-12-01") from None


def _rate(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """`--rate 10/s`, `600/min`, `5000/h` or a bare number (per second): messages per second."""
    if value is None:
        return None
    number, _, unit = value.strip().partition("/")
    seconds = {"": 1, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hour": 3600}.get(unit.strip().lower())
    try:
        rate = float(number) / seconds if seconds else 0.0
    except ValueError:
        rate = 0.0
    if not rate > 0 or rate != rate or rate == float("inf"):
        raise click.BadParameter(f"{value!r} is not a rate; write how many messages per second, minute or hour, "
                                 "like 10/s, 300/min or 5000/h")
    return rate


def _language(repo: Path, languages: tuple[str, ...], lang: str | None) -> str:
    """`--lang CODE` checked against the languages the policy publishes (None: its source language)."""
    if lang is None:
        return languages[0]
    code = lang.strip().lower()
    if code not in languages:
        _stop_on_language_problems(repo)  # `languages:` unreadable: say so, not "el is not a language of this policy"
        raise click.BadParameter(f"{lang[:20]!r} is not a language of this policy; it publishes {', '.join(languages)} "
                                 "(`languages` in policy/policy.yml)", param_hint="--lang")
    return code


def _stop_on_language_problems(repo: Path) -> None:
    """Stop with the errors of `languages:` in policy/policy.yml, if it has any."""
    from site_builder.errors import ContentError, errors_in
    from site_builder.source.content import WorkingTree, language_problems

    stop = errors_in(language_problems(WorkingTree(Path(repo))))
    if stop:
        raise ContentError(stop)


def _policy_languages(repo: Path) -> tuple[str, ...]:
    """The published languages, source first, as policy/policy.yml says (English alone if the file cannot be read);
    an unreadable `languages:` stops the command with its errors."""
    from site_builder.source.content import WorkingTree, load_snapshot
    from site_builder.source.models import DEFAULT_SOURCE

    _stop_on_language_problems(repo)  # with them, the list below is a guess
    snap, _ = load_snapshot(WorkingTree(Path(repo)), advice=False)
    return snap.languages if snap else (DEFAULT_SOURCE,)


def guarded(func: Callable) -> Callable:
    """Turn unexpected exceptions into one line (a traceback only with --debug)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.Abort, click.exceptions.Exit, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence for users
            context = click.get_current_context(silent=True)
            if context is not None and context.find_root().params.get("debug"):
                raise
            raise PolicyError(f"unexpected failure: {type(exc).__name__}: {exc} (run with --debug for details)") from None
    return wrapper


class _Policy(click.Group):
    """`policy notify report VERSION` is a command of its own, though `notify` takes a VERSION."""

    def resolve_command(self, ctx: click.Context, args: list[str]):  # noqa: ANN201 - click's signature
        if len(args) > 1 and args[0] == "notify" and args[1] == "report":
            return "notify report", notify_report, args[2:]
        return super().resolve_command(ctx, args)


@click.group(cls=_Policy, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks of unexpected errors.")
@click.version_option(package_name="site_builder")
def cli(debug: bool) -> None:
    """Keep a privacy policy as versioned, bilingual Markdown under git, and publish it."""


@cli.command()
@repo_option
@click.option("--strict", is_flag=True, help="Stale or missing translations are errors too.")
@guarded
def check(repo: Path, strict: bool) -> None:
    """Validate content, translations and release records."""
    from site_builder.source.workspace import check as run_check

    problems = run_check(repo, strict=strict)
    for problem in problems:
        click.echo(problem.format())
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    click.echo(f"{errors} error(s), {warnings} warning(s)", err=True)
    if errors:
        sys.exit(1)


@cli.group(invoke_without_command=True)
@repo_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
@guarded
def translations(ctx: click.Context, repo: Path, as_json: bool) -> None:
    """Per language and section: ok / stale / missing, with the source fingerprint."""
    if ctx.invoked_subcommand:
        return
    from site_builder.source.translations import as_json_rows, statuses

    rows = statuses(repo)
    if as_json:
        click.echo(json.dumps(as_json_rows(rows), ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row.lang}  {row.section:<28} {row.state:<8} {row.source_hash}")


@translations.command("mark")
@click.option("--repo", "repo", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The policy repository (default: the one given to `translations`, or .).")
@click.argument("lang")
@click.argument("section_ids", nargs=-1, required=True)
@click.pass_context
@guarded
def translations_mark(ctx: click.Context, repo: Path | None, lang: str, section_ids: tuple[str, ...]) -> None:
    """Record that the translation of each ID is up to date with the source text (policy/)."""
    from site_builder.source.translations import mark

    repo = repo or (ctx.parent.params["repo"] if ctx.parent else Path("."))
    for path in mark(repo, lang, list(section_ids)):
        click.echo(f"marked {path}")


def _reasons(values: tuple[str, ...]) -> dict[str, str] | None:
    """`--allow-short-notice en=... --allow-short-notice el=...` as {lang: reason}."""
    reasons: dict[str, str] = {}
    for value in values:
        lang, sep, reason = value.partition("=")
        lang = lang.strip()
        if not sep or not lang.isalpha() or len(lang) > 3:
            raise click.BadParameter(f"{value[:60]!r}: give the reason with its language, like en=REASON, "
                                     "once for each language of the policy (en=... and el=...)", param_hint="--allow-short-notice")
        if lang in reasons:
            raise click.BadParameter(f"two reasons for `{lang}`: give one per language", param_hint="--allow-short-notice")
        reasons[lang] = reason
    return reasons or None


@cli.command()
@repo_option
@click.argument("version")
@click.option("--effective", required=True, callback=_date, help="Date the version takes effect (YYYY-MM-DD).")
@click.option("--kind", required=True, type=click.Choice(["material", "minor"]))
@click.option("--summary", "summary", multiple=True, metavar="LANG=TEXT",
              help="Plain-language summary in one language, once per published language (--summary el=... "
                   "--summary en=...); asked for when omitted.")
@click.option("--summary-file", "summary_file", multiple=True, metavar="LANG=PATH",
              help="The summary in LANG read from a UTF-8 file.")
@click.option("--summary-en", default=None, help="Same as --summary en=TEXT.")
@click.option("--summary-el", default=None, help="Same as --summary el=TEXT.")
@click.option("--allow-stale", is_flag=True, help="Release although `policy check` warns (stale or missing translations, readability, key points).")
@click.option("--allow-short-notice", "short_notice", multiple=True, metavar="LANG=REASON",
              help="A material change sooner than the promised notice: the reason in each language "
                   "(--allow-short-notice en=... --allow-short-notice el=...), recorded and shown.")
@guarded
def release(repo: Path, version: str, effective: dt.date, kind: str, summary: tuple[str, ...],
            summary_file: tuple[str, ...], summary_en: str | None, summary_el: str | None, allow_stale: bool,
            short_notice: tuple[str, ...]) -> None:
    """Write changelog/VERSION.yml for the current text."""
    from site_builder.source.releases import create_release

    languages = _policy_languages(repo)
    given = _summaries(languages, summary, summary_file, {"en": summary_en, "el": summary_el})
    summaries: dict[str, str | None] = {lang: given.get(lang) for lang in languages}
    if None in summaries.values():
        summaries = _ask_summaries(repo, summaries, languages[0])
    path = create_release(repo, version=version, effective=effective, kind=kind,
                          summaries={k: v or "" for k, v in summaries.items()}, allow_stale=allow_stale,
                          short_notice=_reasons(short_notice))
    rel = path.relative_to(Path(repo).resolve())
    click.echo(f"wrote {rel}\nnext: commit the text and the record together:\n"
               f"  git add policy translations {rel} && git commit -m 'Release {version}'")


def _summaries(languages: tuple[str, ...], pairs: tuple[str, ...], files: tuple[str, ...],
               named: dict[str, str | None]) -> dict[str, str]:
    """--summary LANG=TEXT, --summary-file LANG=PATH and --summary-en/--summary-el as {lang: text}."""
    out = {lang: text for lang, text in named.items() if text is not None and lang in languages}
    for option, values in (("--summary", pairs), ("--summary-file", files)):
        for value in values:
            lang, sep, text = value.partition("=")
            lang = lang.strip().lower()
            if not sep or lang not in languages:
                raise click.BadParameter(f"{value[:60]!r}: give the summary with its language, like {languages[0]}=TEXT, "
                                         f"for each language the policy publishes ({', '.join(languages)})", param_hint=option)
            if lang in out:
                raise click.BadParameter(f"two summaries for `{lang}`: give one per language", param_hint=option)
            if option == "--summary-file":
                try:
                    text = Path(text).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise click.BadParameter(f"{text[:80]!r}: cannot read it as UTF-8 text ({exc.__class__.__name__})",
                                             param_hint=option) from None
            out[lang] = text
    return out


def _ask_summaries(repo: Path, given: dict[str, str | None], source: str) -> dict[str, str | None]:
    """Show the editor what changed since the last release, then ask for each missing summary."""
    if not sys.stdin.isatty():
        missing = ", ".join(f"--summary-{lang}" if lang in ("en", "el") else f"--summary {lang}=TEXT"  # the options for en and el
                            for lang, text in given.items() if text is None)
        raise PolicyError(f"{missing} missing: give the summaries on the command line (no terminal to ask on)")
    from site_builder.compare.render import heading, section_label
    from site_builder.revisions import compare_revisions
    from site_builder.source.workspace import open_workspace

    ws = open_workspace(repo)
    if ws.releases:
        changes = compare_revisions(ws, None, None, source)
        click.echo(f"Sections changed since {ws.releases[-1].version} (what the summaries should tell readers):")
        for sec in changes.touched:
            click.echo(f"  - {heading(sec)} [{section_label(sec, 'en')}]: {sec.words_inserted} word(s) in, {sec.words_deleted} out")
    out = dict(given)
    for lang, text in given.items():
        if text is None:
            out[lang] = click.prompt(f"Summary ({lang})")
    return out


@cli.command()
@repo_option
@click.argument("from_rev", required=False)
@click.argument("to_rev", required=False)
@click.option("--lang", default=None, metavar="CODE", help="A published language (default: the source language).")
@click.option("--format", "fmt", default="text", type=click.Choice(["text", "markdown", "json", "html"]))
@guarded
def diff(repo: Path, from_rev: str | None, to_rev: str | None, lang: str | None, fmt: str) -> None:
    """What changed between two releases, revisions or the draft (default: last release -> draft)."""
    from site_builder.compare.render import render
    from site_builder.revisions import compare_revisions
    from site_builder.source.workspace import open_workspace

    ws = open_workspace(repo)
    changes = compare_revisions(ws, from_rev, to_rev, _language(repo, ws.languages, lang))
    click.echo(render(changes, fmt, color=fmt == "text" and sys.stdout.isatty()), nl=False)


@cli.command()
@repo_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Output folder (default: site/ in the repository).")
@click.option("--draft", is_flag=True, help="Add the draft as a watermarked, noindex version.")
@click.option("--today", callback=_date, default=None, help="Build as if on this date (YYYY-MM-DD).")
@click.option("--site-url", default=None, help="Absolute URL the site is served from.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@click.option("--no-wait", is_flag=True, help="Stop at once if another build is writing the same output.")
@guarded
def build(repo: Path, out: Path | None, draft: bool, today: dt.date | None, site_url: str | None, quiet: bool,
          no_wait: bool) -> None:
    """Build the whole versioned site, in every language of the policy."""
    from site_builder.site.build import build_site

    build_site(repo, out=out, draft=draft, today=today, site_url=site_url, quiet=quiet, wait=not no_wait)


@cli.command()
@repo_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The built site (default: site/ in the repository).")
@click.option("--branch", default="gh-pages", show_default=True, help="Branch that receives one commit per deploy.")
@click.option("--push", "remote", default=None, metavar="REMOTE", help="Push the branch to this remote (one ref update).")
@click.option("--to", "to", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Instead of a branch: a folder (web root) to swap the site into atomically.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@guarded
def deploy(repo: Path, out: Path | None, branch: str, remote: str | None, to: Path | None, quiet: bool) -> None:
    """Publish the built site to a git branch (and push it), or swap it into a web root."""
    from site_builder.site.deploy import deploy_branch, deploy_folder

    source = click.get_current_context().get_parameter_source("branch")
    if to is not None and (remote is not None or source != click.core.ParameterSource.DEFAULT):
        raise PolicyError("--to DIR publishes to a folder; it cannot be combined with --branch or --push")
    if to is not None:
        deploy_folder(repo, out=out, to=to, quiet=quiet)
    else:
        deploy_branch(repo, out=out, branch=branch, remote=remote, quiet=quiet)


@cli.command()
@repo_option
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True, help="HOST:PORT to serve on.")
@guarded
def serve(repo: Path, dev_addr: str) -> None:
    """Live preview of the draft, rebuilt on save."""
    from site_builder.site.serve import serve_site

    serve_site(repo, dev_addr=dev_addr)


@cli.command()
@repo_option
@click.argument("version")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--site-url", default=None)
@click.option("--send", is_flag=True, help="Send the notice to every recipient.")
@click.option("--recipients", type=click.Path(dir_okay=False, path_type=Path), default=None, help="CSV with columns email,language.")
@click.option("--smtp", default=None, help="HOST:PORT of the SMTP server.")
@click.option("--starttls", is_flag=True, help="Upgrade the connection with STARTTLS (certificate verified).")
@click.option("--ssl", "use_ssl", is_flag=True, help="Connect with TLS from the start (certificate verified).")
@click.option("--user", default=None, help="SMTP login; the password is read from $POLICY_SMTP_PASSWORD.")
@click.option("--journal", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Delivery journal (SQLite).")
@click.option("--dry-run", is_flag=True, help="Show who would receive what, send nothing.")
@click.option("--skip-invalid", is_flag=True, help="Send to the valid rows although others are invalid.")
@click.option("--resend-unknown", is_flag=True, help="Send again the messages whose outcome is unknown.")
@click.option("--no-wait", is_flag=True, help="Stop at once if another run is sending with the same journal.")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds to wait for the server's answer.")
@click.option("--retry-delay", type=float, default=1.0, show_default=True, help="First wait (seconds) before retrying a temporary failure; doubles each time.")
@click.option("--rate", callback=_rate, default=None, metavar="N/s",
              help="Send at most N messages a second (also N/min, N/h): for providers that throttle.")
@click.option("--max", "max_count", type=click.IntRange(min=1), default=None, metavar="N",
              help="Send at most N messages in this run; run again (say, the next day) to send the rest.")
@click.option("-q", "--quiet", is_flag=True)
@guarded
def notify(repo: Path, version: str, out: Path | None, site_url: str | None, send: bool,
           recipients: Path | None, smtp: str | None, starttls: bool, use_ssl: bool, user: str | None,
           journal: Path | None, dry_run: bool, skip_invalid: bool, resend_unknown: bool, no_wait: bool,
           timeout: float, retry_delay: float, rate: float | None, max_count: int | None, quiet: bool) -> None:
    """The notice of a release: files to send, or sending it.

    `policy notify report VERSION` writes the proof of notice (see `policy notify report --help`)."""
    import os

    from site_builder.notify.send import SendOptions, send_notice, write_notice
    from site_builder.notify.smtp import SmtpOptions

    if not send:
        for path in write_notice(repo, version=version, out=out, site_url=site_url):
            click.echo(f"wrote {path}")
        return
    if recipients is None or (smtp is None and not dry_run):
        raise PolicyError("--send needs --recipients CSV and --smtp HOST:PORT")
    options = SmtpOptions.parse(smtp, starttls=starttls, use_ssl=use_ssl, user=user,
                                password=os.environ.get("POLICY_SMTP_PASSWORD"), timeout=timeout,
                                backoff=retry_delay) if smtp else None
    report = send_notice(repo, version=version, site_url=site_url, options=SendOptions(
        recipients=recipients, smtp=options, journal=Path(journal or Path(repo) / "notices" / "deliveries.sqlite"),
        dry_run=dry_run, quiet=quiet, skip_invalid=skip_invalid, resend_unknown=resend_unknown, wait=not no_wait,
        rate=rate, max_count=max_count))
    if report.failed:
        sys.exit(1)


@click.command("notify report")
@repo_option
@click.argument("version")
@click.option("--journal", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Delivery journal (SQLite).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write the report in (default: notices/VERSION/ in the repository).")
@click.option("--hash-addresses", is_flag=True, help="Each address as its SHA-256 instead of in clear.")
@guarded
def notify_report(repo: Path, version: str, journal: Path | None, out: Path | None, hash_addresses: bool) -> None:
    """Proof of notice: per recipient, language, time handed over, server reply, outcome (CSV + JSON + SHA256SUMS)."""
    from site_builder.notify.report import OUTCOMES, write_report

    folder, totals = write_report(Path(journal or Path(repo) / "notices" / "deliveries.sqlite"), version,
                                  Path(out or Path(repo) / "notices" / version), hash_addresses=hash_addresses,
                                  languages=_policy_languages(repo))
    click.echo(f"wrote {folder}")
    click.echo(", ".join(f"{name} {totals[name]}" for name in OUTCOMES) + f", total {sum(totals.values())}")


@cli.command("unsubscribe")
@repo_option
@click.argument("emails", nargs=-1, required=True)
@click.option("--journal", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Delivery journal (SQLite).")
@guarded
def unsubscribe(repo: Path, emails: tuple[str, ...], journal: Path | None) -> None:
    """Leave addresses out of every later notice (for requests that came by e-mail)."""
    from site_builder.mailbox import address_problem
    from site_builder.notify.journal import Journal

    bad = [e for e in emails if address_problem(e.strip())]
    if bad:
        raise PolicyError(f"not an e-mail address: {', '.join(repr(b[:60]) for b in bad)}")
    store = Journal(Path(journal or Path(repo) / "notices" / "deliveries.sqlite"))
    try:
        for address in emails:
            added = store.suppress(address, "by hand")
            click.echo(f"{address}: {'unsubscribed' if added else 'was unsubscribed already'}")
    finally:
        store.close()


@cli.command("unsubscribe-app")
@repo_option
@click.option("--journal", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Delivery journal (SQLite).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8025, show_default=True)
@guarded
def unsubscribe_app(repo: Path, journal: Path | None, host: str, port: int) -> None:
    """Run the one-click unsubscribe endpoint (a WSGI app: site_builder.notify.unsubscribe:make_app)."""
    from site_builder.notify.mime import secret
    from site_builder.notify.unsubscribe import serve

    serve(Path(journal or Path(repo) / "notices" / "deliveries.sqlite"), secret(), host, port,
          lambda line: click.echo(line, err=True), _policy_languages(repo))


@cli.command("readability")
@repo_option
@click.option("--lang", default=None, metavar="CODE", help="Only this language (default: every language).")
@click.option("--format", "fmt", default="text", type=click.Choice(["text", "json"]))
@guarded
def readability(repo: Path, lang: str | None, fmt: str) -> None:
    """Plain-language aid: per section and language, sentence length, long sentences and long words, against the last release."""
    from site_builder.source.readability import as_json, as_text, report
    from site_builder.source.workspace import last_release_text, open_workspace, require_valid

    ws = open_workspace(repo, advice=False)
    require_valid(ws)
    if ws.draft is None:
        return
    rows = report(ws.draft, last_release_text(ws), (_language(repo, ws.draft.languages, lang),) if lang else ws.draft.languages)
    against = ws.releases[-1].version if ws.releases else None
    click.echo(as_json(rows, against) if fmt == "json" else as_text(rows, against), nl=False)


@cli.command("gdpr")
@repo_option
@click.option("--format", "fmt", default="text", type=click.Choice(["text", "markdown", "json"]))
@click.option("--lang", default=None, metavar="CODE", help="Language of the item names (default: the source language).")
@guarded
def gdpr(repo: Path, fmt: str, lang: str | None) -> None:
    """GDPR Art. 13/14 coverage of the working text: item, sections, languages (an aid, not legal advice)."""
    from site_builder.source.gdpr import table
    from site_builder.source.workspace import open_workspace

    ws = open_workspace(repo, advice=False)
    if ws.draft is None:
        from site_builder.source.workspace import require_valid

        require_valid(ws)
        return
    click.echo(table(ws.draft, fmt, _language(repo, ws.draft.languages, lang)), nl=False)


@cli.command("import")
@repo_option
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--history", "history_path", default=None, metavar="PATH",
              help="SOURCE is a git repository: import every commit that changed PATH there.")
@click.option("--level", type=int, default=None, help="Heading level that starts a section (default: found from the text).")
@click.option("--map", "mapping", multiple=True, metavar='"TITLE=ID"', help="Keep ID for a heading renamed to TITLE (repeatable).")
@click.option("--title", default=None, help="Title of the policy (default: the document's own title heading).")
@click.option("--site-url", default="https://example.com/privacy/", show_default=True, help="site_url written to a new mkdocs.yml.")
@click.option("--lang", default=None, metavar="CODE",
              help="The language the text is in (ISO 639-1, like el or fr): it becomes the source language (default: en).")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@guarded
def import_(repo: Path, source: Path, history_path: str | None, level: int | None, mapping: tuple[str, ...],
            title: str | None, site_url: str, lang: str | None, quiet: bool) -> None:
    """Bring an existing policy into this layout: one file, a folder of dated versions, or a file's git history."""
    from site_builder.importing import import_policy
    from site_builder.source.workspace import check as run_check

    report = import_policy(source, repo=repo, history_path=history_path, level=level, mapping=mapping, title=title,
                           site_url=site_url, lang=lang, progress=(lambda line: None) if quiet else (lambda line: click.echo(line, err=True)))
    for line in report.lines:
        click.echo(line)
    problems = run_check(repo)
    errors = [p for p in problems if p.severity == "error"]
    for problem in problems:
        click.echo(problem.format())
    if errors:
        raise PolicyError(f"the imported policy has {len(errors)} error(s) (listed above); fix them, then run `policy check`")


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="policy")
    finally:
        # The command is done: the objects it made (every version's text, hundreds of pages) are
        # left for the process exit to reclaim, not traversed once more by the collector on the
        # way out (a tenth of a second after a big build).
        gc.freeze()
