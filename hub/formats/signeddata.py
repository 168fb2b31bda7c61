"""GM/T 0010 (PKCS#7-like) SignedData as used by OFD Signature@Type="Sign"."""

from __future__ import annotations

from datetime import datetime

from asn1crypto import cms, core

from hub.crypto import sm3
from hub.errors import CryptoError, FormatError
from hub.formats.certs import load_cert
from hub.formats.report import Report
from hub.formats.seal import PARSE_ERRORS
from hub.formats.variants import describe, verify_sm2
from hub.formats.verify import certificate_trust, claimed_validity, judged_time
from hub.trust.store import NO_TRUST, ValidationContext

# GM/T 0010 names for PKCS#7 types, and the OIDs seen for SM3 / SM2.
OID_GM_SIGNED_DATA = "1.2.156.10197.6.1.4.2.2"
OID_PKCS7_SIGNED_DATA = "1.2.840.113549.1.7.2"
SIGNED_DATA_OIDS = {OID_GM_SIGNED_DATA, OID_PKCS7_SIGNED_DATA}
SM3_OIDS = {"1.2.156.10197.1.401", "1.2.156.10197.1.401.1"}
SM2_SIGN_OIDS = {"1.2.156.10197.1.501", "1.2.156.10197.1.301.1", "1.2.156.10197.1.301"}
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SIGNING_TIME = "1.2.840.113549.1.9.5"


class GmContentInfo(core.Sequence):
    _fields = [  # noqa: RUF012
        ("content_type", core.ObjectIdentifier),
        ("content", cms.SignedData, {"explicit": 0}),
    ]


def verify_signed_data(
    report: Report,
    value: bytes,
    signed_xml: bytes,
    xml_path: str,
    xml_time: datetime | None,
    context: ValidationContext = NO_TRUST,
) -> None:
    """Add the checks of a GM/T 0010 SignedData over `signed_xml` (the Signature.xml)."""
    try:
        info = GmContentInfo.load(value)
        if info["content_type"].dotted not in SIGNED_DATA_OIDS:
            raise FormatError(f"content type {info['content_type'].dotted} is not signedData")
        sd = info["content"]
        signer_info = sd["signer_infos"][0]
        sid = signer_info["sid"]
        serial = (
            sid.chosen["serial_number"].native if sid.name == "issuer_and_serial_number" else None
        )
        certs = [c.chosen.dump() for c in sd["certificates"]] if sd["certificates"].contents else []
        digest_alg = signer_info["digest_algorithm"]["algorithm"].dotted
        sig_alg = signer_info["signature_algorithm"]["algorithm"].dotted
        signature = signer_info["signature"].native
        attrs = signer_info["signed_attrs"]
        attr_values = {a["type"].dotted: a["values"][0] for a in attrs} if attrs.contents else {}
        encap = sd["encap_content_info"]
        content = encap["content"].native if encap["content"].contents else None
    except (FormatError, *PARSE_ERRORS) as exc:
        report.check(
            "signer signature", False, f"SignedValue is not a readable GM/T 0010 SignedData: {exc}"
        )
        return
    report.info["signed_data"] = "GM/T 0010 SignedData"
    if digest_alg not in SM3_OIDS or sig_alg not in SM2_SIGN_OIDS:
        report.check(
            "signer signature",
            False,
            f"unsupported algorithms digest {digest_alg}, signature {sig_alg}",
        )
        return

    signer_der = None
    for der in certs:
        try:
            if serial is None or load_cert(der).serial_number == serial:
                signer_der = der
                break
        except CryptoError:
            continue
    if signer_der is None:
        report.check("signer signature", False, "SignedData carries no readable signer certificate")
        return
    cert = load_cert(signer_der)
    report.info["signer"] = cert.subject

    xml_digest = sm3(signed_xml)
    if attr_values:
        # Signed attributes: the signature covers DER SET OF attributes; the messageDigest
        # attribute binds Signature.xml.
        signed_bytes = b"\x31" + attrs.dump()[1:]
        md = attr_values.get(OID_MESSAGE_DIGEST)
        digest = md.native if md is not None else None
        report.check(
            "document digest",
            digest == xml_digest,
            f"messageDigest {'equals' if digest == xml_digest else 'differs from'} "
            f"SM3 of {xml_path}",
        )
        when = attr_values[OID_SIGNING_TIME].native if OID_SIGNING_TIME in attr_values else xml_time
    elif isinstance(content, bytes):
        # Attached content: seen holding SM3(Signature.xml) itself.
        signed_bytes = content
        ok = content in (xml_digest, signed_xml)
        report.check(
            "document digest",
            ok,
            f"encapsulated content {'equals' if ok else 'is neither'} SM3 of {xml_path}"
            + ("" if ok else " nor its bytes"),
        )
        when = xml_time
    else:
        signed_bytes = signed_xml
        when = xml_time

    ok, variant = verify_sm2(cert.public_key, signature, signed_bytes)
    if variant:
        report.variant(describe(variant))
    report.check(
        "signer signature",
        ok,
        f"SM2-with-SM3 SignedData signature {'verifies' if ok else 'does NOT verify'} "
        f"with '{cert.subject}'",
    )
    # Validity and chain at the proven time (or now), as for SES signatures; the
    # SignedData's own certificate set may carry the intermediates.
    extra = tuple(load_cert(d) for d in certs if d != signer_der and _readable(d))
    certificate_trust(report, "signer", cert, context, judged_time(context), extra)
    if isinstance(when, datetime):
        claimed_validity(
            report, "signer cert validity at signing time", cert, when, "signing time"
        )


def _readable(der: bytes) -> bool:
    try:
        load_cert(der)
    except CryptoError:
        return False
    return True
