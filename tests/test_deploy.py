"""`policy deploy`: the built site to a branch pushed to a bare remote, or swapped into a folder;
refused builds, refused pushes and unreachable remotes leave every branch where it was."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import BASE_ENV, POLICY, PolicyRepo, copy_repo
from tests.test_notices import ENV, Inbox, smtp  # noqa: F401 - smtp is a fixture


@pytest.fixture(scope="module")
def built_template(released_template: PolicyRepo, tmp_path_factory: pytest.TempPathFactory) -> PolicyRepo:
    repo = copy_repo(released_template, tmp_path_factory.mktemp("deploy") / "repo")
    repo.policy("build", "-q", "--today", "2025-07-01")
    return repo


@pytest.fixture
def built(built_template: PolicyRepo, tmp_path: Path) -> PolicyRepo:
    return copy_repo(built_template, tmp_path / "repo")


def bare(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True, env=BASE_ENV)
    return path


def git(where: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(where), *args], capture_output=True, text=True, env=BASE_ENV)
    return done.stdout.strip() if done.returncode == 0 else ""


def new_release(repo: PolicyRepo, build: bool = True) -> None:
    """Release 1.2 (a changed sentence) and, unless told not to, build it."""
    repo.section("intro", "Introduction", "We respect your privacy a lot.\n")
    repo.translate("intro", "Εισαγωγή", "Σεβόμαστε πολύ την ιδιωτικότητά σας.\n")
    repo.commit("Intro")
    repo.release("1.2", "2025-09-01")
    if build:
        repo.policy("build", "-q", "--today", "2025-07-01")


def test_deploy_pushes_one_commit_naming_the_versions_and_tool(built: PolicyRepo, tmp_path: Path) -> None:
    remote = bare(tmp_path / "remote.git")
    built.git("remote", "add", "origin", str(remote))
    head = built.git("rev-parse", "HEAD").strip()
    done = built.policy("deploy", "--push", "origin")
    assert "Pushed gh-pages to origin" in done.stderr
    tip = git(remote, "rev-parse", "gh-pages")
    assert tip and tip == git(built.root, "rev-parse", "gh-pages")
    text = git(remote, "log", "-1", "--format=%B", "gh-pages")
    assert "1.1" in text and "1.0" in text and "site_builder 0." in text
    files = set(git(remote, "ls-tree", "-r", "--name-only", "gh-pages").splitlines())
    assert {"versions.json", "en/1.1/index.html", "el/1.0/index.html"} <= files
    assert git(remote, "show", "gh-pages:versions.json") == (built.root / "site/versions.json").read_text().strip()
    # the editor's work tree, index and branch are untouched
    assert built.git("rev-parse", "HEAD").strip() == head and built.git("status", "--porcelain", "--", "policy") == ""
    # a new release: a second commit on top of the first, nothing else
    new_release(built)
    built.policy("deploy", "--push", "origin")
    assert git(remote, "rev-parse", "gh-pages~1") == tip
    assert "1.2" in git(remote, "log", "-1", "--format=%s", "gh-pages")


@pytest.mark.parametrize("spoil, said", [
    (lambda repo: repo.policy("build", "-q", "--draft"), "built with --draft"),
    (lambda repo: repo.policy("build", "-q", "--draft", "--today", "2026-01-01"), "built with --draft"),
    (lambda repo: repo.write("site/en/1.1/index.html", "defaced"), "changed after the build"),
    (lambda repo: (repo.root / "site/el/1.0/index.html").unlink(), "changed after the build"),
    (lambda repo: new_release(repo, build=False), "lacks version(s) 1.2"),
])
def test_refused_builds_publish_nothing(built: PolicyRepo, tmp_path: Path, spoil, said: str) -> None:
    remote = bare(tmp_path / "remote.git")
    built.git("remote", "add", "origin", str(remote))
    spoil(built)
    done = built.policy("deploy", "--push", "origin", check=False)
    assert done.returncode == 1 and said in done.stderr and "nothing was deployed" in done.stderr
    assert git(built.root, "rev-parse", "--verify", "-q", "gh-pages") == ""
    assert git(remote, "rev-parse", "--verify", "-q", "gh-pages") == ""
    www = built.policy("deploy", "--to", str(tmp_path / "www"), check=False)
    assert www.returncode == 1 and said in www.stderr and not (tmp_path / "www").exists()


def test_refused_push_moves_no_branch(built: PolicyRepo, tmp_path: Path) -> None:
    remote = bare(tmp_path / "remote.git")
    built.git("remote", "add", "origin", str(remote))
    other = tmp_path / "other"  # someone else deployed first: the remote has a commit we lack
    subprocess.run(["git", "clone", "-q", str(remote), str(other)], check=True, env=BASE_ENV)
    (other / "index.html").write_text("their site")
    for args in (("checkout", "-q", "-b", "gh-pages"), ("add", "-A"), ("commit", "-q", "-m", "theirs"),
                 ("push", "-q", "origin", "gh-pages")):
        subprocess.run(["git", "-C", str(other), *args], check=True, env=BASE_ENV)
    theirs = git(remote, "rev-parse", "gh-pages")
    built.policy("deploy")  # a local gh-pages from an earlier deploy, not pushed
    local = git(built.root, "rev-parse", "gh-pages")
    new_release(built)
    done = built.policy("deploy", "--push", "origin", check=False)
    assert done.returncode == 1
    assert "remote's gh-pages is unchanged" in done.stderr and "git fetch origin gh-pages:gh-pages" in done.stderr
    assert git(remote, "rev-parse", "gh-pages") == theirs
    assert git(built.root, "rev-parse", "gh-pages") == local  # the local commit was taken back


@pytest.mark.parametrize("where", ["missing", "http"])
def test_unreachable_remote_moves_no_branch(built: PolicyRepo, tmp_path: Path, where: str) -> None:
    url = str(tmp_path / "no-such.git") if where == "missing" else "http://127.0.0.1:9/policy.git"
    built.git("remote", "add", "web", url)
    done = built.policy("deploy", "--push", "web", check=False)
    assert done.returncode == 1 and "git push to web refused or failed" in done.stderr
    assert "check that 'web' is a reachable remote" in done.stderr
    assert git(built.root, "rev-parse", "--verify", "-q", "gh-pages") == ""  # nothing half-published


def test_deploy_to_folder_swaps_and_keeps_foreign_folders(built: PolicyRepo, tmp_path: Path) -> None:
    www = tmp_path / "www"
    built.policy("deploy", "--to", str(www))
    assert www.is_symlink() and (www / "en/1.1/index.html").read_bytes() == (built.root / "site/en/1.1/index.html").read_bytes()
    first = www.resolve()
    new_release(built)
    built.policy("deploy", "--to", str(www))
    assert www.resolve() != first and (www / "en/1.2/index.html").is_file()
    for name, content in (("docroot", "index.html"), ("uploads", "photo.jpg")):
        foreign = tmp_path / name
        foreign.mkdir()
        (foreign / content).write_text("not ours")
        done = built.policy("deploy", "--to", str(foreign), check=False)
        assert done.returncode == 1 and f"holds files this tool did not write (such as {content})" in done.stderr
        assert [p.name for p in foreign.iterdir()] == [content]


# --- docs/ci: the workflows' own steps, run in order on a temporary repository -------------------

CI = Path(__file__).resolve().parent.parent / "docs" / "ci"


def ci_steps(kind: str) -> list[tuple[str, dict[str, str]]]:
    """The shell lines a workflow runs, in order, each with the variables its step sets
    (GitHub's `${{ ... }}` expressions are what the test gives through the environment)."""
    data = yaml.safe_load((CI / f"{kind}.yml").read_text(encoding="utf-8"))
    if kind == "github-actions":
        triggers = data[True] if True in data else data["on"]  # YAML 1.1 reads `on` as true
        assert "push" in triggers and triggers["schedule"][0]["cron"]
        steps = data["jobs"]["publish"]["steps"]
        return [(step["run"], {k: v for k, v in step.get("env", {}).items() if "${{" not in v})
                for step in steps if "run" in step]
    job = data["policy-publish"]
    sources = " ".join(rule["if"] for rule in job["rules"])
    assert '"schedule"' in sources and '"push"' in sources
    lines = [line for line in job["before_script"] + job["script"] if not line.startswith("pip install")]
    assert len(lines) == len(job["before_script"]) + len(job["script"]) - 1
    return [("set -e\n" + "\n".join(lines), dict(job["variables"]))]  # GitLab runs them in one shell, in order


def run_ci(repo: PolicyRepo, kind: str, env: dict[str, str]) -> str:
    said = []
    for line, step_env in ci_steps(kind):
        if line.startswith("pip install"):
            assert POLICY  # the tool the step installs: this checkout's
            continue
        done = subprocess.run(["sh", "-c", line], cwd=repo.root, capture_output=True, text=True,
                              env={**BASE_ENV, **ENV, "PATH": f"{Path(POLICY).parent}:{os.environ['PATH']}",
                                   **step_env, **env})
        assert "Traceback" not in done.stderr
        assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
        said.append(done.stdout + done.stderr)
    return "\n".join(said)


def test_ci_publishes_every_push_and_day_and_notifies_only_a_new_release(released: PolicyRepo, tmp_path: Path,
                                                                          smtp) -> None:  # noqa: F811
    remote = bare(tmp_path / "remote.git")
    released.git("remote", "add", "origin", str(remote))
    released.write("ci/publish.sh", (CI / "publish.sh").read_text(encoding="utf-8"))
    released.write("people.csv", "anna@example.com,el\nbob@example.com,en\n")
    released.commit("CI")
    inbox = Inbox()
    notices = {"POLICY_SMTP": smtp(inbox), "POLICY_RECIPIENTS": "people.csv",
               "POLICY_JOURNAL": str(tmp_path / "journal.sqlite"), "POLICY_NOTIFY_ARGS": "--retry-delay 0.05"}
    before = released.git("rev-parse", "HEAD~2").strip()  # the push brought "Release 1.1" and "CI"
    # GitHub Actions, a push that brought a release: deployed, and the notice of 1.1 sent once
    run_ci(released, "github-actions", {**notices, "BEFORE": before})
    assert git(remote, "rev-parse", "gh-pages") and "1.1" in git(remote, "log", "-1", "--format=%s", "gh-pages")
    assert sorted(inbox.recipients()) == ["anna@example.com", "bob@example.com"]
    assert all("1.1" in msg["Subject"] for msg in inbox.messages)
    # GitLab CI, the daily schedule: published again, nobody written to
    said = run_ci(released, "gitlab-ci", {**notices, "CI_PIPELINE_SOURCE": "schedule", "POLICY_DEPLOY_REMOTE": "origin"})
    assert "no push range (scheduled run): no notice sent" in said and len(inbox.messages) == 2
    # GitLab CI, a push without a release (an edit of the draft): deployed, no notice
    tip = git(remote, "rev-parse", "gh-pages")
    released.section("intro", "Introduction", "We respect your privacy a lot.\n")
    released.commit("Draft edit")
    said = run_ci(released, "gitlab-ci", {**notices, "CI_PIPELINE_SOURCE": "push", "POLICY_DEPLOY_REMOTE": "origin",
                                           "CI_COMMIT_BEFORE_SHA": released.git("rev-parse", "HEAD~1").strip()})
    assert "no new release since" in said and len(inbox.messages) == 2
    assert git(remote, "rev-parse", "gh-pages") == tip  # the draft is not published: the same site, no new commit
