"""Known vendor encodings, as data.

Readers record the key of every deviation they see; verifiers look up how to treat it
here. `accepted` says whether an object may still be called valid when it relies on the
variant: encodings that change nothing about what was signed are accepted (and reported),
signatures over something other than the standard preimage are not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hub.crypto import SM2PublicKey, raw_to_der
from hub.errors import CryptoError, FormatError
from hub.formats import asn1


@dataclass(frozen=True)
class Variant:
    key: str
    description: str  # what the report lists under "variants"
    accepted: bool
    seen_in: str  # where it was found in the wild (documentation, not logic)


VARIANTS: dict[str, Variant] = {
    v.key: v
    for v in (
        Variant(
            "explicit-default-boolean",
            "ExtData.critical FALSE encoded explicitly (DEFAULT value, not DER)",
            True,
            "gomain tax seals, Hebei Gede",
        ),
        Variant(
            "raw-rs-signature",
            "raw 64-byte r||s signature value (not DER SEQUENCE{r, s})",
            True,
            "tongz / oesplugin SignedValue.dat",
        ),
        Variant(
            "certlist-junk",
            "certList holds entries that are not certificates (e.g. IA5String)",
            True,
            "dms360 / iOFD V1 seals",
        ),
        Variant(
            "certlist-unwrapped-cert",
            "certList holds a bare Certificate instead of an OCTET STRING",
            True,
            "seen in V1 implementations",
        ),
        Variant(
            "trailing-bytes",
            "trailing bytes after the first TLV",
            True,
            "files padded by their writer",
        ),
        Variant(
            "raw-e-datahash",
            "signature valid only as raw e=dataHash, non-standard (no Z, TBS_Sign not signed)",
            False,
            "dms360 / iOFD V1 SignedValue.dat",
        ),
        Variant(
            "base64-text",
            "DER carried as base64 text, not binary",
            True,
            "detached .sig files saved by web tools",
        ),
        Variant(
            "signature-type-mismatch",
            "Signature@Type names the other kind of SignedValue (Seal vs Sign); read as what it is",
            True,
            "defensive: writers that label every signature the same way",
        ),
        Variant(
            "ber-indefinite-length",
            "BER indefinite lengths (0x80 ... 00 00), not DER; signed bytes taken as stored",
            True,
            "synthetic: BER writers (e.g. Bouncy Castle BER streams); signature verified as stored",
        ),
        Variant(
            "ber-long-form-length",
            "BER long-form lengths where DER wants the shortest form",
            True,
            "synthetic: hand-rolled encoders that always write 0x82 lengths",
        ),
        Variant(
            "ber-constructed-string",
            "BER constructed (segmented) OCTET/BIT STRING, joined for reading",
            True,
            "synthetic: BER streaming encoders",
        ),
        Variant(
            "negative-integer-rs",
            "signature r or s written without its leading 0x00 (a negative DER INTEGER), "
            "read as unsigned",
            True,
            "Anzhengtong (安证通) seal maker signatures",
        ),
        Variant(
            "padded-integer-rs",
            "signature r or s with superfluous leading 0x00 octets (not minimal DER)",
            True,
            "synthetic: fixed-width 33-byte r/s writers",
        ),
        Variant(
            "ber-signature-value",
            "signature SEQUENCE{r, s} in BER lengths (indefinite or long form)",
            True,
            "synthetic: BER writers",
        ),
        Variant(
            "bitstring-unused-bits",
            "BIT STRING declares non-zero unused bits; the octets are used as stored",
            True,
            "synthetic; likely DLTech21/ofd.js#62 (a Suwell SignedValue whose signature "
            "BIT STRING begins 02, no sample public)",
        ),
        Variant(
            "time-without-seconds",
            "ASN.1 time written without seconds (or minutes), not DER",
            True,
            "synthetic: BER allows YYYYMMDDhhmm",
        ),
        Variant(
            "time-without-zone",
            "ASN.1 time without 'Z' or an offset: read as China Standard Time (UTC+8)",
            True,
            "synthetic: local-time writers (as OFD SignatureDateTime often is)",
        ),
        Variant(
            "time-fraction",
            "ASN.1 time with fractional seconds",
            True,
            "synthetic: millisecond timestamps from Java writers",
        ),
        Variant(
            "time-offset",
            "ASN.1 time with a +hhmm/-hhmm offset instead of 'Z', not DER",
            True,
            "synthetic: BER allows offsets",
        ),
        Variant(
            "utctime-in-v4",
            "UTCTime in a GB/T 38540 seal, whose dates are GeneralizedTime",
            True,
            "writers that keep the GM/T 0031-2014 time type",
        ),
        Variant(
            "certlisttype-out-of-range",
            "certListType outside 1 (certificates) and 2 (digests); the list read by content",
            True,
            "synthetic: writers that number list types from 0",
        ),
        Variant(
            "layout-version-mismatch",
            "header version disagrees with the layout (V1 structure with version != 1, "
            "or V4 structure with version 1); read by its structure",
            True,
            "KingGrid (金格) V1 seals with header version 2; ofd.js 0edffef reads such files too",
        ),
        Variant(
            "signeddata-pkcs7-oid",
            "SignedData under the PKCS#7 OID 1.2.840.113549.1.7.2, not GM/T 0010's "
            "1.2.156.10197.6.1.4.2.2",
            True,
            "synthetic: writers built on PKCS#7 libraries",
        ),
        Variant(
            "signeddata-signs-digest",
            "detached SignedData without signed attributes signs SM3(Signature.xml), "
            "not Signature.xml itself",
            True,
            "synthetic: signers handed a digest instead of the document",
        ),
        Variant(
            "timeinfo-ascii-bitstring",
            "TBS_Sign.timeInfo is ASCII text in a BIT STRING (the V1 encoding, in a V4/V5)",
            True,
            "standard in GM/T 0031-2014 V1; a variant only in later versions",
        ),
    )
}


def describe(key: str) -> str:
    return VARIANTS[key].description


# --- how a signature value may be encoded -------------------------------------------


def _der(value: bytes) -> bytes:
    return value


def _raw(value: bytes) -> bytes:
    if len(value) != 64:
        raise CryptoError("not a 64-byte raw r||s")
    return raw_to_der(value)


def lenient_rs(value: bytes) -> tuple[int, int, str]:
    """SEQUENCE{r, s} read leniently: (r, s, variant key), or CryptoError.

    Some writers drop the 0x00 that keeps a high-bit r or s positive (a negative DER
    INTEGER), pad to 33 octets, or use BER lengths. The INTEGER octets are read as
    unsigned: that is what every such writer meant, and the curve check still decides."""
    try:
        if value[:1] != b"\x30" or asn1.tlv_end(value) != len(value):
            raise CryptoError("not one SEQUENCE")
        parts = asn1.children(value)
        if len(parts) != 2 or any(tag != asn1.TAG_INTEGER for tag, _ in parts):
            raise CryptoError("not SEQUENCE{INTEGER, INTEGER}")
        bodies = [asn1.contents(tlv, asn1.TAG_INTEGER, "r/s") for _, tlv in parts]
        ber = bool(asn1.encoding_variants(value))
    except FormatError as exc:
        raise CryptoError(f"unreadable signature value: {exc.detail}") from exc
    if any(not body or len(body) > 33 for body in bodies):
        raise CryptoError("r or s of the wrong size")
    r, s = (int.from_bytes(body, "big") for body in bodies)
    if any(body[0] & 0x80 for body in bodies):
        variant = "negative-integer-rs"
    elif any(len(body) > 1 and body[0] == 0 and not body[1] & 0x80 for body in bodies):
        variant = "padded-integer-rs"
    elif ber:
        variant = "ber-signature-value"
    else:
        raise CryptoError("a strict DER signature value: nothing lenient to read")
    return r, s, variant


def _der_integer(n: int) -> bytes:
    body = n.to_bytes(n.bit_length() // 8 + 1, "big")  # minimal, with a 0x00 if high bit
    return bytes([asn1.TAG_INTEGER, len(body)]) + body


def _lenient(value: bytes) -> bytes:
    r, s, _ = lenient_rs(value)
    return asn1.der_sequence(_der_integer(r), _der_integer(s))


def _lenient_variant(value: bytes) -> str:
    return lenient_rs(value)[2]


@dataclass(frozen=True)
class SignatureEncoding:
    variant: str | None  # None = the standard encoding
    to_der: Callable[[bytes], bytes]
    applies: Callable[[bytes], bool]
    # the variant key for this value (for encodings covering several quirks)
    variant_of: Callable[[bytes], str] | None = None


# Tried in order; the first that verifies wins. Only the signature value is re-encoded
# (for the crypto backend's DER parser); the signed bytes are always the stored ones.
SIGNATURE_ENCODINGS: tuple[SignatureEncoding, ...] = (
    SignatureEncoding(None, _der, lambda v: v[:1] == b"\x30"),
    SignatureEncoding(
        "negative-integer-rs", _lenient, lambda v: v[:1] == b"\x30", _lenient_variant
    ),
    SignatureEncoding("raw-rs-signature", _raw, lambda v: len(v) == 64),
)


def verify_sm2(key: SM2PublicKey, signature: bytes, data: bytes) -> tuple[bool, str | None]:
    """SM2-with-SM3 (default ID) over `data`, trying each known signature encoding.

    Returns (verified, variant key or None).
    """
    for enc in SIGNATURE_ENCODINGS:
        if not enc.applies(signature):
            continue
        try:
            der = enc.to_der(signature)
        except CryptoError:
            continue
        if key.verify(der, data):
            variant = enc.variant_of(signature) if enc.variant_of else enc.variant
            return True, variant
    return False, None


# --- what else a failing signature is checked against, to say *why* it fails --------


@dataclass(frozen=True)
class Probe:
    variant: str
    test: Callable[[SM2PublicKey, bytes, bytes], bool]  # (key, signature, data_hash)


def _raw_e(key: SM2PublicKey, signature: bytes, data_hash: bytes) -> bool:
    for enc in SIGNATURE_ENCODINGS:
        try:
            if key.verify_e(enc.to_der(signature), data_hash):
                return True
        except CryptoError:
            continue
    return False


SIGNER_PROBES: tuple[Probe, ...] = (Probe("raw-e-datahash", _raw_e),)
