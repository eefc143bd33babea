"""Renderings of one change model: terminal text, Markdown, JSON (changes.json) and HTML.

Every rendering reads the same `Changes`, so the page, `changes.json`, the terminal and the
notice agree on every count. The HTML is rebuilt from the blocks' own elements (lists stay
lists, tables stay tables, links stay links) with `<ins>`/`<del>` around words only.
"""

from __future__ import annotations

import html
import json
import re

from site_builder.blocks import WORD, Container
from site_builder.compare.diffing import BlockChange, Changes, Piece, SectionChange
from site_builder.i18n import t, tn
from site_builder.markup import sanitize

SCHEMA = "policy-changes/2"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


# The entries `prevailing.<code>` name Greek and English ("The Greek and English texts ..."): they are
# said where the policy is in exactly those two languages; any other set gets `prevailing.all.<code>`.
PAIR_WORDED = frozenset({"el", "en"})


def prevailing_words(lang: str, prevailing: str, languages: tuple[str, ...]) -> str:
    """The note saying which text prevails (`prevailing`: a language code or "none"), for a policy in `languages`."""
    if not languages or frozenset(languages) == PAIR_WORDED:
        return t(lang, f"prevailing.{prevailing}")
    return t(lang, f"prevailing.all.{prevailing}")


def source_note(lang: str, key: str, source: str) -> str:
    """A note that names the source language ("...the English text is shown"), worded for `source`
    where the catalogs have that wording (`<key>.source_<code>`, like `stale_notice.source_el`),
    else the wording for an English source (the entry `<key>` itself)."""
    try:
        return t(lang, f"{key}.source_{source}")
    except KeyError:
        return t(lang, key)


