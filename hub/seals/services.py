"""Seal lifecycle: apply, approve, make (through a vendor), suspend, resume, revoke,
expire, and the protection password (口令).

Every method takes the caller's `Scope` first; every query filters on its tenant, so a
seal id from another tenant is simply not found (404, no existence oracle).
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.protocol import (
    SEAL_TYPES,
    MakeSealRequest,
    MakeSealResult,
    RevokeRequest,
    SealVendor,
    SignerSubject,
)
from hub.auth.passwords import hash_password, verify_password
from hub.auth.principal import Role
from hub.crypto import Certificate, sm3
from hub.db import Database, Statement
from hub.errors import (
    Conflict,
    Forbidden,
    Locked,
    NotFound,
    PasswordAged,
    PolicyDenied,
    SealHubError,
    ValidationFailed,
    VendorBadAnswer,
    VendorError,
    VendorUnavailable,
)
from hub.formats import parse_seal, verify_seal
from hub.memo import Memo
from hub.pictures.seals import render_personal_seal
from hub.ports import EventSink, NoEvents, Scope, has_role, is_staff
from hub.seals import rules
from hub.seals.molds import SealFace, enterprise_face
from hub.seals.records import (
    PasswordState,
    SealCertificates,
    SealEventRecord,
    SealPassword,
    SealRecord,
    SigningSeal,
)
from hub.seals.tables import Seal, SealEvent
from hub.vendors.directory import VendorDirectory
from monitoring import metrics
from tenants.identity.queries import agents_enterprise, person_of_account
from tenants.molds.queries import mold_of_picture
from tenants.molds.services import MoldRegistry
from tenants.policy.services import Policy, get_policy
from tenants.queries import tenant_slug

PolicyLookup = Callable[[uuid.UUID], Awaitable[Policy]]


def cached_policy(lookup: PolicyLookup = get_policy, ttl_seconds: float = 5.0) -> PolicyLookup:
    """Tenant policy read at most every `ttl_seconds` per process: a policy change takes
    effect on every replica within that time, and signing does not re-read it per call."""
    seen: Memo[uuid.UUID, Policy] = Memo(ttl_seconds)

    async def policy(tenant_id: uuid.UUID) -> Policy:
        return await seen.get(tenant_id, lambda: lookup(tenant_id))

    return policy


# On every signing: a precompiled statement skips Piccolo's query building, which cost
# more CPU than the query itself (bench/http_sign.py). Same row types on both engines.
_FOR_SIGNING = Statement(
    "SELECT id, owner_account_id, name, status, seal_type, vendor, key_handle,"
    " valid_end, password_hash, password_failures, password_locked_until, password_changed_at"
    " FROM seal WHERE tenant_id = {} AND id = {}"
)
# Written once, when the vendor has made the seal, and never changed after: read once per
# process (`_MadeSeals`), not on every signing (~7 KB: the picture is inside the seal).
_MADE = Statement("SELECT seal_der, signer_cert FROM seal WHERE tenant_id = {} AND id = {}")
_MADE_CACHE = 4096


class _MadeSeals:
    """seal id -> (seal DER, signer certificate DER) of made seals, least recently used
    dropped first. Tenant-scoped by the caller's read of the seal row before it."""

    def __init__(self) -> None:
        self._bytes: Memo[uuid.UUID, tuple[bytes, bytes]] = Memo(max_entries=_MADE_CACHE)

    async def get(
        self, db: Database, tenant_id: uuid.UUID, seal_id: uuid.UUID
    ) -> tuple[bytes | None, bytes | None]:
        found = self._bytes.peek(seal_id)
        if found is not None:
            return found
        rows = await db.fetch(_MADE, tenant_id, seal_id)
        der, cert = (rows[0]["seal_der"], rows[0]["signer_cert"]) if rows else (None, None)
        if der is None or cert is None:
            return None, None  # not made yet: nothing to remember
        made = (bytes(der), bytes(cert))
        self._bytes.put(seal_id, made)
        return made


