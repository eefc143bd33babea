"""Machine-readable outputs: versions.json, each release's changes.json, Atom feeds, the root page."""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
from urllib.parse import quote
from xml.sax.saxutils import escape

from site_builder.compare.render import SCHEMA, to_json
from site_builder.i18n import format_day, t
from site_builder.markup import to_html
from site_builder.site.pages import VersionView, one_line
from site_builder.source.models import Release, ReleaseRecord


def versions_json(releases: list[Release], statuses: dict[str, str], site_url: str, languages: tuple[str, ...]) -> str:
    """`/versions.json`: every release, newest first (SPEC section 4)."""
    items = []
    for rel in sorted(releases, key=lambda r: r.record.key, reverse=True):
        rec = rel.record
        items.append({
            "version": rec.version,
            "effective": rec.effective.isoformat(),
            "kind": rec.kind,
            "status": statuses[rec.version],
            "commit": rel.commit,
            "content_hash": rec.content_hash,
            "url": {lang: f"{site_url}{lang}/{rec.version}/" for lang in languages},
            "changes_url": {lang: f"{site_url}{lang}/{rec.version}/changes/" for lang in languages},
            "changes_json": {lang: f"{site_url}{lang}/{rec.version}/changes.json" for lang in languages},
            "downloads": {"markdown": {lang: f"{site_url}{lang}/{rec.version}/policy.md" for lang in languages},
                          "json": {lang: f"{site_url}{lang}/{rec.version}/policy.json" for lang in languages},
                          "history": f"{site_url}{HISTORY_ZIP}"},
            "summary": dict(sorted(rec.summary.items())),
        })
    return json.dumps(items, ensure_ascii=False, indent=1) + "\n"


def changes_json(view: VersionView) -> str:
    """`/<lang>/<version>/changes.json`: the diff engine's JSON, with the release's facts."""
    lang = view.changes.lang if view.changes else view.text.lang
    data = to_json(view.changes) if view.changes else {"schema": SCHEMA, "lang": lang, "text_lang": view.text.lang,
                                                        "from": None, "to": view.version, "totals": {}, "sections": [], "key_points": []}
    if view.record:
        data["release"] = {"version": view.version, "effective": view.record.effective.isoformat(),
                           "kind": view.record.kind, "summary": view.record.summary_in(lang, view.source)[0]}
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


HISTORY_ZIP = "policy-history.zip"
SEARCH_DOCS = "search.json"


def _status_label(view: VersionView, lang: str) -> str:
    return t(lang, "status." + ("draft" if view.status == "draft" else view.status))


def _search_text(text: str) -> str:
    """Material shows a search entry's `title` and `text` as HTML: every entry holds escaped text."""
    return html.escape(text, quote=False)


def version_search_docs(view: VersionView, lang: str, in_force: str | None) -> list[dict]:
    """Search entries of a version page: one per section, labelled with the version and its status;
    the version in force ranks first. Titles and texts are escaped (`_search_text`)."""
    from site_builder.compare.diffing import section_blocks

    label = f"{t(lang, 'version')} {view.version if view.version != 'draft' else t(lang, 'draft_label')} · {_status_label(view, lang)}"
    boost = 10 if view.version == in_force else (2 if view.status == "upcoming" else 1)
    # Material groups section hits under their page: the page itself comes first.
    docs = [{"location": f"{view.version}/", "title": _search_text(f"{view.text.title} — {label}"), "text": "", "boost": boost}]
    for sec in view.text.sections:
        heading = f"{sec.number}. {sec.title}" if sec.number else sec.title
        text = " ".join(b.key for b in section_blocks(sec.body))
        docs.append({"location": f"{view.version}/#{sec.id}", "title": _search_text(f"{heading} — {label}"),
                     "text": _search_text(text), "boost": boost})
    return docs


COMPARE_DATA = "compare.json"


def compare_data(view: VersionView) -> dict:
    """`/<lang>/<version>/compare.json`: the rendered blocks of a version, for the compare page.

    Each block: kind `k`, its plain words `t` (compared), its HTML `h` when it has links or
    emphasis (shown when unchanged; else `t` is shown), the list `l` it is in, its heading tag `g`.
    """
    sections = [{"id": sec.id, "n": sec.number, "title": sec.title, "b": list(_compare_blocks(sec.body, view.text.lang))}
                for sec in view.text.sections]
    return {"schema": "policy-compare/1", "version": view.version, "title": view.text.title, "sections": sections}


