"""An external RFC 3161 TSA a tenant names, behind the same `TimeStampAuthority` interface
as the in-hub one; and the per-tenant choice between them.

Each request goes to the tenant's URLs in order (failover): a transport error, a timeout,
a non-200 answer, a rejection or a token that does not check out (signature, imprint,
nonce) moves on to the next URL. Every attempt is timed and counted
(sealhub_tsa_request_duration_seconds, sealhub_timestamps_total{kind="external"}).
The token's TSA chain is not judged here; the verifier does that against its trust store.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence

import httpx
from asn1crypto import cms

from hub.crypto import OID_SM3
from hub.errors import SealHubError, VendorTimeout, VendorUnavailable
from hub.tsa.authority import TimeStampAuthority
from hub.tsa.token import build_query, token_from_reply
from hub.tsa.verify import check_timestamp_token
from monitoring import metrics

log = logging.getLogger("sealhub.tsa.client")
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


class ExternalTimeStampAuthority:
    name = "external"

    def __init__(
        self,
        urls: Sequence[str],
        client: httpx.AsyncClient,
        *,
        timeout: float = 5.0,
        policy: str | None = None,
    ) -> None:
        if not urls:
            raise ValueError("an external TSA needs at least one URL")
        self.urls = tuple(urls)
        self.client = client
        self.timeout = timeout
        self.policy = policy

    async def timestamp(self, message: bytes, *, nonce: int | None = None) -> bytes:
        nonce = int.from_bytes(os.urandom(8), "big") if nonce is None else nonce
        query = build_query(message, hash_oid=OID_SM3, nonce=nonce, policy=self.policy)
        timed_out = False
        for url in self.urls:
            started = time.perf_counter()
            try:
                r = await self.client.post(
                    url, content=query, timeout=self.timeout, headers={"Content-Type": QUERY_TYPE}
                )
                if r.status_code != 200:
                    raise _Unusable(f"HTTP {r.status_code}")
                token = token_from_reply(r.content)
                check = check_timestamp_token(token, message)
                if check.problems:
                    raise _Unusable("; ".join(check.problems))
                if _nonce(token) != nonce:
                    raise _Unusable("the token does not echo our nonce")
            except httpx.TimeoutException:
                timed_out = True
                self._failed(url, "timeout", started)
                continue
            except (httpx.HTTPError, SealHubError, _Unusable) as exc:
                self._failed(url, _reason(exc), started)
                continue
            metrics.tsa_request("granted", time.perf_counter() - started)
            metrics.timestamp_issued("external", "granted")
            return token
        error = VendorTimeout if timed_out else VendorUnavailable
        raise error(
            f"no time-stamping authority of {len(self.urls)} answered with a valid token",
            vendor="tsa",
        )

    def _failed(self, url: str, reason: str, started: float) -> None:
        metrics.tsa_request("failed", time.perf_counter() - started)
        metrics.timestamp_issued("external", "failed")
        log.warning("TSA %s failed: %s; trying the next", httpx.URL(url).host, reason)


class _Unusable(Exception):
    pass


def _reason(exc: BaseException) -> str:
    if isinstance(exc, SealHubError):
        return exc.detail
    return str(exc) or type(exc).__name__


def _nonce(token: bytes) -> int | None:
    tst = cms.ContentInfo.load(token)["content"]["encap_content_info"]["content"].parsed
    value: int | None = tst["nonce"].native
    return value


class TimeStampAuthorities:
    """Which TSA timestamps a tenant's signatures: the tenant's own external TSA when it
    names one (settings.tsa.tenant_urls), else the hub's."""

    def __init__(
        self, hub: TimeStampAuthority, external: Mapping[str, TimeStampAuthority] | None = None
    ) -> None:
        self.hub = hub
        self.external = dict(external or {})

    def for_tenant(self, tenant_slug: str) -> TimeStampAuthority:
        return self.external.get(tenant_slug, self.hub)
