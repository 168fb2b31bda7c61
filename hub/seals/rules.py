"""The seal lifecycle as data: statuses, allowed transitions, which seal types need a
clerk's approval before they are made.

`applied -> approved -> active (made) -> suspended <-> active -> revoked`, plus `expired`
and `rejected`. A transition not in the table is a 409 naming both statuses.
"""

from __future__ import annotations

from adapters.protocol import SEAL_TYPES

STATUSES = ("applied", "approved", "active", "suspended", "revoked", "expired", "rejected")

TRANSITIONS: dict[str, frozenset[str]] = {
    "applied": frozenset({"approved", "rejected", "active"}),
    "approved": frozenset({"active", "rejected"}),
    "active": frozenset({"suspended", "revoked", "expired"}),
    "suspended": frozenset({"active", "revoked", "expired"}),
    "revoked": frozenset(),
    "expired": frozenset(),
    "rejected": frozenset(),
}

#: Seal types an enterprise agent may apply for; a person applies for a personal seal only.
ENTERPRISE_TYPES = frozenset(SEAL_TYPES) - {"personal"}
PERSON_TYPES = frozenset({"personal"})

#: Statuses in which a seal may sign.
SIGNING_STATUSES = frozenset({"active"})


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())
