# ruff: noqa: RUF012  (asn1crypto declares schemas as class-level lists)
"""ASN.1 for GM/T 0031-2014 (V1), GB/T 38540-2020 (V4) and GM/T 0031-2025 (V5).

Reading: a small TLV walker gives the exact bytes of every element (what was signed is
always a slice of the input, never a re-encoding), and primitive decoders turn leaf TLVs
into values. The walker reads BER as vendors write it (indefinite and long-form lengths,
constructed strings); `encoding_variants` names what it met, so reports can say so.
Building: asn1crypto schemas below encode V4 seals, in DER.

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

import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

from asn1crypto import core

from hub.errors import CryptoError, FormatError

# --- a tiny TLV reader: exact byte ranges for the signed regions --------------------

MAX_DEPTH = 32  # nesting of indefinite-length elements walked to find their end
EOC = b"\x00\x00"  # BER end-of-contents octets


def _header(data: bytes, offset: int) -> tuple[int, int, int | None]:
    """(tag byte, header length, content length or None for an indefinite length)."""
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
        if not tag & 0x20:
            raise FormatError("indefinite length on a primitive ASN.1 element")
        return tag, 2, None
    if n > 4 or offset + 2 + n > end:
        raise FormatError("ASN.1 length field too long or truncated")
    return tag, 2 + n, int.from_bytes(data[offset + 2 : offset + 2 + n], "big")


def _content_end(data: bytes, offset: int, depth: int = 0) -> tuple[int, int, int]:
    """(tag, header length, end of contents) of the TLV at `offset`; for a BER
    indefinite length the contents end where its end-of-contents octets start."""
    tag, hl, length = _header(data, offset)
    if length is not None:
        end = offset + hl + length
        if end > len(data):
            raise FormatError(f"truncated ASN.1: element needs {end - len(data)} more bytes")
        return tag, hl, end
    if depth >= MAX_DEPTH:
        raise FormatError("ASN.1 indefinite lengths nested too deeply")
    pos = offset + hl
    while True:
        if data[pos : pos + 2] == EOC:
            return tag, hl, pos
        if pos >= len(data):
            raise FormatError("truncated ASN.1: indefinite length without end-of-contents")
        pos = _tlv_end(data, pos, depth + 1)


def _tlv_end(data: bytes, offset: int, depth: int) -> int:
    end = _content_end(data, offset, depth)[2]
    return end + 2 if data[offset + 1] == 0x80 else end


def read_tlv(data: bytes, offset: int = 0) -> tuple[int, int, int]:
    """Return (tag byte, header length, content length) of the TLV at `offset`.

    Single-byte tags; definite lengths up to 4 bytes (DER or BER long form) and BER
    indefinite lengths, whose content length excludes the end-of-contents octets.
    """
    tag, hl, length = _header(data, offset)
    if length is not None:
        return tag, hl, length
    return tag, hl, _content_end(data, offset)[2] - offset - hl


def tlv_end(data: bytes, offset: int = 0) -> int:
    _, hl, length = _header(data, offset)
    if length is None:
        return _tlv_end(data, offset, 0)
    end = offset + hl + length
    if end > len(data):
        raise FormatError(f"truncated ASN.1: element needs {end - len(data)} more bytes")
    return end


def children(data: bytes, offset: int = 0) -> list[tuple[int, bytes]]:
    """(tag, exact TLV bytes) for each child of the constructed TLV at `offset`."""
    tag, hl, end = _content_end(data, offset)
    if not tag & 0x20:
        raise FormatError("expected a constructed ASN.1 element")
    pos = offset + hl
    out: list[tuple[int, bytes]] = []
    while pos < end:
        child_end = tlv_end(data, pos)
        if child_end > end:
            raise FormatError("ASN.1 child runs past its parent")
        out.append((data[pos], data[pos:child_end]))
        pos = child_end
    return out


# BER encodings a DER reader would refuse, found by walking the stored bytes once.
def encoding_variants(tlv: bytes, skip: frozenset[int] = frozenset()) -> tuple[str, ...]:
    """Variant keys for BER in `tlv`: indefinite lengths, long-form lengths that the
    short form (or fewer octets) would hold, constructed strings. Offsets in `skip`
    (children parsed and reported on their own, such as a signature's seal) are not
    descended into."""
    found: set[str] = set()
    _walk(tlv, 0, skip, found, 0)
    return tuple(sorted(found))


def _walk(data: bytes, offset: int, skip: frozenset[int], found: set[str], depth: int) -> int:
    """Record the BER quirks of the TLV at `offset` and below; return where it ends."""
    if depth > MAX_DEPTH:
        raise FormatError("ASN.1 nested too deeply")
    tag, hl, length = _header(data, offset)
    pos = offset + hl
    if tag in CONSTRUCTED_STRING_TAGS:
        found.add("ber-constructed-string")
    if length is None:
        found.add("ber-indefinite-length")
        while data[pos : pos + 2] != EOC:
            if pos >= len(data):
                raise FormatError("truncated ASN.1: indefinite length without end-of-contents")
            pos = (
                _walk(data, pos, skip, found, depth + 1) if pos not in skip else tlv_end(data, pos)
            )
        return pos + 2
    end = pos + length
    if end > len(data):
        raise FormatError("truncated ASN.1")
    if hl > 2 and (length < 0x80 or data[offset + 2] == 0):
        found.add("ber-long-form-length")
    if not tag & 0x20:
        return end
    while pos < end:
        pos = _walk(data, pos, skip, found, depth + 1) if pos not in skip else tlv_end(data, pos)
    if pos != end:
        raise FormatError("ASN.1 child runs past its parent")
    return end


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
CONSTRUCTED_STRING_TAGS = frozenset(
    t | 0x20 for t in (TAG_BIT_STRING, TAG_OCTET_STRING, *STRING_TAGS)
)


def contents(tlv: bytes, tag: int | set[int], what: str) -> bytes:
    actual, hl, length = read_tlv(tlv, 0)
    if actual != tag and not (isinstance(tag, set) and actual in tag):
        raise FormatError(f"{what}: ASN.1 tag 0x{actual:02x} where a different type belongs")
    return tlv[hl : hl + length]


def _segments(tlv: bytes, tag: int, what: str) -> list[bytes]:
    """The contents of a string type, primitive or (BER) constructed of segments."""
    if tlv[:1] == bytes([tag | 0x20]):
        out: list[bytes] = []
        for child_tag, child in children(tlv):
            if child_tag != tag:
                raise FormatError(f"{what}: constructed string holds a tag 0x{child_tag:02x}")
            out.append(contents(child, tag, what))
        return out
    return [contents(tlv, tag, what)]


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
    """OCTET STRING contents; a BER constructed one is joined from its segments (the
    caller's encoding_variants reports it)."""
    return b"".join(_segments(tlv, TAG_OCTET_STRING, what))


def bits(tlv: bytes, what: str, variants: list[str] | None = None) -> bytes:
    """BIT STRING contents without the unused-bits octet(s).

    Every value here (signatures, digests) is whole octets. A non-zero unused-bits count
    is a writer's slip, not a shorter value: the octets are taken as stored and the
    variant recorded, so a signature or digest is still compared byte for byte."""
    out: list[bytes] = []
    segments = _segments(tlv, TAG_BIT_STRING, what)
    for i, body in enumerate(segments):
        if not body:
            raise FormatError(f"{what}: empty BIT STRING")
        unused = body[0]
        if unused > 7 or (unused and len(body) == 1):
            raise FormatError(f"{what}: BIT STRING with {unused} unused bits")
        if unused and i < len(segments) - 1:
            raise FormatError(f"{what}: unused bits in a middle BIT STRING segment")
        if unused and variants is not None:
            variants.append("bitstring-unused-bits")
        out.append(body[1:])
    return b"".join(out)


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


# --- times: GeneralizedTime / UTCTime as DER wants them and as vendors write them ------

TAG_UTCTIME, TAG_GENERALIZEDTIME = 0x17, 0x18
# Zone-less times are local time (X.680); every writer of these formats is in China.
CHINA_TIME = timezone(timedelta(hours=8))
_GENERALIZED = re.compile(
    rb"^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)?(\d\d)?(?:[.,](\d{1,9}))?(Z|[+-]\d\d(?:\d\d)?)?$"
)
_UTC = re.compile(rb"^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?(?:[.,](\d{1,9}))?(Z|[+-]\d\d\d\d)?$")


@lru_cache(maxsize=1024)
def read_time(tlv: bytes) -> tuple[datetime, tuple[str, ...]]:
    """GeneralizedTime or UTCTime TLV -> (aware datetime in UTC, variant keys).

    DER wants seconds, no fraction (UTCTime) and 'Z'; vendors also write times without
    seconds, without a zone (local time: China), with fractions or with +hhmm offsets.
    Remembered: every signing made in the same second carries the same bytes."""
    if not tlv:
        raise FormatError("missing time")
    tag = tlv[0]
    if tag == TAG_GENERALIZEDTIME:
        m = _GENERALIZED.match(contents(tlv, tag, "GeneralizedTime"))
        year_digits = 4
    elif tag == TAG_UTCTIME:
        m = _UTC.match(contents(tlv, tag, "UTCTime"))
        year_digits = 2
    else:
        raise FormatError(f"time has ASN.1 tag 0x{tag:02x}, not a UTCTime/GeneralizedTime")
    if m is None:
        raise FormatError("unreadable ASN.1 time")
    year_s, month, day, hour, minute, second, fraction, zone = m.groups()
    year = int(year_s)
    if year_digits == 2:
        year += 2000 if year < 50 else 1900  # X.509's reading of UTCTime years
    variants: list[str] = []
    if minute is None or second is None:
        variants.append("time-without-seconds")
    if fraction is not None:
        variants.append("time-fraction")
    if zone is None:
        variants.append("time-without-zone")
        tz: timezone = CHINA_TIME
    elif zone == b"Z":
        tz = UTC
    else:
        variants.append("time-offset")
        sign = 1 if zone[:1] == b"+" else -1
        hours, minutes = int(zone[1:3]), int(zone[3:5] or 0)
        if hours > 14 or minutes > 59:  # no zone on Earth is further from UTC
            raise FormatError(f"ASN.1 time offset {zone.decode()} is out of range")
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        when = datetime(
            year, int(month), int(day), int(hour), int(minute or 0), int(second or 0),
            int((fraction or b"0").ljust(6, b"0")[:6]), tzinfo=tz,
        )  # fmt: skip
    except ValueError as exc:
        raise FormatError(f"ASN.1 time out of range: {exc}") from exc
    return when.astimezone(UTC), tuple(variants)


def token_from_time_stamp_field(field_tlv: bytes) -> bytes:
    """The token inside an SES_Signature/SES_Seal `timeStamp [0] EXPLICIT BIT STRING`
    (the raw TLV the seal and signature parsers keep as `time_stamp`): the RFC 3161
    token for hub.tsa.verify. CryptoError if it holds none."""
    try:
        if not field_tlv or field_tlv[0] != 0xA0:
            raise CryptoError("timeStamp is not [0] EXPLICIT")
        inner = children(field_tlv)[0][1]
        return bits(inner, "timeStamp")
    except CryptoError:
        raise
    except Exception as exc:
        raise CryptoError("timeStamp field is not a BIT STRING") from exc
