"""The diff engine on rendered text: rebuilds (property), structure kept, moves, renames, links."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.blocks import Token, cut
from site_builder.compare.diffing import compare_texts, section_blocks, word_pieces
from site_builder.compare.render import render
from site_builder.markup import to_html
from site_builder.source.content import WorkingTree, load_snapshot
from site_builder.source.models import LanguageText, SectionText
from tests.conftest import PolicyRepo

ROOT = Path(__file__).resolve().parents[1]
REAL, _ = load_snapshot(WorkingTree(ROOT))
TEXTS = {lang: REAL.text(lang) for lang in ("en", "el")}
SYNTAX = re.compile(r"\]\(|\|---|\|\s*:?-{3}|(^|\n)#{1,6} |(^|>)\s*- (?=\w)|\*\*|~~")


def text_of(sections: list[tuple[str, str, str]], lang: str = "en") -> LanguageText:
    return LanguageText(lang, "Policy", tuple(SectionText(sid, title, body, i + 1, "source")
                                              for i, (sid, title, body) in enumerate(sections)))


def rebuilt(sec, side: str) -> list[str]:
    """A section's blocks rebuilt from the pieces: kept + inserted (new) or kept + deleted (old)."""
    if side == "new":
        return [b.new_text for b in sec.blocks if b.status != "removed"]
    return [b.old_text for b in sec.blocks if b.status != "added"]


def rendered_blocks(body: str) -> list[str]:
    return [b.text for b in cut(to_html(body))]


# --- property: random structural edits in both languages ---------------------------------

WORDS = {"en": ["data", "privacy", "consent", "the", "we", "your", "(GDPR)", "controller", "e-mail,", "retention"],
         "el": ["δεδομένα", "ιδιωτικότητα", "συγκατάθεση", "τα", "μας", "σας", "(ΓΚΠΔ)", "υπεύθυνος", "ταχυδρομείο,", "διατήρηση"]}


@st.composite
def body(draw, lang: str) -> str:
    """Markdown a real policy has: paragraphs, lists (nested), tables, links, emphasis, comments."""
    words = st.lists(st.sampled_from(WORDS[lang]), min_size=1, max_size=9).map(" ".join)
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["para", "list", "nested", "table", "link", "comment", "heading"]))
        w = draw(words)
        if kind == "para":
            parts.append(w + ".")
        elif kind == "list":
            parts.append("Intro:\n" + "".join(f"- {draw(words)}\n" for _ in range(draw(st.integers(1, 4)))))
        elif kind == "nested":
            parts.append(f"- {w}\n  - {draw(words)}\n  - {draw(words)}\n- {draw(words)}\n")
        elif kind == "table":
            parts.append(f"| a | b |\n|---|:-:|\n| {w} | {draw(words)}<br>{draw(words)} |\n| | {draw(words)} |\n")
        elif kind == "link":
            target = draw(st.sampled_from(["https://a.example/x", "https://b.example/(y)", "#rights", "mailto:dpo@example.com"]))
            parts.append(f"See [{w}]({target}) and **{draw(words)}**.")
        elif kind == "comment":
            parts.append(f"{w} <!-- {draw(words)} -->")
        else:
            parts.append(f"### {w}")
    return "\n\n".join(parts) + "\n"


@st.composite
def policy_pair(draw):
    lang = draw(st.sampled_from(["en", "el"]))
    ids = [f"s{i}" for i in range(draw(st.integers(1, 6)))]
    old = [(sid, f"Title {sid}", draw(body(lang))) for sid in ids]
    new = list(old)
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["add", "remove", "rename", "reorder", "edit", "move", "retitle"]))
        if action == "add":
            new.insert(draw(st.integers(0, len(new))), (f"n{len(new)}{draw(st.integers(0, 99))}", "New", draw(body(lang))))
        elif action == "remove" and new:
            new.pop(draw(st.integers(0, len(new) - 1)))
        elif action == "rename" and new:
            i = draw(st.integers(0, len(new) - 1))
            new[i] = (new[i][0] + "-renamed", *new[i][1:])
        elif action == "reorder" and len(new) > 1:
            new = draw(st.permutations(new))
        elif action == "edit" and new:
            i = draw(st.integers(0, len(new) - 1))
            new[i] = (new[i][0], new[i][1], draw(body(lang)))
        elif action == "move" and len(new) > 1:
            i, j = draw(st.integers(0, len(new) - 1)), draw(st.integers(0, len(new) - 1))
            paragraphs = new[i][2].split("\n\n")
            moved = paragraphs.pop(0)
            new[i] = (new[i][0], new[i][1], "\n\n".join(paragraphs) or "Nothing left.\n")
            new[j] = (new[j][0], new[j][1], new[j][2] + "\n" + moved + "\n")
        elif action == "retitle" and new:
            i = draw(st.integers(0, len(new) - 1))
            new[i] = (new[i][0], "Retitled", new[i][2])
    ids_seen: set[str] = set()
    new = [s for s in new if not (s[0] in ids_seen or ids_seen.add(s[0]))]
    return text_of(old, lang), text_of(new, lang)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(policy_pair())
