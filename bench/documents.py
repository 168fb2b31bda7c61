"""OFD signing and verification throughput for a 10-page document vs raw SM2.

Prints signings/s and verifications/s of a 10-page OFD (SealHub's writer, one seal,
local SM2 key standing in for the vendor) next to raw SM2 sign/verify operations/s
measured in the same run, and the ratios: how many raw SM2 operations one document
signing or verification costs (zip + XML + SM3 of every file + SES_Signature build and
check + the seal's maker signature check).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hub.crypto import Name, SM2PrivateKey, build_certificate
from hub.documents.ofd_sign import StampPosition, sign_ofd
from hub.documents.ofd_writer import text_to_pages, write_ofd
from hub.formats import build_seal_v4, verify_ofd
from hub.pictures import render_official_seal

SECONDS = 4.0
LIMITS = {"max_uncompressed": 200 * 1024 * 1024, "max_entries": 10_000}


def rate(fn: Callable[[], object], seconds: float = SECONDS) -> float:
    fn()  # warm up
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        n += 1
    return n / elapsed


def main() -> None:
    key = SM2PrivateKey.generate()
    now = datetime.now(UTC)
    cert = build_certificate(
        subject=Name("bench"),
        subject_key=key.public_key,
        issuer=Name("bench"),
        issuer_key=key,
        is_ca=True,
        not_before=now - timedelta(days=1),
    )
    seal = build_seal_v4(
        esid="bench-1",
        vid="bench",
        seal_type=1,
        name="基准测试有限公司",
        signer_certs=[cert.der],
        picture=render_official_seal("基准测试有限公司", "1", dpi=150),
        picture_type="png",
        width_mm=42,
        height_mm=42,
        valid_start=now - timedelta(days=1),
        valid_end=now + timedelta(days=30),
        maker_cert=cert.der,
        maker_key=key,
    )
    text = "本文件用于测量签章与验章的吞吐量，每页约四十行中文正文。\n" * 400
    pages = text_to_pages(text)[:10]
    assert len(pages) == 10
    document = write_ofd(pages)

    async def sign_tbs(tbs: bytes) -> tuple[bytes, bytes]:
        return key.sign(tbs), cert.der

    loop = asyncio.new_event_loop()

    def sign_once() -> bytes:
        return loop.run_until_complete(
            sign_ofd(
                document,
                seal_der=seal,
                sign_tbs=sign_tbs,
                placements=[StampPosition(page=9, x_mm=140, y_mm=220)],
            )
        ).data

    signed = sign_once()
    assert verify_ofd(signed, **LIMITS).intact  # the bench PKI's root is not trusted
    message = b"x" * 200
    raw_sig = key.sign(message)
    pub = key.public_key

    raw_sign = rate(lambda: key.sign(message))
    raw_verify = rate(lambda: pub.verify(raw_sig, message))
    ofd_sign = rate(sign_once)
    ofd_verify = rate(lambda: verify_ofd(signed, **LIMITS))
    loop.close()

    print(f"document: 10-page OFD, {len(document)} bytes; signed {len(signed)} bytes")
    print(f"raw SM2 sign            {raw_sign:10.1f} /s")
    print(f"raw SM2 verify          {raw_verify:10.1f} /s")
    print(
        f"OFD signings            {ofd_sign:10.1f} /s  "
        f"= {raw_sign / ofd_sign:5.2f} raw SM2 signs per document signing"
    )
    print(
        f"OFD verifications       {ofd_verify:10.1f} /s  "
        f"= {raw_verify / ofd_verify:5.2f} raw SM2 verifies per document verification"
    )
    print(f"ratio OFD sign / raw sign   {ofd_sign / raw_sign:6.3f}")
    print(f"ratio OFD verify / raw verify {ofd_verify / raw_verify:6.3f}")


if __name__ == "__main__":
    main()
