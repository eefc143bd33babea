"""Safe by construction: a build writes only where it may and deletes only what it wrote; what only
the tool reads is never published; a full or read-only disk is named; the preview stops cleanly."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from site_builder.site import serve as preview
from tests.conftest import BASE_ENV, POLICY, PolicyRepo

TODAY = "2026-01-15"


def build(repo: PolicyRepo, out: str | Path, *extra: str, check: bool = True, env: dict | None = None):
    return repo.policy("build", "--out", str(out), "--today", TODAY, "-q", *extra, check=check, env=env)


def everything(folder: Path) -> dict[str, str | bytes]:
    """Every path under `folder`, links not followed: a file's bytes, a link's target, a folder."""
    found: dict[str, str | bytes] = {}
    for current, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(current, name)
            rel = str(path.relative_to(folder))
            if path.is_symlink():
                found[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                found[rel] = "folder"
            else:
                found[rel] = path.read_bytes()
    return found


def user_files(tmp_path: Path) -> None:
    """A user's own folders beside the repository."""
    (tmp_path / "mydata").mkdir()
    (tmp_path / "mydata" / "notes.txt").write_text("my notes")
    (tmp_path / "link").symlink_to("mydata")
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / ".keep").write_text("")
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "letter.txt").write_text("a letter")


@pytest.mark.parametrize(("out", "why"), [
    (".", "is the policy repository"),                             # the issue: --out . inside the repository
    ("../mydata", "holds files this tool did not write (such as notes.txt)"),  # the issue: a user's folder
    ("..", "is the policy repository or a folder that holds it"),
    ("HOME", "is your home folder"),
    ("/", "is the root of the file system"),
    ("../link", "is a symbolic link to mydata"),
    ("policy", "inside the repository's policy/ folder"),
    ("../hidden", "holds files this tool did not write (such as .keep)"),
    (".git/site", "inside the repository's .git folder"),
])
def test_build_refuses_a_folder_it_did_not_make_and_moves_nothing(released: PolicyRepo, tmp_path: Path, out: str,
                                                                   why: str) -> None:
    user_files(tmp_path)
    env = {"HOME": str(tmp_path / "home")}
    out = str(tmp_path / "home") if out == "HOME" else out
    before = everything(tmp_path)
    for _ in range(2):  # the second build pruned what the first had moved aside
        done = build(released, out, check=False, env=env)
        assert done.returncode == 1, done.stderr
        assert why in done.stderr and "nothing was written or moved" in done.stderr
    named = os.path.abspath(os.path.join(released.root, out))
    assert f"--out {named}:" in done.stderr
    assert everything(tmp_path) == before


def test_leftover_names_beside_the_output_are_removed_only_when_the_tool_made_them(released: PolicyRepo, tmp_path: Path) -> None:
    """Folders and files named like a killed build's leftovers, but the user's, are not removed."""
    for name in (".s.building-999999", ".s.old-1", ".s.building-99999999999999999999"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "notes.txt").write_text("mine")
    (tmp_path / ".s.building-\u00b2").mkdir()  # "²" is a digit to Python, not a process id: kept, no crash
    (tmp_path / ".s.link-7").write_text("a file, not a link")
    before = {p.name: everything(p) if p.is_dir() else p.read_bytes() for p in tmp_path.glob(".s.*")}
    (tmp_path / ".s.building-999998").mkdir()  # a build killed between making its folder and marking it
    build(released, tmp_path / "s")
    build(released, tmp_path / "s", "--draft")
    assert {p.name: everything(p) if p.is_dir() else p.read_bytes() for p in tmp_path.glob(".s.*") if p.name in before} == before
    assert not (tmp_path / ".s.building-999998").exists()  # empty: nothing of anyone's is lost


def test_a_builds_folder_the_tool_did_not_make_is_refused_not_pruned(released: PolicyRepo, tmp_path: Path) -> None:
    """`.<out>.builds/` is where spare trees are pruned: one that is not the tool's is never used."""
    (tmp_path / ".s.builds" / "archive").mkdir(parents=True)
    (tmp_path / ".s.builds" / "archive" / "site").mkdir()
    (tmp_path / ".s.builds" / "archive" / "site" / "photo.txt").write_text("mine")
    before = everything(tmp_path)
    done = build(released, tmp_path / "s", check=False)
    assert done.returncode == 1 and f"{tmp_path / '.s.builds'} exists but was not made by this tool" in done.stderr
    assert everything(tmp_path) == before
    # A published site moved elsewhere by hand: its builds folder is the tool's, the link is not.
    build(released, tmp_path / "t")
    (tmp_path / "u").symlink_to(os.readlink(tmp_path / "t"))
    done = build(released, tmp_path / "u", check=False)
    assert done.returncode == 1 and "not to a site this tool built" in done.stderr


INTERNAL = ("build-stamp", ".policy-build", ".policy-pages.json", "policy-history.key", "policy-history.zip.key")


