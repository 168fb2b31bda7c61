"""What timestamping adds to a signing, measured against a baseline in the same run.

Prints CPU seconds per operation (time.process_time: this process only, so the shared
machine's other load does not count) for:
  * baseline  - one SM2 sign (what a vendor does per signing);
  * hub path  - the hub's crypto per signing without a timestamp: the vendor's SM2 sign
                of a TBS_Sign, assembling the SES_Signature, verify_signature over it;
  * token     - HubTimeStampAuthority.issue over the signature value (one SM2 sign and
                the DER around it) and re-assembling the SES_Signature with it;
  * /tsa      - HubTimeStampAuthority.respond: parsing a TimeStampReq and replying;
and the ratios token/SM2-sign (goal: <= ~1, i.e. at most one extra SM2 sign per signing)
and (hub path + token)/hub path.

Batching: RFC 3161 gives every token its own SignerInfo, so each token costs one SM2
signature however requests are grouped; what batching could save is only the per-token
Python around it, which the precomputed DER templates in hub.tsa.token already cut to
a fraction of the signature (this script shows how much).

Run: .venv/bin/python bench/tsa.py [--iterations N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.crypto import Name, SM2PrivateKey, build_certificate, sm3
from hub.formats import (
    assemble_signature_v4,
    build_seal_v4,
    build_tbs_sign_v4,
    verify_signature,
)
from hub.tsa.authority import HubTimeStampAuthority, create_hub_keys
from hub.tsa.token import build_query

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def cpu_per_op(fn: Callable[[], object], iterations: int) -> float:
    fn()  # warm up
    best = float("inf")
    for _ in range(5):  # the least disturbed of five chunks
        start = time.process_time()
        for _ in range(iterations):
            fn()
        best = min(best, (time.process_time() - start) / iterations)
    return best


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=300)
    n = parser.parse_args().iterations

    now = datetime.now(UTC).replace(microsecond=0)
    maker_key, signer_key = SM2PrivateKey.generate(), SM2PrivateKey.generate()
    maker = build_certificate(
        subject=Name("Bench Maker"),
        subject_key=maker_key.public_key,
        issuer=Name("Bench Maker"),
        issuer_key=maker_key,
        is_ca=True,
        not_before=now - timedelta(days=1),
    )
    signer = build_certificate(
        subject=Name("Bench Signer"),
        subject_key=signer_key.public_key,
        issuer=maker,
        issuer_key=maker_key,
        not_before=now - timedelta(days=1),
    )
    seal = build_seal_v4(
        esid="11010000000001",
        vid="SealHub",
        seal_type=1,
        name="Bench seal",
        signer_certs=[signer.der],
        picture=PNG,
        picture_type="png",
        width_mm=40,
        height_mm=40,
        valid_start=now - timedelta(hours=1),
        valid_end=now + timedelta(days=30),
        maker_cert=maker.der,
        maker_key=maker_key,
        create_date=now - timedelta(minutes=5),
    )
    document_sm3 = sm3(b"bench document")
    tbs = build_tbs_sign_v4(seal_der=seal, time=now, data_hash=document_sm3, property_info="bench")
    signature = signer_key.sign(tbs)
    tsa = HubTimeStampAuthority(create_hub_keys())
    query = build_query(signature, nonce=12345)

    def sm2_sign() -> object:
        return signer_key.sign(tbs)

    def hub_path() -> object:
        sig = signer_key.sign(tbs)
        der = assemble_signature_v4(tbs_sign=tbs, signer_cert=signer.der, signature=sig)
        return verify_signature(der, document_digest=document_sm3)

    def token() -> object:
        tok = tsa.issue(signature)
        return assemble_signature_v4(
            tbs_sign=tbs, signer_cert=signer.der, signature=signature, time_stamp=tok
        )

    def respond() -> object:
        return tsa.respond(query)

    sign_s = cpu_per_op(sm2_sign, n)
    path_s = cpu_per_op(hub_path, max(1, n // 3))
    token_s = cpu_per_op(token, n)
    respond_s = cpu_per_op(respond, n)
    print(f"SM2 sign (baseline)        {sign_s * 1e3:8.3f} ms CPU/op")
    print(f"hub signing path, no token {path_s * 1e3:8.3f} ms CPU/op")
    print(f"timestamp token + assemble {token_s * 1e3:8.3f} ms CPU/op")
    print(f"/tsa respond (parse+reply) {respond_s * 1e3:8.3f} ms CPU/op")
    print(f"token / SM2 sign           {token_s / sign_s:8.2f}x   (goal <= ~1: one extra sign)")
    print(f"signing with token / without {(path_s + token_s) / path_s:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
