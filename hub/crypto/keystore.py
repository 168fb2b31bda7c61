"""Envelope encryption for secrets at rest: per-tenant SM4 data keys under the master key.

Key hierarchy::

    hub master key (settings.security.master_key: 16 bytes, env or file, never in the DB)
      └─ per-tenant data key (SM4, random)  -- stored only *wrapped*, e.g. a tenant column
           └─ sealed secrets: private keys (reference vendor keys, the log key), ID numbers

Every blob is `hub.crypto.sm4` SM4-GCM (version byte, nonce, ciphertext, tag). Its
associated data binds it to (purpose, tenant, context), so a blob copied into another
tenant's row, another column or another key slot fails to open with CryptoError instead
of decrypting under the wrong owner. The AAD is length-prefixed field by field, so no
choice of tenant or context strings can collide with another (unlike "a|b" joining).

Pure functions, no database: callers store the bytes. Hub-wide secrets (the evidence
log key) use the reserved scope `HUB_SCOPE` in place of a tenant id.
"""

from __future__ import annotations

from enum import StrEnum

from cryptography.hazmat.primitives import hashes, hmac

from hub.crypto import sm4
from hub.crypto.sm2 import SM2PrivateKey
from hub.errors import CryptoError

HUB_SCOPE = "hub"  # tenant slot for hub-owned secrets; tenant ids are never this string
_AAD_LABEL = b"sealhub-keystore/1"


class Purpose(StrEnum):
    DATA_KEY = "data-key"
    PRIVATE_KEY = "private-key"
    ID_NUMBER = "id-number"
    SECRET = "secret"  # noqa: S105 (a slot name, not a password)


def _aad(purpose: Purpose, tenant: str | int, context: str = "") -> bytes:
    out = bytearray(_AAD_LABEL)
    for part in (purpose.value, str(tenant), context):
        raw = part.encode("utf-8")
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def _check_key(key: bytes, what: str) -> None:
    if not isinstance(key, bytes | bytearray) or len(key) != sm4.KEY_SIZE:
        raise CryptoError(f"{what} must be {sm4.KEY_SIZE} bytes (an SM4 key)")


# --- data keys ---------------------------------------------------------------------------


def new_data_key() -> bytes:
    return sm4.new_key()


def wrap_data_key(master_key: bytes, tenant: str | int, data_key: bytes) -> bytes:
    """The blob to store for `tenant` (e.g. tenants.data_key_wrapped)."""
    _check_key(master_key, "master key")
    _check_key(data_key, "data key")
    return sm4.seal(master_key, bytes(data_key), _aad(Purpose.DATA_KEY, tenant))


def unwrap_data_key(master_key: bytes, tenant: str | int, wrapped: bytes) -> bytes:
    """Raises CryptoError for a wrong master key, another tenant's blob, or tampering."""
    _check_key(master_key, "master key")
    data_key = sm4.open_(master_key, wrapped, _aad(Purpose.DATA_KEY, tenant))
    _check_key(data_key, "unwrapped data key")
    return data_key


def create_data_key(master_key: bytes, tenant: str | int) -> tuple[bytes, bytes]:
    """A fresh data key and its wrapped form: (data_key, wrapped)."""
    data_key = new_data_key()
    return data_key, wrap_data_key(master_key, tenant, data_key)


def rewrap_data_key(
    old_master: bytes, new_master: bytes, tenant: str | int, wrapped: bytes
) -> bytes:
    """Master-key rotation: only the small wrapped keys change, sealed data stays."""
    return wrap_data_key(new_master, tenant, unwrap_data_key(old_master, tenant, wrapped))


# --- sealing under a data key ------------------------------------------------------------


def seal_secret(
    data_key: bytes,
    tenant: str | int,
    plaintext: bytes,
    *,
    purpose: Purpose = Purpose.SECRET,
    context: str = "",
) -> bytes:
    _check_key(data_key, "data key")
    return sm4.seal(data_key, plaintext, _aad(purpose, tenant, context))


def open_secret(
    data_key: bytes,
    tenant: str | int,
    blob: bytes,
    *,
    purpose: Purpose = Purpose.SECRET,
    context: str = "",
) -> bytes:
    _check_key(data_key, "data key")
    return sm4.open_(data_key, blob, _aad(purpose, tenant, context))


def seal_private_key(
    data_key: bytes, tenant: str | int, key: SM2PrivateKey, *, key_id: str = ""
) -> bytes:
    """PKCS#8 DER of `key`, sealed. `key_id` (e.g. seal id, "log-key") binds the slot."""
    return seal_secret(data_key, tenant, key.to_der(), purpose=Purpose.PRIVATE_KEY, context=key_id)


def open_private_key(
    data_key: bytes, tenant: str | int, blob: bytes, *, key_id: str = ""
) -> SM2PrivateKey:
    der = open_secret(data_key, tenant, blob, purpose=Purpose.PRIVATE_KEY, context=key_id)
    return SM2PrivateKey.from_der(der)


def seal_id_number(data_key: bytes, tenant: str | int, id_number: str) -> bytes:
    return seal_secret(data_key, tenant, id_number.encode("utf-8"), purpose=Purpose.ID_NUMBER)


def open_id_number(data_key: bytes, tenant: str | int, blob: bytes) -> str:
    raw = open_secret(data_key, tenant, blob, purpose=Purpose.ID_NUMBER)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:  # authentic but not text: a caller mixed up slots
        raise CryptoError("sealed ID number is not UTF-8") from exc


def id_number_index(data_key: bytes, tenant: str | int, id_number: str) -> bytes:
    """Blind index (HMAC-SM3) for lookups and uniqueness without decrypting.

    Deterministic per tenant, so a UNIQUE(tenant_id, id_index) column finds duplicates;
    useless without the tenant's data key (an 18-digit ID space is small enough that a
    plain hash could be brute-forced).
    """
    _check_key(data_key, "data key")
    # A separate key for the index, derived from the data key, so the index never uses
    # the encryption key directly.
    index_key = _hmac_sm3(data_key, _aad(Purpose.ID_NUMBER, tenant, "blind-index"))
    return _hmac_sm3(index_key, id_number.strip().upper().encode("utf-8"))


def _hmac_sm3(key: bytes, message: bytes) -> bytes:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(message)
    return mac.finalize()
