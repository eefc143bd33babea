"""Real temporary git repositories with a fixed identity and fixed dates, driven through `policy`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from site_builder.source.content import fingerprint
from tests.corpus_tools import CORPUS
from tests.zygote import PolicyRunner

POLICY = shutil.which("policy") or str(Path(sys.executable).with_name("policy"))
BASE_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Test Editor", "GIT_AUTHOR_EMAIL": "editor@example.com",
    "GIT_COMMITTER_NAME": "Test Editor", "GIT_COMMITTER_EMAIL": "editor@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1",
}

# The browser tests drive Debian's Chromium (never a downloaded browser build) through Playwright.
CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI") == "true"  # in CI a missing browser is a failure, never a silent skip
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-default-apps"]


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module; each test opens its own pages. A missing browser skips the
    test outside CI and fails it in CI."""
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("Debian's chromium is missing: .ci/run installs it with apt-get")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


# `policy` commands run in children forked from one process that imported the tool once (zygote.py).
RUNNER = PolicyRunner(POLICY, BASE_ENV)
# For a build compared byte for byte with another: a new process with another hash seed (the forked
# ones share their parent's), so that output depending on the order of a set shows as a difference.
OTHER_PROCESS = {"PYTHONHASHSEED": "1"}


@pytest.fixture(scope="session", autouse=True)
def _policy_runner():
    yield RUNNER
    RUNNER.close()


SECTIONS = {
    "intro": ("Introduction", "We respect your privacy.\n", False),
    "collection": ("What we collect", "We collect your name and e-mail address.\n\n- Contact data.\n- Usage data.\n", True),
    "rights": ("Your rights", "You may ask for a copy of your data. See [what we collect](#collection).\n", True),
}
GREEK = {
    "intro": ("Εισαγωγή", "Σεβόμαστε την ιδιωτικότητά σας.\n"),
    "collection": ("Ποια δεδομένα συλλέγουμε", "Συλλέγουμε το όνομα και τη διεύθυνση ηλεκτρονικού ταχυδρομείου σας.\n\n- Στοιχεία επικοινωνίας.\n- Δεδομένα χρήσης.\n"),
    "rights": ("Τα δικαιώματά σας", "Μπορείτε να ζητήσετε αντίγραφο των δεδομένων σας. Βλ. [τι συλλέγουμε](#collection).\n"),
}


