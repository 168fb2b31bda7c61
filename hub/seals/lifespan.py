"""Startup: the vendor directory (with the in-process `local` vendor, keys in the hub
database) and the seal and signing services, on `app.state`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, timedelta
from typing import Any

import httpx

from adapters.local import LocalVendor
from adapters.protocol import AdapterContext
from hub.db import Database, get_db
from hub.seals.expiry import ExpiryScheduler
from hub.seals.molds import follow_mold
from hub.seals.reset import PasswordResets
from hub.seals.services import SealService
from hub.seals.stats import register_counters
from hub.seals.tables import Seal
from hub.signing.services import SigningService
from hub.sms.codes import OtpService
from hub.sms.gateway import DEFAULT_TEMPLATES, make_gateway
from hub.sms.intent import IntentCheck, OwnerSms
from hub.vendors.directory import VendorDirectory
from hub.vendors.store import DbKeyStore
from tenants.identity.services import IdentityService, enterprise_change_hooks
from tenants.identity.verifier import make_verifier
from tenants.keys import keyring_of
from tenants.molds.services import mold_change_hooks

LOCAL_VENDOR = "local"


@contextlib.asynccontextmanager
async def sealing_lifespan(app: Any) -> AsyncIterator[None]:
    state = app.state
    # One pooled client for every http/csc vendor adapter (admission builds them).
    state.http_client = httpx.AsyncClient(timeout=state.settings.adapters.timeout_seconds)
    directory = VendorDirectory(fallback=LOCAL_VENDOR)
    directory.add(
        LocalVendor.from_config(
            LOCAL_VENDOR,
            {},
            AdapterContext(settings=state.settings, extras={"key_store": DbKeyStore(LOCAL_VENDOR)}),
        )
    )
    seals = SealService(get_db(app), directory, events=getattr(state, "evidence", None))
    state.vendors = directory
    state.seals = seals
    state.signing = SigningService(
        get_db(app),
        seals,
        directory,
        events=seals.events,
        may_sign=_admission_may_sign(state),
        stale_reservation=timedelta(seconds=state.settings.adapters.stale_reservation_seconds),
    )

    async def revoke_on_change(
        db: Database, tenant_id: Any, enterprise_id: Any, reason: str, actor: Any
    ) -> list[Any]:
        return await seals.revoke_for_subject(tenant_id, enterprise_id, reason, actor)

    enterprise_change_hooks(state).append(revoke_on_change)

    async def seals_follow_mold(tenant_id: Any, seal_code: str, what: str) -> None:
        await follow_mold(seals, tenant_id, seal_code, what, owner)

    mold_change_hooks(state).append(seals_follow_mold)
    # SMS: one-time codes (registration, 意愿认证, resets) and messages to seal owners.
    sms = state.settings.sms
    state.sms = make_gateway(sms.gateway, client=state.http_client, url=sms.url,
                             token=sms.token,
                             templates={**DEFAULT_TEMPLATES, **dict(sms.templates)})
    state.otp = OtpService(state.sms, state.settings.security.master_key,
                           ttl_seconds=sms.code_ttl_seconds,
                           per_number=sms.codes_per_number_per_hour,
                           per_client=sms.codes_per_client_per_hour)
    if getattr(state, "identity_verifier", None) is None:
        state.identity_verifier = make_verifier(state.settings.identity.verifier)
    identity = IdentityService(
        get_db(app), keyring_of(state), state.identity_verifier,
        face_match_threshold=state.settings.identity.face_match_threshold)
    state.password_resets = PasswordResets(seals, identity, state.otp)
    owner = state.owner_sms = OwnerSms(state.sms, identity)
    state.intent = IntentCheck(seals, state.otp, owner, seals.policy_of)
    state.signing.before_signing.append(state.intent)
    if sms.tell_each_use:
        state.signing.after_signing.append(_tell_owner_of_use(owner))
    interval = state.settings.seals.expiry_interval_seconds
    state.seal_expiry = ExpiryScheduler(seals, interval_seconds=interval or 3600.0,
                                        channel=owner)
    if interval:
        state.seal_expiry.start()
    register_counters()
    try:
        yield
    finally:
        await state.seal_expiry.stop()
        await owner.drain()
        await state.http_client.aclose()


def _tell_owner_of_use(owner: OwnerSms) -> Any:
    """`after_signing` hook: text the seal's owner about the use (off the signing path)."""

    async def told(use: Any) -> None:
        row = await Seal.select(Seal.owner_account_id, Seal.name).where(
            (Seal.tenant_id == use.tenant_id) & (Seal.id == use.seal_id)).first().run()
        if row is not None:
            owner.tell_later(use.tenant_id, row["owner_account_id"], "seal-used", {
                "seal": row["name"], "digest": use.document_sm3[:16],
                "at": use.signed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")})

    return told


def _admission_may_sign(state: Any) -> Any:
    """Admission (installed by a later lifespan) decides whether a suspended vendor's
    seals may still sign; before it is installed every vendor may."""

    async def may_sign(tenant_id: Any, vendor: str) -> bool:
        admission = getattr(state, "admission", None)
        return True if admission is None else bool(await admission.may_sign(tenant_id, vendor))

    return may_sign


def seal_service(state: Any) -> SealService:
    return state.seals


def signing_service(state: Any) -> SigningService:
    return state.signing
