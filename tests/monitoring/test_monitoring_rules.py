"""The shipped Prometheus rules pass the real promtool, and every alert is unit-tested."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "helm/sealhub/files/rules/sealhub-rules.yaml"
RULE_TESTS = Path(__file__).parent / "rules/sealhub-rules.test.yaml"
REQUIRED_ALERTS = {
    "SealHubVendorDown",
    "SealHubVendorErrorRateHigh",
    "SealHubVendorLatencyAboveSLA",
    "SealHubVendorQualityBelowFloor",
    "SealHubEvidenceLogStalled",
    "SealHubCrossTenantDenialsSpike",
}


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI"):  # .ci/run installs the Debian prometheus package
            pytest.fail("promtool missing in CI")
        pytest.skip("promtool not installed (apt-get install prometheus)")
    return found


def test_promtool_check_rules() -> None:
    out = subprocess.run(
        [_promtool(), "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "SUCCESS" in out.stdout


def test_promtool_unit_tests_pass() -> None:
    out = subprocess.run(
        [_promtool(), "test", "rules", str(RULE_TESTS)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=RULE_TESTS.parent,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "SUCCESS" in out.stdout


def test_every_alert_is_fired_by_a_unit_test() -> None:
    rules = yaml.safe_load(RULES.read_text())
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
    assert alerts >= REQUIRED_ALERTS
    tests = yaml.safe_load(RULE_TESTS.read_text())
    assert (RULE_TESTS.parent / tests["rule_files"][0]).resolve() == RULES
    fired = {
        case["alertname"]
        for t in tests["tests"]
        for case in t.get("alert_rule_test", [])
        if case["exp_alerts"]
    }
    quiet = {
        case["alertname"]
        for t in tests["tests"]
        for case in t.get("alert_rule_test", [])
        if not case["exp_alerts"]
    }
    assert alerts <= fired, alerts - fired
    assert alerts <= quiet, f"no negative case for {alerts - quiet}"


def test_alert_labels_and_annotations_stay_bounded() -> None:
    rules = yaml.safe_load(RULES.read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            if "alert" in rule:
                assert rule["labels"]["severity"] in {"warning", "critical"}
                assert {"summary", "description"} <= set(rule["annotations"])
