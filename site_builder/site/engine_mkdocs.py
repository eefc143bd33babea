"""The rendering engine: MkDocs with the Material theme. The only module that imports mkdocs,
material or jinja2 (a test holds every other module to that).

Swapping the engine (Zensical reads the same mkdocs.yml) means replacing this module: it takes
engine-independent pages (`site.page.Page`) and writes one language's HTML into a folder. What
the rest of the build may use of it: `render_language`, `warm_up`, `search_index`, `SEARCH_INDEX`,
`RENDERING_PACKAGES`, `BUTTON`, `BUTTON_PRIMARY` and `TEMPLATE_CACHE`. MkDocs itself is imported
when a language is rendered, not when this module is: checking that a site is up to date
needs the package list, not the engine.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import yaml

from site_builder.i18n import DATE_FORMAT, DATE_FORMAT_FIRST_DAY, t
from site_builder.markup import sanitize
from site_builder.site.page import FRAGMENT_PREFIX, Page
from site_builder.site.writer import link_or_copy

THEME_DIR = Path(__file__).parents[1] / "theme"
_PLACEHOLDER = re.compile(f"<p>{FRAGMENT_PREFIX}(t?[0-9a-f]+)</p>")
# Installed packages whose version changes the rendered pages: part of every page's cache key.
RENDERING_PACKAGES = ("mkdocs", "mkdocs-material", "markdown", "markdown-it-py", "linkify-it-py", "nh3",
                      "babel", "jinja2", "fast-diff-match-patch")
BUTTON = "md-button"  # Material's classes for a link or form button in page fragments
BUTTON_PRIMARY = "md-button md-button--primary"
TEMPLATE_CACHE = "templates"  # the engine's compiled templates, in the user's (or the repository's) cache folder
SEARCH_INDEX = "search/search_index.json"  # Material's search index, completed with every page's entries


def _markdown_extensions(lang: str) -> list:
    """The page shell's Markdown (headings and the summary): the permalink's title in the page's language."""
    return ["attr_list", {"toc": {"permalink": True, "permalink_title": t(lang, "engine.permalink"), "slugify": _SLUGIFY}},
            "tables", "sane_lists"]


# Python-Markdown's default slug drops every letter outside ASCII, so a Greek page title got the
# anchor "_1"; its Unicode slug keeps the words ("πολιτική-απορρήτου") and gives ASCII titles the
# same anchors as before. A function cannot be written as plain YAML: the config names it.
_SLUGIFY = "policy-slugify-unicode"
_SLUGIFY_YAML = "!!python/name:markdown.extensions.toc.slugify_unicode"


@dataclass(frozen=True)
class LanguageBuild:
    """Everything the engine needs to render one language."""

    lang: str
    pages: tuple[Page, ...]
    nav: tuple[tuple[str, str], ...]  # (label, page folder)
    site_url: str  # absolute URL of this language's root, ending in /
    site_name: str
    languages: tuple[dict[str, str], ...] = ()  # every language: lang, its root URL, a "this page in …" label
    previous: Path | None = None  # this language as last published: its theme files are linked when unchanged


