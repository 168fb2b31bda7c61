"""Verify whatever a user hands us: seal, signature, signed OFD, or evidence package."""

from __future__ import annotations

import json
from typing import Any

from hub.errors import FormatError, PayloadTooLarge, SealHubError
from hub.formats import Report, verify_any
from hub.settings import LimitsSettings
from monitoring import metrics


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


def verify_document(data: bytes, *, limits: LimitsSettings) -> Report:
    """One report for one uploaded object. Raises FormatError for unsupported input and
    PayloadTooLarge past the configured limits; never returns a bare boolean. Every call
    is counted in `sealhub_verifications{outcome}` (rejected input is "indeterminate")."""
    try:
        report = _verify(data, limits=limits)
    except SealHubError:
        metrics.verification("indeterminate")
        raise
    metrics.verification("valid" if report.valid else "invalid")
    return report


def _verify(data: bytes, *, limits: LimitsSettings) -> Report:
    if len(data) > limits.max_upload_bytes:
        raise PayloadTooLarge(f"{len(data)} bytes, limit {limits.max_upload_bytes}")
    if not data:
        raise FormatError("empty input")
    package = _evidence_package(data)
    if package is not None:
        try:
            from hub.evidence.package import verify_package  # built by the evidence area
        except ImportError as exc:
            raise FormatError("evidence packages are not supported by this build") from exc
        try:
            report: Report = verify_package(package)
        except (KeyError, TypeError, ValueError) as exc:  # a package we cannot even read
            raise FormatError(f"unreadable evidence package: {exc}") from exc
        return report
    if b"%PDF-" in data[:1024]:  # a PDF with GB/T 38540 seals (hub.documents.pdf_sign)
        from hub.documents.pdf_verify import verify_pdf

        return verify_pdf(data)
    return verify_any(
        data,
        max_uncompressed=limits.ofd_max_uncompressed_bytes,
        max_entries=limits.ofd_max_entries,
    )


async def add_hub_record(report: Report, data: bytes) -> Report:
    """If SealHub itself made this detached signature, add the seal's status at signing
    time from the hub's records: a signature made before a revocation stays valid and
    says so. Unknown signatures are left as they are (verification never needs the hub)."""
    if report.kind != "signature":
        return report
    from hub.signing.services import seal_status_at_signing

    statuses = await seal_status_at_signing(data)
    if statuses is None:
        return report
    then, now = statuses
    report.check(
        "seal status at signing time",
        then == "active",
        f"seal was {then} when it signed (now {now})",
    )
    return report
