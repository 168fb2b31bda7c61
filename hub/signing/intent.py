"""意愿认证: when the tenant's policy asks, each signing is confirmed by a one-time SMS code
sent to the seal owner's registered mobile and bound to the seal and the document's SM3
digest, so a code for one document never signs another. Also: the owner is told of each
use of the seal by SMS, and notices (coming expiry, a mold change) go by SMS too.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from hub.auth.guards import requires
from hub.auth.openapi import errors
from hub.auth.principal import CurrentPrincipal, Role
from hub.errors import NotFound, PolicyDenied, ValidationFailed
from hub.memo import Memo
from hub.ports import Scope
from hub.seals.services import PolicyLookup, SealService
from hub.signing.services import SignCommand
from hub.signing.tables import SignatureRecord
from hub.sms.codes import OtpService
from hub.sms.gateway import SmsGateway
from tenants.identity.services import IdentityService

log = logging.getLogger(__name__)


def intent_binding(seal_id: uuid.UUID, document_sm3_hex: str) -> str:
    return f"intent|{seal_id}|{document_sm3_hex.lower()}"


class OwnerSms:
    """Texts to a seal's owner at the mobile registered with their real-name check."""

    def __init__(
        self, gateway: SmsGateway, identity: IdentityService, *, mobile_ttl_seconds: float = 300.0
    ) -> None:
        self.gateway = gateway
        self.identity = identity
        self._pending: set[asyncio.Task[None]] = set()
        # A busy seal's owner is texted on every use: the decrypted number is remembered
        # per process for a few minutes (two reads and an SM4 open per signing cost more
        # than the signing's own statements; a changed number is used within the TTL).
        self._mobiles: Memo[tuple[uuid.UUID, uuid.UUID], str] = Memo(mobile_ttl_seconds)

    async def mobile_of(self, tenant_id: uuid.UUID, account_id: uuid.UUID) -> str:
        async def load() -> str:
            return await self.identity.reveal_account_mobile(tenant_id, account_id)

        return await self._mobiles.get((tenant_id, account_id), load)

    async def tell(self, tenant_id: uuid.UUID, account_id: uuid.UUID, text: str) -> None:
        """`OwnerChannel`: a notice by SMS. A failed text is logged, never raised: the
        notice record stands."""
        try:
            mobile = await self.mobile_of(tenant_id, account_id)
            await self.gateway.send(mobile, "seal-notice", {"text": text})
        except Exception as exc:  # noqa: BLE001 (the notice is recorded; the text is best effort)
            log.warning("seal notice SMS not sent: %s", type(exc).__name__)

    def tell_later(
        self, tenant_id: uuid.UUID, account_id: uuid.UUID, template: str, params: dict[str, str]
    ) -> None:
        """Send off the signing path (a slow provider never slows a signature down)."""

        async def send() -> None:
            try:
                await self.gateway.send(
                    await self.mobile_of(tenant_id, account_id), template, params
                )
            except Exception as exc:  # noqa: BLE001 (the SMS is best effort)
                log.warning("seal use SMS not sent: %s", type(exc).__name__)

        task = asyncio.create_task(send())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)


class IntentCheck:
    """The `before_signing` check and the code sender of 意愿认证."""

    def __init__(
        self, seals: SealService, otp: OtpService, owner: OwnerSms, policy_of: PolicyLookup
    ) -> None:
        self.seals = seals
        self.otp = otp
        self.owner = owner
        self.policy_of = policy_of

    async def send_code(
        self, scope: Scope, seal_id: uuid.UUID, document_sm3_hex: str, client: str
    ) -> tuple[uuid.UUID, str, datetime]:
        if len(document_sm3_hex) != 64 or any(
            c not in "0123456789abcdefABCDEF" for c in document_sm3_hex
        ):
            raise ValidationFailed("document_sm3 must be 64 hex digits", field="document_sm3")
        seal = await self.seals.get(scope, seal_id)
        if seal.owner_account_id != scope.account_id:
            raise NotFound("seal not found")
        mobile = await self.owner.mobile_of(scope.tenant_id, scope.account_id)
        sent = await self.otp.send(
            scope.tenant_id,
            "intent",
            mobile,
            client=client,
            binding=intent_binding(seal_id, document_sm3_hex),
            subject=str(scope.account_id),
        )
        return sent.id, sent.mobile_masked, sent.expires_at

    async def __call__(self, scope: Scope, cmd: SignCommand) -> None:
        if not (await self.policy_of(scope.tenant_id)).intent_sms:
            return
        # A retry of a signing already made replays it; its code was spent by the first.
        if (
            await SignatureRecord.exists()
            .where(
                (SignatureRecord.tenant_id == scope.tenant_id)
                & (SignatureRecord.account_id == scope.account_id)
                & (SignatureRecord.idempotency_key == cmd.idempotency_key.strip())
            )
            .run()
        ):
            return
        if cmd.intent_challenge_id is None or not cmd.intent_code:
            raise PolicyDenied(
                "this tenant confirms each signing by SMS (意愿认证): ask for a code with "
                "POST /api/v1/signatures/intent-code, then sign with intent_challenge_id "
                "and intent_code",
                field="intent_code",
            )
        await self.otp.verify(
            scope.tenant_id,
            "intent",
            cmd.intent_challenge_id,
            cmd.intent_code,
            binding=intent_binding(cmd.seal_id, cmd.request_sm3.hex()),
            subject=str(scope.account_id),
        )


class IntentCodeRequest(msgspec.Struct, forbid_unknown_fields=True):
    seal_id: uuid.UUID
    document_sm3: str


class IntentCodeOut(msgspec.Struct):
    challenge_id: uuid.UUID
    mobile_masked: str
    expires_at: datetime


class IntentController(Controller):
    path = "/api/v1/signatures"
    tags = ["signing"]  # noqa: RUF012

    @post(
        "/intent-code",
        operation_id="sendIntentCode",
        summary="意愿认证: send the seal owner an SMS code bound to this document",
        status_code=HTTP_202_ACCEPTED,
        guards=[requires(Role.PERSON, Role.ENTERPRISE_AGENT)],
        responses=errors(401, 403, 404, 422, 429, 503),
    )
    async def send(
        self,
        request: Request[Any, Any, Any],
        intent: NamedDependency[IntentCheck],
        principal: CurrentPrincipal,
        data: JSONBody[IntentCodeRequest],
    ) -> IntentCodeOut:
        client = request.client.host if request.client else ""
        challenge, masked, expires = await intent.send_code(
            principal, data.seal_id, data.document_sm3, client
        )
        return IntentCodeOut(challenge, masked, expires)
