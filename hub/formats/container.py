"""The OFD zip container, read with hard limits (zip bombs, entry floods)."""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib

from hub.errors import FormatError, PayloadTooLarge

CHUNK = 64 * 1024
# What zipfile raises on damaged or unsupported containers (encrypted members raise
# RuntimeError, unknown zip versions NotImplementedError).
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    ValueError,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
)


class OfdContainer:
    """Members of an OFD zip by normalised path; reads are bounded by declared sizes
    and by a total budget, so a lying header cannot make us inflate past the limit."""

    def __init__(self, data: bytes, *, max_uncompressed: int, max_entries: int) -> None:
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
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
        limit = min(info.file_size, self._budget)
        out = bytearray()
        try:
            with self._zip.open(info) as fh:
                while True:
                    chunk = fh.read(min(CHUNK, limit + 1 - len(out)))
                    if not chunk:
                        break
                    out += chunk
                    if len(out) > limit:
                        raise PayloadTooLarge(
                            f"OFD member {name} inflates past its declared size or the limit"
                        )
        except ZIP_ERRORS as exc:
            raise FormatError(f"OFD member {name} is unreadable: {exc}") from exc
        self._budget -= len(out)
        data = bytes(out)
        self._cache[name] = data
        return data


def normalise(path: str) -> str:
    path = path.replace("\\", "/").strip()
    norm = posixpath.normpath("/" + path.lstrip("/"))
    return norm.lstrip("/")
