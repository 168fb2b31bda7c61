"""`http` adapter (client), the reference vendor server, and the vendor API contract
(vendor-api.yaml, OpenAPI 3.1)."""

from adapters.http.breaker import CircuitBreaker, CircuitState
from adapters.http.client import HttpVendor

__all__ = ["CircuitBreaker", "CircuitState", "HttpVendor"]
