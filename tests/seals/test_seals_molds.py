"""同模同轨 through the API, on every engine: an enterprise seal is made from a registered
mold of that enterprise and seal type, its picture is the mold's image byte for byte, and
a mold that changes in the registry takes its seals with it."""

from __future__ import annotations

import asyncio
import base64
import io
import uuid
import zipfile
from typing import Any

import pytest

from hub.formats import parse_seal
from hub.pictures import render_official_seal, render_seal
from hub.seals.notices import notices_of

HEAD = "seal_code,unit_name,credit_code,seal_type,image,width_mm,height_mm,status"


def _upload(rows: list[tuple[str, str, str, str, bytes, int, int, str]]) -> dict[str, Any]:
    archive = io.BytesIO()
    lines = [HEAD]
    with zipfile.ZipFile(archive, "w") as zf:
        for i, (code, name, credit, kind, png, w, h, status) in enumerate(rows):
            zf.writestr(f"m{i}.png", png)
            lines.append(f"{code},{name},{credit},{kind},m{i}.png,{w},{h},{status}")
    return {
        "csv": ("molds.csv", "\n".join(lines).encode(), "text/csv"),
        "images": ("images.zip", archive.getvalue(), "application/zip"),
    }


async def _import(t: Any, rows: list[Any]) -> None:
    r = await t.client.post("/api/v1/molds/import", headers=t.admin_headers, files=_upload(rows))
    assert r.status_code == 200 and not r.json()["errors"], r.text


async def _apply(t: Any, ent: Any, seal_type: str, seal_code: str | None = None) -> Any:
    body: dict[str, Any] = {"seal_type": seal_type, "enterprise_id": ent.id}
    if seal_code is not None:
        body["seal_code"] = seal_code
    return await t.client.post("/api/v1/seals", headers=ent.agent_headers, json=body)


async def _enterprise_with_molds(t: Any) -> tuple[Any, str, str]:
    ent = await t.add_enterprise("某某同模科技有限公司")
    official, contract = "3301060000101", "3301060000102"
    await _import(
        t,
        [
            (
                official,
                ent.name,
                ent.credit_code,
                "公章",
                render_official_seal(ent.name, official),
                42,
                42,
                "在用",
            ),
            (
                contract,
                ent.name,
                ent.credit_code,
                "合同专用章",
                render_seal("contract", ent.name, seal_code=contract),
                40,
                40,
                "在用",
            ),
        ],
    )
    return ent, official, contract


async def test_official_seal_from_its_mold_is_the_mold_byte_for_byte(
    make_tenant: Any, engine: str
) -> None:
    t = await make_tenant()
    clerk = await t.add_account(["clerk"])
    ent, official, _ = await _enterprise_with_molds(t)
    r = await _apply(t, ent, "official", official)
    assert r.status_code == 201, r.text
    seal = r.json()
    assert (seal["width_mm"], seal["height_mm"]) == (42, 42)
    r = await t.client.post(f"/api/v1/seals/{seal['id']}/approve", headers=clerk, json={})
    assert r.status_code == 200 and r.json()["status"] == "active", r.text
    made = parse_seal(base64.b64decode(r.json()["seal"]))
    r = await t.client.get(f"/api/v1/molds/{official}/picture", headers=t.admin_headers)
    assert r.status_code == 200
    assert made.picture == r.content


@pytest.mark.parametrize(
    ("case", "detail"),
    [
        ("contract from the company seal's mold", "for seal type official, not contract"),
        ("another enterprise's mold", "another enterprise"),
        ("an unknown code", "not in this tenant's mold registry"),
        ("no code while a mold is on record", "has a registered official mold"),
    ],
)
async def test_wrong_molds_are_refused_naming_seal_code(
    make_tenant: Any, engine: str, case: str, detail: str
) -> None:
    t = await make_tenant()
    ent, official, _ = await _enterprise_with_molds(t)
    other = await t.add_enterprise("另一家贸易有限公司")
    r = {
        "contract from the company seal's mold": lambda: _apply(t, ent, "contract", official),
        "another enterprise's mold": lambda: _apply(t, other, "official", official),
        "an unknown code": lambda: _apply(t, ent, "official", "3301069999999"),
        "no code while a mold is on record": lambda: _apply(t, ent, "official"),
    }[case]
    resp = await r()
    assert resp.status_code == 422, resp.text
    problem = resp.json()
    assert "seal_code" in str(problem) and detail in problem["detail"]


async def test_policy_can_require_molds_for_every_enterprise_seal(
    make_tenant: Any, engine: str
) -> None:
    t = await make_tenant()
    ent = await t.add_enterprise("某某无模有限公司")
    r = await _apply(t, ent, "finance")
    assert r.status_code == 201, r.text  # without the policy: a drawn picture
    r = await t.client.put("/api/v1/policy", headers=t.admin_headers, json={"require_molds": True})
    assert r.status_code == 200 and r.json()["require_molds"] is True
    await asyncio.sleep(5.1)  # the policy is cached for 5 s per process: wait it out
    r = await _apply(t, ent, "finance")
    assert r.status_code == 422 and "registered mold" in r.json()["detail"], r.text


