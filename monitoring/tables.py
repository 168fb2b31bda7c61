"""Service ratings. Every row carries `tenant_id`; comments stay here, never in metrics."""

from __future__ import annotations

from piccolo.columns import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class VendorRating(Table, tablename="vendor_rating"):
    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    vendor = Varchar(length=64, index=True)
    operation = Varchar(length=16)  # "seal" (seal made) | "signature" (document signed)
    operation_id = UUID()
    account_id = UUID()
    # "<operation>:<operation id>:<account id>", unique: the database itself enforces one
    # rating per operation per user, also between racing replicas.
    rating_key = Varchar(length=120, unique=True)
    stars = Integer()
    comment = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
