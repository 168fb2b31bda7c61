"""Throwaway SM2 keys, certificates and seals for document tests (no vendor yet).

A maker CA issues the seal; a signer certificate is in the seal's certList; signing
goes through a real SM2 key in an async callable, as the hub's vendor routing would.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from hub.crypto import Certificate, Name, SM2PrivateKey, build_certificate
from hub.formats import build_seal_v4
from hub.pictures import render_official_seal, render_personal_seal


@dataclass
class Signer:
    key: SM2PrivateKey
    cert: Certificate
    seal: bytes
    calls: int = 0

    async def sign_tbs(self, tbs: bytes) -> tuple[bytes, bytes]:
        self.calls += 1
        return self.key.sign(tbs), self.cert.der


SignerFactory = Callable[..., Signer]


@pytest.fixture(scope="session")
def maker() -> tuple[SM2PrivateKey, Certificate]:
    key = SM2PrivateKey.generate()
    cert = build_certificate(
        subject=Name("测试电子印章制作系统", organization="SealHub Test"),
        subject_key=key.public_key,
        issuer=Name("测试电子印章制作系统", organization="SealHub Test"),
        issuer_key=key,
        is_ca=True,
        days=3650,
        not_before=datetime.now(UTC) - timedelta(days=1),
    )
    return key, cert


@pytest.fixture(scope="session")
def make_signer(maker: tuple[SM2PrivateKey, Certificate]) -> SignerFactory:
    maker_key, maker_cert = maker

    def make(
        name: str = "杭州市某某科技有限公司",
        *,
        personal: bool = False,
        esid: str = "33010600000001",
    ) -> Signer:
        key = SM2PrivateKey.generate()
        cert = build_certificate(
            subject=Name(name, organization=name),
            subject_key=key.public_key,
            issuer=maker_cert,
            issuer_key=maker_key,
            days=365,
            not_before=datetime.now(UTC) - timedelta(days=1),
        )
        if personal:
            picture, size = render_personal_seal(name, 20, dpi=150), 20
        else:
            picture, size = render_official_seal(name, esid[:13], 42, dpi=150), 42
        now = datetime.now(UTC)
        seal = build_seal_v4(
            esid=esid,
            vid="SEALHUB-TEST",
            seal_type=2 if personal else 1,
            name=name,
            signer_certs=[cert.der],
            picture=picture,
            picture_type="png",
            width_mm=size,
            height_mm=size,
            valid_start=now - timedelta(days=1),
            valid_end=now + timedelta(days=365),
            maker_cert=maker_cert.der,
            maker_key=maker_key,
        )
        return Signer(key, cert, seal)

    return make


@pytest.fixture(scope="session")
def company(make_signer: SignerFactory) -> Signer:
    return make_signer()


@pytest.fixture(scope="session")
def person(make_signer: SignerFactory) -> Signer:
    return make_signer("张三", personal=True, esid="33010600000002")


SignTbs = Callable[[bytes], Awaitable[tuple[bytes, bytes]]]


@pytest.fixture(scope="session")
def digest_signer() -> Callable[..., Callable[[bytes, str], Awaitable[bytes]]]:
    return _digest_signer


def _digest_signer(
    signer: Signer,
    *,
    property_info: str | None = None,
    seal: bytes | None = None,
    ext_datas: list[tuple[str, bool, bytes]] | None = None,
) -> Callable[[bytes, str], Awaitable[bytes]]:
    """A `SignDigest` like the hub's signing service: it builds the TBS_Sign itself (its
    own time, optional extDatas such as an approval leaf) and returns the SES_Signature.
    `property_info` / `seal` override what it signs, to test the document's checks."""
    from hub.formats import assemble_signature_v4, build_tbs_sign_v4

    async def sign_digest(data_hash: bytes, wanted_property: str) -> bytes:
        tbs = build_tbs_sign_v4(
            seal_der=seal or signer.seal,
            time=datetime.now(UTC),
            data_hash=data_hash,
            property_info=property_info or wanted_property,
            ext_datas=ext_datas or [],
        )
        return assemble_signature_v4(
            tbs_sign=tbs, signer_cert=signer.cert.der, signature=signer.key.sign(tbs)
        )

    return sign_digest


@pytest.fixture
def limits() -> dict[str, int]:
    return {"max_uncompressed": 50 * 1024 * 1024, "max_entries": 1000}
