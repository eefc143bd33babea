"""Everything read from a policy repository, validated once: the draft and the releases."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from site_builder.config import config_problems
from site_builder.errors import ContentError, PolicyError, Problem, errors_in
from site_builder.i18n import available_languages, catalog_path, entry_problems, stale_entries, template_path
from site_builder.source import history, store
from site_builder.source.content import WorkingTree, content_hash, load_snapshot, summary_warnings, translation_warnings
from site_builder.source.models import (
    DEFAULT_SOURCE,
    SNAPSHOT_FORMAT,
    Release,
    ReleaseRecord,
    Snapshot,
    snapshot_from_json,
    snapshot_to_json,
    version_key,
)


@dataclass(frozen=True)
class Workspace:
    """The policy repository: working-tree draft, published releases and every problem found."""

    root: Path
    repo: history.Repo
    draft: Snapshot | None
    releases: tuple[Release, ...]
    pending: tuple[ReleaseRecord, ...]
    problems: tuple[Problem, ...]

    @property
    def languages(self) -> tuple[str, ...]:
        return self.draft.languages if self.draft else (DEFAULT_SOURCE,)

    def release(self, version: str) -> Release | None:
        """The published release with this version."""
        return next((r for r in self.releases if r.version == version), None)

    def snapshot_of(self, release: Release) -> Snapshot:
        """The text of a release, read from the commit that first added its record (remembered per commit)."""
        def load() -> dict | list:
            snap, problems = load_snapshot(history.tree_at(self.repo, release.commit))
            if snap is None or errors_in(problems):
                return [p.format() for p in errors_in(problems)]
            return snapshot_to_json(snap)
        # a new version of the loader reads the commit again
        data = store.commit_memo(history.cache_dir(self.repo), f"snapshots-{SNAPSHOT_FORMAT}-{store.code_digest()[:16]}",
                                 release.commit, load)
        if not isinstance(data, dict):
            raise ContentError([Problem(release.record.path, 1, f"release {release.version}: its text at commit {release.commit[:10]} is invalid: " + "; ".join(str(item) for item in (data if isinstance(data, list) else [])))])
        return snapshot_from_json(data)

    def snapshot_at(self, rev: str) -> Snapshot:
        """Resolve a release version, `draft` or any git revision to its text."""
        if rev == "draft":
            draft_errors = [p for p in errors_in(list(self.problems)) if not p.path.startswith("changelog/")]
            if self.draft is None or draft_errors:
                raise ContentError(draft_errors or errors_in(list(self.problems)))
            return self.draft
        release = self.release(rev)
        if release:
            return self.snapshot_of(release)
        commit = history.resolve(self.repo, rev)
        if commit is None:
            known = ", ".join(r.version for r in self.releases) or "none yet"
            shown = repr(rev) if len(rev) <= 60 else repr(rev[:60] + "…")
            raise PolicyError(f"unknown version or revision {shown}; known versions: {known}; or use `draft` or a git revision")
        snap, problems = load_snapshot(history.GitTree(commit))
        if snap is None:
            raise ContentError(errors_in(problems))
        return snap

    def draft_hash(self) -> str:
        """content_hash of the working tree's text."""
        return content_hash(WorkingTree(self.root))

    def has_draft(self) -> bool:
        """True when the working tree differs from the last release."""
        return not self.releases or self.draft_hash() != self.releases[-1].record.content_hash


def open_workspace(root: Path, *, include_uncommitted: bool = True, advice: bool = True) -> Workspace:
    """Read and validate the repository; raises nothing for content problems (they are collected).

    `advice=False` skips the warnings meant for editors (a build only needs the errors).
    """
    root = Path(root).resolve()
    repo = history.open_repo(root)
    draft, problems = load_snapshot(WorkingTree(root), advice=advice)
    languages = draft.languages if draft else (DEFAULT_SOURCE,)
    releases, pending, found = history.load_releases(repo, root, languages, include_uncommitted=include_uncommitted)
    problems.extend(found)
    if draft is not None:
        problems.extend(translation_warnings(draft))
        if advice:
            problems.extend(summary_warnings(draft))
        if advice and any(s.gdpr for s in draft.sections):  # the coverage check starts with the first declaration
            from site_builder.source.gdpr import problems as gdpr_problems

            problems.extend(gdpr_problems(draft))
    return Workspace(root, repo, draft, tuple(releases), tuple(pending), tuple(problems))


