"""Per-tenant keys: the SM4 data key and the Ed25519 token-signing key.

    hub master key (settings) -> tenant data key (tenant.data_key_wrapped)
                                   -> token signing key (tenant.jwt_private_wrapped)
                                   -> everything else the tenant seals (ID numbers, vendor keys)

Wrapping uses `hub.crypto.keystore` (SM4-GCM, AAD bound to purpose and tenant id).
Only the wrapped forms are in the database. The data key never changes once a tenant
exists, so it is cached for the process's life.

The token key rotates (`rotate_token_key`): `tenant.key_version` numbers it (a token's
`kid` is "<slug>/<version>"), and the key it replaced stays valid for verification until
`jwt_previous_until` (every token it signed has expired by then) unless the rotation
revoked it (a leaked key). Token keys are therefore cached for `token_key_ttl` (30 s): a
rotation on one replica reaches every other within that bound, and at once on its own.

Services get the data key with `await keyring.data_key(tenant_id)`; the process's one
keyring is built by the composition root (hub.services) and handed to them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.crypto import keystore
from hub.errors import NotFound
from hub.memo import Memo
from tenants.tables import Tenant

_JWT_KEY_SLOT = "jwt-signing-key"


@dataclass(frozen=True)
class NewTenantKeys:
    data_key: bytes
    data_key_wrapped: bytes
    jwt_private_wrapped: bytes
    jwt_public: bytes


@dataclass(frozen=True)
class TokenSigningKey:
    version: int
    private_key: Ed25519PrivateKey


@dataclass(frozen=True)
class TenantVerifyKey:
    """A tenant's token verification keys as last read: the current one and, until
    `previous_until` (unix seconds), the one it replaced."""

    tenant_id: uuid.UUID
    slug: str
    version: int
    public_key: Ed25519PublicKey
    previous_key: Ed25519PublicKey | None
    previous_until: float | None

    def key_for(self, version: int, now: float) -> Ed25519PublicKey | None:
        """The key that verifies tokens of key `version` at `now`, if any still does."""
        if version == self.version:
            return self.public_key
        if (
            version == self.version - 1
            and self.previous_key is not None
            and self.previous_until is not None
            and now <= self.previous_until
        ):
            return self.previous_key
        return None


def new_tenant_keys(master_key: bytes, tenant_id: uuid.UUID) -> NewTenantKeys:
    data_key, wrapped = keystore.create_data_key(master_key, str(tenant_id))
    private_wrapped, public = new_token_key(data_key, tenant_id)
    return NewTenantKeys(
        data_key=data_key,
        data_key_wrapped=wrapped,
        jwt_private_wrapped=private_wrapped,
        jwt_public=public,
    )


def new_token_key(data_key: bytes, tenant_id: uuid.UUID) -> tuple[bytes, bytes]:
    """A fresh Ed25519 token key: (private half sealed under the data key, public half)."""
    signing = Ed25519PrivateKey.generate()
    private_wrapped = keystore.seal_secret(
        data_key,
        str(tenant_id),
        signing.private_bytes_raw(),
        purpose=keystore.Purpose.PRIVATE_KEY,
        context=_JWT_KEY_SLOT,
    )
    return private_wrapped, signing.public_key().public_bytes_raw()


class TenantKeyring:
    """Unwraps and caches tenant keys. One per process (built in hub.services)."""

    def __init__(self, master_key: bytes, *, token_key_ttl: float = 30.0) -> None:
        self._master_key = master_key
        self.token_key_ttl = token_key_ttl
        # Data keys never change: kept for the process's life. Token keys rotate: re-read
        # after `token_key_ttl`.
        self._data_keys: Memo[uuid.UUID, bytes] = Memo(max_entries=None)
        self._signing: Memo[uuid.UUID, TokenSigningKey] = Memo(token_key_ttl, max_entries=None)
        self._verify: Memo[str, TenantVerifyKey] = Memo(token_key_ttl, max_entries=None)

    async def data_key(self, tenant_id: uuid.UUID) -> bytes:
        """The tenant's SM4 data key (16 bytes). Raises NotFound for an unknown tenant."""
        key = self._data_keys.peek(tenant_id)
        if key is None:
            row = await (
                Tenant.select(Tenant.data_key_wrapped).where(Tenant.id == tenant_id).first().run()
            )
            if row is None:
                raise NotFound("no such tenant")
            key = keystore.unwrap_data_key(
                self._master_key, str(tenant_id), bytes(row["data_key_wrapped"])
            )
            self._data_keys.put(tenant_id, key)
        return key

    async def signing_key(self, tenant_id: uuid.UUID) -> TokenSigningKey:
        """The tenant's current token key (re-read after `token_key_ttl` seconds)."""
        found = self._signing.peek(tenant_id)
        if found is None:
            row = await (
                Tenant.select(Tenant.jwt_private_wrapped, Tenant.key_version)
                .where(Tenant.id == tenant_id)
                .first()
                .run()
            )
            if row is None:
                raise NotFound("no such tenant")
            raw = keystore.open_secret(
                await self.data_key(tenant_id),
                str(tenant_id),
                bytes(row["jwt_private_wrapped"]),
                purpose=keystore.Purpose.PRIVATE_KEY,
                context=_JWT_KEY_SLOT,
            )
            found = TokenSigningKey(
                version=int(row["key_version"]),
                private_key=Ed25519PrivateKey.from_private_bytes(raw),
            )
            self._signing.put(tenant_id, found)
        return found

    async def verify_key(self, slug: str, *, reload: bool = False) -> TenantVerifyKey | None:
        """The token verification keys of the tenant with `slug`, or None if there is
        none. Re-read after `token_key_ttl` seconds, or now with `reload`."""
        found = None if reload else self._verify.peek(slug)
        if found is None:
            row = await (
                Tenant.select(
                    Tenant.id,
                    Tenant.jwt_public,
                    Tenant.key_version,
                    Tenant.jwt_previous_public,
                    Tenant.jwt_previous_until,
                )
                .where(Tenant.slug == slug)
                .first()
                .run()
            )
            if row is None:
                self._verify.forget(slug)
                return None
            previous = row["jwt_previous_public"]
            until: datetime | None = row["jwt_previous_until"]
            found = TenantVerifyKey(
                tenant_id=_as_uuid(row["id"]),
                slug=slug,
                version=int(row["key_version"]),
                public_key=Ed25519PublicKey.from_public_bytes(bytes(row["jwt_public"])),
                previous_key=(
                    Ed25519PublicKey.from_public_bytes(bytes(previous)) if previous else None
                ),
                previous_until=until.timestamp() if until is not None else None,
            )
            self._verify.put(slug, found)
        return found

    def forget_token_keys(self, tenant_id: uuid.UUID, slug: str) -> None:
        """Drop the cached token keys of a tenant (after rotating them here)."""
        self._signing.forget(tenant_id)
        self._verify.forget(slug)


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
