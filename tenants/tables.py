"""Tenants (bureaus) and their accounts. Every tenant-owned row elsewhere carries `tenant_id`.

The hub itself is the tenant with slug `hub` (created at start): hub operators and
regulators are its accounts, so every token, key and lockout works the same way.
"""

from __future__ import annotations

from piccolo.columns import (
    UUID,
    Array,
    Bytea,
    ForeignKey,
    Integer,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Tenant(Table, tablename="tenant"):
    id = UUID(primary_key=True)
    slug = Varchar(length=63, unique=True)
    name = Varchar(length=200)
    region_code = Varchar(length=6)
    status = Varchar(length=16, default="active")
    # Ed25519 token-signing key: private half SM4-GCM wrapped by the hub master key.
    jwt_private_wrapped = Bytea()
    jwt_public = Bytea()
    # After a rotation: the key it replaced verifies (never signs) tokens until then.
    jwt_previous_public = Bytea(null=True, default=None)
    jwt_previous_until = Timestamptz(null=True, default=None)
    # The tenant data key (SM4) that encrypts this tenant's secrets at rest, wrapped by
    # the hub master key.
    data_key_wrapped = Bytea()
    key_version = Integer(default=1)  # of the token key: a token's kid is "<slug>/<version>"
    created_at = Timestamptz(default=TimestamptzNow())


class Account(Table, tablename="account"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.restrict)
    username = Varchar(length=64)
    display_name = Varchar(length=200, default="")
    password_hash = Varchar(length=255, secret=True)
    roles = Array(base_column=Varchar(length=32))
    status = Varchar(length=16, default="active")
    # Lockout state lives in the database so it holds across replicas.
    failed_logins = Integer(default=0)
    locked_until = Timestamptz(null=True, default=None)
    password_changed_at = Timestamptz(default=TimestamptzNow())
    created_at = Timestamptz(default=TimestamptzNow())

    # (tenant_id, username) is unique: a raw index in the migrations, because Piccolo's
    # composite Unique constraint is an ALTER TABLE that SQLite cannot run.
