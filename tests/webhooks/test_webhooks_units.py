"""Pure parts of the webhooks: signature header, URL policy (SSRF), back-off."""

from __future__ import annotations

import time

import pytest

from hub.errors import ValidationFailed
from hub.settings import Settings, WebhookSettings
from hub.webhooks.service import DeliveryPolicy
from hub.webhooks.signing import (
    hmac_sm3,
    new_secret,
    signature_header,
    verify_signature_header,
)
from hub.webhooks.urls import check_url

ALLOW = ("127.0.0.1", "localhost", "*.hooks.example.org")


def test_signature_header_is_hmac_sm3_over_timestamp_and_body() -> None:
    secret = new_secret()
    body = '{"type":"seal.used","x":"印"}'.encode()
    header = signature_header(secret, body, timestamp=1_800_000_000)
    t, v1 = header.split(",")
    assert t == "t=1800000000"
    # Recomputed independently: HMAC-SM3 (RFC 2104 over GB/T 32905), key = secret's bytes.
    assert v1 == "v1=" + hmac_sm3(secret.encode(), b"1800000000." + body).hex()
    assert len(v1) == 3 + 64
    assert verify_signature_header(secret, header, body, now=1_800_000_010)


@pytest.mark.parametrize("tamper", ["body", "secret", "stale", "garbage"])
def test_signature_header_rejects_tampering(tamper: str) -> None:
    secret, body = new_secret(), b'{"a":1}'
    now = time.time()
    header = signature_header(secret, body)
    if tamper == "body":
        assert not verify_signature_header(secret, header, b'{"a":2}')
    elif tamper == "secret":
        assert not verify_signature_header(new_secret(), header, body)
    elif tamper == "stale":
        assert not verify_signature_header(secret, header, body, now=now + 3600)
    else:
        assert not verify_signature_header(secret, "v1=00", body)


def test_secrets_are_fresh_and_long() -> None:
    a, b = new_secret(), new_secret()
    assert a != b and a.startswith("whsec_") and len(a) >= 6 + 43


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "https://localhost/x",
        "https://a.hooks.example.org/y",
        "HTTP://LOCALHOST:9/",
        "https://b.c.hooks.example.org",
    ],
)
def test_allowed_urls(url: str) -> None:
    assert check_url(url, ALLOW) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",  # cloud metadata: the classic SSRF target
        "http://10.0.0.1/",
        "http://[::1]/",
        "http://hooks.example.org/",  # bare parent of *.
        "http://evilhooks.example.org/",
        "http://127.0.0.1.nip.io/",
        "ftp://127.0.0.1/",
        "file:///etc/passwd",
        "http://user:pw@127.0.0.1/",
        "127.0.0.1:8080",
        "",
        "http://",
        "http://127.0.0.1:99999/",
    ],
)
def test_refused_urls_name_the_field(url: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        check_url(url, ALLOW)
    assert err.value.field == "url"


def test_allow_hosts_setting() -> None:
    env = {"SEALHUB_MASTER_KEY": "00" * 16}
    assert Settings.from_env(env).webhooks.allow_hosts == ("127.0.0.1", "localhost")
    s = Settings.from_env({**env, "SEALHUB_WEBHOOK_ALLOW_HOSTS": " Hooks.Example.org, *.b.org "})
    assert s.webhooks.allow_hosts == ("hooks.example.org", "*.b.org")


def test_backoff_doubles_and_is_capped() -> None:
    p = DeliveryPolicy.from_settings(WebhookSettings(retry_base_seconds=10, retry_max_seconds=60))
    assert [p.backoff(n) for n in range(1, 6)] == [10, 20, 40, 60, 60]
