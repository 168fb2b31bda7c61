"""Evidence packages (出证): one JSON document that proves a signing offline, no database.

Format, version 1 (every key required unless marked optional)::

    {
      "version": 1,
      "origin": "<log origin, = the checkpoint's first line>",
      "log_public_key": "<PEM SubjectPublicKeyInfo of the SM2 log key>",
      "checkpoint": {"text": "<C2SP checkpoint>", "signature": "<base64 DER SM2>"},
      "entries": [                                  # the signature entry (+ approval entry)
        {"index": 12, "leaf": "<base64 leaf bytes>",
         "inclusion_proof": ["<base64 32-byte hash>", ...],     # RFC 9162 PATH
         "event": {...}}                            # the leaf decoded (events.py)
      ],
      "ses_signature": "<base64 DER SES_Signature>",
      "document_sm3": "<hex SM3 of the signed document>",
      "approval": {"index": 11, "leaf_hash": "<hex>"},   # optional: when one was needed
      "crls": ["<base64 DER X.509 CRL>", ...],           # optional: the hub CA's CRL
      "ca_certs": ["<base64 DER certificate>", ...],     # optional: chain material
      "cosignatures": ["— <witness> <base64>\n", ...],  # optional: C2SP cosignature
                                                          # lines on the checkpoint
      "disclosure": {"signer_account_id": "..", "use_request_id": "..",   # optional, for
                     "approver_account_id": "..", "purpose": ".."}        # the entitled
    }

The CRLs and CA certificates are material, not trust: a CRL counts only if it verifies
with a CA the verifier trusts, and the certificates are never anchors. The signature is
judged (hub.trust) at its earliest proof of existence: the time its signature.made entry
was logged when the log key is pinned (log inclusion), a pinned witness's cosignature of
the checkpoint, or the RFC 3161 token in the SES_Signature; else at the validation time.

Disclosure (hub.evidence.who): the clear values behind the leaves' pseudonyms and purpose
commitment; each is recomputed and must match the proven signature (and approval) entry.

Witnesses (hub.evidence.note, hub.evidence.witness): with `witness_keys` pinned and a
`quorum`, the checkpoint must carry valid cosignatures from at least `quorum` distinct
pinned witnesses, else the package fails ("witness quorum"). An inclusion proof against
a checkpoint cosigned by a pinned witness at time t proves the entry existed at t:
`info["proofs_of_existence"]` lists such times with their source (also the RFC 3161
token in the SES_Signature, when it verifies), for the verifier to judge validity at.

`verify_package` checks, each a named line of the report: the package shape; the log key;
the checkpoint signature and origin; for every entry that its event is exactly its leaf
and that its inclusion proof leads to the checkpoint root; that a ``signature.made`` entry
names this SES_Signature and document; the SES_Signature over ``document_sm3`` and its
seal (hub.formats); and, with an approval, that the approval entry is a
``use_request.approved`` for the same document, logged *before* the signature entry, and
that its leaf hash is inside the signed TBS_Sign (extData `OID_APPROVAL_LEAF_HASH`) and in
the signature event. Unknown keys are rejected: nothing in a package goes unchecked.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from hub.crypto import Certificate, SM2PublicKey, sm3
from hub.errors import SealHubError
from hub.evidence.checkpoint import Checkpoint, SignedCheckpoint, verify_checkpoint
from hub.evidence.events import (
    LEGACY_APPROVAL_OIDS,
    OID_APPROVAL_LEAF_HASH,
    Event,
    EventType,
    canonical_json,
)
from hub.evidence.merkle import HashStore, inclusion_proof, leaf_hash, verify_inclusion
from hub.evidence.note import NoteVerifier, parse_signature_line, verify_cosignature
from hub.evidence.who import account_pseudonym, purpose_commitment
from hub.formats import Report, parse_signature, verify_signature
from hub.formats.verify import read_timestamp
from hub.pki.crl import parse_crl
from hub.pki.store import NO_TRUST, ProofOfExistence, TrustStore, ValidationContext

PACKAGE_VERSION = 1
MAX_ENTRIES = 16
MAX_PROOF = 64  # a tree of 2**64 leaves is far beyond any log
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TOP_KEYS = {
    "version",
    "origin",
    "log_public_key",
    "checkpoint",
    "entries",
    "ses_signature",
    "document_sm3",
}
_OPTIONAL_KEYS = {"approval", "crls", "ca_certs", "cosignatures", "disclosure"}
_DISCLOSURE_KEYS = {"signer_account_id", "use_request_id", "approver_account_id", "purpose"}
_ENTRY_KEYS = {"index", "leaf", "inclusion_proof", "event"}
MAX_COSIGNATURES = 64


@dataclass(frozen=True)
class PackageEntry:
    index: int
    leaf: bytes
    inclusion_proof: Sequence[bytes]

    @classmethod
    def from_store(cls, store: HashStore, index: int, leaf: bytes, tree_size: int) -> PackageEntry:
        if leaf_hash(leaf) != store.get_node(0, index):
            raise ValueError(f"leaf bytes do not match log entry {index}")
        return cls(index, leaf, inclusion_proof(store, index, tree_size))

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "leaf": base64.b64encode(self.leaf).decode(),
            "inclusion_proof": [base64.b64encode(h).decode() for h in self.inclusion_proof],
            "event": Event.decode(self.leaf).to_json(),
        }


def build_package(
    *,
    log_public_key: SM2PublicKey,
    checkpoint: SignedCheckpoint,
    signature_entry: PackageEntry,
    ses_signature: bytes,
    document_sm3: bytes,
    approval_entry: PackageEntry | None = None,
    crls: Sequence[bytes] = (),
    ca_certs: Sequence[bytes] = (),
    cosignatures: Sequence[str] | None = None,
    disclosure: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The package as a JSON-ready dict. Pure: proofs come from the caller's log."""
    origin = Checkpoint.parse(checkpoint.text).origin
    entries = [e for e in (approval_entry, signature_entry) if e is not None]
    package: dict[str, Any] = {
        "version": PACKAGE_VERSION,
        "origin": origin,
        "log_public_key": log_public_key.to_pem().decode(),
        "checkpoint": checkpoint.to_dict(),
        "entries": [e.to_dict() for e in entries],
        "ses_signature": base64.b64encode(ses_signature).decode(),
        "document_sm3": document_sm3.hex(),
    }
    if approval_entry is not None:
        package["approval"] = {
            "index": approval_entry.index,
            "leaf_hash": leaf_hash(approval_entry.leaf).hex(),
        }
    if crls:
        package["crls"] = [base64.b64encode(c).decode() for c in crls]
    if ca_certs:
        package["ca_certs"] = [base64.b64encode(c).decode() for c in ca_certs]
    if cosignatures is not None:
        package["cosignatures"] = list(cosignatures)
    if disclosure:
        package["disclosure"] = {k: v for k, v in disclosure.items() if v is not None}
    return package


