"""Typed settings, read once from the environment (nothing else reads os.environ).

Every variable is `SEALHUB_*` except `DATABASE_URL`, which follows the usual convention.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in env.get(name, "").split(",") if x.strip())


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    origin: str = "sealhub.localhost"  # names the hub in tokens (iss) and log checkpoints

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ServerSettings:
        return cls(
            host=env.get("SEALHUB_HOST", "127.0.0.1"),
            port=_int(env, "SEALHUB_PORT", 8000),
            workers=_int(env, "SEALHUB_WORKERS", 1),
            origin=env.get("SEALHUB_ORIGIN", "sealhub.localhost"),
        )


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite:///sealhub.db"
    # Run pending migrations when the app starts (guarded by a lock, so replicas may race
    # safely). The helm chart turns this off and runs `sealhub migrate` as a Job instead.
    migrate_on_start: bool = True
    pool_min_size: int = 2  # PostgreSQL connection pool, per process
    pool_max_size: int = 20
    sqlite_busy_timeout_ms: int = 10_000  # waits for another process's write lock

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DatabaseSettings:
        url = env.get("DATABASE_URL") or "sqlite:///" + env.get("SEALHUB_SQLITE_PATH", "sealhub.db")
        return cls(
            url=url,
            migrate_on_start=_bool(env.get("SEALHUB_MIGRATE_ON_START"), True),
            pool_min_size=_int(env, "SEALHUB_DB_POOL_MIN", 2),
            pool_max_size=_int(env, "SEALHUB_DB_POOL_MAX", 20),
            sqlite_busy_timeout_ms=_int(env, "SEALHUB_SQLITE_BUSY_TIMEOUT_MS", 10_000),
        )

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith(("postgres://", "postgresql://"))

    @property
    def sqlite_path(self) -> str:
        return self.url.removeprefix("sqlite:///")


@dataclass(frozen=True)
class SecuritySettings:
    # 16-byte SM4 key that wraps every tenant data key. Never logged, never in repr.
    master_key: bytes = field(repr=False, default=b"")
    access_token_seconds: int = 900
    refresh_token_seconds: int = 86400
    # (An account's and a seal password's lockout limits are tenant policy, not settings.)
    # Failed logins one client address may have in the window before its logins answer
    # 429 unchecked (hub/auth/throttle.py); 0 turns the brake off.
    login_failures_per_client: int = 30
    login_failure_window_seconds: int = 900
    # A login session (its refresh-token family) ends this long after the login, however
    # often it is refreshed (hub/auth/sessions.py).
    session_absolute_seconds: int = 12 * 3600
    # How long another replica may go on accepting an access token of a session that was
    # ended (logout, password change, account disabled): its memory of live sessions.
    session_check_seconds: float = 5.0
    # Proxies whose X-Forwarded-For is believed (addresses or CIDRs; uvicorn's
    # --forwarded-allow-ips). Empty: the client address is the TCP peer, always.
    trusted_proxies: tuple[str, ...] = ()
    # A global brake on one account's failed logins from all addresses together: past
    # this many in the lockout window, each further login of the account waits
    # `login_slowdown_seconds` first (slows a distributed guesser; locks nobody out).
    account_failures_before_slowdown: int = 50
    login_slowdown_seconds: float = 2.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SecuritySettings:
        return cls(
            master_key=_master_key(env),
            access_token_seconds=_int(env, "SEALHUB_ACCESS_TOKEN_SECONDS", 900),
            refresh_token_seconds=_int(env, "SEALHUB_REFRESH_TOKEN_SECONDS", 86400),
            login_failures_per_client=_int(env, "SEALHUB_LOGIN_FAILURES_PER_CLIENT", 30),
            login_failure_window_seconds=_int(env, "SEALHUB_LOGIN_FAILURE_WINDOW_SECONDS", 900),
            session_absolute_seconds=_int(env, "SEALHUB_SESSION_ABSOLUTE_SECONDS", 12 * 3600),
            session_check_seconds=float(env.get("SEALHUB_SESSION_CHECK_SECONDS", "5")),
            trusted_proxies=_list(env, "SEALHUB_TRUSTED_PROXIES"),
            account_failures_before_slowdown=_int(
                env, "SEALHUB_ACCOUNT_FAILURES_BEFORE_SLOWDOWN", 50
            ),
            login_slowdown_seconds=float(env.get("SEALHUB_LOGIN_SLOWDOWN_SECONDS", "2")),
        )


@dataclass(frozen=True)
class LimitsSettings:
    max_upload_bytes: int = 50 * 1024 * 1024
    ofd_max_uncompressed_bytes: int = 200 * 1024 * 1024
    ofd_max_entries: int = 10_000

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LimitsSettings:
        return cls(
            max_upload_bytes=_int(env, "SEALHUB_MAX_UPLOAD_BYTES", 50 * 1024 * 1024),
            ofd_max_uncompressed_bytes=_int(
                env, "SEALHUB_OFD_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024
            ),
            ofd_max_entries=_int(env, "SEALHUB_OFD_MAX_ENTRIES", 10_000),
        )


@dataclass(frozen=True)
class AdapterSettings:
    blocklist: tuple[str, ...] = ()
    timeout_seconds: float = 5.0
    # How often admissions are re-evaluated from live results (0 = never, tests).
    admission_interval_seconds: float = 60.0
    # A signing reservation still pending after this long was abandoned by a process that
    # died mid-signing; a retry with its Idempotency-Key takes it over. Must exceed any
    # vendor call (timeouts and retries included).
    stale_reservation_seconds: float = 60.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AdapterSettings:
        return cls(
            blocklist=tuple(
                x.strip() for x in env.get("SEALHUB_ADAPTER_BLOCKLIST", "").split(",") if x.strip()
            ),
            timeout_seconds=float(env.get("SEALHUB_VENDOR_TIMEOUT_SECONDS", "5")),
            admission_interval_seconds=float(env.get("SEALHUB_ADMISSION_INTERVAL_SECONDS", "60")),
            stale_reservation_seconds=float(env.get("SEALHUB_STALE_RESERVATION_SECONDS", "60")),
        )


@dataclass(frozen=True)
class IdentitySettings:
    # Real-name check provider. Only "simulated" ships (deterministic, for tests and the
    # demo); a deployment registers its government identity-service client under a name.
    verifier: str = "simulated"
    face_match_threshold: float = 0.80

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> IdentitySettings:
        return cls(
            verifier=env.get("SEALHUB_IDENTITY_VERIFIER", "simulated"),
            face_match_threshold=float(env.get("SEALHUB_FACE_MATCH_THRESHOLD", "0.80")),
        )


@dataclass(frozen=True)
class MetricsSettings:
    enabled: bool = True
    multiprocess_dir: str | None = None
    # Bearer token the scraper sends (SEALHUB_METRICS_TOKEN; the chart's ServiceMonitor
    # reads it from the hub's Secret). Unset: /metrics answers loopback clients only.
    token: str = field(repr=False, default="")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> MetricsSettings:
        return cls(
            enabled=_bool(env.get("SEALHUB_METRICS"), True),
            multiprocess_dir=env.get("PROMETHEUS_MULTIPROC_DIR") or None,
            token=env.get("SEALHUB_METRICS_TOKEN", "").strip(),
        )


@dataclass(frozen=True)
class WebhookSettings:
    # SSRF guard: the only hosts a webhook URL may name (exact names or "*.example.org"
    # for subdomains). The default suits a sandbox; a deployment lists its receivers.
    allow_hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
    max_attempts: int = 16  # ~7.4 h of retries with the defaults below
    retry_base_seconds: float = 10.0  # back-off: base * 2**(attempt-1), capped below
    retry_max_seconds: float = 3600.0
    timeout_seconds: float = 10.0
    poll_seconds: float = 2.0  # how often the delivery worker looks for due deliveries

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WebhookSettings:
        return cls(
            allow_hosts=tuple(
                h.strip().lower()
                for h in env.get("SEALHUB_WEBHOOK_ALLOW_HOSTS", "127.0.0.1,localhost").split(",")
                if h.strip()
            ),
            max_attempts=_int(env, "SEALHUB_WEBHOOK_MAX_ATTEMPTS", 16),
            retry_base_seconds=float(env.get("SEALHUB_WEBHOOK_RETRY_BASE_SECONDS", "10")),
            timeout_seconds=float(env.get("SEALHUB_WEBHOOK_TIMEOUT_SECONDS", "10")),
        )


@dataclass(frozen=True)
class TsaSettings:
    """External time-stamping authorities tenants name instead of the hub's own TSA."""

    # (tenant slug, its TSA URLs in failover order); SEALHUB_TENANT_TSA is
    # "slug=url|url;slug2=url"
    tenant_urls: tuple[tuple[str, tuple[str, ...]], ...] = ()
    timeout_seconds: float = 5.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TsaSettings:
        return cls(
            tenant_urls=tuple(
                (slug.strip(), tuple(u.strip() for u in urls.split("|") if u.strip()))
                for slug, _, urls in (
                    item.partition("=")
                    for item in env.get("SEALHUB_TENANT_TSA", "").split(";")
                    if item.strip()
                )
            ),
            timeout_seconds=float(env.get("SEALHUB_TSA_TIMEOUT_SECONDS", "5")),
        )


