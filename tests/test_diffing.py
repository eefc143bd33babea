"""The diff engine: exact rebuilds (property), each kind of change, lists, Greek, reflow."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.content import WorkingTree, load_snapshot
from site_builder.compare.diffing import compare_texts, word_diff
from site_builder.compare.render import render
from site_builder.models import LanguageText
from tests.conftest import PolicyRepo

ROOT = Path(__file__).resolve().parents[1]
REAL, _ = load_snapshot(WorkingTree(ROOT))
TEXTS = {lang: REAL.text(lang) for lang in ("en", "el")}


def rebuild(changes, side: str, section_id: str) -> str:
    sec = next(s for s in changes.sections if s.id == section_id)
    keep = "+" if side == "new" else "-"
    return "".join((p.text if side == "new" else p.old_text) if p.op == "=" else p.text
                   for b in sec.blocks for p in b.pieces if p.op in ("=", keep))


@st.composite
def edited_text(draw, lang: str):
    """The real policy with random word edits: deletions, insertions, replacements, re-wrapping."""
    base = TEXTS[lang]
    index = draw(st.integers(0, len(base.sections) - 1))
    sec = base.sections[index]
    words = sec.body.split(" ")
    pool = st.sampled_from(["data", "δεδομένα", "Ενημέρωση,", "privacy", "(GDPR)", "όπως", "\n", "- item", "\n\n", "ά", "**bold**"])
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, max(0, len(words) - 1)))
        action = draw(st.sampled_from(["delete", "insert", "replace", "wrap"]))
        if action == "delete" and len(words) > 1:
            words.pop(pos)
        elif action == "insert":
            words.insert(pos, draw(pool))
        elif action == "replace":
            words[pos] = draw(pool)
        else:
            words[pos] = words[pos] + "\n"
    body = " ".join(words)
    sections = list(base.sections)
    sections[index] = replace(sec, body=body)
    return LanguageText(lang, base.title, tuple(sections)), sec.id


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), lang=st.sampled_from(["en", "el"]))
def test_pieces_rebuild_both_texts_exactly(data, lang: str) -> None:
    new, section_id = data.draw(edited_text(lang))
    old = TEXTS[lang]
    changes = compare_texts(old, new, from_label="a", to_label="b")
    assert rebuild(changes, "new", section_id) == new.section(section_id).body
    assert rebuild(changes, "old", section_id) == old.section(section_id).body
    forward = compare_texts(new, old, from_label="b", to_label="a")
    assert rebuild(forward, "new", section_id) == old.section(section_id).body


@given(st.text(alphabet="ab δά.,\n-*#", max_size=60), st.text(alphabet="ab δά.,\n-*#", max_size=60))
def test_word_diff_rebuilds_any_text(old: str, new: str) -> None:
    pieces = word_diff(old, new)
    assert "".join(p.text for p in pieces if p.op in "=+") == new
    assert "".join(p.old_text if p.op == "=" else p.text for p in pieces if p.op in "=-") == old


def test_greek_words_are_whole_tokens() -> None:
    pieces = word_diff("Τα δεδομένα σας, όπως ορίζει ο νόμος.", "Τα στοιχεία σας, όπως ορίζει ο νόμος.")
    changed = [(p.op, p.text.strip()) for p in pieces if p.op != "="]
    assert changed == [("-", "δεδομένα"), ("+", "στοιχεία")]


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
    body = sec.body.replace("- Visitors to our site.\n", "- Visitors to our site.\n- Job applicants.\n")
    new = LanguageText("en", old.title, tuple(replace(s, body=body) if s.id == sec.id else s for s in old.sections))
    change = next(s for s in compare_texts(old, new, from_label="a", to_label="b").touched)
    edited = [b for b in change.blocks if b.status != "unchanged"]
    assert [(b.kind, b.status) for b in edited] == [("item", "added")]
    html = render(compare_texts(old, new, from_label="a", to_label="b"), "html")
    assert "<li><ins>" in html and "Job applicants." in html and "- Job" not in html


def _diff_json(repo: PolicyRepo, *args: str) -> dict:
    return json.loads(repo.policy("diff", *args, "--format", "json").stdout)


def test_each_kind_of_section_change(released: PolicyRepo) -> None:
    repo = released
    repo.write("policy/policy.yml", repo.read("policy/policy.yml").replace("  - collection\n  - rights\n", "  - rights\n  - cookies\n"))
    repo.section("cookies", "Cookies", "We use no tracking cookies.\n")
    repo.section("rights", "Your data protection rights", "You may ask for a copy of your data at any time.\n")
    (repo.root / "policy/collection.md").unlink()
    data = _diff_json(repo)  # last release -> draft
    by_id = {s["id"]: s for s in data["sections"]}
    assert (data["from"], data["to"]) == ("1.1", "draft")
    assert by_id["cookies"]["status"] == "added"
    assert by_id["collection"]["status"] == "removed"
    assert by_id["rights"]["retitled"] and by_id["rights"]["old_title"] == "Your rights"
    assert by_id["rights"]["status"] == "changed" and by_id["rights"]["words_deleted"] >= 3
    assert data["totals"]["sections_added"] == 1 and data["totals"]["sections_removed"] == 1


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
    assert "εκκρεμεί" in md


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
    assert "<strong>full</strong>" in html and "**" not in html
    assert '<span class="visually-hidden">inserted: </span>' in html
    assert "<del>" in html and "Usage data." in html
