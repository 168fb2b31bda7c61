"""Walk every route of the OpenAPI document with a second tenant's tokens: nothing of the
first tenant leaks, and ids of the first tenant answer like ids that do not exist."""

from __future__ import annotations

import json
import re
import secrets
import uuid

_METHODS = ("get", "post", "put", "patch", "delete")


async def _tenant_a(make_tenant):
    a = await make_tenant(name="Tenant A " + secrets.token_hex(3))
    marker = "甲" + secrets.token_hex(4)
    ent = await a.add_enterprise(name="企业" + marker, legal_rep=await a.add_person("人" + marker))
    clerk = await a.add_account(["clerk"])
    seal_ids = await _seal_and_signature(a, ent.legal_rep.headers)
    ids = {a.id, a.admin_id, ent.id, ent.legal_rep.id, ent.legal_rep.account_id, *seal_ids}
    secrets_of_a = {
        *ids,
        a.slug,
        marker,
        ent.credit_code,
        ent.legal_rep.id_number,
        ent.legal_rep.username,
    }
    return a, ent, clerk, ids, secrets_of_a


async def _seal_and_signature(a, headers) -> set[str]:
    """A's citizen has a seal, a signature and a use request: their ids must not work in B."""
    seal = (
        await a.client.post("/api/v1/seals", headers=headers, json={"seal_type": "personal"})
    ).json()
    await a.client.put(
        f"/api/v1/seals/{seal['id']}/password", headers=headers, json={"password": "Seal-pass-2026"}
    )
    sig = (
        await a.client.post(
            "/api/v1/signatures",
            headers={**headers, "Idempotency-Key": secrets.token_hex(8)},
            json={"seal_id": seal["id"], "password": "Seal-pass-2026", "document_sm3": "ab" * 32},
        )
    ).json()
    use = (
        await a.client.post(
            "/api/v1/use-requests",
            headers=headers,
            json={"seal_id": seal["id"], "document_sm3": "cd" * 32, "purpose": "isolation test"},
        )
    ).json()
    return {seal["id"], sig["id"], use["id"]}


async def test_every_route_with_another_tenants_token(client, make_tenant):
    _a, _ent, _clerk, a_ids, a_secrets = await _tenant_a(make_tenant)
    b = await make_tenant(name="Tenant B")
    b_person = await b.add_person()
    b_clerk = await b.add_account(["clerk"])
    callers = {"b-admin": b.admin_headers, "b-clerk": b_clerk, "b-person": b_person.headers}

    doc = (await client.get("/schema/openapi.json")).json()
    checked = 0
    for path, item in doc["paths"].items():
        params = re.findall(r"{(\w+)}", path)
        for method in _METHODS:
            if method not in item or path.startswith(("/schema", "/metrics")):
                # /metrics is the operators' scrape surface (network-policed in the chart):
                # its bounded labels name tenants by slug by design, and hold no ids or data.
                continue
            if not params and method != "get":
                continue  # creating things in B's own tenant is not a leak
            values = [""] if not params else sorted(a_ids)
            for who, headers in callers.items():
                for value in values:
                    url = re.sub(r"{\w+}", value, path) if params else path
                    kwargs = {"json": {}} if method in ("post", "put", "patch") else {}
                    r = await client.request(method.upper(), url, headers=headers, **kwargs)
                    checked += 1
                    assert r.status_code < 500, (who, method, url, r.status_code, r.text[:300])
                    # Echoing the id the caller sent (problem `instance`, detail) leaks nothing.
                    body = r.text.replace(value, "") if value else r.text
                    for secret in a_secrets:
                        assert secret not in body, (who, method, url, "leaks", secret)
                    if params:
                        assert not 200 <= r.status_code < 300, (who, method, url, r.text[:300])
    assert checked > 20


async def test_foreign_ids_answer_like_missing_ids(client, make_tenant):
    """For every GET route with an id in the path, A's id and a random id look the same to B."""
    a, ent, _clerk, _ids, _secrets = await _tenant_a(make_tenant)
    b = await make_tenant()
    doc = (await client.get("/schema/openapi.json")).json()
    compared = 0
    for path, item in doc["paths"].items():
        if "get" not in item or not re.search(r"{\w+}", path) or path.startswith("/schema"):
            continue
        for value in (a.admin_id, ent.id, ent.legal_rep.id, a.id):
            random_id = str(uuid.uuid4())
            foreign = re.sub(r"{\w+}", value, path)
            missing = re.sub(r"{\w+}", random_id, path)
            r1 = await client.get(foreign, headers=b.admin_headers)
            r2 = await client.get(missing, headers=b.admin_headers)
            assert r1.status_code == r2.status_code, (foreign, r1.text, r2.text)
            # Echoes of the id that was asked for are normalised away before comparing.
            body1 = json.loads(r1.text.replace(value, "<id>"))
            body2 = json.loads(r2.text.replace(random_id, "<id>"))
            if isinstance(body1, dict) and isinstance(body2, dict):
                assert body1.get("detail") == body2.get("detail"), (foreign, body1, body2)
            compared += 1
    assert compared > 0
