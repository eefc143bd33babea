"""`policy release`, `policy translations`, and reading the policy at a past revision."""

from __future__ import annotations

import json

import yaml

from site_builder.source.content import content_hash
from site_builder.source.history import GitTree
from site_builder.source.workspace import open_workspace
from tests.conftest import PolicyRepo


def test_release_writes_record_with_content_hash(repo: PolicyRepo) -> None:
    done = repo.policy("release", "1.0", "--effective", "2025-01-01", "--kind", "material",
                       "--summary-en", "First: *all* of it.", "--summary-el", "Πρώτη έκδοση.")
    assert "wrote changelog/1.0.yml" in done.stdout and "git commit" in done.stdout
    text = repo.read("changelog/1.0.yml")
    assert 'version: "1.0"' in text
    record = yaml.safe_load(text)
    assert record["effective"].isoformat() == "2025-01-01"
    assert record["summary"] == {"en": "First: *all* of it.", "el": "Πρώτη έκδοση."}
    repo.commit("Release 1.0")
    ws = open_workspace(repo.root)
    assert [r.version for r in ws.releases] == ["1.0"]
    assert record["content_hash"] == content_hash(GitTree(ws.repo.commit(ws.releases[0].commit)))
    assert repo.policy("check").returncode == 0


def test_release_refuses_existing_version(released: PolicyRepo) -> None:
    done = released.policy("release", "1.1", "--effective", "2026-01-01", "--kind", "minor",
                           "--summary-en", "x", "--summary-el", "y", check=False)
    assert done.returncode == 1
    assert "release 1.1 exists already" in done.stderr


def test_release_refuses_lower_version_and_earlier_date(released: PolicyRepo) -> None:
    lower = released.policy("release", "1.0.5", "--effective", "2026-01-01", "--kind", "minor",
                            "--summary-en", "x", "--summary-el", "y", check=False)
    assert "is not after the last release 1.1" in lower.stderr
    earlier = released.policy("release", "1.2", "--effective", "2025-02-01", "--kind", "minor",
                              "--summary-en", "x", "--summary-el", "y", check=False)
    assert "effective date 2025-02-01 is before 2025-06-01" in earlier.stderr


def test_release_refuses_failing_check(repo: PolicyRepo) -> None:
    repo.write("policy/rights.md", "no front matter\n")
    done = repo.policy("release", "1.0", "--effective", "2025-01-01", "--kind", "minor",
                       "--summary-en", "x", "--summary-el", "y", check=False)
    assert done.returncode == 1
    assert "policy/rights.md:1: missing front matter" in done.stderr
    assert "--allow-stale" not in done.stderr  # it would not help: an error is no warning
    assert not (repo.root / "changelog/1.0.yml").exists()


def test_release_refuses_stale_translation_unless_allowed(repo: PolicyRepo) -> None:
    repo.section("rights", "Your rights", "You may ask for a copy, free of charge.\n")
    args = ("release", "1.0", "--effective", "2025-01-01", "--kind", "minor", "--summary-en", "x", "--summary-el", "y")
    refused = repo.policy(*args, check=False)
    assert refused.returncode == 1
    assert "translations/el/rights.md:1: stale translation" in refused.stderr
    assert "a release treats warnings as errors: fix them, or pass --allow-stale" in refused.stderr
    allowed = repo.policy(*args, "--allow-stale")
    assert "wrote changelog/1.0.yml" in allowed.stdout


def test_release_rejects_bad_arguments(repo: PolicyRepo) -> None:
    bad_date = repo.policy("release", "1.0", "--effective", "01/02/2025", "--kind", "minor",
                           "--summary-en", "x", "--summary-el", "y", check=False)
    assert bad_date.returncode == 2 and "'01/02/2025' is not a date" in bad_date.stderr
    bad_version = repo.policy("release", "v1", "--effective", "2025-01-01", "--kind", "minor",
                              "--summary-en", "x", "--summary-el", "y", check=False)
    assert bad_version.returncode == 1 and "version 'v1' must be digits and dots" in bad_version.stderr


def test_translation_states_and_mark(repo: PolicyRepo) -> None:
    repo.section("rights", "Your rights", "You may ask for a copy, free of charge.\n")
    (repo.root / "translations/el/intro.md").unlink()
    rows = json.loads(repo.policy("translations", "--json").stdout)
    states = {r["section"]: r["state"] for r in rows}
    assert states == {"intro": "missing", "collection": "ok", "rights": "stale"}
    rights = next(r for r in rows if r["section"] == "rights")
    assert rights["recorded_hash"] != rights["source_hash"]
    marked = repo.policy("translations", "mark", "el", "rights")
    assert "marked translations/el/rights.md" in marked.stdout
    assert f'source_hash: "{rights["source_hash"]}"' in repo.read("translations/el/rights.md")
    assert "title: Τα δικαιώματά σας" in repo.read("translations/el/rights.md")
    text = repo.policy("translations").stdout
    assert "el  rights" in text and "ok" in text.splitlines()[2]