class _VerifiedPasswords:
    """Per-process memory of passwords that verified recently, so a burst of signings
    pays the slow hash once, not per signature. Entries are HMAC-SM3 tags under a
    process-random key over (seal, stored hash, password): no password is held, and a
    password change (new stored hash) invalidates them. Wrong guesses are never cached,
    so lockout counting is unaffected."""

    def __init__(self, ttl_seconds: float = 300.0, size: int = 10_000) -> None:
        self._key = secrets.token_bytes(32)
        self._seen: Memo[bytes, bool] = Memo(ttl_seconds, max_entries=size)

    def _tag(self, seal_id: uuid.UUID, stored_hash: str, password: str) -> bytes:
        msg = b"|".join([seal_id.bytes, stored_hash.encode(), password.encode()])
        return hmac.new(self._key, msg, "sm3").digest()

    def known(self, seal_id: uuid.UUID, stored_hash: str, password: str) -> bool:
        return self._seen.peek(self._tag(seal_id, stored_hash, password), False)

    def remember(self, seal_id: uuid.UUID, stored_hash: str, password: str) -> None:
        self._seen.put(self._tag(seal_id, stored_hash, password), True)


@dataclass(frozen=True)
class SealApplication:
    """What the applicant chooses. Who the seal is for (and so its name) comes from the
    verified identity: the caller's own person record, or an enterprise they are the
    agent of."""

    seal_type: str
    enterprise_id: uuid.UUID | None = None
    vendor: str | None = None
    valid_days: int = 3 * 365
    size_mm: int | None = None
    seal_code: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


