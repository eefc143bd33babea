"""Where a build writes: one lock per output folder, a staging folder beside it, an atomic swap.

`--out site` is a symbolic link to a finished build in `.site.builds/`; a new build is made in
`.site.building-<pid>/`, moved into `.site.builds/` and published by replacing the link with
`os.replace`, which is atomic: a reader (or a web server) sees the old site or the new one,
never half of one and never none. Leftovers of a killed build are removed when the next starts.

Two trees, like double buffering: the build a new one replaced stays (a reader half-way through
it is not cut off) and becomes the next build's staging tree. Most of its files are hard links
to the very files of the published build, so the next build only replaces what changed instead
of creating hundreds of folders and thousands of links again. A first build leaves a linked
copy of itself for the same purpose.

Each build is `.site.builds/<id>/` holding `site/` (what is published: the link points at it) and
`state/` (what only this tool reads: the stamp, page manifests, the archive's key). A build
writes only where it may: a missing or empty folder, or a link this tool made into its own
builds folder (which carries `MARK`); never the repository, a folder holding it, its content
folders, `.git`, the home folder or `/`. It deletes only what it wrote.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from site_builder.errors import PolicyError
from site_builder.paths import is_within, repository_place

SITE, STATE = "site", "state"  # the two folders of a build: published, and this tool's own
WORK = "work"  # the engine's scratch in a staging folder: removed before the build is published
MARK = "policy-builds.txt"  # in `.<out>.builds/`: the builds beside it are this tool's
LEGACY_STAMP = ".policy-build"  # what older versions left at the top of the site they published
_STAGING_MARK = "policy-staging.txt"


def _siblings(out: Path) -> tuple[Path, Path]:
    return out.parent / f".{out.name}.builds", out.parent / f".{out.name}.lock"


def target(repo: Path, out: Path | None) -> Path:
    """The output folder, absolute, `..` resolved, its last part not (`site` itself is a link)."""
    path = Path(repo).resolve() / "site" if out is None else Path(os.path.abspath(out))
    return path if path.name == "" else path.parent.resolve() / path.name


def published_state(out: Path) -> Path | None:
    """The internal files of the build `out` links to (None when it is no build of this layout)."""
    if not out.is_symlink():
        return None
    site = out.resolve()
    return site.parent / STATE if site.name == SITE else None


def _refuse(out: Path, why: str) -> PolicyError:
    return PolicyError(f"--out {out}: {why}; nothing was written or moved. Build into a new or empty folder, "
                       "or into one an earlier `policy build` made (for example the default, site/ in the repository)")


def check_target(out: Path, repo: Path) -> None:
    """Refuse, before anything is written, a folder a build must never write into or replace."""
    repo = Path(repo).resolve()
    for place in dict.fromkeys([out.absolute(), out.resolve()]):
        # Folders are compared by identity (device and inode), not by name: another path to the
        # same folder (a bind mount, a link higher up) is the same folder.
        if place == Path(place.anchor) or is_within(Path(place.anchor), place):
            raise _refuse(out, "that is the root of the file system")
        why = repository_place(place, repo)  # the most telling reason first
        if why is not None:
            raise _refuse(out, why)
        if is_within(Path.home(), place):
            raise _refuse(out, "that is your home folder or a folder that holds it")
    _check_owned(out)


def _check_owned(out: Path) -> None:
    """`out` is missing, an empty folder, or a site this tool made; else refuse naming it."""
    builds = _siblings(out)[0]
    if os.path.lexists(builds) and (builds.is_symlink() or not builds.is_dir()):
        raise _refuse(out, f"{builds} is not a folder this tool made; move it away")
    ours = (builds / MARK).is_file()
    if out.is_symlink():
        site = out.resolve()
        if site.parent.parent == builds and site.name == SITE and ours:
            return
        if site.parent == builds and (site / LEGACY_STAMP).is_file():
            return  # a site an earlier version of this tool published as a link
        raise _refuse(out, f"it is a symbolic link to {os.readlink(out)}, not to a site this tool built")
    if os.path.lexists(builds) and not ours:
        raise _refuse(out, f"{builds} exists but was not made by this tool; move it away")
    if not os.path.lexists(out):
        return
    if not out.is_dir():
        raise _refuse(out, "it is a file, not a folder")
    if (out / LEGACY_STAMP).is_file():  # a site an earlier version of this tool wrote as a plain folder...
        foreign = sorted(entry.name for entry in os.scandir(out) if not _legacy_entry(entry))
        if not foreign:
            return
        raise _refuse(out, f"it holds files an earlier build of this tool did not write (such as {foreign[0]})")
    with os.scandir(out) as entries:
        first = next(entries, None)
    if first is not None:
        raise _refuse(out, f"it is a folder that holds files this tool did not write (such as {first.name})")


def _legacy_entry(entry: os.DirEntry) -> bool:
    """...which held these at its top, and nothing else: the site's files and a folder per language."""
    if entry.is_symlink():
        return False
    if entry.is_dir():
        return entry.name == "unsubscribe" or (2 <= len(entry.name) <= 3 and entry.name.isascii() and entry.name.islower()
                                                and entry.name.isalpha())
    return entry.name in {LEGACY_STAMP, "index.html", "versions.json", "policy-history.zip", "policy-history.zip.key"}


