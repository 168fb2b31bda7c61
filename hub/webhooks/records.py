"""What the webhook service hands out: typed, read-only rows (msgspec Structs).

Subscriptions never carry the sealed secret; the controllers turn these into their
response schemas with `msgspec.convert(..., from_attributes=True)`."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec


class Webhook(msgspec.Struct, frozen=True):
    """A subscription of a URL to the uses of one seal."""

    id: uuid.UUID
    seal_id: uuid.UUID
    url: str
    description: str
    active: bool
    created_at: datetime
    updated_at: datetime


class DeliveryAttempt(msgspec.Struct, frozen=True):
    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str
    outcome: str  # delivered | retry | failed


class Delivery(msgspec.Struct, frozen=True):
    """One payload to one subscription, with its attempts (oldest first)."""

    id: uuid.UUID
    signature_id: uuid.UUID
    event: str
    status: str  # pending | sending | delivered | failed
    attempts: int
    next_attempt_at: datetime | None  # only while it is still to be sent
    last_status_code: int | None
    last_error: str
    delivered_at: datetime | None
    created_at: datetime
    attempt_log: list[DeliveryAttempt]


class ClaimedDelivery(msgspec.Struct, frozen=True):
    """A delivery a worker holds for one attempt (under its claim)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    subscription_id: uuid.UUID
    payload: str  # the JSON body, as signed
    attempts: int  # including this one
