"""What the signing service hands out: typed, read-only rows of its tables (built as
`UseRequestRecord(**row)` from the query's row, so a new column needs its field)."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec


class UseRequestRecord(msgspec.Struct, frozen=True):
    """A use request (用印审批; every column of `hub.signing.tables.UseRequest`)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    seal_id: uuid.UUID
    requester_account_id: uuid.UUID
    document_sm3: str  # hex
    purpose: str
    status: str  # pending | approved | rejected | used
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    reason: str
    evidence_leaf_hash: str | None  # hex: the decision's evidence-log entry
    created_at: datetime


class Signature(msgspec.Struct, frozen=True):
    """A completed signing (every column of `hub.signing.tables.SignatureRecord`; only
    rows with status 'done' are made into one, so its signature is there)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    seal_id: uuid.UUID
    account_id: uuid.UUID  # who signed
    idempotency_key: str
    request_fingerprint: str
    status: str
    vendor: str | None
    document_sm3: str  # hex
    property_info: str
    signature_der: bytes  # the SES_Signature
    signature_sm3: str
    use_request_id: uuid.UUID | None
    signed_at: datetime
    created_at: datetime


class SignatureBrief(msgspec.Struct, frozen=True):
    """A completed signing in a list (no signature bytes)."""

    id: uuid.UUID
    seal_id: uuid.UUID
    vendor: str | None
    document_sm3: str
    signed_at: datetime | None
    use_request_id: uuid.UUID | None


class SignatureOutcome(msgspec.Struct, frozen=True):
    """What a rating needs of a signature: its vendor, its signer, status and time."""

    vendor: str | None
    account_id: uuid.UUID
    status: str
    signed_at: datetime | None


class SignatureDone(msgspec.Struct, frozen=True):
    tenant_id: uuid.UUID
    vendor: str | None
    n: int
