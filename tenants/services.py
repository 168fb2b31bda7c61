"""Tenants and accounts: onboarding, the hub tenant, account creation, login checks.

Every function that touches tenant data takes the tenant id first and filters on it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.auth.lockout import LoginGuard
from hub.auth.passwords import hash_password, verify_password
from hub.auth.principal import HUB_ROLES, HUB_TENANT_SLUG, TENANT_ROLES, Principal, Role
from hub.db import Database, is_unique_violation
from hub.errors import Conflict, Locked, NotFound, Unauthorized, ValidationFailed
from monitoring import metrics
from tenants.keys import new_tenant_keys
from tenants.policy.services import Policy, get_policy
from tenants.tables import Account, Tenant
from tenants.validation import check_name, check_region_code

_SLUG = re.compile(r"^[a-z][a-z0-9-]{1,61}[a-z0-9]$")
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")
RESERVED_SLUGS = frozenset({HUB_TENANT_SLUG, "api", "admin", "www", "schema", "health", "metrics"})
BAD_LOGIN = "wrong tenant, username or password"
LOCKED_LOGIN = "too many failed logins for this account from this address; try again later"


@dataclass(frozen=True)
class TenantView:
    id: uuid.UUID
    slug: str
    name: str
    region_code: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class AccountView:
    id: uuid.UUID
    tenant_id: uuid.UUID
    username: str
    display_name: str
    roles: tuple[str, ...]
    status: str
    locked_until: datetime | None
    password_changed_at: datetime
    created_at: datetime


def _uuid(v: Any) -> uuid.UUID:
    return v if isinstance(v, uuid.UUID) else uuid.UUID(str(v))


def _tenant_view(row: dict[str, Any]) -> TenantView:
    return TenantView(
        id=_uuid(row["id"]),
        slug=row["slug"],
        name=row["name"],
        region_code=row["region_code"],
        status=row["status"],
        created_at=row["created_at"],
    )


def _account_view(row: dict[str, Any]) -> AccountView:
    return AccountView(
        id=_uuid(row["id"]),
        tenant_id=_uuid(row["tenant_id"]),
        username=row["username"],
        display_name=row["display_name"],
        roles=tuple(row["roles"] or ()),
        status=row["status"],
        locked_until=row["locked_until"],
        password_changed_at=row["password_changed_at"],
        created_at=row["created_at"],
    )


_TENANT_COLS = (
    Tenant.id,
    Tenant.slug,
    Tenant.name,
    Tenant.region_code,
    Tenant.status,
    Tenant.created_at,
)
_ACCOUNT_COLS = (
    Account.id,
    Account.tenant_id,
    Account.username,
    Account.display_name,
    Account.roles,
    Account.status,
    Account.locked_until,
    Account.password_changed_at,
    Account.created_at,
)


def check_slug(slug: str) -> str:
    slug = (slug or "").strip()
    if not _SLUG.match(slug):
        raise ValidationFailed(
            "a slug is 3-63 characters: a-z, 0-9 and '-', starting with a letter", field="slug"
        )
    if slug in RESERVED_SLUGS:
        raise ValidationFailed(f"slug {slug!r} is reserved", field="slug")
    return slug


def check_username(username: str, field: str = "username") -> str:
    username = (username or "").strip()
    if not _USERNAME.match(username):
        raise ValidationFailed(
            "a username is 3-64 characters: letters, digits, _ . @ -", field=field
        )
    return username


def check_password(password: str, policy: Policy, field: str = "password") -> str:
    if not isinstance(password, str) or len(password) < policy.password_min_length:
        raise ValidationFailed(
            f"the password must have at least {policy.password_min_length} characters", field=field
        )
    if len(password) > 256:
        raise ValidationFailed("the password must have at most 256 characters", field=field)
    return password


# --------------------------------------------------------------------------- tenants


async def _insert_tenant(
    db: Database, master_key: bytes, *, slug: str, name: str, region_code: str
) -> uuid.UUID:
    tenant_id = uuid.uuid4()
    keys = new_tenant_keys(master_key, tenant_id)
    await Tenant.insert(
        Tenant(
            id=tenant_id,
            slug=slug,
            name=name,
            region_code=region_code,
            jwt_private_wrapped=keys.jwt_private_wrapped,
            jwt_public=keys.jwt_public,
            data_key_wrapped=keys.data_key_wrapped,
        )
    ).run()
    return tenant_id


async def ensure_hub_tenant(db: Database, master_key: bytes) -> uuid.UUID:
    """The hub's own tenant (slug `hub`), created on first use; safe under races."""
    row = await Tenant.select(Tenant.id).where(Tenant.slug == HUB_TENANT_SLUG).first().run()
    if row is not None:
        return _uuid(row["id"])
    try:
        async with db.transaction():
            return await _insert_tenant(
                db, master_key, slug=HUB_TENANT_SLUG, name="SealHub", region_code="110000"
            )
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
    row = await Tenant.select(Tenant.id).where(Tenant.slug == HUB_TENANT_SLUG).first().run()
    assert row is not None
    return _uuid(row["id"])


