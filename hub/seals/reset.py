"""Resetting a forgotten seal 口令 or account password: a fresh real-name check (face
comparison through the identity verifier) plus a one-time code sent to the mobile number
registered at real-name registration. The reset is written to the seal's history and the
evidence log, and the owner is told.

Two steps for each: ask for a code (it goes to the registered mobile, never to one given
in the request), then answer it with the code, a live face photo and the new password.
An account reset is asked for without a login; an unknown username gets the same answer
as a known one (no account oracle).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from hub.auth.guards import requires
from hub.auth.openapi import errors
from hub.auth.passwords import hash_password
from hub.auth.principal import CurrentPrincipal, Role
from hub.errors import NotFound, ValidationFailed
from hub.ports import Scope
from hub.seals.notices import tell_owner
from hub.seals.records import SealRecord
from hub.seals.services import SealService
from hub.seals.tables import Seal, SealEvent
from hub.sms.codes import OtpService, seal_binding
from tenants.identity.services import IdentityService
from tenants.policy.services import Policy, get_policy
from tenants.queries import account_id_by_username, tenant_id_by_slug
from tenants.services import check_password as check_account_password
from tenants.services import reset_password


@dataclass(frozen=True)
class CodeSent:
    challenge_id: uuid.UUID
    mobile_masked: str
    expires_at: datetime


class PasswordResets:
    def __init__(self, seals: SealService, identity: IdentityService, otp: OtpService) -> None:
        self.seals = seals
        self.identity = identity
        self.otp = otp

    # --- a seal's 口令 --------------------------------------------------------------

    async def seal_code(self, scope: Scope, seal_id: uuid.UUID, client: str) -> CodeSent:
        seal = await self._own_seal(scope, seal_id)
        person = await self._person(scope.tenant_id, scope.account_id)
        mobile = await self.identity.reveal_mobile(scope.tenant_id, person)
        sent = await self.otp.send(
            scope.tenant_id,
            "reset",
            mobile,
            binding=seal_binding(seal.id),
            client=client,
            subject=str(scope.account_id),
        )
        return CodeSent(sent.id, sent.mobile_masked, sent.expires_at)

    async def reset_seal(
        self,
        scope: Scope,
        seal_id: uuid.UUID,
        *,
        challenge_id: uuid.UUID,
        code: str,
        face_image: bytes,
        new_password: str,
    ) -> None:
        seal = await self._own_seal(scope, seal_id)
        person = await self._person(scope.tenant_id, scope.account_id)
        _check_seal_password(new_password, await get_policy(scope.tenant_id))
        result = await self.identity.recheck_person(scope.tenant_id, person, face_image)
        await self.otp.verify(
            scope.tenant_id,
            "reset",
            challenge_id,
            code,
            binding=seal_binding(seal.id),
            subject=str(scope.account_id),
        )
        reason = (
            f"口令 reset after a fresh real-name check (face, {result.verifier} "
            f"{result.reference}) and an SMS code to the registered mobile"
        )
        await self._store_seal_password(scope, seal, new_password, reason)
        await self.seals.events.record(
            scope.tenant_id,
            "seal.password_reset",
            {"seal": str(seal_id), "verifier": result.verifier, "reference": result.reference},
        )
        await tell_owner(
            scope.tenant_id,
            seal_id,
            scope.account_id,
            "password-reset",
            f"您的印章「{seal.name}」的口令已在实名核验后重置。如非本人操作，请立即挂失。",
        )

    async def _store_seal_password(
        self, scope: Scope, seal: SealRecord, new_password: str, reason: str
    ) -> None:
        """The new 口令 (failures and lock cleared) and its history entry, together."""
        now = datetime.now(UTC)
        async with self.seals.db.transaction():
            await (
                Seal.update(
                    {
                        Seal.password_hash: await hash_password(new_password),
                        Seal.password_changed_at: now,
                        Seal.password_failures: 0,
                        Seal.password_locked_until: None,
                    }
                )
                .where((Seal.tenant_id == scope.tenant_id) & (Seal.id == seal.id))
                .run()
            )
            await (
                SealEvent(
                    id=uuid.uuid4(),
                    tenant_id=scope.tenant_id,
                    seal_id=seal.id,
                    from_status=seal.status,
                    to_status=seal.status,
                    actor_account_id=scope.account_id,
                    reason=reason,
                    at=now,
                )
                .save()
                .run()
            )

    # --- an account's password -------------------------------------------------------

    async def account_code(self, tenant_slug: str, username: str, client: str) -> CodeSent:
        found = await self._account(tenant_slug, username)
        if found is None:  # the same answer as for a real account: no username oracle
            return CodeSent(uuid.uuid4(), "***", datetime.now(UTC))
        tenant_id, account_id, person_id = found
        mobile = await self.identity.reveal_mobile(tenant_id, person_id)
        sent = await self.otp.send(
            tenant_id, "reset", mobile, binding="account", client=client, subject=str(account_id)
        )
        return CodeSent(sent.id, sent.mobile_masked, sent.expires_at)

    async def reset_account(
        self,
        tenant_slug: str,
        username: str,
        *,
        challenge_id: uuid.UUID,
        code: str,
        face_image: bytes,
        new_password: str,
    ) -> None:
        found = await self._account(tenant_slug, username)
        if found is None:
            raise ValidationFailed("unknown code challenge", field="challenge_id")
        tenant_id, account_id, person_id = found
        check_account_password(new_password, await get_policy(tenant_id), "new_password")
        result = await self.identity.recheck_person(tenant_id, person_id, face_image)
        await self.otp.verify(
            tenant_id, "reset", challenge_id, code, binding="account", subject=str(account_id)
        )
        await reset_password(tenant_id, account_id, await hash_password(new_password))
        await self.seals.events.record(
            tenant_id,
            "account.password_reset",
            {
                "account": str(account_id),
                "verifier": result.verifier,
                "reference": result.reference,
            },
        )

    # --- internals ---------------------------------------------------------------------

    async def _own_seal(self, scope: Scope, seal_id: uuid.UUID) -> SealRecord:
        seal = await self.seals.get(scope, seal_id)
        if seal.owner_account_id != scope.account_id:
            raise NotFound("seal not found")
        return seal

    async def _person(self, tenant_id: uuid.UUID, account_id: uuid.UUID) -> uuid.UUID:
        person_id = await self.identity.person_id_of_account(tenant_id, account_id)
        if person_id is None:
            raise NotFound("no real-name registered person for this account")
        return person_id

    async def _account(
        self, tenant_slug: str, username: str
    ) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID] | None:
        tenant_id = await tenant_id_by_slug(tenant_slug)
        if tenant_id is None:
            return None
        account_id = await account_id_by_username(tenant_id, username)
        if account_id is None:
            return None
        person_id = await self.identity.person_id_of_account(tenant_id, account_id)
        return None if person_id is None else (tenant_id, account_id, person_id)


def _check_seal_password(new_password: str, policy: Policy) -> None:
    if len(new_password) < policy.password_min_length:
        raise ValidationFailed(
            f"password must be at least {policy.password_min_length} characters",
            field="new_password",
        )
    if new_password.isdigit() or new_password.isalpha():
        raise ValidationFailed("password must mix letters and digits", field="new_password")


# --- HTTP --------------------------------------------------------------------------------


class CodeSentOut(msgspec.Struct):
    challenge_id: uuid.UUID
    mobile_masked: str
    expires_at: datetime


class SealReset(msgspec.Struct, forbid_unknown_fields=True):
    challenge_id: uuid.UUID
    code: str
    face_image: str  # base64 live photo
    new_password: str


class AccountCode(msgspec.Struct, forbid_unknown_fields=True):
    tenant: str
    username: str


class AccountReset(msgspec.Struct, forbid_unknown_fields=True):
    tenant: str
    username: str
    challenge_id: uuid.UUID
    code: str
    face_image: str
    new_password: str


def _face(b64: str) -> bytes:
    try:
        return base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("face_image must be base64", field="face_image") from None


def _client(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else ""


def _out(sent: CodeSent) -> CodeSentOut:
    return CodeSentOut(sent.challenge_id, sent.mobile_masked, sent.expires_at)


class PasswordResetController(Controller):
    path = "/api/v1"
    tags = ["password reset"]  # noqa: RUF012

    @post(
        "/seals/{seal_id:uuid}/password/reset-code",
        operation_id="sendSealResetCode",
        summary="Forgotten 口令: send a code to the owner's registered mobile",
        status_code=HTTP_202_ACCEPTED,
        guards=[requires(Role.PERSON, Role.ENTERPRISE_AGENT)],
        responses=errors(401, 403, 404, 429, 503),
    )
    async def seal_code(
        self,
        password_resets: NamedDependency[PasswordResets],
        request: Request[Any, Any, Any],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
    ) -> CodeSentOut:
        return _out(await password_resets.seal_code(principal, seal_id, _client(request)))

    @post(
        "/seals/{seal_id:uuid}/password/reset",
        operation_id="resetSealPassword",
        summary="Forgotten 口令: reset it with the SMS code and a fresh face check",
        status_code=HTTP_204_NO_CONTENT,
        guards=[requires(Role.PERSON, Role.ENTERPRISE_AGENT)],
        responses=errors(401, 403, 404, 422),
    )
    async def reset_seal(
        self,
        password_resets: NamedDependency[PasswordResets],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
        data: JSONBody[SealReset],
    ) -> None:
        await password_resets.reset_seal(
            principal,
            seal_id,
            challenge_id=data.challenge_id,
            code=data.code,
            face_image=_face(data.face_image),
            new_password=data.new_password,
        )

    @post(
        "/password-reset/code",
        operation_id="sendAccountResetCode",
        summary="Forgotten account password: send a code to the registered mobile",
        status_code=HTTP_202_ACCEPTED,
        responses=errors(422, 429, 503),
    )
    async def account_code(
        self,
        password_resets: NamedDependency[PasswordResets],
        request: Request[Any, Any, Any],
        data: JSONBody[AccountCode],
    ) -> CodeSentOut:
        return _out(
            await password_resets.account_code(data.tenant, data.username, _client(request))
        )

    @post(
        "/password-reset",
        operation_id="resetAccountPassword",
        summary="Forgotten account password: reset it with the code and a fresh face check",
        status_code=HTTP_204_NO_CONTENT,
        responses=errors(403, 422),
    )
    async def reset_account(
        self, password_resets: NamedDependency[PasswordResets], data: JSONBody[AccountReset]
    ) -> None:
        await password_resets.reset_account(
            data.tenant,
            data.username,
            challenge_id=data.challenge_id,
            code=data.code,
            face_image=_face(data.face_image),
            new_password=data.new_password,
        )
