"""Evidence-log events and their canonical leaf encoding.

Leaf bytes (what the Merkle leaf hash covers) are *canonical JSON*, version 1:

* one JSON object with exactly the keys ``v`` (1), ``type``, ``tenant``, ``time``,
  ``subject``, ``digests``, ``details``;
* keys sorted (code point order) at every level, no whitespace (separators ``,`` ``:``),
  UTF-8, non-ASCII written as itself (``ensure_ascii=False``), JSON's own escapes for
  ``"`` ``\\`` and control characters;
* ``time``: UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always six fraction digits);
* ``subject``: opaque ids of what the event is about (``seal_id``, ``esid``,
  ``use_request_id``, ``signature_id``, ``vendor``, ``account_id`` ...), string values;
* ``digests``: SM3 digests, lowercase hex (``document_sm3``, ``ses_signature_sm3``,
  ``seal_sm3``, ``approval_leaf_hash`` ...);
* ``details``: small scalars only (string, integer, boolean, null): statuses, reason codes;
* no floats anywhere (their text form is not canonical), no personal data (names, ID
  numbers, phone numbers): proofs and checkpoints are public, and leaves reach anyone
  who gets an evidence package.

`Event.decode` accepts only bytes that re-encode to themselves, so a leaf has exactly one
meaning and two different byte strings never decode to the same event.

Approval bound into a signature: a signing that needed an approved use request carries
the approval entry's *leaf hash* in ``TBS_Sign.extDatas`` under `OID_APPROVAL_LEAF_HASH`
(non-critical, extnValue = the 32 raw hash bytes), and the ``signature.made`` event
carries it as ``digests.approval_leaf_hash``. SealHub's OID arc is `SEALHUB_OID_ARC`, a
UUID-derived OID (ITU-T X.667, ``2.25.<uuid as integer>``), which needs no registration
and cannot collide with anyone's arc (uuid ca26435e-0f5d-4842-8715-03d2ca44eb01).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from hub.errors import FormatError
from hub.evidence.merkle import leaf_hash

LEAF_VERSION = 1

SEALHUB_OID_ARC = "2.25.268702728802823097265369225693015370497"
OID_EVIDENCE_ARC = SEALHUB_OID_ARC + ".1"  # evidence-log identifiers
OID_APPROVAL_LEAF_HASH = OID_EVIDENCE_ARC + ".1"  # TBS_Sign extData: approval leaf hash

#: Other OIDs a verifier accepts for the same extData (reported as a variant). Signatures
#: made before the SealHub arc was fixed carry the approval under a placeholder inside
#: OSCCA's arc; they stay verifiable, but nothing new is written with it.
LEGACY_APPROVAL_OIDS = {
    "1.2.156.10197.6.999.1": "placeholder OID inside OSCCA's arc (1.2.156.10197), "
    "not SealHub's; new signatures use " + OID_APPROVAL_LEAF_HASH,
}

_HEX64 = re.compile(r"[0-9a-f]{64}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_KEYS = {"v", "type", "tenant", "time", "subject", "digests", "details"}


class EventType(StrEnum):
    SEAL_APPLIED = "seal.applied"
    SEAL_APPROVED = "seal.approved"
    SEAL_MADE = "seal.made"
    SEAL_SUSPENDED = "seal.suspended"
    SEAL_REACTIVATED = "seal.reactivated"
    SEAL_REJECTED = "seal.rejected"
    SEAL_REVOKED = "seal.revoked"
    SEAL_EXPIRED = "seal.expired"
    USE_REQUEST_APPROVED = "use_request.approved"
    USE_REQUEST_REJECTED = "use_request.rejected"
    SIGNATURE_MADE = "signature.made"
    ADMISSION_STATUS_CHANGED = "admission.status_changed"
    PASSWORD_LOCKOUT = "password.lockout"  # noqa: S105 (an event name)
    # A forgotten password reset after a fresh real-name check and an SMS code.
    SEAL_PASSWORD_RESET = "seal.password_reset"  # noqa: S105 (an event name)
    ACCOUNT_PASSWORD_RESET = "account.password_reset"  # noqa: S105 (an event name)


Scalar = str | int | bool | None


def format_time(when: datetime) -> str:
    """YYYY-MM-DDTHH:MM:SS.ffffffZ (isoformat: the same text as strftime, at a third of
    its cost, for every year this log will see)."""
    if when.tzinfo is None:
        raise FormatError("event time must be timezone-aware")
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _parse_time(text: object) -> datetime:
    if not isinstance(text, str) or not _TIME.fullmatch(text):
        raise FormatError("event time is not YYYY-MM-DDTHH:MM:SS.ffffffZ")
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise FormatError(f"event time {text!r} is not a real time") from exc


def _str_map(name: str, value: object) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()
    ):
        raise FormatError(f"event {name} must map names to non-empty strings")
    return dict(value)


def _digest_map(value: object) -> dict[str, str]:
    digests = _str_map("digests", value)
    for key, hexdigest in digests.items():
        if not _HEX64.fullmatch(hexdigest):
            raise FormatError(f"event digest {key!r} is not 64 lowercase hex digits")
    return digests


def _detail_map(value: object) -> dict[str, Scalar]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise FormatError("event details must be an object")
    for key, v in value.items():
        if not (v is None or isinstance(v, str | int)):  # bool is an int
            raise FormatError(f"event detail {key!r} must be a string, integer, boolean or null")
    return dict(value)


@dataclass(frozen=True)
class Event:
    type: EventType
    tenant: str
    time: datetime
    subject: Mapping[str, str] = field(default_factory=dict)
    digests: Mapping[str, str] = field(default_factory=dict)
    details: Mapping[str, Scalar] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.tenant, str) or not self.tenant:
            raise FormatError("event tenant must be a non-empty string")
        object.__setattr__(self, "type", EventType(self.type))
        if not isinstance(self.time, datetime) or self.time.tzinfo is None:
            raise FormatError("event time must be timezone-aware")
        object.__setattr__(self, "subject", _str_map("subject", self.subject))
        object.__setattr__(self, "digests", _digest_map(self.digests))
        object.__setattr__(self, "details", _detail_map(self.details))

    def to_json(self) -> dict[str, Any]:
        """The decoded form (as in evidence packages): the leaf's JSON object."""
        return {
            "v": LEAF_VERSION,
            "type": self.type.value,
            "tenant": self.tenant,
            "time": format_time(self.time),
            "subject": dict(self.subject),
            "digests": dict(self.digests),
            "details": dict(self.details),
        }

    def encode(self) -> bytes:
        """Canonical leaf bytes (see the module docstring)."""
        return canonical_json(self.to_json())

    @property
    def leaf_hash(self) -> bytes:
        return leaf_hash(self.encode())

    @classmethod
    def from_json(cls, obj: object) -> Event:
        if not isinstance(obj, dict) or set(obj) != _KEYS:
            raise FormatError(f"event must have exactly the keys {sorted(_KEYS)}")
        if obj["v"] != LEAF_VERSION or isinstance(obj["v"], bool):
            raise FormatError(f"unsupported event leaf version {obj['v']!r}")
        try:
            kind = EventType(obj["type"])
        except ValueError as exc:
            raise FormatError(f"unknown event type {obj['type']!r}") from exc
        return cls(
            type=kind,
            tenant=obj["tenant"],
            time=_parse_time(obj["time"]),
            subject=_str_map("subject", obj["subject"]),
            digests=_digest_map(obj["digests"]),
            details=_detail_map(obj["details"]),
        )

    @classmethod
    def decode(cls, leaf: bytes) -> Event:
        """Strict: FormatError unless `leaf` is exactly the canonical encoding of an event."""
        try:
            obj = json.loads(leaf.decode("utf-8"), parse_float=_no_float, parse_constant=_no_float)
        except (UnicodeDecodeError, ValueError) as exc:
            raise FormatError("leaf is not UTF-8 JSON") from exc
        event = cls.from_json(obj)
        if event.encode() != leaf:
            raise FormatError("leaf is not in canonical form")
        return event


