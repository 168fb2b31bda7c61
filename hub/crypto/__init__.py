"""The hub's one crypto facade: SM2 signatures, SM3, SM4-GCM, SM2 X.509.

Import from here, not from the backends: `from hub.crypto import sm3, SM2PrivateKey`.
tongsuopy (SM2) and cryptography (SM3, SM4) stay hidden behind these names; gmssl is
never used here (its nonce comes from `random`); tests use it as a cross-check only.
"""

from hub.crypto import sm4
from hub.crypto.sm2 import (
    DEFAULT_ID,
    OID_SM2_CURVE,
    OID_SM2_SM3,
    OID_SM3,
    SM2PrivateKey,
    SM2PublicKey,
    der_to_raw,
    raw_to_der,
)
from hub.crypto.sm3 import SM3, sm3
from hub.crypto.x509 import Certificate, ChainResult, Name, build_certificate, verify_chain

__all__ = [
    "DEFAULT_ID",
    "OID_SM2_CURVE",
    "OID_SM2_SM3",
    "OID_SM3",
    "SM3",
    "Certificate",
    "ChainResult",
    "Name",
    "SM2PrivateKey",
    "SM2PublicKey",
    "build_certificate",
    "der_to_raw",
    "raw_to_der",
    "sm3",
    "sm4",
    "verify_chain",
]
