"""Vendor admission (准入) per tenant: registration, rules, conformance, status history,
re-evaluation from live quality, and the vendor choice for new seals."""

from adapters.admission.live import CallLog, QualitySource, RecordingVendor
from adapters.admission.rules import AdmissionRules
from adapters.admission.services import AdmissionScheduler, AdmissionService, Transition

__all__ = [
    "AdmissionRules",
    "AdmissionScheduler",
    "AdmissionService",
    "CallLog",
    "QualitySource",
    "RecordingVendor",
    "Transition",
]
