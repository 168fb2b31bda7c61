"""Every SealHub metric object, in one module, and the typed helpers that record them.

Rules kept here so no caller has to remember them:

* names start with `sealhub_` and carry their unit (`_seconds`, `_total`);
* label values are bounded: a tenant or vendor *slug*, or one member of a fixed set
  (operation, outcome, status, verification outcome, HTTP status class, route template).
  Anything else (ids, names, ID numbers, document data, raw paths) is replaced by
  `_invalid_` before it reaches the registry, so a bug can never explode cardinality or
  leak personal data into Prometheus;
* several worker processes are fine: when `PROMETHEUS_MULTIPROC_DIR` is set in the process
  environment before this module is imported (prometheus-client decides at import time;
  `sealhub serve` sets it for its workers), every value goes to per-process files that
  `/metrics` aggregates. Each gauge declares how its per-process values combine.

Call the helpers (`record_vendor_call`, `seal_issued`, ...) rather than the objects.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Literal

# prometheus-client's own variable, read by prometheus-client at import: it enters
# multiprocess mode when the variable merely exists, and an empty one (how callers say
# "no multiprocess") would write its files into the working directory. Drop it first.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR") == "":
    del os.environ["PROMETHEUS_MULTIPROC_DIR"]

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    values,
)
from prometheus_client import multiprocess as _mp

from hub import errors

log = logging.getLogger(__name__)

# `_created` series double the scrape and do not exist in multiprocess mode; drop them so
# one worker and many expose the same series.
disable_created_metrics()

INVALID: Final = "_invalid_"

# -- the bounded vocabularies -------------------------------------------------------------

VENDOR_OPERATIONS: Final = frozenset(
    {"info", "health", "make_seal", "sign", "revoke", "verify", "conformance"}
)
VendorOperation = Literal["info", "health", "make_seal", "sign", "revoke", "verify", "conformance"]

# One outcome per VendorError subclass plus success, so dashboards can tell a slow vendor
# from a broken one.
VENDOR_OUTCOMES: Final = frozenset(
    {"ok", "error", "timeout", "unavailable", "bad_answer", "rejected", "misconfigured"}
)
VendorOutcome = Literal[
    "ok", "error", "timeout", "unavailable", "bad_answer", "rejected", "misconfigured"
]

VERIFICATION_OUTCOMES: Final = frozenset({"valid", "invalid", "indeterminate"})
VerificationOutcome = Literal["valid", "invalid", "indeterminate"]

ADMISSION_STATUSES: Final = ("applied", "probation", "admitted", "suspended", "revoked")
AdmissionStatus = Literal["applied", "probation", "admitted", "suspended", "revoked"]

# Circuit-breaker states as numbers so "max over workers" means "the worst state".
CIRCUIT_STATES: Final[Mapping[str, int]] = {"closed": 0, "half_open": 1, "open": 2}
CircuitState = Literal["closed", "half_open", "open"]

HTTP_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
STATUS_CLASSES: Final = frozenset({"1xx", "2xx", "3xx", "4xx", "5xx"})
LOCKOUT_KINDS: Final = frozenset({"seal", "account"})

STARS: Final = ("1", "2", "3", "4", "5")

# Tenant and vendor slugs: short, lowercase. Eleven or more digits in a row look like a
# mobile number (11), a resident ID (18) or a card number, which must never become a label;
# shorter runs are ordinary (a region code such as 150102 in a bureau's slug).
_SLUG = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_DIGIT_RUN = re.compile(r"\d{11,}")
# A row id is never a tenant or vendor slug, even when it happens to look like one.
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
# A route template from the router ("/tenants/{tenant:str}/seals/{seal_id:uuid}"):
# placeholders only, never a concrete id.
_ROUTE = re.compile(r"^/[A-Za-z0-9_./{}:-]{0,200}$")

# Labels any metric may carry. The cardinality test walks the registry against this.
ALLOWED_LABELS: Final = frozenset(
    {
        "tenant",
        "vendor",
        "operation",
        "outcome",
        "route",
        "method",
        "status_class",
        "status",
        "stars",
        "kind",
    }
)

LATENCY_BUCKETS: Final = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.075,
    0.1,
    0.25,
    0.5,
    0.75,
    1.0,
    2.5,
    5.0,
    10.0,
)


def multiprocess_enabled() -> bool:
    """True when prometheus-client was imported in multiprocess mode (values in files)."""
    value_class: type = values.ValueClass  # chosen at import, untyped in prometheus-client
    return value_class.__name__ != "MutexValue"


# -- HTTP ---------------------------------------------------------------------------------

HTTP_REQUESTS = Counter(
    "sealhub_http_requests",
    "HTTP requests served, by route template, method and status class.",
    ["route", "method", "status_class"],
)
HTTP_REQUEST_DURATION = Histogram(
    "sealhub_http_request_duration_seconds",
    "Time from request start to the last response byte, by route template.",
    ["route", "method", "status_class"],
    buckets=LATENCY_BUCKETS,
)

# -- vendors ------------------------------------------------------------------------------

VENDOR_REQUESTS = Counter(
    "sealhub_vendor_requests",
    "Calls the hub made to a vendor adapter, by operation and outcome.",
    ["vendor", "operation", "outcome"],
)
VENDOR_REQUEST_DURATION = Histogram(
    "sealhub_vendor_request_duration_seconds",
    "Duration of calls to a vendor adapter (all outcomes).",
    ["vendor", "operation"],
    buckets=LATENCY_BUCKETS,
)
VENDOR_UP = Gauge(
    "sealhub_vendor_up",
    "1 if the vendor's last health probe succeeded, else 0.",
    ["vendor"],
    multiprocess_mode="mostrecent",
)
VENDOR_CIRCUIT_STATE = Gauge(
    "sealhub_vendor_circuit_state",
    "Circuit breaker state per vendor: 0 closed, 1 half-open, 2 open (worst worker wins).",
    ["vendor"],
    multiprocess_mode="livemax",
)
VENDOR_SLA_P95 = Gauge(
    "sealhub_vendor_sla_p95_seconds",
    "The p95 latency the vendor declared in its SLA (alerts compare against it).",
    ["vendor"],
    multiprocess_mode="mostrecent",
)
VENDOR_RATING = Gauge(
    "sealhub_vendor_rating",
    "Bayesian-average user rating of the vendor, 1-5 stars.",
    ["vendor"],
    multiprocess_mode="mostrecent",
)
VENDOR_RATINGS = Counter(
    "sealhub_vendor_ratings",
    "User ratings received, by number of stars.",
    ["vendor", "stars"],
)
VENDOR_QUALITY_SCORE = Gauge(
    "sealhub_vendor_quality_score",
    "Hub-wide quality score 0-100 (see monitoring.quality for the formula).",
    ["vendor"],
    multiprocess_mode="mostrecent",
)
VENDOR_RANK = Gauge(
    "sealhub_vendor_rank",
    "Hub-wide rank by quality score, 1 = best.",
    ["vendor"],
    multiprocess_mode="mostrecent",
)
VENDOR_ADMISSION_STATUS = Gauge(
    "sealhub_vendor_admission_status",
    "1 for the vendor's current admission status in a tenant, 0 for the other statuses.",
    ["vendor", "tenant", "status"],
    multiprocess_mode="mostrecent",
)
ADMISSION_MIN_QUALITY = Gauge(
    "sealhub_admission_min_quality_score",
    "A tenant's admission floor for the quality score (0-100).",
    ["tenant"],
    multiprocess_mode="mostrecent",
)
ADMISSION_MAX_ERROR_RATIO = Gauge(
    "sealhub_admission_max_error_ratio",
    "A tenant's admission ceiling for the vendor error ratio (0-1).",
    ["tenant"],
    multiprocess_mode="mostrecent",
)

# -- the hub's own work -------------------------------------------------------------------

SEALS_ISSUED = Counter(
    "sealhub_seals_issued", "Electronic seals made and accepted.", ["tenant", "vendor"]
)
SEAL_MAKE_FAILURES = Counter(
    "sealhub_seal_make_failures",
    "Seal makes that no vendor completed (the seal stays applied/approved; retryable).",
    ["tenant", "vendor"],
)
SIGNATURES = Counter(
    "sealhub_signatures", "Signatures made and verified by the hub.", ["tenant", "vendor"]
)
VERIFICATIONS = Counter(
    "sealhub_verifications", "Verification reports produced, by overall outcome.", ["outcome"]
)
EVIDENCE_LOG_SIZE = Gauge(
    "sealhub_evidence_log_size",
    "Entries in the evidence log (tree size of the latest signed tree head).",
    multiprocess_mode="max",
)
PASSWORD_LOCKOUTS = Counter(
    "sealhub_password_lockouts",
    "Passwords locked after too many failures: kind=seal (a seal's protection password) "
    "or kind=account (a login).",
    ["tenant", "kind"],
)
LOGINS_THROTTLED = Counter(
    "sealhub_logins_throttled",
    "Logins refused unchecked (429) because their client address failed too many recently "
    "(password spraying). No labels: the address and the claimed tenant are the caller's.",
)
CROSS_TENANT_DENIED = Counter(
    "sealhub_cross_tenant_denied",
    "Requests that tried to reach another tenant's data (answered 404).",
    ["tenant"],
)

# -- time-stamping and witnesses (hub.tsa, hub.evidence.witness) --------------------------

TIMESTAMPS = Counter(
    "sealhub_timestamps",
    "Time-stamp tokens asked for, by kind of authority (hub = the in-hub TSA, external = "
    "a tenant-named TSA) and outcome (granted, rejected, failed).",
    ["kind", "outcome"],
)
TSA_REQUEST_DURATION = Histogram(
    "sealhub_tsa_request_duration_seconds",
    "Round trip of requests to an external TSA, per attempt (all outcomes).",
    ["outcome"],
    buckets=LATENCY_BUCKETS,
)
WITNESS_CHECKPOINTS = Counter(
    "sealhub_witness_checkpoints",
    "Checkpoints a witness was asked to cosign, by outcome (cosigned, fork, inconsistent, "
    "stale, unknown_log, bad_signature, bad_request).",
    ["outcome"],
)
COSIGNATURE_REQUESTS = Counter(
    "sealhub_cosignature_requests",
    "Checkpoints the hub sent to witnesses, by outcome (cosigned, refused, failed).",
    ["outcome"],
)
COSIGNING_DURATION = Histogram(
    "sealhub_cosigning_duration_seconds",
    "Time from signing a checkpoint to holding its cosignatures from the policy's witnesses.",
    buckets=LATENCY_BUCKETS,
)
TIMESTAMP_OUTCOMES: Final = frozenset({"granted", "rejected", "failed"})
WITNESS_OUTCOMES: Final = frozenset(
    {"cosigned", "fork", "inconsistent", "stale", "unknown_log", "bad_signature", "bad_request"}
)


# -- label guards -------------------------------------------------------------------------


def _guard(value: str, ok: bool, label: str) -> str:
    if ok:
        return value
    # Log the label name only: the rejected value may be exactly the data we keep out.
    log.warning("metrics: rejected a value for label %r", label)
    return INVALID


def slug_label(value: str, label: str = "slug") -> str:
    """A tenant or vendor slug, or `_invalid_`."""
    ok = bool(_SLUG.match(value)) and not _DIGIT_RUN.search(value) and not _UUID.search(value)
    return _guard(value, ok, label)


def _member(value: str, allowed: Iterable[str], label: str) -> str:
    return _guard(value, value in allowed, label)


def route_label(template: str) -> str:
    ok = bool(_ROUTE.match(template)) and not _DIGIT_RUN.search(template)
    return _guard(template, ok, "route")


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status <= 599 else INVALID


# -- helpers other packages call ----------------------------------------------------------


# (route, method, status) -> (counter child, histogram child). Every request lands here,
# so skip the label guards and prometheus-client's locked child lookup after the first
# time. Bounded like the labels: route templates and methods are finite, and anything
# the guards reject collapses onto `_invalid_` children.
# Label children per raw (unchecked) key: the label checks and `labels()` lookups run
# once per distinct key, not on every request. Bounded, so odd keys cannot grow it.
_CHILDREN_MAX = 4096
_Children = tuple[Any, Any]
_HTTP_CHILDREN: dict[tuple[str, str, int], _Children] = {}
_VENDOR_CHILDREN: dict[tuple[str, str, str], _Children] = {}


def _children(cache: dict[Any, _Children], key: Any, make: Callable[[], _Children]) -> _Children:
    children = cache.get(key)
    if children is None:
        children = make()
        if len(cache) < _CHILDREN_MAX:
            cache[key] = children
    return children


def record_http_request(route: str, method: str, status: int, seconds: float) -> None:
    def make() -> _Children:
        labels = (route_label(route), _member(method, HTTP_METHODS, "method"), status_class(status))
        return HTTP_REQUESTS.labels(*labels), HTTP_REQUEST_DURATION.labels(*labels)

    counter, histogram = _children(_HTTP_CHILDREN, (route, method, status), make)
    counter.inc()
    histogram.observe(seconds)


def record_vendor_call(
    vendor: str, operation: VendorOperation, outcome: VendorOutcome, seconds: float
) -> None:
    """One call to a vendor adapter: count it by outcome and time it."""

    def make() -> _Children:
        v = slug_label(vendor, "vendor")
        op = _member(operation, VENDOR_OPERATIONS, "operation")
        return (VENDOR_REQUESTS.labels(v, op, _member(outcome, VENDOR_OUTCOMES, "outcome")),
                VENDOR_REQUEST_DURATION.labels(v, op))  # fmt: skip

    counter, histogram = _children(_VENDOR_CHILDREN, (vendor, operation, outcome), make)
    counter.inc()
    histogram.observe(max(seconds, 0.0))


def vendor_outcome(exc: BaseException | None) -> VendorOutcome:
    """Map an exception from hub.errors (or None for success) to a vendor outcome label."""
    if exc is None:
        return "ok"

    table: tuple[tuple[type[BaseException], VendorOutcome], ...] = (
        (errors.VendorTimeout, "timeout"),
        (errors.VendorUnavailable, "unavailable"),
        (errors.VendorBadAnswer, "bad_answer"),
        (errors.VendorRejected, "rejected"),
        (errors.VendorMisconfigured, "misconfigured"),
        (TimeoutError, "timeout"),
    )
    for cls, outcome in table:
        if isinstance(exc, cls):
            return outcome
    return "error"


def set_vendor_up(vendor: str, up: bool) -> None:
    VENDOR_UP.labels(slug_label(vendor, "vendor")).set(1 if up else 0)


def set_circuit_state(vendor: str, state: CircuitState) -> None:
    if state not in CIRCUIT_STATES:
        raise ValueError(f"unknown circuit state {state!r}")
    VENDOR_CIRCUIT_STATE.labels(slug_label(vendor, "vendor")).set(CIRCUIT_STATES[state])


def set_vendor_sla(vendor: str, p95_seconds: float) -> None:
    VENDOR_SLA_P95.labels(slug_label(vendor, "vendor")).set(p95_seconds)


def rating_received(vendor: str, stars: int) -> None:
    if not 1 <= stars <= 5:
        raise ValueError("stars must be 1..5")
    VENDOR_RATINGS.labels(slug_label(vendor, "vendor"), str(stars)).inc()


def set_vendor_rating(vendor: str, bayesian_average: float) -> None:
    VENDOR_RATING.labels(slug_label(vendor, "vendor")).set(bayesian_average)


def set_ranking(entries: Iterable[tuple[str, float, int]]) -> None:
    """Publish the hub-wide ranking: (vendor, quality score 0-100, rank 1 = best)."""
    for vendor, score, rank in entries:
        v = slug_label(vendor, "vendor")
        VENDOR_QUALITY_SCORE.labels(v).set(score)
        VENDOR_RANK.labels(v).set(rank)


def admission_status(vendor: str, tenant: str, status: AdmissionStatus) -> None:
    """Mark `status` as the vendor's current admission status in `tenant` (others 0)."""
    if status not in ADMISSION_STATUSES:
        raise ValueError(f"unknown admission status {status!r}")
    v, t = slug_label(vendor, "vendor"), slug_label(tenant, "tenant")
    for s in ADMISSION_STATUSES:
        VENDOR_ADMISSION_STATUS.labels(v, t, s).set(1 if s == status else 0)


