"""Ratings, the quality service behind the ranking, and the regulator's read-only views.

* `RatingService.rate`: after a completed operation (a seal made, a document signed) the
  user who did it may rate the vendor once, 1-5 stars and an optional comment, within
  `window`. One rating per operation per user is enforced by a unique key in the
  database, so racing requests on several replicas still store one.
* `QualityService` is a `QualitySource` (what admission reads) and the ranking: live
  numbers (calls, latency, health probes) come from a live source such as
  `adapters.admission.live.CallLog`, ratings from the database, and both go through
  `monitoring.quality.score`, so admission and the ranking cannot disagree.
* `RegulatorService`: ranking with its inputs, admission status history across tenants,
  per-tenant statistics and recent alerts, built only from counts, slugs, vendor names
  and quality numbers. No account ids, names, ID numbers, comments or document data.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol

from piccolo.query.functions.aggregate import Count, Sum

from adapters.admission import queries as admission
from adapters.admission.queries import conformance_by_vendor, registered_vendors
from hub.db import is_unique_violation
from hub.errors import Conflict, Forbidden, PolicyDenied, ValidationFailed
from hub.evidence.store import TableReads as EvidenceReads
from hub.seals import queries as seals
from hub.signing import queries as signing
from monitoring import metrics, quality
from monitoring.quality import QualityInputs, QualityResult, RankedVendor
from monitoring.records import AdmissionChange, Alert, TenantStatistics
from monitoring.tables import VendorRating
from tenants import queries as tenants

log = logging.getLogger("sealhub.monitoring")

if TYPE_CHECKING:
    from hub.auth.principal import Principal

Operation = Literal["seal", "signature"]
OPERATIONS: tuple[Operation, ...] = ("seal", "signature")
RATING_WINDOW = timedelta(days=30)  # how long after the operation its user may rate it
RATINGS_SCORE_WINDOW = timedelta(days=90)  # ratings that count in the quality score
COMMENT_MAX_CHARS = 500


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RatingView:
    id: uuid.UUID
    operation: str
    operation_id: uuid.UUID
    vendor: str
    stars: int
    comment: str
    created_at: datetime


@dataclass(frozen=True)
class _Done:
    """What was done, by whom, with which vendor, and when it completed."""

    vendor: str
    account_id: uuid.UUID
    completed_at: datetime | None


async def _completed_operation(
    principal: Principal, operation: Operation, operation_id: uuid.UUID
) -> _Done:
    if operation == "signature":
        signature = await signing.signature_outcome(
            operation_id, principal.tenant_id, principal.tenant_slug
        )
        done = signature.status == "done"
        return _Done(
            signature.vendor or "", signature.account_id, signature.signed_at if done else None
        )
    seal = await seals.seal_made(operation_id, principal.tenant_id, principal.tenant_slug)
    return _Done(seal.vendor or "", seal.owner_account_id, seal.made_at)


class RatingService:
    def __init__(
        self, *, window: timedelta = RATING_WINDOW, clock: Callable[[], datetime] = _utcnow
    ) -> None:
        self.window = window
        self._clock = clock

    async def rate(
        self,
        principal: Principal,
        operation: str,
        operation_id: uuid.UUID,
        stars: int,
        comment: str = "",
    ) -> RatingView:
        if operation not in OPERATIONS:
            raise ValidationFailed("operation must be 'seal' or 'signature'", field="operation")
        if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
            raise ValidationFailed("stars must be an integer from 1 to 5", field="stars")
        comment = comment.strip()
        if len(comment) > COMMENT_MAX_CHARS:
            raise ValidationFailed(
                f"comment is limited to {COMMENT_MAX_CHARS} characters", field="comment"
            )
        done = await _completed_operation(principal, operation, operation_id)
        if done.account_id != principal.account_id:
            raise Forbidden(f"only the user who did this {operation} may rate it")
        if done.completed_at is None or not done.vendor:
            raise PolicyDenied(f"this {operation} is not completed; rate it once it is")
        if self._clock() - done.completed_at > self.window:
            raise PolicyDenied(f"ratings close {self.window.days} days after the {operation}")
        row = VendorRating(
            tenant_id=principal.tenant_id,
            vendor=done.vendor,
            operation=operation,
            operation_id=operation_id,
            account_id=principal.account_id,
            rating_key=f"{operation}:{operation_id}:{principal.account_id}",
            stars=stars,
            comment=comment,
            created_at=self._clock(),
        )
        try:
            await row.save().run()
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict(
                    f"this {operation} has already been rated", field="operation_id"
                ) from exc
            raise
        metrics.rating_received(done.vendor, stars)
        return RatingView(
            row.id, operation, operation_id, done.vendor, stars, comment, row.created_at
        )

    async def stats(
        self, vendor: str, *, since: datetime | None = None, tenant_id: uuid.UUID | None = None
    ) -> tuple[int, int]:
        """(number of ratings, sum of stars) for `vendor` since `since`."""
        query = VendorRating.select(Count(alias="n"), Sum(VendorRating.stars, alias="stars"))
        query = query.where(VendorRating.vendor == vendor)
        if since is not None:
            query = query.where(VendorRating.created_at >= since)
        if tenant_id is not None:
            query = query.where(VendorRating.tenant_id == tenant_id)
        row = await query.first().run()
        return (int(row["n"]), int(row["stars"] or 0)) if row else (0, 0)

    async def distribution(self, *, since: datetime | None = None) -> dict[str, dict[int, int]]:
        """vendor -> {stars: count}, for the regulator and the dashboard."""
        query = VendorRating.select(VendorRating.vendor, VendorRating.stars)
        if since is not None:
            query = query.where(VendorRating.created_at >= since)
        out: dict[str, Counter[int]] = {}
        for r in await query.run():
            out.setdefault(r["vendor"], Counter())[r["stars"]] += 1
        return {v: {s: c[s] for s in range(1, 6)} for v, c in sorted(out.items())}


class LiveSource(Protocol):
    """Live call/probe numbers; `adapters.admission.live.CallLog` is one."""

    async def quality(
        self, vendor: str, *, since: float | None = None, conformance_passed: bool | None
    ) -> QualityResult: ...


class NoLiveData:
    """A live source for a hub that has not wired its adapters yet: every vendor is
    "no data" (neutral) for calls, latency and availability."""

    def __init__(
        self, sla_p95_seconds: Mapping[str, float] | None = None, window_seconds: int = 3600
    ) -> None:
        self.sla = dict(sla_p95_seconds or {})
        self.window_seconds = window_seconds

    async def quality(
        self, vendor: str, *, since: float | None = None, conformance_passed: bool | None
    ) -> QualityResult:
        return quality.score(
            QualityInputs(
                vendor=vendor,
                window_seconds=self.window_seconds,
                calls=0,
                successful_calls=0,
                p95_latency_seconds=None,
                sla_p95_seconds=self.sla.get(vendor, 1.0),
                health_probes=0,
                health_probes_up=0,
                ratings=0,
                rating_stars_sum=0,
                conformance_passed=conformance_passed,
            )
        )


class QualityService:
    """Scores vendors from live numbers + database ratings; ranks and publishes them."""

    def __init__(
        self,
        live: LiveSource,
        ratings: RatingService | None = None,
        *,
        ratings_window: timedelta = RATINGS_SCORE_WINDOW,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.live = live
        self.ratings = ratings or RatingService()
        self.ratings_window = ratings_window
        self._clock = clock

    async def quality(
        self,
        vendor: str,
        *,
        since: float | None = None,
        conformance_passed: bool | None,
        tenant_id: uuid.UUID | None = None,
        tenant: str | None = None,
    ) -> QualityResult:
        live = await self.live.quality(vendor, since=since, conformance_passed=conformance_passed)
        n, stars = await self.ratings.stats(
            vendor, since=self._clock() - self.ratings_window, tenant_id=tenant_id
        )
        return quality.score(replace(live.inputs, ratings=n, rating_stars_sum=stars, tenant=tenant))

    async def ranking(
        self,
        vendors: Iterable[str],
        conformance: Mapping[str, bool | None],
        *,
        tenant_id: uuid.UUID | None = None,
        tenant: str | None = None,
    ) -> list[RankedVendor]:
        """Hub-wide, or for one tenant (its own users' ratings; live numbers are hub-wide)."""
        results = [
            await self.quality(
                v, conformance_passed=conformance.get(v), tenant_id=tenant_id, tenant=tenant
            )
            for v in sorted(set(vendors))
        ]
        return quality.rank(results)

    async def publish(
        self, vendors: Iterable[str], conformance: Mapping[str, bool | None]
    ) -> list[RankedVendor]:
        """Rank hub-wide and export score, rank and rating to Prometheus."""
        ranked = await self.ranking(vendors, conformance)
        quality.publish(ranked)
        return ranked


# -- what the API shows -------------------------------------------------------------------


def ranked_to_dict(entry: RankedVendor) -> dict[str, Any]:
    """A ranking entry with everything behind the score (no personal data exists here)."""
    r = entry.result
    return {
        "rank": entry.rank,
        "vendor": r.vendor,
        "score": r.score,
        "success_rate": r.success_rate,
        "error_rate": r.error_rate,
        "availability": r.availability,
        "bayesian_rating": r.bayesian_rating,
        "components": [asdict(c) for c in r.components],
        "inputs": asdict(r.inputs),
    }


def ranking_document(ranked: list[RankedVendor]) -> dict[str, Any]:
    return {"formula": quality.formula(), "ranking": [ranked_to_dict(e) for e in ranked]}


async def publish_database_gauges() -> dict[str, Any]:
    """Gauges whose truth is in the database, so every replica exports the same numbers:
    the evidence log size (the EvidenceLogStalled alert watches it) and each vendor's
    declared p95 SLA (the latency alert compares against it)."""
    size = await EvidenceReads().size()
    metrics.evidence_log_size(size)
    slas = {}
    for name, sla_ms in (await admission.declared_slas_ms()).items():
        slas[name] = sla_ms / 1000
        metrics.set_vendor_sla(name, slas[name])
    return {"evidence_log_size": size, "sla_p95_seconds": slas}


class RegulatorService:
    """Read-only views across tenants for the regulator role."""

    def __init__(
        self, quality_service: QualityService, clock: Callable[[], datetime] = _utcnow
    ) -> None:
        self.quality = quality_service
        self._clock = clock

    async def ranking(self) -> dict[str, Any]:
        vendors = await registered_vendors()
        ranked = await self.quality.ranking(vendors, await conformance_by_vendor())
        return ranking_document(ranked)

    async def admission_history(
        self,
        *,
        vendor: str | None = None,
        tenant: str | None = None,
        since: datetime | None = None,
        limit: int = 200,
    ) -> list[AdmissionChange]:
        slugs = await tenants.tenant_slugs()
        wanted = None
        if tenant:
            wanted = [tid for tid, slug in slugs.items() if slug == tenant]
        out = []
        for r in await admission.status_history(
            vendor=vendor, since=since, tenant_ids=wanted, limit=max(1, min(limit, 1000))
        ):
            out.append(
                AdmissionChange(
                    tenant=slugs.get(r.tenant_id, "unknown"),
                    vendor=r.vendor,
                    from_status=r.from_status,
                    to_status=r.to_status,
                    reason=r.reason,
                    # who decided, by kind only: an account id says nothing a regulator needs
                    decided_by="rules" if r.actor == "rules" else "staff",
                    evidence=_vendor_evidence(r.evidence),
                    at=r.at,
                )
            )
        return out

    async def tenant_statistics(self) -> list[TenantStatistics]:
        """Counts per tenant, computed by the database (GROUP BY), never row by row."""
        every_tenant = await tenants.tenant_summaries()
        seal_counts = await seals.counts_by_tenant()
        signatures = await signing.done_by_tenant()
        ratings = (
            await VendorRating.select(
                VendorRating.tenant_id, Count(alias="n"), Sum(VendorRating.stars, alias="stars")
            )
            .group_by(VendorRating.tenant_id)
            .run()
        )
        seal_status: dict[uuid.UUID, Counter[str]] = {}
        seal_vendor: dict[uuid.UUID, Counter[str]] = {}
        for c in seal_counts:
            seal_status.setdefault(c.tenant_id, Counter())[c.status] += c.n
            seal_vendor.setdefault(c.tenant_id, Counter())[c.vendor or "none"] += c.n
        sig_vendor: dict[uuid.UUID, Counter[str]] = {}
        for d in signatures:
            sig_vendor.setdefault(d.tenant_id, Counter())[d.vendor or "none"] += d.n
        rated = {r["tenant_id"]: (int(r["n"]), int(r["stars"] or 0)) for r in ratings}
        out = []
        for t in every_tenant:
            n_ratings, stars = rated.get(t.id, (0, 0))
            by_vendor = sig_vendor.get(t.id, Counter())
            out.append(
                TenantStatistics(
                    tenant=t.slug,
                    region_code=t.region_code,
                    status=t.status,
                    seals_by_status=dict(sorted(seal_status.get(t.id, Counter()).items())),
                    seals_by_vendor=dict(sorted(seal_vendor.get(t.id, Counter()).items())),
                    signatures=sum(by_vendor.values()),
                    signatures_by_vendor=dict(sorted(by_vendor.items())),
                    ratings=n_ratings,
                    average_stars=round(stars / n_ratings, 2) if n_ratings else None,
                )
            )
        return out

    async def recent_alerts(self, *, days: int = 7) -> list[Alert]:
        """Automatic admission changes (suspensions and restorations by the rules) and
        vendors whose quality is below the strictest tenant floor right now."""
        since = self._clock() - timedelta(days=days)
        alerts: list[Alert] = []
        for event in await self.admission_history(since=since, limit=1000):
            if event.decided_by == "rules":
                alerts.append(
                    Alert(
                        kind=f"admission_{event.to_status}",
                        vendor=event.vendor,
                        tenant=event.tenant,
                        detail=event.reason,
                        at=event.at,
                    )
                )
        floor = await _strictest_floor()
        if floor is not None:
            for entry in (await self.ranking())["ranking"]:
                if entry["score"] < floor:
                    alerts.append(
                        Alert(
                            kind="quality_below_floor",
                            vendor=entry["vendor"],
                            tenant=None,
                            detail=f"quality {entry['score']:.2f} < floor {floor:g}",
                            at=self._clock(),
                        )
                    )
        return sorted(alerts, key=lambda a: a.at, reverse=True)


def _vendor_evidence(raw: str | None) -> Any:
    """Admission evidence is vendor quality numbers and conformance checks; parse it, and
    drop any key that could name a person should a future writer add one."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return _scrub(data)


_PERSONAL_KEYS = {
    "account_id",
    "actor",
    "username",
    "display_name",
    "id_number",
    "mobile",
    "comment",
    "person",
    "subject_id",
}


def _scrub(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _scrub(v) for k, v in data.items() if k not in _PERSONAL_KEYS}
    if isinstance(data, list):
        return [_scrub(v) for v in data]
    return data


async def _strictest_floor() -> float | None:
    floors = []
    for rules in await admission.rule_texts():
        try:
            value = json.loads(rules or "{}").get("min_quality_score")
        except ValueError:
            continue
        if isinstance(value, int | float):
            floors.append(float(value))
    return max(floors) if floors else None


PUBLISH_INTERVAL_SECONDS = 30.0


async def publish_ranking_forever(quality: QualityService) -> None:
    """Every PUBLISH_INTERVAL_SECONDS re-rank the vendors and export the ranking, the
    evidence log size and the declared SLAs as metrics (started by hub.services when
    metrics are on)."""
    while True:
        try:
            await quality.publish(await registered_vendors(), await conformance_by_vendor())
            await publish_database_gauges()
        except Exception:  # a failed round must not stop the next one
            log.exception("publishing the vendor ranking failed")
        await asyncio.sleep(PUBLISH_INTERVAL_SECONDS)