class _PolicyPlugin:
    """Every page's HTML passes nh3 before it reaches a template (no live markup from policy
    text); then the ready, sanitised fragments replace their placeholders. (MkDocs calls a
    plugin's `on_*` methods by name: no base class is needed, so MkDocs loads late.)"""

    def __init__(self, pages: dict[str, Page], lang: str, previous: Path | None = None) -> None:
        self.previous = previous
        self.linked: list[tuple[str, str]] = []  # (published theme file, where it goes in this build)
        self.pages = pages  # page path -> the page as the build handed it over
        self.fragments = {path: page.fragments for path, page in pages.items()}  # placeholder key -> safe HTML
        self.lang = lang
        self.shells: dict[str, _Shell] = {}  # headings of a page shell -> their rendering (see _fast_shell)

    def on_pre_page(self, page, config, files):  # noqa: ANN001, ANN201 - MkDocs' hook
        own = self.pages.get(page.file.src_uri)
        # A hook of the site's mkdocs.yml that reads or rewrites the page source sees it the usual way.
        rewritten = config.plugins.events["page_read_source"] or config.plugins.events["page_markdown"]
        blocks = _shell_blocks(own.markdown) if own is not None and _fast_shells() and not rewritten else None
        if own is not None and blocks is not None and _plain_meta(own, self.lang):
            # The page's source and metadata are the ones written into the docs folder, so they
            # need not be read back and parsed; its shell of headings and placeholders is
            # rendered by Python-Markdown, headings only, once per set of headings (_fast_shell).
            page.read_source = functools.partial(_read_own, page, own, self.lang)
            page.render = functools.partial(_fast_shell, page, blocks, self.shells)
        return page

    def on_page_content(self, html, page, config, files):  # noqa: ANN001, ANN201 - MkDocs' hook
        # Only the page's own fragments: a placeholder typed into policy text stays text.
        own = self.fragments.get(page.file.src_uri, {})
        return _PLACEHOLDER.sub(lambda m: own.get(m.group(1), m.group(0)), sanitize(html))

    def on_page_context(self, context, page, config, nav):  # noqa: ANN001, ANN201 - MkDocs' hook
        # Material's "skip to content" link goes to the first entry of the table of contents:
        # make that the version header (version, date, status, notices), not the title after it.
        # Material's contents (the sidebar at desktop width, the phone menu) show the children of a
        # first level-1 entry: the version header's entry carries the sections, the page title's
        # children, so the contents list every section and the skip link still goes to the header.
        if 'id="policy-version-header"' in (page.content or "") and page.toc is not None:
            from mkdocs.structure.toc import AnchorLink

            header = AnchorLink(t(self.lang, "version"), "policy-version-header", 1)
            titles = [item for item in page.toc.items if item.level == 1]
            if titles:
                header.children = list(titles[0].children)
            page.toc.items.insert(0, header)
        # Material puts page titles and the site name into <title>, headers and attributes
        # without escaping them: they are text, so they are escaped here, once.
        page.title = escape(page.title or "", quote=True)
        if isinstance(page.meta.get("title"), str):
            page.meta["title"] = escape(page.meta["title"], quote=True)
        return context

    def on_config(self, config):  # noqa: ANN001, ANN201 - MkDocs' hook
        config.site_name = escape(config.site_name or "", quote=True)
        # We write the sitemap of every page ourselves (reused pages are not in this build).
        config.theme.static_templates.discard("sitemap.xml")
        return config

    def on_post_page(self, output, page, config):  # noqa: ANN001, ANN201 - MkDocs' hook
        return _label_toggles(output, self.lang)

    def on_post_template(self, output_content, template_name, config):  # noqa: ANN001, ANN201 - MkDocs' hook
        return _label_toggles(output_content, self.lang)

    def on_files(self, files, config):  # noqa: ANN001, ANN201 - MkDocs' hook
        # The theme's scripts, styles and images are the same in every build: where the last
        # published build has a file with the very same bytes, it is linked, not copied.
        if self.previous is None:
            return files
        theme_dirs = tuple(os.path.join(os.path.abspath(folder), "") for folder in config.theme.dirs)
        for file in list(files):
            if file.is_documentation_page() or file.is_static_page() or not file.abs_src_path.startswith(theme_dirs):
                continue
            published = os.path.join(self.previous, file.dest_uri)
            if _same_bytes(file.abs_src_path, published):
                files.remove(file)
                self.linked.append((published, file.abs_dest_path))
        return files

    def on_post_build(self, config):  # noqa: ANN001, ANN201 - MkDocs' hook
        for name in ("sitemap.xml", "sitemap.xml.gz"):  # ours lists every page, reused ones too
            Path(config.site_dir, name).unlink(missing_ok=True)
        for published, target in self.linked:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            link_or_copy(published, target)
        # Material ships lunr.el, but under lunr 2 its accent normaliser is never added, so
        # "δεδομενα" would not find "δεδομένα". Add folding to both pipelines of lunr.el
        # (a new file: the one copied from the theme is never written to).
        greek = Path(config.site_dir) / "assets/javascripts/lunr/min/lunr.el.min.js"
        if greek.is_file():
            text = greek.read_text(encoding="utf-8")
            greek.unlink()
            greek.write_text(text + _GREEK_FOLDING, encoding="utf-8")