def set_admission_floors(tenant: str, min_quality_score: float, max_error_ratio: float) -> None:
    t = slug_label(tenant, "tenant")
    ADMISSION_MIN_QUALITY.labels(t).set(min_quality_score)
    ADMISSION_MAX_ERROR_RATIO.labels(t).set(max_error_ratio)


def seal_issued(tenant: str, vendor: str) -> None:
    SEALS_ISSUED.labels(slug_label(tenant, "tenant"), slug_label(vendor, "vendor")).inc()


def seal_make_failed(tenant: str, vendor: str) -> None:
    SEAL_MAKE_FAILURES.labels(slug_label(tenant, "tenant"), slug_label(vendor, "vendor")).inc()


def signature_made(tenant: str, vendor: str) -> None:
    SIGNATURES.labels(slug_label(tenant, "tenant"), slug_label(vendor, "vendor")).inc()


def verification(outcome: VerificationOutcome) -> None:
    VERIFICATIONS.labels(_member(outcome, VERIFICATION_OUTCOMES, "outcome")).inc()


def evidence_log_size(entries: int) -> None:
    EVIDENCE_LOG_SIZE.set(entries)


def password_lockout(tenant: str, kind: Literal["seal", "account"] = "seal") -> None:
    if kind not in LOCKOUT_KINDS:
        raise ValueError(f"lockout kind {kind!r} is not one of {sorted(LOCKOUT_KINDS)}")
    PASSWORD_LOCKOUTS.labels(slug_label(tenant, "tenant"), kind).inc()


