"""Tenant policy: one row per tenant (absent row = the defaults in services)."""

from __future__ import annotations

from piccolo.columns import Array, Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.tables import Tenant


class TenantPolicy(Table, tablename="tenant_policy"):
    tenant_id = ForeignKey(references=Tenant, null=False, unique=True, on_delete=OnDelete.cascade)
    # Seal types whose every use needs an approved use request (用印审批).
    approval_required_seal_types = Array(base_column=Varchar(length=32))
    password_min_length = Integer(default=10)
    password_rotation_days = Integer(default=180)
    password_max_failures = Integer(default=5)
    lockout_seconds = Integer(default=900)
    # 同模同轨 for every enterprise seal: none is made without a registered mold.
    require_molds = Boolean(default=False)
    # 意愿认证: every signing confirmed by an SMS code bound to the document.
    intent_sms = Boolean(default=False)
    # Self-registration proves the mobile number with an SMS code.
    verify_mobile = Boolean(default=False)
    updated_at = Timestamptz(default=TimestamptzNow())
