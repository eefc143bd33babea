"""The tests run `policy` through a forked copy of a process that imported the tool once
(tests/zygote.py). A command run that way must be the installed command, as a user runs it."""

from __future__ import annotations

import subprocess

from tests.conftest import BASE_ENV, OTHER_PROCESS, POLICY, RUNNER, PolicyRepo


def _installed(repo: PolicyRepo, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([POLICY, *args], cwd=repo.root, env=BASE_ENV, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)


def test_a_forked_command_says_and_exits_as_the_installed_one(repo: PolicyRepo) -> None:
    repo.write("policy/rights.md", "---\ntitle: [unclosed\n---\nBody\n")
    repo.write("translations/el/collection.md", "---\nid: collection\ntitle: Συλλογή\n---\nΣυλλέγουμε.\n")
    for args in (["check"], ["diff", "--format", "json"], ["translations", "--json"], ["release", "9.9"], ["nosuch"]):
        forked, installed = RUNNER.run(args, repo.root, BASE_ENV), _installed(repo, *args)
        assert (forked.returncode, forked.stdout, forked.stderr) == (installed.returncode, installed.stdout, installed.stderr), args
    assert RUNNER.run(["check"], repo.root, BASE_ENV).returncode == 1


def test_a_forked_command_starts_from_a_clean_process(repo: PolicyRepo) -> None:
    """Nothing one command read (a cached snapshot, a catalog) is there for the next: the second
    check sees the file as it is now."""
    assert repo.policy("check").returncode == 0
    repo.write("policy/rights.md", "---\ntitle: [unclosed\n---\nBody\n")
    after = repo.policy("check", check=False)
    assert after.returncode == 1 and "policy/rights.md:3: invalid YAML" in after.stdout


def test_what_a_fork_cannot_be_runs_as_a_new_process(repo: PolicyRepo) -> None:
    """A fork keeps its parent's hash seed, time zone and locale: a command asking for others
    (the byte-for-byte build comparisons ask for another seed) gets a new process."""
    seeds = set()
    for env in (BASE_ENV, {**BASE_ENV, **OTHER_PROCESS}):
        done = RUNNER.run(["--version"], repo.root, env)
        assert done.returncode == 0 and done.stdout.startswith("policy, version")
        seeds.add(RUNNER._faithful(env))
    assert seeds == {True, False}
    assert not RUNNER._faithful({**BASE_ENV, "TZ": "Pacific/Auckland"})
