"""`policy deploy`: put the site `policy build` made on the web, whole or not at all.

Two targets. A git branch (default `gh-pages`, as MkDocs and mike use): one commit per deploy
holding exactly the built site, made without touching the work tree, and with `--push` sent
to the remote in one ref update, so readers see the old site or the new one; a refused push
moves the local branch back. Or a folder (a mounted web root): the site is copied beside it
and swapped in with the same atomic link swap and ownership rules as `policy build --out`.

Refused before anything is written: no build, a build with the draft in it, a build older than
the releases at HEAD (a release was committed since), and a build whose files were changed
after it was made.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import click

from site_builder.errors import PolicyError
from site_builder.site import writer
from site_builder.source import history
from site_builder.source.workspace import open_workspace


@dataclass(frozen=True)
class BuiltSite:
    """A finished build, checked: where its files are and which versions it shows."""

    folder: Path  # the published `site/` folder (the link resolved)
    state: Path  # its build's internal files
    versions: tuple[str, ...]  # newest first, as versions.json lists them


def tool_version() -> str:
    try:
        return version("site_builder")
    except PackageNotFoundError:
        return "unknown"


def checked_site(root: Path, out: Path | None) -> BuiltSite:
    """The build at `out` (default site/), refused when it must not be published."""
    link = writer.target(Path(root), out)
    state = writer.published_state(link)
    if state is None or not (state / writer.STAMP).is_file():
        raise PolicyError(f"{link} is not a site `policy build` made; nothing was deployed. Run `policy build` first"
                          + ("" if out is None else f" with --out {out}"))
    folder = link.resolve()
    if any((folder / lang / "draft").is_dir() for lang in _languages(folder)):
        raise PolicyError(f"{link} was built with --draft: the draft must never be published; nothing was deployed. "
                          "Run `policy build` without --draft, then deploy")
    changed = writer.changed_since_build(link, state)
    if changed:
        raise PolicyError(f"{link}: files under {', '.join(f'{name}/' for name in changed)} were changed after the build; "
                          "nothing was deployed. Run `policy build` again (it rebuilds what was touched), then deploy")
    try:
        listed = json.loads((folder / "versions.json").read_text(encoding="utf-8"))
        shown = {item["version"]: item["commit"] for item in listed}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PolicyError(f"{folder / 'versions.json'} cannot be read ({exc}); nothing was deployed. "
                          "Run `policy build` again, then deploy") from None
    ws = open_workspace(Path(root), include_uncommitted=False, advice=False)
    missing = [r.version for r in ws.releases if shown.get(r.version) != r.commit]
    if missing:
        raise PolicyError(f"{link} is older than the releases at HEAD: it lacks version(s) {', '.join(missing)}; "
                          "nothing was deployed. Run `policy build`, then deploy")
    return BuiltSite(folder, state, tuple(shown))


def _languages(folder: Path) -> list[str]:
    return [entry.name for entry in folder.iterdir() if entry.is_dir() and (entry / "index.html").is_file()]


def message(site: BuiltSite) -> str:
    newest = site.versions[0] if site.versions else "none"
    return (f"Publish privacy policy {newest} (versions {', '.join(site.versions) or 'none'})\n\n"
            f"Built and deployed by site_builder {tool_version()} (`policy deploy`).\n")


def deploy_branch(root: Path, *, out: Path | None, branch: str, remote: str | None, quiet: bool = False) -> str:
    """Commit the built site to `branch` and, with `remote`, push it; returns the new tip."""
    say = (lambda line: None) if quiet else (lambda line: click.echo(line, err=True))
    site = checked_site(root, out)
    repo = history.open_repo(Path(root))
    new, old, changed = history.commit_folder(repo, site.folder, branch, message(site))
    say(f"{'Committed' if changed else 'Unchanged since the last deploy:'} {branch} {new[:12]} "
        f"(versions {', '.join(site.versions)})")
    if remote is not None:
        try:
            history.push_branch(repo, remote, new, branch)
        except PolicyError:
            if changed:
                history.reset_branch(repo, branch, new, old)
            raise
        say(f"Pushed {branch} to {remote}")
    return new


def deploy_folder(root: Path, *, out: Path | None, to: Path, quiet: bool = False, wait: bool = True) -> Path:
    """Copy the built site beside `to` and swap it in atomically (`to` becomes a link to it)."""
    say = (lambda line: None) if quiet else (lambda line: click.echo(line, err=True))
    site = checked_site(root, out)
    target = writer.target(Path(root), to)
    if target == writer.target(Path(root), out):
        raise PolicyError(f"--to {to} is the built site itself; give the web root to copy it to")
    writer.check_target(target, Path(root))
    try:
        with writer.locked(target, repo=Path(root), wait=wait, say=say):
            _spare, others = writer.clean_leftovers(target)
            stale = writer.Sweeper(others + ([_spare] if _spare else []))
            tmp = writer.staging(target)
            try:
                writer.link_copy(site.folder, tmp / writer.SITE)
                state = writer.Output(tmp / writer.STATE)
                for kept in [site.state / writer.STAMP, *site.state.glob(writer.manifest_file("*"))]:
                    state.write(kept.name, kept.read_bytes())
                writer.publish(tmp, target)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
                stale.finish()
    except OSError as exc:
        raise writer.write_error(exc, target) from None
    say(f"Deployed versions {', '.join(site.versions)} to {target}")
    return target
