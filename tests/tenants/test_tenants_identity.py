"""Real-name registration: persons and enterprises, validation, encryption, duplicates."""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import date

import pytest

from hub.errors import ValidationFailed
from hub.problems import json_pointer
from tenants.identity.tables import Person
from tenants.validation import (
    credit_code_check_char,
    mask_resident_id,
    parse_credit_code,
    parse_resident_id,
    resident_id_check_char,
)

PASSWORD = "person-password-1"


def _rid(region: str = "150102", born: str = "19900307", seq: str = "123") -> str:
    first17 = region + born + seq
    return first17 + resident_id_check_char(first17)


def _person_body(**over):
    body = {
        "name": "王五",
        "id_number": _rid(
            seq=f"{secrets.randbelow(1000):03d}", born=f"19{50 + secrets.randbelow(49)}0101"
        ),
        "mobile": "13912345678",
        "face_image": base64.b64encode(b"live-photo").decode(),
        "username": "p-" + secrets.token_hex(4),
        "password": PASSWORD,
    }
    body.update(over)
    return body


# --------------------------------------------------------------------- pure validation


def test_published_examples_validate():
    # GB 11643 worked example (check character X) and a published credit code.
    assert parse_resident_id("11010519491231002X").birth_date == date(1949, 12, 31)
    assert parse_resident_id("11010519491231002x").number == "11010519491231002X"
    assert parse_credit_code("91350100M000100Y43") == "91350100M000100Y43"


def test_check_characters_catch_every_single_digit_change():
    number = _rid()
    for i in range(17):
        for d in "0123456789":
            if d == number[i]:
                continue
            changed = number[:i] + d + number[i + 1 :]
            try:
                parse_resident_id(changed)
            except ValidationFailed:
                continue
            raise AssertionError(f"{changed} accepted")  # GB 11643 detects single errors
    code = "91350100M000100Y43"
    assert credit_code_check_char(code[:17]) == "3"
    with pytest.raises(ValidationFailed):
        parse_credit_code(code[:17] + "4")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "12345",
        "1501021990030712345",
        "15010219900307123A",
        "990102199003071234",  # no such province
        _rid(born="19900230"),  # 30 February
        _rid(born="20991231"),  # born in the future
    ],
)
def test_bad_resident_ids(bad):
    with pytest.raises(ValidationFailed) as info:
        parse_resident_id(bad)
    assert info.value.field == "id_number"


def test_mask():
    assert mask_resident_id("150102199003071234") == "1501**********1234"


# --------------------------------------------------------------------- over HTTP


async def test_register_person_and_log_in(client, make_tenant):
    t = await make_tenant()
    body = _person_body()
    r = await client.post("/api/v1/identity/persons", headers=t.admin_headers, json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["id_number_masked"] == mask_resident_id(body["id_number"])
    assert out["mobile_masked"] == "139****5678"
    assert out["region_code"] == "150102" and out["verifier"] == "simulated"
    assert 0.9 <= out["face_score"] < 1.0
    assert body["id_number"] not in r.text and body["mobile"] not in r.text
    headers = await t.login(body["username"], PASSWORD)
    me = await client.get("/api/v1/identity/persons/me", headers=headers)
    assert me.status_code == 200 and me.json()["id"] == out["id"]
    who = await client.get("/api/v1/auth/me", headers=headers)
    assert who.json()["roles"] == ["person"]
    # Stored sealed: neither the ID nor the mobile is in the row in clear.
    row = await Person.select().where(Person.id == uuid.UUID(out["id"])).first().run()
    blob = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in row.values())
    assert body["id_number"].encode() not in blob and body["mobile"].encode() not in blob


async def test_duplicate_id_number_is_409_and_leaves_nothing(client, make_tenant):
    t = await make_tenant()
    body = _person_body()
    assert (
        await client.post("/api/v1/identity/persons", headers=t.admin_headers, json=body)
    ).status_code == 201
    again = _person_body(id_number=body["id_number"].lower())
    r = await client.post("/api/v1/identity/persons", headers=t.admin_headers, json=again)
    assert r.status_code == 409 and r.json()["field"] == "/id_number"
    # The second username was not created (no half-written rows).
    r = await client.post(
        "/api/v1/auth/login",
        json={"tenant": t.slug, "username": again["username"], "password": PASSWORD},
    )
    assert r.status_code == 401
    # The same person may register with another bureau (tenant).
    other = await make_tenant()
    r = await client.post(
        "/api/v1/identity/persons",
        headers=other.admin_headers,
        json=_person_body(id_number=body["id_number"]),
    )
    assert r.status_code == 201


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"id_number": _rid()[:17] + ("0" if _rid()[17] != "0" else "1")}, "id_number"),  # check
        ({"id_number": "15010219900230123X"}, "id_number"),
        ({"mobile": "12812345678"}, "mobile"),
        ({"mobile": "1391234567"}, "mobile"),
        ({"name": ""}, "name"),
        ({"face_image": "***"}, "face_image"),
        ({"face_image": base64.b64encode(b"MISMATCH photo").decode()}, "face_image"),
        ({"name": "查无此人"}, "id_number"),
        ({"password": "short"}, "password"),
        ({"username": "x"}, "username"),
    ],
)
async def test_bad_person_input_names_the_field(client, make_tenant, over, field):
    t = await make_tenant()
    r = await client.post(
        "/api/v1/identity/persons", headers=t.admin_headers, json=_person_body(**over)
    )
    assert r.status_code == 422, r.text
    assert r.json()["field"] == json_pointer(field)


