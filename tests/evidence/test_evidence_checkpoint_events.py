"""C2SP checkpoints signed with SM2, and the canonical event leaf encoding."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.crypto import SM2PrivateKey, sm3
from hub.errors import CryptoError, FormatError
from hub.evidence.checkpoint import Checkpoint, sign_checkpoint, verify_checkpoint
from hub.evidence.events import (
    OID_APPROVAL_LEAF_HASH,
    SEALHUB_OID_ARC,
    Event,
    EventType,
    approval_ext_data,
    signature_made,
)
from hub.evidence.merkle import leaf_hash

KEY = SM2PrivateKey.generate()
ROOT = sm3(b"root")


def test_checkpoint_text_form():
    cp = Checkpoint("sealhub.example/log", 1234, ROOT)
    assert cp.text == f"sealhub.example/log\n1234\n{base64.b64encode(ROOT).decode()}\n"
    assert Checkpoint.parse(cp.text) == cp
    with_ext = Checkpoint("o", 0, ROOT, ("— extension line",))
    assert Checkpoint.parse(with_ext.text) == with_ext


def test_checkpoint_signature_verifies_in_openssl(tmp_path, openssl_cli):
    signed = sign_checkpoint(Checkpoint("sealhub.example/log", 7, ROOT), KEY)
    (tmp_path / "cp").write_text(signed.text)
    (tmp_path / "sig").write_bytes(base64.b64decode(signed.signature))
    (tmp_path / "pub.pem").write_bytes(KEY.public_key.to_pem())
    proc = openssl_cli(
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        str(tmp_path / "pub.pem"),
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        "distid:1234567812345678",
        "-in",
        str(tmp_path / "cp"),
        "-sigfile",
        str(tmp_path / "sig"),
    )
    assert proc.returncode == 0, proc.stderr


def test_checkpoint_sign_verify_and_failures():
    signed = sign_checkpoint(Checkpoint("sealhub.example/log", 7, ROOT), KEY)
    assert verify_checkpoint(signed.text, signed.signature, KEY.public_key).size == 7
    with pytest.raises(CryptoError):
        verify_checkpoint(signed.text, signed.signature, SM2PrivateKey.generate().public_key)
    with pytest.raises(CryptoError):
        verify_checkpoint(signed.text.replace("\n7\n", "\n8\n"), signed.signature, KEY.public_key)
    with pytest.raises(FormatError):
        verify_checkpoint(signed.text, "not base64!", KEY.public_key)
    with pytest.raises((FormatError, CryptoError)):
        verify_checkpoint(signed.text, base64.b64encode(b"\x30\x00").decode(), KEY.public_key)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "origin\n",
        "origin\n1\n",
        "origin\n01\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n-1\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n1\n" + base64.b64encode(ROOT).decode(),  # no final newline
        "origin\n1\n" + base64.b64encode(ROOT[:31]).decode() + "\n",  # short hash
        "origin\n1\n" + base64.b64encode(ROOT).decode().rstrip("=") + "\n",  # unpadded
        " origin\n1\n" + base64.b64encode(ROOT).decode() + "\n",
        "\n1\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n1\n" + base64.b64encode(ROOT).decode() + "\n\n",  # empty extension line
    ],
)
def test_malformed_checkpoints(text):
    with pytest.raises(FormatError):
        Checkpoint.parse(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_checkpoint_parse_is_strict_round_trip(text):
    try:
        cp = Checkpoint.parse(text)
    except FormatError:
        return
    assert cp.text == text


# --- events ------------------------------------------------------------------------------

NOW = datetime(2026, 11, 26, 9, 30, 15, 123456, tzinfo=UTC)


def test_leaf_encoding_is_documented_canonical_json():
    event = signature_made(
        tenant="t-1",
        time=NOW,
        signature_id="sig-1",
        seal_id="seal-1",
        esid="1101",
        document_sm3=sm3(b"doc"),
        ses_signature_sm3=sm3(b"sig"),
        vendor="local",
    )
    leaf = event.encode()
    expected = json.dumps(
        {
            "v": 1,
            "type": "signature.made",
            "tenant": "t-1",
            "time": "2026-11-26T09:30:15.123456Z",
            "subject": {
                "signature_id": "sig-1",
                "seal_id": "seal-1",
                "esid": "1101",
                "vendor": "local",
            },
            "digests": {"document_sm3": sm3(b"doc").hex(), "ses_signature_sm3": sm3(b"sig").hex()},
            "details": {},
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    assert leaf == expected
    assert leaf.startswith(b'{"details":{},"digests":{"document_sm3":"')
    assert b" " not in leaf
    assert Event.decode(leaf) == event
    assert event.leaf_hash == leaf_hash(leaf)


def test_time_is_normalised_to_utc():
    cst = timezone(timedelta(hours=8))
    a = Event(EventType.SEAL_MADE, "t", NOW.astimezone(cst))
    assert a.encode() == Event(EventType.SEAL_MADE, "t", NOW).encode()
    with pytest.raises(FormatError):
        Event(EventType.SEAL_MADE, "t", datetime(2026, 1, 1))  # noqa: DTZ001 (naive on purpose)


def test_non_ascii_is_utf8_not_escaped():
    leaf = Event(EventType.SEAL_REVOKED, "北京市公安局", NOW, details={"reason": "更名"}).encode()
    assert "北京市公安局".encode() in leaf and b"\\u" not in leaf


T = "2026-11-26T09:30:15.123456Z"
REST = '"subject":{},"tenant":"t","time":"' + T + '","type":"seal.made","v":1}'


def _leaf(tenant: str = "t", kind: str = "seal.made", tail: str = '"v":1}') -> bytes:
    return (
        '{"details":{},"digests":{},"subject":{},"tenant":"'
        + tenant
        + '","time":"'
        + T
        + '","type":"'
        + kind
        + '",'
        + tail
    ).encode()


@pytest.mark.parametrize(
    "leaf",
    [
        b'{"v":1}',
        b"not json",
        b"\xff\xfe",
        # whitespace, key order, float, escaped non-ASCII: all decode but are not canonical
        (b'{"details":{}, "digests":{},' + REST.encode()),
        (b'{"digests":{},"details":{},' + REST.encode()),
        (b'{"details":{"x":1.0},"digests":{},' + REST.encode()),
        _leaf(tenant="\\u5317"),  # escaped 北
        _leaf().replace(T.encode(), b"2026-11-26T09:30:15Z"),
        _leaf(kind="seal.eaten"),
        _leaf(tail='"v":true}'),
        (b'{"details":{},"digests":{"d":"ABCD"},' + REST.encode()),
        _leaf(tail='"v":1,"x":0}'),
    ],
)
def test_non_canonical_or_invalid_leaves_are_rejected(leaf):
    with pytest.raises(FormatError):
        Event.decode(leaf)


def test_all_issue_event_types_exist():
    assert {e.value for e in EventType} >= {
        "seal.applied",
        "seal.approved",
        "seal.made",
        "seal.suspended",
        "seal.revoked",
        "use_request.approved",
        "use_request.rejected",
        "signature.made",
        "admission.status_changed",
        "password.lockout",
    }


def test_approval_oid_is_under_the_sealhub_uuid_arc():
    assert OID_APPROVAL_LEAF_HASH.startswith(SEALHUB_OID_ARC + ".")
    assert SEALHUB_OID_ARC.startswith("2.25.")
    oid, critical, value = approval_ext_data(sm3(b"x"))
    assert (oid, critical, value) == (OID_APPROVAL_LEAF_HASH, False, sm3(b"x"))
    with pytest.raises(FormatError):
        approval_ext_data(b"short")


safe_text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(list(EventType)),
    safe_text,
    st.datetimes(
        # hypothesis wants naive bounds and adds the zone itself
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001
        max_value=datetime(2099, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    st.dictionaries(safe_text, safe_text, max_size=3),
    st.dictionaries(safe_text, st.binary(min_size=32, max_size=32).map(bytes.hex), max_size=2),
    st.dictionaries(safe_text, st.none() | st.booleans() | st.integers() | safe_text, max_size=3),
)
def test_random_events_round_trip_exactly(kind, tenant, when, subject, digests, details):
    event = Event(kind, tenant, when, subject=subject, digests=digests, details=details)
    leaf = event.encode()
    again = Event.decode(leaf)
    assert again.encode() == leaf
    assert again == event
