"""What seal making asks of the mold registry: answered here, so that mold tables are
read only by `tenants.molds`. One query per answer, as when `hub.seals` read the table
itself."""

from __future__ import annotations

import uuid

import msgspec

from tenants.molds.records import MoldStatus
from tenants.molds.tables import Mold


class MoldFace(msgspec.Struct, frozen=True):
    """A registered mold as a seal is made from it."""

    credit_code: str
    seal_type: int
    status: str
    mold_png: bytes
    width_mm: int
    height_mm: int


class MoldOfPicture(msgspec.Struct, frozen=True):
    seal_code: str
    status: str


async def keeps_registry(tenant_id: uuid.UUID) -> bool:
    return bool(await Mold.exists().where(Mold.tenant_id == tenant_id).run())


async def active_seal_code(tenant_id: uuid.UUID, credit_code: str, type_code: int) -> str | None:
    """The seal code of the enterprise's active mold of this type, if one is on record."""
    row = await (
        Mold.select(Mold.seal_code)
        .where(
            (Mold.tenant_id == tenant_id)
            & (Mold.credit_code == credit_code)
            & (Mold.seal_type == type_code)
            & (Mold.status == MoldStatus.ACTIVE.value)
        )
        .first()
        .run()
    )
    return None if row is None else str(row["seal_code"])


async def mold_face(tenant_id: uuid.UUID, seal_code: str) -> MoldFace | None:
    row = await (
        Mold.select(
            Mold.credit_code,
            Mold.seal_type,
            Mold.status,
            Mold.mold_png,
            Mold.width_mm,
            Mold.height_mm,
        )
        .where((Mold.tenant_id == tenant_id) & (Mold.seal_code == seal_code))
        .first()
        .run()
    )
    return None if row is None else MoldFace(**row)


async def mold_of_picture(tenant_id: uuid.UUID, mold_sm3: str) -> MoldOfPicture | None:
    """The mold whose picture has this SM3 digest (hex), if any."""
    row = await (
        Mold.select(Mold.seal_code, Mold.status)
        .where((Mold.tenant_id == tenant_id) & (Mold.mold_sm3 == mold_sm3))
        .first()
        .run()
    )
    return None if row is None else MoldOfPicture(**row)
