"""Request and response schemas of the adapters.admission API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from msgspec import Meta

from hub.schemas_common import Base64Blob, Count, Key, Reason, Url


@dataclass
class VendorRegistrationIn:
    name: Key
    kind: Key  # adapter kind: local, http, csc, or a third-party entry point
    sla_p95_ms: Count
    endpoint: Url | None = None
    config: Annotated[dict[Key, Reason], Meta(max_length=64)] = field(default_factory=dict)
    product_certificate: Reason | None = None
    maker_ca_cert: Base64Blob | None = None  # base64 DER


@dataclass
class VendorCorrectionIn:
    reason: str
    endpoint: str | None = None
    config: dict[str, str] | None = None
    product_certificate: str | None = None
    maker_ca_cert: str | None = None  # base64 DER
    sla_p95_ms: int | None = None


@dataclass
class VendorRegistrationOut:
    name: str
    kind: str
    endpoint: str | None
    product_certificate: str | None
    has_maker_ca_cert: bool
    sla_p95_ms: int
    registered_at: datetime


@dataclass
class ApplicationIn:
    vendor: str


@dataclass
class ReasonIn:
    reason: str


@dataclass
class AdmissionEventOut:
    from_status: str | None
    to_status: str
    reason: str
    evidence: dict[str, Any]
    actor: str
    at: datetime


@dataclass
class AdmissionOut:
    vendor: str
    status: str
    since: datetime
    automatic: bool
    conformance_passed: bool | None
    history: list[AdmissionEventOut]


@dataclass
class AdmissionSummaryOut:
    vendor: str
    status: str
    status_since: datetime
    automatic: bool
    conformance_passed: bool | None


@dataclass
class TransitionOut:
    vendor: str
    from_status: str | None
    to_status: str
    reason: str