# --- verification --------------------------------------------------------------------------


class _Malformed(Exception):
    pass


def _b64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise _Malformed(f"{what} must be a base64 string")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _Malformed(f"{what} is not standard base64") from exc
    if base64.b64encode(raw).decode() != value:  # e.g. non-zero padding bits
        raise _Malformed(f"{what} is not canonical base64")
    return raw


def _int(value: object, what: str) -> int:
    if type(value) is not int or value < 0:
        raise _Malformed(f"{what} must be a non-negative integer")
    return value


def _hex32(value: object, what: str) -> bytes:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise _Malformed(f"{what} must be 64 lowercase hex digits")
    return bytes.fromhex(value)


@dataclass(frozen=True)
class _Entry:
    index: int
    leaf: bytes
    proof: list[bytes]
    event_json: object


@dataclass(frozen=True)
class _Parsed:
    origin: str
    pem: str
    cp_text: str
    cp_signature: str
    entries: list[_Entry]
    ses_signature: bytes
    document_sm3: bytes
    approval: tuple[int, bytes] | None
    crls: list[bytes]
    ca_certs: list[bytes]
    cosignatures: list[str] | None = None
    disclosure: dict[str, str] | None = None


def _parse(obj: object) -> _Parsed:
    """The package read strictly; the first defect found raises `_Malformed` (checked in
    a fixed order, so a package always gets the same message)."""
    pkg = _package_object(obj)
    material = {key: _material(pkg, key) for key in ("crls", "ca_certs")}
    if type(pkg["version"]) is not int or pkg["version"] != PACKAGE_VERSION:
        raise _Malformed(f"unsupported package version {pkg['version']!r}")
    cp = _checkpoint(pkg["checkpoint"])
    if not isinstance(pkg["origin"], str) or not isinstance(pkg["log_public_key"], str):
        raise _Malformed("origin and log_public_key must be strings")
    entries = _entries(pkg["entries"])
    approval = _approval(pkg)
    cosignatures = _cosignatures(pkg)
    disclosure = _disclosure(pkg)
    return _Parsed(
        origin=pkg["origin"],
        pem=pkg["log_public_key"],
        cp_text=cp["text"],
        cp_signature=cp["signature"],
        entries=entries,
        ses_signature=_b64(pkg["ses_signature"], "ses_signature"),
        document_sm3=_hex32(pkg["document_sm3"], "document_sm3"),
        approval=approval,
        crls=material["crls"],
        ca_certs=material["ca_certs"],
        cosignatures=cosignatures,
        disclosure=disclosure,
    )


