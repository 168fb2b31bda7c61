"""The seal lifecycle as data: every action names the statuses it leaves from, the status
it reaches and who may take it. `SealService` asks `LIFECYCLE` and nothing else.

`applied -> approved -> active (made) -> suspended <-> active -> revoked`, plus `expired`
and `rejected`. A seal becomes active only by being made (`make`, which only the hub
itself takes, after a vendor returned a seal that passed every check): no caller's action
reaches `active` from `applied` or `approved`. A seal a vendor failed to make stays where
it was, with the failure recorded, and `retry_make` (owner or staff) asks again.

Who: `OWNER` is the account that applied for the seal (a person, or the enterprise's
agent); `STAFF` are the tenant's clerks and admins; `HUB` is the hub itself (no caller).
An owner may resume only a suspension the owner made: a suspension by staff is lifted
by staff (`resume_roles`).
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.protocol import SEAL_TYPES
from hub.auth.principal import TENANT_STAFF

STATUSES = ("applied", "approved", "active", "suspended", "revoked", "expired", "rejected")

OWNER = "owner"  # not a token role: the seal's owner, whatever roles the account holds
HUB = "hub"  # the hub's own steps (making, expiry, a change of the subject): no caller
STAFF = TENANT_STAFF

#: Seal types an enterprise agent may apply for; a person applies for a personal seal only.
ENTERPRISE_TYPES = frozenset(SEAL_TYPES) - {"personal"}
PERSON_TYPES = frozenset({"personal"})

#: Statuses in which a seal may sign.
SIGNING_STATUSES = frozenset({"active"})


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    actors: frozenset[str]  # OWNER, HUB, or token roles (STAFF)


def _t(sources: set[str], target: str, *actors: str | frozenset[str]) -> Transition:
    flat: set[str] = set()
    for a in actors:
        flat |= {a} if isinstance(a, str) else set(a)
    return Transition(frozenset(sources), target, frozenset(flat))


LIFECYCLE: dict[str, Transition] = {
    "approve": _t({"applied"}, "approved", STAFF),
    "reject": _t({"applied", "approved"}, "rejected", STAFF),
    # The hub, once a vendor's seal passed its checks; from `applied` only for seal types
    # that need no clerk's approval (`make_sources`).
    "make": _t({"applied", "approved"}, "active", HUB),
    # Ask the vendors again after a failed make (same sources as `make`).
    "retry_make": _t({"applied", "approved"}, "active", OWNER, STAFF),
    "suspend": _t({"active"}, "suspended", OWNER, STAFF),
    "resume": _t({"suspended"}, "active", OWNER, STAFF),
    "revoke": _t({"active", "suspended"}, "revoked", OWNER, STAFF),
    "expire": _t({"active", "suspended"}, "expired", HUB),
    # A change of name or legal representative ends the subject's seals (revoked, or
    # rejected if never made).
    "subject_changed": _t({"applied", "approved", "active", "suspended"}, "revoked", HUB),
}


def needs_approval(seal_type: str) -> bool:
    """Enterprise seal types are made only after a clerk approved the application."""
    return seal_type in ENTERPRISE_TYPES


def make_sources(seal_type: str) -> frozenset[str]:
    """Where `make` (and `retry_make`) may leave from for this seal type."""
    return frozenset({"approved"}) if needs_approval(seal_type) else frozenset({"applied"})


def actor_kinds(roles: frozenset[str] | tuple[str, ...] | list[str], is_owner: bool) -> set[str]:
    """What a caller counts as in `Transition.actors`."""
    kinds = {r for r in roles if r in STAFF}
    if is_owner:
        kinds.add(OWNER)
    return kinds


def may_take(
    action: str, roles: frozenset[str] | tuple[str, ...] | list[str], is_owner: bool
) -> bool:
    return bool(actor_kinds(roles, is_owner) & LIFECYCLE[action].actors)


def suspender_kind(roles: frozenset[str] | tuple[str, ...] | list[str], is_owner: bool) -> str:
    """Recorded on suspension: staff if the caller acted as staff, else the owner."""
    return "staff" if any(r in STAFF for r in roles) else OWNER if is_owner else HUB


def resume_roles(suspended_by: str | None) -> frozenset[str]:
    """Who may lift a suspension: staff always; the owner only their own."""
    return STAFF | {OWNER} if suspended_by == OWNER else STAFF


def can_move(current: str, target: str) -> bool:
    """True if some action leads from `current` to `target` (kept for callers that ask
    about statuses rather than actions)."""
    return any(current in t.sources and t.target == target for t in LIFECYCLE.values())
