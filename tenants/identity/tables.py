"""Persons and enterprises. ID numbers are sealed (SM4-GCM, tenant data key) and found by
a keyed blind index; only masked forms are stored in clear."""

from __future__ import annotations

from piccolo.columns import UUID, Bytea, Date, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.tables import Account, Tenant


class Person(Table, tablename="person"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.restrict)
    account_id = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    name = Varchar(length=100)
    id_number_sealed = Bytea()
    id_number_index = Varchar(length=64)  # hex HMAC-SM3; unique per tenant (raw index)
    id_number_masked = Varchar(length=18)
    birth_date = Date()
    region_code = Varchar(length=6)
    mobile_sealed = Bytea()
    mobile_masked = Varchar(length=11)
    verifier = Varchar(length=64)
    face_score_bp = Integer()  # face match score in basis points (0..10000)
    verified_at = Timestamptz(default=TimestamptzNow())
    created_at = Timestamptz(default=TimestamptzNow())


class Enterprise(Table, tablename="enterprise"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.restrict)
    name = Varchar(length=200)
    credit_code = Varchar(length=18)  # public register data; unique per tenant (raw index)
    legal_representative_id = ForeignKey(references=Person, null=False, on_delete=OnDelete.restrict)
    agent_person_id = ForeignKey(references=Person, null=False, on_delete=OnDelete.restrict)
    agent_account_id = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    status = Varchar(length=16, default="active")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
