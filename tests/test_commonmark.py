"""Policy text reads as GitHub reads it (CommonMark + GFM): the specification's own examples, the four cases
of issue 22 that the former renderer got wrong, heading anchors unchanged on the real corpus, and what a
reader sees on a built page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from markdown_it.utils import read_fixture_file

from site_builder.blocks import cut
from site_builder.markup import heading_ids, sanitize_policy, stripped_markup, to_html, unique_ids
from tests.conftest import PolicyRepo, copy_repo
from tests.corpus_tools import CORPUS

DATA = Path(__file__).parent / "data"
SPEC = json.loads((DATA / "commonmark" / "spec.json").read_text(encoding="utf-8"))
_ID = re.compile(r' id="[^"]*"')
_LINK = re.compile(r'<a href="[^"]*">|</a>')
_BARE_DOMAIN = re.compile(r'<a href="http://((?!www\.)[^"]*)">\1</a>')


def shown(html: str) -> str:
    """What a reader gets, as markup: the sanitised HTML without the heading anchors we add."""
    return _ID.sub("", sanitize_policy(html))


def ours(markdown: str) -> str:
    return _ID.sub("", to_html(markdown))


@pytest.mark.parametrize("example", SPEC, ids=lambda e: f"{e['section']}-{e['example']}")
def test_commonmark_spec_examples(example: dict) -> None:
    """Lists, list items, emphasis, setext headings, autolinks, hard breaks: as the CommonMark spec says.
    GitHub also links bare URLs (GFM's autolink extension): there the only difference allowed is that link."""
    expected, got = shown(example["html"].rstrip("\n")), ours(example["markdown"])
    if got != expected and re.search(r"https?://|www\.|@", example["markdown"]):
        got, expected = _LINK.sub("", got), _LINK.sub("", expected)
    assert got == expected, example["markdown"]


@pytest.mark.parametrize("name", ["tables.md", "strikethrough.md", "linkify.md"])
def test_gfm_extension_fixtures(name: str) -> None:
    """GFM's tables, strikethrough (GitHub writes it `<del>`) and bare-URL links, on markdown-it's fixtures."""
    failed = []
    for line, title, markdown, expected in read_fixture_file(DATA / "commonmark" / name):
        want = shown(expected.replace("<s>", "<del>").replace("</s>", "</del>"))
        want = _BARE_DOMAIN.sub(r"\1", want)  # GitHub links `www.` and `https://`, not `github.com` alone
        if ours(markdown).rstrip() != want.rstrip():
            failed.append((line, title))
    assert failed == []


# Issue 22's four cases (the payload) and a second case of each class.
@pytest.mark.parametrize(("markdown", "blocks"), [
    # A bullet list right after a paragraph inside an ordered item, indented less than the item's content:
    # the bullets end the ordered list and form a list of their own (GitHub's statement, December 2022).
    ("1. We collect:\n   Data you give us.\n  - If your browser sends a Do Not Track signal\n  - Cookies\n",
     ["ol", "ul"]),
    ("10. Sharing\n    With partners.\n   * Service providers\n   * Authorities\n", ["ol", "ul"]),
], ids=["issue-bullets-under-ordered-item", "two-digit-marker"])
def test_bullets_under_ordered_item_are_a_list(markdown: str, blocks: list[str]) -> None:
    html = ours(markdown)
    assert [tag for tag in re.findall(r"<(ol|ul)[ >]", html)] == blocks
    assert "<li>If your browser sends" in html or "<li>Service providers" in html
    assert "- If" not in html and "* Service" not in html


@pytest.mark.parametrize("markdown", [
    "1.  Introduction\n    ------------\n2.  Information we collect\n",  # LinkedIn's contents list
    "- Your rights\n  ===\n- Contact\n",  # a `=` underline, a bullet item
])
def test_setext_heading_inside_list_item(markdown: str) -> None:
    html = ours(markdown)
    assert re.search(r"<li>\s*<h[12]>(Introduction|Your rights)</h[12]>\s*</li>", html), html
    assert "---" not in html and "===" not in html


@pytest.mark.parametrize(("markdown", "expected"), [
    ("**Know/****Access**", "<p>**Know/**<strong>Access</strong></p>"),
    ("__Right/____Object__", "<p>__Right/__<strong>Object</strong></p>"),
])
def test_adjacent_strong_runs_follow_the_flanking_rules(markdown: str, expected: str) -> None:
    assert ours(markdown).strip() == expected


@pytest.mark.parametrize("markdown", [
    "- access\n- rectification\n  \n- erasure\n",  # spaces only on the separating line
    "1. access\n2. rectification\n\t\n3. erasure\n",  # a tab only
])
def test_items_separated_by_a_whitespace_only_line_make_a_loose_list(markdown: str) -> None:
    """One blank line between any two items makes the whole list loose: every item a paragraph."""
    assert len(re.findall(r"<li>\s*<p>", ours(markdown))) == 3, ours(markdown)


@pytest.mark.parametrize(("markdown", "linked"), [
    ("See reddit.com or www.reddit.com/policy.", ["http://www.reddit.com/policy"]),
    ("Write to dpo@x.com, visit x.ai/privacy or https://x.com/tos.", ["mailto:dpo@x.com", "https://x.com/tos"]),
])
def test_bare_links_as_github_makes_them(markdown: str, linked: list[str]) -> None:
    """GFM's autolink extension: `www.`, `http(s)://` and e-mail addresses become links, a bare domain stays text."""
    assert re.findall(r'href="([^"]*)"', to_html(markdown)) == linked


@pytest.mark.parametrize(("markdown", "href"), [
    ("Δείτε [τις επιλογές σας](#ποιες-είναι-οι-επιλογές-σας).", "#ποιες-είναι-οι-επιλογές-σας"),
    ("[Ελλάδα](https://el.wikipedia.org/wiki/Ελλάδα) [q](#a%22b)", "https://el.wikipedia.org/wiki/Ελλάδα"),
])
def test_links_keep_greek_letters_readable(markdown: str, href: str) -> None:
    """A link to a Greek heading carries the heading's own id (not `%CF%80...`); other escapes stay."""
    html = to_html(markdown)
    assert f'href="{href}"' in html and "%CF" not in html and "%CE" not in html
    assert 'href="#a%22b"' in html or "q]" not in markdown


def test_what_policies_use_still_renders() -> None:
    """Tables with alignment and `<br>` in cells, strikethrough, bare and <...> links, hard breaks and
    `{{ placeholders }}` (replaced before rendering, shown as written if left)."""
    html = to_html("Write to {{ contact_email }}  \nor see https://example.com/a_(b) and <mailto:dpo@example.com>; "
                   "~~old~~ text.\n\n| Data | Kept |\n|:--|--:|\n| Logs<br>IP | 6 months |\n")
    assert "{{ contact_email }}<br>" in html
    assert '<a href="https://example.com/a_(b)">https://example.com/a_(b)</a>' in html
    assert '<a href="mailto:dpo@example.com">' in html and "<del>old</del>" in html
    assert '<td style="text-align:left">Logs<br>IP</td>' in html and '<td style="text-align:right">6 months</td>' in html


@pytest.mark.parametrize("levels", [16, 12])
def test_lists_nested_as_deep_as_check_allows_render_every_level(levels: int) -> None:
    html = to_html("".join("  " * i + f"- level {i}\n" for i in range(levels)))
    assert html.count("<ul>") == levels and f"<li>level {levels - 1}</li>" in html


def test_sanitiser_keeps_our_heading_ids_and_drops_the_editors() -> None:
    html = to_html('## Your rights\n\n<h3 id="evil">Typed</h3>\n\n<p class="x" onclick="y">Text</p>\n')
    assert heading_ids(html) == ["your-rights"]
    assert "onclick" not in html and "class" not in html
    assert stripped_markup('<p class="x" onclick="y">Text</p>\n') == [("p", "`class`, `onclick`", 0)]
    assert stripped_markup('<h3 id="evil">Typed</h3>\n') == [("h3", "`id`", 0)]


def test_blocks_of_new_structures_are_cut_for_comparison() -> None:
    """The block model sees the list that GitHub shows, not a paragraph with dashes in it."""
    keys = [b.key for b in cut(to_html("1. Intro\n\n   Text.\n  - one\n  - two\n"))]
    assert any("one" in k for k in keys) and any("two" in k for k in keys)
    assert not any("- one" in k for k in keys)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the repository")
def test_heading_ids_unchanged_on_the_corpus() -> None:
    """Every heading anchor of every corpus version, as the former renderer gave it (recorded in
    tests/data/corpus_heading_ids.json; its one bug corrected: a backslash-escaped `1\\.` had left the
    character's code in the anchor, `146-when-...` where GitHub has `1-when-...`)."""
    recorded = json.loads((DATA / "corpus_heading_ids.json").read_text(encoding="utf-8"))
    assert len(recorded) == len(list(CORPUS.glob("*/*.md")))
    for name, ids in recorded.items():
        assert heading_ids(unique_ids(to_html((CORPUS / name).read_text(encoding="utf-8")), {})) == ids, name


RIGHTS_EN = ("You may:\n\n1.  Ask:\n    For a copy.\n  - If your browser sends a signal\n  - access\n  \n  - erasure\n\n"
             "**Know/****Access**\n\n1.  Introduction\n    ------------\n")
RIGHTS_EL = ("Μπορείτε:\n\n1.  Να ζητήσετε:\n    Αντίγραφο.\n  - Αν το πρόγραμμα περιήγησής σας στέλνει σήμα\n  - πρόσβαση\n"
             "  \n  - διαγραφή\n\n**Γνώση/****Πρόσβαση**\n\n1.  Εισαγωγή\n    ------------\n")


@pytest.fixture(scope="module")
def built(released_template: PolicyRepo, tmp_path_factory: pytest.TempPathFactory) -> PolicyRepo:
    """The shared two-release policy plus a 1.2 whose rights section has issue 22's four cases, built."""
    repo = copy_repo(released_template, tmp_path_factory.mktemp("commonmark") / "policy-repo")
    repo.section("rights", "Your rights", RIGHTS_EN)
    repo.translate("rights", "Τα δικαιώματά σας", RIGHTS_EL)
    repo.commit("Rights: the four cases")
    repo.release("1.2", "2026-02-01")
    repo.policy("build", "--today", "2026-11-29", "-q")
    return repo


@pytest.mark.parametrize("lang", ["en", "el"])
@pytest.mark.parametrize("page", ["1.2/index.html", "1.2/changes/index.html"])
def test_built_pages_show_no_markdown_syntax(built: PolicyRepo, lang: str, page: str) -> None:
    html = (built.root / "site" / lang / page).read_text(encoding="utf-8")
    article = html[html.index("<article"):html.index("</article>")]
    article = re.sub(r'<span class="visually-hidden">[^<]*</span>|</?(ins|del)\b[^>]*>', "", article)  # change marks
    text = re.sub(r"<[^>]+>", "", article)
    assert not re.search(r"^\s*[-*] \w|-{4,}", text, re.MULTILINE), text
    word = {"en": "Access", "el": "Πρόσβαση"}[lang]
    assert re.search(rf"<strong>(<[^>]+>)*{word}", article), article
    assert re.search(r"<h2[^>]*>(<[^>]+>)*(Introduction|Εισαγωγή)", article), article
