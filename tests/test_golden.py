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
import os
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


def test_page_shells_render_as_mkdocs_renders_them(site: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The engine renders page shells from their headings alone (engine_mkdocs._fast_shell). The
    same site built with every page through MkDocs' own Page.render is the same, byte for byte."""
    import datetime as dt

    from site_builder.site import engine_mkdocs
    from site_builder.site.build import build_site

    assert engine_mkdocs._fast_shells(), "the installed MkDocs is not one the shortcut was checked against"
    monkeypatch.setattr(engine_mkdocs, "FAST_SHELLS", False)
    assert not engine_mkdocs._fast_shells()
    slow = build_site(site.parent / "repo", out=tmp_path / "slow", today=dt.date.fromisoformat(TODAY), site_url=SITE_URL,
                      quiet=True, parallel=False).resolve()
    fast = site.resolve()
    files = sorted(p.relative_to(fast) for p in fast.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(slow) for p in slow.rglob("*") if p.is_file())
    assert len([f for f in files if f.name == "index.html"]) > 10
    differ = [str(f) for f in files if (fast / f).read_bytes() != (slow / f).read_bytes()]
    assert differ == []
