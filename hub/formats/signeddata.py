"""GM/T 0010 (PKCS#7-like) SignedData as used by OFD Signature@Type="Sign"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hub.crypto import Certificate, sm3
from hub.errors import CryptoError, FormatError
from hub.formats import asn1
from hub.formats.certs import load_cert
from hub.formats.report import Report
from hub.formats.seal import PARSE_ERRORS
from hub.formats.variants import describe, verify_sm2
from hub.formats.verify import certificate_trust, claimed_validity, judged_time
from hub.pki.store import NO_TRUST, ValidationContext

# GM/T 0010 names for PKCS#7 types, and the OIDs seen for SM3 / SM2.
OID_GM_SIGNED_DATA = "1.2.156.10197.6.1.4.2.2"
OID_PKCS7_SIGNED_DATA = "1.2.840.113549.1.7.2"
SIGNED_DATA_OIDS = {OID_GM_SIGNED_DATA, OID_PKCS7_SIGNED_DATA}
SM3_OIDS = {"1.2.156.10197.1.401", "1.2.156.10197.1.401.1"}
SM2_SIGN_OIDS = {"1.2.156.10197.1.501", "1.2.156.10197.1.301.1", "1.2.156.10197.1.301"}
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SIGNING_TIME = "1.2.840.113549.1.9.5"


@dataclass(frozen=True)
class SignedDataInfo:
    """The first signer of a ContentInfo{signedData}, located in the stored bytes."""

    content_type: str
    certificates: list[bytes]  # stored Certificate TLVs
    serial: int | None  # issuerAndSerialNumber's serial; None for a subjectKeyIdentifier
    digest_alg: str
    sig_alg: str
    signature: bytes
    signed_attrs: bytes | None  # the stored [0] IMPLICIT SET OF Attribute TLV
    attributes: dict[str, bytes] = field(default_factory=dict)  # type -> first value TLV
    content: bytes | None = None  # encapsulated eContent octets (attached)
    variants: tuple[str, ...] = ()


def _algorithm(tlv: bytes, what: str) -> str:
    return asn1.oid(asn1.fields(tlv, what, 1)[0][1], f"{what}.algorithm")


def parse_signed_data(value: bytes) -> SignedDataInfo:
    """GM/T 0010 / PKCS#7 SignedData read with the TLV walker (BER included: asn1crypto
    cannot read indefinite lengths inside CHOICEs such as the signer's issuer name).
    Raises FormatError for anything else."""
    end = asn1.tlv_end(value)
    content_type, sd = _signed_data_fields(value[:end])
    content = _encapsulated_content(sd[2][1])
    certificates = _certificates(sd)
    signer_infos = asn1.children(sd[-1][1])
    if not signer_infos:
        raise FormatError("SignedData has no SignerInfo")
    si = asn1.fields(signer_infos[0][1], "SignerInfo", 5)
    serial = _signer_serial(si[1])
    at = 3
    signed_attrs = None
    attributes: dict[str, bytes] = {}
    if si[at][0] == 0xA0:
        signed_attrs = si[at][1]
        attributes = _first_attribute_values(signed_attrs)
        at += 1
    if len(si) < at + 2:
        raise FormatError("SignerInfo lacks signatureAlgorithm or signature")
    return SignedDataInfo(
        content_type=content_type,
        certificates=certificates,
        serial=serial,
        digest_alg=_algorithm(si[2][1], "SignerInfo.digestAlgorithm"),
        sig_alg=_algorithm(si[at][1], "SignerInfo.signatureAlgorithm"),
        signature=asn1.octets(si[at + 1][1], "SignerInfo.signature"),
        signed_attrs=signed_attrs,
        attributes=attributes,
        content=content,
        variants=asn1.encoding_variants(value[:end]),
    )


def _signed_data_fields(content_info: bytes) -> tuple[str, list[tuple[int, bytes]]]:
    """The content type and the SignedData's fields (ending with its signerInfos)."""
    top = asn1.fields(content_info, "ContentInfo", 2)
    content_type = asn1.oid(top[0][1], "ContentInfo.contentType")
    if content_type not in SIGNED_DATA_OIDS:
        raise FormatError(f"content type {content_type} is not signedData")
    if top[1][0] != 0xA0:
        raise FormatError("ContentInfo.content is not [0] EXPLICIT")
    explicit = asn1.children(top[1][1])
    if len(explicit) != 1:
        raise FormatError("ContentInfo.content [0] does not hold one SignedData")
    sd = asn1.fields(explicit[0][1], "SignedData", 4)
    if sd[-1][0] != 0x31:
        raise FormatError("SignedData does not end with its signerInfos SET")
    return content_type, sd


