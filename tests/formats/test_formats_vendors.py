"""Every real vendor sample through `sealhub verify --json`, with the README's verdicts.

Each entry names the exact set of failed checks (nested seal checks as "seal: ...",
OFD signatures by their Signature.xml path). Under the ETSI EN 319 102-1 model a sample
whose bytes all verify is INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND without its vendor's
root (none ships), never TOTAL_PASSED; one with a real integrity or signature failure is
TOTAL_FAILED. With the ofdrw test ROOT trusted the ofdrw samples' chains verify, and
their certificates (expired 2022) make them INDETERMINATE / OUT_OF_BOUNDS_NO_POE: no
timestamp proves they were used in time. A proof of existence in 2021 passes them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from formats_support import SAMPLES, failing, run_cli, warned

from hub.crypto import Certificate
from hub.formats import verify_any
from hub.pki.store import ProofOfExistence, ValidationContext, load_trust_path

OFDRW_ROOT = SAMPLES / "certs" / "ofdrw-ROOT.cer"  # from ofdrw's ROOT.p12 (certificate only)
# The sub-indication of each TOTAL_FAILED sample: which kind of failure came first.
FAILED_SUB = {
    "esl/hebeigede-v4-SESealData.der": "SIG_CRYPTO_FAILURE",
    "signedvalue/dms360-v1-SignedValue.dat": "SIG_CRYPTO_FAILURE",
    "ofd/gomain-v4-yunnan-2seals-TAMPERED.ofd": "HASH_FAILURE",
    "ofd/tongz-v4-rawsig-TAMPERED.ofd": "HASH_FAILURE",
    "ofd/dms360-v1-REFORMATTED.ofd": "HASH_FAILURE",
    "ofd/ofdrw-v4-two-seals-sign0-protects-Signatures.ofd": "HASH_FAILURE",
    "ofd/gomain-bw-v4-cq-test-invoice-EDITED.ofd": "HASH_FAILURE",
}
OFDRW_MADE = [
    "esl/ofdrw-UserV1.esl", "esl/ofdrw-UserV4.esl", "esl/ofdrw-UserV5.esl",
    "esl/ofdrw-UserV5_ts.esl", "signedvalue/ofdrw-SignedValueV4.dat",
    "signedvalue/ofdrw-SignedValueV5.dat", "ofd/ofdrw-v4-selfmade.ofd",
]  # fmt: skip

S0 = "/Doc_0/Signs/Sign_0/Signature.xml: "
S1 = "/Doc_0/Signs/Sign_1/Signature.xml: "
S3 = "/Doc_0/Signs/Sign_3/Signature.xml: "

RAW_RS = "raw 64-byte r||s"
RAW_E = "signature valid only as raw e=dataHash, non-standard"
EXPLICIT_BOOL = "ExtData.critical FALSE encoded explicitly"
JUNK = "certList holds entries that are not certificates"
NEGATIVE_RS = "signature r or s written without its leading 0x00"
LAYOUT = "header version disagrees with the layout"

# ofdrw made these in 2026 with its 2020-2022 test certificates and seal. The README
# calls them VALID: their SM2 signatures verify (asserted below), and the times they
# claim are only claims (no timestamp), so validity periods that miss those times are
# warnings ("no proof of existence"), not failed checks. See hub.formats.verify.
OFDRW_2026_SEAL = {"seal maker cert validity at seal creation"}

# path -> warnings that must be reported (claimed times outside validity periods)
WARNINGS: dict[str, set[str]] = {
    "esl/hebeigede-v4-SESealData.der": {"seal maker cert validity at seal creation"},
    "esl/ofdrw-UserV5.esl": OFDRW_2026_SEAL,
    "esl/ofdrw-UserV5_ts.esl": OFDRW_2026_SEAL,
    "signedvalue/ofdrw-SignedValueV5.dat": {
        "signer cert validity at signing time",
        "seal: seal maker cert validity at seal creation",
    },
    "ofd/ofdrw-v4-selfmade.ofd": {
        "/Doc_0/Signs/Sign_0/Signature.xml: signer cert validity at signing time",
        "/Doc_0/Signs/Sign_0/Signature.xml: seal: seal validity at signing time",
    },
}

# path -> (intact: no check fails, exact failed checks, variants that must be reported)
EXPECTED: dict[str, tuple[bool, set[str], set[str]]] = {
    "esl/antchain-v4-seal.esl": (True, set(), set()),
    "esl/dms360-v1-seal.esl": (True, set(), {JUNK}),
    "esl/gomain-v4-guangdong-tax-seal.esl": (True, set(), {EXPLICIT_BOOL}),
    "esl/gomain-v4-zhejiang-tax-seal.esl": (True, set(), {EXPLICIT_BOOL}),
    "esl/hebeigede-v4-SESealData.der": (False, {"seal maker signature"}, set()),
    "esl/kinggrid-v4-seal.esl": (True, set(), {EXPLICIT_BOOL}),
    "esl/ofdrw-UserV1.esl": (True, set(), set()),
    "esl/ofdrw-UserV4.esl": (True, set(), set()),
    "esl/ofdrw-UserV5.esl": (True, set(), set()),
    "esl/ofdrw-UserV5_ts.esl": (True, set(), set()),
    "esl/tongz-v4-seal.esl": (True, set(), set()),
    "signedvalue/antchain-v4-SignedValue.dat": (True, set(), set()),
    "signedvalue/dms360-v1-SignedValue.dat": (
        False,
        {"signer signature", "signer cert in seal certList"},
        {RAW_E},
    ),
    "signedvalue/gomain-v4-zhejiang-SignedValue.dat": (True, set(), set()),
    "signedvalue/kinggrid-v4-SignedValue.dat": (True, set(), set()),
    "signedvalue/ofdrw-SignedValueV4.dat": (True, set(), set()),
    "signedvalue/ofdrw-SignedValueV5.dat": (True, set(), set()),
    "signedvalue/tongz-v4-rawsig-SignedValue.dat": (True, set(), {RAW_RS}),
    "ofd/kinggrid-v4-cq-test-invoice.ofd": (True, set(), set()),
    "ofd/gomain-v4-zhejiang-tax-invoice.ofd": (True, set(), set()),
    "ofd/antchain-v4-zhejiang-einvoice.ofd": (True, set(), set()),
    "ofd/gomain-bw-v4-cq-test-invoice.ofd": (True, set(), set()),
    "ofd/gomain-v4-guangdong-tax-invoice.ofd": (True, set(), set()),
    "ofd/gomain-typeSign-gmt0010-signeddata.ofd": (True, set(), set()),
    "ofd/gomain-v4-yunnan-2seals-TAMPERED.ofd": (
        False,
        {
            S0 + "reference /Doc_0/Pages/Page_0/Content.xml",
            S0 + "reference /Doc_0/Pages/Page_1/Content.xml",
            S1 + "reference /Doc_0/Pages/Page_0/Content.xml",
            S1 + "reference /Doc_0/Pages/Page_1/Content.xml",
        },
        set(),
    ),
    "ofd/tongz-v4-rawsig-TAMPERED.ofd": (
        False,
        {
            sig + ref
            for sig in (S1, S3)
            for ref in (
                "reference /OFD.xml",
                "reference /Doc_0/Document.xml",
                "reference /Doc_0/Pages/Page_0/Content.xml",
            )
        },
        {RAW_RS},
    ),
    "ofd/dms360-v1-REFORMATTED.ofd": (
        False,
        {
            S0 + "reference /Doc_0/Document.xml",
            S0 + "reference /Doc_0/Pages/Page_0/Content.xml",
            S0 + "reference /Doc_0/Pages/Page_1/Content.xml",
            S0 + "reference /Doc_0/PublicRes.xml",
            S0 + "reference /OFD.xml",
            S0 + "reference /Doc_0/Signs/Sign_0/Seal.esl",
            S0 + "document digest",
            S0 + "signer signature",
            S0 + "signer cert in seal certList",
        },
        {RAW_E},
    ),
    "ofd/ofdrw-v4-selfmade.ofd": (True, set(), set()),
    # Added from ofdrw's history and c5soft/ofd.js (README "Added in issue 14").
    "esl/anzhengtong-v4-negative-r-seal.esl": (True, set(), {NEGATIVE_RS}),
    "signedvalue/anzhengtong-v4-SignedValue.dat": (True, set(), {NEGATIVE_RS}),
    "esl/kinggrid-v1-header2-seal.esl": (True, set(), {LAYOUT}),
    "ofd/kinggrid-v1-header2-court-template.ofd": (True, set(), {LAYOUT}),
    "esl/dianju-v4-suzhou-civil-affairs-seal.esl": (True, set(), set()),
    "signedvalue/dianju-v4-suzhou-civil-affairs-SignedValue.dat": (True, set(), set()),
    "ofd/gomain-v4-baiwang-beijing-test-invoice.ofd": (True, set(), set()),
    "ofd/gomain-bw-v4-cq-test-invoice-EDITED.ofd": (
        False,
        {S0 + "reference /Doc_0/Document.xml"},
        {EXPLICIT_BOOL},
    ),
    "ofd/ofdrw-v4-two-seals-sign0-protects-Signatures.ofd": (
        False,
        {S0 + "reference /Doc_0/Signs/Signatures.xml"},
        set(),
    ),
}


@pytest.fixture(scope="module")
def cli_reports() -> dict[str, tuple[int, dict | None, str]]:
    """`sealhub verify --json` on every sample, two processes at a time (the CLI is the
    contract under test, and each run is a fresh interpreter)."""
    rels = _sample_files("esl", "signedvalue", "ofd", "certs")
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda rel: run_cli(SAMPLES / rel, "--json"), rels))
    return {
        rel: (code, report, err) for rel, (code, report, _, err) in zip(rels, runs, strict=True)
    }


def _sample_files(*dirs: str) -> list[str]:
    return sorted(
        str(p.relative_to(SAMPLES)) for d in dirs for p in (SAMPLES / d).iterdir() if p.is_file()
    )


def _variants(report: dict) -> set[str]:
    out = set(report["variants"])
    for child in [report.get("seal"), *report.get("signatures", [])]:
        if child:
            out |= _variants(child)
    return out


def test_every_sample_has_an_expectation() -> None:
    assert set(_sample_files("esl", "signedvalue", "ofd")) == set(EXPECTED)


@pytest.mark.parametrize("rel", _sample_files("esl", "signedvalue", "ofd"))
def test_vendor_sample_verdict(rel: str, cli_reports) -> None:
    intact, failures, variants = EXPECTED[rel]
    code, report, err = cli_reports[rel]
    assert report is not None, err
    assert report["valid"] is False  # no vendor root is trusted here
    if intact:
        assert (report["indication"], report["sub_indication"]) == (
            "INDETERMINATE",
            "NO_CERTIFICATE_CHAIN_FOUND",
        )
        assert code == 3
    else:
        assert (report["indication"], report["sub_indication"]) == ("TOTAL_FAILED", FAILED_SUB[rel])
        assert code == 1
    assert failing(report) == failures
    assert warned(report) == WARNINGS.get(rel, set())
    seen = _variants(report)
    for want in variants:
        assert any(want in v for v in seen), (want, seen)
    kind = {"esl": "seal", "signedvalue": "signature", "ofd": "ofd"}[rel.split("/")[0]]
    assert report["kind"] == kind


@pytest.mark.parametrize("rel", _sample_files("certs"))
def test_vendor_certificates_parse_and_are_not_verifiable_objects(rel: str, cli_reports) -> None:
    cert = Certificate.load((SAMPLES / rel).read_bytes())
    assert cert.public_key.point[:1] == b"\x04"
    code, report, err = cli_reports[rel]
    assert code == 2 and report is None
    assert len(err.strip().splitlines()) == 1 and "not a seal" in err


def _checks(report: dict) -> dict[str, dict]:
    return {c["name"]: c for c in report["checks"]}


def test_ofdrw_2026_samples_signatures_verify_as_the_readme_says(cli_reports) -> None:
    """The README's VALID for these rests on their signatures: those do verify."""
    for rel in ("esl/ofdrw-UserV5.esl", "esl/ofdrw-UserV5_ts.esl"):
        _, report, _ = cli_reports[rel]
        assert report and _checks(report)["seal maker signature"]["ok"]
    _, report, _ = cli_reports["signedvalue/ofdrw-SignedValueV5.dat"]
    assert report and _checks(report)["signer signature"]["ok"]
    assert _checks(report["seal"])["seal maker signature"]["ok"]
    assert report["version"] == 5 and report["seal"]["version"] == 5


