"""SES_Seal: read V1 (GM/T 0031-2014), V4 (GB/T 38540-2020), V5 (GM/T 0031-2025); build V4."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from asn1crypto import core

from hub.crypto import OID_SM2_SM3, SM2PrivateKey
from hub.errors import CryptoError, FormatError
from hub.formats import asn1

TAG_SEQUENCE = 0x30
TAG_INTEGER_OR_NONE = 0x02  # INTEGER: what a TBS_Sign starts with
TAG_OCTET_STRING = 0x04
TAG_UTCTIME = 0x17
TAG_GENERALIZEDTIME = 0x18


@dataclass(frozen=True)
class SealInfo:
    version: int
    esid: str
    vid: str
    seal_type: int
    name: str
    signer_certs: list[bytes]
    create_date: datetime
    valid_start: datetime
    valid_end: datetime
    picture: bytes
    picture_type: str
    width_mm: int
    height_mm: int
    maker_cert: bytes
    signature: bytes
    seal_der: bytes  # the exact TLV as stored
    info_bytes: bytes  # the stored SES_SealInfo TLV
    maker_signed_bytes: bytes = b""  # what the maker signed under this version's layout
    sign_alg: str = ""
    cert_list_type: int = 1
    cert_digests: list[tuple[str, bytes]] = field(default_factory=list)
    ext_datas: list[tuple[str, bool, bytes]] = field(default_factory=list)
    time_stamp: bytes | None = None  # V5 [0] timeStamp, raw
    variants: tuple[str, ...] = ()  # keys of hub.formats.variants.VARIANTS
    layout: int = 4  # 1: GM/T 0031-2014 structure, 4: GB/T 38540 (V4/V5); header may differ


def decode_time(value: bytes) -> datetime:
    """GeneralizedTime or UTCTime TLV -> aware datetime (see asn1.read_time)."""
    return asn1.read_time(value)[0]


def read_time(value: bytes, variants: list[str]) -> datetime:
    when, seen = asn1.read_time(value)
    variants.extend(seen)
    return when


def tlv_contents(tlv: bytes) -> bytes:
    _, hl, length = asn1.read_tlv(tlv, 0)
    return tlv[hl : hl + length]


ExtDatas = list[tuple[str, bool, bytes]]

# What asn1crypto raises on malformed input; parse_* turn these into FormatError.
PARSE_ERRORS = (
    CryptoError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
)


def read_ext_datas(tlv: bytes | None, variants: list[str]) -> ExtDatas:
    """ExtensionDatas ::= SEQUENCE OF ExtData{extnID, critical BOOLEAN DEFAULT FALSE, extnValue}."""
    out: ExtDatas = []
    if tlv is None:
        return out
    for _, ext in asn1.fields(tlv, "extDatas", 0):
        parts = asn1.fields(ext, "ExtData", 2)
        critical = False
        if len(parts) == 3:
            critical = asn1.boolean(parts[1][1], "ExtData.critical")
            if not critical:  # DEFAULT FALSE written out: BER, not DER
                variants.append("explicit-default-boolean")
        out.append(
            (
                asn1.oid(parts[0][1], "ExtData.extnID"),
                critical,
                asn1.octets(parts[-1][1], "extnValue"),
            )
        )
    return out


def _is_digest_list(entries: list[tuple[int, bytes]]) -> bool:
    """certDigestList entries are SEQUENCE{type PrintableString, value OCTET STRING}."""

    def digest_obj(tag: int, obj: bytes) -> bool:
        if tag != TAG_SEQUENCE:
            return False
        parts = asn1.children(obj)
        return len(parts) == 2 and parts[0][0] in asn1.STRING_TAGS and parts[1][0] == 0x04

    return bool(entries) and all(digest_obj(tag, obj) for tag, obj in entries)


def _cert_list(
    raw: bytes, list_type: int, variants: list[str]
) -> tuple[int, list[bytes], list[tuple[str, bytes]]]:
    """(the list type as read, signer certs, cert digests). A certListType outside 1-2
    is read by what the list holds: certificates or digest objects."""
    entries = asn1.fields(raw, "certList", 0)
    if list_type not in (1, 2):
        variants.append("certlisttype-out-of-range")
        list_type = 2 if _is_digest_list(entries) else 1
    certs: list[bytes] = []
    digests: list[tuple[str, bytes]] = []
    if list_type == 2:  # certDigestList: SEQUENCE OF {type PrintableString, value OCTET STRING}
        for _, obj in entries:
            kind, value = asn1.fields(obj, "CertDigestObj", 2)[:2]
            digests.append(
                (asn1.text(kind[1], "CertDigestObj.type"), asn1.octets(value[1], "value"))
            )
        return list_type, certs, digests
    for tag, tlv in entries:
        if tag in (TAG_OCTET_STRING, TAG_OCTET_STRING | 0x20):
            certs.append(asn1.octets(tlv, "certList entry"))
        elif tag == TAG_SEQUENCE:
            certs.append(tlv)
            variants.append("certlist-unwrapped-cert")
        else:
            variants.append("certlist-junk")
    return list_type, certs, digests


# A seal is parsed again inside every signature it makes (the hub verifies each one it
# hands out): the last few parsed seals are kept, keyed by their exact bytes. SealInfo
# is frozen and nothing mutates its lists, so sharing one is safe.
_CACHED_MAX_BYTES = 256 * 1024  # larger seals (big pictures) are parsed each time


def parse_seal(data: bytes) -> SealInfo:
    """Parse an SES_Seal of any supported version. Raises FormatError on anything else."""
    data = bytes(data)
    if len(data) <= _CACHED_MAX_BYTES:
        return _parse_seal_cached(data)
    return _parse_seal_checked(data)


@lru_cache(maxsize=128)  # errors are raised, never cached
def _parse_seal_cached(data: bytes) -> SealInfo:
    return _parse_seal_checked(data)


def _parse_seal_checked(data: bytes) -> SealInfo:
    try:
        return _parse_seal(data)
    except FormatError:
        raise
    except PARSE_ERRORS as exc:
        raise FormatError(f"not a readable SES_Seal: {exc}") from exc


def _parse_seal(data: bytes) -> SealInfo:
    # Fields are located with the TLV walker and decoded in place: every signed region
    # is a slice of the input, never a re-encoding (BER included).
    variants: list[str] = []
    if not data or data[0] != TAG_SEQUENCE:
        raise FormatError("not an SES_Seal: does not start with a SEQUENCE")
    end = asn1.tlv_end(data, 0)
    if end < len(data):
        variants.append("trailing-bytes")
    seal_der = data[:end]
    variants.extend(asn1.encoding_variants(seal_der))
    top = asn1.fields(seal_der, "SES_Seal", 2)
    info_bytes = top[0][1]
    info = asn1.fields(info_bytes, "SES_SealInfo", 4)
    header = asn1.fields(info[0][1], "SES_Header", 3)
    if asn1.text(header[0][1], "SES_Header.ID") != "ES":
        raise FormatError("not an SES_Seal: header ID is not 'ES'")
    version = asn1.integer(header[1][1], "SES_Header.version")
    maker = _maker_signature(top, info_bytes, variants)
    if (maker.layout == 1) != (version == 1):
        variants.append("layout-version-mismatch")
    prop, list_type, cert_list, dates = _property_info(info[2][1], maker.layout, variants)
    picture = asn1.fields(info[3][1], "SES_ESPictrueInfo", 4)
    list_type, certs, digests = _cert_list(cert_list, list_type, variants)
    ext_datas = read_ext_datas(info[4][1] if len(info) > 4 else None, variants)
    return SealInfo(
        version=version,
        esid=asn1.text(info[1][1], "esID"),
        vid=asn1.text(header[2][1], "SES_Header.Vid"),
        seal_type=asn1.integer(prop[0][1], "SES_ESPropertyInfo.type"),
        name=asn1.text(prop[1][1], "SES_ESPropertyInfo.name"),
        signer_certs=certs,
        create_date=read_time(dates[0][1], variants),
        valid_start=read_time(dates[1][1], variants),
        valid_end=read_time(dates[2][1], variants),
        picture=asn1.octets(picture[1][1], "picture data"),
        picture_type=asn1.text(picture[0][1], "picture type"),
        width_mm=asn1.integer(picture[2][1], "picture width"),
        height_mm=asn1.integer(picture[3][1], "picture height"),
        maker_cert=maker.cert,
        signature=maker.signature,
        seal_der=seal_der,
        info_bytes=info_bytes,
        maker_signed_bytes=maker.signed_bytes,
        sign_alg=maker.sign_alg,
        cert_list_type=list_type,
        cert_digests=digests,
        ext_datas=ext_datas,
        time_stamp=maker.time_stamp,
        variants=tuple(dict.fromkeys(variants)),
        layout=maker.layout,
    )


@dataclass(frozen=True)
class _MakerSignature:
    layout: int  # 1 (GM/T 0031 V1) or 4 (GB/T 38540 V4/V5)
    cert: bytes
    sign_alg: str
    signature: bytes
    signed_bytes: bytes  # what the maker signed, as stored
    time_stamp: bytes | None  # V5's [0] timeStamp


def _maker_signature(
    top: list[tuple[int, bytes]], info_bytes: bytes, variants: list[str]
) -> _MakerSignature:
    """The maker's certificate and signature. The layout is read from the structure,
    whatever the header's version claims."""
    if len(top) == 2 and top[1][0] == TAG_SEQUENCE:  # V1: SESeal{esealInfo, signInfo}
        sign_info = asn1.fields(top[1][1], "SES_SignInfo", 3)
        return _MakerSignature(
            layout=1,
            cert=asn1.octets(sign_info[0][1], "SES_SignInfo.cert"),
            sign_alg=asn1.oid(sign_info[1][1], "SES_SignInfo.signatureAlgorithm"),
            signature=asn1.bits(sign_info[2][1], "SES_SignInfo.signData", variants),
            # GM/T 0031-2014: the maker signs SEQUENCE{SES_SealInfo, cert, signatureAlgorithm}.
            signed_bytes=asn1.der_sequence(info_bytes, sign_info[0][1], sign_info[1][1]),
            time_stamp=None,
        )
    if len(top) in (4, 5):  # V4 / V5: SES_Seal{esealInfo, cert, signAlgID, signedValue[, [0]]}
        cert = asn1.octets(top[1][1], "SES_Seal.cert")
        sign_alg = asn1.oid(top[2][1], "SES_Seal.signAlgID")
        signature = asn1.bits(top[3][1], "SES_Seal.signedValue", variants)
        time_stamp = None
        if len(top) == 5:
            if top[4][0] != 0xA0:
                raise FormatError("SES_Seal fifth element is not the [0] timeStamp")
            time_stamp = top[4][1]
        return _MakerSignature(4, cert, sign_alg, signature, info_bytes, time_stamp)
    raise FormatError(f"not an SES_Seal: {len(top)} top-level elements")


