"""One language of the site, in a worker: reuse the pages whose key is unchanged, render the others
with the engine, and write the data files beside them (downloads, search entries, feed, sitemap)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click

from site_builder.errors import PolicyError
from site_builder.i18n import t
from site_builder.site import stamp, writer
from site_builder.site.data import (
    COMPARE_DATA,
    SEARCH_DOCS,
    atom_feed,
    changes_json,
    changes_search_docs,
    compare_data,
    search_docs_json,
    sitemap,
    version_markdown,
    version_search_docs,
)
from site_builder.site.pages import DRAFT
from site_builder.site.plan import (
    SitePlan,
    borrows_comparison,
    plan_pages,
    share_comparisons,
    version_json_text,
    version_views,
    with_changes,
)


def template_cache_dir(root: Path) -> Path | None:
    """Where compiled theme templates are kept between builds: the user's cache folder, shared by
    every repository and clone on the machine (the theme's templates are the same for all; the
    engine checks each compiled one against its template's source), so a fresh clone (a CI run)
    does not compile them again. Where that folder cannot be written, the repository's cache."""
    from site_builder.site.engine_mkdocs import TEMPLATE_CACHE
    from site_builder.source.history import cache_dir, open_repo

    xdg = os.environ.get("XDG_CACHE_HOME", "")
    try:  # a relative XDG_CACHE_HOME is ignored, as the XDG specification says
        user: Path | None = (Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache") / "site_builder" / TEMPLATE_CACHE
    except RuntimeError:  # no home folder
        user = None
    try:
        repo: Path | None = cache_dir(open_repo(root)) / TEMPLATE_CACHE
    except PolicyError:
        repo = None
    for folder in (user, repo):
        if folder is None:
            continue
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK | os.X_OK):
            return folder
    return None


def build_language(plan: SitePlan, lang: str, tmp: Path, quiet: bool) -> list[str]:
    from site_builder.site.engine_mkdocs import SEARCH_INDEX, LanguageBuild, render_language, search_index

    started = time.monotonic()
    context = stamp.page_context(plan.root, plan.site_url, lang)
    previous_dir = plan.out / lang
    state = writer.published_state(plan.out)
    previous = writer.read_manifest(state / writer.manifest_file(lang) if state is not None else None)
    views = version_views(plan, lang)
    entries: dict[str, dict] = {}
    to_render = []
    for folder, key, make, view in plan_pages(plan, lang, views, context):
        if writer.reusable(previous_dir, previous, folder, key):
            entries[folder] = previous[folder]
        else:
            to_render.append((folder, make, view))
            entries[folder] = {"key": key, "files": {}, "sizes": {}}
    out_dir = tmp / "site" / lang
    # Reused files are linked into the new build by a thread (file system calls, most of the
    # time spent waiting for the disk) while this one computes and renders the changed pages.
    rendering = {folder for folder, _, _ in to_render}
    reused = [entry for folder, entry in entries.items() if folder not in rendering]
    placer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"policy-place-{lang}")
    placed = placer.submit(_place, previous_dir, out_dir, [rel for entry in reused for rel in entry["files"]])
    try:
        # A comparison this language shows in another's text is that language's worker's too: it
        # makes them oldest first, this one newest first, each taking what the other left.
        borrowed = {folder for folder, _, view in to_render if view is not None and borrows_comparison(plan, view, lang)}
        order = [item for item in to_render if item[0] not in borrowed] + [item for item in to_render[::-1] if item[0] in borrowed]
        share_comparisons(tmp / writer.WORK / "comparisons")
        try:
            made = {folder: make() for folder, make, _ in order}
            changes = {folder: with_changes(plan, view, lang) for folder, _, view in to_render if view is not None}
        finally:
            share_comparisons(None)
        rendered = [(folder, made[folder], view) for folder, _, view in to_render]
        by_version = {v.version: v for v in views}
        nav = ((t(lang, "nav.policy"), ""), (t(lang, "nav.versions"), "versions/"))
        languages = tuple({"lang": code, "href": f"{plan.site_url}{code}/", "notfound": t(code, "notfound_in")}
                          for code in plan.languages)
        job = LanguageBuild(lang, tuple(page for _, page, _ in rendered), nav, f"{plan.site_url}{lang}/", plan.site_name, languages,
                            previous_dir if previous_dir.is_dir() else None)
        epoch = int(dt.datetime.combine(plan.today, dt.time(), dt.UTC).timestamp())
        engine_out = tmp / writer.WORK / f"site-{lang}"  # the engine empties its output folder first
        problems = render_language(job, work=tmp / writer.WORK, base_config=plan.root / "mkdocs.yml",
                                   out_dir=engine_out, build_date_epoch=epoch, quiet=True,
                                   template_cache=template_cache_dir(plan.root))
    finally:
        placer.shutdown(wait=True)
    placed.result()  # a file that could not be linked or copied fails the build
    if problems:
        return [f"[{lang}] {p}" for p in problems]
    out = writer.Output(out_dir)
    out.adopt([rel for entry in reused for rel in entry["files"]])
    out.adopt(writer.files_under(engine_out))
    writer.merge_into(engine_out, out_dir)
    for folder, _page, view in rendered:
        files = [f"{folder}index.html"]
        version_view = by_version.get(folder.rstrip("/"))
        if version_view is not None and view is None:  # a version page: its text to download beside it
            out.write(f"{folder}policy.md", version_markdown(version_view, lang))
            out.write(f"{folder}policy.json", version_json_text(plan, version_view, lang))
            out.write(f"{folder}{SEARCH_DOCS}", search_docs_json(version_search_docs(version_view, lang, plan.in_force)))
            out.write(f"{folder}{COMPARE_DATA}", json.dumps(compare_data(version_view), ensure_ascii=False,
                                                             sort_keys=True, separators=(",", ":")))
            files += [f"{folder}policy.md", f"{folder}policy.json", f"{folder}{SEARCH_DOCS}", f"{folder}{COMPARE_DATA}"]
        if view is not None:
            changed = changes[folder]
            out.write(f"{view.version}/changes.json", changes_json(changed))
            out.write(f"{folder}{SEARCH_DOCS}", search_docs_json(changes_search_docs(changed, lang)))
            files += [f"{view.version}/changes.json", f"{folder}{SEARCH_DOCS}"]
        entries[folder]["files"], entries[folder]["sizes"] = writer.record(out_dir, files)
    index = search_index(out_dir, [rel for entry in entries.values() for rel in entry["files"] if rel.endswith(SEARCH_DOCS)])
    if index is not None:
        out.write(SEARCH_INDEX, index, over_engine=True)
    releases = {r.version: r for r in plan.releases}
    out.write("feed.xml", atom_feed(views, releases, lang, plan.site_url, plan.titles.get(lang, ""), plan.site_name))
    # Draft pages are noindex: a sitemap that listed them would ask search engines for what the page refuses.
    xml = sitemap(sorted(f"{plan.site_url}{lang}/{folder}" for folder in entries if folder.split("/")[0] != DRAFT), plan.today)
    out.write("sitemap.xml", xml)
    out.write("sitemap.xml.gz", gzip.compress(xml.encode("utf-8"), mtime=0))
    writer.Output(tmp / writer.STATE).write(writer.manifest_file(lang), writer.manifest_text(entries))
    if not quiet:
        click.echo(f"  {lang}: {len(rendered)} pages rendered, {len(reused)} unchanged, {len(views)} version(s), "
                   f"{time.monotonic() - started:.1f}s", err=True)
    return []


def _place(previous: Path, out_dir: Path, reused: list[str]) -> None:
    """Make the language folder hold the reused files and nothing else (it may be the spare tree)."""
    if out_dir.is_dir():
        writer.prune(out_dir, set(reused))
    writer.place(previous, out_dir, reused)
