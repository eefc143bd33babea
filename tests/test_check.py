"""`policy check`: every rule of SPEC section 2, with the message an editor sees."""

from __future__ import annotations

import pytest

from tests.conftest import PolicyRepo


def check(repo: PolicyRepo, *args: str):
    return repo.policy("check", *args, check=False)


def test_valid_repository_passes(repo: PolicyRepo) -> None:
    done = check(repo)
    assert done.returncode == 0
    assert "0 error(s), 0 warning(s)" in done.stderr


def test_line_breaks_in_table_cells_pass(repo: PolicyRepo) -> None:
    repo.section("rights", "Your rights", "| a | b |\n|---|---|\n| x<br>y | z<br/>w<BR /> |\n")
    done = check(repo)
    assert done.returncode == 0 and "raw HTML" not in done.stdout + done.stderr, done.stdout + done.stderr


CASES = {
    "missing front matter": (
        lambda r: r.write("policy/rights.md", "Just text, no front matter.\n"),
        "policy/rights.md:1: missing front matter"),
    "broken front matter": (
        lambda r: r.write("policy/rights.md", "---\ntitle: [unclosed\n---\nBody\n"),
        "policy/rights.md:{2,3}: invalid YAML"),
    "unclosed front matter": (
        lambda r: r.write("policy/rights.md", "---\ntitle: Rights\nBody\n"),
        "policy/rights.md:1: front matter is not closed"),
    "missing title": (
        lambda r: r.write("policy/rights.md", "---\nnumbered: true\n---\nBody\n"),
        "policy/rights.md:1: missing `title`"),
    "title read as boolean": (
        lambda r: r.write("policy/rights.md", "---\ntitle: no\n---\nBody\n"),
        "policy/rights.md:2: `title` must be text, but YAML read a yes/no boolean"),
    "duplicate key": (
        lambda r: r.write("policy/rights.md", "---\ntitle: A\ntitle: B\n---\nBody\n"),
        "policy/rights.md:3: invalid YAML: duplicate key 'title' (first on line 2)"),
    "not utf-8": (
        lambda r: r.write("policy/rights.md", "---\ntitle: Rights\n---\nCaf\xe9\n".encode("latin-1")),
        "policy/rights.md:4: not UTF-8 (byte 0xe9)"),
    "invalid section id": (
        lambda r: r.write("policy/policy.yml", r.read("policy/policy.yml") + "  - Bad_Id\n"),
        "policy/policy.yml:8: invalid section id 'Bad_Id'"),
    "duplicate section id": (
        lambda r: r.write("policy/policy.yml", r.read("policy/policy.yml") + "  - rights\n"),
        "policy/policy.yml:8: duplicate section id `rights`"),
    "listed without file": (
        lambda r: r.write("policy/policy.yml", r.read("policy/policy.yml") + "  - cookies\n"),
        "section `cookies` is listed but policy/cookies.md does not exist"),
    "file not listed": (
        lambda r: r.section("cookies", "Cookies", "We use none.\n"),
        "policy/cookies.md:1: section file not listed: add `cookies`"),
    "orphan translation": (
        lambda r: r.write("translations/el/ghost.md", "---\ntitle: Φάντασμα\n---\nΚείμενο\n"),
        "translations/el/ghost.md:1: orphan translation"),
    "translation without title": (
        lambda r: r.write("translations/el/rights.md", "---\nsource_hash: abc\n---\nΚείμενο\n"),
        "translations/el/rights.md:1: missing `title`"),
    "relative link": (
        lambda r: r.section("rights", "Your rights", "See [the form](form.md).\n"),
        "policy/rights.md:4: link to 'form.md': a relative link breaks between versions; policy text links to a section or heading (#anchor), a page of this site (/path/), an https:// page or a mailto: address"),
    "javascript link": (
        lambda r: r.section("rights", "Your rights", "Click [here](javascript:alert(1)).\n"),
        "policy/rights.md:4: link to 'javascript:alert(1)': the `javascript:` scheme is refused"),
    "data link in Greek": (
        lambda r: r.translate("rights", "Τα δικαιώματά σας", "Δείτε [εδώ](<data:text/html,<script>x</script>>).\n"),
        "translations/el/rights.md:5: link to 'data:text/html,<script': the `data:` scheme is refused"),
    "unknown placeholder": (
        lambda r: r.section("rights", "Your rights", "Write to {{ dpo_email }}.\n"),
        "policy/rights.md:4: unknown placeholder `{{ dpo_email }}`"),
    "encoded word in the Greek title (the notices' subject)": (
        lambda r: r.write("translations/el/policy.yml", "title: =?utf-8?b?UG9saWN5?=\n"),
        "translations/el/policy.yml:1: `title` '=?utf-8?b?UG9saWN5?=' contains `=?`"),
    "a line break with an event handler": (
        lambda r: r.section("rights", "Your rights", "| a | b |\n|---|---|\n| x<br>y | z<BR onclick=alert(1)> |\n"),
        "policy/rights.md:6: raw HTML: the site drops the attribute(s) `onclick` of `<br>`"),
    "translation folder name": (
        lambda r: r.write("translations/Greek/policy.yml", "title: X\n"),
        "translations/Greek:1: a translation folder is named by its language code"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_content_rule(repo: PolicyRepo, name: str) -> None:
    mutate, expected = CASES[name]
    mutate(repo)
    done = check(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    # libyaml and pure-Python PyYAML place an unclosed bracket on either line
    options = [expected.replace("{2,3}", n) for n in ("2", "3")] if "{2,3}" in expected else [expected]
    assert any(o in done.stdout + done.stderr for o in options), done.stdout + done.stderr


RECORD = 'version: "{version}"\neffective: 2026-12-01\nkind: minor\nsummary:\n  en: Text.\n  el: Κείμενο.\ncontent_hash: sha256:00\n'
RECORD_CASES = {
    "unquoted version 1.10": ("1.10", RECORD.replace('"{version}"', "1.10"), "changelog/1.10.yml:1: `version` must be quoted text like \"1.10\", but YAML read the number 1.1"),
    "version not digits": ("v2", RECORD, "changelog/v2.yml:1: is not a release record: changelog/ holds only records named <version>.yml"),
    "version not file name": ("2.0", RECORD.replace("{version}", "3.0"), "changelog/2.0.yml:1: `version` '3.0' does not match the file name"),
    "impossible date": ("2.0", RECORD.replace("2026-12-01", "2026-13-01"), "changelog/2.0.yml:2: `effective` must be a date like 2026-12-01, but YAML read '2026-13-01'"),
    "datetime not date": ("2.0", RECORD.replace("2026-12-01", "2026-12-01 10:00:00"), "changelog/2.0.yml:2: `effective` must be a date"),
    "bad kind": ("2.0", RECORD.replace("kind: minor", "kind: major"), "changelog/2.0.yml:3: `kind` must be `material` or `minor`, not 'major'"),
    "summary language missing": ("2.0", RECORD.replace("  el: Κείμενο.\n", ""), "changelog/2.0.yml:4: `summary` has no text for language `el`"),
    "duplicate key in record": ("2.0", RECORD + "kind: material\n", "changelog/2.0.yml:8: invalid YAML: duplicate key 'kind'"),
}


@pytest.mark.parametrize("name", sorted(RECORD_CASES))
def test_release_record_rule(repo: PolicyRepo, name: str) -> None:
    version, text, expected = RECORD_CASES[name]
    repo.write(f"changelog/{version}.yml", text.replace("{version}", version))
    done = check(repo)
    assert done.returncode == 1
    assert expected in done.stdout + done.stderr


def test_all_problems_reported_at_once(repo: PolicyRepo) -> None:
    repo.write("policy/rights.md", "no front matter\n")
    repo.write("translations/el/ghost.md", "---\ntitle: Φ\n---\nΧ\n")
    done = check(repo)
    assert "policy/rights.md:1:" in done.stdout + done.stderr
    assert "translations/el/ghost.md:1:" in done.stdout + done.stderr
    assert "2 error(s)" in done.stderr


def test_effective_dates_never_decrease(released: PolicyRepo) -> None:
    released.write("changelog/1.2.yml", RECORD.replace("{version}", "1.2").replace("2026-12-01", "2025-03-01"))
    done = check(released)
    assert done.returncode == 1
    assert "changelog/1.2.yml:1: effective date 2025-03-01 of 1.2 is before 2025-06-01 of 1.1" in done.stdout + done.stderr


def test_stale_and_missing_translations_warn_and_fail_strict(repo: PolicyRepo) -> None:
    repo.section("rights", "Your rights", "You may ask for a copy of your data, free of charge.\n")
    (repo.root / "translations/el/intro.md").unlink()
    done = check(repo)
    assert done.returncode == 0
    assert "translations/el/rights.md:1: warning: stale translation" in done.stdout + done.stderr
    assert "translations/el/intro.md:1: warning: missing translation of `intro`" in done.stdout + done.stderr
    strict = check(repo, "--strict")
    assert strict.returncode == 1
    assert "translations/el/rights.md:1: stale translation" in strict.stdout


def test_rewritten_history_under_a_release(released: PolicyRepo) -> None:
    first = released.git("rev-list", "--max-parents=0", "HEAD").strip()
    released.git("checkout", "-q", "-b", "rewrite", first)
    released.git("cherry-pick", "--no-commit", "main~2")  # the 1.0 release record
    released.write("policy/intro.md", "---\ntitle: Introduction\nnumbered: false\n---\nWe sell your data.\n")
    released.commit("Release 1.0 (rewritten)")
    done = check(released)
    assert done.returncode == 1
    assert "changelog/1.0.yml:1: release 1.0: the text at commit" in done.stdout + done.stderr
    assert "does not match its content_hash" in done.stdout + done.stderr


def test_published_record_edited(released: PolicyRepo) -> None:
    text = released.read("changelog/1.0.yml").replace("2025-01-01", "2024-12-01")
    released.write("changelog/1.0.yml", text)
    released.commit("Backdate 1.0")
    done = check(released)
    assert done.returncode == 1
    assert "changelog/1.0.yml:1: release 1.0 was edited after it was published" in done.stdout + done.stderr


def test_not_a_git_repository(tmp_path) -> None:
    from tests.conftest import PolicyRepo as Repo

    folder = tmp_path / "plain"
    folder.mkdir()
    done = Repo(folder).policy("check", check=False)
    assert done.returncode == 1
    assert done.stderr.strip() == f"Error: {folder} is not a git repository: run `git init` there, or pass --repo PATH of the policy repository"


def test_repo_option_points_elsewhere(repo: PolicyRepo, tmp_path) -> None:
    from tests.conftest import PolicyRepo as Repo

    other = tmp_path / "elsewhere"
    other.mkdir()
    done = Repo(other).policy("check", "--repo", str(repo.root), check=False)
    assert done.returncode == 0, done.stderr


def test_links_a_real_policy_has_pass(repo: PolicyRepo) -> None:
    """Root-relative links, GitHub-style links to sub-headings (English and Greek), parentheses in URLs."""
    repo.section("rights", "Your rights", "See [terms](/terms/) and [choices](#what-are-your-cookie-choices) "
                 "and [the law](https://en.wikipedia.org/wiki/GDPR_(EU)).\n\n### What are your cookie choices?\n\nNone.\n")
    repo.translate("rights", "Τα δικαιώματά σας", "Δείτε [επιλογές](#ποιες-είναι-οι-επιλογές-σας).\n\n### Ποιες είναι οι επιλογές σας;\n\nΚαμία.\n")
    done = check(repo)
    assert done.returncode == 0 and "link" not in done.stdout, done.stdout


def test_a_link_to_no_heading_is_a_warning_and_strict_fails(repo: PolicyRepo) -> None:
    repo.section("rights", "Your rights", "Intro line.\nSee [cookies](#cookies).\n")
    done = check(repo)
    assert done.returncode == 0
    assert "policy/rights.md:5: warning: link to `#cookies` matches no section or heading of this page" in done.stdout
    assert check(repo, "--strict").returncode == 1


def test_text_renders_as_on_github_so_check_has_nothing_to_say(repo: PolicyRepo) -> None:
    """The site renders with GitHub's reading (CommonMark + GFM): `1)` lists, lists straight after a paragraph
    and 2-space nesting are simply lists, and check no longer warns about renderings."""
    repo.section("rights", "Your rights", "You may:\n\n1) ask for a copy;\n2) object.\n")
    done = check(repo)
    assert done.returncode == 0 and "policy/rights.md" not in done.stdout, done.stdout
    repo.section("rights", "Your rights", "You may:\n- ask for a copy\n  - by e-mail\n- object\n")
    done = check(repo)
    assert done.returncode == 0 and "policy/rights.md" not in done.stdout, done.stdout
