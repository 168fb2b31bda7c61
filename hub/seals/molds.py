"""同模同轨 for seal applications: which picture an enterprise seal gets.

An enterprise seal (公章, 合同专用章, 财务专用章, 发票专用章, 法定代表人名章) that names a
registered mold takes the mold's picture byte for byte, and only a mold of the same
enterprise (unified social credit code) and of the same seal type will do: a contract
seal cannot be made from the company seal's mold. An enterprise with an active mold of
that type on record must name it (the drawn picture is no way round the registry), and a
tenant whose policy requires molds makes no enterprise seal without one.

A tenant that keeps no mold registry at all (and does not require molds) gets drawn
pictures, with the seal code on the lower arc when one is given. Without a mold, the
picture is drawn to the specification of its type
(`hub.pictures.render_seal`): the legal representative's seal with the person's name,
the invoice seal with the credit code as the taxpayer number.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from adapters.protocol import SEAL_TYPES
from hub.errors import NotFound, ValidationFailed
from hub.pictures.seals import SPECS, render_seal
from hub.ports import OwnerChannel
from hub.seals import rules
from hub.seals.moves import move_unless_changed
from hub.seals.notices import tell_owner
from hub.seals.tables import Seal, SealEvent
from tenants.identity import queries as identity
from tenants.identity.queries import EnterpriseOnSeal
from tenants.molds import queries as molds
from tenants.molds.records import MoldStatus

if TYPE_CHECKING:
    from hub.seals.services import SealService

#: The seal types that follow a physical mold when the enterprise has one.
MOLD_TYPES = frozenset({"official", "contract", "finance", "invoice", "legal-representative"})


@dataclass(frozen=True)
class SealFace:
    picture: bytes
    width_mm: int
    height_mm: int
    mold_code: str | None  # the registered mold the picture is, if any
    name: str  # the name on the seal (the person's for a legal representative's seal)


async def enterprise_face(
    tenant_id: uuid.UUID,
    enterprise_id: uuid.UUID,
    seal_type: str,
    *,
    seal_code: str | None,
    require_molds: bool,
    size_mm: int | None,
) -> SealFace:
    """The picture an enterprise seal of `seal_type` gets (see the module doc)."""
    ent = await _enterprise(tenant_id, enterprise_id)
    credit_code = str(ent.credit_code)
    type_code = SEAL_TYPES[seal_type]
    name = await _name_on_seal(tenant_id, ent, seal_type)
    keeps_registry = await molds.keeps_registry(tenant_id)
    if seal_code and (keeps_registry or require_molds):
        return await _from_mold(
            tenant_id, seal_code.strip(), credit_code, type_code, seal_type, name
        )
    if seal_type in MOLD_TYPES:
        await _check_no_mold_due(tenant_id, credit_code, type_code, seal_type, require_molds)
    return _drawn(seal_type, name, seal_code, credit_code, size_mm)


async def _enterprise(tenant_id: uuid.UUID, enterprise_id: uuid.UUID) -> EnterpriseOnSeal:
    ent = await identity.enterprise_on_seal(tenant_id, enterprise_id)
    if ent is None:
        raise NotFound("enterprise not found")
    return ent


async def _name_on_seal(tenant_id: uuid.UUID, ent: EnterpriseOnSeal, seal_type: str) -> str:
    """The enterprise's name; the person's for a legal representative's seal."""
    if seal_type != "legal-representative":
        return str(ent.name)
    name = await identity.person_name(tenant_id, ent.legal_representative_id)
    if name is None:
        raise NotFound("the enterprise's legal representative is not registered")
    return name


async def _check_no_mold_due(
    tenant_id: uuid.UUID, credit_code: str, type_code: int, seal_type: str, require_molds: bool
) -> None:
    """A drawn picture is no way round the registry: 422 if the enterprise has an active
    mold of this type on record, or the tenant makes enterprise seals only from molds."""
    on_record = await molds.active_seal_code(tenant_id, credit_code, type_code)
    if on_record is not None:
        raise ValidationFailed(
            f"the enterprise has a registered {seal_type} mold ({on_record}): name its seal code",
            field="seal_code",
        )
    if require_molds:
        raise ValidationFailed(
            "this tenant makes enterprise seals only from a registered mold: give the "
            "seal code of the enterprise's mold",
            field="seal_code",
        )


def _drawn(
    seal_type: str, name: str, seal_code: str | None, credit_code: str, size_mm: int | None
) -> SealFace:
    """The picture drawn to the specification of its type, `size_mm` wide if given."""
    spec = SPECS[seal_type]
    width = size_mm or round(spec.width_mm)
    if not 10 <= width <= 80:
        raise ValidationFailed("size_mm must be 10..80", field="size_mm")
    height = round(width * spec.height_mm / spec.width_mm)
    # A tenant that keeps no registry: the code (if given) is drawn on the lower arc.
    picture = render_seal(
        seal_type,
        name,
        seal_code=(seal_code or "").strip(),
        tax_code=credit_code,
        size_mm=width if size_mm else None,
    )
    return SealFace(picture, width, height, None, name)


async def _from_mold(
    tenant_id: uuid.UUID,
    seal_code: str,
    credit_code: str,
    type_code: int,
    seal_type: str,
    name: str,
) -> SealFace:
    row = await molds.mold_face(tenant_id, seal_code)
    if row is None:
        raise ValidationFailed(
            f"seal code {seal_code!r} is not in this tenant's mold registry", field="seal_code"
        )
    if str(row.credit_code).upper() != credit_code.upper():
        raise ValidationFailed(
            f"the mold of seal code {seal_code!r} belongs to another enterprise (its unified "
            "social credit code differs)",
            field="seal_code",
        )
    if int(row.seal_type) != type_code:
        held = next((k for k, v in SEAL_TYPES.items() if v == row.seal_type), "?")
        raise ValidationFailed(
            f"the mold of seal code {seal_code!r} is for seal type {held}, not {seal_type}",
            field="seal_code",
        )
    if row.status != MoldStatus.ACTIVE.value:
        raise ValidationFailed(
            f"the mold of seal code {seal_code!r} is {row.status}", field="seal_code"
        )
    return SealFace(bytes(row.mold_png), int(row.width_mm), int(row.height_mm), seal_code, name)


