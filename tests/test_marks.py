"""Issue 21 points 3 and 4: the compare page marks the words the changes pages mark, and the marks
are calm (colour and line, a note for typography, no page scrolling sideways on a phone)."""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import BASE_ENV, PolicyRepo, make_repo
from tests.test_browser import CHROMIUM, IN_CI, _serve

ROOT = Path(__file__).resolve().parents[1]
TODAY = "2026-11-29"
LONG_URL = "https://example.com/privacy/requests/an/address/long/enough/that/no/phone/could/show/it/on/one/line"

# id -> (title, English body, Greek title, Greek body); the order is the policy's.
V1 = {
    "intro": ("Introduction", "We don't sell your data -- ever.\n\nShops within 5 km deliver.\n",
              "Εισαγωγή", "Δεν πωλούμε ποτέ τα δεδομένα σας.\n\nΚαταστήματα σε ακτίνα 5 km παραδίδουν.\n"),
    "collection": ("What we collect", "Our data. Yes, we keep it.\n",
                   "Τι συλλέγουμε", "Τα δεδομένα μας. Ναι, τα διατηρούμε.\n"),
    "rights": ("Your rights", "Write to us through [our form](https://example.com/form).\n",
               "Τα δικαιώματά σας", "Γράψτε μας μέσω της [φόρμας μας](https://example.com/form).\n"),
    "contact": ("Contact", "Our postal address is Athens, Greece, and we answer every letter.\n",
                "Επικοινωνία", "Η ταχυδρομική μας διεύθυνση είναι Αθήνα, Ελλάδα, και απαντούμε σε κάθε επιστολή.\n"),
    "recipients": ("Recipients", "| Who | Why |\n| --- | --- |\n| Couriers | Delivery |\n",
                   "Αποδέκτες", "| Ποιος | Γιατί |\n| --- | --- |\n| Εταιρείες ταχυμεταφορών | Παράδοση |\n"),
}
V11 = {
    # the payload (a straight apostrophe became curly) and another of its class (a dash, a no-break space)
    "intro": ("Introduction", "We don’t sell your data — ever.\n\nShops within 5\u00a0km deliver.\n",
              "Εισαγωγή", "Δεν πωλούμε ποτέ τα δεδομένα σας.\n\nΚαταστήματα σε ακτίνα 5\u00a0km παραδίδουν.\n"),
    "cookies": ("Cookies", "We set no cookie without your consent.\n",
                "Cookies", "Δεν τοποθετούμε κανένα cookie χωρίς τη συγκατάθεσή σας.\n"),
    "collection": ("What we collect", "our data; Yes, we keep it.\n",
                   "Τι συλλέγουμε", "τα δεδομένα μας· Ναι, τα διατηρούμε.\n"),
    "rights": ("Your rights", f"Write to us through [our form]({LONG_URL}).\n",
               "Τα δικαιώματά σας", f"Γράψτε μας μέσω της [φόρμας μας]({LONG_URL}).\n"),
    "recipients": ("Recipients", "| Who | Why |\n| --- | --- |\n| Couriers | Delivery |\n"
                   f"| Payment providers, [see their terms]({LONG_URL}) and **their own policies** | "
                   "**Payments** by [card](https://example.com/card) |\n",
                   "Αποδέκτες", "| Ποιος | Γιατί |\n| --- | --- |\n| Εταιρείες ταχυμεταφορών | Παράδοση |\n"
                   f"| Πάροχοι πληρωμών, [δείτε τους όρους τους]({LONG_URL}) και **τις δικές τους πολιτικές** | "
                   "**Πληρωμές** με [κάρτα](https://example.com/card) |\n"),
    "contact": V1["contact"],  # moved to the end, its text unchanged
}
V20 = {**V11, "rights": ("Your rights", f"Write to us at any time through [our form]({LONG_URL}).\n",
                         "Τα δικαιώματά σας", f"Γράψτε μας οποτεδήποτε μέσω της [φόρμας μας]({LONG_URL}).\n")}


