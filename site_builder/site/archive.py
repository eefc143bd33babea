"""A deterministic ZIP archive that reuses the compressed entries of the previous one.

`/policy-history.zip` holds every version in every language; one more release adds four
files to hundreds. Reading and compressing them all again was most of the cost of such a
build, so an entry the caller knows unchanged (its sha256 is the one the previous archive's
manifest gives) is copied as it was compressed, without reading the file. The same files give the same bytes, reused or not: fixed
times and modes, sorted names, and the zlib that compressed them named in the comment (a
different zlib compresses everything afresh).

The writer is small on purpose (APPNOTE 6.3, no ZIP64); an archive beyond its limits is
written by `zipfile` instead, with ZIP64 and without reuse.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import struct
import zipfile
import zlib
from collections.abc import Callable, Collection
from pathlib import Path

from site_builder.site import stamp, writer
from site_builder.site.data import (
    HISTORY_ZIP,
    history_manifest,
    history_versions,
    version_markdown,
)
from site_builder.site.pages import (
    VersionView,
)
from site_builder.site.plan import SitePlan, page_key, version_json_text, version_views

LEVEL = 1  # fast: the JSON and Markdown in the archive compress well at any level
COMMENT = f"policy-history; deflate level {LEVEL}; zlib {zlib.ZLIB_RUNTIME_VERSION}".encode("ascii")
_EPOCH = dt.datetime(1980, 1, 1)  # the earliest time a ZIP entry can carry
_LIMIT = 0xFFFF_FFFF
HISTORY_KEY = "policy-history.key"  # in the build's state: what the archive was made from, and its sha256


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _previous_entries(path: Path | None) -> dict[str, tuple[int, int, bytes]]:
    """name -> (crc, size, compressed bytes) of a previous archive written with the same zlib."""
    if path is None:
        return {}
    try:
        with zipfile.ZipFile(path) as old:
            if old.comment != COMMENT:
                return {}
            raw = path.read_bytes()
            entries = {}
            for info in old.infolist():
                start = info.header_offset
                if info.compress_type != zipfile.ZIP_DEFLATED or raw[start:start + 4] != b"PK\x03\x04":
                    return {}
                name_length, extra_length = struct.unpack("<HH", raw[start + 26:start + 30])
                start += 30 + name_length + extra_length
                entries[info.filename] = (info.CRC, info.file_size, raw[start:start + info.compress_size])
            return entries
    except (OSError, zipfile.BadZipFile, ValueError, struct.error):
        return {}


def read_member(path: Path, name: str) -> bytes | None:
    """One file of an archive, or None when there is no such archive or file."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read(name)
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return None


def _dos_time(moment: dt.datetime) -> tuple[int, int]:
    """(time, date) of a ZIP entry: local time as MS-DOS wrote it, to two seconds."""
    moment = max(moment, _EPOCH)
    return ((moment.hour << 11) | (moment.minute << 5) | (moment.second // 2),
            ((moment.year - 1980) << 9) | (moment.month << 5) | moment.day)


def write_zip(target: Path, files: dict[str, Callable[[], bytes]], previous: Path | None = None,
              unchanged: Collection[str] = (), dates: dict[str, dt.datetime] | None = None) -> int:
    """Write `files` (name -> its bytes, read when needed) to `target`; returns how many entries were
    reused from `previous`: those the caller knows `unchanged` (same name, same bytes). Each entry
    is dated `dates[name]` (its release), 1980-01-01 where none is given."""
    dates = dates or {}
    if len(files) >= 0xFFFF:
        _write_zip64(target, files, dates)
        return 0
    old = _previous_entries(previous) if unchanged else {}
    reused = 0
    local: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name in sorted(files):
        kept = old.get(name) if name in unchanged else None
        if kept is not None:
            crc, size, packed = kept
            reused += 1
        else:
            data = files[name]()
            crc, size, packed = zlib.crc32(data), len(data), _deflate(data)
        encoded = name.encode("utf-8")
        flags = 0 if encoded.isascii() else 0x800  # the name is UTF-8
        fields = struct.pack("<HHHHHIIIH", 20, flags, 8, *_dos_time(dates.get(name, _EPOCH)), crc, len(packed), size,
                             len(encoded))
        header = b"PK\x03\x04" + fields + struct.pack("<H", 0) + encoded
        central.append(b"PK\x01\x02" + struct.pack("<H", (3 << 8) | 20) + fields
                       + struct.pack("<HHHHII", 0, 0, 0, 0, 0o100644 << 16, offset) + encoded)
        local += [header, packed]
        offset += len(header) + len(packed)
        if offset > _LIMIT:
            _write_zip64(target, files, dates)
            return 0
    directory = b"".join(central)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(central), len(central), len(directory), offset,
                                      len(COMMENT)) + COMMENT
    with target.open("wb") as out:
        out.write(b"".join(local) + directory + end)
    return reused