class PolicyRepo:
    """A policy repository in a temporary folder, with helpers an editor would use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.clock = 1_700_000_000

    def git(self, *args: str) -> str:
        self.clock += 3600
        env = {**BASE_ENV, "GIT_AUTHOR_DATE": f"@{self.clock} +0000", "GIT_COMMITTER_DATE": f"@{self.clock} +0000"}
        done = subprocess.run(["git", *args], cwd=self.root, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def write(self, path: str, text: str | bytes) -> Path:
        file = self.root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            file.write_bytes(text)
        else:
            file.write_text(textwrap.dedent(text).lstrip("\n") if text.startswith("\n") else text, encoding="utf-8")
        return file

    def read(self, path: str) -> str:
        return (self.root / path).read_text(encoding="utf-8")

    def section(self, sid: str, title: str, body: str, numbered: bool = True) -> None:
        flag = "" if numbered else "numbered: false\n"
        self.write(f"policy/{sid}.md", f"---\ntitle: {title}\n{flag}---\n{body}")

    def translate(self, sid: str, title: str, body: str, source_hash: str | None = None) -> None:
        if source_hash is None:
            en = self.read(f"policy/{sid}.md").split("---\n", 2)
            en_title = [line for line in en[1].splitlines() if line.startswith("title:")][0][6:].strip()
            source_hash = fingerprint(en_title, en[2].strip("\n") + "\n")
        self.write(f"translations/el/{sid}.md", f'---\ntitle: {title}\nsource_hash: "{source_hash}"\n---\n{body}')

    def commit(self, message: str = "edit") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def policy(self, *args: str, check: bool | None = True, env: dict | None = None) -> subprocess.CompletedProcess:
        done = RUNNER.run(list(args), self.root, {**BASE_ENV, **(env or {})})
        assert "Traceback" not in done.stderr, done.stderr
        if check is True:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    def release(self, version: str, effective: str, kind: str = "minor", *extra: str) -> None:
        self.policy("release", version, "--effective", effective, "--kind", kind,
                    "--summary-en", f"Summary of {version}.", "--summary-el", f"Σύνοψη της έκδοσης {version}.", *extra)
        self.commit(f"Release {version}")


def make_repo(root: Path) -> PolicyRepo:
    """A valid, committed policy with three sections in English and Greek (no release yet)."""
    root.mkdir(parents=True, exist_ok=True)
    repo = PolicyRepo(root)
    repo.git("init", "-q", "-b", "main")
    repo.write("policy/policy.yml", "title: Privacy Policy\nvariables:\n  contact_email: \"privacy@example.com\"\nsections:\n"
               + "".join(f"  - {sid}\n" for sid in SECTIONS))
    repo.write("translations/el/policy.yml", "title: Πολιτική Απορρήτου\n")
    repo.write("mkdocs.yml", "site_name: Example\nsite_url: https://policy.example.com/\ntheme:\n  name: material\n"
               "extra:\n  notices:\n    sender: \"Example <privacy@example.com>\"\n    reply_to: privacy@example.com\n"
               "    unsubscribe_url: \"https://policy.example.com/unsubscribe?email={email}&token={token}\"\n")
    for sid, (title, body, numbered) in SECTIONS.items():
        repo.section(sid, title, body, numbered)
        repo.translate(sid, *GREEK[sid])
    repo.commit("Initial policy")
    return repo


def make_english_only(root: Path) -> PolicyRepo:
    """The same three sections in English only, as an import makes a history: no release yet."""
    repo = PolicyRepo(root)
    repo.root.mkdir(parents=True)
    repo.git("init", "-q", "-b", "main")
    repo.write("policy/policy.yml", "title: Privacy Policy\nsections:\n" + "".join(f"  - {sid}\n" for sid in SECTIONS))
    repo.write("mkdocs.yml", "site_name: Example\nsite_url: https://policy.example.com/\ntheme:\n  name: material\n")
    for sid, (title, body, numbered) in SECTIONS.items():
        repo.section(sid, title, body, numbered)
    return repo


def make_released(root: Path) -> PolicyRepo:
    """Two releases: 1.0 and 1.1 (a changed sentence)."""
    repo = make_repo(root)
    repo.release("1.0", "2025-01-01")
    repo.section("rights", "Your rights", "You may ask for a copy of your data at any time. See [what we collect](#collection).\n")
    repo.translate("rights", "Τα δικαιώματά σας", "Μπορείτε να ζητήσετε οποτεδήποτε αντίγραφο των δεδομένων σας. Βλ. [τι συλλέγουμε](#collection).\n")
    repo.commit("Rights: at any time")
    repo.release("1.1", "2025-06-01")
    return repo


def copy_repo(template: PolicyRepo, root: Path) -> PolicyRepo:
    """A copy of a repository made once (its .git included): the same commits, and its clock goes on
    from where the template's stopped, so the next commits get the same hashes as in the template."""
    shutil.copytree(template.root, root, symlinks=True)
    copy = PolicyRepo(root)
    copy.clock = template.clock
    return copy


@pytest.fixture
def repo(tmp_path: Path) -> PolicyRepo:
    return make_repo(tmp_path / "policy-repo")


@pytest.fixture(scope="session")
def released_template(tmp_path_factory: pytest.TempPathFactory) -> PolicyRepo:
    """`released`, made once per run (two `policy release` runs); never change it, use `released`."""
    return make_released(tmp_path_factory.mktemp("released") / "policy-repo")


@pytest.fixture
def released(released_template: PolicyRepo, tmp_path: Path) -> PolicyRepo:
    """Two releases: 1.0 and 1.1 (a changed sentence), in a folder of the test's own."""
    return copy_repo(released_template, tmp_path / "policy-repo")


CORPUS_SERVICES = ("reddit", "pinterest", "x")


@pytest.fixture(scope="session")
def corpus_built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, PolicyRepo]:
    """Each real history of ../shared/corpus imported (`policy import`) and built into its `site`
    folder (--today 2026-11-26), once per run: only test_corpus reads them, and pytest-xdist runs a
    test file in one process (`--dist loadfile`). Never change them (a test that checks out an old text puts HEAD's back)."""
    out = {}
    for service in CORPUS_SERVICES:
        repo = PolicyRepo(tmp_path_factory.mktemp(service) / "policy")
        repo.root.mkdir()
        repo.git("init", "-q", "-b", "main")
        done = repo.policy("import", str(CORPUS / service), "-q")
        assert "error" not in done.stdout.lower().replace("0 error(s)", "")
        repo.policy("build", "--today", "2026-11-26", "-q")
        out[service] = repo
    return out


@pytest.fixture
def locale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A copy of the shipped interface catalogs that a test may edit; the package reads it instead."""
    import shutil

    from site_builder import i18n

    copy = tmp_path / "locale"
    shutil.copytree(Path(i18n.__file__).parent / "locale", copy)
    monkeypatch.setattr(i18n, "LOCALE_DIR", copy)
    i18n.clear_cache()
    yield copy
    i18n.clear_cache()
