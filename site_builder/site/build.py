"""Publishing: the one place that knows the order of the stages of `policy build`.

Read and validate everything, compute every version's text and changes, render each
language with one engine build (in parallel), write the feeds and JSON, then swap the
new site in place of the old one. A failed build leaves the previous output untouched.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import click

from site_builder.compare.diffing import Changes, compare_snapshots
from site_builder.config import address_of, load_config
from site_builder.errors import ContentError, PolicyError, Problem, errors_in
from site_builder.i18n import t
from site_builder.site import stamp, writer
from site_builder.site.archive import read_member, write_zip
from site_builder.site.data import (
    COMPARE_DATA,
    HISTORY_ZIP,
    SEARCH_DOCS,
    atom_feed,
    changes_json,
    changes_search_docs,
    compare_data,
    history_manifest,
    history_versions,
    root_page,
    search_docs_json,
    unsubscribe_page,
    version_data,
    version_markdown,
    version_search_docs,
    versions_json,
    write_search_index,
    write_sitemap,
)
from site_builder.site.page import Page
from site_builder.site.pages import (
    DRAFT,
    SiteContext,
    VersionView,
    archive_page,
    changes_page,
    compare_page,
    gdpr_page,
    no_version_page,
    upcoming_notices,
    version_header,
    version_page,
)
from site_builder.source import history, store
from site_builder.source.models import SNAPSHOT_FORMAT, LanguageText, Release, ReleaseRecord, Snapshot, in_force_version
from site_builder.source.workspace import Workspace, open_workspace


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
    snapshots: Texts  # version (or "draft") -> text, read when needed
    identities: dict[str, str]  # version -> commit (or the draft's content hash)
    statuses: dict[str, str]
    in_force: str | None
    pending: ReleaseRecord | None = None  # an uncommitted release record: the draft shown as that version


def plan_site(root: Path, *, out: Path | None, draft: bool, today: dt.date | None, site_url: str | None) -> SitePlan:
    """Read the repository and decide what to build; raises on any error."""
    ws = open_workspace(root, include_uncommitted=draft, advice=False)  # a draft shows a release not yet committed
    release_problems = [p for p in errors_in(list(ws.problems)) if p.path.startswith("changelog/")]
    draft_problems = errors_in(list(ws.problems)) if draft else []
    pending = max(ws.pending, key=lambda r: r.key) if draft and ws.pending else None
    if pending is not None:
        draft_problems += _pending_problems(ws, pending)
    if release_problems or draft_problems:
        raise ContentError(sorted(set(release_problems + draft_problems), key=lambda p: (p.path, p.line)), hint="nothing was written")
    today = today or dt.date.today()
    releases = list(ws.releases)
    in_force = in_force_version(releases, today)
    statuses = {r.version: r.status(today, in_force) for r in releases}
    snapshots = Texts(ws, releases, ws.draft if draft else None)
    identities = {r.version: r.commit for r in releases}
    if draft and ws.draft is not None:
        statuses[DRAFT] = DRAFT
        identities[DRAFT] = ws.draft_hash()
    if not snapshots:
        raise PolicyError("there is nothing to publish: cut a first release with `policy release`, or build with --draft")
    latest = snapshots[DRAFT] if DRAFT in snapshots else snapshots[releases[-1].version]
    config = load_config(ws.root)
    target = writer.target(ws.root, out)
    return SitePlan(ws.root, target, config.url(site_url),
                    config.site_name or latest.titles["en"], today,
                    latest.languages, latest.titles, tuple(releases), snapshots, identities, statuses, in_force, pending)


class Texts(Mapping[str, Snapshot]):
    """Every version's text, read when a page needs it: a build that renders the pages of one new
    release reads two or three versions, not hundreds. Which languages each version was
    published in is known at once (remembered per commit), for the headers of every page."""

    def __init__(self, ws: Workspace, releases: list[Release], draft: Snapshot | None) -> None:
        self._ws: Workspace | None = ws
        self._root, self._pid = ws.root, os.getpid()
        self._releases = {r.version: r for r in releases}
        self._order = [*self._releases, *([DRAFT] if draft is not None else [])]
        self._loaded: dict[str, Snapshot] = {DRAFT: draft} if draft is not None else {}
        self._texts: dict[tuple[str, str], LanguageText] = {}
        by_commit = store.commit_memos(history.cache_dir(ws.repo), f"languages-{SNAPSHOT_FORMAT}-{stamp.tool_digest()[:16]}",
                                         [r.commit for r in releases], self._languages_of)
        self._languages: dict[str, tuple[str, ...]] = {}
        for r in releases:
            known = by_commit[r.commit]
            valid = isinstance(known, list) and all(isinstance(code, str) for code in known)
            self._languages[r.version] = tuple(known) if valid else tuple(self._languages_of(r.commit))  # type: ignore[arg-type]
        if draft is not None:
            self._languages[DRAFT] = draft.languages

    def _languages_of(self, commit: str) -> list[str]:
        return list(self[next(v for v, r in self._releases.items() if r.commit == commit)].languages)

    def __getitem__(self, version: str) -> Snapshot:
        if version not in self._loaded:
            if version not in self._releases:
                raise KeyError(version)
            if self._ws is None or os.getpid() != self._pid:  # in a worker: git's processes are the parent's
                self._ws = Workspace(self._root, history.open_repo(self._root), None, (), (), ())
                self._pid = os.getpid()
            self._loaded[version] = self._ws.snapshot_of(self._releases[version])
        return self._loaded[version]

    def __getstate__(self) -> dict:
        """Sent to a worker: the texts read so far, not the repository (it is opened again there)."""
        return {**self.__dict__, "_ws": None, "_texts": {}}

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def languages(self, version: str) -> tuple[str, ...]:
        return self._languages[version]

    def text(self, version: str, lang: str) -> LanguageText:
        if (version, lang) not in self._texts:
            self._texts[version, lang] = self[version].text(lang)
        return self._texts[version, lang]


def _pending_problems(ws, pending: ReleaseRecord) -> list[Problem]:  # noqa: ANN001 - Workspace
    """A release record not yet committed must describe the draft's text and come after the last release."""
    problems = []
    if pending.content_hash != ws.draft_hash():
        problems.append(Problem(pending.path, 1, f"release {pending.version} is not committed yet and the text changed since "
                                "`policy release` wrote it (its content_hash differs); run `policy release` again"))
    if ws.releases and pending.key <= ws.releases[-1].record.key:
        problems.append(Problem(pending.path, 1, f"release {pending.version} is not after the last release {ws.releases[-1].version}"))
    return problems


