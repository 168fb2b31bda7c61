"""Shared helpers of the adapter tests (a uniquely named module: `conftest` is ambiguous
when every test directory has one)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from adapters.protocol import MakeSealRequest, SignerSubject

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8cfc0f01f0005000201e2213bc60000000049454e44ae426082"
)


def seal_request(
    tenant: str = "bureau-a", esid: str = "E-1", idem: str | None = None
) -> MakeSealRequest:
    now = datetime.now(UTC).replace(microsecond=0)
    return MakeSealRequest(
        tenant=tenant,
        esid=esid,
        seal_type=1,
        name="测试单位公章",
        picture=PNG_1PX,
        width_mm=40,
        height_mm=40,
        valid_start=now,
        valid_end=now + timedelta(days=365),
        signer=SignerSubject(common_name="测试单位", organization="测试单位"),
        idempotency_key=idem or f"seal-{esid}-{os.urandom(4).hex()}",
    )