@contextlib.contextmanager
def locked(out: Path, *, repo: Path, wait: bool, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the lock of an output folder: a second build waits (with a message) or stops at once.
    The folder is checked before the lock file is made beside it, and again once it is held."""
    check_target(out, repo)
    out.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(_siblings(out)[1]))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if not wait:
            raise PolicyError(f"another build is writing {out} right now; wait for it, or run again without --no-wait") from None
        say(f"Another build is writing {out}; waiting for it to finish…")
        lock.acquire()
    try:
        _check_owned(out)  # another process may have changed it meanwhile
        yield
    finally:
        lock.release()


def write_error(exc: OSError, out: Path) -> PolicyError:
    """A build that could not write: the path and the reason, never a bare "unexpected failure"."""
    kept = "nothing was published; the site already there, if any, is unchanged"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        at = f" (while writing {exc.filename})" if exc.filename else ""
        return PolicyError(f"the disk is full: the site could not be written to {out}{at}; {kept}. "
                           "Free some space there, or choose an --out on another disk")
    return PolicyError(f"cannot write {exc.filename or out}: {exc.strerror or exc}; {kept}. "
                       "Allow writing there, or choose another --out")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # no such process; a number no process can have
        return False
    except PermissionError:
        return True
    return True


def _dead_builder(suffix: str) -> bool:
    """Whether `.<out>.building-<suffix>` names no running build: not a process id (only ASCII digits
    are), a process that is gone, or this process (what it left before, in a restart)."""
    if not (suffix.isascii() and suffix.isdigit()):
        return True
    return int(suffix) == os.getpid() or not _alive(int(suffix))


def clean_leftovers(out: Path) -> tuple[Path | None, list[Path]]:
    """Remove what killed builds left beside `out` (call with the lock held); return the build the
    next one may start from (an unpublished build) and the other unpublished builds, for a
    `Sweeper` to remove while the new build works. Only what this tool made is touched."""
    builds, _ = _siblings(out)
    for path in out.parent.glob(f".{out.name}.building-*"):
        pid = path.name.rsplit("-", 1)[-1]
        if path.is_symlink() or not path.is_dir() or not _dead_builder(pid):
            continue
        if (path / _STAGING_MARK).is_file():
            shutil.rmtree(path, ignore_errors=True)
        elif pid.isascii() and pid.isdigit():
            try:  # a build killed between making its folder and marking it: only an empty folder goes
                path.rmdir()
            except OSError:
                pass
    for path in out.parent.glob(f".{out.name}.link-*"):
        if path.is_symlink():
            path.unlink()
    if not (builds / MARK).is_file():
        return None, []
    current = out.resolve().parent if published_state(out) is not None else out.resolve() if out.is_symlink() else None
    stale = sorted((path for path in builds.iterdir() if path != current and path.is_dir() and not path.is_symlink()),
                   key=lambda path: path.stat().st_mtime_ns)
    spares = [path for path in stale if (path / SITE).is_dir()]
    return (spares[-1] if spares else None), [path for path in stale if not spares or path != spares[-1]]


class Sweeper:
    """Removes unpublished builds in a thread, alongside the work of the next build."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if self.paths and self.thread is None:
            self.thread = threading.Thread(target=self._remove, name="policy-sweeper", daemon=True)
            self.thread.start()

    def _remove(self) -> None:
        for path in self.paths:
            shutil.rmtree(path, ignore_errors=True)

    def finish(self) -> None:
        self.start()
        if self.thread is not None:
            self.thread.join()


def staging(out: Path, spare: Path | None = None) -> Path:
    """A fresh folder beside `out` to build in, named after this process; the site is built in
    its `site/` (the `spare` build's site when there is one, see `prune`), the internal files
    in its `state/`."""
    path = out.parent / f".{out.name}.building-{os.getpid()}"
    if (path / _STAGING_MARK).is_file():
        shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    (path / _STAGING_MARK).write_text("a build of `policy build` in progress\n", encoding="utf-8")
    (path / STATE).mkdir()
    if spare is not None:
        try:
            (spare / SITE).rename(path / SITE)
        except OSError:
            pass
        shutil.rmtree(spare, ignore_errors=True)
    return path


def prune(folder: Path, keep: set[str]) -> None:
    """Delete every file under `folder` but those in `keep` (relative paths) and the folders left
    empty. What a build writes afterwards is always a new file: a kept file is only ever replaced
    by a link, never written to, so the published build it may share a file with stays intact."""
    base = str(folder)
    for current, _subfolders, names in os.walk(base, topdown=False):
        prefix = os.path.relpath(current, base).replace(os.sep, "/")
        for name in names:
            if (name if prefix == "." else f"{prefix}/{name}") not in keep:
                os.unlink(os.path.join(current, name))
        if current != base:
            try:
                os.rmdir(current)
            except OSError:
                pass  # not empty: something in it is kept


def prune_root(site: Path, languages: tuple[str, ...]) -> None:
    """The top of a spare tree: only the folders of today's languages stay."""
    if not site.is_dir():
        site.mkdir(parents=True)
        return
    for entry in os.scandir(site):
        if entry.name in languages and entry.is_dir(follow_symlinks=False):
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)