class SealService:
    def __init__(
        self,
        db: Database,
        vendors: VendorDirectory,
        *,
        events: EventSink | None = None,
        policy_of: PolicyLookup | None = None,
    ) -> None:
        self.db = db
        self.vendors = vendors
        self.events = events or NoEvents()
        self.policy_of = policy_of or cached_policy()
        self._verified = _VerifiedPasswords()
        self._made = _MadeSeals()

    # --- reads -----------------------------------------------------------------------

    async def get(self, scope: Scope, seal_id: uuid.UUID) -> SealRecord:
        row = (
            await Seal.select()
            .where((Seal.tenant_id == scope.tenant_id) & (Seal.id == seal_id))
            .first()
        )
        seal = None if row is None else SealRecord(**row)
        if seal is None or not self._may_see(scope, seal):
            raise NotFound("seal not found")
        return seal

    async def list_seals(self, scope: Scope, *, status: str | None = None) -> list[SealRecord]:
        query = Seal.select().where(Seal.tenant_id == scope.tenant_id)
        if not is_staff(scope):
            query = query.where(Seal.owner_account_id == scope.account_id)
        if status is not None:
            query = query.where(Seal.status == status)
        return [SealRecord(**row) for row in await query.order_by(Seal.created_at)]

    async def history(self, scope: Scope, seal_id: uuid.UUID) -> list[SealEventRecord]:
        await self.get(scope, seal_id)
        rows = (
            await SealEvent.select()
            .where((SealEvent.tenant_id == scope.tenant_id) & (SealEvent.seal_id == seal_id))
            .order_by(SealEvent.at)
        )
        return [SealEventRecord(**row) for row in rows]

    async def certificates(self, scope: Scope, seal_id: uuid.UUID) -> SealCertificates:
        """The seal's certificates for offline checks: signer, maker, and the vendor's CA
        chain (asked of the vendor that made the seal)."""
        seal = await self.get(scope, seal_id)
        if seal.seal_der is None or seal.signer_cert is None or seal.vendor is None:
            raise Conflict(f"the seal is {seal.status}; it has no certificates yet")
        vendor = self.vendors.get(seal.vendor)
        info = await self.vendors.call(vendor.name, "info", vendor.info())
        return SealCertificates(
            signer_cert=bytes(seal.signer_cert),
            maker_cert=parse_seal(bytes(seal.seal_der)).maker_cert,
            ca_certs=tuple(info.ca_certs),
        )

    def _may_see(self, scope: Scope, seal: SealRecord) -> bool:
        return seal.owner_account_id == scope.account_id or is_staff(scope)

    # --- lifecycle -------------------------------------------------------------------

    async def apply(self, scope: Scope, app: SealApplication) -> SealRecord:
        if app.seal_type not in SEAL_TYPES:
            raise ValidationFailed(
                f"seal_type must be one of {', '.join(SEAL_TYPES)}", field="seal_type"
            )
        kind, subject_id, name, organization = await self._subject(scope, app)
        if not 1 <= app.valid_days <= 10 * 365:
            raise ValidationFailed("valid_days must be 1..3650", field="valid_days")
        if app.vendor is not None:
            self.vendors.get(app.vendor)  # unknown vendor -> 404 before anything is written
        face = await self._face(scope, app, name)
        seal_id = uuid.uuid4()
        async with self.db.transaction():
            await _applied_seal(seal_id, scope, app, kind, subject_id, face).save()
            await self._event(
                scope.tenant_id, seal_id, None, "applied", scope.account_id, "applied"
            )
        await self.events.record(
            scope.tenant_id, "seal.applied", {"seal": str(seal_id), "type": app.seal_type}
        )
        if app.seal_type in rules.ENTERPRISE_TYPES:  # a clerk approves enterprise seals
            return await self.get(scope, seal_id)
        return await self._make(scope, seal_id, organization=organization)

    async def _face(self, scope: Scope, app: SealApplication, name: str) -> SealFace:
        """The picture of the new seal: for an enterprise seal (同模同轨) the registered
        mold's, or one drawn to the type's layout; for a personal seal, the name drawn."""
        if app.seal_type in rules.ENTERPRISE_TYPES:
            assert app.enterprise_id is not None
            policy = await self.policy_of(scope.tenant_id)
            return await enterprise_face(
                scope.tenant_id,
                app.enterprise_id,
                app.seal_type,
                seal_code=app.seal_code,
                require_molds=policy.require_molds,
                size_mm=app.size_mm,
            )
        size = app.size_mm or 20
        if not 10 <= size <= 80:
            raise ValidationFailed("size_mm must be 10..80", field="size_mm")
        return SealFace(render_personal_seal(name, size), size, size, None, name)

    async def _bound_mold(self, tenant_id: uuid.UUID, picture: bytes) -> str | None:
        """The seal code whose mold this seal's picture is (set at apply), if any."""
        mold = await mold_of_picture(tenant_id, sm3(picture).hex())
        if mold is None:
            return None
        if mold.status != "active":
            raise PolicyDenied(f"the mold of seal code {mold.seal_code!r} is {mold.status}")
        return str(mold.seal_code)

    async def approve(self, scope: Scope, seal_id: uuid.UUID, reason: str = "") -> SealRecord:
        await self._take(scope, seal_id, "approve", reason or "approved by clerk")
        await self.events.record(scope.tenant_id, "seal.approved", {"seal": str(seal_id)})
        return await self._make(scope, seal_id)

    async def reject(self, scope: Scope, seal_id: uuid.UUID, reason: str) -> SealRecord:
        await self._take(scope, seal_id, "reject", reason or "rejected by clerk")
        return await self.get(scope, seal_id)

    async def retry_make(self, scope: Scope, seal_id: uuid.UUID) -> SealRecord:
        """Ask the vendors again for a seal whose making failed (owner or staff)."""
        seal = await self.get(scope, seal_id)
        self._allowed(scope, seal, "retry_make")
        if seal.status not in rules.make_sources(seal.seal_type):
            raise Conflict(
                f"a seal in status '{seal.status}' cannot be made"
                + (" before a clerk approved it" if seal.status == "applied" else "")
            )
        return await self._make(scope, seal_id)

    async def suspend(self, scope: Scope, seal_id: uuid.UUID, reason: str) -> SealRecord:
        await self._take(scope, seal_id, "suspend", reason or "suspended")
        await self.events.record(scope.tenant_id, "seal.suspended", {"seal": str(seal_id)})
        return await self.get(scope, seal_id)

    async def resume(self, scope: Scope, seal_id: uuid.UUID, reason: str) -> SealRecord:
        seal = await self.get(scope, seal_id)
        self._allowed(scope, seal, "resume")
        if seal.status == "suspended" and not (
            rules.actor_kinds(scope.roles, self._owns(scope, seal))
            & rules.resume_roles(seal.suspended_by)
        ):
            raise Forbidden("the seal was suspended by staff; only a clerk or admin may resume it")
        if seal.valid_end is not None and seal.valid_end < _now():
            await self._move(scope, seal_id, "expire", "validity ended", actor_role=rules.HUB)
            raise PolicyDenied("the seal's validity has ended; it is now expired")
        await self._take(scope, seal_id, "resume", reason or "resumed", seal=seal)
        return await self.get(scope, seal_id)

    async def revoke(self, scope: Scope, seal_id: uuid.UUID, reason: str) -> SealRecord:
        seal = await self._take(scope, seal_id, "revoke", reason or "revoked")
        await self.events.record(
            scope.tenant_id, "seal.revoked", {"seal": str(seal_id), "reason": reason}
        )
        if seal.vendor and seal.key_handle:
            await self._revoke_at_vendor(scope, seal_id, seal.vendor, seal.key_handle, reason)
        return await self.get(scope, seal_id)

    async def revoke_for_subject(
        self, tenant_id: uuid.UUID, subject_id: uuid.UUID, reason: str, actor: uuid.UUID | None
    ) -> list[uuid.UUID]:
        """A change of name or legal representative revokes the subject's live seals."""
        rows = await Seal.select(Seal.id, Seal.status).where(
            (Seal.tenant_id == tenant_id)
            & (Seal.subject_id == subject_id)
            & Seal.status.is_in(["applied", "approved", "active", "suspended"])
        )
        revoked = []
        async with self.db.transaction():
            for r in rows:
                target = "revoked" if rules.can_move(r["status"], "revoked") else "rejected"
                await Seal.update({Seal.status: target}).where(
                    (Seal.tenant_id == tenant_id) & (Seal.id == r["id"])
                )
                await self._event(tenant_id, r["id"], r["status"], target, actor, reason)
                revoked.append(r["id"])
        for seal_id in revoked:
            await self.events.record(
                tenant_id, "seal.revoked", {"seal": str(seal_id), "reason": reason}
            )
        return revoked

    async def expire_due(self, tenant_id: uuid.UUID) -> int:
        """Move seals whose validity ended to `expired` (run on a schedule)."""
        rows = await Seal.select(Seal.id, Seal.status).where(
            (Seal.tenant_id == tenant_id)
            & Seal.status.is_in(["active", "suspended"])
            & (Seal.valid_end < _now())
        )
        async with self.db.transaction():
            for r in rows:
                await Seal.update({Seal.status: "expired"}).where(Seal.id == r["id"])
                await self._event(
                    tenant_id, r["id"], r["status"], "expired", None, "validity ended"
                )
        return len(rows)

    async def _subject(
        self, scope: Scope, app: SealApplication
    ) -> tuple[str, uuid.UUID, str, str | None]:
        """(owner kind, subject id, seal name, organization) from verified identity."""
        if app.enterprise_id is None:
            if app.seal_type not in rules.PERSON_TYPES:
                raise ValidationFailed(
                    f"a '{app.seal_type}' seal belongs to an enterprise: give enterprise_id",
                    field="enterprise_id",
                )
            person = await person_of_account(scope.tenant_id, scope.account_id)
            if person is None:
                raise PolicyDenied("register and pass the real-name check before applying")
            return "person", person.id, person.name, None
        if not has_role(scope, Role.ENTERPRISE_AGENT):
            raise Forbidden("only the enterprise's agent applies for its seals")
        ent = await agents_enterprise(scope.tenant_id, app.enterprise_id, scope.account_id)
        if ent is None:
            raise NotFound("enterprise not found")
        if ent.status != "active":
            raise PolicyDenied(f"the enterprise is {ent.status}")
        if app.seal_type not in rules.ENTERPRISE_TYPES:
            raise ValidationFailed(
                f"an enterprise seal cannot be of type '{app.seal_type}'", field="seal_type"
            )
        return "enterprise", ent.id, ent.name, ent.name

    # --- password (口令) ---------------------------------------------------------------

    async def set_password(
        self, scope: Scope, seal_id: uuid.UUID, new: str, old: str | None = None
    ) -> None:
        seal = await self.get(scope, seal_id)
        if seal.owner_account_id != scope.account_id:
            raise NotFound("seal not found")
        if seal.password_hash is not None:
            if old is None:
                raise ValidationFailed(
                    "changing the password needs the old one", field="old_password"
                )
            # An aged old 口令 is still right: changing it is the way out, not refused.
            with contextlib.suppress(PasswordAged):
                await self.check_password(scope, seal_id, old)
        policy = await self.policy_of(scope.tenant_id)
        if len(new) < policy.password_min_length:
            raise ValidationFailed(
                f"password must be at least {policy.password_min_length} characters",
                field="password",
            )
        if new.isdigit() or new.isalpha():
            raise ValidationFailed("password must mix letters and digits", field="password")
        await Seal.update(
            {
                Seal.password_hash: await hash_password(new),
                Seal.password_changed_at: _now(),
                Seal.password_failures: 0,
                Seal.password_locked_until: None,
            }
        ).where((Seal.tenant_id == scope.tenant_id) & (Seal.id == seal_id))

    async def for_signing(self, scope: Scope, seal_id: uuid.UUID) -> SigningSeal:
        """The caller's own seal with what signing needs (one read, no picture)."""
        rows = await self.db.fetch(_FOR_SIGNING, scope.tenant_id, seal_id)
        row = rows[0] if rows else None
        if row is None or row["owner_account_id"] != scope.account_id:
            raise NotFound("seal not found")
        seal_der, signer_cert = await self._made.get(self.db, scope.tenant_id, seal_id)
        return SigningSeal(**row, seal_der=seal_der, signer_cert=signer_cert)

    async def check_password(
        self,
        scope: Scope,
        seal_id: uuid.UUID,
        password: str,
        row: PasswordState | None = None,
    ) -> None:
        """Raise unless `password` opens the seal. Failures are counted in the row (so
        replicas agree) and lock the seal after `max_failures`."""
        tenant_id = scope.tenant_id
        state = row or await self._password_state(tenant_id, seal_id)
        policy = await self.policy_of(tenant_id)
        now = _now()
        stored = state.password_hash
        if stored is None:
            raise PolicyDenied("set the seal's protection password before using it")
        locked = state.password_locked_until
        if locked is not None and locked > now:
            raise Locked(
                "seal locked after repeated wrong passwords",
                retry_after=int((locked - now).total_seconds()) + 1,
            )
        if not self._verified.known(seal_id, stored, password):
            if not await verify_password(stored, password):
                await self._count_failure(scope, seal_id, policy)
                raise Forbidden("wrong seal password")
            self._verified.remember(seal_id, stored, password)
        if state.password_failures:
            await Seal.update({Seal.password_failures: 0, Seal.password_locked_until: None}).where(
                (Seal.tenant_id == tenant_id) & (Seal.id == seal_id)
            )
        changed = state.password_changed_at
        days = policy.password_rotation_days
        if days and changed is not None and now - changed > timedelta(days=days):
            raise PasswordAged(
                f"the seal password is older than {days} days: change it with "
                f"PUT /api/v1/seals/{seal_id}/password giving old_password and a new password, "
                "then sign again",
                change_with=f"PUT /api/v1/seals/{seal_id}/password",
                rotation_days=days,
            )

    async def _password_state(self, tenant_id: uuid.UUID, seal_id: uuid.UUID) -> SealPassword:
        row = (
            await Seal.select(
                Seal.password_hash,
                Seal.password_failures,
                Seal.password_locked_until,
                Seal.password_changed_at,
            )
            .where((Seal.tenant_id == tenant_id) & (Seal.id == seal_id))
            .first()
        )
        if row is None:
            raise NotFound("seal not found")
        return SealPassword(**row)

    async def _count_failure(self, scope: Scope, seal_id: uuid.UUID, policy: Policy) -> None:
        tenant_id = scope.tenant_id
        async with self.db.transaction():
            # Increment in SQL, not read-modify-write: concurrent wrong guesses on several
            # replicas all count.
            await Seal.update({Seal.password_failures: Seal.password_failures + 1}).where(
                (Seal.tenant_id == tenant_id) & (Seal.id == seal_id)
            )
            row = (
                await Seal.select(Seal.password_failures)
                .where((Seal.tenant_id == tenant_id) & (Seal.id == seal_id))
                .first()
            )
            if row and row["password_failures"] >= policy.password_max_failures:
                await Seal.update(
                    {
                        Seal.password_locked_until: _now()
                        + timedelta(seconds=policy.lockout_seconds),
                        Seal.password_failures: 0,
                    }
                ).where((Seal.tenant_id == tenant_id) & (Seal.id == seal_id))
                locked = True
            else:
                locked = False
        if locked:
            metrics.password_lockout(scope.tenant_slug)
            await self.events.record(tenant_id, "seal.password_lockout", {"seal": str(seal_id)})

    async def revoke_key_at_vendor(
        self, tenant_id: uuid.UUID, seal_id: uuid.UUID, vendor: str, key_handle: str, reason: str
    ) -> None:
        """`_revoke_at_vendor` for the hub acting on its own (no caller's scope)."""
        scope = await system_scope(tenant_id)
        await self._revoke_at_vendor(scope, seal_id, vendor, key_handle, reason)

    # --- internals -------------------------------------------------------------------

    async def _revoke_at_vendor(
        self, scope: Scope, seal_id: uuid.UUID, vendor_name: str, key_handle: str, reason: str
    ) -> None:
        """Tell the vendor to revoke the signer key. The hub's revocation already holds
        (the seal no longer signs here); a vendor that is down is recorded, not fatal."""
        vendor = self.vendors.get(vendor_name)
        try:
            await self.vendors.call(
                vendor.name,
                "revoke",
                vendor.revoke(
                    RevokeRequest(
                        tenant=scope.tenant_slug,
                        key_handle=key_handle,
                        reason=reason or "revoked",
                        idempotency_key=f"revoke-{seal_id}",
                    )
                ),
            )
        except VendorError as exc:
            await self._event(
                scope.tenant_id,
                seal_id,
                "revoked",
                "revoked",
                scope.account_id,
                f"vendor {vendor.name} not told of the revocation yet: {exc.detail}",
            )

    def _owns(self, scope: Scope, seal: SealRecord) -> bool:
        return seal.owner_account_id == scope.account_id

    def _allowed(self, scope: Scope, seal: SealRecord, action: str) -> None:
        """The caller may take `action` on this seal (rules.LIFECYCLE), or 403."""
        if not rules.may_take(action, scope.roles, self._owns(scope, seal)):
            raise Forbidden(f"you may not {action.replace('_', ' ')} this seal")

    async def _event(
        self,
        tenant_id: uuid.UUID,
        seal_id: uuid.UUID,
        old: str | None,
        new: str,
        actor: uuid.UUID | None,
        reason: str,
        *,
        actor_role: str | None = rules.HUB,
    ) -> None:
        await SealEvent(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            seal_id=seal_id,
            from_status=old,
            to_status=new,
            actor_account_id=actor,
            actor_role=actor_role,
            reason=reason[:1000],
            at=_now(),
        ).save()

    async def _take(
        self,
        scope: Scope,
        seal_id: uuid.UUID,
        action: str,
        reason: str,
        *,
        seal: SealRecord | None = None,
    ) -> SealRecord:
        """A caller's lifecycle action: allowed for their roles, then the move."""
        seal = seal or await self.get(scope, seal_id)
        self._allowed(scope, seal, action)
        owner = self._owns(scope, seal)
        await self._move(
            scope, seal_id, action, reason, actor_role=rules.suspender_kind(scope.roles, owner)
        )
        return seal

    async def _move(
        self, scope: Scope, seal_id: uuid.UUID, action: str, reason: str, *, actor_role: str
    ) -> None:
        """Move the seal by `action` if its current status is one the action leaves from;
        409 naming both statuses otherwise."""
        step = rules.LIFECYCLE[action]
        async with self.db.transaction():
            row = (
                await Seal.select(Seal.status)
                .where((Seal.tenant_id == scope.tenant_id) & (Seal.id == seal_id))
                .first()
            )
            if row is None:
                raise NotFound("seal not found")
            current = row["status"]
            if current not in step.sources:
                raise Conflict(f"a seal in status '{current}' cannot become '{step.target}'")
            changes: dict[Any, Any] = {Seal.status: step.target}
            if action == "suspend":
                changes[Seal.suspended_by] = actor_role
            elif current == "suspended":
                changes[Seal.suspended_by] = None
            # Conditional update: a concurrent transition on another replica loses cleanly.
            await Seal.update(changes).where(
                (Seal.tenant_id == scope.tenant_id)
                & (Seal.id == seal_id)
                & (Seal.status == current)
            )
            await self._event(
                scope.tenant_id,
                seal_id,
                current,
                step.target,
                scope.account_id,
                reason,
                actor_role=actor_role,
            )

    async def _make(
        self, scope: Scope, seal_id: uuid.UUID, organization: str | None = None
    ) -> SealRecord:
        """Have a vendor make the seal, check it, and activate it. Failover: the next
        candidate vendor is tried when one is unavailable; nothing is stored until a seal
        passed every check."""
        seal = await self.get(scope, seal_id)
        candidates = await self.vendors.candidates(scope.tenant_id, seal.vendor)
        official = seal.seal_type != "personal"
        request = _make_request(scope, seal, organization if official else None)
        if seal.status not in rules.make_sources(seal.seal_type):
            raise Conflict(f"a seal in status '{seal.status}' cannot be made")
        mold_code = seal.mold_code or (
            await self._bound_mold(scope.tenant_id, request.picture) if official else None
        )
        last: VendorError | None = None
        for vendor in candidates:
            try:
                made = await self._made_by(scope, vendor, request, mold_code, seal.mold_code)
            except VendorError as exc:
                last = exc
                continue
            await self._activate(scope, seal, vendor.name, made)
            return await self.get(scope, seal_id)
        if last is None:  # no candidate at all
            last = VendorUnavailable("no vendor is available to make this seal", vendor="none")
        await self._make_failed(scope, seal, last)
        last.extra["seal_id"] = str(seal_id)  # the caller may retry: POST .../make
        raise last

    async def _made_by(
        self,
        scope: Scope,
        vendor: SealVendor,
        request: MakeSealRequest,
        mold_code: str | None,
        applied_from_mold: str | None,
    ) -> MakeSealResult:
        """One vendor's seal, checked: it verifies, is what was asked, and (同模同轨)
        shows the registered mold. A VendorError says why this vendor's seal is not used."""
        made = await self.vendors.call(vendor.name, "make_seal", vendor.make_seal(request))
        self._check_made(vendor.name, request, made.seal_der, made.signer_cert)
        if mold_code is not None:
            await self._check_mold(
                scope,
                vendor.name,
                made.seal_der,
                mold_code,
                request.picture if applied_from_mold else None,
            )
        return made

    async def _activate(
        self, scope: Scope, seal: SealRecord, vendor: str, made: MakeSealResult
    ) -> None:
        """Store the made seal and make it active (only from the status it was read in:
        a concurrent change on another replica wins), then record it."""
        async with self.db.transaction():
            await Seal.update(
                {
                    Seal.status: "active",
                    Seal.vendor: vendor,
                    Seal.key_handle: made.key_handle,
                    Seal.seal_der: made.seal_der,
                    Seal.signer_cert: made.signer_cert,
                    Seal.made_at: _now(),
                    Seal.make_failure: None,
                    Seal.make_failed_vendor: None,
                    Seal.make_failed_at: None,
                }
            ).where(
                (Seal.tenant_id == scope.tenant_id)
                & (Seal.id == seal.id)
                & (Seal.status == seal.status)
            )
            await self._event(
                scope.tenant_id,
                seal.id,
                seal.status,
                "active",
                scope.account_id,
                f"made by vendor {vendor}",
            )
        metrics.seal_issued(scope.tenant_slug, vendor)
        await self.events.record(
            scope.tenant_id,
            "seal.made",
            {"seal": str(seal.id), "vendor": vendor, "esid": seal.esid},
        )

    async def _make_failed(self, scope: Scope, seal: SealRecord, error: VendorError) -> None:
        """Record why no vendor made the seal: it stays where it was (never signable),
        the owner and staff see the failure in the seal and its history, and may retry."""
        vendor = error.vendor[:64] or None
        async with self.db.transaction():
            await Seal.update(
                {
                    Seal.make_failure: error.detail[:1000],
                    Seal.make_failed_vendor: vendor,
                    Seal.make_failed_at: _now(),
                }
            ).where((Seal.tenant_id == scope.tenant_id) & (Seal.id == seal.id))
            await self._event(
                scope.tenant_id,
                seal.id,
                seal.status,
                seal.status,
                scope.account_id,
                f"making failed at vendor {vendor or '-'}: {error.detail}",
            )
        metrics.seal_make_failed(scope.tenant_slug, vendor or "none")

    async def _check_mold(
        self,
        scope: Scope,
        vendor: str,
        seal_der: bytes,
        seal_code: str,
        picture: bytes | None = None,
    ) -> None:
        """同模同轨: a vendor's seal must show the registered mold, or it is refused; a
        seal applied for from a mold carries the mold's image byte for byte."""
        if picture is not None and parse_seal(seal_der).picture != picture:
            raise VendorBadAnswer(
                f"vendor {vendor} returned a seal whose picture is not the registered mold's "
                "image byte for byte",
                vendor=vendor,
            )
        try:
            await MoldRegistry(self.db).check_seal(scope.tenant_id, seal_der, seal_code=seal_code)
        except PolicyDenied as exc:
            raise VendorBadAnswer(
                f"vendor {vendor} returned a seal that is not the registered mold: {exc.detail}",
                vendor=vendor,
            ) from exc

    def _check_made(
        self, vendor: str, req: MakeSealRequest, seal_der: bytes, signer_cert: bytes
    ) -> None:
        """The hub never accepts a seal it cannot verify, or one that is not what it asked."""
        try:
            report = verify_seal(seal_der)
            info = parse_seal(seal_der)
            Certificate.load(signer_cert)
        except SealHubError as exc:
            raise VendorBadAnswer(
                f"vendor {vendor} returned an unreadable seal: {exc.detail}", vendor=vendor
            ) from exc
        if not report.intact:
            failed = ", ".join(c.name for c in report.checks if not c.ok)
            raise VendorBadAnswer(
                f"vendor {vendor} returned a seal that fails: {failed}", vendor=vendor
            )
        if info.version != 4 or info.esid != req.esid or info.name != req.name:
            raise VendorBadAnswer(
                f"vendor {vendor} returned another seal than requested (esid, name, version)",
                vendor=vendor,
            )
        if signer_cert not in info.signer_certs:
            raise VendorBadAnswer(
                f"vendor {vendor}: signer certificate not in the seal's certList", vendor=vendor
            )


