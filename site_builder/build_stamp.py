"""The no-op check of `policy build`: kept light so an unchanged site answers in well under a second."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from site_builder import __version__, history
from site_builder.content import WorkingTree, content_hash

STAMP = ".policy-build"


def compute(root: Path, *, draft: bool, today: dt.date, site_url: str | None) -> str:
    """What the output depends on: history, draft text, configuration, options and this tool."""
    digest = hashlib.sha256()
    tool = Path(__file__).parent
    for path in sorted([*tool.glob("*.py"), *tool.rglob("theme/**/*")]):
        if path.is_file():
            digest.update(path.read_bytes())
    repo = history.open_repo(root)
    head = history.head_commit(repo)
    config = root / "mkdocs.yml"
    parts = [__version__, str(site_url), today.isoformat(), str(draft), head.hexsha if head else "",
             config.read_bytes().hex() if config.is_file() else ""]
    if draft:
        parts.append(content_hash(WorkingTree(root)))
    digest.update("\n".join(parts).encode())
    return digest.hexdigest()


def up_to_date(out: Path, stamp: str) -> bool:
    """True when `out` was built from exactly these inputs."""
    file = out / STAMP
    return file.is_file() and file.read_text(encoding="utf-8") == stamp
