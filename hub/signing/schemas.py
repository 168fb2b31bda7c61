"""Request and response schemas of the hub.signing API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from hub.schemas_common import Base64Blob, Hex32, Label, Password, Reason


class NewUseRequest(msgspec.Struct, forbid_unknown_fields=True):
    seal_id: uuid.UUID
    document_sm3: Hex32  # hex SM3 of the document to be sealed
    purpose: Reason


class Decision(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason = ""


class UseRequestOut(msgspec.Struct):
    id: uuid.UUID
    seal_id: uuid.UUID
    requester_account_id: uuid.UUID
    document_sm3: str
    purpose: str
    status: str
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    reason: str
    evidence_leaf_hash: str | None
    created_at: datetime


class SignDigest(msgspec.Struct, forbid_unknown_fields=True):
    seal_id: uuid.UUID
    password: Password
    document_sm3: Hex32 | None = None  # hex; or `document` (base64 of the file)
    document: Base64Blob | None = None
    property_info: Label = "sealhub:document"
    use_request_id: uuid.UUID | None = None
    # 意愿认证 (when the tenant's policy asks): the challenge and the SMS code.
    intent_challenge_id: uuid.UUID | None = None
    intent_code: str | None = None


class SignatureOut(msgspec.Struct):
    id: uuid.UUID
    signature: str  # base64 DER SES_Signature (GB/T 38540 V4), detached
    document_sm3: str
    vendor: str
    signed_at: datetime
    replayed: bool
    report: dict[str, Any]


class SignatureSummary(msgspec.Struct):
    id: uuid.UUID
    seal_id: uuid.UUID
    vendor: str | None
    document_sm3: str
    signed_at: datetime | None
    use_request_id: uuid.UUID | None
