"""Which vendors the hub can call, how a new seal's vendor is chosen, and how every
vendor call is measured.

Seals keep the vendor that made them (signing never moves); making a new seal may fail
over to the next candidate. The candidate order comes from a `VendorSelector` (admission:
admitted vendors, best quality first); without one, every registered vendor in
round-robin order.

The built-in `local` reference vendor is the *fallback*: it makes seals for a tenant that
has admitted no vendor at all (a new bureau can work on day one). Once a tenant admits
any vendor, only admitted vendors make its seals.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar
from uuid import UUID

from adapters.protocol import SealVendor
from hub.errors import NotFound, ValidationFailed, VendorUnavailable
from monitoring import metrics
from monitoring.metrics import VendorOperation

T = TypeVar("T")

#: (tenant id, vendor names registered) -> vendor names in the order to try.
VendorSelector = Callable[[UUID, list[str]], Awaitable[list[str]]]


class VendorDirectory:
    def __init__(self, fallback: str | None = None) -> None:
        self._vendors: dict[str, SealVendor] = {}
        self._turn = itertools.count()
        self.selector: VendorSelector | None = None
        self.fallback = fallback

    def add(self, vendor: SealVendor) -> None:
        self._vendors[vendor.name] = vendor

    def names(self) -> list[str]:
        return sorted(self._vendors)

    def get(self, name: str) -> SealVendor:
        try:
            return self._vendors[name]
        except KeyError:
            raise NotFound(f"vendor '{name}' is not registered with this hub") from None

    async def candidates(self, tenant_id: UUID, requested: str | None) -> list[SealVendor]:
        if requested is not None:
            if requested not in await self._serving(tenant_id):
                # The caller chose a vendor this tenant has not admitted: their mistake
                # (4xx naming it), not the hub's or the vendor's (503).
                raise ValidationFailed(
                    f"vendor '{requested}' is not admitted for this tenant",
                    field="vendor",
                    vendor=requested,
                )
            return [self.get(requested)]
        if self.selector is not None:
            names = await self._serving(tenant_id)
        else:
            names = self.names()
            if names:
                k = next(self._turn) % len(names)
                names = names[k:] + names[:k]
        if not names:
            raise VendorUnavailable("no admitted vendor can make seals for this tenant", vendor="-")
        return [self.get(n) for n in names]

    async def _serving(self, tenant_id: UUID) -> list[str]:
        if self.selector is None:
            return self.names()
        names = await self.selector(tenant_id, self.names())
        if not names and self.fallback in self._vendors:
            return [self.fallback]
        return names

    async def call(self, vendor: str, operation: VendorOperation, call: Awaitable[T]) -> T:
        """Await a vendor call, recording its outcome and duration."""
        start = time.perf_counter()
        error: BaseException | None = None
        try:
            return await call
        except BaseException as exc:
            error = exc
            raise
        finally:
            metrics.record_vendor_call(
                vendor,
                operation,
                metrics.vendor_outcome(error),
                time.perf_counter() - start,
            )
