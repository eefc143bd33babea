"""Issue 19, item 7: import validates every release as `build` will before committing anything;
nesting depth and size limits with path:line; hidden page parts dropped; escaped text stays text."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from site_builder.source.content import WorkingTree, content_hash
from site_builder.source.releases import write_record
from tests.conftest import PolicyRepo

PAGE = ("<html><head><title>Acme privacy</title></head><body><h1>Acme</h1><p>Intro.</p>"
        "<h2>What we collect</h2><ul><li>Name</li></ul><h2>Your rights</h2><p>Ask {link}.</p></body></html>")


def target(tmp_path: Path) -> PolicyRepo:
    repo = PolicyRepo(tmp_path / "imported")
    repo.root.mkdir(parents=True)
    repo.git("init", "-q", "-b", "main")
    return repo


def assert_untouched(repo: PolicyRepo) -> None:
    """Nothing committed, nothing left in the working tree."""
    assert repo.git("status", "--porcelain", "--untracked-files=all") == ""
    assert repo.git("rev-list", "--all") == ""


def nested_list(depth: int, marker: str = "-") -> str:
    width = len(marker) + 1
    return "".join(" " * (width * i) + f"{marker} item {i}\n" for i in range(depth))


@pytest.mark.parametrize("href", ["javascript:alert(document.cookie)", "data:text/html,<script>alert(1)</script>"])
def test_html_page_with_an_unsafe_link_imports_nothing(tmp_path: Path, href: str) -> None:
    source = tmp_path / "privacy.html"
    source.write_text(PAGE.format(link=f'<a href="{href}">here</a>'), encoding="utf-8")
    repo = target(tmp_path)
    done = repo.policy("import", str(source), check=False)
    assert done.returncode == 1
    scheme = href.split(":")[0]
    assert f"policy/your-rights.md:5: link to '{scheme}:" in done.stderr and "privacy.html" in done.stderr
    assert "nothing was imported" in done.stderr and "unexpected" not in done.stderr
    assert_untouched(repo)
    assert not (repo.root / "policy").exists()


def test_a_bad_later_version_stops_the_whole_history_with_its_source_line(tmp_path: Path) -> None:
    source = PolicyRepo(tmp_path / "website")
    source.root.mkdir()
    source.git("init", "-q", "-b", "main")
    doc = "# Policy\n\nHello.\n\n## Data we collect\n\nNames.\n\n## Your choices\n\nYou may object.\n"
    source.write("privacy.md", doc)
    source.commit("First")
    source.write("privacy.md", doc.replace("You may object.", "You may object.\n\nWrite [to us](vbscript:msgbox)."))
    sha = source.commit("Second")
    repo = target(tmp_path)
    done = repo.policy("import", str(source.root), "--history", "privacy.md", check=False)
    assert done.returncode == 1
    # Line 13 of the second version of privacy.md; version 1 was fine but is not committed either.
    assert f"privacy.md@{sha[:10]}:13: link to 'vbscript:msgbox'" in done.stderr
    assert "(release 2, policy/your-choices.md:" in done.stderr
    assert_untouched(repo)


def test_imported_releases_build(tmp_path: Path) -> None:
    """What import accepts, build accepts: the validation is the build's own."""
    source = tmp_path / "privacy.html"
    source.write_text(PAGE.format(link='<a href="https://acme.example/form">here</a>'), encoding="utf-8")
    repo = target(tmp_path)
    repo.policy("import", str(source))
    assert repo.git("status", "--porcelain") == ""
    repo.policy("build", "--out", str(tmp_path / "site"), "--today", "2030-01-01", "-q")


@pytest.mark.parametrize("body, line, what", [
    (nested_list(300), 20, "a list nested more than 16 levels deep"),  # the payload
    (nested_list(300, "1."), 20, "a list nested more than 16 levels deep"),
    ("".join("> " * i + "quote\n\n" for i in range(1, 40)), 36, "a block quote nested more than 16 levels deep"),
    ("[" * 3000 + "x" + "](https://a.example/)" * 3000 + "\n", 4, "link brackets `[` nested more than 16"),
])
def test_deep_nesting_is_named_in_check_diff_and_build(released: PolicyRepo, body: str, line: int, what: str) -> None:
    released.section("rights", "Your rights", body)
    started = time.monotonic()
    for command in (["check"], ["diff"], ["build", "--draft", "--out", str(released.root.parent / "site")]):
        done = released.policy(*command, check=False)
        assert done.returncode == 1, command
        assert f"policy/rights.md:{line}: {what}" in done.stdout + done.stderr, command
        assert "unexpected" not in done.stderr and "RecursionError" not in done.stderr
    assert time.monotonic() - started < 60