def test_hebei_gede_names_its_bad_maker_signature(cli_reports) -> None:
    _, report, _ = cli_reports["esl/hebeigede-v4-SESealData.der"]
    assert report is not None
    check = _checks(report)["seal maker signature"]
    assert not check["ok"] and "does NOT verify" in check["detail"]


def test_dms360_signature_names_the_raw_e_variant_and_is_not_valid(cli_reports) -> None:
    _, report, _ = cli_reports["signedvalue/dms360-v1-SignedValue.dat"]
    assert report is not None
    check = _checks(report)["signer signature"]
    assert not check["ok"] and "e=dataHash" in check["detail"]
    assert report["seal"]["indication"] == "INDETERMINATE" and report["seal"]["version"] == 1


def test_ofdrw_two_seals_sign1_is_valid(cli_reports) -> None:
    _, report, _ = cli_reports["ofd/ofdrw-v4-two-seals-sign0-protects-Signatures.ofd"]
    assert report is not None
    by_path = {s["info"]["path"]: s for s in report["signatures"]}
    sign1 = by_path["/Doc_0/Signs/Sign_1/Signature.xml"]
    assert sign1["indication"] == "INDETERMINATE" and failing(sign1) == set()
    sign0 = _checks(by_path["/Doc_0/Signs/Sign_0/Signature.xml"])
    assert sign0["signer signature"]["ok"] and sign0["document digest"]["ok"]


