"""Startup: the webhook service on `app.state.webhooks`, its hook on the signing service,
and the delivery worker task (stopped, not awaited to completion, at shutdown: a
delivery interrupted mid-attempt is retried when its lease expires).

Runs after `sealing_lifespan` (it needs `app.state.signing`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from hub.db import get_db
from hub.webhooks.service import DeliveryPolicy, WebhookService
from hub.webhooks.worker import DeliveryWorker
from tenants.keys import keyring_of


@contextlib.asynccontextmanager
async def webhooks_lifespan(app: Any) -> AsyncIterator[None]:
    state = app.state
    keyring = keyring_of(state)
    service = WebhookService(
        get_db(app), DeliveryPolicy.from_settings(state.settings.webhooks), keyring.data_key)
    state.webhooks = service
    state.signing.after_signing.append(service.signature_made)
    # Its own client: never follows redirects (a 3xx must not lead past the allow-list).
    async with httpx.AsyncClient(follow_redirects=False) as client:
        worker = DeliveryWorker(service, client)
        state.webhook_worker = worker
        task = asyncio.create_task(worker.run(), name="sealhub-webhook-worker")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def webhook_service(state: Any) -> WebhookService:
    service: WebhookService = state.webhooks
    return service
