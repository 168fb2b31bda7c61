"""The public evidence-log endpoints, on the hub app (SQLite and PostgreSQL sessions)."""

from __future__ import annotations

import base64

from hub.crypto import SM2PublicKey
from hub.evidence.checkpoint import verify_checkpoint
from hub.evidence.merkle import verify_consistency, verify_inclusion


def _hashes(items: list[str]) -> list[bytes]:
    return [base64.b64decode(h) for h in items]


async def test_log_endpoints_prove_what_the_services_recorded(client, app, engine):
    log = app.state.services.evidence
    first = (await client.get("/api/v1/evidence/log/checkpoint")).json()
    leaf_hex = await log.record(
        "tenant-api", "seal.made", {"seal": "api-seal", "vendor": "local", "esid": "1"}
    )
    await log.record("tenant-api", "seal.suspended", {"seal": "api-seal"})

    info = (await client.get("/api/v1/evidence/log")).json()
    key = SM2PublicKey.from_pem(info["public_key_pem"].encode())
    assert info["origin"] == "sealhub.test" and info["size"] >= 2

    r = await client.get("/api/v1/evidence/log/checkpoint")
    assert r.status_code == 200
    cp = verify_checkpoint(r.json()["text"], r.json()["signature"], key)
    old = verify_checkpoint(first["text"], first["signature"], key)

    by_hash = await client.get(
        "/api/v1/evidence/log/proof/inclusion",
        params={
            "tree_size": cp.size,
            "leaf_hash": base64.b64encode(bytes.fromhex(leaf_hex)).decode(),
        },
    )
    assert by_hash.status_code == 200, by_hash.text
    body = by_hash.json()
    assert verify_inclusion(
        bytes.fromhex(leaf_hex),
        body["index"],
        cp.size,
        _hashes(body["inclusion_proof"]),
        cp.root_hash,
    )
    by_index = await client.get(
        "/api/v1/evidence/log/proof/inclusion",
        params={"tree_size": cp.size, "index": body["index"]},
    )
    assert by_index.json()["inclusion_proof"] == body["inclusion_proof"]

    cons = await client.get(
        "/api/v1/evidence/log/proof/consistency", params={"first": old.size, "second": cp.size}
    )
    assert cons.status_code == 200
    assert verify_consistency(
        old.size, cp.size, old.root_hash, cp.root_hash, _hashes(cons.json()["consistency_proof"])
    )

    entries = (
        await client.get(
            "/api/v1/evidence/log/entries",
            params={"start": body["index"], "end": body["index"] + 1},
        )
    ).json()
    assert entries["entries"] == [
        {"index": body["index"], "leaf_hash": base64.b64encode(bytes.fromhex(leaf_hex)).decode()}
    ]


async def test_log_endpoint_errors_are_problems(client):
    size = (await client.get("/api/v1/evidence/log")).json()["size"]
    r = await client.get(
        "/api/v1/evidence/log/proof/inclusion", params={"tree_size": size + 10, "index": 0}
    )
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem")
    r = await client.get("/api/v1/evidence/log/proof/inclusion", params={"tree_size": size})
    assert r.status_code == 422
    r = await client.get(
        "/api/v1/evidence/log/proof/inclusion", params={"tree_size": size, "leaf_hash": "nothex"}
    )
    assert r.status_code == 422
    r = await client.get(
        "/api/v1/evidence/log/proof/consistency", params={"first": size + 1, "second": size}
    )
    assert r.status_code == 404
    r = await client.get("/api/v1/evidence/log/entries", params={"start": -1})
    assert r.status_code == 400 and r.json()["field"] == "/start"  # schemas_common.LogIndex


# --- end to end: signings through the hub API, packages from the hub's log ------------------

SEAL_PASSWORD = "seal-pass-2026"


async def _sign(t, headers, seal_id: str, doc: bytes, **extra):
    import secrets

    from hub.crypto import sm3

    return await t.client.post(
        "/api/v1/signatures",
        headers={**headers, "Idempotency-Key": secrets.token_hex(8)},
        json={
            "seal_id": seal_id,
            "password": SEAL_PASSWORD,
            "document_sm3": sm3(doc).hex(),
            **extra,
        },
    )


async def test_signing_through_the_hub_has_a_verifying_package(make_tenant, app):
    from hub.crypto import sm3
    from hub.evidence.package import verify_package

    t = await make_tenant()
    person = await t.add_person("赵六")
    seal = (
        await t.client.post("/api/v1/seals", headers=person.headers, json={"seal_type": "personal"})
    ).json()
    await t.client.put(
        f"/api/v1/seals/{seal['id']}/password",
        headers=person.headers,
        json={"password": SEAL_PASSWORD},
    )
    doc = b"evidence end to end"
    r = await _sign(t, person.headers, seal["id"], doc)
    assert r.status_code == 201, r.text
    signature_id = r.json()["id"]
    got = await t.client.get(f"/api/v1/evidence/signatures/{signature_id}", headers=person.headers)
    assert got.status_code == 200, got.text
    package = got.json()
    log = app.state.services.evidence
    report = verify_package(package, log_public_key=log.log_key.public_key)
    assert report.intact, report.to_text()
    assert package["document_sm3"] == sm3(doc).hex()
    event = package["entries"][-1]["event"]
    assert event["type"] == "signature.made" and event["subject"]["seal_id"] == seal["id"]
    # Another tenant (or no token) cannot fetch it: no existence oracle.
    other = await make_tenant()
    stranger = await other.add_person("钱七")
    r = await other.client.get(
        f"/api/v1/evidence/signatures/{signature_id}", headers=stranger.headers
    )
    assert r.status_code == 404
    r = await t.client.get(f"/api/v1/evidence/signatures/{signature_id}")
    assert r.status_code == 401


