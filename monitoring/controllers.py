"""/api/v1/ratings (rate a completed operation), /api/v1/ranking (the ranking with its
formula and inputs), /api/v1/regulator/* (read-only views across tenants)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from adapters.admission.queries import conformance_by_vendor, registered_vendors
from hub.auth.guards import requires
from hub.auth.openapi import errors
from hub.auth.principal import CurrentPrincipal, Role
from hub.errors import ValidationFailed
from hub.schemas_common import Count, Key, Limit, QueryKey
from monitoring.records import AdmissionChange, Alert, TenantStatistics
from monitoring.schemas import (
    RateIn,
    RatingOut,
)
from monitoring.services import QualityService, RegulatorService, ranking_document

# The hub's QualityService: admission's scorer, so the ranking and admission decisions
# are one computation (built in hub.services).
Quality = NamedDependency[QualityService]


class RatingController(Controller):
    path = "/api/v1/ratings"
    tags = ["quality"]  # noqa: RUF012

    @post(
        "",
        operation_id="rateOperation",
        status_code=HTTP_201_CREATED,
        summary="Rate the vendor's service for a seal you had made or a document you signed",
        description="Once per operation, only by the user who did it, within 30 days; "
        "1-5 stars, comment up to 500 characters (stored, never in metrics).",
        guards=[requires()],
        responses=errors(401, 403, 404, 409, 422),
    )
    async def rate(
        self, quality: Quality, principal: CurrentPrincipal, data: JSONBody[RateIn]
    ) -> RatingOut:
        view = await quality.ratings.rate(
            principal, data.operation, data.operation_id, data.stars, data.comment
        )
        return RatingOut(
            id=view.id,
            operation=view.operation,
            operation_id=view.operation_id,
            vendor=view.vendor,
            stars=view.stars,
            comment=view.comment,
            created_at=view.created_at,
        )


class RankingController(Controller):
    path = "/api/v1/ranking"
    tags = ["quality"]  # noqa: RUF012

    @get(
        "",
        operation_id="getRanking",
        summary="Vendor ranking with the formula and every input behind each score",
        description="`view=hub` (default) counts every tenant's ratings; `view=tenant` "
        "only ratings from the caller's tenant. Live numbers are hub-wide.",
        guards=[requires()],
        responses=errors(401, 422),
    )
    async def ranking(
        self, quality: Quality, principal: CurrentPrincipal, view: FromQuery[Key] = "hub"
    ) -> dict[str, Any]:
        if view not in ("hub", "tenant"):
            raise ValidationFailed("view must be 'hub' or 'tenant'", field="view")
        mine = view == "tenant"
        ranked = await quality.ranking(
            await registered_vendors(),
            await conformance_by_vendor(),
            tenant_id=principal.tenant_id if mine else None,
            tenant=principal.tenant_slug if mine else None,
        )
        return {"view": view, **ranking_document(ranked)}


_REGULATOR = requires(Role.REGULATOR, Role.HUB_OPERATOR)


class RegulatorController(Controller):
    """Read-only across tenants; responses carry counts, slugs, vendor names and quality
    numbers only (no account ids, names, ID numbers, comments or documents)."""

    path = "/api/v1/regulator"
    tags = ["regulator"]  # noqa: RUF012
    guards = [_REGULATOR]  # noqa: RUF012

    @get(
        "/ranking",
        operation_id="regulatorRanking",
        summary="Ranking with the inputs behind each score",
        responses=errors(401, 403),
    )
    async def ranking(self, quality: Quality) -> dict[str, Any]:
        return await RegulatorService(quality).ranking()

    @get(
        "/admissions",
        operation_id="regulatorAdmissionHistory",
        summary="Admission status history of vendors across tenants, newest first",
        responses=errors(401, 403),
    )
    async def admissions(
        self, quality: Quality, vendor: QueryKey = None, tenant: QueryKey = None, limit: Limit = 200
    ) -> list[AdmissionChange]:
        return await RegulatorService(quality).admission_history(
            vendor=vendor, tenant=tenant, limit=limit
        )

    @get(
        "/tenants",
        operation_id="regulatorTenantStatistics",
        summary="Per-tenant statistics: seals by status and vendor, signatures, ratings",
        responses=errors(401, 403),
    )
    async def tenants(self, quality: Quality) -> list[TenantStatistics]:
        return await RegulatorService(quality).tenant_statistics()

    @get(
        "/alerts",
        operation_id="regulatorRecentAlerts",
        summary="Recent alerts: automatic admission changes, vendors below the quality floor",
        responses=errors(401, 403),
    )
    async def alerts(self, quality: Quality, days: FromQuery[Count] = 7) -> list[Alert]:
        return await RegulatorService(quality).recent_alerts(days=max(1, min(days, 90)))
