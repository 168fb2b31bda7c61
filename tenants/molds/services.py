"""The mold registry service: tenant-scoped storage and the 同模同轨 gate for seals.

Every method takes the tenant id first and filters on it; a mold of tenant A is
invisible to tenant B (NotFound, never Forbidden, so ids do not leak).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hub.crypto import sm3
from hub.db import Database
from hub.errors import NotFound, PolicyDenied, ValidationFailed
from hub.formats import parse_seal
from tenants.molds.pictures import MoldMatch, compare
from tenants.molds.records import ImportReport, MoldRecord, MoldStatus, parse_mold_csv
from tenants.molds.tables import Mold

# A seal's picture size (SES_Seal width/height) may differ from the registry's by this
# much: registries round to whole millimetres, some vendors to tenths.
SIZE_TOLERANCE_MM = 1


@dataclass(frozen=True)
class MoldView:
    seal_code: str
    unit_name: str
    credit_code: str
    seal_type: int
    width_mm: int
    height_mm: int
    status: str
    mold_sm3: str
    source_image: str
    updated_at: datetime


def _view(row: Mapping[str, Any]) -> MoldView:
    return MoldView(
        seal_code=str(row["seal_code"]),
        unit_name=str(row["unit_name"]),
        credit_code=str(row["credit_code"]),
        seal_type=int(row["seal_type"]),
        width_mm=int(row["width_mm"]),
        height_mm=int(row["height_mm"]),
        status=str(row["status"]),
        mold_sm3=str(row["mold_sm3"]),
        source_image=str(row["source_image"]),
        updated_at=row["updated_at"],
    )


_VIEW_COLUMNS = (
    Mold.seal_code,
    Mold.unit_name,
    Mold.credit_code,
    Mold.seal_type,
    Mold.width_mm,
    Mold.height_mm,
    Mold.status,
    Mold.mold_sm3,
    Mold.source_image,
    Mold.updated_at,
)


# Told when a mold stops being usable (status suspended or revoked, or its picture
# replaced by a re-import): (tenant_id, seal_code, what happened) with what happened one of
# "suspended", "revoked", "replaced", "reactivated". The seal service registers one that
# suspends or revokes the seals made from the mold (同模同轨 holds both ways), and resumes
# those a suspension of the mold had suspended when it is active again.
MoldChangeHook = Callable[[uuid.UUID, str, str], Awaitable[object]]


class MoldRegistry:
    def __init__(self, db: Database, hooks: Sequence[MoldChangeHook] = ()) -> None:
        self.db = db
        self.hooks = hooks

    async def _tell(self, tenant_id: uuid.UUID, changes: Mapping[str, str]) -> None:
        for seal_code, what in changes.items():
            for hook in self.hooks:
                await hook(tenant_id, seal_code, what)

    async def save(self, tenant_id: uuid.UUID, record: MoldRecord) -> MoldView:
        """Insert or replace the mold with this seal code (a re-import updates it)."""
        async with self.db.transaction():
            change = await self._upsert(tenant_id, record)
        await self._tell(tenant_id, {record.seal_code: change} if change else {})
        return await self.get(tenant_id, record.seal_code)

    async def import_csv(
        self, tenant_id: uuid.UUID, csv_bytes: bytes, images: Mapping[str, bytes]
    ) -> ImportReport:
        """Bulk import: every good row is stored (one transaction), bad rows reported."""
        # Decoding and normalising images is CPU work: keep it off the event loop.
        report = await asyncio.to_thread(parse_mold_csv, csv_bytes, images)
        changes: dict[str, str] = {}
        if report.records:
            async with self.db.transaction():
                for record in report.records:
                    change = await self._upsert(tenant_id, record)
                    if change:
                        changes[record.seal_code] = change
        await self._tell(tenant_id, changes)
        return report

    async def _upsert(self, tenant_id: uuid.UUID, record: MoldRecord) -> str | None:
        """Store the record; returns what happened to a mold seals may be made from
        ("replaced", "suspended", "revoked") or None."""
        before = (
            await Mold.select(Mold.mold_sm3, Mold.status)
            .where((Mold.tenant_id == tenant_id) & (Mold.seal_code == record.seal_code))
            .first()
            .run()
        )
        now = datetime.now(UTC)
        values: dict[Any, Any] = {
            Mold.unit_name: record.unit_name,
            Mold.credit_code: record.credit_code,
            Mold.seal_type: record.seal_type,
            Mold.width_mm: record.width_mm,
            Mold.height_mm: record.height_mm,
            Mold.status: record.status.value,
            Mold.mold_png: record.mold_png,
            Mold.mold_sm3: sm3(record.mold_png).hex(),
            Mold.source_image: record.source_image,
            Mold.updated_at: now,
        }
        updated = (
            await Mold.update(values)
            .where((Mold.tenant_id == tenant_id) & (Mold.seal_code == record.seal_code))
            .returning(Mold.id)
            .run()
        )
        if not updated:
            await Mold.insert(
                Mold(
                    tenant_id=tenant_id,
                    seal_code=record.seal_code,
                    **{c._meta.name: v for c, v in values.items()},
                )
            ).run()
        if before is None:
            return None
        if record.status.value != MoldStatus.ACTIVE.value:
            return record.status.value if before["status"] != record.status.value else None
        if before["mold_sm3"] != values[Mold.mold_sm3]:
            return "replaced"
        if before["status"] != MoldStatus.ACTIVE.value:
            return "reactivated"
        return None

    async def get(self, tenant_id: uuid.UUID, seal_code: str) -> MoldView:
        row = (
            await Mold.select(*_VIEW_COLUMNS)
            .where((Mold.tenant_id == tenant_id) & (Mold.seal_code == seal_code))
            .first()
            .run()
        )
        if row is None:
            raise NotFound(f"no mold with seal code {seal_code!r}")
        return _view(row)

    async def held_elsewhere(self, tenant_id: uuid.UUID, seal_code: str) -> bool:
        """Whether another tenant has this seal code (only to count probing, never to tell)."""
        return bool(
            await Mold.exists()
            .where((Mold.tenant_id != tenant_id) & (Mold.seal_code == seal_code))
            .run()
        )

    async def picture(self, tenant_id: uuid.UUID, seal_code: str) -> bytes:
        """The normalised mold PNG: what an official seal's picture must be."""
        row = (
            await Mold.select(Mold.mold_png)
            .where((Mold.tenant_id == tenant_id) & (Mold.seal_code == seal_code))
            .first()
            .run()
        )
        if row is None:
            raise NotFound(f"no mold with seal code {seal_code!r}")
        return bytes(row["mold_png"])

    async def list(
        self,
        tenant_id: uuid.UUID,
        *,
        status: str | None = None,
        credit_code: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[MoldView]:
        query = Mold.select(*_VIEW_COLUMNS).where(Mold.tenant_id == tenant_id)
        if status is not None:
            query = query.where(Mold.status == MoldStatus(status).value)
        if credit_code is not None:
            query = query.where(Mold.credit_code == credit_code.upper())
        rows = (
            await query.order_by(Mold.seal_code)
            .limit(max(1, min(limit, 1000)))
            .offset(max(0, offset))
            .run()
        )
        return [_view(r) for r in rows]

    async def set_status(self, tenant_id: uuid.UUID, seal_code: str, status: str) -> MoldView:
        try:
            state = MoldStatus(status)
        except ValueError:
            raise ValidationFailed(f"unknown status {status!r}", field="status") from None
        async with self.db.transaction():
            updated = (
                await Mold.update({Mold.status: state.value, Mold.updated_at: datetime.now(UTC)})
                .where((Mold.tenant_id == tenant_id) & (Mold.seal_code == seal_code))
                .returning(Mold.id)
                .run()
            )
        if not updated:
            raise NotFound(f"no mold with seal code {seal_code!r}")
        await self._tell(
            tenant_id, {seal_code: "reactivated" if state is MoldStatus.ACTIVE else state.value}
        )
        return await self.get(tenant_id, seal_code)

    async def check_picture(
        self, tenant_id: uuid.UUID, *, seal_code: str, picture: bytes, width_mm: int, height_mm: int
    ) -> MoldMatch:
        """The 同模同轨 gate: raise PolicyDenied unless the picture is the registered mold."""
        row = (
            await Mold.select(Mold.mold_png, Mold.status, Mold.width_mm, Mold.height_mm)
            .where((Mold.tenant_id == tenant_id) & (Mold.seal_code == seal_code))
            .first()
            .run()
        )
        if row is None:
            raise PolicyDenied(
                f"no registered mold for seal code {seal_code!r}: an official "
                "seal must match the physical seal on record"
            )
        if row["status"] != MoldStatus.ACTIVE.value:
            raise PolicyDenied(f"the mold of seal code {seal_code!r} is {row['status']}")
        if (
            abs(width_mm - row["width_mm"]) > SIZE_TOLERANCE_MM
            or abs(height_mm - row["height_mm"]) > SIZE_TOLERANCE_MM
        ):
            raise PolicyDenied(
                f"seal picture is {width_mm}x{height_mm} mm, the mold is "
                f"{row['width_mm']}x{row['height_mm']} mm"
            )
        match = await asyncio.to_thread(
            lambda: compare(
                picture,
                bytes(row["mold_png"]),
                width_mm=row["width_mm"],
                height_mm=row["height_mm"],
            )
        )
        if not match.matched:
            raise PolicyDenied(
                f"the seal picture does not match the registered mold of "
                f"{seal_code!r}: {match.detail}"
            )
        return match

    async def check_seal(
        self, tenant_id: uuid.UUID, seal_der: bytes, *, seal_code: str
    ) -> MoldMatch:
        """`check_picture` for a vendor's SES_Seal (its picture and declared size)."""
        seal = parse_seal(seal_der)
        return await self.check_picture(
            tenant_id,
            seal_code=seal_code,
            picture=seal.picture,
            width_mm=seal.width_mm,
            height_mm=seal.height_mm,
        )
