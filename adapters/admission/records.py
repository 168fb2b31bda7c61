"""What the admission service hands out: typed, read-only rows (msgspec Structs).

Evidence and registration corrections stay JSON documents (`dict[str, Any]`): they are
stored and shown as JSON, and their keys vary with what was measured or corrected."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec


class VendorRegistrationRecord(msgspec.Struct, frozen=True):
    """A vendor known to the hub (`adapters.admission.tables.VendorRegistration`)."""

    id: uuid.UUID
    name: str
    kind: str  # adapter kind: local, http, csc, ...
    endpoint: str | None
    config: dict[str, str]  # adapter config (non-secret)
    product_certificate: str | None  # 商用密码产品认证证书
    maker_ca_cert: bytes | None  # DER, as declared
    sla_p95_ms: int  # declared p95 latency
    registered_at: datetime


class RegistrationChange(msgspec.Struct, frozen=True):
    """A correction of a registration: the changed fields' old and new values."""

    id: uuid.UUID
    vendor: str
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str
    actor_account_id: uuid.UUID | None
    at: datetime


class AdmissionEventRecord(msgspec.Struct, frozen=True):
    """One dated status change of a vendor in a tenant, with its reason and evidence."""

    from_status: str | None
    to_status: str
    reason: str
    evidence: dict[str, Any]
    actor: str  # "rules" for automatic changes, else an account id
    at: datetime


class VendorStatusChange(msgspec.Struct, frozen=True):
    """For regulators: a status change of a vendor in any tenant (named by slug)."""

    vendor: str
    from_status: str | None
    to_status: str
    reason: str
    evidence: dict[str, Any]
    actor: str
    at: datetime
    tenant: str  # slug


class Standing(msgspec.Struct, frozen=True):
    """A vendor's current standing in one tenant, with its history."""

    vendor: str
    status: str  # applied | probation | admitted | suspended | revoked
    since: datetime
    automatic: bool  # suspended by the rules (so the rules may restore it)
    conformance_passed: bool | None
    conformance: dict[str, Any]  # the last conformance report
    history: list[AdmissionEventRecord]


class AdmissionSummary(msgspec.Struct, frozen=True):
    vendor: str
    status: str
    status_since: datetime
    automatic: bool
    conformance_passed: bool | None
