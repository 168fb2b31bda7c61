"""Admission (准入) and supervision of vendors, per tenant.

    applied --(conformance + entry rules pass)--> probation
    applied --(they fail: every failing check named)--> revoked
    probation --(probation_min_calls live calls meet the quality rules)--> admitted
    probation/admitted --(live quality breaks a rule)--> suspended (automatic)
    suspended (automatic) --(fresh conformance passes, live rules met)--> admitted
    any --(operator decision)--> suspended / revoked; revoked may apply again

Every change is one `AdmissionEvent` row (dated, reason, evidence JSON) written in the
same transaction as the status, with a conditional update, so two replicas re-evaluating
at once record a change once. Live quality is judged on the evidence gathered since
the current status began (bounded by the window), so an old incident neither keeps a
recovered vendor suspended nor hides a new one.

The service is the `VendorDirectory.selector` (which vendors may make a tenant's new
seals, best first) and answers `may_sign` (tenant policy for suspended vendors).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.admission.live import CallLog, QualitySource
from adapters.admission.records import (
    AdmissionEventRecord,
    AdmissionSummary,
    RegistrationChange,
    Standing,
    VendorRegistrationRecord,
    VendorStatusChange,
)
from adapters.admission.rules import AdmissionRules, Verdict, application_verdict
from adapters.admission.tables import (
    Admission,
    AdmissionEvent,
    AdmissionRuleSet,
    VendorRegistration,
    VendorRegistrationChange,
)
from adapters.protocol import SealVendor
from adapters.testing import ConformanceReport, run_conformance
from hub.crypto import Certificate, sm3
from hub.db import Database
from hub.errors import Conflict, NotFound, SealHubError, ValidationFailed
from hub.memo import Memo
from monitoring import metrics
from monitoring.quality import QualityResult, admission_check

log = logging.getLogger("sealhub.admission")

STATUSES = ("applied", "probation", "admitted", "suspended", "revoked")
SERVING = ("admitted", "probation")  # may make new seals, admitted first
MAY_SIGN_TTL = 2.0  # seconds; see AdmissionService.__init__
RULES_ACTOR = "rules"

VendorLookup = Callable[[str], SealVendor]
Conformance = Callable[..., Any]


@dataclass(frozen=True)
class Transition:
    tenant_id: uuid.UUID
    vendor: str
    from_status: str | None
    to_status: str
    reason: str


def _now() -> datetime:
    return datetime.now(UTC)


def _quality_evidence(q: QualityResult) -> dict[str, Any]:
    return {
        "quality_score": q.score,
        "error_rate": q.error_rate,
        "calls": q.inputs.calls,
        "successful_calls": q.inputs.successful_calls,
        "p95_latency_seconds": q.inputs.p95_latency_seconds,
        "health_probes": q.inputs.health_probes,
        "health_probes_up": q.inputs.health_probes_up,
        "window_seconds": q.inputs.window_seconds,
        "components": {c.name: {"value": c.value, "explanation": c.explanation}
                       for c in q.components},
    }  # fmt: skip


class AdmissionService:
    def __init__(
        self,
        db: Database,
        vendors: VendorLookup,
        quality: QualitySource | None = None,
        *,
        conformance: Conformance = run_conformance,
        activate: Callable[[VendorRegistrationRecord], None] | None = None,
        scorer: QualitySource | None = None,
    ) -> None:
        """`quality` is the live source (calls, probes); `scorer` what decisions read, by
        default the same. The hub passes monitoring's QualityService over `quality`
        (live numbers + ratings), so admission and the ranking score alike.
        `activate(registration)` puts a newly registered vendor's adapter into service
        (the hub builds it from the registry and adds it to its VendorDirectory)."""
        self.activate = activate
        # The adapter kinds the hub can run (the entry-point registry's); set by the
        # wiring. A registration naming another kind is refused, not stored unrun.
        self.known_kinds: Callable[[], list[str]] | None = None
        self.db = db
        self.vendors = vendors
        self.quality: QualitySource = quality or CallLog()
        self.scorer: QualitySource = scorer or self.quality
        self.conformance = conformance
        self._turn = itertools.count()
        # may_sign answers, per (tenant, vendor), for MAY_SIGN_TTL seconds: asked on every
        # signing, changed a few times a day. This process forgets them on its own
        # transitions; another replica's take effect here within the TTL.
        self._may_sign: Memo[tuple[uuid.UUID, str], bool] = Memo(MAY_SIGN_TTL)

    # --- registration (hub operator) ---------------------------------------------------

    async def register_vendor(
        self,
        *,
        name: str,
        kind: str,
        endpoint: str | None = None,
        config: dict[str, str] | None = None,
        product_certificate: str | None = None,
        maker_ca_cert: bytes | None = None,
        sla_p95_ms: int = 1000,
    ) -> VendorRegistrationRecord:
        if not name or len(name) > 64 or not name.replace("-", "").replace("_", "").isalnum():
            raise ValidationFailed("vendor name: 1-64 letters, digits, - or _", field="name")
        if sla_p95_ms <= 0:
            raise ValidationFailed("declared SLA p95 must be positive", field="sla_p95_ms")
        if self.known_kinds is not None and kind not in (known := self.known_kinds()):
            raise ValidationFailed(
                f"unknown adapter kind {kind!r}; this hub runs {', '.join(sorted(known))}",
                field="kind",
                kind=kind,
            )
        if maker_ca_cert is not None:
            try:
                Certificate.load(maker_ca_cert)
            except SealHubError as exc:
                raise ValidationFailed(
                    "maker CA certificate is not DER X.509", field="maker_ca_cert"
                ) from exc
        async with self.db.transaction():
            exists = await VendorRegistration.exists().where(VendorRegistration.name == name)
            if exists:
                raise Conflict(f"vendor '{name}' is already registered")
            await VendorRegistration.insert(
                VendorRegistration(
                    id=uuid.uuid4(),
                    name=name,
                    kind=kind,
                    endpoint=endpoint,
                    config=json.dumps(config or {}),
                    product_certificate=product_certificate,
                    maker_ca_cert=maker_ca_cert,
                    sla_p95_ms=sla_p95_ms,
                )
            )
        if isinstance(self.quality, CallLog):
            self.quality.sla_p95_seconds[name] = sla_p95_ms / 1000
        registration = await self.registration(name)
        if self.activate is not None:
            self.activate(registration)
        return registration

    async def _write_correction(
        self, name: str, wanted: dict[str, Any], *, reason: str, actor: uuid.UUID | None
    ) -> None:
        """`correct_vendor`'s write: the corrected columns and, beside them, what they were
        (a maker CA by its SM3 hash) and why they changed, in one transaction."""
        async with self.db.transaction():
            current = (
                await VendorRegistration.select().where(VendorRegistration.name == name).first()
            )
            if current is None:
                raise NotFound(f"vendor '{name}' is not registered")

            def shown(field: str, value: Any) -> Any:
                if field == "maker_ca_cert":
                    return None if value is None else sm3(bytes(value)).hex()
                return value

            before = {k: shown(k, current[k]) for k in wanted}
            after = {k: shown(k, v) for k, v in wanted.items()}
            await VendorRegistration.update(
                {getattr(VendorRegistration, k): v for k, v in wanted.items()}
            ).where(VendorRegistration.name == name)
            await VendorRegistrationChange.insert(
                VendorRegistrationChange(
                    id=uuid.uuid4(),
                    vendor=name,
                    before=json.dumps(before, ensure_ascii=False),
                    after=json.dumps(after, ensure_ascii=False),
                    reason=reason.strip()[:1000],
                    actor_account_id=actor,
                )
            )

    async def correct_vendor(
        self,
        name: str,
        *,
        reason: str,
        actor: uuid.UUID | None = None,
        endpoint: str | None = None,
        config: dict[str, str] | None = None,
        product_certificate: str | None = None,
        maker_ca_cert: bytes | None = None,
        sla_p95_ms: int | None = None,
    ) -> VendorRegistrationRecord:
        """Correct a registration (a moved endpoint, a renewed product certificate or
        maker CA); the old and new values are kept in `vendor_registration_change`, and
        the vendor's adapter is rebuilt from the corrected registration."""
        if not reason.strip():
            raise ValidationFailed("say why the registration is corrected", field="reason")
        if sla_p95_ms is not None and sla_p95_ms <= 0:
            raise ValidationFailed("declared SLA p95 must be positive", field="sla_p95_ms")
        if maker_ca_cert is not None:
            try:
                Certificate.load(maker_ca_cert)
            except SealHubError as exc:
                raise ValidationFailed(
                    "maker CA certificate is not DER X.509", field="maker_ca_cert"
                ) from exc
        wanted: dict[str, Any] = {
            "endpoint": endpoint,
            "product_certificate": product_certificate,
            "maker_ca_cert": maker_ca_cert,
            "sla_p95_ms": sla_p95_ms,
            "config": None if config is None else json.dumps(config),
        }
        wanted = {k: v for k, v in wanted.items() if v is not None}
        if not wanted:
            raise ValidationFailed("nothing to correct", field="endpoint")
        await self._write_correction(name, wanted, reason=reason, actor=actor)
        registration = await self.registration(name)
        if isinstance(self.quality, CallLog):
            self.quality.sla_p95_seconds[name] = registration.sla_p95_ms / 1000
        if self.activate is not None:
            self.activate(registration)
        return registration

    async def registration_history(self, name: str) -> list[RegistrationChange]:
        await self.registration(name)
        rows = (
            await VendorRegistrationChange.select()
            .where(VendorRegistrationChange.vendor == name)
            .order_by(VendorRegistrationChange.at)
        )
        for row in rows:
            row["before"], row["after"] = json.loads(row["before"]), json.loads(row["after"])
        return [RegistrationChange(**row) for row in rows]

    async def registration(self, name: str) -> VendorRegistrationRecord:
        row = await VendorRegistration.select().where(VendorRegistration.name == name).first()
        if row is None:
            raise NotFound(f"vendor '{name}' is not registered")
        return _registration(row)

    async def registrations(self) -> list[VendorRegistrationRecord]:
        rows = await VendorRegistration.select().order_by(VendorRegistration.name)
        return [_registration(row) for row in rows]

    # --- tenant rules (tenant admin) -----------------------------------------------------

    async def rules(self, tenant_id: uuid.UUID) -> AdmissionRules:
        row = (
            await AdmissionRuleSet.select(AdmissionRuleSet.rules)
            .where(AdmissionRuleSet.tenant_id == tenant_id)
            .first()
        )
        return AdmissionRules.from_dict(json.loads(row["rules"])) if row else AdmissionRules()

    async def set_rules(
        self, tenant_id: uuid.UUID, rules: AdmissionRules | dict[str, Any], tenant_slug: str = ""
    ) -> AdmissionRules:
        if isinstance(rules, dict):
            rules = AdmissionRules.from_dict(rules)
        text = json.dumps(rules.to_dict())
        async with self.db.transaction():
            updated = (
                await AdmissionRuleSet.update(
                    {AdmissionRuleSet.rules: text, AdmissionRuleSet.updated_at: _now()}
                )
                .where(AdmissionRuleSet.tenant_id == tenant_id)
                .returning(AdmissionRuleSet.id)
            )
            if not updated:
                await AdmissionRuleSet.insert(
                    AdmissionRuleSet(id=uuid.uuid4(), tenant_id=tenant_id, rules=text)
                )
        self._may_sign.forget()
        if tenant_slug:
            metrics.set_admission_floors(
                tenant_slug, rules.min_quality_score or 0.0, rules.max_error_rate or 1.0
            )
        return rules

    # --- application and evaluation --------------------------------------------------

    async def apply(
        self, tenant_id: uuid.UUID, tenant_slug: str, vendor: str, actor: str
    ) -> Standing:
        """A vendor applies to a tenant: recorded, tested, then probation or refusal."""
        registration = await self.registration(vendor)
        async with self.db.transaction():
            row = await self._admission(tenant_id, vendor)
            if row is not None and row["status"] != "revoked":
                raise Conflict(f"vendor '{vendor}' already has status '{row['status']}' here")
            if row is None:
                await Admission.insert(
                    Admission(
                        id=uuid.uuid4(),
                        tenant_id=tenant_id,
                        tenant_slug=tenant_slug,
                        vendor=vendor,
                        status="applied",
                    )
                )
            else:
                await Admission.update(
                    {Admission.status: "applied", Admission.automatic: False,
                     Admission.status_since: _now()}
                ).where(Admission.id == row["id"])  # fmt: skip
            await self._event(
                tenant_id, vendor, row["status"] if row else None, "applied",
                "application received", {"registration": _public(registration)}, actor,
            )  # fmt: skip
        self._may_sign.forget()
        metrics.admission_status(vendor, tenant_slug, "applied")

        rules = await self.rules(tenant_id)
        report = await self._conformance(vendor, tenant_slug)
        verdict = application_verdict(rules, registration, report)
        evidence = {"conformance": report.to_dict() if report else None,
                    "rules": rules.to_dict(), "verdict": list(verdict.reasons)}  # fmt: skip
        if verdict.passed:
            reason = "conformance passed and entry rules met: probation begins"
            await self._move(tenant_id, vendor, "applied", "probation", reason, evidence,
                             RULES_ACTOR, report=report)  # fmt: skip
        else:
            reason = "application refused: " + "; ".join(verdict.reasons)
            await self._move(tenant_id, vendor, "applied", "revoked", reason, evidence,
                             RULES_ACTOR, report=report)  # fmt: skip
        return await self.standing(tenant_id, vendor)

    async def _conformance(self, vendor: str, tenant_slug: str) -> ConformanceReport | None:
        try:
            adapter = self.vendors(vendor)
        except SealHubError:
            return None
        # Test keys live under their own tenant name at the vendor, never among real keys.
        report: ConformanceReport = await self.conformance(
            adapter,
            tenant=f"conformance-{tenant_slug}",
            other_tenant=f"conformance-x-{tenant_slug}",
        )
        return report

    async def reevaluate(self, tenant_id: uuid.UUID, vendor: str | None = None) -> list[Transition]:
        """Apply the tenant's live rules to its vendors (one, or all) now."""
        query = Admission.select().where(
            (Admission.tenant_id == tenant_id) & Admission.status.is_in(
                ["probation", "admitted", "suspended"])
        )  # fmt: skip
        if vendor is not None:
            query = query.where(Admission.vendor == vendor)
        rules = await self.rules(tenant_id)
        changes = []
        for row in await query:
            change = await self._reevaluate_one(row, rules)
            if change is not None:
                changes.append(change)
        return changes

    async def reevaluate_all(self) -> list[Transition]:
        tenants = await Admission.select(Admission.tenant_id).distinct()
        changes: list[Transition] = []
        for t in tenants:
            changes += await self.reevaluate(t["tenant_id"])
        return changes

    async def _live(self, row: dict[str, Any]) -> tuple[QualityResult, Verdict, dict[str, Any]]:
        rules = await self.rules(row["tenant_id"])
        since = row["status_since"].timestamp()
        q = await self.scorer.quality(
            row["vendor"], since=since, conformance_passed=row["conformance_passed"]
        )
        check = admission_check(
            q, min_quality_score=rules.min_quality_score, max_error_rate=rules.max_error_rate
        )
        evidence = {"live": _quality_evidence(q), "rules": rules.to_dict(),
                    "since": row["status_since"].isoformat()}  # fmt: skip
        return q, Verdict(check.passes, check.reasons), evidence

    async def _reevaluate_one(
        self, row: dict[str, Any], rules: AdmissionRules
    ) -> Transition | None:
        tenant_id, vendor, status = row["tenant_id"], row["vendor"], row["status"]
        if status == "suspended":
            if not row["automatic"]:
                return None  # an operator's suspension is lifted by an operator
            report = await self._conformance(vendor, row["tenant_slug"])
            q, live, evidence = await self._live(row)
            evidence["conformance"] = report.to_dict() if report else None
            if report is not None and report.passed and live.passed:
                reason = f"restored automatically: conformance passed, quality {q.score:.2f}"
                if q.error_rate is not None:
                    reason += f", error rate {q.error_rate:.4f}"
                return await self._move(tenant_id, vendor, "suspended", "admitted", reason,
                                        evidence, RULES_ACTOR, report=report)  # fmt: skip
            return None
        q, live, evidence = await self._live(row)
        if not live.passed:
            reason = "suspended automatically: " + "; ".join(live.reasons)
            return await self._move(tenant_id, vendor, status, "suspended", reason, evidence,
                                    RULES_ACTOR, automatic=True)  # fmt: skip
        if status == "probation" and q.inputs.calls >= rules.probation_min_calls:
            reason = f"probation completed: {q.inputs.calls} live calls, quality {q.score:.2f}"
            return await self._move(tenant_id, vendor, "probation", "admitted", reason, evidence,
                                    RULES_ACTOR)  # fmt: skip
        return None

    # --- operator decisions ------------------------------------------------------------

    async def suspend(self, tenant_id: uuid.UUID, vendor: str, reason: str, actor: str) -> None:
        row = await self._require(tenant_id, vendor)
        if row["status"] not in ("probation", "admitted"):
            raise Conflict(f"cannot suspend a vendor whose status is '{row['status']}'")
        await self._move(tenant_id, vendor, row["status"], "suspended", reason, {}, actor)

    async def reinstate(self, tenant_id: uuid.UUID, vendor: str, reason: str, actor: str) -> None:
        row = await self._require(tenant_id, vendor)
        if row["status"] != "suspended":
            raise Conflict(f"cannot reinstate a vendor whose status is '{row['status']}'")
        await self._move(tenant_id, vendor, "suspended", "admitted", reason, {}, actor)

    async def revoke(self, tenant_id: uuid.UUID, vendor: str, reason: str, actor: str) -> None:
        row = await self._require(tenant_id, vendor)
        if row["status"] == "revoked":
            raise Conflict("already revoked")
        await self._move(tenant_id, vendor, row["status"], "revoked", reason, {}, actor)

    # --- reads used by the hub -----------------------------------------------------------

    async def status(self, tenant_id: uuid.UUID, vendor: str) -> str | None:
        row = await self._admission(tenant_id, vendor)
        return None if row is None else str(row["status"])

    async def standing(self, tenant_id: uuid.UUID, vendor: str) -> Standing:
        row = await self._require(tenant_id, vendor)
        return Standing(
            vendor=vendor,
            status=row["status"],
            since=row["status_since"],
            automatic=row["automatic"],
            conformance_passed=row["conformance_passed"],
            conformance=json.loads(row["conformance"]),
            history=await self.history(tenant_id, vendor),
        )

    async def admissions(self, tenant_id: uuid.UUID) -> list[AdmissionSummary]:
        rows = await Admission.select(
            Admission.vendor, Admission.status, Admission.status_since, Admission.automatic,
            Admission.conformance_passed,
        ).where(Admission.tenant_id == tenant_id).order_by(Admission.vendor)  # fmt: skip
        return [AdmissionSummary(**row) for row in rows]

    async def history_across_tenants(self, vendor: str) -> list[VendorStatusChange]:
        """For regulators: every tenant's status history of one vendor (no personal data:
        tenant slug, statuses, reasons, evidence, actor account ids)."""
        slugs = {
            r["tenant_id"]: r["tenant_slug"]
            for r in await Admission.select(Admission.tenant_id, Admission.tenant_slug).where(
                Admission.vendor == vendor
            )
        }
        rows = await AdmissionEvent.select().where(AdmissionEvent.vendor == vendor).order_by(
            AdmissionEvent.at
        )  # fmt: skip
        return [
            VendorStatusChange(
                vendor=row["vendor"],
                from_status=row["from_status"],
                to_status=row["to_status"],
                reason=row["reason"],
                evidence=json.loads(row["evidence"]),
                actor=row["actor"],
                at=row["at"],
                tenant=slugs.get(row["tenant_id"], "?"),
            )
            for row in rows
        ]

    async def history(self, tenant_id: uuid.UUID, vendor: str) -> list[AdmissionEventRecord]:
        rows = await AdmissionEvent.select(
            AdmissionEvent.from_status, AdmissionEvent.to_status, AdmissionEvent.reason,
            AdmissionEvent.evidence, AdmissionEvent.actor, AdmissionEvent.at,
        ).where(
            (AdmissionEvent.tenant_id == tenant_id) & (AdmissionEvent.vendor == vendor)
        ).order_by(AdmissionEvent.at)  # fmt: skip
        for row in rows:
            row["evidence"] = json.loads(row["evidence"])
        return [AdmissionEventRecord(**row) for row in rows]

    async def publish_statuses(self) -> None:
        """Set sealhub_vendor_admission_status for every admission (e.g. at start)."""
        for row in await Admission.select(
            Admission.vendor, Admission.tenant_slug, Admission.status
        ):  # fmt: skip
            metrics.admission_status(row["vendor"], row["tenant_slug"], row["status"])

    async def select(self, tenant_id: uuid.UUID, names: list[str]) -> list[str]:
        """`VendorDirectory.selector`: the vendors that may make this tenant's new seals,
        admitted before probation, each group by quality score (best first) when the
        quality source has evidence, else in round-robin turn."""
        rows = await Admission.select(Admission.vendor, Admission.status).where(
            (Admission.tenant_id == tenant_id) & Admission.status.is_in(list(SERVING))
        )  # fmt: skip
        serving = {r["vendor"]: r["status"] for r in rows if r["vendor"] in names}
        scores: dict[str, float | None] = {}
        for name in serving:
            q = await self.scorer.quality(name, conformance_passed=None)
            scores[name] = q.score if q.inputs.calls else None
        turn = next(self._turn)
        ordered: list[str] = []
        for status in SERVING:
            group = sorted(n for n, s in serving.items() if s == status)
            if group and all(scores[n] is not None for n in group):
                group.sort(key=lambda n: -(scores[n] or 0.0))
            elif group:
                k = turn % len(group)
                group = group[k:] + group[:k]
            ordered += group
        return ordered

    async def may_sign(self, tenant_id: uuid.UUID, vendor: str) -> bool:
        """Seals keep their vendor. Signing with a suspended vendor is tenant policy; a
        revoked vendor never signs. A vendor never admitted to a tenant (e.g. the only
        built-in one before admission existed) is left to the caller: True."""
        return await self._may_sign.get(
            (tenant_id, vendor), lambda: self._decide_may_sign(tenant_id, vendor)
        )

    async def _decide_may_sign(self, tenant_id: uuid.UUID, vendor: str) -> bool:
        status = await self.status(tenant_id, vendor)
        if status is None or status in SERVING:
            return True
        if status == "suspended":
            return (await self.rules(tenant_id)).suspended_vendor_may_sign
        return False

    # --- internals ---------------------------------------------------------------------

    async def _admission(self, tenant_id: uuid.UUID, vendor: str) -> dict[str, Any] | None:
        row: dict[str, Any] | None = (
            await Admission.select()
            .where((Admission.tenant_id == tenant_id) & (Admission.vendor == vendor))
            .first()
        )
        return row

    async def _require(self, tenant_id: uuid.UUID, vendor: str) -> dict[str, Any]:
        row = await self._admission(tenant_id, vendor)
        if row is None:
            raise NotFound(f"vendor '{vendor}' has not applied to this tenant")
        return row

    async def _event(
        self,
        tenant_id: uuid.UUID,
        vendor: str,
        from_status: str | None,
        to_status: str,
        reason: str,
        evidence: dict[str, Any],
        actor: str,
    ) -> None:
        await AdmissionEvent.insert(
            AdmissionEvent(
                id=uuid.uuid4(),
                tenant_id=tenant_id,
                vendor=vendor,
                from_status=from_status,
                to_status=to_status,
                reason=reason,
                evidence=json.dumps(evidence, default=str),
                actor=actor,
                at=_now(),
            )
        )

    async def _move(
        self,
        tenant_id: uuid.UUID,
        vendor: str,
        from_status: str,
        to_status: str,
        reason: str,
        evidence: dict[str, Any],
        actor: str,
        *,
        automatic: bool = False,
        report: ConformanceReport | None = None,
    ) -> Transition | None:
        values: dict[Any, Any] = {
            Admission.status: to_status,
            Admission.automatic: automatic,
            Admission.status_since: _now(),
        }
        if report is not None:
            values[Admission.conformance_passed] = report.passed
            values[Admission.conformance] = json.dumps(report.to_dict())
        async with self.db.transaction():
            moved = await Admission.update(values).where(
                (Admission.tenant_id == tenant_id) & (Admission.vendor == vendor)
                & (Admission.status == from_status)
            ).returning(Admission.tenant_slug)  # fmt: skip
            if not moved:
                return None  # another replica changed it first; it recorded its own event
            self._may_sign.forget()
            await self._event(tenant_id, vendor, from_status, to_status, reason, evidence, actor)
        metrics.admission_status(vendor, moved[0]["tenant_slug"], to_status)  # type: ignore[arg-type]
        log.info("vendor %s in tenant %s: %s -> %s (%s)", vendor, tenant_id, from_status,
                 to_status, reason)  # fmt: skip
        return Transition(tenant_id, vendor, from_status, to_status, reason)