async def seal_status_at(tenant_id: uuid.UUID, seal_id: uuid.UUID, when: datetime) -> str | None:
    """The seal's status at `when`, from its history (None before it existed)."""
    row = (
        await SealEvent.select(SealEvent.to_status)
        .where(
            (SealEvent.tenant_id == tenant_id)
            & (SealEvent.seal_id == seal_id)
            & (SealEvent.at <= when)
        )
        .order_by(SealEvent.at, ascending=False)
        .first()
    )
    return None if row is None else str(row["to_status"])


def _make_request(scope: Scope, seal: SealRecord, organization: str | None) -> MakeSealRequest:
    """What the vendor is asked to make: the seal as applied for, its signer named as
    the seal (and, for an official seal, its enterprise)."""
    # Set at apply: the picture drawn or taken from the mold, the validity chosen.
    assert seal.picture is not None and seal.valid_start and seal.valid_end
    return MakeSealRequest(
        tenant=scope.tenant_slug,
        esid=seal.esid,
        seal_type=SEAL_TYPES[seal.seal_type],
        name=seal.name,
        picture=bytes(seal.picture),
        width_mm=seal.width_mm,
        height_mm=seal.height_mm,
        valid_start=seal.valid_start,
        valid_end=seal.valid_end,
        signer=SignerSubject(common_name=seal.name, organization=organization),
        idempotency_key=f"seal-{seal.id}",
    )


