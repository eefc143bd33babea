"""The site configuration: the only reader of `mkdocs.yml`, typed and checked, every problem at once.

The rendering engine reads the same file on its own (MkDocs through `INHERIT`, and so would
Zensical); everything this tool needs from it is read here, strictly (duplicate keys refused).
"""

from __future__ import annotations

import functools
import hashlib
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from site_builder import strict_yaml
from site_builder.errors import ContentError, PolicyError, Problem
from site_builder.mailbox import UNSAFE, parse_mailbox

CONFIG = "mkdocs.yml"
_ONE_CLICK = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?/[A-Za-z0-9._~%!$&*+,;=:@/?-]*$")
_URL_SAFE = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%!$&*+,;=:@/-]*)?$")


@dataclass(frozen=True)
class NoticeConfig:
    """`extra.notices`: who sends notices and where readers unsubscribe."""

    sender: str | None
    reply_to: str | None
    unsubscribe_url: str | None
    unsubscribe_mailto: str | None


@dataclass(frozen=True)
class SiteConfig:
    """What this tool reads from mkdocs.yml."""

    path: Path
    site_name: str | None
    site_url: str | None
    notices: NoticeConfig
    digest: str  # of the whole file: any change to it is a change of every page

    def url(self, given: str | None = None) -> str:
        """The site URL (given on the command line, or site_url), checked, ending in /."""
        url = given or self.site_url
        if not url:
            raise PolicyError(f"no site URL: set `site_url: https://...` in {CONFIG} or pass --site-url")
        return checked_site_url(url, "--site-url" if given else f"site_url in {CONFIG}")


def checked_site_url(url: str, where: str) -> str:
    """An absolute http(s) URL with nothing that could break out of an attribute, ending in /."""
    if not _URL_SAFE.match(url):
        shown = repr(url) if len(url) <= 80 else repr(url[:80] + "…")
        raise PolicyError(f"{where} {shown} is not a plain absolute http(s) URL (no quotes, spaces or markup); "
                          "write it like https://www.example.com/privacy/")
    return url.rstrip("/") + "/"


def _lines(node: yaml.Node, prefix: str = "") -> dict[str, int]:
    out: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = f"{prefix}{key.value}"
            out[name] = key.start_mark.line + 1
            out.update(_lines(value, name + "."))
    return out


def _text(data: dict, key: str, where: str, line: int, problems: list[Problem]) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(Problem(CONFIG, line, f"`{where}` must be text"))
        return None
    return value


def load_config(root: Path) -> SiteConfig:
    """Read and check mkdocs.yml; raises with every problem, each as `mkdocs.yml:line: message`."""
    path = Path(root) / CONFIG
    if not path.is_file():
        raise PolicyError(f"{path} is missing: create it with at least `site_name:` and `site_url:`")
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as exc:
        raise PolicyError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise PolicyError(f"{CONFIG} is not UTF-8 text; save it as UTF-8") from None
    return _parsed(path, raw, text)


@functools.lru_cache(maxsize=4)
def _parsed(path: Path, raw: bytes, text: str) -> SiteConfig:
    """mkdocs.yml parsed and checked once per command for the same bytes (a build asks often)."""
    # MkDocs' own tags (`!ENV`, `!!python/name:...`) pass as opaque values: the engine resolves them.
    data, node, found = strict_yaml.load(text.removeprefix("\ufeff"), CONFIG, opaque_tags=True)
    if found:
        raise ContentError(found)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ContentError([Problem(CONFIG, 1, "must be `key: value` lines (a YAML mapping)")])
    lines = _lines(node) if node is not None else {}
    problems: list[Problem] = []
    site_name = _text(data, "site_name", "site_name", lines.get("site_name", 1), problems)
    site_url = _text(data, "site_url", "site_url", lines.get("site_url", 1), problems)
    if site_url:
        try:
            checked_site_url(site_url, "site_url")
        except PolicyError as exc:
            problems.append(Problem(CONFIG, lines.get("site_url", 1), exc.format_message()))
    extra = data.get("extra") or {}
    notices_data = extra.get("notices") if isinstance(extra, dict) else None
    if notices_data is not None and not isinstance(notices_data, dict):
        problems.append(Problem(CONFIG, lines.get("extra.notices", 1), "`extra.notices` must be `key: value` lines"))
        notices_data = None
    notices_data = notices_data or {}
    fields = {key: _text(notices_data, key, f"extra.notices.{key}", lines.get(f"extra.notices.{key}", 1), problems)
              for key in ("sender", "reply_to", "unsubscribe_url", "unsubscribe_mailto")}
    problems += _notice_problems(fields, lambda key: lines.get(f"extra.notices.{key}", 1))
    if problems:
        raise ContentError(problems)
    return SiteConfig(path, site_name, site_url, NoticeConfig(**fields), hashlib.sha256(raw).hexdigest())


def _notice_problems(fields: dict[str, str | None], line: Callable[[str], int]) -> list[Problem]:
    """The sender, reply and unsubscribe settings checked as they will be used, each with its line."""
    problems = []
    for key in ("sender", "reply_to", "unsubscribe_mailto"):
        value = fields[key]
        if value is None:
            continue
        try:
            parse_mailbox(value)
        except ValueError as exc:
            problems.append(Problem(CONFIG, line(key), f"extra.notices.{key} {value[:80]!r}: {exc}"))
            continue
    url = fields["unsubscribe_url"]
    if url is not None:
        problem = unsubscribe_url_problem(url)
        if problem:
            problems.append(Problem(CONFIG, line("unsubscribe_url"), f"extra.notices.unsubscribe_url {url[:80]!r} {problem}"))
    return problems


def unsubscribe_url_problem(url: str) -> str | None:
    """Why the one-click address cannot be filled per recipient, or None."""
    example = "like https://www.example.com/privacy/unsubscribe?email={email}&token={token}"
    if UNSAFE.search(url):
        return "contains a line break, control character or encoded word; header injection refused"
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(url) if name is not None]
    except ValueError as exc:
        return f"has a brace that is not a placeholder ({exc}); write {{{{ and }}}} for literal braces, {example}"
    names = {name for name, _, _ in fields}
    odd = sorted({"{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
                  for name, spec, conv in fields if name not in ("email", "token") or spec or conv})
    if odd:
        return f"has the unknown placeholder(s) {', '.join(odd)}: only {{email}} and {{token}} are filled, {example}"
    if names != {"email", "token"}:
        return f"needs both {{email}} and {{token}} (the token proves the link was ours), {example}"
    if not _ONE_CLICK.match(url.replace("{email}", "x").replace("{token}", "x")):
        return f"must be a plain https:// address (no spaces, quotes or markup), {example}"
    return None


def config_problems(root: Path) -> list[Problem]:
    """What `policy check` reports of mkdocs.yml: every problem load_config would stop on."""
    if not (Path(root) / CONFIG).exists():
        return []  # a policy can be checked before its site is configured; build names the missing file
    try:
        load_config(root)
    except ContentError as exc:
        return list(exc.problems)
    except PolicyError as exc:
        return [Problem(CONFIG, 1, exc.format_message())]
    return []


def address_of(sender: str) -> str:
    """`privacy@example.com` of `OKTABIT <privacy@example.com>` or `privacy@example.com (OKTABIT)`."""
    try:
        return parse_mailbox(sender)[1]
    except ValueError:
        return sender.strip()
