"""Cutting a release: the record `changelog/<version>.yml` with its content_hash."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from site_builder import strict_yaml
from site_builder.errors import ContentError, PolicyError, Problem, errors_in
from site_builder.markup import stripped_markup
from site_builder.source.models import KINDS, RECORD_SUFFIX, VERSION_RULE, date_problem, is_version, version_key
from site_builder.source.workspace import check, open_workspace


def create_release(root: Path, *, version: str, effective: dt.date, kind: str,
                   summaries: dict[str, str], allow_stale: bool = False, short_notice: dict[str, str] | None = None,
                   today: dt.date | None = None) -> Path:
    """Write the release record for the current text; refuse anything that would break a release."""
    if not is_version(version):
        raise PolicyError(f"version {version!r} must be {VERSION_RULE}; nothing was written")
    if date_problem(effective):
        raise PolicyError(f"--effective {date_problem(effective)}; check the year; nothing was written")
    if kind not in KINDS:
        raise PolicyError(f"kind {kind!r} must be `material` or `minor`")
    ws = open_workspace(root)
    path = ws.root / "changelog" / f"{version}{RECORD_SUFFIX}"
    if path.exists() or ws.release(version):
        raise PolicyError(f"release {version} exists already ({path.relative_to(ws.root)}); a published release never changes: choose a new version number")
    problems = check(root)
    if errors_in(problems):
        raise ContentError(problems, hint="fix these first")
    if problems and not allow_stale:  # a release is strict: what check only warns about stops it
        strict = [Problem(p.path, p.line, p.message) for p in problems]
        raise ContentError(strict, hint="`policy check` warns about these and a release treats warnings as errors: fix them, "
                           "or pass --allow-stale to release with them (stale or missing translations, readability, key points)")
    for release in ws.releases:
        if version_key(version) <= release.record.key:
            raise PolicyError(f"version {version} is not after the last release {ws.releases[-1].version}; choose a higher number")
    if ws.releases and effective < ws.releases[-1].record.effective:
        raise PolicyError(f"effective date {effective} is before {ws.releases[-1].record.effective} of release {ws.releases[-1].version}; effective dates never decrease")
    for lang in ws.languages:
        if not summaries.get(lang, "").strip():
            raise PolicyError(f"a summary in `{lang}` is required (--summary {lang}=TEXT)")
        _check_summary_markup(lang, summaries[lang])
    if short_notice:
        short_notice = _short_notice_reasons(short_notice, ws.languages)
    _check_notice(ws.draft.notice_days if ws.draft else None, kind, effective, today or dt.date.today(), short_notice)
    _check_characters({**{f"--summary-{lang}": text for lang, text in summaries.items()},
                       **{f"--allow-short-notice {lang}=": text for lang, text in (short_notice or {}).items()}})
    return write_record(ws.root, version=version, effective=effective, kind=kind,
                        summaries={lang: summaries[lang] for lang in ws.languages}, content_hash=ws.draft_hash(),
                        short_notice=short_notice)


def _check_characters(values: dict[str, str]) -> None:
    """What the record's reader refuses (controls, bidi controls, noncharacters), refused before it is written."""
    for option, text in values.items():
        bad = strict_yaml.FORBIDDEN.search(text.replace("\n", "").replace("\t", ""))
        if bad:
            raise PolicyError(f"{option}: {strict_yaml.describe_char(bad.group())} is not text a reader can see; "
                              "remove it; nothing was written")


def _check_summary_markup(lang: str, summary: str) -> None:
    """A summary is published as plain formatting: refuse raw HTML the site would drop, before it is recorded."""
    dropped = stripped_markup(summary)
    if dropped:
        tag, attrs, _ = dropped[0]
        what = f"the attribute(s) {attrs} of `<{tag}>`" if attrs else f"the `<{tag}>` element"
        raise PolicyError(f"--summary-{lang}: raw HTML: the site drops {what}; write the summary as plain text or Markdown")


def _short_notice_reasons(reasons: dict[str, str], languages: tuple[str, ...]) -> dict[str, str]:
    """One reason per language of the policy: a reader sees it in their language, never another's."""
    unknown = [lang for lang in reasons if lang not in languages]
    if unknown:
        raise PolicyError(f"--allow-short-notice {unknown[0]}=...: `{unknown[0]}` is not a language of this policy "
                          f"({', '.join(languages)}); nothing was written")
    missing = [lang for lang in languages if not reasons.get(lang, "").strip()]
    if missing:
        raise PolicyError(f"--allow-short-notice needs the reason in every language of the policy; {', '.join(missing)} is missing: "
                          + " ".join(f"--allow-short-notice {lang}=REASON" for lang in languages) + "; nothing was written")
    return {lang: reasons[lang].strip() for lang in languages}


def _check_notice(days: int | None, kind: str, effective: dt.date, today: dt.date, reason: dict[str, str] | None) -> None:
    """A material change takes effect no sooner than the notice the policy promises, unless a reason is recorded."""
    if kind != "material" or days is None:
        return
    earliest = today + dt.timedelta(days=days)
    if effective < earliest and not reason:
        raise PolicyError(f"the policy promises {days} days' notice of a material change (notice_days in policy/policy.yml), "
                          f"but {effective} is {(effective - today).days} day(s) after today: choose {earliest} or later, or pass "
                          "--allow-short-notice en=REASON --allow-short-notice el=REASON (recorded in the release and shown "
                          "on its changes page, each reader in their language)")


def write_record(root: Path, *, version: str, effective: dt.date, kind: str, summaries: dict[str, str],
                 content_hash: str, short_notice: dict[str, str] | None = None) -> Path:
    """Write `changelog/<version>.yml` (the caller has validated everything)."""
    path = Path(root) / "changelog" / f"{version}.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(record_text(version=version, effective=effective, kind=kind, summaries=summaries,
                                content_hash=content_hash, short_notice=short_notice), encoding="utf-8")
    return path


def record_text(*, version: str, effective: dt.date, kind: str, summaries: dict[str, str],
                content_hash: str, short_notice: dict[str, str] | None = None) -> str:
    """The text of a release record, as `policy release` writes it."""
    record = {
        "version": version,
        "effective": effective,
        "kind": kind,
        "summary": {lang: text.strip() for lang, text in summaries.items()},
        "content_hash": content_hash,
    }
    if short_notice:
        record["short_notice"] = {lang: reason.strip() for lang, reason in short_notice.items()}
    text = yaml.safe_dump(record, allow_unicode=True, sort_keys=False, width=88)
    return text.replace(f"version: '{version}'", f'version: "{version}"')