def _encapsulated_content(encap_content_info: bytes) -> bytes | None:
    """The eContent octets of an attached SignedData; None when detached."""
    encap = asn1.fields(encap_content_info, "encapContentInfo", 1)
    if not (len(encap) > 1 and encap[1][0] == 0xA0):
        return None
    inner = asn1.children(encap[1][1])
    if len(inner) != 1:
        raise FormatError("eContent [0] does not hold one OCTET STRING")
    return asn1.octets(inner[0][1], "eContent")


def _certificates(sd: list[tuple[int, bytes]]) -> list[bytes]:
    """The stored certificate TLVs of the [0] IMPLICIT CertificateSet ([1] would be CRLs)."""
    return [
        tlv
        for tag, child in sd[3:-1]
        if tag == 0xA0
        for ctag, tlv in asn1.children(child)
        if ctag == 0x30
    ]


def _signer_serial(sid: tuple[int, bytes]) -> int | None:
    """issuerAndSerialNumber's serial, read as asn1crypto reads the certificate's; None
    for a subjectKeyIdentifier."""
    if sid[0] != 0x30:
        return None
    serial_tlv = asn1.fields(sid[1], "issuerAndSerialNumber", 2)[1][1]
    return int.from_bytes(asn1.contents(serial_tlv, asn1.TAG_INTEGER, "serial"), "big", signed=True)


def _first_attribute_values(signed_attrs: bytes) -> dict[str, bytes]:
    """Attribute type -> the TLV of its first value."""
    attributes: dict[str, bytes] = {}
    for _, attr in asn1.children(signed_attrs):
        kind, values = asn1.fields(attr, "Attribute", 2)[:2]
        first = asn1.children(values[1])
        if first:
            attributes.setdefault(asn1.oid(kind[1], "Attribute.type"), first[0][1])
    return attributes


def verify_signed_data(
    report: Report,
    value: bytes,
    signed_xml: bytes,
    xml_path: str,
    xml_time: datetime | None,
    context: ValidationContext = NO_TRUST,
) -> None:
    """Add the checks of a GM/T 0010 SignedData over `signed_xml` (the Signature.xml)."""
    read = _read_signed_data(report, value, xml_time)
    if read is None:
        return
    sd, when, digest = read
    signer_der = _signer_certificate(report, sd)
    if signer_der is None:
        return
    cert = load_cert(signer_der)
    report.info["signer"] = cert.subject

    xml_digest = sm3(signed_xml)
    signed_bytes = _signed_bytes(report, sd, digest, signed_xml, xml_digest, xml_path)
    _check_signer_signature(report, sd, cert, signed_bytes, xml_digest)
    # Validity and chain at the proven time (or now), as for SES signatures; the
    # SignedData's own certificate set may carry the intermediates.
    extra = tuple(load_cert(d) for d in sd.certificates if d != signer_der and _readable(d))
    certificate_trust(report, "signer", cert, context, judged_time(context), extra)
    if isinstance(when, datetime):
        claimed_validity(report, "signer cert validity at signing time", cert, when, "signing time")