def _write(repo: PolicyRepo, sections: dict) -> None:
    repo.write("policy/policy.yml", "title: Privacy Policy\nvariables:\n  contact_email: \"privacy@example.com\"\nsections:\n"
               + "".join(f"  - {sid}\n" for sid in sections))
    for old in list((repo.root / "policy").glob("*.md")) + list((repo.root / "translations/el").glob("*.md")):
        if old.stem not in sections:
            old.unlink()
    for sid, (title, body, el_title, el_body) in sections.items():
        repo.section(sid, title, body, numbered=sid != "intro")
        repo.translate(sid, el_title, el_body)
    repo.commit("edit")


@pytest.fixture(scope="module")
def marks_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1.0, 1.1 (in force: typography, case, a long link, an inserted table row, a new section that
    renumbers the rest, a section moved with its text) and 2.0 (upcoming: a few words)."""
    folder = tmp_path_factory.mktemp("marks")
    repo = make_repo(folder / "policy-repo")
    _write(repo, V1)
    repo.release("1.0", "2025-01-01")
    _write(repo, V11)
    repo.release("1.1", "2025-06-01")
    _write(repo, V20)
    repo.release("2.0", "2027-01-01")
    repo.policy("build", "--out", str(folder / "site"), "--today", TODAY, "-q")
    return folder / "site"


def _changes(site: Path, lang: str, version: str) -> dict:
    return json.loads((site / lang / version / "changes.json").read_text(encoding="utf-8"))


def _section(changes: dict, sid: str) -> dict:
    return next(s for s in changes["sections"] if s["id"] == sid)


def _marked(blocks: list[dict]) -> list[tuple[str, str]]:
    return [(p["op"], p["text"].strip()) for b in blocks for p in b["pieces"] if p["op"] != "="]


# --- point 4: the change model and the changes page ------------------------------------------


def test_typography_alone_is_one_note_not_word_marks(marks_site: Path) -> None:
    intro = _section(_changes(marks_site, "en", "1.1"), "intro")
    # the apostrophe (the payload), the dash and the no-break space (its class): no word marked
    assert _marked(intro["blocks"]) == [] and intro["words_inserted"] == intro["words_deleted"] == 0
    assert [b.get("typography") for b in intro["blocks"]] == [True, True]
    page = (marks_site / "en/1.1/changes/index.html").read_text(encoding="utf-8")
    body = page[page.index('data-section="intro"'):page.index('data-section="cookies"')]
    assert body.count("wording unchanged; typography changed") == 2 and "<ins" not in body and "<del" not in body
    el = (marks_site / "el/1.1/changes/index.html").read_text(encoding="utf-8")
    assert "η διατύπωση δεν μεταβλήθηκε· μεταβλήθηκε μόνο η τυπογραφία" in el


def test_case_and_punctuation_stay_changes_and_a_lone_mark_is_boxed(marks_site: Path) -> None:
    """Case is wording (a defined term may hang on it): "Our" -> "our" is marked; "." -> ";" too,
    each mark without letters boxed so that it is seen."""
    collection = _section(_changes(marks_site, "en", "1.1"), "collection")
    assert _marked(collection["blocks"]) == [("-", "Our"), ("+", "our"), ("-", "."), ("+", ";")]
    page = (marks_site / "en/1.1/changes/index.html").read_text(encoding="utf-8")
    assert re.search(r'<del class="policy-speck"><span class="visually-hidden">deleted: </span>\.</del>', page)
    assert re.search(r'<ins class="policy-speck"><span class="visually-hidden">inserted: </span>;</ins>', page)
    assert not re.search(r'class="policy-speck"><span class="visually-hidden">[^<]*</span>our', page)


def test_renumbering_is_not_a_move_and_a_moved_section_says_where_it_was(marks_site: Path) -> None:
    changes = _changes(marks_site, "en", "1.1")
    touched = {s["id"]: s for s in changes["sections"]}
    # "collection" went from 1 to 2 and "rights" from 2 to 3 only because "cookies" arrived: no move
    assert not touched["collection"]["moved"] and not touched["rights"]["moved"]
    assert touched["collection"]["status"] == touched["rights"]["status"] == "changed"  # for their words
    assert touched["contact"]["moved"] and touched["contact"]["blocks"] == []
    page = (marks_site / "en/1.1/changes/index.html").read_text(encoding="utf-8")
    contact = page[page.index('data-section="contact"'):]
    contact = contact[:contact.index("</section>")]
    assert "Its text is unchanged: it was section 3 and is now section 5." in contact
    el = (marks_site / "el/1.1/changes/index.html").read_text(encoding="utf-8")
    assert "Το κείμενό της δεν μεταβλήθηκε: ήταν η ενότητα 3 και είναι πλέον η ενότητα 5." in el


def test_policy_diff_says_typography_in_the_terminal(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    _write(repo, V1)
    repo.release("1.0", "2025-01-01")
    _write(repo, {**V1, "intro": V11["intro"]})
    out = repo.policy("diff", "1.0").stdout
    assert "[wording unchanged; typography changed (quotes, dashes or spaces)]" in out and "{+" not in out


# --- point 3: the compare page, as served -----------------------------------------------------


def test_compare_page_opens_on_in_force_to_newest_with_a_legend(marks_site: Path) -> None:
    for lang, legend in (("en", "Inserted words are green and underlined"), ("el", "Οι λέξεις που προστέθηκαν")):
        page = (marks_site / lang / "compare/index.html").read_text(encoding="utf-8")
        assert 'data-from="1.1" data-to="2.0"' in page
        assert legend in page and 'class="policy-legend"' in page
        pairs = json.loads(html.unescape(re.search(r'data-pairs="([^"]*)"', page).group(1)))
        assert pairs == {"1.0>1.1": "../1.1/changes/", "1.1>2.0": "../2.0/changes/"}


# --- in a browser ---------------------------------------------------------------------------------

browser = pytest.mark.browser
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists() and not IN_CI, reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def chromium(request: pytest.FixtureRequest):
    """conftest's Chromium (this module's `browser` is the mark)."""
    return request.getfixturevalue("browser")


@pytest.fixture(scope="module")
def served_marks(marks_site: Path):
    server, base = _serve(marks_site)
    yield base
    server.shutdown()


@pytest.fixture(scope="module")
def oktabit(tmp_path_factory: pytest.TempPathFactory):
    """OKTABIT's own releases (this repository's history, cloned), built and served."""
    folder = tmp_path_factory.mktemp("oktabit")
    done = subprocess.run(["git", "clone", "-q", str(ROOT), str(folder / "policy-repo")], env=BASE_ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    repo = PolicyRepo(folder / "policy-repo")
    repo.policy("build", "--out", str(folder / "site"), "--today", TODAY, "-q")
    server, base = _serve(folder / "site")
    yield folder / "site", base
    server.shutdown()


MARKS_JS = """root => Array.from(root.querySelectorAll('section.policy-change')).map(s =>
  [s.getAttribute('data-section'), Array.from(s.querySelectorAll('ins, del')).map(m => m.tagName + ':' + m.textContent)])"""

# Every pair in one compare page, through its own form (what a reader does): choose, submit, wait
# until the page says it is done (data-ms), read the marks. No page load per pair.
COMPARE_EACH_JS = """async pairs => {
  const marks = MARKS_JS;
  const box = document.getElementById('policy-compare'), form = document.querySelector('.policy-compare-form');
  const out = [];
  for (const [from, to] of pairs) {
    box.removeAttribute('data-ms');
    form.elements.from.value = from;
    form.elements.to.value = to;
    if (form.elements.from.value !== from || form.elements.to.value !== to) { out.push([from, to, 'not offered', []]); continue; }
    form.requestSubmit();
    const start = Date.now();
    while (!box.hasAttribute('data-ms') && Date.now() - start < 20000) { await new Promise(r => setTimeout(r, 5)); }
    out.push([from, to, box.hasAttribute('data-ms') ? box.getAttribute('data-source') : 'timed out', marks(box)]);
  }
  return out;
}""".replace("MARKS_JS", MARKS_JS)

# Pages shown one after another in a frame `width` px wide, in the page that runs this: as a phone of
# that width lays each out (media queries, the theme's scripts), how wide it scrolls, and its marks.
FRAMES_JS = """async ([paths, width]) => {
  const marks = MARKS_JS;
  const out = [];
  for (const path of paths) {
    const frame = document.createElement('iframe');
    frame.style.cssText = 'display:block;border:0;height:700px;width:' + width + 'px';
    const loaded = new Promise(r => { frame.onload = r; });
    frame.src = path;
    document.body.appendChild(frame);
    await loaded;
    const doc = frame.contentDocument, box = doc.getElementById('policy-compare');
    const start = Date.now();
    while (box && !box.hasAttribute('data-ms') && Date.now() - start < 20000) { await new Promise(r => setTimeout(r, 5)); }
    out.push([path, doc.documentElement.clientWidth, doc.documentElement.scrollWidth,
              box ? (box.hasAttribute('data-ms') ? 'shown' : 'timed out') : 'page', marks(box || doc.querySelector('article'))]);
    frame.remove();
  }
  return out;
}""".replace("MARKS_JS", MARKS_JS)


def _at_width(page, base: str, paths: list[str], width: int) -> dict[str, tuple[int, list]]:  # noqa: ANN001
    """Each page (a compare page once it shows its pair) laid out `width` px wide: {path: (scroll width, marks)}."""
    out = {}
    for path, client, scroll, state, marks in page.evaluate(FRAMES_JS, [[base + p for p in paths], width]):
        assert (client, state) == (width, "shown" if "compare" in path else "page"), (path, client, state)
        out[path[len(base):]] = (scroll, marks)
    return out


def _every_pair_the_same(page, base: str, lang: str, versions: list[str], width: int = 320) -> dict[str, int]:  # noqa: ANN001
    """For every release against the one before: the compare page (1280 px wide) marks what the
    release's changes page marks. Returns the changes pages wider than `width` ({path: width})."""
    pairs = list(zip(versions, versions[1:], strict=False))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}{lang}/compare/")
    page.wait_for_selector("#policy-compare[data-ms]", state="attached", timeout=20000)
    shown = {(old, new): (source, marks) for old, new, source, marks in page.evaluate(COMPARE_EACH_JS, pairs)}
    changes = _at_width(page, base, [f"{lang}/{v}/changes/" for v in versions], width)
    for old, new in pairs:
        assert shown[old, new] == ("site", changes[f"{lang}/{new}/changes/"][1]), (lang, old, new)
    return {path: scroll for path, (scroll, _) in changes.items() if scroll > width}


