"""SM4-GCM (GB/T 32907) for data at rest, and key wrapping.

Layout of a sealed blob: version byte 0x01 || 12-byte nonce || ciphertext || 16-byte tag.
The associated data binds a blob to its owner (tenant id, column name), so a ciphertext
copied into another row or tenant does not decrypt.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hub.errors import CryptoError

KEY_SIZE = 16
_NONCE = 12
_TAG = 16
_VERSION = b"\x01"


def new_key() -> bytes:
    return os.urandom(KEY_SIZE)


def seal(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    if len(key) != KEY_SIZE:
        raise CryptoError("SM4 key must be 16 bytes")
    nonce = os.urandom(_NONCE)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    body = enc.update(plaintext) + enc.finalize()
    return _VERSION + nonce + body + enc.tag


def open_(key: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    if len(key) != KEY_SIZE:
        raise CryptoError("SM4 key must be 16 bytes")
    if len(blob) < 1 + _NONCE + _TAG or blob[:1] != _VERSION:
        raise CryptoError("not an SM4-GCM blob")
    nonce, body, tag = blob[1 : 1 + _NONCE], blob[1 + _NONCE : -_TAG], blob[-_TAG:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(aad)
    try:
        return dec.update(body) + dec.finalize()
    except InvalidTag as exc:
        raise CryptoError("SM4-GCM authentication failed (wrong key or tampered data)") from exc