@dataclass(frozen=True)
class WitnessSettings:
    """Who cosigns the evidence log's checkpoints (hub.evidence.cosigning)."""

    # "<submission URL> <verifier key>" per witness (SEALHUB_WITNESSES, comma-separated)
    witnesses: tuple[str, ...] = ()
    quorum: int = 0  # cosignatures an evidence package needs (SEALHUB_WITNESS_QUORUM)
    interval_seconds: float = 1.0  # how often a grown log gets a new checkpoint cosigned
    timeout_seconds: float = 5.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WitnessSettings:
        return cls(
            witnesses=tuple(
                w.strip() for w in env.get("SEALHUB_WITNESSES", "").split(",") if w.strip()
            ),
            quorum=_int(env, "SEALHUB_WITNESS_QUORUM", 0),
            interval_seconds=float(env.get("SEALHUB_WITNESS_INTERVAL_SECONDS", "1")),
            timeout_seconds=float(env.get("SEALHUB_WITNESS_TIMEOUT_SECONDS", "5")),
        )


@dataclass(frozen=True)
class PortalSettings:
    # The address people reach the portal at (printed by `sealhub serve`); an https one
    # makes the session cookie Secure. Empty: http://<host>:<port>/.
    public_url: str = ""
    session_seconds: int = 8 * 3600  # a browser session lasts a working day at most
    # How long an uploaded document or a verification report waits (table portal_file).
    draft_seconds: int = 3600
    # A bureau's emblem: <branding_dir>/<tenant slug>.png, shown on its pages when present.
    branding_dir: str = ".sealhub/branding"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.lower().startswith("https://")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PortalSettings:
        return cls(
            public_url=env.get("SEALHUB_PUBLIC_URL", ""),
            session_seconds=_int(env, "SEALHUB_PORTAL_SESSION_SECONDS", 8 * 3600),
            draft_seconds=_int(env, "SEALHUB_PORTAL_DRAFT_SECONDS", 3600),
            branding_dir=env.get(
                "SEALHUB_BRANDING_DIR",
                str(Path(env.get("SEALHUB_DATA_DIR", ".sealhub")) / "branding"),
            ),
        )


