"""What a build depends on, as keys: the whole site's stamp (history, draft, options, mkdocs.yml,
this tool and every rendering package) and the context every page of a language shares.

Whether the published site or a page still matches its key is the writer's question
(`writer.up_to_date`, `writer.reusable`): it keeps the manifests."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from pathlib import Path

from site_builder.config import load_config
from site_builder.site.engine_mkdocs import RENDERING_PACKAGES
from site_builder.source import history, store
from site_builder.source.content import WorkingTree, content_hash


@functools.lru_cache(maxsize=1)
def tool_digest() -> str:
    """This tool's code and theme, and the installed version of everything that renders pages."""
    return hashlib.sha256(f"{store.code_digest()}\n{store.package_versions(RENDERING_PACKAGES)}".encode()).hexdigest()


def page_context(root: Path, site_url: str, lang: str) -> str:
    """What every page of a language depends on besides its own content."""
    parts = [tool_digest(), site_url, lang, load_config(root).digest]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def stamp(root: Path, *, draft: bool, today: dt.date, site_url: str | None) -> str:
    """What the whole output depends on: history, draft text and pending records, options, config, tool."""
    repo = history.open_repo(root)
    head = history.head_commit(repo)
    parts = [tool_digest(), str(site_url), today.isoformat(), str(draft), head.hexsha if head else "",
             load_config(root).digest]
    if draft:
        tree = WorkingTree(root)
        parts.append(content_hash(tree))
        for name in tree.listdir("changelog"):  # a pending release shows in the draft
            parts.append(hashlib.sha256((tree.read(f"changelog/{name}") or b"").hex().encode()).hexdigest())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


# --- pages ------------------------------------------------------------------------------
#
# A manifest records, for every page folder, the key of its inputs and, for each of its files,
# the sha256 and the size. A reused file is checked the way git checks its index: a file of the
# recorded size whose modification time is older than the manifest (written last, at the end of
# the build) has not been touched since it was hashed; any other file is hashed again.