# --- per-language work (runs in a worker process) --------------------------------------


def _views(plan: SitePlan, lang: str) -> list[VersionView]:
    """Every version as one language shows it; the changes are computed later, only where needed."""
    order = [r.version for r in plan.releases] + ([DRAFT] if DRAFT in plan.snapshots else [])
    records = {r.version: r.record for r in plan.releases}
    if plan.pending is not None:
        records[DRAFT] = plan.pending
    views = []
    for i, version in enumerate(order):
        shown = lang if lang in plan.snapshots.languages(version) else "en"
        views.append(VersionView(version, records.get(version), plan.statuses[version],
                                 functools.partial(plan.snapshots.text, version, shown),
                                 None, order[i - 1] if i else None, order[i + 1] if i + 1 < len(order) else None,
                                 fallback=shown != lang))
    return views


_CHANGES: dict[tuple[str, str, str, str, str], Changes] = {}


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


Planned = tuple[str, str, Callable[[], Page], "VersionView | None"]


def _plan_pages(plan: SitePlan, lang: str, views: list[VersionView], context: str) -> list[Planned]:
    """(page folder, inputs key, make the page, view for changes pages): keys come before the costly diffs."""
    ctx = SiteContext(lang, tuple(code for code in plan.languages if code != lang), plan.site_url, plan.in_force,
                      tuple(v for v in views if v.status == "upcoming"), plan.site_name)
    planned: list[Planned] = []
    notices = upcoming_notices(ctx, f"{lang}/")
    for view in views:
        # A version page is a function of its text (the commit), its header and the notices of
        # upcoming versions: its key needs no rendering, so unchanged pages cost nothing.
        text_key = _key(context, "version", plan.identities[view.version], str(view.fallback),
                        version_header(view, ctx, f"{lang}/{view.version}/", on_changes=False),
                        notices if view.version == plan.in_force else "")
        planned.append((f"{view.version}/", text_key, functools.partial(version_page, view, ctx), None))
        header = version_header(view, ctx, f"{lang}/{view.version}/changes/", on_changes=True)
        record = json.dumps([view.record.kind, view.record.summary] if view.record else None, sort_keys=True)
        key = _key(context, "changes", header, record, plan.identities[view.version], plan.identities.get(view.previous or "", ""))
        planned.append((f"{view.version}/changes/", key, functools.partial(_changes_page, plan, view, lang, ctx), view))
    current = next((v for v in views if v.version == plan.in_force), None)
    always = [archive_page(views, ctx), version_page(current, ctx, current=True) if current else no_version_page(ctx),
              compare_page(views, ctx)]
    draft = next((v for v in views if v.version == DRAFT), None)
    if draft is not None:  # the editors' GDPR coverage table, beside the draft
        from site_builder.source.gdpr import table

        always.append(gdpr_page(draft, ctx, table(plan.snapshots[DRAFT], "html", lang)))
    planned += [(page.path, "", functools.partial(_same, page), None) for page in always]  # searchable: always rendered
    return planned


