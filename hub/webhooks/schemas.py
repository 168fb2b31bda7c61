"""Request and response schemas of the hub.webhooks API."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from hub.schemas_common import Reason, Url


class NewWebhook(msgspec.Struct, forbid_unknown_fields=True):
    url: Url
    description: Reason = ""


class ChangeWebhook(msgspec.Struct, forbid_unknown_fields=True):
    url: Url | None = None
    active: bool | None = None
    description: Reason | None = None


class WebhookOut(msgspec.Struct):
    id: uuid.UUID
    seal_id: uuid.UUID
    url: str
    description: str
    active: bool
    created_at: datetime
    updated_at: datetime


class AttemptOut(msgspec.Struct):
    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str
    outcome: str  # delivered | retry | failed


class DeliveryOut(msgspec.Struct):
    id: uuid.UUID
    signature_id: uuid.UUID
    event: str
    status: str  # pending | sending | delivered | failed
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    delivered_at: datetime | None
    created_at: datetime
    attempt_log: list[AttemptOut]