def test_any_structural_edit_rebuilds_both_rendered_texts(pair) -> None:
    old, new = pair
    changes = compare_texts(old, new, from_label="a", to_label="b")
    olds = {s.id: s for s in old.sections}
    for sec in changes.sections:
        if sec.status != "removed":
            assert rebuilt(sec, "new") == rendered_blocks(new.section(sec.id).body)
        if sec.status != "added":
            before = olds[sec.renamed_from or sec.id]
            assert rebuilt(sec, "old") == rendered_blocks(before.body)
    for fmt in ("text", "markdown", "json", "html"):
        render(changes, fmt)
    page = render(changes, "html")
    assert not SYNTAX.search(re.sub(r"<[^>]+>", "", page).replace("&gt;", ">")), page


@given(st.text(alphabet="ab δά.,\n-*#", max_size=60), st.text(alphabet="ab δά.,\n-*#", max_size=60))
def test_word_pieces_rebuild_any_text(old: str, new: str) -> None:
    a = [Token(x, ()) for x in re.findall(r"\w+\s*|[^\w\s]\s*|\s+", old)]
    b = [Token(x, ()) for x in re.findall(r"\w+\s*|[^\w\s]\s*|\s+", new)]
    pieces = word_pieces(a, b)
    assert "".join(p.text for p in pieces if p.op in "=+") == new
    assert "".join(p.old_text if p.op == "=" else p.text for p in pieces if p.op in "=-") == old


# --- behaviour a reader notices --------------------------------------------------------------


def one_section(old: str, new: str, lang: str = "en"):
    changes = compare_texts(text_of([("s", "S", old)], lang), text_of([("s", "S", new)], lang), from_label="a", to_label="b")
    return changes, changes.sections[0]


def marked(sec) -> list[tuple[str, str]]:
    return [(p.op, p.text.strip()) for b in sec.blocks for p in b.pieces if p.op != "="]


def test_greek_words_are_whole_tokens() -> None:
    _, sec = one_section("Τα δεδομένα σας, όπως ορίζει ο νόμος.\n", "Τα στοιχεία σας, όπως ορίζει ο νόμος.\n", "el")
    assert marked(sec) == [("-", "δεδομένα"), ("+", "στοιχεία")]


def test_reflow_only_is_no_change() -> None:
    old = TEXTS["en"]
    sec = old.section("data-security")
    wrapped = sec.body.replace(". ", ".\n", 3)
    new = LanguageText("en", old.title, tuple(replace(s, body=wrapped) if s.id == sec.id else s for s in old.sections))
    changes = compare_texts(old, new, from_label="a", to_label="b")
    assert changes.touched == ()
    assert changes.totals()["words_inserted"] == 0


def test_list_edit_stays_a_list() -> None:
    old = TEXTS["en"]
    sec = old.section("scope")
    body = sec.body.replace("- visitors to our site;\n", "- visitors to our site;\n- job applicants;\n")
    new = LanguageText("en", old.title, tuple(replace(s, body=body) if s.id == sec.id else s for s in old.sections))
    changes = compare_texts(old, new, from_label="a", to_label="b")
    edited = [b for b in changes.touched[0].blocks if b.status != "unchanged"]
    assert [(b.kind, b.status) for b in edited] == [("item", "added")]
    html = render(changes, "html")
    assert re.search(r'<li class="policy-block--added"><ins><span class="visually-hidden">inserted: </span>job applicants;</ins></li>', html)
    assert "- job" not in html and html.count("<ul>") == 1