def _package_object(obj: object) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise _Malformed("package must be a JSON object")
    keys = set(obj)
    if not keys >= _TOP_KEYS or keys - _TOP_KEYS - _OPTIONAL_KEYS:
        raise _Malformed(
            f"package keys must be {sorted(_TOP_KEYS)} (+ "
            f"{', '.join(sorted(_OPTIONAL_KEYS))}), got {sorted(keys)}"
        )
    return obj


def _material(pkg: dict[str, Any], key: str) -> list[bytes]:
    """The DER blobs (CRLs or CA certificates) the package brings along."""
    values = pkg.get(key, [])
    if not isinstance(values, list) or len(values) > MAX_ENTRIES:
        raise _Malformed(f"{key} must be a list of <= {MAX_ENTRIES}")
    return [_b64(v, key) for v in values]


def _checkpoint(cp: object) -> dict[str, str]:
    if (
        not isinstance(cp, dict)
        or set(cp) != {"text", "signature"}
        or not all(isinstance(v, str) for v in cp.values())
    ):
        raise _Malformed("checkpoint must be {text, signature} strings")
    return cp


def _entries(raw_entries: object) -> list[_Entry]:
    if not isinstance(raw_entries, list) or not 1 <= len(raw_entries) <= MAX_ENTRIES:
        raise _Malformed(f"entries must be a list of 1..{MAX_ENTRIES}")
    entries = [_entry(n, e) for n, e in enumerate(raw_entries)]
    if len({e.index for e in entries}) != len(entries):
        raise _Malformed("entries repeat an index")
    return entries


def _entry(n: int, e: object) -> _Entry:
    if not isinstance(e, dict) or set(e) != _ENTRY_KEYS:
        raise _Malformed(f"entries[{n}] keys must be {sorted(_ENTRY_KEYS)}")
    proof = e["inclusion_proof"]
    if not isinstance(proof, list) or len(proof) > MAX_PROOF:
        raise _Malformed(f"entries[{n}].inclusion_proof must be a list of <= {MAX_PROOF}")
    return _Entry(
        _int(e["index"], f"entries[{n}].index"),
        _b64(e["leaf"], f"entries[{n}].leaf"),
        [_b64(h, f"entries[{n}].inclusion_proof") for h in proof],
        e["event"],
    )


def _approval(pkg: dict[str, Any]) -> tuple[int, bytes] | None:
    """The approval entry's (index, leaf hash): optional, but never null."""
    if pkg.get("approval") is not None:
        a = pkg["approval"]
        if not isinstance(a, dict) or set(a) != {"index", "leaf_hash"}:
            raise _Malformed("approval must be {index, leaf_hash}")
        return (
            _int(a["index"], "approval.index"),
            _hex32(a["leaf_hash"], "approval.leaf_hash"),
        )
    if "approval" in pkg:
        raise _Malformed("approval must be omitted, not null")
    return None


def _cosignatures(pkg: dict[str, Any]) -> list[str] | None:
    if "cosignatures" not in pkg:
        return None
    cosignatures = pkg["cosignatures"]
    if (
        not isinstance(cosignatures, list)
        or len(cosignatures) > MAX_COSIGNATURES
        or not all(isinstance(line, str) for line in cosignatures)
    ):
        raise _Malformed(f"cosignatures must be a list of <= {MAX_COSIGNATURES} strings")
    return cosignatures


