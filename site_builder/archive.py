"""A deterministic ZIP archive that reuses the compressed entries of the previous one.

`/policy-history.zip` holds every version in every language; one more release adds four
files to hundreds. Compressing them all again is most of the cost of a build, so an entry
whose bytes equal the previous archive's entry of the same name (checked by inflating it)
is copied as it was compressed. The same files give the same bytes, reused or not: fixed
times and modes, sorted names, and the zlib that compressed them named in the comment (a
different zlib compresses everything afresh).

The writer is small on purpose (APPNOTE 6.3, no ZIP64); an archive beyond its limits is
written by `zipfile` instead, with ZIP64 and without reuse.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

LEVEL = 1  # fast: the JSON and Markdown in the archive compress well at any level
COMMENT = f"policy-history; deflate level {LEVEL}; zlib {zlib.ZLIB_RUNTIME_VERSION}".encode("ascii")
_DOS_DATE = (1 << 5) | 1  # 1980-01-01
_LIMIT = 0xFFFF_FFFF


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _previous_entries(path: Path | None) -> dict[str, tuple[int, int, bytes]]:
    """name -> (crc, size, compressed bytes) of a previous archive written with the same zlib."""
    if path is None:
        return {}
    try:
        with zipfile.ZipFile(path) as old, path.open("rb") as raw:
            if old.comment != COMMENT:
                return {}
            entries = {}
            for info in old.infolist():
                if info.compress_type != zipfile.ZIP_DEFLATED:
                    continue
                raw.seek(info.header_offset)
                header = raw.read(30)
                if len(header) != 30 or header[:4] != b"PK\x03\x04":
                    return {}
                name_length, extra_length = struct.unpack("<HH", header[26:30])
                raw.seek(info.header_offset + 30 + name_length + extra_length)
                entries[info.filename] = (info.CRC, info.file_size, raw.read(info.compress_size))
            return entries
    except (OSError, zipfile.BadZipFile, ValueError):
        return {}


def write_zip(target: Path, files: dict[str, bytes], previous: Path | None = None) -> int:
    """Write `files` (name -> bytes) to `target`; returns how many entries were reused from `previous`."""
    if len(files) >= 0xFFFF:
        _write_zip64(target, files)
        return 0
    old = _previous_entries(previous)
    reused = 0
    local: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name in sorted(files):
        data = files[name]
        crc = zlib.crc32(data)
        kept = old.get(name)
        if kept is not None and kept[0] == crc and kept[1] == len(data) and _inflates_to(kept[2], data):
            packed = kept[2]
            reused += 1
        else:
            packed = _deflate(data)
        encoded = name.encode("utf-8")
        flags = 0 if encoded.isascii() else 0x800  # the name is UTF-8
        fields = struct.pack("<HHHHHIIIH", 20, flags, 8, 0, _DOS_DATE, crc, len(packed), len(data), len(encoded))
        header = b"PK\x03\x04" + fields + struct.pack("<H", 0) + encoded
        central.append(b"PK\x01\x02" + struct.pack("<H", (3 << 8) | 20) + fields
                       + struct.pack("<HHHHII", 0, 0, 0, 0, 0o100644 << 16, offset) + encoded)
        local += [header, packed]
        offset += len(header) + len(packed)
        if offset > _LIMIT:
            _write_zip64(target, files)
            return 0
    directory = b"".join(central)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(central), len(central), len(directory), offset,
                                      len(COMMENT)) + COMMENT
    with target.open("wb") as out:
        for part in local:
            out.write(part)
        out.write(directory + end)
    return reused


def _inflates_to(packed: bytes, data: bytes) -> bool:
    try:
        return zlib.decompress(packed, -15) == data
    except zlib.error:
        return False


def _write_zip64(target: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            archive.writestr(info, files[name], compresslevel=LEVEL)
        archive.comment = COMMENT
