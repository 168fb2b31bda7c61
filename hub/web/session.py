"""Browser sessions for the portal: who is logged in, in an encrypted cookie.

The cookie (HttpOnly, SameSite=Lax, Secure when the portal's public URL is https) holds
only the tenant and account ids and the login time, AES-GCM sealed under a key derived
from the hub master key, so every worker and replica reads it. The account is re-read
from the database on each request: a disabled account or a changed role takes effect at
once. The JSON API never reads this cookie; it keeps bearer tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.di import NamedDependency
from litestar.middleware.session import SessionMiddleware
from litestar.middleware.session.client_side import ClientSideSessionBackend, CookieBackendConfig
from litestar.types import ASGIApp

from hub.auth.lockout import LoginGuard
from hub.auth.principal import Principal, Role
from hub.auth.sessions import SessionRegistry
from hub.auth.throttle import LoginThrottle
from hub.db import Database
from hub.errors import SealHubError, Unauthorized
from hub.settings import Settings
from hub.web import deps
from tenants import services as accounts

SESSION_COOKIE = "sealhub_session"
CSRF_COOKIE = "sealhub_csrf"
LANG_COOKIE = "sealhub_lang"


def _derive(master_key: bytes, purpose: bytes, size: int = 32) -> bytes:
    # One master key, separate keys per use: a session key never doubles as anything else.
    return hmac.new(master_key, b"sealhub portal " + purpose, hashlib.sha256).digest()[:size]


def session_config(settings: Settings) -> CookieBackendConfig:
    return CookieBackendConfig(
        secret=_derive(settings.security.master_key, b"session"),
        key=SESSION_COOKIE,
        max_age=settings.portal.session_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.portal.secure_cookies,
        path="/",
    )


class PortalSessionMiddleware(SessionMiddleware[ClientSideSessionBackend]):
    """The session middleware, built from the settings where the router mounts it (its
    cipher cannot be deep-copied with the route handlers)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        super().__init__(app, backend=ClientSideSessionBackend(config=session_config(settings)))


def csrf_config(settings: Settings) -> CSRFConfig:
    # Applied by the portal's router only: /api and the other bearer-token routes never
    # pass through it (see hub/web/__init__.py).
    return CSRFConfig(
        secret=_derive(settings.security.master_key, b"csrf").hex(),
        cookie_name=CSRF_COOKIE,
        cookie_httponly=True,
        cookie_samesite="lax",
        cookie_secure=settings.portal.secure_cookies,
        header_name="x-csrftoken",
    )


class LoginRequired(SealHubError):
    """A page for logged-in people was asked for without a session: go to the login page."""

    status = 401
    type_slug = "login-required"


@dataclass(frozen=True)
class PortalUser:
    principal: Principal
    display_name: str

    @property
    def is_agent(self) -> bool:
        return self.principal.has(Role.ENTERPRISE_AGENT)


async def start_session(
    request: deps.AnyRequest, sessions: SessionRegistry, principal: Principal
) -> None:
    """A browser session is a login session like an API login's (hub.auth.sessions):
    logout, a password change or a disabled account end it on every replica, even if
    someone kept a copy of the cookie."""
    request.clear_session()  # a fresh session on every login (no fixation)
    session_id, _ = await sessions.start(principal.tenant_id, principal.account_id)
    request.set_session(
        {
            "t": str(principal.tenant_id),
            "a": str(principal.account_id),
            "s": str(session_id),
            "iat": int(time.time()),
        }
    )


async def end_session(request: deps.AnyRequest, sessions: SessionRegistry) -> None:
    try:
        data: dict[str, Any] = request.session or {}
        tenant_id, session_id = uuid.UUID(data["t"]), uuid.UUID(data["s"])
    except Exception:  # noqa: BLE001 (no session (or none on this route): nothing to end)
        request.clear_session()
        return
    await sessions.end(tenant_id, session_id, "logout")
    request.clear_session()


async def current_user(request: deps.AnyRequest) -> PortalUser | None:
    """The logged-in person of this request, or None."""
    cached = request.scope.get("sealhub.portal_user")
    if isinstance(cached, PortalUser):
        return cached
    if cached is False:
        return None
    user = await _load(request)
    request.scope["sealhub.portal_user"] = user or False  # type: ignore[typeddict-unknown-key]
    return user


async def _load(request: deps.AnyRequest) -> PortalUser | None:
    try:
        data: dict[str, Any] = request.session or {}
    except Exception:  # noqa: BLE001 (no session middleware on this route (an error page elsewhere))
        return None
    try:
        tenant_id, account_id = uuid.UUID(data["t"]), uuid.UUID(data["a"])
        session_id = uuid.UUID(data["s"])
        issued = int(data["iat"])
    except (KeyError, TypeError, ValueError):
        return None
    # Outside any handler's signature (every page's layout shows who is logged in): the
    # container's one door for the portal (hub.web.deps).
    services = deps.services_of(request.app)
    if not await services.sessions.is_live(tenant_id, session_id):
        request.clear_session()  # logged out elsewhere, password changed, disabled
        return None
    # The cookie's own expiry slides with each answer; this bounds the whole session.
    if time.time() - issued > services.settings.portal.session_seconds:
        request.clear_session()
        return None
    try:
        principal = await accounts.principal_for_account(tenant_id, account_id)
        account = await accounts.get_account(tenant_id, account_id)
    except SealHubError:
        request.clear_session()
        return None
    # A password change (here or through the API) ends every session begun before it.
    if account.password_changed_at.timestamp() > issued + 1:
        request.clear_session()
        return None
    return PortalUser(principal=principal, display_name=account.display_name or account.username)


async def require_user(request: deps.AnyRequest) -> PortalUser:
    """The portal router's `user` dependency (`user: LoggedIn`): a page for logged-in
    people, without a live session, redirects to the login page."""
    user = await current_user(request)
    if user is None:
        raise LoginRequired("please log in")
    return user


# Handler parameter type: `user: LoggedIn` (hub.web.portal_routes provides `user`).
LoggedIn = NamedDependency[PortalUser]


async def login(
    request: deps.AnyRequest,
    tenant: str,
    username: str,
    password: str,
    *,
    db: Database,
    throttle: LoginThrottle,
    guard: LoginGuard,
    sessions: SessionRegistry,
) -> Principal:
    """Check a password login (the API's lockout and per-client brake) and start a session."""
    client = request.client.host if request.client else ""
    throttle.check(client)
    try:
        result = await accounts.authenticate(
            db,
            tenant,
            username,
            password,
            guard=guard,
            client=client,
        )
    except SealHubError as exc:
        if isinstance(exc, Unauthorized) or exc.status == 423:
            throttle.failed(client)
        raise
    await start_session(request, sessions, result.principal)
    return result.principal
