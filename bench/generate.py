"""Generate a policy repository with N releases from this repository's real policy text.

Each release applies random word edits in English and Greek (now and then adding or removing
a section), marks the translations and runs `policy release`, then commits, like an editor.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import shutil
import subprocess
from pathlib import Path

from site_builder.cli import cli
from site_builder.source.content import WorkingTree, load_snapshot

ROOT = Path(__file__).resolve().parents[1]
WORDS = {"en": "data privacy controller processing lawful basis transfer retention request consent security".split(),
         "el": "δεδομένα ιδιωτικότητα υπεύθυνος επεξεργασία νόμιμη βάση διαβίβαση διατήρηση αίτημα συγκατάθεση ασφάλεια".split()}
ENV = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com", "GIT_COMMITTER_NAME": "Bench",
       "GIT_COMMITTER_EMAIL": "bench@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo: Path, *args: str, when: int | None = None) -> None:
    env = {**ENV, **({"GIT_AUTHOR_DATE": f"@{when} +0000", "GIT_COMMITTER_DATE": f"@{when} +0000"} if when else {})}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def policy(repo: Path, *args: str) -> None:
    """Run the `policy` command in this process (the same code path as the console script)."""
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        _invoke(repo, args)


def _invoke(repo: Path, args: tuple[str, ...]) -> None:
    try:
        cli.main(["--debug", *args, "--repo", str(repo)], prog_name="policy", standalone_mode=False)
    except SystemExit as exc:
        if exc.code:
            raise


def _edit_body(path: Path, lang: str, rng: random.Random) -> None:
    """Two words replaced by words as long (a long word, over six letters, by a long one): the
    sentences and the readability figures the release checks stay as they were."""
    text = path.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n")
    words = body.split(" ")
    done = 0
    for _ in range(1000):  # two words changed (a section of only capitals and marks keeps its text)
        if done == 2:
            break
        i = rng.randrange(len(words))
        if any(ch in "".join(words[max(0, i - 1):i + 2]) for ch in "{}#-\n*[]()`|"):
            continue  # keep placeholders, headings, list markers, links and emphasis intact
        bare = words[i].rstrip(".,;:!?»")
        if not (bare.isalpha() and bare.islower()):
            continue  # a capital may start a sentence: the sentences must stay as they were
        same = [w for w in WORDS[lang] if (len(w) > 6) == (len(bare) > 6) and w != bare]
        words[i] = rng.choice(same) + words[i][len(bare):]
        done += 1
    path.write_text(head + sep + " ".join(words), encoding="utf-8")


def _add_or_remove_section(repo: Path, rng: random.Random, n: int) -> None:
    listing = (repo / "policy/policy.yml").read_text(encoding="utf-8")
    ids = [line[4:] for line in listing.splitlines() if line.startswith("  - ")]
    extra = [i for i in ids if i.startswith("annex-")]
    if extra and rng.random() < 0.5:
        gone = rng.choice(extra)
        listing = listing.replace(f"  - {gone}\n", "")
        (repo / f"policy/{gone}.md").unlink()
        (repo / f"translations/el/{gone}.md").unlink()
    else:
        new = f"annex-{n}"
        listing = listing.rstrip("\n") + f"\n  - {new}\n"
        (repo / f"policy/{new}.md").write_text(f"---\ntitle: Annex {n}\nsummary: Additional terms {n}.\n---\nAdditional terms number {n} on data processing.\n", encoding="utf-8")
        (repo / f"translations/el/{new}.md").write_text(f"---\ntitle: Παράρτημα {n}\nsummary: Συμπληρωματικοί όροι {n}.\n---\nΣυμπληρωματικοί όροι αριθ. {n} για την επεξεργασία δεδομένων.\n", encoding="utf-8")
    (repo / "policy/policy.yml").write_text(listing, encoding="utf-8")


def generate(target: Path, releases: int, seed: int = 7) -> Path:
    """A fresh repository at `target` with `releases` releases; returns its path."""
    rng = random.Random(seed)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in ("policy", "translations"):
        shutil.copytree(ROOT / name, target / name)
    shutil.copy(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    # A generated history is dated in the past: the notice period the policy promises does not apply.
    listing = target / "policy/policy.yml"
    listing.write_text("".join(line for line in listing.read_text(encoding="utf-8").splitlines(keepends=True)
                               if not line.startswith("notice_days:")), encoding="utf-8")
    for section in (target / "policy").glob("*.md"):  # random word edits would trip the GDPR cue checks
        section.write_text("".join(line for line in section.read_text(encoding="utf-8").splitlines(keepends=True)
                                   if not line.startswith("gdpr:")), encoding="utf-8")
    git(target, "init", "-q", "-b", "main")
    clock = 1_600_000_000
    day = dt.date(2020, 1, 1)
    for n in range(1, releases + 1):
        if n > 1:
            snap, _ = load_snapshot(WorkingTree(target))
            for sec in rng.sample(list(snap.sections), k=min(2, len(snap.sections))):
                _edit_body(target / sec.path, "en", rng)
                _edit_body(target / f"translations/el/{sec.id}.md", "el", rng)
            if rng.random() < 0.1:
                _add_or_remove_section(target, rng, n)
        snap, _ = load_snapshot(WorkingTree(target))
        policy(target, "translations", "mark", "el", *[s.id for s in snap.sections])
        clock += 86400
        git(target, "add", "-A")
        git(target, "commit", "-q", "--allow-empty", "-m", f"Edit for {n}", when=clock)
        day += dt.timedelta(days=7)
        version = f"{n}.0"
        policy(target, "release", version, "--effective", day.isoformat(), "--kind", rng.choice(["minor", "material"]),
               "--summary-en", f"Release {n}: wording updated.", "--summary-el", f"Έκδοση {n}: επικαιροποίηση διατυπώσεων.")
        git(target, "add", "-A")
        git(target, "commit", "-q", "-m", f"Release {version}", when=clock + 60)
    return target


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", type=Path)
    parser.add_argument("-n", "--releases", type=int, default=200)
    args = parser.parse_args()
    print(generate(args.target, args.releases))
