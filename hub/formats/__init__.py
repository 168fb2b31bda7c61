"""GB/T 38540 formats: SES_Seal / SES_Signature codecs, OFD verification, reports.

Public API (see the team contract): build and parse seals and signatures, verify them
over the stored bytes, and verify signed OFD files. Everything raises
`hub.errors.FormatError` for input that is not a supported object.
"""

from hub.formats.ofd import verify_ofd
from hub.formats.report import Check, Report
from hub.formats.seal import SealInfo, build_seal_v4, parse_seal
from hub.formats.signature import (
    SignatureInfo,
    assemble_signature_v4,
    build_tbs_sign_v4,
    parse_signature,
)
from hub.formats.sniff import sniff, verify_any
from hub.formats.verify import verify_seal, verify_signature

__all__ = [
    "Check",
    "Report",
    "SealInfo",
    "SignatureInfo",
    "assemble_signature_v4",
    "build_seal_v4",
    "build_tbs_sign_v4",
    "parse_seal",
    "parse_signature",
    "sniff",
    "verify_any",
    "verify_ofd",
    "verify_seal",
    "verify_signature",
]
