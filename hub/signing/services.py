"""Cloud signing: use requests (用印审批), idempotent signing through the seal's vendor,
and the signature records the verifier consults for the seal's status at signing time.

The hub builds `TBS_Sign` itself, the vendor only signs its exact bytes, and the hub
verifies the assembled `SES_Signature` before it answers: it never hands out a signature
it cannot verify.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.protocol import SignRequest
from hub.crypto import sm3
from hub.db import Database, Statement, Write, is_unique_violation
from hub.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PolicyDenied,
    SealHubError,
    ValidationFailed,
    VendorBadAnswer,
)
from hub.evidence.events import approval_ext_data
from hub.evidence.who import account_pseudonym, purpose_commitment
from hub.formats import Report, assemble_signature_v4, build_tbs_sign_v4, verify_signature
from hub.pki.store import NO_TRUST, ProofOfExistence, ValidationContext
from hub.ports import EventSink, NoEvents, Scope, WritesAlong, is_staff
from hub.seals import rules
from hub.seals.queries import seal_status
from hub.seals.records import SigningSeal
from hub.seals.services import SealService, cached_policy, seal_status_at
from hub.signing.records import Signature, SignatureBrief, UseRequestRecord
from hub.signing.tables import SignatureRecord, UseRequest
from hub.tsa.client import TimeStampAuthorities
from hub.vendors.directory import VendorDirectory
from monitoring import metrics

#: (tenant id, seal type) -> must a use of such a seal be approved first?
UseApprovalPolicy = Callable[[uuid.UUID, str], Awaitable[bool]]


_policy = cached_policy()


async def default_use_approval(tenant_id: uuid.UUID, seal_type: str) -> bool:
    """Tenant policy: uses of the seal types it lists need an approved use request."""
    return (await _policy(tenant_id)).approval_required(seal_type)


@dataclass(frozen=True)
class SignCommand:
    seal_id: uuid.UUID
    password: str
    document_sm3: bytes
    idempotency_key: str
    property_info: str = "sealhub:document"
    use_request_id: uuid.UUID | None = None
    # For a signature placed inside a document (OFD, PDF) the signed dataHash is derived
    # from the document at signing time (SM3 of Signature.xml / of the ByteRange) and
    # changes on every attempt. `subject_sm3` is then the SM3 of the document the client
    # submitted: approvals are granted for it and retries are recognised by it.
    subject_sm3: bytes | None = None
    # 意愿认证: the SMS code confirming this document, when the tenant's policy asks.
    intent_challenge_id: uuid.UUID | None = None
    intent_code: str | None = None

    @property
    def request_sm3(self) -> bytes:
        return self.subject_sm3 or self.document_sm3


@dataclass
class SignOutcome:
    record_id: uuid.UUID
    signature_der: bytes
    document_sm3: bytes
    vendor: str
    signed_at: datetime
    replayed: bool
    report: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SignatureMade:
    """Handed to `SigningService.after_signing` hooks once a signing and its evidence
    entry are durable (e.g. hub.webhooks queues deliveries to the seal owner)."""

    tenant_id: uuid.UUID
    seal_id: uuid.UUID
    signature_id: uuid.UUID
    document_sm3: str  # hex
    vendor: str
    signed_at: datetime
    evidence_leaf_hash: str | None  # hex
    owner_account_id: uuid.UUID | None = None  # the seal's owner (who is told of the use)
    seal_name: str = ""


def _now() -> datetime:
    return datetime.now(UTC)


#: Default age after which a pending reservation counts as abandoned (settings:
#: adapters.stale_reservation_seconds): far longer than any vendor call may take.
STALE_RESERVATION = timedelta(seconds=60)

# The two writes of every signing, as raw SQL: Piccolo's query building cost more CPU
# than the statements (bench/http_sign.py). The reservation's unique (tenant, account,
# idempotency_key) index is what stops a second signing with the same key.
_RESERVE = Statement(
    "INSERT INTO signature_record (id, tenant_id, seal_id, account_id, idempotency_key,"
    " request_fingerprint, status, vendor, document_sm3, property_info, use_request_id,"
    " created_at) VALUES ({}, {}, {}, {}, {}, {}, 'pending', {}, {}, {}, {}, {})"
)
_COMPLETE = Statement(
    "UPDATE signature_record SET status = 'done', signature_der = {}, signature_sm3 = {},"
    " signed_at = {} WHERE tenant_id = {} AND id = {} AND status = 'pending' RETURNING id"
)
# Runs after _COMPLETE in the same transaction: the approval is used only by a signing
# that completed (a superseded one's record is gone), and only once (status condition).
# The unique (tenant_id, use_request_id) index already stops a second reservation.
_APPROVAL_USED = Statement(
    "UPDATE use_request SET status = 'used' WHERE tenant_id = {} AND id = {}"
    " AND status = 'approved' AND EXISTS (SELECT 1 FROM signature_record"
    " WHERE tenant_id = {} AND id = {} AND status = 'done') RETURNING id"
)
# Who holds an approval: the signing whose reservation names it.
_APPROVAL_HOLDER = Statement(
    "SELECT id, status, idempotency_key, created_at FROM signature_record"
    " WHERE tenant_id = {} AND use_request_id = {}"
)


class SigningService:
    def __init__(
        self,
        db: Database,
        seals: SealService,
        vendors: VendorDirectory,
        *,
        events: EventSink | None = None,
        needs_use_approval: UseApprovalPolicy = default_use_approval,
        may_sign: Callable[[uuid.UUID, str], Awaitable[bool]] | None = None,
        stale_reservation: timedelta = STALE_RESERVATION,
        tsa: TimeStampAuthorities | None = None,
    ) -> None:
        self.stale_reservation = stale_reservation
        # Every signature carries a token over its signature value (SES_Signature
        # .timeStamp): its proof of existence, so validity is judged at a proven time.
        self.tsa = tsa
        self.may_sign = may_sign
        self.db = db
        self.seals = seals
        self.vendors = vendors
        self.events = events or NoEvents()
        self.needs_use_approval = needs_use_approval
        self.after_signing: list[Callable[[SignatureMade], Awaitable[None]]] = []
        # The hub's verification context per tenant (hub.trust, installed by its
        # lifespan): a signature's report is judged as the public verifier judges it.
        self.verification_context: Callable[[uuid.UUID], Awaitable[ValidationContext]] | None = None
        # Checks after the password and before anything is reserved (hub.signing.intent).
        self.before_signing: list[Callable[[Scope, SignCommand], Awaitable[None]]] = []

    async def _context(self, tenant_id: uuid.UUID, signed_at: datetime) -> ValidationContext:
        context = NO_TRUST
        if self.verification_context is not None:
            context = await self.verification_context(tenant_id)
        # The hub is signing (or signed) at `signed_at`: its own record proves the time.
        return context.with_proofs(ProofOfExistence(signed_at, "hub-record", "this signing"))

    # --- use requests (用印审批) -------------------------------------------------------

    async def request_use(
        self, scope: Scope, seal_id: uuid.UUID, document_sm3: bytes, purpose: str
    ) -> UseRequestRecord:
        seal = await self.seals.get(scope, seal_id)
        if seal.owner_account_id != scope.account_id:
            raise NotFound("seal not found")
        if seal.status not in rules.SIGNING_STATUSES:
            raise PolicyDenied(f"the seal is {seal.status}; it cannot be used")
        purpose = purpose.strip()
        if not 1 <= len(purpose) <= 500:
            raise ValidationFailed("purpose must be 1-500 characters", field="purpose")
        row = UseRequest(
            id=uuid.uuid4(),
            tenant_id=scope.tenant_id,
            seal_id=seal_id,
            requester_account_id=scope.account_id,
            document_sm3=document_sm3.hex(),
            purpose=purpose,
            status="pending",
        )
        await row.save()
        return await self.get_use_request(scope, row.id)

    async def get_use_request(self, scope: Scope, request_id: uuid.UUID) -> UseRequestRecord:
        row = (
            await UseRequest.select()
            .where((UseRequest.tenant_id == scope.tenant_id) & (UseRequest.id == request_id))
            .first()
        )
        use = None if row is None else UseRequestRecord(**row)
        mine = use is not None and use.requester_account_id == scope.account_id
        if use is None or not (mine or is_staff(scope)):
            raise NotFound("use request not found")
        return use

    async def list_use_requests(
        self, scope: Scope, status: str | None = None
    ) -> list[UseRequestRecord]:
        query = UseRequest.select().where(UseRequest.tenant_id == scope.tenant_id)
        if not is_staff(scope):
            query = query.where(UseRequest.requester_account_id == scope.account_id)
        if status:
            query = query.where(UseRequest.status == status)
        return [UseRequestRecord(**row) for row in await query.order_by(UseRequest.created_at)]

    async def decide_use(
        self, scope: Scope, request_id: uuid.UUID, *, approve: bool, reason: str = ""
    ) -> UseRequestRecord:
        # Only staff decide (the routes' guard); what depends on the row is checked here.
        use = await self.get_use_request(scope, request_id)
        if use.requester_account_id == scope.account_id:
            raise Forbidden("a clerk cannot approve their own use request")
        status = "approved" if approve else "rejected"
        async with self.db.transaction():
            updated = (
                await UseRequest.update(
                    {
                        UseRequest.status: status,
                        UseRequest.decided_by: scope.account_id,
                        UseRequest.decided_at: _now(),
                        UseRequest.reason: reason[:1000],
                    }
                )
                .where(
                    (UseRequest.tenant_id == scope.tenant_id)
                    & (UseRequest.id == request_id)
                    & (UseRequest.status == "pending")
                )
                .returning(UseRequest.id)
            )
            if not updated:
                raise Conflict(f"the use request is already {use.status}")
        leaf = await self.events.record(
            scope.tenant_id,
            f"use.{status}",
            {
                "use_request": str(request_id),
                "seal": str(use.seal_id),
                "document_sm3": use.document_sm3,
                # Who asked, who decided and why, as pseudonyms and a commitment
                # (hub.evidence.who): the leaf holds no personal data.
                "requester_hash": account_pseudonym(scope.tenant_id, use.requester_account_id),
                "decided_by_hash": account_pseudonym(scope.tenant_id, scope.account_id),
                "purpose_sm3": purpose_commitment(request_id, use.purpose),
            },
        )
        if leaf:
            await UseRequest.update({UseRequest.evidence_leaf_hash: leaf}).where(
                (UseRequest.tenant_id == scope.tenant_id) & (UseRequest.id == request_id)
            )
        return await self.get_use_request(scope, request_id)

    # --- signing -------------------------------------------------------------------

    async def sign(self, scope: Scope, cmd: SignCommand) -> SignOutcome:
        key, fingerprint = _request_key(cmd)
        now = _now()
        # Every check runs on a retry too (a retry presents the same password); the
        # reservation below then finds the first attempt and answers with its result.
        seal = await self._signable_seal(scope, cmd, now)
        try:
            approval = await self._approval(scope, seal, cmd)
        except (PolicyDenied, Conflict):
            # An approval is used once, by its signing; a retry of that signing replays it.
            replay = await self._replay(scope, key, fingerprint)
            if replay is not None:
                return replay
            raise

        record_id = uuid.uuid4()
        try:
            # One INSERT (its own transaction): the unique (tenant, account, key) index
            # makes it the lock that stops a retry or a racing duplicate from signing twice.
            await self.db.fetch(
                _RESERVE, record_id, scope.tenant_id, cmd.seal_id, scope.account_id, key,
                fingerprint, seal.vendor, cmd.document_sm3.hex(), cmd.property_info,
                cmd.use_request_id, now,
            )  # fmt: skip
        except Exception as exc:
            if not is_unique_violation(exc):
                raise
            return await self._after_collision(scope, cmd, key, fingerprint, exc)

        try:
            outcome = await self._sign_at_vendor(scope, seal, cmd, approval, record_id, now)
        except BaseException:
            # Nothing half-written: a reservation that never completed goes, and the client
            # may retry with the key. A completed one (signed and logged; only the answer was
            # lost, e.g. a cancelled request) stays, and a retry replays it.
            await SignatureRecord.delete().where(
                (SignatureRecord.tenant_id == scope.tenant_id)
                & (SignatureRecord.id == record_id)
                & (SignatureRecord.status == "pending")
            )
            raise
        return outcome

    async def _signable_seal(self, scope: Scope, cmd: SignCommand, now: datetime) -> SigningSeal:
        """The caller's seal, if it may sign now: active, valid, its vendor admitted, the
        口令 right and every `before_signing` check passed."""
        seal = await self.seals.for_signing(scope, cmd.seal_id)
        if seal.status not in rules.SIGNING_STATUSES:
            raise PolicyDenied(f"the seal is {seal.status}; it cannot sign")
        assert seal.vendor is not None  # an active seal was made by a vendor
        if seal.valid_end is not None and seal.valid_end < now:
            raise PolicyDenied("the seal's validity has ended")
        if self.may_sign is not None and not await self.may_sign(scope.tenant_id, seal.vendor):
            raise PolicyDenied(
                f"vendor {seal.vendor} is not admitted to sign for this tenant now",
                vendor=seal.vendor,
            )
        await self.seals.check_password(scope, cmd.seal_id, cmd.password, row=seal)
        for check in self.before_signing:
            await check(scope, cmd)
        return seal

    async def _after_collision(
        self, scope: Scope, cmd: SignCommand, key: str, fingerprint: str, exc: Exception
    ) -> SignOutcome:
        """The reservation hit a unique index: answer with the first attempt's result,
        or start over once an abandoned reservation is gone, or 409."""
        replay = await self._replay(scope, key, fingerprint)
        if replay is not None:
            return replay
        if cmd.use_request_id is not None and await self._approval_taken(
            scope, key, cmd.use_request_id, exc
        ):
            return await self.sign(scope, cmd)  # its stale holder is gone: start over
        if not await self._reclaim_stale(scope, key):
            raise Conflict("a request with this Idempotency-Key is in progress") from exc
        return await self.sign(scope, cmd)  # the abandoned attempt is gone: start over

    async def _sign_at_vendor(
        self,
        scope: Scope,
        seal: SigningSeal,
        cmd: SignCommand,
        approval: UseRequestRecord | None,
        record_id: uuid.UUID,
        now: datetime,
    ) -> SignOutcome:
        """Have the vendor sign, check and timestamp its signature, then log the signing
        and complete its record in one commit."""
        assert seal.vendor is not None  # checked by _signable_seal
        signature_der, signer_cert, report = await self._vendor_signature(
            scope, seal, seal.vendor, cmd, approval, record_id, now
        )
        leaf = await self._complete(
            scope, seal, cmd, approval, record_id, signature_der, signer_cert, now
        )
        metrics.signature_made(scope.tenant_slug, seal.vendor)
        made = SignatureMade(
            scope.tenant_id,
            seal.id,
            record_id,
            cmd.document_sm3.hex(),
            seal.vendor,
            now,
            leaf,
            seal.owner_account_id,
            seal.name,
        )
        for hook in self.after_signing:
            await hook(made)
        return SignOutcome(
            record_id=record_id,
            signature_der=signature_der,
            document_sm3=cmd.document_sm3,
            vendor=seal.vendor,
            signed_at=now,
            replayed=False,
            report=report.to_dict(),
        )

    async def _vendor_signature(
        self,
        scope: Scope,
        seal: SigningSeal,
        vendor_name: str,
        cmd: SignCommand,
        approval: UseRequestRecord | None,
        record_id: uuid.UUID,
        now: datetime,
    ) -> tuple[bytes, bytes, Report]:
        """The hub's TBS_Sign signed by the seal's vendor, verified, and timestamped:
        (SES_Signature DER, signer certificate DER, its report)."""
        vendor = self.vendors.get(vendor_name)
        ext: list[tuple[str, bool, bytes]] = []
        if approval is not None and approval.evidence_leaf_hash:
            # The approval's log entry, bound into what is signed (hub.evidence.events).
            ext.append(approval_ext_data(bytes.fromhex(approval.evidence_leaf_hash)))
        assert seal.seal_der is not None and seal.key_handle is not None  # made
        tbs = build_tbs_sign_v4(
            seal_der=seal.seal_der,
            time=now.replace(microsecond=0),
            data_hash=cmd.document_sm3,
            property_info=cmd.property_info,
            ext_datas=ext,
        )
        request = SignRequest(
            tenant=scope.tenant_slug,
            key_handle=seal.key_handle,
            tbs_sign=tbs,
            idempotency_key=f"sig-{record_id}",
        )
        result = await self.vendors.call(vendor_name, "sign", vendor.sign(request))
        signature_der, report = self._check_signed(
            vendor_name, seal, tbs, result.signature, result.signer_cert, cmd,
            await self._context(scope.tenant_id, now),
        )  # fmt: skip
        if self.tsa is not None:
            # Only a signature that verified is timestamped; the token covers the exact
            # signature value bytes, so the SES_Signature around them is unchanged but for
            # its last field.
            token = await self.tsa.for_tenant(scope.tenant_slug).timestamp(result.signature)
            signature_der = assemble_signature_v4(
                tbs_sign=tbs,
                signer_cert=result.signer_cert,
                signature=result.signature,
                time_stamp=token,
            )
        return signature_der, result.signer_cert, report

    async def _complete(
        self,
        scope: Scope,
        seal: SigningSeal,
        cmd: SignCommand,
        approval: UseRequestRecord | None,
        record_id: uuid.UUID,
        signature_der: bytes,
        signer_cert: bytes,
        signed_at: datetime,
    ) -> str | None:
        """Complete the reservation (and use the approval) in the commit of the
        `signature.made` evidence entry. Returns the entry's leaf hash."""
        signature_sm3 = sm3(signature_der).hex()
        writes = [
            Write(
                _COMPLETE,
                (signature_der, signature_sm3, signed_at, scope.tenant_id, record_id),
                key=record_id,
            )
        ]
        if approval is not None:
            writes.append(
                Write(_APPROVAL_USED, (scope.tenant_id, approval.id, scope.tenant_id, record_id))
            )
        leaf, completed = await self._log_and_complete(
            scope,
            {
                "signature": str(record_id),
                "seal": str(seal.id),
                "document_sm3": cmd.document_sm3.hex(),
                "signature_sm3": signature_sm3,
                "approval_leaf": approval.evidence_leaf_hash if approval else None,
                # Who signed with which certificate, under which approval, by whom, why.
                "signer_hash": account_pseudonym(scope.tenant_id, scope.account_id),
                "signer_cert_sm3": sm3(signer_cert).hex(),
                **(_approval_fields(scope.tenant_id, approval) if approval else {}),
            },
            writes,
        )
        if not completed:
            # Our reservation was taken over as stale (this call outlived the limit): the
            # retry that took it answers the client; this signature is not handed out.
            raise Conflict("this signing took too long and was superseded by a retry")
        return leaf

    async def _log_and_complete(
        self, scope: Scope, fields: dict[str, Any], writes: list[Write]
    ) -> tuple[str | None, bool]:
        """Log the signing and complete its record (and use its approval) in one commit:
        the evidence log's append batch carries the writes. Nothing is ever done but not
        logged, nor logged as done but left pending. Returns (leaf hash, completed)."""
        if isinstance(self.events, WritesAlong):
            leaf, rows = await self.events.record_with(
                scope.tenant_id, "signature.made", fields, writes
            )
        else:
            leaf = await self.events.record(scope.tenant_id, "signature.made", fields)
            rows = await self.db.run_writes(writes)
        return leaf, bool(rows[0])

    def _check_signed(
        self,
        vendor: str,
        seal: SigningSeal,
        tbs: bytes,
        signature: bytes,
        signer_cert: bytes,
        cmd: SignCommand,
        context: ValidationContext = NO_TRUST,
    ) -> tuple[bytes, Report]:
        if signer_cert != seal.signer_cert:
            raise VendorBadAnswer(
                f"vendor {vendor} signed with another certificate than the seal's", vendor=vendor
            )
        try:
            der = assemble_signature_v4(tbs_sign=tbs, signer_cert=signer_cert, signature=signature)
            report = verify_signature(der, document_digest=cmd.document_sm3, context=context)
        except SealHubError as exc:
            raise VendorBadAnswer(
                f"vendor {vendor} returned an unusable signature: {exc.detail}", vendor=vendor
            ) from exc
        if not report.intact:
            failed = ", ".join(c.name for c in report.checks if not c.ok) or "nested checks"
            raise VendorBadAnswer(
                f"vendor {vendor} returned a signature that fails: {failed}", vendor=vendor
            )
        return der, report

    async def _approval(
        self, scope: Scope, seal: SigningSeal, cmd: SignCommand
    ) -> UseRequestRecord | None:
        required = await self.needs_use_approval(scope.tenant_id, seal.seal_type)
        if cmd.use_request_id is None:
            if required:
                raise PolicyDenied("this seal's use needs an approved use request (use_request_id)")
            return None
        row = (
            await UseRequest.select()
            .where(
                (UseRequest.tenant_id == scope.tenant_id) & (UseRequest.id == cmd.use_request_id)
            )
            .first()
        )
        use = None if row is None else UseRequestRecord(**row)
        if use is None or use.requester_account_id != scope.account_id:
            raise NotFound("use request not found")
        if use.seal_id != cmd.seal_id or use.document_sm3 != cmd.request_sm3.hex():
            raise PolicyDenied("the use request was approved for another seal or document")
        if use.status == "used":  # one approval, one signing (the loser of a race too)
            raise Conflict("the use request was already used by another signing")
        if use.status != "approved":
            raise PolicyDenied(f"the use request is {use.status}, not approved")
        return use

    async def _approval_taken(
        self, scope: Scope, key: str, use_request_id: uuid.UUID, exc: BaseException
    ) -> bool:
        """The reservation collided on the approval, not (only) on the key: another
        signing holds it. Raise 409, unless that holder is a stale reservation under
        another key: it is reclaimed (True) so that this signing may start over."""
        rows = await self.db.fetch(_APPROVAL_HOLDER, scope.tenant_id, use_request_id)
        if not rows or rows[0]["idempotency_key"] == key:
            return False  # the key's own reservation: idempotency handling decides
        holder = rows[0]
        if holder["status"] == "done":
            raise Conflict("the use request was already used by another signing") from exc
        if holder["created_at"] >= _now() - self.stale_reservation:
            raise Conflict("the use request is being used by another signing now") from exc
        return await self._reclaim_stale(scope, str(holder["idempotency_key"]), holder["id"])

    async def _reclaim_stale(
        self, scope: Scope, key: str, record_id: uuid.UUID | None = None
    ) -> bool:
        """A reservation still pending after `stale_reservation` was abandoned (its process
        died between reserving and completing: no client ever got its signature). Delete
        it, conditionally, so exactly one retry on any replica takes it over."""
        cutoff = _now() - self.stale_reservation
        which = (
            (SignatureRecord.id == record_id)
            if record_id is not None
            else (SignatureRecord.account_id == scope.account_id)
            & (SignatureRecord.idempotency_key == key)
        )
        gone = (
            await SignatureRecord.delete()
            .where(
                (SignatureRecord.tenant_id == scope.tenant_id)
                & which
                & (SignatureRecord.status == "pending")
                & (SignatureRecord.created_at < cutoff)
            )
            .returning(SignatureRecord.id)
        )
        return bool(gone)

    async def _replay(self, scope: Scope, key: str, fingerprint: str) -> SignOutcome | None:
        row = (
            await SignatureRecord.select()
            .where(
                (SignatureRecord.tenant_id == scope.tenant_id)
                & (SignatureRecord.account_id == scope.account_id)
                & (SignatureRecord.idempotency_key == key)
            )
            .first()
        )
        if row is None:
            return None
        if row["request_fingerprint"] != fingerprint:
            raise Conflict("Idempotency-Key was already used for a different request")
        if row["status"] != "done":
            return None  # in progress, or abandoned: the caller decides
        der = bytes(row["signature_der"])
        return SignOutcome(
            record_id=row["id"],
            signature_der=der,
            document_sm3=bytes.fromhex(row["document_sm3"]),
            vendor=row["vendor"],
            signed_at=row["signed_at"],
            replayed=True,
            report=verify_signature(
                der,
                document_digest=bytes.fromhex(row["document_sm3"]),
                context=await self._context(scope.tenant_id, row["signed_at"]),
            ).to_dict(),
        )

    # --- reads ---------------------------------------------------------------------

    async def get_signature(self, scope: Scope, record_id: uuid.UUID) -> Signature:
        row = (
            await SignatureRecord.select()
            .where(
                (SignatureRecord.tenant_id == scope.tenant_id)
                & (SignatureRecord.id == record_id)
                & (SignatureRecord.status == "done")
            )
            .first()
        )
        signature = None if row is None else Signature(**row)
        if signature is None or not (signature.account_id == scope.account_id or is_staff(scope)):
            raise NotFound("signature not found")
        return signature

    async def list_signatures(
        self, scope: Scope, seal_id: uuid.UUID | None = None
    ) -> list[SignatureBrief]:
        query = SignatureRecord.select(
            SignatureRecord.id,
            SignatureRecord.seal_id,
            SignatureRecord.vendor,
            SignatureRecord.document_sm3,
            SignatureRecord.signed_at,
            SignatureRecord.use_request_id,
        ).where((SignatureRecord.tenant_id == scope.tenant_id) & (SignatureRecord.status == "done"))
        if not is_staff(scope):
            query = query.where(SignatureRecord.account_id == scope.account_id)
        if seal_id is not None:
            query = query.where(SignatureRecord.seal_id == seal_id)
        return [SignatureBrief(**row) for row in await query.order_by(SignatureRecord.signed_at)]


