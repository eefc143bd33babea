"""`policy build`: the one place that knows the order of the stages, and nothing else.

plan (read and validate everything) -> lock the output -> stage beside it -> workers render the
languages (language.py) while this process writes the root files and the history archive ->
notice previews -> stamp -> swap the staged site in. A failed build leaves the previous output
untouched.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import click

from site_builder.errors import PolicyError
from site_builder.site import stamp, writer
from site_builder.site.archive import write_history
from site_builder.site.plan import SitePlan, forget_changes, plan_site
from site_builder.site.root_files import write_notice_previews, write_root_files
from site_builder.site.workers import Workers


def build_site(root: Path, *, out: Path | None = None, draft: bool = False, today: dt.date | None = None,
               site_url: str | None = None, quiet: bool = False, wait: bool = True, parallel: bool = True) -> Path:
    """`policy build`: the whole versioned bilingual site, published atomically under a lock.

    `parallel=False` renders in this process: a process with threads of its own (the preview
    server) must not fork."""
    started = time.monotonic()
    say = (lambda line: None) if quiet else (lambda line: click.echo(line, err=True))
    today = today or dt.date.today()
    target = writer.target(Path(root), out)
    writer.check_target(target, Path(root))
    value = stamp.stamp(Path(root).resolve(), draft=draft, today=today,
                        site_url=(site_url.rstrip("/") + "/") if site_url else None)
    if writer.up_to_date(target, value):  # before any worker is started
        say(f"Up to date: {target} (nothing changed since the last build)")
        return target
    forget_changes()
    with Workers(Path(root) if parallel else None) as workers:
        plan = plan_site(Path(root), out=target, draft=draft, today=today, site_url=site_url)
        try:
            with writer.locked(plan.out, repo=plan.root, wait=wait, say=say):
                spare, others = writer.clean_leftovers(plan.out)
                if writer.up_to_date(plan.out, value):
                    say(f"Up to date: {plan.out} (another build made it meanwhile)")
                    return plan.out
                stale = writer.Sweeper(others)
                tmp = writer.staging(plan.out, spare)
                try:
                    _build_into(workers, plan, tmp, stale, value, quiet, say)
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
                    stale.finish()
        except OSError as exc:
            raise writer.write_error(exc, plan.out) from None
    if not quiet:
        pages = sum(1 for _ in plan.out.rglob("*.html"))
        click.echo(f"Done: {len(plan.snapshots)} version(s), {pages} pages in {time.monotonic() - started:.1f} seconds", err=True)
    return plan.out


def _build_into(workers: Workers, plan: SitePlan, tmp: Path, stale: writer.Sweeper, value: str, quiet: bool,
                say: Callable[[str], None]) -> None:
    """Build the site in the staging folder `tmp` and publish it."""
    # The spare tree keeps only its language folders; each worker prunes its own.
    writer.prune_root(tmp / writer.SITE, plan.languages)
    site, state = writer.Output(tmp / writer.SITE), writer.Output(tmp / writer.STATE)
    say(f"Building {len(plan.snapshots)} version(s) in {', '.join(plan.languages)} → {plan.out}")

    def meanwhile() -> None:  # while the workers render the languages
        stale.start()
        write_root_files(plan, site)
        write_history(plan, site, state)

    problems = workers.render(plan, tmp, quiet, meanwhile=meanwhile)
    if problems:
        raise PolicyError("the build failed; the previous site is untouched:\n" + "\n".join(problems))
    if plan.pending is not None:
        write_notice_previews(plan, site)
    state.write(writer.STAMP, value)
    # The engine's scratch (a copy of every rendered page) goes first: a build killed right after
    # publishing leaves an empty staging folder, not a second site, until the next build.
    shutil.rmtree(tmp / writer.WORK, ignore_errors=True)
    writer.publish(tmp, plan.out)


