"""The short first layer (issue 24 point 2): a one-line `summary` per section and language, a
"Key points" table at the top of a version page, a warning for a section without one once any
section has one, and the changes page saying when a key point changed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import PolicyRepo, copy_repo, make_released

POINTS = {
    "intro": ("Who we are and what this policy covers.", "Ποιοι είμαστε και τι καλύπτει η παρούσα Πολιτική."),
    "collection": ("We collect your name and e-mail address.", "Συλλέγουμε το ονοματεπώνυμο και τη διεύθυνση ηλεκτρονικού ταχυδρομείου σας."),
    "rights": ("You may ask for a copy of your data at any time.", "Μπορείτε να ζητήσετε οποτεδήποτε αντίγραφο των δεδομένων σας."),
}


def with_summary(repo: PolicyRepo, path: str, summary: str | None) -> None:
    """Add (or, with None, remove) the `summary` line of a section file's front matter."""
    lines = [line for line in repo.read(path).split("\n") if not line.startswith("summary:")]
    if summary is not None:
        lines.insert(2, "summary: " + json.dumps(summary, ensure_ascii=False))
    repo.write(path, "\n".join(lines))


def summarise(repo: PolicyRepo, points: dict[str, tuple[str, str]]) -> None:
    for sid, (en, el) in points.items():
        with_summary(repo, f"policy/{sid}.md", en)
        with_summary(repo, f"translations/el/{sid}.md", el)


