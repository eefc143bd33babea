"""Issue 19, items 5 and 10: every YAML the tool reads is validated on its parsed values, with
file:line, and check, release and build agree on versions, record names, dates and numbers."""

from __future__ import annotations

import resource
import subprocess
from pathlib import Path

import pytest

from tests.conftest import BASE_ENV, POLICY, PolicyRepo

ALIAS_BOMB = ("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
              "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
              "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n")


def run_limited(repo: PolicyRepo, *args: str, megabytes: int = 1024) -> subprocess.CompletedProcess:
    """`policy ARGS` with its memory capped: a YAML bomb fails the test instead of the machine."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (megabytes << 20, megabytes << 20))

    done = subprocess.run([POLICY, *args], cwd=repo.root, env=BASE_ENV, capture_output=True, text=True,
                          preexec_fn=cap, timeout=120, stdin=subprocess.DEVNULL)
    assert "Traceback" not in done.stderr and "unexpected failure" not in done.stderr, done.stderr
    return done


def record(version: str, extra: str = "", effective: str = "2026-01-01") -> str:
    return (f'version: "{version}"\neffective: {effective}\nkind: minor\nsummary:\n  en: Summary.\n  el: Σύνοψη.\n'
            f'content_hash: "sha256:{"0" * 64}"\n{extra}')


def check_fails_with(repo: PolicyRepo, *expected: str) -> str:
    done = repo.policy("check", check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    for text in expected:
        assert text in done.stdout, done.stdout
    return done.stdout


def build_fails_with(repo: PolicyRepo, tmp_path: Path, *expected: str) -> str:
    done = repo.policy("build", "--draft", "--out", str(tmp_path / "site"), check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    for text in expected:
        assert text in done.stderr, done.stderr
    return done.stderr


# --- item 5: the YAML itself -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["changelog/9.0.yml", "policy/policy.yml", "mkdocs.yml"])
def test_alias_bomb_is_refused_without_growing(released: PolicyRepo, tmp_path: Path, path: str) -> None:
    released.write(path, ALIAS_BOMB)
    for command in (("check",), ("build", "--draft", "--out", str(tmp_path / "site"))):
        done = run_limited(released, *command)
        assert done.returncode == 1
        assert f"{path}:1: YAML anchor `&a`: anchors and aliases are not accepted here" in done.stdout + done.stderr


def test_merge_key_and_foreign_tags_are_refused(released: PolicyRepo) -> None:
    released.write("translations/el/policy.yml", "<<: {title: Πολιτική}\nvariables: {}\n")
    released.write("policy/rights.md", "---\ntitle: !!python/object:os.system {}\n---\nText.\n")
    released.write("changelog/9.0.yml", record("9.0", "short_notice: !!binary aGVsbG8=\n"))
    check_fails_with(released, "translations/el/policy.yml:1: YAML merge key `<<` is not accepted here",
                     "policy/rights.md:2: YAML tag `!!python/object:os.system` is not accepted here",
                     "changelog/9.0.yml:8: YAML tag `!!binary` is not accepted here")


@pytest.mark.parametrize(("path", "text", "line"), [
    ("changelog/9.0.yml", record("9.0", "? [a, b]\n: 1\n"), 8),            # the payload
    ("policy/policy.yml", "title: Privacy Policy\n? {x: 1}\n: 2\n", 2),     # a mapping as a key
    ("policy/rights.md", "---\ntitle: Your rights\n2020-01-01: x\n---\nText.\n", 3),  # a date as a key
])
def test_keys_must_be_text(released: PolicyRepo, tmp_path: Path, path: str, text: str, line: int) -> None:
    released.write(path, text)
    out = check_fails_with(released, f"{path}:{line}: ")
    assert "key" in out and "unexpected failure" not in out
    build_fails_with(released, tmp_path, f"{path}:{line}: ")


@pytest.mark.parametrize(("payload", "marker"), [
    ("? [a, b]\n: 1\n", "? [a, b]"),                                              # the payload
    ("theme: {name: material}\ntheme: {name: mkdocs}\n", "theme: {name: mkdocs}"),  # ours: a duplicate key
])
def test_check_and_build_agree_on_mkdocs_yml(released: PolicyRepo, tmp_path: Path, payload: str, marker: str) -> None:
    released.write("mkdocs.yml", released.read("mkdocs.yml").replace("theme:\n  name: material\n", "") + payload)
    line = released.read("mkdocs.yml").split("\n").index(marker) + 1
    check_fails_with(released, f"mkdocs.yml:{line}: ")
    build_fails_with(released, tmp_path, f"mkdocs.yml:{line}: ")


@pytest.mark.parametrize(("escape", "name"), [
    ("\\u202E", "bidirectional control U+202E"),   # the payloads
    ("\\r", "carriage return U+000D"),
    ("\\x07", "control character U+0007"),
    ("\\u2066", "bidirectional control U+2066"),    # ours: an isolate, a C1 control, an escape in a key
    ("\\x9b", "control character U+009B"),
])
def test_escaped_control_characters_are_refused_in_every_value(released: PolicyRepo, tmp_path: Path,
                                                               escape: str, name: str) -> None:
    released.section("rights", f'"Your{escape} rights"', "Text.\n")
    released.write("changelog/9.0.yml", record("9.0").replace("en: Summary.", f'en: "Sum{escape}mary."'))
    check_fails_with(released, f"policy/rights.md:2: {name}", f"changelog/9.0.yml:5: {name}")
    build_fails_with(released, tmp_path, f"policy/rights.md:2: {name}")


def test_escaped_characters_in_keys_and_mkdocs_yml(released: PolicyRepo, tmp_path: Path) -> None:
    released.write("translations/el/policy.yml", 'title: Πολιτική\n"vari\\u202Eables": {}\n')
    check_fails_with(released, "translations/el/policy.yml:2: bidirectional control U+202E")
    released.git("checkout", "--", "translations")
    released.write("mkdocs.yml", released.read("mkdocs.yml").replace("site_name: Example", 'site_name: "Exa\\rmple"'))
    check_fails_with(released, "mkdocs.yml:1: carriage return U+000D")
    build_fails_with(released, tmp_path, "mkdocs.yml:1: carriage return U+000D")


def test_a_literal_bidi_character_is_named_once(released: PolicyRepo) -> None:
    released.section("rights", "Your \u202e rights", "Text.\n")
    out = check_fails_with(released, "policy/rights.md:2: invisible bidirectional control U+202E")
    assert out.count("policy/rights.md:2:") == 1


def test_nesting_and_size_are_capped(released: PolicyRepo) -> None:
    released.write("policy/policy.yml", "title: " + "[" * 51 + "]" * 51 + "\n")
    check_fails_with(released, "policy/policy.yml:1: lists and mappings nested more than 50 deep")
    released.write("policy/policy.yml", "title: " + "[" * 50_000 + "]" * 50_000 + "\n")
    assert "nest" in check_fails_with(released, "policy/policy.yml:1: ")
    released.write("policy/policy.yml", "title: Privacy Policy\nvariables:\n  big: \"" + "x" * 1_100_000 + "\"\n")
    check_fails_with(released, "policy/policy.yml:1: YAML of 1,100,0")


def test_readable_text_with_line_breaks_and_tabs_still_passes(released: PolicyRepo) -> None:
    released.write("policy/policy.yml", released.read("policy/policy.yml") + "notice_days: 30\n")
    released.section("rights", "Your rights", "You may ask for a copy.\n\n\tIndented.\n")
    released.commit("Notice period")
    released.policy("release", "1.2", "--effective", "2031-01-01", "--kind", "minor", "--allow-stale",
                    "--summary-en", "Two lines:\n\tfirst.", "--summary-el", "Δύο γραμμές.")
    assert "\\t" in released.read("changelog/1.2.yml")
    assert "0 error(s)" in released.policy("check").stderr


# --- item 10: versions, record names, numbers and dates ------------------------------------------


@pytest.mark.parametrize("version", ["2.2\n", "2.2 ", "02.2", "2..2", "1" * 12])
def test_release_refuses_a_bad_version_before_writing(released: PolicyRepo, version: str) -> None:
    done = released.policy("release", version, "--effective", "2031-01-01", "--kind", "minor",
                           "--summary-en", "S.", "--summary-el", "Σ.", check=False)
    assert done.returncode == 1 and "must be digits and dots" in done.stderr and "nothing was written" in done.stderr
    assert sorted(p.name for p in (released.root / "changelog").iterdir()) == ["1.0.yml", "1.1.yml"]


@pytest.mark.parametrize("name", ["2.2\n.yml", "notes.txt", "2.2.yaml", "2.02.yml"])
def test_a_file_in_changelog_that_is_no_record_is_named(released: PolicyRepo, tmp_path: Path, name: str) -> None:
    released.write(f"changelog/{name}", record("2.2"))
    shown = name.replace("\n", "\\n")
    check_fails_with(released, f"changelog/{shown}:1: is not a release record")
    build_fails_with(released, tmp_path, f"changelog/{shown}:1: is not a release record")
    released.commit("A stray file")
    check_fails_with(released, f"changelog/{shown}:1: is not a release record")
    build_fails_with(released, tmp_path, f"changelog/{shown}:1: is not a release record")


@pytest.mark.parametrize("value", ["99999999999999999999", "-1", "true", "30.5", "3651"])
def test_notice_days_must_be_a_sensible_whole_number(released: PolicyRepo, value: str) -> None:
    released.write("policy/policy.yml", released.read("policy/policy.yml") + f"notice_days: {value}\n")
    check_fails_with(released, "policy/policy.yml:8: `notice_days` must be a whole number of days from 0 to 3650")
    done = released.policy("release", "1.2", "--effective", "2031-01-01", "--kind", "material",
                           "--summary-en", "S.", "--summary-el", "Σ.", check=False)
    assert done.returncode == 1 and "policy/policy.yml:8: `notice_days`" in done.stderr
    assert not (released.root / "changelog/1.2.yml").exists()


def test_the_largest_notice_period_never_overflows(released: PolicyRepo) -> None:
    released.write("policy/policy.yml", released.read("policy/policy.yml") + "notice_days: 3650\n")
    released.commit("Ten years' notice")
    done = released.policy("release", "1.2", "--effective", "2199-12-31", "--kind", "material",
                           "--summary-en", "S.", "--summary-el", "Σ.")
    assert "wrote changelog/1.2.yml" in done.stdout


@pytest.mark.parametrize(("effective", "expected"), [
    ("9999-12-31", "`effective`: 9999-12-31 is outside 1970-01-01 to 2199-12-31"),
    ("1900-01-01", "`effective`: 1900-01-01 is outside 1970-01-01 to 2199-12-31"),
    ("2026-02-30", "`effective` must be a date like 2026-12-01, but YAML read '2026-02-30' (no such day in the calendar)"),
])
def test_record_dates_are_real_and_in_range(released: PolicyRepo, tmp_path: Path, effective: str, expected: str) -> None:
    released.write("changelog/9.0.yml", record("9.0", effective=effective))
    check_fails_with(released, f"changelog/9.0.yml:2: {expected}")
    build_fails_with(released, tmp_path, f"changelog/9.0.yml:2: {expected}")


@pytest.mark.parametrize("effective", ["9999-12-31", "1969-12-31"])
def test_release_refuses_a_date_out_of_range(released: PolicyRepo, effective: str) -> None:
    done = released.policy("release", "1.2", "--effective", effective, "--kind", "minor",
                           "--summary-en", "S.", "--summary-el", "Σ.", check=False)
    assert done.returncode == 1 and f"--effective {effective} is outside" in done.stderr
    assert not (released.root / "changelog/1.2.yml").exists()
