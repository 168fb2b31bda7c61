"""/api/v1/policy (my tenant's rules) and tenant statistics."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from hub.auth.guards import requires
from hub.auth.openapi import errors
from hub.auth.principal import CurrentPrincipal, Role
from hub.db import Database
from hub.errors import NotFound
from tenants.policy.schemas import (
    PolicyChange,
    PolicyOut,
    StatisticsOut,
)
from tenants.policy.services import Policy, get_policy, update_policy
from tenants.policy.stats import tenant_statistics
from tenants.queries import tenant_slug


def policy_out(p: Policy) -> PolicyOut:
    return PolicyOut(
        approval_required_seal_types=list(p.approval_required_seal_types),
        password_min_length=p.password_min_length,
        password_rotation_days=p.password_rotation_days,
        password_max_failures=p.password_max_failures,
        lockout_seconds=p.lockout_seconds,
        require_molds=p.require_molds,
        intent_sms=p.intent_sms,
        verify_mobile=p.verify_mobile,
    )


class PolicyController(Controller):
    path = "/api/v1/policy"
    tags = ["policy"]  # noqa: RUF012

    @get(
        "",
        operation_id="getPolicy",
        summary="My tenant's policy: approval per seal type, password rules",
        guards=[requires(Role.TENANT_ADMIN, Role.CLERK)],
        responses=errors(401, 403),
    )
    async def read(self, principal: CurrentPrincipal) -> PolicyOut:
        return policy_out(await get_policy(principal.tenant_id))

    @put(
        "",
        operation_id="updatePolicy",
        summary="Change my tenant's policy (fields left out keep their value)",
        guards=[requires(Role.TENANT_ADMIN)],
        responses=errors(401, 403, 422),
    )
    async def update(
        self,
        db: NamedDependency[Database],
        principal: CurrentPrincipal,
        data: JSONBody[PolicyChange],
    ) -> PolicyOut:
        new = await update_policy(db, principal.tenant_id, **msgspec.structs.asdict(data))
        return policy_out(new)


class StatisticsController(Controller):
    path = "/api/v1"
    tags = ["statistics"]  # noqa: RUF012

    @get(
        "/statistics",
        operation_id="getMyStatistics",
        summary="My tenant's statistics (registered users, vendors, seals, signings, documents)",
        guards=[requires(Role.TENANT_ADMIN, Role.CLERK)],
        responses=errors(401, 403),
    )
    async def mine(self, principal: CurrentPrincipal) -> StatisticsOut:
        return StatisticsOut(
            tenant_id=principal.tenant_id, counters=await tenant_statistics(principal.tenant_id)
        )

    @get(
        "/tenants/{tenant_id:uuid}/statistics",
        operation_id="getTenantStatistics",
        summary="A tenant's statistics (regulator, hub operator)",
        guards=[requires(Role.REGULATOR, Role.HUB_OPERATOR)],
        responses=errors(401, 403, 404),
    )
    async def of_tenant(self, tenant_id: FromPath[uuid.UUID]) -> StatisticsOut:
        if await tenant_slug(tenant_id) is None:
            raise NotFound("tenant not found")
        return StatisticsOut(tenant_id=tenant_id, counters=await tenant_statistics(tenant_id))