def _read_signed_data(
    report: Report, value: bytes, xml_time: datetime | None
) -> tuple[SignedDataInfo, datetime | None, bytes | None] | None:
    """The SignedData, its signing time (the signingTime attribute, else Signature.xml's)
    and its messageDigest; None, with a failed check, when it is unreadable or not SM2
    with SM3. Encoding variants are noted on `report`."""
    try:
        sd = parse_signed_data(value)
        attr_time = sd.attributes.get(OID_SIGNING_TIME)
        when, time_variants = asn1.read_time(attr_time) if attr_time else (xml_time, ())
        md = sd.attributes.get(OID_MESSAGE_DIGEST)
        digest = asn1.octets(md, "messageDigest") if md else None
    except (FormatError, *PARSE_ERRORS) as exc:
        detail = exc.detail if isinstance(exc, FormatError) else str(exc)
        report.check(
            "signer signature",
            False,
            f"SignedValue is not a readable GM/T 0010 SignedData: {detail}",
        )
        return None
    report.info["signed_data"] = "GM/T 0010 SignedData"
    for key in (*sd.variants, *time_variants):
        report.variant(describe(key))
    if sd.content_type == OID_PKCS7_SIGNED_DATA:
        report.variant(describe("signeddata-pkcs7-oid"))
    if sd.digest_alg not in SM3_OIDS or sd.sig_alg not in SM2_SIGN_OIDS:
        report.check(
            "signer signature",
            False,
            f"unsupported algorithms digest {sd.digest_alg}, signature {sd.sig_alg}",
        )
        return None
    return sd, when, digest


def _signer_certificate(report: Report, sd: SignedDataInfo) -> bytes | None:
    """The stored certificate with the signer's serial (the first readable one for a
    subjectKeyIdentifier); None, with a failed check, when there is none."""
    for der in sd.certificates:
        try:
            if sd.serial is None or load_cert(der).serial_number == sd.serial:
                return der
        except CryptoError:
            continue
    report.check("signer signature", False, "SignedData carries no readable signer certificate")
    return None


def _signed_bytes(
    report: Report,
    sd: SignedDataInfo,
    digest: bytes | None,
    signed_xml: bytes,
    xml_digest: bytes,
    xml_path: str,
) -> bytes:
    """The bytes the signature covers, as stored, and the check that they bind
    Signature.xml (for signed attributes and attached content)."""
    if sd.signed_attrs is not None:
        # Signed attributes: the signature covers the SET OF attributes, which is the
        # stored [0] IMPLICIT element with the SET tag (CMS, RFC 5652 5.4), taken as
        # stored; the messageDigest attribute binds Signature.xml.
        report.check(
            "document digest",
            digest == xml_digest,
            f"messageDigest {'equals' if digest == xml_digest else 'differs from'} "
            f"SM3 of {xml_path}",
        )
        return b"\x31" + sd.signed_attrs[1:]
    if sd.content is not None:
        # Attached content: seen holding SM3(Signature.xml) itself.
        ok = sd.content in (xml_digest, signed_xml)
        report.check(
            "document digest",
            ok,
            f"encapsulated content {'equals' if ok else 'is neither'} SM3 of {xml_path}"
            + ("" if ok else " nor its bytes"),
        )
        return sd.content
    return signed_xml


def _check_signer_signature(
    report: Report, sd: SignedDataInfo, cert: Certificate, signed_bytes: bytes, xml_digest: bytes
) -> None:
    ok, variant = verify_sm2(cert.public_key, sd.signature, signed_bytes)
    if not ok and sd.signed_attrs is None and sd.content is None:
        # Detached, no signed attributes: some signers sign SM3(Signature.xml) as the
        # message. SM3 still binds the document; reported, not hidden.
        ok, variant = verify_sm2(cert.public_key, sd.signature, xml_digest)
        if ok:
            report.variant(describe("signeddata-signs-digest"))
    if variant:
        report.variant(describe(variant))
    report.check(
        "signer signature",
        ok,
        f"SM2-with-SM3 SignedData signature {'verifies' if ok else 'does NOT verify'} "
        f"with '{cert.subject}'",
    )


def _readable(der: bytes) -> bool:
    try:
        load_cert(der)
    except CryptoError:
        return False
    return True
