"""Verify signed OFD files (GB/T 33190): OFD.xml -> Signatures.xml -> each Signature.xml."""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from hub.crypto import sm3
from hub.errors import FormatError
from hub.formats import asn1
from hub.formats.container import OfdContainer
from hub.formats.report import Report
from hub.formats.signature import parse_signature
from hub.formats.signeddata import verify_signed_data
from hub.formats.variants import describe
from hub.formats.verify import signature_report
from hub.pki.store import NO_TRUST, ValidationContext

# CheckMethod values seen for SM3: the name, the OID, and the OID with a ".2" suffix.
SM3_CHECK_METHODS = {"sm3", "1.2.156.10197.1.401", "1.2.156.10197.1.401.1", "1.2.156.10197.1.401.2"}
CHINA_TIME = timezone(timedelta(hours=8))  # OFD writers put zone-less local times


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(elem: ET.Element, name: str) -> ET.Element | None:
    for c in elem:
        if _local(c.tag) == name:
            return c
    return None


def _children(elem: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in elem if _local(c.tag) == name]


def _text(elem: ET.Element | None, name: str) -> str | None:
    if elem is None:
        return None
    c = _child(elem, name)
    return c.text.strip() if c is not None and c.text else None


def parse_xml(data: bytes, what: str) -> ET.Element:
    # No DTDs at all: OFD does not use them, and they are how entity bombs get in.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise FormatError(f"{what} declares a DTD, which OFD never needs")
    try:
        return ET.fromstring(data)  # noqa: S314  (DTDs rejected above; expat has no XXE)
    except (ET.ParseError, LookupError, ValueError) as exc:  # LookupError: unknown encoding
        raise FormatError(f"{what} is not well-formed XML: {exc}") from exc


def parse_ofd_time(text: str | None) -> datetime | None:
    if not text:
        return None
    m = re.match(
        r"^(\d{4})-?(\d\d)-?(\d\d)[T ]?(\d\d):?(\d\d):?(\d\d)(?:\.\d+)?(Z|[+-]\d\d:?\d\d)?$",
        text.strip(),
    )
    if not m:
        return None
    y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
    zone = m.group(7)
    if zone == "Z":
        tz: timezone = UTC
    elif zone:
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    else:
        tz = CHINA_TIME
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=tz).astimezone(UTC)
    except ValueError:
        return None


@dataclass
class SignatureXml:
    provider: dict[str, str] = field(default_factory=dict)
    method: str | None = None
    time: datetime | None = None
    check_method: str = ""
    references: list[tuple[str, str]] = field(default_factory=list)  # (FileRef, CheckValue)
    seal_loc: str | None = None
    signed_value_loc: str | None = None


def read_signature_xml(data: bytes, what: str) -> SignatureXml:
    root = parse_xml(data, what)
    out = SignatureXml()
    info = _child(root, "SignedInfo")
    if info is None:
        raise FormatError(f"{what} has no SignedInfo")
    provider = _child(info, "Provider")
    if provider is not None:  # attributes (GB/T 33190) or child elements (some writers)
        out.provider = dict(provider.attrib.items())
        for c in provider:
            if c.text and c.text.strip():
                out.provider.setdefault(_local(c.tag), c.text.strip())
    out.method = _text(info, "SignatureMethod")
    out.time = parse_ofd_time(_text(info, "SignatureDateTime"))
    refs = _child(info, "References")
    if refs is not None:
        out.check_method = (refs.get("CheckMethod") or "").strip()
        for ref in _children(refs, "Reference"):
            out.references.append(
                ((ref.get("FileRef") or "").strip(), _text(ref, "CheckValue") or "")
            )
    seal = _child(info, "Seal")
    out.seal_loc = _text(seal, "BaseLoc")
    signed_value = _child(root, "SignedValue")
    out.signed_value_loc = (
        signed_value.text.strip() if signed_value is not None and signed_value.text else None
    )
    return out


def _check_references(report: Report, ofd: OfdContainer, sx: SignatureXml, base_dir: str) -> None:
    if not sx.references:
        report.check("references", False, "Signature.xml protects no file (no Reference)")
        return
    # An absent CheckMethod means the signature method's hash: SM3 for SM2 signatures.
    method = sx.check_method.lower() or "sm3"
    if method not in SM3_CHECK_METHODS:
        report.check("references", False, f"unsupported CheckMethod {sx.check_method!r}")
        return
    for file_ref, check_value in sx.references:
        name = f"reference {file_ref}"
        member = ofd.resolve(file_ref, base_dir) if file_ref else None
        if member is None:
            report.check(name, False, "the referenced file is not in the container")
            continue
        try:
            expected = base64.b64decode(check_value, validate=True)
        except (binascii.Error, ValueError):
            report.check(name, False, "CheckValue is not base64")
            continue
        try:
            actual = sm3(ofd.read(member, check_crc=False))  # SM3 is the stronger check
        except FormatError as exc:  # a damaged member is an integrity failure, not junk
            report.check(name, False, exc.detail)
            continue
        report.check(
            name,
            actual == expected,
            "SM3 matches CheckValue"
            if actual == expected
            else "SM3 MISMATCH: file changed after signing",
        )


