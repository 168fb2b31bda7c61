"""/api/v1/identity: persons and enterprises of the caller's tenant (real-name registration).

Staff (tenant admin, clerk) register and list; a person sees their own record, an
enterprise agent the enterprises they act for. Anything else answers 404.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED

from hub.auth.guards import requires
from hub.auth.openapi import errors
from hub.auth.principal import CurrentPrincipal, Role
from hub.auth.scope import not_found
from hub.errors import NotFound, ValidationFailed
from hub.schemas_common import Limit, Offset
from hub.sms.codes import OtpService
from tenants import services as tenant_services
from tenants.identity.schemas import (
    ChangeEnterprise,
    EnterpriseOut,
    MobileCodeOut,
    MobileCodeRequest,
    PersonOut,
    RegisterEnterprise,
    RegisterPerson,
    SelfRegisterPerson,
)
from tenants.identity.services import (
    STAFF,
    EnterpriseView,
    IdentityService,
    PersonView,
)
from tenants.identity.tables import Enterprise, Person
from tenants.policy.services import get_policy
from tenants.validation import check_mobile

_MAX_FACE_BYTES = 2 * 1024 * 1024


def person_out(v: PersonView) -> PersonOut:
    return PersonOut(**v.__dict__)


def enterprise_out(v: EnterpriseView) -> EnterpriseOut:
    return EnterpriseOut(**v.__dict__)


def _face(b64: str) -> bytes:
    try:
        raw = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("face_image must be base64", field="face_image") from None
    if len(raw) > _MAX_FACE_BYTES:
        raise ValidationFailed("face_image is larger than 2 MiB", field="face_image")
    return raw


class PersonController(Controller):
    path = "/api/v1/identity/persons"
    tags = ["identity"]  # noqa: RUF012

    @post(
        "",
        operation_id="registerPerson",
        status_code=HTTP_201_CREATED,
        summary="Register a citizen after real-name and face checks; creates their login",
        guards=[requires(*STAFF)],
        responses=errors(401, 403, 409, 422),
    )
    async def register(
        self,
        identity: NamedDependency[IdentityService],
        principal: CurrentPrincipal,
        data: JSONBody[RegisterPerson],
    ) -> PersonOut:
        view = await identity.register_person(
            principal.tenant_id,
            name=data.name,
            id_number=data.id_number,
            mobile=data.mobile,
            face_image=_face(data.face_image),
            username=data.username,
            password=data.password,
        )
        return person_out(view)

    @get(
        "",
        operation_id="listPersons",
        summary="List my tenant's registered persons (masked)",
        guards=[requires(*STAFF)],
        responses=errors(401, 403),
    )
    async def list_persons(
        self,
        identity: NamedDependency[IdentityService],
        principal: CurrentPrincipal,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[PersonOut]:
        views = await identity.list_persons(
            principal.tenant_id, limit=max(1, min(limit, 500)), offset=max(0, offset)
        )
        return [person_out(v) for v in views]

    @get(
        "/me",
        operation_id="getMyPerson",
        summary="My own verified identity (masked)",
        guards=[requires(Role.PERSON, Role.ENTERPRISE_AGENT)],
        responses=errors(401, 403, 404),
    )
    async def me(
        self, identity: NamedDependency[IdentityService], principal: CurrentPrincipal
    ) -> PersonOut:
        view = await identity.person_for_account(principal.tenant_id, principal.account_id)
        return person_out(view)

    @get(
        "/{person_id:uuid}",
        operation_id="getPerson",
        summary="One person (staff, or the person themself)",
        guards=[requires()],
        responses=errors(401, 404),
    )
    async def get(
        self,
        identity: NamedDependency[IdentityService],
        principal: CurrentPrincipal,
        person_id: FromPath[uuid.UUID],
    ) -> PersonOut:
        try:
            view = await identity.person_seen_by(principal, person_id)
        except NotFound:
            raise await not_found(
                Person, person_id, principal.tenant_id, principal.tenant_slug, "person"
            ) from None
        return person_out(view)


class EnterpriseController(Controller):
    path = "/api/v1/identity/enterprises"
    tags = ["identity"]  # noqa: RUF012

    @post(
        "",
        operation_id="registerEnterprise",
        status_code=HTTP_201_CREATED,
        summary="Register an enterprise (credit code, verified legal representative, agent)",
        guards=[requires(*STAFF)],
        responses=errors(401, 403, 409, 422),
    )
    async def register(
        self,
        identity: NamedDependency[IdentityService],
        principal: CurrentPrincipal,
        data: JSONBody[RegisterEnterprise],
    ) -> EnterpriseOut:
        view = await identity.register_enterprise(
            principal.tenant_id,
            name=data.name,
            credit_code=data.credit_code,
            legal_representative_id=data.legal_representative_id,
            agent_person_id=data.agent_person_id,
        )
        return enterprise_out(view)

    @get(
        "",
        operation_id="listEnterprises",
        summary="List enterprises (staff: all of my tenant; agents: the ones they act for)",
        guards=[requires(*STAFF, Role.ENTERPRISE_AGENT)],
        responses=errors(401, 403),
    )
    async def list_enterprises(
        self,
        identity: NamedDependency[IdentityService],
        principal: CurrentPrincipal,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[EnterpriseOut]:
        views = await identity.enterprises_seen_by(
            principal,
            limit=max(1, min(limit, 500)),
            offset=max(0, offset),
        )
        return [enterprise_out(v) for v in views]

    @get(
        "/{enterprise_id:uuid}",
        operation_id="getEnterprise",
        summary="One enterprise (staff, or its agent)",
        guards=[requires()],
        responses=errors(401, 404),
    )
    async def get(
        self,
        identity: NamedDependency[IdentityService],
        principal: CurrentPrincipal,
        enterprise_id: FromPath[uuid.UUID],
    ) -> EnterpriseOut:
        try:
            view = await identity.enterprise_seen_by(principal, enterprise_id)
        except NotFound:
            raise await not_found(
                Enterprise, enterprise_id, principal.tenant_id, principal.tenant_slug, "enterprise"
            ) from None
        return enterprise_out(view)

    @patch(
        "/{enterprise_id:uuid}",
        operation_id="changeEnterprise",
        summary="Change name or legal representative (revokes the enterprise's seals; "
        "the answer lists them)",
        guards=[requires(*STAFF)],
        responses=errors(401, 403, 404, 422),
    )
    async def change(
        self,
        identity: NamedDependency[IdentityService],
        principal: CurrentPrincipal,
        enterprise_id: FromPath[uuid.UUID],
        data: JSONBody[ChangeEnterprise],
    ) -> EnterpriseOut:
        try:
            view = await identity.change_enterprise(
                principal.tenant_id,
                enterprise_id,
                actor=principal.account_id,
                name=data.name,
                legal_representative_id=data.legal_representative_id,
            )
        except NotFound:
            raise await not_found(
                Enterprise, enterprise_id, principal.tenant_id, principal.tenant_slug, "enterprise"
            ) from None
        return enterprise_out(view)


class RegistrationController(Controller):
    """Citizens register themselves (no token yet): the bureau is named by its public slug."""

    path = "/api/v1/register"
    tags = ["identity"]  # noqa: RUF012

    @post(
        "/person",
        operation_id="selfRegisterPerson",
        status_code=HTTP_201_CREATED,
        summary="A citizen registers with a bureau: real-name and face checks, own login",
        responses=errors(409, 422),
    )
    async def register(
        self,
        identity: NamedDependency[IdentityService],
        otp: NamedDependency[OtpService],
        data: JSONBody[SelfRegisterPerson],
    ) -> PersonOut:
        tenant_id = await tenant_services.tenant_for_registration(data.tenant)
        await prove_mobile(otp, tenant_id, data.mobile, data.mobile_challenge_id, data.mobile_code)
        view = await identity.register_person(
            tenant_id,
            name=data.name,
            id_number=data.id_number,
            mobile=data.mobile,
            face_image=_face(data.face_image),
            username=data.username,
            password=data.password,
        )
        return person_out(view)

    @post(
        "/mobile-code",
        operation_id="sendRegistrationMobileCode",
        status_code=HTTP_202_ACCEPTED,
        summary="Send an SMS code to the mobile number a citizen registers with",
        responses=errors(404, 422, 429, 503),
    )
    async def mobile_code(
        self,
        request: Request[Any, Any, Any],
        otp: NamedDependency[OtpService],
        data: JSONBody[MobileCodeRequest],
    ) -> MobileCodeOut:
        tenant_id = await tenant_services.tenant_for_registration(data.tenant)
        mobile = check_mobile(data.mobile, "mobile")
        sent = await otp.send(
            tenant_id,
            "registration",
            mobile,
            binding="mobile:" + mobile,
            client=request.client.host if request.client else "",
        )
        return MobileCodeOut(sent.id, sent.mobile_masked, sent.expires_at)


async def prove_mobile(
    otp: OtpService,
    tenant_id: uuid.UUID,
    mobile: str,
    challenge: uuid.UUID | None,
    code: str | None,
) -> None:
    """When the bureau asks (policy verify_mobile), the code sent to `mobile` must be
    given back: it proves the number belongs to the person registering."""
    if not (await get_policy(tenant_id)).verify_mobile:
        return
    if challenge is None or not code:
        raise ValidationFailed(
            "this bureau proves the mobile number by SMS: ask for a code "
            "(POST /api/v1/register/mobile-code) and give mobile_code",
            field="mobile_code",
        )
    mobile = check_mobile(mobile, "mobile")
    await otp.verify(tenant_id, "registration", challenge, code, binding="mobile:" + mobile)
