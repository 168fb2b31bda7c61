"""Verify seals and signatures over the stored bytes; one report line per check."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from hub.crypto import OID_SM2_SM3, SM3, Certificate, SM2PublicKey, sm3
from hub.errors import CryptoError, SealHubError
from hub.formats import asn1
from hub.formats.certs import load_cert
from hub.formats.report import (
    EXPIRED,
    NO_CERTIFICATE_CHAIN_FOUND,
    NOT_MADE_BY_THIS_HUB,
    NOT_YET_VALID,
    OUT_OF_BOUNDS_NO_POE,
    PASSED,
    REVOCATION_UNKNOWN,
    SIGNED_DATA_NOT_FOUND,
    UNDECIDED,
    Report,
)
from hub.formats.seal import SealInfo, parse_seal
from hub.formats.signature import SignatureInfo, parse_signature
from hub.formats.variants import SIGNER_PROBES, VARIANTS, describe, verify_sm2
from hub.memo import Memo
from hub.pki.chain import validate as validate_chain
from hub.pki.store import NO_TRUST, ProofOfExistence, ValidationContext
from hub.tsa.verify import TimestampCheck, check_timestamp_token

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
# maker or signer, not proof: a signer with an old key can claim any time. ETSI EN 319
# 102-1 judges validity at the best *proven* time: the earliest proof of existence (a
# verified timestamp, an evidence-log inclusion, the hub's own signing record), and
# without one at the validation time (now). A certificate or seal outside its validity
# then is INDETERMINATE / OUT_OF_BOUNDS_NO_POE (no proof it was used in time), or
# TOTAL_FAILED / EXPIRED when a proof shows it was used too late. A claimed time outside
# a validity period is still reported, as a warning.
CLAIMED_TIME = "no proof of existence: the time is the signer's claim, not a timestamp"


@dataclass(frozen=True)
class Judged:
    """The time a verification judges validity at, and what proves it (None: now)."""

    at: datetime
    proof: ProofOfExistence | None

    @property
    def proven(self) -> bool:
        return self.proof is not None

    def label(self) -> str:
        if self.proof is None:
            return f"the validation time {_day(self.at)} (no proof of existence)"
        return f"the proven time {_day(self.at)} ({self.proof.describe()})"


def judged_time(context: ValidationContext, extra: tuple[ProofOfExistence, ...] = ()) -> Judged:
    proof = context.best_proof(extra)
    return Judged(proof.time if proof else context.validation_time(), proof)


def claimed_validity(
    report: Report, name: str, cert: Certificate | None, when: datetime, what: str
) -> None:
    """A warning when a *claimed* time is outside the certificate's validity."""
    if cert is None or cert.valid_at(when):
        return
    report.warn(
        name,
        f"'{cert.subject}' valid {_day(cert.not_before)} .. {_day(cert.not_after)}; "
        f"{what} {_day(when)} is OUTSIDE that period ({CLAIMED_TIME})",
    )


def _out_of_bounds(report: Report, name: str, detail: str, judged: Judged, late: bool) -> None:
    if judged.proven:
        report.check(name, False, detail, sub=EXPIRED if late else NOT_YET_VALID)
    else:
        report.undecided(name, detail, OUT_OF_BOUNDS_NO_POE)


def certificate_trust(
    report: Report,
    role: str,
    cert: Certificate | None,
    context: ValidationContext,
    judged: Judged,
    extra: tuple[Certificate, ...] = (),
) -> None:
    """`<role> certificate chain` to an anchor, `<role> cert validity` at the judged
    time, and `<role> certificate revocation` when a CRL covers the chain (the chain
    first: without an anchor nothing else about the certificate matters)."""
    if cert is None:
        report.check(f"{role} cert validity", False, "certificate unreadable")
        return
    chain, revocation = validate_chain(
        cert, context.trust, judged.at, proven=judged.proven, extra=extra
    )
    name = f"{role} certificate chain"
    if chain.status == PASSED:
        report.check(name, True, chain.detail)
    elif chain.status == UNDECIDED:
        detail = chain.detail
        if chain.sub == NO_CERTIFICATE_CHAIN_FOUND:
            detail += f"; trust anchors: {context.trust_source}"
        report.undecided(name, detail, chain.sub or NO_CERTIFICATE_CHAIN_FOUND)
    else:
        report.check(name, False, chain.detail, sub=chain.sub)
    inside = cert.valid_at(judged.at)
    detail = (
        f"'{cert.subject}' valid {_day(cert.not_before)} .. {_day(cert.not_after)}; "
        f"{judged.label()} is {'inside' if inside else 'OUTSIDE'} that period"
    )
    if inside:
        report.check(f"{role} cert validity", True, detail)
    else:
        _out_of_bounds(report, f"{role} cert validity", detail, judged, judged.at > cert.not_after)
    if revocation is None:
        if chain.status == PASSED:
            report.info[f"{role.replace(' ', '_')}_revocation"] = (
                "not checked: no CRL of this chain's CAs in the trust store"
            )
        return
    name = f"{role} certificate revocation"
    if revocation.status == PASSED:
        report.check(name, True, revocation.detail)
    elif revocation.status == UNDECIDED:
        report.undecided(name, revocation.detail, revocation.sub or REVOCATION_UNKNOWN)
    else:
        report.check(name, False, revocation.detail, sub=revocation.sub)


