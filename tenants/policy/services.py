"""Tenant policy: read with defaults, update by the tenant admin."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from adapters.protocol import SEAL_TYPES as _SEAL_TYPE_CODES
from hub.db import Database
from hub.errors import ValidationFailed
from tenants.policy.tables import TenantPolicy

SEAL_TYPES = tuple(_SEAL_TYPE_CODES)  # one list of seal types, the vendor protocol's


@dataclass(frozen=True)
class Policy:
    approval_required_seal_types: tuple[str, ...] = ("official", "contract", "finance")
    password_min_length: int = 10
    password_rotation_days: int = 180
    password_max_failures: int = 5
    lockout_seconds: int = 900
    require_molds: bool = False  # every enterprise seal must name a registered mold
    intent_sms: bool = False  # 意愿认证: each signing confirmed by an SMS code
    verify_mobile: bool = False  # self-registration proves the mobile by an SMS code

    def approval_required(self, seal_type: str) -> bool:
        return seal_type in self.approval_required_seal_types


DEFAULT_POLICY = Policy()


async def get_policy(tenant_id: uuid.UUID) -> Policy:
    """The tenant's policy (defaults if it never changed any)."""
    row = await TenantPolicy.select().where(TenantPolicy.tenant_id == tenant_id).first().run()
    if row is None:
        return DEFAULT_POLICY
    return Policy(
        approval_required_seal_types=tuple(row["approval_required_seal_types"] or ()),
        password_min_length=row["password_min_length"],
        password_rotation_days=row["password_rotation_days"],
        password_max_failures=row["password_max_failures"],
        lockout_seconds=row["lockout_seconds"],
        require_molds=bool(row.get("require_molds") or False),
        intent_sms=bool(row.get("intent_sms") or False),
        verify_mobile=bool(row.get("verify_mobile") or False),
    )


def validate_policy(p: Policy) -> Policy:
    unknown = [t for t in p.approval_required_seal_types if t not in SEAL_TYPES]
    if unknown:
        raise ValidationFailed(
            f"unknown seal type {unknown[0]!r}; known: {', '.join(SEAL_TYPES)}",
            field="approval_required_seal_types",
        )
    if not 8 <= p.password_min_length <= 128:
        raise ValidationFailed("must be between 8 and 128", field="password_min_length")
    if not 0 <= p.password_rotation_days <= 3650:
        raise ValidationFailed("must be between 0 (never) and 3650", field="password_rotation_days")
    if not 1 <= p.password_max_failures <= 100:
        raise ValidationFailed("must be between 1 and 100", field="password_max_failures")
    if not 1 <= p.lockout_seconds <= 7 * 86400:
        raise ValidationFailed("must be between 1 and 604800", field="lockout_seconds")
    types = tuple(sorted(set(p.approval_required_seal_types)))
    return replace(p, approval_required_seal_types=types)


async def update_policy(db: Database, tenant_id: uuid.UUID, **changes: object) -> Policy:
    """Apply `changes` (None values ignored) to the tenant's policy; returns the new policy."""
    async with db.transaction():
        current = await get_policy(tenant_id)
        fields = {k: v for k, v in changes.items() if v is not None}
        if "approval_required_seal_types" in fields:
            fields["approval_required_seal_types"] = tuple(fields["approval_required_seal_types"])  # type: ignore[arg-type]
        new = validate_policy(replace(current, **fields))  # type: ignore[arg-type]
        values: dict[Any, Any] = {
            TenantPolicy.approval_required_seal_types: list(new.approval_required_seal_types),
            TenantPolicy.password_min_length: new.password_min_length,
            TenantPolicy.password_rotation_days: new.password_rotation_days,
            TenantPolicy.password_max_failures: new.password_max_failures,
            TenantPolicy.lockout_seconds: new.lockout_seconds,
            TenantPolicy.require_molds: new.require_molds,
            TenantPolicy.intent_sms: new.intent_sms,
            TenantPolicy.verify_mobile: new.verify_mobile,
            TenantPolicy.updated_at: datetime.now(UTC),
        }
        exists = await TenantPolicy.exists().where(TenantPolicy.tenant_id == tenant_id).run()
        if exists:
            await TenantPolicy.update(values).where(TenantPolicy.tenant_id == tenant_id).run()
        else:
            row = TenantPolicy(tenant_id=tenant_id)
            for col, val in values.items():
                setattr(row, col._meta.name, val)
            await TenantPolicy.insert(row).run()
    return new