async def create_tenant(
    db: Database,
    master_key: bytes,
    *,
    name: str,
    slug: str,
    region_code: str,
    admin_username: str,
    admin_password: str,
    admin_display_name: str = "",
) -> tuple[TenantView, AccountView]:
    """Onboard a bureau with its first tenant admin, all or nothing."""
    name = check_name(name, "name", max_len=200)
    slug = check_slug(slug)
    region_code = check_region_code(region_code)
    admin_username = check_username(admin_username, "admin.username")
    check_password(admin_password, Policy(), "admin.password")
    password_hash = await hash_password(admin_password)
    try:
        async with db.transaction():
            tenant_id = await _insert_tenant(
                db, master_key, slug=slug, name=name, region_code=region_code
            )
            account = await _insert_account(
                tenant_id, admin_username, password_hash, (Role.TENANT_ADMIN,), admin_display_name
            )
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict(f"a tenant with slug {slug!r} already exists", field="slug") from exc
        raise
    return await get_tenant(tenant_id), account


async def get_tenant(tenant_id: uuid.UUID) -> TenantView:
    row = await Tenant.select(*_TENANT_COLS).where(Tenant.id == tenant_id).first().run()
    if row is None:
        raise NotFound("tenant not found")
    return _tenant_view(row)


async def tenant_for_registration(slug: str) -> uuid.UUID:
    """The active bureau a citizen self-registers with (never the hub tenant)."""
    row = await (
        Tenant.select(Tenant.id, Tenant.status)
        .where(Tenant.slug == (slug or "").strip())
        .first()
        .run()
    )
    if row is None or row["status"] != "active" or slug == HUB_TENANT_SLUG:
        raise ValidationFailed("no bureau with this slug accepts registrations", field="tenant")
    return _uuid(row["id"])


async def list_tenants(*, include_hub: bool = False) -> list[TenantView]:
    query = Tenant.select(*_TENANT_COLS).order_by(Tenant.created_at)
    if not include_hub:
        query = query.where(Tenant.slug != HUB_TENANT_SLUG)
    return [_tenant_view(r) for r in await query.run()]


# --------------------------------------------------------------------------- accounts


async def _insert_account(
    tenant_id: uuid.UUID,
    username: str,
    password_hash: str,
    roles: tuple[str, ...],
    display_name: str = "",
) -> AccountView:
    account_id = uuid.uuid4()
    await Account.insert(
        Account(
            id=account_id,
            tenant_id=tenant_id,
            username=username,
            password_hash=password_hash,
            roles=sorted({str(r) for r in roles}),
            display_name=display_name,
        )
    ).run()
    row = await Account.select(*_ACCOUNT_COLS).where(Account.id == account_id).first().run()
    assert row is not None
    return _account_view(row)


async def insert_person_account(
    tenant_id: uuid.UUID, account_id: uuid.UUID, username: str, password_hash: str, name: str
) -> None:
    """A citizen's login, made by identity's registration in its own transaction (one
    INSERT: the caller already knows everything the row holds)."""
    await Account.insert(
        Account(
            id=account_id,
            tenant_id=tenant_id,
            username=username,
            password_hash=password_hash,
            roles=[Role.PERSON.value],
            display_name=name,
        )
    ).run()