# A seal signs thousands of documents: its maker signature is a pure function of the
# bytes, so the last few thousand results are kept (keyed by SM3 of key, signature and
# signed bytes) instead of re-verifying the same seal on every signature.
_MAKER_CACHE: Memo[bytes, tuple[bool, str | None]] = Memo(max_entries=4096)


def _maker_signature(key: SM2PublicKey, signature: bytes, data: bytes) -> tuple[bool, str | None]:
    tag = SM3().update(key.point).update(signature).update(data).digest()
    return _MAKER_CACHE.remember(tag, lambda: verify_sm2(key, signature, data))


def _add_variants(report: Report, keys: tuple[str, ...] | list[str]) -> None:
    for key in keys:
        report.variant(describe(key))


# Every signature a seal makes carries the seal: a burst of signings with one seal asks
# for the same seal report many times a second. The report is a pure function of the
# seal's bytes, the claimed signing time, the trust context and the judged time (to the
# second); callers get a copy.
_SealKey = tuple[bytes, tuple[str, ...], datetime | None, bytes, datetime, str | None]
_SEAL_REPORTS: Memo[_SealKey, Report] = Memo(max_entries=256)


def seal_report(
    seal: SealInfo,
    *,
    claimed: datetime | None = None,
    context: ValidationContext = NO_TRUST,
    judged: Judged | None = None,
) -> Report:
    """The seal's report; `claimed` is the signing time a signature claims for it."""
    judged = judged or judged_time(context)
    source = judged.proof.source if judged.proof else None
    key = (seal.seal_der, seal.variants, claimed, context.key, judged.at, source)
    hit = _SEAL_REPORTS.remember(key, lambda: _seal_report(seal, claimed, context, judged))
    return replace(
        hit, checks=list(hit.checks), variants=list(hit.variants), children=list(hit.children),
        info=dict(hit.info), warnings=list(hit.warnings),
    )  # fmt: skip


def _seal_report(
    seal: SealInfo, claimed: datetime | None, context: ValidationContext, judged: Judged
) -> Report:
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
        judged_at=judged.at.isoformat(),
        proof_of_existence=judged.proof.describe() if judged.proof else None,
    )
    if seal.time_stamp is not None:
        report.info["time_stamp"] = "present; not verified as an RFC 3161 / GB/T 20520 token"
    _add_variants(report, seal.variants)

    maker = _check_seal_maker(report, seal)
    _hub_claim(report, seal, maker, context)
    certificate_trust(report, "seal maker", maker, context, judged)
    claimed_validity(
        report, "seal maker cert validity at seal creation", maker, seal.create_date,
        "seal createDate",
    )  # fmt: skip
    _check_seal_validity(report, seal, claimed, judged)
    return report


def _check_seal_maker(report: Report, seal: SealInfo) -> Certificate | None:
    """The maker's SM2 signature over the stored signed bytes of the seal's layout (the
    structure signed, not the header's claim); returns the maker certificate if readable."""
    maker = _cert(report, "seal maker signature", seal.maker_cert, "maker")
    if maker is None:
        return None
    report.info["maker"] = maker.subject
    layout = MAKER_SIGNED_LAYOUT[seal.layout]
    if seal.sign_alg != OID_SM2_SM3:
        report.check("seal maker signature", False, f"unsupported algorithm {seal.sign_alg}")
        return maker
    ok, variant = _maker_signature(maker.public_key, seal.signature, seal.maker_signed_bytes)
    if variant:
        report.variant(describe(variant))
    report.check(
        "seal maker signature",
        ok,
        f"SM2-with-SM3 over the {layout} "
        + ("verifies" if ok else "does NOT verify")
        + f" with the maker certificate '{maker.subject}'",
    )
    return maker


