"""The conformance suite against every built-in adapter, with real vendor processes."""

from __future__ import annotations

import pytest

from adapters.csc import CscVendor
from adapters.http import HttpVendor
from adapters.local import LocalVendor
from adapters.reference import MemoryKeyStore
from adapters.testing import VendorProcess, assert_conformant, run_conformance

pytestmark = pytest.mark.slow


async def test_local_adapter_is_conformant(master_key):
    report = await assert_conformant(LocalVendor("local-ref", MemoryKeyStore(), master_key))
    names = [c.name for c in report.checks]
    for expected in (
        "seal verifies",
        "sign known digest 4",
        "invalid seal request is rejected",
        "revoked key cannot sign",
    ):
        assert expected in names


async def test_http_adapter_is_conformant(vendor_process, http_client):
    vendor = HttpVendor("ref-vendor", vendor_process.url, http_client)
    report = await run_conformance(vendor)
    assert report.passed, report.summary()


async def test_csc_adapter_is_conformant(vendor_process, http_client):
    vendor = CscVendor("ref-vendor", vendor_process.url, http_client)
    report = await run_conformance(vendor)
    assert report.passed, report.summary()


async def test_a_vendor_answering_garbage_fails_named_checks(http_client):
    with VendorProcess("garbage-vendor", garbage_rate=1.0) as proc:
        # verify_answers=False: let the garbage through the adapter, so the suite's
        # own verification (the hub's verifier) is what catches it.
        vendor = HttpVendor("garbage-vendor", proc.url, http_client, verify_answers=False)
        report = await run_conformance(vendor)
    assert not report.passed
    failed = {c.name for c in report.failed}
    assert "seal verifies" in failed or "seal is GB/T 38540 V4" in failed, report.summary()


async def test_the_http_adapter_itself_refuses_garbage_signatures(http_client):
    with VendorProcess("garbage-sigs") as proc:
        good = HttpVendor("garbage-sigs", proc.url, http_client)
        from adapters_test_helpers import seal_request

        made = await good.make_seal(seal_request())
        proc.knobs(garbage_rate=1.0)
        report = await run_conformance(good)
    assert not report.passed
    assert any(c.name.startswith(("make seal", "sign known digest")) for c in report.failed)
    assert "VendorBadAnswer" in report.summary()
    assert made.key_handle


def test_vendor_conformance_cli_judges_any_endpoint(vendor_process):
    import json
    import subprocess
    import sys

    def run(url: str, *extra: str) -> tuple[int, dict]:
        done = subprocess.run(
            [sys.executable, "-m", "hub.cli", "vendor-conformance", "--url", url, "--json", *extra],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        return done.returncode, json.loads(done.stdout)

    code, report = run(vendor_process.url)
    assert code == 0 and report["passed"] and report["failed"] == []
    code, report = run(vendor_process.url, "--kind", "csc")
    assert code == 0 and report["passed"]
    with VendorProcess("cli-forger", garbage_rate=1.0, garbage_ops="sign") as forger:
        code, report = run(forger.url)
    assert code == 1 and "sign known digest 1" in report["failed"]