def login_throttled() -> None:
    LOGINS_THROTTLED.inc()


def cross_tenant_denied(tenant: str) -> None:
    """Count an attempt by `tenant` (the caller's own, from its token) to reach another's data."""
    CROSS_TENANT_DENIED.labels(slug_label(tenant, "tenant")).inc()


def timestamp_issued(authority: Literal["hub", "external"], outcome: str) -> None:
    TIMESTAMPS.labels(
        _member(authority, ("hub", "external"), "kind"),
        _member(outcome, TIMESTAMP_OUTCOMES, "outcome"),
    ).inc()


def tsa_request(outcome: str, seconds: float) -> None:
    TSA_REQUEST_DURATION.labels(_member(outcome, TIMESTAMP_OUTCOMES, "outcome")).observe(seconds)


def witness_checkpoint(outcome: str) -> None:
    WITNESS_CHECKPOINTS.labels(_member(outcome, WITNESS_OUTCOMES, "outcome")).inc()


def cosignature_request(outcome: Literal["cosigned", "refused", "failed"]) -> None:
    COSIGNATURE_REQUESTS.labels(
        _member(outcome, ("cosigned", "refused", "failed"), "outcome")
    ).inc()


def checkpoint_cosigned(seconds: float) -> None:
    COSIGNING_DURATION.observe(seconds)


