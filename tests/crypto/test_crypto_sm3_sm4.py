"""SM3 against GB/T 32905 vectors; SM4 against GB/T 32907; SM4-GCM against an independent GCM."""

from __future__ import annotations

import os

import pytest
from gmssl import sm3 as gm_sm3
from gmssl.sm4 import SM4_ENCRYPT, CryptSM4

from hub.crypto import SM3, sm3, sm4
from hub.errors import CryptoError

# GB/T 32905-2016 Appendix A.
SM3_VECTORS = [
    (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
    (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
]


@pytest.mark.parametrize(("message", "digest"), SM3_VECTORS, ids=["abc", "abcd*16"])
def test_sm3_standard_vectors(message, digest):
    assert sm3(message).hex() == digest
    incremental = SM3()
    for i in range(len(message)):
        incremental.update(message[i : i + 1])
    assert incremental.digest().hex() == digest


@pytest.mark.parametrize(("message", "digest"), SM3_VECTORS, ids=["abc", "abcd*16"])
def test_sm3_fallback_backend_standard_vectors(monkeypatch, message, digest):
    import sys

    sm3_module = sys.modules["hub.crypto.sm3"]  # `hub.crypto.sm3` the name is the function
    monkeypatch.setattr(sm3_module, "_HASHLIB_SM3", None)
    assert sm3_module.sm3(message).hex() == digest


def test_sm3_matches_gmssl_on_many_lengths():
    for n in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000]:
        data = os.urandom(n)
        assert sm3(data).hex() == gm_sm3.sm3_hash(list(data))


# --- SM4 --------------------------------------------------------------------------------


def _sm4_block(key: bytes, block: bytes) -> bytes:
    """One SM4 block encryption by gmssl (independent of OpenSSL)."""
    cipher = CryptSM4()
    cipher.set_key(key, SM4_ENCRYPT)
    return bytes(cipher.one_round(cipher.sk, list(block)))


def test_gmssl_sm4_block_matches_gbt_32907_vector():
    # GB/T 32907-2016 Appendix A.1: the reference used to trust `_sm4_block` below.
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    assert _sm4_block(key, key).hex() == "681edf34d206965e86b3e94f536e4246"


def _ghash(h: bytes, aad: bytes, ct: bytes) -> bytes:
    def mul(x: int, y: int) -> int:
        r = 0xE1 << 120
        z, v = 0, y
        for i in range(127, -1, -1):
            if (x >> i) & 1:
                z ^= v
            v = (v >> 1) ^ r if v & 1 else v >> 1
        return z

    def blocks(data: bytes) -> list[bytes]:
        padded = data + b"\x00" * (-len(data) % 16)
        return [padded[i : i + 16] for i in range(0, len(padded), 16)]

    hi, y = int.from_bytes(h, "big"), 0
    lengths = (len(aad) * 8).to_bytes(8, "big") + (len(ct) * 8).to_bytes(8, "big")
    for block in [*blocks(aad), *blocks(ct), lengths]:
        y = mul(y ^ int.from_bytes(block, "big"), hi)
    return y.to_bytes(16, "big")


def _reference_gcm_open(key: bytes, nonce: bytes, ct: bytes, tag: bytes, aad: bytes) -> bytes:
    """NIST SP 800-38D GCM with SM4 as the block cipher, 96-bit nonce."""
    h = _sm4_block(key, b"\x00" * 16)
    j0 = nonce + b"\x00\x00\x00\x01"
    expected = bytes(a ^ b for a, b in zip(_sm4_block(key, j0), _ghash(h, aad, ct), strict=True))
    assert expected == tag, "reference GCM: tag mismatch"
    out = bytearray()
    for i in range(0, len(ct), 16):
        counter = nonce + (2 + i // 16).to_bytes(4, "big")
        stream = _sm4_block(key, counter)
        out += bytes(a ^ b for a, b in zip(ct[i : i + 16], stream, strict=False))
    return bytes(out)


@pytest.mark.parametrize("size", [0, 1, 16, 33, 200])
def test_sm4_gcm_blob_opens_with_independent_gcm(size):
    key, plaintext, aad = sm4.new_key(), os.urandom(size), b"tenant-7|seal_key"
    blob = sm4.seal(key, plaintext, aad)
    assert blob[0] == 1 and len(blob) == 1 + 12 + size + 16
    nonce, ct, tag = blob[1:13], blob[13:-16], blob[-16:]
    assert _reference_gcm_open(key, nonce, ct, tag, aad) == plaintext


def test_sm4_gcm_round_trip_and_fresh_nonces():
    key = sm4.new_key()
    a = sm4.seal(key, b"secret", b"aad")
    b = sm4.seal(key, b"secret", b"aad")
    assert a != b  # random nonce each time
    assert sm4.open_(key, a, b"aad") == b"secret"
    assert sm4.open_(key, sm4.seal(key, b"", b""), b"") == b""


def test_sm4_gcm_wrong_key_aad_or_tampering_is_crypto_error():
    key = sm4.new_key()
    blob = sm4.seal(key, b"private key bytes", b"tenant-1|log_key")
    with pytest.raises(CryptoError):
        sm4.open_(sm4.new_key(), blob, b"tenant-1|log_key")
    with pytest.raises(CryptoError):
        sm4.open_(key, blob, b"tenant-2|log_key")
    for i in range(len(blob)):
        tampered = bytearray(blob)
        tampered[i] ^= 0x80
        with pytest.raises(CryptoError):
            sm4.open_(key, bytes(tampered), b"tenant-1|log_key")
    for cut in range(len(blob)):
        with pytest.raises(CryptoError):
            sm4.open_(key, blob[:cut], b"tenant-1|log_key")
    with pytest.raises(CryptoError):
        sm4.open_(key, blob + b"\x00", b"tenant-1|log_key")


def test_sm4_bad_key_sizes():
    for bad in (b"", b"k" * 15, b"k" * 17, b"k" * 32):
        with pytest.raises(CryptoError):
            sm4.seal(bad, b"x")
        with pytest.raises(CryptoError):
            sm4.open_(bad, b"\x01" + b"\x00" * 40)
