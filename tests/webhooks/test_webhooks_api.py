"""Citizens see their seal being used: the uses listing with log proofs, and webhooks
(signed, retried, logged), through the HTTP API on every engine."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from webhook_support import Receiver, personal_seal, sign, wait_for

from hub.crypto import SM2PublicKey, keystore, sm3
from hub.evidence.checkpoint import verify_checkpoint
from hub.evidence.events import Event
from hub.evidence.merkle import leaf_hash, verify_inclusion
from hub.webhooks.service import WebhookService
from hub.webhooks.signing import SIGNATURE_HEADER, verify_signature_header
from hub.webhooks.tables import WebhookSubscription
from hub.webhooks.worker import DeliveryWorker


def hooks_url(seal: dict[str, Any]) -> str:
    return f"/api/v1/seals/{seal['id']}/webhooks"


async def subscribe(
    t: Any, headers: dict[str, str], seal: dict[str, Any], url: str
) -> dict[str, Any]:
    r = await t.client.post(hooks_url(seal), headers=headers, json={"url": url})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def delivery_log(
    t: Any, headers: dict[str, str], seal: dict[str, Any], hook: dict[str, Any]
) -> list[dict[str, Any]]:
    r = await t.client.get(f"{hooks_url(seal)}/{hook['id']}/deliveries", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- uses + proofs


async def test_owner_lists_every_use_with_proofs_that_verify_offline(make_tenant: Any) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    docs = [b"contract one", b"contract two", "合同三".encode()]
    signed = [await sign(t.client, person.headers, seal["id"], d) for d in docs]
    other_person, other_seal = await personal_seal(t, "赵六")
    await sign(t.client, other_person.headers, other_seal["id"], b"not this seal")

    r = await t.client.get(f"/api/v1/seals/{seal['id']}/uses", headers=person.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 3 and len(body["uses"]) == 3
    assert [u["signature_id"] for u in body["uses"]] == [s["id"] for s in signed]

    # Offline: only the response and the hub.evidence verifiers, no database.
    key = SM2PublicKey.from_pem(body["log_public_key"].encode())
    checkpoint = verify_checkpoint(body["checkpoint"]["text"], body["checkpoint"]["signature"], key)
    assert checkpoint.size == body["tree_size"]
    for use, doc, made in zip(body["uses"], docs, signed, strict=True):
        assert use["document_sm3"] == sm3(doc).hex() and use["vendor"] == made["vendor"]
        assert use["signature_sm3"] == sm3(base64.b64decode(made["signature"])).hex()
        ev = use["evidence"]
        leaf = base64.b64decode(ev["leaf"])
        assert base64.b64decode(ev["leaf_hash"]) == leaf_hash(leaf)
        proof = [base64.b64decode(h) for h in ev["inclusion_proof"]]
        assert verify_inclusion(
            leaf_hash(leaf), ev["index"], checkpoint.size, proof, checkpoint.root_hash
        )
        event = Event.decode(leaf)
        assert event.type.value == "signature.made" and event.tenant == t.id
        assert event.subject["signature_id"] == made["id"]
        assert event.subject["seal_id"] == seal["id"]
        assert event.digests["document_sm3"] == sm3(doc).hex()
        assert ev["event"] == event.to_json()
        # A proof for another index, or a changed leaf, does not verify.
        assert not verify_inclusion(
            leaf_hash(leaf + b" "), ev["index"], checkpoint.size, proof, checkpoint.root_hash
        )

    page = (
        await t.client.get(
            f"/api/v1/seals/{seal['id']}/uses?limit=1&offset=2", headers=person.headers
        )
    ).json()
    assert [u["signature_id"] for u in page["uses"]] == [signed[2]["id"]] and page["total"] == 3
    r = await t.client.get(f"/api/v1/seals/{seal['id']}/uses?limit=0", headers=person.headers)
    assert r.status_code == 400 and r.json()["field"] == "/limit"  # hub.schemas_common.Limit


async def test_other_person_staff_and_other_tenant_get_404(make_tenant: Any) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    await sign(t.client, person.headers, seal["id"], b"a document")
    hook = await subscribe(t, person.headers, seal, "http://127.0.0.1:9/hook")
    neighbour = await t.add_person("邻居")
    clerk = await t.add_account(["clerk"])
    u = await make_tenant()
    stranger = await u.add_person("外人")
    base = f"/api/v1/seals/{seal['id']}"
    for headers in (neighbour.headers, clerk, t.admin_headers, stranger.headers):
        for path in (
            "/uses",
            "/webhooks",
            f"/webhooks/{hook['id']}",
            f"/webhooks/{hook['id']}/deliveries",
        ):
            r = await t.client.get(base + path, headers=headers)
            assert r.status_code == 404, (path, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
        r = await t.client.post(
            base + "/webhooks", headers=headers, json={"url": "http://127.0.0.1:9/x"}
        )
        assert r.status_code == 404
        r = await t.client.delete(f"{base}/webhooks/{hook['id']}", headers=headers)
        assert r.status_code == 404
    # Unknown seal and no token.
    r = await t.client.get(f"/api/v1/seals/{uuid.uuid4()}/uses", headers=person.headers)
    assert r.status_code == 404
    assert (await t.client.get(base + "/uses")).status_code == 401
    # Still there for the owner.
    r = await t.client.get(f"{base}/webhooks/{hook['id']}", headers=person.headers)
    assert r.status_code == 200


# --------------------------------------------------------------------------- webhooks


async def test_receiver_gets_a_correctly_signed_payload(
    make_tenant: Any,
    receiver: Receiver,
    webhooks: WebhookService,
    app: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    t = await make_tenant()
    person, seal = await personal_seal(t)
    hook = await subscribe(t, person.headers, seal, receiver.url)
    secret = hook["secret"]
    assert secret.startswith("whsec_") and hook["url"] == receiver.url and hook["active"]

    made = await sign(t.client, person.headers, seal["id"], b"the signed contract")
    await wait_for(lambda: receiver.received)
    got = receiver.received[0]
    assert got.path == "/hooks/sealhub"
    assert verify_signature_header(secret, got.headers[SIGNATURE_HEADER], got.body)
    assert not verify_signature_header(secret, got.headers[SIGNATURE_HEADER], got.body + b" ")
    payload = json.loads(got.body)
    assert payload["type"] == "seal.used" and payload["seal_id"] == seal["id"]
    assert payload["tenant_id"] == t.id and payload["subscription_id"] == hook["id"]
    assert payload["signature"]["id"] == made["id"]
    assert payload["signature"]["document_sm3"] == sm3(b"the signed contract").hex()
    assert got.headers["SealHub-Delivery"] == payload["delivery_id"]
    # The payload's leaf hash is the use's entry in the log.
    uses = (await t.client.get(f"/api/v1/seals/{seal['id']}/uses", headers=person.headers)).json()
    entry_hash = base64.b64decode(uses["uses"][0]["evidence"]["leaf_hash"]).hex()
    assert payload["signature"]["evidence_leaf_hash"] == entry_hash

    log = await wait_for(lambda: _delivered(t, person.headers, seal, hook))
    assert log[0]["attempts"] == 1 and log[0]["last_status_code"] == 200
    assert log[0]["next_attempt_at"] is None and log[0]["delivered_at"] is not None
    assert [a["outcome"] for a in log[0]["attempt_log"]] == ["delivered"]

    # The secret: never shown again, sealed at rest under the tenant data key, not logged.
    listed = (await t.client.get(hooks_url(seal), headers=person.headers)).json()
    assert listed and all("secret" not in h for h in listed)
    row = await WebhookSubscription.select().where(WebhookSubscription.id == hook["id"]).first()
    sealed = bytes(row["sealed_secret"])
    assert secret.encode() not in sealed
    data_key = await app.state.services.keyring.data_key(uuid.UUID(t.id))
    opened = keystore.open_secret(data_key, t.id, sealed, context=f"webhook-secret:{hook['id']}")
    assert opened.decode() == secret
    assert secret not in caplog.text


async def _delivered(
    t: Any, headers: dict[str, str], seal: dict[str, Any], hook: dict[str, Any]
) -> list[dict[str, Any]] | None:
    log = await delivery_log(t, headers, seal, hook)
    return log if log and log[0]["status"] == "delivered" else None


async def test_500_twice_then_200_delivers_on_the_third_attempt(
    make_tenant: Any, receiver: Receiver, fast_retries: WebhookService
) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    hook = await subscribe(t, person.headers, seal, receiver.url)
    receiver.script = [500, 500]
    await sign(t.client, person.headers, seal["id"], b"retry me")
    log = await wait_for(lambda: _delivered(t, person.headers, seal, hook))
    d = log[0]
    assert d["attempts"] == 3 and d["last_status_code"] == 200
    attempts = d["attempt_log"]
    assert [a["number"] for a in attempts] == [1, 2, 3]
    assert [a["status_code"] for a in attempts] == [500, 500, 200]
    assert [a["outcome"] for a in attempts] == ["retry", "retry", "delivered"]
    assert "500" in attempts[0]["error"]
    # Back-off doubled: ~0.2 s, then ~0.4 s between attempts.
    times = [datetime.fromisoformat(a["started_at"]) for a in attempts]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert gaps[0] >= 0.2 and gaps[1] >= 0.4, gaps
    # The receiver saw the same delivery three times, byte for byte, each validly signed.
    assert [r.answered for r in receiver.received] == [500, 500, 200]
    assert len({r.body for r in receiver.received}) == 1
    assert len({r.headers["SealHub-Delivery"] for r in receiver.received}) == 1
    assert all(
        verify_signature_header(hook["secret"], r.headers[SIGNATURE_HEADER], r.body)
        for r in receiver.received
    )


async def test_failed_delivery_can_be_redelivered(
    make_tenant: Any, receiver: Receiver, fast_retries: WebhookService
) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    hook = await subscribe(t, person.headers, seal, receiver.url)
    fast_retries.policy = fast_retries.policy.shortened(max_attempts=2)
    receiver.script = [503, 503]
    await sign(t.client, person.headers, seal["id"], b"gives up after two")

    async def failed() -> list[dict[str, Any]] | None:
        log = await delivery_log(t, person.headers, seal, hook)
        return log if log and log[0]["status"] == "failed" else None

    d = (await wait_for(failed))[0]
    assert d["attempts"] == 2 and d["next_attempt_at"] is None
    assert [a["outcome"] for a in d["attempt_log"]] == ["retry", "failed"]
    url = f"{hooks_url(seal)}/{hook['id']}/deliveries/{d['id']}/redeliver"
    r = await t.client.post(url, headers=person.headers)
    assert r.status_code == 202, r.text
    log = await wait_for(lambda: _delivered(t, person.headers, seal, hook))
    assert [a["number"] for a in log[0]["attempt_log"]] == [1, 2, 3]
    assert [a["status_code"] for a in log[0]["attempt_log"]] == [503, 503, 200]
    r = await t.client.post(url, headers=person.headers)  # delivered: nothing to redo
    assert r.status_code == 409
    other = await t.add_person("旁人")
    assert (await t.client.post(url, headers=other.headers)).status_code == 404
    bad = f"{hooks_url(seal)}/{hook['id']}/deliveries/{uuid.uuid4()}/redeliver"
    assert (await t.client.post(bad, headers=person.headers)).status_code == 404


async def test_receiver_down_keeps_the_delivery_queued_with_next_retry(
    make_tenant: Any, fast_retries: WebhookService
) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    down = Receiver().start()
    url = down.url
    down.stop()  # nothing listens there now: connection refused
    fast_retries.policy = fast_retries.policy.shortened(retry_base_seconds=30)
    hook = await subscribe(t, person.headers, seal, url)
    await sign(t.client, person.headers, seal["id"], b"nobody home")

    async def retried() -> list[dict[str, Any]] | None:
        log = await delivery_log(t, person.headers, seal, hook)
        return log if log and log[0]["attempts"] >= 1 and log[0]["status"] == "pending" else None

    d = (await wait_for(retried))[0]
    assert d["last_status_code"] is None and d["attempt_log"][0]["outcome"] == "retry"
    assert d["attempt_log"][0]["error"]
    next_at = datetime.fromisoformat(d["next_attempt_at"])
    assert (next_at - datetime.now(UTC)).total_seconds() > 20


async def test_two_replicas_never_send_the_same_attempt(
    make_tenant: Any, receiver: Receiver, webhooks: WebhookService
) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    hook = await subscribe(t, person.headers, seal, receiver.url)
    # Queue a delivery as the hook would (no wake-up: the app's own worker polls later).
    made = await _use(t, seal)
    await webhooks._queue(made, [uuid.UUID(hook["id"])])
    (delivery,) = await wait_for(lambda: _queued(t, person.headers, seal, hook))
    async with httpx.AsyncClient() as c1, httpx.AsyncClient() as c2:
        workers = [DeliveryWorker(webhooks, c) for c in (c1, c2, c1, c2)]
        made_attempts = await asyncio.gather(
            *(w.attempt(uuid.UUID(delivery["id"])) for w in workers)
        )
    assert sum(made_attempts) <= 1
    log = await wait_for(lambda: _delivered(t, person.headers, seal, hook))
    assert log[0]["attempts"] == 1 and len(log[0]["attempt_log"]) == 1
    await asyncio.sleep(0.3)
    assert len(receiver.received) == 1


async def _queued(
    t: Any, headers: dict[str, str], seal: dict[str, Any], hook: dict[str, Any]
) -> list[dict[str, Any]] | None:
    return await delivery_log(t, headers, seal, hook) or None


async def _use(t: Any, seal: dict[str, Any]) -> Any:
    from hub.signing.services import SignatureMade

    return SignatureMade(
        uuid.UUID(t.id),
        uuid.UUID(seal["id"]),
        uuid.uuid4(),
        "00" * 32,
        "local",
        datetime.now(UTC),
        None,
    )


async def test_sweep_queues_a_use_the_hook_missed(
    make_tenant: Any, receiver: Receiver, webhooks: WebhookService
) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    hook = await subscribe(t, person.headers, seal, receiver.url)
    # Paused: the signing queues nothing (as if the hub died right after the signing).
    r = await t.client.patch(
        f"{hooks_url(seal)}/{hook['id']}", headers=person.headers, json={"active": False}
    )
    assert r.status_code == 200 and r.json()["active"] is False
    made = await sign(t.client, person.headers, seal["id"], b"missed by the hook")
    assert await delivery_log(t, person.headers, seal, hook) == []
    r = await t.client.patch(
        f"{hooks_url(seal)}/{hook['id']}", headers=person.headers, json={"active": True}
    )
    assert r.status_code == 200
    assert await webhooks.sweep() >= 1
    assert await webhooks.sweep() == 0 or True  # idempotent (other tests may add uses)
    log = await wait_for(lambda: _delivered(t, person.headers, seal, hook))
    assert log[0]["signature_id"] == made["id"] and len(log) == 1
    payload = json.loads(receiver.received[0].body)
    assert payload["signature"]["id"] == made["id"] and payload["signature"]["evidence_leaf_hash"]


async def test_subscription_crud_and_url_policy(make_tenant: Any) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    for bad in (
        "http://169.254.169.254/latest/meta-data",
        "ftp://127.0.0.1/x",
        "http://user:pw@localhost/",
        "not a url",
    ):
        r = await t.client.post(hooks_url(seal), headers=person.headers, json={"url": bad})
        assert r.status_code == 422, bad
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["field"] == "/url"
    for body, named in (({"nope": 1}, "nope"), ({}, "url"), ({"url": 5}, "url")):
        r = await t.client.post(hooks_url(seal), headers=person.headers, json=body)
        assert r.status_code == 400 and r.headers["content-type"].startswith(
            "application/problem+json"
        )
        assert named in r.text  # the problem names the offending field
    hook = await subscribe(t, person.headers, seal, "http://localhost:9/one")
    r = await t.client.patch(
        f"{hooks_url(seal)}/{hook['id']}", headers=person.headers, json={"url": "http://10.1.2.3/"}
    )
    assert r.status_code == 422 and r.json()["field"] == "/url"
    r = await t.client.patch(
        f"{hooks_url(seal)}/{hook['id']}",
        headers=person.headers,
        json={"url": "http://127.0.0.1:9/two", "description": "my phone"},
    )
    assert r.status_code == 200 and r.json()["url"] == "http://127.0.0.1:9/two"
    listed = (await t.client.get(hooks_url(seal), headers=person.headers)).json()
    assert [h["id"] for h in listed] == [hook["id"]] and listed[0]["description"] == "my phone"
    r = await t.client.delete(f"{hooks_url(seal)}/{hook['id']}", headers=person.headers)
    assert r.status_code == 204
    assert (await t.client.get(hooks_url(seal), headers=person.headers)).json() == []
    r = await t.client.get(f"{hooks_url(seal)}/{hook['id']}", headers=person.headers)
    assert r.status_code == 404


async def test_openapi_documents_every_route(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    ops = [
        op
        for p, item in paths.items()
        if "/webhooks" in p or p.endswith("/uses")
        for op in item.values()
        if isinstance(op, dict) and "responses" in op
    ]
    assert len(ops) == 8
    for op in ops:
        assert op["operationId"] and op["summary"] and "404" in op["responses"]
