"""SES_Signature: read V1 (GM/T 0031-2014) and V4/V5; build V4 (TBS_Sign, then assemble)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from asn1crypto import core

from hub.crypto import OID_SM2_SM3
from hub.errors import FormatError
from hub.formats import asn1
from hub.formats.seal import (
    PARSE_ERRORS,
    TAG_GENERALIZEDTIME,
    TAG_SEQUENCE,
    TAG_UTCTIME,
    SealInfo,
    ext_datas_asn1,
    parse_seal,
    read_ext_datas,
    read_time,
)

TAG_BIT_STRING = 0x03
TAG_INTEGER = 0x02


@dataclass(frozen=True)
class SignatureInfo:
    version: int
    seal: SealInfo
    time: datetime
    data_hash: bytes
    property_info: str
    signer_cert: bytes
    signature: bytes
    tbs_bytes: bytes  # the stored TBS_Sign TLV: what the signer signed
    ext_datas: list[tuple[str, bool, bytes]] = field(default_factory=list)
    sign_alg: str = ""
    time_stamp: bytes | None = None
    signature_der: bytes = b""  # the exact SES_Signature TLV as stored
    variants: tuple[str, ...] = ()


_ASCII_TIME = re.compile(
    rb"^(\d{4})-?(\d\d)-?(\d\d)[T ]?(\d\d):?(\d\d):?(\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$"
)


def _time_info(tlv: bytes, variants: list[str]) -> datetime:
    tag = tlv[0]
    if tag in (TAG_GENERALIZEDTIME, TAG_UTCTIME):
        return read_time(tlv, variants)
    if tag in (TAG_BIT_STRING, TAG_BIT_STRING | 0x20):  # V1: BIT STRING holding ASCII text
        variants.append("timeinfo-ascii-bitstring")
        text = asn1.bits(tlv, "TBS_Sign.timeInfo").strip(b"\x00 ")
        m = _ASCII_TIME.match(text)
        if not m:
            raise FormatError(f"unreadable timeInfo text {text[:40]!r}")
        y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
        when = datetime(y, mo, d, h, mi, s, tzinfo=UTC)
        zone = m.group(8)
        if zone and zone != b"Z":
            sign = 1 if zone[:1] == b"+" else -1
            digits = zone[1:].replace(b":", b"")
            when -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return when
    raise FormatError(f"timeInfo has ASN.1 tag 0x{tag:02x}")


def parse_signature(data: bytes) -> SignatureInfo:
    """Parse an SES_Signature (V1, V4, V5). Raises FormatError on anything else."""
    data = bytes(data)
    try:
        return _parse_signature(data)
    except FormatError:
        raise
    except PARSE_ERRORS as exc:
        raise FormatError(f"not a readable SES_Signature: {exc}") from exc


def _parse_signature(data: bytes) -> SignatureInfo:
    variants: list[str] = []
    if not data or data[0] != TAG_SEQUENCE:
        raise FormatError("not an SES_Signature: does not start with a SEQUENCE")
    end = asn1.tlv_end(data, 0)
    if end < len(data):
        variants.append("trailing-bytes")
    sig_der = data[:end]
    top = asn1.fields(sig_der, "SES_Signature", 2)
    tbs_bytes = top[0][1]
    tbs = asn1.fields(tbs_bytes, "TBS_Sign", 5)
    if tbs[0][0] != TAG_INTEGER or tbs[1][0] != TAG_SEQUENCE:
        raise FormatError("not an SES_Signature: TBS_Sign lacks version and eseal")
    version = asn1.integer(tbs[0][1], "TBS_Sign.version")
    seal = parse_seal(tbs[1][1])
    # BER anywhere but in the seal (the seal's report lists its own).
    seal_at = asn1.read_tlv(sig_der)[1] + asn1.read_tlv(tbs_bytes)[1] + len(tbs[0][1])
    variants.extend(asn1.encoding_variants(sig_der, skip=frozenset({seal_at})))
    ext: list[tuple[str, bool, bytes]] = []
    time_stamp = None

    if len(top) == 2:  # V1: SES_Signature{toSign, signature}; cert and alg inside TBS_Sign
        if len(tbs) < 7:
            raise FormatError("V1 TBS_Sign lacks cert or signatureAlgorithm")
        signer_cert = asn1.octets(tbs[5][1], "TBS_Sign.cert")
        sign_alg = asn1.oid(tbs[6][1], "TBS_Sign.signatureAlgorithm")
        signature = asn1.bits(top[1][1], "SES_Signature.signature", variants)
    elif len(top) in (4, 5):  # V4/V5: {toSign, cert, signatureAlgID, signature[, [0] timeStamp]}
        signer_cert = asn1.octets(top[1][1], "SES_Signature.cert")
        sign_alg = asn1.oid(top[2][1], "SES_Signature.signatureAlgID")
        signature = asn1.bits(top[3][1], "SES_Signature.signature", variants)
        if len(tbs) > 5:
            if tbs[5][0] != 0xA0:
                raise FormatError("TBS_Sign sixth element is not [0] extDatas")
            ext = read_ext_datas(asn1.children(tbs[5][1])[0][1], variants)
        if len(top) == 5:
            time_stamp = top[4][1]
    else:
        raise FormatError(f"not an SES_Signature: {len(top)} top-level elements")
    if (len(top) == 2) != (version == 1):
        variants.append("layout-version-mismatch")

    return SignatureInfo(
        version=version,
        seal=seal,
        # GM/T 0031-2014 itself writes timeInfo as a BIT STRING: a variant only after V1.
        time=_time_info(tbs[2][1], variants if len(top) != 2 else []),
        data_hash=asn1.bits(tbs[3][1], "TBS_Sign.dataHash", variants),
        property_info=asn1.text(tbs[4][1], "TBS_Sign.propertyInfo"),
        signer_cert=signer_cert,
        signature=signature,
        tbs_bytes=tbs_bytes,
        ext_datas=ext,
        sign_alg=sign_alg,
        time_stamp=time_stamp,
        signature_der=sig_der,
        variants=tuple(dict.fromkeys(variants)),
    )


# --- building ----------------------------------------------------------------------


def build_tbs_sign_v4(
    *,
    seal_der: bytes,
    time: datetime,
    data_hash: bytes,
    property_info: str,
    ext_datas: Sequence[tuple[str, bool, bytes]] = (),
) -> bytes:
    """DER TBS_Sign (V4) around the seal's exact bytes. The signer signs these bytes."""
    if time.tzinfo is None:
        raise ValueError("signing time must be timezone-aware")
    asn1.tlv_end(seal_der, 0)  # the seal must be one whole TLV
    seal_tlv = seal_der[: asn1.tlv_end(seal_der, 0)]
    parts = [
        core.Integer(4).dump(),
        seal_tlv,
        core.GeneralizedTime(time.astimezone(UTC).replace(microsecond=0)).dump(),
        core.OctetBitString(data_hash).dump(),
        core.IA5String(property_info).dump(),
    ]
    if ext_datas:
        inner = ext_datas_asn1(ext_datas).dump()
        parts.append(b"\xa0" + asn1.der_sequence(inner)[1:])  # [0] EXPLICIT
    return asn1.der_sequence(*parts)


def assemble_signature_v4(
    *, tbs_sign: bytes, signer_cert: bytes, signature: bytes, time_stamp: bytes | None = None
) -> bytes:
    """DER SES_Signature (V4) from the exact TBS_Sign bytes, the signer cert and its signature.

    `time_stamp` is an RFC 3161 TimeStampToken over the signature value (GB/T 38540 7.2:
    "对签名值的时间戳"), written as `timeStamp [0] EXPLICIT BIT STRING`.
    """
    tbs_tlv = tbs_sign[: asn1.tlv_end(tbs_sign, 0)]
    parts = [
        tbs_tlv,
        core.OctetString(signer_cert).dump(),
        core.ObjectIdentifier(OID_SM2_SM3).dump(),
        core.OctetBitString(signature).dump(),
    ]
    if time_stamp is not None:
        parts.append(b"\xa0" + asn1.der_sequence(core.OctetBitString(time_stamp).dump())[1:])
    return asn1.der_sequence(*parts)