def template_cache_dir(root: Path) -> Path | None:
    """Where compiled theme templates are kept between builds: beside the other per-repository caches."""
    from site_builder.site.engine_mkdocs import TEMPLATE_CACHE
    from site_builder.source.history import cache_dir, open_repo

    try:
        return cache_dir(open_repo(root)) / TEMPLATE_CACHE
    except PolicyError:
        return None


def _same(page: Page) -> Page:
    return page


def _changes_page(plan: SitePlan, view: VersionView, lang: str, ctx: SiteContext) -> Page:
    return changes_page(_with_changes(plan, view, lang), ctx)


def _build_language(plan: SitePlan, lang: str, tmp: Path, quiet: bool) -> list[str]:
    from site_builder.site.engine_mkdocs import LanguageBuild, render_language  # the engine, loaded late

    started = time.monotonic()
    context = stamp.page_context(plan.root, plan.site_url, lang)
    previous_dir = plan.out / lang
    state = writer.published_state(plan.out)
    previous = stamp.read_manifest(stamp.manifest_file(state, lang) if state is not None else None)
    views = _views(plan, lang)
    entries: dict[str, dict] = {}
    to_render = []
    for folder, key, make, view in _plan_pages(plan, lang, views, context):
        if stamp.reusable(previous_dir, previous, folder, key):
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
        rendered = [(folder, make(), view) for folder, make, view in to_render]
        by_version = {v.version: v for v in views}
        nav = ((t(lang, "nav.policy"), ""), ("⧉ " + t(lang, "nav.versions"), "versions/"))
        languages = tuple({"lang": code, "href": f"{plan.site_url}{code}/", "notfound": t(code, "notfound_in")}
                          for code in plan.languages)
        job = LanguageBuild(lang, tuple(page for _, page, _ in rendered), nav, f"{plan.site_url}{lang}/", plan.site_name, languages,
                            previous_dir if previous_dir.is_dir() else None)
        epoch = int(dt.datetime.combine(plan.today, dt.time(), dt.UTC).timestamp())
        engine_out = tmp / "work" / f"site-{lang}"  # the engine empties its output folder first
        problems = render_language(job, work=tmp / "work", base_config=plan.root / "mkdocs.yml",
                                   out_dir=engine_out, build_date_epoch=epoch, quiet=True,
                                   template_cache=template_cache_dir(plan.root))
    finally:
        placer.shutdown(wait=True)
    placed.result()  # a file that could not be linked or copied fails the build
    if problems:
        return [f"[{lang}] {p}" for p in problems]
    writer.merge_into(engine_out, out_dir)
    for folder, _page, view in rendered:
        files = [f"{folder}index.html"]
        version_view = by_version.get(folder.rstrip("/"))
        if version_view is not None and view is None:  # a version page: its text to download beside it
            (out_dir / folder / "policy.md").write_text(version_markdown(version_view, lang), encoding="utf-8")
            (out_dir / folder / "policy.json").write_text(_version_json(plan, version_view, lang), encoding="utf-8")
            files += [f"{folder}policy.md", f"{folder}policy.json"]
            _search_docs(out_dir / folder, version_search_docs(version_view, lang, plan.in_force))
            (out_dir / folder / COMPARE_DATA).write_text(json.dumps(compare_data(version_view), ensure_ascii=False,
                                                                    sort_keys=True, separators=(",", ":")), encoding="utf-8")
            files += [f"{folder}{SEARCH_DOCS}", f"{folder}{COMPARE_DATA}"]
        if view is not None:
            with_changes = _with_changes(plan, view, lang)
            (out_dir / view.version / "changes.json").write_text(changes_json(with_changes), encoding="utf-8")
            _search_docs(out_dir / folder, changes_search_docs(with_changes, lang))
            files += [f"{view.version}/changes.json", f"{folder}{SEARCH_DOCS}"]
        entries[folder]["files"], entries[folder]["sizes"] = stamp.record(out_dir, files)
    write_search_index(out_dir, [rel for entry in entries.values() for rel in entry["files"] if rel.endswith(SEARCH_DOCS)])
    releases = {r.version: r for r in plan.releases}
    (out_dir / "feed.xml").write_text(atom_feed(views, releases, lang, plan.site_url, plan.titles.get(lang, ""), plan.site_name), encoding="utf-8")
    write_sitemap(out_dir, sorted(f"{plan.site_url}{lang}/{folder}" for folder in entries), plan.today)
    stamp.write_manifest(stamp.manifest_file(tmp / writer.STATE, lang), entries)
    if not quiet:
        click.echo(f"  {lang}: {len(rendered)} pages rendered, {len(reused)} unchanged, {len(views)} version(s), "
                   f"{time.monotonic() - started:.1f}s", err=True)
    return []