def _same_bytes(source: str, published: str) -> bool:
    try:
        if os.path.getsize(source) != os.path.getsize(published):
            return False
        with open(source, "rb") as one, open(published, "rb") as other:
            return one.read() == other.read()
    except OSError:
        return False


def _label_toggles(html_text: str, lang: str) -> str:
    """Material's hidden checkboxes (search, navigation drawer) get a name, so that no form control is
    unlabelled (WCAG 1.3.1 / 4.1.2) even where the theme hides their visible labels (the 404 page)."""
    for name in ("search", "drawer"):
        marker = f'data-md-toggle="{name}" type="checkbox" id="__{name}"'
        html_text = html_text.replace(marker, marker + f' aria-label="{escape(t(lang, "engine.toggle." + name))}"')
    return html_text


_GREEK_FOLDING = """
;(function () {
  if (typeof lunr === "undefined" || !lunr.el) return;
  var foldText = function (text) {
    return text.normalize("NFD").replace(/[\\u0300-\\u036f]/g, "").toLowerCase().replace(/ς/g, "σ");
  };
  var fold = function (token) { return token.update(foldText); };
  // Search-as-you-type adds a wildcard, and lunr skips the pipeline for wildcard terms:
  // fold every query term as well.
  var query = lunr.Index.prototype.query;
  lunr.Index.prototype.query = function (build) {
    return query.call(this, function (q) {
      build.call(this, q);
      q.clauses.forEach(function (clause) { clause.term = foldText(clause.term); });
    });
  };
  lunr.Pipeline.registerFunction(fold, "el-fold-accents");
  var setup = lunr.el;
  lunr.el = function () {
    setup.call(this);
    this.pipeline.reset();
    this.pipeline.add(fold);
    this.searchPipeline.reset();
    this.searchPipeline.add(fold);
  };
  Object.keys(setup).forEach(function (key) { lunr.el[key] = setup[key]; });
})();
"""


def _theme_env(make: Callable[[], Any], template_cache: Path | None) -> Any:
    """The theme's Jinja environment, listing its templates without hidden folders, with
    compiled templates kept between builds.

    MkDocs lists every file of the theme to find the static ones and then drops every name
    that starts with a dot; Material keeps some 14,000 icons in `.icons/`, so that listing
    and filtering cost more than rendering a page. The same names remain, found faster.
    Material's search plugin makes environments of its own to read its translations: they
    share the compiled templates too."""
    import jinja2

    env = make()
    if template_cache is not None and template_cache.is_dir():
        env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(template_cache))
    loader = env.loader
    if isinstance(loader, jinja2.FileSystemLoader):
        loader.list_templates = functools.partial(_visible_templates, tuple(loader.searchpath))  # type: ignore[method-assign]
    return env


def _visible_templates(searchpath: tuple[str, ...]) -> list[str]:
    found = set()
    for base in searchpath:
        for folder, subfolders, names in os.walk(base, followlinks=True):
            subfolders[:] = [name for name in subfolders if not name.startswith(".")]
            prefix = os.path.relpath(folder, base).replace(os.sep, "/")
            for name in names:
                if not name.startswith("."):
                    found.add(name if prefix == "." else f"{prefix}/{name}")
    return sorted(found)


def warm_up() -> None:
    """In a worker process waiting for its first build: load the theme's plugins now and find the
    installed MkDocs plugins once (MkDocs looks them up among all installed packages for every
    configuration it reads)."""
    import material.plugins.search.plugin  # noqa: F401 - loaded by every build
    import mkdocs.commands.build  # noqa: F401
    import mkdocs.plugins

    mkdocs.plugins.get_plugins = functools.cache(mkdocs.plugins.get_plugins)
    mkdocs.plugins.get_plugins()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _docs_path(folder: str) -> str:
    return f"{folder}index.md"