def _applied_seal(
    seal_id: uuid.UUID,
    scope: Scope,
    app: SealApplication,
    owner_kind: str,
    subject_id: uuid.UUID,
    face: SealFace,
) -> Seal:
    """The row of a seal just applied for, valid from now (to the second)."""
    start = _now().replace(microsecond=0)
    return Seal(
        id=seal_id,
        tenant_id=scope.tenant_id,
        esid=_esid(scope.tenant_slug, seal_id),
        owner_account_id=scope.account_id,
        owner_kind=owner_kind,
        subject_id=subject_id,
        seal_type=app.seal_type,
        name=face.name,
        status="applied",
        vendor=app.vendor,
        picture=face.picture,
        width_mm=face.width_mm,
        height_mm=face.height_mm,
        mold_code=face.mold_code,
        valid_start=start,
        valid_end=start + timedelta(days=app.valid_days),
    )


def _esid(tenant_slug: str, seal_id: uuid.UUID) -> str:
    return f"{tenant_slug[:20]}-{seal_id.hex[:24]}"


_HUB_ACTOR = uuid.UUID(int=0)


@dataclass(frozen=True)
class SystemScope:
    """The hub itself acting on a tenant's seals (the scheduler, a registry change)."""

    tenant_id: uuid.UUID
    tenant_slug: str
    account_id: uuid.UUID = _HUB_ACTOR
    roles: tuple[str, ...] = (Role.TENANT_ADMIN,)


async def system_scope(tenant_id: uuid.UUID) -> SystemScope:
    return SystemScope(tenant_id, await tenant_slug(tenant_id) or "")
