"""HTTP side of the metrics: a middleware that times every request by route template, and
the `/metrics` scrape endpoint. Both are wired in `hub.app.create_app` when
`settings.metrics.enabled`."""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import os
import time
from collections.abc import AsyncIterator
from typing import Any

from litestar import Controller, Litestar, Request, get
from litestar.di import NamedDependency
from litestar.enums import ScopeType
from litestar.response import Response
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from hub.auth.openapi import errors
from hub.errors import Forbidden, Unauthorized
from hub.settings import Settings
from monitoring import metrics


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_scraper(request: Request[Any, Any, Any], token: str | None) -> None:
    """Only the scraper reads /metrics: with SEALHUB_METRICS_TOKEN set, a request must carry
    it as a bearer token (compared in constant time), from anywhere; without one, only a
    client on this host (a sidecar, `curl localhost`, the tests) is answered.

    The series name tenants and vendors and count failures: a map for an attacker."""
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            raise Unauthorized(
                "/metrics needs the scraper's bearer token",
                www_authenticate='Bearer realm="metrics"',
            )
        return
    if not _loopback(request.client.host if request.client else None):
        raise Forbidden("/metrics is served to this host only until SEALHUB_METRICS_TOKEN is set")


class MetricsMiddleware:
    """Records sealhub_http_requests_total and sealhub_http_request_duration_seconds.

    Litestar runs route middleware after routing, so `scope["path_template"]` is the
    template (`/tenants/{tenant}/seals/{seal_id}`), never the raw path with ids.
    Requests that match no route never reach route middleware and are not counted here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # if the app dies before answering, that is what the client saw

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            metrics.record_http_request(
                scope.get("path_template") or "_unmatched_",
                scope["method"],
                status,
                time.perf_counter() - started,
            )


class MetricsController(Controller):
    path = "/metrics"
    tags = ["monitoring"]  # noqa: RUF012

    @get(
        "/",
        operation_id="metricsScrape",
        summary="Prometheus metrics (text exposition format), aggregated over all workers",
        media_type="text/plain",
        sync_to_thread=True,  # multiprocess mode reads one file per worker
        security=[{"metricsToken": []}],
        responses=errors(
            401,
            403,
            e401="No or wrong scraper token (problem+json)",
            e403="No token configured and the client is not on this host (problem+json)",
        ),
    )
    def scrape(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> Response[bytes]:
        check_scraper(request, settings.metrics.token)
        body, content_type = metrics.render(settings.metrics.multiprocess_dir)
        # Litestar appends the charset itself.
        media_type = content_type.removesuffix("; charset=utf-8")
        return Response(body, media_type=media_type, headers={"Cache-Control": "no-store"})


@contextlib.asynccontextmanager
async def metrics_lifespan(app: Litestar) -> AsyncIterator[None]:
    """On worker exit, drop its live* gauge files (circuit state), so a restarted worker's
    stale "open" never outlives it; counters and histograms are kept, as they must be."""
    try:
        yield
    finally:
        metrics.mark_process_dead(os.getpid(), app.state.settings.metrics.multiprocess_dir)
