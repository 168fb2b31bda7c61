"""Seals and signatures SealHub builds: read back, verify, and verify in the OpenSSL CLI."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from formats_support import PNG, make_seal, make_signature

from hub.crypto import DEFAULT_ID, sm3
from hub.errors import FormatError
from hub.formats import (
    assemble_signature_v4,
    build_tbs_sign_v4,
    parse_seal,
    parse_signature,
    verify_any,
    verify_seal,
    verify_signature,
)


def test_seal_round_trip(pki) -> None:
    ext = [("1.2.156.10197.6.7.2.2.1", False, b"2.1"), ("1.2.3.4", True, b"x")]
    seal = make_seal(pki, ext_datas=ext)
    info = parse_seal(seal)
    assert info.version == 4 and info.name == "北京市测试局公章" and info.vid == "SealHub"
    assert info.signer_certs == [pki.signer_cert.der] and info.maker_cert == pki.maker_cert.der
    assert info.picture == PNG and info.picture_type == "png"
    assert (info.width_mm, info.height_mm) == (40, 40)
    assert info.ext_datas == ext and info.variants == ()
    assert info.seal_der == seal and seal.startswith(b"\x30")
    assert info.create_date == pki.created - timedelta(minutes=30)
    report = verify_seal(seal, context=pki.trusted)
    assert report.valid and report.version == 4 and report.variants == []
    assert {c.name for c in report.checks} == {
        "seal maker signature",
        "seal maker certificate chain",
        "seal maker cert validity",
        "seal validity period",
        "seal validity",
    }
    # Without its root trusted the same seal is undecided, never valid.
    untrusted = verify_seal(seal)
    assert untrusted.verdict() == ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")


def test_signature_round_trip(pki) -> None:
    seal = make_seal(pki)
    tbs, der = make_signature(pki, seal, ext_datas=[("1.2.5", False, b"v")])
    sig = parse_signature(der)
    assert sig.version == 4 and sig.tbs_bytes == tbs and sig.seal.seal_der == seal
    assert sig.data_hash == sm3(b"contract") and sig.time == pki.created
    assert sig.signer_cert == pki.signer_cert.der and sig.ext_datas == [("1.2.5", False, b"v")]
    report = verify_signature(der, document_digest=sm3(b"contract"), context=pki.trusted)
    assert report.valid, report.to_text()
    assert {c.name for c in report.checks} == {
        "signer signature",
        "signer cert in seal certList",
        "signer certificate chain",
        "signer cert validity",
        "document digest",
    }
    assert verify_any(der, context=pki.trusted).to_dict()["seal"]["valid"] is True
    # Without the document the digest is not checked: at most INDETERMINATE.
    detached = verify_signature(der, context=pki.trusted)
    assert detached.verdict() == ("INDETERMINATE", "SIGNED_DATA_NOT_FOUND")
    assert [c.name for c in detached.undecided_checks] == ["document digest"]


def test_wrong_document_digest_is_named(pki) -> None:
    _, der = make_signature(pki, make_seal(pki))
    report = verify_signature(der, document_digest=sm3(b"another document"))
    assert not report.valid and [c.name for c in report.failed] == ["document digest"]


def test_signature_by_a_key_outside_the_seal_fails(pki) -> None:
    from hub.crypto import SM2PrivateKey

    seal = make_seal(pki)
    tbs = build_tbs_sign_v4(seal_der=seal, time=pki.created, data_hash=sm3(b"d"), property_info="p")
    der = assemble_signature_v4(
        tbs_sign=tbs, signer_cert=pki.signer_cert.der, signature=SM2PrivateKey.generate().sign(tbs)
    )
    report = verify_signature(der)
    assert [c.name for c in report.failed] == ["signer signature"]


def test_signer_not_in_cert_list_is_named(pki) -> None:
    seal = make_seal(pki, signer_certs=[pki.maker_cert.der])
    _, der = make_signature(pki, seal)
    assert [c.name for c in verify_signature(der).failed] == ["signer cert in seal certList"]


def test_signing_after_the_seal_expired_is_named_as_a_warning(pki) -> None:
    """The claimed signing time is outside the seal's period: named, but only a warning,
    because a claimed time proves nothing (hub.formats.verify.CLAIMED_TIME)."""
    seal = make_seal(pki, valid_end=pki.created + timedelta(days=1))
    _, der = make_signature(pki, seal, time=pki.created + timedelta(days=2))
    seal_report = verify_signature(der).children[0]
    assert seal_report.failed == []
    assert [w.name for w in seal_report.warnings] == ["seal validity at signing time"]
    assert "no proof of existence" in seal_report.warnings[0].detail


def test_tampered_seal_info_breaks_the_maker_signature(pki) -> None:
    seal = bytearray(make_seal(pki))
    at = bytes(seal).index("北京".encode())
    seal[at : at + 6] = "上海".encode()
    report = verify_seal(bytes(seal))
    assert [c.name for c in report.failed] == ["seal maker signature"]


def test_trailing_bytes_are_accepted_and_reported(pki) -> None:
    seal = make_seal(pki)
    report = verify_seal(seal + b"\x00\x00", context=pki.trusted)
    assert report.valid and any("trailing bytes" in v for v in report.variants)
    assert parse_seal(seal + b"\x00\x00").seal_der == seal


def test_build_rejects_naive_times(pki) -> None:
    from datetime import datetime

    with pytest.raises(ValueError):
        make_seal(pki, valid_start=datetime(2024, 1, 1))  # noqa: DTZ001 (naive on purpose)
    with pytest.raises((FormatError, ValueError)):
        build_tbs_sign_v4(
            seal_der=make_seal(pki),
            time=datetime(2024, 1, 1),  # noqa: DTZ001 (naive on purpose)
            data_hash=b"x",
            property_info="p",
        )


def _openssl_verify(tmp_path: Path, pub_pem: bytes, signature: bytes, data: bytes) -> bool:
    (tmp_path / "pub.pem").write_bytes(pub_pem)
    (tmp_path / "sig.der").write_bytes(signature)
    (tmp_path / "data.bin").write_bytes(data)
    proc = subprocess.run(
        [
            "openssl", "pkeyutl", "-verify", "-rawin", "-digest", "sm3",
            "-pubin", "-inkey", str(tmp_path / "pub.pem"),
            "-pkeyopt", f"distid:{DEFAULT_ID.decode()}",
            "-in", str(tmp_path / "data.bin"), "-sigfile", str(tmp_path / "sig.der"),
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return proc.returncode == 0 and "Success" in proc.stdout


def test_openssl_verifies_signer_signature_over_stored_tbs(pki, tmp_path: Path) -> None:
    _, der = make_signature(pki, make_seal(pki))
    sig = parse_signature(der)
    pub = pki.signer_cert.public_key.to_pem()
    assert _openssl_verify(tmp_path, pub, sig.signature, sig.tbs_bytes)
    assert not _openssl_verify(tmp_path, pub, sig.signature, sig.tbs_bytes + b"x")


def test_openssl_verifies_maker_signature_over_stored_seal_info(pki, tmp_path: Path) -> None:
    info = parse_seal(make_seal(pki))
    pub = pki.maker_cert.public_key.to_pem()
    assert _openssl_verify(tmp_path, pub, info.signature, info.info_bytes)


def test_base64_text_signature_is_verified_and_reported(pki) -> None:
    import base64

    _, der = make_signature(pki, make_seal(pki))
    text = base64.encodebytes(der)  # wrapped at 76 columns, as tools write .sig files
    report = verify_any(text, context=pki.trusted, document_digest=sm3(b"contract"))
    assert report.kind == "signature" and report.valid
    assert any("base64" in v for v in report.variants)
    with pytest.raises(FormatError):
        verify_any(base64.b64encode(b"not DER at all"))


def _seal_with_digest_list(pki, digest_type: str, digest: bytes) -> bytes:
    """A V4 seal whose certList is a certDigestList (certListType 2)."""
    from asn1crypto import core

    from hub.crypto import OID_SM2_SM3
    from hub.formats import asn1

    class DigestObj(core.Sequence):
        _fields = [("type", core.PrintableString), ("value", core.OctetString)]  # noqa: RUF012

    class DigestList(core.SequenceOf):
        _child_spec = DigestObj

    def when(delta: timedelta) -> core.Any:
        return core.Any.load(core.GeneralizedTime(pki.created + delta).dump())

    info = asn1.SealInfoV4(
        {
            "header": asn1.Header({"id": "ES", "version": 4, "vid": "SealHub"}),
            "es_id": "digest-list",
            "property": asn1.PropertyInfoV4(
                {
                    "type": 1,
                    "name": "摘要列表章",
                    "cert_list_type": 2,
                    "cert_list": core.Any.load(
                        DigestList([{"type": digest_type, "value": digest}]).dump()
                    ),
                    "create_date": when(timedelta(minutes=-5)),
                    "valid_start": when(timedelta(minutes=-5)),
                    "valid_end": when(timedelta(days=30)),
                }
            ),
            "picture": asn1.PictureInfo({"type": "png", "data": PNG, "width": 40, "height": 40}),
        }
    ).dump()
    return asn1.der_sequence(
        info,
        core.OctetString(pki.maker_cert.der).dump(),
        core.ObjectIdentifier(OID_SM2_SM3).dump(),
        core.OctetBitString(pki.maker_key.sign(info)).dump(),
    )


@pytest.mark.parametrize("digest_type", ["SM3", "SHA1", "SHA256"])
def test_cert_digest_list_matches_the_signer(pki, digest_type: str) -> None:
    import hashlib

    hashers = {"SM3": sm3, "SHA1": lambda b: hashlib.sha1(b).digest(),
               "SHA256": lambda b: hashlib.sha256(b).digest()}  # fmt: skip
    seal = _seal_with_digest_list(pki, digest_type, hashers[digest_type](pki.signer_cert.der))
    assert parse_seal(seal).cert_list_type == 2
    assert verify_seal(seal, context=pki.trusted).valid
    _, der = make_signature(pki, seal)
    report = verify_signature(der, document_digest=sm3(b"contract"), context=pki.trusted)
    assert report.valid, report.to_text()
    other = _seal_with_digest_list(pki, digest_type, hashers[digest_type](b"someone else"))
    _, der = make_signature(pki, other)
    assert [c.name for c in verify_signature(der).failed] == ["signer cert in seal certList"]