def _versions(site: Path, lang: str = "en") -> list[str]:
    listed = json.loads((site / "versions.json").read_text(encoding="utf-8"))
    return sorted((v["version"] for v in listed), key=lambda v: [int(x) for x in v.split(".")])


@browser
@needs_chromium
def test_oktabit_compare_marks_what_the_changes_pages_mark_and_nothing_scrolls_sideways(chromium, oktabit) -> None:  # noqa: ANN001
    """On OKTABIT's own releases, in both languages: every pair that follows each other is marked as
    its changes page marks it; no changes page, and no comparison with the first version, is wider
    than a 320 px phone."""
    site, base = oktabit
    versions = _versions(site)
    page = chromium.new_page()
    wide = {}
    for lang in ("en", "el"):
        wide.update(_every_pair_the_same(page, base, lang, versions, width=320))
        against_first = _at_width(page, base, [f"{lang}/compare/?from={versions[0]}&to={v}" for v in versions], 320)
        wide.update({path: scroll for path, (scroll, _) in against_first.items() if scroll > 320})
    page.close()
    assert wide == {}


@browser
@needs_chromium
def test_calm_marks_in_the_browser(chromium, served_marks: str) -> None:  # noqa: ANN001
    base = served_marks
    page = chromium.new_page(viewport={"width": 320, "height": 700})
    for lang in ("en", "el"):
        page.goto(f"{base}{lang}/1.1/changes/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, lang
        # no glyph before any mark: colour and line, and the hidden words
        glyphs = page.evaluate("""Array.from(document.querySelectorAll('.policy-diff ins, .policy-diff del'))
          .map(m => getComputedStyle(m, '::before').content).filter(c => c !== 'none' && c !== 'normal')""")
        assert glyphs == []
        styles = page.evaluate("""['ins', 'del'].map(t => getComputedStyle(document.querySelector('.policy-diff ' + t)).textDecorationLine)""")
        assert styles == ["underline", "line-through"]
        # the wholly inserted row: its hidden "inserted:" labels stay inside the table's scroller
        outside = page.evaluate("""Array.from(document.querySelectorAll('.policy-diff table .visually-hidden')).filter(l => {
            const box = l.closest('.md-typeset__scrollwrap') || l.closest('table');
            const a = l.getBoundingClientRect(), b = box.getBoundingClientRect();
            return a.left < b.left - 1 || a.right > b.right + 1; }).length""")
        assert page.locator(".policy-diff table .visually-hidden").count() >= 4 and outside == 0
        # the changed link's note wraps inside the page
        note = page.locator(".policy-link-change").first
        assert note.is_visible() and note.evaluate("n => n.getBoundingClientRect().right") <= 320
    page.close()


@browser
@needs_chromium
def test_compare_page_controls_legend_and_print(chromium, served_marks: str) -> None:  # noqa: ANN001
    base = served_marks
    page = chromium.new_page(viewport={"width": 375, "height": 800})
    for lang, against in (("en", "Version 2.0 compared with version 1.1"), ("el", "Η έκδοση 2.0 σε σύγκριση με την έκδοση 1.1")):
        page.goto(f"{base}{lang}/compare/")  # no query: in force -> newest
        page.wait_for_selector("#policy-compare[data-ms]", state="attached", timeout=20000)
        assert page.input_value("select[name=from]") == "1.1" and page.input_value("select[name=to]") == "2.0"
        assert against in page.locator("#policy-compare").inner_text()
        assert page.locator(".policy-legend").is_visible()
        for control in ("select[name=from]", "select[name=to]", ".policy-compare-form button"):
            size = page.evaluate("s => { const e = document.querySelector(s); const r = e.getBoundingClientRect();"
                                 " return [parseFloat(getComputedStyle(e).fontSize), r.height, r.width]; }", control)
            assert size[0] >= 16 and size[1] >= 44 and size[2] >= 44, (control, size)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.emulate_media(media="print")
        assert not page.locator(".policy-compare-form").is_visible()
        assert page.locator("#policy-compare .policy-against").is_visible()
        assert page.locator(".policy-print").first.is_visible()
        page.emulate_media(media="screen")
    # the compare page marks what the changes pages mark, for each pair of releases that follow each other
    for lang in ("en", "el"):
        assert _every_pair_the_same(page, base, lang, ["1.0", "1.1", "2.0"], width=375) == {}
    # a pair no page compares is compared in the browser
    page.goto(f"{base}en/compare/?from=1.0&to=2.0")
    page.wait_for_selector("#policy-compare[data-ms]", state="attached", timeout=20000)
    assert page.get_attribute("#policy-compare", "data-source") == "browser"
    assert "at any time" in page.locator("#policy-compare section[data-section=rights] ins").first.inner_text()
    page.close()
