"""Admission tables. Registrations are hub-wide; admissions, rules and the status history
are per tenant and carry `tenant_id`. JSON is stored as text (same on both engines)."""

from __future__ import annotations

from piccolo.columns import UUID, Boolean, Bytea, Integer, Real, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class VendorRegistration(Table, tablename="vendor_registration"):
    """A vendor known to the hub (registered by the hub operator)."""

    id = UUID(primary_key=True)
    name = Varchar(length=64, unique=True)  # also the metrics label and the seal's vendor
    kind = Varchar(length=32)  # adapter kind (entry point name): local, http, csc, ...
    endpoint = Varchar(length=500, null=True, default=None)
    config = Text(default="{}")  # adapter config (non-secret; tokens come from settings)
    product_certificate = Varchar(length=128, null=True, default=None)  # 商用密码产品认证证书
    maker_ca_cert = Bytea(null=True, default=None)  # DER, as declared by the vendor
    sla_p95_ms = Integer(default=1000)  # declared p95 latency
    registered_at = Timestamptz(default=TimestamptzNow())


class AdmissionRuleSet(Table, tablename="admission_rule_set"):
    id = UUID(primary_key=True)
    tenant_id = UUID(unique=True)
    rules = Text(default="{}")  # AdmissionRules.to_dict() as JSON
    updated_at = Timestamptz(default=TimestamptzNow())


class Admission(Table, tablename="admission"):
    """A vendor's current standing in one tenant; unique (tenant_id, vendor)."""

    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    tenant_slug = Varchar(length=63)
    vendor = Varchar(length=64, index=True)
    status = Varchar(length=16)  # applied | probation | admitted | suspended | revoked
    automatic = Boolean(default=False)  # suspended by the rules (so the rules may restore)
    conformance_passed = Boolean(null=True, default=None)
    conformance = Text(default="{}")  # last ConformanceReport.to_dict() as JSON
    status_since = Timestamptz(default=TimestamptzNow())


class AdmissionEvent(Table, tablename="admission_event"):
    """The status history, like a trusted list's: append-only, dated, with reason and
    evidence (conformance report, metric values) as JSON."""

    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    vendor = Varchar(length=64, index=True)
    from_status = Varchar(length=16, null=True, default=None)
    to_status = Varchar(length=16)
    reason = Text(default="")
    evidence = Text(default="{}")
    actor = Varchar(length=64)  # "rules" for automatic changes, else an account id
    at = Timestamptz(default=TimestamptzNow())


class VendorRegistrationChange(Table, tablename="vendor_registration_change"):
    """A correction of a vendor's registration (endpoint, certificates, SLA, config):
    what it was, what it became, who and why. Append-only."""

    id = UUID(primary_key=True)
    vendor = Varchar(length=64, index=True)
    before = Text(default="{}")  # JSON of the changed fields' old values
    after = Text(default="{}")
    reason = Text(default="")
    actor_account_id = UUID(null=True, default=None)
    at = Timestamptz(default=TimestamptzNow())


class VendorObservation(Table, tablename="vendor_observation"):
    """One adapter call or health probe, from any replica: the live quality window
    (adapters/admission/shared.py) is computed from these rows."""

    id = UUID(primary_key=True)
    vendor = Varchar(length=64, index=True)
    kind = Varchar(length=8)  # "call" | "probe"
    ok = Boolean(default=False)
    seconds = Real(default=0.0)
    at = Timestamptz(default=TimestamptzNow(), index=True)
