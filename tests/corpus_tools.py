"""Helpers for the corpus tests and the benchmark: visible text of versions, git's word diff, agreement."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

from site_builder.compare.diffing import section_blocks
from site_builder.source.content import WorkingTree, load_snapshot

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
GIT_WORD_REGEX = r"[[:alnum:]_]+|[^[:space:]]"
_TOKEN = re.compile(r"[A-Za-z0-9_]+|\S")
_URL = re.compile(r"\S*://\S*|www\.\S+")


def tokens(text: str) -> list[str]:
    """Words as git's --word-diff-regex above counts them (URL words left aside)."""
    return _TOKEN.findall(_URL.sub(" ", text))


def git_word_diff(old: str, new: str, work: Path) -> Counter:
    """(op, token) counts of what `git diff --word-diff` marks between two texts."""
    work.mkdir(parents=True, exist_ok=True)
    a, b = work / "old.txt", work / "new.txt"
    a.write_text(old, encoding="utf-8")
    b.write_text(new, encoding="utf-8")
    done = subprocess.run(["git", "diff", "--no-index", "--word-diff=porcelain", f"--word-diff-regex={GIT_WORD_REGEX}",
                           "-U0", str(a), str(b)], capture_output=True)
    marked: Counter = Counter()
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        if line[:1] in "+-" and not line.startswith(("+++", "---")):
            marked.update((line[0], tok) for tok in tokens(line[1:]))
    return marked


def ours(changes_json: dict) -> Counter:
    """(op, token) counts of what our changes.json marks (a block moved unchanged is no change)."""
    marked: Counter = Counter()
    for sec in changes_json["sections"]:
        for block in sec["blocks"]:
            if "moved_to" in block:
                continue
            for piece in block["pieces"]:
                if piece["op"] in "+-":
                    marked.update((piece["op"], tok) for tok in tokens(piece["text"]))
    return marked


def moved_words(changes_json: dict) -> Counter:
    """Words in blocks we call moved: git marks them deleted and inserted."""
    marked: Counter = Counter()
    for sec in changes_json["sections"]:
        for block in sec["blocks"]:
            if "moved_to" in block or "moved_from" in block:
                op = "-" if "moved_to" in block else "+"
                marked.update((op, tok) for tok in tokens("".join(p["text"] for p in block["pieces"] if p["op"] in ("=", op))))
    return marked


def visible_text(root: Path) -> dict[str, str]:
    """Each section of a working tree as a reader sees it: one block per line."""
    snap, _ = load_snapshot(WorkingTree(root))
    assert snap is not None
    return {sec.id: "\n".join(b.key for b in section_blocks(sec.body)) + "\n" for sec in snap.text("en").sections}


def agreement(site: Path, repo: Path, work: Path) -> tuple[int, int, int]:
    """(words both mark, words only git marks, words only we mark) over every release of a built history.

    git compares each section's old and new text (the texts our engine compares); words in blocks
    we call moved are taken out of git's marks, since git sees them deleted in one section and
    inserted in another.
    """
    versions = [v["version"] for v in json.loads((site / "versions.json").read_text())][::-1]
    both = only_git = only_ours = 0
    texts = {}
    for version in versions:
        commit = next(v["commit"] for v in json.loads((site / "versions.json").read_text()) if v["version"] == version)
        subprocess.run(["git", "-C", str(repo), "checkout", "-q", commit, "--", "policy"], check=True)
        texts[version] = visible_text(repo)
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "HEAD", "--", "policy"], check=True)
    for old, new in zip(versions, versions[1:], strict=False):
        data = json.loads((site / "en" / new / "changes.json").read_text())
        renamed = {s["renamed_from"]: s["id"] for s in data["sections"] if s.get("renamed_from")}
        git: Counter = Counter()
        olds = {renamed.get(k, k): v for k, v in texts[old].items()}
        for sid in olds.keys() | texts[new].keys():
            if olds.get(sid) != texts[new].get(sid):
                git += git_word_diff(olds.get(sid, ""), texts[new].get(sid, ""), work)
        git -= moved_words(data)
        mine = ours(data)
        both += sum((git & mine).values())
        only_git += sum((git - mine).values())
        only_ours += sum((mine - git).values())
    return both, only_git, only_ours
