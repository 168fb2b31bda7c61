"""What the regulator views hand out: typed, read-only rows (msgspec Structs) with
counts, slugs, vendor names and quality numbers only (no personal data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec


class AdmissionChange(msgspec.Struct, frozen=True):
    """One admission status change of a vendor in a tenant."""

    tenant: str  # slug
    vendor: str
    from_status: str | None
    to_status: str
    reason: str
    decided_by: str  # rules | staff (by kind only: no account id)
    evidence: Any  # the vendor's quality numbers and conformance checks (JSON)
    at: datetime


class TenantStatistics(msgspec.Struct, frozen=True):
    tenant: str  # slug
    region_code: str
    status: str
    seals_by_status: dict[str, int]
    seals_by_vendor: dict[str, int]
    signatures: int
    signatures_by_vendor: dict[str, int]
    ratings: int
    average_stars: float | None


class Alert(msgspec.Struct, frozen=True):
    kind: str  # admission_<status> | quality_below_floor
    vendor: str
    tenant: str | None  # None: across tenants
    detail: str
    at: datetime