def test_type_sign_signatures_dispatch_to_signed_data(cli_reports) -> None:
    _, report, _ = cli_reports["ofd/gomain-typeSign-gmt0010-signeddata.ofd"]
    assert report is not None and len(report["signatures"]) == 2
    for sig in report["signatures"]:
        assert sig["info"]["type"] == "Sign"
        assert sig["info"]["signed_data"] == "GM/T 0010 SignedData"
        assert _checks(sig)["signer signature"]["ok"]


def test_text_output_and_exit_codes(tmp_path: Path) -> None:
    code, _, out, _ = run_cli(SAMPLES / "ofd/kinggrid-v4-cq-test-invoice.ofd")
    assert code == 3 and "INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND" in out
    assert "[ok] reference /Doc_0/Pages/Page_0/Content.xml" in out
    code, _, out, _ = run_cli(SAMPLES / "esl/hebeigede-v4-SESealData.der")
    assert code == 1 and "[FAIL] seal maker signature" in out
    code, _, out, err = run_cli(tmp_path / "missing.ofd", "--json")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1


def test_ofdrw_samples_chain_to_the_trusted_ofdrw_root_but_lack_a_proof_of_existence() -> None:
    """--trust ROOT: the chains verify; the 2022-expired certificates with no timestamp
    are OUT_OF_BOUNDS_NO_POE. Other vendors' samples still find no chain."""
    for rel in [*OFDRW_MADE, "ofd/kinggrid-v4-cq-test-invoice.ofd"]:
        code, report, _, err = run_cli(SAMPLES / rel, "--json", "--trust", str(OFDRW_ROOT))
        assert report is not None, err
        chains = {c for c in _all_checks(report) if c[0].endswith("certificate chain")}
        if rel.startswith(("esl/ofdrw", "signedvalue/ofdrw", "ofd/ofdrw")):
            assert chains and all(status == "passed" for _, status in chains), chains
            assert (report["indication"], report["sub_indication"]) == (
                "INDETERMINATE",
                "OUT_OF_BOUNDS_NO_POE",
            ), rel
            assert code == 3
        else:
            assert report["sub_indication"] == "NO_CERTIFICATE_CHAIN_FOUND"