def allowed_roles_for(creator: Principal | None, tenant_slug: str) -> frozenset[str]:
    """Which roles `creator` may give to a new account (None = the bootstrap CLI)."""
    if tenant_slug == HUB_TENANT_SLUG:
        if creator is None or creator.has(Role.HUB_OPERATOR):
            return HUB_ROLES
        return frozenset()
    if creator is not None and creator.has(Role.TENANT_ADMIN):
        return frozenset({Role.TENANT_ADMIN, Role.CLERK})
    if creator is None:
        return TENANT_ROLES
    return frozenset()


async def create_account(
    db: Database,
    tenant_id: uuid.UUID,
    *,
    username: str,
    password: str,
    roles: tuple[str, ...] | list[str],
    display_name: str = "",
    creator: Principal | None = None,
) -> AccountView:
    """Create an account in `tenant_id`. `creator` limits the roles it may grant."""
    tenant = await get_tenant(tenant_id)
    username = check_username(username)
    roles = tuple(dict.fromkeys(str(r) for r in roles))
    if not roles:
        raise ValidationFailed("at least one role is required", field="roles")
    allowed = allowed_roles_for(creator, tenant.slug)
    for role in roles:
        if role not in {r.value for r in Role}:
            raise ValidationFailed(f"unknown role {role!r}", field="roles")
        if role not in allowed:
            raise ValidationFailed(f"role {role!r} cannot be given here", field="roles")
    check_password(password, await get_policy(tenant_id))
    password_hash = await hash_password(password)
    display_name = (display_name or "").strip()[:200]
    try:
        async with db.transaction():
            return await _insert_account(tenant_id, username, password_hash, roles, display_name)
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict(f"username {username!r} is taken", field="username") from exc
        raise


async def get_account(tenant_id: uuid.UUID, account_id: uuid.UUID) -> AccountView:
    row = await (
        Account.select(*_ACCOUNT_COLS)
        .where((Account.tenant_id == tenant_id) & (Account.id == account_id))
        .first()
        .run()
    )
    if row is None:
        raise NotFound("account not found")
    return _account_view(row)


async def list_accounts(
    tenant_id: uuid.UUID, *, limit: int = 100, offset: int = 0
) -> list[AccountView]:
    rows = await (
        Account.select(*_ACCOUNT_COLS)
        .where(Account.tenant_id == tenant_id)
        .order_by(Account.created_at)
        .limit(limit)
        .offset(offset)
        .run()
    )
    return [_account_view(r) for r in rows]


ACCOUNT_STATUSES = ("active", "disabled")


async def set_account_status(
    db: Database, tenant_id: uuid.UUID, account_id: uuid.UUID, status: str
) -> AccountView:
    if status not in ACCOUNT_STATUSES:
        raise ValidationFailed("status must be active or disabled", field="/status")
    async with db.transaction():
        await get_account(tenant_id, account_id)  # 404 if not in this tenant
        await (
            Account.update({Account.status: status})
            .where((Account.tenant_id == tenant_id) & (Account.id == account_id))
            .run()
        )
    return await get_account(tenant_id, account_id)


async def add_role(db: Database, tenant_id: uuid.UUID, account_id: uuid.UUID, role: str) -> None:
    """Give an existing account of the tenant one more role (e.g. enterprise_agent)."""
    async with db.transaction():
        current = await get_account(tenant_id, account_id)
        if role in current.roles:
            return
        await (
            Account.update({Account.roles: sorted({*current.roles, role})})
            .where((Account.tenant_id == tenant_id) & (Account.id == account_id))
            .run()
        )


@dataclass(frozen=True)
class LoginResult:
    principal: Principal
    password_change_required: bool


