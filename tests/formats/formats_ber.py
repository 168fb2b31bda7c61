"""Re-encoders that turn genuine DER into the BER and near-DER shapes vendors write.

They change only the encoding of the bytes they are given; tests then sign the result
(as a vendor's signer signs what its writer stored) or keep an outer layer's change
away from the signed region, and check the verifier reads it and names the variant.
"""

from __future__ import annotations

from collections.abc import Callable

from asn1crypto import core

from hub.crypto import OID_SM2_SM3, SM2PrivateKey
from hub.formats import asn1


def indefinite(
    tlv: bytes, deep: bool = True, where: Callable[[int], bool] = lambda tag: True
) -> bytes:
    """`tlv` with its (and, if `deep`, every nested) constructed length made indefinite."""
    tag, hl, length = asn1.read_tlv(tlv)
    if not tag & 0x20:
        return tlv
    body = tlv[hl : hl + length]
    if deep:
        body = b"".join(indefinite(child, True, where) for _, child in asn1.children(tlv))
    if not where(tag):
        return _definite(tag, body)
    return bytes([tag, 0x80]) + body + b"\x00\x00"


def _definite(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + asn1.der_sequence(body)[1:]


def long_form(tlv: bytes) -> bytes:
    """`tlv` with its own length written in a 4-octet long form (0x84 ...)."""
    tag, hl, length = asn1.read_tlv(tlv)
    return bytes([tag, 0x84]) + length.to_bytes(4, "big") + tlv[hl : hl + length]


def replace_child(tlv: bytes, index: int, new: bytes) -> bytes:
    """The SEQUENCE `tlv` (DER header) with child `index` replaced by `new`."""
    parts = [child for _, child in asn1.children(tlv)]
    parts[index] = new
    return _definite(tlv[0], b"".join(parts))


def segmented_octets(tlv: bytes, size: int = 100) -> bytes:
    """An OCTET STRING re-encoded as a BER constructed string of `size`-octet segments."""
    body = asn1.octets(tlv, "octets")
    segs = b"".join(_definite(0x04, body[i : i + size]) for i in range(0, len(body), size))
    return bytes([0x24, 0x80]) + segs + b"\x00\x00"


def bit_string(value: bytes, unused: int = 0) -> bytes:
    return _definite(0x03, bytes([unused]) + value)


def der_time(tag: int, text: bytes) -> bytes:
    return bytes([tag, len(text)]) + text


def drop_rs_padding(der_signature: bytes) -> bytes:
    """DER SEQUENCE{r, s} with the 0x00 before any high-bit r or s removed (negative)."""
    parts = []
    for _, tlv in asn1.children(der_signature):
        body = asn1.contents(tlv, asn1.TAG_INTEGER, "r/s")
        if len(body) > 1 and body[0] == 0 and body[1] & 0x80:
            body = body[1:]
        parts.append(_definite(asn1.TAG_INTEGER, body))
    return asn1.der_sequence(*parts)


def pad_rs(der_signature: bytes) -> bytes:
    """DER SEQUENCE{r, s} with a superfluous 0x00 before a low-bit r."""
    r, s = (tlv for _, tlv in asn1.children(der_signature))
    body = asn1.contents(r, asn1.TAG_INTEGER, "r")
    return asn1.der_sequence(_definite(asn1.TAG_INTEGER, b"\x00" + body), s)


def sign_with_low_r(key: SM2PrivateKey, data: bytes) -> bytes:
    """A DER signature of `data` whose r has its high bit clear (DER writes no 0x00), so
    that `pad_rs` makes a padding DER forbids (a random r has its high bit set half the
    time, and a 0x00 before DER's own 0x00 is a different quirk)."""
    for _ in range(200):
        signature = key.sign(data)
        r = asn1.children(signature)[0][1]
        if asn1.contents(r, asn1.TAG_INTEGER, "r")[:1] != b"\x00":
            return signature
    raise AssertionError("no low-bit r in 200 signatures")


def sign_with_high_r(key: SM2PrivateKey, data: bytes) -> bytes:
    """A DER signature of `data` whose r has its high bit set (so DER writes 0x00 r)."""
    for _ in range(200):
        signature = key.sign(data)
        r = asn1.children(signature)[0][1]
        if asn1.contents(r, asn1.TAG_INTEGER, "r")[:1] == b"\x00":
            return signature
    raise AssertionError("no high-bit r in 200 signatures")


def seal_v4(info: bytes, maker_cert: bytes, signature_tlv: bytes) -> bytes:
    """SES_Seal (V4) around the exact `info` bytes, DER outside."""
    return asn1.der_sequence(
        info,
        core.OctetString(maker_cert).dump(),
        core.ObjectIdentifier(OID_SM2_SM3).dump(),
        signature_tlv,
    )