def link_or_copy(source: str | Path, target: str | Path) -> None:
    """Put `source` at `target` as a hard link where the file system allows, else as a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def link_copy(source: Path, target: Path) -> None:
    """A copy of the tree `source` at `target` whose files are hard links (`cp -al`)."""
    base = str(source)
    for current, _subfolders, names in os.walk(base):
        relative = os.path.relpath(current, base)
        os.makedirs(os.path.join(target, relative), exist_ok=True)
        for name in names:
            link_or_copy(os.path.join(current, name), os.path.join(target, relative, name))


def publish(staged: Path, out: Path) -> None:
    """Make the finished build in `staged` (its `site/` and `state/`) the site at `out`,
    atomically. The build it replaces is left in place for the next build to remove."""
    builds, _ = _siblings(out)
    builds.mkdir(exist_ok=True)
    (builds / MARK).write_text(f"Builds of {out}, made by `policy build`: do not edit.\n", encoding="utf-8")
    final = builds / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    final.mkdir()
    (staged / STATE).rename(final / STATE)
    (staged / SITE).rename(final / SITE)
    link = out.parent / f".{out.name}.link-{os.getpid()}"
    if link.is_symlink():
        link.unlink()
    link.symlink_to(os.path.relpath(final / SITE, out.parent))
    if out.is_dir() and not out.is_symlink():
        if (out / LEGACY_STAMP).is_file():
            # A site an earlier version wrote as a plain folder is moved aside once (a moment without site).
            (builds / f"previous-{os.getpid()}").mkdir()
            out.rename(builds / f"previous-{os.getpid()}" / SITE)
        else:
            out.rmdir()  # empty (checked under the lock): fails rather than lose a file put there since
    os.replace(link, out)
    if sum(path.is_dir() for path in builds.iterdir()) == 1:  # a first build: the next one starts from a linked copy
        spare = builds / f"spare-{os.getpid()}"
        try:
            link_copy(final / SITE, spare / SITE)
        except OSError:
            shutil.rmtree(spare, ignore_errors=True)


def merge_into(source: Path, target: Path) -> None:
    """Move everything in `source` into `target`: whole folders where `target` has none of that
    name, else file by file (a file of the same name is replaced)."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in os.scandir(source):
        destination = os.path.join(target, entry.name)
        if entry.is_dir(follow_symlinks=False) and os.path.isdir(destination):
            merge_into(Path(entry.path), Path(destination))
        else:
            os.replace(entry.path, destination)