def test_a_committed_release_too_deep_is_refused_by_build_and_diff(released: PolicyRepo) -> None:
    """A release made before the limit existed: build and diff name the release and the line, fast."""
    released.section("rights", "Your rights", "Intro.\n\n" + nested_list(300))
    released.commit("Deep list")
    write_record(released.root, version="2.0", effective=dt.date(2026, 1, 1), kind="minor",
                 summaries={"en": "Deep.", "el": "Βαθιά."}, content_hash=content_hash(WorkingTree(released.root)))
    released.commit("Release 2.0")
    for command in (["build", "--out", str(released.root.parent / "site")], ["diff", "1.1", "2.0"]):
        done = released.policy(*command, check=False)
        assert done.returncode == 1
        assert "changelog/2.0.yml:1: release 2.0" in done.stderr and "policy/rights.md:22: a list nested" in done.stderr


def test_section_size_limit(repo: PolicyRepo) -> None:
    repo.section("rights", "Your rights", ("Every word counts here. " * 10 + "\n\n") * 1000)
    done = repo.policy("check", check=False)
    assert done.returncode == 1 and "policy/rights.md:4: the section is 241,999 characters long" in done.stdout


@pytest.mark.parametrize("levels", [300, 3000])
def test_import_of_deep_markdown_stops_fast_with_the_source_line(tmp_path: Path, levels: int) -> None:
    source = tmp_path / "policy.md"
    source.write_text("# Policy\n\n## A\n\n" + nested_list(levels) + "\n## B\n\ntext\n", encoding="utf-8")
    repo = target(tmp_path)
    started = time.monotonic()
    done = repo.policy("import", str(source), check=False)
    assert time.monotonic() - started < 30
    assert done.returncode == 1 and "unexpected" not in done.stderr
    expected = f"{source}:21: a list nested more than 16" if levels == 300 else "characters long, more than the 2,000,000"
    assert expected in done.stderr
    assert_untouched(repo)


@pytest.mark.parametrize("open_tag, close_tag", [("<ul><li>", "</li></ul>"), ("<div><blockquote>", "</blockquote></div>")])
def test_import_of_deeply_nested_html_names_the_line(tmp_path: Path, open_tag: str, close_tag: str) -> None:
    source = tmp_path / "privacy.html"
    source.write_text("<html><body>\n<h1>Acme</h1>\n<h2>A</h2>\n" + open_tag * 300 + "x" + close_tag * 300
                      + "\n<h2>B</h2><p>y</p></body></html>\n", encoding="utf-8")
    repo = target(tmp_path)
    done = repo.policy("import", str(source), check=False)
    assert done.returncode == 1 and "unexpected" not in done.stderr
    assert f"{source}:4: HTML elements are nested more than 100 deep" in done.stderr
    assert_untouched(repo)


def test_hidden_page_parts_are_not_imported(tmp_path: Path) -> None:
    source = tmp_path / "privacy.html"
    source.write_text(
        "<!doctype html><html><head><title>Acme | Privacy</title><style>body{color:red}</style>"
        "<script>window.dataLayer=[];gtag('config','G-123')</script><meta name=description content='Meta text'></head>"
        "<body><script>analytics.track('page')</script><style>.x{display:none}</style>"
        "<noscript><img src='https://pixel.example/p.gif'>Enable JavaScript</noscript>"
        "<template><p>Template text</p></template>"
        "<h1>Acme</h1><p>Welcome to our policy.</p><h2>Data</h2><p>Names.</p><h2>Rights</h2><p>Ask.</p></body></html>",
        encoding="utf-8")
    repo = target(tmp_path)
    repo.policy("import", str(source))
    imported = "".join(p.read_text(encoding="utf-8") for p in (repo.root / "policy").iterdir())
    assert "Welcome to our policy." in repo.read("policy/introduction.md")
    for hidden in ("Acme | Privacy", "color:red", "dataLayer", "gtag", "analytics", "display:none",
                   "Enable JavaScript", "pixel", "Template text", "Meta text"):
        assert hidden not in imported, hidden


def test_text_the_page_showed_escaped_stays_text(tmp_path: Path) -> None:
    source = tmp_path / "privacy.html"
    source.write_text(
        "<html><body><h1>Acme</h1><p>Intro.</p><h2>Your account</h2>"
        "<p>Write to us with &lt;your account name&gt; in the subject.</p>"
        "<p>Never paste &lt;script&gt;alert(1)&lt;/script&gt; anywhere.</p>"
        "<p>Shown as typed: &amp;copy; and [not a link](#top) and `ticks`.</p>"
        "<h2>Rights</h2><p>Ask.</p></body></html>", encoding="utf-8")
    repo = target(tmp_path)
    repo.policy("import", str(source))
    out = repo.root.parent / "site"
    repo.policy("build", "--out", str(out), "--today", "2030-01-01", "-q")
    page = (out / "en/1.0/index.html").read_text(encoding="utf-8")
    assert "Write to us with &lt;your account name&gt; in the subject." in page
    assert "Never paste &lt;script&gt;alert(1)&lt;/script&gt; anywhere." in page
    assert "Shown as typed: &amp;copy; and [not a link](#top) and `ticks`." in page
    assert 'href="#top"' not in page and "<script>alert" not in page