def _request_key(cmd: SignCommand) -> tuple[str, str]:
    """(Idempotency-Key, fingerprint of what is asked): a retry is the same key asking
    the same; the same key asking anything else is refused."""
    if len(cmd.document_sm3) != 32:
        raise ValidationFailed("document digest must be 32 bytes of SM3", field="document_sm3")
    key = cmd.idempotency_key.strip()
    if not 8 <= len(key) <= 128:
        raise ValidationFailed("Idempotency-Key must be 8-128 characters", field="Idempotency-Key")
    asked = [str(cmd.seal_id), cmd.request_sm3.hex(), cmd.property_info, str(cmd.use_request_id)]
    return key, sm3("|".join(asked).encode()).hex()


def _approval_fields(tenant_id: uuid.UUID, approval: UseRequestRecord) -> dict[str, str | None]:
    return {
        "use_request": str(approval.id),
        "approver_hash": account_pseudonym(tenant_id, approval.decided_by)
        if approval.decided_by
        else None,
        "purpose_sm3": purpose_commitment(approval.id, approval.purpose),
    }


async def seal_status_at_signing(signature_der: bytes) -> tuple[str, str] | None:
    record = await signing_record(signature_der)
    return None if record is None else (record[1], record[2])


async def signing_record(signature_der: bytes) -> tuple[datetime, str, str] | None:
    """For the public verifier: if SealHub made this signature, when it signed (the
    hub's record, a proof of existence) and the seal's status then and now, as
    (signed_at, "active", "revoked"). None when the hub does not know it. Lookup by SM3
    of the exact signature bytes, across tenants: it reveals only statuses and a time."""
    digest = sm3(signature_der).hex()
    row = (
        await SignatureRecord.select(
            SignatureRecord.tenant_id, SignatureRecord.seal_id, SignatureRecord.signed_at
        )
        .where((SignatureRecord.signature_sm3 == digest) & (SignatureRecord.status == "done"))
        .first()
    )
    if row is None or row["signed_at"] is None:
        return None
    then = await seal_status_at(row["tenant_id"], row["seal_id"], row["signed_at"])
    now = await seal_status(row["tenant_id"], row["seal_id"])
    return (row["signed_at"], then or "unknown", now or "unknown")