def _meta(page: Page, lang: str) -> dict:
    """What our theme override and Material read from a page's meta."""
    meta: dict = {"title": page.title, "alternates": [{"lang": code, "href": href} for code, href in page.alternates],
                  "policy_lang": lang}
    if not page.search:
        meta["search"] = {"exclude": True}
    if page.noindex:
        meta["robots"] = "noindex, nofollow"
    return meta


def _front_matter(page: Page, lang: str) -> str:
    """The page's meta as front matter (JSON is YAML, and fast)."""
    return "---\n" + json.dumps(_meta(page, lang), ensure_ascii=False, sort_keys=True) + "\n---\n\n"


# --- page shells without a Markdown pass per page ------------------------------------------------
#
# Our pages reach MkDocs as shells: Markdown headings between placeholders of ready HTML. Python-
# Markdown, run on every page, was a sixth of a build (a new parser per page, every placeholder
# through the inline patterns). The headings are the only Markdown in a shell, and a placeholder
# paragraph renders as itself, so a shell made of nothing else is rendered from its headings
# alone (the same extensions, the same ids, permalinks and table of contents), and the version
# pages, which share their headings release after release, share that rendering. Any other shell
# (a catalog sentence between the blocks, say) goes through MkDocs' own Page.render. A test builds
# sites both ways and compares every byte (tests/test_golden.py). This reaches into MkDocs' Page
# (read_source, render and the fields they set), so it is taken only under the MkDocs releases it
# was checked against (_VERIFIED_MKDOCS), and not where a hook of the site rewrites page sources or
# where YAML would read a page's front matter otherwise than JSON does (_plain_meta).

FAST_SHELLS = True  # False: every page through MkDocs' own Page.render (the tests compare both)
_VERIFIED_MKDOCS = ("1.6.",)  # the MkDocs releases whose Page this was checked against


def _fast_shells() -> bool:
    """Whether to take the shortcut: asked for, and the installed MkDocs is one it was checked
    against (the README's install line does not pin MkDocs; another release renders the slow way)."""
    import mkdocs

    return FAST_SHELLS and mkdocs.__version__.startswith(_VERIFIED_MKDOCS)


_HEADING = re.compile(r"#{1,6} [^\n]*")
_PLACEHOLDER_LINE = re.compile(f"{FRAGMENT_PREFIX}t?[0-9a-f]+")
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*")  # an indented line after them stays indented (code)


@dataclass(frozen=True)
class _Shell:
    headings: tuple[str, ...]  # each heading's HTML, in order
    toc_tokens: list  # Python-Markdown's table-of-contents tokens (read, never changed)
    title: str | None  # the first heading's text where it is an <h1>
    anchors: frozenset[str]  # the ids the headings carry


def _shell_blocks(markdown_text: str) -> list[str] | None:
    """The blocks of a page shell when each is one heading line or one placeholder; else None."""
    blocks = _BLANK_LINES.split(markdown_text.strip())
    if not all(_HEADING.fullmatch(b) or _PLACEHOLDER_LINE.fullmatch(b) for b in blocks if b):
        return None
    return [b for b in blocks if b]


def _plain_meta(own: Page, lang: str) -> bool:
    """Whether reading the page's front matter back gives its meta unchanged: YAML takes U+2028,
    U+2029 and NEL for line breaks (and drops the blanks around them), and refuses C1 controls."""
    text = json.dumps(_meta(own, lang), ensure_ascii=False)
    return not any(c in "\u2028\u2029" or "\x7f" <= c <= "\x9f" for c in text)


def _read_own(page: Any, own: Page, lang: str, config: Any) -> None:
    page.markdown = own.markdown.lstrip("\n")  # as MkDocs strips it after the front matter
    page.meta = json.loads(json.dumps(_meta(own, lang), sort_keys=True))  # what reading the front matter gives


