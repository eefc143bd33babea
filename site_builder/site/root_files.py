"""The files outside the language folders: the unsubscribe page, and the notice a pending release
would send (beside the draft)."""

from __future__ import annotations

from pathlib import Path

from site_builder.config import address_of, load_config
from site_builder.site.data import (
    unsubscribe_page,
)
from site_builder.site.pages import (
    DRAFT,
)
from site_builder.site.plan import SitePlan, version_views, with_changes


def write_unsubscribe_page(plan: SitePlan, site: Path) -> None:
    """/unsubscribe/: both ways to stop the notices, when notices are configured."""
    notices = load_config(plan.root).notices
    if notices.sender is None:
        return
    mailto = notices.unsubscribe_mailto or notices.reply_to or address_of(notices.sender)
    (site / "unsubscribe").mkdir()
    (site / "unsubscribe" / "index.html").write_text(
        unsubscribe_page(plan.languages, mailto, one_click=bool(notices.unsubscribe_url)), encoding="utf-8")


def write_notice_previews(plan: SitePlan, site: Path) -> None:
    """The notice a pending release would send, per language, beside the draft (not linked from search)."""
    from site_builder.notify.compose import preview_html

    if plan.pending is None:
        return
    for lang in plan.languages:
        view = next(v for v in version_views(plan, lang) if v.version == DRAFT)
        page = preview_html(plan.root, lang, plan.pending, plan.titles.get(lang, plan.titles["en"]),
                            with_changes(plan, view, lang).changes, plan.site_url, plan.snapshots[DRAFT].prevailing)
        (site / lang / DRAFT / "notice.html").write_text(page, encoding="utf-8")
