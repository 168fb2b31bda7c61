"""/metrics is not public in the chart: the hub reads SEALHUB_METRICS_TOKEN from the
Secret, and the ServiceMonitor sends the same key of the same Secret as its bearer token."""

from __future__ import annotations

from typing import Any

from helm_render import manifests, render

MIN = {
    "masterKey": "MDEyMzQ1Njc4OWFiY2RlZg==",
    "database": {"url": "postgres://u:p@db:5432/sealhub"},
}


def _kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def _hub_env(docs: list[dict[str, Any]]) -> dict[str, Any]:
    (deployment,) = _kind(docs, "Deployment")
    return {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}


def test_service_monitor_sends_the_token_the_hub_demands() -> None:
    values = {
        **MIN,
        "metrics": {"token": "s3cret-scrape-token", "serviceMonitor": {"enabled": True}},
    }
    docs = manifests(render(values))
    (secret,) = _kind(docs, "Secret")
    assert secret["stringData"]["metrics-token"] == "s3cret-scrape-token"
    ref = _hub_env(docs)["SEALHUB_METRICS_TOKEN"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": secret["metadata"]["name"], "key": "metrics-token"}
    (monitor,) = _kind(docs, "ServiceMonitor")
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics"
    assert endpoint["authorization"] == {"type": "Bearer", "credentials": ref}
    # The token is a secret: it appears in the Secret only, never in the ConfigMap.
    (config,) = _kind(docs, "ConfigMap")
    assert "s3cret-scrape-token" not in str(config) + str(monitor)


def test_an_unset_token_is_generated_not_left_empty() -> None:
    docs = manifests(render({**MIN, "metrics": {"serviceMonitor": {"enabled": True}}}))
    (secret,) = _kind(docs, "Secret")
    token = secret["stringData"]["metrics-token"]
    assert len(token) == 40 and token.isalnum()


def test_existing_secret_supplies_the_token_under_its_key() -> None:
    docs = manifests(
        render(
            {
                "existingSecret": "mine",
                "existingSecretKeys": {
                    "masterKey": "MK",
                    "databaseUrl": "DB",
                    "metricsToken": "SCRAPE",
                },
                "metrics": {"serviceMonitor": {"enabled": True}},
            }
        )
    )
    ref = _hub_env(docs)["SEALHUB_METRICS_TOKEN"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": "mine", "key": "SCRAPE"}
    (monitor,) = _kind(docs, "ServiceMonitor")
    assert monitor["spec"]["endpoints"][0]["authorization"]["credentials"] == ref


def test_metrics_off_means_no_token_in_the_pod() -> None:
    docs = manifests(render({**MIN, "metrics": {"enabled": False}}))
    assert "SEALHUB_METRICS_TOKEN" not in _hub_env(docs)
