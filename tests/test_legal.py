"""Legal editors' tools: GDPR Art. 13/14 coverage, the promised notice period, the prevailing
language, summaries that match the change; and this repository's own policy passing them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import yaml

from tests.conftest import PolicyRepo

ROOT = Path(__file__).resolve().parents[1]


def front(repo: PolicyRepo, sid: str, title: str, body: str, gdpr: list[str]) -> None:
    repo.write(f"policy/{sid}.md", "---\n" + yaml.safe_dump({"title": title, "gdpr": gdpr}, allow_unicode=True) + "---\n" + body)


def test_an_item_missing_in_greek_only_is_flagged_and_strict_fails(repo: PolicyRepo) -> None:
    text = "We do not take decisions based solely on automated processing, including profiling.\n"
    front(repo, "rights", "Your rights", text, ["13.2.f"])
    repo.translate("rights", "Τα δικαιώματά σας", "Δεν λαμβάνουμε αποφάσεις.\n")  # says nothing of automation
    done = repo.policy("check", check=False)
    assert done.returncode == 0
    assert ("translations/el/rights.md:1: warning: GDPR Art. 13(2)(f) (Αυτοματοποιημένη λήψη αποφάσεων, "
            "συμπεριλαμβανομένης της κατάρτισης προφίλ) is declared in rights but its el text does not say it") in done.stdout
    assert "policy/rights.md:1: warning: GDPR Art. 13(2)(f)" not in done.stdout  # the English says it
    assert "GDPR Art. 13(1)(a) (Identity and contact details of the controller) is covered by no section" in done.stdout
    assert repo.policy("check", "--strict", check=False).returncode == 1
    table = json.loads(repo.policy("gdpr", "--format", "json").stdout)
    row = next(r for r in table["items"] if r["item"] == "13.2.f")
    assert row["sections"] == ["rights"] and row["languages"] == {"en": True, "el": False}
    assert "| Art. 13(2)(f) |" in repo.policy("gdpr", "--format", "markdown").stdout


def test_an_unknown_item_is_an_error(repo: PolicyRepo) -> None:
    front(repo, "rights", "Your rights", "Text.\n", ["13.9.z"])
    done = repo.policy("check", check=False)
    assert done.returncode == 1 and "policy/rights.md:2: unknown GDPR item(s) '13.9.z'" in done.stdout


def test_this_policy_covers_every_item_in_both_languages() -> None:
    from site_builder.source.content import WorkingTree, load_snapshot
    from site_builder.source.gdpr import coverage

    snap, _ = load_snapshot(WorkingTree(ROOT))
    assert snap is not None
    missing = [(row.item, lang) for row in coverage(snap) for lang, shown in row.languages.items() if not shown]
    assert missing == []
    assert all(row.sections for row in coverage(snap))


def _material(repo: PolicyRepo, effective: str, *extra: str, check: bool = True):
    if "notice_days" not in repo.read("policy/policy.yml"):
        repo.write("policy/policy.yml", repo.read("policy/policy.yml").replace("title: Privacy Policy\n", "title: Privacy Policy\nnotice_days: 30\n", 1))
    repo.section("rights", "Your rights", "You may object at any time.\n")
    repo.translate("rights", "Τα δικαιώματά σας", "Μπορείτε να αντιταχθείτε οποτεδήποτε.\n")
    return repo.policy("release", "2.0", "--effective", effective, "--kind", "material", "--summary-en", "Objection.",
                       "--summary-el", "Εναντίωση.", *extra, check=check)


def test_a_material_change_needs_the_promised_notice(released: PolicyRepo, tmp_path: Path) -> None:
    soon = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    done = _material(released, soon, check=False)
    assert done.returncode == 1 and "the policy promises 30 days' notice of a material change" in done.stderr
    assert "--allow-short-notice en=REASON --allow-short-notice el=REASON" in done.stderr and not (released.root / "changelog/2.0.yml").exists()
    done = _material(released, soon, "--allow-short-notice", "en=Corrects an error before it takes effect.",
                     "--allow-short-notice", "el=Διορθώνει σφάλμα πριν τεθεί σε ισχύ.")
    record = yaml.safe_load(released.read("changelog/2.0.yml"))
    assert record["short_notice"] == {"en": "Corrects an error before it takes effect.", "el": "Διορθώνει σφάλμα πριν τεθεί σε ισχύ."}
    released.commit("Release 2.0")
    released.policy("build", "--out", str(tmp_path / "s"), "--today", dt.date.today().isoformat())
    assert "sooner than the notice this policy promises. Reason: Corrects an error" in (tmp_path / "s/en/2.0/changes/index.html").read_text()
    assert "νωρίτερα από την προθεσμία προειδοποίησης" in (tmp_path / "s/el/2.0/changes/index.html").read_text()


def test_the_promised_notice_is_kept_without_a_reason(released: PolicyRepo) -> None:
    later = (dt.date.today() + dt.timedelta(days=31)).isoformat()
    _material(released, later)
    assert "short_notice" not in released.read("changelog/2.0.yml")


def test_the_prevailing_language_is_said_on_pages_and_notices(released: PolicyRepo, tmp_path: Path) -> None:
    released.write("policy/policy.yml", released.read("policy/policy.yml") + "prevailing_language: el\n")
    released.commit("Greek prevails")
    released.release("1.2", "2025-07-01")
    out = tmp_path / "s"
    released.policy("build", "--out", str(out), "--today", "2025-08-01")
    assert "if they differ, the Greek text prevails" in (out / "en/1.2/index.html").read_text()
    assert "υπερισχύει το ελληνικό κείμενο" in (out / "el/1.2/changes/index.html").read_text()
    released.policy("notify", "1.2", "--out", str(tmp_path / "n"))
    assert "the Greek text prevails" in (tmp_path / "n/en.txt").read_text()
    released.write("policy/policy.yml", released.read("policy/policy.yml").replace("prevailing_language: el", "prevailing_language: fr"))
    assert "`prevailing_language` must be one of en, el or none" in released.policy("check", check=False).stdout


def test_a_much_shorter_summary_in_one_language_is_flagged(released: PolicyRepo) -> None:
    released.section("rights", "Your rights", "Changed.\n")
    released.translate("rights", "Τα δικαιώματά σας", "Άλλαξε.\n")
    released.commit("edit")
    released.policy("release", "1.2", "--effective", "2030-01-01", "--kind", "material", "--summary-en",
                    "We now explain every purpose, its legal basis and how long we keep your data, and how to object.",
                    "--summary-el", "Αλλαγές.")
    done = released.policy("check")
    assert "changelog/1.2.yml:1: warning: the `el` summary of material release 1.2 has 1 word(s), the `en` one 19" in done.stdout


def test_release_asks_for_summaries_only_on_a_terminal(released: PolicyRepo) -> None:
    released.section("rights", "Your rights", "Changed.\n")
    released.translate("rights", "Τα δικαιώματά σας", "Άλλαξε.\n")
    done = released.policy("release", "1.2", "--effective", "2030-01-01", "--kind", "minor", check=False)
    assert done.returncode == 1 and "--summary-en, --summary-el missing" in done.stderr
