"""Builds you can trust: a cache that notices upgrades and damage, a lock, an atomic swap, kill -9."""

from __future__ import annotations

import datetime as dt
import filecmp
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from filelock import FileLock

from site_builder.site import stamp, writer
from site_builder.source import store
from tests.conftest import BASE_ENV, OTHER_PROCESS, POLICY, PolicyRepo

TODAY = "2026-01-15"


def build(repo: PolicyRepo, out: Path, *extra: str, check: bool = True, env: dict | None = None):
    return repo.policy("build", "--out", str(out), "--today", TODAY, *extra, check=check, env=env)


def tree(folder: Path) -> dict[str, bytes]:
    folder = folder.resolve()
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_an_upgrade_of_a_rendering_dependency_is_a_change(released: PolicyRepo, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "s"
    build(released, out)
    value = stamp.stamp(released.root, draft=False, today=dt.date.fromisoformat(TODAY), site_url=None)
    assert writer.up_to_date(out, value)
    context = stamp.page_context(released.root, "https://policy.example.com/", "en")
    stamp.tool_digest.cache_clear()
    real = store.metadata.version
    monkeypatch.setattr(store.metadata, "version", lambda name: "99.0" if name == "mkdocs-material" else real(name))
    try:
        assert not writer.up_to_date(out, stamp.stamp(released.root, draft=False, today=dt.date.fromisoformat(TODAY), site_url=None))
        # every page depends on the theme: none of them may be reused after the upgrade
        assert stamp.page_context(released.root, "https://policy.example.com/", "en") != context
    finally:
        stamp.tool_digest.cache_clear()


def test_a_damaged_or_missing_file_is_rebuilt_not_an_error(released: PolicyRepo, tmp_path: Path) -> None:
    out = tmp_path / "s"
    build(released, out)
    good = tree(out)
    (out / "en/1.1/changes.json").unlink()
    (out / "el/1.0/index.html").write_text("tampered", encoding="utf-8")
    again = build(released, out)
    assert "Up to date" not in again.stderr
    assert tree(out) == good


def test_a_damaged_history_archive_is_made_again_not_reused(released: PolicyRepo, tmp_path: Path) -> None:
    import zipfile

    out = tmp_path / "s"
    build(released, out)
    good = (out / "policy-history.zip").read_bytes()
    damaged = out.resolve() / "policy-history.zip"
    damaged.unlink()  # not written into: the spare tree may share the file
    damaged.write_bytes(good[:1000])
    build(released, out, "--draft")  # the same releases: the archive would be reused whole
    assert (out / "policy-history.zip").read_bytes() == good
    # A valid archive with one entry's bytes changed: its entries are not copied either.
    import struct

    forged = bytearray(good)  # the first entry's compressed bytes, past its header and name
    forged[30 + struct.unpack("<H", good[26:28])[0] + 5] ^= 0xFF
    (out.resolve() / "policy-history.zip").unlink()
    (out.resolve() / "policy-history.zip").write_bytes(bytes(forged))
    released.section("rights", "Your rights", "Reworded.\n")
    released.translate("rights", "Τα δικαιώματά σας", "Αναδιατυπώθηκε.\n")
    released.commit("Rights: reworded")
    released.release("1.2", "2025-09-01")
    build(released, out)
    with zipfile.ZipFile(out / "policy-history.zip") as archive:
        assert archive.testzip() is None and "1.2/en/policy.md" in archive.namelist()


def test_one_more_release_reuses_pages_and_archive_entries_and_equals_a_fresh_build(released: PolicyRepo, tmp_path: Path) -> None:
    import zipfile

    out = tmp_path / "s"
    build(released, out)
    before, first = tree(out), out.resolve()
    released.section("rights", "Your rights", "You may ask for a copy of your data at any time, free of charge.\n")
    released.translate("rights", "Τα δικαιώματά σας", "Μπορείτε να ζητήσετε οποτεδήποτε δωρεάν αντίγραφο των δεδομένων σας.\n")
    released.commit("Rights: free of charge")
    released.release("1.2", "2025-09-01")
    build(released, out)
    fresh = tmp_path / "fresh"
    build(released, fresh, env=OTHER_PROCESS)
    assert tree(out) == tree(fresh)  # reuse changes nothing a reader gets
    after = tree(out)
    # The 1.0 page is the same file (a hard link): reused, not rendered again.
    assert os.path.samefile(out / "en/1.0/index.html", first / "en/1.0/index.html")
    assert not os.path.samefile(out / "en/versions/index.html", first / "en/versions/index.html")
    assert after["en/1.0/index.html"] == before["en/1.0/index.html"]
    with zipfile.ZipFile(out / "policy-history.zip") as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert "1.2/el/policy.json" in names and archive.read("1.2/el/policy.json") == (out / "el/1.2/policy.json").read_bytes()
        assert archive.read("1.0/en/policy.md") == (out / "en/1.0/policy.md").read_bytes()


def test_a_build_from_the_spare_tree_never_changes_the_published_one(released: PolicyRepo, tmp_path: Path) -> None:
    """Builds after the first start from the tree of the build before (its files are hard links to
    the published ones): what the reader is served must not change while the next build works."""
    out = tmp_path / "s"
    build(released, out)
    assert len([p for p in (tmp_path / ".s.builds").iterdir() if p.is_dir()]) == 2  # the published build and its linked copy
    (tmp_path / ".s.builds" / "stray.txt").write_text("not a build")
    for n, wording in enumerate(["A first rewording.", "A second rewording.", "A third rewording."]):
        published = out.resolve()
        before = tree(published)
        spare = next(p for p in (tmp_path / ".s.builds").iterdir() if p.is_dir() and p != published.parent)
        (spare / "site" / "en" / "stray.html").write_text("left in the spare tree")
        released.section("rights", "Your rights", wording + "\n")
        released.translate("rights", "Τα δικαιώματά σας", f"Αναδιατύπωση {n}.\n")
        released.commit(f"Rights: wording {n}")
        released.release(f"1.{n + 2}", f"2025-0{n + 7}-01")
        build(released, out, *(["--draft"] if n == 1 else []))
        assert out.resolve() != published and tree(published) == before  # the build it replaced is intact
        fresh = tmp_path / f"fresh-{n}"
        build(released, fresh, *(["--draft"] if n == 1 else []))
        assert tree(out) == tree(fresh)  # nothing left over from the spare tree
    assert not (out / "en/draft").exists()  # the draft of the second build is gone from the third


def test_the_archive_copies_unchanged_entries_and_stays_byte_identical(tmp_path: Path) -> None:
    import zipfile

    from site_builder.site.archive import write_zip

    files = {f"{n}/en/policy.md": f"# Version {n}\n\n{'Text. ' * 200}\n".encode() for n in range(1, 30)}
    old = tmp_path / "old.zip"
    assert write_zip(old, {k: (lambda v=v: v) for k, v in files.items()}) == 0
    files["30/en/policy.md"] = "# Ελληνικά\n".encode()
    files["1/en/policy.md"] = b"# Version 1, corrected\n"
    reads: list[str] = []

    def reader(name: str, data: bytes):
        return lambda: reads.append(name) or data

    new, fresh = tmp_path / "new.zip", tmp_path / "fresh.zip"
    unchanged = {k for k in files if k not in ("30/en/policy.md", "1/en/policy.md")}
    assert write_zip(new, {k: reader(k, v) for k, v in files.items()}, old, unchanged) == 28
    assert sorted(reads) == ["1/en/policy.md", "30/en/policy.md"]  # only what changed is read and compressed
    write_zip(fresh, {k: (lambda v=v: v) for k, v in files.items()})
    assert new.read_bytes() == fresh.read_bytes()
    with zipfile.ZipFile(new) as archive:
        assert archive.testzip() is None and {n: archive.read(n) for n in archive.namelist()} == files
    # An archive from another zlib (or any other writer) is never reused.
    (tmp_path / "other.zip").write_bytes(old.read_bytes().replace(b"zlib ", b"zlib?"))
    assert write_zip(tmp_path / "x.zip", {k: (lambda v=v: v) for k, v in files.items()}, tmp_path / "other.zip", unchanged) == 0


def test_release_commits_are_found_from_the_last_head_or_afresh(released: PolicyRepo) -> None:
    from site_builder.source import history

    repo = history.open_repo(released.root)
    store = Path(repo.git_dir) / "policy-cache" / "first-commits.json"
    store.unlink(missing_ok=True)
    full = history.first_commits(repo)
    assert sorted(full) == ["changelog/1.0.yml", "changelog/1.1.yml"] and store.is_file()
    released.section("rights", "Your rights", "A third wording.\n")
    released.translate("rights", "Τα δικαιώματά σας", "Τρίτη διατύπωση.\n")
    released.commit("Rights: a third wording")
    released.release("1.2", "2025-09-01")
    released.git("mv", "changelog/1.0.yml", "changelog/1.0.yml.bak")  # deleted and added back: still first added in 1.0
    released.git("commit", "-qm", "move away")
    released.git("mv", "changelog/1.0.yml.bak", "changelog/1.0.yml")
    released.git("commit", "-qm", "move back")
    since_last = history.first_commits(history.open_repo(released.root))
    store.unlink()
    assert since_last == history.first_commits(history.open_repo(released.root))
    assert since_last["changelog/1.0.yml"] == full["changelog/1.0.yml"] and "changelog/1.2.yml" in since_last
    # A remembered HEAD that is no longer in the history (rewritten) is not trusted.
    import json

    for head in ("1" * 40, "--output=x"):
        stale = json.loads(store.read_text())
        stale["head"], stale["found"]["changelog/1.2.yml"][0] = head, "2" * 40
        store.write_text(json.dumps(stale))
        assert history.first_commits(history.open_repo(released.root)) == since_last
    stale = json.loads(store.read_text())
    stale["found"]["changelog/1.2.yml"] = ["HEAD~1", "x", "--all"]  # not what the tool writes: read afresh
    store.write_text(json.dumps(stale))
    assert history.first_commits(history.open_repo(released.root)) == since_last


def test_release_records_are_remembered_by_blob_and_read_afresh_when_the_memo_is_not_ours(
        released: PolicyRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A command reads and parses no committed release record it read before; a remembered value that
    is damaged or of another shape costs time, never a different answer; an uncommitted edit is read
    as it is and never remembered."""
    import json

    from site_builder.source import history, store

    def load(uncommitted: bool = False) -> tuple:
        store._MEMO.clear()
        history._BLOBS.clear()
        repo = history.open_repo(released.root)
        return history.load_releases(repo, released.root, ("en", "el"), include_uncommitted=uncommitted)

    folder = released.root / ".git/policy-cache"
    for old in folder.glob("records-*"):
        old.unlink()
    fresh = load()
    assert [r.record.version for r in fresh[0]] == ["1.0", "1.1"] and fresh[2] == []
    [memo] = folder.glob("records-*.json")
    assert len(json.loads(memo.read_text())) == 2
    real = history.load_record
    with monkeypatch.context() as m:  # remembered: not one record is parsed again
        m.setattr(history, "load_record", lambda *a: pytest.fail("a remembered record was parsed again"))
        assert load() == fresh
    good = memo.read_text()
    for damaged in ("{", "[]", json.dumps({k: {"record": [1, 2], "problems": 5} for k in json.loads(good)}),
                    good.replace('"2025-', '"2025-13-')):  # dates no record can hold
        assert damaged != good
        memo.write_text(damaged)
        assert load() == fresh, damaged[:40]
    released.write("changelog/1.2.yml", "version: '1.2'\neffective: 2026-13-01\n")  # an edit not committed
    memo.write_text(good)
    calls: list[str] = []
    monkeypatch.setattr(history, "load_record", lambda data, path, langs: calls.append(path) or real(data, path, langs))
    _, pending, problems = load(uncommitted=True)
    assert calls == ["changelog/1.2.yml"] and pending == []
    assert any(p.path == "changelog/1.2.yml" and "2026-13-01" in p.message for p in problems)
    assert len(json.loads(memo.read_text())) == 2  # not remembered


@pytest.mark.parametrize("object_format", ["sha1", "sha256"])
def test_a_record_read_from_the_working_tree_is_known_by_the_id_git_gives_it(tmp_path: Path, object_format: str) -> None:
    """A record in the working tree with the bytes of a committed one is known by its blob id, in
    either of git's hashes, so that what was remembered of it is used."""
    from site_builder.source import history

    subprocess.run(["git", "init", "-q", f"--object-format={object_format}", str(tmp_path)], check=True, env=BASE_ENV)
    for data in (b"version: '1.0'\n", b"", "summary: {el: \u0393\u03b5\u03b9\u03b1}\r\n".encode()):
        (tmp_path / "f").write_bytes(data)
        wanted = subprocess.run(["git", "hash-object", "f"], cwd=tmp_path, capture_output=True, text=True, check=True,
                                env=BASE_ENV).stdout.strip()
        assert history._blob_id(data, wanted) == wanted


class Output:
    """The stderr of a running `policy`, read line by line in a thread, so a test can wait for a line."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.closed = False
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc: subprocess.Popen) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()
        with self.changed:
            self.closed = True
            self.changed.notify_all()

    def wait_for(self, text: str, seconds: float = 120) -> None:
        """Return once a line holds `text`; fail if the output ends or `seconds` pass first."""
        with self.changed:
            found = self.changed.wait_for(lambda: self.closed or any(text in line for line in self.lines), seconds)
            assert found and any(text in line for line in self.lines), f"no line with {text!r} in: {''.join(self.lines)}"

    def text(self) -> str:
        self.thread.join(timeout=120)
        return "".join(self.lines)


def test_a_second_build_waits_or_stops_clearly(released: PolicyRepo, tmp_path: Path) -> None:
    out = tmp_path / "s"
    lock = FileLock(str(tmp_path / ".s.lock"))
    lock.acquire()
    try:
        done = build(released, out, "--no-wait", check=False)
        assert done.returncode == 1 and "another build is writing" in done.stderr
        assert not out.exists()
        waiting = subprocess.Popen([POLICY, "build", "--out", str(out), "--today", TODAY], cwd=released.root,
                                   env=BASE_ENV, stderr=subprocess.PIPE, text=True)
        output = Output(waiting)
        output.wait_for("waiting for it to finish")  # it has found the lock held
        assert waiting.poll() is None and not out.exists()  # ...and writes nothing while it waits
    finally:
        lock.release()
    assert waiting.wait(timeout=120) == 0, output.text()
    assert "Done: 2 version(s)" in output.text()
    assert (out / "en/index.html").is_file()


def test_builds_at_once_with_different_inputs_leave_exactly_one_of_them(released: PolicyRepo, tmp_path: Path) -> None:
    expected = {}
    for url in ("https://one.example/", "https://two.example/"):
        build(released, tmp_path / url[8:11], "--site-url", url)
        expected[url] = tree(tmp_path / url[8:11])
    out = tmp_path / "shared"
    procs = [subprocess.Popen([POLICY, "build", "--out", str(out), "--today", TODAY, "-q", "--site-url", url],
                              cwd=released.root, env=BASE_ENV, stderr=subprocess.PIPE, text=True)
             for url in ("https://one.example/", "https://two.example/") * 3]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    assert tree(out) in list(expected.values())
    assert not list(tmp_path.glob(".shared.building-*"))


def _our_processes(root: Path) -> list[int]:
    """Processes (other than zombies) whose working folder is inside the repository."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and Path(cwd).is_relative_to(root):
            found.append(int(proc.name))
    return found


def _staging_exists(tmp_path: Path) -> bool:
    return any(tmp_path.glob(".s.building-*"))


# When the build is killed, what the reader must be served afterwards: the old site while the new
# one is not published; once the link is swapped, the new one. Between the last language and the
# swap there is no line to wait for, so the kill after a language may meet either.
KILL_POINTS = {
    "with the lock held": ("staging", "old"),
    "while the languages render": ("Building ", "old"),
    "after a language is rendered": (" pages rendered, ", "old or new"),
    "once the new site is published": ("published", "new"),
}


@pytest.mark.parametrize("moment", list(KILL_POINTS))
def test_kill_9_at_any_moment_keeps_the_site_and_leaves_nothing_running(released: PolicyRepo, tmp_path: Path,
                                                                      moment: str) -> None:
    out = tmp_path / "s"
    build(released, out)
    before, published = tree(out), out.resolve()
    released.section("rights", "Your rights", "A new text, so that the next build has work to do.\n")
    released.translate("rights", "Τα δικαιώματά σας", "Νέο κείμενο.\n")
    proc = subprocess.Popen([POLICY, "build", "--draft", "--out", str(out), "--today", TODAY], cwd=released.root,
                            env=BASE_ENV, stderr=subprocess.PIPE, text=True, start_new_session=True)
    output = Output(proc)
    event, expected = KILL_POINTS[moment]
    deadline = time.monotonic() + 120
    if event == "staging":
        while not _staging_exists(tmp_path):
            assert proc.poll() is None and time.monotonic() < deadline, output.text()
            time.sleep(0.005)
    elif event == "published":
        while out.resolve() == published:
            assert time.monotonic() < deadline, output.text()
            time.sleep(0.005)
    else:
        output.wait_for(event)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if expected == "old":
        assert proc.returncode == -signal.SIGKILL, output.text()  # killed half-way, not finished
    deadline = time.monotonic() + 10
    while _our_processes(released.root) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _our_processes(released.root) == []
    now = tree(out)
    again = build(released, out, "--draft")
    after = tree(out)
    assert "en/draft/index.html" in after and after != before
    assert now in {"old": [before], "new": [after], "old or new": [before, after]}[expected]  # never a mix of both
    if expected == "new":  # the site published just before the kill is whole: what a build of its own gives
        build(released, tmp_path / "fresh", "--draft")
        assert now == tree(tmp_path / "fresh")
    assert not list(tmp_path.glob(".s.link-*"))
    if "Up to date" in again.stderr:  # published before the kill, so the next build had nothing to do: the
        # killed build's scratch files stay until a build that has work (it removes leftovers first)
        assert all(not (path / "site").exists() for path in tmp_path.glob(".s.building-*"))
    else:
        assert not list(tmp_path.glob(".s.building-*"))
    builds = [p for p in (tmp_path / ".s.builds").iterdir() if p.is_dir()]
    assert out.resolve().parent in builds and len(builds) <= 2  # the published build, and at most the one it replaced


def test_the_published_site_is_a_link_swapped_atomically(released: PolicyRepo, tmp_path: Path) -> None:
    out = tmp_path / "s"
    out.mkdir()  # a site an older version of the tool wrote as a plain folder, with its stamp
    (out / ".policy-build").write_text("stamp")
    (out / "versions.json").write_text("[]")  # what such a site held at its top, and nothing of anyone else's
    (out / "en").mkdir()
    (out / "en" / "index.html").write_text("a page from an older version of the tool")
    build(released, out)
    assert out.is_symlink() and "older version" not in (out / "en/index.html").read_text()
    first = out.resolve()
    released.section("rights", "Your rights", "Changed.\n")
    build(released, out, "--draft")
    second = out.resolve()
    assert second != first and (first / "en/index.html").is_file()  # kept for readers half-way through it
    released.section("rights", "Your rights", "Changed again.\n")
    build(released, out, "--draft")
    assert not first.exists() and second.exists() and out.resolve() not in (first, second)
    assert sorted(p for p in (tmp_path / ".s.builds").iterdir() if p.is_dir()) == sorted([second.parent, out.resolve().parent])
    assert filecmp.cmp(out / "index.html", out.resolve() / "index.html")


def test_compiled_templates_are_shared_by_clones_and_fall_back_to_the_repository(tmp_path: Path) -> None:
    """A second clone's first build compiles no theme template again (they are kept per machine); where
    the user's cache folder cannot be made, they are kept in the repository, and the build works."""
    from tests.conftest import make_released

    cache = tmp_path / "cache"
    templates = cache / "site_builder" / "templates"
    first, second = make_released(tmp_path / "first"), make_released(tmp_path / "second")
    first.policy("build", "--out", str(tmp_path / "site-1"), "--today", "2030-01-01", "-q", env={"XDG_CACHE_HOME": str(cache)})
    compiled = {p.name: p.stat().st_mtime_ns for p in templates.iterdir()}
    assert len(compiled) > 10 and not (first.root / ".git/policy-cache/templates").exists()
    second.policy("build", "--out", str(tmp_path / "site-2"), "--today", "2030-01-01", "-q", env={"XDG_CACHE_HOME": str(cache)})
    assert {p.name: p.stat().st_mtime_ns for p in templates.iterdir()} == compiled  # read, none written again
    assert filecmp.cmp(tmp_path / "site-1/en/1.1/index.html", tmp_path / "site-2/en/1.1/index.html", shallow=False)

    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would go\n", encoding="utf-8")
    third = make_released(tmp_path / "third")
    third.policy("build", "--out", str(tmp_path / "site-3"), "--today", "2030-01-01", "-q", env={"XDG_CACHE_HOME": str(blocked)})
    assert len(list((third.root / ".git/policy-cache/templates").iterdir())) > 10
    assert (tmp_path / "site-3/en/1.1/index.html").read_bytes() == (tmp_path / "site-1/en/1.1/index.html").read_bytes()
