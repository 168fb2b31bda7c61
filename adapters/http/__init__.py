"""`http` adapter (client), the reference vendor server, and the vendor API contract
(vendor-api.yaml, OpenAPI 3.1)."""

from adapters.http.client import HttpVendor
from adapters.http.breaker import CircuitBreaker, CircuitState

__all__ = ["CircuitBreaker", "CircuitState", "HttpVendor"]
