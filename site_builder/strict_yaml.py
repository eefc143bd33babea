"""The one YAML reader of the tool: every YAML file it reads (front matter, policy.yml, release
records, mkdocs.yml, packaged data) comes through `load`, under the same rules.

The rules hold on the *parsed* values, not the raw bytes, because YAML escapes (`"\\u202E"`,
`"\\r"`, `"\\x07"`) turn harmless text into the characters the raw scan looks for:
- no anchors or aliases (an alias bomb of 500 bytes expands to gigabytes), no merge keys;
- a size cap and a nesting cap (checked on the event stream, before anything is built);
- keys are text, each once;
- no control characters (but line feed and tab) and no bidirectional controls in any key or value;
- only the standard tags (text, numbers, booleans, null, dates, lists, mappings), unless the
  caller lets foreign tags through as opaque values (mkdocs.yml's `!ENV`, `!!python/name:`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

from site_builder.errors import Problem

MAX_CHARS = 1_000_000  # no policy file comes near it; a larger one is a mistake or an attack
MAX_DEPTH = 50
_FastLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster
_CORE = "tag:yaml.org,2002:"
STANDARD_TAGS = frozenset(_CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map"))
# C0 controls but tab and line feed, DEL, C1 controls, and the bidirectional embeddings,
# overrides and isolates: each makes text read, display or travel (mail, feeds) otherwise than stored.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufdd0-\ufdef\ufffe\uffff]")
_NAMES = {"\r": "carriage return", "\x0b": "vertical tab", "\x0c": "form feed", "\x00": "NUL", "\x1b": "escape"}


class _Loader(_FastLoader):  # type: ignore[valid-type,misc]
    """SafeLoader where an impossible date (2026-13-01) stays text, so the checker can name it."""

    def construct_yaml_timestamp(self, node):  # noqa: ANN001, ANN201 - PyYAML's API
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


_Loader.add_constructor(_CORE + "timestamp", _Loader.construct_yaml_timestamp)


class _OpaqueTagLoader(_Loader):
    """The same, with foreign tags read as None (the engine resolves them itself)."""


_OpaqueTagLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
_OpaqueTagLoader.add_multi_constructor(_CORE + "python/", lambda loader, suffix, node: None)


def describe_char(char: str) -> str:
    """`U+202E` with a name an editor can search for."""
    name = _NAMES.get(char) or ("bidirectional control" if "\u202a" <= char <= "\u2069" else
                                "noncharacter" if char >= "\ufdd0" else "control character")
    return f"{name} U+{ord(char):04X}"


def load(text: str, path: str, *, first_line: int = 1, opaque_tags: bool = False,
         raw_scanned: str = "") -> tuple[Any, yaml.Node | None, list[Problem]]:
    """Parse one YAML document under the rules: (data, node tree, problems); data is None on any error.

    `raw_scanned`: characters the caller already reports where they stand literally in the file,
    so they are reported here only when an escape produced them.
    """
    if len(text) > MAX_CHARS:
        return None, None, [Problem(path, first_line, f"YAML of {len(text):,} characters: the limit is {MAX_CHARS:,}; "
                                    "split or shorten the file")]
    loader_class = _OpaqueTagLoader if opaque_tags else _Loader
    try:
        problems = _event_problems(loader_class, text, path, first_line)
        if problems:
            return None, None, problems
        loader = loader_class(text)
        try:
            node = loader.get_single_node()
            problems = list(_node_problems(node, text, path, first_line, opaque_tags, raw_scanned)) if node is not None else []
            if problems:
                return None, node, problems
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return None, None, [Problem(path, first_line + (mark.line if mark else 0), f"invalid YAML: {exc.problem or exc.context}")]
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        return None, None, [Problem(path, first_line, f"invalid YAML value: {exc}")]
    return data, node, []


def _event_problems(loader_class: type, text: str, path: str, first_line: int) -> list[Problem]:
    """Anchors, aliases and deep nesting, found on the event stream before any node is built."""
    loader = loader_class(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            line = first_line + event.start_mark.line
            if isinstance(event, yaml.AliasEvent):
                return [Problem(path, line, f"YAML alias `*{event.anchor}`: aliases and anchors are not accepted here "
                                "(they can multiply a small file into gigabytes); write the value out in full")]
            if getattr(event, "anchor", None):
                return [Problem(path, line, f"YAML anchor `&{event.anchor}`: anchors and aliases are not accepted here; "
                                "write each value out in full")]
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return [Problem(path, line, f"lists and mappings nested more than {MAX_DEPTH} deep: flatten the structure")]
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        loader.dispose()
    return []


def _node_problems(root: yaml.Node, text: str, path: str, first_line: int, opaque_tags: bool,
                   raw_scanned: str) -> Iterator[Problem]:
    """Keys that are not text or repeat, foreign tags, and forbidden characters, each with its line."""
    lines = text.split("\n")
    stack = [root]
    while stack:
        node = stack.pop()
        line = first_line + node.start_mark.line
        if node.tag not in STANDARD_TAGS and not (opaque_tags and _foreign(node.tag)):
            yield Problem(path, line, f"YAML tag `{node.tag.replace(_CORE, '!!')}` is not accepted here: "
                          "write plain text, numbers, dates, lists and `key: value` lines")
            continue
        if isinstance(node, yaml.ScalarNode):
            yield from _char_problems(node, lines, path, first_line, raw_scanned)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            yield from _key_problems(node, path, first_line)
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag == _CORE + "str":
                    yield from _char_problems(key, lines, path, first_line, raw_scanned)
            stack.extend(value for _, value in reversed(node.value))


def _foreign(tag: str) -> bool:
    return tag.startswith("!") or tag.startswith(_CORE + "python/")


def _key_problems(node: yaml.MappingNode, path: str, first_line: int) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for key, _ in node.value:
        line = first_line + key.start_mark.line
        if key.tag == _CORE + "merge":
            yield Problem(path, line, "YAML merge key `<<` is not accepted here: write the keys out in full")
        elif not isinstance(key, yaml.ScalarNode) or key.tag != _CORE + "str":
            if isinstance(key, yaml.ScalarNode):
                yield Problem(path, line, f"key {key.value!r} is not read as text: keys are names like `title:`; put it in quotes")
            else:
                what = "a list" if isinstance(key, yaml.SequenceNode) else "a mapping"
                yield Problem(path, line, f"{what} used as a key (`? ...`): keys are names like `title:`; write `name: value`")
        elif key.value in seen:
            yield Problem(path, line, f"invalid YAML: duplicate key {key.value!r} (first on line {seen[key.value]})")
        else:
            seen[key.value] = line


def _char_problems(node: yaml.ScalarNode, lines: list[str], path: str, first_line: int,
                   raw_scanned: str) -> Iterator[Problem]:
    found = FORBIDDEN.search(node.value)
    if not found:
        return
    char = found.group()
    offset = node.value[: found.start()].count("\n") + 1 if node.style == "|" else 0  # a block starts below its `|`
    row = node.start_mark.line + offset
    if char in raw_scanned and row < len(lines) and char in lines[row]:
        return  # stands literally in the file: the raw scan names it
    yield Problem(path, first_line + row, f"{describe_char(char)} in {_short(node.value)}: it can make the text display, "
                  "print or travel (in e-mail and feeds) otherwise than it reads; remove it")


def _short(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "…")
