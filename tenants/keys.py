"""Per-tenant keys: the SM4 data key and the Ed25519 token-signing key.

    hub master key (settings) -> tenant data key (tenant.data_key_wrapped)
                                   -> token signing key (tenant.jwt_private_wrapped)
                                   -> everything else the tenant seals (ID numbers, vendor keys)

Wrapping uses `hub.crypto.keystore` (SM4-GCM, AAD bound to purpose and tenant id).
Keys never change once a tenant exists, so unwrapped keys are cached per process;
only the wrapped forms are in the database.

Services get the data key with `await keyring.data_key(tenant_id)`; the keyring lives
on `app.state.keyring` (see `keyring_of`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.crypto import keystore
from hub.errors import NotFound

_JWT_KEY_SLOT = "jwt-signing-key"


@dataclass(frozen=True)
class NewTenantKeys:
    data_key: bytes
    data_key_wrapped: bytes
    jwt_private_wrapped: bytes
    jwt_public: bytes


@dataclass(frozen=True)
class TenantVerifyKey:
    tenant_id: uuid.UUID
    slug: str
    public_key: Ed25519PublicKey


def new_tenant_keys(master_key: bytes, tenant_id: uuid.UUID) -> NewTenantKeys:
    data_key, wrapped = keystore.create_data_key(master_key, str(tenant_id))
    signing = Ed25519PrivateKey.generate()
    jwt_private_wrapped = keystore.seal_secret(
        data_key, str(tenant_id), signing.private_bytes_raw(),
        purpose=keystore.Purpose.PRIVATE_KEY, context=_JWT_KEY_SLOT,
    )
    return NewTenantKeys(
        data_key=data_key,
        data_key_wrapped=wrapped,
        jwt_private_wrapped=jwt_private_wrapped,
        jwt_public=signing.public_key().public_bytes_raw(),
    )


class TenantKeyring:
    """Unwraps and caches tenant keys. One per process (`app.state.keyring`)."""

    def __init__(self, master_key: bytes) -> None:
        self._master_key = master_key
        self._data_keys: dict[uuid.UUID, bytes] = {}
        self._signing: dict[uuid.UUID, Ed25519PrivateKey] = {}
        self._verify: dict[str, TenantVerifyKey] = {}

    async def data_key(self, tenant_id: uuid.UUID) -> bytes:
        """The tenant's SM4 data key (16 bytes). Raises NotFound for an unknown tenant."""
        key = self._data_keys.get(tenant_id)
        if key is None:
            from tenants.tables import Tenant

            row = await (Tenant.select(Tenant.data_key_wrapped)
                         .where(Tenant.id == tenant_id).first().run())
            if row is None:
                raise NotFound("no such tenant")
            key = keystore.unwrap_data_key(self._master_key, str(tenant_id),
                                           bytes(row["data_key_wrapped"]))
            self._data_keys[tenant_id] = key
        return key

    async def signing_key(self, tenant_id: uuid.UUID) -> Ed25519PrivateKey:
        key = self._signing.get(tenant_id)
        if key is None:
            from tenants.tables import Tenant

            row = await (Tenant.select(Tenant.jwt_private_wrapped)
                         .where(Tenant.id == tenant_id).first().run())
            if row is None:
                raise NotFound("no such tenant")
            raw = keystore.open_secret(
                await self.data_key(tenant_id), str(tenant_id), bytes(row["jwt_private_wrapped"]),
                purpose=keystore.Purpose.PRIVATE_KEY, context=_JWT_KEY_SLOT,
            )
            key = Ed25519PrivateKey.from_private_bytes(raw)
            self._signing[tenant_id] = key
        return key

    async def verify_key(self, slug: str) -> TenantVerifyKey | None:
        """The public token key of the tenant with `slug`, or None if there is none."""
        found = self._verify.get(slug)
        if found is None:
            from tenants.tables import Tenant

            row = await (
                Tenant.select(Tenant.id, Tenant.jwt_public).where(Tenant.slug == slug).first().run()
            )
            if row is None:
                return None
            found = TenantVerifyKey(
                tenant_id=_as_uuid(row["id"]), slug=slug,
                public_key=Ed25519PublicKey.from_public_bytes(bytes(row["jwt_public"])),
            )
            self._verify[slug] = found
        return found


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def keyring_of(state: Any) -> TenantKeyring:
    """The process keyring on `app.state` (created on first use from the settings)."""
    ring = getattr(state, "keyring", None)
    if ring is None:
        ring = TenantKeyring(state.settings.security.master_key)
        state.keyring = ring
    return ring
