"""The one place that builds the hub: routes, dependencies, error mapping, lifespan."""

from __future__ import annotations

from litestar import Litestar
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Server

from adapters.admission.controllers import CONTROLLERS as ADMISSION_ROUTES
from hub.auth.guards import provide_principal
from hub.auth.openapi import finish_openapi
from hub.documents.controllers import CONTROLLERS as DOCUMENT_ROUTES
from hub.documents.evidence_report import EvidenceReportController
from hub.evidence.controllers import EvidenceController
from hub.health.controllers import HealthController
from hub.heap import settled_heap
from hub.problems import EXCEPTION_HANDLERS
from hub.seals.controllers import SealController, SealNoticeController
from hub.seals.reset import PasswordResetController
from hub.services import DEPENDENCIES, services_lifespan
from hub.settings import Settings
from hub.signing.controllers import SignatureController, UseRequestController
from hub.signing.evidence_controllers import EvidencePackageController, SealUsesController
from hub.signing.intent import IntentController
from hub.trust.controllers import CONTROLLERS as TRUST_ROUTES
from hub.tsa.controllers import TimeStampController
from hub.verification.controllers import VerificationController
from hub.web import api_docs_plugins, portal_routes
from hub.webhooks.controllers import WebhookController
from monitoring.controllers import RankingController, RatingController, RegulatorController
from monitoring.http import MetricsController, MetricsMiddleware, metrics_lifespan
from tenants.login.controllers import AuthController
from tenants.molds.controllers import MoldController
from tenants.routes import TENANT_ROUTES


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    app = Litestar(
        route_handlers=[
            HealthController,
            AuthController,
            *TENANT_ROUTES,  # tenants, accounts, identity, policy, statistics
            MoldController,  # the seal-mold registry (印模库)
            SealController,  # seal lifecycle and protection password
            PasswordResetController,  # forgotten 口令 / password: face check + SMS code
            SealNoticeController,  # what a seal's owner was told (expiry, molds, resets)
            UseRequestController,  # 用印审批
            SignatureController,  # cloud signing
            IntentController,  # 意愿认证: an SMS code bound to the document
            *DOCUMENT_ROUTES,  # sign OFD/PDF; application center (应用中心)
            *ADMISSION_ROUTES,  # vendor registration and admission (准入)
            VerificationController,
            *TRUST_ROUTES,  # trust store (API), hub CA certificate, CRL, status list
            TimeStampController,  # RFC 3161 /tsa (SM2)
            EvidenceController,  # the evidence log: checkpoint, entries, proofs (存证)
            EvidencePackageController,  # evidence packages of a tenant's signings (出证)
            EvidenceReportController,  # ... and the same as a readable PDF report
            SealUsesController,  # a seal owner sees every use of the seal, with log proofs
            WebhookController,  # ... and is told of each use (signed webhooks, retried)
            RatingController,
            RankingController,
            RegulatorController,
            *([MetricsController] if settings.metrics.enabled else []),
            *portal_routes(settings),  # the web portal's pages and assets (hub/web)
        ],
        # Off (SEALHUB_METRICS=0) for the overhead benchmark's baseline.
        middleware=[MetricsMiddleware] if settings.metrics.enabled else [],
        # `principal: CurrentPrincipal` in a handler = a verified access token is required;
        # `seals: NamedDependency[SealService]` and the like = that service of the
        # composition root (hub.services.DEPENDENCIES).
        dependencies={"principal": Provide(provide_principal), **DEPENDENCIES},
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(
            title="SealHub",
            version="1.0.0",
            path="/schema",
            servers=[Server(url="/")],
            render_plugins=api_docs_plugins(),  # Swagger UI from local assets, no CDN
        ),
        request_max_body_size=settings.limits.max_upload_bytes,
        # Security schemes per operation and problem+json error bodies in the OpenAPI.
        on_startup=[finish_openapi],
        lifespan=[
            services_lifespan,  # every service, built in one place (hub.services)
            *([metrics_lifespan] if settings.metrics.enabled else []),  # drops stale gauges
            settled_heap,  # last: what startup built is left out of garbage collection
        ],
        debug=False,
    )
    app.state.settings = settings
    return app
