"""The files outside the language folders: versions.json, the language choice, the unsubscribe
page, and the notice a pending release would send (beside the draft)."""

from __future__ import annotations

from site_builder.config import address_of, load_config
from site_builder.site import writer
from site_builder.site.data import root_page, unsubscribe_page, versions_json
from site_builder.site.pages import (
    DRAFT,
)
from site_builder.site.plan import SitePlan, version_views, with_changes


def write_root_files(plan: SitePlan, site: writer.Output) -> None:
    """/versions.json, /index.html and, when notices are configured, /unsubscribe/."""
    site.write("versions.json", versions_json(list(plan.releases), plan.statuses, plan.site_url, plan.languages))
    site.write("index.html", root_page(plan.titles, plan.languages, plan.site_url))
    notices = load_config(plan.root).notices
    if notices.sender is None:
        return
    mailto = notices.unsubscribe_mailto or notices.reply_to or address_of(notices.sender)
    site.write("unsubscribe/index.html", unsubscribe_page(plan.languages, mailto, one_click=bool(notices.unsubscribe_url)))


def write_notice_previews(plan: SitePlan, site: writer.Output) -> None:
    """The notice a pending release would send, per language, beside the draft (not linked from search)."""
    from site_builder.notify.compose import preview_html

    if plan.pending is None:
        return
    for lang in plan.languages:
        view = next(v for v in version_views(plan, lang) if v.version == DRAFT)
        page = preview_html(plan.root, lang, plan.pending, plan.titles.get(lang) or plan.titles[plan.languages[0]],
                            with_changes(plan, view, lang).changes, plan.site_url, plan.snapshots[DRAFT].prevailing,
                            plan.languages)
        site.write(f"{lang}/{DRAFT}/notice.html", page)
