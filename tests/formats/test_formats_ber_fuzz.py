"""BER is a bigger input language than DER: random BER trees, damaged BER seals and
signatures, odd times and signature values reach the parsers as FormatError (or a
report), never another exception, and never a recursion blow-up."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from formats_ber import bit_string, indefinite, seal_v4
from formats_support import make_seal, make_signature
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.errors import CryptoError, FormatError, PayloadTooLarge
from hub.formats import asn1, parse_seal, parse_signature, sniff, verify_any
from hub.formats.report import Report
from hub.formats.signeddata import parse_signed_data, verify_signed_data
from hub.formats.variants import lenient_rs

LIMITS = {"max_uncompressed": 4 * 1024 * 1024, "max_entries": 200}
CONSTRUCTED = [0x30, 0x31, 0xA0, 0xA1, 0x23, 0x24]
PRIMITIVE = [0x01, 0x02, 0x03, 0x04, 0x06, 0x0C, 0x13, 0x16, 0x17, 0x18, 0x80]


def _length(n: int, form: int) -> bytes:
    if form == 0 and n < 0x80:
        return bytes([n])
    width = max(1, (n.bit_length() + 7) // 8) + (form == 2)  # form 2: a padded long form
    return bytes([0x80 | width]) + n.to_bytes(width, "big")


@st.composite
def ber_tree(draw: Any, depth: int = 0) -> bytes:
    if depth > 4 or draw(st.booleans()):
        tag = draw(st.sampled_from(PRIMITIVE))
        body = draw(st.binary(max_size=24))
        return bytes([tag]) + _length(len(body), draw(st.integers(0, 2))) + body
    tag = draw(st.sampled_from(CONSTRUCTED))
    body = b"".join(draw(st.lists(ber_tree(depth + 1), max_size=5)))
    form = draw(st.integers(0, 3))
    if form == 3:
        return bytes([tag, 0x80]) + body + b"\x00\x00"
    return bytes([tag]) + _length(len(body), form) + body


def _quiet(call: Any, *args: Any, allowed: tuple[type[Exception], ...] = (FormatError,)) -> None:
    with contextlib.suppress(allowed):
        call(*args)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ber_tree(), st.integers(0, 6))
def test_random_ber_trees_never_crash_the_parsers(tree: bytes, cut: int) -> None:
    blob = tree[: len(tree) - cut] if cut else tree
    for call in (parse_seal, parse_signature, parse_signed_data, sniff, asn1.encoding_variants):
        _quiet(call, blob)
    _quiet(asn1.read_time, blob)
    _quiet(lenient_rs, blob, allowed=(CryptoError,))
    _quiet(verify_signed_data, Report(kind="signature"), blob, b"<x/>", "/x", None)
    with contextlib.suppress(FormatError, PayloadTooLarge):
        assert not verify_any(blob, **LIMITS).intact


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([0x17, 0x18]), st.binary(max_size=30))
def test_arbitrary_time_contents_are_format_errors_or_times(tag: int, body: bytes) -> None:
    try:
        when, variants = asn1.read_time(bytes([tag, len(body)]) + body)
    except FormatError:
        return
    assert when.tzinfo is not None and all(isinstance(v, str) for v in variants)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([0x17, 0x18]),
    st.from_regex(rb"^[0-9]{6,14}([.,][0-9]{0,10})?(Z|[+-][0-9]{2,4})?$", fullmatch=True),
)
def test_time_shaped_contents_are_format_errors_or_times(tag: int, body: bytes) -> None:
    """Found this way: an offset of +30 hours reached timezone() (a ValueError)."""
    test_arbitrary_time_contents_are_format_errors_or_times.hypothesis.inner_test(tag, body[:127])


def test_offsets_past_14_hours_are_format_errors() -> None:
    for body in (b"20260101000000+30", b"20260101000000+2400", b"20260101000000+0860"):
        with pytest.raises(FormatError):
            asn1.read_time(bytes([0x18, len(body)]) + body)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=80))
def test_arbitrary_signature_values_are_crypto_errors_or_integers(blob: bytes) -> None:
    try:
        r, s, variant = lenient_rs(b"\x30" + bytes([len(blob)]) + blob if len(blob) < 128 else blob)
    except CryptoError:
        return
    assert r >= 0 and s >= 0 and variant


@pytest.fixture(scope="module")
def ber_blobs(pki: Any) -> list[bytes]:
    seal = make_seal(pki)
    info = asn1.children(seal)[0][1]
    ber_info = indefinite(info)
    ber_seal = indefinite(
        seal_v4(ber_info, pki.maker_cert.der, bit_string(pki.maker_key.sign(ber_info))), deep=False
    )
    _, signature = make_signature(pki, ber_seal)
    return [ber_seal, indefinite(signature, deep=False)]


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    which=st.integers(0, 1),
    edits=st.lists(
        st.tuples(
            st.floats(0, 1, exclude_max=True),
            st.sampled_from([b"\x80", b"\x00\x00", b"\xff", b"\x30\x80"]),
        ),
        min_size=1,
        max_size=3,
    ),
    cut=st.one_of(st.none(), st.floats(0, 1)),
)
def test_damaged_ber_seals_and_signatures_never_crash(
    ber_blobs: list[bytes], which: int, edits: list[tuple[float, bytes]], cut: float | None
) -> None:
    data = bytearray(ber_blobs[which])
    for where, value in edits:
        at = int(where * len(data))
        data[at : at + len(value)] = value
    blob = bytes(data if cut is None else data[: int(cut * len(data))])
    with contextlib.suppress(FormatError):
        verify_any(blob, **LIMITS).to_dict()


def _nested_definite(depth: int) -> bytes:
    blob = b"\x02\x01\x01"
    for _ in range(depth):
        blob = asn1.der_sequence(blob)
    return blob


@pytest.mark.parametrize(
    "blob",
    [b"\x30\x80" * 5000 + b"\x00\x00" * 5000, _nested_definite(3000)],
    ids=["indefinite", "definite"],
)
def test_deep_nesting_is_a_format_error_not_a_recursion_error(blob: bytes) -> None:
    for call in (parse_seal, parse_signature, parse_signed_data):
        with pytest.raises(FormatError):
            call(blob)
    _quiet(sniff, blob)  # a classifier looks two levels down only
    with pytest.raises(FormatError):
        verify_any(blob, **LIMITS)


def test_indefinite_length_without_its_end_is_a_format_error() -> None:
    with pytest.raises(FormatError):
        asn1.tlv_end(b"\x30\x80\x02\x01\x01")
    with pytest.raises(FormatError):
        asn1.read_tlv(b"\x04\x80\x00\x00")  # primitive: never indefinite
