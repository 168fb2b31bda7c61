"""Verify seals and signatures over the stored bytes; one report line per check."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from hub.crypto import OID_SM2_SM3, SM3, Certificate, SM2PublicKey, sm3
from hub.errors import CryptoError
from hub.formats.certs import load_cert
from hub.formats.report import Report
from hub.formats.seal import SealInfo, parse_seal
from hub.formats.signature import SignatureInfo, parse_signature
from hub.formats.variants import SIGNER_PROBES, VARIANTS, describe, verify_sm2

MAKER_SIGNED_LAYOUT = {
    1: "SEQUENCE{SES_SealInfo, cert, signatureAlgorithm} as stored",
    4: "SES_SealInfo as stored",
    5: "SES_SealInfo as stored",
}


def _day(when: datetime) -> str:
    # As strftime("%Y-%m-%d %H:%M:%SZ"), at a fraction of its cost (a dozen per report).
    return (
        f"{when.year:04d}-{when.month:02d}-{when.day:02d} "
        f"{when.hour:02d}:{when.minute:02d}:{when.second:02d}Z"
    )


def _cert(report: Report, name: str, der: bytes, role: str) -> Certificate | None:
    try:
        return load_cert(der)
    except CryptoError as exc:
        report.check(name, False, f"{role} certificate is unreadable: {exc.detail}")
        return None


# Times inside a seal or signature (createDate, TBS_Sign.timeInfo) are claims of the
# maker or signer, not proof: without a verified timestamp token nothing shows when the
# signing happened, and a signer with an old key can claim any time. So a certificate or
# seal validity period that does not cover the *claimed* time is reported as a warning
# ("no proof of existence", the ETSI EN 319 102-1 notion), not as a failed check; the
# signature verdict rests on what the bytes prove. The hub's own signatures get a
# decided check from its records ("seal status at signing time"), where the time is the
# hub's. The real-vendor README agrees: ofdrw's 2026 samples with 2022 test
# certificates are VALID there.
CLAIMED_TIME = "no proof of existence: the time is the signer's claim, not a timestamp"


def _validity(
    report: Report, name: str, cert: Certificate | None, when: datetime, what: str
) -> None:
    if cert is None:
        report.check(name, False, "certificate unreadable")
        return
    ok = cert.valid_at(when)
    detail = (
        f"'{cert.subject}' valid {_day(cert.not_before)} .. {_day(cert.not_after)}; "
        f"{what} {_day(when)} is {'inside' if ok else 'OUTSIDE'} that period"
    )
    if ok:
        report.check(name, True, detail)
    else:
        report.warn(name, f"{detail} ({CLAIMED_TIME})")


# A seal signs thousands of documents: its maker signature is a pure function of the
# bytes, so the last few thousand results are kept (keyed by SM3 of key, signature and
# signed bytes) instead of re-verifying the same seal on every signature.
_MAKER_CACHE: OrderedDict[bytes, tuple[bool, str | None]] = OrderedDict()
_MAKER_CACHE_SIZE = 4096


K = TypeVar("K")
V = TypeVar("V")


def _lru(cache: OrderedDict[K, V], size: int, key: K, compute: Callable[[], V]) -> V:
    """`cache[key]`, computed on a miss; the least recently used entry goes past `size`."""
    hit = cache.get(key)
    if hit is not None:
        cache.move_to_end(key)
        return hit
    value = cache[key] = compute()
    if len(cache) > size:
        cache.popitem(last=False)
    return value


def _maker_signature(key: SM2PublicKey, signature: bytes, data: bytes) -> tuple[bool, str | None]:
    tag = SM3().update(key.point).update(signature).update(data).digest()
    return _lru(_MAKER_CACHE, _MAKER_CACHE_SIZE, tag, lambda: verify_sm2(key, signature, data))


def _add_variants(report: Report, keys: tuple[str, ...] | list[str]) -> None:
    for key in keys:
        report.variant(describe(key))


# Every signature a seal makes carries the seal, judged at the signing time (seconds): a
# burst of signings with one seal asks for the same seal report many times a second. The
# report is a pure function of the seal's bytes and the time; callers get a copy.
_SEAL_REPORTS: OrderedDict[tuple[bytes, tuple[str, ...], datetime | None, str], Report] = (
    OrderedDict()
)
_SEAL_REPORTS_SIZE = 256


def seal_report(
    seal: SealInfo, *, at: datetime | None = None, at_label: str = "signing time"
) -> Report:
    key = (seal.seal_der, seal.variants, at, at_label)
    hit = _lru(_SEAL_REPORTS, _SEAL_REPORTS_SIZE, key, lambda: _seal_report(seal, at, at_label))
    return replace(
        hit, checks=list(hit.checks), variants=list(hit.variants), children=list(hit.children),
        info=dict(hit.info), warnings=list(hit.warnings),
    )  # fmt: skip


def _seal_report(seal: SealInfo, at: datetime | None, at_label: str) -> Report:
    report = Report(kind="seal", version=seal.version)
    report.info.update(
        esid=seal.esid,
        vid=seal.vid,
        name=seal.name,
        seal_type=seal.seal_type,
        create_date=seal.create_date.isoformat(),
        valid_start=seal.valid_start.isoformat(),
        valid_end=seal.valid_end.isoformat(),
        picture_type=seal.picture_type,
        signer_certs=len(seal.signer_certs),
    )
    # No vendor CA roots are configured: chains are reported, not judged.
    report.info["certificate_chain"] = "not checked (no trusted roots configured)"
    if seal.time_stamp is not None:
        report.info["time_stamp"] = "present; not verified as an RFC 3161 / GB/T 20520 token"
    _add_variants(report, seal.variants)

    maker = _cert(report, "seal maker signature", seal.maker_cert, "maker")
    if maker is not None:
        report.info["maker"] = maker.subject
        layout = MAKER_SIGNED_LAYOUT[seal.layout]  # the structure signed, not the header
        if seal.sign_alg != OID_SM2_SM3:
            report.check("seal maker signature", False, f"unsupported algorithm {seal.sign_alg}")
        else:
            ok, variant = _maker_signature(
                maker.public_key, seal.signature, seal.maker_signed_bytes
            )
            if variant:
                report.variant(describe(variant))
            report.check(
                "seal maker signature",
                ok,
                f"SM2-with-SM3 over the {layout} "
                + ("verifies" if ok else "does NOT verify")
                + f" with the maker certificate '{maker.subject}'",
            )
    _validity(
        report,
        "seal maker cert validity at seal creation",
        maker,
        seal.create_date,
        "seal createDate",
    )
    ordered = seal.valid_start <= seal.valid_end
    report.check(
        "seal validity period",
        ordered,
        f"validStart {_day(seal.valid_start)} .. validEnd {_day(seal.valid_end)}"
        + ("" if ordered else " (start after end)"),
    )
    if at is not None:
        inside = seal.valid_start <= at <= seal.valid_end
        detail = (
            f"{at_label} {_day(at)} is {'inside' if inside else 'OUTSIDE'} "
            f"{_day(seal.valid_start)} .. {_day(seal.valid_end)}"
        )
        if inside:
            report.check(f"seal validity at {at_label}", True, detail)
        else:
            report.warn(f"seal validity at {at_label}", f"{detail} ({CLAIMED_TIME})")
    return report


def verify_seal(data: bytes, *, at: datetime | None = None) -> Report:
    """Verify a standalone SES_Seal. Certificates are judged at the seal's createDate
    (vendor certificates are expired today); `at` adds a check of the seal's own period."""
    return seal_report(parse_seal(data), at=at, at_label="requested time")


