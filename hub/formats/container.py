"""The OFD zip container, read with hard limits (zip bombs, entry floods).

zipfile reads the central directory; members are inflated here straight from the
buffer with zlib and a `max_length`, so no member can inflate past its declared size or
the container's budget whatever its headers claim, and there is no per-member file
object to pay for (an invoice OFD has ~20 referenced members).
"""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib
from typing import NamedTuple

from hub.errors import FormatError, PayloadTooLarge

# What zipfile raises on damaged or unsupported containers.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    ValueError,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    struct.error,
)
LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile's own layout of a local header
FLAG_ENCRYPTED = 0x1


class Entry(NamedTuple):
    """What a central directory record says about one member."""

    filename: str
    flag_bits: int
    compress_type: int
    CRC: int
    compress_size: int
    file_size: int
    header_offset: int

    @classmethod
    def of(cls, info: zipfile.ZipInfo) -> Entry:
        return cls(
            info.filename, info.flag_bits, info.compress_type, info.CRC,
            info.compress_size, info.file_size, info.header_offset,
        )  # fmt: skip


END_RECORD = struct.Struct("<4s4H2LH")  # end of central directory
CENTRAL_RECORD = struct.Struct("<4s4B4HL2L5H2L")  # zipfile's layout of a central record
FLAG_UTF8 = 0x800


def _central_directory(data: bytes, max_entries: int) -> list[Entry] | None:
    """Read the central directory directly (zipfile's reader is a third of the cost of
    verifying a small invoice). None for anything unusual, which zipfile then handles."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if at < 0 or at + END_RECORD.size > len(data):
        return None
    _, disk, cd_disk, on_disk, total, cd_size, cd_offset, _ = END_RECORD.unpack_from(data, at)
    if disk or cd_disk or on_disk != total or 0xFFFF in (on_disk, total):
        return None
    if total > max_entries:
        raise PayloadTooLarge(f"OFD container has {total} entries, limit {max_entries}")
    if cd_offset + cd_size != at:  # data before the zip, or a zip64 locator
        return None
    entries: list[Entry] = []
    pos = cd_offset
    for _ in range(total):
        if pos + CENTRAL_RECORD.size > at:
            return None
        rec = CENTRAL_RECORD.unpack_from(data, pos)
        if rec[0] != b"PK\x01\x02" or 0xFFFFFFFF in (rec[10], rec[11], rec[18]):
            return None
        start = pos + CENTRAL_RECORD.size
        raw_name = data[start : start + rec[12]]
        name = raw_name.decode("utf-8" if rec[5] & FLAG_UTF8 else "cp437", errors="replace")
        entries.append(Entry(name, rec[5], rec[6], rec[9], rec[10], rec[11], rec[18]))
        pos = start + rec[12] + rec[13] + rec[14]
    return entries


class OfdContainer:
    """Members of an OFD zip by normalised path, read within declared sizes and a budget."""

    def __init__(self, data: bytes, *, max_uncompressed: int, max_entries: int) -> None:
        self._data = data
        entries = _central_directory(data, max_entries)
        if entries is None:  # zip64, multi-disk or odd: let zipfile make sense of it
            try:
                infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
            except ZIP_ERRORS as exc:
                raise FormatError("not an OFD file: not a readable zip container") from exc
            entries = [Entry.of(info) for info in infos]
        if len(entries) > max_entries:
            raise PayloadTooLarge(f"OFD container has {len(entries)} entries, limit {max_entries}")
        declared = sum(e.file_size for e in entries)
        if declared > max_uncompressed:
            raise PayloadTooLarge(
                f"OFD container declares {declared} uncompressed bytes, limit {max_uncompressed}"
            )
        self._budget = max_uncompressed
        self._infos: dict[str, Entry] = {}
        self._folded: dict[str, str] = {}
        for entry in entries:
            if entry.filename.endswith("/"):
                continue
            name = normalise(entry.filename)
            self._infos.setdefault(name, entry)
            self._folded.setdefault(name.lower(), name)
        self._cache: dict[str, bytes] = {}

    def names(self) -> list[str]:
        return list(self._infos)

    def resolve(self, path: str, base_dir: str = "") -> str | None:
        """An OFD location (absolute '/Doc_0/..' or relative to `base_dir`) -> member name."""
        path = path.strip()
        if path.startswith("/") and path[1:] in self._infos:  # the common case, no normpath
            return path[1:]
        candidates = []
        if path.startswith("/"):
            candidates.append(normalise(path))
        else:
            if base_dir:
                candidates.append(normalise(posixpath.join(base_dir, path)))
            candidates.append(normalise(path))
        for name in candidates:
            if name in self._infos:
                return name
        for name in candidates:  # some writers disagree with themselves on case
            folded = self._folded.get(name.lower())
            if folded:
                return folded
        return None

    def read(self, name: str, *, check_crc: bool = True) -> bytes:
        """A member's bytes. `check_crc=False` when the caller checks a stronger digest
        (a Reference's SM3) over exactly these bytes anyway."""
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        info = self._infos.get(name)
        if info is None:
            raise FormatError(f"OFD member {name} is missing")
        try:
            data = self._inflate(name, info, check_crc)
        except (zlib.error, struct.error, ValueError) as exc:
            raise FormatError(f"OFD member {name} is unreadable: {exc}") from exc
        self._budget -= len(data)
        self._cache[name] = data
        return data

    def _inflate(self, name: str, info: Entry, check_crc: bool) -> bytes:
        if info.flag_bits & FLAG_ENCRYPTED:
            raise FormatError(f"OFD member {name} is encrypted")
        at = info.header_offset
        header = LOCAL_HEADER.unpack_from(self._data, at)
        if header[0] != b"PK\x03\x04":
            raise FormatError(f"OFD member {name}: bad local header")
        start = at + LOCAL_HEADER.size + header[10] + header[11]  # name and extra lengths
        raw = self._data[start : start + info.compress_size]
        if len(raw) != info.compress_size:
            raise FormatError(f"OFD member {name} is truncated")
        limit = min(info.file_size, self._budget)
        if info.compress_type == zipfile.ZIP_STORED:
            out = raw
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
            out = inflater.decompress(raw, limit + 1)  # never more than the limit, plus one
        else:
            raise FormatError(f"OFD member {name} uses unsupported compression")
        if len(out) > limit:
            raise PayloadTooLarge(f"OFD member {name} inflates past its declared size or the limit")
        if len(out) != info.file_size or (check_crc and zlib.crc32(out) != info.CRC):
            raise FormatError(f"OFD member {name} is damaged (size or CRC mismatch)")
        return bytes(out)


def normalise(path: str) -> str:
    """'/Doc_0/./a\\b.xml' -> 'Doc_0/a/b.xml'; already-normal names (nearly all) as they are."""
    if (
        path == path.strip()
        and not path.startswith((".", "/"))
        and not path.endswith("/")
        and "\\" not in path
        and "/." not in path
        and "//" not in path
    ):
        return path
    path = path.replace("\\", "/").strip()
    norm = posixpath.normpath("/" + path.lstrip("/"))
    return norm.lstrip("/")
