"""Adapter errors: the hub's vendor error tree, under adapter names.

Adapters raise only these. They are the `hub.errors.Vendor*` classes themselves (aliases,
not forks), so `hub.problems` maps them to 502/503/504 problem details naming the vendor
without knowing that adapters exist.

| raise                | when                                                          |
|----------------------|---------------------------------------------------------------|
| VendorUnavailable    | connection refused/reset, 5xx, circuit breaker open           |
| VendorTimeout        | the vendor did not answer within the configured timeout       |
| VendorBadAnswer      | the answer is malformed: bad JSON, bad DER, bad signature     |
| VendorRejected       | the vendor refused this request (its 4xx): unknown key, ...   |
| VendorMisconfigured  | our configuration of the vendor is wrong (URL, credential)    |
"""

from __future__ import annotations

from typing import Any

from hub.errors import (
    VendorBadAnswer,
    VendorError,
    VendorMisconfigured,
    VendorRejected,
    VendorTimeout,
    VendorUnavailable,
)

AdapterError = VendorError

#: Errors after which retrying the same idempotent call may succeed.
RETRYABLE: tuple[type[VendorError], ...] = (VendorUnavailable, VendorTimeout)


class AdapterLoadError(VendorMisconfigured):
    """An entry point in `sealhub.adapters` cannot be used. Names the distribution at fault."""

    def __init__(self, detail: str, *, vendor: str, distribution: str, **extra: Any) -> None:
        super().__init__(detail, vendor=vendor, distribution=distribution, **extra)
        self.distribution = distribution


class CircuitOpen(VendorUnavailable):
    """Fail-fast answer while a vendor's circuit breaker is open."""


__all__ = [
    "RETRYABLE",
    "AdapterError",
    "AdapterLoadError",
    "CircuitOpen",
    "VendorBadAnswer",
    "VendorError",
    "VendorMisconfigured",
    "VendorRejected",
    "VendorTimeout",
    "VendorUnavailable",
]
