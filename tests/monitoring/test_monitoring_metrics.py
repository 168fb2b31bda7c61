"""The metrics module: scrape format, route templates, label guards, every issue-6 name."""

from __future__ import annotations

from litestar import Litestar, get
from litestar.params import FromPath
from litestar.testing import TestClient
from prometheus_client import REGISTRY
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.parser import text_string_to_metric_families

from hub.app import create_app
from hub.errors import NotFound, VendorTimeout, VendorUnavailable
from hub.problems import EXCEPTION_HANDLERS
from hub.services import DEPENDENCIES
from hub.settings import MetricsSettings, Settings
from monitoring import metrics
from monitoring.http import MetricsController, MetricsMiddleware

ISSUE_6_NAMES = {
    "sealhub_http_requests",
    "sealhub_http_request_duration_seconds",
    "sealhub_vendor_requests",
    "sealhub_vendor_request_duration_seconds",
    "sealhub_vendor_up",
    "sealhub_vendor_circuit_state",
    "sealhub_vendor_rating",
    "sealhub_vendor_ratings",
    "sealhub_vendor_quality_score",
    "sealhub_vendor_rank",
    "sealhub_vendor_admission_status",
    "sealhub_seals_issued",
    "sealhub_signatures",
    "sealhub_verifications",
    "sealhub_evidence_log_size",
    "sealhub_password_lockouts",
    "sealhub_cross_tenant_denied",
}


