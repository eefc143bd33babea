"""Issue 22 points 2 and 4: comparison and import that score only plausible pairs; import per version."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import shutil
from pathlib import Path

import pytest
import yaml

from site_builder.compare import diffing
from site_builder.compare.diffing import compare_texts, plausible, similarity
from site_builder.site.build import build_site
from site_builder.source.models import LanguageText, SectionText
from tests.conftest import GREEK, SECTIONS, PolicyRepo, make_english_only

VOCAB = [f"w{n}" for n in range(20_000)]
ZIPF = [1 / (rank + 1) for rank in range(len(VOCAB))]  # word frequencies as in real text


def text_of(sections: list[tuple[str, str]]) -> LanguageText:
    return LanguageText("en", "Policy", tuple(SectionText(sid, sid.title(), body, i + 1, "source")
                                              for i, (sid, body) in enumerate(sections)))


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(VOCAB, ZIPF, k=n)) + "."


# --- point 2: only plausible pairs are scored, and no pair that matters is missed --------------


@pytest.mark.parametrize("threshold", [0.5, 0.6, 0.75])
@pytest.mark.parametrize("seed", [1, 2])
def test_index_finds_every_pair_a_full_scan_finds(threshold: float, seed: int) -> None:
    rng = random.Random(seed)
    small = VOCAB[:30]  # few distinct words: many pairs close to the threshold
    base = [[rng.choice(small) for _ in range(rng.randint(1, 30))] for _ in range(60)]
    lefts = [b[:] for b in base[:30]]
    rights = []
    for words in base[30:] + base[:30]:  # edited copies: near and far from the threshold
        words = words[:]
        for _ in range(rng.randint(0, len(words))):
            words[rng.randrange(len(words))] = rng.choice(small)
        rights.append(words)
    found = plausible(lefts, rights, threshold)
    for i, a in enumerate(lefts):
        for j, b in enumerate(rights):
            if similarity(a, b) >= threshold:
                assert j in found.get(i, []), (threshold, a, b)
        assert found.get(i, []) == sorted(found.get(i, []))


def counting_similarity(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]

    def counted(a, b):  # noqa: ANN001, ANN202
        calls[0] += 1
        return similarity(a, b)

    monkeypatch.setattr(diffing, "similarity", counted)
    return calls


def rewrite(n: int, seed: int, moved_edit: str) -> tuple[LanguageText, LanguageText]:
    """Two sections rewritten wholesale (n paragraphs out of each, n new ones in), and one
    paragraph that left the first section for the second with one word changed."""
    rng = random.Random(seed)
    moved = "The controller keeps invoices for five years as the tax law requires of every seller."
    old_a = "\n\n".join([sentence(rng, 12) for _ in range(n)] + [moved])
    old_b = "\n\n".join(sentence(rng, 12) for _ in range(n))
    new_a = "\n\n".join(sentence(rng, 12) for _ in range(n))
    new_b = "\n\n".join([sentence(rng, 12) for _ in range(n)] + [moved.replace("five", moved_edit)])
    return text_of([("alpha", old_a), ("beta", old_b)]), text_of([("alpha", new_a), ("beta", new_b)])


@pytest.mark.parametrize("edit", ["six", "ten"])
def test_a_move_inside_a_wholesale_rewrite_is_found(edit: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before, more than 20,000 pairs gave up on moves: a paragraph carried over was shown deleted and added."""
    calls = counting_similarity(monkeypatch)
    old, new = rewrite(160, 7, edit)
    changes = compare_texts(old, new, from_label="a", to_label="b")
    beta = next(s for s in changes.sections if s.id == "beta")
    arrived = [b for b in beta.blocks if b.moved == "from"]
    assert len(arrived) == 1 and arrived[0].moved_section == "alpha"
    assert [p.text.strip() for p in arrived[0].pieces if p.op == "+"] == [edit]
    assert calls[0] < 400  # 161 x 160 pairs before; now only those sharing rare words