def _registration(row: dict[str, Any]) -> VendorRegistrationRecord:
    return VendorRegistrationRecord(**{**row, "config": json.loads(row["config"])})


def _public(registration: VendorRegistrationRecord) -> dict[str, Any]:
    """The registration as the evidence of an application records it."""
    return {
        "name": registration.name,
        "kind": registration.kind,
        "endpoint": registration.endpoint,
        "product_certificate": registration.product_certificate,
        "sla_p95_ms": registration.sla_p95_ms,
        "maker_ca_cert": bool(registration.maker_ca_cert),
    }


class AdmissionScheduler:
    """Re-evaluates every admission on a schedule and probes vendor health meanwhile.

    Run one per replica from the app lifespan (`start`/`stop`); the conditional updates
    make concurrent replicas harmless.
    """

    def __init__(
        self,
        service: AdmissionService,
        vendors: Callable[[], list[SealVendor]],
        interval_seconds: float = 60.0,
    ) -> None:
        self.service = service
        self.vendors = vendors
        self.interval = interval_seconds
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> list[Transition]:
        for vendor in self.vendors():
            try:
                health = await vendor.health()
            except SealHubError:
                continue
            metrics.set_vendor_up(vendor.name, health.up)
            if isinstance(self.service.quality, CallLog):
                self.service.quality.probe(vendor.name, health.up)
        return await self.service.reevaluate_all()

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # keep the schedule alive; the next tick retries
                log.exception("admission re-evaluation failed")
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="admission-scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
