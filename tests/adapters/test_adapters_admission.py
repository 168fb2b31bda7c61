"""Admission with real vendor processes, on SQLite and PostgreSQL (the session `db`)."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

import pytest
from adapters_test_helpers import seal_request

from adapters.admission import AdmissionRules, AdmissionService, CallLog, RecordingVendor
from adapters.errors import VendorError, VendorUnavailable
from adapters.http import CircuitBreaker, HttpVendor
from adapters.protocol import SealVendor, SignRequest
from adapters.testing import VendorProcess
from hub.crypto import sm3
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.formats import build_tbs_sign_v4

pytestmark = pytest.mark.slow


class Fleet:
    """Vendor adapters by name, each recording into one CallLog."""

    def __init__(self, http_client) -> None:
        self.client = http_client
        self.log = CallLog()
        self.adapters: dict[str, SealVendor] = {}

    def add(self, proc: VendorProcess) -> str:
        adapter = HttpVendor(
            proc.name, proc.url, self.client, retries=0,
            breaker=CircuitBreaker(proc.name, failure_threshold=1000),
        )  # fmt: skip
        self.adapters[proc.name] = RecordingVendor(adapter, self.log)
        return proc.name

    def get(self, name: str) -> SealVendor:
        if name not in self.adapters:
            raise NotFound(f"no vendor {name}")
        return self.adapters[name]


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(3)}"


async def traffic(vendor: SealVendor, n: int, tenant: str = "bureau-a") -> int:
    made = await vendor.make_seal(seal_request(tenant=tenant))
    tbs = build_tbs_sign_v4(
        seal_der=made.seal_der, time=datetime.now(UTC), data_hash=sm3(b"t"), property_info="t"
    )
    failures = 0
    for i in range(n):
        try:
            await vendor.sign(
                SignRequest(tenant, made.key_handle, tbs, f"t{i}-{secrets.token_hex(4)}")
            )
        except VendorError:
            failures += 1
    return failures


async def register(service: AdmissionService, name: str, **kw) -> None:
    await service.register_vendor(
        name=name, kind="http", endpoint="http://127.0.0.1", product_certificate="GM-2026-001",
        sla_p95_ms=500, **kw,
    )  # fmt: skip


async def test_good_vendor_is_admitted_after_probation(db, http_client):
    fleet = Fleet(http_client)
    service = AdmissionService(db, fleet.get, fleet.log)
    tenant = uuid.uuid4()
    await service.set_rules(tenant, {"max_error_rate": 0.1, "probation_min_calls": 5})
    with VendorProcess(unique("good")) as proc:
        name = fleet.add(proc)
        await register(service, name)
        standing = await service.apply(tenant, "bureau-a", name, actor="operator-1")
        assert standing.status == "probation" and standing.conformance_passed is True
        history = standing.history
        assert [(h.from_status, h.to_status) for h in history] == [
            (None, "applied"), ("applied", "probation"),
        ]  # fmt: skip
        assert history[1].evidence["conformance"]["passed"] is True
        with pytest.raises(Conflict):
            await service.apply(tenant, "bureau-a", name, actor="operator-1")
        assert await service.reevaluate(tenant) == []  # not enough live calls yet
        assert await traffic(fleet.get(name), 6) == 0
        [change] = await service.reevaluate(tenant)
        assert (change.from_status, change.to_status) == ("probation", "admitted")
        assert "probation completed" in change.reason
    assert await service.status(tenant, name) == "admitted"
    assert await service.select(tenant, [name, "not-admitted"]) == [name]


async def test_vendor_returning_invalid_signatures_is_refused_with_the_check_named(db, http_client):
    fleet = Fleet(http_client)
    service = AdmissionService(db, fleet.get, fleet.log)
    tenant = uuid.uuid4()
    # Good seals, forged signatures: a vendor whose signing is broken.
    with VendorProcess(unique("forger"), garbage_rate=1.0, garbage_ops="sign") as proc:
        name = fleet.add(proc)
        await register(service, name)
        standing = await service.apply(tenant, "bureau-a", name, actor="operator-1")
    assert standing.status == "revoked"
    refusal = standing.history[-1]
    assert refusal.to_status == "revoked" and refusal.actor == "rules"
    assert "conformance failed: sign known digest 1" in refusal.reason
    failed = refusal.evidence["conformance"]["failed"]
    assert "sign known digest 1" in failed
    assert await service.select(tenant, [name]) == []
    assert not await service.may_sign(tenant, name)


async def test_missing_credentials_and_slow_sla_are_refused(db, http_client):
    fleet = Fleet(http_client)
    service = AdmissionService(db, fleet.get, fleet.log)
    tenant = uuid.uuid4()
    await service.set_rules(
        tenant,
        {"required_credentials": ["product_certificate", "maker_ca_cert"], "max_sla_p95_ms": 200},
    )
    with VendorProcess(unique("nocert")) as proc:
        name = fleet.add(proc)
        await register(service, name)  # declares 500 ms and no maker CA certificate
        standing = await service.apply(tenant, "bureau-a", name, actor="operator-1")
    reason = standing.history[-1].reason
    assert standing.status == "revoked"
    assert "required credential missing: maker_ca_cert" in reason
    assert "declared SLA p95 500 ms exceeds the tenant's 200 ms" in reason


async def test_error_rate_raised_at_run_time_suspends_then_restores(db, http_client):
    fleet = Fleet(http_client)
    service = AdmissionService(db, fleet.get, fleet.log)
    tenant = uuid.uuid4()
    await service.set_rules(tenant, {"max_error_rate": 0.2, "probation_min_calls": 0})
    with VendorProcess(unique("wobbly")) as proc:
        name = fleet.add(proc)
        await register(service, name)
        await service.apply(tenant, "bureau-a", name, actor="operator-1")
        [admitted] = await service.reevaluate(tenant)
        assert admitted.to_status == "admitted"

        proc.knobs(error_rate=0.8)
        failures = await traffic_tolerant(fleet.get(name), 20)
        assert failures >= 8
        [suspended] = await service.reevaluate(tenant)
        assert suspended.to_status == "suspended"
        assert "error rate" in suspended.reason and "above maximum 0.2" in suspended.reason
        assert await service.select(tenant, [name]) == []  # no new seals
        assert await service.may_sign(tenant, name)  # tenant policy: existing seals sign

        assert await service.reevaluate(tenant) == []  # still failing: conformance fails
        proc.knobs(error_rate=0.0)
        [restored] = await service.reevaluate(tenant)
        assert (restored.from_status, restored.to_status) == ("suspended", "admitted")
        assert restored.reason.startswith("restored automatically")
    history = await service.history(tenant, name)
    assert [h.to_status for h in history] == [
        "applied", "probation", "admitted", "suspended", "admitted",
    ]  # fmt: skip
    evidence = history[3].evidence["live"]
    assert evidence["error_rate"] > 0.2 and evidence["calls"] >= 20


async def traffic_tolerant(vendor: SealVendor, n: int) -> int:
    """Like traffic(), but seal making itself may fail under the error knob (at an error
    rate of 0.8, twenty attempts all fail 1.2% of the time; two hundred, practically never)."""
    for _ in range(200):
        try:
            return await traffic(vendor, n)
        except VendorError:
            continue
    raise AssertionError("could not make a seal at all")


async def test_seal_making_fails_over_to_the_next_admitted_vendor(db, http_client):
    fleet = Fleet(http_client)
    service = AdmissionService(db, fleet.get, fleet.log)
    tenant = uuid.uuid4()
    await service.set_rules(tenant, {"probation_min_calls": 0})
    # The hub's own directory (issue 3) does the candidate walk; admission orders it.
    directory_module = pytest.importorskip("hub.vendors.directory")
    directory = directory_module.VendorDirectory()
    directory.selector = service.select
    with VendorProcess(unique("first")) as first, VendorProcess(unique("second")) as second:
        for proc in (first, second):
            name = fleet.add(proc)
            directory.add(fleet.get(name))
            await register(service, name)
            await service.apply(tenant, "bureau-a", name, actor="operator-1")
        await service.reevaluate(tenant)
        candidates = [v.name for v in await directory.candidates(tenant, None)]
        assert sorted(candidates) == sorted([first.name, second.name])

        dead = candidates[0]
        (first if first.name == dead else second).kill()
        made_by = None
        for vendor in await directory.candidates(tenant, None):
            try:
                await vendor.make_seal(seal_request())
            except VendorUnavailable:
                continue
            made_by = vendor.name
            break
        assert made_by is not None and made_by != dead

        await service.suspend(tenant, made_by, "operator decision", actor="operator-1")
        remaining = [v.name for v in await directory.candidates(tenant, None)]
        assert made_by not in remaining


async def test_rules_are_validated_with_the_field_named(db):
    service = AdmissionService(db, lambda name: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(ValidationFailed) as info:
        await service.set_rules(uuid.uuid4(), {"max_error_rat": 0.1})
    assert info.value.field == "max_error_rat"
    with pytest.raises(ValidationFailed) as info:
        AdmissionRules.from_dict({"max_error_rate": 2})
    assert info.value.field == "max_error_rate"
    tenant = uuid.uuid4()
    rules = await service.set_rules(tenant, {"suspended_vendor_may_sign": False})
    assert (await service.rules(tenant)) == rules
    with pytest.raises(NotFound):
        await service.apply(tenant, "t", "never-registered", actor="x")


async def test_install_puts_registered_vendors_in_service(db, settings):
    directory_module = pytest.importorskip("hub.vendors.directory")
    from adapters.admission.wiring import install
    from adapters.protocol import AdapterContext

    directory = directory_module.VendorDirectory()
    context = AdapterContext(settings=settings)
    service, scheduler = await install(db, directory, context, interval_seconds=3600)
    directory.selector = service.select  # as the composition root wires it (hub.services)
    name = unique("wired")
    await service.register_vendor(
        name=name, kind="local", product_certificate="GM-1", sla_p95_ms=200
    )
    # An unknown adapter kind is refused at registration (not stored and left unrun).
    with pytest.raises(ValidationFailed) as refused:
        await service.register_vendor(name=unique("broken"), kind="no-such-kind", sla_p95_ms=200)
    assert refused.value.field == "kind"
    assert name in directory.names()  # activated on registration
    tenant = uuid.uuid4()
    await service.set_rules(tenant, {"probation_min_calls": 0})
    assert (await service.apply(tenant, "bureau-w", name, actor="op")).status == "probation"
    assert [v.name for v in await directory.candidates(tenant, None)] == [name]
    await scheduler.tick()  # probes health, re-evaluates: probation -> admitted
    assert await service.status(tenant, name) == "admitted"

    again = directory_module.VendorDirectory()
    await install(db, again, context)  # a restarted replica loads registrations
    assert name in again.names()
