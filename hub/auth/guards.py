"""Litestar guards and the `principal` dependency.

    from hub.auth import Principal, Role, requires

    @get("/seals/{seal_id:uuid}", guards=[requires(Role.PERSON, Role.CLERK)], ...)
    async def get_seal(self, principal: Principal, seal_id: UUID) -> SealView: ...

`principal` is an app-level dependency: declaring it makes the handler require a valid
access token (401 otherwise). `requires(...)` additionally demands one of the roles (403).
The token is verified once per request; the guard and the dependency share the result.

Where authorisation lives (one place for each decision, never two):

* **Which roles may call a route** is the route's guard, `requires(...)` on the handler or
  its controller: a 403 before any service runs, and what the OpenAPI document states.
  Services do not check a bare role again.
* **What the caller may see and touch** is the service's, because it depends on the row:
  the tenant scope of every query, owner-or-staff visibility (another's row is a 404,
  never an existence oracle), who suspended a seal, a clerk approving their own request.
  Handlers pass the `Principal` and do not decide.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from hub.auth.principal import Principal
from hub.auth.tokens import ACCESS, TokenService
from hub.errors import Forbidden, Unauthorized

_SCOPE_KEY = "sealhub.principal"


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("a bearer access token is required")
    return token.strip()


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The verified caller of this request (cached in the ASGI scope)."""
    cached = connection.scope.get(_SCOPE_KEY)
    if isinstance(cached, Principal):
        return cached
    # Guards run before dependency injection: the token service comes from the composition
    # root's container (hub.services) directly.
    tokens: TokenService = connection.app.state.services.tokens
    verified = await tokens.verify(bearer_token(connection), ACCESS)
    connection.scope[_SCOPE_KEY] = verified.principal  # type: ignore[literal-required]
    return verified.principal


def requires(*roles: str) -> Any:
    """A guard: the caller must hold one of `roles` (any authenticated caller if none)."""
    wanted = frozenset(str(r) for r in roles)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = await authenticate(connection)
        if wanted and not principal.has(*wanted):
            raise Forbidden("this action needs one of the roles: " + ", ".join(sorted(wanted)))

    guard.__name__ = "requires_" + "_".join(sorted(wanted) or ["login"])
    return guard


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """App-level dependency `principal`."""
    return await authenticate(request)
