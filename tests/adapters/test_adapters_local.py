from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from adapters_test_helpers import seal_request

from adapters.errors import VendorRejected
from adapters.local import LocalVendor
from adapters.protocol import RevokeRequest, SignRequest
from adapters.reference import FileKeyStore, MemoryKeyStore
from hub.crypto import Certificate, sm3
from hub.formats import build_tbs_sign_v4, parse_seal


def tbs_for(seal_der: bytes, doc: bytes = b"document") -> bytes:
    return build_tbs_sign_v4(
        seal_der=seal_der, time=datetime.now(UTC), data_hash=sm3(doc), property_info="doc.txt"
    )


async def test_make_seal_is_idempotent_and_rejects_key_reuse(master_key):
    vendor = LocalVendor("ref", MemoryKeyStore(), master_key)
    req = seal_request(idem="same")
    first, again = await vendor.make_seal(req), await vendor.make_seal(req)
    assert first == again
    other = seal_request(esid="E-2", idem="same")
    with pytest.raises(VendorRejected, match="different request"):
        await vendor.make_seal(other)
    seal = parse_seal(first.seal_der)
    assert seal.version == 4 and seal.esid == "E-1"
    assert seal.signer_certs == [first.signer_cert]
    assert seal.maker_cert == (await vendor.info()).maker_cert


async def test_sign_is_idempotent_scoped_to_tenant_and_stops_after_revoke(master_key):
    vendor = LocalVendor("ref", MemoryKeyStore(), master_key)
    made = await vendor.make_seal(seal_request())
    tbs = tbs_for(made.seal_der)
    req = SignRequest(
        tenant="bureau-a", key_handle=made.key_handle, tbs_sign=tbs, idempotency_key="s1"
    )
    first, again = await vendor.sign(req), await vendor.sign(req)
    assert first.signature == again.signature  # SM2 is randomised: equal means replayed
    assert Certificate.load(first.signer_cert).public_key.verify(first.signature, tbs)
    with pytest.raises(VendorRejected, match="different request"):
        await vendor.sign(
            SignRequest("bureau-a", made.key_handle, tbs_for(made.seal_der, b"x"), "s1")
        )
    with pytest.raises(VendorRejected, match="unknown signer key"):
        await vendor.sign(SignRequest("bureau-b", made.key_handle, tbs, "s2"))
    revoked = await vendor.revoke(RevokeRequest("bureau-a", made.key_handle, "name changed", "r1"))
    assert (
        await vendor.revoke(RevokeRequest("bureau-a", made.key_handle, "again", "r2"))
    ) == revoked
    with pytest.raises(VendorRejected, match="revoked"):
        await vendor.sign(SignRequest("bureau-a", made.key_handle, tbs, "s3"))


async def test_concurrent_twins_get_one_answer_and_another_key_handle_is_refused(master_key):
    vendor = LocalVendor("ref", MemoryKeyStore(), master_key)
    made = await vendor.make_seal(seal_request())
    other = await vendor.make_seal(seal_request(esid="E-2", idem="other"))
    tbs = tbs_for(made.seal_der)
    req = SignRequest("bureau-a", made.key_handle, tbs, "twin")
    first, second = await asyncio.gather(vendor.sign(req), vendor.sign(req))
    assert first == second  # one answer, whether the twin finds it stored or races it
    with pytest.raises(VendorRejected, match="different request"):
        await vendor.sign(SignRequest("bureau-a", other.key_handle, tbs, "twin"))


async def test_file_store_keeps_keys_encrypted_and_survives_restart(tmp_path, master_key):
    vendor = LocalVendor("ref", FileKeyStore(tmp_path), master_key)
    made = await vendor.make_seal(seal_request())
    key, _ = await vendor.signer_key("bureau-a", made.key_handle)
    ca = await vendor.ca()
    dump = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    for secret in (key, ca.maker_key, ca.root_key):
        scalar = secret._key.private_numbers().private_value.to_bytes(32, "big")
        assert scalar not in dump
    restarted = LocalVendor("ref", FileKeyStore(tmp_path), master_key)
    assert (await restarted.info()).maker_cert == (await vendor.info()).maker_cert
    tbs = tbs_for(made.seal_der)
    signed = await restarted.sign(SignRequest("bureau-a", made.key_handle, tbs, "s1"))
    assert Certificate.load(made.signer_cert).public_key.verify(signed.signature, tbs)
    wrong_master = LocalVendor("ref", FileKeyStore(tmp_path), bytes(16))
    with pytest.raises(Exception, match="SM4-GCM"):
        await wrong_master.info()


async def test_bad_seal_requests_are_rejected_typed(master_key):
    vendor = LocalVendor("ref", MemoryKeyStore(), master_key)
    from dataclasses import replace

    req = seal_request()
    for bad in (
        replace(req, seal_type=99),
        replace(req, picture=b""),
        replace(req, valid_end=req.valid_start),
        replace(req, width_mm=0),
    ):
        with pytest.raises(VendorRejected):
            await vendor.make_seal(bad)
