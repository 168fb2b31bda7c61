"""Chain building and validation (RFC 5280 §6, judged the ETSI EN 319 102-1 way).

Building (which issuer signed which certificate, up to which anchor) depends only on
the certificates: it is memoized per (leaf, store). Validation at a time (validity,
CRLs, an anchor's end) is cheap and done on every call.

Results, as the verdict model needs them:

* no path to an anchor: INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND;
* an intermediate that is no CA, lacks keyCertSign, or breaks a pathLenConstraint;
  a leaf whose keyUsage forbids signing: INDETERMINATE / CHAIN_CONSTRAINTS_FAILURE;
* an intermediate outside its validity at the time: with a proof of existence
  TOTAL_FAILED / EXPIRED (NOT_YET_VALID), without one INDETERMINATE / OUT_OF_BOUNDS_NO_POE;
* a certificate on its CA's CRL: revoked before the proven time TOTAL_FAILED / REVOKED;
  without a proof INDETERMINATE / REVOKED_NO_POE; a proof before the revocation passes.
  A CRL that does not verify with its CA: INDETERMINATE / REVOCATION_UNKNOWN.

Trust anchors themselves are inputs (RFC 5280 §6.1.1): their own extensions and dates
are not judged, only reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from hub.crypto import Certificate
from hub.errors import CryptoError
from hub.memo import Memo
from hub.pki import verdicts as R
from hub.pki.store import TrustAnchor, TrustStore

MAX_DEPTH = 8
SIGNING_USAGES = frozenset({"digital_signature", "non_repudiation"})


@dataclass(frozen=True)
class ChainOutcome:
    status: str  # report.PASSED | FAILED | UNDECIDED
    sub: str | None
    detail: str
    anchor: TrustAnchor | None = None


@dataclass(frozen=True)
class _Path:
    certs: tuple[Certificate, ...]  # leaf first; the last one is the anchor's certificate
    anchor: TrustAnchor | None
    problem: str | None  # why no path / a constraint broken (building-time facts)
    constraint: bool = False  # problem is a constraint failure, not a missing chain


@lru_cache(maxsize=4096)
def _issued(cert_der: bytes, issuer_der: bytes) -> bool:
    """Did `issuer` sign `cert`? Memoized: the same pairs recur in every verification."""
    try:
        cert, issuer = Certificate.load(cert_der), Certificate.load(issuer_der)
        return cert.signed_by(issuer.public_key)
    except CryptoError:
        return False


_PATHS: Memo[tuple[bytes, bytes, tuple[bytes, ...]], _Path] = Memo(max_entries=2048)


def build_path(leaf: Certificate, store: TrustStore, extra: tuple[Certificate, ...] = ()) -> _Path:
    key = (leaf.der, store.key, tuple(c.der for c in extra))
    return _PATHS.remember(key, lambda: _build(leaf, store, extra))


def _build(leaf: Certificate, store: TrustStore, extra: tuple[Certificate, ...]) -> _Path:
    pinned = store.pinned.get(leaf.der) or store.cas.get(leaf.der)
    if pinned is not None:
        return _Path((leaf,), pinned, None)
    pool: dict[bytes, list[Certificate]] = {}
    for cert in extra:
        pool.setdefault(cert.subject_name_der, []).append(cert)
    certs = [leaf]
    current = leaf
    for _ in range(MAX_DEPTH):
        candidates = store.by_subject.get(current.issuer_name_der, []) + pool.get(
            current.issuer_name_der, []
        )
        issuer = next(
            (c for c in candidates if c.der != current.der and _issued(current.der, c.der)), None
        )
        if issuer is None:
            why = f"no trusted issuer for '{current.subject}' (issuer '{current.issuer}')"
            if current.self_issued:
                why = f"'{current.subject}' is self-signed and not a trust anchor"
            return _Path(tuple(certs), None, why)
        certs.append(issuer)
        anchor = store.cas.get(issuer.der)
        if anchor is not None:
            problem = _constraints(tuple(certs))
            return _Path(tuple(certs), anchor, problem, constraint=problem is not None)
        current = issuer
    return _Path(tuple(certs), None, "chain longer than 8 certificates")


def _constraints(certs: tuple[Certificate, ...]) -> str | None:
    """basicConstraints, keyUsage and pathLen of the intermediates, keyUsage of the leaf."""
    leaf = certs[0]
    try:
        usage = leaf.key_usage
    except CryptoError as exc:
        return f"'{leaf.subject}': {exc.detail}"
    if usage is not None and not usage & SIGNING_USAGES:
        return f"'{leaf.subject}' keyUsage {sorted(usage)} allows no signing"
    # certs[1:-1] are intermediates (the last is the anchor, judged as input only).
    for depth, ca in enumerate(certs[1:-1]):
        try:
            if not ca.is_ca:
                return f"intermediate '{ca.subject}' is not a CA (basicConstraints)"
            ca_usage = ca.key_usage
            path_len = ca.path_len
        except CryptoError as exc:
            return f"intermediate '{ca.subject}': {exc.detail}"
        if ca_usage is not None and "key_cert_sign" not in ca_usage:
            return f"intermediate '{ca.subject}' keyUsage lacks keyCertSign"
        below = sum(1 for c in certs[1 : depth + 1] if not c.self_issued)
        if path_len is not None and below > path_len:
            return f"intermediate '{ca.subject}' pathLenConstraint {path_len} exceeded"
    return None


def _day(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%SZ")


def validate(
    leaf: Certificate,
    store: TrustStore,
    at: datetime,
    *,
    proven: bool,
    extra: tuple[Certificate, ...] = (),
) -> tuple[ChainOutcome, ChainOutcome | None]:
    """(chain outcome, revocation outcome or None when no CRL covers the chain)."""
    path = build_path(leaf, store, extra)
    if path.anchor is None:
        return ChainOutcome(R.UNDECIDED, R.NO_CERTIFICATE_CHAIN_FOUND, path.problem or ""), None
    if path.problem is not None:
        return (
            ChainOutcome(R.UNDECIDED, R.CHAIN_CONSTRAINTS_FAILURE, path.problem, path.anchor),
            None,
        )
    anchor = path.anchor
    names = " -> ".join(f"'{c.subject}'" for c in path.certs[:-1]) or f"'{leaf.subject}'"
    trusted = "pinned certificate" if anchor.kind == "maker" else "CA"
    where = f"{names} to trusted {trusted} '{anchor.cert.subject}' ({anchor.source})"
    if anchor.until is not None and at > anchor.until:
        detail = f"{where}: trusted only until {_day(anchor.until)}, judged at {_day(at)}"
        return (
            ChainOutcome(R.FAILED if proven else R.UNDECIDED,
                         R.REVOKED if proven else R.REVOKED_NO_POE, detail, anchor),
            None,
        )  # fmt: skip
    for ca in path.certs[1:-1]:
        if not ca.valid_at(at):
            late = at > ca.not_after
            sub = (R.EXPIRED if late else R.NOT_YET_VALID) if proven else R.OUT_OF_BOUNDS_NO_POE
            detail = (f"{where}: intermediate '{ca.subject}' valid {_day(ca.not_before)} .. "
                      f"{_day(ca.not_after)}, not at {_day(at)}")  # fmt: skip
            return ChainOutcome(R.FAILED if proven else R.UNDECIDED, sub, detail, anchor), None
    return ChainOutcome(R.PASSED, None, where, anchor), _revocation(path, store, at, proven)


def _revocation(path: _Path, store: TrustStore, at: datetime, proven: bool) -> ChainOutcome | None:
    checked: list[str] = []
    for cert, issuer in zip(path.certs, path.certs[1:], strict=False):
        lists = store.crls_for(issuer)
        if not lists:
            continue
        good = [c for c in lists if c.signed_by(issuer)]
        if not good:
            return ChainOutcome(
                R.UNDECIDED,
                R.REVOCATION_UNKNOWN,
                f"the CRL of '{issuer.subject}' does not verify with its key",
            )
        latest = max(good, key=lambda c: c.this_update)
        entry = latest.revoked.get(cert.serial_number)
        if entry is not None:
            detail = (
                f"'{cert.subject}' (serial {cert.serial_number:x}) revoked "
                f"{_day(entry.at)} ({entry.reason}) on the CRL of '{issuer.subject}'"
            )
            if not proven:
                return ChainOutcome(
                    R.UNDECIDED, R.REVOKED_NO_POE, detail + "; no proof the signing came before"
                )
            if entry.at <= at:
                return ChainOutcome(R.FAILED, R.REVOKED, detail + f", before {_day(at)}")
            checked.append(detail + f", after the proven time {_day(at)}")
            continue
        stale = " (past its nextUpdate)" if latest.stale_at(at) else ""
        checked.append(
            f"'{cert.subject}' not on the CRL of '{issuer.subject}' "
            f"of {_day(latest.this_update)}{stale}"
        )
    if not checked:
        return None
    return ChainOutcome(R.PASSED, None, "; ".join(checked))
