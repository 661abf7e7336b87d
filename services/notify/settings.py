"""Notify settings: the shared ones plus the port, database, channels, retries and the internal calls."""
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator

from shared.settings import ServiceSettings

DEFAULT_SCHEDULE = "0,5,300,1800,7200,18000,36000,36000"


class NotifySettings(ServiceSettings):
    service_name: str = "notify"
    port: int = Field(8104, validation_alias="NOTIFY_PORT")
    database_url: str | None = Field(None, validation_alias=AliasChoices("NOTIFY_DATABASE_URL", "DATABASE_URL"))

    # Delivery: seconds before each attempt (the first is immediate), jitter, timeout, circuit breaker.
    retry_schedule: str = Field(DEFAULT_SCHEDULE, validation_alias="NOTIFY_RETRY_SCHEDULE")
    retry_jitter: float = Field(0.1, ge=0, le=0.5, validation_alias="NOTIFY_RETRY_JITTER")
    webhook_timeout_seconds: float = Field(10.0, gt=0, validation_alias="NOTIFY_WEBHOOK_TIMEOUT_SECONDS")
    webhook_keep_alive_seconds: float = Field(
        2.0, ge=0, validation_alias="NOTIFY_WEBHOOK_KEEP_ALIVE_SECONDS",
        description="how long an idle connection to a receiver is kept: below the 5 s after which uvicorn and "
                    "Node.js servers close one, or an attempt sent as the receiver closes it fails")
    endpoint_concurrency: int = Field(2, ge=1, le=32, validation_alias="NOTIFY_ENDPOINT_CONCURRENCY")
    circuit_failures: int = Field(5, ge=1, validation_alias="NOTIFY_CIRCUIT_FAILURES")
    circuit_open_seconds: float = Field(60.0, gt=0, validation_alias="NOTIFY_CIRCUIT_OPEN_SECONDS")
    deliver_poll_seconds: float = Field(1.0, gt=0, validation_alias="NOTIFY_DELIVER_POLL_SECONDS")
    secret_overlap_seconds: int = Field(86400, ge=0, validation_alias="NOTIFY_SECRET_OVERLAP_SECONDS")

    # Webhook targets: https only, except these hosts (loopback in development and tests by default).
    allowed_hosts: str = Field("", validation_alias="NOTIFY_ALLOWED_HOSTS",
                               description="comma-separated hosts allowed over http or in private ranges")
    allow_loopback: bool | None = Field(None, validation_alias="NOTIFY_ALLOW_LOOPBACK",
                                        description="default: allowed outside production")

    # E-mail over SMTP; without a host, messages go to a local file (the embedded default).
    smtp_host: str | None = Field(None, validation_alias="NOTIFY_SMTP_HOST")
    smtp_port: int = Field(25, validation_alias="NOTIFY_SMTP_PORT")
    smtp_starttls: bool = Field(False, validation_alias="NOTIFY_SMTP_STARTTLS")
    smtp_username: str | None = Field(None, validation_alias="NOTIFY_SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(None, validation_alias="NOTIFY_SMTP_PASSWORD")
    mail_from: str = Field("jointsup@localhost", validation_alias="NOTIFY_MAIL_FROM")
    digest_email: str | None = Field(None, validation_alias="NOTIFY_DIGEST_EMAIL",
                                     description="where the lead office's daily digest goes")
    digest_hour: int = Field(8, ge=0, le=23, validation_alias="NOTIFY_DIGEST_HOUR")

    # SMS: `file` writes to a local outbox (no gateway needed); other providers plug in by name.
    sms_provider: str = Field("file", validation_alias="NOTIFY_SMS_PROVIDER")
    outbox_dir: Path = Field(Path("data/notify-outbox"), validation_alias="NOTIFY_OUTBOX_DIR")

    # Contact details come from the complaints service, called with a service token.
    complaints_url: str = Field("http://127.0.0.1:8101", validation_alias="NOTIFY_COMPLAINTS_URL")
    service_token: SecretStr | None = Field(None, validation_alias="NOTIFY_SERVICE_TOKEN",
                                            description="default: minted from JOINTSUP_JWT_SECRET")

    @field_validator("retry_schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        try:
            delays = [float(x) for x in value.split(",") if x.strip()]
        except ValueError:
            raise ValueError("NOTIFY_RETRY_SCHEDULE is comma-separated seconds") from None
        if not delays or any(d < 0 for d in delays):
            raise ValueError("NOTIFY_RETRY_SCHEDULE needs at least one non-negative delay")
        return value

    @model_validator(mode="after")
    def _no_loopback_targets_in_production(self) -> "NotifySettings":
        # A receiver on the service's own host is the service's neighbours: sidecars, admin ports, metadata proxies.
        if self.environment == "production" and self.allow_loopback:
            raise ValueError("NOTIFY_ALLOW_LOOPBACK is for development and tests; in production allow-list hosts")
        return self

    @property
    def schedule(self) -> list[float]:
        return [float(x) for x in self.retry_schedule.split(",") if x.strip()]

    @property
    def loopback_allowed(self) -> bool:
        return self.allow_loopback if self.allow_loopback is not None else self.environment != "production"

    @property
    def allowed_host_set(self) -> frozenset[str]:
        return frozenset(h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip())
