"""Verify whatever a user hands us: seal, signature, signed OFD/PDF, or evidence package.

Every verification is judged against a `ValidationContext` (hub.trust): the anchors it
trusts, the proofs of existence it has, the hub's identity. The offline CLI builds it
from files; the hub's public verification from its trust store, its CA and the live
status list (`hub_context`). Nothing is fetched from the network while verifying.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import anyio

from hub.crypto import sm3
from hub.documents.pdf_verify import verify_pdf
from hub.errors import FormatError, NotFound, PayloadTooLarge, SealHubError
from hub.evidence.package import verify_package
from hub.formats import Report, verify_any
from hub.formats.report import INDETERMINATE, TOTAL_PASSED
from hub.pki.store import NO_TRUST, ProofOfExistence, ValidationContext
from hub.settings import LimitsSettings
from hub.signing.services import signing_record
from hub.trust.services import TrustService
from monitoring import metrics
from tenants.queries import tenant_id_by_slug


def _evidence_package(data: bytes) -> dict[str, Any] | None:
    """The JSON object if `data` is an evidence package (JSON with a "checkpoint")."""
    head = data.lstrip()[:1]
    if head != b"{":
        return None
    try:
        obj = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError("looks like JSON but does not parse") from exc
    if not isinstance(obj, dict) or "checkpoint" not in obj:
        raise FormatError("JSON input is not an evidence package (no 'checkpoint')")
    return obj


def verify_document(
    data: bytes,
    *,
    limits: LimitsSettings,
    context: ValidationContext = NO_TRUST,
    document: bytes | None = None,
) -> Report:
    """One report for one uploaded object; `document` is the signed file of a detached
    signature. Raises FormatError for unsupported input and PayloadTooLarge past the
    configured limits; never returns a bare boolean. Every call is counted in
    `sealhub_verifications{outcome}` (rejected input is "indeterminate")."""
    try:
        report = _verify(data, limits=limits, context=context, document=document)
    except SealHubError:
        metrics.verification("indeterminate")
        raise
    indication = report.indication
    metrics.verification(
        "valid" if indication == TOTAL_PASSED
        else "indeterminate" if indication == INDETERMINATE else "invalid"
    )  # fmt: skip
    return report


def _verify(
    data: bytes, *, limits: LimitsSettings, context: ValidationContext, document: bytes | None
) -> Report:
    if len(data) > limits.max_upload_bytes:
        raise PayloadTooLarge(f"{len(data)} bytes, limit {limits.max_upload_bytes}")
    if not data:
        raise FormatError("empty input")
    package = _evidence_package(data)
    if package is not None:
        try:
            report: Report = verify_package(package, context=context)
        except (KeyError, TypeError, ValueError) as exc:  # a package we cannot even read
            raise FormatError(f"unreadable evidence package: {exc}") from exc
        return report
    if b"%PDF-" in data[:1024]:  # a PDF with GB/T 38540 seals (hub.documents.pdf_sign)
        return verify_pdf(data, context=context)
    return verify_any(
        data,
        max_uncompressed=limits.ofd_max_uncompressed_bytes,
        max_entries=limits.ofd_max_entries,
        context=context,
        document_digest=sm3(document) if document is not None else None,
    )


async def hub_context(trust: TrustService, tenant_slug: str | None = None) -> ValidationContext:
    """The hub's verification context: hub CA, trust store (hub-wide, and the tenant's
    when named), live status list."""
    tenant_id: uuid.UUID | None = None
    if tenant_slug:
        tenant_id = await tenant_id_by_slug(tenant_slug)
        if tenant_id is None:
            raise NotFound(f"no tenant '{tenant_slug}'")
    context: ValidationContext = await trust.context(tenant_id)
    return context


async def hub_record_proof(data: bytes) -> tuple[ProofOfExistence, str, str] | None:
    """If SealHub made this detached signature: its signing record as a proof of
    existence (the hub's own time, not the signer's claim), and the seal's status then
    and now. None when the hub does not know it."""
    record = await signing_record(data)
    if record is None:
        return None
    signed_at, then, now = record
    return ProofOfExistence(signed_at, "hub-record", "the hub's signing record"), then, now


def add_hub_record(report: Report, then: str, now: str) -> Report:
    """The seal's status at signing time from the hub's records: a signature made before
    a revocation stays valid and says so."""
    report.check(
        "seal status at signing time",
        then == "active",
        f"seal was {then} when it signed (now {now})",
        sub="REVOKED",
    )
    return report


async def verify_upload(
    trust: TrustService,
    limits: LimitsSettings,
    content: bytes,
    *,
    document: bytes | None = None,
    tenant_slug: str | None = None,
) -> Report:
    """What the public verification (API and portal) does with one upload: judge it with
    the hub's trust context, the hub's own signing record as a proof of existence for a
    signature it made, and that seal's status when it signed."""
    context = await hub_context(trust, tenant_slug)
    record = await hub_record_proof(content)
    if record is not None:
        context = context.with_proofs(record[0])
    # Verification is CPU work (SM2, SM3, inflating the zip): keep it off the event loop.
    report = await anyio.to_thread.run_sync(
        lambda: verify_document(content, limits=limits, context=context, document=document)
    )
    if record is not None and report.kind == "signature":
        add_hub_record(report, record[1], record[2])
    return report
