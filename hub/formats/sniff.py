"""Tell what a blob is (seal, signature, OFD) and verify it accordingly."""

from __future__ import annotations

import base64
import binascii
import re

from hub.errors import FormatError
from hub.formats import asn1
from hub.formats.ofd import verify_ofd
from hub.formats.report import Report
from hub.formats.seal import TAG_INTEGER_OR_NONE, TAG_SEQUENCE
from hub.formats.variants import describe
from hub.formats.verify import verify_seal, verify_signature
from hub.pki.store import NO_TRUST, ValidationContext

ZIP_MAGIC = b"PK\x03\x04"
_BASE64_TEXT = re.compile(rb"^[A-Za-z0-9+/=\s]+$")
DEFAULT_MAX_UNCOMPRESSED = 200 * 1024 * 1024
DEFAULT_MAX_ENTRIES = 10_000


def sniff(data: bytes) -> str:
    """'ofd', 'seal' or 'signature'; FormatError for anything else.

    An SES_Signature's first element (TBS_Sign) starts with an INTEGER version; an
    SES_Seal's first element (SES_SealInfo) starts with the SES_Header SEQUENCE.
    """
    if data[:4] == ZIP_MAGIC:
        return "ofd"
    if not data or data[0] != TAG_SEQUENCE:
        raise FormatError("not a seal, signature or OFD: unrecognised leading bytes")
    top = asn1.children(data[: asn1.tlv_end(data, 0)])
    if not top or top[0][0] != TAG_SEQUENCE:
        raise FormatError("not a seal or signature: the first element is not a SEQUENCE")
    inner = asn1.children(top[0][1])
    if not inner:
        raise FormatError("not a seal or signature: empty first element")
    if inner[0][0] == TAG_INTEGER_OR_NONE:
        return "signature"
    if inner[0][0] == TAG_SEQUENCE:
        return "seal"
    raise FormatError("not a seal or signature: unexpected structure")


def unwrap_base64(data: bytes) -> bytes | None:
    """DER carried as base64 text (how many tools save a .sig): the DER, else None."""
    if not data or data[:1] == b"\x30" or not _BASE64_TEXT.match(data):
        return None
    try:
        der = base64.b64decode(b"".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return der if der[:1] == b"\x30" else None


def verify_any(
    data: bytes,
    *,
    max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED,
    max_entries: int = DEFAULT_MAX_ENTRIES,
    context: ValidationContext = NO_TRUST,
    document_digest: bytes | None = None,
) -> Report:
    """Verify a seal, a detached signature (against `document_digest`, the SM3 of its
    document, when given) or a signed OFD, judged against `context`."""
    der = unwrap_base64(data)
    kind = sniff(der if der is not None else data)
    if kind == "ofd":
        return verify_ofd(
            data, max_uncompressed=max_uncompressed, max_entries=max_entries, context=context
        )
    if kind == "signature":
        report = verify_signature(der or data, document_digest=document_digest, context=context)
    else:
        report = verify_seal(der or data, context=context)
    if der is not None:
        report.variant(describe("base64-text"))
    return report
