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
from hub.errors import CryptoError


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


@dataclass(frozen=True)
class SignatureEncoding:
    variant: str | None  # None = the standard encoding
    to_der: Callable[[bytes], bytes]


def _der(value: bytes) -> bytes:
    return value


def _raw(value: bytes) -> bytes:
    if len(value) != 64:
        raise CryptoError("not a 64-byte raw r||s")
    return raw_to_der(value)


# Tried in order; the first that verifies wins.
SIGNATURE_ENCODINGS: tuple[SignatureEncoding, ...] = (
    SignatureEncoding(None, _der),
    SignatureEncoding("raw-rs-signature", _raw),
)


def verify_sm2(key: SM2PublicKey, signature: bytes, data: bytes) -> tuple[bool, str | None]:
    """SM2-with-SM3 (default ID) over `data`, trying each known signature encoding.

    Returns (verified, variant key or None).
    """
    for enc in SIGNATURE_ENCODINGS:
        if enc.variant is not None and len(signature) != 64:
            continue
        if enc.variant is None and signature[:1] != b"\x30":
            continue
        try:
            der = enc.to_der(signature)
        except CryptoError:
            continue
        if key.verify(der, data):
            return True, enc.variant
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
