"""The composition root: every service of the hub, built once, in one place, from the
settings, and stopped in reverse order.

`open_services(settings)` is the only code that constructs services and wires them to
each other. The app's lifespan (`services_lifespan`) holds the result on
`app.state.services`; handlers receive the services they call by dependency injection
(`seals: NamedDependency[SealService]`, ...: `DEPENDENCIES`, registered in `hub.app`).
Only the guards (which run before injection) and the portal's `hub.web.deps` read the
container from `app.state` themselves.

Build order is the dependency order, one builder per area: database -> hub tenant ->
keys and tokens -> evidence log (+ witness cosigning) -> time-stamping -> vendors ->
admission -> seals and signing -> documents -> webhooks -> quality -> identity, molds ->
SMS, intent, resets, expiry -> trust store. Nothing is created lazily on first use.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any, TypeVar

import httpx
from litestar.datastructures import State
from litestar.di import Provide

from adapters.admission.services import AdmissionScheduler, AdmissionService
from adapters.admission.wiring import install
from adapters.local import LocalVendor
from adapters.protocol import AdapterContext, SealVendor
from adapters.reference.ca import VendorCA
from hub.auth.lockout import LoginGuard
from hub.auth.sessions import SessionRegistry
from hub.auth.throttle import LoginThrottle
from hub.auth.tokens import TokenService
from hub.crypto import SM2PublicKey
from hub.db import Database, close_database, open_database
from hub.documents.service import DocumentService
from hub.documents.service import register_counters as register_document_counters
from hub.evidence.cosigning import Cosigner, witness_policy
from hub.evidence.service import EvidenceLog
from hub.seals.expiry import ExpiryScheduler
from hub.seals.molds import follow_mold
from hub.seals.queries import seal_owner
from hub.seals.reset import PasswordResets
from hub.seals.services import SealService
from hub.seals.stats import register_counters as register_seal_counters
from hub.settings import Settings
from hub.signing.intent import IntentCheck, OwnerSms
from hub.signing.services import SignatureMade, SigningService
from hub.signing.stats import register_counters as register_signing_counters
from hub.sms.codes import OtpService
from hub.sms.gateway import DEFAULT_TEMPLATES, SmsGateway, make_gateway
from hub.trust.services import HUB_CA_VENDOR, TrustService, VendorCerts
from hub.tsa.authority import HubTimeStampAuthority, TimeStampAuthority, load_hub_keys
from hub.tsa.client import ExternalTimeStampAuthority, TimeStampAuthorities
from hub.vendors.directory import VendorDirectory
from hub.vendors.store import DbKeyStore
from hub.webhooks.service import DeliveryPolicy, WebhookService
from hub.webhooks.worker import DeliveryWorker
from monitoring.services import QualityService, publish_ranking_forever
from tenants.identity.services import IdentityService
from tenants.identity.stats import register_counters as register_identity_counters
from tenants.identity.verifier import IdentityVerifier, make_verifier
from tenants.keys import TenantKeyring
from tenants.molds.services import MoldRegistry
from tenants.services import ensure_hub_tenant

LOCAL_VENDOR = HUB_CA_VENDOR  # the in-process reference vendor: the fallback, and the hub CA


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
    admission: AdmissionService
    admission_scheduler: AdmissionScheduler
    seals: SealService
    signing: SigningService
    documents: DocumentService
    webhooks: WebhookService
    webhook_worker: DeliveryWorker
    quality: QualityService
    identity_verifier: IdentityVerifier
    identity: IdentityService  # persons, enterprises (a change revokes their seals)
    molds: MoldRegistry  # the seal-mold registry (a change reaches the seals made from it)
    sms: SmsGateway  # one-time codes, owner notices (hub.sms)
    otp: OtpService
    owner_sms: OwnerSms
    intent: IntentCheck  # 意愿认证 at signing, when tenant policy asks
    password_resets: PasswordResets
    seal_expiry: ExpiryScheduler
    trust: TrustService  # hub CA, trust store, CRL, status list; the verifier's context


@contextlib.asynccontextmanager
async def open_services(settings: Settings) -> AsyncIterator[HubServices]:
    """Build and start every service; stop them all (reverse order) on exit."""
    async with AsyncExitStack() as stack:
        db = await _database(stack, settings)
        keyring, sessions, tokens, throttle, guard = _auth(settings, db)
        evidence = await _evidence_log(stack, settings, db)
        tsa, timestampers = await _timestamping(stack, settings)
        http_client = await _vendor_client(stack, settings)
        vendors = _vendor_directory(settings)
        admission, scheduler = await _admission(stack, settings, db, vendors, http_client)
        seals, signing = _seals_and_signing(
            settings, db, vendors, evidence, admission, timestampers
        )
        documents = DocumentService(db, seals, signing, settings.limits, keyring)
        webhooks, worker = await _webhooks(stack, settings, db, keyring, signing)
        quality = _quality(admission)
        verifier = make_verifier(settings.identity.verifier)
        identity = _identity(settings, db, keyring, verifier, seals)
        sms, otp = _sms(settings, http_client)
        owner = OwnerSms(sms, identity)
        stack.push_async_callback(owner.drain)  # messages queued off the signing path
        intent = _intent(settings, signing, seals, otp, owner)
        resets = PasswordResets(seals, identity, otp)
        expiry = _seal_expiry(stack, settings, seals, owner)
        molds = _molds(db, seals, owner)
        trust = _trust(settings, vendors, evidence, tsa, signing)
        _metrics(stack, settings, quality)
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
            admission=admission,
            admission_scheduler=scheduler,
            seals=seals,
            signing=signing,
            documents=documents,
            webhooks=webhooks,
            webhook_worker=worker,
            quality=quality,
            identity_verifier=verifier,
            identity=identity,
            molds=molds,
            sms=sms,
            otp=otp,
            owner_sms=owner,
            intent=intent,
            password_resets=resets,
            seal_expiry=expiry,
            trust=trust,
        )


# --- one builder per area, in build order --------------------------------------------


async def _database(stack: AsyncExitStack, settings: Settings) -> Database:
    db = await open_database(settings)
    stack.push_async_callback(close_database, db)
    await ensure_hub_tenant(db, settings.security.master_key)
    return db


def _auth(
    settings: Settings, db: Database
) -> tuple[TenantKeyring, SessionRegistry, TokenService, LoginThrottle, LoginGuard]:
    """Tenant keys, tokens and their login sessions, the per-client spray brake and the
    per-account lockout."""
    sec = settings.security
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
    return keyring, sessions, tokens, throttle, guard


async def _evidence_log(stack: AsyncExitStack, settings: Settings, db: Database) -> EvidenceLog:
    """The evidence log and, with witnesses configured, the cosigner that takes each new
    checkpoint to them."""
    evidence = await EvidenceLog.open(
        db, origin=settings.server.origin, master_key=settings.security.master_key
    )
    stack.push_async_callback(evidence.close)  # queued appends finish before the db closes
    witnessing = settings.witness
    if witnessing.witnesses:
        witness_client = await stack.enter_async_context(
            httpx.AsyncClient(timeout=witnessing.timeout_seconds)
        )
        evidence.cosigner = Cosigner(
            evidence,
            witness_policy(witnessing.witnesses, witnessing.quorum),
            witness_client,
            timeout=witnessing.timeout_seconds,
        )
        _run_in_background(
            stack, evidence.cosigner.run(witnessing.interval_seconds), "sealhub-cosigner"
        )
    return evidence


async def _timestamping(
    stack: AsyncExitStack, settings: Settings
) -> tuple[HubTimeStampAuthority, TimeStampAuthorities]:
    """The hub's own TSA and, per tenant, the external TSA its signatures use instead."""
    origin = settings.server.origin
    tsa = HubTimeStampAuthority(await load_hub_keys(settings.security.master_key, origin=origin))
    timeout = settings.tsa.timeout_seconds
    tsa_client = await stack.enter_async_context(httpx.AsyncClient(timeout=timeout))
    external: dict[str, TimeStampAuthority] = {
        slug: ExternalTimeStampAuthority(urls, tsa_client, timeout=timeout)
        for slug, urls in settings.tsa.tenant_urls
        if urls
    }
    return tsa, TimeStampAuthorities(tsa, external)