def die_with_parent() -> None:
    """In a worker process: be killed when the build that started it dies (even by kill -9)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)


# Internal files, in a build's `state/` folder beside the published `site/` (see writer.py):
STAMP = "build-stamp"  # the inputs of the whole build


def manifest_file(lang: str) -> str:
    """The page manifest of one language, in a build's state folder."""
    return f"pages-{lang}.json"


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
    state = published_state(out)
    try:
        if state is None or (state / STAMP).read_text(encoding="utf-8") != value:
            return False
    except OSError:
        return False
    return not changed_since_build(out, state)


def changed_since_build(out: Path, state: Path) -> list[str]:
    """The language folders of the site `out` whose files differ from what the build recorded."""
    changed = []
    for file in sorted(state.glob(manifest_file("*"))):
        manifest = read_manifest(file)
        folder = out / file.stem.removeprefix("pages-")
        if not _intact(folder, manifest, [e for e in manifest.values() if isinstance(e, dict)]):
            changed.append(folder.name)
    return changed


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
        link_or_copy(old, new)


def manifest_text(entries: dict[str, dict]) -> str:
    """For every page, its inputs key and each file's hash and size: written after every file."""
    return json.dumps(entries, sort_keys=True, indent=0) + "\n"


class Output:
    """The only door to one folder of a build: every file in it is written once, and written new.

    Two outputs with one path are a bug in the plan, refused at once rather than one silently
    winning. A file is never written into: whatever stands at its path is unlinked first, since
    a reused file is a hard link shared with the published site (writing into it would change
    the site readers are being served). Files put there by others (reused pages linked by
    `place`, the engine's output) are `adopt`ed, so that a later write to the same path is
    caught too; the engine's own search index is the one file finished after the engine, with
    `write(..., over_engine=True)`. One Output per folder and process."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._owners: dict[str, str] = {}  # relative path -> "written" | "adopted"
        self._lock = threading.Lock()

    def _take(self, rel: str, how: str, over_engine: bool = False) -> None:
        with self._lock:
            before = self._owners.get(rel)
            if before is not None and not (over_engine and before == "adopted"):
                raise PolicyError(f"internal error: two outputs of one build write {self.root / rel}; "
                                  "nothing was published; please report this")
            self._owners[rel] = how

    def adopt(self, rels: list[str]) -> None:
        """Files that are already in place (linked or made by the engine)."""
        for rel in rels:
            self._take(rel, "adopted")

    def claim(self, rel: str, *, over_engine: bool = False) -> Path:
        """The path at which to make `rel` anew: its folder exists and nothing stands there."""
        self._take(rel, "written", over_engine)
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return path

    def write(self, rel: str, data: str | bytes, *, over_engine: bool = False) -> Path:
        """Make `rel` with these bytes (text is written as UTF-8)."""
        path = self.claim(rel, over_engine=over_engine)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path


def files_under(folder: Path) -> list[str]:
    """Every file below `folder`, as paths relative to it."""
    found = []
    for base, _dirs, names in os.walk(folder):
        prefix = os.path.relpath(base, folder)
        found += [name if prefix == "." else f"{prefix}/{name}".replace(os.sep, "/") for name in names]
    return found
