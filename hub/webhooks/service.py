"""Webhook subscriptions (owner only, tenant-scoped), delivery queueing and the delivery
log. The worker that sends deliveries is `hub.webhooks.worker`.

Queueing is durable and idempotent: `signature_made` (the signing service's
`after_signing` hook) inserts one row per active subscription once the signing and its
evidence entry are committed; `sweep` re-queues any recent use the hook missed (a crash
between the two), and the unique (subscription, signature) index makes both safe to
repeat, on any number of replicas.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.query.methods.select import Select

from hub.crypto import keystore
from hub.db import Database, is_unique_violation
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.memo import Memo
from hub.ports import Scope, SignatureUse
from hub.seals import queries as seals
from hub.settings import WebhookSettings
from hub.webhooks.records import ClaimedDelivery, Delivery, DeliveryAttempt, Webhook
from hub.webhooks.signing import new_secret
from hub.webhooks.tables import WebhookAttempt, WebhookDelivery, WebhookSubscription
from hub.webhooks.urls import check_url

log = logging.getLogger("sealhub.webhooks")

DataKeys = Callable[[uuid.UUID], Awaitable[bytes]]
MAX_SUBSCRIPTIONS_PER_SEAL = 10
SUBSCRIPTIONS_TTL = 2.0  # seconds
SWEEP_WINDOW = timedelta(days=2)


@dataclass(frozen=True)
class DeliveryPolicy:
    """Retry schedule and SSRF allow-list (from settings; tests may shorten it)."""

    allow_hosts: tuple[str, ...]
    max_attempts: int
    retry_base_seconds: float
    retry_max_seconds: float
    timeout_seconds: float
    poll_seconds: float

    @classmethod
    def from_settings(cls, s: WebhookSettings) -> DeliveryPolicy:
        return cls(
            s.allow_hosts,
            s.max_attempts,
            s.retry_base_seconds,
            s.retry_max_seconds,
            s.timeout_seconds,
            s.poll_seconds,
        )

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt: base * 2**(n-1), capped."""
        return float(min(self.retry_max_seconds, self.retry_base_seconds * 2 ** (attempts - 1)))

    def shortened(self, **changes: Any) -> DeliveryPolicy:
        return replace(self, **changes)


def _now() -> datetime:
    return datetime.now(UTC)


def _secret_context(subscription_id: uuid.UUID) -> str:
    return f"webhook-secret:{subscription_id}"


