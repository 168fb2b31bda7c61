"""Trust-store tables. `tenant_id` is NULL for hub-wide entries (the hub operator's),
else the tenant whose verifications they serve (its admin's)."""

from __future__ import annotations

from piccolo.columns import UUID, Bytea, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class TrustEntry(Table, tablename="trust_entry"):
    """A trust anchor (a CA certificate, or a pinned maker certificate) or a CRL."""

    id = UUID(primary_key=True)
    tenant_id = UUID(null=True, default=None, index=True)
    kind = Varchar(length=16)  # "ca" | "maker" | "crl"
    der = Bytea()  # the exact bytes given (DER)
    sm3 = Varchar(length=64, index=True)  # SM3 of der: one entry per scope and bytes
    subject = Varchar(length=500)  # certificate subject, or the CRL issuer
    label = Varchar(length=200, default="")
    added_by = Varchar(length=64)
    added_at = Timestamptz(default=TimestamptzNow())
