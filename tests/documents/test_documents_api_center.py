"""The application center (应用中心) over HTTP: templates, filling, ordered multi-party
signing through the signing service, status per party, download, statistics."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from documents_api_support import SEAL_PASSWORD, official_seal, personal_seal

from hub.documents.pdf_verify import verify_pdf
from hub.formats import verify_ofd
from hub.problems import json_pointer

VALUES = {
    "name": "张三",
    "id_number": "11010519491231002X",
    "phone": "13800138000",
    "employer": "某某科技有限公司",
    "date": "2020-02-10",
}


async def _sign(
    t: Any,
    headers: dict[str, str],
    doc_id: str,
    step: str,
    seal_id: str,
    key: str | None = None,
    **extra: Any,
) -> Any:
    return await t.client.post(
        f"/api/v1/applications/documents/{doc_id}/sign",
        headers={**headers, "Idempotency-Key": key or secrets.token_hex(8)},
        json={"step": step, "seal_id": seal_id, "password": SEAL_PASSWORD, **extra},
    )


async def _template(t: Any, key: str) -> dict[str, Any]:
    r = await t.client.post("/api/v1/applications/templates/builtin", headers=t.admin_headers)
    assert r.status_code == 200, r.text
    assert {x["key"] for x in r.json()} >= {
        "epidemic-commitment",
        "residence-certificate",
        "home-quarantine-notice",
        "return-to-work",
    }
    return next(x for x in r.json() if x["key"] == key)


async def _stats(t: Any) -> dict[str, int]:
    r = await t.client.get("/api/v1/statistics", headers=t.admin_headers)
    assert r.status_code == 200, r.text
    return r.json()["counters"]  # type: ignore[no-any-return]


async def test_two_signers_in_order_complete_the_document(
    make_tenant: Any, limits: dict[str, int]
) -> None:
    t = await make_tenant()
    clerk = await t.add_account(["clerk"])
    person = await t.add_person("张三")
    ent = await t.add_enterprise("某某科技有限公司")
    p_seal = await personal_seal(t, person)
    o_seal = await official_seal(t, ent, clerk)
    template = await _template(t, "epidemic-commitment")
    before = (await _stats(t))["documents_completed"]

    r = await t.client.post(
        "/api/v1/applications/documents",
        headers=person.headers,
        json={
            "template_id": template["id"],
            "values": VALUES,
            "parties": {"applicant": person.account_id, "employer": ent.agent.account_id},
        },
    )
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["status"] == "signing" and doc["kind"] == "ofd"
    assert [(s["key"], s["state"]) for s in doc["steps"]] == [
        ("applicant", "ready"),
        ("employer", "waiting"),
    ]

    # Wrong order: the employer cannot sign before the applicant, and says why.
    r = await _sign(t, ent.agent_headers, doc["id"], "employer", o_seal["id"])
    assert r.status_code == 403 and "signs after 承诺人" in r.json()["detail"], r.text
    # Nobody signs another party's step.
    r = await _sign(t, ent.agent_headers, doc["id"], "applicant", o_seal["id"])
    assert r.status_code == 403 and "another party" in r.json()["detail"], r.text
    # The step's seal kind is enforced.
    r = await _sign(
        t, person.headers, doc["id"], "applicant", "00000000-0000-0000-0000-000000000000"
    )
    assert r.status_code == 404

    r = await _sign(t, person.headers, doc["id"], "applicant", p_seal["id"], key="center-key-1")
    assert r.status_code == 200, r.text
    after_first = r.json()
    assert [s["state"] for s in after_first["steps"]] == ["signed", "needs_approval"]
    # A retry with the same key returns the same state, not a second signature.
    r = await _sign(t, person.headers, doc["id"], "applicant", p_seal["id"], key="center-key-1")
    assert r.status_code == 200 and r.json()["replayed"] is True
    assert r.json()["document_sm3"] == after_first["document_sm3"]

    # The employer's step needs a use approval (用印审批) for the document as it is now.
    r = await _sign(t, ent.agent_headers, doc["id"], "employer", o_seal["id"])
    assert r.status_code == 403 and "approval" in r.json()["detail"], r.text
    r = await t.client.post(
        "/api/v1/use-requests",
        headers=ent.agent_headers,
        json={
            "seal_id": o_seal["id"],
            "document_sm3": after_first["document_sm3"],
            "purpose": "疫情防控承诺书盖章",
        },
    )
    assert r.status_code == 201, r.text
    use = r.json()
    r = await t.client.post(f"/api/v1/use-requests/{use['id']}/approve", headers=clerk, json={})
    assert r.status_code == 200, r.text
    r = await _sign(
        t, ent.agent_headers, doc["id"], "employer", o_seal["id"], use_request_id=use["id"]
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "completed" and done["completed_at"] is not None
    assert [s["state"] for s in done["steps"]] == ["signed", "signed"]

    # Every party sees the status; the completed document carries both signatures.
    for headers in (person.headers, ent.agent_headers, clerk):
        r = await t.client.get(f"/api/v1/applications/documents/{doc['id']}", headers=headers)
        assert r.status_code == 200 and r.json()["status"] == "completed"
    r = await t.client.get(
        f"/api/v1/applications/documents/{doc['id']}/file", headers=person.headers
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ofd")
    report = verify_ofd(r.content, **limits)
    assert report.intact and len(report.children) == 2, report.to_text()
    r = await _sign(t, person.headers, doc["id"], "applicant", p_seal["id"])
    assert r.status_code == 403 and "already signed" in r.json()["detail"]

    assert (await _stats(t))["documents_completed"] == before + 1
    listed = (await t.client.get("/api/v1/applications/documents", headers=person.headers)).json()
    assert [d["id"] for d in listed] == [doc["id"]]


async def test_parallel_group_signs_in_any_order_as_pdf(make_tenant: Any) -> None:
    t = await make_tenant()
    a, b = await t.add_person("甲"), await t.add_person("乙")
    seal_a, seal_b = await personal_seal(t, a), await personal_seal(t, b)
    r = await t.client.post(
        "/api/v1/applications/templates",
        headers=t.admin_headers,
        json={
            "key": "joint-statement",
            "title": "联合声明",
            "body": "{a}与{b}共同声明。",
            "fields": [{"name": "a", "label": "甲方"}, {"name": "b", "label": "乙方"}],
            "signers": [
                {"key": "a", "label": "甲方", "seal_kind": "personal", "order": 1, "x_mm": 20},
                {"key": "b", "label": "乙方", "seal_kind": "personal", "order": 1, "x_mm": 110},
            ],
            "output": "pdf",
        },
    )
    assert r.status_code == 201, r.text
    template = r.json()
    r = await t.client.post(
        "/api/v1/applications/templates",
        headers=t.admin_headers,
        json={
            **{k: template[k] for k in ("key", "title", "body", "output")},
            "fields": [],
            "signers": [],
        },
    )
    assert r.status_code in (409, 422)
    r = await t.client.post(
        "/api/v1/applications/documents",
        headers=a.headers,
        json={
            "template_id": template["id"],
            "values": {"a": "甲", "b": "乙"},
            "parties": {"b": b.account_id},
        },
    )
    assert r.status_code == 201, r.text
    doc = r.json()
    assert [s["state"] for s in doc["steps"]] == ["ready", "ready"]
    r = await _sign(t, b.headers, doc["id"], "b", seal_b["id"])  # b first: same group
    assert r.status_code == 200, r.text
    r = await _sign(t, a.headers, doc["id"], "a", seal_a["id"])
    assert r.status_code == 200 and r.json()["status"] == "completed", r.text
    pdf = (
        await t.client.get(f"/api/v1/applications/documents/{doc['id']}/file", headers=b.headers)
    ).content
    report = verify_pdf(pdf)
    assert report.intact and len(report.children) == 2, report.to_text()


async def test_bad_templates_and_fills_name_the_field(make_tenant: Any) -> None:
    t = await make_tenant()
    person = await t.add_person()
    base = {
        "key": "k1",
        "title": "T",
        "body": "{x}",
        "fields": [{"name": "x"}],
        "signers": [{"key": "s", "seal_kind": "personal"}],
    }
    for change, field in (
        ({"body": "{y}"}, "body"),
        ({"signers": [{"key": "s", "seal_kind": "castle"}]}, "signers"),
        ({"signers": []}, "signers"),
        ({"output": "doc"}, "output"),
    ):
        r = await t.client.post(
            "/api/v1/applications/templates", headers=t.admin_headers, json={**base, **change}
        )
        assert r.status_code == 422 and r.json()["field"] == json_pointer(field), (change, r.text)
    r = await t.client.post("/api/v1/applications/templates", headers=person.headers, json=base)
    assert r.status_code == 403
    template = await _template(t, "residence-certificate")
    url = "/api/v1/applications/documents"
    good = {
        "name": "张三",
        "id_number": VALUES["id_number"],
        "since": "2019-01-01",
        "address": "某路1号",
        "committee": "某居委会",
        "date": "2020-02-10",
    }
    for values, parties, field in (
        ({**good, "id_number": "110105194912310021"}, {}, "id_number"),
        ({**good, "since": "yesterday"}, {}, "since"),
        (good, {"nobody": person.account_id}, "parties"),
    ):
        r = await t.client.post(
            url,
            headers=person.headers,
            json={"template_id": template["id"], "values": values, "parties": parties},
        )
        assert r.status_code == 422 and r.json()["field"] == json_pointer(field), r.text


async def test_other_tenant_sees_no_templates_or_documents(make_tenant: Any) -> None:
    a, b = await make_tenant(), await make_tenant()
    person = await a.add_person()
    template = await _template(a, "residence-certificate")
    r = await a.client.post(
        "/api/v1/applications/documents",
        headers=person.headers,
        json={
            "template_id": template["id"],
            "values": {
                "name": "张三",
                "id_number": VALUES["id_number"],
                "since": "2019-01-01",
                "address": "某路1号",
                "committee": "某居委会",
                "date": "2020-02-10",
            },
        },
    )
    assert r.status_code == 201, r.text
    doc_id = r.json()["id"]
    intruder = await b.add_person()
    seal = await personal_seal(b, intruder)
    for headers in (b.admin_headers, intruder.headers):
        for url in (
            f"/api/v1/applications/templates/{template['id']}",
            f"/api/v1/applications/documents/{doc_id}",
            f"/api/v1/applications/documents/{doc_id}/file",
        ):
            assert (await b.client.get(url, headers=headers)).status_code == 404, url
        assert (await b.client.get("/api/v1/applications/documents", headers=headers)).json() == []
    r = await _sign(b, intruder.headers, doc_id, "committee", seal["id"])
    assert r.status_code == 404
    r = await b.client.post(
        "/api/v1/applications/documents",
        headers=intruder.headers,
        json={"template_id": template["id"], "values": {}},
    )
    assert r.status_code == 404
    # Same tenant, not a party: not found either.
    stranger = await a.add_person()
    assert (
        await a.client.get(f"/api/v1/applications/documents/{doc_id}", headers=stranger.headers)
    ).status_code == 404


async def test_parallel_signers_at_the_same_moment_both_land(
    make_tenant: Any, limits: dict[str, int]
) -> None:
    import asyncio

    t = await make_tenant()
    a, b = await t.add_person("甲"), await t.add_person("乙")
    seal_a, seal_b = await personal_seal(t, a), await personal_seal(t, b)
    r = await t.client.post(
        "/api/v1/applications/templates",
        headers=t.admin_headers,
        json={
            "key": "joint",
            "title": "共同确认书",
            "body": "{x}",
            "fields": [{"name": "x", "label": "内容"}],
            "signers": [
                {"key": "a", "seal_kind": "personal", "x_mm": 20},
                {"key": "b", "seal_kind": "personal", "x_mm": 110},
            ],
        },
    )
    assert r.status_code == 201, r.text
    r = await t.client.post(
        "/api/v1/applications/documents",
        headers=a.headers,
        json={
            "template_id": r.json()["id"],
            "values": {"x": "确认"},
            "parties": {"b": b.account_id},
        },
    )
    doc_id = r.json()["id"]
    ra, rb = await asyncio.gather(
        _sign(t, a.headers, doc_id, "a", seal_a["id"]),
        _sign(t, b.headers, doc_id, "b", seal_b["id"]),
    )
    assert ra.status_code == rb.status_code == 200, (ra.text, rb.text)
    final = (
        await t.client.get(f"/api/v1/applications/documents/{doc_id}", headers=a.headers)
    ).json()
    assert final["status"] == "completed"
    ofd = (
        await t.client.get(f"/api/v1/applications/documents/{doc_id}/file", headers=a.headers)
    ).content
    report = verify_ofd(ofd, **limits)
    assert report.intact and len(report.children) == 2, report.to_text()


async def test_a_step_signs_only_with_its_kind_of_seal(make_tenant: Any) -> None:
    t = await make_tenant()
    person = await t.add_person()
    seal = await personal_seal(t, person)
    template = await _template(t, "residence-certificate")
    r = await t.client.post(
        "/api/v1/applications/documents",
        headers=person.headers,
        json={
            "template_id": template["id"],
            "values": {
                "name": "张三",
                "id_number": VALUES["id_number"],
                "since": "2019-01-01",
                "address": "某路1号",
                "committee": "某居委会",
                "date": "2020-02-10",
            },
        },
    )
    doc_id = r.json()["id"]
    # Without a use request the committee's step is not approved yet.
    r = await _sign(t, person.headers, doc_id, "committee", seal["id"])
    assert r.status_code == 403 and "approval" in r.json()["detail"]
    r = await _sign(
        t, person.headers, doc_id, "committee", seal["id"], use_request_id=str(uuid.uuid4())
    )
    assert r.status_code == 422 and r.json()["field"] == "/seal_id", r.text
    r = await _sign(t, person.headers, doc_id, "nobody", seal["id"])
    assert r.status_code == 422 and r.json()["field"] == "/step", r.text
