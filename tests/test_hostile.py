"""Hostile input is refused or neutralised: titles, site_url, links out of the repository, hidden
characters, conflict markers, forged placeholders, odd revisions; and `policy serve` survives it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import BASE_ENV, POLICY, PolicyRepo

EVIL = "</title><script>alert(1)</script>"


def test_titles_are_escaped_everywhere(released: PolicyRepo, tmp_path: Path) -> None:
    released.write("policy/policy.yml", released.read("policy/policy.yml").replace("title: Privacy Policy", f'title: "{EVIL}"'))
    released.write("translations/el/policy.yml", f'title: "{EVIL} ελ"\n')
    released.write("mkdocs.yml", released.read("mkdocs.yml").replace("site_name: Example\n", ""))
    released.section("rights", f"Rights {EVIL}", "Text.\n")
    out = tmp_path / "site"
    released.policy("build", "--draft", "--out", str(out), "--today", "2025-07-01")
    pages = list(out.rglob("*.html")) + list(out.rglob("*.xml"))
    assert pages
    for page in pages:
        assert "<script>alert" not in page.read_text(encoding="utf-8"), page
    assert "&lt;/title&gt;&lt;script&gt;" in (out / "en/draft/index.html").read_text()


@pytest.mark.parametrize("url", ['https://x.org/"><script>alert(1)</script>', "javascript:alert(1)", "https://x.org/ a",
                                 "https://x.org/'onmouseover='x"])
def test_site_url_must_be_a_plain_http_url(released: PolicyRepo, tmp_path: Path, url: str) -> None:
    done = released.policy("build", "--out", str(tmp_path / "s"), "--site-url", url, check=False)
    assert done.returncode == 1 and "is not a plain absolute http(s) URL" in done.stderr
    assert not (tmp_path / "s").exists()


def test_a_section_that_links_outside_the_repository_is_refused(released: PolicyRepo, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: Secret\n---\nPASSWORD=hunter2\n", encoding="utf-8")
    (released.root / "policy/rights.md").unlink()
    os.symlink(secret, released.root / "policy/rights.md")
    done = released.policy("check", check=False)
    assert done.returncode == 1 and "policy/rights.md:1: is a symbolic link" in done.stdout
    for args in (("build", "--draft", "--out", str(tmp_path / "s")), ("diff",)):
        result = released.policy(*args, check=False)
        assert "hunter2" not in result.stdout and result.returncode == 1, args
    assert released.policy("release", "2.0", "--effective", "2026-01-01", "--kind", "minor",
                           "--summary-en", "x", "--summary-el", "x", check=False).returncode == 1


def test_hidden_characters_and_conflict_markers(repo: PolicyRepo) -> None:
    repo.section("rights", "Your rights", "Line one.\n<<<<<<< HEAD\nYou may ask.\n=======\nYou may not ask.\n>>>>>>> other\n"
                 "Pay \u202eNO\u202c fee.\nA zero\u200bwidth space.\nNUL\0here.\n")
    out = repo.policy("check", check=False).stdout
    assert "policy/rights.md:5: merge-conflict marker `<<<<<<<`" in out
    assert "policy/rights.md:7: merge-conflict marker `=======`" in out
    assert "policy/rights.md:9: merge-conflict marker `>>>>>>>`" in out
    assert "policy/rights.md:10: invisible bidirectional control U+202E" in out
    assert "policy/rights.md:11: warning: invisible zero-width character U+200B" in out
    assert "policy/rights.md:12: NUL byte" in out


def test_setext_heading_is_not_a_conflict_marker(repo: PolicyRepo) -> None:
    repo.section("rights", "Your rights", "Heading\n=======\n\nText.\n")
    assert "conflict" not in repo.policy("check").stdout


def test_a_forged_placeholder_in_a_summary_is_text(released: PolicyRepo, tmp_path: Path) -> None:
    released.section("rights", "Your rights", "Changed.\n")
    released.translate("rights", "Τα δικαιώματά σας", "Άλλαξε.\n")
    released.commit("edit")
    released.policy("release", "1.2", "--effective", "2025-07-01", "--kind", "minor",
                    "--summary-en", "POLICY-FRAGMENT-0123456789abcdef0123", "--summary-el", "POLICY-FRAGMENT-deadbeef")
    released.commit("Release 1.2")
    out = tmp_path / "site"
    released.policy("build", "--out", str(out), "--today", "2025-08-01")
    assert "POLICY-FRAGMENT-0123456789abcdef0123" in (out / "en/1.2/changes/index.html").read_text()


@pytest.mark.parametrize("rev", ["@{-1}", "HEAD@{5}", "HEAD@{yesterday}", "-rf", "a" * 10_000, "HEAD~99"])
def test_any_revision_syntax_gets_a_clear_answer(released: PolicyRepo, rev: str) -> None:
    done = released.policy("diff", "--", rev, check=False)
    assert done.returncode in (0, 1)
    if done.returncode:
        assert done.stderr.startswith("Error: unknown version or revision") and len(done.stderr) < 400, done.stderr


# --- policy serve -------------------------------------------------------------------------------


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _wait_for(predicate, seconds: float = 30) -> None:  # noqa: ANN001
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_serve_survives_errors_reloads_and_cleans_up(released: PolicyRepo, tmp_path: Path) -> None:
    env = {**BASE_ENV, "TMPDIR": str(tmp_path)}
    import socket

    with socket.socket() as sock:  # a free port: a fixed one meets the same test of a run beside this one
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = (tmp_path / "serve.log").open("w")  # a file, not a pipe nobody reads
    proc = subprocess.Popen([POLICY, "serve", "--dev-addr", f"127.0.0.1:{port}"], cwd=released.root, env=env,
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(lambda: _get(f"http://127.0.0.1:{port}/en/draft/")[0] == 200)
        status, page = _get(f"http://127.0.0.1:{port}/en/draft/")
        assert "__policy_reload" in page
        generation = _get(f"http://127.0.0.1:{port}/__policy_reload")[1]
        released.write("policy/policy.yml", "title: [broken\n")  # a content error
        _wait_for(lambda: _get(f"http://127.0.0.1:{port}/en/draft/")[0] == 500)
        status, page = _get(f"http://127.0.0.1:{port}/en/draft/")
        assert re.search(r"policy/policy.yml:\d+: invalid YAML", page) and "The draft was not rebuilt" in page
        assert _get(f"http://127.0.0.1:{port}/__policy_reload")[1] != generation
        released.git("checkout", "--", "policy/policy.yml")
        _wait_for(lambda: _get(f"http://127.0.0.1:{port}/en/draft/")[0] == 200)
        assert any(tmp_path.glob("policy-preview-*"))
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        log.close()
    err = (tmp_path / "serve.log").read_text()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert not any(tmp_path.glob("policy-preview-*"))


@pytest.mark.parametrize("addr", ["127.0.0.1:99999", "localhost", "127.0.0.1:http"])
def test_serve_bad_address(released: PolicyRepo, addr: str) -> None:
    done = released.policy("serve", "--dev-addr", addr, check=False)
    assert done.returncode == 1 and "must be HOST:PORT with a port from 1 to 65535" in done.stderr
    assert re.search(r"Error: --dev-addr", done.stderr)


def test_mkdocs_yml_is_read_strictly_with_every_problem(released: PolicyRepo, tmp_path: Path) -> None:
    released.write("mkdocs.yml", "site_name: A\nsite_url: https://policy.example.com/\nsite_name: B\n")
    done = released.policy("build", "--out", str(tmp_path / "s"), check=False)
    assert done.returncode == 1 and "mkdocs.yml:3: invalid YAML: duplicate key 'site_name' (first on line 1)" in done.stderr
    released.write("mkdocs.yml", "site_name: [A]\nsite_url: 'https://x.org/\"><b>'\nextra:\n  notices:\n    sender: 5\n"
                   "theme:\n  name: !ENV [THEME, material]\n")
    done = released.policy("build", "--out", str(tmp_path / "s"), check=False)
    assert "mkdocs.yml:1: `site_name` must be text" in done.stderr
    assert "mkdocs.yml:2: site_url" in done.stderr and "mkdocs.yml:5: `extra.notices.sender` must be text" in done.stderr
