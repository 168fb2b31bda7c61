"""/api/v1/tenants (hub operator), /api/v1/tenant (my tenant), /api/v1/accounts."""

from __future__ import annotations

import time
import uuid

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from hub.auth.guards import requires
from hub.auth.openapi import errors
from hub.auth.principal import CurrentPrincipal, Role
from hub.auth.scope import not_found
from hub.auth.tokens import TokenService
from hub.db import Database
from hub.errors import NotFound
from hub.schemas_common import Limit, Offset
from hub.settings import Settings
from tenants import services, token_keys
from tenants.keys import TenantKeyring
from tenants.login import services as auth_services
from tenants.schemas import (
    AccountOut,
    AccountStatus,
    CreateAccount,
    CreateTenant,
    Jwk,
    Jwks,
    RotateTokenKey,
    TenantCreated,
    TenantOut,
    TokenKeyRotated,
)
from tenants.tables import Account


async def _rotate(
    tokens: TokenService, tenant_id: uuid.UUID, data: RotateTokenKey, by: str
) -> TokenKeyRotated:
    done = await token_keys.rotate_token_key(
        tokens.keyring,
        tenant_id,
        keep_previous_seconds=tokens.longest_lifetime,
        revoke_previous=data.revoke_previous,
        by=by,
    )
    return TokenKeyRotated(
        kid=done.kid, previous_kid=done.previous_kid, previous_valid_until=done.previous_valid_until
    )


def tenant_out(v: services.TenantView) -> TenantOut:
    return TenantOut(
        id=v.id,
        slug=v.slug,
        name=v.name,
        region_code=v.region_code,
        status=v.status,
        created_at=v.created_at,
    )


def account_out(v: services.AccountView) -> AccountOut:
    return AccountOut(
        id=v.id,
        username=v.username,
        display_name=v.display_name,
        roles=list(v.roles),
        status=v.status,
        locked_until=v.locked_until,
        password_changed_at=v.password_changed_at,
        created_at=v.created_at,
    )


class TenantController(Controller):
    path = "/api/v1/tenants"
    tags = ["tenants"]  # noqa: RUF012

    @post(
        "",
        operation_id="createTenant",
        status_code=HTTP_201_CREATED,
        summary="Onboard a bureau: a tenant with its keys and first tenant admin",
        guards=[requires(Role.HUB_OPERATOR)],
        responses=errors(401, 403, 409, 422),
    )
    async def create(
        self,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        data: JSONBody[CreateTenant],
    ) -> TenantCreated:
        tenant, admin = await services.create_tenant(
            db,
            settings.security.master_key,
            name=data.name,
            slug=data.slug,
            region_code=data.region_code,
            admin_username=data.admin.username,
            admin_password=data.admin.password,
            admin_display_name=data.admin.display_name,
        )
        return TenantCreated(tenant=tenant_out(tenant), admin=account_out(admin))

    @get(
        "",
        operation_id="listTenants",
        summary="List tenants (hub operator, regulator)",
        guards=[requires(Role.HUB_OPERATOR, Role.REGULATOR)],
        responses=errors(401, 403),
    )
    async def all_tenants(self) -> list[TenantOut]:
        return [tenant_out(t) for t in await services.list_tenants()]

    @get(
        "/{tenant_id:uuid}",
        operation_id="getTenant",
        summary="One tenant (hub operator, regulator)",
        guards=[requires(Role.HUB_OPERATOR, Role.REGULATOR)],
        responses=errors(401, 403, 404),
    )
    async def get(self, tenant_id: FromPath[uuid.UUID]) -> TenantOut:
        return tenant_out(await services.get_tenant(tenant_id))

    @post(
        "/{tenant_id:uuid}/token-key",
        operation_id="rotateTenantTokenKey",
        summary="Rotate a tenant's token-signing key (hub operator); revoke_previous "
        "refuses every token the old key signed",
        guards=[requires(Role.HUB_OPERATOR)],
        responses=errors(401, 403, 404, 409, 422),
    )
    async def rotate_token_key(
        self,
        tokens: NamedDependency[TokenService],
        principal: CurrentPrincipal,
        tenant_id: FromPath[uuid.UUID],
        data: JSONBody[RotateTokenKey],
    ) -> TokenKeyRotated:
        return await _rotate(tokens, tenant_id, data, by=f"hub/{principal.account_id}")