async def test_enterprise_registration(client, make_tenant):
    t = await make_tenant()
    rep = await t.add_person("赵六")
    agent = await t.add_person("钱七")
    from_body = {
        "name": "内蒙古某某有限公司",
        "credit_code": "91350100M000100Y43",
        "legal_representative_id": rep.id,
        "agent_person_id": agent.id,
    }
    r = await client.post("/api/v1/identity/enterprises", headers=t.admin_headers, json=from_body)
    assert r.status_code == 201, r.text
    ent = r.json()
    assert ent["legal_representative_name"] == "赵六"
    assert ent["agent_account_id"] == agent.account_id
    r = await client.post("/api/v1/identity/enterprises", headers=t.admin_headers, json=from_body)
    assert r.status_code == 409 and r.json()["field"] == "/credit_code"
    # The agent's next login carries enterprise_agent and sees the enterprise.
    headers = await t.login(agent.username, PASSWORD)
    who = (await client.get("/api/v1/auth/me", headers=headers)).json()
    assert who["roles"] == ["enterprise_agent", "person"]
    mine = await client.get("/api/v1/identity/enterprises", headers=headers)
    assert [e["id"] for e in mine.json()] == [ent["id"]]
    assert (
        await client.get(f"/api/v1/identity/enterprises/{ent['id']}", headers=headers)
    ).status_code == 200
    # The legal rep (not the agent) cannot read it.
    r = await client.get(f"/api/v1/identity/enterprises/{ent['id']}", headers=rep.headers)
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"credit_code": "91350100M000100Y44"}, "credit_code"),
        ({"credit_code": "91350100M000100I43"}, "credit_code"),
        ({"credit_code": "9135"}, "credit_code"),
        ({"legal_representative_id": str(uuid.uuid4())}, "legal_representative_id"),
        ({"agent_person_id": str(uuid.uuid4())}, "agent_person_id"),
        ({"name": " "}, "name"),
    ],
)
async def test_bad_enterprise_input(client, make_tenant, over, field):
    t = await make_tenant()
    rep = await t.add_person()
    body = {
        "name": "某公司",
        "credit_code": "91350100M000100Y43",
        "legal_representative_id": rep.id,
        "agent_person_id": rep.id,
    }
    body.update(over)
    r = await client.post("/api/v1/identity/enterprises", headers=t.admin_headers, json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == json_pointer(field)


async def test_legal_rep_from_another_tenant_is_refused(client, make_tenant):
    a, b = await make_tenant(), await make_tenant()
    foreign = await a.add_person()
    local = await b.add_person()
    r = await client.post(
        "/api/v1/identity/enterprises",
        headers=b.admin_headers,
        json={
            "name": "某公司",
            "credit_code": "91350100M000100Y43",
            "legal_representative_id": foreign.id,
            "agent_person_id": local.id,
        },
    )
    assert r.status_code == 422 and r.json()["field"] == "/legal_representative_id"


async def test_enterprise_change_runs_hooks_and_reports(client, app, make_tenant):
    t = await make_tenant()
    ent = await t.add_enterprise()
    calls = []
    fake_seal = uuid.uuid4()

    async def hook(db, tenant_id, enterprise_id, reason, actor):
        calls.append((str(tenant_id), str(enterprise_id), reason))
        return [fake_seal]

    hooks = app.state.services.identity.enterprise_hooks
    hooks.append(hook)
    try:
        r = await client.patch(
            f"/api/v1/identity/enterprises/{ent.id}",
            headers=t.admin_headers,
            json={"name": "新名称有限公司"},
        )
    finally:
        hooks.remove(hook)
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "新名称有限公司"
    assert r.json()["revoked_seals"] == [str(fake_seal)]
    assert calls == [(t.id, ent.id, f"name changed from {ent.name!r} to '新名称有限公司'")]


async def test_cross_tenant_identity_is_404(client, make_tenant):
    a, b = await make_tenant(), await make_tenant()
    ent = await a.add_enterprise()
    for url in (
        f"/api/v1/identity/persons/{ent.legal_rep.id}",
        f"/api/v1/identity/enterprises/{ent.id}",
    ):
        theirs = await client.get(url, headers=b.admin_headers)
        missing = await client.get(
            url.rsplit("/", 1)[0] + f"/{uuid.uuid4()}", headers=b.admin_headers
        )
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json()["detail"] == missing.json()["detail"]
        assert (await client.get(url, headers=a.admin_headers)).status_code == 200
    r = await client.patch(
        f"/api/v1/identity/enterprises/{ent.id}", headers=b.admin_headers, json={"name": "劫持"}
    )
    assert r.status_code == 404
    # Another person of the same tenant cannot read someone else's record either.
    other = await a.add_person()
    r = await client.get(f"/api/v1/identity/persons/{ent.legal_rep.id}", headers=other.headers)
    assert r.status_code == 404


async def test_citizen_self_registration(client, make_tenant):
    t = await make_tenant()
    body = {**_person_body(), "tenant": t.slug}
    r = await client.post("/api/v1/register/person", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["id_number_masked"] == mask_resident_id(body["id_number"])
    headers = await t.login(body["username"], PASSWORD)
    assert (await client.get("/api/v1/identity/persons/me", headers=headers)).status_code == 200
    r = await client.post(
        "/api/v1/register/person",
        json={**_person_body(id_number=body["id_number"]), "tenant": t.slug},
    )
    assert r.status_code == 409 and r.json()["field"] == "/id_number"
    for slug in ("hub", "no-such-bureau"):
        r = await client.post("/api/v1/register/person", json={**_person_body(), "tenant": slug})
        assert r.status_code == 422 and r.json()["field"] == "/tenant"
