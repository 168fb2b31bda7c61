"""/api/v1/auth: login, refresh, who am I, change my password."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from hub.auth.guards import requires
from hub.auth.lockout import LoginGuard
from hub.auth.openapi import errors
from hub.auth.principal import CurrentPrincipal
from hub.auth.throttle import LoginThrottle
from hub.auth.tokens import TokenService
from hub.db import Database
from tenants.login import services
from tenants.login.schemas import (
    LoginRequest,
    Me,
    PasswordChange,
    RefreshRequest,
    TokenResponse,
)


def _tokens(pair: services.TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        token_type="Bearer",  # noqa: S106 (the OAuth token type, not a secret)
        expires_in=pair.expires_in,
        refresh_expires_in=pair.refresh_expires_in,
        password_change_required=pair.password_change_required,
    )


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]  # noqa: RUF012

    @post(
        "/login",
        operation_id="login",
        status_code=HTTP_200_OK,
        summary="Log in with tenant slug, username and password; get access + refresh tokens",
        responses=errors(401, 422, 423, 429),
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[Database],
        tokens: NamedDependency[TokenService],
        login_guard: NamedDependency[LoginGuard],
        login_throttle: NamedDependency[LoginThrottle],
        data: JSONBody[LoginRequest],
    ) -> TokenResponse:
        pair = await services.login(
            db,
            tokens,
            tenant=data.tenant,
            username=data.username,
            password=data.password,
            guard=login_guard,
            throttle=login_throttle,
            client=request.client.host if request.client else "",
        )
        return _tokens(pair)

    @post(
        "/refresh",
        operation_id="refreshToken",
        status_code=HTTP_200_OK,
        summary="Trade a refresh token (single use) for a new token pair",
        responses=errors(401, 422),
    )
    async def refresh(
        self,
        db: NamedDependency[Database],
        tokens: NamedDependency[TokenService],
        data: JSONBody[RefreshRequest],
    ) -> TokenResponse:
        pair = await services.refresh(db, tokens, data.refresh_token)
        return _tokens(pair)

    @get(
        "/me",
        operation_id="whoAmI",
        summary="The verified caller: tenant, account, roles",
        guards=[requires()],
        responses=errors(401),
    )
    async def me(self, principal: CurrentPrincipal) -> Me:
        return Me(
            tenant_id=str(principal.tenant_id),
            tenant=principal.tenant_slug,
            account_id=str(principal.account_id),
            roles=sorted(principal.roles),
        )

    @post(
        "/password",
        operation_id="changePassword",
        status_code=HTTP_204_NO_CONTENT,
        summary="Change my password (needs the old one; length from tenant policy); "
        "every session of the account ends",
        guards=[requires()],
        responses=errors(401, 422),
    )
    async def change_password(
        self,
        db: NamedDependency[Database],
        tokens: NamedDependency[TokenService],
        principal: CurrentPrincipal,
        data: JSONBody[PasswordChange],
    ) -> None:
        await services.change_password(
            db,
            tokens,
            principal,
            old_password=data.old_password,
            new_password=data.new_password,
        )

    @post(
        "/logout",
        operation_id="logout",
        status_code=HTTP_204_NO_CONTENT,
        summary="End my session: its refresh tokens and access tokens stop working "
        "(at once here, within SEALHUB_SESSION_CHECK_SECONDS on other replicas)",
        guards=[requires()],
        responses=errors(401),
    )
    async def logout(
        self, tokens: NamedDependency[TokenService], principal: CurrentPrincipal
    ) -> None:
        await services.logout(tokens, principal)