# --- the whole build -------------------------------------------------------------------


def build_site(root: Path, *, out: Path | None = None, draft: bool = False, today: dt.date | None = None,
               site_url: str | None = None, quiet: bool = False, wait: bool = True, parallel: bool = True) -> Path:
    """`policy build`: the whole versioned bilingual site, published atomically under a lock.

    `parallel=False` renders in this process: a process with threads of its own (the preview
    server) must not fork."""
    started = time.monotonic()
    _CHANGES.clear()  # one build's comparisons; `policy serve` builds again and again in one process
    with Workers(Path(root) if parallel else None) as workers:
        return _build_site(workers, root, out=out, draft=draft, today=today, site_url=site_url, quiet=quiet,
                           wait=wait, started=started)


def _build_site(workers: Workers, root: Path, *, out: Path | None, draft: bool, today: dt.date | None,
                site_url: str | None, quiet: bool, wait: bool, started: float) -> Path:
    plan = plan_site(Path(root), out=out, draft=draft, today=today, site_url=site_url)
    value = stamp.stamp(plan.root, draft=draft, today=plan.today, site_url=(site_url.rstrip("/") + "/") if site_url else None)
    say = (lambda line: None) if quiet else (lambda line: click.echo(line, err=True))
    try:
        with writer.locked(plan.out, repo=plan.root, wait=wait, say=say):
            spare, others = writer.clean_leftovers(plan.out)
            if stamp.up_to_date(plan.out, value):
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
    site, state = tmp / writer.SITE, tmp / writer.STATE
    # The spare tree keeps only its language folders; each worker prunes its own.
    writer.prune_root(site, plan.languages)
    say(f"Building {len(plan.snapshots)} version(s) in {', '.join(plan.languages)} → {plan.out}")

    def meanwhile() -> None:  # while the workers render the languages
        stale.start()
        (site / "versions.json").write_text(versions_json(list(plan.releases), plan.statuses, plan.site_url, plan.languages), encoding="utf-8")
        (site / "index.html").write_text(root_page(plan.titles, plan.languages, plan.site_url), encoding="utf-8")
        _unsubscribe_page(plan, site)
        _history(plan, site, state)

    problems = workers.render(plan, tmp, quiet, meanwhile=meanwhile)
    if problems:
        raise PolicyError("the build failed; the previous site is untouched:\n" + "\n".join(problems))
    if plan.pending is not None:
        _notice_previews(plan, site)
    (state / stamp.STAMP).write_text(value, encoding="utf-8")
    writer.publish(tmp, plan.out)