def _cert_digest(kind: str, cert: bytes) -> bytes:
    """CertDigestObj.type names the hash: SM3 (name or OID) unless it says SHA-1/SHA-256."""
    name = kind.lower().replace("-", "")
    if name in ("sha1", "1.3.14.3.2.26"):
        return hashlib.sha1(cert, usedforsecurity=False).digest()
    if name in ("sha256", "2.16.840.1.101.3.4.2.1"):
        return hashlib.sha256(cert).digest()
    return sm3(cert)


def _signer_in_cert_list(report: Report, sig: SignatureInfo) -> None:
    seal = sig.seal
    if seal.cert_list_type == 2 and seal.cert_digests:
        ok = any(value == _cert_digest(kind, sig.signer_cert) for kind, value in seal.cert_digests)
        report.check(
            "signer cert in seal certList",
            ok,
            f"the signer certificate's digest {'matches' if ok else 'matches none of'} "
            f"{len(seal.cert_digests)} certDigestList entries",
        )
        return
    ok = sig.signer_cert in seal.signer_certs
    if ok:
        detail = (
            f"signer certificate is entry {seal.signer_certs.index(sig.signer_cert) + 1} "
            f"of {len(seal.signer_certs)} in the seal's certList"
        )
    elif not seal.signer_certs:
        detail = "the seal's certList holds no certificate"
        if "certlist-junk" in seal.variants:
            detail += " (only non-certificate entries)"
    else:
        detail = (
            f"signer certificate is none of the {len(seal.signer_certs)} "
            "certificates in the seal's certList"
        )
    report.check("signer cert in seal certList", ok, detail)


