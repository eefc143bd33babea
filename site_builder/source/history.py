"""Git history: the only module that talks to git (through GitPython)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import git

from site_builder.errors import GitError, Problem
from site_builder.source import store
from site_builder.source.content import CONTENT_DIRS, WorkingTree, content_hash, load_record
from site_builder.source.models import RECORD_SUFFIX, VERSION_RULE, Release, ReleaseRecord, record_version

Repo = git.Repo  # the repository type, for modules that hold one without importing GitPython
_BLOBS: dict[str, bytes] = {}  # blob sha -> data; releases share most of their files


class GitTree:
    """The files of one commit, read from git's object store without a checkout."""

    def __init__(self, commit: git.Commit) -> None:
        self.commit = commit
        self.label = commit.hexsha[:10]
        self._files: dict[str, git.Blob] = {}
        self._dirs: dict[str, list[str]] = {}
        self.refused: dict[str, Problem] = {}
        # changelog/ is left out on purpose: it grows with every release, and reading it
        # for every release would make a build quadratic. Records are read by blob id.
        for root in CONTENT_DIRS:
            try:
                tree = commit.tree / root
            except KeyError:
                continue
            self._index(tree, root)

    def _index(self, tree: git.Tree, prefix: str) -> None:
        names = self._dirs.setdefault(prefix, [])
        for item in tree:
            path = f"{prefix}/{item.name}"
            names.append(item.name)
            if item.type == "tree":
                self._index(item, path)
            elif item.type == "blob" and item.mode == 0o120000:
                self.refused[path] = Problem(path, 1, f"is a symbolic link in commit {self.label}: policy text must be plain files")
            elif item.type == "blob":
                self._files[path] = item

    def read(self, path: str) -> bytes | None:
        blob = self._files.get(path)
        if blob is None:
            return None
        if blob.hexsha not in _BLOBS:
            _BLOBS[blob.hexsha] = blob.data_stream.read()
        return _BLOBS[blob.hexsha]

    def listdir(self, path: str) -> list[str]:
        return sorted(self._dirs.get(path, []))


def cache_dir(repo: git.Repo) -> Path:
    """Where this tool remembers values between runs (see `source.store`): inside .git, never committed."""
    return Path(repo.git_dir) / "policy-cache"


def open_repo(path: Path) -> git.Repo:
    """The git repository at `path`, or one clear error."""
    try:
        repo = git.Repo(path, search_parent_directories=False)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(f"{path} is not a git repository: run `git init` there, or pass --repo PATH of the policy repository") from None
    if Path(repo.git_dir).resolve() == Path(path).resolve() and repo.working_tree_dir is not None:
        # A bare repository without a `config` file (a copied mirror): GitPython takes it for a work
        # tree's .git and runs git in the folder above; git itself finds it by HEAD, objects and refs.
        repo.git.update_environment(GIT_DIR=repo.git_dir)
    return repo


def head_commit(repo: git.Repo) -> git.Commit | None:
    """HEAD, or None in a repository without commits."""
    try:
        return repo.head.commit
    except ValueError:
        return None


def resolve(repo: git.Repo, rev: str) -> git.Commit | None:
    """A commit for a revision name, or None if git does not know it."""
    if not rev or len(rev) > 256 or rev.startswith("-") or "\0" in rev:
        return None
    try:
        return repo.commit(rev)
    except Exception:  # noqa: BLE001 - GitPython raises many kinds for names it cannot resolve (@{-1}, HEAD@{...})
        return None


