"""Vendor registrations on every engine: an unknown adapter kind is refused at
registration naming it; a registration is corrected with its history kept; asking for a
vendor the tenant has not admitted is the caller's 4xx naming the vendor."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import pytest

from adapters.registry import AdapterRegistry
from hub.errors import NotFound, ValidationFailed
from hub.vendors.directory import VendorDirectory


async def test_unknown_adapter_kind_is_refused_naming_it(
    client: Any, app: Any, engine: str
) -> None:
    service = app.state.services.admission
    assert set(AdapterRegistry.discover(strict=False).kinds()) <= set(service.known_kinds())
    with pytest.raises(ValidationFailed) as err:
        await service.register_vendor(name="v-" + secrets.token_hex(3), kind="telepathy")
    assert err.value.field == "kind" and "telepathy" in err.value.detail
    with pytest.raises(NotFound):  # nothing was stored
        await service.registration("telepathy")


async def test_a_registration_is_corrected_with_history(client: Any, app: Any, engine: str) -> None:
    service = app.state.services.admission
    name = "v-" + secrets.token_hex(3)
    await service.register_vendor(name=name, kind="local", product_certificate="GM-OLD-1")
    actor = uuid.uuid4()
    with pytest.raises(ValidationFailed) as err:
        await service.correct_vendor(name, reason=" ", product_certificate="GM-NEW-2")
    assert err.value.field == "reason"
    row = await service.correct_vendor(
        name,
        reason="certificate renewed",
        actor=actor,
        product_certificate="GM-NEW-2",
        sla_p95_ms=400,
    )
    assert row.product_certificate == "GM-NEW-2" and row.sla_p95_ms == 400
    await service.correct_vendor(name, reason="moved", endpoint="http://127.0.0.1:9/v1")
    history = await service.registration_history(name)
    assert [h.reason for h in history] == ["certificate renewed", "moved"]
    assert history[0].before == {"product_certificate": "GM-OLD-1", "sla_p95_ms": 1000}
    assert history[0].after == {"product_certificate": "GM-NEW-2", "sla_p95_ms": 400}
    assert history[0].actor_account_id == actor
    assert history[1].before == {"endpoint": None}
    with pytest.raises(NotFound):
        await service.correct_vendor("no-such-vendor", reason="x", endpoint="http://x")


async def test_a_vendor_the_tenant_has_not_admitted_is_a_4xx_naming_it() -> None:
    directory = VendorDirectory()

    async def admitted_none(tenant_id: Any, names: list[str]) -> list[str]:
        return []

    directory.selector = admitted_none
    with pytest.raises(ValidationFailed) as err:
        await directory.candidates(uuid.uuid4(), "acme-seals")
    assert err.value.status == 422 and err.value.field == "vendor"
    assert "acme-seals" in err.value.detail and err.value.extra["vendor"] == "acme-seals"


async def test_asking_for_an_unadmitted_vendor_over_http(
    make_tenant: Any, app: Any, engine: str
) -> None:
    t = await make_tenant()
    name = "v-" + secrets.token_hex(3)
    await app.state.services.admission.register_vendor(name=name, kind="local")
    person = await t.add_person("孙八")
    r = await t.client.post(
        "/api/v1/seals", headers=person.headers, json={"seal_type": "personal", "vendor": name}
    )
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "/vendor" and name in r.json()["detail"]