def _write_zip64(target: Path, files: dict[str, Callable[[], bytes]], dates: dict[str, dt.datetime]) -> None:
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
        for name in sorted(files):
            moment = max(dates.get(name, _EPOCH), _EPOCH)
            info = zipfile.ZipInfo(name, date_time=(moment.year, moment.month, moment.day, moment.hour, moment.minute,
                                                    moment.second // 2 * 2))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            archive.writestr(info, files[name](), compresslevel=LEVEL)
        archive.comment = COMMENT


def write_history(plan: SitePlan, site: writer.Output, state: writer.Output) -> None:
    """/policy-history.zip: every release in every language, the very files each version page
    offers for download. Made here while the workers render: a release whose commit and tool are
    those of the previous archive keeps its compressed entries; the same releases keep the file."""
    key = page_key("history", plan.site_url, *[f"{r.version}={r.commit}" for r in plan.releases], *plan.languages)
    tool = stamp.tool_digest()
    previous = plan.out / HISTORY_ZIP
    try:  # what the previous archive was made from, and its sha256: a damaged archive is never reused
        published = writer.published_state(plan.out)
        if published is None:
            raise ValueError("no previous build")
        before_key, before_tool, before_hash = (published / HISTORY_KEY).read_text(encoding="utf-8").split("\n")[:3]
        intact = writer.file_hash(previous) == before_hash
    except (OSError, ValueError):
        before_key = before_tool = ""
        intact = False
    if intact and before_key == key and before_tool == tool:
        site.adopt([HISTORY_ZIP])
        writer.place(plan.out, site.root, [HISTORY_ZIP])
    else:
        before = history_versions(read_member(previous, "manifest.json")) if intact and before_tool == tool else {}
        files: dict[str, Callable[[], bytes]] = {}
        digests: dict[str, str] = {}
        # Each entry dated when its release was cut (the commit that added it, in UTC); the manifest
        # with the newest release.
        released = {r.version: r.committed.astimezone(dt.UTC).replace(tzinfo=None) for r in plan.releases}
        dates: dict[str, dt.datetime] = {}
        unchanged = set()
        for lang in plan.languages:
            for view in version_views(plan, lang):
                if view.record is None:
                    continue
                commit, kept = before.get(view.version, ("", {}))
                names = {f"{view.version}/{lang}/policy.md": functools.partial(_markdown_bytes, view, lang),
                         f"{view.version}/{lang}/policy.json": functools.partial(_json_bytes, plan, view, lang)}
                for name, make in names.items():
                    dates[name] = released.get(view.version, _EPOCH)
                    if commit == plan.identities[view.version] and name in kept:
                        digests[name], files[name] = kept[name], make
                        unchanged.add(name)
                    else:
                        data = make()
                        digests[name], files[name] = hashlib.sha256(data).hexdigest(), functools.partial(_given, data)
        manifest = history_manifest({r.version: r.record for r in plan.releases},
                                    {r.version: r.commit for r in plan.releases}, plan.site_url, digests)
        files["manifest.json"] = functools.partial(_given, manifest)
        dates["manifest.json"] = max(released.values(), default=_EPOCH)
        write_zip(site.claim(HISTORY_ZIP), files, previous, unchanged=unchanged, dates=dates)
    state.write(HISTORY_KEY, f"{key}\n{tool}\n{writer.file_hash(site.root / HISTORY_ZIP)}\n")


def _given(data: bytes) -> bytes:
    """Bytes already made, as an archive entry's reader."""
    return data


def _markdown_bytes(view: VersionView, lang: str) -> bytes:
    return version_markdown(view, lang).encode("utf-8")


def _json_bytes(plan: SitePlan, view: VersionView, lang: str) -> bytes:
    """`policy.json` of a version page (the one `build_language` writes: the same bytes)."""
    return version_json_text(plan, view, lang).encode("utf-8")
