"""Settings read from the environment (MOTOTRACK_*) and an optional .env file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-this-is-the-development-secret"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTOTRACK_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite+aiosqlite:///./data/mototrack.db"
    # PostgreSQL's pool per process, sized to the requests a worker serves at once (so none opens a connection of
    # its own under load); connections are replaced after db_pool_recycle seconds instead of pinged at each checkout.
    # SQLite ignores them.
    db_pool_size: int = 20
    db_max_overflow: int = 10
    db_pool_recycle: int = 1800
    redis_url: str = ""
    # A live subscription re-checks its sign-in this often (seconds), and at once when `auth.revoked` names it.
    live_recheck_seconds: float = 60
    secret_key: str = DEFAULT_SECRET
    public_url: str = ""
    data_dir: Path = Path("./data")
    pwa_dist: Path = Field(default_factory=lambda: Path(__file__).resolve().parents[2] / "pwa" / "dist")
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    # backend/ops/logs.py: "json" (one JSON object a line), "console" (for people), "auto": json in production
    log_format: Literal["auto", "json", "console"] = "auto"
    # backend/ops/sentry.py: unhandled errors of the API, the worker and the PWA sent to Sentry; empty: off
    sentry_dsn: str = ""
    # backend/ops/backup.py: `mototrack backup` writes into backup_dir (default <data_dir>/backups); embedded mode
    # takes a backup there every backup_interval_seconds and keeps the newest backup_keep (0: no daily backups)
    backup_dir: Path | None = None
    backup_keep: int = 7
    backup_interval_seconds: float = 86400

    access_token_ttl: int = 900
    refresh_token_ttl: int = 30 * 24 * 3600
    # A refresh token presented again within this many seconds of its rotation, while its successor is unused (two
    # tabs waking together, an answer lost with the signal), gets the same successor pair instead of the sign-in
    # being ended as a reuse. 0 turns it off.
    refresh_reuse_grace_seconds: int = 30
    max_page_size: int = 100
    default_page_size: int = 20
    # Query cost (backend/api/cost.py): the most one operation may cost, and each API key's budget of points,
    # refilled continuously (shared by all processes through Redis)
    max_query_cost: int = 100_000
    api_key_cost_capacity: int = 200_000
    api_key_cost_refill_per_second: float = 2_000.0
    max_query_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    # A document is priced before validation as it would expand (each fragment once): more fields, fragment
    # spreads or directives than these, or more directives on one selection, and it is refused unvalidated.
    max_query_length: int = 100_000  # characters of query text, refused before lexing
    max_fields: int = 2000
    max_fragment_spreads: int = 200
    max_directives: int = 50
    max_directives_per_node: int = 4
    # Only documents that passed validation are cached, up to this many (estimated) bytes, least recently used out.
    document_cache_bytes: int = 16 * 1024 * 1024
    # The hot reads (board, my jobs, a job) answered from projected SQL without GraphQL execution
    # (backend/api/fastpath); off: every operation runs through Strawberry.
    fast_reads: bool = True
    # GET /metrics (Prometheus): in production only with Authorization: Bearer <metrics_token>; empty: 404 there
    metrics_token: str = ""
    # An HTTP request body or a WebSocket message above this is refused before it is parsed (413 / close 1009).
    max_request_bytes: int = 1024 * 1024
    # An address whose documents keep being refused waits before its next request (backend/api/throttle.py): a burst
    # of this many refusals, then this many a second. 0 turns it off.
    refusal_burst: int = 30
    refusal_rate: float = 10.0
    max_string_length: int = 2000
    # Attachments (backend/files): photos and documents stored under file_storage_dir (default <data_dir>/files);
    # an upload larger than max_upload_bytes is refused with 413 before it is read whole.
    # file_storage "s3": an S3-compatible bucket (AWS, MinIO, Ceph, R2...) at s3_endpoint_url (path-style URLs,
    # SigV4-signed requests; an empty endpoint means AWS's regional one).
    file_storage: Literal["local", "s3"] = "local"
    file_storage_dir: Path | None = None
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    s3_prefix: str = ""  # keys are stored under this folder of the bucket (e.g. "mototrack/")
    s3_timeout_seconds: float = 30
    max_upload_bytes: int = 15 * 1024 * 1024

    # The signed-in actor of a token is kept this many seconds (at most auth_cache_size tokens per process) instead
    # of being read on every request; a sign-out, deactivation or role change drops it at once in every process.
    # 0 turns it off.
    auth_cache_seconds: float = 5.0
    auth_cache_size: int = 10_000

    # the customer portal (backend/portal): requests per address and per link a minute, approval codes per link an
    # hour, unknown or bad tokens per address in 15 minutes
    portal_requests_per_minute: int = 120
    portal_codes_per_hour: int = 5
    portal_bad_tokens_per_window: int = 20

    login_window_seconds: int = 900
    login_max_attempts_per_account: int = 5
    login_max_attempts_per_ip: int = 20
    # backend/accounts/setup.py: "Create a garage" on the sign-in screen for anyone (off: only the first garage of an
    # empty installation is set up in the browser); at most signup_max_per_ip new garages an address a window
    open_signup: bool = False
    signup_window_seconds: int = 3600
    signup_max_per_ip: int = 3
    # backend/accounts/invitations.py: how long a staff invitation's link works
    invitation_ttl_hours: int = 72
    # Proxies whose X-Forwarded-For / Forwarded headers are believed (comma-separated addresses or networks). Empty:
    # none, the connecting address is the client. Behind a reverse proxy on the same host: "127.0.0.1,::1".
    trusted_proxies: str = ""
    # Origins (comma-separated, e.g. "https://erp.example.com") whose browser pages may call the API (CORS). Empty: none;
    # programs outside a browser need no CORS.
    cors_allowed_origins: str = ""

    # notifications: mail over SMTP when smtp_host is set, else .eml files under mail_dir (default <data_dir>/mail)
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_tls: Literal["none", "starttls", "tls"] = "starttls"
    mail_from: str = "MotoTrack <no-reply@localhost>"
    mail_dir: Path | None = None
    # SMS: file (text files under <data_dir>/sms, embedded default), webhook (JSON POST), twilio, none (refuse)
    sms_provider: Literal["none", "file", "webhook", "twilio"] = "file"
    sms_url: str = ""  # webhook: the provider's endpoint; twilio: the API base (default https://api.twilio.com)
    sms_username: str = ""  # twilio: account SID; webhook: sent as a bearer token when sms_password is empty
    sms_password: str = ""  # twilio: auth token
    sms_from: str = ""
    sms_webhook_secret: str = ""  # webhook: signs delivery receipts (POST /hooks/sms/webhook/status); empty: off
    vapid_subject: str = "mailto:admin@localhost"
    notification_poll_seconds: float = 5.0  # the in-process runner's / worker sweep's look for due messages
    notification_lease_seconds: int = 120  # a claimed message not finished by then is taken over
    reminder_scan_seconds: float = 3600.0  # embedded mode: how often the in-process runner runs the reminder scan
    import_dir: str | None = None  # scheduled imports: the only folder their files may be read from (issue 17)

    # outbound webhooks (backend/integrations/webhooks, docs/webhooks.md). Only public addresses are reached, unless
    # a host name, address or network is listed here (comma-separated, e.g. "10.0.0.0/8,hooks.lan"; tests: 127.0.0.1).
    webhook_allowed_hosts: str = ""
    webhook_timeout_seconds: float = 10.0  # to connect, and between bytes of the answer; a whole send is capped at 3x
    webhook_max_payload_bytes: int = 65536  # a body above this is sent with its data cut to the ids (data.truncated)
    webhook_max_response_bytes: int = 4096  # of the endpoint's answer read (the rest is not read)
    # the wait after the 1st, 2nd, ... failed attempt; one attempt more than waits, then the delivery FAILED
    webhook_backoff_seconds: tuple[float, ...] = (30.0, 120.0, 600.0, 1800.0)
    webhook_disable_after: int = 10  # consecutive FAILED deliveries that switch an endpoint off (admins are told)
    webhook_lease_seconds: int = 90  # a claimed delivery not finished by then is taken over

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check(self) -> None:
        """Refuse unsafe production configuration."""
        if self.is_production and (self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32):
            raise SystemExit(
                "MOTOTRACK_ENV=production needs MOTOTRACK_SECRET_KEY set to a random value of at least 32 characters"
            )


@lru_cache
def get_settings() -> Settings:
    return Settings()
