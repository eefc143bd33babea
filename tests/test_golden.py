"""Golden output: a small two-release policy built on a fixed day for a fixed URL, compared with
the checked-in files under tests/golden/ (the version page body, the changes page body,
versions.json and changes.json of 1.1).

The output is the product, so a change to any of these files is a change a reader or a consumer
of the JSON sees. When the change is intended, refresh the files with

    UPDATE_GOLDEN=1 pytest tests/test_golden.py

and review `git diff tests/golden/` before committing it.

Only the page's article (the content below Material's header and navigation) is compared, with
blank lines and trailing blanks dropped: the theme's markup and its template whitespace are not
ours. The JSON files are compared byte for byte. The repository is built here, not from the
shared fixtures, with fixed git identity and dates, so the commit hashes in versions.json are the
same on every machine.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import PolicyRepo

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
TODAY = "2026-01-15"
SITE_URL = "https://policy.example.com/"

POLICY_YML = ("title: Privacy Policy\nvariables:\n  contact_email: \"privacy@example.com\"\nsections:\n"
              "  - intro\n  - collection\n  - rights\n")
MKDOCS_YML = ("site_name: Example\nsite_url: https://policy.example.com/\ntheme:\n  name: material\n"
              "extra:\n  notices:\n    sender: \"Example <privacy@example.com>\"\n    reply_to: privacy@example.com\n"
              "    unsubscribe_url: \"https://policy.example.com/unsubscribe?email={email}&token={token}\"\n")

# (English title, English body, Greek title, Greek body, numbered) per release.
FIRST = {
    "intro": ("Introduction", "We respect your privacy.\n",
              "Εισαγωγή", "Σεβόμαστε την ιδιωτικότητά σας.\n", False),
    "collection": ("What we collect", "We collect your name and e-mail address.\n\n- Contact data.\n- Usage data.\n",
                   "Ποια δεδομένα συλλέγουμε",
                   "Συλλέγουμε το όνομα και τη διεύθυνση ηλεκτρονικού ταχυδρομείου σας.\n\n"
                   "- Στοιχεία επικοινωνίας.\n- Δεδομένα χρήσης.\n", True),
    "rights": ("Your rights", "You may ask for a copy of your data. See [what we collect](#collection).\n",
               "Τα δικαιώματά σας",
               "Μπορείτε να ζητήσετε αντίγραφο των δεδομένων σας. Βλ. [τι συλλέγουμε](#collection).\n", True),
}
# 1.1: words inserted and deleted, a list item changed, a section added, a variable filled in.
SECOND = {
    **FIRST,
    "collection": ("What we collect", "We collect your name and e-mail address.\n\n- Contact data.\n- Usage statistics.\n",
                   "Ποια δεδομένα συλλέγουμε",
                   "Συλλέγουμε το όνομα και τη διεύθυνση ηλεκτρονικού ταχυδρομείου σας.\n\n"
                   "- Στοιχεία επικοινωνίας.\n- Στατιστικά χρήσης.\n", True),
    "rights": ("Your rights", "You may ask for a copy of your data at any time, by writing to {{ contact_email }}. "
               "See [what we collect](#collection).\n",
               "Τα δικαιώματά σας",
               "Μπορείτε να ζητήσετε οποτεδήποτε αντίγραφο των δεδομένων σας, με μήνυμα στο {{ contact_email }}. "
               "Βλ. [τι συλλέγουμε](#collection).\n", True),
    "cookies": ("Cookies", "We use one session cookie and no trackers.\n",
                "Cookies", "Χρησιμοποιούμε ένα cookie συνεδρίας και κανέναν ιχνηλάτη.\n", True),
}


def write_release(repo: PolicyRepo, sections: dict, version: str, effective: str, kind: str) -> None:
    repo.write("policy/policy.yml", POLICY_YML + "".join(f"  - {sid}\n" for sid in sections if sid not in FIRST))
    for sid, (title, body, el_title, el_body, numbered) in sections.items():
        repo.section(sid, title, body, numbered)
        repo.translate(sid, el_title, el_body)
    repo.commit(f"Text of {version}")
    repo.release(version, effective, kind)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("golden")
    repo = PolicyRepo(root / "repo")
    repo.root.mkdir()
    repo.git("init", "-q", "-b", "main")
    repo.write("mkdocs.yml", MKDOCS_YML)
    repo.write("translations/el/policy.yml", "title: Πολιτική Απορρήτου\n")
    write_release(repo, FIRST, "1.0", "2025-01-01", "minor")
    write_release(repo, SECOND, "1.1", "2025-06-01", "material")
    repo.policy("build", "--out", str(root / "site"), "--today", TODAY, "--site-url", SITE_URL, "-q")
    return root / "site"


class _Article(HTMLParser):
    """Finds where the page's one <article> starts and ends (its inner HTML), nested tags included."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.depth = 0
        self.start: tuple[int, int] | None = None
        self.end: tuple[int, int] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "article":
            self.depth += 1
            if self.depth == 1:
                text = self.get_starttag_text() or ""
                line, column = self.getpos()
                self.start = (line, column + len(text)) if "\n" not in text else None
                assert self.start is not None, "an <article> tag written over several lines"

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.depth -= 1
            if self.depth == 0 and self.end is None:
                self.end = self.getpos()


