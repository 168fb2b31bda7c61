"""SM2 interop: facade <-> OpenSSL CLI <-> gmssl, in both directions."""

from __future__ import annotations

import os

import pytest

from hub.crypto import SM2PrivateKey, SM2PublicKey, der_to_raw, raw_to_der

MESSAGES = [b"", b"abc", b"\x00" * 33, os.urandom(1000)]


@pytest.fixture(scope="module")
def facade_keys() -> list[SM2PrivateKey]:
    return [SM2PrivateKey.generate() for _ in range(4)]


def _x_starts_with_zero_or_four(key: SM2PublicKey) -> bool:
    return key.point[1:2].hex()[0] in "04"


def test_gmssl_workaround_covers_keys_gmssl_would_mangle(gmssl_verify):
    # Find a key whose X hex starts with '0' or '4' (gmssl's lstrip("04") bug) and show
    # the helper still verifies with it: otherwise the cross-check would silently skip them.
    for _ in range(200):
        key = SM2PrivateKey.generate()
        if _x_starts_with_zero_or_four(key.public_key):
            break
    else:
        pytest.fail("no key with X starting 0/4 in 200 tries")
    assert gmssl_verify(key.public_key, key.sign(b"abc"), b"abc")


@pytest.mark.parametrize("message", MESSAGES, ids=["empty", "abc", "zeros33", "random1000"])
def test_facade_signature_verifies_in_gmssl(facade_keys, gmssl_verify, message):
    for key in facade_keys:
        sig = key.sign(message)
        assert gmssl_verify(key.public_key, sig, message)
        assert not gmssl_verify(key.public_key, sig, message + b"x")


@pytest.mark.parametrize("message", MESSAGES, ids=["empty", "abc", "zeros33", "random1000"])
def test_facade_signature_verifies_in_openssl(tmp_path, openssl, facade_keys, message):
    msg = tmp_path / "msg"
    msg.write_bytes(message)
    for i, key in enumerate(facade_keys):
        pub = tmp_path / f"pub{i}.pem"
        pub.write_bytes(key.public_key.to_pem())
        sig = tmp_path / f"sig{i}"
        sig.write_bytes(key.sign(message))
        args = [
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            str(pub),
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
            "-in",
            str(msg),
            "-sigfile",
            str(sig),
        ]
        ok = openssl(*args)
        assert ok.returncode == 0, ok.stderr.decode()
        assert b"Signature Verified Successfully" in ok.stdout
        # A raw-form signature converted back to DER verifies too.
        sig.write_bytes(raw_to_der(key.sign_raw(message)))
        assert openssl(*args).returncode == 0
        # And a different message does not verify (OpenSSL is really checking).
        msg.write_bytes(message + b"!")
        assert openssl(*args).returncode != 0
        msg.write_bytes(message)


def test_openssl_key_and_signature_work_in_facade(tmp_path, openssl, gmssl_verify):
    message = b"signed by the OpenSSL CLI\n"
    msg = tmp_path / "msg"
    msg.write_bytes(message)
    for i in range(3):
        key_pem = tmp_path / f"k{i}.pem"
        openssl("genpkey", "-algorithm", "SM2", "-out", str(key_pem), check=True)
        pub_pem = tmp_path / f"pub{i}.pem"
        openssl("pkey", "-in", str(key_pem), "-pubout", "-out", str(pub_pem), check=True)
        key_der = tmp_path / f"k{i}.der"
        openssl("pkey", "-in", str(key_pem), "-outform", "DER", "-out", str(key_der), check=True)
        pub_der = tmp_path / f"pub{i}.der"
        openssl(
            "pkey",
            "-in",
            str(key_pem),
            "-pubout",
            "-outform",
            "DER",
            "-out",
            str(pub_der),
            check=True,
        )
        sig = tmp_path / f"sig{i}"
        openssl(
            "pkeyutl",
            "-sign",
            "-inkey",
            str(key_pem),
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
            "-in",
            str(msg),
            "-out",
            str(sig),
            check=True,
        )

        private = SM2PrivateKey.from_pem(key_pem.read_bytes())
        assert SM2PrivateKey.from_der(key_der.read_bytes()).public_key == private.public_key
        public = SM2PublicKey.from_pem(pub_pem.read_bytes())
        assert public == private.public_key
        assert SM2PublicKey.from_der(pub_der.read_bytes()) == public
        assert SM2PublicKey.from_point(public.point) == public
        assert public.to_der() == pub_der.read_bytes()

        signature = sig.read_bytes()
        assert public.verify(signature, message)
        assert public.verify_raw(der_to_raw(signature), message)
        assert not public.verify(signature, message[:-1])
        assert gmssl_verify(public, signature, message)

        # The OpenSSL-made key signs through the facade and OpenSSL accepts it.
        sig.write_bytes(private.sign(message))
        ok = openssl(
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            str(pub_pem),
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
            "-in",
            str(msg),
            "-sigfile",
            str(sig),
        )
        assert ok.returncode == 0, ok.stderr.decode()


def test_facade_key_export_loads_in_openssl(tmp_path, openssl):
    key = SM2PrivateKey.generate()
    (tmp_path / "k.pem").write_bytes(key.to_pem())
    out = openssl("pkey", "-in", str(tmp_path / "k.pem"), "-pubout", check=True)
    assert SM2PublicKey.from_pem(out.stdout) == key.public_key
    (tmp_path / "k.der").write_bytes(key.to_der())
    out = openssl(
        "pkey", "-inform", "DER", "-in", str(tmp_path / "k.der"), "-text", "-noout", check=True
    )
    assert b"SM2" in out.stdout


def test_round_trips_of_key_and_signature_forms():
    key = SM2PrivateKey.generate()
    assert SM2PrivateKey.from_der(key.to_der()).public_key == key.public_key
    assert SM2PrivateKey.from_pem(key.to_pem()).public_key == key.public_key
    assert SM2PublicKey.from_der(key.public_key.to_der()) == key.public_key
    assert SM2PublicKey.from_pem(key.public_key.to_pem()) == key.public_key
    sig = key.sign(b"m")
    assert raw_to_der(der_to_raw(sig)) == sig
    assert len(key.sign_raw(b"m")) == 64
    assert key.public_key.verify_raw(key.sign_raw(b"m"), b"m")


def test_wrong_key_is_false():
    a, b = SM2PrivateKey.generate(), SM2PrivateKey.generate()
    sig = a.sign(b"m")
    assert not b.public_key.verify(sig, b"m")
    assert not b.public_key.verify_raw(der_to_raw(sig), b"m")
