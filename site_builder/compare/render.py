"""Renderings of one change model: terminal text, Markdown, JSON (changes.json) and HTML."""

from __future__ import annotations

import html
import json
import re

from site_builder.compare.diffing import BLOCK_START, BlockChange, Changes, SectionChange
from site_builder.i18n import t
from site_builder.markup import _MD, sanitize

SCHEMA = "policy-changes/1"
INS_OPEN, INS_CLOSE, DEL_OPEN, DEL_CLOSE = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKERS = re.compile("[\ue000-\ue003]")
_TAG = re.compile(r"<[^>]*>")


def render(changes: Changes, fmt: str, *, color: bool = False) -> str:
    """Render in one of: text, markdown, json, html."""
    if fmt == "json":
        return json.dumps(to_json(changes), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if fmt == "html":
        return "".join(section_html(sec, changes.lang) for sec in changes.touched)
    if fmt == "markdown":
        return to_markdown(changes)
    return to_text(changes, color=color)


def section_label(sec: SectionChange, lang: str) -> str:
    """Badges: Added / Removed / Changed / Moved / Renamed."""
    labels = [t(lang, f"sec.{sec.status}")] if sec.status != "unchanged" else []
    labels += [t(lang, "sec.moved")] if sec.moved else []
    labels += [t(lang, "sec.retitled")] if sec.retitled else []
    return ", ".join(labels)


def heading(sec: SectionChange) -> str:
    """"3. Title", numbered as in the newer text (the older, for removed sections)."""
    number = sec.number if sec.status != "removed" else sec.old_number
    return f"{number}. {sec.title}" if number else sec.title


def _wrap(text: str, start: str, end: str) -> str:
    """Mark the words, leave the spaces around them outside the mark."""
    core = text.strip()
    lead = text[: len(text) - len(text.lstrip())]
    return f"{lead}{start}{core}{end}{text[len(lead) + len(core):]}"


def _structural(text: str, index: int) -> bool:
    """Blank lines and a block's list or heading marker are layout, never marked as words."""
    return not text.strip() or (index == 0 and BLOCK_START.fullmatch(text) is not None)


# --- JSON ------------------------------------------------------------------------------


def to_json(changes: Changes) -> dict:
    """The documented, stable changes.json structure (schema `policy-changes/1`)."""
    return {
        "schema": SCHEMA,
        "lang": changes.lang,
        "from": changes.from_label,
        "to": changes.to_label,
        "totals": changes.totals(),
        "sections": [_section_json(s) for s in changes.touched],
    }


def _section_json(sec: SectionChange) -> dict:
    return {
        "id": sec.id, "status": sec.status, "moved": sec.moved, "retitled": sec.retitled,
        "title": sec.title, "old_title": sec.old_title, "number": sec.number,
        "old_number": sec.old_number, "translation_pending": sec.translation_pending,
        "words_inserted": sec.words_inserted, "words_deleted": sec.words_deleted,
        "blocks": [{"kind": b.kind, "status": b.status,
                    "pieces": [{"op": p.op, "text": p.text, **({"old": p.old} if p.old is not None else {})} for p in b.pieces]}
                   for b in sec.blocks if b.status != "unchanged"],
    }


# --- text and Markdown -----------------------------------------------------------------


def _inline(blocks: tuple[BlockChange, ...], ins: tuple[str, str], dele: tuple[str, str], all_blocks: bool = False) -> str:
    out = []
    for block in blocks:
        if block.status == "unchanged" and not all_blocks:
            continue
        for i, piece in enumerate(block.pieces):
            if piece.op == "=" or _structural(piece.text, i):
                out.append(piece.text)
            else:
                start, end = ins if piece.op == "+" else dele
                out.append(_wrap(piece.text, start, end))
    return "".join(out)


def to_text(changes: Changes, *, color: bool = False) -> str:
    """For the terminal: `[-deleted-]{+inserted+}` (colours on a tty)."""
    ins = ("\033[32;4m", "\033[0m") if color else ("{+", "+}")
    dele = ("\033[31;9m", "\033[0m") if color else ("[-", "-]")
    lines = [f"{changes.from_label} -> {changes.to_label} ({changes.lang})"]
    for sec in changes.touched:
        lines.append(f"\n== {heading(sec)} [{section_label(sec, 'en')}] #{sec.id}")
        if sec.retitled:
            lines.append(f"   was: {sec.old_title}")
        if sec.translation_pending:
            lines.append(f"   {t(changes.lang, 'translation_pending')}")
        lines.append(_inline(sec.blocks, ins, dele).rstrip())
    tot = changes.totals()
    lines.append(f"\n{tot['sections_touched']} section(s) touched, {tot['words_inserted']} word(s) inserted, {tot['words_deleted']} deleted")
    return "\n".join(lines) + "\n"


def to_markdown(changes: Changes) -> str:
    """For notices and reviews: ~~deleted~~ and **inserted** words."""
    lang = changes.lang
    lines = []
    for sec in changes.touched:
        lines.append(f"### {heading(sec)} ({section_label(sec, lang)})\n")
        if sec.retitled:
            lines.append(f"_{t(lang, 'was', title=sec.old_title)}_\n")
        if sec.translation_pending:
            lines.append(f"_{t(lang, 'translation_pending')}_\n")
        body = _inline(sec.blocks, ("**", "**"), ("~~", "~~")).strip()
        if body:
            lines.append(body + "\n")
    tot = changes.totals()
    lines.append(t(lang, "sections_touched", n=tot["sections_touched"], ins=tot["words_inserted"], dele=tot["words_deleted"]) + "\n")
    return "\n".join(lines)


# --- HTML ------------------------------------------------------------------------------


def marked_html(blocks: tuple[BlockChange, ...], lang: str) -> str:
    """The section's text as HTML with <del>/<ins>; the Markdown itself never shows."""
    parts = []
    for block in blocks:
        for i, piece in enumerate(block.pieces):
            if piece.op == "=" or _structural(piece.text, i):
                parts.append(piece.text)
            else:
                start, end = (INS_OPEN, INS_CLOSE) if piece.op == "+" else (DEL_OPEN, DEL_CLOSE)
                parts.append(_wrap(piece.text, start, end))
    _MD.reset()
    rendered = _TAG.sub(lambda m: _MARKERS.sub("", m.group(0)), _MD.convert("".join(parts)))
    ins = f'<ins><span class="visually-hidden">{html.escape(t(lang, "ins_label"))}</span>'
    dele = f'<del><span class="visually-hidden">{html.escape(t(lang, "del_label"))}</span>'
    rendered = rendered.replace(INS_OPEN, ins).replace(INS_CLOSE, "</ins>")
    rendered = rendered.replace(DEL_OPEN, dele).replace(DEL_CLOSE, "</del>")
    return sanitize(rendered)


def section_html(sec: SectionChange, lang: str) -> str:
    """One changed section for the changes page."""
    esc = html.escape
    out = [f'<section class="policy-change policy-change--{sec.status}" data-section="{esc(sec.id)}">',
           f'<h2 id="{esc(sec.id)}">{esc(heading(sec))} <span class="policy-badge">{esc(section_label(sec, lang))}</span></h2>']
    if sec.retitled:
        out.append(f'<p class="policy-was">{esc(t(lang, "was", title=sec.old_title or ""))}</p>')
    if sec.translation_pending:
        out.append(f'<p class="policy-pending">{esc(t(lang, "translation_pending"))}</p>')
    if sec.status in ("changed", "added", "removed"):
        out.append(f'<div class="policy-diff">{marked_html(sec.blocks, lang)}</div>')
    out.append("</section>\n")
    return "\n".join(out)
