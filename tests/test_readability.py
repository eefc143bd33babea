"""The plain-language aid (issue 24 point 3): `policy readability`, the editors' draft page and the
`check` warnings, the same measures for Greek and English; and this repository's text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import PolicyRepo, copy_repo, make_released

ROOT = Path(__file__).resolve().parents[1]


def words(n: int, word: str = "data") -> str:
    return " ".join([word] * n)


# A 40-word English sentence on body line 3 (file line 6), and a 39-word Greek one (file line 7) ending with
# the Greek question mark, after a sentence that mentions "Art. 13" and "ν. 3471/2006" (no split).
LONG_EN = f"We keep it short.\n\nWe explain under Art. 13 GDPR why we {words(31)} here.\n"
LONG_EL = f"Το λέμε σύντομα.\n\nΚατά τον ν. 3471/2006 και το άρθρ. 13 εξηγούμε γιατί {words(27, 'δεδομένα')} εδώ;\n"
PLAIN = " ".join(["We keep your data for a short time.", "Then we delete it.", "You can ask us to stop.",
                  "We answer you in a month.", "It costs you nothing.", "Write to us at any time.",
                  "We read every letter.", "We tell you what we did.", "You can also complain.", "We keep the site safe.",
                  "We do not sell your data.", "We use few cookies.", "Ask us if you are not sure.", "That is all."]) + "\n"
HARD = " ".join(["Notwithstanding contractual arrangements, personal information processing continues indefinitely",
                 "whenever operational considerations necessitate additional administrative retention periods.",
                 "Furthermore, supplementary documentation obligations, regulatory requirements and organisational",
                 "circumstances occasionally determine considerably extended preservation intervals.",
                 "Individuals requesting information receive comprehensive explanations regarding applicable",
                 "statutory exemptions, jurisdictional particularities and complementary procedural safeguards.",
                 "Correspondence concerning complaints undergoes thorough investigation.",
                 "Additionally, technological infrastructure providers occasionally receive comprehensive",
                 "organisational information whenever contractual obligations necessitate it."]) + "\n"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> PolicyRepo:
    """Released 1.0 and 1.1, then 1.2 whose `collection` section is plain (60+ words), all committed."""
    repo = make_released(tmp_path_factory.mktemp("readability") / "policy-repo")
    repo.section("collection", "What we collect", PLAIN)
    repo.translate("collection", "Ποια δεδομένα συλλέγουμε", "Κρατούμε τα δεδομένα σας για λίγο. Μετά τα διαγράφουμε.\n")
    repo.commit("Plain collection")
    repo.release("1.2", "2025-09-01")
    return repo


@pytest.fixture
def edited(base: PolicyRepo, tmp_path: Path) -> PolicyRepo:
    return copy_repo(base, tmp_path / "policy-repo")


@pytest.fixture(scope="module")
def long_draft(base: PolicyRepo, tmp_path_factory: pytest.TempPathFactory) -> PolicyRepo:
    """The draft has a long sentence in each language (`rights`), built once with --draft."""
    repo = copy_repo(base, tmp_path_factory.mktemp("long") / "policy-repo")
    repo.section("rights", "Your rights", LONG_EN)
    repo.translate("rights", "Τα δικαιώματά σας", LONG_EL)
    repo.policy("build", "--draft", "--out", str(repo.root / "site"), "-q")
    return repo


def test_long_sentences_are_listed_with_file_and_line_in_both_languages(long_draft: PolicyRepo) -> None:
    out = long_draft.policy("readability").stdout
    assert "policy/rights.md:6: 40 words: We explain under Art. 13 GDPR" in out
    assert "translations/el/rights.md:7: 39 words: Κατά τον ν. 3471/2006 και το άρθρ. 13" in out
    assert "(against 1.2)" in out
    only_el = long_draft.policy("readability", "--lang", "el").stdout
    assert "translations/el/rights.md:7" in only_el and "policy/rights.md" not in only_el


def test_the_json_gives_every_measure_and_the_change(long_draft: PolicyRepo) -> None:
    data = json.loads(long_draft.policy("readability", "--format", "json").stdout)
    assert data["schema"] == "policy-readability/1" and data["against"] == "1.2"
    rows = {(r["section"], r["lang"]): r for r in data["sections"]}
    en, el = rows["rights", "en"], rows["rights", "el"]
    assert en["sentences"] == 2 and en["words"] == 44 and en["words_per_sentence"] == 22.0
    assert en["long_sentences"] == [{"line": 6, "words": 40, "text": en["long_sentences"][0]["text"]}]
    assert el["sentences"] == 2 and el["long_sentences"][0]["line"] == 7
    assert en["before"]["sentences"] == 2 and en["lix_change"] is not None  # 1.1's "rights": two sentences
    assert 0 < el["long_word_share"] < 1


@pytest.mark.parametrize("lang, url, heads", [
    ("en", "en/draft/readability", ("Words per sentence", "Long words", "Sentences over 35 words")),
    ("el", "el/draft/readability", ("Λέξεις ανά περίοδο", "Μακροσκελείς λέξεις", "Περίοδοι άνω των 35 λέξεων")),
])
def test_the_draft_page_for_editors_is_noindex_and_in_the_readers_language(long_draft: PolicyRepo, lang: str, url: str,
                                                                           heads: tuple[str, ...]) -> None:
    page = (long_draft.root / "site" / url / "index.html").read_text(encoding="utf-8")
    assert 'name="robots" content="noindex' in page
    assert all(head in page for head in heads)
    assert ("policy/rights.md:6" if lang == "en" else "translations/el/rights.md:7") in page
    assert not (long_draft.root / "site" / "en" / "1.2" / "readability").exists()  # the draft only


@pytest.mark.parametrize("path, text, line", [
    ("policy/rights.md", f"Short.\n\nWe {words(55)} here.\n", 6),
    ("translations/el/rights.md", f"Σύντομα.\n\n- Εμείς {words(52, 'δεδομένα')} εδώ.\n", 7),
])
def test_check_warns_for_a_sentence_over_fifty_words(edited: PolicyRepo, path: str, text: str, line: int) -> None:
    if path.startswith("policy/"):
        edited.section("rights", "Your rights", text)
    else:
        edited.translate("rights", "Τα δικαιώματά σας", text)
    done = edited.policy("check", check=False)
    assert done.returncode == 0
    assert f"{path}:{line}: warning: a sentence of " in done.stdout and "words (over 50)" in done.stdout
    assert edited.policy("check", "--strict", check=False).returncode == 1


@pytest.mark.parametrize("body, warned", [(HARD, True), (PLAIN.replace("That is all.", "That is all we do."), False)])
def test_check_warns_when_a_section_reads_clearly_harder_than_the_last_release(edited: PolicyRepo, body: str, warned: bool) -> None:
    edited.section("collection", "What we collect", body)
    done = edited.policy("check", check=False)
    assert ("policy/collection.md:1: warning: `collection` (en) reads clearly harder than in the last release: LIX"
            in done.stdout) is warned, done.stdout


def test_a_greek_section_that_reads_harder_is_warned_too(edited: PolicyRepo) -> None:
    plain = " ".join(["Κρατούμε τα δεδομένα σας για λίγο.", "Μετά τα σβήνουμε.", "Μπορείτε να μας πείτε να σταματήσουμε.",
                      "Σας απαντούμε σε έναν μήνα.", "Δεν πληρώνετε τίποτα.", "Γράψτε μας όποτε θέλετε.",
                      "Διαβάζουμε κάθε γράμμα.", "Σας λέμε τι κάναμε.", "Μπορείτε και να διαμαρτυρηθείτε.",
                      "Δεν πουλάμε τα δεδομένα σας.", "Ρωτήστε μας αν έχετε απορία.", "Σας απαντούμε γρήγορα.",
                      "Τηρούμε πάντοτε τον νόμο.", "Αυτό είναι όλο.", "Ευχαριστούμε πολύ.", "Καλή σας μέρα."]) + "\n"
    edited.translate("collection", "Ποια δεδομένα συλλέγουμε", plain)
    edited.commit("Plain Greek")
    edited.release("1.3", "2025-10-01")
    hard = " ".join(["Ανεξαρτήτως συμβατικών ρυθμίσεων, η επεξεργασία πληροφοριών συνεχίζεται επ’ αόριστον",
                     "οσάκις λειτουργικές εκτιμήσεις καθιστούν αναγκαίες συμπληρωματικές διοικητικές περιόδους διατήρησης.",
                     "Επιπροσθέτως, συμπληρωματικές υποχρεώσεις τεκμηρίωσης, κανονιστικές απαιτήσεις και οργανωτικές",
                     "περιστάσεις ενίοτε καθορίζουν σημαντικά παρατεταμένα διαστήματα διαφύλαξης των πληροφοριών.",
                     "Τα αιτούντα πρόσωπα λαμβάνουν εκτενείς επεξηγήσεις σχετικά με τις εφαρμοστέες νομοθετικές εξαιρέσεις.",
                     "Επιπλέον, πάροχοι τεχνολογικών υποδομών λαμβάνουν περιστασιακά εκτενείς οργανωτικές πληροφορίες",
                     "οσάκις συμβατικές υποχρεώσεις το καθιστούν αναγκαίο."]) + "\n"
    edited.translate("collection", "Ποια δεδομένα συλλέγουμε", hard)
    done = edited.policy("check", check=False)
    assert "translations/el/collection.md:1: warning: `collection` (el) reads clearly harder" in done.stdout, done.stdout


def test_a_short_section_is_never_called_harder(edited: PolicyRepo) -> None:
    edited.section("rights", "Your rights", "Notwithstanding, comprehensive supplementary documentation applies.\n")
    assert "reads clearly harder" not in edited.policy("check", check=False).stdout


def test_this_policy_has_no_sentence_over_fifty_words_in_either_language() -> None:
    from site_builder.source.content import WorkingTree, load_snapshot
    from site_builder.source.readability import LONGEST, measure

    snapshot, _ = load_snapshot(WorkingTree(ROOT))
    assert snapshot is not None and set(snapshot.languages) == {"en", "el"}
    for lang in snapshot.languages:
        measured = measure(snapshot, lang)
        assert len(measured) == len(snapshot.sections) and all(m.sentences for m in measured)
        too_long = [f"{s.path}:{s.line} ({s.words})" for m in measured for s in m.long_sentences(LONGEST)]
        assert too_long == [], too_long
