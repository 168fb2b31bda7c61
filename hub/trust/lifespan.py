"""Startup: `app.state.trust`, the TrustService over the hub CA of the `local` vendor
(after the sealing lifespan, which builds the vendor directory)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from adapters.reference.ca import VendorCA
from hub.crypto import SM2PublicKey
from hub.trust.services import TrustService, VendorCerts

HUB_CA_VENDOR = "local"  # hub.seals.lifespan.LOCAL_VENDOR: the in-process reference vendor


def _unwrap(vendor: Any) -> Any:
    while not hasattr(vendor, "ca") and hasattr(vendor, "inner"):
        vendor = vendor.inner  # admission's RecordingVendor wraps the adapter
    return vendor


def build_trust_service(state: Any) -> TrustService:
    directory = state.vendors

    async def hub_ca() -> VendorCA:
        ca: VendorCA = await _unwrap(directory.get(HUB_CA_VENDOR)).ca()
        return ca

    async def vendor_certs(name: str) -> VendorCerts | None:
        if name not in directory.names():
            return None
        info = await directory.get(name).info()
        return VendorCerts((info.maker_cert,), tuple(info.ca_certs))

    def log_public_key() -> SM2PublicKey | None:
        log = getattr(state, "evidence", None)
        return None if log is None else log.log_key.public_key

    return TrustService(
        hub_ca=hub_ca,
        hub_ca_name=HUB_CA_VENDOR,
        origin=state.settings.server.origin,
        vendor_certs=vendor_certs,
        log_public_key=log_public_key,
        hub_anchors=[(state.tsa.keys.ca_cert, "hub TSA CA")] if hasattr(state, "tsa") else (),
    )


@contextlib.asynccontextmanager
async def trust_lifespan(app: Any) -> AsyncIterator[None]:
    trust = app.state.trust = build_trust_service(app.state)
    signing = getattr(app.state, "signing", None)
    if signing is not None:  # a signing's report is judged as the public verifier would
        signing.verification_context = trust.context
    evidence = getattr(app.state, "evidence", None)
    if evidence is not None:  # evidence packages carry the hub CA's CRL and certificate

        async def package_material() -> tuple[list[bytes], list[bytes]]:
            ca = await trust.hub_ca()
            return [await trust.crl(trust.hub_ca_name)], [ca.root_cert.der]

        evidence.package_material = package_material
    yield


def trust_service(state: Any) -> TrustService | None:
    return getattr(state, "trust", None)