# --- a mold that changes in the registry takes its seals with it ----------------------

_MOLD_OUTCOME = {  # what happened to the mold -> (live seal becomes, notice kind)
    "suspended": ("suspended", "mold-suspended"),
    "revoked": ("revoked", "mold-revoked"),
    "replaced": ("revoked", "mold-replaced"),
}
_LIVE = ("applied", "approved", "active", "suspended")


async def follow_mold(
    service: SealService,
    tenant_id: uuid.UUID,
    seal_code: str,
    what: str,
    channel: OwnerChannel | None = None,
) -> list[uuid.UUID]:
    """Suspend (mold suspended) or revoke (mold revoked or replaced) every live seal made
    from the mold, with the reason in its history and the evidence log, and tell each
    owner. A seal not yet made is rejected instead. Returns the seals changed."""
    if what == "reactivated":
        return await _resume_after_mold(service, tenant_id, seal_code, channel)
    if what not in _MOLD_OUTCOME:
        return []
    target, kind = _MOLD_OUTCOME[what]
    reason = _mold_reason(seal_code, what)
    changed: list[uuid.UUID] = []
    for r in await _live_seals(tenant_id, seal_code):
        new = _status_after_mold(r["status"], target)
        if new is None or new == r["status"]:
            continue
        if not await move_unless_changed(service.db, tenant_id, r["id"], r["status"], new, reason):
            continue
        changed.append(r["id"])
        await _announce_mold_move(service, tenant_id, r, new, kind, reason, channel)
    return changed


def _mold_reason(seal_code: str, what: str) -> str:
    return f"the registered mold {seal_code} was {what} in the seal-mold registry"


async def _live_seals(tenant_id: uuid.UUID, seal_code: str) -> list[dict[str, Any]]:
    return await (
        Seal.select(
            Seal.id, Seal.status, Seal.owner_account_id, Seal.vendor, Seal.key_handle, Seal.name
        )
        .where(
            (Seal.tenant_id == tenant_id)
            & (Seal.mold_code == seal_code)
            & Seal.status.is_in(list(_LIVE))
        )
        .run()
    )


def _status_after_mold(current: str, target: str) -> str | None:
    """`target` if the seal may move there; a seal not yet made is rejected instead."""
    if rules.can_move(current, target):
        return target
    return "rejected" if rules.can_move(current, "rejected") else None


async def _announce_mold_move(
    service: SealService,
    tenant_id: uuid.UUID,
    row: dict[str, Any],
    new: str,
    kind: str,
    reason: str,
    channel: OwnerChannel | None,
) -> None:
    """The evidence log and the owner hear of it; a revoked seal's key dies at its vendor."""
    await service.events.record(
        tenant_id, f"seal.{new}", {"seal": str(row["id"]), "reason": reason}
    )
    await tell_owner(
        tenant_id,
        row["id"],
        row["owner_account_id"],
        kind,
        f"您的印章「{row['name']}」已{'停用' if new == 'suspended' else '注销'}：{reason}",
        channel,
    )
    if new == "revoked" and row["vendor"] and row["key_handle"]:
        await service.revoke_key_at_vendor(
            tenant_id, row["id"], row["vendor"], row["key_handle"], reason
        )


async def _resume_after_mold(
    service: SealService, tenant_id: uuid.UUID, seal_code: str, channel: OwnerChannel | None
) -> list[uuid.UUID]:
    """The mold is active again: seals that its suspension (and nothing else since)
    suspended become active; a seal suspended by its owner stays suspended."""
    suspended_by_mold = _mold_reason(seal_code, "suspended")
    reason = _mold_reason(seal_code, "reactivated")
    resumed: list[uuid.UUID] = []
    for r in await _suspended_seals(tenant_id, seal_code):
        if await _last_reason(tenant_id, r["id"]) != suspended_by_mold:
            continue
        if not await move_unless_changed(
            service.db, tenant_id, r["id"], "suspended", "active", reason
        ):
            continue
        resumed.append(r["id"])
        await service.events.record(
            tenant_id, "seal.reactivated", {"seal": str(r["id"]), "reason": reason}
        )
        await tell_owner(
            tenant_id,
            r["id"],
            r["owner_account_id"],
            "mold-reactivated",
            f"您的印章「{r['name']}」已恢复使用：{reason}",
            channel,
        )
    return resumed


async def _suspended_seals(tenant_id: uuid.UUID, seal_code: str) -> list[dict[str, Any]]:
    return await (
        Seal.select(Seal.id, Seal.owner_account_id, Seal.name)
        .where(
            (Seal.tenant_id == tenant_id)
            & (Seal.mold_code == seal_code)
            & (Seal.status == "suspended")
        )
        .run()
    )


async def _last_reason(tenant_id: uuid.UUID, seal_id: uuid.UUID) -> str | None:
    """Why the seal's status last changed (None: it has no history)."""
    last = (
        await SealEvent.select(SealEvent.reason)
        .where((SealEvent.tenant_id == tenant_id) & (SealEvent.seal_id == seal_id))
        .order_by(SealEvent.at, ascending=False)
        .first()
        .run()
    )
    return None if last is None else str(last["reason"])
