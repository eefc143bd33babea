"""The no-op check of `policy build`: kept light so an unchanged site answers in well under a second."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from site_builder import __version__, history
from site_builder.config import load_config
from site_builder.content import WorkingTree, content_hash

STAMP = ".policy-build"


def _tool_digest() -> str:
    digest = hashlib.sha256()
    tool = Path(__file__).parent
    for path in sorted([*tool.glob("*.py"), *tool.rglob("theme/**/*")]):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def tool_stamp(root: Path, site_url: str, lang: str) -> str:
    """What every page depends on besides its own content: this tool, mkdocs.yml, URL, language."""
    parts = [__version__, _tool_digest(), site_url, lang, load_config(root).digest]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def compute(root: Path, *, draft: bool, today: dt.date, site_url: str | None) -> str:
    """What the output depends on: history, draft text, configuration, options and this tool."""
    digest = hashlib.sha256(_tool_digest().encode())
    repo = history.open_repo(root)
    head = history.head_commit(repo)
    parts = [__version__, str(site_url), today.isoformat(), str(draft), head.hexsha if head else "",
             load_config(root).digest]
    if draft:
        parts.append(content_hash(WorkingTree(root)))
    digest.update("\n".join(parts).encode())
    return digest.hexdigest()


def up_to_date(out: Path, stamp: str) -> bool:
    """True when `out` was built from exactly these inputs."""
    file = out / STAMP
    return file.is_file() and file.read_text(encoding="utf-8") == stamp
