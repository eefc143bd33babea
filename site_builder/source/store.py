"""Every value this tool remembers, and when each one is thrown away.

A remembered value is only ever a shortcut: deleting any of them costs time, never correctness.

| value | where | keyed by | thrown away when |
|---|---|---|---|
| parsed text of a release | `.git/policy-cache/snapshots-F-C/SHA.json` | commit | never for its commit; a new `SNAPSHOT_FORMAT` (F) or tool code (C) writes a new folder and drops the old |
| languages of each release | `.git/policy-cache/languages-F-T.json` | commit | as above, T the tool digest with the rendering packages |
| each committed release record, validated | `.git/policy-cache/records-R.json` | blob id, languages, path | never for its blob; new tool code or a new YAML, Markdown or sanitiser package (R) writes a new file and drops the old |
| content hash of a commit's text | `.git/policy-cache/content-hashes.json` | commit | never: a commit never changes |
| commits that first added each record | `.git/policy-cache/first-commits.json` | HEAD | HEAD is not a descendant of the HEAD it was made for: read afresh |
| compiled theme templates | `~/.cache/site_builder/templates/` (`$XDG_CACHE_HOME`), else `.git/policy-cache/templates/` | template name and path | the engine's own check against the template's source and the Python version (Jinja's bytecode cache) |
| blobs, trees, commit values | memory (`history._BLOBS`, `lru_cache`, `_MEMO` here) | object id | the process ends |
| comparisons of one build | memory (`site.build`) | both versions' identities | the next build starts |
| the site's stamp | beside the published site | HEAD, draft hash, options, config, tool digest | any of those changes |
| page manifests | beside each language's pages | page key + file sizes and times | the page's key changes, or a file changed or is missing |
| the history archive's key | beside the published site | releases, languages, site URL, tool digest, archive sha256 | any of those changes, or the archive was damaged |

Bump `models.SNAPSHOT_FORMAT` when the JSON shape of a `Snapshot` changes; any change to this
package's code changes C and T anyway. Values written by another version are checked for the
shape this tool writes, and read afresh otherwise.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from site_builder import __version__

_MEMO: dict[tuple[str, str, str], object] = {}
PACKAGE = Path(__file__).resolve().parents[1]


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """This tool's code, theme and interface catalogs, and its version number."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("theme/**/*"), *PACKAGE.rglob("locale/**/*.po*")]):
        if path.is_file():
            digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def package_versions(names: tuple[str, ...]) -> str:
    """The installed version of each package, one line each (`missing` where it is not installed)."""
    lines = []
    for name in names:
        try:
            lines.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            lines.append(f"{name} missing")
    return "\n".join(lines)


def commit_memo(folder: Path, name: str, sha: str, compute: Callable[[], object]) -> object:
    """A value that depends only on a commit, remembered in FOLDER/NAME/SHA.json (commits never
    change). A folder that cannot be written means computing again next time."""
    key = (str(folder), name, sha)
    if key in _MEMO:
        return _MEMO[key]
    path = folder / name / f"{sha}.json"
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        value = compute()
        if not path.parent.is_dir():  # a new format or tool version: drop the old ones
            _drop_older(folder, name, path.parent.name)
        write(path, value)
    _MEMO[key] = value
    return value


def commit_memos(folder: Path, name: str, shas: list[str], compute: Callable[[str], object]) -> dict[str, object]:
    """Small values that depend only on a commit, for many commits at once: remembered together in
    one file, FOLDER/NAME.json (one read for hundreds of releases)."""
    path = folder / f"{name}.json"
    key = (str(folder), name, "*")
    known = _MEMO.get(key)
    if not isinstance(known, dict):
        try:
            known = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {}
        if not isinstance(known, dict):
            known = {}
        _MEMO[key] = known
    missing = [sha for sha in dict.fromkeys(shas) if sha not in known]
    for sha in missing:
        known[sha] = compute(sha)
    if missing:
        if not path.is_file():  # a new format or tool version: drop the old ones
            _drop_older(folder, name, path.name)
        write(path, known)
    return {sha: known[sha] for sha in shas}


def _drop_older(folder: Path, name: str, keep: str) -> None:
    """Remove the remembered values of older formats or tool versions (`snapshots-2-…` for `snapshots-3-…`)."""
    for old in folder.glob(name.split("-")[0] + "-*"):
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)


def write(path: Path, value: object) -> None:
    """Write a remembered value atomically; a folder that cannot be written means computing again next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(value, sort_keys=True, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