def text(html_text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html_text))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1.0 and 1.1 without key points; 1.2 adds them; 1.3 changes one (both languages). Built once."""
    repo = make_released(tmp_path_factory.mktemp("key-points") / "policy-repo")
    summarise(repo, POINTS)
    repo.commit("Key points")
    repo.release("1.2", "2025-09-01")
    summarise(repo, {"rights": ("You may ask for a copy or the erasure of your data.",
                                "Μπορείτε να ζητήσετε αντίγραφο ή διαγραφή των δεδομένων σας.")})
    repo.commit("Rights key point: erasure")
    repo.release("1.3", "2025-10-01")
    out = repo.root / "site"
    repo.policy("build", "--out", str(out), "--today", "2025-12-01", "-q")
    return out


def page(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang, caption, column", [("en", "Key points", "In short"), ("el", "Τα βασικά σημεία", "Με λίγα λόγια")])
def test_a_version_page_opens_with_the_key_points_linked_to_their_sections(site: Path, lang: str, caption: str, column: str) -> None:
    html_text = page(site, f"{lang}/1.2")
    table = html_text[html_text.index('<table class="policy-key-points"'):]
    table = table[:table.index("</table>")]
    assert caption in table and column in table
    for sid, points in POINTS.items():
        assert f'href="#{sid}"' in table and points[lang == "el"] in table
        assert f'id="{sid}"' in html_text  # the link leads to the section
    assert html_text.index("policy-key-points") < html_text.index('id="intro"')  # before the full text


def test_a_version_without_key_points_has_no_table(site: Path) -> None:
    assert "policy-key-points" not in page(site, "en/1.1") and "policy-key-points" not in page(site, "el/1.1")


@pytest.mark.parametrize("lang, new", [("en", "New: the full text now opens with the key points"),
                                       ("el", "Νέο: το πλήρες κείμενο αρχίζει πλέον με τα βασικά σημεία")])
def test_the_first_version_with_key_points_says_so_in_one_line(site: Path, lang: str, new: str) -> None:
    body = text(page(site, f"{lang}/1.2/changes"))
    assert new in body and "Key points that change" not in body


@pytest.mark.parametrize("lang, head, now, was", [
    ("en", "Key points that change in this version:", "You may ask for a copy or the erasure of your data.",
     "was: You may ask for a copy of your data at any time."),
    ("el", "Βασικά σημεία που μεταβάλλονται με την παρούσα έκδοση:", "Μπορείτε να ζητήσετε αντίγραφο ή διαγραφή των δεδομένων σας.",
     "πρώην: Μπορείτε να ζητήσετε οποτεδήποτε αντίγραφο των δεδομένων σας.")])
def test_the_changes_page_says_which_key_point_changed(site: Path, lang: str, head: str, now: str, was: str) -> None:
    html_text = page(site, f"{lang}/1.3/changes")
    block = html_text[html_text.index('class="policy-key-point-changes"'):]
    block = text(block[:block.index("</div>")])
    assert head in block and now in block and was in block
    assert POINTS["collection"][lang == "el"] not in block  # unchanged key points are not listed


@pytest.fixture(scope="module")
def summarised(tmp_path_factory: pytest.TempPathFactory) -> PolicyRepo:
    from tests.conftest import make_repo

    repo = make_repo(tmp_path_factory.mktemp("summarised") / "policy-repo")
    summarise(repo, POINTS)
    repo.commit("Key points")
    return repo


@pytest.fixture
def edited(summarised: PolicyRepo, tmp_path: Path) -> PolicyRepo:
    return copy_repo(summarised, tmp_path / "policy-repo")


def test_every_key_point_present_is_clean(edited: PolicyRepo) -> None:
    done = edited.policy("check", "--strict", check=False)
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize("path, expected", [
    ("policy/rights.md", "policy/rights.md:2: warning: no key point: other sections have one"),
    ("translations/el/collection.md", "translations/el/collection.md:2: warning: no key point in `el`"),
])
def test_a_section_without_a_key_point_is_named_once_others_have_one(edited: PolicyRepo, path: str, expected: str) -> None:
    with_summary(edited, path, None)
    done = edited.policy("check", check=False)
    assert done.returncode == 0 and expected in done.stdout
    assert done.stdout.count("no key point") == 1
    assert edited.policy("check", "--strict", check=False).returncode == 1


def test_no_key_point_anywhere_asks_for_none(repo: PolicyRepo) -> None:
    assert "key point" not in repo.policy("check").stdout


@pytest.mark.parametrize("line, shown", [
    ("summary: [one, two]", "a list"),
    ("summary: |\n  First line.\n  Second line.", "text"),
])
def test_a_key_point_that_is_not_one_line_is_an_error(edited: PolicyRepo, line: str, shown: str) -> None:
    source = edited.read("policy/intro.md").split("\n")
    source = [x for x in source if not x.startswith("summary:")]
    source.insert(2, line)
    edited.write("policy/intro.md", "\n".join(source))
    done = edited.policy("check", check=False)
    assert done.returncode == 1
    assert "policy/intro.md:3: `summary` must be one line of text" in done.stdout, done.stdout
    assert shown in done.stdout


def test_this_policy_has_a_short_key_point_for_every_section_in_both_languages() -> None:
    from site_builder.source.content import WorkingTree, load_snapshot

    snapshot, _ = load_snapshot(WorkingTree(Path(__file__).resolve().parents[1]))
    assert snapshot is not None
    for lang in ("en", "el"):
        points = {sec.id: sec.summary for sec in snapshot.text(lang).sections}
        assert all(points.values()), [sid for sid, point in points.items() if not point]
        assert all(len(point.split()) <= 30 for point in points.values())  # one line, not a paragraph
        if lang == "el":
            assert all(re.search("[α-ω]", point) for point in points.values())  # Greek, not the English fallback


def test_a_changed_key_point_makes_the_marked_translation_stale(tmp_path: Path) -> None:
    """A translation follows its English section's key point as it follows its text: marked with the
    key point, it turns stale when only the English key point changes. A mark made before key points
    counted (the fingerprint of title and text alone) stays valid, so no published Greek text turns
    English; marking it again brings it under the rule."""
    repo = make_released(tmp_path / "policy-repo")
    summarise(repo, POINTS)

    def states() -> dict[str, str]:
        rows = json.loads(repo.policy("translations", "--json").stdout)
        return {row["section"]: row["state"] for row in rows}

    assert states() == {"intro": "ok", "collection": "ok", "rights": "ok"}  # marked before the key points
    repo.policy("translations", "mark", "el", "rights", "intro")
    with_summary(repo, "policy/rights.md", "You may ask for a copy or the erasure of your data.")
    assert states() == {"intro": "ok", "collection": "ok", "rights": "stale"}
    checked = repo.policy("check", check=False)
    assert "translations/el/rights.md" in checked.stdout + checked.stderr
    refused = repo.policy("release", "1.2", "--effective", "2025-09-01", "--kind", "minor", "--summary-en", "Key points.",
                          "--summary-el", "Βασικά σημεία.", check=False)
    assert refused.returncode != 0 and "rights" in refused.stdout + refused.stderr
    with_summary(repo, "translations/el/rights.md", "Μπορείτε να ζητήσετε αντίγραφο ή διαγραφή των δεδομένων σας.")
    repo.policy("translations", "mark", "el", "rights")
    assert states() == {"intro": "ok", "collection": "ok", "rights": "ok"}
    with_summary(repo, "policy/intro.md", None)  # a key point removed is a change too
    assert states()["intro"] == "stale"


@pytest.mark.parametrize("lang", ["en", "el"])
def test_changes_json_lists_the_key_points_that_changed(site: Path, lang: str) -> None:
    """The changes page says which key points changed and how they read before; so does changes.json."""
    def key_points(version: str) -> list[dict]:
        return json.loads((site / lang / version / "changes.json").read_text(encoding="utf-8"))["key_points"]

    column = 0 if lang == "en" else 1
    assert key_points("1.2") == [{"id": sid, "old": None, "new": POINTS[sid][column]} for sid in POINTS]
    erasure = ("You may ask for a copy or the erasure of your data.", "Μπορείτε να ζητήσετε αντίγραφο ή διαγραφή των δεδομένων σας.")
    assert key_points("1.3") == [{"id": "rights", "old": POINTS["rights"][column], "new": erasure[column]}]
    assert key_points("1.1") == []
