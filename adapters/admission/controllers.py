"""HTTP API of admission. Thin: validate, call one service method, return a schema.

Needs the `admission` dependency (the hub's `AdmissionService`, see `wiring.install`),
the hub's `principal` dependency and its guards (hub.auth). The tenant always comes from the token.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from adapters.admission.records import (
    RegistrationChange,
    Standing,
    VendorRegistrationRecord,
    VendorStatusChange,
)
from adapters.admission.schemas import (
    AdmissionEventOut,
    AdmissionOut,
    AdmissionSummaryOut,
    ApplicationIn,
    ReasonIn,
    TransitionOut,
    VendorCorrectionIn,
    VendorRegistrationIn,
    VendorRegistrationOut,
)
from adapters.admission.services import AdmissionService
from hub.auth.guards import requires
from hub.auth.principal import Principal, Role
from hub.errors import ValidationFailed


def _problems(*codes: int) -> dict[int, ResponseSpec]:
    text = {
        401: "No or invalid access token",
        403: "The caller lacks the role",
        404: "Vendor not registered or not applied to this tenant",
        409: "The status does not allow this change",
        422: "Invalid field (named in the problem)",
    }
    return {c: ResponseSpec(None, description=text[c] + " (problem+json)") for c in codes}


def _registration_out(registration: VendorRegistrationRecord) -> VendorRegistrationOut:
    return VendorRegistrationOut(
        name=registration.name,
        kind=registration.kind,
        endpoint=registration.endpoint,
        product_certificate=registration.product_certificate,
        has_maker_ca_cert=bool(registration.maker_ca_cert),
        sla_p95_ms=registration.sla_p95_ms,
        registered_at=registration.registered_at,
    )


def _admission_out(standing: Standing) -> AdmissionOut:
    return AdmissionOut(
        vendor=standing.vendor,
        status=standing.status,
        since=standing.since,
        automatic=standing.automatic,
        conformance_passed=standing.conformance_passed,
        history=[
            AdmissionEventOut(h.from_status, h.to_status, h.reason, h.evidence, h.actor, h.at)
            for h in standing.history
        ],
    )


class VendorRegistryController(Controller):
    """Hub-wide vendor registrations (hub operator) and cross-tenant history (regulator)."""

    path = "/api/v1/vendors"
    tags = ["admission"]  # noqa: RUF012

    @post(
        "",
        operation_id="registerVendor",
        summary="Register a vendor hub-wide (adapter kind, endpoint, credentials, SLA)",
        guards=[requires(Role.HUB_OPERATOR)],
        responses=_problems(401, 403, 409, 422),
    )
    async def register(
        self, admission: NamedDependency[AdmissionService], data: JSONBody[VendorRegistrationIn]
    ) -> VendorRegistrationOut:
        maker_ca = None
        if data.maker_ca_cert:
            try:
                maker_ca = base64.b64decode(data.maker_ca_cert, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValidationFailed(
                    "maker_ca_cert must be base64 DER", field="maker_ca_cert"
                ) from exc
        row = await admission.register_vendor(
            name=data.name,
            kind=data.kind,
            endpoint=data.endpoint,
            config=data.config,
            product_certificate=data.product_certificate,
            maker_ca_cert=maker_ca,
            sla_p95_ms=data.sla_p95_ms,
        )
        return _registration_out(row)

    @get(
        "",
        operation_id="listVendors",
        summary="Registered vendors",
        guards=[requires(Role.HUB_OPERATOR, Role.REGULATOR, Role.TENANT_ADMIN)],
        responses=_problems(401, 403),
    )
    async def list_vendors(
        self, admission: NamedDependency[AdmissionService]
    ) -> list[VendorRegistrationOut]:
        return [_registration_out(r) for r in await admission.registrations()]

    @get(
        "/{vendor:str}/admission-history",
        operation_id="vendorAdmissionHistory",
        summary="A vendor's admission status history in every tenant (regulator view)",
        guards=[requires(Role.REGULATOR, Role.HUB_OPERATOR)],
        responses=_problems(401, 403),
    )
    async def history(
        self, admission: NamedDependency[AdmissionService], vendor: FromPath[str]
    ) -> list[VendorStatusChange]:
        return await admission.history_across_tenants(vendor)

    @put(
        "/{vendor:str}",
        operation_id="correctVendorRegistration",
        summary="Correct a vendor's registration (endpoint, certificates, SLA); history kept",
        guards=[requires(Role.HUB_OPERATOR)],
        responses=_problems(401, 403, 404, 422),
    )
    async def correct(
        self,
        admission: NamedDependency[AdmissionService],
        principal: NamedDependency[Principal],
        vendor: FromPath[str],
        data: JSONBody[VendorCorrectionIn],
    ) -> VendorRegistrationOut:
        maker_ca = None
        if data.maker_ca_cert:
            try:
                maker_ca = base64.b64decode(data.maker_ca_cert, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValidationFailed(
                    "maker_ca_cert must be base64 DER", field="maker_ca_cert"
                ) from exc
        row = await admission.correct_vendor(
            vendor,
            reason=data.reason,
            actor=principal.account_id,
            endpoint=data.endpoint,
            config=data.config,
            product_certificate=data.product_certificate,
            maker_ca_cert=maker_ca,
            sla_p95_ms=data.sla_p95_ms,
        )
        return _registration_out(row)

    @get(
        "/{vendor:str}/registration-history",
        operation_id="vendorRegistrationHistory",
        summary="Corrections of a vendor's registration: old and new values, who, why",
        guards=[requires(Role.HUB_OPERATOR, Role.REGULATOR)],
        responses=_problems(401, 403, 404),
    )
    async def registration_history(
        self, admission: NamedDependency[AdmissionService], vendor: FromPath[str]
    ) -> list[RegistrationChange]:
        return await admission.registration_history(vendor)


class AdmissionController(Controller):
    """A tenant's admission rules and its vendors' standing (tenant admin)."""

    path = "/api/v1/admission"
    tags = ["admission"]  # noqa: RUF012
    guards = [requires(Role.TENANT_ADMIN)]  # noqa: RUF012

    @get(
        "/rules",
        operation_id="getAdmissionRules",
        summary="This tenant's admission rules",
        responses=_problems(401, 403),
    )
    async def get_rules(
        self, admission: NamedDependency[AdmissionService], principal: NamedDependency[Principal]
    ) -> dict[str, Any]:
        return (await admission.rules(principal.tenant_id)).to_dict()

    @put(
        "/rules",
        operation_id="setAdmissionRules",
        summary="Replace this tenant's admission rules (unknown keys are refused)",
        responses=_problems(401, 403, 422),
    )
    async def set_rules(
        self,
        admission: NamedDependency[AdmissionService],
        principal: NamedDependency[Principal],
        data: JSONBody[dict[str, Any]],
    ) -> dict[str, Any]:
        rules = await admission.set_rules(
            principal.tenant_id, data, tenant_slug=principal.tenant_slug
        )
        return rules.to_dict()

    @post(
        "/applications",
        operation_id="applyForAdmission",
        summary="File a vendor's application: conformance suite, rules, probation or refusal",
        responses=_problems(401, 403, 404, 409),
    )
    async def apply(
        self,
        admission: NamedDependency[AdmissionService],
        principal: NamedDependency[Principal],
        data: JSONBody[ApplicationIn],
    ) -> AdmissionOut:
        standing = await admission.apply(
            principal.tenant_id, principal.tenant_slug, data.vendor, actor=str(principal.account_id)
        )
        return _admission_out(standing)

    @get(
        "/vendors",
        operation_id="listAdmissions",
        summary="Every vendor's status in this tenant",
        responses=_problems(401, 403),
    )
    async def list_admissions(
        self, admission: NamedDependency[AdmissionService], principal: NamedDependency[Principal]
    ) -> list[AdmissionSummaryOut]:
        rows = await admission.admissions(principal.tenant_id)
        return [
            AdmissionSummaryOut(
                r.vendor, r.status, r.status_since, r.automatic, r.conformance_passed
            )
            for r in rows
        ]

    @get(
        "/vendors/{vendor:str}",
        operation_id="getAdmission",
        summary="A vendor's status here, with its dated history, reasons and evidence",
        responses=_problems(401, 403, 404),
    )
    async def get_admission(
        self,
        admission: NamedDependency[AdmissionService],
        principal: NamedDependency[Principal],
        vendor: FromPath[str],
    ) -> AdmissionOut:
        return _admission_out(await admission.standing(principal.tenant_id, vendor))

    @post(
        "/vendors/{vendor:str}/suspend",
        operation_id="suspendVendor",
        summary="Suspend a vendor here (no new seals; signing per tenant policy)",
        responses=_problems(401, 403, 404, 409),
    )
    async def suspend(
        self,
        admission: NamedDependency[AdmissionService],
        principal: NamedDependency[Principal],
        vendor: FromPath[str],
        data: JSONBody[ReasonIn],
    ) -> AdmissionOut:
        service = admission
        await service.suspend(principal.tenant_id, vendor, data.reason, str(principal.account_id))
        return _admission_out(await service.standing(principal.tenant_id, vendor))

    @post(
        "/vendors/{vendor:str}/reinstate",
        operation_id="reinstateVendor",
        summary="Lift a suspension",
        responses=_problems(401, 403, 404, 409),
    )
    async def reinstate(
        self,
        admission: NamedDependency[AdmissionService],
        principal: NamedDependency[Principal],
        vendor: FromPath[str],
        data: JSONBody[ReasonIn],
    ) -> AdmissionOut:
        service = admission
        await service.reinstate(principal.tenant_id, vendor, data.reason, str(principal.account_id))
        return _admission_out(await service.standing(principal.tenant_id, vendor))

    @post(
        "/vendors/{vendor:str}/revoke",
        operation_id="revokeVendor",
        summary="Revoke a vendor's admission here (it may apply again)",
        responses=_problems(401, 403, 404, 409),
    )
    async def revoke(
        self,
        admission: NamedDependency[AdmissionService],
        principal: NamedDependency[Principal],
        vendor: FromPath[str],
        data: JSONBody[ReasonIn],
    ) -> AdmissionOut:
        service = admission
        await service.revoke(principal.tenant_id, vendor, data.reason, str(principal.account_id))
        return _admission_out(await service.standing(principal.tenant_id, vendor))

    @post(
        "/reevaluate",
        operation_id="reevaluateAdmissions",
        summary="Apply the live rules to this tenant's vendors now (the schedule does it too)",
        responses=_problems(401, 403),
    )
    async def reevaluate(
        self, admission: NamedDependency[AdmissionService], principal: NamedDependency[Principal]
    ) -> list[TransitionOut]:
        changes = await admission.reevaluate(principal.tenant_id)
        return [TransitionOut(c.vendor, c.from_status, c.to_status, c.reason) for c in changes]


CONTROLLERS = [VendorRegistryController, AdmissionController]
