"""The composition root: every service of the hub, built once, in one place, from the
settings, and stopped in reverse order.

`open_services(settings)` is the only code that constructs services and wires them to
each other. The app's one lifespan (`services_lifespan`) holds the result on
`app.state.services`; handlers receive it by dependency injection (`services:
HubServices`, registered in `hub.app`), and the few module-level accessors that older
controllers use (`seal_service(state)`, `tokens_of(state)`, ...) read their field from it.

Build order is the dependency order: database -> hub tenant -> keys and tokens ->
evidence log (+ witness cosigning) -> time-stamping -> vendors -> seals -> signing ->
documents -> webhooks -> admission -> quality -> SMS, intent, resets, expiry. Nothing is
created lazily on first use.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any

import httpx

from adapters.admission.services import AdmissionScheduler, AdmissionService
from adapters.admission.wiring import install
from adapters.local import LocalVendor
from adapters.protocol import AdapterContext
from hub.auth.lockout import LoginGuard
from hub.auth.sessions import SessionRegistry
from hub.auth.throttle import LoginThrottle
from hub.auth.tokens import TokenService
from hub.db import Database, close_database, open_database
from hub.documents.service import DocumentService
from hub.documents.service import register_counters as register_document_counters
from hub.evidence.cosigning import Cosigner, witness_policy
from hub.evidence.service import EvidenceLog
from hub.seals.expiry import ExpiryScheduler
from hub.seals.molds import follow_mold
from hub.seals.reset import PasswordResets
from hub.seals.services import SealService
from hub.seals.stats import register_counters as register_seal_counters
from hub.seals.tables import Seal
from hub.settings import Settings
from hub.signing.intent import IntentCheck, OwnerSms
from hub.signing.services import SignatureMade, SigningService
from hub.signing.stats import register_counters as register_signing_counters
from hub.sms.codes import OtpService
from hub.sms.gateway import DEFAULT_TEMPLATES, SmsGateway, make_gateway
from hub.tsa.authority import HubTimeStampAuthority, TimeStampAuthority, load_hub_keys
from hub.tsa.client import ExternalTimeStampAuthority, TimeStampAuthorities
from hub.vendors.directory import VendorDirectory
from hub.vendors.store import DbKeyStore
from hub.webhooks.service import DeliveryPolicy, WebhookService
from hub.webhooks.worker import DeliveryWorker
from monitoring.services import QualityService
from tenants.identity.services import EnterpriseChangeHook, IdentityService
from tenants.identity.stats import register_counters as register_identity_counters
from tenants.identity.verifier import IdentityVerifier, make_verifier
from tenants.keys import TenantKeyring
from tenants.molds.services import MoldChangeHook
from tenants.services import ensure_hub_tenant

LOCAL_VENDOR = "local"


@dataclass
class HubServices:
    """Everything a request may need, typed. One per process (per worker)."""

    settings: Settings
    db: Database
    keyring: TenantKeyring
    tokens: TokenService
    sessions: SessionRegistry
    login_throttle: LoginThrottle
    login_guard: LoginGuard
    evidence: EvidenceLog
    tsa: HubTimeStampAuthority  # the hub's own RFC 3161 TSA (/tsa)
    timestampers: TimeStampAuthorities  # which TSA each tenant's signatures use
    http_client: httpx.AsyncClient  # pooled, for every http/csc vendor adapter
    vendors: VendorDirectory
    seals: SealService
    signing: SigningService
    documents: DocumentService
    webhooks: WebhookService
    webhook_worker: DeliveryWorker
    admission: AdmissionService
    admission_scheduler: AdmissionScheduler
    quality: QualityService
    identity_verifier: IdentityVerifier
    sms: SmsGateway  # one-time codes, owner notices (hub.sms)
    otp: OtpService
    owner_sms: OwnerSms
    intent: IntentCheck  # 意愿认证 at signing, when tenant policy asks
    password_resets: PasswordResets
    seal_expiry: ExpiryScheduler
    enterprise_change_hooks: list[EnterpriseChangeHook] = field(default_factory=list)
    mold_change_hooks: list[MoldChangeHook] = field(default_factory=list)


@contextlib.asynccontextmanager
async def open_services(settings: Settings) -> AsyncIterator[HubServices]:
    """Build and start every service; stop them all (reverse order) on exit."""
    sec = settings.security
    async with contextlib.AsyncExitStack() as stack:
        db = await open_database(settings)
        stack.push_async_callback(close_database, db)
        await ensure_hub_tenant(db, sec.master_key)

        keyring = TenantKeyring(sec.master_key)
        sessions = SessionRegistry(
            lambda: db,
            absolute_seconds=sec.session_absolute_seconds,
            check_seconds=sec.session_check_seconds,
        )
        tokens = TokenService(
            keyring,
            issuer=settings.server.origin,
            access_seconds=sec.access_token_seconds,
            refresh_seconds=sec.refresh_token_seconds,
            sessions=sessions,
        )
        throttle = LoginThrottle(sec.login_failures_per_client, sec.login_failure_window_seconds)
        guard = LoginGuard(
            lambda: db,
            sec.master_key,
            slowdown_after=sec.account_failures_before_slowdown,
            slowdown_seconds=sec.login_slowdown_seconds,
        )

        evidence = await EvidenceLog.open(
            db, origin=settings.server.origin, master_key=sec.master_key
        )
        stack.push_async_callback(evidence.close)  # queued appends finish before the db closes
        witnessing = settings.witness
        if witnessing.witnesses:  # each new checkpoint goes to the witnesses for cosigning
            witness_client = await stack.enter_async_context(
                httpx.AsyncClient(timeout=witnessing.timeout_seconds)
            )
            evidence.cosigner = Cosigner(
                evidence,
                witness_policy(witnessing.witnesses, witnessing.quorum),
                witness_client,
                timeout=witnessing.timeout_seconds,
            )
            stack.push_async_callback(
                _stop,
                asyncio.create_task(
                    evidence.cosigner.run(witnessing.interval_seconds), name="sealhub-cosigner"
                ),
            )

        tsa = HubTimeStampAuthority(
            await load_hub_keys(sec.master_key, origin=settings.server.origin)
        )
        tsa_client = await stack.enter_async_context(
            httpx.AsyncClient(timeout=settings.tsa.timeout_seconds)
        )
        external: dict[str, TimeStampAuthority] = {
            slug: ExternalTimeStampAuthority(urls, tsa_client, timeout=settings.tsa.timeout_seconds)
            for slug, urls in settings.tsa.tenant_urls
            if urls
        }
        timestampers = TimeStampAuthorities(tsa, external)
        http_client = httpx.AsyncClient(timeout=settings.adapters.timeout_seconds)
        stack.push_async_callback(http_client.aclose)

        vendors = VendorDirectory(fallback=LOCAL_VENDOR)
        vendors.add(
            LocalVendor.from_config(
                LOCAL_VENDOR,
                {},
                AdapterContext(settings=settings, extras={"key_store": DbKeyStore(LOCAL_VENDOR)}),
            )
        )
        seals = SealService(db, vendors, events=evidence)
        admitted: list[AdmissionService] = []  # set below; signing asks it at call time

        async def may_sign(tenant_id: Any, vendor: str) -> bool:
            return not admitted or bool(await admitted[0].may_sign(tenant_id, vendor))

        signing = SigningService(
            db,
            seals,
            vendors,
            events=evidence,
            may_sign=may_sign,
            stale_reservation=timedelta(seconds=settings.adapters.stale_reservation_seconds),
            tsa=timestampers,  # every signature carries a timestamp token
        )

        async def revoke_on_change(
            db: Database, tenant_id: Any, enterprise_id: Any, reason: str, actor: Any
        ) -> list[Any]:
            return await seals.revoke_for_subject(tenant_id, enterprise_id, reason, actor)

        documents = DocumentService(db, seals, signing, settings.limits, keyring)
        webhooks = WebhookService(
            db, DeliveryPolicy.from_settings(settings.webhooks), keyring.data_key
        )
        signing.after_signing.append(webhooks.signature_made)
        # Its own client: never follows redirects (a 3xx must not lead past the allow-list).
        webhook_client = await stack.enter_async_context(httpx.AsyncClient(follow_redirects=False))
        worker = DeliveryWorker(webhooks, webhook_client)
        stack.push_async_callback(
            _stop, asyncio.create_task(worker.run(), name="sealhub-webhook-worker")
        )

        admission, scheduler = await install(
            db,
            vendors,
            AdapterContext(settings=settings, http_client=http_client),
            interval_seconds=settings.adapters.admission_interval_seconds,
            scorer=QualityService,  # admission decides on the score the ranking shows
        )
        admitted.append(admission)
        if settings.adapters.admission_interval_seconds > 0:
            scheduler.start()
        stack.push_async_callback(scheduler.stop)
        quality = (
            admission.scorer
            if isinstance(admission.scorer, QualityService)
            else QualityService(admission.quality)
        )

        # SMS: one-time codes (registration, 意愿认证, resets) and messages to seal owners.
        sms_settings = settings.sms
        sms = make_gateway(
            sms_settings.gateway,
            client=http_client,
            url=sms_settings.url,
            token=sms_settings.token,
            templates={**DEFAULT_TEMPLATES, **dict(sms_settings.templates)},
        )
        otp = OtpService(
            sms,
            sec.master_key,
            ttl_seconds=sms_settings.code_ttl_seconds,
            per_number=sms_settings.codes_per_number_per_hour,
            per_client=sms_settings.codes_per_client_per_hour,
        )
        verifier = make_verifier(settings.identity.verifier)
        identity = IdentityService(
            db, keyring, verifier, face_match_threshold=settings.identity.face_match_threshold
        )
        resets = PasswordResets(seals, identity, otp)
        owner = OwnerSms(sms, identity)
        stack.push_async_callback(owner.drain)  # messages queued off the signing path
        intent = IntentCheck(seals, otp, owner, seals.policy_of)
        signing.before_signing.append(intent)
        if sms_settings.tell_each_use:
            signing.after_signing.append(_tell_owner_of_use(owner))
        interval = settings.seals.expiry_interval_seconds
        expiry = ExpiryScheduler(seals, interval_seconds=interval or 3600.0, channel=owner)
        if interval:
            expiry.start()
        stack.push_async_callback(expiry.stop)

        async def seals_follow_mold(tenant_id: Any, seal_code: str, what: str) -> None:
            await follow_mold(seals, tenant_id, seal_code, what, owner)

        register_identity_counters()
        register_seal_counters()
        register_signing_counters()
        register_document_counters()
        yield HubServices(
            settings=settings,
            db=db,
            keyring=keyring,
            tokens=tokens,
            sessions=sessions,
            login_throttle=throttle,
            login_guard=guard,
            evidence=evidence,
            tsa=tsa,
            timestampers=timestampers,
            http_client=http_client,
            vendors=vendors,
            seals=seals,
            signing=signing,
            documents=documents,
            webhooks=webhooks,
            webhook_worker=worker,
            admission=admission,
            admission_scheduler=scheduler,
            quality=quality,
            identity_verifier=verifier,
            sms=sms,
            otp=otp,
            owner_sms=owner,
            intent=intent,
            password_resets=resets,
            seal_expiry=expiry,
            enterprise_change_hooks=[revoke_on_change],
            mold_change_hooks=[seals_follow_mold],
        )


def _tell_owner_of_use(owner: OwnerSms) -> Any:
    """`after_signing` hook: text the seal's owner about the use (off the signing path)."""

    async def told(use: SignatureMade) -> None:
        owner_id, name = use.owner_account_id, use.seal_name
        if owner_id is None:  # (the signing service names the owner; older callers may not)
            row = (
                await Seal.select(Seal.owner_account_id, Seal.name)
                .where((Seal.tenant_id == use.tenant_id) & (Seal.id == use.seal_id))
                .first()
                .run()
            )
            if row is None:
                return
            owner_id, name = row["owner_account_id"], row["name"]
        owner.tell_later(
            use.tenant_id,
            owner_id,
            "seal-used",
            {
                "seal": name,
                "digest": use.document_sm3[:16],
                "at": use.signed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            },
        )

    return told