async def _approved_signing(make_tenant, app):
    from hub.crypto import sm3

    t = await make_tenant()
    ent = await t.add_enterprise("存证测试有限公司")
    clerk = await t.add_account(["clerk"])
    seal = (
        await t.client.post(
            "/api/v1/seals",
            headers=ent.agent_headers,
            json={"seal_type": "official", "enterprise_id": ent.id},
        )
    ).json()
    r = await t.client.post(f"/api/v1/seals/{seal['id']}/approve", headers=clerk, json={})
    assert r.status_code == 200, r.text
    await t.client.put(
        f"/api/v1/seals/{seal['id']}/password",
        headers=ent.agent_headers,
        json={"password": SEAL_PASSWORD},
    )
    doc = b"approved official letter"
    use = (
        await t.client.post(
            "/api/v1/use-requests",
            headers=ent.agent_headers,
            json={"seal_id": seal["id"], "document_sm3": sm3(doc).hex(), "purpose": "notice"},
        )
    ).json()
    r = await t.client.post(f"/api/v1/use-requests/{use['id']}/approve", headers=clerk, json={})
    assert r.status_code == 200, r.text
    r = await _sign(t, ent.agent_headers, seal["id"], doc, use_request_id=use["id"])
    assert r.status_code == 201, r.text
    der = base64.b64decode(r.json()["signature"])
    return await app.state.services.evidence.package(der, sm3(doc)), app.state.services.evidence


async def test_approved_signing_logs_approval_before_signature(make_tenant, app):
    from hub.evidence.package import verify_package

    package, log = await _approved_signing(make_tenant, app)
    report = verify_package(
        package,
        log_public_key=log.log_key.public_key,
        context=await app.state.services.trust.context(),
    )
    assert report.valid, report.to_text()  # TOTAL_PASSED with the hub CA trusted
    checks = {c.name: c for c in report.checks}
    assert checks["approval entry"].ok and checks["approval before signing"].ok, report.to_text()
    assert checks["signature entry"].ok and checks["ses signature"].ok
    types = [e["event"]["type"] for e in package["entries"]]
    assert types == ["use_request.approved", "signature.made"]


async def test_approved_signing_package_is_fully_valid(make_tenant, app):
    from hub.evidence.events import LEGACY_APPROVAL_OIDS, OID_APPROVAL_LEAF_HASH
    from hub.evidence.package import verify_package
    from hub.formats import parse_signature

    package, log = await _approved_signing(make_tenant, app)
    report = verify_package(
        package,
        log_public_key=log.log_key.public_key,
        context=await app.state.services.trust.context(),
    )
    assert report.valid, report.to_text()
    # Judged at the logged time (log-inclusion), with the hub CA's CRL from the package.
    # The earliest proof of existence: the signature's timestamp or its log entry (the
    # token's genTime is whole seconds, so either may be the earlier one).
    assert report.children[0].info["proof_of_existence"].startswith(("timestamp", "log-inclusion"))
    assert package["crls"] and any(
        c.name == "signer certificate revocation" and c.ok for c in report.children[0].checks
    )
    # The signing service binds the approval under the SealHub OID (or, until it switches,
    # the legacy placeholder, which the verifier names as a variant).
    oids = {
        oid for oid, _, _ in parse_signature(base64.b64decode(package["ses_signature"])).ext_datas
    }
    assert oids & {OID_APPROVAL_LEAF_HASH, *LEGACY_APPROVAL_OIDS}
    if OID_APPROVAL_LEAF_HASH not in oids:
        assert any("1.2.156.10197.6.999.1" in v for v in report.variants)


async def test_checkpoint_as_a_signed_note_for_monitors(client, app):
    from hub.evidence.note import KeyKind, Note, NoteVerifier, verify_note

    vkey = (await client.get("/api/v1/evidence/log/note-key")).text.strip()
    verifier = NoteVerifier.parse(vkey, KeyKind.LOG)
    assert verifier.key == app.state.services.evidence.log_key.public_key
    assert verifier.name == "sealhub.test"  # the key name is the log's origin
    r = await client.get("/api/v1/evidence/log/checkpoint.note")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    note = Note.parse(r.text)
    assert verify_note(note, verifier)
    r = await client.get("/api/v1/evidence/log/cosignatures", params={"tree_size": 1})
    assert r.status_code == 200 and r.json()["cosignatures"] == []  # no witness policy here
