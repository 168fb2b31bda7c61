"""POST /tsa on the running hub, and the timestamp every hub signature carries."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from hub.crypto import Certificate, sm3
from hub.formats import parse_signature, verify_signature
from hub.formats.asn1 import token_from_time_stamp_field
from hub.tsa.token import build_query, read_reply, token_from_reply
from hub.tsa.verify import check_timestamp_token

QUERY = {"Content-Type": "application/timestamp-query"}


async def test_tsa_grants_and_rejects_over_http(client: Any) -> None:
    r = await client.post("/tsa", content=build_query(b"abc", nonce=12345), headers=QUERY)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/timestamp-reply"
    check = check_timestamp_token(token_from_reply(r.content), b"abc")
    assert check.problems == []
    certs = (await client.get("/tsa/certificate")).json()
    assert (
        Certificate.load(check.tsa_cert).der
        == Certificate.load_pem(certs["tsa_certificate_pem"].encode()).der
    )

    r = await client.post("/tsa", content=b"\x30\x00", headers=QUERY)
    assert r.status_code == 200
    status, fail, _text, token = read_reply(r.content)
    assert (status, fail, token) == ("rejection", {"bad_data_format"}, None)

    r = await client.post(
        "/tsa", content=build_query(b"abc"), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 415
    assert r.json()["field"] == "/Content-Type"


async def test_every_signature_carries_a_token_over_its_signature_value(make_tenant: Any) -> None:
    t = await make_tenant()
    person = await t.add_person("赵六")
    r = await t.client.post("/api/v1/seals", headers=person.headers, json={"seal_type": "personal"})
    seal = r.json()
    r = await t.client.put(
        f"/api/v1/seals/{seal['id']}/password",
        headers=person.headers,
        json={"password": "seal-pass-2026"},
    )
    assert r.status_code == 204, r.text
    doc = b"a contract"
    r = await t.client.post(
        "/api/v1/signatures",
        headers={**person.headers, "Idempotency-Key": secrets.token_hex(8)},
        json={"seal_id": seal["id"], "password": "seal-pass-2026", "document_sm3": sm3(doc).hex()},
    )
    assert r.status_code in (200, 201), r.text
    der = base64.b64decode(r.json()["signature"])
    info = parse_signature(der)
    assert info.time_stamp is not None
    check = check_timestamp_token(token_from_time_stamp_field(info.time_stamp), info.signature)
    assert check.problems == []
    assert verify_signature(der, document_digest=sm3(doc)).intact


async def test_tsa_keys_are_sealed_at_rest(app: Any, db: Any) -> None:
    import secrets as _secrets

    import pytest

    from hub.errors import CryptoError
    from hub.tsa.authority import HUB_RECORDS, open_hub_keys
    from hub.vendors.tables import VendorRecord

    rows = await VendorRecord.select().where(VendorRecord.vendor == HUB_RECORDS)
    assert len(rows) == 1
    blob = bytes(rows[0]["value"])
    keys = app.state.services.tsa.keys
    for key in (keys.tsa_key, keys.ca_key):
        der = key.to_der()
        assert der not in blob and der.hex().encode() not in blob
    opened = open_hub_keys(blob, app.state.settings.security.master_key)
    assert opened.tsa_key.public_key == keys.tsa_key.public_key
    with pytest.raises(CryptoError):
        open_hub_keys(blob, _secrets.token_bytes(16))
