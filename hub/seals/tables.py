"""Seals and their status history. Every row carries `tenant_id`; queries filter on it."""

from __future__ import annotations

from piccolo.columns import UUID, Bytea, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Seal(Table, tablename="seal"):
    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    esid = Varchar(length=64)  # GB/T 38540 esID; unique per tenant (raw index)
    owner_account_id = UUID(index=True)  # the person or enterprise agent who applied
    owner_kind = Varchar(length=16)  # "person" | "enterprise"
    subject_id = UUID(null=True, default=None)  # person / enterprise id in tenants.identity
    seal_type = Varchar(length=32)
    name = Varchar(length=200)
    status = Varchar(length=16, default="applied")
    vendor = Varchar(length=64, null=True, default=None)
    key_handle = Varchar(length=200, null=True, default=None)
    seal_der = Bytea(null=True, default=None)
    signer_cert = Bytea(null=True, default=None)
    picture = Bytea(null=True, default=None)
    width_mm = Integer(default=40)
    height_mm = Integer(default=40)
    valid_start = Timestamptz(null=True, default=None)
    valid_end = Timestamptz(null=True, default=None)
    # Protection password (口令): argon2 hash; failures and lockout in the row so they
    # hold across replicas.
    password_hash = Varchar(length=255, null=True, default=None, secret=True)
    password_changed_at = Timestamptz(null=True, default=None)
    password_failures = Integer(default=0)
    password_locked_until = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    made_at = Timestamptz(null=True, default=None)
    # Who suspended it ("owner" or "staff", hub.seals.rules): an owner cannot lift a
    # suspension made by staff.
    suspended_by = Varchar(length=16, null=True, default=None)
    # The last failed make (no vendor returned a usable seal): why, which vendor, when.
    # Cleared when the seal is made; the owner or staff may retry.
    make_failure = Text(null=True, default=None)
    make_failed_vendor = Varchar(length=64, null=True, default=None)
    make_failed_at = Timestamptz(null=True, default=None)
    # 同模同轨: the registered mold (seal code) the picture is, for enterprise seals.
    mold_code = Varchar(length=32, null=True, default=None, index=True)


class SealEvent(Table, tablename="seal_event"):
    """Who changed a seal's status, when and why. Append-only."""

    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    seal_id = UUID(index=True)
    from_status = Varchar(length=16, null=True, default=None)
    to_status = Varchar(length=16)
    actor_account_id = UUID(null=True, default=None)
    actor_role = Varchar(length=16, null=True, default=None)  # owner | staff | hub
    reason = Text(default="")
    at = Timestamptz(default=TimestamptzNow())


class SealNotice(Table, tablename="seal_notice"):
    """What a seal's owner was told, and why (coming expiry, a mold revoked, a reset).
    An expiry notice is sent once per seal and kind (a raw unique index in the
    migration), so two replicas running the scheduler never tell twice."""

    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    seal_id = UUID(index=True)
    account_id = UUID(null=True, default=None)
    kind = Varchar(length=32)
    message = Text(default="")
    at = Timestamptz(default=TimestamptzNow())


class JobLease(Table, tablename="job_lease"):
    """Who runs a hub-wide scheduled job now: one row per job, taken by a conditional
    update, so one replica runs it however many there are."""

    name = Varchar(length=64, primary_key=True)
    holder = Varchar(length=64, default="")
    until = Timestamptz(null=True, default=None)
