"""Second payloads found by probing the issue-19 fixes as an attacker would: each class closed, not the payload."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import BASE_ENV, POLICY, PolicyRepo
from tests.test_notices import free_port

ENTITY_CONFIG = "".join(f"&#{ord(c)};" for c in '{"x":"') + "__config" + "".join(f"&#{ord(c)};" for c in '","base":".."}')


@pytest.mark.parametrize("heading", ["__config", ENTITY_CONFIG, "__search", "Policy compare"])
def test_a_heading_never_takes_an_id_the_page_uses(released: PolicyRepo, tmp_path: Path, heading: str) -> None:
    """A heading whose anchor was `__config` became the element Material reads its settings from
    (DOM clobbering: search then loaded a worker of the text's choosing)."""
    released.section("rights", "Your rights", f"## {heading}\n\nYou may ask for a copy of your data.\n")
    released.translate("rights", "Τα δικαιώματά σας", f"## {heading}\n\nΜπορείτε να ζητήσετε αντίγραφο.\n")
    released.commit()
    out = tmp_path / "site"
    released.policy("build", "--draft", "--out", str(out), "--today", "2026-11-29", "-q")
    for lang in ("en", "el"):
        page = (out / lang / "draft" / "index.html").read_text(encoding="utf-8")
        ids = re.findall(r'\bid="([^"]*)"', page)
        for reserved in ("__config", "__search", "policy-compare", "policy-version-header"):
            assert ids.count(reserved) <= 1, (lang, reserved)
        config = re.search(r'<script id="__config" type="application/json">(.*?)</script>', page, re.S)
        assert config is not None and "base" in json.loads(config.group(1))


def test_a_section_id_the_page_uses_is_refused(released: PolicyRepo) -> None:
    released.write("policy/policy-compare.md", "---\ntitle: Compare\n---\nText.\n")
    released.write("policy/policy.yml", released.read("policy/policy.yml") + "  - policy-compare\n")
    done = released.policy("check", check=False)
    assert done.returncode == 1 and "section id `policy-compare` is used by the site's own pages" in done.stdout


@pytest.mark.parametrize("extra", [".policy-build", "policy-history.zip.key"])
def test_an_old_site_marker_does_not_make_a_users_folder_ours(released: PolicyRepo, tmp_path: Path, extra: str) -> None:
    """An rsync'ed web root carries the stamp an older version published: with the user's own files
    beside it, the folder is refused, never moved aside or pruned."""
    folder = tmp_path / "webroot"
    (folder / "blog").mkdir(parents=True)
    (folder / ".policy-build").write_text("old", encoding="utf-8")
    (folder / extra).write_text("old", encoding="utf-8")
    (folder / "notes.txt").write_text("keep", encoding="utf-8")
    for _ in range(2):
        done = released.policy("build", "--out", str(folder), "-q", check=False)
        assert done.returncode == 1 and "did not write" in done.stderr and "notes.txt" not in done.stdout
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep" and (folder / "blog").is_dir()
    assert not list(tmp_path.glob(".webroot.*"))


def test_an_old_site_alone_is_still_taken_over(released: PolicyRepo, tmp_path: Path) -> None:
    folder = tmp_path / "old-site"
    (folder / "en").mkdir(parents=True)
    (folder / ".policy-build").write_text("old", encoding="utf-8")
    (folder / "versions.json").write_text("[]", encoding="utf-8")
    released.policy("build", "--out", str(folder), "-q")
    assert json.loads((folder / "versions.json").read_text(encoding="utf-8"))[0]["version"] == "1.1"


@pytest.mark.skipif(os.geteuid() != 0, reason="a bind mount needs root")
@pytest.mark.parametrize("inside", ["changelog/x", ".git/x", "policy"])
def test_the_repository_by_another_path_is_still_the_repository(released: PolicyRepo, tmp_path: Path, inside: str) -> None:
    other = tmp_path / "bindy"
    other.mkdir()
    if subprocess.run(["mount", "--bind", str(released.root), str(other)], capture_output=True).returncode != 0:
        pytest.skip("mount --bind is not allowed here")
    try:
        before = sorted(p.name for p in (released.root / inside.split("/")[0]).iterdir())
        done = released.policy("build", "--out", str(other / inside), "-q", check=False)
        assert done.returncode == 1 and "nothing was written" in done.stderr
        assert sorted(p.name for p in (released.root / inside.split("/")[0]).iterdir()) == before
    finally:
        subprocess.run(["umount", str(other)], check=True)


def test_notices_never_land_in_the_policy_text_or_through_a_link(released: PolicyRepo, tmp_path: Path) -> None:
    before = sorted(p.name for p in (released.root / "policy").iterdir())
    done = released.policy("notify", "1.1", "--out", "policy", check=False)
    assert done.returncode == 1 and "policy/ folder" in done.stderr
    assert sorted(p.name for p in (released.root / "policy").iterdir()) == before
    victim = tmp_path / "victim.txt"
    victim.write_text("mine", encoding="utf-8")
    folder = tmp_path / "n"
    folder.mkdir()
    (folder / "el.html").symlink_to(victim)
    done = released.policy("notify", "1.1", "--out", str(folder), check=False)
    assert done.returncode == 1 and "el.html" in done.stderr
    (folder / "el.html").unlink()
    (folder / "todo.txt").write_text("mine", encoding="utf-8")
    assert released.policy("notify", "1.1", "--out", str(folder), check=False).returncode == 1
    (folder / "todo.txt").unlink()
    released.policy("notify", "1.1", "--out", str(folder))
    released.policy("notify", "1.1", "--out", str(folder))  # its own notices are replaced
    assert victim.read_text(encoding="utf-8") == "mine" and (folder / "el.eml").is_file()


@pytest.mark.parametrize("char", ["\uffff", "\ufdd0", "\x0c"])
def test_noncharacters_and_controls_are_refused_in_text_and_records(released: PolicyRepo, char: str) -> None:
    """U+FFFF made feed.xml ill-formed; it was accepted in a summary and in a record."""
    done = released.policy("release", "1.2", "--effective", "2027-01-10", "--kind", "minor",
                           "--summary-en", f"Fix {char}", "--summary-el", "Διόρθωση", check=False)
    assert done.returncode != 0 and not (released.root / "changelog" / "1.2.yml").exists()
    released.section("rights", "Your rights", f"You may ask{char} for a copy.\n")
    done = released.policy("check", check=False)
    assert done.returncode == 1 and f"U+{ord(char):04X}" in done.stdout and "policy/rights.md:4:" in done.stdout
    released.section("rights", "Your rights", "You may ask for a copy.\n")
    escaped = f"\\u{ord(char):04X}"
    record = released.read("changelog/1.1.yml").replace("1.1", "1.2").replace("Summary of 1.2.", f"\"Summary {escaped}\"")
    released.write("changelog/1.2.yml", record)  # a record written by hand, with the character as a YAML escape
    done = released.policy("check", check=False)
    assert done.returncode == 1 and f"U+{ord(char):04X}" in done.stdout and "changelog/1.2.yml" in done.stdout


def test_one_idle_connection_does_not_freeze_the_unsubscribe_endpoint(released: PolicyRepo) -> None:
    port = free_port()
    app = subprocess.Popen([POLICY, "unsubscribe-app", "--journal", "journal.sqlite", "--port", str(port)],
                           cwd=released.root, env={**BASE_ENV, "POLICY_UNSUBSCRIBE_SECRET": "s" * 32},
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                idle = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline and app.poll() is None
                time.sleep(0.1)
        with idle:  # connected, says nothing
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/unsubscribe?email=a%40example.com&token=x", timeout=10)
            except urllib.error.HTTPError as answer:
                assert answer.code == 403
    finally:
        app.terminate()
        app.wait(timeout=30)
