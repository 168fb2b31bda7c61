"""SES_Seal: read V1 (GM/T 0031-2014), V4 (GB/T 38540-2020), V5 (GM/T 0031-2025); build V4."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

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


def decode_time(value: bytes) -> datetime:
    """GeneralizedTime or UTCTime TLV -> aware datetime (UTC when no zone is written)."""
    if not value:
        raise FormatError("missing time")
    tag = value[0]
    try:
        if tag == TAG_GENERALIZEDTIME:
            when = core.GeneralizedTime.load(value).native
        elif tag == TAG_UTCTIME:
            when = core.UTCTime.load(value).native
        else:
            raise FormatError(f"time has ASN.1 tag 0x{tag:02x}, not a UTCTime/GeneralizedTime")
    except FormatError:
        raise
    except Exception as exc:
        raise FormatError("unreadable ASN.1 time") from exc
    if not isinstance(when, datetime):
        raise FormatError("ASN.1 time is not a date and time")
    return when if when.tzinfo else when.replace(tzinfo=UTC)


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


def read_ext_datas(value: asn1.ExtensionDatas | None, variants: list[str]) -> ExtDatas:
    out: list[tuple[str, bool, bytes]] = []
    if value is None:
        return out
    for ext in value:
        # An explicitly written DEFAULT FALSE: three children where DER has two.
        if len(asn1.children(ext.dump())) == 3 and not ext["critical"].native:
            variants.append("explicit-default-boolean")
        out.append((ext["extn_id"].dotted, bool(ext["critical"].native), ext["extn_value"].native))
    return out


def _cert_list(
    raw: bytes, list_type: int, variants: list[str]
) -> tuple[list[bytes], list[tuple[str, bytes]]]:
    if not raw or raw[0] != TAG_SEQUENCE:
        raise FormatError("certList is not a SEQUENCE")
    certs: list[bytes] = []
    digests: list[tuple[str, bytes]] = []
    if list_type == 2:
        for obj in asn1.CertDigestList.load(raw):
            digests.append((str(obj["type"].native), obj["value"].native))
        return certs, digests
    for tag, tlv in asn1.children(raw):
        if tag == TAG_OCTET_STRING:
            certs.append(tlv_contents(tlv))
        elif tag == TAG_SEQUENCE:
            certs.append(tlv)
            variants.append("certlist-unwrapped-cert")
        else:
            variants.append("certlist-junk")
    return certs, digests


def parse_seal(data: bytes) -> SealInfo:
    """Parse an SES_Seal of any supported version. Raises FormatError on anything else."""
    data = bytes(data)
    try:
        return _parse_seal(data)
    except FormatError:
        raise
    except PARSE_ERRORS as exc:
        raise FormatError(f"not a readable SES_Seal: {exc}") from exc


def _parse_seal(data: bytes) -> SealInfo:
    variants: list[str] = []
    if not data or data[0] != TAG_SEQUENCE:
        raise FormatError("not an SES_Seal: does not start with a SEQUENCE")
    end = asn1.tlv_end(data, 0)
    if end < len(data):
        variants.append("trailing-bytes")
    seal_der = data[:end]
    top = asn1.children(seal_der)
    if len(top) < 2 or top[0][0] != TAG_SEQUENCE:
        raise FormatError("not an SES_Seal: first element is not SES_SealInfo")
    info_bytes = top[0][1]
    header = asn1.Header.load(asn1.children(info_bytes)[0][1])
    if header["id"].native != "ES":
        raise FormatError(f"not an SES_Seal: header ID is {header['id'].native!r}, not 'ES'")
    version = int(header["version"].native)

    if len(top) == 2 and top[1][0] == TAG_SEQUENCE:  # V1: SESeal{esealInfo, signInfo}
        info: core.Sequence = asn1.SealInfoV1.load(info_bytes)
        sign_info = asn1.SignInfoV1.load(top[1][1])
        sign_parts = asn1.children(top[1][1])
        maker_cert = sign_info["cert"].native
        sign_alg = sign_info["signature_algorithm"].dotted
        signature = sign_info["sign_data"].native
        # GM/T 0031-2014: the maker signs SEQUENCE{SES_SealInfo, cert, signatureAlgorithm}.
        maker_signed = asn1.der_sequence(info_bytes, sign_parts[0][1], sign_parts[1][1])
        list_type = 1
        time_stamp = None
    elif len(top) in (4, 5):  # V4 / V5: SES_Seal{esealInfo, cert, signAlgID, signedValue[, [0]]}
        info = asn1.SealInfoV4.load(info_bytes)
        seal = asn1.SealV4.load(seal_der)
        maker_cert = seal["cert"].native
        sign_alg = seal["sign_alg_id"].dotted
        signature = seal["signed_value"].native
        maker_signed = info_bytes
        list_type = int(info["property"]["cert_list_type"].native)
        time_stamp = top[4][1] if len(top) == 5 else None
        if time_stamp is not None and top[4][0] != 0xA0:
            raise FormatError("SES_Seal fifth element is not the [0] timeStamp")
    else:
        raise FormatError(f"not an SES_Seal: {len(top)} top-level elements")

    prop = info["property"]
    picture = info["picture"]
    certs, digests = _cert_list(prop["cert_list"].dump(), list_type, variants)
    ext = info["ext_datas"] if "ext_datas" in info and info["ext_datas"].contents else None
    ext_datas = read_ext_datas(ext, variants)
    if not isinstance(maker_cert, bytes) or not isinstance(signature, bytes):
        raise FormatError("SES_Seal cert or signature is missing")
    return SealInfo(
        version=version,
        esid=str(info["es_id"].native),
        vid=str(header["vid"].native),
        seal_type=int(prop["type"].native),
        name=str(prop["name"].native),
        signer_certs=certs,
        create_date=decode_time(prop["create_date"].dump()),
        valid_start=decode_time(prop["valid_start"].dump()),
        valid_end=decode_time(prop["valid_end"].dump()),
        picture=picture["data"].native or b"",
        picture_type=str(picture["type"].native),
        width_mm=int(picture["width"].native),
        height_mm=int(picture["height"].native),
        maker_cert=maker_cert,
        signature=signature,
        seal_der=seal_der,
        info_bytes=info_bytes,
        maker_signed_bytes=maker_signed,
        sign_alg=sign_alg,
        cert_list_type=list_type,
        cert_digests=digests,
        ext_datas=ext_datas,
        time_stamp=time_stamp,
        variants=tuple(dict.fromkeys(variants)),
    )


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
