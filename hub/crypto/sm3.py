"""SM3 (GB/T 32905) through `cryptography` (OpenSSL)."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes

DIGEST_SIZE = 32


def sm3(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


class SM3:
    """Incremental SM3 for large documents."""

    def __init__(self) -> None:
        self._h = hashes.Hash(hashes.SM3())

    def update(self, data: bytes) -> SM3:
        self._h.update(data)
        return self

    def digest(self) -> bytes:
        return self._h.finalize()
