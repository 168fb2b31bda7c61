"""The delivery worker: one asyncio task per hub process (started by the lifespan).

Each round: sweep now and then, list due deliveries, claim each with a conditional
UPDATE (so replicas never send the same attempt), POST it signed, record the outcome
(only while still holding the claim). Sleeps until woken by a local enqueue or the poll
interval passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from hub.errors import SealHubError
from hub.webhooks.service import WebhookService
from hub.webhooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)
from hub.webhooks.urls import check_url

log = logging.getLogger("sealhub.webhooks")

SWEEP_EVERY_SECONDS = 60.0
CONCURRENCY = 8


class DeliveryWorker:
    def __init__(self, service: WebhookService, client: httpx.AsyncClient) -> None:
        self.service = service
        self.client = client
        self._last_sweep = 0.0

    async def run(self) -> None:
        while True:
            try:
                sent = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook delivery round failed")
                sent = 0
            if sent:
                continue
            self.service.wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.service.wakeup.wait(), self.service.policy.poll_seconds)

    async def run_once(self) -> int:
        """One round; returns the number of attempts made."""
        if time.monotonic() - self._last_sweep >= SWEEP_EVERY_SECONDS:
            self._last_sweep = time.monotonic()
            await self.service.sweep()
        due = await self.service.due(limit=CONCURRENCY * 4)
        if not due:
            return 0
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one(delivery_id: uuid.UUID) -> int:
            async with limit:
                return await self.attempt(delivery_id)

        return sum(await asyncio.gather(*(one(d) for d in due)))

    async def attempt(self, delivery_id: Any) -> int:
        """Claim and send one delivery; 1 if an attempt was made, 0 if it was not ours."""
        policy = self.service.policy
        claim = secrets.token_hex(16)
        claimed = await self.service.claim(delivery_id, claim, lease=policy.timeout_seconds + 30)
        if claimed is None:
            return 0
        started_at = datetime.now(UTC)
        t0 = time.perf_counter()
        status_code: int | None = None
        error = ""
        try:
            target = await self.service.subscription_for_delivery(
                claimed.tenant_id, claimed.subscription_id
            )
            if target is None:
                error = "subscription is inactive or deleted"
            else:
                url, secret = target
                check_url(url, policy.allow_hosts)  # the allow-list may have narrowed
                body = claimed.payload.encode("utf-8")
                answer = await self.client.post(
                    url,
                    content=body,
                    timeout=policy.timeout_seconds,
                    headers={
                        "Content-Type": "application/json",
                        SIGNATURE_HEADER: signature_header(secret, body),
                        DELIVERY_HEADER: str(claimed.id),
                        EVENT_HEADER: "seal.used",
                        "User-Agent": "SealHub-Webhooks/1",
                    },
                )
                status_code = answer.status_code
                if not 200 <= status_code < 300:
                    error = f"receiver answered HTTP {status_code}"
        except SealHubError as exc:
            error = exc.detail
        except httpx.HTTPError as exc:
            # The exception text names the URL at most, never the secret or body.
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        duration_ms = int((time.perf_counter() - t0) * 1000)
        outcome = await self.service.finish(
            claimed,
            claim,
            started_at=started_at,
            duration_ms=duration_ms,
            status_code=status_code,
            error=error,
        )
        if outcome == "failed":
            log.warning(
                "webhook delivery %s failed after %s attempts", claimed.id, claimed.attempts
            )
        return 1
