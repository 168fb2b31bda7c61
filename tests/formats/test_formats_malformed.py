"""Malformed input: a FormatError or an invalid report, never any other exception."""

from __future__ import annotations

import contextlib
import os

import pytest
from formats_support import SAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.errors import FormatError, PayloadTooLarge
from hub.formats import parse_seal, parse_signature, verify_any

SMALL = [
    "esl/kinggrid-v4-seal.esl",
    "esl/ofdrw-UserV1.esl",
    "esl/ofdrw-UserV5_ts.esl",
    "esl/gomain-v4-zhejiang-tax-seal.esl",
    "signedvalue/tongz-v4-rawsig-SignedValue.dat",
    "signedvalue/dms360-v1-SignedValue.dat",
    "signedvalue/kinggrid-v4-SignedValue.dat",
    "ofd/gomain-bw-v4-cq-test-invoice.ofd",
    "ofd/gomain-typeSign-gmt0010-signeddata.ofd",
]
BLOBS = {rel: (SAMPLES / rel).read_bytes() for rel in SMALL}
LIMITS = {"max_uncompressed": 20 * 1024 * 1024, "max_entries": 1000}


def outcome(data: bytes) -> str:
    """'valid', 'invalid' or 'rejected'; anything else propagates and fails the test."""
    try:
        report = verify_any(data, **LIMITS)
    except (FormatError, PayloadTooLarge):
        return "rejected"
    report.to_dict()  # the report must serialise too
    return "valid" if report.valid else "invalid"


@pytest.mark.parametrize("rel", SMALL)
def test_truncations_never_crash_and_are_never_valid(rel: str) -> None:
    data = BLOBS[rel]
    step = max(1, len(data) // 60)
    for cut in range(0, len(data) - 1, step):
        assert outcome(data[:cut]) != "valid", cut


@pytest.mark.parametrize("size", [0, 1, 2, 16, 100, 5000])
def test_random_bytes_are_rejected(size: int) -> None:
    for _ in range(20):
        blob = os.urandom(size)
        assert outcome(blob) != "valid"
        assert outcome(b"\x30\x82" + blob) != "valid"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rel=st.sampled_from(SMALL),
    flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=4),
    cut=st.one_of(st.none(), st.floats(0, 1)),
)
def test_mutated_samples_never_crash(
    rel: str, flips: list[tuple[float, int]], cut: float | None
) -> None:
    data = bytearray(BLOBS[rel])
    for where, value in flips:
        data[int(where * len(data))] = value
    blob = bytes(data if cut is None else data[: int(cut * len(data))])
    outcome(blob)  # a verdict or a FormatError; a changed zip comment may stay valid


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_crash_the_parsers(blob: bytes) -> None:
    for parse in (parse_seal, parse_signature):
        with contextlib.suppress(FormatError):
            parse(blob)
    assert outcome(blob) != "valid"


def test_asn1_with_huge_declared_length_is_a_format_error() -> None:
    with pytest.raises(FormatError):
        parse_seal(b"\x30\x84\x7f\xff\xff\xff" + b"\x00" * 10)
    with pytest.raises(FormatError):
        parse_signature(b"\x30\x80\x00\x00")  # indefinite length


def _members(rel: str) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(SAMPLES / rel) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}


OFD_MEMBERS = {
    rel: _members(rel)
    for rel in ("ofd/kinggrid-v4-cq-test-invoice.ofd", "ofd/gomain-typeSign-gmt0010-signeddata.ofd")
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rel=st.sampled_from(sorted(OFD_MEMBERS)),
    pick=st.floats(0, 1, exclude_max=True),
    edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.binary(max_size=3)), max_size=3),
    cut=st.one_of(st.none(), st.floats(0, 1)),
)
def test_mutated_ofd_members_never_crash(rel, pick, edits, cut) -> None:
    """Damage the XML or SignedValue inside a real OFD, then re-zip it."""
    from formats_ofd_maker import zip_bytes

    files = dict(OFD_MEMBERS[rel])
    names = sorted(n for n in files if n.endswith((".xml", ".dat")))
    name = names[int(pick * len(names))]
    data = bytearray(files[name])
    for where, value in edits:
        at = int(where * len(data))
        data[at : at + len(value)] = value
    files[name] = bytes(data if cut is None else data[: int(cut * len(data))])
    outcome(zip_bytes(files))