_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def first_commits(repo: git.Repo) -> dict[str, tuple[str, dt.datetime, str]]:
    """For each changelog record path: the commit that first added it, its date and the record's blob.

    Remembered for the last HEAD asked about: when that commit is an ancestor of today's HEAD,
    only the commits since are read (one more release reads two commits, not the whole history)."""
    head = head_commit(repo)
    if head is None:
        return {}
    where = cache_dir(repo) / "first-commits.json"
    try:
        known = json.loads(where.read_text(encoding="utf-8"))
        since, found = str(known["head"]), {str(path): (sha, dt.datetime.fromtimestamp(int(stamp), dt.UTC), blob)
                                            for path, (sha, stamp, blob) in known["found"].items()
                                            if _OBJECT_ID.fullmatch(sha) and _OBJECT_ID.fullmatch(blob)}
        if len(found) != len(known["found"]):
            raise ValueError("not what this tool wrote")
    except (OSError, ValueError, KeyError, TypeError, OverflowError):
        since, found = "", {}
    if since == head.hexsha:
        return found
    if not _OBJECT_ID.fullmatch(since) or not _is_ancestor(repo, since, head.hexsha):
        since, found = "", {}
    for path, value in _added(repo, f"{since}..HEAD" if since else "HEAD").items():
        found.setdefault(path, value)  # an earlier commit that added the path wins
    store.write(where, {"head": head.hexsha, "found": {path: [sha, int(when.timestamp()), blob] for path, (sha, when, blob) in found.items()}})
    return found


def _is_ancestor(repo: git.Repo, older: str, newer: str) -> bool:
    try:
        repo.git.merge_base("--is-ancestor", older, newer)  # exit status 1: not an ancestor
    except git.GitCommandError:
        return False
    return True


def _added(repo: git.Repo, revisions: str) -> dict[str, tuple[str, dt.datetime, str]]:
    try:
        out = repo.git.log("--diff-filter=A", "--format=@%H %ct", "--raw", "--no-abbrev", "--reverse", revisions, "--", "changelog/")
    except git.GitCommandError as exc:
        raise GitError(f"git log failed: {exc.stderr.strip()}") from None
    found: dict[str, tuple[str, dt.datetime, str]] = {}
    sha, when = "", dt.datetime.min
    for line in out.splitlines():
        if line.startswith("@"):
            sha, stamp = line[1:].split()
            when = dt.datetime.fromtimestamp(int(stamp), dt.UTC)
        elif line.startswith(":"):
            meta, path = line.split("\t", 1)
            found.setdefault(path.strip(), (sha, when, meta.split()[3]))
    return found


def is_shallow(repo: git.Repo) -> bool:
    """True in a clone made with --depth, whose older commits are missing."""
    return Path(repo.git_dir, "shallow").is_file()


def read_blob(repo: git.Repo, hexsha: str) -> bytes:
    """A file's bytes by its blob id (cached)."""
    if hexsha not in _BLOBS:
        _BLOBS[hexsha] = repo.odb.stream(bytes.fromhex(hexsha)).read()
    return _BLOBS[hexsha]


@functools.lru_cache(maxsize=1024)
def _tree(repo: git.Repo, sha: str) -> GitTree:
    return GitTree(repo.commit(sha))


def tree_at(repo: git.Repo, sha: str) -> GitTree:
    """The content of a commit (cached: verifying and reading a release share it)."""
    return _tree(repo, sha)


def load_releases(repo: git.Repo, root: Path, languages: tuple[str, ...], *,
                  include_uncommitted: bool = False) -> tuple[list[Release], list[ReleaseRecord], list[Problem]]:
    """Published releases (verified against their content_hash), records not yet committed, problems."""
    head = head_commit(repo)
    committed = _committed_records(repo, head) if head is not None else {}
    if include_uncommitted:
        files = {f"changelog/{n}": (root / "changelog" / n).read_bytes for n in WorkingTree(root).listdir("changelog")}
    elif head is not None:
        files = {path: functools.partial(read_blob, repo, blob) for path, blob in committed.items()}
    else:
        return [], [], []
    if files and is_shallow(repo):
        return [], [], [Problem("changelog/", 0, "this is a shallow clone: the commits that published the releases are missing, so no release can be verified; run `git fetch --unshallow` (in CI, check out the full history, e.g. fetch-depth: 0)")]
    added = first_commits(repo)
    # Every release's text is verified against its content_hash: remembered per commit, read at once.
    store.commit_memos(cache_dir(repo), "content-hashes", [added[path][0] for path in files if path in added],
                 lambda sha: content_hash(tree_at(repo, sha)))
    releases, pending, problems = [], [], []
    names = {path: read for path, read in files.items() if record_version(path.removeprefix("changelog/")) is not None}
    for path in sorted(set(files) - set(names)):
        problems.append(Problem(_shown(path), 1, "is not a release record: changelog/ holds only records named "
                                f"<version>{RECORD_SUFFIX}, the version being {VERSION_RULE}; rename or move the file"))
    # A published record needs a summary in the source language only: a language added
    # later shows old releases in the source language, with a note (never an edit).
    loaded = _load_records(repo, names, committed, {path: languages[:1] if path in added else languages for path in names},
                           skip_reading=not include_uncommitted)
    for path in sorted(names):
        record, found, blob_id = loaded[path]
        problems.extend(found)
        if record is None:
            continue
        if path not in added:
            pending.append(record)
            continue
        sha, when, blob = added[path]
        first: bytes | ReleaseRecord = record if blob == blob_id else read_blob(repo, blob)
        problems.extend(_verify(repo, record, sha, first))
        releases.append(Release(record, sha, when))
    releases.sort(key=lambda r: r.record.key)
    problems.extend(_check_dates(releases, pending))
    return releases, pending, problems


