"""The hub's time-stamping authority, and the one interface every TSA is used through.

`TimeStampAuthority` is what the signing service asks for a token over a signature
value: the in-hub `HubTimeStampAuthority` (key in the hub's key store) or an external
RFC 3161 service a tenant names (`hub.tsa.client.ExternalTimeStampAuthority`). Both
pass tests/tsa/test_tsa_conformance.py.

Keys: the hub CA's root key and the TSA key are SM2 keys sealed with SM4-GCM under a
hub data key wrapped by the master key (hub.crypto.keystore, scope HUB_SCOPE), stored as
records of the reserved vendor name "_hub" in vendor_record: no table of their own, and a
database dump reveals no private key. Replicas starting together agree on one set (the
first insert wins, the others read it back).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from hub.crypto import OID_SM3, Certificate, Name, SM2PrivateKey, build_certificate, sm3
from hub.crypto import keystore as ks
from hub.tsa.token import (
    DEFAULT_POLICY,
    SerialNumbers,
    TimeStampQuery,
    TimeStampRejected,
    TimeStampSigner,
    granted_reply,
    parse_query,
    rejection_reply,
)
from hub.vendors.store import DbKeyStore
from monitoring import metrics

HUB_RECORDS = "_hub"  # vendor_record.vendor of hub-owned records (no vendor has it)
_NS = "tsa"
CA_DAYS = 20 * 365
TSA_DAYS = 5 * 365


@runtime_checkable
class TimeStampAuthority(Protocol):
    """Gets an RFC 3161 token over a message (SM3 imprint)."""

    name: str

    async def timestamp(self, message: bytes, *, nonce: int | None = None) -> bytes:
        """DER TimeStampToken over SM3(message). Raises a SealHubError subclass when
        no token can be had (VendorUnavailable/VendorTimeout for a remote TSA)."""
        ...


@dataclass(frozen=True)
class HubKeys:
    ca_cert: Certificate
    ca_key: SM2PrivateKey
    tsa_cert: Certificate
    tsa_key: SM2PrivateKey


class HubTimeStampAuthority:
    """The in-hub TSA: one SM2 signature per token, no I/O on the hot path."""

    name = "hub"

    def __init__(
        self,
        keys: HubKeys,
        *,
        policies: Iterable[str] = (DEFAULT_POLICY,),
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.keys = keys
        self.default_policy = next(iter(policies))
        self.policies = frozenset(policies)
        self._signer = TimeStampSigner(keys.tsa_key, keys.tsa_cert, (keys.ca_cert,))
        self._serials = SerialNumbers()
        self._clock = clock or (lambda: datetime.now(UTC))

    @property
    def certificate(self) -> Certificate:
        return self.keys.tsa_cert

    def respond(self, query_der: bytes) -> bytes:
        """TimeStampResp DER for a TimeStampReq: granted, or a rejection naming the
        failInfo (a bad request is an answer, never an exception)."""
        try:
            query = parse_query(query_der, policies=self.policies)
        except TimeStampRejected as exc:
            metrics.timestamp_issued("hub", "rejected")
            return rejection_reply(exc.fail_info, exc.text)
        token = self._signer.issue(
            query, serial=self._serials.next(), policy=self.default_policy, now=self._clock()
        )
        metrics.timestamp_issued("hub", "granted")
        return granted_reply(token)

    def issue(self, message: bytes, *, nonce: int | None = None) -> bytes:
        # The hub's own request needs no encoding round trip: it is well-formed by making.
        query = TimeStampQuery(OID_SM3, sm3(message), None, nonce, True)
        token = self._signer.issue(
            query, serial=self._serials.next(), policy=self.default_policy, now=self._clock()
        )
        metrics.timestamp_issued("hub", "granted")
        return token

    async def timestamp(self, message: bytes, *, nonce: int | None = None) -> bytes:
        return self.issue(message, nonce=nonce)


# --- the hub CA and the TSA key, sealed in vendor_record ---------------------------------


def create_hub_keys(now: datetime | None = None, *, origin: str = "sealhub") -> HubKeys:
    start = (now or datetime.now(UTC)) - timedelta(days=1)  # tolerate verifier clock skew
    ca_key, tsa_key = SM2PrivateKey.generate(), SM2PrivateKey.generate()
    ca_name = Name(common_name=f"{origin} Hub Root CA", organization="SealHub")
    ca = build_certificate(
        subject=ca_name,
        subject_key=ca_key.public_key,
        issuer=ca_name,
        issuer_key=ca_key,
        not_before=start,
        days=CA_DAYS,
        is_ca=True,
    )
    tsa = build_certificate(
        subject=Name(common_name=f"{origin} Time-Stamping Authority", organization="SealHub"),
        subject_key=tsa_key.public_key,
        issuer=ca,
        issuer_key=ca_key,
        not_before=start,
        days=TSA_DAYS,
        extended_key_usage=("time_stamping",),
    )
    return HubKeys(ca, ca_key, tsa, tsa_key)


def seal_hub_keys(keys: HubKeys, master_key: bytes) -> bytes:
    data_key, wrapped = ks.create_data_key(master_key, ks.HUB_SCOPE)
    record = {
        "wrapped_data_key": wrapped.hex(),
        "ca_cert": keys.ca_cert.der.hex(),
        "ca_key": ks.seal_private_key(data_key, ks.HUB_SCOPE, keys.ca_key, key_id="hub-ca").hex(),
        "tsa_cert": keys.tsa_cert.der.hex(),
        "tsa_key": ks.seal_private_key(
            data_key, ks.HUB_SCOPE, keys.tsa_key, key_id="hub-tsa"
        ).hex(),
    }
    return json.dumps(record, sort_keys=True).encode()


def open_hub_keys(blob: bytes, master_key: bytes) -> HubKeys:
    record = json.loads(blob)
    data_key = ks.unwrap_data_key(
        master_key, ks.HUB_SCOPE, bytes.fromhex(record["wrapped_data_key"])
    )
    return HubKeys(
        ca_cert=Certificate.load(bytes.fromhex(record["ca_cert"])),
        ca_key=ks.open_private_key(
            data_key, ks.HUB_SCOPE, bytes.fromhex(record["ca_key"]), key_id="hub-ca"
        ),
        tsa_cert=Certificate.load(bytes.fromhex(record["tsa_cert"])),
        tsa_key=ks.open_private_key(
            data_key, ks.HUB_SCOPE, bytes.fromhex(record["tsa_key"]), key_id="hub-tsa"
        ),
    )


async def load_hub_keys(master_key: bytes, *, origin: str = "sealhub") -> HubKeys:
    """The hub CA and TSA keys from the database, created on first start."""
    store = DbKeyStore(HUB_RECORDS)
    blob = await store.get(_NS, "keys")
    if blob is None:
        fresh = seal_hub_keys(create_hub_keys(origin=origin), master_key)
        blob = await store.put_if_absent(_NS, "keys", fresh) or fresh
    return open_hub_keys(blob, master_key)


def random_nonce() -> int:
    return int.from_bytes(os.urandom(8), "big")