def article(html: str) -> str:
    """The inner HTML of the page's article, without blank lines and trailing blanks."""
    finder = _Article()
    finder.feed(html)
    finder.close()
    assert finder.start is not None and finder.end is not None, "no <article> on the page"
    lines = html.split("\n")
    offset = [0]
    for line in lines:
        offset.append(offset[-1] + len(line) + 1)
    inner = html[offset[finder.start[0] - 1] + finder.start[1]:offset[finder.end[0] - 1] + finder.end[1]]
    return "".join(line.rstrip() + "\n" for line in inner.split("\n") if line.strip())


def check(name: str, actual: str) -> None:
    """Compare with tests/golden/<name>, or write it there under UPDATE_GOLDEN=1."""
    golden = GOLDEN / name
    if UPDATE:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert golden.is_file(), f"{golden} is missing: run UPDATE_GOLDEN=1 pytest tests/test_golden.py"
    expected = golden.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            f"tests/golden/{name}", "built", n=2))
        pytest.fail(f"the output differs from tests/golden/{name}; if the change is intended, run "
                    f"UPDATE_GOLDEN=1 pytest tests/test_golden.py and review the diff:\n{diff}", pytrace=False)


@pytest.mark.parametrize(("url", "name"), [
    ("en/1.1/index.html", "en-1.1.html"),
    ("el/1.1/index.html", "el-1.1.html"),
    ("en/1.1/changes/index.html", "en-1.1-changes.html"),
    ("el/1.1/changes/index.html", "el-1.1-changes.html"),
])
def test_page_body_is_the_golden_one(site: Path, url: str, name: str) -> None:
    check(name, article((site / url).read_text(encoding="utf-8")))


@pytest.mark.parametrize(("path", "name"), [
    ("versions.json", "versions.json"),
    ("en/1.1/changes.json", "en-1.1-changes.json"),
])
def test_data_file_is_the_golden_one(site: Path, path: str, name: str) -> None:
    check(name, (site / path).read_text(encoding="utf-8"))


def test_the_extracted_body_is_the_policy_text_not_the_theme(site: Path) -> None:
    """The comparison covers the text a reader reads, and none of the theme around it."""
    body = article((site / "en/1.1/index.html").read_text(encoding="utf-8"))
    assert ('You may ask for a copy of your data at any time, by writing to '
            '<a href="mailto:privacy@example.com">privacy@example.com</a>.') in body
    assert 'id="policy-version-header"' in body and 'id="cookies"' in body
    assert "md-header" not in body and "md-nav" not in body and "<script" not in body


def test_golden_files_do_not_depend_on_the_machine(site: Path) -> None:
    """No absolute path of this machine, no date but the fixed ones, in any checked-in file."""
    for golden in sorted(GOLDEN.iterdir()):
        text = golden.read_text(encoding="utf-8")
        assert str(site.parent) not in text and "/tmp/" not in text and str(Path.home()) not in text, golden.name
        assert "file://" not in text and "127.0.0.1" not in text, golden.name


def _built_both_ways(root: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str], list[str]]:
    """The site of `root` built with the engine's page-shell shortcut and without it: the files,
    those that differ, and the pages that took the shortcut."""
    import datetime as dt

    from site_builder.site import engine_mkdocs
    from site_builder.site.build import build_site

    assert engine_mkdocs._fast_shells(), "the installed MkDocs is not one the shortcut was checked against"
    taken: list[str] = []
    shortcut = engine_mkdocs._fast_shell
    monkeypatch.setattr(engine_mkdocs, "_fast_shell", lambda page, *rest: taken.append(page.file.src_uri) or shortcut(page, *rest))
    sites = []
    for fast in (True, False):
        monkeypatch.setattr(engine_mkdocs, "FAST_SHELLS", fast)
        sites.append(build_site(root, out=out / f"fast-{fast}", today=dt.date.fromisoformat(TODAY), site_url=SITE_URL,
                                quiet=True, parallel=False).resolve())
    fast_site, slow_site = sites
    files = sorted(str(p.relative_to(fast_site)) for p in fast_site.rglob("*") if p.is_file())
    assert files == sorted(str(p.relative_to(slow_site)) for p in slow_site.rglob("*") if p.is_file())
    return files, [f for f in files if (fast_site / f).read_bytes() != (slow_site / f).read_bytes()], taken


