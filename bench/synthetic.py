"""A real-sized synthetic policy history: dated versions of ~6,000 words, small edits per release
and one wholesale restructuring, written as a folder that `policy import` reads.

    python bench/synthetic.py /tmp/versions          # 60 versions, seed 22

The text is made of policy-like sentences (who processes what, why, for how long, with whom), so
words repeat as they do in a real policy; the same seed gives the same versions, byte for byte.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

TITLES = ["Who we are", "Scope of this policy", "Information we collect", "Information from third parties",
          "How we use information", "Legal bases", "Cookies and similar technologies", "Advertising",
          "Sharing with service providers", "Sharing with partners", "Legal requests", "International transfers",
          "How long we keep information", "Security", "Your rights", "Access and portability",
          "Correction and deletion", "Objection and restriction", "Marketing choices", "Children",
          "Automated decisions", "Changes to this policy", "Complaints", "Contact us"]
SUBJECTS = ["We", "Our service providers", "The controller", "Our support team", "Our partners", "Our payment processor",
            "The hosting provider", "Our security staff", "Our analytics tools", "The data protection officer"]
VERBS = ["collect", "use", "keep", "share", "process", "store", "review", "delete", "protect", "disclose", "combine",
         "analyse", "receive", "transfer", "anonymise"]
OBJECTS = ["your name and e-mail address", "the device identifiers of your browser", "your order history",
           "the messages you send us", "your postal address", "payment and billing information",
           "information about how you use the service", "your account settings", "your location when you allow it",
           "the content you upload", "records of your consent", "technical logs of your visits",
           "your preferences for marketing", "the identity documents you provide", "information from cookies"]
PURPOSES = ["to provide and improve the service", "to deliver your orders", "to answer your questions",
            "to meet our obligations under tax law", "to prevent fraud and abuse", "to keep the service secure",
            "to send you news you asked for", "to measure how the service performs", "to comply with a court order",
            "to defend legal claims", "to personalise what you see", "to verify your identity"]
LIMITS = ["for as long as your account is open", "for five years after the end of the financial year",
          "only with your consent", "where the law allows it", "for no longer than six months",
          "under a written contract with us", "with safeguards approved by the European Commission",
          "until you withdraw your consent", "unless you object", "where this is necessary for a contract with you"]
LINKS = ["You can read more in the section on your rights.", "You may withdraw your consent at any time.",
         "Ask us for a copy of the safeguards by writing to our data protection officer.",
         "You may lodge a complaint with a supervisory authority."]


def sentence(rng: random.Random) -> str:
    text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(PURPOSES)}"
    if rng.random() < 0.7:
        text += f" {rng.choice(LIMITS)}"
    if rng.random() < 0.4:
        text += f" and {rng.choice(PURPOSES)}"
    return text + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 5))) + (f" {rng.choice(LINKS)}" if rng.random() < 0.2 else "")


def bullets(rng: random.Random) -> str:
    return "\n".join(f"- {sentence(rng)}" for _ in range(rng.randint(3, 6)))


def first_version(rng: random.Random, words: int) -> list[list]:
    """[title, [block, ...]] per section, about `words` words in all."""
    sections: list[list] = [[title, []] for title in TITLES]
    total = 0
    while total < words:
        blocks = rng.choice(sections)[1]
        block = bullets(rng) if rng.random() < 0.2 else paragraph(rng)
        blocks.append(block)
        total += len(block.split())
    return sections


def small_edit(rng: random.Random, sections: list[list]) -> None:
    """One editor's touch: a word changed, a sentence added or dropped, a paragraph added."""
    blocks = rng.choice(sections)[1]
    if not blocks:
        blocks.append(paragraph(rng))
        return
    k = rng.randrange(len(blocks))
    choice = rng.random()
    if choice < 0.6:
        words = blocks[k].split(" ")
        i = rng.randrange(len(words))
        if not words[i].startswith(("-", "\n")) and "\n" not in words[i]:
            words[i] = rng.choice(["promptly", "securely", "lawfully", "only", "also", "reasonably", words[i]])
        blocks[k] = " ".join(words)
    elif choice < 0.75 and not blocks[k].startswith("- "):
        blocks[k] += " " + sentence(rng)
    elif choice < 0.8 and len(blocks) > 1:
        blocks.insert(k, paragraph(rng))
    else:
        parts = blocks[k].split(". ")
        if len(parts) > 2 and not blocks[k].startswith("- "):
            del parts[rng.randrange(len(parts))]
            blocks[k] = ". ".join(parts)


def restructure(rng: random.Random, sections: list[list]) -> list[list]:
    """The wholesale rewrite: sections renamed, moved and merged, as a redesign of the policy does."""
    out = [[title, list(blocks)] for title, blocks in sections]
    for k in rng.sample(range(len(out)), 5):  # renamed
        out[k][0] = f"{out[k][0]} ({rng.choice(['overview', 'in detail', 'what this means for you'])})"
    for a, b in ((4, 5), (8, 9), (15, 16)):  # merged: b's text goes under a's heading
        out[a][1] += out[b][1]
        out[b][1] = []
    out = [s for s in out if s[1]]
    for _ in range(4):  # moved
        moved = out.pop(rng.randrange(len(out)))
        out.insert(rng.randrange(len(out) + 1), moved)
    for _, blocks in out:  # and the paragraphs of each shuffled a little
        if len(blocks) > 3 and rng.random() < 0.5:
            i = rng.randrange(len(blocks) - 1)
            blocks[i], blocks[i + 1] = blocks[i + 1], blocks[i]
    return out


def document(sections: list[list]) -> str:
    return "# Privacy Policy\n\n" + "".join(f"## {title}\n\n" + "\n\n".join(blocks) + "\n\n" for title, blocks in sections)


def synthetic_history(folder: Path, releases: int = 60, words: int = 5600, seed: int = 22) -> Path:
    """Write `releases` dated versions (NNN-YYYY-MM-DD.md) into `folder`; the middle one restructures."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    sections = first_version(rng, words)
    day = dt.date(2018, 5, 25)
    for n in range(1, releases + 1):
        if n == releases // 2:
            sections = restructure(rng, sections)
        elif n > 1:
            for _ in range(rng.randint(1, 4)):
                small_edit(rng, sections)
        (folder / f"{n:03d}-{day.isoformat()}.md").write_text(document(sections), encoding="utf-8")
        day += dt.timedelta(days=rng.randint(20, 60))
    return folder


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("-n", "--releases", type=int, default=60)
    args = parser.parse_args()
    print(synthetic_history(args.folder, args.releases))