async def authenticate(
    db: Database,
    tenant_slug: str,
    username: str,
    password: str,
    *,
    guard: LoginGuard,
    client: str = "",
    now: datetime | None = None,
) -> LoginResult:
    """Check a password login against the login guard (`hub.auth.lockout`).

    Wrong tenant, unknown user, disabled account and wrong password all answer the same
    401 after the same work (the same statements and one Argon2 check), and all are
    counted alike: after `policy.password_max_failures` failures from one client within
    `policy.lockout_seconds`, that client gets 423 for that username (right password or
    not) until the window ends; other clients are not affected.
    """
    now = now or datetime.now(UTC)
    slug = (tenant_slug or "").strip()
    name = (username or "").strip()
    tenant, account = await _login_subject(slug, name)
    known_tenant = tenant is not None
    policy = await get_policy(_uuid(tenant["id"])) if known_tenant else Policy()  # type: ignore[index]
    window = policy.lockout_seconds
    attempt = await guard.begin(
        slug, name, client, max_failures=policy.password_max_failures, window_seconds=window
    )
    if attempt.locked_for:
        raise Locked(LOCKED_LOGIN, retry_after=attempt.locked_for)
    good = await verify_password(account["password_hash"] if account else None, password or "")
    if not good or account is None or account["status"] != "active":
        await guard.failed(attempt, window_seconds=window)
        if attempt.ordinal >= policy.password_max_failures:  # this failure locks
            metrics.password_lockout(slug if known_tenant else "_unknown_", "account")
            raise Locked(LOCKED_LOGIN, retry_after=window)
        raise Unauthorized(BAD_LOGIN)
    await guard.succeeded(attempt)
    tenant_id = _uuid(tenant["id"])  # type: ignore[index]
    account_id = _uuid(account["id"])
    rotation = policy.password_rotation_days
    expired = bool(rotation) and account["password_changed_at"] + timedelta(days=rotation) < now
    principal = Principal(
        tenant_id=tenant_id,
        tenant_slug=tenant["slug"],  # type: ignore[index]
        account_id=account_id,
        roles=frozenset(account["roles"] or ()),
    )
    return LoginResult(principal=principal, password_change_required=expired)


async def _login_subject(
    slug: str, username: str
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The active tenant of `slug` and its account `username`, each None when there is
    none (an account is looked for only in an active tenant)."""
    tenant = await (
        Tenant.select(Tenant.id, Tenant.slug, Tenant.status)
        .where(Tenant.slug == slug)
        .first()
        .run()
    )
    if tenant is None or tenant["status"] != "active":
        return None, None
    account = await (
        Account.select(
            Account.id,
            Account.password_hash,
            Account.roles,
            Account.status,
            Account.password_changed_at,
        )
        .where((Account.tenant_id == tenant["id"]) & (Account.username == username))
        .first()
        .run()
    )
    return tenant, account


async def principal_for_account(tenant_id: uuid.UUID, account_id: uuid.UUID) -> Principal:
    """A fresh Principal from the database (refresh re-reads roles and status)."""
    row = await (
        Account.select(Account.id, Account.roles, Account.status, Account.tenant_id.slug)
        .where((Account.tenant_id == tenant_id) & (Account.id == account_id))
        .first()
        .run()
    )
    if row is None or row["status"] != "active":
        raise Unauthorized("account not active")
    return Principal(
        tenant_id=tenant_id,
        tenant_slug=row["tenant_id.slug"],
        account_id=account_id,
        roles=frozenset(row["roles"] or ()),
    )


async def reset_password(tenant_id: uuid.UUID, account_id: uuid.UUID, new_hash: str) -> None:
    """A password reset proven otherwise (face check and SMS code, hub.seals.reset): the
    new hash, and the account unlocked."""
    await (
        Account.update(
            {
                Account.password_hash: new_hash,
                Account.password_changed_at: datetime.now(UTC),
                Account.failed_logins: 0,
                Account.locked_until: None,
            }
        )
        .where((Account.tenant_id == tenant_id) & (Account.id == account_id))
        .run()
    )


async def change_password(
    db: Database,
    tenant_id: uuid.UUID,
    account_id: uuid.UUID,
    *,
    old_password: str,
    new_password: str,
) -> None:
    row = await (
        Account.select(Account.password_hash)
        .where((Account.tenant_id == tenant_id) & (Account.id == account_id))
        .first()
        .run()
    )
    if row is None:
        raise NotFound("account not found")
    if not await verify_password(row["password_hash"], old_password or ""):
        raise ValidationFailed("the old password is wrong", field="old_password")
    check_password(new_password, await get_policy(tenant_id), "new_password")
    if new_password == old_password:
        raise ValidationFailed(
            "the new password must differ from the old one", field="new_password"
        )
    new_hash = await hash_password(new_password)
    async with db.transaction():
        await (
            Account.update(
                {
                    Account.password_hash: new_hash,
                    Account.password_changed_at: datetime.now(UTC),
                    Account.failed_logins: 0,
                }
            )
            .where((Account.tenant_id == tenant_id) & (Account.id == account_id))
            .run()
        )
