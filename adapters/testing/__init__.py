"""Tools for vendors and for the hub's own tests: the conformance suite and a runner
for reference vendor processes."""

from adapters.testing.conformance import (
    KNOWN_TEXTS,
    ConformanceReport,
    assert_conformant,
    run_conformance,
)
from adapters.testing.process import VendorProcess

__all__ = [
    "KNOWN_TEXTS",
    "ConformanceReport",
    "VendorProcess",
    "assert_conformant",
    "run_conformance",
]