def _disclosure(pkg: dict[str, Any]) -> dict[str, str] | None:
    disclosure = pkg.get("disclosure")
    if "disclosure" in pkg and (
        not isinstance(disclosure, dict)
        or not set(disclosure) <= _DISCLOSURE_KEYS
        or "signer_account_id" not in disclosure
        or not all(isinstance(v, str) and 0 < len(v) <= 1000 for v in disclosure.values())
    ):
        raise _Malformed(
            f"disclosure must map some of {sorted(_DISCLOSURE_KEYS)} "
            "(signer_account_id required) to strings"
        )
    return disclosure


def verify_package(
    obj: dict[str, Any],
    *,
    log_public_key: SM2PublicKey | None = None,
    context: ValidationContext | None = None,
    witness_keys: Sequence[NoteVerifier] = (),
    quorum: int = 0,
) -> Report:
    """Verify an evidence package offline. Never raises for bad input: reports it.

    A package carries its own log key, so on its own it proves consistency, not origin:
    pass the hub's published key as `log_public_key` to pin it (the report's
    info.log_key_sm3 is the fingerprint to compare otherwise). `witness_keys` and
    `quorum`: how many of those pinned witnesses must have cosigned the checkpoint.
    """
    report = Report(kind="evidence", version=obj.get("version") if isinstance(obj, dict) else None)
    try:
        pkg = _parse(obj)
    except _Malformed as exc:
        report.check("package format", False, str(exc))
        return report
    report.check("package format", True, f"version {PACKAGE_VERSION}, {len(pkg.entries)} entries")
    report.info.update(origin=pkg.origin, document_sm3=pkg.document_sm3.hex())

    pinned = log_public_key
    if pinned is None and context is not None:
        pinned = _context_log_key(pkg, context)
    checkpoint = _check_log(report, pkg, pinned)
    events = _check_entries(report, pkg, checkpoint)
    sig_entry = _check_signature_entry(report, pkg, events)
    proofs: tuple[ProofOfExistence, ...] = ()
    if sig_entry is not None and pinned is not None and checkpoint is not None:
        # The entry is proven in the log under a checkpoint signed by the pinned hub key:
        # the hub logged this signature at the event's time, a proof of its existence.
        proofs = (
            ProofOfExistence(
                sig_entry[1].time, "log-inclusion", f"entry {sig_entry[0]} of log {pkg.origin}"
            ),
        )
    signature_info = _check_signature(report, pkg, _with_material(context, pkg, proofs))
    _check_approval(report, pkg, events, sig_entry, signature_info)
    _check_disclosure(report, pkg, events, sig_entry)
    existence = _check_cosignatures(report, pkg, checkpoint, witness_keys, quorum)
    existence += _signature_timestamp(signature_info)
    report.info["proofs_of_existence"] = existence
    return report


def _context_log_key(pkg: _Parsed, context: ValidationContext) -> SM2PublicKey | None:
    """The package's log key, if the verifier knows it as the hub's (status list)."""
    try:
        key = SM2PublicKey.from_pem(pkg.pem.encode())
    except (SealHubError, ValueError):
        return None
    return key if key.point in context.log_keys else None


def _with_material(
    context: ValidationContext | None, pkg: _Parsed, proofs: tuple[ProofOfExistence, ...]
) -> ValidationContext:
    context = context or NO_TRUST
    crls = []
    for der in pkg.crls:
        try:
            crls.append(parse_crl(der, "package CRL"))
        except SealHubError:
            continue  # an unreadable CRL adds nothing; revocation stays as the store has it
    certs = []
    for der in pkg.ca_certs:
        try:
            certs.append(Certificate.load(der))
        except SealHubError:
            continue
    trust = context.trust.merged(TrustStore(intermediates=certs, crls=crls))
    return replace(context, trust=trust, proofs=context.proofs + proofs)


