"""How a document signer gets its SES_Signature: two ways into the same checks.

* `SignTbs` (TBS_Sign bytes -> (SM2 signature DER, signer certificate DER)): the document
  code builds the TBS_Sign and assembles the SES_Signature; for a vendor adapter used
  directly, and for tests with a throwaway key.
* `SignDigest` ((dataHash, propertyInfo) -> SES_Signature DER): the hub's signing
  service (`hub.signing.services.SigningService.sign` with `SignCommand(document_sm3=
  dataHash, property_info=...)`) builds the TBS itself, with its password, approval and
  idempotency rules, and returns the finished SES_Signature.

Either way the result is checked before it goes into a document: it verifies, covers
exactly this dataHash and propertyInfo, and carries the seal the document names.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from hub.errors import CryptoError
from hub.formats import assemble_signature_v4, build_tbs_sign_v4, parse_signature, verify_signature

SignTbs = Callable[[bytes], Awaitable[tuple[bytes, bytes]]]
SignDigest = Callable[[bytes, str], Awaitable[bytes]]


async def produce_signature(
    *,
    seal_der: bytes,
    data_hash: bytes,
    property_info: str,
    when: datetime,
    sign_tbs: SignTbs | None,
    sign_digest: SignDigest | None,
) -> bytes:
    """The checked SES_Signature DER over `data_hash` (exactly one signer given)."""
    if (sign_tbs is None) == (sign_digest is None):
        raise TypeError("pass exactly one of sign_tbs or sign_digest")
    if sign_tbs is not None:
        tbs = build_tbs_sign_v4(
            seal_der=seal_der, time=when, data_hash=data_hash, property_info=property_info
        )
        raw_signature, signer_cert = await sign_tbs(tbs)
        signed_value = assemble_signature_v4(
            tbs_sign=tbs, signer_cert=signer_cert, signature=raw_signature
        )
    else:
        assert sign_digest is not None
        signed_value = await sign_digest(data_hash, property_info)
    report = verify_signature(signed_value, document_digest=data_hash)
    if not report.intact:
        reasons = "; ".join(f"{c.name}: {c.detail}" for c in report.failed) or "invalid"
        raise CryptoError(f"the signature returned for the document does not verify: {reasons}")
    info = parse_signature(signed_value)
    if info.property_info != property_info:
        raise CryptoError(f"the signature names {info.property_info!r}, not {property_info!r}")
    if info.seal.seal_der != seal_der:
        raise CryptoError("the signature carries another seal than the document names")
    return signed_value
