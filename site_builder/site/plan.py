"""The plan of a build: the repository read and validated once, every version as each language
shows it, and for every page its folder, the key of its inputs and how to make it."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import pickle
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from site_builder.compare.diffing import Changes, compare_snapshots, compared_language
from site_builder.config import load_config
from site_builder.errors import ContentError, PolicyError, Problem, errors_in
from site_builder.i18n import available_languages
from site_builder.site import stamp
from site_builder.site.data import version_data
from site_builder.site.page import Page
from site_builder.site.pages import (
    DRAFT,
    FOR_YOU,
    SiteContext,
    VersionView,
    archive_page,
    changes_page,
    compare_page,
    for_you_page,
    gdpr_page,
    no_version_page,
    readability_labels,
    readability_page,
    upcoming_notices,
    version_header,
    version_page,
)
from site_builder.source import history, store
from site_builder.source.models import (
    SNAPSHOT_FORMAT,
    LanguageText,
    Release,
    ReleaseRecord,
    Snapshot,
    in_force_version,
    statuses_on,
)
from site_builder.source.workspace import Workspace, catalog_problems, open_workspace


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


def plan_site(root: Path, *, out: Path, draft: bool, today: dt.date, site_url: str | None) -> SitePlan:
    """Read the repository and decide what to build into `out` (checked by the writer); raises on any error."""
    ws = open_workspace(root, include_uncommitted=draft, advice=False)  # a draft shows a release not yet committed
    release_problems = [p for p in errors_in(list(ws.problems)) if p.path.startswith("changelog/")]
    draft_problems = errors_in(list(ws.problems)) if draft else []
    pending = max(ws.pending, key=lambda r: r.key) if draft and ws.pending else None
    if pending is not None:
        draft_problems += _pending_problems(ws, pending)
    if release_problems or draft_problems:
        raise ContentError(sorted(set(release_problems + draft_problems), key=lambda p: (p.path, p.line)), hint="nothing was written")
    releases = list(ws.releases)
    in_force = in_force_version(releases, today)
    statuses = statuses_on(releases, today)
    snapshots = Texts(ws, releases, ws.draft if draft else None)
    identities = {r.version: r.commit for r in releases}
    if draft and ws.draft is not None:
        statuses[DRAFT] = DRAFT
        identities[DRAFT] = ws.draft_hash()
    if not snapshots:
        raise PolicyError("there is nothing to publish: cut a first release with `policy release`, or build with --draft")
    latest = snapshots[DRAFT] if DRAFT in snapshots else snapshots[releases[-1].version]
    wordless = tuple(lang for lang in latest.languages if lang not in available_languages())
    if wordless:  # a translations/ folder without `languages:` is published without a check of its catalog
        raise ContentError(catalog_problems(wordless), hint="nothing was written")
    config = load_config(ws.root)
    return SitePlan(ws.root, out, config.url(site_url),
                    config.site_name or latest.titles[latest.source], today,
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


def version_views(plan: SitePlan, lang: str) -> list[VersionView]:
    """Every version as one language shows it; the changes are computed later, only where needed."""
    order = [r.version for r in plan.releases] + ([DRAFT] if DRAFT in plan.snapshots else [])
    records = {r.version: r.record for r in plan.releases}
    if plan.pending is not None:
        records[DRAFT] = plan.pending
    # Previous/next lead through the versions that apply: one that never took effect is skipped.
    applies = [i for i, v in enumerate(order) if plan.statuses[v] != "never in force"]
    views = []
    for i, version in enumerate(order):
        published = plan.snapshots.languages(version)
        shown = lang if lang in published else published[0]  # a language added later: the version's source text
        before = [order[j] for j in applies if j < i][-1:]
        after = [order[j] for j in applies if j > i][:1]
        views.append(VersionView(version, records.get(version), plan.statuses[version],
                                 functools.partial(plan.snapshots.text, version, shown),
                                 None, order[i - 1] if i else None, order[i + 1] if i + 1 < len(order) else None,
                                 source=plan.languages[0], fallback=shown != lang, nav=(before[0] if before else None, after[0] if after else None)))
    return views


_CHANGES: dict[tuple[str, str, str, str, str], Changes] = {}
_SHARED: list[Path] = []  # where this build's workers leave the comparisons two languages show


def forget_changes() -> None:
    """Start a build with no remembered comparisons (`policy serve` builds again and again in one process)."""
    _CHANGES.clear()


def shared_comparisons() -> Path | None:
    """The folder this worker's comparisons are shared through, or None."""
    return _SHARED[0] if _SHARED else None


def share_comparisons(folder: Path | None) -> None:
    """Comparisons another language shows too (a version with no text in a language shows the
    source language's) are left in `folder` by the worker that made them, for the other to take.
    Only a folder this user alone can write is used: what is read from it is unpickled."""
    _SHARED.clear()
    if folder is None:
        return
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass  # the other language's worker made it
        info = os.lstat(folder)
    except OSError:
        return  # nothing shared: each worker makes its own comparisons
    if stat.S_ISDIR(info.st_mode) and not info.st_mode & 0o077 and info.st_uid == os.getuid():
        _SHARED.append(folder)


def borrows_comparison(plan: SitePlan, view: VersionView, lang: str) -> bool:
    """Whether the changes of `view` in `lang` are another language's comparison, shown as it is."""
    return view.previous is not None and compared_language(
        lang, plan.snapshots.languages(view.previous), plan.snapshots.languages(view.version)) != lang


