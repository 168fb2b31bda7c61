"""Two reference vendors of different quality, for `sealhub demo` and the ranking.

    with demo_vendors() as (good, poor):
        ...register good.url / poor.url as http vendors, apply, sign...

`good` answers fast and never fails; `poor` is slow (near its declared SLA) and fails
one call in ten, so admission, the circuit breaker and the ranking all have something
to show.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from adapters.testing.process import VendorProcess


@dataclass(frozen=True)
class DemoVendor:
    name: str
    latency_ms: float
    error_rate: float
    sla_p95_ms: int
    product_certificate: str


DEMO_VENDORS = (
    DemoVendor("vendor-good", latency_ms=2, error_rate=0.0, sla_p95_ms=200,
               product_certificate="GM-DEMO-0001"),
    DemoVendor("vendor-poor", latency_ms=120, error_rate=0.1, sla_p95_ms=150,
               product_certificate="GM-DEMO-0002"),
)  # fmt: skip


@contextmanager
def demo_vendors() -> Iterator[list[VendorProcess]]:
    """Start both demo vendors as child processes; stop them on exit."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                VendorProcess(v.name, latency_ms=v.latency_ms, error_rate=v.error_rate)
            )
            for v in DEMO_VENDORS
        ]
