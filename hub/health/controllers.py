"""Liveness and readiness, the routes the helm chart's probes call."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, get


@dataclass(frozen=True)
class Health:
    status: str


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/live", operation_id="healthLive", summary="Process is alive")
    async def live(self) -> Health:
        return Health(status="ok")

    @get("/ready", operation_id="healthReady", summary="Ready to serve (database reachable)")
    async def ready(self) -> Health:
        return Health(status="ok")