def _shown(path: str) -> str:
    """A file name as the editor can type it: line ends and other controls escaped."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in path)


def _committed_records(repo: git.Repo, head: git.Commit) -> dict[str, str]:
    """The release records at HEAD: the blob id of each."""
    try:
        folder = head.tree / "changelog"
    except KeyError:
        return {}
    return {f"changelog/{b.name}": b.hexsha for b in folder if b.type == "blob"}


def _blob_id(data: bytes, like: str) -> str:
    """The id git gives these bytes as a file, in the repository's hash (`like` is one of its ids)."""
    digest = hashlib.sha256 if len(like) == 64 else functools.partial(hashlib.sha1, usedforsecurity=False)
    return digest(b"blob %d\0" % len(data) + data).hexdigest()


# What `load_record` reads with besides this tool's code: a new release of one may judge a record otherwise.
_RECORD_PACKAGES = ("PyYAML", "markdown-it-py", "linkify-it-py", "mdit-py-plugins", "nh3")


@functools.lru_cache(maxsize=1)
def _records_memo_name() -> str:
    digest = hashlib.sha256(f"{store.code_digest()}\n{store.package_versions(_RECORD_PACKAGES)}".encode()).hexdigest()
    return f"records-{digest[:16]}"


LoadedRecord = tuple[ReleaseRecord | None, list[Problem], str]


def _load_records(repo: git.Repo, files: dict[str, Callable[[], bytes]], committed: dict[str, str],
                  languages: dict[str, tuple[str, ...]], skip_reading: bool) -> dict[str, LoadedRecord]:
    """Each record validated (`load_record`), with the blob id of the bytes read. A committed record
    (the same bytes as a blob at HEAD) is remembered by blob id, path and languages: a build reads
    and parses none of the records it read before. With `skip_reading` the files are HEAD's blobs."""
    def fresh(path: str, data: bytes | None) -> tuple[ReleaseRecord | None, list[Problem]]:
        return load_record(files[path]() if data is None else data, path, languages[path])

    out: dict[str, LoadedRecord] = {}
    keys: dict[str, tuple[str, bytes | None]] = {}
    for path, read in files.items():
        data = None if skip_reading else read()
        blob_id = committed[path] if data is None else _blob_id(data, committed.get(path, ""))
        if committed.get(path) == blob_id:
            keys["\n".join((blob_id, ",".join(languages[path]), path))] = (path, data)
        else:  # an edit not yet committed: read as it is, never remembered
            out[path] = (*fresh(path, data), blob_id)
    remembered = store.commit_memos(cache_dir(repo), _records_memo_name(), list(keys),
                                    lambda key: _record_to_json(*fresh(*keys[key])))
    for key, value in remembered.items():
        path, data = keys[key]
        # a value not of the shape this tool writes is read afresh
        out[path] = (*(_record_from_json(value) or fresh(path, data)), committed[path])
    return out


def _record_to_json(record: ReleaseRecord | None, problems: list[Problem]) -> object:
    """A record and its problems as JSON (pairs, not objects, where order counts: the store sorts keys)."""
    found = [[p.path, p.line, p.message, p.severity] for p in problems]
    if record is None:
        return {"record": None, "problems": found}
    short = list(record.short_notice.items()) if isinstance(record.short_notice, dict) else record.short_notice
    return {"record": [record.version, record.effective.isoformat(), record.kind, list(record.summary.items()),
                       record.content_hash, record.path, short], "problems": found}


