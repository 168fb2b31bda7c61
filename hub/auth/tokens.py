"""Per-tenant JWTs (pyjwt): issue and verify access and refresh tokens.

Algorithm: EdDSA (Ed25519), one key pair per tenant.
* Asymmetric, so a verifier (another replica, a bureau's own service) needs only the
  public key; with HS256 every verifier could also mint tokens.
* Deterministic signatures (no per-signature nonce to get wrong, unlike ES256) and
  fast (~0.1 ms to verify).
* Verification pins `algorithms=["EdDSA"]` and an Ed25519 public key object, so `alg:
  none` and HMAC-with-the-public-key forgeries (algorithm confusion) are refused.

Claims: iss = hub origin, aud = tenant slug, sub = account id, tid = tenant id, roles,
typ = "access" | "refresh", iat/nbf/exp, jti, sid = the login session
(`hub.auth.sessions`: logout, a password change or a disabled account end it, and with it
every token that names it). Hub roles (hub_operator, regulator) are honoured only in
tokens of the hub's own tenant: a tenant key that claims one signs nothing valid.
Header kid = "<slug>/<key version>". The key is chosen by the (unverified) `aud` and
the kid's version (the tenant's current key, or the one a rotation replaced while it
still verifies: `tenants.keys`), then the signature, audience, issuer and times are all
checked against it, so a token naming tenant B can only ever be verified with B's key.

A verified access token is remembered (by its exact text, until it expires) so that a
client's next requests with it skip the decode and signature check: the same bytes
verify the same way. Each use still asks the keyring whether the token's key version is
accepted, so revoking a key (a rotation with `revoke_previous`) ends its tokens here at
once and on other replicas within the keyring's `token_key_ttl`.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.auth.principal import HUB_ROLES, HUB_TENANT_SLUG, Principal
from hub.auth.sessions import SessionRegistry
from hub.errors import Unauthorized
from hub.memo import Memo
from tenants.keys import TenantKeyring

ALGORITHM = "EdDSA"
ACCESS = "access"
REFRESH = "refresh"
_LEEWAY_SECONDS = 5  # clock skew between replicas
_REQUIRED = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti", "sid"]
_VERIFIED_CACHE = 4096  # access tokens remembered per process


def longest_token_lifetime(access_seconds: int, refresh_seconds: int) -> int:
    """Seconds after which every token signed now has expired (clock skew included):
    how long a replaced token key must keep verifying."""
    return max(access_seconds, refresh_seconds) + _LEEWAY_SECONDS


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: uuid.UUID
    expires_at: float  # unix seconds


@dataclass(frozen=True)
class VerifiedToken:
    principal: Principal
    typ: str
    jti: uuid.UUID
    expires_at: float
    key_version: int


class TokenService:
    def __init__(
        self,
        keyring: TenantKeyring,
        *,
        issuer: str,
        access_seconds: int,
        refresh_seconds: int,
        sessions: SessionRegistry | None = None,
    ) -> None:
        self.keyring = keyring
        self.sessions = sessions
        self.issuer = issuer
        self.access_seconds = access_seconds
        self.refresh_seconds = refresh_seconds
        # Access tokens verified before: each is good until its own `exp` (checked on use).
        self._verified: Memo[str, VerifiedToken] = Memo(max_entries=_VERIFIED_CACHE)

    @property
    def longest_lifetime(self) -> int:
        return longest_token_lifetime(self.access_seconds, self.refresh_seconds)

    async def issue(
        self,
        principal: Principal,
        typ: str = ACCESS,
        *,
        now: float | None = None,
        not_after: float | None = None,
    ) -> IssuedToken:
        """A token for `principal` (whose `session_id` it names); `not_after` caps its
        expiry (the session's absolute end)."""
        now = time.time() if now is None else now
        lifetime = self.access_seconds if typ == ACCESS else self.refresh_seconds
        if not_after is not None:
            lifetime = max(1, min(lifetime, int(not_after - now)))
        if principal.session_id is None:
            raise ValueError("a token names its login session")
        jti = uuid.uuid4()
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": principal.tenant_slug,
            "sub": str(principal.account_id),
            "tid": str(principal.tenant_id),
            "roles": sorted(principal.roles),
            "typ": typ,
            "iat": int(now),
            "nbf": int(now),
            "exp": int(now) + lifetime,
            "jti": str(jti),
            "sid": str(principal.session_id),
        }
        key = await self.keyring.signing_key(principal.tenant_id)
        token = jwt.encode(
            claims,
            key.private_key,
            algorithm=ALGORITHM,
            headers={"kid": f"{principal.tenant_slug}/{key.version}"},
        )
        return IssuedToken(token=token, jti=jti, expires_at=claims["exp"])

    async def verify(self, token: str, typ: str = ACCESS) -> VerifiedToken:
        """Verify `token` completely or raise Unauthorized (never says which check failed
        beyond a short reason, and never which tenants exist)."""
        if typ == ACCESS:
            seen = self._verified.peek(token)
            now = time.time()
            if seen is not None and now <= seen.expires_at + _LEEWAY_SECONDS:
                keys = await self.keyring.verify_key(seen.principal.tenant_slug)
                if keys is None or keys.key_for(seen.key_version, now) is None:
                    self._verified.forget(token)
                    raise Unauthorized("token key revoked")
                await self._session_live(seen.principal)
                return seen
        verified = await self._verify(token, typ)
        await self._session_live(verified.principal)
        if typ == ACCESS:
            self._verified.put(token, verified)
        return verified

    async def _session_live(self, principal: Principal) -> None:
        if self.sessions is None or principal.session_id is None:
            return
        if not await self.sessions.is_live(principal.tenant_id, principal.session_id):
            raise Unauthorized("the session has ended; log in again")

    async def _verify(self, token: str, typ: str) -> VerifiedToken:
        slug, version = _unverified_key_id(token)
        public_key, tenant_id = await self._public_key(slug, version)
        claims = self._checked_claims(token, public_key, slug)
        if claims.get("typ") != typ:
            raise Unauthorized(f"not an {typ} token" if typ == ACCESS else f"not a {typ} token")
        principal, jti = _principal(claims, tenant_id, slug)
        return VerifiedToken(
            principal=principal,
            typ=typ,
            jti=jti,
            expires_at=float(claims["exp"]),
            key_version=version,
        )

    async def _public_key(self, slug: str, version: int) -> tuple[Ed25519PublicKey, uuid.UUID]:
        """The key that verifies tokens of `slug`'s key `version` now, and the tenant's id."""
        tenant = await self.keyring.verify_key(slug)
        if tenant is not None and version > tenant.version:
            tenant = await self.keyring.verify_key(slug, reload=True)  # rotated elsewhere
        if tenant is None:
            raise Unauthorized("invalid token")
        public_key = tenant.key_for(version, time.time())
        if public_key is None:  # retired or revoked; said as vaguely as "no such tenant"
            raise Unauthorized("invalid token")
        return public_key, tenant.tenant_id

    def _checked_claims(
        self, token: str, public_key: Ed25519PublicKey, slug: str
    ) -> dict[str, Any]:
        """The claims, once signature, audience, issuer and times all check out."""
        try:
            return jwt.decode(
                token,
                key=public_key,
                algorithms=[ALGORITHM],
                audience=slug,
                issuer=self.issuer,
                leeway=_LEEWAY_SECONDS,
                options={"require": _REQUIRED, "verify_signature": True},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("token expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise Unauthorized("token not yet valid") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("invalid token") from exc


def _unverified_key_id(token: str) -> tuple[str, int]:
    """The tenant slug (`aud`) and key version (kid) a token claims, read before any
    check: they only choose the key that then verifies everything."""
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise Unauthorized("malformed token") from exc
    if header.get("alg") != ALGORITHM:
        raise Unauthorized("token algorithm not accepted")
    slug = unverified.get("aud")
    if not isinstance(slug, str) or not slug:
        raise Unauthorized("token audience missing")
    return slug, _kid_version(header.get("kid"), slug)


def _principal(
    claims: dict[str, Any], tenant_id: uuid.UUID, slug: str
) -> tuple[Principal, uuid.UUID]:
    """Who the verified claims name, and the token's jti; the claims must name the tenant
    whose key verified them."""
    try:
        claimed_tenant = uuid.UUID(str(claims["tid"]))
        account_id = uuid.UUID(str(claims["sub"]))
        jti = uuid.UUID(str(claims["jti"]))
        session_id = uuid.UUID(str(claims["sid"]))
        roles = claims["roles"]
    except (KeyError, ValueError) as exc:
        raise Unauthorized("invalid token claims") from exc
    if claimed_tenant != tenant_id or not isinstance(roles, list):
        raise Unauthorized("invalid token claims")
    role_set = frozenset(str(r) for r in roles)
    if role_set & HUB_ROLES and slug != HUB_TENANT_SLUG:
        # Only the hub's key and audience carry hub-wide power: a leaked tenant key
        # must not mint a hub operator.
        raise Unauthorized("invalid token claims")
    principal = Principal(
        tenant_id=tenant_id,
        tenant_slug=slug,
        account_id=account_id,
        roles=role_set,
        session_id=session_id,
    )
    return principal, jti


def _kid_version(kid: object, slug: str) -> int:
    """The key version a token's kid names; the kid must name the token's own tenant."""
    if not isinstance(kid, str):
        raise Unauthorized("token key id missing")
    kid_slug, _, version = kid.rpartition("/")
    if kid_slug != slug or not version.isdigit() or len(version) > 9:
        raise Unauthorized("token key id does not match its tenant")
    return int(version)
