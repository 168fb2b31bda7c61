"""Liveness and readiness, the routes the helm chart's probes call."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec

from hub.db import Database
from hub.problems import problem

log = logging.getLogger("sealhub.health")


@dataclass(frozen=True)
class Health:
    status: str


class HealthController(Controller):
    path = "/health"
    tags = ["health"]  # noqa: RUF012  (Litestar reads it as a class attribute)

    @get("/live", operation_id="healthLive", summary="Process is alive")
    async def live(self) -> Health:
        return Health(status="ok")

    @get(
        "/ready",
        operation_id="healthReady",
        summary="Ready to serve (database reachable)",
        responses={503: ResponseSpec(None, description="Database unreachable (problem+json)")},
    )
    async def ready(self, db: NamedDependency[Database]) -> Response[Health]:
        try:
            await asyncio.wait_for(db.ping(), timeout=2.0)
        except Exception as exc:  # noqa: BLE001 (any failure means "not ready", never a 500)
            log.warning("readiness: database check failed: %s", exc)
            return problem(503, "not-ready", "Not ready", "The database is not reachable.")  # type: ignore[return-value]
        return Response(Health(status="ok"))
