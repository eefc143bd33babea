"""An honest GDPR aid (issue 24 point 4): the table says that cues are found and meaning is not
checked, that a lawyer confirms; and a section records who reviewed an item and when."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import PolicyRepo, copy_repo, make_repo

TEXT = "We do not take decisions based solely on automated processing, including profiling.\n"


def front(repo: PolicyRepo, meta: dict, body: str = TEXT) -> None:
    repo.write("policy/rights.md", "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + body)


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> PolicyRepo:
    repo = make_repo(tmp_path_factory.mktemp("gdpr-review") / "policy-repo")
    front(repo, {"title": "Your rights", "gdpr": ["13.2.f", "13.2.b"],
                 "gdpr_reviewed": {"13.2.f": "A. Lawyer, 2026-11-29", "13.2.b": "Μ. Νομικού, 2026-11-30"}})
    repo.commit("Reviewed")
    repo.policy("build", "--draft", "--out", str(repo.root / "site"), "-q")
    return repo


@pytest.fixture
def edited(reviewed: PolicyRepo, tmp_path: Path) -> PolicyRepo:
    return copy_repo(reviewed, tmp_path / "policy-repo")


@pytest.mark.parametrize("args, said", [
    ((), ("only finds cue words", "does not check what the text means", "A lawyer confirms each item")),
    (("--lang", "el"), ("εντοπίζει λέξεις-ενδείξεις", "δεν ελέγχει το περιεχόμενό του", "την επιβεβαιώνει νομικός")),
])
def test_policy_gdpr_says_cues_are_found_not_meaning(reviewed: PolicyRepo, args: tuple[str, ...], said: tuple[str, ...]) -> None:
    for fmt in ("text", "markdown"):
        out = reviewed.policy("gdpr", "--format", fmt, *args).stdout
        assert all(words in out for words in said), out
    out = reviewed.policy("gdpr", *args).stdout
    assert ("en:cues found" in out) if not args else ("en:υπάρχουν ενδείξεις" in out)
    assert "yes" not in out.split("\n", 2)[2]  # "yes" claimed more than a word match


@pytest.mark.parametrize("item, who", [("13.2.f", "A. Lawyer, 2026-11-29"), ("13.2.b", "Μ. Νομικού, 2026-11-30")])
def test_the_reviewer_and_date_are_shown_for_the_item(reviewed: PolicyRepo, item: str, who: str) -> None:
    rows = {r["item"]: r for r in json.loads(reviewed.policy("gdpr", "--format", "json").stdout)["items"]}
    assert rows[item]["reviewed"] == [who]
    assert rows["13.1.a"]["reviewed"] == []
    line = next(x for x in reviewed.policy("gdpr", "--format", "markdown").stdout.splitlines() if x.startswith("| Art. " + item.replace(".", "(", 1).replace(".", ")(") + ")"))
    assert line.endswith(f"| {who} |")
    assert "| not yet |" in reviewed.policy("gdpr", "--format", "markdown").stdout


@pytest.mark.parametrize("lang, said, column", [
    ("en", "does not check what the text means", "reviewed by a lawyer"),
    ("el", "δεν ελέγχει το περιεχόμενό του", "έλεγχος από νομικό"),
])
def test_the_draft_gdpr_page_says_it_and_shows_the_reviewer(reviewed: PolicyRepo, lang: str, said: str, column: str) -> None:
    page = (reviewed.root / "site" / lang / "draft" / "gdpr" / "index.html").read_text(encoding="utf-8")
    assert said in page and column in page and "A. Lawyer, 2026-11-29" in page


@pytest.mark.parametrize("value, message", [
    (["13.2.f"], "`gdpr_reviewed` maps an item to who reviewed it and when"),
    ({"13.9.z": "A. Lawyer, 2026-11-29"}, "`gdpr_reviewed`: unknown GDPR item(s) '13.9.z'"),
])
def test_a_wrong_review_record_is_named_with_its_line(edited: PolicyRepo, value: object, message: str) -> None:
    front(edited, {"title": "Your rights", "gdpr": ["13.2.f"], "gdpr_reviewed": value})  # key lines: gdpr 2-3, gdpr_reviewed 4
    done = edited.policy("check", check=False)
    assert done.returncode == 1 and f"policy/rights.md:4: {message}" in done.stdout, done.stdout
