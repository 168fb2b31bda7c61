"""SM2 (GB/T 32918) signatures with SM3 and the default user ID 1234567812345678.

tongsuopy does the real work at OpenSSL speed. The one pure-Python routine here,
`verify_e`, exists only to *recognise* a known non-standard vendor variant (a signature
computed over e = dataHash without the Z value); it never signs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from tongsuopy.crypto import hashes as _th
from tongsuopy.crypto import serialization as _ts
from tongsuopy.crypto.asymciphers import ec as _ec
from tongsuopy.crypto.exceptions import InvalidSignature

from hub.errors import CryptoError

DEFAULT_ID = b"1234567812345678"
OID_SM2_CURVE = "1.2.156.10197.1.301"
OID_SM2_SM3 = "1.2.156.10197.1.501"
OID_SM3 = "1.2.156.10197.1.401"

# GB/T 32918.5 curve parameters (used by verify_e and by tests).
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

_ALG = _ec.ECDSA(_th.SM3())


def der_to_raw(signature: bytes) -> bytes:
    """DER SEQUENCE{r, s} -> 64-byte r||s."""
    try:
        r, s = decode_dss_signature(signature)
    except (ValueError, TypeError) as exc:
        raise CryptoError("SM2 signature is not a DER SEQUENCE of two INTEGERs") from exc
    if not (0 < r < N and 0 < s < N):
        raise CryptoError("SM2 signature r or s out of range")
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def raw_to_der(signature: bytes) -> bytes:
    """64-byte r||s -> DER SEQUENCE{r, s}."""
    if len(signature) != 64:
        raise CryptoError(f"raw SM2 signature must be 64 bytes, got {len(signature)}")
    return encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )


@dataclass(frozen=True, eq=False)
class SM2PublicKey:
    _key: _ec.EllipticCurvePublicKey

    @classmethod
    def from_der(cls, spki: bytes) -> SM2PublicKey:
        try:
            key = _ts.load_der_public_key(spki)
        except Exception as exc:  # tongsuopy raises several types for junk
            raise CryptoError("not a DER SubjectPublicKeyInfo for an SM2 key") from exc
        return cls._checked(key)

    @classmethod
    def from_pem(cls, pem: bytes) -> SM2PublicKey:
        try:
            key = _ts.load_pem_public_key(pem)
        except Exception as exc:
            raise CryptoError("not a PEM SM2 public key") from exc
        return cls._checked(key)

    @classmethod
    def from_point(cls, point: bytes) -> SM2PublicKey:
        """Uncompressed point 04||X||Y (as in a certificate's subjectPublicKey)."""
        try:
            key = _ec.EllipticCurvePublicKey.from_encoded_point(_ec.SM2(), point)
        except Exception as exc:
            raise CryptoError("not an SM2 curve point") from exc
        return cls(key)

    @staticmethod
    def _checked(key: object) -> SM2PublicKey:
        if not isinstance(key, _ec.EllipticCurvePublicKey) or key.curve.name != "SM2":
            raise CryptoError("public key is not on the SM2 curve")
        return SM2PublicKey(key)

    @cached_property
    def point(self) -> bytes:
        return self._key.public_bytes(_ts.Encoding.X962, _ts.PublicFormat.UncompressedPoint)

    def to_der(self) -> bytes:
        return self._key.public_bytes(_ts.Encoding.DER, _ts.PublicFormat.SubjectPublicKeyInfo)

    def to_pem(self) -> bytes:
        return self._key.public_bytes(_ts.Encoding.PEM, _ts.PublicFormat.SubjectPublicKeyInfo)

    def verify(self, signature: bytes, data: bytes) -> bool:
        """SM2-with-SM3 over `data` (Z computed with the default ID). DER signature.

        Returns False for a wrong or malformed signature; never raises on bad input.
        """
        try:
            self._key.verify(signature, data, _ALG)
        except InvalidSignature:
            return False
        except Exception:  # noqa: BLE001 (malformed input: never raises)
            return False
        return True

    def verify_raw(self, signature: bytes, data: bytes) -> bool:
        """As `verify`, for a 64-byte r||s signature."""
        try:
            return self.verify(raw_to_der(signature), data)
        except CryptoError:
            return False

    def verify_e(self, signature_der: bytes, e: bytes) -> bool:
        """SM2 verification with e given directly (no Z, no hashing). Vendor-quirk probe."""
        try:
            r, s = decode_dss_signature(signature_der)
        except (ValueError, TypeError):
            return False
        if not (0 < r < N and 0 < s < N):
            return False
        t = (r + s) % N
        if t == 0:
            return False
        point = self.point
        q = (int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:65], "big"))
        x1 = _add(_mul(s, (GX, GY)), _mul(t, q))
        if x1 is None:
            return False
        return (int.from_bytes(e, "big") + x1[0]) % N == r

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SM2PublicKey) and self.point == other.point

    def __hash__(self) -> int:
        return hash(self.point)