def _record_from_json(value: object) -> tuple[ReleaseRecord | None, list[Problem]] | None:
    if not isinstance(value, dict):
        return None
    try:
        problems = [Problem(str(path), int(line), str(message), str(severity)) for path, line, message, severity in value["problems"]]
        if value["record"] is None:
            return None, problems
        version, effective, kind, summary, chash, path, short = value["record"]
        pairs = [(str(lang), str(text)) for lang, text in summary]
        notice = short if short is None or isinstance(short, str) else {str(lang): str(reason) for lang, reason in short}
        return ReleaseRecord(str(version), dt.date.fromisoformat(effective), str(kind), dict(pairs), str(chash), str(path), notice), problems
    except (KeyError, TypeError, ValueError):
        return None


def _verify(repo: git.Repo, record: ReleaseRecord, sha: str, first_added: bytes | ReleaseRecord) -> list[Problem]:
    """A published release never changes: its record (as first added: the same record when the
    bytes are the same) and its text are as first committed."""
    first = first_added if isinstance(first_added, ReleaseRecord) else load_record(first_added, record.path, ())[0]
    short = sha[:10]
    if first is not None and (first.version, first.effective, first.kind, first.content_hash, first.summary, first.short_notice) != (
            record.version, record.effective, record.kind, record.content_hash, record.summary, record.short_notice):
        return [Problem(record.path, 1, f"release {record.version} was edited after it was published in commit {short}; a published release never changes: restore it with `git checkout {short} -- {record.path}` and cut a new version instead")]
    actual = _commit_content_hash(repo, sha)
    if actual != record.content_hash:
        return [Problem(record.path, 1, f"release {record.version}: the text at commit {short}, which first added this record, does not match its content_hash (history rewritten or record edited); restore the original history or record")]
    return []


def _commit_content_hash(repo: git.Repo, sha: str) -> str:
    """content_hash of a commit's text (remembered: a commit never changes, so neither does it)."""
    return str(store.commit_memos(cache_dir(repo), "content-hashes", [sha], lambda sha: content_hash(tree_at(repo, sha)))[sha])


def _check_dates(releases: list[Release], pending: list[ReleaseRecord]) -> list[Problem]:
    records = sorted([r.record for r in releases] + pending, key=lambda r: r.key)
    problems = []
    for before, after in zip(records, records[1:], strict=False):
        if after.effective < before.effective:
            problems.append(Problem(after.path, 1, f"effective date {after.effective} of {after.version} is before {before.effective} of {before.version}: effective dates never decrease with the version number"))
    return problems


def init_or_open(path: Path) -> git.Repo:
    """The repository at `path`, created (with branch main) when the folder is not one yet."""
    path.mkdir(parents=True, exist_ok=True)
    try:
        return git.Repo(path, search_parent_directories=False)
    except git.InvalidGitRepositoryError:
        return git.Repo.init(path, initial_branch="main")


def commit_all(repo: git.Repo, message: str, when: dt.datetime) -> str:
    """Commit every change in the work tree with the given date (author and committer); returns the sha."""
    stamp = f"{int(when.timestamp())} +0000"
    try:
        repo.git.add("-A")
        repo.git.commit("-q", "--allow-empty", "-m", message,
                        env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})
    except git.GitCommandError as exc:
        raise GitError(f"git commit failed: {exc.stderr.strip()} (set user.name and user.email with `git config`)") from None
    return repo.head.commit.hexsha


