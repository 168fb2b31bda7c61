"""Short-lived files between two page views: a document waiting to be signed, a report
waiting to be downloaded.

Kept on disk under the portal's data directory, so every worker of a host finds them;
named by a random token (unguessable, 128 bits) and bound to the account that made them
(empty for the public verifier's reports). Old files are swept on each write.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.errors import NotFound

_TOKEN_BYTES = 16


@dataclass(frozen=True)
class Stored:
    token: str
    meta: dict[str, Any]
    data: bytes


class FileStore:
    def __init__(self, root: str | Path, kind: str, ttl_seconds: int) -> None:
        self.root = Path(root) / kind
        self.ttl = ttl_seconds

    def put(self, data: bytes, owner: str, **meta: Any) -> str:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._sweep()
        token = secrets.token_urlsafe(_TOKEN_BYTES)
        (self.root / f"{token}.bin").write_bytes(data)
        (self.root / f"{token}.json").write_text(
            json.dumps({**meta, "owner": owner, "at": time.time()}, ensure_ascii=False))
        return token

    def get(self, token: str, owner: str) -> Stored:
        if not token or not all(c.isalnum() or c in "-_" for c in token):
            raise NotFound("this upload has expired or does not exist")
        meta_path = self.root / f"{token}.json"
        try:
            meta = json.loads(meta_path.read_text())
            data = (self.root / f"{token}.bin").read_bytes()
        except (OSError, ValueError):
            raise NotFound("this upload has expired or does not exist") from None
        if meta.get("owner") != owner or time.time() - float(meta.get("at", 0)) > self.ttl:
            raise NotFound("this upload has expired or does not exist")
        return Stored(token, meta, data)

    def update(self, token: str, owner: str, **meta: Any) -> None:
        stored = self.get(token, owner)
        (self.root / f"{token}.json").write_text(
            json.dumps({**stored.meta, **meta}, ensure_ascii=False))

    def _sweep(self) -> None:
        cutoff = time.time() - self.ttl
        for path in self.root.glob("*.json"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
                    path.with_suffix(".bin").unlink(missing_ok=True)
            except OSError:
                pass  # another worker swept it first


def stores(data_dir: str, ttl_seconds: int) -> tuple[FileStore, FileStore]:
    """(drafts, reports) under `data_dir`."""
    os.makedirs(data_dir, exist_ok=True)
    return FileStore(data_dir, "drafts", ttl_seconds), FileStore(data_dir, "reports",
                                                                 ttl_seconds)