def _all_checks(report: dict) -> list[tuple[str, str]]:
    out = [(c["name"], c["status"]) for c in report["checks"]]
    for child in [report.get("seal"), *report.get("signatures", [])]:
        if child:
            out += _all_checks(child)
    return out


def test_a_proof_of_existence_inside_validity_passes_the_ofdrw_samples() -> None:
    """The proof-of-existence hook: judged at a proven time in 2021, inside the ofdrw
    certificates' validity, with the ROOT trusted, the ofdrw V1/V4 seals and the signed
    OFD are TOTAL_PASSED; the V5 seals (made in 2026) are proven NOT_YET_VALID then."""
    context = ValidationContext(trust=load_trust_path(OFDRW_ROOT)).with_proofs(
        ProofOfExistence(datetime(2021, 6, 1, tzinfo=UTC), "timestamp", "test")
    )
    verdicts = {
        rel: verify_any((SAMPLES / rel).read_bytes(), context=context).verdict()
        for rel in OFDRW_MADE
    }
    for rel in ("esl/ofdrw-UserV1.esl", "esl/ofdrw-UserV4.esl", "ofd/ofdrw-v4-selfmade.ofd"):
        assert verdicts[rel] == ("TOTAL_PASSED", None), rel
    assert verdicts["esl/ofdrw-UserV5.esl"] == ("TOTAL_FAILED", "NOT_YET_VALID")
