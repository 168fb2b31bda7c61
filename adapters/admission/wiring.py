"""How the hub puts admission in service (called from the composition root, hub.services).

    service, scheduler = await install(db, directory, context)

* every registered vendor gets its adapter (from the entry-point registry, by kind),
  wrapped in `RecordingVendor` so each call feeds the admission `CallLog`, and is added
  to the hub's `VendorDirectory`; vendors registered later are added the same way;
* the scheduler probes health and re-evaluates every admission every `interval` s.

The composition root then makes `AdmissionService.select` the directory's selector (new
seals only go to admitted/probation vendors, best first; signing stays with the seal's
vendor). Routes: `route_handlers=[..., *adapters.admission.controllers.CONTROLLERS]` in
`create_app`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from adapters.admission.live import QualitySource, RecordingVendor
from adapters.admission.records import VendorRegistrationRecord
from adapters.admission.services import SERVING, AdmissionScheduler, AdmissionService
from adapters.admission.shared import SharedCallLog
from adapters.admission.tables import Admission
from adapters.errors import AdapterError
from adapters.protocol import AdapterContext, SealVendor
from adapters.registry import AdapterRegistry
from hub.db import Database
from tenants.policy.stats import register_counter

log = logging.getLogger("sealhub.admission")


class Directory(Protocol):
    """What admission needs of the hub's `hub.vendors.directory.VendorDirectory`."""

    def add(self, vendor: SealVendor) -> None: ...

    def get(self, name: str) -> SealVendor: ...

    def names(self) -> list[str]: ...


def adapter_config(registration: VendorRegistrationRecord) -> dict[str, str]:
    config = dict(registration.config)
    if registration.endpoint and "url" not in config:
        config["url"] = registration.endpoint
    return {str(k): str(v) for k, v in config.items()}


async def install(
    db: Database,
    directory: Directory,
    context: AdapterContext,
    *,
    registry: AdapterRegistry | None = None,
    interval_seconds: float = 60.0,
    scorer: Callable[[QualitySource], QualitySource] | None = None,
) -> tuple[AdmissionService, AdmissionScheduler]:
    """`scorer` turns the live call log into what decisions read: the hub passes
    monitoring's QualityService (live numbers + ratings, the very score the ranking
    shows); without it, the live numbers alone."""
    registry = registry or AdapterRegistry.discover(
        blocklist=context.settings.adapters.blocklist, strict=False
    )
    # The live window in the database: one truth across replicas, kept over a restart.
    calls = SharedCallLog()

    def activate(registration: VendorRegistrationRecord) -> None:
        name = registration.name
        try:
            adapter = registry.create(
                registration.kind, name, adapter_config(registration), context
            )
        except AdapterError as exc:
            # A broken registration must not stop the hub; admission will refuse it.
            log.warning("vendor %s not activated: %s", name, exc.detail)
            return
        calls.sla_p95_seconds[name] = registration.sla_p95_ms / 1000
        directory.add(RecordingVendor(adapter, calls))

    decides: QualitySource = scorer(calls) if scorer is not None else calls
    service = AdmissionService(db, directory.get, calls, activate=activate, scorer=decides)
    service.known_kinds = registry.kinds
    for registration in await service.registrations():
        if registration.name not in directory.names():
            activate(registration)
    register_counter("vendors", _serving_vendors)
    await service.publish_statuses()  # gauges are per process: fill them after a restart
    scheduler = AdmissionScheduler(
        service,
        lambda: [directory.get(n) for n in directory.names()],
        interval_seconds=interval_seconds,
    )
    return service, scheduler


async def _serving_vendors(tenant_id: Any) -> int:
    """Tenant statistics: vendors admitted (or on probation) to serve this tenant."""
    return int(
        await Admission.count().where(
            (Admission.tenant_id == tenant_id) & Admission.status.is_in(list(SERVING))
        )
    )
