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


class OfdContainer:
    """Members of an OFD zip by normalised path, read within declared sizes and a budget."""

    def __init__(self, data: bytes, *, max_uncompressed: int, max_entries: int) -> None:
        self._data = data
        try:
            infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
        except ZIP_ERRORS as exc:
            raise FormatError("not an OFD file: not a readable zip container") from exc
        if len(infos) > max_entries:
            raise PayloadTooLarge(f"OFD container has {len(infos)} entries, limit {max_entries}")
        declared = sum(i.file_size for i in infos)
        if declared > max_uncompressed:
            raise PayloadTooLarge(
                f"OFD container declares {declared} uncompressed bytes, limit {max_uncompressed}"
            )
        self._budget = max_uncompressed
        self._infos: dict[str, zipfile.ZipInfo] = {}
        self._folded: dict[str, str] = {}
        for info in infos:
            if info.is_dir():
                continue
            name = normalise(info.filename)
            self._infos.setdefault(name, info)
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

    def read(self, name: str) -> bytes:
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        info = self._infos.get(name)
        if info is None:
            raise FormatError(f"OFD member {name} is missing")
        try:
            data = self._inflate(name, info)
        except (zlib.error, struct.error, ValueError) as exc:
            raise FormatError(f"OFD member {name} is unreadable: {exc}") from exc
        self._budget -= len(data)
        self._cache[name] = data
        return data

    def _inflate(self, name: str, info: zipfile.ZipInfo) -> bytes:
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
        if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
            raise FormatError(f"OFD member {name} is damaged (size or CRC mismatch)")
        return bytes(out)


def normalise(path: str) -> str:
    path = path.replace("\\", "/").strip()
    norm = posixpath.normpath("/" + path.lstrip("/"))
    return norm.lstrip("/")
