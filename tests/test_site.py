"""`policy build`: every URL of SPEC section 4, notices, anchors, safety, atomicity, determinism."""

from __future__ import annotations

import datetime as dt
import filecmp
import json
import re
from pathlib import Path

import pytest

from site_builder.source.releases import write_record
from site_builder.source.workspace import open_workspace
from tests.conftest import OTHER_PROCESS, PolicyRepo, copy_repo

TODAY = "2026-01-15"


def add_cookies_and_upcoming_2_0(repo: PolicyRepo) -> PolicyRepo:
    """1.0 and 1.1 in force/superseded, 2.0 upcoming (with a section added)."""
    repo.write("policy/policy.yml", repo.read("policy/policy.yml") + "  - cookies\n")
    repo.section("cookies", "Cookies", "We use one session cookie.\n")
    repo.translate("cookies", "Cookies", "Χρησιμοποιούμε ένα cookie συνεδρίας.\n")
    repo.commit("Cookies section")
    repo.release("2.0", "2026-03-01", "material")
    return repo


@pytest.fixture(scope="module")
def site_template(released_template: PolicyRepo, tmp_path_factory: pytest.TempPathFactory) -> PolicyRepo:
    """The repository of `site_repo`, made once per module; never change or build it, copy it."""
    return add_cookies_and_upcoming_2_0(copy_repo(released_template, tmp_path_factory.mktemp("site-repo") / "policy-repo"))


@pytest.fixture
def site_repo(site_template: PolicyRepo, tmp_path: Path) -> PolicyRepo:
    """A repository of the test's own to change: 1.0, 1.1 and 2.0 (upcoming, with cookies)."""
    return copy_repo(site_template, tmp_path / "policy-repo")


def build(repo: PolicyRepo, out: Path, *extra: str, check: bool = True, env: dict | None = None):
    return repo.policy("build", "--out", str(out), "--today", TODAY, *extra, check=check, env=env)