def with_changes(plan: SitePlan, view: VersionView, lang: str) -> VersionView:
    """The view with its changes, computed once per release and language (page and changes.json share it)."""
    if view.previous is None:
        return view
    key = (lang, view.previous, view.version, plan.identities[view.previous], plan.identities[view.version])
    if key not in _CHANGES:
        _CHANGES[key] = _compared(plan, view.previous, view.version, lang)
    return replace(view, changes=_CHANGES[key])


def _compared(plan: SitePlan, older: str, newer: str, lang: str) -> Changes:
    """The comparison of two versions in `lang`: taken from the worker of the language whose text
    it compares when that worker made it first, else made here (and left for the other)."""
    langs = (plan.snapshots.languages(older), plan.snapshots.languages(newer))
    shown = compared_language(lang, *langs)
    shared = bool(_SHARED) and (shown != lang or any(compared_language(other, *langs) == lang
                                                     for other in plan.languages if other != lang))
    path = _SHARED[0] / f"{plan.identities[older]}-{plan.identities[newer]}-{shown}.pickle" if shared else None
    if path is not None and path.is_file():
        with path.open("rb") as f:
            made: Changes = pickle.load(f)  # written by this build's own worker, beside it
        return made if shown == lang else replace(made, lang=lang, shown_lang=shown)
    changes = compare_snapshots(plan.snapshots[older], plan.snapshots[newer], lang, from_label=older, to_label=newer)
    if path is not None:
        part = path.with_name(f"{path.name}.{os.getpid()}")
        part.write_bytes(pickle.dumps(changes if shown == lang else replace(changes, lang=shown, shown_lang=""),
                                      protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(part, path)
    return changes


def page_key(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode("utf-8")).hexdigest()


Planned = tuple[str, str, Callable[[], Page], "VersionView | None"]


def plan_pages(plan: SitePlan, lang: str, views: list[VersionView], context: str) -> list[Planned]:
    """(page folder, inputs key, make the page, view for changes pages): keys come before the costly diffs."""
    ctx = SiteContext(lang, tuple(code for code in plan.languages if code != lang), plan.site_url, plan.in_force,
                      tuple(v for v in views if v.status == "upcoming"), plan.languages[0], plan.site_name)
    planned: list[Planned] = []
    notices = upcoming_notices(ctx, f"{lang}/")
    for view in views:
        # A version page is a function of its text (the commit), its header and the notices of
        # upcoming versions: its key needs no rendering, so unchanged pages cost nothing.
        text_key = page_key(context, "version", plan.identities[view.version], str(view.fallback),
                        version_header(view, ctx, f"{lang}/{view.version}/", on_changes=False),
                        notices if view.version == plan.in_force else "")
        planned.append((f"{view.version}/", text_key, functools.partial(version_page, view, ctx), None))
        header = version_header(view, ctx, f"{lang}/{view.version}/changes/", on_changes=True)
        record = json.dumps([view.record.kind, view.record.summary, view.record.short_notice] if view.record else None, sort_keys=True)
        key = page_key(context, "changes", header, record, plan.identities[view.version], plan.identities.get(view.previous or "", ""))
        planned.append((f"{view.version}/changes/", key, functools.partial(_changes_page, plan, view, lang, ctx), view))
        if view.status == "upcoming" and plan.in_force is not None:  # what changes for a reader of the version in force
            header = version_header(view, ctx, f"{lang}/{view.version}/{FOR_YOU}", on_changes=True)
            key = page_key(context, "for-you", header, record, plan.identities[plan.in_force], plan.identities[view.version])
            planned.append((f"{view.version}/{FOR_YOU}", key, functools.partial(_for_you_page, plan, view, lang, ctx), None))
    current = next((v for v in views if v.version == plan.in_force), None)
    always = [archive_page(views, ctx), version_page(current, ctx, current=True) if current else no_version_page(ctx),
              compare_page(views, ctx)]
    draft = next((v for v in views if v.version == DRAFT), None)
    if draft is not None:  # the editors' GDPR coverage table, beside the draft
        from site_builder.source.gdpr import table

        always.append(gdpr_page(draft, ctx, table(plan.snapshots[DRAFT], "html", lang)))
        from site_builder.source.readability import as_html, report

        last = plan.snapshots[plan.releases[-1].version] if plan.releases else None
        rows = report(plan.snapshots[DRAFT], last, (lang,) if lang in plan.snapshots[DRAFT].languages else plan.snapshots[DRAFT].languages[:1])
        always.append(readability_page(draft, ctx, as_html(rows, lang, readability_labels(lang))))
    planned += [(page.path, "", functools.partial(_same, page), None) for page in always]  # searchable: always rendered
    return planned


def _same(page: Page) -> Page:
    return page


def _changes_page(plan: SitePlan, view: VersionView, lang: str, ctx: SiteContext) -> Page:
    return changes_page(with_changes(plan, view, lang), ctx)


def for_you_changes(plan: SitePlan, version: str, lang: str) -> Changes:
    """The version in force compared with `version` (one that will apply), computed once per build and language."""
    assert plan.in_force is not None
    key = (lang, plan.in_force, version, plan.identities[plan.in_force], plan.identities[version])
    if key not in _CHANGES:
        _CHANGES[key] = compare_snapshots(plan.snapshots[plan.in_force], plan.snapshots[version], lang,
                                          from_label=plan.in_force, to_label=version)
    return _CHANGES[key]


def _for_you_page(plan: SitePlan, view: VersionView, lang: str, ctx: SiteContext) -> Page:
    return for_you_page(view, for_you_changes(plan, view.version, lang), ctx)


def version_json_text(plan: SitePlan, view: VersionView, lang: str) -> str:
    return json.dumps(version_data(view, lang, plan.identities.get(view.version) if view.version != DRAFT else None),
                      ensure_ascii=False, indent=1, sort_keys=True) + "\n"
