"""Vendor encodings not found in the public samples, built from a genuine SealHub seal.

Each test re-encodes a seal, signature or SignedData the way a vendor's writer would
(BER indefinite lengths, r without its 0x00, unused bits, BER times, odd certListType,
a V1 structure behind a version-4 header, ...). Where the re-encoding touches a signed
region, the region is signed again *as stored* (what that vendor's signer would sign);
the verifier must then verify it and name the variant. Companion tests store BER but
sign the DER original: those must fail, proving the check is over the stored bytes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from asn1crypto import cms, core, x509
from formats_ber import (
    bit_string,
    der_time,
    drop_rs_padding,
    indefinite,
    long_form,
    pad_rs,
    replace_child,
    seal_v4,
    segmented_octets,
    sign_with_high_r,
    sign_with_low_r,
)
from formats_support import make_seal, make_signature

from hub.crypto import OID_SM2_SM3, sm3
from hub.errors import FormatError
from hub.formats import asn1, parse_seal, parse_signature, verify_seal, verify_signature
from hub.formats.report import Report
from hub.formats.signature import assemble_signature_v4
from hub.formats.signeddata import OID_GM_SIGNED_DATA, OID_PKCS7_SIGNED_DATA, verify_signed_data
from hub.formats.variants import describe

EOC = b"\x00\x00"


def _checks(report: Report) -> dict[str, bool]:
    return {c.name: c.ok for c in report.checks}


def _parts(tlv: bytes) -> list[bytes]:
    return [child for _, child in asn1.children(tlv)]


@pytest.fixture(scope="module")
def genuine(pki: Any) -> bytes:
    return make_seal(pki)


def _resealed(pki: Any, info: bytes) -> bytes:
    """A V4 seal around `info` as given, its maker signature over exactly those bytes."""
    return seal_v4(info, pki.maker_cert.der, bit_string(pki.maker_key.sign(info)))


def _assert_reads_like(seal: bytes, genuine: bytes) -> None:
    a, b = parse_seal(seal), parse_seal(genuine)
    for name in ("esid", "name", "vid", "signer_certs", "picture", "maker_cert", "valid_end"):
        assert getattr(a, name) == getattr(b, name), name


def _valid_with(report: Report, key: str) -> None:
    assert report.intact, [c for c in report.checks if not c.ok]
    assert describe(key) in report.variants, report.variants


# --- BER lengths and strings ---------------------------------------------------------


def test_ber_indefinite_seal_verifies_over_its_stored_bytes(pki: Any, genuine: bytes) -> None:
    ber_info = indefinite(_parts(genuine)[0])
    seal = indefinite(_resealed(pki, ber_info), deep=False)
    parsed = parse_seal(seal)
    assert parsed.info_bytes == ber_info and ber_info[:2] == b"\x30\x80"
    assert "ber-indefinite-length" in parsed.variants
    _assert_reads_like(seal, genuine)
    _valid_with(verify_seal(seal), "ber-indefinite-length")


def test_ber_info_signed_as_der_is_not_verified_over_a_re_encoding(genuine: bytes) -> None:
    """The maker signed the DER SES_SealInfo; stored as BER, those bytes were not signed."""
    info, cert, alg, signed_value = _parts(genuine)
    seal = asn1.der_sequence(indefinite(info), cert, alg, signed_value)
    report = verify_seal(seal)
    assert _checks(report)["seal maker signature"] is False and not report.intact


def test_outer_indefinite_length_keeps_the_maker_signature(genuine: bytes) -> None:
    seal = indefinite(genuine, deep=False)
    assert parse_seal(seal).info_bytes == _parts(genuine)[0]
    _valid_with(verify_seal(seal), "ber-indefinite-length")


def test_long_form_lengths_outside_the_signed_info(genuine: bytes) -> None:
    info, cert, alg, signed_value = _parts(genuine)
    seal = long_form(asn1.der_sequence(info, long_form(cert), alg, signed_value))
    assert parse_seal(seal).variants == ("ber-long-form-length",)
    _assert_reads_like(seal, genuine)
    _valid_with(verify_seal(seal), "ber-long-form-length")


def test_long_form_lengths_inside_the_info_signed_as_stored(pki: Any, genuine: bytes) -> None:
    info = _parts(genuine)[0]
    header, *rest = _parts(info)
    stored = long_form(asn1.der_sequence(long_form(header), *rest))
    _valid_with(verify_seal(_resealed(pki, stored)), "ber-long-form-length")


def test_constructed_octet_string_certificate(pki: Any, genuine: bytes) -> None:
    seal = replace_child(genuine, 1, segmented_octets(_parts(genuine)[1], size=64))
    parsed = parse_seal(seal)
    assert parsed.maker_cert == pki.maker_cert.der
    assert {"ber-constructed-string", "ber-indefinite-length"} <= set(parsed.variants)
    _valid_with(verify_seal(seal), "ber-constructed-string")


# --- signature values ----------------------------------------------------------------


def test_maker_r_without_its_leading_zero(pki: Any, genuine: bytes) -> None:
    info = _parts(genuine)[0]
    der = sign_with_high_r(pki.maker_key, info)
    negative = drop_rs_padding(der)
    assert negative != der and asn1.children(negative)[0][1][2] & 0x80  # r reads negative
    seal = seal_v4(info, pki.maker_cert.der, bit_string(negative))
    _valid_with(verify_seal(seal), "negative-integer-rs")


def test_maker_r_with_a_superfluous_zero(pki: Any, genuine: bytes) -> None:
    info = _parts(genuine)[0]
    signature = sign_with_low_r(pki.maker_key, info)
    seal = seal_v4(info, pki.maker_cert.der, bit_string(pad_rs(signature)))
    _valid_with(verify_seal(seal), "padded-integer-rs")


def test_maker_signature_value_in_ber(pki: Any, genuine: bytes) -> None:
    info = _parts(genuine)[0]
    value = indefinite(pki.maker_key.sign(info))
    _valid_with(
        verify_seal(seal_v4(info, pki.maker_cert.der, bit_string(value))), "ber-signature-value"
    )


def test_lenient_r_s_still_needs_the_right_signature(pki: Any, genuine: bytes) -> None:
    info = _parts(genuine)[0]
    other = drop_rs_padding(sign_with_high_r(pki.maker_key, info + b"x"))
    report = verify_seal(seal_v4(info, pki.maker_cert.der, bit_string(other)))
    assert _checks(report)["seal maker signature"] is False


@pytest.mark.parametrize("unused", [1, 3, 7])
def test_bit_string_with_unused_bits(pki: Any, genuine: bytes, unused: int) -> None:
    info = _parts(genuine)[0]
    seal = seal_v4(info, pki.maker_cert.der, bit_string(parse_seal(genuine).signature, unused))
    assert "bitstring-unused-bits" in parse_seal(seal).variants
    _valid_with(verify_seal(seal), "bitstring-unused-bits")


def test_bit_string_with_an_impossible_unused_count_is_a_format_error(genuine: bytes) -> None:
    info = _parts(genuine)[0]
    seal = seal_v4(info, b"cert", bit_string(b"\x30\x00", unused=8))
    with pytest.raises(FormatError):
        parse_seal(seal)


# --- times ---------------------------------------------------------------------------

GT, UT = 0x18, 0x17
CST = timedelta(hours=8)


def _times(when: datetime) -> list[tuple[int, bytes, set[str], datetime]]:
    local = when + CST
    minute, hour = when.replace(second=0), when.replace(minute=0, second=0)
    no_seconds = {"time-without-seconds"}
    return [
        (GT, f"{when:%Y%m%d%H%M}Z".encode(), no_seconds, minute),
        (GT, f"{local:%Y%m%d%H%M%S}".encode(), {"time-without-zone"}, when),
        (GT, f"{when:%Y%m%d%H%M%S}.25Z".encode(), {"time-fraction"}, when + timedelta(0, 0.25)),
        (GT, f"{local:%Y%m%d%H%M%S}+0800".encode(), {"time-offset"}, when),
        (GT, f"{when:%Y%m%d%H}Z".encode(), no_seconds, hour),
        (UT, f"{when:%y%m%d%H%M%S}Z".encode(), {"utctime-in-v4"}, when),
        (UT, f"{when:%y%m%d%H%M}Z".encode(), {"utctime-in-v4", *no_seconds}, minute),
        (UT, f"{local:%y%m%d%H%M%S}+0800".encode(), {"utctime-in-v4", "time-offset"}, when),
    ]  # fmt: skip


@pytest.mark.parametrize("case", range(8))
def test_ber_times_signed_as_stored(pki: Any, genuine: bytes, case: int) -> None:
    info = _parts(genuine)[0]
    prop = _parts(info)[2]
    created = parse_seal(genuine).create_date
    tag, text, keys, expected = _times(created)[case]
    stored = replace_child(info, 2, replace_child(prop, 4, der_time(tag, text)))
    seal = _resealed(pki, stored)
    parsed = parse_seal(seal)
    assert parsed.create_date == expected
    assert keys <= set(parsed.variants), parsed.variants
    report = verify_seal(seal)
    assert report.intact and all(describe(k) in report.variants for k in keys)


@pytest.mark.parametrize(
    "text", [b"2026133112Z", b"20260101246000Z", b"2026", b"20260101120000+08", b"x" * 15]
)
def test_unreadable_times_are_format_errors(pki: Any, genuine: bytes, text: bytes) -> None:
    info = _parts(genuine)[0]
    stored = replace_child(info, 2, replace_child(_parts(info)[2], 4, der_time(GT, text)))
    if text == b"20260101120000+08":  # an hours-only offset is valid BER
        assert parse_seal(_resealed(pki, stored)).create_date.hour == 4
        return
    with pytest.raises(FormatError):
        parse_seal(_resealed(pki, stored))


# --- certListType and layouts ----------------------------------------------------------


@pytest.mark.parametrize("value", [b"\x00", b"\x03", b"\x7f"])
def test_cert_list_type_outside_1_2_holding_certificates(
    pki: Any, genuine: bytes, value: bytes
) -> None:
    info = _parts(genuine)[0]
    stored = replace_child(info, 2, replace_child(_parts(info)[2], 2, b"\x02\x01" + value))
    seal = _resealed(pki, stored)
    parsed = parse_seal(seal)
    assert parsed.cert_list_type == 1 and parsed.signer_certs == [pki.signer_cert.der]
    _valid_with(verify_seal(seal), "certlisttype-out-of-range")
    _, signature = make_signature(pki, seal)
    report = verify_signature(signature, document_digest=sm3(b"contract"))
    assert report.intact and _checks(report)["signer cert in seal certList"]


def test_cert_list_type_outside_1_2_holding_digests(pki: Any, genuine: bytes) -> None:
    info = _parts(genuine)[0]
    digest_obj = asn1.der_sequence(
        core.PrintableString("SM3").dump(), core.OctetString(sm3(pki.signer_cert.der)).dump()
    )
    prop = _parts(info)[2]
    prop = replace_child(prop, 2, b"\x02\x01\x00")
    prop = replace_child(prop, 3, asn1.der_sequence(digest_obj))
    seal = _resealed(pki, replace_child(info, 2, prop))
    parsed = parse_seal(seal)
    assert parsed.cert_list_type == 2 and parsed.cert_digests == [("SM3", sm3(pki.signer_cert.der))]
    _, signature = make_signature(pki, seal)
    report = verify_signature(signature, document_digest=sm3(b"contract"))
    assert report.intact and _checks(report)["signer cert in seal certList"]
    assert describe("certlisttype-out-of-range") in report.children[0].variants


def _v1_seal(pki: Any, info: bytes) -> bytes:
    cert = core.OctetString(pki.maker_cert.der).dump()
    alg = core.ObjectIdentifier(OID_SM2_SM3).dump()
    signature = pki.maker_key.sign(asn1.der_sequence(info, cert, alg))
    return asn1.der_sequence(info, asn1.der_sequence(cert, alg, bit_string(signature)))


def test_v1_layout_behind_a_version_4_header(pki: Any, genuine: bytes) -> None:
    info = _parts(genuine)[0]
    prop = _parts(_parts(info)[2])
    v1_prop = asn1.der_sequence(*prop[:2], *prop[3:])  # no certListType in V1
    v1_info = replace_child(info, 2, v1_prop)
    assert asn1.integer(_parts(_parts(v1_info)[0])[1], "version") == 4
    seal = _v1_seal(pki, v1_info)
    parsed = parse_seal(seal)
    assert (parsed.version, parsed.layout) == (4, 1)
    assert parsed.signer_certs == [pki.signer_cert.der]
    report = verify_seal(seal)
    _valid_with(report, "layout-version-mismatch")
    maker = next(c for c in report.checks if c.name == "seal maker signature")
    assert "SEQUENCE{SES_SealInfo, cert, signatureAlgorithm}" in maker.detail


def test_v4_layout_behind_a_version_1_header(pki: Any, genuine: bytes) -> None:
    info = _parts(genuine)[0]
    header = replace_child(_parts(info)[0], 1, b"\x02\x01\x01")
    seal = _resealed(pki, replace_child(info, 0, header))
    assert (parse_seal(seal).version, parse_seal(seal).layout) == (1, 4)
    _valid_with(verify_seal(seal), "layout-version-mismatch")


def test_v1_layout_signed_as_v4_is_not_valid(pki: Any, genuine: bytes) -> None:
    """A V1 structure whose maker signed only SES_SealInfo (the V4 preimage) is refused:
    the layout decides what was signed, not what verifies."""
    info = _parts(genuine)[0]
    prop = _parts(_parts(info)[2])
    v1_info = replace_child(info, 2, asn1.der_sequence(*prop[:2], *prop[3:]))
    cert = core.OctetString(pki.maker_cert.der).dump()
    alg = core.ObjectIdentifier(OID_SM2_SM3).dump()
    seal = asn1.der_sequence(
        v1_info, asn1.der_sequence(cert, alg, bit_string(pki.maker_key.sign(v1_info)))
    )
    assert _checks(verify_seal(seal))["seal maker signature"] is False


# --- SES_Signature --------------------------------------------------------------------


def _ber_tbs(tbs: bytes) -> bytes:
    version, seal, *rest = _parts(tbs)
    return b"\x30\x80" + version + indefinite(seal, deep=False) + b"".join(rest) + EOC


def test_ber_signature_verifies_over_its_stored_tbs(pki: Any, genuine: bytes) -> None:
    tbs, _ = make_signature(pki, genuine)
    stored = _ber_tbs(tbs)
    signed = assemble_signature_v4(
        tbs_sign=stored, signer_cert=pki.signer_cert.der, signature=pki.signer_key.sign(stored)
    )
    blob = indefinite(signed, deep=False)
    sig = parse_signature(blob)
    assert sig.tbs_bytes == stored and "ber-indefinite-length" in sig.variants
    assert "ber-indefinite-length" in sig.seal.variants
    report = verify_signature(blob, document_digest=sm3(b"contract"))
    _valid_with(report, "ber-indefinite-length")
    assert _checks(report)["document digest"] and _checks(report)["signer signature"]


def test_ber_tbs_signed_as_der_fails(pki: Any, genuine: bytes) -> None:
    tbs, _ = make_signature(pki, genuine)
    blob = assemble_signature_v4(
        tbs_sign=_ber_tbs(tbs), signer_cert=pki.signer_cert.der, signature=pki.signer_key.sign(tbs)
    )
    report = verify_signature(blob, document_digest=sm3(b"contract"))
    assert _checks(report)["signer signature"] is False and not report.intact


def test_signature_variants_stay_out_of_the_seal_and_back(pki: Any, genuine: bytes) -> None:
    """BER only in the seal is the seal's variant, not the signature's."""
    tbs, _ = make_signature(pki, indefinite(genuine, deep=False))
    blob = assemble_signature_v4(
        tbs_sign=tbs, signer_cert=pki.signer_cert.der, signature=pki.signer_key.sign(tbs)
    )
    sig = parse_signature(blob)
    assert "ber-indefinite-length" in sig.seal.variants
    assert "ber-indefinite-length" not in sig.variants


def test_signer_r_without_its_leading_zero(pki: Any, genuine: bytes) -> None:
    tbs, _ = make_signature(pki, genuine)
    negative = drop_rs_padding(sign_with_high_r(pki.signer_key, tbs))
    blob = assemble_signature_v4(tbs_sign=tbs, signer_cert=pki.signer_cert.der, signature=negative)
    report = verify_signature(blob, document_digest=sm3(b"contract"))
    _valid_with(report, "negative-integer-rs")


def test_data_hash_bit_string_with_unused_bits(pki: Any, genuine: bytes) -> None:
    tbs, _ = make_signature(pki, genuine)
    stored = replace_child(tbs, 3, bit_string(sm3(b"contract"), unused=4))
    blob = assemble_signature_v4(
        tbs_sign=stored, signer_cert=pki.signer_cert.der, signature=pki.signer_key.sign(stored)
    )
    report = verify_signature(blob, document_digest=sm3(b"contract"))
    _valid_with(report, "bitstring-unused-bits")
    assert _checks(report)["document digest"]


def test_signing_time_without_zone_is_china_time(pki: Any, genuine: bytes) -> None:
    tbs, _ = make_signature(pki, genuine)
    local = pki.created + CST
    stored = replace_child(tbs, 2, der_time(GT, f"{local:%Y%m%d%H%M%S}".encode()))
    blob = assemble_signature_v4(
        tbs_sign=stored, signer_cert=pki.signer_cert.der, signature=pki.signer_key.sign(stored)
    )
    sig = parse_signature(blob)
    assert sig.time == pki.created and "time-without-zone" in sig.variants
    _valid_with(verify_signature(blob, document_digest=sm3(b"contract")), "time-without-zone")


def test_v1_signature_layout_behind_a_version_4_tbs(pki: Any, genuine: bytes) -> None:
    """GM/T 0031-2014 SES_Signature{TBS_Sign{..., cert, alg}, signature}, version 4."""
    tbs, _ = make_signature(pki, genuine)
    version, seal, when, digest, prop = _parts(tbs)
    stored = asn1.der_sequence(
        version, seal, when, digest, prop,
        core.OctetString(pki.signer_cert.der).dump(), core.ObjectIdentifier(OID_SM2_SM3).dump(),
    )  # fmt: skip
    blob = asn1.der_sequence(stored, bit_string(pki.signer_key.sign(stored)))
    sig = parse_signature(blob)
    assert sig.version == 4 and "layout-version-mismatch" in sig.variants
    _valid_with(verify_signature(blob, document_digest=sm3(b"contract")), "layout-version-mismatch")


# --- GM/T 0010 SignedData -------------------------------------------------------------

XML = b'<?xml version="1.0"?><ofd:Signature xmlns:ofd="http://www.ofdspec.org/2016"/>'
SM3_OID = "1.2.156.10197.1.401"


def _signer_info(pki: Any, signature: bytes, attrs: cms.CMSAttributes | None) -> cms.SignerInfo:
    cert = x509.Certificate.load(pki.signer_cert.der)
    info: dict[str, Any] = {
        "version": "v1",
        "sid": cms.SignerIdentifier(
            "issuer_and_serial_number",
            {"issuer": cert.issuer, "serial_number": cert.serial_number},
        ),
        "digest_algorithm": {"algorithm": SM3_OID},
        "signature_algorithm": {"algorithm": "1.2.156.10197.1.301.1"},
        "signature": signature,
    }
    if attrs is not None:
        info["signed_attrs"] = attrs
    return cms.SignerInfo(info)


def _attrs(xml: bytes) -> cms.CMSAttributes:
    return cms.CMSAttributes(
        [
            {"type": "content_type", "values": ["1.2.156.10197.6.1.4.2.1"]},
            {"type": "message_digest", "values": [sm3(xml)]},
        ]
    )


def _signed_data(pki: Any, signer_info: cms.SignerInfo, oid: str = OID_GM_SIGNED_DATA) -> bytes:
    sd = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": SM3_OID}],
            "encap_content_info": {"content_type": "1.2.156.10197.6.1.4.2.1"},
            "certificates": [x509.Certificate.load(pki.signer_cert.der)],
            "signer_infos": [signer_info],
        }
    )
    content = b"\xa0" + asn1.der_sequence(sd.dump())[1:]  # [0] EXPLICIT
    return asn1.der_sequence(core.ObjectIdentifier(oid).dump(), content)


def _with_attrs(pki: Any, xml: bytes = XML, sign: Any = None, **kw: Any) -> bytes:
    attrs = _attrs(xml)
    signature = (sign or pki.signer_key.sign)(attrs.dump())  # DER SET OF, tag 0x31
    return _signed_data(pki, _signer_info(pki, signature, attrs), **kw)


def _verify_sd(value: bytes, xml: bytes = XML) -> Report:
    report = Report(kind="signature")
    verify_signed_data(report, value, xml, "/Doc_0/Signs/Sign_0/Signature.xml", None)
    return report


def test_signed_data_baseline(pki: Any) -> None:
    report = _verify_sd(_with_attrs(pki))
    assert _checks(report)["signer signature"] and _checks(report)["document digest"]
    assert report.variants == []


def test_signed_data_in_ber_around_der_certificates_and_attributes(pki: Any) -> None:
    """A BER streaming writer: every structure indefinite, the certificate copied in as
    DER and the signed attributes as signed (asn1crypto cannot read this: indefinite
    lengths inside the signer's issuer name CHOICE)."""
    value = _with_attrs(pki)
    oid, content = _parts(value)
    (signed_data,) = _parts(content)
    version, algs, encap, certs, signer_infos = _parts(signed_data)
    (signer_info,) = _parts(signer_infos)
    fields = [f if f[0] == 0xA0 else indefinite(f) for f in _parts(signer_info)]
    ber_infos = b"\x31\x80" + b"\x30\x80" + b"".join(fields) + EOC + EOC
    ber_sd = version + indefinite(algs) + indefinite(encap) + indefinite(certs, deep=False)
    ber = b"\x30\x80" + oid + b"\xa0\x80\x30\x80" + ber_sd + ber_infos + EOC * 3
    report = _verify_sd(ber)
    assert _checks(report)["signer signature"] and _checks(report)["document digest"]
    assert describe("ber-indefinite-length") in report.variants


def _ber_attrs_value(pki: Any, sign_stored: bool) -> bytes:
    """SignedData whose signedAttrs are stored with an indefinite length; the signature
    over the stored bytes (SET tag) or over the DER original."""
    der_value = _with_attrs(pki)
    attrs = _attrs(XML).dump()  # 0x31 ...
    stored = b"\xa0" + indefinite(attrs)[1:]
    signed = b"\x31" + stored[1:] if sign_stored else attrs
    oid, content = _parts(der_value)
    (signed_data,) = _parts(content)
    *head, signer_infos = _parts(signed_data)
    (signer_info,) = _parts(signer_infos)
    fields = _parts(signer_info)
    at = next(i for i, f in enumerate(fields) if f[0] == 0xA0)
    fields[at] = stored
    fields[-1] = core.OctetString(pki.signer_key.sign(signed)).dump()
    signer_info = asn1.der_sequence(*fields)
    signer_infos = b"\x31" + asn1.der_sequence(signer_info)[1:]
    signed_data = asn1.der_sequence(*head, signer_infos)
    return asn1.der_sequence(oid, b"\xa0" + asn1.der_sequence(signed_data)[1:])


def test_signed_attributes_in_ber_verify_over_the_stored_bytes(pki: Any) -> None:
    report = _verify_sd(_ber_attrs_value(pki, sign_stored=True))
    assert _checks(report)["signer signature"] and _checks(report)["document digest"]
    assert describe("ber-indefinite-length") in report.variants


def test_signed_attributes_in_ber_signed_as_der_fail(pki: Any) -> None:
    report = _verify_sd(_ber_attrs_value(pki, sign_stored=False))
    assert _checks(report)["signer signature"] is False


def test_signed_data_under_the_pkcs7_oid(pki: Any) -> None:
    report = _verify_sd(_with_attrs(pki, oid=OID_PKCS7_SIGNED_DATA))
    assert _checks(report)["signer signature"]
    assert describe("signeddata-pkcs7-oid") in report.variants


def test_signed_data_with_a_negative_r(pki: Any) -> None:
    report = _verify_sd(
        _with_attrs(pki, sign=lambda data: drop_rs_padding(sign_with_high_r(pki.signer_key, data)))
    )
    assert _checks(report)["signer signature"]
    assert describe("negative-integer-rs") in report.variants


def test_detached_signed_data_over_the_xml_or_its_digest(pki: Any) -> None:
    plain = _signed_data(pki, _signer_info(pki, pki.signer_key.sign(XML), None))
    report = _verify_sd(plain)
    assert _checks(report)["signer signature"] and report.variants == []
    over_digest = _signed_data(pki, _signer_info(pki, pki.signer_key.sign(sm3(XML)), None))
    report = _verify_sd(over_digest)
    assert _checks(report)["signer signature"]
    assert describe("signeddata-signs-digest") in report.variants
    assert _checks(_verify_sd(over_digest, XML + b" "))["signer signature"] is False


def test_signed_data_over_other_xml_fails(pki: Any) -> None:
    report = _verify_sd(_with_attrs(pki), XML + b"<!-- edited -->")
    assert _checks(report)["document digest"] is False
