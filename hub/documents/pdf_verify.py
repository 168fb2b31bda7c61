"""Verify GB/T 38540 seals in a PDF: integrity, signature, seal, coverage, later changes.

For every filled signature field:

* **byte range**: `[0 a b c]`, the gap is exactly the `/Contents` hex string, and the
  ranges lie inside the file; the report says which bytes (and which revision) the
  signature covers.
* **document digest / signer signature / seal**: `/Contents` (zero padding removed) is
  an `SES_Signature`, verified with `hub.formats.verify_signature` against
  SM3(ByteRange bytes) (see `pdf_sign` for the layout).
* **changes after signing**: if the signature does not cover the whole file, pyHanko's
  difference analysis reviews every later revision. Adding signatures and filling form
  fields (`FORM_FILLING`) is what a second signer does and is accepted; anything else
  (page content, annotations, new objects reachable from pages) is flagged, naming
  the level and the revisions.

A signature field with another SubFilter (CMS/PAdES) is listed and reported as not
verifiable here, never silently passed.
"""

from __future__ import annotations

import io
import logging
import re

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    ModificationLevel,
    SuspiciousModification,
)
from pyhanko.sign.fields import enumerate_sig_fields

from hub.crypto import sm3
from hub.documents.pdf_sign import SUBFILTER
from hub.errors import FormatError
from hub.formats import Report, parse_signature, verify_signature
from hub.formats.asn1 import tlv_end
from hub.pki.store import NO_TRUST, ValidationContext

_EOF = re.compile(rb"%%EOF[ \t\r\n]*")


def _revision_ends(data: bytes) -> list[int]:
    """Byte offsets where each revision (each %%EOF plus its line end) ends."""
    return [m.end() for m in _EOF.finditer(data)]


def verify_pdf(data: bytes, *, context: ValidationContext = NO_TRUST) -> Report:
    """One child report per signature field; never raises for a bad signature."""
    return _verify_pdf(data, context)


# pyHanko logs what it finds in an edited PDF as warnings with tracebacks; this verifier
# turns those findings into named checks ("changes after signing"), so pyHanko's loggers
# (all children of "pyhanko") write nothing to the hub's log or the CLI's stderr.
_PYHANKO_LOG = logging.getLogger("pyhanko")
_PYHANKO_LOG.setLevel(logging.CRITICAL + 1)
_PYHANKO_LOG.propagate = False


def _verify_pdf(data: bytes, context: ValidationContext) -> Report:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
    except (PdfError, ValueError) as exc:
        raise FormatError(f"not a readable PDF: {exc}") from exc
    report = Report(kind="pdf")
    revisions = reader.xrefs.total_revisions
    report.info.update(size=len(data), revisions=revisions)
    fields = [
        (name, value, ref) for name, value, ref in enumerate_sig_fields(reader) if value is not None
    ]
    for name, value, _ref in fields:
        try:
            child = _verify_field(reader, data, name, value, revisions, context)
        except Exception as exc:  # noqa: BLE001 (a broken field is a named check, not a 500)
            child = Report(kind="signature", info={"field": name})
            child.check(
                "signature field readable",
                False,
                f"the PDF signature field cannot be read: {type(exc).__name__}",
            )
        report.children.append(child)
    report.info["signatures"] = len(report.children)
    report.check(
        "document is signed",
        bool(report.children),
        f"{len(report.children)} signature(s)" if report.children else "no filled signature field",
    )
    return report


def _verify_field(
    reader: PdfFileReader,
    data: bytes,
    name: str,
    value: generic.PdfObject,
    revisions: int,
    context: ValidationContext,
) -> Report:
    sig_ref = value if isinstance(value, generic.IndirectObject) else None
    sig = value.get_object()
    sub_filter = str(sig.get("/SubFilter", ""))
    head = Report(kind="signature", info={"field": name, "sub_filter": sub_filter})
    signed = _signed_contents(head, sig, sub_filter)
    if signed is None:
        return head
    byte_range, raw = signed
    if not _frames_contents(head, data, byte_range, raw):
        return head
    covered_rev = _record_coverage(head, data, byte_range)
    _, a, b, c = byte_range
    signed_end = b + c
    result = _verify_ses(head, data[:a] + data[b:signed_end], raw, name, context)
    if result is None:
        return head
    _check_changes_after_signing(result, reader, data, signed_end, covered_rev, sig_ref, revisions)
    return result


def _signed_contents(
    head: Report, sig: generic.DictionaryObject, sub_filter: str
) -> tuple[list[int], bytes] | None:
    """The field's /ByteRange and the raw bytes of its /Contents, if it is a GB/T 38540
    seal signature with both; else None, with the failed check on `head`."""
    if sub_filter != SUBFILTER:
        head.check(
            "format",
            False,
            f"SubFilter {sub_filter or '(none)'} is not {SUBFILTER}; "
            "this verifier checks GB/T 38540 seals only",
        )
        return None
    try:
        byte_range = [int(v) for v in sig["/ByteRange"]]
        contents = sig.raw_get("/Contents", decrypt=generic.EncryptedObjAccess.RAW)
        raw = bytes(contents.original_bytes if hasattr(contents, "original_bytes") else contents)
    except (KeyError, TypeError, ValueError) as exc:
        head.check("byte range", False, f"signature dictionary is incomplete: {exc}")
        return None
    return byte_range, raw


