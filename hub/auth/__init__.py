"""Authentication: per-tenant JWTs, the verified Principal, guards, login/refresh.

Tokens: `tokens.py` (keys from `tenants.keys`, rotated by `tenants.token_keys`); the
per-client brake on failed logins: `throttle.py`; `sealhub admin`: `cli.py`.

    from hub.auth import CurrentPrincipal, Principal, Role, requires

    @get(..., guards=[requires(Role.CLERK)])
    async def handler(self, principal: CurrentPrincipal) -> ...: ...
"""

from hub.auth.guards import authenticate, provide_principal, requires
from hub.auth.principal import HUB_TENANT_SLUG, CurrentPrincipal, Principal, Role

__all__ = [
    "HUB_TENANT_SLUG",
    "CurrentPrincipal",
    "Principal",
    "Role",
    "authenticate",
    "provide_principal",
    "requires",
]