@dataclass(frozen=True)
class SealSettings:
    # How often the expiry scheduler runs (one replica at a time, through the database);
    # 0 turns it off (tests drive it by hand).
    expiry_interval_seconds: float = 3600.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SealSettings:
        return cls(
            expiry_interval_seconds=float(env.get("SEALHUB_SEAL_EXPIRY_INTERVAL_SECONDS", "3600")),
        )


@dataclass(frozen=True)
class SmsSettings:
    # "simulated" keeps messages in memory (tests, the demo); "http" posts them to the
    # provider the bureau contracts (`url`, bearer `token`), see hub/sms/gateway.py.
    gateway: str = "simulated"
    url: str = ""
    token: str = field(repr=False, default="")
    # Message texts by template name (JSON object in SEALHUB_SMS_TEMPLATES); unset names
    # keep the defaults of hub.sms.gateway.DEFAULT_TEMPLATES.
    templates: tuple[tuple[str, str], ...] = ()
    code_ttl_seconds: int = 300
    codes_per_number_per_hour: int = 5
    codes_per_client_per_hour: int = 20
    tell_each_use: bool = True  # text the seal's owner after every signing

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmsSettings:
        return cls(
            gateway=env.get("SEALHUB_SMS_GATEWAY", "simulated"),
            url=env.get("SEALHUB_SMS_URL", ""),
            token=env.get("SEALHUB_SMS_TOKEN", ""),
            templates=tuple(sorted(json.loads(env.get("SEALHUB_SMS_TEMPLATES") or "{}").items())),
            code_ttl_seconds=_int(env, "SEALHUB_SMS_CODE_TTL_SECONDS", 300),
            codes_per_number_per_hour=_int(env, "SEALHUB_SMS_CODES_PER_NUMBER", 5),
            codes_per_client_per_hour=_int(env, "SEALHUB_SMS_CODES_PER_CLIENT", 20),
            tell_each_use=_bool(env.get("SEALHUB_SMS_TELL_EACH_USE"), True),
        )