def _check_seal_validity(
    report: Report, seal: SealInfo, claimed: datetime | None, judged: Judged
) -> None:
    """The validity period is ordered and holds the judged time; a claimed signing time
    outside it is a warning (a claim proves nothing)."""
    ordered = seal.valid_start <= seal.valid_end
    report.check(
        "seal validity period",
        ordered,
        f"validStart {_day(seal.valid_start)} .. validEnd {_day(seal.valid_end)}"
        + ("" if ordered else " (start after end)"),
    )
    if ordered:
        inside = seal.valid_start <= judged.at <= seal.valid_end
        detail = (
            f"{judged.label()} is {'inside' if inside else 'OUTSIDE'} "
            f"{_day(seal.valid_start)} .. {_day(seal.valid_end)}"
        )
        if inside:
            report.check("seal validity", True, detail)
        else:
            _out_of_bounds(report, "seal validity", detail, judged, judged.at > seal.valid_end)
    if claimed is not None and not seal.valid_start <= claimed <= seal.valid_end:
        report.warn(
            "seal validity at signing time",
            f"signing time {_day(claimed)} is OUTSIDE {_day(seal.valid_start)} .. "
            f"{_day(seal.valid_end)} ({CLAIMED_TIME})",
        )


def _hub_claim(
    report: Report, seal: SealInfo, maker: Certificate | None, context: ValidationContext
) -> None:
    """A seal in this hub's namespace, or named like its maker, that the hub did not
    make is a forgery of the hub's seals: TOTAL_FAILED, whatever else verifies."""
    hub = context.hub
    if hub is None:
        return
    claim = hub.claim(seal.esid, maker)
    if claim is None:
        return
    made = hub.made(seal.esid, seal.maker_cert)
    report.check(
        "made by this hub",
        made,
        f"{claim}; its maker certificate "
        + ("is one the hub or the tenant's admitted vendors make seals with" if made
           else "is neither the hub's nor that of a vendor the tenant admits: "
                "this hub did not make this seal"),
        sub=NOT_MADE_BY_THIS_HUB,
    )  # fmt: skip


def verify_seal(
    data: bytes, *, at: datetime | None = None, context: ValidationContext = NO_TRUST
) -> Report:
    """Verify a standalone SES_Seal, judged at the best proof of existence in `context`,
    else at `at` (default: now)."""
    if at is not None:
        context = replace(context, now=at)
    return seal_report(parse_seal(data), context=context)


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


def read_timestamp(sig: SignatureInfo) -> TimestampCheck | str:
    """The checked RFC 3161 token of `SES_Signature.timeStamp` (signature over its stored
    signed attributes, imprint of the signature value), or why there is none usable.
    Its TSA's chain is for the caller to judge."""
    try:
        token = asn1.token_from_time_stamp_field(sig.time_stamp or b"")
    except SealHubError as exc:
        return f"timeStamp is not an RFC 3161 token ({exc.detail})"
    check = check_timestamp_token(token, sig.signature)
    if check.problems or check.gen_time is None:
        return "; ".join(check.problems) or "the token states no time"
    return check