def signature_report(
    sig: SignatureInfo, *, document_digest: bytes | None = None, digest_of: str = "the document"
) -> Report:
    report = Report(kind="signature", version=sig.version)
    report.info.update(
        signing_time=sig.time.isoformat(),
        property_info=sig.property_info,
        data_hash=sig.data_hash.hex(),
        esid=sig.seal.esid,
        seal_name=sig.seal.name,
        certificate_chain="not checked (no trusted roots configured)",
    )
    _add_variants(report, sig.variants)
    report.children.append(seal_report(sig.seal, at=sig.time))

    signer = _cert(report, "signer signature", sig.signer_cert, "signer")
    if signer is not None:
        report.info["signer"] = signer.subject
        if sig.sign_alg != OID_SM2_SM3:
            report.check("signer signature", False, f"unsupported algorithm {sig.sign_alg}")
        else:
            ok, variant = verify_sm2(signer.public_key, sig.signature, sig.tbs_bytes)
            if variant:
                report.variant(describe(variant))
            if ok:
                detail = f"SM2-with-SM3 over the stored TBS_Sign verifies with '{signer.subject}'"
            else:
                detail = "SM2-with-SM3 over the stored TBS_Sign does NOT verify"
                for probe in SIGNER_PROBES:
                    if probe.test(signer.public_key, sig.signature, sig.data_hash):
                        report.variant(describe(probe.variant))
                        accepted = VARIANTS[probe.variant].accepted
                        detail += f"; it verifies only as: {describe(probe.variant)}" + (
                            "" if accepted else " (not accepted)"
                        )
                        ok = accepted
            report.check("signer signature", ok, detail)
    _signer_in_cert_list(report, sig)
    _validity(report, "signer cert validity at signing time", signer, sig.time, "signing time")
    if document_digest is not None:
        same = sig.data_hash == document_digest
        report.check(
            "document digest",
            same,
            f"dataHash {sig.data_hash.hex()[:16]}.. "
            + ("equals" if same else "differs from")
            + f" SM3 of {digest_of} {document_digest.hex()[:16]}..",
        )
    return report


def verify_signature(data: bytes, *, document_digest: bytes | None = None) -> Report:
    """Verify a detached SES_Signature (and the seal inside it, at the signing time)."""
    return signature_report(parse_signature(data), document_digest=document_digest)
