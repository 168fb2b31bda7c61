"""Who is calling: roles and the verified Principal handlers receive."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from litestar.di import NamedDependency

HUB_TENANT_SLUG = "hub"  # the hub's own tenant: hub operators and regulators live there


class Role(StrEnum):
    HUB_OPERATOR = "hub_operator"  # creates tenants, registers vendors (hub tenant)
    REGULATOR = "regulator"  # read-only across tenants (hub tenant)
    TENANT_ADMIN = "tenant_admin"  # a bureau's administrator
    CLERK = "clerk"  # approver (用印审批, enterprise seal applications)
    PERSON = "person"  # a real-name verified citizen
    ENTERPRISE_AGENT = "enterprise_agent"  # acts for an enterprise (also a person)


HUB_ROLES = frozenset({Role.HUB_OPERATOR, Role.REGULATOR})
TENANT_ROLES = frozenset({Role.TENANT_ADMIN, Role.CLERK, Role.PERSON, Role.ENTERPRISE_AGENT})
# A bureau's staff: they see every row of their tenant, not only their own.
TENANT_STAFF = frozenset({Role.CLERK, Role.TENANT_ADMIN})


@dataclass(frozen=True)
class Principal:
    """A verified caller. The tenant scope comes only from the verified token."""

    tenant_id: uuid.UUID
    tenant_slug: str
    account_id: uuid.UUID
    roles: frozenset[str]
    session_id: uuid.UUID | None = None  # the login session the token belongs to

    def has(self, *roles: str) -> bool:
        """True if the caller holds any of `roles`."""
        return any(r in self.roles for r in roles)

    @property
    def is_hub(self) -> bool:
        return self.tenant_slug == HUB_TENANT_SLUG


# Handler parameter type: `principal: CurrentPrincipal` (the app-level `principal`
# dependency; Litestar >= 2.23 wants named dependencies marked explicitly).
CurrentPrincipal = NamedDependency[Principal]