def test_no_internal_file_is_published_and_reuse_still_works(released: PolicyRepo, tmp_path: Path) -> None:
    out = tmp_path / "s"
    out.mkdir()  # an empty folder is a place to build
    for extra in ((), ("--draft",)):
        build(released, out, *extra)
        published = sorted(p.relative_to(out.resolve()) for p in out.resolve().rglob("*") if p.is_file())
        internal = [str(p) for p in published if p.name in INTERNAL or p.name.startswith(".") or p.suffix in (".key", ".lock")
                    or p.name.startswith("pages-")]
        assert internal == [] and Path("en/index.html") in published and Path("policy-history.zip") in published
        state = out.resolve().parent / "state"  # kept beside the published tree, in the tool's own builds folder
        assert {p.name for p in state.iterdir()} == {"build-stamp", "policy-history.key", "pages-en.json", "pages-el.json"}
    again = released.policy("build", "--out", str(out), "--today", TODAY, "--draft")
    assert "Up to date" in again.stderr


def _mount(folder: Path, options: str) -> bool:
    folder.mkdir()
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    return done.returncode == 0


@pytest.mark.parametrize(("options", "said"), [("size=1M", "the disk is full"), ("ro,size=1M", "Read-only file system")])
def test_a_full_or_read_only_disk_is_named_not_an_unexpected_failure(released: PolicyRepo, tmp_path: Path, options: str,
                                                                     said: str) -> None:
    disk = tmp_path / "disk"
    mounted = _mount(disk, options)
    if not mounted:
        if os.geteuid() == 0:
            pytest.skip("cannot mount a tmpfs here")
        if said == "the disk is full":
            pytest.skip("a full disk needs a tmpfs (root)")
        disk.chmod(0o555)
        said = "Permission denied"
    try:
        done = build(released, disk / "s", check=False)
    finally:
        if mounted:
            subprocess.run(["umount", str(disk)], check=True)
        else:
            disk.chmod(0o755)
    assert done.returncode == 1 and "unexpected failure" not in done.stderr
    assert said in done.stderr and str(disk) in done.stderr and "nothing was published" in done.stderr


# --- the preview ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_serve_redirects_folders_and_a_signal_removes_its_folder(released: PolicyRepo, tmp_path: Path, signum: int) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    port = _free_port()
    proc = subprocess.Popen([POLICY, "serve", "--dev-addr", f"127.0.0.1:{port}"], cwd=released.root,
                            env={**BASE_ENV, "TMPDIR": str(temp)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # synchronised on the line the preview prints once it serves
            if "Serving the draft" in line:
                break
        assert [p.name.startswith("policy-preview-") for p in temp.iterdir()] == [True]
        for asked, expected in (("/en/draft", "/en/draft/"), ("/el/versions?from=1.0", "/el/versions/?from=1.0"),
                                ("/el/draft/changes", "/el/draft/changes/")):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", asked)
            answer = connection.getresponse()
            assert (answer.status, answer.getheader("Location")) == (301, expected), asked
            connection.close()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/en/draft/")
        assert connection.getresponse().status == 200
        connection.close()
        proc.send_signal(signum)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert list(temp.iterdir()) == []


@pytest.mark.parametrize("save", ["edit", "new file"])
def test_a_save_during_the_first_preview_build_is_built_next(tmp_path: Path, save: str) -> None:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "rights.md").write_text("first text")
    builds: list[str] = []

    def fake_build(out: Path) -> None:
        builds.append(out.name)
        if len(builds) == 1:  # the editor saves while the first build runs
            if save == "edit":
                (tmp_path / "policy" / "rights.md").write_text("second text, saved during the build")
            else:
                (tmp_path / "translations" / "el").mkdir(parents=True)
                (tmp_path / "translations" / "el" / "rights.md").write_text("νέο")
        else:
            raise KeyboardInterrupt  # stop the preview after the build that follows

    stop = threading.Timer(15, lambda: os.kill(os.getpid(), signal.SIGINT))  # without the fix: no second build
    stop.start()
    try:
        preview.serve(tmp_path, dev_addr=f"127.0.0.1:{_free_port()}", build=fake_build, interval=0.05)
    finally:
        stop.cancel()
    assert len(builds) == 2


def test_a_site_an_earlier_version_published_as_a_link_is_taken_over(released: PolicyRepo, tmp_path: Path) -> None:
    """The layout before this one: `s` linked to a site tree in `.s.builds/` with its stamp inside."""
    old = tmp_path / ".s.builds" / "20260101T000000-1-1"
    (old / "en").mkdir(parents=True)
    for name in (".policy-build", "policy-history.zip.key", "en/index.html"):
        (old / name).write_text("from an earlier version")
    (tmp_path / "s").symlink_to(".s.builds/20260101T000000-1-1")
    build(released, tmp_path / "s")
    assert (tmp_path / "s" / "en" / "index.html").read_text() != "from an earlier version"
    assert not (tmp_path / "s" / ".policy-build").exists() and not (tmp_path / "s" / "policy-history.zip.key").exists()
    build(released, tmp_path / "s", "--draft")  # the earlier build, now unpublished, is removed
    assert not old.exists()
