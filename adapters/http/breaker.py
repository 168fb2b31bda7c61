"""A circuit breaker per vendor, per hub replica.

    closed --(failure_threshold consecutive failures)--> open
    open   --(reset_timeout elapsed; next call becomes the probe)--> half-open
    half-open --(probe succeeds)--> closed
    half-open --(probe fails)--> open (timer restarts)

While open, calls fail at once with `CircuitOpen` (a `VendorUnavailable`), so a dead
vendor costs the hub nothing but a dictionary lookup. In half-open only one probe is
in flight; concurrent callers fail fast until it has answered.

Failures are the vendor's faults only: unavailable, timeout, bad answer. A rejection
(the vendor's 4xx) proves the vendor is alive and counts as a success.

State is in memory, per replica, on purpose: each replica learns a vendor is down from
its own calls within `failure_threshold` requests, and no shared store sits on the
signing path. `on_change` lets monitoring export the state (sealhub_vendor_circuit_state).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from enum import StrEnum

from adapters.errors import (
    CircuitOpen,
    VendorBadAnswer,
    VendorRejected,
    VendorTimeout,
    VendorUnavailable,
)
from monitoring import metrics


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"  # spelled as monitoring.metrics.CIRCUIT_STATES


#: Numeric values for the Prometheus gauge (0 closed, 1 half-open, 2 open).
STATE_VALUE = {CircuitState.CLOSED: 0, CircuitState.HALF_OPEN: 1, CircuitState.OPEN: 2}

_FAULTS = (VendorUnavailable, VendorTimeout, VendorBadAnswer)


def publish_state(vendor: str, state: CircuitState) -> None:
    """`on_change` for hub-built adapters: export sealhub_vendor_circuit_state."""
    metrics.set_circuit_state(vendor, state.value)


class CircuitBreaker:
    def __init__(
        self,
        vendor: str,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[str, CircuitState], None] | None = None,
    ) -> None:
        self.vendor = vendor
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self._clock = clock
        self._on_change = on_change
        self.state = CircuitState.CLOSED
        self.failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False
        if on_change is not None:
            on_change(vendor, self.state)  # export "closed" from the start, not only changes

    @classmethod
    def from_config(cls, vendor: str, config: Mapping[str, str]) -> CircuitBreaker:
        """The breaker of a hub-built adapter: thresholds from the vendor's registration
        config, state exported as sealhub_vendor_circuit_state. Raises ValueError."""
        return cls(
            vendor,
            failure_threshold=int(config.get("failure_threshold", 5)),
            reset_timeout=float(config.get("reset_timeout", 10)),
            on_change=publish_state,
        )

    def _move(self, state: CircuitState) -> None:
        if state is not self.state:
            self.state = state
            if self._on_change is not None:
                self._on_change(self.vendor, state)

    def _admit(self) -> bool:
        """May a call go through now? Returns True if this call is the half-open probe."""
        if self.state is CircuitState.OPEN:
            if self._clock() - self._opened_at < self.reset_timeout:
                raise CircuitOpen(
                    f"vendor {self.vendor} is failing; circuit open, not calling it",
                    vendor=self.vendor,
                )
            self._move(CircuitState.HALF_OPEN)
        if self.state is CircuitState.HALF_OPEN:
            if self._probe_in_flight:
                raise CircuitOpen(
                    f"vendor {self.vendor} is being probed; circuit half-open",
                    vendor=self.vendor,
                )
            self._probe_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        self.failures = 0
        self._move(CircuitState.CLOSED)

    def record_failure(self) -> None:
        self.failures += 1
        if self.state is CircuitState.HALF_OPEN or self.failures >= self.failure_threshold:
            self._opened_at = self._clock()
            self._move(CircuitState.OPEN)

    @asynccontextmanager
    async def guard(self) -> AsyncIterator[None]:
        probe = self._admit()
        try:
            yield
        except CircuitOpen:
            raise
        except _FAULTS:
            self.record_failure()
            raise
        except VendorRejected:
            self.record_success()
            raise
        except BaseException:
            # Cancellation or a bug of ours says nothing about the vendor.
            if probe and self.state is CircuitState.HALF_OPEN:
                self._probe_in_flight = False
            raise
        else:
            self.record_success()
        finally:
            if probe:
                self._probe_in_flight = False
