# ruff: noqa: RUF012  (asn1crypto declares schemas as class-level lists)
"""ASN.1 for GM/T 0031-2014 (V1), GB/T 38540-2020 (V4) and GM/T 0031-2025 (V5).

Reading: a small TLV walker gives the exact bytes of every element (what was signed is
always a slice of the input, never a re-encoding), and primitive decoders turn leaf TLVs
into values. Building: asn1crypto schemas below encode V4 seals, in DER.

    SES_Seal (V4/V5) ::= SEQUENCE { esealInfo SES_SealInfo, cert OCTET STRING,
                                    signAlgID OID, signedValue BIT STRING,
                                    timeStamp [0] EXPLICIT BIT STRING OPTIONAL -- V5 }
    SESeal (V1)      ::= SEQUENCE { esealInfo SES_SealInfo,
                                    signInfo SEQUENCE { cert, signatureAlgorithm, signData } }
    SES_SealInfo     ::= SEQUENCE { header SEQUENCE { ID IA5String, version INTEGER,
                                    Vid IA5String }, esID IA5String,
                                    property SES_ESPropertyInfo, picture SES_ESPictrueInfo,
                                    extDatas ExtensionDatas OPTIONAL }
    SES_ESPropertyInfo ::= SEQUENCE { type INTEGER, name UTF8String,
                                    certListType INTEGER -- V4/V5 only --,
                                    certList, createDate, validStart, validEnd }
    SES_Signature (V4/V5) ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING,
                                    signatureAlgID OID, signature BIT STRING,
                                    timeStamp [0] EXPLICIT BIT STRING OPTIONAL }
    TBS_Sign (V4/V5) ::= SEQUENCE { version INTEGER, eseal SES_Seal, timeInfo
                                    GeneralizedTime, dataHash BIT STRING, propertyInfo
                                    IA5String, extDatas [0] EXPLICIT ExtensionDatas OPTIONAL }
    SES_Signature (V1) ::= SEQUENCE { toSign TBS_Sign, signature BIT STRING } with
    TBS_Sign (V1)    ::= SEQUENCE { version, eseal, timeInfo BIT STRING, dataHash,
                                    propertyInfo, cert OCTET STRING, signatureAlgorithm OID }
"""

from __future__ import annotations

from asn1crypto import core

from hub.errors import FormatError

# --- a tiny TLV reader: exact byte ranges for the signed regions --------------------


def read_tlv(data: bytes, offset: int = 0) -> tuple[int, int, int]:
    """Return (tag byte, header length, content length) of the TLV at `offset`.

    Only what DER/BER objects here use: single-byte tags, definite lengths up to 4 bytes.
    """
    end = len(data)
    if offset + 2 > end:
        raise FormatError("truncated ASN.1: no room for a tag and length")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise FormatError("unsupported multi-byte ASN.1 tag")
    first = data[offset + 1]
    if first < 0x80:
        return tag, 2, first
    n = first & 0x7F
    if n == 0:
        raise FormatError("indefinite-length ASN.1 is not supported")
    if n > 4 or offset + 2 + n > end:
        raise FormatError("ASN.1 length field too long or truncated")
    length = int.from_bytes(data[offset + 2 : offset + 2 + n], "big")
    return tag, 2 + n, length


def tlv_end(data: bytes, offset: int = 0) -> int:
    _, hl, length = read_tlv(data, offset)
    end = offset + hl + length
    if end > len(data):
        raise FormatError(f"truncated ASN.1: element needs {end - len(data)} more bytes")
    return end


def children(data: bytes, offset: int = 0) -> list[tuple[int, bytes]]:
    """(tag, exact TLV bytes) for each child of the constructed TLV at `offset`."""
    tag, hl, _ = read_tlv(data, offset)
    if not tag & 0x20:
        raise FormatError("expected a constructed ASN.1 element")
    pos, end = offset + hl, tlv_end(data, offset)
    out: list[tuple[int, bytes]] = []
    while pos < end:
        child_end = tlv_end(data, pos)
        if child_end > end:
            raise FormatError("ASN.1 child runs past its parent")
        out.append((data[pos], data[pos:child_end]))
        pos = child_end
    return out


