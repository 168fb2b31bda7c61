"""The webhook signature: `SealHub-Signature: t=<unix>,v1=<hex HMAC-SM3(secret, t "." body)>`.

Pure functions, used by the hub to sign and by receivers (and the tests) to verify.
"""

from __future__ import annotations

import base64
import hmac as std_hmac
import secrets
import time

from cryptography.hazmat.primitives import hashes, hmac

SIGNATURE_HEADER = "SealHub-Signature"
DELIVERY_HEADER = "SealHub-Delivery"
EVENT_HEADER = "SealHub-Event"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
DEFAULT_TOLERANCE_SECONDS = 300


def new_secret() -> str:
    """A fresh subscription secret (256 bits), as shown once to the subscriber."""
    return SECRET_PREFIX + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def hmac_sm3(key: bytes, message: bytes) -> bytes:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(message)
    return mac.finalize()


def signature_header(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    v1 = hmac_sm3(secret.encode("utf-8"), str(t).encode("ascii") + b"." + body).hex()
    return f"t={t},v1={v1}"


def verify_signature_header(
    secret: str,
    header: str,
    body: bytes,
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True if `header` is a valid signature of `body` made within the tolerance."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        name, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(name, []).append(value)
    try:
        t = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - t) > tolerance_seconds:
        return False
    expected = signature_header(secret, body, timestamp=t).split("v1=", 1)[1]
    # Several v1 values may be sent during a secret rotation; any one matching suffices.
    return any(std_hmac.compare_digest(expected, v) for v in parts.get("v1", []))
