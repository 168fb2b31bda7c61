"""Malformed keys, signatures and certificates: a typed CryptoError or False, never a crash."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.crypto import (
    Certificate,
    Name,
    SM2PrivateKey,
    SM2PublicKey,
    build_certificate,
    der_to_raw,
    raw_to_der,
    verify_chain,
)
from hub.errors import CryptoError

KEY = SM2PrivateKey.generate()
MESSAGE = b"the signed bytes"
SIGNATURE = KEY.sign(MESSAGE)
ROOT_KEY = SM2PrivateKey.generate()
ROOT = build_certificate(
    subject=Name("Fuzz Root"),
    subject_key=ROOT_KEY.public_key,
    issuer=Name("Fuzz Root"),
    issuer_key=ROOT_KEY,
    is_ca=True,
)
LEAF = build_certificate(
    subject=Name("Fuzz Leaf"), subject_key=KEY.public_key, issuer=ROOT, issuer_key=ROOT_KEY
)
NOW = datetime.now(UTC)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _mutations(original: bytes) -> st.SearchStrategy[bytes]:
    """Truncations, bit flips, byte insertions/deletions of a valid object, plus junk."""
    n = len(original)
    truncated = st.integers(0, n - 1).map(lambda k: original[:k])
    flipped = st.tuples(st.integers(0, n - 1), st.integers(1, 255)).map(
        lambda t: original[: t[0]] + bytes([original[t[0]] ^ t[1]]) + original[t[0] + 1 :]
    )
    inserted = st.tuples(st.integers(0, n), st.binary(min_size=1, max_size=4)).map(
        lambda t: original[: t[0]] + t[1] + original[t[0] :]
    )
    deleted = st.integers(0, n - 1).map(lambda k: original[:k] + original[k + 1 :])
    return st.one_of(truncated, flipped, inserted, deleted, st.binary(max_size=300))


@FUZZ
@given(_mutations(SIGNATURE))
def test_mangled_signature_is_false_never_raises(sig):
    result = KEY.public_key.verify(sig, MESSAGE)
    # Only a signature carrying the same (r, s) verifies; everything else is False.
    try:
        same = der_to_raw(sig) == der_to_raw(SIGNATURE)
    except CryptoError:
        same = False
    assert result is same
    assert KEY.public_key.verify_e(sig, b"\x00" * 32) in (True, False)


@FUZZ
@given(st.binary(max_size=80))
def test_raw_signature_forms(raw):
    assert KEY.public_key.verify_raw(raw, MESSAGE) in (True, False)
    try:
        der = raw_to_der(raw)
    except CryptoError:
        assert len(raw) != 64
    else:
        assert len(raw) == 64
        with contextlib.suppress(CryptoError):  # r or s is 0 or >= n
            assert der_to_raw(der) == raw


@FUZZ
@given(st.binary(max_size=200))
def test_der_to_raw_typed(blob):
    try:
        raw = der_to_raw(blob)
    except CryptoError:
        return
    assert len(raw) == 64


@FUZZ
@given(_mutations(KEY.public_key.to_der()))
def test_mangled_public_keys(spki):
    for loader in (SM2PublicKey.from_der, SM2PublicKey.from_pem, SM2PublicKey.from_point):
        try:
            key = loader(spki)
        except CryptoError:
            continue
        assert key.verify(SIGNATURE, MESSAGE) in (True, False)


@FUZZ
@given(_mutations(KEY.public_key.point))
def test_mangled_points(point):
    try:
        key = SM2PublicKey.from_point(point)
    except CryptoError:
        return
    assert key.verify(SIGNATURE, MESSAGE) is (key == KEY.public_key)


@FUZZ
@given(_mutations(KEY.to_der()))
def test_mangled_private_keys(der):
    for loader in (SM2PrivateKey.from_der, SM2PrivateKey.from_pem):
        with contextlib.suppress(CryptoError):
            loader(der)


def test_non_sm2_keys_are_rejected():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    p256 = ec.generate_private_key(ec.SECP256R1())
    ed = ed25519.Ed25519PrivateKey.generate()
    for private in (p256, ed):
        der = private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        spki = private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        with pytest.raises(CryptoError):
            SM2PrivateKey.from_der(der)
        with pytest.raises(CryptoError):
            SM2PublicKey.from_der(spki)


def _exercise(cert: Certificate) -> None:
    """Every accessor either works or raises CryptoError; chain checks answer, not crash."""
    for attr in (
        "tbs_bytes",
        "signature",
        "signature_algorithm_oid",
        "serial_number",
        "subject",
        "issuer",
        "subject_name_der",
        "issuer_name_der",
        "not_before",
        "not_after",
        "is_ca",
        "public_key",
    ):
        with contextlib.suppress(CryptoError):
            getattr(cert, attr)
    try:
        cert.valid_at(NOW)
        cert.signed_by(ROOT_KEY.public_key)
    except CryptoError:
        pass
    result = verify_chain(cert, [], [ROOT], NOW)
    assert result.ok in (True, False)


@FUZZ
@given(_mutations(LEAF.der))
def test_mangled_certificates(der):
    try:
        cert = Certificate.load(der)
    except CryptoError:
        return
    _exercise(cert)
    if verify_chain(cert, [], [ROOT], NOW).ok:
        # Anything still accepted must carry exactly the TBS the root signed.
        assert cert.tbs_bytes == LEAF.tbs_bytes


@FUZZ
@given(st.binary(max_size=400))
def test_junk_certificates_and_pem(blob):
    for loader in (Certificate.load, Certificate.load_pem):
        try:
            cert = loader(blob)
        except CryptoError:
            continue
        _exercise(cert)


def test_genuine_leaf_still_verifies():
    assert verify_chain(LEAF, [], [ROOT], NOW).ok


REAL_CERTS = sorted(
    (Path(__file__).resolve().parents[1] / "samples" / "real-vendors" / "certs").glob("*.cer")
)


@pytest.mark.skipif(not REAL_CERTS, reason="real-vendor samples not present")
@pytest.mark.parametrize("path", REAL_CERTS, ids=lambda p: p.name)
def test_real_vendor_certificates_load_with_all_accessors(path):
    # Vendor quirks (UTF8String x500UniqueIdentifier, malformed authorityKeyIdentifier)
    # must not stop us from reading key, names, validity and CA flag.
    cert = Certificate.load(path.read_bytes())
    assert cert.subject and cert.issuer and "malformed" not in cert.issuer
    assert cert.public_key.point[0] == 4
    assert cert.not_before < cert.not_after
    assert cert.is_ca in (True, False)
    assert cert.signature_algorithm_oid == "1.2.156.10197.1.501"
    assert verify_chain(cert, [], [ROOT], NOW).ok is False
