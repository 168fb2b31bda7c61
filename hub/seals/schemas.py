"""Request and response schemas of the hub.seals API."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from hub.schemas_common import Count, Key, Password
from hub.schemas_common import Reason as ReasonText


class ApplySeal(msgspec.Struct, forbid_unknown_fields=True):
    seal_type: Key  # personal | official | contract | finance | legal-representative
    enterprise_id: uuid.UUID | None = None  # required for enterprise seal types
    vendor: Key | None = None  # None: the hub chooses among admitted vendors
    valid_days: Count = 3 * 365
    size_mm: Count | None = None
    seal_code: Key | None = None


class Reason(msgspec.Struct, forbid_unknown_fields=True):
    reason: ReasonText = ""


class SetPassword(msgspec.Struct, forbid_unknown_fields=True):
    password: Password
    old_password: Password | None = None


class SealOut(msgspec.Struct):
    id: uuid.UUID
    esid: str
    seal_type: str
    name: str
    owner_kind: str
    status: str
    vendor: str | None
    valid_start: datetime | None
    valid_end: datetime | None
    width_mm: int
    height_mm: int
    password_set: bool
    made_at: datetime | None
    seal: str | None  # base64 DER SES_Seal (GB/T 38540 V4), once made
    signer_cert: str | None  # base64 DER
    suspended_by: str | None = None  # owner | staff, while suspended
    make_failure: MakeFailure | None = None  # the last failed make (retry: POST .../make)


class MakeFailure(msgspec.Struct):
    reason: str
    vendor: str | None
    at: datetime | None


class CertificatesOut(msgspec.Struct):
    signer_cert: str  # base64 DER
    maker_cert: str  # base64 DER: signs the seal
    ca_certs: list[str]  # base64 DER: the vendor's CA chain, root last


class SealEventOut(msgspec.Struct):
    from_status: str | None
    to_status: str
    actor_account_id: uuid.UUID | None
    reason: str
    at: datetime
    actor_role: str | None = None  # owner | staff | hub


class NoticeOut(msgspec.Struct):
    kind: str
    message: str
    at: datetime