def timestamp_proofs(
    report: Report, sig: SignatureInfo, context: ValidationContext = NO_TRUST
) -> tuple[ProofOfExistence, ...]:
    """The proof of existence the signature carries itself: `SES_Signature.timeStamp`, an
    RFC 3161 / GB/T 20520 TimeStampToken over the signature value.

    It proves the time only when the token's SM2 signature and imprint are good and the
    TSA certificate chains to an anchor and was valid (timeStamping EKU, critical) at the
    token's time; then it is a passed "timestamp" check. A token that is malformed (a
    placeholder, as some vendors write), does not match, or whose TSA is not trusted
    proves nothing: a warning says why, and the signature is judged without it (ETSI EN
    319 102-1: an unusable timestamp is no proof, not a failed signature)."""
    if sig.time_stamp is None:
        return ()
    check = read_timestamp(sig)
    if isinstance(check, str) or check.tsa_cert is None:
        why = check if isinstance(check, str) else "no TSA certificate"
        report.warn("timestamp", f"invalid timestamp: {why}; no proof of existence from it")
        return ()
    assert check.gen_time is not None
    try:
        tsa = Certificate.load(check.tsa_cert)
        extra = tuple(Certificate.load(d) for d in check.certificates if d != check.tsa_cert)
    except CryptoError as exc:
        report.warn("timestamp", f"invalid timestamp: {exc.detail}")
        return ()
    chain, revocation = validate_chain(tsa, context.trust, check.gen_time, proven=True, extra=extra)
    revoked = revocation is not None and revocation.status != PASSED
    if chain.status != PASSED or not tsa.valid_at(check.gen_time) or revoked:
        report.warn(
            "timestamp",
            f"timestamp of {check.gen_time.isoformat()} by "
            f"'{tsa.subject}' not trusted ({chain.detail}); "
            "no proof of existence from it",
        )
        return ()
    report.check(
        "timestamp",
        True,
        f"RFC 3161 token of {check.gen_time.isoformat()} (serial {check.serial:x}) "
        f"over the signature value by '{tsa.subject}', chain: {chain.detail}",
    )
    return (ProofOfExistence(check.gen_time, "timestamp", f"by '{tsa.subject}'"),)


def signature_report(
    sig: SignatureInfo,
    *,
    document_digest: bytes | None = None,
    digest_of: str = "the document",
    context: ValidationContext = NO_TRUST,
) -> Report:
    report = Report(kind="signature", version=sig.version)
    report.info.update(
        signing_time=sig.time.isoformat(),
        property_info=sig.property_info,
        data_hash=sig.data_hash.hex(),
        esid=sig.seal.esid,
        seal_name=sig.seal.name,
    )
    _add_variants(report, sig.variants)
    judged = judged_time(context, timestamp_proofs(report, sig, context))
    report.info.update(
        judged_at=judged.at.isoformat(),
        proof_of_existence=judged.proof.describe() if judged.proof else None,
    )
    report.children.append(seal_report(sig.seal, claimed=sig.time, context=context, judged=judged))

    signer = _check_signer_signature(report, sig)
    _signer_in_cert_list(report, sig)
    certificate_trust(report, "signer", signer, context, judged)
    claimed_validity(
        report, "signer cert validity at signing time", signer, sig.time, "signing time"
    )
    _check_document_digest(report, sig, document_digest, digest_of)
    return report


def _check_signer_signature(report: Report, sig: SignatureInfo) -> Certificate | None:
    """The signer's SM2 signature over the stored TBS_Sign bytes; when it fails, the
    known vendor encodings (SIGNER_PROBES) say what it does verify as, accepted or not.
    Returns the signer certificate if readable."""
    signer = _cert(report, "signer signature", sig.signer_cert, "signer")
    if signer is None:
        return None
    report.info["signer"] = signer.subject
    if sig.sign_alg != OID_SM2_SM3:
        report.check("signer signature", False, f"unsupported algorithm {sig.sign_alg}")
        return signer
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
    return signer


def _check_document_digest(
    report: Report, sig: SignatureInfo, document_digest: bytes | None, digest_of: str
) -> None:
    """dataHash against the SM3 of the document; without the document, undecided."""
    if document_digest is not None:
        same = sig.data_hash == document_digest
        report.check(
            "document digest",
            same,
            f"dataHash {sig.data_hash.hex()[:16]}.. "
            + ("equals" if same else "differs from")
            + f" SM3 of {digest_of} {document_digest.hex()[:16]}..",
        )
    else:
        report.undecided(
            "document digest",
            "not checked: the signed document was not given (a detached signature proves "
            "nothing about a document it is not checked against)",
            SIGNED_DATA_NOT_FOUND,
        )


def verify_signature(
    data: bytes,
    *,
    document_digest: bytes | None = None,
    context: ValidationContext = NO_TRUST,
) -> Report:
    """Verify a detached SES_Signature (and the seal inside it) against the SM3 digest
    of its document when given; without it the verdict is at most INDETERMINATE."""
    return signature_report(parse_signature(data), document_digest=document_digest, context=context)