def _place(previous: Path, out_dir: Path, reused: list[str]) -> None:
    """Make the language folder hold the reused files and nothing else (it may be the spare tree)."""
    if out_dir.is_dir():
        writer.prune(out_dir, set(reused))
    stamp.place(previous, out_dir, reused)


def _search_docs(folder: Path, docs: list[dict]) -> None:
    (folder / SEARCH_DOCS).write_text(search_docs_json(docs), encoding="utf-8")


def _history(plan: SitePlan, site: Path, state: Path) -> None:
    """/policy-history.zip: every release in every language, the very files each version page
    offers for download. Made here while the workers render: a release whose commit and tool are
    those of the previous archive keeps its compressed entries; the same releases keep the file."""
    key = _key("history", plan.site_url, *[f"{r.version}={r.commit}" for r in plan.releases], *plan.languages)
    tool = stamp.tool_digest()
    previous = plan.out / HISTORY_ZIP
    try:  # what the previous archive was made from, and its sha256: a damaged archive is never reused
        published = writer.published_state(plan.out)
        if published is None:
            raise ValueError("no previous build")
        before_key, before_tool, before_hash = (published / stamp.HISTORY_KEY).read_text(encoding="utf-8").split("\n")[:3]
        intact = stamp.file_hash(previous) == before_hash
    except (OSError, ValueError):
        before_key = before_tool = ""
        intact = False
    if intact and before_key == key and before_tool == tool:
        stamp.place(plan.out, site, [HISTORY_ZIP])
    else:
        before = history_versions(read_member(previous, "manifest.json")) if intact and before_tool == tool else {}
        files: dict[str, Callable[[], bytes]] = {}
        digests: dict[str, str] = {}
        unchanged = set()
        for lang in plan.languages:
            for view in _views(plan, lang):
                if view.record is None:
                    continue
                commit, kept = before.get(view.version, ("", {}))
                names = {f"{view.version}/{lang}/policy.md": functools.partial(_markdown_bytes, view, lang),
                         f"{view.version}/{lang}/policy.json": functools.partial(_json_bytes, plan, view, lang)}
                for name, make in names.items():
                    if commit == plan.identities[view.version] and name in kept:
                        digests[name], files[name] = kept[name], make
                        unchanged.add(name)
                    else:
                        data = make()
                        digests[name], files[name] = hashlib.sha256(data).hexdigest(), functools.partial(_given, data)
        manifest = history_manifest({r.version: r.record for r in plan.releases},
                                    {r.version: r.commit for r in plan.releases}, plan.site_url, digests)
        files["manifest.json"] = functools.partial(_given, manifest)
        write_zip(site / HISTORY_ZIP, files, previous, unchanged=unchanged)
    (state / stamp.HISTORY_KEY).write_text(f"{key}\n{tool}\n{stamp.file_hash(site / HISTORY_ZIP)}\n", encoding="utf-8")