def _verify_one(
    ofd: OfdContainer, sig_id: str, sig_type: str, loc: str, base_dir: str,
    context: ValidationContext,
) -> Report:  # fmt: skip
    path = ofd.resolve(loc, base_dir)
    if path is None:
        report = Report(kind="signature", info={"id": sig_id, "type": sig_type, "path": loc})
        report.check("Signature.xml present", False, f"{loc} is not in the container")
        return report
    xml_dir = posixpath.dirname(path)
    try:
        xml_bytes = ofd.read(path)
        sx = read_signature_xml(xml_bytes, path)
        value_member = ofd.resolve(sx.signed_value_loc, xml_dir) if sx.signed_value_loc else None
        signed_value = ofd.read(value_member) if value_member else None
    except FormatError as exc:
        report = Report(kind="signature", info={"id": sig_id, "type": sig_type, "path": "/" + path})
        report.check("Signature.xml readable", False, exc.detail)
        return report

    # Dispatch on Signature@Type; a value whose structure says the other kind is read as
    # what it is, and the mismatch is reported as a variant.
    kind = _value_kind(signed_value) or sig_type
    if kind == "Seal":
        report = _seal_signature(signed_value, xml_bytes, path, context)
    else:
        report = Report(kind="signature")
        if kind == "Sign":
            if signed_value is None:
                report.check("signer signature", False, "SignedValue file is missing")
            else:
                verify_signed_data(report, signed_value, xml_bytes, "/" + path, sx.time, context)
        else:
            report.check("signature type", False, f"unsupported Signature Type {sig_type!r}")
    if kind != sig_type:
        report.variant(describe("signature-type-mismatch"))
    report.info.update(id=sig_id, type=sig_type, path="/" + path)
    if sx.provider:
        report.info["provider"] = sx.provider
    if sx.time:
        report.info.setdefault("signature_date_time", sx.time.isoformat())
    refs = Report(kind="references")
    _check_references(refs, ofd, sx, xml_dir)
    report.checks[:0] = refs.checks  # document integrity first, then the cryptography
    return report


def _value_kind(value: bytes | None) -> str | None:
    """'Seal' for an SES_Signature, 'Sign' for a (GM/T 0010) ContentInfo, else None.

    SES_Signature starts with TBS_Sign (a SEQUENCE); ContentInfo with its contentType OID.
    """
    if not value or value[0] != 0x30:
        return None
    try:
        first = asn1.children(value[: asn1.tlv_end(value, 0)])[0][0]
    except (FormatError, IndexError):
        return None
    return {0x30: "Seal", asn1.TAG_OID: "Sign"}.get(first)


def _seal_signature(
    signed_value: bytes | None, xml_bytes: bytes, path: str, context: ValidationContext
) -> Report:
    if signed_value is None:
        report = Report(kind="signature")
        report.check("signer signature", False, "SignedValue file is missing")
        return report
    try:
        sig = parse_signature(signed_value)
    except FormatError as exc:
        report = Report(kind="signature")
        report.check(
            "signer signature", False, f"SignedValue is not an SES_Signature: {exc.detail}"
        )
        return report
    return signature_report(
        sig, document_digest=sm3(xml_bytes), digest_of="/" + path, context=context
    )


def verify_ofd(
    data: bytes,
    *,
    max_uncompressed: int,
    max_entries: int,
    context: ValidationContext = NO_TRUST,
) -> Report:
    """Verify every signature of a signed OFD. Raises FormatError for a non-OFD and
    PayloadTooLarge for a container past the limits."""
    ofd = OfdContainer(data, max_uncompressed=max_uncompressed, max_entries=max_entries)
    entry = ofd.resolve("OFD.xml")
    if entry is None:
        raise FormatError("not an OFD file: the container has no OFD.xml")
    root = parse_xml(ofd.read(entry), "OFD.xml")
    if _local(root.tag) != "OFD":
        raise FormatError("not an OFD file: OFD.xml's root is not <OFD>")
    report = Report(kind="ofd")
    lists = [t for body in _children(root, "DocBody") if (t := _text(body, "Signatures"))]
    for loc in lists:
        sig_list = ofd.resolve(loc)
        if sig_list is None:
            report.check("Signatures.xml present", False, f"{loc} is named in OFD.xml but missing")
            continue
        list_dir = posixpath.dirname(sig_list)
        for item in _children(parse_xml(ofd.read(sig_list), sig_list), "Signature"):
            base = (item.get("BaseLoc") or "").strip()
            report.children.append(
                _verify_one(
                    ofd,
                    item.get("ID") or "",
                    item.get("Type") or "Seal",
                    base,
                    list_dir,
                    context,
                )
            )
    report.info["signatures"] = len(report.children)
    report.check(
        "document is signed",
        bool(report.children),
        f"{len(report.children)} signature(s) listed"
        if report.children
        else "no signature in OFD.xml",
    )
    return report
