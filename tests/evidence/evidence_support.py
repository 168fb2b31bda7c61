"""Helpers for the evidence tests (imported by name: tests/ has no packages).

A signed document with its approval, logged in an in-memory evidence log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from evidence_memlog import MemoryLog

from hub.crypto import Certificate, Name, SM2PrivateKey, build_certificate, sm3
from hub.evidence.events import (
    Event,
    EventType,
    approval_ext_data,
    signature_made,
    use_request_approved,
)
from hub.formats import assemble_signature_v4, build_seal_v4, build_tbs_sign_v4

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
ORIGIN = "sealhub.test/evidence/v1"


@dataclass
class Signing:
    log: MemoryLog
    document: bytes
    ses_signature: bytes
    signature_index: int
    approval_index: int | None
    signer_key: SM2PrivateKey
    signer_cert: Certificate
    seal: bytes

    def package(self) -> dict[str, Any]:
        return self.log.package(
            signature_index=self.signature_index,
            ses_signature=self.ses_signature,
            document_sm3=sm3(self.document),
            approval_index=self.approval_index,
        )


def filler(log: MemoryLog, n: int, now: datetime) -> None:
    for i in range(n):
        log.append(
            Event(
                EventType.SEAL_MADE,
                "tenant-b",
                now + timedelta(microseconds=i),
                subject={"seal_id": f"s{i}"},
                digests={"seal_sm3": sm3(b"%d" % i).hex()},
            )
        )


def sign_with_log(
    *,
    approved: bool,
    bind_in_tbs: bool = True,
    before: int = 5,
    after: int = 6,
    approval_after_signature: bool = False,
    approval_oid: str | None = None,
) -> Signing:
    now = datetime.now(UTC).replace(microsecond=0)
    maker_key, signer_key = SM2PrivateKey.generate(), SM2PrivateKey.generate()
    maker = build_certificate(
        subject=Name("Test Seal Maker"),
        subject_key=maker_key.public_key,
        issuer=Name("Test Seal Maker"),
        issuer_key=maker_key,
        is_ca=True,
        not_before=now - timedelta(days=1),
    )
    signer = build_certificate(
        subject=Name("测试单位"),
        subject_key=signer_key.public_key,
        issuer=maker,
        issuer_key=maker_key,
        not_before=now - timedelta(days=1),
    )
    seal = build_seal_v4(
        esid="11010000000001",
        vid="SealHub",
        seal_type=1,
        name="测试单位公章",
        signer_certs=[signer.der],
        picture=PNG,
        picture_type="png",
        width_mm=40,
        height_mm=40,
        valid_start=now - timedelta(hours=1),
        valid_end=now + timedelta(days=300),
        maker_cert=maker.der,
        maker_key=maker_key,
        create_date=now - timedelta(minutes=30),
    )
    log = MemoryLog(ORIGIN, SM2PrivateKey.generate())
    filler(log, before, now)
    document = "合同正文 contract body".encode()
    approval_index = approval_hash = None
    approval = use_request_approved(
        tenant="tenant-a",
        time=now,
        use_request_id="ur-1",
        seal_id="seal-1",
        document_sm3=sm3(document),
        approver_id="acct-9",
    )
    if approved and not approval_after_signature:
        approval_index = log.append(approval)
    if approved:
        approval_hash = approval.leaf_hash
    ext = [approval_ext_data(approval_hash)] if approved and bind_in_tbs else []
    if ext and approval_oid:
        ext = [(approval_oid, *ext[0][1:])]
    tbs = build_tbs_sign_v4(
        seal_der=seal,
        time=now,
        data_hash=sm3(document),
        property_info="contract.pdf",
        ext_datas=ext,
    )
    ses = assemble_signature_v4(
        tbs_sign=tbs, signer_cert=signer.der, signature=signer_key.sign(tbs)
    )
    signature_index = log.append(
        signature_made(
            tenant="tenant-a",
            time=now + timedelta(seconds=1),
            signature_id="sig-1",
            seal_id="seal-1",
            esid="11010000000001",
            document_sm3=sm3(document),
            ses_signature_sm3=sm3(ses),
            vendor="local",
            approval_leaf_hash=approval_hash,
            use_request_id="ur-1" if approved else None,
        )
    )
    if approved and approval_after_signature:
        approval_index = log.append(approval)
    filler(log, after, now)
    return Signing(log, document, ses, signature_index, approval_index, signer_key, signer, seal)
