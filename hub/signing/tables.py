"""Use requests (用印审批) and signature records. Every row carries `tenant_id`."""

from __future__ import annotations

from piccolo.columns import UUID, Bytea, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class UseRequest(Table, tablename="use_request"):
    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    seal_id = UUID(index=True)
    requester_account_id = UUID()
    document_sm3 = Varchar(length=64)  # hex
    purpose = Text()
    status = Varchar(length=16, default="pending")  # pending | approved | rejected | used
    decided_by = UUID(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    reason = Text(default="")
    evidence_leaf_hash = Varchar(length=64, null=True, default=None)  # hex, set by the log
    created_at = Timestamptz(default=TimestamptzNow())


class SignatureRecord(Table, tablename="signature_record"):
    """One cloud signing. The row is reserved (status "pending") before the vendor is
    called, under a unique (tenant, account, idempotency key), so a retry or a racing
    duplicate never signs twice; it is completed or deleted, never left half-written."""

    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    seal_id = UUID(index=True)
    account_id = UUID()
    idempotency_key = Varchar(length=128)
    request_fingerprint = Varchar(length=64)  # SM3 of what was asked (seal, digest, ...)
    status = Varchar(length=16, default="pending")  # pending | done
    vendor = Varchar(length=64, null=True, default=None)
    document_sm3 = Varchar(length=64)
    property_info = Varchar(length=255, default="")
    signature_der = Bytea(null=True, default=None)
    signature_sm3 = Varchar(length=64, null=True, default=None, index=True)
    use_request_id = UUID(null=True, default=None)
    signed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