def _property_info(
    prop_tlv: bytes, layout: int, variants: list[str]
) -> tuple[list[tuple[int, bytes]], int, bytes, list[tuple[int, bytes]]]:
    """SES_ESPropertyInfo's fields, its certListType (1 when absent, as in V1: V4/V5
    have it between name and certList), its certList and its three dates."""
    prop = asn1.fields(prop_tlv, "SES_ESPropertyInfo", 6)
    if prop[2][0] == asn1.TAG_INTEGER:
        list_type = asn1.integer(prop[2][1], "certListType")
        cert_list, dates = prop[3][1], prop[4:7]
    else:
        list_type, cert_list, dates = 1, prop[2][1], prop[3:6]
    if len(dates) != 3:
        raise FormatError("SES_ESPropertyInfo lacks createDate, validStart or validEnd")
    if layout != 1 and any(tag == TAG_UTCTIME for tag, _ in dates):
        variants.append("utctime-in-v4")  # GB/T 38540 says GeneralizedTime
    return prop, list_type, cert_list, dates


# --- building ----------------------------------------------------------------------


def _gtime(when: datetime) -> core.Any:
    if when.tzinfo is None:
        raise ValueError("seal dates must be timezone-aware")
    value = core.GeneralizedTime(when.astimezone(UTC).replace(microsecond=0))
    return core.Any.load(value.dump())


