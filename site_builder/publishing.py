"""Publishing: the one place that knows the order of the stages of `policy build`.

Read and validate everything, compute every version's text and changes, render each
language with one engine build (in parallel), write the feeds and JSON, then swap the
new site in place of the old one. A failed build leaves the previous output untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import click

from site_builder import build_stamp
from site_builder.config import load_config
from site_builder.compare.diffing import compare_snapshots
from site_builder.errors import ContentError, PolicyError, errors_in
from site_builder.feeds import atom_feed, changes_json, root_page, versions_json, write_sitemap
from site_builder.models import Release, Snapshot, in_force_version
from site_builder.pages import (DRAFT, Page, SiteContext, VersionView, archive_page, changes_page,
                                no_version_page, version_header, version_page)
from site_builder.workspace import open_workspace



MANIFEST = ".policy-pages.json"  # page -> key of its inputs, to reuse unchanged pages


@dataclass(frozen=True)
class SitePlan:
    """Everything read and validated before anything is written."""

    root: Path
    out: Path
    site_url: str
    site_name: str
    today: dt.date
    languages: tuple[str, ...]
    titles: dict[str, str]
    releases: tuple[Release, ...]
    snapshots: dict[str, Snapshot]  # version (or "draft") -> text
    identities: dict[str, str]  # version -> commit (or the draft's content hash)
    statuses: dict[str, str]
    in_force: str | None


def plan_site(root: Path, *, out: Path | None, draft: bool, today: dt.date | None, site_url: str | None) -> SitePlan:
    """Read the repository and decide what to build; raises on any error."""
    ws = open_workspace(root, include_uncommitted=False)
    release_problems = [p for p in errors_in(list(ws.problems)) if p.path.startswith("changelog/")]
    draft_problems = errors_in(list(ws.problems)) if draft else []
    if release_problems or draft_problems:
        raise ContentError(sorted(set(release_problems + draft_problems), key=lambda p: (p.path, p.line)), hint="nothing was written")
    today = today or dt.date.today()
    releases = list(ws.releases)
    in_force = in_force_version(releases, today)
    statuses = {r.version: r.status(today, in_force) for r in releases}
    snapshots = {r.version: ws.snapshot_of(r) for r in releases}
    identities = {r.version: r.commit for r in releases}
    if draft and ws.draft is not None:
        snapshots[DRAFT] = ws.draft
        statuses[DRAFT] = DRAFT
        identities[DRAFT] = ws.draft_hash()
    if not snapshots:
        raise PolicyError("there is nothing to publish: cut a first release with `policy release`, or build with --draft")
    latest = snapshots[DRAFT] if DRAFT in snapshots else snapshots[releases[-1].version]
    config = load_config(ws.root)
    return SitePlan(ws.root, (out or ws.root / "site").resolve(), config.url(site_url),
                    config.site_name or latest.titles["en"], today,
                    latest.languages, latest.titles, tuple(releases), snapshots, identities, statuses, in_force)


# --- per-language work (runs in a worker process) --------------------------------------


def _views(plan: SitePlan, lang: str) -> list[VersionView]:
    """Every version as one language shows it; the changes are computed later, only where needed."""
    order = [r.version for r in plan.releases] + ([DRAFT] if DRAFT in plan.snapshots else [])
    records = {r.version: r.record for r in plan.releases}
    views = []
    for i, version in enumerate(order):
        snap = plan.snapshots[version]
        shown = lang if lang in snap.languages else "en"
        views.append(VersionView(version, records.get(version), plan.statuses[version], snap.text(shown),
                                 None, order[i - 1] if i else None, order[i + 1] if i + 1 < len(order) else None,
                                 fallback=shown != lang))
    return views


_CHANGES: dict[tuple[str, str, str, str, str], object] = {}


def _with_changes(plan: SitePlan, view: VersionView, lang: str) -> VersionView:
    """The view with its changes, computed once per release and language (page and changes.json share it)."""
    if view.previous is None:
        return view
    key = (lang, view.previous, view.version, plan.identities[view.previous], plan.identities[view.version])
    if key not in _CHANGES:
        _CHANGES[key] = compare_snapshots(plan.snapshots[view.previous], plan.snapshots[view.version], lang,
                                          from_label=view.previous, to_label=view.version)
    return replace(view, changes=_CHANGES[key])


def _key(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode("utf-8")).hexdigest()


def _page_key(page: Page, tool: str) -> str:
    return _key(tool, page.markdown, *[f"{k}={v}" for k, v in sorted(page.fragments.items())])


def _plan_pages(plan: SitePlan, lang: str, views: list[VersionView], tool: str) -> list[tuple[str, str, Callable[[], Page], VersionView | None]]:
    """(docs path, key, make page, view for changes pages): keys are known before the costly diffs."""
    ctx = SiteContext(lang, tuple(l for l in plan.languages if l != lang), plan.site_url, plan.in_force,
                      tuple(v for v in views if v.status == "upcoming"))
    planned = []
    for view in views:
        page = version_page(view, ctx)
        planned.append((page.path, _page_key(page, tool), lambda page=page: page, None))
        header = version_header(view, ctx, f"{lang}/{view.version}/changes/", on_changes=True)
        record = json.dumps([view.record.kind, view.record.summary] if view.record else None, sort_keys=True)
        key = _key(tool, "changes", header, record, plan.identities[view.version], plan.identities.get(view.previous or "", ""))
        planned.append((f"{view.version}/changes/index.md", key,
                        lambda view=view: changes_page(_with_changes(plan, view, lang), ctx), view))
    current = next((v for v in views if v.version == plan.in_force), None)
    always = [archive_page(views, ctx), version_page(current, ctx, current=True) if current else no_version_page(ctx)]
    planned += [(page.path, "", lambda page=page: page, None) for page in always]  # searchable: always rendered
    return planned


def _build_language(plan: SitePlan, lang: str, tmp: Path, quiet: bool) -> list[str]:
    from site_builder.render_mkdocs import LanguageBuild, render_language  # the engine, loaded late

    started = time.monotonic()
    tool = build_stamp.tool_stamp(plan.root, plan.site_url, lang)
    previous_dir = plan.out / lang
    previous = _read_manifest(previous_dir)
    views = _views(plan, lang)
    render, reuse, manifest = [], [], {}
    for path, key, make, view in _plan_pages(plan, lang, views, tool):
        manifest[path] = key
        old = previous_dir / path.replace("index.md", "index.html")
        if key and previous.get(path) == key and old.is_file():
            reuse.append((path, view))
        else:
            page = make()
            render.append(page)
            if view is not None:
                (tmp / "json" / lang / view.version).mkdir(parents=True, exist_ok=True)
                (tmp / "json" / lang / view.version / "changes.json").write_text(changes_json(_with_changes(plan, view, lang)), encoding="utf-8")
    label = {"en": "Policy", "el": "Πολιτική"}.get(lang, "Policy")
    nav = ((label, "index.md"), ("⧉ " + ("Versions" if lang == "en" else "Εκδόσεις"), "versions/index.md"))
    job = LanguageBuild(lang, tuple(render), nav, f"{plan.site_url}{lang}/", plan.site_name)
    out_dir = tmp / "site" / lang
    epoch = int(dt.datetime.combine(plan.today, dt.time(), dt.timezone.utc).timestamp())
    problems = render_language(job, work=tmp / "work", base_config=plan.root / "mkdocs.yml",
                               out_dir=out_dir, build_date_epoch=epoch, quiet=True)
    if problems:
        return [f"[{lang}] {p}" for p in problems]
    _place_reused(previous_dir, out_dir, tmp / "json" / lang, reuse)
    releases = {r.version: r for r in plan.releases}
    (out_dir / "feed.xml").write_text(atom_feed(views, releases, lang, plan.site_url, plan.titles.get(lang, "")), encoding="utf-8")
    urls = sorted(f"{plan.site_url}{lang}/{p[:-len('index.md')]}" for p in manifest)
    write_sitemap(out_dir, urls, plan.today)
    (out_dir / MANIFEST).write_text(json.dumps(manifest, sort_keys=True, indent=0) + "\n", encoding="utf-8")
    if not quiet:
        click.echo(f"  {lang}: {len(render)} pages rendered, {len(reuse)} unchanged, {len(views)} version(s), "
                   f"{time.monotonic() - started:.1f}s", err=True)
    return []


def _read_manifest(folder: Path) -> dict[str, str]:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _place_reused(previous_dir: Path, out_dir: Path, json_dir: Path, reuse: list[tuple[str, VersionView | None]]) -> None:
    """Pages whose inputs did not change are taken from the previous build; new changes.json added."""
    for path, view in reuse:
        rel = path.replace("index.md", "index.html")
        (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(previous_dir / rel, out_dir / rel)
        if view is not None:
            shutil.copyfile(previous_dir / view.version / "changes.json", out_dir / view.version / "changes.json")
    for file in json_dir.rglob("changes.json"):
        target = out_dir / file.relative_to(json_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)


# --- the whole build -------------------------------------------------------------------


def build_site(root: Path, *, out: Path | None = None, draft: bool = False, today: dt.date | None = None,
               site_url: str | None = None, quiet: bool = False) -> Path:
    """`policy build`: the whole versioned bilingual site, swapped in atomically."""
    started = time.monotonic()
    plan = plan_site(Path(root), out=out, draft=draft, today=today, site_url=site_url)
    stamp = build_stamp.compute(plan.root, draft=draft, today=plan.today,
                                site_url=(site_url.rstrip("/") + "/") if site_url else None)
    plan.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{plan.out.name}.building-", dir=plan.out.parent))
    try:
        if not quiet:
            click.echo(f"Building {len(plan.snapshots)} version(s) in {', '.join(plan.languages)} → {plan.out}", err=True)
        problems = _render_all(plan, tmp, quiet)
        if problems:
            raise PolicyError("the build failed; the previous site is untouched:\n" + "\n".join(problems))
        site = tmp / "site"
        (site / "versions.json").write_text(versions_json(list(plan.releases), plan.statuses, plan.site_url, plan.languages), encoding="utf-8")
        (site / "index.html").write_text(root_page(plan.titles, plan.languages, plan.site_url), encoding="utf-8")
        (site / build_stamp.STAMP).write_text(stamp, encoding="utf-8")
        _swap(site, plan.out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not quiet:
        pages = sum(1 for _ in plan.out.rglob("*.html"))
        click.echo(f"Done: {len(plan.snapshots)} version(s), {pages} pages in {time.monotonic() - started:.1f} seconds", err=True)
    return plan.out


def _render_all(plan: SitePlan, tmp: Path, quiet: bool) -> list[str]:
    if len(plan.languages) > 1 and (os.cpu_count() or 1) > 1 and sys.platform != "win32":
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=min(len(plan.languages), os.cpu_count() or 1), mp_context=context) as pool:
            results = list(pool.map(_build_language, [plan] * len(plan.languages), plan.languages,
                                    [tmp] * len(plan.languages), [quiet] * len(plan.languages)))
    else:
        results = [_build_language(plan, lang, tmp, quiet) for lang in plan.languages]
    return [p for problems in results for p in problems]


def _swap(new: Path, target: Path) -> None:
    """Put the new site in place; the old one is removed only once the new one is there."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def serve_site(root: Path, *, dev_addr: str) -> None:
    """`policy serve`: build the draft, serve it on 127.0.0.1 and rebuild on save."""
    from site_builder.preview import serve

    serve(Path(root), dev_addr=dev_addr, build=lambda out: build_site(root, out=out, draft=True, quiet=True))
