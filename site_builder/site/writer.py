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
"""

from __future__ import annotations

import contextlib
import ctypes
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


def _siblings(out: Path) -> tuple[Path, Path]:
    return out.parent / f".{out.name}.builds", out.parent / f".{out.name}.lock"


@contextlib.contextmanager
def locked(out: Path, *, wait: bool, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the lock of an output folder: a second build waits (with a message) or stops at once."""
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
        yield
    finally:
        lock.release()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(out: Path) -> tuple[Path | None, list[Path]]:
    """Remove what killed builds left beside `out` (call with the lock held); return the tree the
    next build may start from (an unpublished build) and the other unpublished builds, for a
    `Sweeper` to remove while the new build works."""
    builds, _ = _siblings(out)
    for path in out.parent.glob(f".{out.name}.building-*"):
        pid = path.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or not _alive(int(pid)) or int(pid) == os.getpid():
            shutil.rmtree(path, ignore_errors=True)
    for path in out.parent.glob(f".{out.name}.link-*"):
        path.unlink(missing_ok=True)
    for path in out.parent.glob(f".{out.name}.old-*"):  # the layout before links
        shutil.rmtree(path, ignore_errors=True)
    if not builds.is_dir():
        return None, []
    current = out.resolve() if out.is_symlink() else None
    stale = sorted((path for path in builds.iterdir() if path.resolve() != current and path.is_dir() and not path.is_symlink()),
                   key=lambda path: path.stat().st_mtime_ns)
    return (stale[-1] if stale else None), stale[:-1]


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
    its `site/`, which is the `spare` tree when there is one (see `prune`)."""
    path = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    if spare is not None:
        try:
            spare.rename(path / "site")
        except OSError:
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


def publish(new: Path, out: Path) -> None:
    """Make the finished build `new` the site at `out`, atomically. The build it replaces is
    left in place for the next build to remove."""
    builds, _ = _siblings(out)
    builds.mkdir(exist_ok=True)
    final = builds / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    new.rename(final)
    link = out.parent / f".{out.name}.link-{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(os.path.relpath(final, out.parent))
    if out.exists() and not out.is_symlink():
        # The first build after an upgrade: a real folder is moved aside once (a moment without site).
        out.rename(builds / f"previous-{os.getpid()}")
    os.replace(link, out)
    if len(list(builds.iterdir())) == 1:  # a first build: the next one starts from a linked copy
        try:
            link_copy(final, builds / f"spare-{os.getpid()}")
        except OSError:
            shutil.rmtree(builds / f"spare-{os.getpid()}", ignore_errors=True)


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
