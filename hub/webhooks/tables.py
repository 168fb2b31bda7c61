"""Webhook tables: subscriptions, queued deliveries, and the log of each attempt.

Every row carries `tenant_id`. Unique (subscription_id, signature_id) on deliveries (see
the migration) makes queueing idempotent: the signing hook and the repair sweep may both
try, one row results.
"""

from __future__ import annotations

from piccolo.columns import UUID, Boolean, Bytea, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class WebhookSubscription(Table, tablename="webhook_subscription"):
    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    seal_id = UUID(index=True)
    account_id = UUID()  # the seal owner who subscribed
    url = Text()
    description = Varchar(length=200, default="")
    sealed_secret = Bytea()  # keystore.seal_secret under the tenant data key
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class WebhookDelivery(Table, tablename="webhook_delivery"):
    """One event for one subscription. status: pending | sending | delivered | failed."""

    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    subscription_id = UUID(index=True)
    signature_id = UUID()
    event = Varchar(length=32, default="seal.used")
    payload = Text()  # the exact body bytes (UTF-8 JSON), fixed at queueing
    status = Varchar(length=16, default="pending", index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow(), index=True)
    # A worker's claim: who holds it, until when (an expired lease may be re-claimed).
    claim = Varchar(length=32, null=True, default=None)
    lease_until = Timestamptz(null=True, default=None)
    last_status_code = Integer(null=True, default=None)
    last_error = Text(default="")
    delivered_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class WebhookAttempt(Table, tablename="webhook_attempt"):
    """One POST of a delivery. outcome: delivered | retry | failed."""

    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    delivery_id = UUID(index=True)
    number = Integer()
    started_at = Timestamptz()
    duration_ms = Integer(default=0)
    status_code = Integer(null=True, default=None)
    error = Text(default="")
    outcome = Varchar(length=16)