def _fast_shell(page: Any, blocks: list[str], shells: dict[str, _Shell], config: Any, files: Any) -> None:
    """MkDocs' Page.render for a shell of headings and placeholders (see above)."""
    import markdown
    from mkdocs.structure.toc import get_toc
    from mkdocs.utils.rendering import get_heading_text

    headings = [b for b in blocks if not b.startswith(FRAGMENT_PREFIX)]
    source = "\n\n".join(headings)
    shell = shells.get(source)
    if shell is None:
        md = markdown.Markdown(extensions=config["markdown_extensions"], extension_configs=config["mdx_configs"] or {})
        root: list = []
        # where MkDocs reads a page's title: after every tree processor but Markdown's unescaping
        md.treeprocessors.register(_KeepTree(root), "policy_keep_tree", priority=1)
        lines = md.convert(source).split("\n") if source else []
        elements = list(root[0]) if root else []  # the headings (none: Markdown skips an empty text)
        if len(lines) != len(headings) or len(elements) != len(headings):  # a heading over two lines: no shortcut
            return type(page).render(page, config, files)
        first = elements[0] if elements else None
        title = get_heading_text(first, md) if first is not None and first.tag == "h1" else None
        ids = frozenset(el.get("id") for top in elements for el in top.iter() if el.get("id"))
        shell = shells[source] = _Shell(tuple(lines), getattr(md, "toc_tokens", []), title, ids)
    html_lines, next_heading = [], iter(shell.headings)
    for block in blocks:
        html_lines.append(f"<p>{block}</p>" if block.startswith(FRAGMENT_PREFIX) else next(next_heading))
    page.content = "\n".join(html_lines)
    page.toc = get_toc(shell.toc_tokens)
    page._title_from_render = shell.title if blocks and not blocks[0].startswith(FRAGMENT_PREFIX) else None
    page.present_anchor_ids = set(shell.anchors)
    page.links_to_anchors = {}  # a shell has no Markdown links


class _KeepTree:
    """A tree processor that keeps the parsed tree (for the headings' ids and the title)."""

    def __init__(self, keep: list) -> None:
        self.keep = keep

    def run(self, root: Any) -> None:
        self.keep.append(root)


def _not_found(lang: str, site_url: str) -> dict[str, str]:
    """The words of the page for a missing address, its two links in place (for 404.html)."""
    def link(href: str, key: str) -> str:
        return f'<a href="{escape(href)}">{escape(t(lang, key))}</a>'

    text = escape(t(lang, "notfound.text"), quote=False).format(
        policy=link(site_url, "notfound.policy"), versions=link(f"{site_url}versions/", "notfound.versions"))
    return {"title": t(lang, "notfound.title"), "text": text}


def _write_config(job: LanguageBuild, work: Path, base_config: Path, out_dir: Path) -> Path:
    docs = work / f"docs-{job.lang}"
    for page in job.pages:
        target = docs / _docs_path(page.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_front_matter(page, job.lang) + page.markdown, encoding="utf-8")
    config = {
        "INHERIT": str(base_config.resolve()),
        "site_name": job.site_name,
        "docs_dir": str(docs),
        "site_dir": str(out_dir),
        "site_url": job.site_url,
        "use_directory_urls": True,
        "theme": {"name": "material", "language": job.lang, "custom_dir": str(THEME_DIR),
                  "font": False,
                  # the address follows the section being read (so links to other versions keep it)
                  "features": ["navigation.top", "navigation.tracking", "toc.follow"]},
        "nav": [{label: _docs_path(folder)} for label, folder in job.nav],
        "extra": {"policy_languages": list(job.languages),
                  "policy_since": {key: t(job.lang, "since." + key) for key in ("text", "link", "dismiss")},
                  # the catalog's date patterns, for the dates the page's script writes (policy.js)
                  "policy_date_format": {"day": t(job.lang, DATE_FORMAT), "first": t(job.lang, DATE_FORMAT_FIRST_DAY)},
                  "policy_404": _not_found(job.lang, job.site_url)},
        "plugins": ["search"],
        "markdown_extensions": _markdown_extensions(job.lang),
        "strict": True,
        "validation": {"omitted_files": "info", "absolute_links": "info",
                       "unrecognized_links": "warn", "anchors": "warn", "not_found": "warn"},
    }
    path = work / f"mkdocs-{job.lang}.yml"
    text = yaml.safe_dump(config, allow_unicode=True).replace(f"slugify: {_SLUGIFY}\n", f"slugify: {_SLUGIFY_YAML}\n")
    path.write_text(text, encoding="utf-8")
    return path