def test_scored_pairs_grow_with_the_text_not_its_square(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counting_similarity(monkeypatch)
    counts = []
    for n in (100, 200, 400):
        calls[0] = 0
        old, new = rewrite(n, 3, "six")
        compare_texts(old, new, from_label="a", to_label="b")
        counts.append(calls[0])
    assert counts[2] <= 2.5 * counts[1] + 5 and counts[1] <= 2.5 * counts[0] + 5, counts


def counting_ordered_comparisons(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    real = diffing._opcodes

    def counted(a, b):  # noqa: ANN001, ANN202
        calls[0] += 1
        return real(a, b)

    monkeypatch.setattr(diffing, "_opcodes", counted)
    return calls


def test_a_long_rewritten_stretch_finds_each_edit_without_comparing_every_neighbour(monkeypatch: pytest.MonkeyPatch) -> None:
    """120 paragraphs, each edited and preceded by five new ones: every edit is still shown as an
    edit (not deleted and added), and the new paragraphs on the way are not compared word by word."""
    rng = random.Random(5)
    olds = [sentence(rng, 18) for _ in range(120)]
    news = []
    for para in olds:
        news += [sentence(rng, 18) for _ in range(5)]
        words = para.split()
        words[len(words) // 2] = "changed"
        news.append(" ".join(words))
    calls = counting_ordered_comparisons(monkeypatch)
    changes = compare_texts(text_of([("alpha", "\n\n".join(olds))]), text_of([("alpha", "\n\n".join(news))]),
                            from_label="a", to_label="b")
    blocks = changes.sections[0].blocks
    assert sum(b.status == "changed" for b in blocks) == 120
    assert sum(b.status == "removed" for b in blocks) == 0 and sum(b.status == "added" for b in blocks) == 600
    assert calls[0] < 2.5 * 120, calls[0]  # 6 x 120 before: each new paragraph on the way was compared


@pytest.mark.parametrize("seed", range(4))
def test_a_block_is_an_edit_exactly_when_enough_words_stay_in_order(seed: int) -> None:
    """The quick bound on shared words never turns an edit into a deletion and an addition:
    a paragraph stays an edit when 40 % of the words stay in order, or 60 % of the shorter form."""
    rng = random.Random(seed)
    small = ["data", "we", "you", "keep", "law", "years", "ask", "name"]
    for _ in range(150):
        a = [rng.choice(small) for _ in range(rng.randint(1, 14))]
        b = [rng.choice(small) for _ in range(rng.randint(1, 14))]
        common = similarity(a, b) * (len(a) + len(b)) / 2
        edit = common >= 0.4 * (len(a) + len(b)) / 2 - 1e-9 or common >= 0.6 * min(len(a), len(b)) - 1e-9
        sec = compare_texts(text_of([("alpha", " ".join(a) + ".")]), text_of([("alpha", " ".join(b) + ".")]),
                            from_label="a", to_label="b").sections[0]
        shown = "unchanged" if a == b else ("changed" if edit else "removed")
        assert {blk.status for blk in sec.blocks} - {"added"} == {shown}, (a, b)


def english_then_greek(tmp_path: Path) -> PolicyRepo:
    """Releases 1.0 to 1.2 in English only (as an import makes them), then 2.0 with a Greek translation."""
    repo = make_english_only(tmp_path / "policy-repo")
    repo.commit("Initial policy")
    repo.release("1.0", "2025-01-01")
    for version, month in (("1.1", "03"), ("1.2", "05")):
        repo.section("rights", "Your rights", f"You may ask for a copy of your data (version {version}).\n")
        repo.commit(f"Rights for {version}")
        repo.release(version, f"2025-{month}-01")
    repo.write("translations/el/policy.yml", "title: Πολιτική Απορρήτου\n")
    for sid in SECTIONS:
        repo.translate(sid, *GREEK[sid])
    repo.commit("Greek translation")
    repo.release("2.0", "2025-07-01")
    return repo


def test_a_comparison_greek_readers_see_in_english_is_made_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Greek changes pages of versions published in English only show the English comparison:
    it is made once for both languages (before: once per language), and shown alike."""
    repo = english_then_greek(tmp_path)
    calls = []
    real = diffing.compare_texts

    def counted(old, new, **kw):  # noqa: ANN001, ANN003, ANN202
        calls.append((old.lang, new.lang))
        return real(old, new, **kw)

    monkeypatch.setattr(diffing, "compare_texts", counted)
    site = build_site(repo.root, out=tmp_path / "site", today=dt.date(2026, 1, 1), quiet=True, parallel=False)
    assert calls == [("en", "en")] * 3  # 1.0 -> 1.1, 1.1 -> 1.2, 1.2 -> 2.0
    for lang in ("en", "el"):
        html = (site / f"{lang}/1.2/changes/index.html").read_text(encoding="utf-8")
        assert re.search(r"<del><span class=\"visually-hidden\">[^<]+</span>1</del>", html), lang
        assert re.search(r"<ins><span class=\"visually-hidden\">[^<]+</span>2</ins>", html), lang
    data = json.loads((site / "el/1.2/changes.json").read_text(encoding="utf-8"))
    assert json.loads((site / "en/1.2/changes.json").read_text(encoding="utf-8"))["sections"] == data["sections"]


# --- point 4: import per version ---------------------------------------------------------------


def target(tmp_path: Path) -> PolicyRepo:
    repo = PolicyRepo(tmp_path / "imported")
    repo.root.mkdir(parents=True)
    repo.git("init", "-q", "-b", "main")
    return repo


BODY = {"Information we collect": "We collect your name, your e-mail address and your postal address when you order.",
        "How we use it": "We use it to deliver your orders, to answer your questions and to send you invoices.",
        "Your rights": "You may ask for a copy of your data, correct it, or ask us to erase it at any time."}


def page(heading, extra: str = "", times: int = 1) -> str:  # noqa: ANN001
    return "# Privacy Policy\n\nWelcome.\n\n" + "".join(f"{heading(t)}\n\n{' '.join([b] * times)}{extra}\n\n" for t, b in BODY.items())


@pytest.mark.parametrize("later", [lambda t: f"#### {t}", lambda t: f"{t}\n---------"], ids=["atx4", "setext2"])
def test_each_version_is_cut_at_its_own_heading_level(tmp_path: Path, later) -> None:  # noqa: ANN001
    source = tmp_path / "versions"
    source.mkdir()
    early = (lambda t: f"## {t}") if later(" x").startswith("#") else (lambda t: f"### {t}")
    for n, date in enumerate(["2024-01-01", "2024-06-01"], start=1):
        (source / f"{n:03d}-{date}.md").write_text(page(early), encoding="utf-8")
    for n, date in enumerate(["2025-01-01", "2025-06-01"], start=3):
        (source / f"{n:03d}-{date}.md").write_text(page(later, f" Edit {n}."), encoding="utf-8")
    repo = target(tmp_path)
    done = repo.policy("import", str(source), "-q")
    ids = ["introduction", "information-we-collect", "how-we-use-it", "your-rights"]
    assert yaml.safe_load(repo.read("policy/policy.yml"))["sections"] == ids  # not one long "Introduction"
    level = "4" if later(" x").startswith("#") else "2"
    assert f"004-2025-06-01: heading level {level}, 4 section(s)" in done.stdout
    assert "001-2024-01-01: heading level" in done.stdout
    assert "warning" not in done.stdout


ERROR_PAGE = "# Oops\n\nWe're all mixed up. Something went wrong on our side; please try again later or go back home.\n"


@pytest.mark.parametrize("bad", ["error", "truncated"])
def test_a_captured_error_page_is_imported_with_a_warning(tmp_path: Path, bad: str) -> None:
    source = tmp_path / "versions"
    source.mkdir()
    (source / "001-2024-01-01.md").write_text(page(lambda t: f"## {t}", times=5), encoding="utf-8")
    if bad == "error":
        middle = ERROR_PAGE
    else:  # the last sections missing: a capture cut short
        middle = page(lambda t: f"## {t}", times=5).split("## How we use it")[0]
    (source / "002-2024-02-01.md").write_text(middle, encoding="utf-8")
    (source / "003-2024-03-01.md").write_text(page(lambda t: f"## {t}", " Again.", times=5), encoding="utf-8")
    repo = target(tmp_path)
    done = repo.policy("import", str(source), "-q")
    warnings = [line for line in done.stdout.splitlines() if "warning" in line]
    assert len(warnings) >= 1 and all("002-2024-02-01" in line for line in warnings), done.stdout
    expect = "words against" if bad == "error" else "section(s) against"
    assert any(expect in line for line in warnings)
    # the version after it takes back the ids of the sections the bad capture lost
    assert yaml.safe_load(repo.read("policy/policy.yml"))["sections"] == [
        "introduction", "information-we-collect", "how-we-use-it", "your-rights"]


@pytest.mark.parametrize("how", ["mirror", "bare-packed"])
def test_history_of_a_bare_repository_without_config(tmp_path: Path, how: str) -> None:
    origin = PolicyRepo(tmp_path / "origin")
    origin.root.mkdir()
    origin.git("init", "-q", "-b", "main")
    for n in (1, 2):
        origin.write("docs/privacy.md", page(lambda t: f"## {t}", f" Version {n}."))
        origin.commit(f"Version {n}")
    bare = tmp_path / "copy.git"
    if how == "mirror":
        origin.git("clone", "-q", "--mirror", str(origin.root), str(bare))
    else:
        origin.git("clone", "-q", "--bare", str(origin.root), str(bare))
        origin.git("--git-dir", str(bare), "gc", "-q")
    (bare / "config").unlink()
    shutil.rmtree(bare / "hooks", ignore_errors=True)
    repo = target(tmp_path)
    done = repo.policy("import", str(bare), "--history", "docs/privacy.md", "-q", check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "Version 2." in repo.read("policy/your-rights.md")
    assert len(repo.git("log", "--format=%H").split()) == 2


# --- the benchmark's real-sized synthetic history --------------------------------------------


def test_the_synthetic_history_is_real_sized_reproducible_and_restructured_once(tmp_path: Path) -> None:
    from bench.synthetic import synthetic_history

    first = synthetic_history(tmp_path / "a")
    again = synthetic_history(tmp_path / "b")
    files = sorted(first.glob("*.md"))
    assert len(files) == 60
    assert [f.read_bytes() for f in files] == [(again / f.name).read_bytes() for f in files]  # the same seed, the same text
    texts = [f.read_text(encoding="utf-8") for f in files]
    assert 5_500 <= sum(len(t.split()) for t in texts) / len(texts) <= 7_000
    titles = [re.findall(r"^## (.+)$", t, flags=re.M) for t in texts]
    changed = [k for k in range(1, 60) if titles[k] != titles[k - 1]]
    assert changed == [29]  # one release renames, merges and moves sections; the others edit words
    assert len(titles[29]) < len(titles[28]) and len(set(titles[29]) - set(titles[28])) >= 3
    assert [t for t in titles[28] if t in titles[29]] != [t for t in titles[29] if t in titles[28]]  # and moved
    assert sum(texts[k] != texts[k - 1] for k in range(1, 60)) >= 50  # nearly every release changes some words


def test_comparisons_are_shared_only_through_a_folder_this_user_alone_can_write(tmp_path) -> None:  # noqa: ANN001
    """What the workers leave there is unpickled: a folder others can write (or a link) is not used."""
    import os

    from site_builder.site.plan import share_comparisons, shared_comparisons

    mine = tmp_path / "mine"
    share_comparisons(mine)
    assert shared_comparisons() == mine and (os.lstat(mine).st_mode & 0o777) == 0o700
    open_to_all = tmp_path / "open"
    open_to_all.mkdir()
    open_to_all.chmod(0o777)
    share_comparisons(open_to_all)
    assert shared_comparisons() is None
    link = tmp_path / "link"
    link.symlink_to(mine)
    share_comparisons(link)
    assert shared_comparisons() is None
    share_comparisons(None)
    assert shared_comparisons() is None
