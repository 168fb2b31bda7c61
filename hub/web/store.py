"""Short-lived files between two page views: a document waiting to be signed, a report
waiting to be downloaded.

Kept in the database (table `portal_file`), so the next page view finds them on any
worker or replica; named by a random token (unguessable, 128 bits) and bound to the
account that made them (empty for the public verifier's reports). Expired files are
swept on each write.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.errors import NotFound
from hub.web.tables import PortalFile

_TOKEN_BYTES = 16
_GONE = "this upload has expired or does not exist"


@dataclass(frozen=True)
class Stored:
    token: str
    meta: dict[str, Any]
    data: bytes


class FileStore:
    def __init__(self, kind: str, ttl_seconds: int) -> None:
        self.kind = kind
        self.ttl = timedelta(seconds=ttl_seconds)

    async def put(self, data: bytes, owner: str, **meta: Any) -> str:
        now = datetime.now(UTC)
        await PortalFile.delete().where(PortalFile.created_at < now - self.ttl)
        token = secrets.token_urlsafe(_TOKEN_BYTES)
        await PortalFile(
            token=token,
            kind=self.kind,
            owner=owner,
            data=data,
            created_at=now,
            meta=json.dumps(meta, ensure_ascii=False),
        ).save()
        return token

    async def get(self, token: str, owner: str) -> Stored:
        if not token or len(token) > 64:
            raise NotFound(_GONE)
        row = (
            await PortalFile.select()
            .where(
                (PortalFile.token == token)
                & (PortalFile.kind == self.kind)
                & (PortalFile.owner == owner)
                & (PortalFile.created_at >= datetime.now(UTC) - self.ttl)
            )
            .first()
        )
        if row is None:  # same answer for "another's", "expired" and "never was"
            raise NotFound(_GONE)
        return Stored(token, json.loads(row["meta"]), bytes(row["data"]))

    async def update(self, token: str, owner: str, **meta: Any) -> None:
        stored = await self.get(token, owner)
        await PortalFile.update(
            {PortalFile.meta: json.dumps({**stored.meta, **meta}, ensure_ascii=False)}
        ).where((PortalFile.token == token) & (PortalFile.owner == owner))


def stores(ttl_seconds: int) -> tuple[FileStore, FileStore]:
    """(drafts, reports)."""
    return FileStore("drafts", ttl_seconds), FileStore("reports", ttl_seconds)
