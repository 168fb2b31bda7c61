"""What monitoring (the ranking publisher, the regulator's views) asks of admission:
answered here, so that admission tables are read only by `adapters.admission`. Each
answer is one query, as when monitoring read the tables itself; the ranking publisher
asks every PUBLISH_INTERVAL_SECONDS."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

import msgspec

from adapters.admission.tables import (
    Admission,
    AdmissionEvent,
    AdmissionRuleSet,
    VendorRegistration,
)


class StatusChange(msgspec.Struct, frozen=True):
    """One row of the admission status history."""

    tenant_id: uuid.UUID
    vendor: str
    from_status: str | None
    to_status: str
    reason: str
    evidence: str
    actor: str
    at: datetime


async def registered_vendors() -> list[str]:
    return sorted(r["name"] for r in await VendorRegistration.select(VendorRegistration.name).run())


async def declared_slas_ms() -> dict[str, int]:
    """Each registered vendor's declared p95 latency, in milliseconds."""
    rows = await VendorRegistration.select(
        VendorRegistration.name, VendorRegistration.sla_p95_ms
    ).run()
    return {r["name"]: r["sla_p95_ms"] for r in rows}


async def conformance_by_vendor() -> dict[str, bool | None]:
    """Hub-wide conformance: passed if it passed for any tenant, failed if it only failed."""
    out: dict[str, bool | None] = {}
    rows = await Admission.select(Admission.vendor, Admission.conformance_passed).run()
    for r in rows:
        seen = r["conformance_passed"]
        if seen is True or out.get(r["vendor"]) is True:
            out[r["vendor"]] = True
        elif seen is False:
            out[r["vendor"]] = False
        else:
            out.setdefault(r["vendor"], None)
    return out


async def status_history(
    *,
    vendor: str | None = None,
    since: datetime | None = None,
    tenant_ids: Collection[uuid.UUID] | None = None,
    limit: int = 200,
) -> list[StatusChange]:
    """Newest first; `tenant_ids` (when given) restricts to those tenants, none if empty."""
    query = (
        AdmissionEvent.select(
            AdmissionEvent.tenant_id,
            AdmissionEvent.vendor,
            AdmissionEvent.from_status,
            AdmissionEvent.to_status,
            AdmissionEvent.reason,
            AdmissionEvent.evidence,
            AdmissionEvent.actor,
            AdmissionEvent.at,
        )
        .order_by(AdmissionEvent.at, ascending=False)
        .limit(limit)
    )
    if vendor:
        query = query.where(AdmissionEvent.vendor == vendor)
    if since is not None:
        query = query.where(AdmissionEvent.at >= since)
    if tenant_ids is not None:
        # is_in of an empty list is not valid SQL: a fresh id matches nothing instead.
        query = query.where(AdmissionEvent.tenant_id.is_in(list(tenant_ids) or [uuid.uuid4()]))
    return [StatusChange(**r) for r in await query.run()]


async def rule_texts() -> list[str | None]:
    """Every tenant's admission rules, as stored (JSON text)."""
    return [r["rules"] for r in await AdmissionRuleSet.select(AdmissionRuleSet.rules).run()]


async def history_mark() -> tuple[int, str]:
    """How many status changes there are and when the last was: any change moves it."""
    events = int(await AdmissionEvent.count())
    latest = (
        await AdmissionEvent.select(AdmissionEvent.at)
        .order_by(AdmissionEvent.at, ascending=False)
        .first()
    )
    return events, str(latest["at"]) if latest else ""


async def registrations() -> dict[str, dict[str, Any]]:
    """Every vendor registration (all columns), by vendor name."""
    return {r["name"]: r for r in await VendorRegistration.select()}


async def full_history() -> list[dict[str, Any]]:
    """The whole status history (all columns), oldest first."""
    return list(await AdmissionEvent.select().order_by(AdmissionEvent.at))


async def admissions() -> list[dict[str, Any]]:
    """Every tenant's admissions (all columns), by vendor."""
    return list(await Admission.select().order_by(Admission.vendor))