def der_sequence(*parts: bytes) -> bytes:
    """SEQUENCE header (DER length) around already-encoded parts, kept byte for byte."""
    body = b"".join(parts)
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return b"\x30" + length + body


# --- schemas for building V4 (DER) --------------------------------------------------


class ExtData(core.Sequence):
    _fields = [
        ("extn_id", core.ObjectIdentifier),
        ("critical", core.Boolean, {"default": False}),
        ("extn_value", core.OctetString),
    ]


class ExtensionDatas(core.SequenceOf):
    _child_spec = ExtData


class Header(core.Sequence):
    _fields = [
        ("id", core.IA5String),
        ("version", core.Integer),
        ("vid", core.IA5String),
    ]


class PictureInfo(core.Sequence):
    _fields = [
        ("type", core.IA5String),
        ("data", core.OctetString),
        ("width", core.Integer),
        ("height", core.Integer),
    ]


class CertInfoList(core.SequenceOf):
    _child_spec = core.OctetString


class PropertyInfoV4(core.Sequence):
    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list_type", core.Integer),
        ("cert_list", core.Any),
        ("create_date", core.Any),
        ("valid_start", core.Any),
        ("valid_end", core.Any),
    ]


class SealInfoV4(core.Sequence):
    _fields = [
        ("header", Header),
        ("es_id", core.IA5String),
        ("property", PropertyInfoV4),
        ("picture", PictureInfo),
        ("ext_datas", ExtensionDatas, {"optional": True}),
    ]


# --- primitive decoders over exact TLVs (the readers walk fields with `children`) -----

TAG_BOOLEAN, TAG_INTEGER, TAG_BIT_STRING, TAG_OCTET_STRING = 0x01, 0x02, 0x03, 0x04
TAG_OID, TAG_UTF8, TAG_PRINTABLE, TAG_T61, TAG_IA5, TAG_BMP = 0x06, 0x0C, 0x13, 0x14, 0x16, 0x1E
STRING_TAGS = {TAG_UTF8, TAG_PRINTABLE, TAG_T61, TAG_IA5, TAG_BMP}


def contents(tlv: bytes, tag: int | set[int], what: str) -> bytes:
    actual, hl, length = read_tlv(tlv, 0)
    if actual != tag and not (isinstance(tag, set) and actual in tag):
        raise FormatError(f"{what}: ASN.1 tag 0x{actual:02x} where a different type belongs")
    return tlv[hl : hl + length]


def integer(tlv: bytes, what: str) -> int:
    body = contents(tlv, TAG_INTEGER, what)
    if not body or len(body) > 16:
        raise FormatError(f"{what}: INTEGER of {len(body)} bytes")
    return int.from_bytes(body, "big", signed=True)


def text(tlv: bytes, what: str) -> str:
    """IA5String / UTF8String / PrintableString (vendors mix them); BMPString is UTF-16."""
    tag = tlv[0] if tlv else -1
    body = contents(tlv, STRING_TAGS, what)
    if tag == TAG_BMP:
        return body.decode("utf-16-be", errors="replace")
    return body.decode("utf-8", errors="replace")


def octets(tlv: bytes, what: str) -> bytes:
    return contents(tlv, TAG_OCTET_STRING, what)


def bits(tlv: bytes, what: str) -> bytes:
    body = contents(tlv, TAG_BIT_STRING, what)
    if not body:
        raise FormatError(f"{what}: empty BIT STRING")
    return body[1:]  # the first octet counts unused bits (0 for every value here)


def boolean(tlv: bytes, what: str) -> bool:
    body = contents(tlv, TAG_BOOLEAN, what)
    if len(body) != 1:
        raise FormatError(f"{what}: BOOLEAN of {len(body)} bytes")
    return body != b"\x00"


def oid(tlv: bytes, what: str) -> str:
    body = contents(tlv, TAG_OID, what)
    if not body or body[-1] & 0x80:
        raise FormatError(f"{what}: malformed OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def fields(tlv: bytes, what: str, minimum: int) -> list[tuple[int, bytes]]:
    """The children of a SEQUENCE, at least `minimum` of them."""
    if not tlv or tlv[0] != 0x30:
        raise FormatError(f"{what} is not a SEQUENCE")
    out = children(tlv)
    if len(out) < minimum:
        raise FormatError(f"{what} has {len(out)} elements, needs at least {minimum}")
    return out