def _check_disclosure(
    report: Report,
    pkg: _Parsed,
    events: dict[int, Event],
    sig_entry: tuple[int, Event] | None,
) -> None:
    """The disclosed who-and-why must be what the proven leaves commit to."""
    if pkg.disclosure is None:
        return
    d = pkg.disclosure
    report.info["who_and_why"] = dict(d)
    if sig_entry is None:
        report.check("who and why", False, "no proven signature entry to match against")
        return
    event = sig_entry[1]
    tenant = event.tenant
    wrong: list[str] = []
    if event.digests.get("signer_hash") != account_pseudonym(tenant, d["signer_account_id"]):
        wrong.append("signer")
    use_request = d.get("use_request_id")
    if use_request is not None and event.subject.get("use_request_id") != use_request:
        wrong.append("use request")
    approver = d.get("approver_account_id")
    if approver is not None and event.digests.get("approver_hash") != account_pseudonym(
        tenant, approver
    ):
        wrong.append("approver")
    purpose = d.get("purpose")
    if purpose is not None and (
        use_request is None
        or event.digests.get("purpose_sm3") != purpose_commitment(use_request, purpose)
    ):
        wrong.append("purpose")
    approval = events.get(pkg.approval[0]) if pkg.approval else None
    if approval is not None:
        if approver is not None and approval.digests.get("decided_by_hash") != account_pseudonym(
            tenant, approver
        ):
            wrong.append("approval entry's decider")
        if approval.digests.get("requester_hash") not in (
            None,
            account_pseudonym(tenant, d["signer_account_id"]),
        ):
            wrong.append("approval entry's requester")
    report.check(
        "who and why",
        not wrong,
        f"disclosed {_disclosed(d)} match the proven entries' pseudonyms and commitment"
        if not wrong
        else "disclosure does NOT match the entries: " + ", ".join(wrong),
    )


def _disclosed(d: dict[str, str]) -> str:
    """What a disclosure shows, named as the report names it, in a fixed order."""
    fields = {
        "signer": "signer_account_id",
        "use request": "use_request_id",
        "approver": "approver_account_id",
        "purpose": "purpose",
    }
    return ", ".join(name for name, key in fields.items() if key in d)


def _check_cosignatures(
    report: Report,
    pkg: _Parsed,
    checkpoint: Checkpoint | None,
    witness_keys: Sequence[NoteVerifier],
    quorum: int,
) -> list[dict[str, Any]]:
    """Cosignatures by pinned witnesses; the quorum check when one is asked for."""
    lines = pkg.cosignatures or []
    if not witness_keys and not quorum:
        if lines:
            report.info["cosignatures"] = len(lines)
        return []
    existence: list[dict[str, Any]] = []
    witnessed: dict[str, int] = {}
    if checkpoint is not None:
        for line in lines:
            try:
                sig = parse_signature_line(line)
            except SealHubError:
                continue
            for verifier in witness_keys:
                when = verify_cosignature(sig, pkg.cp_text, verifier)
                if when is not None and verifier.name not in witnessed:
                    witnessed[verifier.name] = when
    for name, when in sorted(witnessed.items()):
        existence.append(
            {
                "time": datetime.fromtimestamp(when, UTC).isoformat(),
                "source": f"checkpoint of tree size {checkpoint.size if checkpoint else '?'} "
                f"cosigned by witness {name}: the entries proven against it existed "
                "by then",
            }
        )
    ok = len(witnessed) >= quorum
    report.check(
        "witness quorum",
        ok,
        f"{len(witnessed)} of {len(witness_keys)} pinned witnesses cosigned the "
        f"checkpoint ({', '.join(sorted(witnessed)) or 'none'}); quorum {quorum}",
    )
    return existence


def _signature_timestamp(signature_info: Any) -> list[dict[str, Any]]:
    """The SES_Signature's RFC 3161 token as a proof of existence, when it checks out
    (signature and imprint; its TSA chain is the signature verifier's to judge)."""
    if signature_info is None or signature_info.time_stamp is None:
        return []

    check = read_timestamp(signature_info)
    if isinstance(check, str) or check.gen_time is None:
        return []
    return [
        {
            "time": check.gen_time.isoformat(),
            "source": f"RFC 3161 time-stamp token over the signature value (serial "
            f"{check.serial:x}, TSA certificate SM3 "
            f"{sm3(check.tsa_cert or b'').hex()[:16]}..)",
        }
    ]


