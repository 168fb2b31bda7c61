"""Token key rotation: a tenant's Ed25519 token key is replaced, on a schedule or because
it leaked.

A rotation makes a new current key (version + 1): every token issued from then on carries
kid "<slug>/<version + 1>". The replaced key keeps verifying the tokens it signed until
the longest of them has expired (`keep_previous_seconds`), so nobody is logged out. With
`revoke_previous` (the key leaked) it stops verifying at once: every access and refresh
token it signed is refused, here immediately and on other replicas within the keyring's
`token_key_ttl`, and everyone logs in again. Only one replaced key is kept: a second
rotation inside that window ends the first key's tokens early.

The JWKS of a tenant (`jwks`) lists the keys that verify its tokens right now, for a
bureau's own services that check SealHub tokens themselves.
"""

from __future__ import annotations

import base64
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.errors import Conflict, NotFound
from tenants.keys import TenantKeyring, new_token_key
from tenants.tables import Tenant

log = logging.getLogger("sealhub.tenants")


@dataclass(frozen=True)
class TokenKeyRotation:
    tenant_id: uuid.UUID
    kid: str
    previous_kid: str
    previous_valid_until: datetime | None  # None: revoked, its tokens are refused now


async def rotate_token_key(
    keyring: TenantKeyring,
    tenant_id: uuid.UUID,
    *,
    keep_previous_seconds: int,
    revoke_previous: bool = False,
    by: str = "",
    now: datetime | None = None,
) -> TokenKeyRotation:
    row = await (
        Tenant.select(Tenant.slug, Tenant.key_version, Tenant.jwt_public)
        .where(Tenant.id == tenant_id)
        .first()
        .run()
    )
    if row is None:
        raise NotFound("tenant not found")
    slug, version = row["slug"], int(row["key_version"])
    private_wrapped, public = new_token_key(await keyring.data_key(tenant_id), tenant_id)
    now = now or datetime.now(UTC)
    until = None if revoke_previous else now + timedelta(seconds=keep_previous_seconds)
    # Conditional on the version read: of two concurrent rotations one wins, the other
    # is told, and no key is ever replaced without becoming the "previous" one.
    done = await (
        Tenant.update(
            {
                Tenant.jwt_private_wrapped: private_wrapped,
                Tenant.jwt_public: public,
                Tenant.key_version: version + 1,
                Tenant.jwt_previous_public: None if revoke_previous else bytes(row["jwt_public"]),
                Tenant.jwt_previous_until: until,
            }
        )
        .where((Tenant.id == tenant_id) & (Tenant.key_version == version))
        .returning(Tenant.id)
        .run()
    )
    if not done:
        raise Conflict("the token key was rotated concurrently; read it again and retry")
    keyring.forget_token_keys(tenant_id, slug)
    log.info(
        "token key rotated: tenant=%s version=%d->%d previous=%s by=%s",
        slug,
        version,
        version + 1,
        "revoked" if revoke_previous else f"verifies until {until}",
        by,
    )
    return TokenKeyRotation(
        tenant_id=tenant_id,
        kid=f"{slug}/{version + 1}",
        previous_kid=f"{slug}/{version}",
        previous_valid_until=until,
    )


async def tenant_id_by_slug(slug: str) -> uuid.UUID:
    row = await Tenant.select(Tenant.id).where(Tenant.slug == slug).first().run()
    if row is None:
        raise NotFound(f"no tenant with slug {slug!r}")
    value = row["id"]
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def jwks(keyring: TenantKeyring, slug: str, now: float) -> dict[str, Any]:
    """RFC 7517 key set of the keys that verify the tenant's tokens at `now`."""
    keys = await keyring.verify_key(slug, reload=True)
    if keys is None:
        raise NotFound("tenant not found")
    out = [_jwk(f"{slug}/{keys.version}", keys.public_key.public_bytes_raw())]
    previous = keys.key_for(keys.version - 1, now)
    if previous is not None:
        out.append(_jwk(f"{slug}/{keys.version - 1}", previous.public_bytes_raw()))
    return {"keys": out}


def _jwk(kid: str, raw: bytes) -> dict[str, str]:
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"}
