"""/api/v1/seals/{seal_id}/webhooks: the seal owner's webhook subscriptions and their
delivery log. Thin: each handler calls one WebhookService method. Owner only: anyone
else (another person, staff, another tenant) gets 404."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from hub.auth.guards import requires
from hub.auth.openapi import errors
from hub.auth.principal import CurrentPrincipal, Role
from hub.schemas_common import Count
from hub.webhooks.records import Webhook
from hub.webhooks.schemas import (
    ChangeWebhook,
    DeliveryOut,
    NewWebhook,
    WebhookOut,
)
from hub.webhooks.service import WebhookService

_ROLES = (Role.PERSON, Role.ENTERPRISE_AGENT, Role.CLERK, Role.TENANT_ADMIN)
_URL_RULE = (
    "http(s) URL whose host is in SEALHUB_WEBHOOK_ALLOW_HOSTS (SSRF guard); "
    "422 with field=url otherwise"
)


class CreatedWebhookOut(WebhookOut):
    secret: str  # shown once: the HMAC-SM3 key of SealHub-Signature (see hub.webhooks)


def _webhook(hook: Webhook) -> WebhookOut:
    return msgspec.convert(hook, WebhookOut, from_attributes=True, strict=False)


class WebhookController(Controller):
    path = "/api/v1/seals/{seal_id:uuid}/webhooks"
    tags = ["webhooks"]  # noqa: RUF012
    guards = [requires(*_ROLES)]  # noqa: RUF012

    @post(
        "",
        operation_id="createSealWebhook",
        status_code=HTTP_201_CREATED,
        summary="Subscribe a URL to every use of my seal (the secret is shown only now)",
        description="POSTs a signed `seal.used` payload per signing; " + _URL_RULE + ".",
        responses=errors(401, 403, 404, 422),
    )
    async def create(
        self,
        webhooks: NamedDependency[WebhookService],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
        data: JSONBody[NewWebhook],
    ) -> CreatedWebhookOut:
        row, secret = await webhooks.create(principal, seal_id, data.url, data.description)
        return msgspec.convert(
            {**msgspec.structs.asdict(row), "secret": secret}, CreatedWebhookOut, strict=False
        )

    @get(
        "",
        operation_id="listSealWebhooks",
        summary="My webhooks for this seal",
        responses=errors(401, 403, 404),
    )
    async def list_all(
        self,
        webhooks: NamedDependency[WebhookService],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
    ) -> list[WebhookOut]:
        rows = await webhooks.subscriptions(principal, seal_id)
        return [_webhook(r) for r in rows]

    @get(
        "/{webhook_id:uuid}",
        operation_id="getSealWebhook",
        summary="One of my webhooks",
        responses=errors(401, 403, 404),
    )
    async def get_one(
        self,
        webhooks: NamedDependency[WebhookService],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
        webhook_id: FromPath[uuid.UUID],
    ) -> WebhookOut:
        row = await webhooks.get(principal, seal_id, webhook_id)
        return _webhook(row)

    @patch(
        "/{webhook_id:uuid}",
        operation_id="changeSealWebhook",
        summary="Change a webhook's URL, description, or pause/resume it",
        description="url: " + _URL_RULE + ".",
        responses=errors(401, 403, 404, 422),
    )
    async def change(
        self,
        webhooks: NamedDependency[WebhookService],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
        webhook_id: FromPath[uuid.UUID],
        data: JSONBody[ChangeWebhook],
    ) -> WebhookOut:
        row = await webhooks.update(
            principal,
            seal_id,
            webhook_id,
            url=data.url,
            active=data.active,
            description=data.description,
        )
        return _webhook(row)

    @delete(
        "/{webhook_id:uuid}",
        operation_id="deleteSealWebhook",
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete a webhook with its queued deliveries and delivery log",
        responses=errors(401, 403, 404),
    )
    async def remove(
        self,
        webhooks: NamedDependency[WebhookService],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
        webhook_id: FromPath[uuid.UUID],
    ) -> None:
        await webhooks.delete(principal, seal_id, webhook_id)

    @get(
        "/{webhook_id:uuid}/deliveries",
        operation_id="listSealWebhookDeliveries",
        summary="Delivery log: each delivery's status, attempts, status codes, next retry",
        responses=errors(401, 403, 404, 422),
    )
    async def deliveries(
        self,
        webhooks: NamedDependency[WebhookService],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
        webhook_id: FromPath[uuid.UUID],
        limit: FromQuery[Count] = 50,
    ) -> list[DeliveryOut]:
        rows = await webhooks.deliveries(principal, seal_id, webhook_id, limit=limit)
        return [msgspec.convert(r, DeliveryOut, from_attributes=True, strict=False) for r in rows]

    @post(
        "/{webhook_id:uuid}/deliveries/{delivery_id:uuid}/redeliver",
        operation_id="redeliverSealWebhookDelivery",
        status_code=HTTP_202_ACCEPTED,
        summary="One more attempt, now, for a failed delivery (same payload)",
        responses=errors(401, 403, 404, 409, e409="The delivery has not failed"),
    )
    async def redeliver(
        self,
        webhooks: NamedDependency[WebhookService],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
        webhook_id: FromPath[uuid.UUID],
        delivery_id: FromPath[uuid.UUID],
    ) -> DeliveryOut:
        row = await webhooks.redeliver(principal, seal_id, webhook_id, delivery_id)
        return msgspec.convert(row, DeliveryOut, from_attributes=True, strict=False)