def test_table_link_and_autolink_changes_show_no_markdown() -> None:
    old = ("| Purpose | Basis |\n|---|---|\n| Marketing | [consent](https://a.example/consent) |\n| Support | contract |\n\n"
           "Read [GitHub's Notice about the U.S. rules](https://github.com/notice) or <https://old.example/x>.\n")
    new = ("| Purpose | Basis |\n|---|---|\n| Marketing | [your consent](https://a.example/consent) |\n| Support | contract |\n"
           "| Tax | law |\n\nRead [GitHub's Notice about U.S. rules](https://github.com/notice) or <https://new.example/x>.\n")
    changes, sec = one_section(old, new)
    html = render(changes, "html")
    text = re.sub(r"<[^>]+>", "", html)
    assert "](" not in text and "|---" not in text and "<https" not in html
    assert html.count("<table>") == 1 and "<td" in html
    assert re.search(r'<a href="https://a.example/consent"><ins><span class="visually-hidden">inserted: </span>your</ins> consent</a>', html)
    assert re.search(r'<a href="https://github.com/notice">GitHub&#x27;s Notice about <del>|<a href="https://github.com/notice">GitHub\'s Notice about <del>', html)
    # An address that is in neither version never appears.
    hrefs = set(re.findall(r'href="([^"]+)"', html))
    assert hrefs <= {"https://a.example/consent", "https://github.com/notice", "https://old.example/x", "https://new.example/x"}


def test_a_changed_link_target_is_shown_with_both_addresses() -> None:
    changes, sec = one_section("See [our terms](https://a.example/old).\n", "See [our terms](https://a.example/new).\n")
    assert sec.status == "changed"
    (block,) = [b for b in sec.blocks if b.status == "changed"]
    assert [(c.text, c.old, c.new) for c in block.links] == [("our terms", "https://a.example/old", "https://a.example/new")]
    html = render(changes, "html")
    assert "now leads to https://a.example/new (was https://a.example/old)" in html
    assert json.loads(render(changes, "json"))["sections"][0]["blocks"][0]["links"][0]["new"] == "https://a.example/new"


def test_html_comments_are_ignored_everywhere() -> None:
    changes, sec = one_section("We keep logs. <!-- review in 2025 -->\n", "We keep logs. <!-- reviewed in 2026 -->\n")
    assert changes.touched == ()
    assert changes.totals()["words_inserted"] == changes.totals()["words_deleted"] == 0


def test_two_added_two_removed_and_a_renamed_id_never_crash() -> None:
    base = [("intro", "Intro", "We respect your privacy.\n"), ("old-a", "A", "Text of section a, long enough to know.\n"),
            ("old-b", "B", "Another text entirely about cookies.\n"), ("rights", "Rights", "You may ask for a copy of your data.\n")]
    new = [("intro", "Intro", "We respect your privacy.\n"), ("cookies", "Cookies", "We use one cookie.\n"),
           ("marketing", "Marketing", "We send newsletters only with consent.\n"),
           ("your-rights", "Rights", "You may ask for a copy of your data.\n")]
    changes = compare_texts(text_of(base), text_of(new), from_label="a", to_label="b")
    by_id = {s.id: s for s in changes.sections}
    assert by_id["cookies"].status == by_id["marketing"].status == "added"
    assert by_id["old-a"].status == by_id["old-b"].status == "removed"
    assert by_id["your-rights"].renamed_from == "rights" and by_id["your-rights"].status == "unchanged"
    assert "rights" not in by_id and changes.totals()["sections_renamed"] == 1
    assert "links to #rights now lead here" in render(changes, "html")


