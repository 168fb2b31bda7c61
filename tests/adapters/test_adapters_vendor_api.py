"""The vendor API contract (vendor-api.yaml) against the reference server, and the CSC
endpoints' SAD binding, over real HTTP to a real vendor process."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml
from adapters_test_helpers import seal_request
from openapi_spec_validator import validate

import adapters.http
from adapters.http import HttpVendor
from adapters.http.server import VendorServer, build_core
from adapters.reference.sm2e import sm2_e
from hub.crypto import OID_SM2_SM3, OID_SM3, Certificate, sm3

SPEC = Path(adapters.http.__file__).with_name("vendor-api.yaml")
pytestmark = pytest.mark.slow


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_openapi_document_matches_the_reference_server_routes():
    spec = yaml.safe_load(SPEC.read_text())
    assert spec["openapi"].startswith("3.1")
    validate(spec)  # a valid OpenAPI 3.1 document, not just YAML
    server = VendorServer(build_core("spec-check", None))
    documented = set()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op["operationId"] and op["summary"], (method, path)
            documented.add((method.upper(), path))
    served = set(server.routes) | {("POST", "/v1/keys/{key_handle}/revoke")}
    assert documented == served


async def test_csc_sad_is_bound_to_the_authorised_hashes(vendor_process, http_client):
    vendor = HttpVendor("ref-vendor", vendor_process.url, http_client)
    made = await vendor.make_seal(seal_request(tenant="csc-tenant"))
    base = vendor_process.url + "/csc/v2"

    async def post(path: str, body: dict) -> tuple[int, dict]:
        response = await http_client.post(base + path, json=body)
        return response.status_code, response.json()

    status, listed = await post("/credentials/list", {"userID": "csc-tenant"})
    assert status == 200 and made.key_handle in listed["credentialIDs"]
    status, other = await post("/credentials/list", {"userID": "someone-else"})
    assert made.key_handle not in other["credentialIDs"]
    status, info = await post(
        "/credentials/info", {"credentialID": made.key_handle, "certificates": "chain"}
    )
    assert info["key"]["status"] == "enabled" and info["key"]["algo"] == [OID_SM2_SM3]
    cert_der = base64.b64decode(info["cert"]["certificates"][0])
    assert cert_der == made.signer_cert and len(info["cert"]["certificates"]) == 2
    pub = Certificate.load(cert_der).public_key

    tbs_a, tbs_b = b"first TBS bytes", b"second TBS bytes"
    e_a, e_b = sm2_e(pub, tbs_a), sm2_e(pub, tbs_b)
    status, auth = await post(
        "/credentials/authorize",
        {"credentialID": made.key_handle, "numSignatures": 1, "hashes": [b64(e_a)],
         "hashAlgorithmOID": OID_SM3},
    )  # fmt: skip
    assert status == 200
    sign = {"credentialID": made.key_handle, "SAD": auth["SAD"], "hashAlgorithmOID": OID_SM3,
            "signAlgo": OID_SM2_SM3}  # fmt: skip
    status, refused = await post("/signatures/signHash", {**sign, "hashes": [b64(e_b)]})
    assert status == 400 and "not authorised" in refused["error_description"]
    status, signed = await post("/signatures/signHash", {**sign, "hashes": [b64(e_a)]})
    assert status == 200
    signature = base64.b64decode(signed["signatures"][0])
    assert pub.verify(signature, tbs_a)  # ordinary SM2-with-SM3 over the TBS bytes
    status, _ = await post("/signatures/signHash", {**sign, "hashes": [b64(e_a)]})
    assert status == 400, "a SAD signs each authorised hash once"
    status, wrong = await post(
        "/credentials/authorize",
        {"credentialID": made.key_handle, "numSignatures": 1, "hashes": [b64(sm3(b"x")[:20])]},
    )
    assert status == 400 and "32-byte" in wrong["error_description"]


async def test_vendor_api_requires_idempotency_key_and_well_formed_bodies(
    vendor_process, http_client
):
    url = vendor_process.url
    response = await http_client.post(url + "/v1/signatures", json={"tenant": "t"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    response = await http_client.post(
        url + "/v1/signatures",
        json={"tenant": "t", "key_handle": "k", "tbs_sign": "***"},
        headers={"Idempotency-Key": "1"},
    )
    assert response.status_code == 400 and "base64" in response.json()["detail"]
    response = await http_client.post(
        url + "/v1/signatures",
        json={"tenant": "t", "key_handle": "k-none", "tbs_sign": b64(b"x")},
        headers={"Idempotency-Key": "2"},
    )
    assert response.status_code == 404
    response = await http_client.post(url + "/v1/seals", content=b"not json",
                                      headers={"Idempotency-Key": "3"})  # fmt: skip
    assert response.status_code == 400


async def test_bearer_token_is_required_when_configured(http_client):
    from adapters.errors import VendorMisconfigured
    from adapters.testing import VendorProcess

    with VendorProcess("guarded", token="s3cret-token") as proc:
        anonymous = HttpVendor("guarded", proc.url, http_client)
        with pytest.raises(VendorMisconfigured, match="credentials"):
            await anonymous.info()
        assert not (await anonymous.health()).up
        wrong = HttpVendor("guarded", proc.url, http_client, token="guess")
        with pytest.raises(VendorMisconfigured):
            await wrong.make_seal(seal_request())
        right = HttpVendor("guarded", proc.url, http_client, token="s3cret-token")
        assert (await right.make_seal(seal_request())).key_handle