def test_rewrapping_english_keeps_translation_ok(repo: PolicyRepo) -> None:
    repo.section("rights", "Your rights", "You may ask for a copy of your data.\nSee [what we collect](#collection).\n")
    rows = json.loads(repo.policy("translations", "--json").stdout)
    assert {r["section"]: r["state"] for r in rows}["rights"] == "ok"


def test_mark_refuses_unknown_language_and_section(repo: PolicyRepo) -> None:
    lang = repo.policy("translations", "mark", "de", "rights", check=False)
    assert lang.returncode == 1 and "unknown translation language 'de'" in lang.stderr
    sec = repo.policy("translations", "mark", "el", "nope", check=False)
    assert sec.returncode == 1 and "unknown section id nope" in sec.stderr


def test_loader_reads_a_past_revision(released: PolicyRepo) -> None:
    released.section("rights", "Your rights (draft)", "Completely new text.\n")
    ws = open_workspace(released.root)
    old = ws.snapshot_at("1.0").text("en").section("rights")
    assert old.body.startswith("You may ask for a copy of your data. See")
    assert old.number == 2
    past_commit = released.git("rev-list", "-n1", "main~1").strip()
    # the commit that reworded the rights, before release 1.1: its Greek text, not its English one
    greek_rights = ws.snapshot_at(past_commit).text("el").section("rights")
    assert greek_rights.body.startswith("Μπορείτε να ζητήσετε οποτεδήποτε αντίγραφο") and "at any time" not in greek_rights.body
    assert ws.snapshot_at(past_commit).text("en").section("rights").body.startswith("You may ask for a copy of your data at any time.")
    assert "οποτεδήποτε" not in ws.snapshot_at("1.0").text("el").section("rights").body  # not yet in 1.0
    assert ws.snapshot_at("draft").text("en").section("rights").title == "Your rights (draft)"
    greek = ws.snapshot_at("1.1").text("el")
    assert greek.title == "Πολιτική Απορρήτου" and greek.section("rights").state == "ok"


def test_python_module_entry_point(repo: PolicyRepo) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "site_builder", "check"], cwd=repo.root, capture_output=True, text=True)
    assert done.returncode == 0 and "0 error(s)" in done.stderr


def test_a_language_added_after_english_only_releases(tmp_path) -> None:
    """Two releases in English only, then Greek: old releases show English with a Greek note, no record edited."""
    from tests.conftest import GREEK, make_english_only

    repo = make_english_only(tmp_path / "en-only")
    for version, date in (("1.0", "2025-01-01"), ("1.1", "2025-02-01")):
        repo.section("intro", "Introduction", f"We respect your privacy (version {version}).\n", False)
        repo.commit(f"Text {version}")
        repo.write(f"changelog/{version}.yml", f'version: "{version}"\neffective: {date}\nkind: minor\nsummary:\n  en: English only.\n'
                   f"content_hash: {content_hash_of(repo)}\n")
        repo.commit(f"Release {version}")
    repo.write("translations/el/policy.yml", "title: Πολιτική Απορρήτου\n")
    for sid, (title, body) in GREEK.items():
        repo.translate(sid, title, body)
    assert repo.policy("check").returncode == 0
    repo.commit("Greek translation")
    repo.release("1.2", "2025-03-01")
    out = tmp_path / "site"
    repo.policy("build", "--out", str(out), "--today", "2025-04-01")
    old = (out / "el/1.0/index.html").read_text()
    assert "δεν δημοσιεύθηκε ελληνικό κείμενο" in old and 'lang="en"' in old and "We respect your privacy" in old
    changes = (out / "el/1.2/changes/index.html").read_text()
    assert "μόνο στα αγγλικά" in changes
    assert "Σεβόμαστε την ιδιωτικότητά σας" in (out / "el/1.2/index.html").read_text()
    assert "δεν δημοσιεύθηκε ελληνική σύνοψη" in (out / "el/1.1/changes/index.html").read_text()


def content_hash_of(repo) -> str:  # noqa: ANN001
    from site_builder.source.content import WorkingTree, content_hash

    return content_hash(WorkingTree(repo.root))