async def _vendor_client(stack: AsyncExitStack, settings: Settings) -> httpx.AsyncClient:
    """One pooled client for every http/csc vendor adapter (and the SMS gateway)."""
    return await stack.enter_async_context(
        httpx.AsyncClient(timeout=settings.adapters.timeout_seconds)
    )


def _vendor_directory(settings: Settings) -> VendorDirectory:
    """The directory with the built-in `local` vendor (admission adds the registered ones)."""
    vendors = VendorDirectory(fallback=LOCAL_VENDOR)
    store = DbKeyStore(LOCAL_VENDOR)
    context = AdapterContext(settings=settings, extras={"key_store": store})
    vendors.add(LocalVendor.from_config(LOCAL_VENDOR, {}, context))
    return vendors


async def _admission(
    stack: AsyncExitStack,
    settings: Settings,
    db: Database,
    vendors: VendorDirectory,
    http_client: httpx.AsyncClient,
) -> tuple[AdmissionService, AdmissionScheduler]:
    """Admission: puts every registered vendor in the directory, chooses the vendors of a
    tenant's new seals, and (its scheduler) probes and re-evaluates them."""
    interval = settings.adapters.admission_interval_seconds
    admission, scheduler = await install(
        db,
        vendors,
        AdapterContext(settings=settings, http_client=http_client),
        interval_seconds=interval,
        scorer=QualityService,  # admission decides on the score the ranking shows
    )
    vendors.selector = admission.select  # new seals go to admitted vendors, best first
    if interval > 0:
        scheduler.start()
    stack.push_async_callback(scheduler.stop)
    return admission, scheduler