def _given(data: bytes) -> bytes:
    """Bytes already made, as an archive entry's reader."""
    return data


def _markdown_bytes(view: VersionView, lang: str) -> bytes:
    return version_markdown(view, lang).encode("utf-8")


def _json_bytes(plan: SitePlan, view: VersionView, lang: str) -> bytes:
    """`policy.json` of a version page (the one `_build_language` writes: the same bytes)."""
    return _version_json(plan, view, lang).encode("utf-8")


def _version_json(plan: SitePlan, view: VersionView, lang: str) -> str:
    return json.dumps(version_data(view, lang, plan.identities.get(view.version) if view.version != DRAFT else None),
                      ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _unsubscribe_page(plan: SitePlan, site: Path) -> None:
    """/unsubscribe/: both ways to stop the notices, when notices are configured."""
    notices = load_config(plan.root).notices
    if notices.sender is None:
        return
    mailto = notices.unsubscribe_mailto or notices.reply_to or address_of(notices.sender)
    (site / "unsubscribe").mkdir()
    (site / "unsubscribe" / "index.html").write_text(
        unsubscribe_page(plan.languages, mailto, one_click=bool(notices.unsubscribe_url)), encoding="utf-8")


def _notice_previews(plan: SitePlan, site: Path) -> None:
    """The notice a pending release would send, per language, beside the draft (not linked from search)."""
    from site_builder.notify.compose import preview_html

    if plan.pending is None:
        return
    for lang in plan.languages:
        view = next(v for v in _views(plan, lang) if v.version == DRAFT)
        page = preview_html(plan.root, lang, plan.pending, plan.titles.get(lang, plan.titles["en"]),
                            _with_changes(plan, view, lang).changes, plan.site_url, plan.snapshots[DRAFT].prevailing)
        (site / lang / DRAFT / "notice.html").write_text(page, encoding="utf-8")


class Workers:
    """The processes that render the languages, started before the plan is read so that each
    loads the engine (MkDocs, Material, Markdown) while this process reads the repository."""

    def __init__(self, root: Path | None) -> None:
        count = min(1 + len(_folders(root / "translations")), os.cpu_count() or 1) if root is not None else 1
        self.pool: ProcessPoolExecutor | None = None
        if count > 1 and sys.platform != "win32":
            self.pool = ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("fork"),
                                            initializer=_start_worker)
            self.pool.submit(int)  # forks every worker now, before this process starts any thread

    def render(self, plan: SitePlan, tmp: Path, quiet: bool, meanwhile: Callable[[], None]) -> list[str]:
        """Render every language; `meanwhile` runs in a thread of this process once the workers work."""
        if self.pool is None or len(plan.languages) < 2:
            meanwhile()
            results = [_build_language(plan, lang, tmp, quiet) for lang in plan.languages]
        else:
            futures = [self.pool.submit(_build_language, plan, lang, tmp, quiet) for lang in plan.languages]
            meanwhile()
            results = [future.result() for future in futures]
        return [p for problems in results for p in problems]

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _folders(path: Path) -> list[str]:
    try:
        return [entry.name for entry in os.scandir(path) if entry.is_dir()]
    except OSError:
        return []


def _start_worker() -> None:
    writer.die_with_parent()
    from site_builder.markup import warm_up as markup_warm_up
    from site_builder.site.engine_mkdocs import warm_up

    warm_up()
    markup_warm_up()


def serve_site(root: Path, *, dev_addr: str) -> None:
    """`policy serve`: build the draft, serve it on 127.0.0.1 and rebuild on save."""
    from site_builder.site.serve import serve

    serve(Path(root), dev_addr=dev_addr, build=lambda out: build_site(root, out=out, draft=True, quiet=True, parallel=False))
