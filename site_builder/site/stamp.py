"""The output cache: what a build depends on, and which finished pages can be reused.

One module answers both questions a build asks before it works:
- the no-op check: is the site at `--out` built from exactly these inputs (history, draft,
  options, mkdocs.yml, this tool and the versions of every rendering dependency)?
- per page: was this page built from the same inputs, and is the file still what was built?
  A reused file is verified by its hash: a missing or changed file is a miss, never an error.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
from pathlib import Path

from site_builder.config import load_config
from site_builder.site import writer
from site_builder.site.engine_mkdocs import RENDERING_PACKAGES
from site_builder.source import history, store
from site_builder.source.content import WorkingTree, content_hash

# Internal files, in a build's `state/` folder beside the published `site/` (see writer.py):
STAMP = "build-stamp"  # the inputs of the whole build
HISTORY_KEY = "policy-history.key"  # what the history archive was made from, and its sha256


def manifest_file(state: Path, lang: str) -> Path:
    """The page manifest of one language of a build."""
    return state / f"pages-{lang}.json"


@functools.lru_cache(maxsize=1)
def tool_digest() -> str:
    """This tool's code and theme, and the installed version of everything that renders pages."""
    return hashlib.sha256(f"{store.code_digest()}\n{store.package_versions(RENDERING_PACKAGES)}".encode()).hexdigest()


def page_context(root: Path, site_url: str, lang: str) -> str:
    """What every page of a language depends on besides its own content."""
    parts = [tool_digest(), site_url, lang, load_config(root).digest]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def stamp(root: Path, *, draft: bool, today: dt.date, site_url: str | None) -> str:
    """What the whole output depends on: history, draft text and pending records, options, config, tool."""
    repo = history.open_repo(root)
    head = history.head_commit(repo)
    parts = [tool_digest(), str(site_url), today.isoformat(), str(draft), head.hexsha if head else "",
             load_config(root).digest]
    if draft:
        tree = WorkingTree(root)
        parts.append(content_hash(tree))
        for name in tree.listdir("changelog"):  # a pending release shows in the draft
            parts.append(hashlib.sha256((tree.read(f"changelog/{name}") or b"").hex().encode()).hexdigest())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


# --- pages ------------------------------------------------------------------------------
#
# A manifest records, for every page folder, the key of its inputs and, for each of its files,
# the sha256 and the size. A reused file is checked the way git checks its index: a file of the
# recorded size whose modification time is older than the manifest (written last, at the end of
# the build) has not been touched since it was hashed; any other file is hashed again.


def file_hash(path: Path | str) -> str:
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


def read_manifest(file: Path | None) -> dict[str, dict]:
    """Page folder -> {"key": inputs key, "files": {path: sha256}, "sizes": {path: bytes}} of a built language."""
    if file is None:
        return {}
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        data[WRITTEN] = os.stat(file).st_mtime_ns
    except (OSError, ValueError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


WRITTEN = "\0written"  # in a manifest read back: when it was written (no page folder has this name)


def _intact(folder: Path, manifest: dict, entries: list[dict]) -> bool:
    written = manifest.get(WRITTEN, 0)
    base = str(folder)
    for entry in entries:
        sizes = entry.get("sizes") or {}
        for rel, digest in (entry.get("files") or {}).items():
            path = os.path.join(base, rel)
            try:
                info = os.stat(path)
                if info.st_size == sizes.get(rel) and info.st_mtime_ns < written:
                    continue  # untouched since it was hashed
                if file_hash(path) != digest:
                    return False
            except OSError:
                return False
    return True


def up_to_date(out: Path, value: str) -> bool:
    """True when `out` was built from exactly these inputs and its manifests' files are intact."""
    state = writer.published_state(out)
    try:
        if state is None or (state / STAMP).read_text(encoding="utf-8") != value:
            return False
    except OSError:
        return False
    for file in state.glob(manifest_file(state, "*").name):
        manifest = read_manifest(file)
        folder = out / file.stem.removeprefix("pages-")
        if not _intact(folder, manifest, [e for e in manifest.values() if isinstance(e, dict)]):
            return False
    return True


def reusable(previous: Path, manifest: dict, page: str, key: str) -> bool:
    """The page was built from the same inputs and its files are still exactly what was built."""
    entry = manifest.get(page)
    if not key or not isinstance(entry, dict) or entry.get("key") != key or not entry.get("files"):
        return False
    return _intact(previous, manifest, [entry])


def record(folder: Path, rels: list[str]) -> tuple[dict[str, str], dict[str, int]]:
    """Hashes and sizes of freshly written files, for the manifest."""
    hashes, sizes = {}, {}
    for rel in rels:
        data = (folder / rel).read_bytes()
        hashes[rel], sizes[rel] = hashlib.sha256(data).hexdigest(), len(data)
    return hashes, sizes


def place(previous: Path, out: Path, rels: list[str]) -> None:
    """Put reused files into the new output: hard links where the file system allows, else copies.

    The output may already hold a file of that name (a build started from the spare tree):
    when it is the very same file it stays, else it is replaced, never written to."""
    source, target = str(previous), str(out)
    made: set[str] = set()
    for rel in rels:
        old, new = os.path.join(source, rel), os.path.join(target, rel)
        try:
            there = os.stat(new)
        except FileNotFoundError:
            there = None
        if there is not None:
            if os.path.samestat(there, os.stat(old)):
                continue
            os.unlink(new)
        folder = os.path.dirname(new)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        writer.link_or_copy(old, new)


def write_manifest(file: Path, entries: dict[str, dict]) -> None:
    """Record, for every page, its inputs key and each file's hash and size: written after every file."""
    file.write_text(json.dumps(entries, sort_keys=True, indent=0) + "\n", encoding="utf-8")
