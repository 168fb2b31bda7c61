"""Accessor of the webhook service for controllers (built, with its delivery worker, in
hub.services)."""

from __future__ import annotations

from typing import Any

from hub.webhooks.service import WebhookService


def webhook_service(state: Any) -> WebhookService:
    service: WebhookService = state.webhooks
    return service