def _frames_contents(head: Report, data: bytes, byte_range: list[int], raw: bytes) -> bool:
    """`[0 a b c]` whose gap is exactly the /Contents hex string, inside the file (else
    the failed check is on `head`)."""
    ok_shape = len(byte_range) == 4 and byte_range[0] == 0
    if ok_shape:
        _, a, b, c = byte_range
        ok_shape = (
            0 < a < b
            and b + c <= len(data)
            and data[a : a + 1] == b"<"
            and data[b - 1 : b] == b">"
            and b - a == 2 * len(raw) + 2
        )
    if not ok_shape:
        head.check("byte range", False, f"{byte_range} does not frame /Contents exactly")
    return ok_shape


def _record_coverage(head: Report, data: bytes, byte_range: list[int]) -> int | None:
    """The passed byte range check, saying which bytes and which revision it covers;
    returns the index of that revision (None: the range ends at no revision boundary)."""
    _, a, b, c = byte_range
    signed_end = b + c
    ends = _revision_ends(data)
    covered_rev = next((i for i, end in enumerate(ends) if end == signed_end), None)
    rev_text = (
        f"revision {covered_rev + 1} of {len(ends)}"
        if covered_rev is not None
        else "a range that ends at no revision boundary"
    )
    head.check(
        "byte range", True, f"covers bytes 0..{a} and {b}..{signed_end} of {len(data)} ({rev_text})"
    )
    head.info.update(
        byte_range=byte_range,
        covers_bytes=signed_end,
        file_bytes=len(data),
        covered_revision=None if covered_rev is None else covered_rev + 1,
        revisions=len(ends),
    )
    return covered_rev


def _verify_ses(
    head: Report, signed_bytes: bytes, raw: bytes, name: str, context: ValidationContext
) -> Report | None:
    """The SES_Signature in /Contents (zero padding removed) verified against the SM3 of
    the signed bytes as stored, and its propertyInfo naming this field. None (with the
    failed check on `head`) when /Contents is not an SES_Signature."""
    ses = raw[: tlv_end(raw, 0)] if raw[:1] == b"\x30" else raw
    digest = sm3(signed_bytes)
    try:
        info = parse_signature(ses)
        result = verify_signature(ses, document_digest=digest, context=context)
    except FormatError as exc:
        head.check("signer signature", False, f"/Contents is not an SES_Signature: {exc.detail}")
        return None
    result.checks[:0] = head.checks
    result.info.update(head.info)
    result.check(
        "property info",
        info.property_info == f"pdf:{name}",
        f"propertyInfo {info.property_info!r} names field {name!r}"
        if info.property_info == f"pdf:{name}"
        else f"propertyInfo {info.property_info!r} does not name field {name!r}",
    )
    return result


def _check_changes_after_signing(
    result: Report,
    reader: PdfFileReader,
    data: bytes,
    signed_end: int,
    covered_rev: int | None,
    sig_ref: generic.IndirectObject | None,
    revisions: int,
) -> None:
    """A signature that does not cover the whole file: pyHanko's difference analysis
    reviews the later revisions; only added signatures and filled form fields pass."""
    if signed_end == len(data):
        result.check("changes after signing", True, "the signature covers the whole file")
        result.info["modified_after"] = False
        return
    result.info["modified_after"] = True
    if covered_rev is None or sig_ref is None:
        result.check(
            "changes after signing", False, "the signed range does not end at a revision boundary"
        )
        return
    signed_revision = reader.xrefs.get_last_change(sig_ref.reference)
    try:
        diff = DEFAULT_DIFF_POLICY.review_file(reader, signed_revision)
    except Exception as exc:  # noqa: BLE001 (malformed revisions: a finding)
        diff = SuspiciousModification(f"{type(exc).__name__}: {exc}")
    later = f"revisions {signed_revision + 2}..{revisions}"
    if isinstance(diff, SuspiciousModification):
        reason = str(diff).split("\n", 1)[0][:300]
        result.check(
            "changes after signing", False, f"document changed after signing in {later}: {reason}"
        )
        return
    level = diff.modification_level
    result.info["modification_level"] = level.name
    if level <= ModificationLevel.FORM_FILLING:
        result.check(
            "changes after signing",
            True,
            f"{later} only add signatures or fill form fields ({level.name})",
        )
    else:
        result.check(
            "changes after signing",
            False,
            f"document changed after signing in {later}: {level.name}",
        )