def test_page_shells_render_as_mkdocs_renders_them(site: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The engine renders a page shell (headings between placeholders) from its headings alone
    (engine_mkdocs._fast_shell). The same site built with every page through MkDocs' own
    Page.render is the same, byte for byte."""
    files, differ, taken = _built_both_ways(site.parent / "repo", tmp_path, monkeypatch)
    pages = [f for f in files if f.endswith("index.html")]
    assert differ == []
    assert len(taken) >= len(pages) - 4 > 10  # all but the archive and the root pages took the shortcut


HOSTILE_TITLES = {  # section id -> (English title, Greek title): what Markdown, YAML or HTML read specially
    "intro": ("Fish & chips <b>bold</b> &amp; co", "Ψάρια & πατάτες <i>πλάγια</i>"),
    "signs": ("Cost # 5 {#evil} *star* _under_ `code` [link](x) \\ back", "Κόστος # 5 {: .x } **έντονα**"),
    "breaks": ("Line \u2028 separator \u2029 and\ttab and \u00a0no-break", "Γραμμή \u2028 διαχωριστής"),
    "twice": ("Fish & chips <b>bold</b> &amp; co", "Ψάρια & πατάτες <i>πλάγια</i>"),  # the same slug again
    "placeholder": ("POLICY-FRAGMENT-0a1b", "POLICY-FRAGMENT-tab12"),
    "lines": ("First line\nsecond line", "Πρώτη γραμμή\nδεύτερη γραμμή"),  # one heading, not a heading and a paragraph
}


@pytest.mark.parametrize("hook", [False, True], ids=["hostile-titles", "hook-rewrites-markdown"])
def test_page_shells_with_hostile_titles_or_a_hook_render_as_mkdocs_renders_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                                 hook: bool) -> None:
    """Titles that Markdown, YAML and HTML read specially, and a site hook that rewrites every page's
    Markdown (the shortcut then stands aside): byte for byte what MkDocs' own rendering gives."""
    repo = PolicyRepo(tmp_path / "repo")
    repo.root.mkdir()
    repo.git("init", "-q", "-b", "main")
    config = MKDOCS_YML
    if hook:
        repo.write("hook.py", "def on_page_markdown(markdown, **kwargs):\n    return markdown + '\\n\\nHOOKED\\n'\n")
        config += f"hooks:\n  - {repo.root / 'hook.py'}\n"
    repo.write("mkdocs.yml", config)
    repo.write("policy/policy.yml", 'title: "Privacy Policy <x> & co"\nsections:\n' + "".join(f"  - {sid}\n" for sid in HOSTILE_TITLES))
    # A line separator in the Greek title: YAML reads the pages' front matter otherwise, so they stand aside.
    repo.write("translations/el/policy.yml", 'title: "Πολιτική \\u2029 Απορρήτου"\n')
    for number, (sid, (title, el_title)) in enumerate(HOSTILE_TITLES.items()):
        repo.section(sid, json.dumps(title), f"Text {number} of the section.\n")
        repo.translate(sid, json.dumps(el_title), f"Κείμενο {number} της ενότητας.\n")
        repo.policy("translations", "mark", "el", sid)  # the helper's fingerprint reads the title unquoted
    repo.commit("hostile titles")
    repo.release("1.0", "2025-01-01", "minor")
    files, differ, taken = _built_both_ways(repo.root, tmp_path / "out", monkeypatch)
    assert differ == []
    assert len([f for f in files if f.endswith("index.html")]) > 10
    if hook:
        assert taken == [] and "HOOKED" in (tmp_path / "out/fast-True/en/1.0/index.html").read_text(encoding="utf-8")
    else:  # the English version page took the shortcut with every hostile heading; the Greek one stood aside
        assert taken.count("1.0/index.md") == 1 and len(taken) >= 6
    for lang, words in (("en", "First line second line"), ("el", "Πρώτη γραμμή δεύτερη γραμμή")):
        page = (tmp_path / f"out/fast-True/{lang}/1.0/index.html").read_text(encoding="utf-8")
        assert re.search(f'<h2 id="lines">[^<]*{words}<a class="headerlink"', page), lang
        assert "<p>second line" not in page and "<p>δεύτερη γραμμή" not in page
        download = (tmp_path / f"out/fast-True/{lang}/1.0/policy.md").read_text(encoding="utf-8")
        assert f"## 6. {words}\n" in download, lang  # the download's heading is one line too
