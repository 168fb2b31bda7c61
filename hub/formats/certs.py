"""Certificates as the verifiers use them: parsed once per distinct DER."""

from __future__ import annotations

from functools import lru_cache

from hub.crypto import Certificate, SM2PublicKey


@lru_cache(maxsize=512)
def load_cert(der: bytes) -> Certificate:
    """Certificate.load with a cache: the same maker and signer certs recur in every
    signature of a document and across documents, and parsing dominates small verifies.
    Raises hub.errors.CryptoError (never cached) for junk."""
    cert = Certificate.load(der)
    cert.public_key  # noqa: B018  (a certificate whose key is not SM2 is unusable here)
    return cert


def cert_key(der: bytes) -> SM2PublicKey:
    return load_cert(der).public_key
