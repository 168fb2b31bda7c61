"""The in-hub TSA's tokens: RFC 3161 structure, SM2 signature, ESS, EKU, rejections.

Checked three ways: hub.tsa.verify (asn1crypto + tongsuopy), an independent check here
that parses with asn1crypto and verifies the SignerInfo signature with gmssl's SM2, and
OpenSSL's `ts -verify` (see test_openssl_ts_verify for what OpenSSL 3.0 does with SM2).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import cms, tsp

from hub.crypto import Name, SM2PrivateKey, build_certificate, der_to_raw, sm3
from hub.tsa.authority import HubTimeStampAuthority, create_hub_keys
from hub.tsa.token import (
    DEFAULT_POLICY,
    OID_SHA256,
    OID_SM3,
    TimeStampSigner,
    build_query,
    parse_query,
    read_reply,
    token_from_reply,
)
from hub.tsa.verify import check_timestamp_token


@pytest.fixture(scope="module")
def tsa() -> HubTimeStampAuthority:
    return HubTimeStampAuthority(create_hub_keys())


def _status(reply: bytes) -> tuple[str, set[str]]:
    status, fail, _text, _token = read_reply(reply)
    return status, fail


def test_granted_token_verifies_and_echoes_nonce_and_policy(tsa):
    message = "签名值".encode() * 10
    reply = tsa.respond(build_query(message, nonce=0xC0FFEE, policy=DEFAULT_POLICY))
    assert _status(reply) == ("granted", set())
    token = token_from_reply(reply)
    check = check_timestamp_token(token, message)
    assert check.problems == []
    assert check.policy == DEFAULT_POLICY
    assert check.tsa_cert == tsa.keys.tsa_cert.der
    assert tsa.keys.ca_cert.der in check.certificates  # certReq: the chain is sent
    assert abs((datetime.now(UTC) - check.gen_time).total_seconds()) < 5
    tst = cms.ContentInfo.load(token)["content"]["encap_content_info"]["content"].parsed
    assert tst["nonce"].native == 0xC0FFEE
    assert tst["accuracy"]["seconds"].native == 1
    assert tst["message_imprint"]["hash_algorithm"]["algorithm"].dotted == OID_SM3


def test_sha256_imprint_is_accepted(tsa):
    token = token_from_reply(tsa.respond(build_query(b"m", hash_oid=OID_SHA256)))
    check = check_timestamp_token(token, b"m")
    assert check.problems == []


def test_serial_numbers_are_unique_and_differ_between_authorities():
    keys = create_hub_keys()
    one, two = HubTimeStampAuthority(keys), HubTimeStampAuthority(keys)  # two "replicas"
    serials = [check_timestamp_token(a.issue(b"x"), b"x").serial for a in (one, two) * 50]
    assert len(set(serials)) == 100
    assert all(s is not None and s.bit_length() <= 160 for s in serials)


def test_wrong_message_and_tampering_are_reported(tsa):
    token = tsa.issue(b"the signature value")
    assert check_timestamp_token(token, b"another value").problems == [
        "message imprint does not match the message"
    ]
    # Flip one byte inside the TSTInfo's genTime digits: the messageDigest no longer holds.
    when = check_timestamp_token(token, b"the signature value").gen_time
    stamp = when.strftime("%Y%m%d%H%M%SZ").encode()
    forged = token.replace(stamp, stamp[:-2] + bytes([stamp[-2] ^ 1]) + b"Z", 1)
    assert forged != token
    assert (
        "signed messageDigest does not match the TSTInfo"
        in check_timestamp_token(forged, b"the signature value").problems
    )
    # Flip a byte of the signature value itself (the last OCTET STRING of the SignerInfo).
    signer = cms.ContentInfo.load(token)["content"]["signer_infos"][0]
    sig = signer["signature"].native
    broken = token.replace(sig, sig[:-1] + bytes([sig[-1] ^ 1]))
    assert (
        "TSA signature over the signed attributes does not verify"
        in check_timestamp_token(broken, b"the signature value").problems
    )
    assert check_timestamp_token(b"\x30\x03junk", b"x").problems


def test_signer_without_timestamping_eku_is_reported():
    keys = create_hub_keys()
    key = SM2PrivateKey.generate()
    plain = build_certificate(
        subject=Name(common_name="not a TSA"),
        subject_key=key.public_key,
        issuer=keys.ca_cert,
        issuer_key=keys.ca_key,
    )
    query = parse_query(build_query(b"m"), policies=frozenset({DEFAULT_POLICY}))
    token = TimeStampSigner(key, plain).issue(query, serial=1, policy=DEFAULT_POLICY)
    assert check_timestamp_token(token, b"m").problems == [
        "signer certificate lacks the timeStamping extended key usage"
    ]


@pytest.mark.parametrize(
    ("query", "fail_info"),
    [
        (b"not asn.1", "bad_data_format"),
        (
            tsp.TimeStampReq(
                {
                    "version": "v1",
                    "message_imprint": {
                        "hash_algorithm": {"algorithm": "md5"},
                        "hashed_message": b"\0" * 16,
                    },
                }
            ).dump(),
            "bad_alg",
        ),
        (
            tsp.TimeStampReq(
                {
                    "version": "v1",
                    "message_imprint": {
                        "hash_algorithm": {"algorithm": OID_SM3},
                        "hashed_message": b"\0" * 20,
                    },
                }
            ).dump(),
            "bad_data_format",
        ),
        (build_query(b"m", policy="1.2.3.4"), "unaccepted_policy"),
        (
            tsp.TimeStampReq(
                {
                    "version": "v1",
                    "message_imprint": {
                        "hash_algorithm": {"algorithm": OID_SM3},
                        "hashed_message": sm3(b"m"),
                    },
                    "extensions": [{"extn_id": "1.2.3", "extn_value": b"\x05\x00"}],
                }
            ).dump(),
            "unaccepted_extensions",
        ),
    ],
)
def test_bad_requests_are_rejections_with_fail_info(tsa, query, fail_info):
    assert _status(tsa.respond(query)) == ("rejection", {fail_info})


# --- an independent check: asn1crypto parsing + gmssl SM2 --------------------------------


def test_independent_asn1crypto_and_gmssl_check(tsa):
    from gmssl import sm2 as gm_sm2

    message = b"independent"
    token = tsa.issue(message, nonce=7)
    signed = cms.ContentInfo.load(token)["content"]
    tst_der = signed["encap_content_info"]["content"].contents
    tst = tsp.TSTInfo.load(tst_der)
    assert tst["message_imprint"]["hashed_message"].native == sm3(message)
    signer = signed["signer_infos"][0]
    attrs = {a["type"].dotted: a["values"][0] for a in signer["signed_attrs"]}
    assert attrs["1.2.840.113549.1.9.4"].native == sm3(tst_der)
    ess = attrs["1.2.840.113549.1.9.16.2.47"]["certs"][0]
    assert ess["cert_hash"].native == sm3(tsa.keys.tsa_cert.der)
    signed_attrs = b"\x31" + signer["signed_attrs"].dump()[1:]
    raw = der_to_raw(signer["signature"].native)  # gmssl takes r||s as hex
    point = tsa.keys.tsa_cert.public_key.point[1:].hex()
    gm = gm_sm2.CryptSM2(private_key="", public_key=point)
    assert gm.verify_with_sm3(raw.hex(), signed_attrs)
    assert not gm.verify_with_sm3(raw.hex(), signed_attrs[:-1] + bytes([signed_attrs[-1] ^ 1]))


# --- OpenSSL -----------------------------------------------------------------------------


def _openssl(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("openssl")
    assert exe, "the openssl CLI is required"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=30, check=False)


def test_openssl_ts_verify(tsa, tmp_path: Path):
    """OpenSSL 3.0's `ts -verify` checks imprint, ESS signing-certificate-v2 (SM3) and the
    critical timeStamping EKU, then fails the SM2 signature: its PKCS7 code verifies SM2
    without the GM/T 0009 default ID (the same gap as openssl/openssl#23471 for chains;
    `ts` has no -vfyopt distid). So: every check before the signature passes in OpenSSL,
    and the signature over the very bytes OpenSSL hashed verifies with `pkeyutl` given
    the default ID."""
    message = b"openssl cross-check"
    token = tsa.issue(message, nonce=99)
    (tmp_path / "token.der").write_bytes(token)
    (tmp_path / "msg").write_bytes(message)
    (tmp_path / "tsa.pem").write_bytes(tsa.keys.tsa_cert.to_pem())
    text = _openssl("ts", "-reply", "-in", str(tmp_path / "token.der"), "-token_in", "-text")
    assert text.returncode == 0, text.stderr
    assert "Hash Algorithm: sm3" in text.stdout and "Nonce: 0x63" in text.stdout
    assert "Accuracy: 0x01 seconds" in text.stdout

    # A token with only the TSA certificate, trusted as a partial chain: OpenSSL then
    # checks no certificate signature (which it would also get wrong, see above).
    lone = TimeStampSigner(tsa.keys.tsa_key, tsa.keys.tsa_cert).issue(
        parse_query(build_query(message), policies=frozenset({DEFAULT_POLICY})),
        serial=5,
        policy=DEFAULT_POLICY,
    )
    (tmp_path / "lone.der").write_bytes(lone)
    proc = _openssl(
        "ts",
        "-verify",
        "-in",
        str(tmp_path / "lone.der"),
        "-token_in",
        "-data",
        str(tmp_path / "msg"),
        "-CAfile",
        str(tmp_path / "tsa.pem"),
        "-partial_chain",
    )
    if proc.returncode != 0:  # the known SM2-ID gap: only the PKCS7 signature step fails
        assert "PKCS7_signatureVerify:signature failure" in proc.stderr, proc.stderr
        assert "ESS" not in proc.stderr and "imprint" not in proc.stderr.lower()
    # A signer certificate without the timeStamping EKU fails before that, at the
    # purpose check: OpenSSL did look at the EKU of the certificate we issue.
    key = SM2PrivateKey.generate()
    plain = build_certificate(
        subject=Name(common_name="not a TSA"),
        subject_key=key.public_key,
        issuer=Name(common_name="not a TSA"),
        issuer_key=key,
    )
    other = TimeStampSigner(key, plain).issue(
        parse_query(build_query(message), policies=frozenset({DEFAULT_POLICY})),
        serial=6,
        policy=DEFAULT_POLICY,
    )
    (tmp_path / "other.der").write_bytes(other)
    (tmp_path / "plain.pem").write_bytes(plain.to_pem())
    wrong = _openssl(
        "ts",
        "-verify",
        "-in",
        str(tmp_path / "other.der"),
        "-token_in",
        "-data",
        str(tmp_path / "msg"),
        "-CAfile",
        str(tmp_path / "plain.pem"),
        "-partial_chain",
    )
    assert wrong.returncode != 0, wrong.stdout
    assert "unsuitable certificate purpose" in wrong.stderr, wrong.stderr

    # The SM2 signature over the stored signed attributes, checked by OpenSSL with the ID.
    signer = cms.ContentInfo.load(lone)["content"]["signer_infos"][0]
    (tmp_path / "attrs.der").write_bytes(b"\x31" + signer["signed_attrs"].dump()[1:])
    (tmp_path / "sig.der").write_bytes(signer["signature"].native)
    (tmp_path / "pub.pem").write_bytes(tsa.keys.tsa_cert.public_key.to_pem())
    ok = _openssl(
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        str(tmp_path / "pub.pem"),
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        "distid:1234567812345678",
        "-in",
        str(tmp_path / "attrs.der"),
        "-sigfile",
        str(tmp_path / "sig.der"),
    )
    assert ok.returncode == 0 and "Signature Verified Successfully" in ok.stdout, ok.stderr
    assert hashlib.sha256(lone).digest()  # the token file itself is what OpenSSL read