def _seals_and_signing(
    settings: Settings,
    db: Database,
    vendors: VendorDirectory,
    evidence: EvidenceLog,
    admission: AdmissionService,
    timestampers: TimeStampAuthorities,
) -> tuple[SealService, SigningService]:
    """Seals, and the signing service that uses them: only with a vendor still admitted,
    and every signature time-stamped."""
    seals = SealService(db, vendors, events=evidence)
    signing = SigningService(
        db,
        seals,
        vendors,
        events=evidence,
        may_sign=admission.may_sign,  # the seal's vendor must still be admitted
        stale_reservation=timedelta(seconds=settings.adapters.stale_reservation_seconds),
        tsa=timestampers,  # every signature carries a timestamp token
    )
    return seals, signing


async def _webhooks(
    stack: AsyncExitStack,
    settings: Settings,
    db: Database,
    keyring: TenantKeyring,
    signing: SigningService,
) -> tuple[WebhookService, DeliveryWorker]:
    """Signed webhooks of each signing, delivered (and retried) by a background worker."""
    webhooks = WebhookService(db, DeliveryPolicy.from_settings(settings.webhooks), keyring.data_key)
    signing.after_signing.append(webhooks.signature_made)
    # Its own client: never follows redirects (a 3xx must not lead past the allow-list).
    client = await stack.enter_async_context(httpx.AsyncClient(follow_redirects=False))
    worker = DeliveryWorker(webhooks, client)
    _run_in_background(stack, worker.run(), "sealhub-webhook-worker")
    return webhooks, worker


def _quality(admission: AdmissionService) -> QualityService:
    """The vendor-quality ranking: the very scorer admission decides with, when it is one."""
    if isinstance(admission.scorer, QualityService):
        return admission.scorer
    return QualityService(admission.quality)


def _identity(
    settings: Settings,
    db: Database,
    keyring: TenantKeyring,
    verifier: IdentityVerifier,
    seals: SealService,
) -> IdentityService:
    """Real-name identity; a change of an enterprise's name or legal representative
    revokes its seals (in the same transaction)."""

    async def revoke_on_change(
        db: Database,
        tenant_id: uuid.UUID,
        enterprise_id: uuid.UUID,
        reason: str,
        actor: uuid.UUID | None,
    ) -> list[uuid.UUID] | None:
        return await seals.revoke_for_subject(tenant_id, enterprise_id, reason, actor)

    return IdentityService(
        db,
        keyring,
        verifier,
        face_match_threshold=settings.identity.face_match_threshold,
        enterprise_hooks=[revoke_on_change],
    )


def _sms(settings: Settings, http_client: httpx.AsyncClient) -> tuple[SmsGateway, OtpService]:
    """SMS: one-time codes (registration, 意愿认证, resets) and messages to seal owners."""
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
        settings.security.master_key,
        ttl_seconds=sms_settings.code_ttl_seconds,
        per_number=sms_settings.codes_per_number_per_hour,
        per_client=sms_settings.codes_per_client_per_hour,
    )
    return sms, otp


def _intent(
    settings: Settings,
    signing: SigningService,
    seals: SealService,
    otp: OtpService,
    owner: OwnerSms,
) -> IntentCheck:
    """意愿认证 before each signing (when tenant policy asks), and, when configured, a text
    to the seal's owner after each use."""
    intent = IntentCheck(seals, otp, owner, seals.policy_of)
    signing.before_signing.append(intent)
    if settings.sms.tell_each_use:
        signing.after_signing.append(_tell_owner_of_use(owner))
    return intent


def _seal_expiry(
    stack: AsyncExitStack, settings: Settings, seals: SealService, owner: OwnerSms
) -> ExpiryScheduler:
    interval = settings.seals.expiry_interval_seconds
    expiry = ExpiryScheduler(seals, interval_seconds=interval or 3600.0, channel=owner)
    if interval:
        expiry.start()
    stack.push_async_callback(expiry.stop)
    return expiry


def _molds(db: Database, seals: SealService, owner: OwnerSms) -> MoldRegistry:
    """The mold registry; a mold suspended, revoked or replaced suspends or revokes the
    seals made from it (同模同轨), and its owner is told."""

    async def seals_follow_mold(tenant_id: uuid.UUID, seal_code: str, what: str) -> None:
        await follow_mold(seals, tenant_id, seal_code, what, owner)

    return MoldRegistry(db, [seals_follow_mold])


