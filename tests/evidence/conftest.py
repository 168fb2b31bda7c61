"""Fixtures for the evidence tests; helpers live in evidence_support.py."""

from __future__ import annotations

import pytest
from evidence_support import Signing, sign_with_log


@pytest.fixture(scope="module")
def approved_signing() -> Signing:
    return sign_with_log(approved=True)


@pytest.fixture(scope="module")
def plain_signing() -> Signing:
    return sign_with_log(approved=False)


@pytest.fixture(scope="session")
def openssl_cli():
    import shutil
    import subprocess

    exe = shutil.which("openssl")
    if exe is None:
        pytest.fail("the openssl CLI is required")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([exe, *args], capture_output=True, text=True, timeout=30,
                              check=False)

    return run