@dataclass(frozen=True)
class Settings:
    server: ServerSettings = field(default_factory=ServerSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    limits: LimitsSettings = field(default_factory=LimitsSettings)
    adapters: AdapterSettings = field(default_factory=AdapterSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    identity: IdentitySettings = field(default_factory=IdentitySettings)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    witness: WitnessSettings = field(default_factory=WitnessSettings)
    tsa: TsaSettings = field(default_factory=TsaSettings)
    portal: PortalSettings = field(default_factory=PortalSettings)
    seals: SealSettings = field(default_factory=SealSettings)
    sms: SmsSettings = field(default_factory=SmsSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            server=ServerSettings.from_env(env),
            database=DatabaseSettings.from_env(env),
            security=SecuritySettings.from_env(env),
            limits=LimitsSettings.from_env(env),
            adapters=AdapterSettings.from_env(env),
            metrics=MetricsSettings.from_env(env),
            identity=IdentitySettings.from_env(env),
            webhooks=WebhookSettings.from_env(env),
            witness=WitnessSettings.from_env(env),
            tsa=TsaSettings.from_env(env),
            portal=PortalSettings.from_env(env),
            seals=SealSettings.from_env(env),
            sms=SmsSettings.from_env(env),
        )


def _master_key(env: Mapping[str, str]) -> bytes:
    """Hub master key: SEALHUB_MASTER_KEY (base64 or hex), or a file, or a dev key file.

    The dev fallback writes `.sealhub/master.key` (mode 0600, git-ignored) so `make run`
    works on a fresh machine; production sets the variable or mounts the file.
    """
    raw = env.get("SEALHUB_MASTER_KEY")
    path = env.get("SEALHUB_MASTER_KEY_FILE")
    if not raw and path:
        raw = Path(path).read_text().strip()
    if not raw:
        dev = Path(env.get("SEALHUB_DATA_DIR", ".sealhub")) / "master.key"
        if not dev.exists():
            dev.parent.mkdir(parents=True, exist_ok=True)
            dev.write_text(base64.b64encode(secrets.token_bytes(16)).decode())
            dev.chmod(0o600)
        raw = dev.read_text().strip()
    is_hex = len(raw) == 32 and all(c in "0123456789abcdefABCDEF" for c in raw)
    key = bytes.fromhex(raw) if is_hex else base64.b64decode(raw)
    if len(key) != 16:
        raise ValueError("SEALHUB_MASTER_KEY must decode to 16 bytes (an SM4 key)")
    return key