def canonical_json(obj: object) -> bytes:
    """The leaf serialisation of a JSON value: sorted keys, no whitespace, UTF-8."""
    try:
        return json.dumps(
            obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates
        raise FormatError("event text is not valid Unicode") from exc
    except (TypeError, ValueError) as exc:
        raise FormatError(f"not a JSON value: {exc}") from exc


def _no_float(text: str) -> Any:
    raise ValueError(f"floats are not allowed in event leaves ({text})")


# --- constructors for the events the evidence package relies on ---------------------------


def use_request_approved(
    *,
    tenant: str,
    time: datetime,
    use_request_id: str,
    seal_id: str,
    document_sm3: bytes,
    approver_id: str,
) -> Event:
    return Event(
        EventType.USE_REQUEST_APPROVED,
        tenant,
        time,
        subject={"use_request_id": use_request_id, "seal_id": seal_id, "account_id": approver_id},
        digests={"document_sm3": document_sm3.hex()},
    )


def signature_made(
    *,
    tenant: str,
    time: datetime,
    signature_id: str,
    seal_id: str,
    esid: str,
    document_sm3: bytes,
    ses_signature_sm3: bytes,
    vendor: str,
    approval_leaf_hash: bytes | None = None,
    use_request_id: str | None = None,
) -> Event:
    subject = {"signature_id": signature_id, "seal_id": seal_id, "esid": esid, "vendor": vendor}
    if use_request_id:
        subject["use_request_id"] = use_request_id
    digests = {"document_sm3": document_sm3.hex(), "ses_signature_sm3": ses_signature_sm3.hex()}
    if approval_leaf_hash is not None:
        digests["approval_leaf_hash"] = approval_leaf_hash.hex()
    return Event(EventType.SIGNATURE_MADE, tenant, time, subject=subject, digests=digests)


def approval_ext_data(approval_leaf_hash: bytes) -> tuple[str, bool, bytes]:
    """The TBS_Sign extData entry binding a signature to its approval (for build_tbs_sign_v4)."""
    if len(approval_leaf_hash) != 32:
        raise FormatError("approval leaf hash must be 32 bytes")
    return (OID_APPROVAL_LEAF_HASH, False, bytes(approval_leaf_hash))