@dataclass(frozen=True, eq=False)
class SM2PrivateKey:
    _key: _ec.EllipticCurvePrivateKey

    @classmethod
    def generate(cls) -> SM2PrivateKey:
        return cls(_ec.generate_private_key(_ec.SM2()))

    @classmethod
    def from_der(cls, der: bytes, password: bytes | None = None) -> SM2PrivateKey:
        try:
            key = _ts.load_der_private_key(der, password)
        except Exception as exc:
            raise CryptoError("not a DER SM2 private key (or wrong password)") from exc
        return cls._checked(key)

    @classmethod
    def from_pem(cls, pem: bytes, password: bytes | None = None) -> SM2PrivateKey:
        try:
            key = _ts.load_pem_private_key(pem, password)
        except Exception as exc:
            raise CryptoError("not a PEM SM2 private key (or wrong password)") from exc
        return cls._checked(key)

    @staticmethod
    def _checked(key: object) -> SM2PrivateKey:
        if not isinstance(key, _ec.EllipticCurvePrivateKey) or key.curve.name != "SM2":
            raise CryptoError("private key is not on the SM2 curve")
        return SM2PrivateKey(key)

    @cached_property
    def public_key(self) -> SM2PublicKey:
        return SM2PublicKey(self._key.public_key())

    def to_der(self) -> bytes:
        """PKCS#8 DER, unencrypted: callers seal it with SM4 before storing."""
        return self._key.private_bytes(
            _ts.Encoding.DER, _ts.PrivateFormat.PKCS8, _ts.NoEncryption()
        )

    def to_pem(self) -> bytes:
        return self._key.private_bytes(
            _ts.Encoding.PEM, _ts.PrivateFormat.PKCS8, _ts.NoEncryption()
        )

    def sign(self, data: bytes) -> bytes:
        """SM2-with-SM3 over `data`, default ID, DER signature."""
        return self._key.sign(data, _ALG)

    def sign_raw(self, data: bytes) -> bytes:
        return der_to_raw(self.sign(data))


# --- affine/Jacobian arithmetic for verify_e only -------------------------------------

_Point = tuple[int, int] | None


def _jadd(p1: tuple[int, int, int], p2: tuple[int, int, int]) -> tuple[int, int, int]:
    x1, y1, z1 = p1
    x2, y2, z2 = p2
    if z1 == 0:
        return p2
    if z2 == 0:
        return p1
    z1z1, z2z2 = z1 * z1 % P, z2 * z2 % P
    u1, u2 = x1 * z2z2 % P, x2 * z1z1 % P
    s1, s2 = y1 * z2 * z2z2 % P, y2 * z1 * z1z1 % P
    if u1 == u2:
        if s1 != s2:
            return (1, 1, 0)
        return _jdouble(p1)
    h = (u2 - u1) % P
    r = (s2 - s1) % P
    hh = h * h % P
    hhh = h * hh % P
    v = u1 * hh % P
    x3 = (r * r - hhh - 2 * v) % P
    y3 = (r * (v - x3) - s1 * hhh) % P
    return (x3, y3, h * z1 * z2 % P)


def _jdouble(p1: tuple[int, int, int]) -> tuple[int, int, int]:
    x, y, z = p1
    if z == 0 or y == 0:
        return (1, 1, 0)
    yy = y * y % P
    s = 4 * x * yy % P
    zz = z * z % P
    m = (3 * x * x + A * zz * zz) % P
    x3 = (m * m - 2 * s) % P
    y3 = (m * (s - x3) - 8 * yy * yy) % P
    return (x3, y3, 2 * y * z % P)


def _mul(k: int, pt: tuple[int, int]) -> tuple[int, int, int]:
    acc = (1, 1, 0)
    base = (pt[0], pt[1], 1)
    while k:
        if k & 1:
            acc = _jadd(acc, base)
        base = _jdouble(base)
        k >>= 1
    return acc


def _add(a: tuple[int, int, int], b: tuple[int, int, int]) -> _Point:
    x, y, z = _jadd(a, b)
    if z == 0:
        return None
    zi = pow(z, -1, P)
    return (x * zi * zi % P, y * zi * zi * zi % P)