def _families(text: str) -> dict[str, object]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def _sample(text: str, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return None


def test_scrape_parses_and_names_every_issue_metric() -> None:
    metrics.record_vendor_call("refa", "sign", "ok", 0.02)
    metrics.set_vendor_up("refa", True)
    metrics.set_circuit_state("refa", "open")
    metrics.rating_received("refa", 4)
    metrics.set_vendor_rating("refa", 4.2)
    metrics.set_ranking([("refa", 91.5, 1)])
    metrics.admission_status("refa", "bureau-a", "admitted")
    metrics.seal_issued("bureau-a", "refa")
    metrics.signature_made("bureau-a", "refa")
    metrics.verification("valid")
    metrics.evidence_log_size(17)
    metrics.password_lockout("bureau-a")
    metrics.cross_tenant_denied("bureau-a")
    with TestClient(_hub_like_app()) as client:
        client.get("/health/live")
        response = client.get("/metrics", headers=SCRAPE_HEADERS)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = _families(response.text)
    assert set(families) >= ISSUE_6_NAMES, ISSUE_6_NAMES - set(families)
    # Every family served is one declared in monitoring/metrics.py (metrics in one module).
    declared = {c._name for c in vars(metrics).values() if isinstance(c, MetricWrapperBase)}
    for name in families:
        if name.startswith("sealhub_"):
            assert name in declared, name
    text = response.text
    assert _sample(text, "sealhub_vendor_circuit_state", vendor="refa") == 2
    assert _sample(text, "sealhub_vendor_rank", vendor="refa") == 1
    assert (
        _sample(
            text,
            "sealhub_vendor_admission_status",
            vendor="refa",
            tenant="bureau-a",
            status="admitted",
        )
        == 1
    )
    assert (
        _sample(
            text,
            "sealhub_vendor_admission_status",
            vendor="refa",
            tenant="bureau-a",
            status="suspended",
        )
        == 0
    )
    assert _sample(text, "sealhub_evidence_log_size") == 17
    assert (
        _sample(
            text,
            "sealhub_http_requests_total",
            route="/health/live",
            method="GET",
            status_class="2xx",
        )
        or 0
    ) >= 1


@get("/things/{thing_id:int}", operation_id="thing", summary="t", sync_to_thread=False)
def thing(thing_id: FromPath[int]) -> dict[str, int]:
    if thing_id == 404:
        raise NotFound("no such thing")
    return {"id": thing_id}


# /metrics answers only the scraper (monitoring.http.check_scraper); TestClient is not on
# loopback, so these apps have a token.
SCRAPE_TOKEN = "scrape-token-for-tests"
SCRAPE_HEADERS = {"Authorization": "Bearer " + SCRAPE_TOKEN}


def _hub_like_app() -> Litestar:
    """The hub's health and metrics wiring without its lifespans (which would bind every
    table to a database of this test's own and disturb the session database)."""
    from hub.health.controllers import HealthController

    app = Litestar(
        [HealthController, MetricsController],
        middleware=[MetricsMiddleware],
        exception_handlers=EXCEPTION_HANDLERS,
        dependencies=DEPENDENCIES,  # the hub's providers (hub.services)
    )
    app.state.settings = Settings(metrics=MetricsSettings(token=SCRAPE_TOKEN))
    return app


def _probe_app() -> Litestar:
    app = Litestar(
        [thing, MetricsController],
        middleware=[MetricsMiddleware],
        exception_handlers=EXCEPTION_HANDLERS,
        dependencies=DEPENDENCIES,  # the hub's providers (hub.services)
    )
    app.state.settings = Settings(metrics=MetricsSettings(token=SCRAPE_TOKEN))
    return app


def test_middleware_labels_by_route_template_and_status_class() -> None:
    before_ok = (
        REGISTRY.get_sample_value(
            "sealhub_http_requests_total",
            {"route": "/things/{thing_id}", "method": "GET", "status_class": "2xx"},
        )
        or 0
    )
    before_404 = (
        REGISTRY.get_sample_value(
            "sealhub_http_requests_total",
            {"route": "/things/{thing_id}", "method": "GET", "status_class": "4xx"},
        )
        or 0
    )
    with TestClient(_probe_app()) as client:
        for n in (31415926, 27182818, 16180339):
            assert client.get(f"/things/{n}").status_code == 200
        assert client.get("/things/404").status_code == 404
        text = client.get("/metrics", headers=SCRAPE_HEADERS).text
    labels = {"route": "/things/{thing_id}", "method": "GET"}
    assert (
        _sample(text, "sealhub_http_requests_total", status_class="2xx", **labels) == before_ok + 3
    )
    assert (
        _sample(text, "sealhub_http_requests_total", status_class="4xx", **labels) == before_404 + 1
    )
    # The raw path (with its ids) never becomes a label value.
    for digits in ("31415926", "27182818", "16180339"):
        assert digits not in text
    count = _sample(
        text, "sealhub_http_request_duration_seconds_count", status_class="2xx", **labels
    )
    assert count is not None and count >= 3


def test_create_app_wires_metrics_and_the_switch_removes_them() -> None:
    on = create_app(Settings())
    assert "/metrics" in {route.path for route in on.routes}
    assert MetricsMiddleware in on.middleware
    off = create_app(Settings(metrics=MetricsSettings(enabled=False)))
    assert "/metrics" not in {route.path for route in off.routes}
    assert MetricsMiddleware not in off.middleware


def test_cardinality_guard_every_label_is_bounded() -> None:
    for collector_name, collector in vars(metrics).items():
        if hasattr(collector, "_labelnames") and hasattr(collector, "_name"):
            assert collector._name.startswith("sealhub_"), collector_name
            assert set(collector._labelnames) <= metrics.ALLOWED_LABELS, collector_name
            kind = type(collector).__name__
            if kind in {"Counter", "Histogram"}:
                suffixed = collector._name.endswith("_seconds") or kind == "Counter"
                assert suffixed, f"{collector._name}: histograms carry a unit"


def test_personal_data_and_ids_never_become_label_values() -> None:
    leaks = [
        "110101199003074258",  # a resident ID number
        "13812345678",  # a mobile number
        "张三",  # a name
        "Zhang San",
        "5f0c6f4e-9a1b-4c2d-8e3f-001122334455",  # a row id
        "ab0c6f4e-9a1b-4c2d-8e3f-0a1b22c34d55",  # a row id that starts like a slug
        "ab0c6f4e9a1b4c2d8e3f0a1b22c34d55",  # the same, as hex
        "bureau-a/../x",
        "x" * 80,
    ]
    for leak in leaks:
        metrics.seal_issued(leak, leak)
        metrics.cross_tenant_denied(leak)
        metrics.record_vendor_call(leak, "sign", "ok", 0.01)
    metrics.record_http_request("/seals/110101199003074258", "GET", 200, 0.01)
    metrics.record_vendor_call("refb", "drop_table", "mystery", 0.01)  # type: ignore[arg-type]
    text = metrics.render(None)[0].decode()
    for leak in leaks:
        assert leak not in text
    assert "110101199003074258" not in text
    assert "drop_table" not in text and "mystery" not in text
    assert (
        _sample(
            text,
            "sealhub_vendor_requests_total",
            vendor="refb",
            operation="_invalid_",
            outcome="_invalid_",
        )
        is not None
    )
    assert (
        _sample(text, "sealhub_seals_issued_total", tenant="_invalid_", vendor="_invalid_")
        is not None
    )


def test_slugs_with_region_codes_are_fine() -> None:
    metrics.seal_issued("gaj-150102", "vendor-2026")
    metrics.cross_tenant_denied("t-0817526e06")
    text = metrics.render(None)[0].decode()
    assert (
        _sample(text, "sealhub_seals_issued_total", tenant="gaj-150102", vendor="vendor-2026")
        is not None
    )
    assert _sample(text, "sealhub_cross_tenant_denied_total", tenant="t-0817526e06") is not None


def test_bad_enums_raise_instead_of_guessing() -> None:
    import pytest

    with pytest.raises(ValueError):
        metrics.admission_status("refa", "bureau-a", "banned")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        metrics.set_circuit_state("refa", "ajar")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        metrics.rating_received("refa", 6)


def test_vendor_outcome_maps_the_error_tree() -> None:
    assert metrics.vendor_outcome(None) == "ok"
    assert metrics.vendor_outcome(VendorTimeout("slow", vendor="refa")) == "timeout"
    assert metrics.vendor_outcome(VendorUnavailable("down", vendor="refa")) == "unavailable"
    assert metrics.vendor_outcome(RuntimeError("boom")) == "error"
