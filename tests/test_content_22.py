"""The text of release 2.2 (issue 24): points 1-7 of the legal review hold in both languages of
this repository's own policy, no sentence runs over 50 words, and the notice e-mail no longer asks
readers to 'agree'."""

from __future__ import annotations

import email
import re
from email import policy as email_policy
from pathlib import Path

import pytest

from tests.conftest import PolicyRepo

ROOT = Path(__file__).resolve().parents[1]
FOLDER = {"en": ROOT / "policy", "el": ROOT / "translations/el"}
# Abbreviations whose full stop does not end a sentence (Greek legal citations, the company form).
ABBREVIATIONS = re.compile(r"\b(παρ|ν|στοιχ|σημ|Λεωφ|Α\.Ε|S\.A|e\.g|i\.e)\.$")


def body(lang: str, sid: str) -> str:
    """The Markdown body of one section, front matter removed."""
    return (FOLDER[lang] / f"{sid}.md").read_text(encoding="utf-8").split("---", 2)[2]


def everything(lang: str) -> str:
    return "\n".join(body(lang, p.stem) for p in sorted(FOLDER[lang].glob("*.md")))


def sentences(text: str, lang: str) -> list[str]:
    """Sentences of a body: each line (list item, heading, paragraph) split at . ? ! (and ; in Greek)."""
    ends = r"[.;?!]" if lang == "el" else r"[.?!]"
    found = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(-|#+)\s*", "", line).strip()
        current = ""
        for piece in re.split(rf"(?<={ends})\s+", line):
            current = f"{current} {piece}".strip()
            if not ABBREVIATIONS.search(current):
                found.append(current)
                current = ""
        if current:
            found.append(current)
    return [s for s in found if s]


def test_sentence_splitter_keeps_citations_together() -> None:
    text = "Άρθρο 46 παρ. 2 στοιχ. γ΄ ΓΚΠΔ και ν. 4308/2014 ισχύουν. Δεύτερη πρόταση; Τρίτη."
    assert sentences(text, "el") == ["Άρθρο 46 παρ. 2 στοιχ. γ΄ ΓΚΠΔ και ν. 4308/2014 ισχύουν.", "Δεύτερη πρόταση;", "Τρίτη."]
    assert sentences("- One; two. Three?", "en") == ["One; two.", "Three?"]


@pytest.mark.parametrize("lang", ["en", "el"])
def test_no_sentence_is_over_50_words(lang: str) -> None:
    long = [(p.stem, s[:60]) for p in sorted(FOLDER[lang].glob("*.md"))
            for s in sentences(body(lang, p.stem), lang) if len(s.split()) > 50]
    assert long == []


# Point 1: Art. 13(2)(e). The law requires the invoice data; nothing says no law requires any data.
@pytest.mark.parametrize("lang, required, denial", [
    ("en", ["4308/2014", "tax identification number", "cannot issue the invoice", "voluntary"],
     r"no law (obliges|requires)|not required by law|no legal obligation to (give|provide)"),
    ("el", ["4308/2014", "Αριθμό Φορολογικού Μητρώου", "δεν μπορούμε να εκδώσουμε το τιμολόγιο", "προαιρετική"],
     r"καμία διάταξη νόμου|κανένας νόμος δεν|δεν υποχρεούστε από τον νόμο"),
])
def test_the_law_requires_invoice_data_and_the_text_does_not_deny_it(lang: str, required: list[str], denial: str) -> None:
    text = body(lang, "data-we-collect")
    assert [w for w in required if w not in text] == []
    assert re.search(denial, everything(lang), re.IGNORECASE) is None
    legal_obligation = {"en": "compliance with our legal obligations", "el": "συμμόρφωση με έννομη υποχρέωσή μας"}[lang]
    assert legal_obligation in body(lang, "how-we-use-data")  # the basis the 13(2)(e) text must agree with


# Point 2: Art. 14(1)(d). The categories received from partners, under the partners heading.
@pytest.mark.parametrize("lang, heading, categories", [
    ("en", "### Personal data coming from our partners",
     ["name", "job title", "business contact details", "organisation you work for", "products you asked about or bought"]),
    ("el", "### Δεδομένα που προέρχονται από τους συνεργάτες μας",
     ["ονοματεπώνυμο", "θέση σας", "επαγγελματικά σας στοιχεία επικοινωνίας", "οργανισμό στον οποίο εργάζεστε", "αγοράσατε"]),
])
def test_partner_data_names_its_categories(lang: str, heading: str, categories: list[str]) -> None:
    part = body(lang, "data-we-collect").split(heading, 1)[1].split("###", 1)[0]
    assert [c for c in categories if c not in part] == []


# Point 3: cookies (ePrivacy Art. 5(3), Law 3471/2006 Art. 4(5)) and server logs.
@pytest.mark.parametrize("lang, words", [
    ("en", ["Article 4(5) of Greek Law 3471/2006", "Article 5(3) of Directive 2002/58/EC", "only if you consent",
            "withdraw that consent at any time in the same cookie settings", "cookie policy", "lists each cookie",
            "server logs", "legitimate interest"]),
    ("el", ["άρθρο 4 παρ. 5 του ν. 3471/2006", "άρθρο 5 παρ. 3 της Οδηγίας 2002/58/ΕΚ", "μόνο εφόσον συγκατατεθείτε",
            "ανακαλέσετε τη συγκατάθεσή σας οποτεδήποτε στις ίδιες ρυθμίσεις cookies", "πολιτική cookies",
            "απαριθμεί κάθε cookie", "αρχεία καταγραφής", "έννομο συμφέρον"]),
])
def test_cookies_need_consent_and_logs_have_a_purpose_and_basis(lang: str, words: list[str]) -> None:
    assert [w for w in words if w not in body(lang, "data-we-collect")] == []
    basis = {"en": "Cookies that are not strictly necessary: your consent", "el": "Για τα cookies που δεν είναι απολύτως αναγκαία: με βάση τη συγκατάθεσή σας"}
    assert basis[lang] in body(lang, "how-we-use-data")


# Point 4: recipients by category; partners and affiliates only with consent; one meaning of "exploit".
@pytest.mark.parametrize("lang, categories, gone", [
    ("en", ["IT, hosting and e-mail services", "courier", "banks", "manufacturers", "accountants, auditors and lawyers",
            "authorities and courts", "affiliates receive your personal data for their own direct marketing only if you have consented"],
     ["for any of the purposes", "exploit"]),
    ("el", ["πληροφορικής, φιλοξενίας και ηλεκτρονικού ταχυδρομείου", "ταχυμεταφορών", "τράπεζες", "κατασκευαστές",
            "λογιστές, τους ελεγκτές και τους δικηγόρους", "αρχές και στα δικαστήρια",
            "συνδεδεμένες με εμάς εταιρείες λαμβάνουν τα δεδομένα σας για δικούς τους σκοπούς απευθείας εμπορικής προώθησης μόνο εφόσον"],
     ["για οποιονδήποτε από τους σκοπούς", "εκμεταλλεύεται"]),
])
def test_recipients_are_named_by_category(lang: str, categories: list[str], gone: list[str]) -> None:
    text = body(lang, "data-sharing")
    assert [c for c in categories if c not in text] == []
    assert [g for g in gone if g in text] == []


def test_affiliates_have_one_greek_word() -> None:
    greek = everything("el")
    assert "συνδεδεμένες με εμάς εταιρείες" in greek and "συνεργάτες σας" not in greek
    assert "affiliates" not in body("en", "introduction")


# Point 5: transfers name the mechanism per case; providers and countries are marked placeholders.
@pytest.mark.parametrize("lang, words, contradiction", [
    ("en", ["(Article 45 GDPR)", "Decision (EU) 2021/914", "(Article 46(2)(c) GDPR)", "to be confirmed by OKTABIT"],
     "We process your personal data within the European Economic Area."),
    ("el", ["(άρθρο 45 ΓΚΠΔ)", "Απόφασης (ΕΕ) 2021/914", "(άρθρο 46 παρ. 2 στοιχ. γ΄ ΓΚΠΔ)", "προς επιβεβαίωση από την OKTABIT"],
     "Επεξεργαζόμαστε τα δεδομένα σας εντός του Ευρωπαϊκού Οικονομικού Χώρου (ΕΟΧ)."),
])
def test_transfers_name_their_mechanism_per_case(lang: str, words: list[str], contradiction: str) -> None:
    text = body(lang, "international-transfers")
    assert [w for w in words if w not in text] == []
    assert not text.lstrip().startswith(contradiction)
    cases = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(cases) == 2 and all(("Article 4" in c) or ("άρθρο 4" in c) for c in cases)


# Point 6: legal bases and profiling; unsubscribe in every marketing e-mail; soft opt-in.
@pytest.mark.parametrize("lang, words, wrong", [
    ("en", ["our legitimate interest in performing our contract with your organisation", "This grouping is profiling",
            "object to it at any time", "Article 11(3) of Greek Law 3471/2006", "Every marketing e-mail lets you unsubscribe"],
     "people review the result"),
    ("el", ["έννομο συμφέρον μας να εκτελέσουμε τη σύμβαση που έχουμε συνάψει με τον οργανισμό σας",
            "Η ομαδοποίηση αυτή συνιστά κατάρτιση προφίλ", "αντιταχθείτε σε αυτήν οποτεδήποτε",
            "άρθρου 11 παρ. 3 του ν. 3471/2006", "Κάθε μήνυμα απευθείας εμπορικής προώθησης σας επιτρέπει να διαγραφείτε"],
     "ελέγχεται από ανθρώπους"),
])
def test_legal_bases_and_profiling_are_stated(lang: str, words: list[str], wrong: str) -> None:
    text = body(lang, "how-we-use-data")
    assert [w for w in words if w not in text] == []
    assert "profil" in body(lang, "automated-decisions").lower() or "προφίλ" in body(lang, "automated-decisions")
    assert wrong not in everything(lang)


# Point 7: objection first and apart; Art. 12(3) periods; how to withdraw; retention not renewed by mailings.
@pytest.mark.parametrize("lang, first, words, retention", [
    ("en", "**Your right to object.**",
     ["free of charge within one month", "by two further months", "within the first month", "use the unsubscribe link",
      "use the cookie settings"],
     ["at most 2 years after your last purchase from us or your last reply to us", "Our own mailings to you do not extend this period"]),
    ("el", "**Το δικαίωμά σας να αντιταχθείτε.**",
     ["δωρεάν εντός ενός μηνός", "κατά δύο ακόμη μήνες", "εντός του πρώτου μηνός", "σύνδεσμο διαγραφής", "ρυθμίσεις cookies"],
     ["δύο (2) ετών από την τελευταία αγορά σας από εμάς ή την τελευταία απάντησή σας", "δεν παρατείνουν το διάστημα αυτό"]),
])
def test_rights_put_objection_first_and_state_the_periods(lang: str, first: str, words: list[str], retention: list[str]) -> None:
    text = body(lang, "your-rights").strip()
    paragraphs = text.split("\n\n")
    assert paragraphs[0].startswith(first) and "\n- " not in paragraphs[0]  # apart from the list of other rights
    assert "direct marketing" in paragraphs[0] or "απευθείας εμπορικής προώθησης" in paragraphs[0]
    objection_items = [line for line in text.splitlines() if line.startswith(("- Objection", "- Εναντίωση"))]
    assert objection_items == []  # stated once, first, not repeated among the others
    assert [w for w in words if w not in text] == []
    assert [w for w in retention if w not in body(lang, "data-retention")] == []


# Point 8/9 samples: the Greek official terms.
@pytest.mark.parametrize("sid, term", [
    ("automated-decisions", "σας επηρεάζουν σημαντικά με παρόμοιο τρόπο"),
    ("automated-decisions", "έναντί σας"),
    ("scope", "ως εκτελών την επεξεργασία"),
    ("definitions", "ταυτοποιημένο ή ταυτοποιήσιμο φυσικό πρόσωπο"),
    ("data-sharing", "αποδεκτών"),
])
def test_greek_uses_the_official_terms(sid: str, term: str) -> None:
    assert term in body("el", sid)


def test_the_material_notice_asks_no_one_to_agree(released: PolicyRepo, tmp_path: Path) -> None:
    released.section("rights", "Your rights", "You may object at any time.\n")
    released.translate("rights", "Τα δικαιώματά σας", "Μπορείτε να αντιταχθείτε οποτεδήποτε.\n")
    released.release("2.0", "2030-01-01", "material")
    released.policy("notify", "2.0", "--out", str(tmp_path / "n"))
    expected = {"en": ("the conditions for each", ["If you do not agree", "ask us to delete it"]),
                "el": ("τις προϋποθέσεις άσκησης καθενός", ["Εάν δεν συμφωνείτε", "να ζητήσετε τη διαγραφή τους, όπως"])}
    for lang, (said, unsaid) in expected.items():
        msg = email.message_from_bytes((tmp_path / "n" / f"{lang}.eml").read_bytes(), policy=email_policy.default)
        for part in (msg.get_body(("plain",)), msg.get_body(("html",))):
            content = part.get_content()
            assert said in content
            assert [u for u in unsaid if u in content] == []