# -- exposition ---------------------------------------------------------------------------


# --- seal lifecycle notices, expiry and one-time codes (issue 18) -------------------------
SEAL_NOTICE_KINDS: Final = frozenset(
    {
        "expiry-30",
        "expiry-7",
        "expired",
        "mold-suspended",
        "mold-revoked",
        "mold-replaced",
        "mold-reactivated",
        "password-reset",
        "used",
    }
)
SEAL_NOTICES = Counter(
    "sealhub_seal_notices",
    "Notices sent to seal owners, by kind (coming expiry, expired, mold changes, resets).",
    ["kind"],
)
SEALS_EXPIRED = Counter(
    "sealhub_seals_expired", "Seals the scheduler moved to expired past their validity."
)
OTP_WRONG = Counter(
    "sealhub_otp_wrong_codes",
    "Wrong one-time codes entered, by operation: the code's purpose (registration, intent, reset).",
    ["operation"],
)
OTP_PURPOSES: Final = frozenset({"registration", "intent", "reset"})


def seal_notice(kind: str) -> None:
    SEAL_NOTICES.labels(kind if kind in SEAL_NOTICE_KINDS else "other").inc()


def seals_expired(count: int) -> None:
    if count:
        SEALS_EXPIRED.inc(count)


def otp_wrong(purpose: str) -> None:
    OTP_WRONG.labels(purpose if purpose in OTP_PURPOSES else "other").inc()


def render(multiprocess_dir: str | None = None) -> tuple[bytes, str]:
    """The scrape body and its content type.

    `multiprocess_dir` comes from settings.metrics.multiprocess_dir. In multiprocess mode
    a fresh registry reads every worker's files, so any worker answers for all of them.
    """
    if multiprocess_dir and multiprocess_enabled():
        registry = CollectorRegistry()
        _mp.MultiProcessCollector(registry, path=multiprocess_dir)
        return generate_latest(registry), CONTENT_TYPE_PLAIN_0_0_4
    return generate_latest(REGISTRY), CONTENT_TYPE_PLAIN_0_0_4


def mark_process_dead(pid: int, multiprocess_dir: str | None) -> None:
    """Drop a finished worker's live* gauge files (counters and histograms are kept)."""
    if multiprocess_dir and multiprocess_enabled():
        _mp.mark_process_dead(pid, multiprocess_dir)
