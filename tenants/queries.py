"""What other packages ask of tenants and accounts without a tenant service at hand (the
regulator's views, the portal's account look-up): answered here, so that
`tenants.tables` is read only by the tenants package. One query per answer."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import msgspec

from tenants.tables import Account, Tenant


class TenantSummary(msgspec.Struct, frozen=True):
    """A tenant as the regulator sees it: no names, no accounts."""

    id: uuid.UUID
    slug: str
    region_code: str
    status: str


async def tenant_slugs() -> dict[uuid.UUID, str]:
    return {r["id"]: r["slug"] for r in await Tenant.select(Tenant.id, Tenant.slug).run()}


async def tenant_summaries() -> list[TenantSummary]:
    """Every tenant, by slug."""
    rows = (
        await Tenant.select(Tenant.id, Tenant.slug, Tenant.region_code, Tenant.status)
        .order_by(Tenant.slug)
        .run()
    )
    return [TenantSummary(**r) for r in rows]


async def tenant_id_by_slug(slug: str) -> uuid.UUID | None:
    row = await Tenant.select(Tenant.id).where(Tenant.slug == slug).first()
    return None if row is None else uuid.UUID(str(row["id"]))


async def accounts_of_tenant(
    tenant_id: uuid.UUID, account_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of `account_ids` that are accounts of the tenant."""
    rows = await Account.select(Account.id).where(
        (Account.tenant_id == tenant_id) & Account.id.is_in(list(set(account_ids)))
    )
    return {uuid.UUID(str(r["id"])) for r in rows}


async def account_id_by_username(tenant_id: uuid.UUID, username: str) -> uuid.UUID | None:
    """An account of the tenant by its user name."""
    row = await (
        Account.select(Account.id)
        .where((Account.tenant_id == tenant_id) & (Account.username == username))
        .first()
    )
    return None if row is None else uuid.UUID(str(row["id"]))


async def tenant_slug(tenant_id: uuid.UUID) -> str | None:
    row = await Tenant.select(Tenant.slug).where(Tenant.id == tenant_id).first().run()
    return None if row is None else str(row["slug"])


async def tenant_count() -> int:
    return int(await Tenant.count())


async def tenant_names() -> list[dict[str, Any]]:
    """Every tenant's id, slug and name, by slug (what the provider status list names)."""
    return list(await Tenant.select(Tenant.id, Tenant.slug, Tenant.name).order_by(Tenant.slug))