def file_versions(repo_path: Path, path: str) -> list[tuple[str, dt.datetime, str, bytes]]:
    """(commit, date, subject, bytes) for each commit that changed `path`, oldest first (renames followed)."""
    repo = open_repo(repo_path)
    try:
        out = repo.git.log("--follow", "--format=%x00%H %ct %s", "--name-only", "--", path)
    except git.GitCommandError as exc:
        raise GitError(f"git log failed for {path!r}: {exc.stderr.strip()}") from None
    found = []
    for chunk in out.split("\0")[1:]:
        head, *names = [line for line in chunk.splitlines() if line.strip()]
        sha, stamp, subject = (head.split(" ", 2) + [""])[:3]
        name = names[-1] if names else path
        try:
            data = repo.commit(sha).tree[name].data_stream.read()
        except KeyError:
            continue  # the commit deleted the file
        found.append((sha, dt.datetime.fromtimestamp(int(stamp), dt.UTC), subject, data))
    found.reverse()
    return found


# --- publishing a built site to a branch (`policy deploy`) ------------------------------------


def branch_tip(repo: git.Repo, branch: str) -> str | None:
    """The commit `refs/heads/BRANCH` points at, or None when there is no such branch."""
    try:
        return repo.git.rev_parse("--verify", "-q", f"refs/heads/{branch}^{{commit}}").strip() or None
    except git.GitCommandError:
        return None


def commit_folder(repo: git.Repo, folder: Path, branch: str, message: str) -> tuple[str, str | None, bool]:
    """Commit the files of `folder` (the whole tree, nothing else) on top of `branch` without
    touching the work tree, the index or HEAD; move the branch only if nobody moved it meanwhile.
    Returns (new tip, old tip, whether the tree changed)."""
    old = branch_tip(repo, branch)
    index = Path(repo.git_dir) / f"policy-deploy-index-{os.getpid()}"
    env = {"GIT_INDEX_FILE": str(index), "GIT_WORK_TREE": str(folder)}
    try:
        repo.git.add("-A", "--force", ".", env=env)
        tree = repo.git.write_tree(env=env).strip()
        if old is not None and repo.git.rev_parse(f"{old}^{{tree}}").strip() == tree:
            return old, old, False
        parents = ["-p", old] if old else []
        new = repo.git.commit_tree(tree, *parents, "-m", message).strip()
        repo.git.update_ref(f"refs/heads/{branch}", new, old or "0" * 40, "-m", "policy deploy")
    except git.GitCommandError as exc:
        raise GitError(f"could not commit the site to branch {branch!r}: {_said(exc)}; the branch is unchanged "
                       "(set user.name and user.email with `git config` if git asks for them)") from None
    finally:
        index.unlink(missing_ok=True)
    return new, old, True


def reset_branch(repo: git.Repo, branch: str, expected: str, back_to: str | None) -> None:
    """Undo `commit_folder`: the branch back where it was (deleted if it did not exist)."""
    if back_to is None:
        repo.git.update_ref("-d", f"refs/heads/{branch}", expected)
    else:
        repo.git.update_ref(f"refs/heads/{branch}", back_to, expected, "-m", "policy deploy: push refused, undone")


def push_branch(repo: git.Repo, remote: str, sha: str, branch: str, timeout: float = 120.0) -> None:
    """Push one commit as `branch` of `remote` in one ref update (readers see the old or the new
    site); a refused or failed push raises a GitError saying why and what to do."""
    env = {"GIT_TERMINAL_PROMPT": "0", "GIT_SSH_COMMAND": os.environ.get("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")}
    try:
        repo.git.push("--porcelain", remote, f"{sha}:refs/heads/{branch}", env=env, kill_after_timeout=timeout)
    except git.GitCommandError as exc:
        said = _said(exc)
        if "non-fast-forward" in said or "fetch first" in said or "[rejected]" in said:
            hint = (f"the remote's {branch} has commits this repository does not have (someone else deployed); "
                    f"run `git fetch {remote} {branch}:{branch}` and deploy again")
        else:
            hint = f"check that {remote!r} is a reachable remote you may push to, then deploy again"
        raise GitError(f"git push to {remote} refused or failed: {said}; the remote's {branch} is unchanged. {hint}") from None


def _said(exc: git.GitCommandError) -> str:
    text = f"{exc.stdout or ''}\n{exc.stderr or ''}".strip() or str(exc)
    lines = [line.strip() for line in text.replace("stderr: ", "").splitlines() if line.strip() and line.strip() != "'"]
    return " / ".join(line.strip("'") for line in lines)[:600] or str(exc.status)
