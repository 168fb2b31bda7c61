"""Fixtures for the webhook tests (helpers live in webhook_support.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from webhook_support import Receiver

from hub.webhooks.service import WebhookService


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    try:
        yield r
    finally:
        r.stop()


@pytest.fixture
def webhooks(client: httpx.AsyncClient, app: Any) -> WebhookService:
    """The running hub's webhook service (its worker is running in the app lifespan)."""
    return app.state.services.webhooks  # type: ignore[no-any-return]


@pytest.fixture
async def fast_retries(webhooks: WebhookService) -> AsyncIterator[WebhookService]:
    """Back-off of 0.2 s, 0.4 s, ... and a 50 ms poll, so retries happen within a test."""
    before = webhooks.policy
    webhooks.policy = before.shortened(retry_base_seconds=0.2, poll_seconds=0.05)
    webhooks.wakeup.set()  # the worker re-reads the poll interval on its next wait
    try:
        yield webhooks
    finally:
        webhooks.policy = before
