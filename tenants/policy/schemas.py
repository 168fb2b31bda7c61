"""Request and response schemas of the tenants.policy API."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec

from hub.schemas_common import Count, Key


class PolicyOut(msgspec.Struct):
    approval_required_seal_types: list[str]
    password_min_length: int
    password_rotation_days: int
    password_max_failures: int
    lockout_seconds: int
    require_molds: bool = False
    intent_sms: bool = False
    verify_mobile: bool = False


class PolicyChange(msgspec.Struct, forbid_unknown_fields=True):
    approval_required_seal_types: Annotated[list[Key], msgspec.Meta(max_length=16)] | None = None
    password_min_length: Count | None = None
    password_rotation_days: Count | None = None
    password_max_failures: Count | None = None
    lockout_seconds: Count | None = None
    require_molds: bool | None = None
    intent_sms: bool | None = None
    verify_mobile: bool | None = None


class StatisticsOut(msgspec.Struct):
    tenant_id: uuid.UUID
    counters: dict[str, int]
