"""Settings every service shares, read from the environment (12-factor)."""
import re
from pathlib import Path
from typing import Literal

from limits import parse as parse_rate
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.messaging.kafka import DEFAULT_FETCH_MAX_WAIT_MS

DEV_JWT_SECRET = "jointsup-dev-secret-change-me-0123456789abcdef"
# Development-only Fernet key and hashing key: refused outside development/test.
DEV_FERNET_KEY = "ZGV2LW9ubHktZmVybmV0LWtleS1kby1ub3QtdXNlISE="
DEV_HASH_KEY = "jointsup-dev-hash-key"
DEV_SERVICE_TOKEN_SUB = "service"
MIN_KEY_BYTES = 32  # HMAC keys (JWT HS256, complainant hashing) shorter than the SHA-256 output are guessable


def days_setting(default: int, env: str, what: str, *, minimum: int = 1, maximum: int = 365):
    """A setting counted in days, whose `default` is the rule's own (defined once, in the service's domain)."""
    return Field(default, ge=minimum, le=maximum, validation_alias=env, description=what)


class ServiceSettings(BaseSettings):
    """Base settings; each service adds its port and database URL fields."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    environment: Literal["development", "test", "production"] = Field(
        "development", validation_alias="JOINTSUP_ENV"
    )
    host: str = Field("127.0.0.1", validation_alias="JOINTSUP_HOST")
    data_dir: Path = Field(Path("data"), validation_alias="JOINTSUP_DATA_DIR")
    log_level: str = Field("INFO", validation_alias="JOINTSUP_LOG_LEVEL")
    http_keep_alive_seconds: float = Field(
        75.0, gt=0, validation_alias="JOINTSUP_HTTP_KEEP_ALIVE_SECONDS",
        description="how long an idle client connection stays open; longer than clients keep theirs in a pool "
                    "(httpx 5 s, proxies 60 s), or a request sent as the server closes fails")
    http_max_body_bytes: int = Field(1024 * 1024, ge=1024, validation_alias="JOINTSUP_HTTP_MAX_BODY_BYTES",
                                     description="a larger request body is answered 413")
    http_max_head_bytes: int = Field(16 * 1024, ge=1024, validation_alias="JOINTSUP_HTTP_MAX_HEAD_BYTES",
                                     description="a larger request line and headers are answered 431")
    http_head_timeout_seconds: float = Field(
        10.0, gt=0, validation_alias="JOINTSUP_HTTP_HEAD_TIMEOUT_SECONDS",
        description="a connection whose request line and headers have not all arrived by then is closed")
    http_body_timeout_seconds: float = Field(30.0, gt=0, validation_alias="JOINTSUP_HTTP_BODY_TIMEOUT_SECONDS",
                                             description="a request body not all arrived by then is answered 408")
    forwarded_allow_ips: str = Field(
        "127.0.0.1,::1", validation_alias="JOINTSUP_FORWARDED_ALLOW_IPS",
        description="proxies (addresses or networks, comma-separated) whose X-Forwarded-For names the client")
    rate_limit_public: str = Field("40 per 2 seconds", validation_alias="JOINTSUP_RATE_LIMIT_PUBLIC",
                                   description="per client address on the public and Open311 routes")
    rate_limit_principal: str = Field("400 per 2 seconds", validation_alias="JOINTSUP_RATE_LIMIT_PRINCIPAL",
                                      description="per caller (the token's sub) on the authenticated API")
    rate_limit_storage_url: str = Field("memory://", validation_alias="JOINTSUP_RATE_LIMIT_STORAGE_URL",
                                        description="where the counts are kept: memory:// per process, or "
                                                    "redis://host:port/db shared by the replicas")
    rate_limit_key_prefix: str = Field("jointsup", min_length=1, validation_alias="JOINTSUP_RATE_LIMIT_KEY_PREFIX")

    kafka_bootstrap_servers: str = Field("127.0.0.1:19092", validation_alias="KAFKA_BOOTSTRAP_SERVERS")
    topic_partitions: int = Field(3, ge=1, validation_alias="JOINTSUP_TOPIC_PARTITIONS")
    relay_batch_size: int = Field(2000, ge=1, validation_alias="JOINTSUP_RELAY_BATCH_SIZE")
    migrate_on_start: bool = Field(True, validation_alias="JOINTSUP_MIGRATE_ON_START",
                                   description="false where a separate job migrates (Kubernetes, compose)")
    database_start_wait_seconds: float = Field(
        60.0, ge=0, validation_alias="JOINTSUP_DATABASE_START_WAIT_SECONDS",
        description="how long a start that migrates waits for an away database (restarting, not up yet) "
                    "before it gives up and exits")
    relay_poll_seconds: float = Field(1.0, gt=0, validation_alias="JOINTSUP_RELAY_POLL_SECONDS")
    outbox_retention_days: float = Field(
        7.0, gt=0, validation_alias="JOINTSUP_OUTBOX_RETENTION_DAYS",
        description="how long a sent event stays in the outbox, to be sent again to a broker that lost it")
    republish_on_new_broker: bool = Field(
        False, validation_alias="JOINTSUP_REPUBLISH_ON_NEW_BROKER",
        description="send the retained outbox again to a broker that no longer holds it (the memory-only embedded "
                    "broker after a restart; make run sets it); refused in production, where Kafka keeps its log")
    consumer_max_attempts: int = Field(4, ge=1, validation_alias="JOINTSUP_CONSUMER_MAX_ATTEMPTS")
    consumer_session_timeout_ms: int = Field(10_000, ge=1000, validation_alias="JOINTSUP_CONSUMER_SESSION_TIMEOUT_MS")
    consumer_fetch_max_wait_ms: int = Field(DEFAULT_FETCH_MAX_WAIT_MS, ge=1,
                                            validation_alias="JOINTSUP_CONSUMER_FETCH_MAX_WAIT_MS")
    consumer_backoff_seconds: float = Field(0.2, ge=0, validation_alias="JOINTSUP_CONSUMER_BACKOFF_SECONDS")
    consumer_records_per_transaction: int = Field(
        16, ge=1, validation_alias="JOINTSUP_CONSUMER_RECORDS_PER_TRANSACTION",
        description="records of one poll handled in one transaction; 1 gives each record its own")

    jwt_secret: SecretStr = Field(SecretStr(DEV_JWT_SECRET), validation_alias="JOINTSUP_JWT_SECRET")
    jwks_url: str | None = Field(None, validation_alias="JOINTSUP_JWKS_URL")
    jwt_issuer: str | None = Field(None, min_length=1, validation_alias="JOINTSUP_JWT_ISSUER",
                                   description="the `iss` every token must carry; required in production with JWKS")
    jwt_audience: str | None = Field(None, min_length=1, validation_alias="JOINTSUP_JWT_AUDIENCE",
                                     description="an `aud` every token must carry; required in production with JWKS")
    jwks_timeout_seconds: float = Field(3.0, gt=0, le=30, validation_alias="JOINTSUP_JWKS_TIMEOUT_SECONDS")
    jwks_refresh_seconds: float = Field(
        30.0, ge=0, validation_alias="JOINTSUP_JWKS_REFRESH_SECONDS",
        description="the least time between two fetches of the JWKS (a token naming an unknown key, a JWKS away)")
    jwks_max_age_seconds: float = Field(3600.0, gt=0, validation_alias="JOINTSUP_JWKS_MAX_AGE_SECONDS")
    fernet_keys: SecretStr = Field(SecretStr(DEV_FERNET_KEY), validation_alias="JOINTSUP_FERNET_KEYS")
    hash_key: SecretStr = Field(SecretStr(DEV_HASH_KEY), validation_alias="JOINTSUP_HASH_KEY")

    registry_path: Path | None = Field(None, validation_alias="JOINTSUP_REGISTRY_PATH")
    uscc_exceptions: str = Field("", validation_alias="JOINTSUP_USCC_EXCEPTIONS")
    fallback_holidays: str = Field("", validation_alias="JOINTSUP_FALLBACK_HOLIDAYS")
    fallback_workdays: str = Field("", validation_alias="JOINTSUP_FALLBACK_WORKDAYS")

    service_name: str = "service"
    port: int = 8000
    database_url: str | None = None

    @field_validator("uscc_exceptions")
    @classmethod
    def _exceptions_have_the_shape_of_a_uscc(cls, value: str) -> str:
        # An exception skips only the check characters; any other length would pass intake and then fail to
        # store (every USCC column holds 18).
        codes = [c.strip() for c in value.split(",") if c.strip()]
        wrong = [c for c in codes if not re.fullmatch(r"[0-9A-Z]{18}", c.upper())]
        if wrong:
            raise ValueError(f"JOINTSUP_USCC_EXCEPTIONS: {', '.join(wrong)} not 18 letters and digits")
        return value

    @field_validator("rate_limit_public", "rate_limit_principal")
    @classmethod
    def _rate_limits_parse(cls, value: str) -> str:
        parse_rate(value)  # the notation of `limits`: "40 per 2 seconds"
        return value

    @model_validator(mode="after")
    def _refuse_republishing_in_production(self) -> "ServiceSettings":
        # Kafka keeps its log: there a republish would only flood every consumer with the whole retained window.
        if self.environment == "production" and self.republish_on_new_broker:
            raise ValueError("JOINTSUP_REPUBLISH_ON_NEW_BROKER is for the memory-only embedded broker, not production")
        return self

    @model_validator(mode="after")
    def _refuse_dev_secrets_outside_development(self) -> "ServiceSettings":
        if self.environment == "production":
            dev_values = {
                "JOINTSUP_JWT_SECRET": (self.jwt_secret, DEV_JWT_SECRET),
                "JOINTSUP_FERNET_KEYS": (self.fernet_keys, DEV_FERNET_KEY),
                "JOINTSUP_HASH_KEY": (self.hash_key, DEV_HASH_KEY),
            }
            unsafe = [name for name, (value, dev) in dev_values.items() if dev in value.get_secret_value()]
            if unsafe and not (self.jwks_url and unsafe == ["JOINTSUP_JWT_SECRET"]):
                raise ValueError(f"development defaults are not allowed in production: set {', '.join(unsafe)}")
            if "*" in self.forwarded_allow_ips:
                # anyone could then name any address in X-Forwarded-For and step round the per-client limits
                raise ValueError("JOINTSUP_FORWARDED_ALLOW_IPS=* is not allowed in production: list the proxies")
            keys = {"JOINTSUP_JWT_SECRET": self.jwt_secret, "JOINTSUP_HASH_KEY": self.hash_key}
            short = [name for name, key in keys.items() if len(key.get_secret_value().encode()) < MIN_KEY_BYTES
                     and not (name == "JOINTSUP_JWT_SECRET" and self.jwks_url)]  # with JWKS the secret verifies nothing
            if short:
                raise ValueError(f"{' and '.join(short)} must be at least {MIN_KEY_BYTES} bytes in production")
            if self.jwks_url and not (self.jwt_issuer and self.jwt_audience):
                raise ValueError("with JOINTSUP_JWKS_URL, production needs JOINTSUP_JWT_ISSUER and "
                                 "JOINTSUP_JWT_AUDIENCE: a provider's tokens for any other application would pass")
        return self

    @property
    def uscc_exception_set(self) -> frozenset[str]:
        """USCCs that real registries hold although they fail the check."""
        return frozenset(c.strip().upper() for c in self.uscc_exceptions.split(",") if c.strip())

    def resolved_database_url(self) -> str:
        """The configured URL, or a SQLite file per service under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{self.service_name}.db').resolve()}"