@pytest.fixture(scope="module")
def site(site_template: PolicyRepo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site of `site_repo`, built once for the module's tests that only read it."""
    folder = tmp_path_factory.mktemp("site")
    build(copy_repo(site_template, folder / "policy-repo"), folder / "site")
    return folder / "site"


def page(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def test_every_url_of_the_contract(site: Path) -> None:
    assert (site / "index.html").is_file() and (site / "versions.json").is_file()
    for lang in ("en", "el"):
        for url in ("", "1.0", "1.1", "2.0", "1.0/changes", "1.1/changes", "2.0/changes", "versions"):
            assert (site / lang / url / "index.html").is_file(), (lang, url)
        for version in ("1.0", "1.1", "2.0"):
            assert json.loads((site / lang / version / "changes.json").read_text())["lang"] == lang
        assert (site / lang / "feed.xml").read_text().startswith("<?xml")


def test_pages_declare_language_alternates_and_switch(site: Path) -> None:
    en = page(site, "en/1.1/changes")
    assert '<html lang="en"' in en
    assert '<link rel=" alternate" hreflang="el" href="https://policy.example.com/el/1.1/changes/">' in en
    assert re.search(r'<a href="../../../el/1.1/changes/" hreflang="el" lang="el" class="policy-lang">Ελληνικά</a>', en)
    el = page(site, "el/1.1")
    assert '<html lang="el"' in el and 'hreflang="en"' in el
    assert "Αναζήτηση" in el  # Material's own Greek interface strings


def test_version_header(site: Path) -> None:
    html = page(site, "en/1.1")
    assert "Version 1.1" in html and "Effective: 1 June 2025" in html
    assert re.search(r'policy-status--in-force" data-effective="2025-06-01">In force<', html)
    assert 'rel="prev"' in html and "../1.0/" in html and 'rel="next"' in html and "../2.0/" in html
    assert 'href="changes/"' in html
    greek = page(site, "el/1.0")
    assert "Έναρξη ισχύος: 1 Ιανουαρίου 2025" in greek and "Έχει αντικατασταθεί" in greek
    assert "Προσεχής" in page(site, "el/2.0")


def test_page_in_force_and_upcoming_notice(site: Path) -> None:
    current = page(site, "en")
    assert 'data-version="1.1"' in current
    assert "A new version 2.0 takes effect on 1 March 2026." in current
    assert 'href="2.0/changes/"' in current
    assert "Νέα έκδοση 2.0 τίθεται σε ισχύ στις 1 Μαρτίου 2026." in page(site, "el")


def test_section_anchors_are_ids_in_every_version_and_language(site: Path) -> None:
    for lang in ("en", "el"):
        for version in ("1.0", "1.1", "2.0"):
            html = page(site, f"{lang}/{version}")
            for sid in ("intro", "collection", "rights"):
                assert f'id="{sid}"' in html, (lang, version, sid)
        assert 'id="cookies"' in page(site, f"{lang}/2.0") and 'id="cookies"' not in page(site, f"{lang}/1.1")
    # the number is part of the heading's text, the anchor is the section id, in both languages
    assert '<h2 id="rights">2. Your rights<a class="headerlink" href="#rights"' in page(site, "en/1.1")
    assert '<h2 id="rights">2. Τα δικαιώματά σας<a class="headerlink" href="#rights"' in page(site, "el/1.1")
    assert '<h2 id="cookies">3. Cookies<a class="headerlink" href="#cookies"' in page(site, "en/2.0")
    assert '<h2 id="intro">Introduction<a' in page(site, "en/1.1")  # an unnumbered section has no number


def test_changes_page_marks_words_and_lists_sections(site: Path) -> None:
    html = page(site, "en/1.1/changes")
    assert "Summary of 1.1." in html
    assert re.search(r"<ins><span class=\"visually-hidden\">inserted: </span>at any time</ins>", html)
    assert "Compared with version 1.0" in html
    added = page(site, "en/2.0/changes")
    assert 'policy-change--added' in added and "Cookies" in added
    first = page(site, "el/1.0/changes")
    assert "πρώτη δημοσιευμένη έκδοση" in first


def test_versions_json(site: Path) -> None:
    data = json.loads((site / "versions.json").read_text())
    assert [v["version"] for v in data] == ["2.0", "1.1", "1.0"]
    assert [v["status"] for v in data] == ["upcoming", "in force", "superseded"]
    for item in data:
        assert re.fullmatch(r"[0-9a-f]{40}", item["commit"]) and item["content_hash"].startswith("sha256:")
        assert item["url"] == {"en": f"https://policy.example.com/en/{item['version']}/",
                               "el": f"https://policy.example.com/el/{item['version']}/"}


def test_changes_json_is_the_diff_engine_schema(site: Path) -> None:
    data = json.loads((site / "en/1.1/changes.json").read_text())
    assert data["schema"] == "policy-changes/2" and (data["from"], data["to"]) == ("1.0", "1.1")
    assert data["sections"][0]["id"] == "rights" and data["totals"]["words_inserted"] == 3
    assert data["release"]["effective"] == "2025-06-01"


def test_feed_and_archive(site: Path) -> None:
    feed = (site / "el/feed.xml").read_text()
    assert feed.count("<entry>") == 3 and 'xml:lang="el"' in feed
    assert "https://policy.example.com/el/2.0/changes/" in feed
    archive = page(site, "en/versions")
    assert archive.index('data-version="2.0"') < archive.index('data-version="1.1"') < archive.index('data-version="1.0"')
    assert "Material change" in archive and "Upcoming" in archive


@pytest.fixture(scope="module")
def stale_greek_site(site_template: PolicyRepo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Release 2.1 changes the English cookies section; its Greek translation is not updated yet."""
    folder = tmp_path_factory.mktemp("stale-greek")
    repo = copy_repo(site_template, folder / "policy-repo")
    repo.section("cookies", "Cookies", "We use one session cookie and no trackers at all.\n")
    repo.commit("Cookies: no trackers")
    repo.release("2.1", "2026-04-01", "minor", "--allow-stale")
    build(repo, folder / "s")
    return folder / "s"


def test_stale_greek_section_says_so_and_links_english(stale_greek_site: Path) -> None:
    html = page(stale_greek_site, "el/2.1")
    assert "Η ελληνική απόδοση της ενότητας αυτής επικαιροποιείται· παρατίθεται το αγγλικό κείμενο." in html
    assert 'href="../../en/2.1/#cookies"' in html
    assert "We use one session cookie and no trackers at all." in html


MALICIOUS = (
    "Hello <script>alert('x')</script> world.\n\n"
    "<img src=x onerror=\"alert(1)\"> and <a href=\"javascript:alert(2)\" onclick=\"alert(3)\">click</a>.\n\n"
    "[ok](https://example.com) and <a href=\"JaVaScRiPt:alert(4)\">mixed case</a>.\n\n"
    "<iframe src=\"https://evil.example\"></iframe>{: onclick=\"alert(5)\" }\n"
)


def test_no_live_markup_from_policy_text(released: PolicyRepo, tmp_path: Path) -> None:
    released.section("intro", "Intro <b onmouseover=alert(6)>bold</b>", MALICIOUS, numbered=False)
    released.translate("intro", "Εισαγωγή <script>x</script>", MALICIOUS)
    released.commit("Hostile text")
    refused = released.policy("release", "1.2", "--effective", "2025-07-01", "--kind", "minor",
                              "--summary-en", "x", "--summary-el", "x", check=False)
    assert refused.returncode == 1 and "policy/intro.md:9: raw HTML: the site drops the attribute(s) `href` of `<a>`" in refused.stderr
    # A release an older tool let through is still published without live markup.
    write_record(released.root, version="1.2", effective=dt.date(2025, 7, 1), kind="minor", summaries={"en": "x", "el": "x"},
                 content_hash=open_workspace(released.root).draft_hash())
    released.commit("Release 1.2")
    build(released, tmp_path / "s")
    for path in (tmp_path / "s").rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        body = html.split("<body", 1)[1]
        assert "javascript:" not in body.lower(), path
        assert not re.search(r"<(iframe|img)\b", body), path
        assert not re.search(r"<[a-z][^<>]*\son(error|click|mouseover)=", body), path
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", body, re.S)
        assert not any("alert" in s for s in scripts), path
    html = page(tmp_path / "s", "en/1.2")
    assert "Hello" in html and 'href="https://example.com"' in html
    assert "Intro &lt;b onmouseover=alert(6)&gt;bold&lt;/b&gt;" in html


def test_builds_are_byte_identical(site_repo: PolicyRepo, tmp_path: Path) -> None:
    build(site_repo, tmp_path / "a")
    build(site_repo, tmp_path / "b", env=OTHER_PROCESS)
    compare = filecmp.dircmp(tmp_path / "a", tmp_path / "b")

    def differences(cmp: filecmp.dircmp) -> list[str]:
        found = cmp.left_only + cmp.right_only + cmp.diff_files
        for sub in cmp.subdirs.values():
            found += differences(sub)
        return found
    # shallow=False: compare contents, not timestamps
    _, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", ["en/sitemap.xml", "en/sitemap.xml.gz", "versions.json"], shallow=False)
    assert differences(compare) == [] and mismatch == [] and errors == []
    assert "<lastmod>2026-01-15</lastmod>" in (tmp_path / "a/en/sitemap.xml").read_text()


def test_noop_rebuild_and_rebuild_after_change(site_repo: PolicyRepo, tmp_path: Path) -> None:
    out = tmp_path / "s"
    build(site_repo, out)
    again = build(site_repo, out)
    assert "Up to date" in again.stderr
    assert "Building" in build(site_repo, out, "--draft").stderr


def test_failed_build_leaves_previous_site(site_repo: PolicyRepo, tmp_path: Path) -> None:
    out = tmp_path / "s"
    build(site_repo, out)
    before = (out / "en/index.html").read_bytes()
    site_repo.write("mkdocs.yml", site_repo.read("mkdocs.yml") + "copyright: {not: text}\n")
    failed = build(site_repo, out, "--draft", check=False)
    assert failed.returncode == 1 and "the build failed; the previous site is untouched" in failed.stderr
    assert (out / "en/index.html").read_bytes() == before
    # Only the lock file and the one published build remain beside the output: no staging folder.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".s.")) == [".s.builds", ".s.lock"]
    assert len([p for p in (tmp_path / ".s.builds").iterdir() if p.is_dir()]) == 1 and out.is_symlink()


def test_rewritten_history_stops_the_build(site_repo: PolicyRepo, tmp_path: Path) -> None:
    text = site_repo.read("changelog/1.0.yml").replace("kind: minor", "kind: material")
    site_repo.write("changelog/1.0.yml", text)
    site_repo.commit("Edit a published release")
    done = build(site_repo, tmp_path / "s", check=False)
    assert done.returncode == 1 and "release 1.0 was edited after it was published" in done.stderr
    assert not (tmp_path / "s").exists()


def test_draft_is_marked_and_not_indexed(site_repo: PolicyRepo, tmp_path: Path) -> None:
    site_repo.section("rights", "Your rights", "Draft wording of the rights.\n")
    build(site_repo, tmp_path / "s", "--draft")
    html = page(tmp_path / "s", "en/draft")
    assert '<meta name="robots" content="noindex, nofollow">' in html
    # nor listed in the sitemap search engines read (the releases are)
    listed = (tmp_path / "s/en/sitemap.xml").read_text()
    assert "/en/2.0/</loc>" in listed and "/draft/" not in listed
    assert "Draft: not published, not in force." in html and "Draft wording of the rights." in html
    assert "<del>" in page(tmp_path / "s", "en/draft/changes")
    # the draft is a page of its own, never a version: versions.json lists the releases only
    assert [v["version"] for v in json.loads((tmp_path / "s/versions.json").read_text())] == ["2.0", "1.1", "1.0"]


def test_bad_site_url_is_named(site_repo: PolicyRepo, tmp_path: Path) -> None:
    done = build(site_repo, tmp_path / "s", "--site-url", "ftp://example.com/", check=False)
    assert done.returncode == 1 and "--site-url 'ftp://example.com/' is not a plain absolute http(s) URL" in done.stderr


def test_nothing_to_publish_is_explained(repo: PolicyRepo, tmp_path: Path) -> None:
    done = build(repo, tmp_path / "s", check=False)
    assert done.returncode == 1 and "there is nothing to publish" in done.stderr


def test_serve_rebuilds_the_draft_on_save(site_repo: PolicyRepo) -> None:
    import socket
    import subprocess
    import time
    import urllib.request

    from tests.conftest import BASE_ENV, POLICY

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = site_repo.root.parent / "serve.log"  # a file, not a pipe nobody reads: a full pipe would stop the server
    with log.open("w") as output:
        proc = subprocess.Popen([POLICY, "serve", "--dev-addr", f"127.0.0.1:{port}"], cwd=site_repo.root, env=BASE_ENV,
                                stdout=output, stderr=subprocess.STDOUT, text=True)

    def fetch(url: str) -> str:
        deadline = time.monotonic() + 120  # bounded, and generous for a busy machine
        while True:
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{port}/{url}", timeout=5).read().decode()
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
    try:
        assert "Summary of 2.0." not in fetch("en/draft/") and "Your rights" in fetch("en/draft/")
        site_repo.section("rights", "Your rights", "Edited while the preview runs.\n")
        deadline = time.monotonic() + 120
        while "Edited while the preview runs." not in fetch("en/draft/"):
            assert time.monotonic() < deadline, "the preview was not rebuilt:\n" + log.read_text()
            time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_incremental_rebuild_equals_full_build(site_repo: PolicyRepo, tmp_path: Path) -> None:
    out = tmp_path / "inc"
    build(site_repo, out)
    site_repo.section("cookies", "Cookies", "We use one session cookie, for security.\n")
    site_repo.translate("cookies", "Cookies", "Χρησιμοποιούμε ένα cookie συνεδρίας, για λόγους ασφάλειας.\n")
    site_repo.commit("Cookies: why")
    site_repo.release("2.1", "2026-05-01")
    done = build(site_repo, out)
    # the new release's three pages (text, changes, what changes for you), 2.0's three (its next link),
    # 1.1 (its notices) and the three always rendered; the rest reused
    assert re.search(r"en: (?:[1-9]|10) pages rendered, [1-9]\d* unchanged", done.stderr), done.stderr
    build(site_repo, tmp_path / "full", env=OTHER_PROCESS)
    cmp = filecmp.dircmp(out, tmp_path / "full")

    def differences(c: filecmp.dircmp) -> list[str]:
        found = c.left_only + c.right_only
        found += [f for f in c.common_files if (Path(c.left) / f).read_bytes() != (Path(c.right) / f).read_bytes()]
        for sub in c.subdirs.values():
            found += differences(sub)
        return found
    assert differences(cmp) == []
    assert "2.1" in page(out, "en/2.0") and 'rel="next"' in page(out, "en/2.0")


def test_heading_anchors_and_site_links_work_on_the_built_page(released: PolicyRepo, tmp_path: Path) -> None:
    """GitHub-style links to sub-headings (both languages), root-relative links, anchors stable across versions."""
    repo = released
    repo.section("rights", "Your rights", "See [your choices](#what-are-your-choices) and our [terms](/terms/).\n\n"
                 "### What are your choices?\n\nAsk us.\n")
    repo.translate("rights", "Τα δικαιώματά σας", "Δείτε [τις επιλογές σας](#ποιες-είναι-οι-επιλογές-σας) και τους [όρους](/terms/).\n\n"
                   "### Ποιες είναι οι επιλογές σας;\n\nΡωτήστε μας.\n")
    repo.section("intro", "Introduction", "We respect your privacy.\n\n### What are your choices?\n\nA repeated heading.\n", False)
    repo.translate("intro", "Εισαγωγή", "Σεβόμαστε την ιδιωτικότητά σας.\n")
    assert repo.policy("check").stdout == ""
    repo.commit("Choices")
    repo.release("1.2", "2025-07-01")
    repo.section("collection", "What we collect", "We collect your name.\n")
    repo.commit("Collection")
    repo.release("1.3", "2025-08-01", "minor", "--allow-stale")
    build(repo, tmp_path / "site")
    for version in ("1.2", "1.3"):
        en = page(tmp_path / "site", f"en/{version}")
        # the intro's heading comes first on the page: it keeps the plain anchor, the second gets -1
        assert '<h3 id="what-are-your-choices">' in en and '<h3 id="what-are-your-choices-1">' in en
        assert 'href="https://policy.example.com/terms/"' in en
        el = page(tmp_path / "site", f"el/{version}")
        assert '<h3 id="ποιες-είναι-οι-επιλογές-σας">' in el and 'href="#ποιες-είναι-οι-επιλογές-σας"' in el


def test_draft_previews_a_release_not_yet_committed(site_repo: PolicyRepo, tmp_path: Path) -> None:
    repo = site_repo
    repo.section("rights", "Your rights", "You may ask for a copy of your data, free of charge.\n")
    repo.translate("rights", "Τα δικαιώματά σας", "Μπορείτε να ζητήσετε δωρεάν αντίγραφο των δεδομένων σας.\n")
    repo.policy("release", "2.1", "--effective", "2026-04-01", "--kind", "minor",
                "--summary-en", "Copies are free.", "--summary-el", "Τα αντίγραφα χορηγούνται δωρεάν.")
    out = tmp_path / "s"
    build(repo, out, "--draft")
    header = page(out, "el/draft")
    assert "2.1 (σχέδιο)" in header and "1 Απριλίου 2026" in header
    changes = page(out, "el/draft/changes")
    assert "Τα αντίγραφα χορηγούνται δωρεάν." in changes and "δωρεάν" in changes
    notice = (out / "el/draft/notice.html").read_text()
    assert "Προεπισκόπηση" in notice and "Τα αντίγραφα χορηγούνται δωρεάν." in notice
    assert 'href="notice.html"' in header
    # A hand-written record with a bad kind stops the draft build, naming the file.
    repo.write("changelog/2.1.yml", repo.read("changelog/2.1.yml").replace("kind: minor", "kind: major"))
    done = build(repo, tmp_path / "t", "--draft", check=False)
    assert done.returncode == 1 and "changelog/2.1.yml:3: `kind` must be `material` or `minor`" in done.stderr
    # ...and so does a record whose text was edited after `policy release`.
    repo.git("checkout", "--", ".")
    (repo.root / "changelog/2.1.yml").unlink()
    repo.policy("release", "2.1", "--effective", "2026-04-01", "--kind", "minor", "--summary-en", "x", "--summary-el", "x",
                check=False)
    repo.section("rights", "Your rights", "Edited after the release was written.\n")
    done = build(repo, tmp_path / "u", "--draft", check=False)
    assert done.returncode == 1 and "run `policy release` again" in done.stderr


def test_a_pending_greek_section_shows_the_english_changes(stale_greek_site: Path) -> None:
    html = page(stale_greek_site, "el/2.1/changes")
    assert "Το αγγλικό κείμενο της ενότητας αυτής τροποποιήθηκε· η ελληνική απόδοση θα ακολουθήσει." in html
    assert '<div class="policy-diff" lang="en">' in html
    assert re.search(r"<ins><span class=\"visually-hidden\">προσθήκη: </span>and no trackers at all</ins>", html)
    assert "Χρησιμοποιούμε" not in html  # the Greek is not struck out whole
    assert "Νέος τίτλος" not in html


def test_every_version_downloads_as_markdown_json_and_one_archive(site: Path) -> None:
    import hashlib
    import io
    import zipfile

    data = json.loads((site / "el/1.1/policy.json").read_text())
    assert data["schema"] == "policy-version/1" and data["version"] == "1.1" and data["lang"] == "el"
    assert [s["id"] for s in data["sections"]] == ["intro", "collection", "rights"]
    assert data["content_hash"].startswith("sha256:") and len(data["commit"]) == 40
    markdown = (site / "el/1.1/policy.md").read_text()
    assert markdown.startswith("# Πολιτική Απορρήτου") and re.search(r"^## (\d+\. )?Τα δικαιώματά σας$", markdown, re.M)
    assert "<a id=" not in markdown and "{ #" not in markdown  # plain Markdown: no raw HTML anchors
    entry = json.loads((site / "versions.json").read_text())[0]
    assert entry["downloads"]["json"]["el"].endswith("/el/2.0/policy.json")
    assert entry["downloads"]["history"] == "https://policy.example.com/policy-history.zip"
    archive = zipfile.ZipFile(io.BytesIO((site / "policy-history.zip").read_bytes()))
    manifest = json.loads(archive.read("manifest.json"))
    assert [v["version"] for v in manifest["versions"]] == ["1.0", "1.1", "2.0"]
    for version in manifest["versions"]:
        for path, digest in version["files"].items():
            assert hashlib.sha256(archive.read(path)).hexdigest() == digest
    assert 'href="../../policy-history.zip"' in page(site, "en/versions") and 'href="../feed.xml"' in page(site, "en/versions")
    assert 'href="policy.md"' in page(site, "en/1.1")
    feed = (site / "en/feed.xml").read_text()
    assert "<author><name>Example</name></author>" in feed


def test_greek_pages_have_greek_interface_words(site: Path) -> None:
    greek = page(site, "el/1.1")
    assert 'title="Μόνιμος σύνδεσμος"' in greek and "Permanent link" not in greek
    assert "Λήψη" in greek and "Download" not in greek


def test_page_links_are_the_relative_paths_posixpath_gives() -> None:
    import itertools
    import posixpath

    from site_builder.site.pages import relpath

    paths = ["", "en", "en/", "en/1.0/", "en/1.0/changes/", "el/2.0/", "en/versions/", "policy-history.zip",
             "en/feed.xml", "en/1.0/#intro", "en/draft/notice.html", "en/1.0/policy.md", "el/10.0/changes/"]
    for target, start in itertools.product(paths, repeat=2):
        assert relpath(target or ".", start.rstrip("/") or ".") == posixpath.relpath(target or ".", start.rstrip("/") or ".")


def test_the_theme_listing_skips_only_what_mkdocs_drops() -> None:
    """MkDocs lists the theme and drops hidden names; the quick listing must find the same files."""
    import fnmatch
    import os

    import jinja2
    import material

    from site_builder.site.engine_mkdocs import THEME_DIR, _visible_templates

    dirs = (str(THEME_DIR), os.path.join(os.path.dirname(material.__file__), "templates"))
    everything = jinja2.FileSystemLoader(list(dirs)).list_templates()
    shown = [name for name in everything if not any(fnmatch.fnmatch(name.lower(), p) for p in (".*", "*/.*"))]
    assert _visible_templates(dirs) == shown and len(shown) < len(everything) / 10
    assert "assets/javascripts/policy.js" in shown and any(name.startswith("assets/javascripts/bundle.") for name in shown)


def test_dates_are_written_as_babel_writes_them() -> None:
    import datetime as dt

    from babel.dates import format_date

    from site_builder.i18n import format_day, t

    for offset in range(0, 800, 3):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=offset)
        for lang in ("en", "el"):
            assert format_day(day, lang) == format_date(day, format=t(lang, "date_format"), locale=lang)
    assert format_day(dt.date(2025, 6, 1), "el") == "1 Ιουνίου 2025"