@functools.lru_cache(maxsize=8192)
def _compare_blocks(body: str, lang: str) -> tuple[dict, ...]:
    """The blocks of one section body (cached: most sections are the same in many versions)."""
    from site_builder.compare.diffing import BlockChange, Piece, section_blocks
    from site_builder.compare.render import blocks_html

    out = []
    for block in section_blocks(body):
        item: dict = {"k": block.kind, "t": block.key}
        if any(tok.marks or tok.text == "\n" for tok in block.tokens):
            kept = BlockChange(block.kind, "unchanged", tuple(Piece("=", tok.text, None, tok.marks) for tok in block.tokens))
            item["h"] = blocks_html((kept,), None, lang)  # type: ignore[arg-type]
        lists = [c.tag for c in block.chain if c.tag in ("ul", "ol")]
        if lists:
            item["l"] = lists[-1]
        heading = next((c.tag for c in reversed(block.chain) if c.tag[0] == "h" and c.tag[1:].isdigit()), None)
        if heading:
            item["g"] = heading
        out.append(item)
    return tuple(out)


def changes_search_docs(view: VersionView, lang: str) -> list[dict]:
    """The search entry of a changes page: the summary and the sections it touched."""
    if view.record is None:
        return []
    label = f"{t(lang, 'changes_in', version=view.version)} · {_status_label(view, lang)}"
    touched = " ".join(f"{s.title}" for s in view.changes.touched) if view.changes else ""
    summary = view.record.summary_in(lang, view.source)[0]
    return [{"location": f"{view.version}/changes/", "title": _search_text(label),
             "text": _search_text(f"{summary} {touched}".strip())}]


def search_docs_json(docs: list[dict]) -> str:
    """The search entries kept beside a page: a compact JSON list, as the search index holds them."""
    return json.dumps(docs, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def version_data(view: VersionView, lang: str, commit: str | None) -> dict:
    """`/<lang>/<version>/policy.json` (schema `policy-version/1`): the text of a version as data."""
    rec = view.record
    return {
        "schema": "policy-version/1", "version": view.version, "lang": lang, "text_lang": view.text.lang,
        "title": view.text.title, "effective": rec.effective.isoformat() if rec else None, "kind": rec.kind if rec else None,
        "commit": commit, "content_hash": rec.content_hash if rec else None,
        "sections": [{"id": s.id, "number": s.number, "title": s.title, "translation": s.state, "markdown": s.body}
                     for s in view.text.sections],
    }


def version_markdown(view: VersionView, lang: str) -> str:
    """`/<lang>/<version>/policy.md`: the text of a version as one plain Markdown file: headings
    without raw HTML anchors or attribute syntax, readable as text and in any Markdown viewer."""
    rec = view.record
    lines = [f"# {one_line(view.text.title)}", ""]
    if rec:
        lines += [f"{t(lang, 'version')} {view.version} · {t(lang, 'labelled', label=t(lang, 'effective'), value=format_day(rec.effective, lang))}", ""]
    for sec in view.text.sections:
        number = f"{sec.number}. " if sec.number else ""
        lines += [f"## {number}{one_line(sec.title)}", "", sec.body.strip(), ""]
    return "\n".join(lines)


def history_manifest(records: dict[str, ReleaseRecord], commits: dict[str, str], site_url: str,
                     digests: dict[str, str]) -> bytes:
    """`manifest.json` of `/policy-history.zip`: every release with the sha256 of each of its files.

    `digests` are the archive's entries, `<version>/<lang>/policy.md` and `policy.json` (the very
    bytes each version page offers for download), with their sha256.
    """
    by_version: dict[str, dict[str, str]] = {}
    for path, digest in digests.items():
        by_version.setdefault(path.split("/", 1)[0], {})[path] = digest
    manifest = {"schema": "policy-history/1", "site_url": site_url, "versions": [
        {"version": version, "effective": rec.effective.isoformat(), "kind": rec.kind, "commit": commits.get(version),
         "content_hash": rec.content_hash, "files": by_version.get(version, {})}
        for version, rec in sorted(records.items(), key=lambda item: item[1].key)]}
    return (json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def history_versions(manifest: bytes | None) -> dict[str, tuple[str, dict[str, str]]]:
    """version -> (commit, {path: sha256}) of a previous archive, from its manifest."""
    try:
        data = json.loads(manifest or b"{}")
        return {version["version"]: (str(version["commit"]), dict(version["files"])) for version in data.get("versions", [])}
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}


def atom_feed(views: list[VersionView], releases: dict[str, Release], lang: str, site_url: str, title: str,
              author: str = "") -> str:
    """`/<lang>/feed.xml`: one entry per release, newest first."""
    entries = []
    newest = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    for view in reversed(views):
        rel = releases.get(view.version)
        if rel is None or view.record is None:
            continue
        when = rel.committed.astimezone(dt.UTC)
        newest = max(newest, when)
        url = f"{site_url}{lang}/{view.version}/changes/"
        when_said = (t(lang, "status.never in force") if view.status == "never in force"
                     else t(lang, "effective_from", date=format_day(view.record.effective, lang)))
        heading = f"{t(lang, 'version')} {view.version} — {when_said}"
        content = to_html(view.record.summary_in(lang, view.source)[0]) + f'<p><a href="{html.escape(url)}">{html.escape(t(lang, "changes"))}</a></p>'
        entries.append(
            f"  <entry>\n    <id>{escape(url)}</id>\n    <title>{escape(heading)}</title>\n"
            f"    <updated>{when.isoformat()}</updated>\n    <link rel=\"alternate\" href=\"{escape(url)}\"/>\n"
            f"    <content type=\"html\">{escape(content)}</content>\n  </entry>\n")
    feed_url = f"{site_url}{lang}/feed.xml"
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="' + lang + '">\n'
            f"  <id>{escape(feed_url)}</id>\n  <title>{escape(t(lang, 'feed_title', title=title))}</title>\n"
            f"  <updated>{newest.isoformat()}</updated>\n  <author><name>{escape(author or title)}</name></author>\n"
            f"  <link rel=\"self\" href=\"{escape(feed_url)}\"/>\n"
            f"  <link rel=\"alternate\" href=\"{escape(site_url + lang + '/')}\"/>\n" + "".join(entries) + "</feed>\n")


