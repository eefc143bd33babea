"""The processes that render the languages, forked before the plan is read."""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from site_builder.site import writer
from site_builder.site.language import build_language
from site_builder.site.plan import SitePlan


class Workers:
    """The processes that render the languages, started before the plan is read so that each
    loads the engine (MkDocs, Material, Markdown) while this process reads the repository."""

    def __init__(self, root: Path | None) -> None:
        count = min(1 + len(_folders(root / "translations")), os.cpu_count() or 1) if root is not None else 1
        self.pool: ProcessPoolExecutor | None = None
        if count > 1 and sys.platform != "win32":
            self.pool = ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("fork"),
                                            initializer=start_worker)
            self.pool.submit(int)  # forks every worker now, before this process starts any thread

    def render(self, plan: SitePlan, tmp: Path, quiet: bool, meanwhile: Callable[[], None]) -> list[str]:
        """Render every language; `meanwhile` runs in a thread of this process once the workers work."""
        if self.pool is None or len(plan.languages) < 2:
            meanwhile()
            results = [build_language(plan, lang, tmp, quiet) for lang in plan.languages]
        else:
            futures = [self.pool.submit(build_language, plan, lang, tmp, quiet) for lang in plan.languages]
            meanwhile()
            results = [future.result() for future in futures]
        return [p for problems in results for p in problems]

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _folders(path: Path) -> list[str]:
    try:
        return [entry.name for entry in os.scandir(path) if entry.is_dir()]
    except OSError:
        return []


def start_worker() -> None:
    writer.die_with_parent()
    from site_builder.markup import warm_up as markup_warm_up
    from site_builder.site.engine_mkdocs import warm_up

    warm_up()
    markup_warm_up()
    # What the worker imported and warmed up lives as long as it does: out of the collector's reach,
    # the full collections of the build no longer walk it (-5 % CPU of one more release at 60).
    gc.freeze()