def render_language(job: LanguageBuild, *, work: Path, base_config: Path, out_dir: Path,
                    build_date_epoch: int, quiet: bool = True, template_cache: Path | None = None) -> list[str]:
    """Render one language with one mkdocs build; returns problems (empty on success)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    os.environ["SOURCE_DATE_EPOCH"] = str(build_date_epoch)  # sitemap dates follow --today
    logger = logging.getLogger("mkdocs")
    collect = _Collect()
    logger.addHandler(collect)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    try:
        config = load_config(str(_write_config(job, work, base_config, out_dir)))
        pages = {_docs_path(page.path): page for page in job.pages}
        config.plugins["policy-pages"] = _PolicyPlugin(pages, job.lang, job.previous)  # type: ignore[assignment]
        config.theme.get_env = functools.partial(_theme_env, config.theme.get_env, template_cache)  # type: ignore[method-assign]
        search = config.plugins.get("material/search") or config.plugins.get("search")
        wanted = search_languages(job.lang)
        if search is not None and wanted:
            # MkDocs' option check knows no Greek and falls back to English; Material ships lunr.el.
            search.config.lang = wanted
        build(config)
    except (Abort, ConfigurationError) as exc:
        return collect.messages + [str(exc)]
    finally:
        logger.removeHandler(collect)
    return []


@functools.lru_cache(maxsize=32)
def search_languages(lang: str) -> list[str] | None:
    """The search `lang` of a page language: its own, where Material ships a lunr stemmer for it
    (lunr.<lang>.min.js: el, fr, de...); None keeps the engine's default, English, which lunr has
    built in (and which serves a language without a stemmer of its own: words are still found
    whole). Greek gets its accent folding on top (see on_post_build)."""
    import material

    lunr = Path(material.__file__).parent / "templates" / "assets" / "javascripts" / "lunr" / "min"
    return [lang] if (lunr / f"lunr.{lang}.min.js").is_file() else None


def search_index(folder: Path, files: list[str]) -> str | None:
    """Material's search index for every version and changes page, from the entries kept beside each
    page (so reused pages stay searchable without being rendered again); None where the engine
    wrote no index to complete."""
    try:
        config = json.loads((folder / SEARCH_INDEX).read_text(encoding="utf-8"))["config"]
    except (OSError, ValueError, KeyError):
        return None
    # A section whose text is the same in several versions is one hit, not one per version: the
    # entry of the version that ranks first (the one in force, then the newest) stands for them all.
    docs: list[dict] = []
    for rel in sorted(files):
        with open(folder / rel, encoding="utf-8") as file:
            docs.extend(json.load(file))
    best: dict[tuple[str, str], int] = {}
    for number, doc in enumerate(docs):
        page, _, section = str(doc.get("location", "")).partition("#")
        if not section or page.endswith("changes/"):
            continue
        group = (section, str(doc.get("text", "")))
        if group not in best or _rank(doc) > _rank(docs[best[group]]):
            best[group] = number
    chosen = set(best.values())
    kept = [doc for number, doc in enumerate(docs)
            if number in chosen or "#" not in str(doc.get("location", "")) or str(doc["location"]).partition("#")[0].endswith("changes/")]
    return ('{"config":' + json.dumps(config, ensure_ascii=False, separators=(",", ":"))
            + ',"docs":' + json.dumps(kept, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "}")


def _rank(doc: dict) -> tuple[float, tuple[int, ...]]:
    """A search entry's rank among versions of one section: its boost, then its version number."""
    version = str(doc.get("location", "")).split("/", 1)[0]
    try:
        number = tuple(int(part) for part in version.split("."))
    except ValueError:
        number = (-1,)
    return float(doc.get("boost", 1)), number