def root_page(titles: dict[str, str], languages: tuple[str, ...], site_url: str) -> str:
    """`/index.html`: choose a language (no script, no third party)."""
    links = "\n".join(f'    <li><a href="{lang}/" hreflang="{lang}" lang="{lang}">{html.escape(titles.get(lang, ""))} — {html.escape(t(lang, "language_name"))}</a></li>'
                      for lang in languages)
    alternates = "\n".join(f'  <link rel="alternate" hreflang="{lang}" href="{html.escape(site_url)}{lang}/">' for lang in languages)
    choose = " / ".join(t(lang, "choose_language") for lang in languages)
    return f"""<!doctype html>
<html lang="{languages[0]}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{html.escape(" / ".join(titles.get(lang, "") for lang in languages))}</title>
{alternates}
  <link rel="alternate" hreflang="x-default" href="{html.escape(site_url)}">
  <style>body{{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;line-height:1.5;color:#1f2328}}a{{font-size:1.2em;color:#1a4fa0}}</style>
  <script>
    /* The reader's language, when the policy has it; without JavaScript, the plain choice below. */
    (function () {{
      var have = {json.dumps(list(languages))};
      var wanted = navigator.languages || [navigator.language || ""];
      for (var i = 0; i < wanted.length; i++) {{
        var code = (wanted[i] || "").slice(0, 2).toLowerCase();
        if (have.indexOf(code) >= 0) {{ location.replace(code + "/"); return; }}
      }}
    }})();
  </script>
</head>
<body>
  <h1>{html.escape(choose)}</h1>
  <ul>
{links}
  </ul>
</body>
</html>
"""


def unsubscribe_page(languages: tuple[str, ...], mailto: str | None, one_click: bool) -> str:
    """`/unsubscribe/`: how to stop the notices, in every language (the link of a notice may lead
    here), each with its way back to the policy. The mail's subject is the word the notices use."""
    sections = []
    for lang in languages:
        ways = []
        if one_click:
            ways.append(f"<p>{html.escape(t(lang, 'unsubscribe_page.link'))}</p>")
        if mailto:
            link = f"mailto:{mailto}?subject={quote(t(lang, 'unsub.keyword'), safe='')}"
            ways.append(f'<p>{html.escape(t(lang, "unsubscribe_page.mail"))} '
                        f'<a href="{html.escape(link)}">{html.escape(mailto)}</a></p>')
        back = (f'<nav class="back" aria-label="{html.escape(t(lang, "nav.policy"))}"><a href="../{lang}/" hreflang="{lang}">'
                f'{html.escape(t(lang, "unsubscribe_page.back"))}</a> · <a href="../{lang}/versions/" hreflang="{lang}">'
                f'{html.escape(t(lang, "unsubscribe_page.versions"))}</a></nav>')
        sections.append(f'<section lang="{lang}"><h1>{html.escape(t(lang, "unsubscribe_page.title"))}</h1>'
                        f'<p>{html.escape(t(lang, "unsubscribe_page.intro"))}</p>{"".join(ways)}{back}</section>')
    return (f'<!doctype html>\n<html lang="{languages[0]}">\n<head>\n  <meta charset="utf-8">\n'
            '  <meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'  <title>{html.escape(" / ".join(t(lang, "unsubscribe_page.title") for lang in languages))}</title>\n'
            '  <meta name="robots" content="noindex">\n'
            "  <style>body{font-family:system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em;line-height:1.5;"
            "color:#1f2328}a{color:#1a4fa0}.back{margin-top:1.5em}</style>\n</head>\n<body>\n<main>\n"
            + "\n<hr>\n".join(sections) + "\n</main>\n</body>\n</html>\n")


def sitemap(urls: list[str], today: dt.date) -> str:
    """sitemap.xml of every page, reused or rendered: the same bytes for the same input."""
    entries = "".join(f"  <url>\n    <loc>{escape(url)}</loc>\n    <lastmod>{today.isoformat()}</lastmod>\n  </url>\n" for url in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + entries + "</urlset>\n")