def test_text_moved_between_sections_is_a_move_on_both_sides() -> None:
    moving = "We keep server logs for six months and then delete them for good."
    old = [("security", "Security", f"We encrypt data.\n\n{moving}\n"), ("retention", "Retention", "We keep data briefly.\n")]
    new = [("security", "Security", "We encrypt data.\n"), ("retention", "Retention", f"We keep data briefly.\n\n{moving}\n")]
    for lang, (to_word, from_word) in (("en", ("moved to 2. Retention", "moved from 1. Security")),
                                       ("el", ("μεταφέρθηκε στην ενότητα 2. Retention", "μεταφέρθηκε από την ενότητα 1. Security"))):
        changes = compare_texts(text_of(old, lang), text_of(new, lang), from_label="a", to_label="b")
        by_id = {s.id: s for s in changes.sections}
        assert [(b.moved, b.moved_section) for b in by_id["security"].blocks if b.status == "removed"] == [("to", "retention")]
        assert [(b.moved, b.moved_section) for b in by_id["retention"].blocks if b.status == "added"] == [("from", "security")]
        html = render(changes, "html")
        assert to_word in html and from_word in html
        assert changes.totals()["words_deleted"] == 0 and changes.totals()["words_inserted"] == 0
        assert changes.totals()["blocks_moved"] == 1


def test_short_coincidental_words_are_folded_but_real_kept_words_stay() -> None:
    _, sec = one_section("You can send the form to us by post or by e-mail.\n",
                         "You can send a request to our officer by post or by e-mail.\n")
    assert marked(sec) == [("-", "the form to us"), ("+", "a request to our officer")]  # "to" alone is folded in
    _, sec = one_section("The quick brown fox jumps.\n", "The slow brown cat jumps.\n")
    assert marked(sec) == [("-", "quick"), ("+", "slow"), ("-", "fox"), ("+", "cat")]


def test_a_long_paragraph_is_compared_in_linear_time() -> None:
    words = [f"word{i}" for i in range(20_000)]
    edited = list(words)
    for k in range(0, 20_000, 200):
        edited[k] = f"changed{k}"
    _, sec = one_section(" ".join(words) + "\n", " ".join(edited) + "\n")
    assert sec.words_inserted == sec.words_deleted == 100


def test_every_rendering_agrees_on_the_counts() -> None:
    old, new = TEXTS["en"], replace(TEXTS["en"], sections=TEXTS["en"].sections[:-1])
    changes = compare_texts(old, new, from_label="a", to_label="b")
    tot = changes.totals()
    data = json.loads(render(changes, "json"))
    assert data["totals"] == tot
    assert f"{tot['sections_touched']} section(s) touched, {tot['words_inserted']} word(s) inserted, {tot['words_deleted']} deleted" in render(changes, "text")
    assert sum(s["words_deleted"] for s in data["sections"]) == tot["words_deleted"]


def test_real_policy_blocks_are_the_rendered_ones() -> None:
    for sec in TEXTS["el"].sections:
        assert [b.key for b in section_blocks(sec.body)] == [b.key for b in cut(to_html(sec.body))]


# --- through the command ---------------------------------------------------------------------


def _diff_json(repo: PolicyRepo, *args: str) -> dict:
    return json.loads(repo.policy("diff", *args, "--format", "json").stdout)


def test_each_kind_of_section_change(released: PolicyRepo) -> None:
    repo = released
    repo.write("policy/policy.yml", repo.read("policy/policy.yml").replace("  - collection\n  - rights\n", "  - rights\n  - cookies\n  - marketing\n"))
    repo.section("cookies", "Cookies", "We use no tracking cookies.\n")
    repo.section("marketing", "Marketing", "We send newsletters only with your consent.\n")
    repo.section("rights", "Your data protection rights", "You may ask for a copy of your data at any time.\n")
    (repo.root / "policy/collection.md").unlink()
    (repo.root / "translations/el/collection.md").unlink()
    data = _diff_json(repo)  # last release -> draft
    by_id = {s["id"]: s for s in data["sections"]}
    assert (data["from"], data["to"], data["schema"]) == ("1.1", "draft", "policy-changes/2")
    assert by_id["cookies"]["status"] == by_id["marketing"]["status"] == "added"
    assert by_id["collection"]["status"] == "removed"
    assert by_id["rights"]["retitled"] and by_id["rights"]["old_title"] == "Your rights"
    assert by_id["rights"]["status"] == "changed" and by_id["rights"]["words_deleted"] >= 3
    assert data["totals"]["sections_added"] == 2 and data["totals"]["sections_removed"] == 1