def _check_log(report: Report, pkg: _Parsed, pinned: SM2PublicKey | None) -> Checkpoint | None:
    try:
        key = SM2PublicKey.from_pem(pkg.pem.encode())
    except SealHubError as exc:
        report.check("log public key", False, exc.detail)
        report.check("checkpoint signature", False, "no usable log key")
        return None
    if key.to_pem().decode() != pkg.pem:  # one spelling only: no byte can change silently
        report.check("log public key", False, "PEM is not in canonical form")
        report.check("checkpoint signature", False, "no usable log key")
        return None
    fingerprint = sm3(key.to_der()).hex()
    report.info["log_key_sm3"] = fingerprint
    if pinned is None:
        report.check(
            "log public key",
            True,
            f"SM2 key, SM3 fingerprint {fingerprint} (not pinned: compare it with "
            "the hub's published log key)",
        )
    else:
        same = key == pinned
        report.check(
            "log public key",
            same,
            "is the pinned hub log key"
            if same
            else f"SM3 fingerprint {fingerprint} is NOT the pinned hub log key",
        )
    try:
        checkpoint = verify_checkpoint(pkg.cp_text, pkg.cp_signature, key)
    except SealHubError as exc:
        report.check("checkpoint signature", False, exc.detail)
        return None
    report.check("checkpoint signature", True, f"tree size {checkpoint.size} signed by the log key")
    report.info["tree_size"] = checkpoint.size
    report.check(
        "checkpoint origin",
        checkpoint.origin == pkg.origin,
        f"checkpoint origin {checkpoint.origin!r}, package origin {pkg.origin!r}",
    )
    return checkpoint


def _check_entries(report: Report, pkg: _Parsed, checkpoint: Checkpoint | None) -> dict[int, Event]:
    """Entries whose event is their leaf and whose proof leads to the signed root."""
    events: dict[int, Event] = {}
    for entry in pkg.entries:
        name = f"entry {entry.index}"
        try:
            event = Event.decode(entry.leaf)
            same = canonical_json(entry.event_json) == entry.leaf
        except SealHubError as exc:
            report.check(f"{name} event", False, f"leaf is not a canonical event: {exc.detail}")
            continue
        report.check(
            f"{name} event",
            same,
            f"{event.type.value}, decoded event "
            + ("is exactly the leaf" if same else "differs from the leaf"),
        )
        if checkpoint is None:
            report.check(f"{name} inclusion proof", False, "no verified checkpoint to prove it")
            continue
        included = verify_inclusion(
            leaf_hash(entry.leaf), entry.index, checkpoint.size, entry.proof, checkpoint.root_hash
        )
        report.check(
            f"{name} inclusion proof",
            included,
            f"RFC 9162 path of {len(entry.proof)} hashes "
            + ("leads" if included else "does NOT lead")
            + f" to the root of tree size {checkpoint.size}",
        )
        if same and included:
            events[entry.index] = event
    return events


def _summary(report: Report, name: str, checks: list[Any], passed: str) -> None:
    """One line standing for a part's checks: failed if one failed, undecided if one
    could not be decided (with its sub-indication), else passed."""
    failed = [c for c in checks if c.status == "failed"]
    undecided = [c for c in checks if c.status == "indeterminate"]
    if failed:
        report.check(
            name,
            False,
            "failing: " + ", ".join(c.name for c in failed),
            sub=failed[0].sub_indication,
        )
    elif undecided:
        report.undecided(
            name,
            "not decided: " + ", ".join(c.name for c in undecided),
            undecided[0].sub_indication or "FORMAT_FAILURE",
        )
    else:
        report.check(name, True, passed)


def _check_signature(report: Report, pkg: _Parsed, context: ValidationContext) -> Any:
    try:
        child = verify_signature(
            pkg.ses_signature, document_digest=pkg.document_sm3, context=context
        )
        info = parse_signature(pkg.ses_signature)
    except SealHubError as exc:
        report.check("ses signature", False, f"not a readable SES_Signature: {exc.detail}")
        report.check("document digest", False, "no readable signature")
        report.check("seal", False, "no readable signature")
        return None
    report.children.append(child)
    own = [c for c in child.checks if c.name != "document digest"]
    _summary(
        report, "ses signature", own, "signer signature, certificate chain and validity verify"
    )
    digest = [c for c in child.checks if c.name == "document digest"]
    report.check(
        "document digest",
        bool(digest) and digest[0].ok,
        digest[0].detail if digest else "not checked",
    )
    seals = [c for c in child.children if c.kind == "seal"]
    if seals:
        _summary(
            report,
            "seal",
            seals[0].checks,
            "seal maker signature, certificate chain and validity verify",
        )
    else:
        report.check("seal", False, "no seal in the signature")
    return info


