"""Per-tenant JWTs (pyjwt): issue and verify access and refresh tokens.

Algorithm: EdDSA (Ed25519), one key pair per tenant.
* Asymmetric, so a verifier (another replica, a bureau's own service) needs only the
  public key; with HS256 every verifier could also mint tokens.
* Deterministic signatures (no per-signature nonce to get wrong, unlike ES256) and
  fast (~0.1 ms to verify).
* Verification pins `algorithms=["EdDSA"]` and an Ed25519 public key object, so `alg:
  none` and HMAC-with-the-public-key forgeries (algorithm confusion) are refused.

Claims: iss = hub origin, aud = tenant slug, sub = account id, tid = tenant id, roles,
typ = "access" | "refresh", iat/nbf/exp, jti. The key is chosen by the (unverified)
`aud`, then the signature, audience, issuer and times are all checked against it, so a
token naming tenant B can only ever be verified with B's key.

A verified access token is remembered (by its exact text, until it expires) so that a
client's next requests with it skip the decode and signature check: the same bytes
verify the same way, access tokens are not revocable before expiry (refresh tokens are,
and are never cached), and tenant keys are cached for the process's life anyway.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from hub.auth.principal import Principal
from hub.errors import Unauthorized
from tenants.keys import TenantKeyring

ALGORITHM = "EdDSA"
ACCESS = "access"
REFRESH = "refresh"
_LEEWAY_SECONDS = 5  # clock skew between replicas
_REQUIRED = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]
_VERIFIED_CACHE = 4096  # access tokens remembered per process


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


class TokenService:
    def __init__(self, keyring: TenantKeyring, *, issuer: str, access_seconds: int,
                 refresh_seconds: int) -> None:
        self.keyring = keyring
        self.issuer = issuer
        self.access_seconds = access_seconds
        self.refresh_seconds = refresh_seconds
        self._verified: dict[str, VerifiedToken] = {}  # insertion-ordered: oldest first

    async def issue(self, principal: Principal, typ: str = ACCESS,
                    *, now: float | None = None) -> IssuedToken:
        now = time.time() if now is None else now
        lifetime = self.access_seconds if typ == ACCESS else self.refresh_seconds
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
        }
        key = await self.keyring.signing_key(principal.tenant_id)
        token = jwt.encode(claims, key, algorithm=ALGORITHM,
                           headers={"kid": f"{principal.tenant_slug}/1"})
        return IssuedToken(token=token, jti=jti, expires_at=claims["exp"])

    async def verify(self, token: str, typ: str = ACCESS) -> VerifiedToken:
        """Verify `token` completely or raise Unauthorized (never says which check failed
        beyond a short reason, and never which tenants exist)."""
        if typ == ACCESS:
            seen = self._verified.get(token)
            if seen is not None and time.time() <= seen.expires_at + _LEEWAY_SECONDS:
                return seen
        verified = await self._verify(token, typ)
        if typ == ACCESS:
            if len(self._verified) >= _VERIFIED_CACHE:
                # Drop the oldest entries (expired ones are among them) in one sweep.
                for old in list(self._verified)[: _VERIFIED_CACHE // 4]:
                    del self._verified[old]
            self._verified[token] = verified
        return verified

    async def _verify(self, token: str, typ: str) -> VerifiedToken:
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
        tenant = await self.keyring.verify_key(slug)
        if tenant is None:
            raise Unauthorized("invalid token")
        try:
            claims = jwt.decode(
                token,
                key=tenant.public_key,
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
        if claims.get("typ") != typ:
            raise Unauthorized(f"not an {typ} token" if typ == ACCESS else f"not a {typ} token")
        try:
            tenant_id = uuid.UUID(str(claims["tid"]))
            account_id = uuid.UUID(str(claims["sub"]))
            jti = uuid.UUID(str(claims["jti"]))
            roles = claims["roles"]
        except (KeyError, ValueError) as exc:
            raise Unauthorized("invalid token claims") from exc
        if tenant_id != tenant.tenant_id or not isinstance(roles, list):
            raise Unauthorized("invalid token claims")
        principal = Principal(
            tenant_id=tenant_id, tenant_slug=slug, account_id=account_id,
            roles=frozenset(str(r) for r in roles),
        )
        return VerifiedToken(principal=principal, typ=typ, jti=jti, expires_at=float(claims["exp"]))
