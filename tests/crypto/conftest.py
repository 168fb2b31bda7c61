"""Helpers for the crypto cross-checks: the OpenSSL CLI and gmssl as independent verifiers.

gmssl is used here only to *verify*; it never signs anything the hub keeps.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

import pytest
from gmssl import sm2 as gm_sm2

from hub.crypto import SM2PublicKey, der_to_raw

DISTID = "distid:1234567812345678"


def _gmssl_verify(public_key: SM2PublicKey, signature_der: bytes, data: bytes) -> bool:
    """Verify with gmssl's pure-Python SM2 (SM3 with Z, default ID).

    gmssl's constructor does `public_key.lstrip("04")`, which strips *every* leading
    '0'/'4' hex digit, so a key whose X starts with 0 or 4 gets mangled. Setting the
    attribute after construction sidesteps that bug for every key.
    """
    xy_hex = public_key.point[1:].hex()
    verifier = gm_sm2.CryptSM2(private_key="", public_key=xy_hex)
    verifier.public_key = xy_hex
    raw = der_to_raw(signature_der).hex()
    return bool(verifier.verify_with_sm3(raw, data))


@pytest.fixture(scope="session")
def openssl() -> Callable[..., subprocess.CompletedProcess[bytes]]:
    exe = shutil.which("openssl")
    if exe is None:
        pytest.fail("the openssl CLI is required for the crypto cross-checks")

    def run(*args: str, check: bool = False) -> subprocess.CompletedProcess[bytes]:
        proc = subprocess.run([exe, *args], capture_output=True, timeout=30)
        if check and proc.returncode != 0:
            raise AssertionError(f"openssl {' '.join(args)} failed: {proc.stderr.decode()}")
        return proc

    return run


@pytest.fixture(scope="session")
def gmssl_verify() -> Callable[[SM2PublicKey, bytes, bytes], bool]:
    return _gmssl_verify
