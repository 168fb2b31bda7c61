"""A tenant's admission rules: declarative data, checked by pure functions.

Stored as JSON per tenant; `AdmissionRules.from_dict` rejects unknown keys and wrong
types with the field named, so a typo never silently weakens a rule.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from adapters.admission.records import VendorRegistrationRecord
from adapters.testing import ConformanceReport
from hub.errors import ValidationFailed

#: Registration fields a tenant can require ("required credentials").
CREDENTIALS = ("product_certificate", "maker_ca_cert")


@dataclass(frozen=True)
class AdmissionRules:
    required_credentials: tuple[str, ...] = ("product_certificate",)
    max_sla_p95_ms: int | None = None  # the vendor's declared p95 must be at most this
    require_conformance: bool = True
    min_quality_score: float | None = None  # monitoring.quality score, 0-100
    max_error_rate: float | None = None  # 0..1, same number as the ranking's
    probation_min_calls: int = 20  # live calls seen in probation before admission
    suspended_vendor_may_sign: bool = True  # existing seals of a suspended vendor

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AdmissionRules:
        known = {f.name: f for f in fields(cls)}
        for key in data:
            if key not in known:
                raise ValidationFailed(f"unknown admission rule {key!r}", field=key)
        values: dict[str, Any] = {}
        for key, value in data.items():
            values[key] = _coerce(key, value)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["required_credentials"] = list(self.required_credentials)
        return out


def _coerce(key: str, value: Any) -> Any:
    def bad(why: str) -> ValidationFailed:
        return ValidationFailed(f"admission rule {key}: {why}", field=key)

    if key == "required_credentials":
        if not isinstance(value, list | tuple) or any(v not in CREDENTIALS for v in value):
            raise bad(f"a list drawn from {', '.join(CREDENTIALS)}")
        return tuple(value)
    if key in ("require_conformance", "suspended_vendor_may_sign"):
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if value is None and key in ("max_sla_p95_ms", "min_quality_score", "max_error_rate"):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad("a number")
    if key == "max_error_rate" and not 0 <= value <= 1:
        raise bad("between 0 and 1")
    if key == "min_quality_score" and not 0 <= value <= 100:
        raise bad("between 0 and 100")
    if key in ("max_sla_p95_ms", "probation_min_calls"):
        if value != int(value) or value < 0:
            raise bad("a non-negative integer")
        return int(value)
    return float(value)


@dataclass(frozen=True)
class Verdict:
    passed: bool
    reasons: tuple[str, ...]


def application_verdict(
    rules: AdmissionRules,
    registration: VendorRegistrationRecord,
    conformance: ConformanceReport | None,
) -> Verdict:
    """Entry rules: credentials, declared SLA, conformance. Every failing rule is named."""
    reasons = []
    for credential in rules.required_credentials:  # names from CREDENTIALS
        if not getattr(registration, credential, None):
            reasons.append(f"required credential missing: {credential}")
    sla = registration.sla_p95_ms
    if rules.max_sla_p95_ms is not None and (sla is None or sla > rules.max_sla_p95_ms):
        reasons.append(f"declared SLA p95 {sla} ms exceeds the tenant's {rules.max_sla_p95_ms} ms")
    if rules.require_conformance:
        if conformance is None:
            reasons.append("conformance suite not run")
        elif not conformance.passed:
            names = ", ".join(c.name for c in conformance.failed)
            reasons.append(f"conformance failed: {names}")
    return Verdict(passed=not reasons, reasons=tuple(reasons))