class MyTenantController(Controller):
    path = "/api/v1/tenant"
    tags = ["tenants"]  # noqa: RUF012

    @get(
        "",
        operation_id="getMyTenant",
        summary="The caller's own tenant",
        guards=[requires()],
        responses=errors(401),
    )
    async def mine(self, principal: CurrentPrincipal) -> TenantOut:
        return tenant_out(await services.get_tenant(principal.tenant_id))

    @post(
        "/token-key",
        operation_id="rotateMyTokenKey",
        summary="Rotate my tenant's token-signing key (tenant admin; hub operator for the "
        "hub); revoke_previous refuses every token the old key signed",
        guards=[requires(Role.TENANT_ADMIN, Role.HUB_OPERATOR)],
        responses=errors(401, 403, 409, 422),
    )
    async def rotate_my_token_key(
        self,
        tokens: NamedDependency[TokenService],
        principal: CurrentPrincipal,
        data: JSONBody[RotateTokenKey],
    ) -> TokenKeyRotated:
        return await _rotate(
            tokens, principal.tenant_id, data, by=f"{principal.tenant_slug}/{principal.account_id}"
        )

    @get(
        "/token-keys",
        operation_id="getMyTokenKeys",
        summary="The public keys that verify my tenant's tokens now (JWKS, RFC 7517)",
        guards=[requires()],
        responses=errors(401),
    )
    async def my_token_keys(
        self, keyring: NamedDependency[TenantKeyring], principal: CurrentPrincipal
    ) -> Jwks:
        found = await token_keys.jwks(keyring, principal.tenant_slug, time.time())
        return Jwks(keys=[Jwk(**k) for k in found["keys"]])


class AccountController(Controller):
    path = "/api/v1/accounts"
    tags = ["accounts"]  # noqa: RUF012

    @post(
        "",
        operation_id="createAccount",
        status_code=HTTP_201_CREATED,
        summary="Create an account in my tenant (admin: tenant_admin/clerk; "
        "hub operator: hub_operator/regulator)",
        guards=[requires(Role.TENANT_ADMIN, Role.HUB_OPERATOR)],
        responses=errors(401, 403, 409, 422),
    )
    async def create(
        self,
        db: NamedDependency[Database],
        principal: CurrentPrincipal,
        data: JSONBody[CreateAccount],
    ) -> AccountOut:
        view = await services.create_account(
            db,
            principal.tenant_id,
            username=data.username,
            password=data.password,
            roles=data.roles,
            display_name=data.display_name,
            creator=principal,
        )
        return account_out(view)

    @get(
        "",
        operation_id="listAccounts",
        summary="List my tenant's accounts",
        guards=[requires(Role.TENANT_ADMIN, Role.HUB_OPERATOR)],
        responses=errors(401, 403),
    )
    async def all_accounts(
        self, principal: CurrentPrincipal, limit: Limit = 100, offset: Offset = 0
    ) -> list[AccountOut]:
        views = await services.list_accounts(
            principal.tenant_id, limit=max(1, min(limit, 500)), offset=max(0, offset)
        )
        return [account_out(v) for v in views]

    @get(
        "/{account_id:uuid}",
        operation_id="getAccount",
        summary="One account of my tenant",
        guards=[requires(Role.TENANT_ADMIN, Role.HUB_OPERATOR)],
        responses=errors(401, 403, 404),
    )
    async def get(self, principal: CurrentPrincipal, account_id: FromPath[uuid.UUID]) -> AccountOut:
        try:
            return account_out(await services.get_account(principal.tenant_id, account_id))
        except NotFound:
            raise await not_found(
                Account, account_id, principal.tenant_id, principal.tenant_slug, "account"
            ) from None

    @put(
        "/{account_id:uuid}/status",
        operation_id="setAccountStatus",
        summary="Disable or re-enable an account of my tenant; disabling ends its sessions",
        guards=[requires(Role.TENANT_ADMIN, Role.HUB_OPERATOR)],
        responses=errors(401, 403, 404, 422),
    )
    async def set_status(
        self,
        db: NamedDependency[Database],
        tokens: NamedDependency[TokenService],
        principal: CurrentPrincipal,
        account_id: FromPath[uuid.UUID],
        data: JSONBody[AccountStatus],
    ) -> AccountOut:
        try:
            view = await auth_services.set_account_status(
                db,
                tokens,
                principal,
                account_id,
                data.status,
            )
        except NotFound:
            raise await not_found(
                Account, account_id, principal.tenant_id, principal.tenant_slug, "account"
            ) from None
        return account_out(view)
