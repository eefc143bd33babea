"""The house's rules, read from the code's own imports: each outside library has one home, every
import points down a layer, and no module borrows another's private names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "site_builder"

# Layers from the top down: a module may import its own layer and the layers below it, never above.
LAYERS = [
    ("cli", {"site_builder.cli", "site_builder.__main__"}),
    ("commands", {"site_builder.importing", "site_builder.revisions"}),
    ("site", {"site_builder.site"}),  # the draft site shows the notice a pending release would send
    ("notify", {"site_builder.notify"}),
    ("compare", {"site_builder.compare"}),
    ("source", {"site_builder.source"}),
    ("shared", {"site_builder.config", "site_builder.i18n", "site_builder.errors", "site_builder.markup",
                "site_builder.blocks", "site_builder.strict_yaml", "site_builder.safe_html", "site_builder.mailbox", "site_builder.paths",
                "site_builder"}),
]
HOMES = {  # outside library -> the only modules that may import it
    "mkdocs": {"site_builder.site.engine_mkdocs"},
    "material": {"site_builder.site.engine_mkdocs"},
    "jinja2": {"site_builder.site.engine_mkdocs"},
    "git": {"site_builder.source.history"},
    "smtplib": {"site_builder.notify.smtp"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import, at any depth of the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names], node.lineno))
    return found


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    best = max(((len(prefix), i) for i, (_, prefixes) in enumerate(LAYERS) for prefix in prefixes
                if module == prefix or module.startswith(prefix + ".")), default=None)
    assert best is not None, f"{module} belongs to no layer: add it to LAYERS"
    return best[1]


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


@pytest.mark.parametrize("library", sorted(HOMES))
def test_each_outside_library_has_one_home(library: str) -> None:
    offenders = [f"{MODULES[m].relative_to(PACKAGE.parent)}:{line}" for m in MODULES for name, _, line in imports(MODULES[m])
                 if (name == library or name.startswith(library + ".")) and m not in HOMES[library]]
    assert offenders == [], f"only {sorted(HOMES[library])} may import {library}"


def test_imports_point_down() -> None:
    upward = []
    for module, path in MODULES.items():
        for name, taken, line in imports(path):
            if not name.startswith("site_builder"):
                continue
            targets = [f"{name}.{n}" if f"{name}.{n}" in MODULES else name for n in taken] or [name]
            for target in targets:
                if target in MODULES and target != "site_builder" and layer_of(target) < layer_of(module):
                    upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert upward == []


def test_no_private_name_is_borrowed() -> None:
    borrowed = [f"{path.relative_to(PACKAGE.parent)}:{line} takes {n} from {name}"
                for module, path in MODULES.items() for name, taken, line in imports(path)
                if name.startswith("site_builder") for n in taken if n.startswith("_") and not n.startswith("__")]
    assert borrowed == []


def test_greek_words_live_in_the_catalog() -> None:
    """Interface words are in the catalogs (site_builder/locale/*/LC_MESSAGES/messages.po); a Greek letter in
    any module, i18n.py included, is a word someone hard-coded.
    (Docstrings may quote Greek, and accent folding maps final sigma: a rule, not a word.)"""
    greek = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
    allowed = {("site_builder.site.engine_mkdocs", "/ς/g, \"σ\"")}
    found = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
        for node in ast.walk(tree):
            if id(node) in docstrings or (isinstance(node, ast.Constant) and len(str(node.value)) == 1):
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and greek.search(node.value):
                if not any(module == m and piece in node.value for m, piece in allowed):
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.value[:60]!r}")
    assert found == []