def ext_datas_asn1(ext_datas: Sequence[tuple[str, bool, bytes]]) -> asn1.ExtensionDatas:
    return asn1.ExtensionDatas(
        [
            {"extn_id": oid, "critical": bool(crit), "extn_value": value}
            for oid, crit, value in ext_datas
        ]
    )


def build_seal_v4(
    *,
    esid: str,
    vid: str,
    seal_type: int,
    name: str,
    signer_certs: list[bytes],
    picture: bytes,
    picture_type: str,
    width_mm: int,
    height_mm: int,
    valid_start: datetime,
    valid_end: datetime,
    maker_cert: bytes,
    maker_key: SM2PrivateKey,
    create_date: datetime | None = None,
    ext_datas: Sequence[tuple[str, bool, bytes]] = (),
) -> bytes:
    """Build and sign a GB/T 38540-2020 SES_Seal (V4). Returns its DER."""
    fields: dict[str, object] = {
        "header": asn1.Header({"id": "ES", "version": 4, "vid": vid}),
        "es_id": esid,
        "property": asn1.PropertyInfoV4(
            {
                "type": seal_type,
                "name": name,
                "cert_list_type": 1,
                "cert_list": core.Any.load(asn1.CertInfoList(list(signer_certs)).dump()),
                "create_date": _gtime(create_date or datetime.now(UTC)),
                "valid_start": _gtime(valid_start),
                "valid_end": _gtime(valid_end),
            }
        ),
        "picture": asn1.PictureInfo(
            {"type": picture_type, "data": picture, "width": width_mm, "height": height_mm}
        ),
    }
    if ext_datas:
        fields["ext_datas"] = ext_datas_asn1(ext_datas)
    info_der = asn1.SealInfoV4(fields).dump()
    signature = maker_key.sign(info_der)
    # Assembled from the exact bytes that were signed: no re-encoding after signing.
    return asn1.der_sequence(
        info_der,
        core.OctetString(maker_cert).dump(),
        core.ObjectIdentifier(OID_SM2_SM3).dump(),
        core.OctetBitString(signature).dump(),
    )