def test_two_new_sections_release_and_build(released: PolicyRepo, tmp_path: Path) -> None:
    """The reproduction: two sections added at once once crashed diff, build and notify for ever."""
    repo = released
    repo.write("policy/policy.yml", repo.read("policy/policy.yml") + "  - cookies\n  - marketing\n")
    for sid, title in (("cookies", "Cookies"), ("marketing", "Marketing")):
        repo.section(sid, title, f"About {sid}: we ask first.\n")
        repo.translate(sid, title, f"Σχετικά με {sid}: ρωτάμε πρώτα.\n")
    assert "2 section(s) touched" in repo.policy("diff").stdout
    repo.commit("Two sections")
    repo.release("1.2", "2025-09-01")
    repo.policy("build", "--out", str(tmp_path / "site"), "--today", "2025-10-01")
    page = (tmp_path / "site/en/1.2/changes/index.html").read_text()
    assert "About cookies" in page and "About marketing" in page
    repo.policy("notify", "1.2", "--out", str(tmp_path / "notices"))


def test_moved_section(released: PolicyRepo) -> None:
    repo = released
    repo.write("policy/policy.yml", repo.read("policy/policy.yml").replace("  - intro\n  - collection\n  - rights\n", "  - intro\n  - rights\n  - collection\n"))
    data = _diff_json(repo, "1.1")
    moved = [s["id"] for s in data["sections"] if s["moved"]]
    assert len(moved) == 1 and moved[0] in ("rights", "collection")
    assert all(s["status"] == "unchanged" for s in data["sections"])


def test_between_releases_and_text_format(released: PolicyRepo) -> None:
    out = released.policy("diff", "1.0", "1.1").stdout
    assert "== 2. Your rights [Changed] #rights" in out
    assert "{+at any time+}" in out
    greek = released.policy("diff", "1.0", "1.1", "--lang", "el").stdout
    assert "{+οποτεδήποτε+}" in greek


def test_greek_diff_says_translation_pending(released: PolicyRepo) -> None:
    released.section("collection", "What we collect", "We collect your name only.\n")
    data = _diff_json(released, "1.1", "draft", "--lang", "el")
    pending = [s for s in data["sections"] if s["translation_pending"]]
    assert [s["id"] for s in pending] == ["collection"]
    md = released.policy("diff", "--lang", "el", "--format", "markdown").stdout
    assert "η ελληνική απόδοση θα ακολουθήσει" in md


def test_unknown_version_lists_known(released: PolicyRepo) -> None:
    done = released.policy("diff", "9.9", check=False)
    assert done.returncode == 1
    assert "unknown version or revision '9.9'; known versions: 1.0, 1.1" in done.stderr


def test_no_release_yet_is_explained(repo: PolicyRepo) -> None:
    done = repo.policy("diff", check=False)
    assert done.returncode == 1 and "there is no release yet" in done.stderr


def test_html_hides_markdown_and_labels_changes(released: PolicyRepo) -> None:
    released.section("collection", "What we collect", "We collect your **full** name.\n\n- Contact data.\n")
    html = released.policy("diff", "--format", "html").stdout
    assert '<strong><ins><span class="visually-hidden">inserted: </span>full</ins></strong>' in html and "**" not in html
    assert '<span class="visually-hidden">inserted: </span>' in html
    assert "<del>" in html and "Usage data." in html


def test_diff_and_notify_refuse_a_shallow_clone(released: PolicyRepo, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    released.git("clone", "-q", "--depth", "1", f"file://{released.root}", str(clone))
    shallow = PolicyRepo(clone)
    for args in (("diff", "1.0", "1.1"), ("notify", "1.1", "--out", str(tmp_path / "n")), ("build", "--out", str(tmp_path / "s"))):
        done = shallow.policy(*args, check=False)
        assert done.returncode == 1, args
        assert "shallow clone" in done.stderr and "git fetch --unshallow" in done.stderr, done.stderr


def test_diff_and_notify_refuse_an_amended_release(released: PolicyRepo, tmp_path: Path) -> None:
    released.section("rights", "Your rights", "Amended after the release.\n")
    released.git("commit", "-q", "-a", "--amend", "--no-edit")
    for args in (("diff", "1.0", "1.1"), ("notify", "1.1", "--out", str(tmp_path / "n"))):
        done = released.policy(*args, check=False)
        assert done.returncode == 1 and "release 1.1" in done.stderr and "content_hash" in done.stderr, done.stderr