def payload_bytes(delivery_id: uuid.UUID, subscription_id: uuid.UUID, use: SignatureUse) -> str:
    """The delivery body (documented in hub.webhooks); fixed when queued."""
    signed_at = use.signed_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return json.dumps(
        {
            "type": "seal.used",
            "delivery_id": str(delivery_id),
            "subscription_id": str(subscription_id),
            "tenant_id": str(use.tenant_id),
            "seal_id": str(use.seal_id),
            "signature": {
                "id": str(use.signature_id),
                "signed_at": signed_at,
                "document_sm3": use.document_sm3,
                "vendor": use.vendor,
                "evidence_leaf_hash": use.evidence_leaf_hash,
            },
            "uses_url": f"/api/v1/seals/{use.seal_id}/uses",
        },
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


@dataclass(frozen=True)
class _Use:
    tenant_id: uuid.UUID
    seal_id: uuid.UUID
    signature_id: uuid.UUID
    document_sm3: str
    vendor: str
    signed_at: datetime
    evidence_leaf_hash: str | None


class WebhookService:
    def __init__(self, db: Database, policy: DeliveryPolicy, data_key: DataKeys) -> None:
        self.db = db
        self.policy = policy
        self.data_key = data_key
        # Set when this process queues a delivery, so the worker sends it at once.
        self.wakeup = asyncio.Event()
        # Each seal's active subscription ids, read at most every SUBSCRIPTIONS_TTL (a
        # read per signing otherwise). Local changes forget them; a subscription made on
        # another replica is missed for at most that long, and the sweep then queues that
        # use anyway; one deactivated there is checked again when a delivery is sent.
        self._subscriptions: Memo[tuple[uuid.UUID, uuid.UUID], list[uuid.UUID]] = Memo(
            SUBSCRIPTIONS_TTL
        )

    # --- subscriptions (owner only) ------------------------------------------------------

    async def _owned_seal(self, scope: Scope, seal_id: uuid.UUID) -> None:
        if not await seals.is_owned_by(scope.tenant_id, scope.account_id, seal_id):
            # another tenant's, another person's, or none: all the same 404
            raise NotFound("seal not found")

    async def create(
        self, scope: Scope, seal_id: uuid.UUID, url: str, description: str = ""
    ) -> tuple[Webhook, str]:
        """A new subscription and its secret (the only time the secret is returned)."""
        await self._owned_seal(scope, seal_id)
        url = check_url(url, self.policy.allow_hosts)
        description = _description(description)
        count = await WebhookSubscription.count().where(
            (WebhookSubscription.tenant_id == scope.tenant_id)
            & (WebhookSubscription.seal_id == seal_id)
        )
        if count >= MAX_SUBSCRIPTIONS_PER_SEAL:
            raise ValidationFailed(
                f"at most {MAX_SUBSCRIPTIONS_PER_SEAL} webhooks per seal", field="url"
            )
        sub_id = uuid.uuid4()
        secret = new_secret()
        sealed = keystore.seal_secret(
            await self.data_key(scope.tenant_id),
            str(scope.tenant_id),
            secret.encode(),
            context=_secret_context(sub_id),
        )
        now = _now()
        await WebhookSubscription(
            id=sub_id,
            tenant_id=scope.tenant_id,
            seal_id=seal_id,
            account_id=scope.account_id,
            url=url,
            description=description,
            sealed_secret=sealed,
            active=True,
            created_at=now,
            updated_at=now,
        ).save()
        self._subscriptions.forget((scope.tenant_id, seal_id))
        return await self.get(scope, seal_id, sub_id), secret

    async def subscriptions(self, scope: Scope, seal_id: uuid.UUID) -> list[Webhook]:
        await self._owned_seal(scope, seal_id)
        rows = (
            await _public_select()
            .where(
                (WebhookSubscription.tenant_id == scope.tenant_id)
                & (WebhookSubscription.seal_id == seal_id)
                & (WebhookSubscription.account_id == scope.account_id)
            )
            .order_by(WebhookSubscription.created_at)
        )
        return [Webhook(**row) for row in rows]

    async def get(self, scope: Scope, seal_id: uuid.UUID, sub_id: uuid.UUID) -> Webhook:
        await self._owned_seal(scope, seal_id)
        row = (
            await _public_select()
            .where(
                (WebhookSubscription.tenant_id == scope.tenant_id)
                & (WebhookSubscription.seal_id == seal_id)
                & (WebhookSubscription.account_id == scope.account_id)
                & (WebhookSubscription.id == sub_id)
            )
            .first()
        )
        if row is None:
            raise NotFound("webhook not found")
        return Webhook(**row)

    async def update(
        self,
        scope: Scope,
        seal_id: uuid.UUID,
        sub_id: uuid.UUID,
        *,
        url: str | None = None,
        active: bool | None = None,
        description: str | None = None,
    ) -> Webhook:
        await self.get(scope, seal_id, sub_id)
        changes: dict[Any, Any] = {WebhookSubscription.updated_at: _now()}
        if url is not None:
            changes[WebhookSubscription.url] = check_url(url, self.policy.allow_hosts)
        if active is not None:
            changes[WebhookSubscription.active] = active
        if description is not None:
            changes[WebhookSubscription.description] = _description(description)
        await WebhookSubscription.update(changes).where(
            (WebhookSubscription.tenant_id == scope.tenant_id) & (WebhookSubscription.id == sub_id)
        )
        self._subscriptions.forget((scope.tenant_id, seal_id))
        return await self.get(scope, seal_id, sub_id)

    async def delete(self, scope: Scope, seal_id: uuid.UUID, sub_id: uuid.UUID) -> None:
        """Remove the subscription with its queued deliveries and their log."""
        await self.get(scope, seal_id, sub_id)
        async with self.db.transaction():
            deliveries = WebhookDelivery.select(WebhookDelivery.id).where(
                (WebhookDelivery.tenant_id == scope.tenant_id)
                & (WebhookDelivery.subscription_id == sub_id)
            )
            await WebhookAttempt.delete().where(
                (WebhookAttempt.tenant_id == scope.tenant_id)
                & WebhookAttempt.delivery_id.is_in(deliveries)
            )
            await WebhookDelivery.delete().where(
                (WebhookDelivery.tenant_id == scope.tenant_id)
                & (WebhookDelivery.subscription_id == sub_id)
            )
            await WebhookSubscription.delete().where(
                (WebhookSubscription.tenant_id == scope.tenant_id)
                & (WebhookSubscription.id == sub_id)
            )
        self._subscriptions.forget((scope.tenant_id, seal_id))

    async def deliveries(
        self, scope: Scope, seal_id: uuid.UUID, sub_id: uuid.UUID, *, limit: int = 50
    ) -> list[Delivery]:
        """The delivery log, newest first, each with its attempts (oldest first)."""
        if not 1 <= limit <= 200:
            raise ValidationFailed("limit must be 1-200", field="limit")
        await self.get(scope, seal_id, sub_id)
        return await self._log(scope, sub_id, limit=limit)

    async def redeliver(
        self, scope: Scope, seal_id: uuid.UUID, sub_id: uuid.UUID, delivery_id: uuid.UUID
    ) -> Delivery:
        """One more attempt, now, for a delivery that failed (its payload is unchanged)."""
        await self.get(scope, seal_id, sub_id)
        rows = await WebhookDelivery.raw(
            "UPDATE webhook_delivery SET status = 'pending', next_attempt_at = {} "
            "WHERE status = 'failed' AND tenant_id = {} AND subscription_id = {} AND id = {} "
            "RETURNING id",
            _now(),
            scope.tenant_id,
            sub_id,
            delivery_id,
        )
        found = await self._log(scope, sub_id, limit=1, delivery_id=delivery_id)
        if not found:
            raise NotFound("delivery not found")
        if not rows:
            raise Conflict(f"the delivery is {found[0].status}; only a failed one is redelivered")
        self.wakeup.set()
        return found[0]

    async def _log(
        self,
        scope: Scope,
        sub_id: uuid.UUID,
        *,
        limit: int,
        delivery_id: uuid.UUID | None = None,
    ) -> list[Delivery]:
        query = WebhookDelivery.select(
            WebhookDelivery.id,
            WebhookDelivery.signature_id,
            WebhookDelivery.event,
            WebhookDelivery.status,
            WebhookDelivery.attempts,
            WebhookDelivery.next_attempt_at,
            WebhookDelivery.last_status_code,
            WebhookDelivery.last_error,
            WebhookDelivery.delivered_at,
            WebhookDelivery.created_at,
        ).where(
            (WebhookDelivery.tenant_id == scope.tenant_id)
            & (WebhookDelivery.subscription_id == sub_id)
        )
        if delivery_id is not None:
            query = query.where(WebhookDelivery.id == delivery_id)
        rows = await query.order_by(WebhookDelivery.created_at, ascending=False).limit(limit)
        if not rows:
            return []
        attempts = (
            await WebhookAttempt.select(
                WebhookAttempt.delivery_id,
                WebhookAttempt.number,
                WebhookAttempt.started_at,
                WebhookAttempt.duration_ms,
                WebhookAttempt.status_code,
                WebhookAttempt.error,
                WebhookAttempt.outcome,
            )
            .where(
                (WebhookAttempt.tenant_id == scope.tenant_id)
                & WebhookAttempt.delivery_id.is_in([r["id"] for r in rows])
            )
            .order_by(WebhookAttempt.number)
        )
        by_delivery: dict[uuid.UUID, list[DeliveryAttempt]] = {}
        for a in attempts:
            by_delivery.setdefault(a.pop("delivery_id"), []).append(DeliveryAttempt(**a))
        deliveries = []
        for r in rows:
            pending = r["status"] in ("pending", "sending")
            r["next_attempt_at"] = r["next_attempt_at"] if pending else None
            deliveries.append(Delivery(**r, attempt_log=by_delivery.get(r["id"], [])))
        return deliveries

    # --- queueing --------------------------------------------------------------------------

    async def signature_made(self, use: SignatureUse) -> None:
        """`after_signing` hook: queue a delivery per active subscription of the seal.

        Never raises into the signing (which is already durable): a failure is logged and
        the sweep queues the delivery later.
        """

        async def active() -> list[uuid.UUID]:
            rows = await WebhookSubscription.select(WebhookSubscription.id).where(
                (WebhookSubscription.tenant_id == use.tenant_id)
                & (WebhookSubscription.seal_id == use.seal_id)
                & (WebhookSubscription.active == True)  # noqa: E712 (a column expression)
            )
            return [r["id"] for r in rows]

        try:
            subs = await self._subscriptions.get((use.tenant_id, use.seal_id), active)
            if subs and await self._queue(use, subs):
                self.wakeup.set()
        except Exception:
            log.exception("could not queue webhook deliveries for a signature; the sweep will")

    async def _queue(self, use: SignatureUse, subscription_ids: list[uuid.UUID]) -> int:
        queued = 0
        now = _now()
        for sub_id in subscription_ids:
            delivery_id = uuid.uuid4()
            try:
                await WebhookDelivery(
                    id=delivery_id,
                    tenant_id=use.tenant_id,
                    subscription_id=sub_id,
                    signature_id=use.signature_id,
                    event="seal.used",
                    payload=payload_bytes(delivery_id, sub_id, use),
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                ).save()
            except Exception as exc:
                if not is_unique_violation(exc):
                    raise
                continue  # already queued (by the hook or another replica's sweep)
            queued += 1
        return queued

    async def sweep(self, *, window: timedelta = SWEEP_WINDOW, limit: int = 500) -> int:
        """Queue deliveries for recent uses that have none (the hook missed them)."""
        since = _now() - window
        # One join across signing's and evidence's tables, named in SQL only (no import
        # of their table classes): asking signing, then evidence, then our deliveries
        # would be three round trips per sweep instead of one.
        rows = await WebhookSubscription.raw(
            "SELECT s.id AS subscription_id, r.id AS signature_id, r.tenant_id, r.seal_id, "
            "r.document_sm3, r.vendor, r.signed_at, e.leaf_hash "
            "FROM webhook_subscription s JOIN signature_record r "
            "ON r.tenant_id = s.tenant_id AND r.seal_id = s.seal_id "
            "LEFT JOIN evidence_entry e ON e.lookup = 'sig:' || r.signature_sm3 "
            "WHERE s.active AND r.status = 'done' AND r.signed_at >= s.created_at "
            "AND r.signed_at >= {} AND NOT EXISTS (SELECT 1 FROM webhook_delivery d "
            "WHERE d.subscription_id = s.id AND d.signature_id = r.id) "
            "ORDER BY r.signed_at LIMIT {}",
            since,
            limit,
        )
        queued = 0
        for r in rows:
            use = _Use(
                _uuid(r["tenant_id"]),
                _uuid(r["seal_id"]),
                _uuid(r["signature_id"]),
                r["document_sm3"],
                r["vendor"] or "",
                _aware(r["signed_at"]),
                r["leaf_hash"],
            )
            queued += await self._queue(use, [_uuid(r["subscription_id"])])
        if queued:
            self.wakeup.set()
        return queued

    # --- the worker's side: claims and outcomes --------------------------------------------

    async def due(self, limit: int = 20) -> list[uuid.UUID]:
        now = _now()
        rows = await WebhookDelivery.raw(
            "SELECT id FROM webhook_delivery WHERE (status = 'pending' AND next_attempt_at <= {}) "
            "OR (status = 'sending' AND lease_until < {}) ORDER BY next_attempt_at LIMIT {}",
            now,
            now,
            limit,
        )
        return [_uuid(r["id"]) for r in rows]

    async def claim(
        self, delivery_id: uuid.UUID, claim: str, lease: float
    ) -> ClaimedDelivery | None:
        """Take a due delivery for one attempt, or None if someone else has it / it is not due.

        One conditional UPDATE: of two replicas racing for a row, exactly one matches.
        """
        now = _now()
        rows = await WebhookDelivery.raw(
            "UPDATE webhook_delivery SET status = 'sending', claim = {}, lease_until = {}, "
            "attempts = attempts + 1 WHERE id = {} AND ((status = 'pending' AND "
            "next_attempt_at <= {}) OR (status = 'sending' AND lease_until < {})) "
            "RETURNING id, tenant_id, subscription_id, payload, attempts",
            claim,
            now + timedelta(seconds=lease),
            delivery_id,
            now,
            now,
        )
        if not rows:
            return None
        row = rows[0]  # raw SQL: SQLite answers ids as text
        return ClaimedDelivery(
            id=_uuid(row["id"]),
            tenant_id=_uuid(row["tenant_id"]),
            subscription_id=_uuid(row["subscription_id"]),
            payload=str(row["payload"]),
            attempts=int(row["attempts"]),
        )

    async def subscription_for_delivery(
        self, tenant_id: uuid.UUID, sub_id: uuid.UUID
    ) -> tuple[str, str] | None:
        """(url, secret) of an active subscription, or None."""
        row = (
            await WebhookSubscription.select(
                WebhookSubscription.url,
                WebhookSubscription.sealed_secret,
                WebhookSubscription.active,
            )
            .where(
                (WebhookSubscription.tenant_id == tenant_id) & (WebhookSubscription.id == sub_id)
            )
            .first()
        )
        if row is None or not row["active"]:
            return None
        secret = keystore.open_secret(
            await self.data_key(tenant_id),
            str(tenant_id),
            bytes(row["sealed_secret"]),
            context=_secret_context(sub_id),
        ).decode()
        return row["url"], secret

    async def finish(
        self,
        claimed: ClaimedDelivery,
        claim: str,
        *,
        started_at: datetime,
        duration_ms: int,
        status_code: int | None,
        error: str,
    ) -> str:
        """Record one attempt's outcome (only the claim holder may); returns the outcome."""
        attempts = claimed.attempts
        now = _now()
        if status_code is not None and 200 <= status_code < 300:
            outcome, status, next_at = "delivered", "delivered", now
        elif attempts >= self.policy.max_attempts:
            outcome, status, next_at = "failed", "failed", now
        else:
            outcome, status = "retry", "pending"
            next_at = now + timedelta(seconds=self.policy.backoff(attempts))
        error = error[:500]
        async with self.db.transaction():
            rows = await WebhookDelivery.raw(
                "UPDATE webhook_delivery SET status = {}, next_attempt_at = {}, claim = NULL, "
                "lease_until = NULL, last_status_code = {}, last_error = {}, delivered_at = {} "
                "WHERE id = {} AND claim = {} RETURNING id",
                status,
                next_at,
                status_code,
                error,
                now if outcome == "delivered" else None,
                claimed.id,
                claim,
            )
            if not rows:  # our lease expired and another worker took over: not ours to log
                return "lost"
            await WebhookAttempt(
                id=uuid.uuid4(),
                tenant_id=claimed.tenant_id,
                delivery_id=claimed.id,
                number=attempts,
                started_at=started_at,
                duration_ms=duration_ms,
                status_code=status_code,
                error=error,
                outcome=outcome,
            ).save()
        return outcome


def _public_select() -> Select[WebhookSubscription]:
    """Subscription columns safe to return (never the sealed secret)."""
    return WebhookSubscription.select(
        WebhookSubscription.id,
        WebhookSubscription.seal_id,
        WebhookSubscription.url,
        WebhookSubscription.description,
        WebhookSubscription.active,
        WebhookSubscription.created_at,
        WebhookSubscription.updated_at,
    )


def _description(text: str) -> str:
    text = text.strip()
    if len(text) > 200:
        raise ValidationFailed("description must be at most 200 characters", field="description")
    return text


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


__all__ = ["DeliveryPolicy", "SignatureUse", "WebhookService"]
