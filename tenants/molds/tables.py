"""The mold registry table: one row per registered physical seal of a tenant."""

from __future__ import annotations

from piccolo.columns import UUID, Bytea, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.tables import Tenant


class Mold(Table, tablename="seal_mold"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.restrict)
    seal_code = Varchar(length=32)
    unit_name = Varchar(length=200)
    credit_code = Varchar(length=18, index=True)
    seal_type = Integer()
    width_mm = Integer()
    height_mm = Integer()
    status = Varchar(length=16, default="active")
    # Normalised mold picture (red ink on transparent, the record's size at 300 dpi)
    # and its SM3, so a seal picture copied from the mold can be recognised cheaply.
    mold_png = Bytea()
    mold_sm3 = Varchar(length=64)
    source_image = Varchar(length=255, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())

    # (tenant_id, seal_code) is unique: a raw index in the migration (see tenants.tables).