async def _stop(task: asyncio.Task[Any]) -> None:
    """Stop a background task: a webhook delivery interrupted mid-attempt is retried when
    its lease expires."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


# The names older code reads on `app.state` (tests, accessors): each is a field of the
# container, mirrored once at startup so there is still one object behind each name.
_STATE_NAMES = (
    "db",
    "keyring",
    "tokens",
    "login_throttle",
    "login_guard",
    "evidence",
    "tsa",
    "timestampers",
    "http_client",
    "vendors",
    "seals",
    "signing",
    "documents",
    "webhooks",
    "webhook_worker",
    "admission",
    "quality",
    "identity_verifier",
    "enterprise_change_hooks",
    "mold_change_hooks",
    "sms",
    "otp",
    "owner_sms",
    "intent",
    "password_resets",
    "seal_expiry",
)


@contextlib.asynccontextmanager
async def services_lifespan(app: Any) -> AsyncIterator[None]:
    """The app's lifespan: open every service, hold them on `app.state.services`."""
    async with open_services(app.state.settings) as services:
        app.state.services = services
        for name in _STATE_NAMES:
            setattr(app.state, name, getattr(services, name))
        yield


def services_of(state: Any) -> HubServices:
    services: HubServices = state.services
    return services


async def provide_services(request: Any) -> HubServices:
    """Dependency `services: HubServices` for handlers."""
    return services_of(request.app.state)