def _check_signature_entry(
    report: Report, pkg: _Parsed, events: dict[int, Event]
) -> tuple[int, Event] | None:
    ses_sm3 = sm3(pkg.ses_signature).hex()
    for index, event in sorted(events.items()):
        if (
            event.type is EventType.SIGNATURE_MADE
            and event.digests.get("ses_signature_sm3") == ses_sm3
        ):
            same_doc = event.digests.get("document_sm3") == pkg.document_sm3.hex()
            report.check(
                "signature entry",
                same_doc,
                f"entry {index} logs this SES_Signature"
                + ("" if same_doc else " but for another document"),
            )
            return (index, event) if same_doc else None
    report.check(
        "signature entry",
        False,
        f"no proven signature.made entry names this SES_Signature (SM3 {ses_sm3[:16]}..)",
    )
    return None


def _check_approval(
    report: Report,
    pkg: _Parsed,
    events: dict[int, Event],
    sig_entry: tuple[int, Event] | None,
    signature_info: Any,
) -> None:
    bound, bound_oid = _approval_in_signature(report, signature_info)
    event_bound = sig_entry[1].digests.get("approval_leaf_hash") if sig_entry else None
    if pkg.approval is None:
        unexpected = bound is not None or event_bound is not None
        report.check(
            "approval",
            not unexpected,
            "the signature names an approval the package does not carry"
            if unexpected
            else "no approval recorded for this signing",
        )
        return
    index, claimed = pkg.approval
    _check_approval_entry(report, pkg, events.get(index), index, claimed)
    _check_approval_first(report, index, sig_entry)
    in_tbs = bound == claimed
    in_event = event_bound == claimed.hex()
    report.check(
        "approval bound in signature",
        in_tbs and in_event,
        f"TBS_Sign extData {bound_oid} "
        + ("carries" if in_tbs else "does NOT carry")
        + " the approval leaf hash; signature event "
        + ("carries" if in_event else "does NOT carry")
        + " it",
    )


def _approval_in_signature(report: Report, signature_info: Any) -> tuple[Any, str]:
    """The approval leaf hash the signed TBS_Sign carries, and under which extData OID
    (a legacy OID is reported as a variant)."""
    bound, bound_oid = None, OID_APPROVAL_LEAF_HASH
    if signature_info is not None:
        for oid in (OID_APPROVAL_LEAF_HASH, *LEGACY_APPROVAL_OIDS):
            values = [v for o, _crit, v in signature_info.ext_datas if o == oid]
            if values:
                bound, bound_oid = values[0], oid
                break
        if bound_oid in LEGACY_APPROVAL_OIDS:
            report.variant(
                f"approval leaf hash under {bound_oid}: {LEGACY_APPROVAL_OIDS[bound_oid]}"
            )
    return bound, bound_oid


def _check_approval_entry(
    report: Report, pkg: _Parsed, event: Event | None, index: int, claimed: bytes
) -> None:
    ok = (
        event is not None
        and event.type is EventType.USE_REQUEST_APPROVED
        and event.leaf_hash == claimed
        and event.digests.get("document_sm3") == pkg.document_sm3.hex()
    )
    report.check(
        "approval entry",
        ok,
        f"entry {index} is a proven use_request.approved for this document"
        if ok
        else f"entry {index} is not a proven approval of this document with that hash",
    )


def _check_approval_first(report: Report, index: int, sig_entry: tuple[int, Event] | None) -> None:
    if sig_entry is None:
        report.check("approval before signing", False, "no proven signature entry")
        return
    before = index < sig_entry[0]
    report.check(
        "approval before signing",
        before,
        f"approval entry {index} "
        + ("precedes" if before else "does NOT precede")
        + f" signature entry {sig_entry[0]}",
    )