def check(root: Path, *, strict: bool = False) -> list[Problem]:
    """Every problem in the repository; with `strict`, warnings count as errors."""
    ws = open_workspace(root)
    problems = list(ws.problems) + config_problems(ws.root)  # mkdocs.yml: what build and notify would refuse
    problems.extend(_summary_balance([r.record for r in ws.releases] + list(ws.pending)))
    # A language `languages:` lists without a catalog is already named there, with its line.
    named = {lang for lang in ws.languages if any(f"no interface words (menus, notices) for `{lang}`" in p.message for p in problems)}
    problems.extend(catalog_problems(tuple(lang for lang in ws.languages if lang not in named)))
    if ws.draft is not None and not errors_in(problems):
        from site_builder.source.readability import problems as readability_problems

        try:
            last = last_release_text(ws)
        except ContentError:  # a release whose text cannot be read: reported by the release checks, not here
            last = None
        problems.extend(readability_problems(ws.draft, last))
    for record in ws.pending:
        if record.content_hash != ws.draft_hash():
            problems.append(Problem(record.path, 1, f"release {record.version} is not committed yet and its content_hash does not match the current text; run `policy release` again"))
    if strict:
        problems = [Problem(p.path, p.line, p.message) for p in problems]
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.message))


def catalog_problems(languages: tuple[str, ...]) -> list[Problem]:
    """A published language needs every interface word: a catalog with each entry the English one has
    (an error), translated from the English as it reads today (a warning)."""
    out = []
    for lang in languages:
        path = str(catalog_path(lang))
        if lang not in available_languages():
            out.append(Problem(path, 0, f"missing: `{lang}` is published (translations/{lang}/) but has no catalog of "
                               f"interface words; copy {template_path()} to this path and translate every entry"))
            continue
        out += [Problem(path, p.line, f"`{p.key}`: {p.message}" if p.key else p.message) for p in entry_problems(lang)]
        out += [Problem(path, p.line, f"`{p.key}`: {p.message}", "warning") for p in stale_entries(lang)]
    return out


def last_release_text(ws: Workspace) -> Snapshot | None:
    """The text of the newest published release (what the draft is compared with), or None."""
    return ws.snapshot_of(ws.releases[-1]) if ws.releases else None


def _summary_balance(records: list[ReleaseRecord]) -> list[Problem]:
    """A material release whose summary in one language is much shorter than in another says less there."""
    out = []
    for record in records:
        lengths = {lang: len(text.split()) for lang, text in record.summary.items()}
        if record.kind != "material" or len(lengths) < 2:
            continue
        short, long = min(lengths, key=lengths.__getitem__), max(lengths, key=lengths.__getitem__)
        if lengths[short] < 0.5 * lengths[long]:
            out.append(Problem(record.path, 1, f"the `{short}` summary of material release {record.version} has {lengths[short]} "
                               f"word(s), the `{long}` one {lengths[long]}: readers of `{short}` may be told less", "warning"))
    return out


def require_verified_releases(ws: Workspace, hint: str = "nothing was written") -> None:
    """Stop when any published release fails verification (edited, rewritten, shallow clone)."""
    errors = [p for p in errors_in(list(ws.problems)) if p.path.startswith("changelog/")]
    if errors:
        raise ContentError(sorted(set(errors), key=lambda p: (p.path, p.line)), hint=hint)


def require_valid(ws: Workspace) -> None:
    """Stop with every error when the repository has any."""
    errors = errors_in(list(ws.problems))
    if errors:
        raise ContentError(errors)


def sorted_versions(ws: Workspace) -> list[str]:
    """Published versions, oldest first."""
    return sorted((r.version for r in ws.releases), key=version_key)
