"""SM2 over a precomputed digest e = SM3(Z || M): what a CSC `signHash` needs.

CSC v2 signs hashes, but SM2-with-SM3 hashes Z (the signer's identity digest, GB/T
32918.2 §5.5) before the message. SealHub's choice (documented in
adapters/http/vendor-api.yaml and adapters/csc/__init__.py): the client computes
e = SM3(Z || TBS_Sign) from the signer certificate's public key and the default ID, sends
e as the "hash", and the service signs e as is. The result is an ordinary
SM2-with-SM3 signature over TBS_Sign, so `SM2PublicKey.verify` accepts it unchanged.

`hub.crypto` hides tongsuopy and has no "sign e" entry point, so this module reaches the
same backend through its EVP_PKEY_sign binding: for an SM2 key, OpenSSL/Tongsuo's
EVP_PKEY_sign takes the 32-byte e and does no hashing. (A candidate for hub.crypto.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from tongsuopy.backends.tongsuo import backend as _backend

from hub.crypto import DEFAULT_ID, SM2PrivateKey, SM2PublicKey, sm3
from hub.crypto.sm2 import GX, GY, A, B
from hub.errors import CryptoError

if TYPE_CHECKING:
    from tongsuopy.backends.tongsuo.ec import _EllipticCurvePrivateKey

_CURVE = b"".join(v.to_bytes(32, "big") for v in (A, B, GX, GY))


def sm2_z(public_key: SM2PublicKey, user_id: bytes = DEFAULT_ID) -> bytes:
    """Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A)."""
    entl = (len(user_id) * 8).to_bytes(2, "big")
    return sm3(entl + user_id + _CURVE + public_key.point[1:])


def sm2_e(public_key: SM2PublicKey, message: bytes) -> bytes:
    """e = SM3(Z || M): the digest SM2-with-SM3 actually signs."""
    return sm3(sm2_z(public_key) + message)


def sign_e(key: SM2PrivateKey, e: bytes) -> bytes:
    """SM2 signature (DER) over the digest e; no Z, no hashing here."""
    if len(e) != 32:
        raise CryptoError(f"SM2 digest must be 32 bytes, got {len(e)}")
    # The cffi binding is dynamic (typed Any); the key is the backend's own class, whose
    # EVP_PKEY handle the public EllipticCurvePrivateKey interface does not show.
    lib: Any = _backend._lib
    ffi = _backend._ffi
    evp_pkey = cast("_EllipticCurvePrivateKey", key._key)._evp_pkey
    ctx = ffi.gc(lib.EVP_PKEY_CTX_new(evp_pkey, ffi.NULL), lib.EVP_PKEY_CTX_free)
    if ctx == ffi.NULL or lib.EVP_PKEY_sign_init(ctx) != 1:
        _backend._consume_errors()
        raise CryptoError("cannot initialise SM2 digest signing")
    size = ffi.new("size_t *")
    if lib.EVP_PKEY_sign(ctx, ffi.NULL, size, e, len(e)) != 1:
        _backend._consume_errors()
        raise CryptoError("SM2 digest signing failed")
    buf = ffi.new("unsigned char[]", size[0])
    if lib.EVP_PKEY_sign(ctx, buf, size, e, len(e)) != 1:
        _backend._consume_errors()
        raise CryptoError("SM2 digest signing failed")
    return bytes(ffi.buffer(buf)[: size[0]])
