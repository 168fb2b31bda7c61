"""Fixtures for the formats tests: real vendor samples, and a maker/signer PKI built here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from formats_support import SAMPLES

from hub.crypto import Certificate, Name, SM2PrivateKey, build_certificate
from hub.pki.store import TrustAnchor, TrustStore, ValidationContext


@dataclass(frozen=True)
class Pki:
    maker_key: SM2PrivateKey
    maker_cert: Certificate
    signer_key: SM2PrivateKey
    signer_cert: Certificate
    created: datetime
    root_cert: Certificate

    @property
    def trusted(self) -> ValidationContext:
        """Verification with this PKI's root as the one trust anchor."""
        return ValidationContext(
            trust=TrustStore([TrustAnchor(self.root_cert, source="test root")]),
            trust_source="test root",
        )


@pytest.fixture(scope="session")
def pki() -> Pki:
    created = datetime.now(UTC).replace(microsecond=0)
    root_key = SM2PrivateKey.generate()
    root = build_certificate(
        subject=Name("SealHub Test Root"),
        subject_key=root_key.public_key,
        issuer=Name("SealHub Test Root"),
        issuer_key=root_key,
        is_ca=True,
        days=3650,
        not_before=created - timedelta(days=1),
    )
    maker_key = SM2PrivateKey.generate()
    maker = build_certificate(
        subject=Name("SealHub Test Seal Maker", organization="SealHub"),
        subject_key=maker_key.public_key,
        issuer=root,
        issuer_key=root_key,
        days=730,
        not_before=created - timedelta(days=1),
    )
    signer_key = SM2PrivateKey.generate()
    signer = build_certificate(
        subject=Name("测试单位", organization="SealHub"),
        subject_key=signer_key.public_key,
        issuer=root,
        issuer_key=root_key,
        days=365,
        not_before=created - timedelta(days=1),
    )
    return Pki(maker_key, maker, signer_key, signer, created, root)


@pytest.fixture(scope="session")
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.fail(f"vendor samples missing at {SAMPLES}")
    return SAMPLES