def render(changes: Changes, fmt: str, *, color: bool = False) -> str:
    """Render in one of: text, markdown, json, html."""
    if fmt == "json":
        return json.dumps(to_json(changes), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if fmt == "html":
        return "".join(section_html(sec, changes) for sec in changes.touched)
    if fmt == "markdown":
        return to_markdown(changes)
    return to_text(changes, color=color)


def section_label(sec: SectionChange, lang: str) -> str:
    """Badges: Added / Removed / Changed / Moved / Renamed / Text moved."""
    labels = [t(lang, f"sec.{sec.status}")] if sec.status != "unchanged" else []
    labels += [t(lang, "sec.moved")] if sec.moved else []
    labels += [t(lang, "sec.retitled")] if sec.retitled else []
    labels += [t(lang, "sec.renamed")] if sec.renamed_from else []
    if sec.translation_pending and not labels:
        labels.append(t(lang, "sec.pending"))
    return ", ".join(labels)


def heading(sec: SectionChange) -> str:
    """"3. Title", numbered as in the newer text (the older, for removed sections)."""
    number = sec.number if sec.status != "removed" else sec.old_number
    return f"{number}. {sec.title}" if number else sec.title


def move_note(block: BlockChange, changes: Changes, lang: str) -> str:
    """"moved to 5. Retention" / "moved from 6. Security"."""
    if not block.moved or block.moved_section is None:
        return ""
    return t(lang, f"moved_{block.moved}", section=changes.headings.get(block.moved_section, block.moved_section))


def _split_space(text: str) -> tuple[str, str, str]:
    core = text.strip(" ")
    lead = text[: len(text) - len(text.lstrip(" "))]
    return lead, core, text[len(lead) + len(core):]


# --- JSON ------------------------------------------------------------------------------


def to_json(changes: Changes) -> dict:
    """The documented, stable changes.json structure (schema `policy-changes/2`)."""
    return {
        "schema": SCHEMA,
        "lang": changes.lang,
        "text_lang": changes.shown_lang or changes.lang,
        "from": changes.from_label,
        "to": changes.to_label,
        "totals": changes.totals(),
        "sections": [_section_json(s) for s in changes.touched],
        # the key points (`summary`) that changed, each with its former wording (null where it had none)
        "key_points": [{"id": sid, "old": before or None, "new": after} for sid, before, after in changes.key_points],
    }


def _piece_json(p: Piece) -> dict:
    out: dict = {"op": p.op, "text": p.text}
    if p.old is not None:
        out["old"] = p.old
    if p.link:
        out["link"] = p.link
    return out


def _block_json(b: BlockChange) -> dict:
    out: dict = {"kind": b.kind, "status": b.status, "pieces": [_piece_json(p) for p in b.pieces]}
    if b.moved:
        out[f"moved_{b.moved}"] = b.moved_section
    if b.links:
        out["links"] = [{"text": c.text, "old": c.old, "new": c.new} for c in b.links]
    if b.typography:
        out["typography"] = True
    return out


def _section_json(sec: SectionChange) -> dict:
    return {
        "id": sec.id, "status": sec.status, "moved": sec.moved, "retitled": sec.retitled,
        "renamed_from": sec.renamed_from,
        "title": sec.title, "old_title": sec.old_title, "number": sec.number,
        "old_number": sec.old_number, "translation_pending": sec.translation_pending,
        "words_inserted": sec.words_inserted, "words_deleted": sec.words_deleted,
        "blocks": [_block_json(b) for b in sec.blocks if b.status != "unchanged"],
    }


# --- text and Markdown -----------------------------------------------------------------


def _inline_text(block: BlockChange, ins: tuple[str, str], dele: tuple[str, str], escape=lambda s: s) -> str:  # noqa: ANN001
    out = []
    for piece in block.pieces:
        text = escape(piece.text.replace("\n", " "))
        if piece.op == "=" or not text.strip():
            out.append(text)
            continue
        lead, core, trail = _split_space(text)
        start, end = ins if piece.op == "+" else dele
        out.append(f"{lead}{start}{core}{end}{trail}")
    return "".join(out).strip()


def _changed_blocks(sec: SectionChange, changes: Changes, lang: str):  # noqa: ANN202 - a generator
    """(block, its move note) for every block of a section that changed."""
    for block in sec.blocks:
        if block.status != "unchanged":
            yield block, move_note(block, changes, lang)


def _links_text(block: BlockChange, lang: str) -> list[str]:
    return [t(lang, "link_changed", text=c.text, old=c.old, new=c.new) for c in block.links]


def typography_note(block: BlockChange, lang: str) -> str:
    """One note for quotes, dashes and spaces that changed form, instead of marks on each of them."""
    if not block.typography or block.moved == "to":
        return ""
    return t(lang, "typography.also" if block.reworded else "typography.only")


def place_note(sec: SectionChange, lang: str) -> str:
    """For a section that moved with its text unchanged: where it was and where it is, so the
    section is not a badge over nothing."""
    if not sec.moved or any(b.status != "unchanged" for b in sec.blocks):
        return ""
    if sec.number and sec.old_number:
        return t(lang, "moved_unchanged", old=sec.old_number, new=sec.number)
    return t(lang, "moved_unchanged_place")


def to_text(changes: Changes, *, color: bool = False) -> str:
    """For the terminal: `[-deleted-]{+inserted+}` (colours on a tty)."""
    ins = ("\033[32;4m", "\033[0m") if color else ("{+", "+}")
    dele = ("\033[31;9m", "\033[0m") if color else ("[-", "-]")
    lang = changes.lang
    lines = [f"{changes.from_label} -> {changes.to_label} ({lang})"]
    for sec in changes.touched:
        lines.append(f"\n== {heading(sec)} [{section_label(sec, 'en')}] #{sec.id}")
        if sec.renamed_from:
            lines.append(f"   id was: #{sec.renamed_from}")
        if sec.retitled:
            lines.append(f"   was: {sec.old_title}")
        if sec.translation_pending:
            lines.append(f"   {t(lang, 'translation_pending')}")
        if place_note(sec, "en"):
            lines.append(f"   {place_note(sec, 'en')}")
        for block, note in _changed_blocks(sec, changes, "en"):
            if block.moved == "to":
                lines.append(f"  [{note}] {block.old_text.strip()[:80]}")
                continue
            typo = typography_note(block, "en")
            lines.append(("  " + (f"[{note}] " if note else "") + _inline_text(block, ins, dele) + (f" [{typo}]" if typo else "")).rstrip())
            lines += [f"  ({line})" for line in _links_text(block, "en")]
    tot = changes.totals()
    lines.append(f"\n{tot['sections_touched']} section(s) touched, {tot['words_inserted']} word(s) inserted, {tot['words_deleted']} deleted")
    return "\n".join(lines) + "\n"


def md_escape(text: str) -> str:
    """Plain text that Markdown shows as it is."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def to_markdown(changes: Changes) -> str:
    """For notices and reviews: ~~deleted~~ and **inserted** words."""
    lang = changes.lang
    lines = []
    for sec in changes.touched:
        lines.append(f"### {md_escape(heading(sec))} ({section_label(sec, lang)})\n")
        if sec.retitled:
            lines.append(f"_{md_escape(t(lang, 'was', title=sec.old_title))}_\n")
        if sec.translation_pending:
            lines.append(f"_{t(lang, 'translation_pending')}_\n")
        if place_note(sec, lang):
            lines.append(f"_{md_escape(place_note(sec, lang))}_\n")
        for block, note in _changed_blocks(sec, changes, lang):
            if block.moved == "to":
                lines.append(f"- _{md_escape(note)}_: {md_escape(block.old_text.strip())}")
                continue
            body = _inline_text(block, ("**", "**"), ("~~", "~~"), md_escape)
            typo = typography_note(block, lang)
            body += f" _({md_escape(typo)})_" if typo else ""
            lines.append(f"- {'_' + md_escape(note) + '_: ' if note else ''}{body}")
            lines += [f"  ({md_escape(line)})" for line in _links_text(block, lang)]
        lines.append("")
    tot = changes.totals()
    lines.append(t(lang, "sections_touched", sections=tn(lang, "totals.sections", tot["sections_touched"]),
                   inserted=tn(lang, "totals.inserted", tot["words_inserted"]),
                   deleted=tn(lang, "totals.deleted", tot["words_deleted"])) + "\n")
    return "\n".join(lines)


# --- HTML ------------------------------------------------------------------------------


def _open(c: Container, classes: str = "") -> str:
    attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in c.attrs if k in ("start", "style"))
    cls = f' class="{classes}"' if classes else ""
    return f"<{c.tag}{attrs}{cls}>"


def _mark_tag(tag: str, attrs: tuple[tuple[str, str], ...], changed_links: frozenset[str] = frozenset()) -> str:
    kept = "".join(f' {k}="{html.escape(v)}"' for k, v in attrs if k in ("href", "title") and tag in ("a", "abbr"))
    if tag == "a" and dict(attrs).get("href") in changed_links:
        kept += ' class="policy-link-changed"'  # same words, another address: named after the block
    return f"<{tag}{kept}>"


def _text_html(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


def _inline_html(block: BlockChange, lang: str, note: str) -> str:
    """A block's words with their links and emphasis, changes in <ins>/<del> inside them."""
    ins = f'<ins><span class="visually-hidden">{html.escape(t(lang, "ins_label"))}</span>'
    dele = f'<del><span class="visually-hidden">{html.escape(t(lang, "del_label"))}</span>'
    moved_out = block.moved == "to"
    changed_links = frozenset(c.new for c in block.links)
    out: list[str] = []
    open_marks: list[tuple] = []
    for piece in block.pieces:
        marks = list(piece.marks)
        k = 0
        while k < min(len(open_marks), len(marks)) and open_marks[k] == marks[k]:
            k += 1
        out += [f"</{m[0]}>" for m in reversed(open_marks[k:])]
        out += [_mark_tag(*m, changed_links) for m in marks[k:]]
        open_marks = marks
        lead, core, trail = _split_space(piece.text)
        if piece.op == "=" or not core.strip():
            body = _text_html(piece.text)
            out.append(f'<span class="policy-moved-text">{body}</span>' if block.moved == "from" else body)
            continue
        if moved_out:
            out.append(f'{_text_html(lead)}<del class="policy-moved-text">{_text_html(core)}</del>{_text_html(trail)}')
            continue
        # A mark with no letter or digit (".", ";", "-") is a speck under colour alone: it gets a box.
        speck = not WORD.search(core)
        start = (ins if piece.op == "+" else dele).replace(">", ' class="policy-speck">', 1) if speck else (ins if piece.op == "+" else dele)
        end = "</ins>" if piece.op == "+" else "</del>"
        out.append(f"{_text_html(lead)}{start}{_text_html(core)}{end}{_text_html(trail)}")
    out += [f"</{m[0]}>" for m in reversed(open_marks)]
    if note:
        out.append(f' <span class="policy-move-note">{html.escape(note)}</span>')
    typo = typography_note(block, lang)
    if typo:
        out.append(f' <span class="policy-typography-note">{html.escape(typo)}</span>')
    for line in _links_text(block, lang):
        out.append(f' <span class="policy-link-change">{html.escape(line)}</span>')
    return "".join(out)


def blocks_html(blocks: tuple[BlockChange, ...], changes: Changes, lang: str) -> str:
    """The section's text as HTML, its own lists, tables and links rebuilt around the marks."""
    out: list[str] = []
    stack: list[Container] = []
    for block in blocks:
        chain = list(block.chain)
        k = 0
        while k < min(len(stack), len(chain)) and stack[k].uid == chain[k].uid:
            k += 1
        out += [f"</{c.tag}>" for c in reversed(stack[k:])]
        cls = f"policy-block--{'moved' if block.moved else block.status}" if block.status != "unchanged" else ""
        out += [_open(c, cls if i == len(chain) - 1 else "") for i, c in enumerate(chain[k:], start=k)]
        stack = chain
        out.append(_inline_html(block, lang, move_note(block, changes, lang)))
    out += [f"</{c.tag}>" for c in reversed(stack)]
    return sanitize("".join(out))


def section_html(sec: SectionChange, changes: Changes) -> str:
    """One changed section for the changes page."""
    esc, lang = html.escape, changes.lang
    out = [f'<section class="policy-change policy-change--{sec.status}" data-section="{esc(sec.id)}">',
           f'<h2 id="{esc(sec.id)}">{esc(heading(sec))} <span class="policy-badge">{esc(section_label(sec, lang))}</span></h2>']
    if sec.renamed_from:
        out.append(f'<p class="policy-was">{esc(t(lang, "renamed_from", id=sec.renamed_from))}</p>')
    if sec.retitled:
        out.append(f'<p class="policy-was">{esc(t(lang, "was", title=sec.old_title or ""))}</p>')
    if sec.translation_pending:
        out.append(f'<p class="policy-pending">{esc(source_note(lang, "translation_pending", changes.source))}</p>')
    if place_note(sec, lang):
        out.append(f'<p class="policy-was">{esc(place_note(sec, lang))}</p>')
    if any(b.status != "unchanged" for b in sec.blocks):
        shown = changes.shown_lang if changes.shown_lang and changes.shown_lang != lang else (
            changes.source if sec.translation_pending and changes.source and lang != changes.source else "")
        shown_in = f' lang="{shown}"' if shown else ""
        out.append(f'<div class="policy-diff"{shown_in}>{blocks_html(sec.blocks, changes, lang)}</div>')
    out.append("</section>\n")
    return "\n".join(out)