@pytest.mark.parametrize(
    ("what", "status", "notice"),
    [
        ("suspended", "suspended", "mold-suspended"),
        ("revoked", "revoked", "mold-revoked"),
    ],
)
async def test_a_mold_changed_in_the_registry_takes_its_seals(
    make_tenant: Any, engine: str, db: Any, what: str, status: str, notice: str
) -> None:
    t = await make_tenant()
    clerk = await t.add_account(["clerk"])
    ent, official, contract = await _enterprise_with_molds(t)
    made = []
    for kind, code in (("official", official), ("contract", contract)):
        r = await _apply(t, ent, kind, code)
        assert r.status_code == 201, r.text
        r = await t.client.post(f"/api/v1/seals/{r.json()['id']}/approve", headers=clerk, json={})
        assert r.json()["status"] == "active", r.text
        made.append(r.json()["id"])
    r = await t.client.put(
        f"/api/v1/molds/{official}/status", headers=t.admin_headers, json={"status": what}
    )
    assert r.status_code == 200, r.text
    seal = (await t.client.get(f"/api/v1/seals/{made[0]}", headers=ent.agent_headers)).json()
    assert seal["status"] == status
    hist = (
        await t.client.get(f"/api/v1/seals/{made[0]}/history", headers=ent.agent_headers)
    ).json()
    assert hist[-1]["to_status"] == status and official in hist[-1]["reason"]
    told = await notices_of(uuid.UUID(t.id), uuid.UUID(made[0]))
    assert [n["kind"] for n in told] == [notice]
    # The contract seal's own mold did not change: it is untouched.
    other = (await t.client.get(f"/api/v1/seals/{made[1]}", headers=ent.agent_headers)).json()
    assert other["status"] == "active"


async def test_a_replaced_mold_revokes_the_seals_made_from_the_old_one(
    make_tenant: Any, engine: str
) -> None:
    t = await make_tenant()
    clerk = await t.add_account(["clerk"])
    ent, official, _ = await _enterprise_with_molds(t)
    r = await _apply(t, ent, "official", official)
    r = await t.client.post(f"/api/v1/seals/{r.json()['id']}/approve", headers=clerk, json={})
    seal_id = r.json()["id"]
    # Re-imported with another picture (a re-carved seal): the old seal no longer matches.
    await _import(
        t,
        [
            (
                official,
                ent.name,
                ent.credit_code,
                "公章",
                render_official_seal(ent.name + "一", official),
                42,
                42,
                "在用",
            )
        ],
    )
    seal = (await t.client.get(f"/api/v1/seals/{seal_id}", headers=ent.agent_headers)).json()
    assert seal["status"] == "revoked"


async def test_a_mold_active_again_resumes_the_seals_its_suspension_suspended(
    make_tenant: Any, engine: str
) -> None:
    t = await make_tenant()
    clerk = await t.add_account(["clerk"])
    ent, official, contract = await _enterprise_with_molds(t)
    ids = []
    for kind, code in (("official", official), ("contract", contract)):
        r = await _apply(t, ent, kind, code)
        r = await t.client.post(f"/api/v1/seals/{r.json()['id']}/approve", headers=clerk, json={})
        ids.append(r.json()["id"])
    # The contract seal is suspended by its owner, for reasons of their own.
    r = await t.client.post(
        f"/api/v1/seals/{ids[1]}/suspend",
        headers=ent.agent_headers,
        json={"reason": "lost the paperwork"},
    )
    assert r.json()["status"] == "suspended", r.text
    for code in (official, contract):
        r = await t.client.put(
            f"/api/v1/molds/{code}/status", headers=t.admin_headers, json={"status": "suspended"}
        )
        assert r.status_code == 200
    for code in (official, contract):
        r = await t.client.put(
            f"/api/v1/molds/{code}/status", headers=t.admin_headers, json={"status": "active"}
        )
        assert r.status_code == 200
    status = [
        (await t.client.get(f"/api/v1/seals/{i}", headers=ent.agent_headers)).json()["status"]
        for i in ids
    ]
    assert status == ["active", "suspended"]  # the owner's own suspension stands


async def test_drawn_enterprise_seals_follow_their_type(make_tenant: Any, engine: str) -> None:
    """Without a registry: the legal representative's seal carries the person's name, the
    invoice seal is the 40 x 30 mm oval, special-purpose seals their own layout."""
    from PIL import Image

    t = await make_tenant()
    clerk = await t.add_account(["clerk"])
    ent = await t.add_enterprise("某某图样有限公司")
    made = {}
    for kind in ("legal-representative", "invoice", "contract", "official"):
        r = await _apply(t, ent, kind)
        assert r.status_code == 201, r.text
        r = await t.client.post(f"/api/v1/seals/{r.json()['id']}/approve", headers=clerk, json={})
        assert r.status_code == 200, r.text
        made[kind] = r.json()
    legal = made["legal-representative"]
    assert legal["name"] == ent.legal_rep.name != ent.name
    assert parse_seal(base64.b64decode(legal["seal"])).name == ent.legal_rep.name
    invoice = parse_seal(base64.b64decode(made["invoice"]["seal"]))
    assert (invoice.width_mm, invoice.height_mm) == (40, 30)
    assert Image.open(io.BytesIO(invoice.picture)).size == (472, 354)
    pictures = {k: parse_seal(base64.b64decode(v["seal"])).picture for k, v in made.items()}
    assert len(set(pictures.values())) == 4  # every type its own picture
