"""`policy diff`: the changes between any two revisions of the repository (releases, commits, the draft)."""

from __future__ import annotations

from site_builder.compare.diffing import Changes, compare_snapshots
from site_builder.errors import PolicyError
from site_builder.source.workspace import Workspace, require_verified_releases


def compare_revisions(ws: Workspace, from_rev: str | None, to_rev: str | None, lang: str) -> Changes:
    """`policy diff`: defaults are the last release and the draft; releases are verified first."""
    require_verified_releases(ws, hint="run `policy check` for details")
    if from_rev is None:
        if not ws.releases:
            raise PolicyError("there is no release yet to compare with; name two revisions, or cut a release with `policy release`")
        from_rev = ws.releases[-1].version
    to_rev = to_rev or "draft"
    old, new = ws.snapshot_at(from_rev), ws.snapshot_at(to_rev)
    if lang not in new.languages and lang not in old.languages:
        raise PolicyError(f"unknown language {lang!r}; the policy has: {', '.join(new.languages)}")
    return compare_snapshots(old, new, lang, from_label=from_rev, to_label=to_rev)