def _trust(
    settings: Settings,
    vendors: VendorDirectory,
    evidence: EvidenceLog,
    tsa: HubTimeStampAuthority,
    signing: SigningService,
) -> TrustService:
    """The trust store over the hub CA (the `local` vendor's CA). A signing's report is
    judged as the public verifier would judge it, and evidence packages carry the hub
    CA's CRL and certificate."""

    async def hub_ca() -> VendorCA:
        ca: VendorCA = await _unwrapped(vendors.get(HUB_CA_VENDOR)).ca()
        return ca

    async def vendor_certs(name: str) -> VendorCerts | None:
        if name not in vendors.names():
            return None
        info = await vendors.get(name).info()
        return VendorCerts((info.maker_cert,), tuple(info.ca_certs))

    def log_public_key() -> SM2PublicKey | None:
        return evidence.log_key.public_key

    trust = TrustService(
        hub_ca=hub_ca,
        hub_ca_name=HUB_CA_VENDOR,
        origin=settings.server.origin,
        vendor_certs=vendor_certs,
        log_public_key=log_public_key,
        hub_anchors=[(tsa.keys.ca_cert, "hub TSA CA")],
    )
    signing.verification_context = trust.context

    async def package_material() -> tuple[list[bytes], list[bytes]]:
        ca = await trust.hub_ca()
        return [await trust.crl(trust.hub_ca_name)], [ca.root_cert.der]

    evidence.package_material = package_material
    return trust


def _metrics(stack: AsyncExitStack, settings: Settings, quality: QualityService) -> None:
    """The counters of each area, and (with metrics on) the ranking, re-computed and
    exported in the background."""
    if settings.metrics.enabled:
        _run_in_background(stack, publish_ranking_forever(quality), "sealhub-ranking")
    register_identity_counters()
    register_seal_counters()
    register_signing_counters()
    register_document_counters()


def _unwrapped(vendor: SealVendor) -> Any:
    while not hasattr(vendor, "ca") and hasattr(vendor, "inner"):
        vendor = vendor.inner  # admission's RecordingVendor wraps the adapter
    return vendor


def _tell_owner_of_use(owner: OwnerSms) -> Any:
    """`after_signing` hook: text the seal's owner about the use (off the signing path)."""

    async def told(use: SignatureMade) -> None:
        owner_id, name = use.owner_account_id, use.seal_name
        if owner_id is None:  # (the signing service names the owner; older callers may not)
            seal = await seal_owner(use.tenant_id, use.seal_id)
            if seal is None:
                return
            owner_id, name = seal.owner_account_id, seal.name
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


def _run_in_background(stack: AsyncExitStack, work: Any, name: str) -> None:
    """Run `work` as a task until the services stop."""
    stack.push_async_callback(_stop, asyncio.create_task(work, name=name))


async def _stop(task: asyncio.Task[Any]) -> None:
    """Stop a background task: a webhook delivery interrupted mid-attempt is retried when
    its lease expires."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@contextlib.asynccontextmanager
async def services_lifespan(app: Any) -> AsyncIterator[None]:
    """The app's lifespan: open every service, hold them on `app.state.services`."""
    async with open_services(app.state.settings) as services:
        app.state.services = services
        yield


# --- dependency injection ------------------------------------------------------------
#
# A handler names what it calls, `seals: NamedDependency[SealService]`, and receives that
# field of the container (the annotation needs only the service's own class, so no area
# imports this module). `settings` is what `create_app` was given: there before the
# lifespan runs, so a partial app of a test needs no services for it.

T = TypeVar("T")


def _field(pick: Callable[[HubServices], T]) -> Provide:
    def provide(state: State) -> T:
        services: HubServices = state.services
        return pick(services)

    return Provide(provide, sync_to_thread=False)


def _settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


DEPENDENCIES: dict[str, Provide] = {
    "settings": Provide(_settings, sync_to_thread=False),
    "db": _field(lambda s: s.db),
    "keyring": _field(lambda s: s.keyring),
    "tokens": _field(lambda s: s.tokens),
    "sessions": _field(lambda s: s.sessions),
    "login_throttle": _field(lambda s: s.login_throttle),
    "login_guard": _field(lambda s: s.login_guard),
    "evidence": _field(lambda s: s.evidence),
    "tsa": _field(lambda s: s.tsa),
    "admission": _field(lambda s: s.admission),
    "seals": _field(lambda s: s.seals),
    "signing": _field(lambda s: s.signing),
    "documents": _field(lambda s: s.documents),
    "webhooks": _field(lambda s: s.webhooks),
    "quality": _field(lambda s: s.quality),
    "identity": _field(lambda s: s.identity),
    "molds": _field(lambda s: s.molds),
    "otp": _field(lambda s: s.otp),
    "intent": _field(lambda s: s.intent),
    "password_resets": _field(lambda s: s.password_resets),
    "trust": _field(lambda s: s.trust),
}
