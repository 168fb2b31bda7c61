"""Re-encoders that turn genuine DER into the BER and near-DER shapes vendors write.

They change only the encoding of the bytes they are given; tests then sign the result
(as a vendor's signer signs what its writer stored) or keep an outer layer's change
away from the signed region, and check the verifier reads it and names the variant.
"""

from __future__ import annotations

from collections.abc import Callable

from hub.formats import asn1


def indefinite(tlv: bytes, deep: bool = True, where: Callable[[int], bool] = lambda tag: True) -> bytes:
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
    segs = b"".join(
        _definite(0x04, body[i : i + size]) for i in range(0, len(body), size)
    )
    return bytes([0x24, 0x80]) + segs + b"\x00\x00"
