"""Envelope encryption: tenant data keys under the master key, secrets under data keys."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.crypto import SM2PrivateKey, sm4
from hub.crypto import keystore as ks
from hub.errors import CryptoError

MASTER = bytes(range(16))


def test_data_key_wrap_round_trip_and_binding():
    data_key, wrapped = ks.create_data_key(MASTER, "tenant-a")
    assert len(data_key) == 16 and data_key not in wrapped
    assert ks.unwrap_data_key(MASTER, "tenant-a", wrapped) == data_key
    with pytest.raises(CryptoError):
        ks.unwrap_data_key(MASTER, "tenant-b", wrapped)  # another tenant's row
    with pytest.raises(CryptoError):
        ks.unwrap_data_key(sm4.new_key(), "tenant-a", wrapped)  # wrong master key
    # Integer and string tenant ids name the same tenant.
    _, wrapped_7 = ks.create_data_key(MASTER, 7)
    ks.unwrap_data_key(MASTER, "7", wrapped_7)


def test_master_key_rotation():
    new_master = sm4.new_key()
    data_key, wrapped = ks.create_data_key(MASTER, "t")
    sealed = ks.seal_id_number(data_key, "t", "110101199003070011")
    rewrapped = ks.rewrap_data_key(MASTER, new_master, "t", wrapped)
    with pytest.raises(CryptoError):
        ks.unwrap_data_key(MASTER, "t", rewrapped)
    again = ks.unwrap_data_key(new_master, "t", rewrapped)
    assert ks.open_id_number(again, "t", sealed) == "110101199003070011"


def test_private_key_sealed_and_bound_to_slot():
    data_key = ks.new_data_key()
    key = SM2PrivateKey.generate()
    blob = ks.seal_private_key(data_key, "t1", key, key_id="seal-42")
    assert key.to_der() not in blob
    opened = ks.open_private_key(data_key, "t1", blob, key_id="seal-42")
    assert opened.public_key == key.public_key
    assert opened.public_key.verify(opened.sign(b"m"), b"m")
    for tenant, key_id in (("t2", "seal-42"), ("t1", "seal-43"), ("t1", "")):
        with pytest.raises(CryptoError):
            ks.open_private_key(data_key, tenant, blob, key_id=key_id)
    with pytest.raises(CryptoError):
        ks.open_private_key(ks.new_data_key(), "t1", blob, key_id="seal-42")


def test_hub_log_key_scope():
    data_key = ks.new_data_key()
    key = SM2PrivateKey.generate()
    blob = ks.seal_private_key(data_key, ks.HUB_SCOPE, key, key_id="log-key")
    assert ks.open_private_key(data_key, ks.HUB_SCOPE, blob, key_id="log-key").public_key == (
        key.public_key
    )


def test_purposes_do_not_mix():
    data_key = ks.new_data_key()
    id_blob = ks.seal_id_number(data_key, "t", "110101199003070011")
    with pytest.raises(CryptoError):
        ks.open_secret(data_key, "t", id_blob)  # generic secret slot
    with pytest.raises(CryptoError):
        ks.open_private_key(data_key, "t", id_blob)
    with pytest.raises(CryptoError):
        ks.unwrap_data_key(data_key, "t", id_blob)


def test_aad_fields_cannot_collide():
    # With naive "purpose|tenant|context" joining these two would share AAD.
    data_key = ks.new_data_key()
    blob = ks.seal_secret(data_key, "a|b", b"x", context="c")
    with pytest.raises(CryptoError):
        ks.open_secret(data_key, "a", blob, context="b|c")


def test_tampering_every_byte_fails():
    data_key = ks.new_data_key()
    blob = ks.seal_id_number(data_key, "t", "11010119900307001X")
    for i in range(len(blob)):
        bad = bytearray(blob)
        bad[i] ^= 1
        with pytest.raises(CryptoError):
            ks.open_id_number(data_key, "t", bytes(bad))


def test_bad_key_sizes_are_typed():
    for bad in (b"", b"x" * 15, b"x" * 32):
        with pytest.raises(CryptoError):
            ks.wrap_data_key(bad, "t", ks.new_data_key())
        with pytest.raises(CryptoError):
            ks.wrap_data_key(MASTER, "t", bad)
        with pytest.raises(CryptoError):
            ks.seal_id_number(bad, "t", "1")
        with pytest.raises(CryptoError):
            ks.id_number_index(bad, "t", "1")


def test_id_number_blind_index():
    k1, k2 = ks.new_data_key(), ks.new_data_key()
    a = ks.id_number_index(k1, "t", "11010119900307001x")
    assert a == ks.id_number_index(k1, "t", " 11010119900307001X ")  # normalised
    assert len(a) == 32
    assert a != ks.id_number_index(k1, "u", "11010119900307001X")
    assert a != ks.id_number_index(k2, "t", "11010119900307001X")
    assert a != ks.id_number_index(k1, "t", "110101199003070011")


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40), st.text(max_size=20), st.binary(max_size=300))
def test_secret_round_trip_any_tenant(tenant, context, plaintext):
    data_key = ks.new_data_key()
    blob = ks.seal_secret(data_key, tenant, plaintext, context=context)
    assert ks.open_secret(data_key, tenant, blob, context=context) == plaintext
    with pytest.raises(CryptoError):
        ks.open_secret(data_key, tenant + "x", blob, context=context)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=120))
def test_junk_blobs_are_typed(blob):
    with pytest.raises(CryptoError):
        ks.unwrap_data_key(MASTER, "t", blob)
    with pytest.raises(CryptoError):
        ks.open_private_key(ks.new_data_key(), "t", blob)
