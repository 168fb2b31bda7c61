"""The SMS gateway boundary.

A bureau contracts an SMS provider; the hub talks to it through `SmsGateway`. Two
implementations pass the same conformance suite (tests/sms/test_sms_gateway.py):

* `SimulatedSms`: keeps the messages in memory, readable by tests and the demo;
* `HttpSmsGateway`: POSTs each message as JSON to the provider's URL with an
  `httpx.AsyncClient` (injected): `{"to", "template", "text", "params"}`, bearer token if
  set, and reads `{"id"}` back. A provider with another wire format gets a small adapter
  in front; the templates (the message texts) are settings, not code.

`python -m hub.sms.server` runs a loopback reference provider speaking that format (tests,
the demo); it lists what it received at GET /messages.
"""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import httpx

from hub.errors import SmsFailed, ValidationFailed

#: Message texts by template name; `{name}` fields come from the params.
DEFAULT_TEMPLATES: Mapping[str, str] = {
    "otp": "【电子印章】验证码 {code}，{minutes} 分钟内有效，用于{purpose}。请勿告诉他人。",
    "seal-used": "【电子印章】您的印章「{seal}」于 {at} 用于签署文件（摘要 {digest}）。"
    "如非本人操作，请立即挂失。",
    "seal-notice": "【电子印章】{text}",
}


@dataclass(frozen=True)
class SentSms:
    id: str
    to: str
    template: str
    text: str
    params: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class SmsGateway(Protocol):
    """Sends one templated text message; returns the provider's message id."""

    async def send(self, to: str, template: str, params: Mapping[str, str]) -> str: ...


def render(templates: Mapping[str, str], template: str, params: Mapping[str, str]) -> str:
    try:
        return templates[template].format_map(dict(params))
    except KeyError as exc:
        raise ValidationFailed(
            f"no SMS template or parameter {exc.args[0]!r}", field="template"
        ) from None


class SimulatedSms:
    """An in-memory SMS provider: `messages` holds what was sent, newest last (the last
    `keep` of them: a demo hub signing all day must not grow without bound)."""

    def __init__(
        self, templates: Mapping[str, str] = DEFAULT_TEMPLATES, *, keep: int = 10_000
    ) -> None:
        self.templates = templates
        self.messages: deque[SentSms] = deque(maxlen=keep)

    async def send(self, to: str, template: str, params: Mapping[str, str]) -> str:
        message = SentSms(
            "sim-" + secrets.token_hex(6),
            to,
            template,
            render(self.templates, template, params),
            dict(params),
        )
        self.messages.append(message)
        return message.id

    def last_to(self, to: str) -> SentSms | None:
        return next((m for m in reversed(self.messages) if m.to == to), None)


class HttpSmsGateway:
    """The bureau's SMS provider over HTTP (see the module doc for the wire format)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str,
        *,
        token: str = "",
        templates: Mapping[str, str] = DEFAULT_TEMPLATES,
    ) -> None:
        self.client = client
        self.url = url
        self.token = token
        self.templates = templates

    async def send(self, to: str, template: str, params: Mapping[str, str]) -> str:
        text = render(self.templates, template, params)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            r = await self.client.post(
                self.url,
                headers=headers,
                json={"to": to, "template": template, "text": text, "params": dict(params)},
            )
        except httpx.HTTPError as exc:
            raise SmsFailed(f"the SMS gateway did not answer: {type(exc).__name__}") from exc
        if r.status_code // 100 != 2:
            raise SmsFailed(f"the SMS gateway refused the message (HTTP {r.status_code})")
        try:
            return str(r.json()["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise SmsFailed("the SMS gateway answered without a message id") from exc


def make_gateway(
    kind: str,
    *,
    client: httpx.AsyncClient | None,
    url: str,
    token: str,
    templates: Mapping[str, str],
) -> SmsGateway:
    if kind == "simulated":
        return SimulatedSms(templates)
    if kind == "http":
        if client is None or not url:
            raise ValueError("the http SMS gateway needs SEALHUB_SMS_URL")
        return HttpSmsGateway(client, url, token=token, templates=templates)
    raise ValueError(f"unknown SMS gateway {kind!r}; known: simulated, http")
