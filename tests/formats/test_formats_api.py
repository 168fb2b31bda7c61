"""POST /api/v1/verify: the same report as the CLI; limits and junk give 4xx problems."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from formats_ofd_maker import zip_bytes
from formats_support import SAMPLES
from litestar import Litestar
from litestar.testing import TestClient

from hub.app import create_app
from hub.settings import Settings

MAX_UPLOAD = 300_000
MAX_INFLATED = 4 * 1024 * 1024


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient[Litestar]]:
    tmp = tmp_path_factory.mktemp("verify-api")
    settings = Settings.from_env(
        {
            "SEALHUB_SQLITE_PATH": str(tmp / "hub.db"),
            "SEALHUB_MASTER_KEY": base64.b64encode(os.urandom(16)).decode(),
            "SEALHUB_MAX_UPLOAD_BYTES": str(MAX_UPLOAD),
            "SEALHUB_OFD_MAX_UNCOMPRESSED_BYTES": str(MAX_INFLATED),
            "SEALHUB_OFD_MAX_ENTRIES": "200",
        }
    )
    with TestClient(create_app(settings)) as client:
        yield client


def upload(api: TestClient[Litestar], data: bytes, name: str = "x.ofd"):
    return api.post("/api/v1/verify", files={"file": (name, data, "application/octet-stream")})


@pytest.mark.parametrize(
    ("rel", "indication"),
    [
        # No vendor root in the hub's trust store: intact samples are undecided.
        ("ofd/kinggrid-v4-cq-test-invoice.ofd", "INDETERMINATE"),
        ("ofd/tongz-v4-rawsig-TAMPERED.ofd", "TOTAL_FAILED"),
        ("esl/hebeigede-v4-SESealData.der", "TOTAL_FAILED"),
        ("signedvalue/tongz-v4-rawsig-SignedValue.dat", "INDETERMINATE"),
    ],
)
def test_verify_returns_the_report(api, rel: str, indication: str) -> None:
    r = upload(api, (SAMPLES / rel).read_bytes(), Path(rel).name)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["indication"] == indication and body["valid"] is False
    assert body["sub_indication"]
    assert body["kind"] in {"ofd", "seal", "signature"}
    assert all({"name", "ok", "detail"} <= set(c) for c in body["checks"])
    if body["kind"] == "ofd":
        assert body["signatures"] and all("checks" in s for s in body["signatures"])


def test_tampered_ofd_names_references_over_http(api) -> None:
    body = upload(api, (SAMPLES / "ofd/tongz-v4-rawsig-TAMPERED.ofd").read_bytes()).json()
    assert body["valid"] is False
    sign1 = body["signatures"][0]
    failed = {c["name"] for c in sign1["checks"] if c["status"] == "failed"}
    assert failed == {
        "reference /OFD.xml",
        "reference /Doc_0/Document.xml",
        "reference /Doc_0/Pages/Page_0/Content.xml",
    }
    assert any("r||s" in v for v in sign1["variants"])


def test_evidence_packages_dispatch_to_the_evidence_verifier(monkeypatch) -> None:
    """JSON with a "checkpoint" goes to hub.evidence.package.verify_package."""
    from hub.formats import Report
    from hub.verification import services
    from hub.verification.services import verify_document

    seen = []

    def verify_package(obj: dict, **_: object) -> Report:
        seen.append(obj)
        report = Report(kind="evidence")
        report.check("checkpoint signature", True, "stub verifier for dispatch")
        return report

    # The verifier imports it at module level: the stub replaces that name.
    monkeypatch.setattr(services, "verify_package", verify_package)
    limits = Settings.from_env({"SEALHUB_MASTER_KEY": "00" * 16}).limits
    report = verify_document(b' {"checkpoint": {"size": 1}, "entries": []}', limits=limits)
    assert (
        report.kind == "evidence"
        and report.valid
        and seen == [{"checkpoint": {"size": 1}, "entries": []}]
    )


def test_oversized_upload_is_413_problem(api) -> None:
    r = upload(api, os.urandom(MAX_UPLOAD + 1000))
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 413


def test_zip_bomb_is_413_problem(api) -> None:
    bomb = zip_bytes({"OFD.xml": b"<a/>", "Doc_0/zeros.bin": b"\x00" * (MAX_INFLATED + 1)})
    assert len(bomb) < MAX_UPLOAD
    r = upload(api, bomb)
    assert r.status_code == 413 and r.json()["type"].endswith("/too-large")


def test_entry_flood_is_413_problem(api) -> None:
    r = upload(api, zip_bytes({f"f{i}.xml": b"" for i in range(201)}))
    assert r.status_code == 413


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7 not an ofd",
        b"",
        b"PK\x03\x04 broken zip",
        zip_bytes({"word/document.xml": b"<w/>"}),
        b'{"not": "an evidence package"}',
        b"\x30\x82\x01\x00" + b"\x00" * 10,
        b"\x30\x80" * 5000 + b"\x00\x00" * 5000,  # BER nested past any seal
        b"\x30\x80\x30\x80\x02\x01\x04",  # indefinite lengths that never end
        b"\x30\x80\x04\x80\x00\x00\x00\x00",  # a primitive cannot be indefinite
    ],
)
def test_junk_is_a_4xx_problem_never_500(api, data: bytes) -> None:
    r = upload(api, data)
    assert 400 <= r.status_code < 500, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_real_variant_is_reported_over_the_api(api) -> None:
    """安证通's negative r: intact (no vendor root is trusted here, so at most
    INDETERMINATE), and the report says how it was read."""
    rel = "esl/anzhengtong-v4-negative-r-seal.esl"
    r = upload(api, (SAMPLES / rel).read_bytes(), "seal.esl")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["indication"], body["sub_indication"]) == (
        "INDETERMINATE",
        "NO_CERTIFICATE_CHAIN_FOUND",
    )
    assert not [c for c in body["checks"] if c["status"] == "failed"]
    assert any("without its leading 0x00" in v for v in body["variants"])


def test_missing_file_field_is_400(api) -> None:
    r = api.post("/api/v1/verify", files={"document": ("a", b"x")})
    assert r.status_code == 400


def test_operation_is_documented(api) -> None:
    op = api.get("/schema/openapi.json").json()["paths"]["/api/v1/verify"]["post"]
    assert op["operationId"] == "verifyObject" and op["summary"]
    assert {"400", "413", "422"} <= set(op["responses"])


def test_a_document_sent_as_a_plain_field_is_a_named_problem(api) -> None:
    """Schemathesis found it: `document` as a form value, not a file, was a 500."""
    r = api.post(
        "/api/v1/verify?tenant=0",
        files={"file": ("file.png", b"\x89PNG\r\n")},
        data={"document": "\x89PNG\r\n"},
    )
    assert r.status_code in (400, 422), r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] in ("/document", "/file", "/tenant")
