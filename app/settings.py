"""Configuration from environment variables (prefix ``PDCA_``, plus the conventional ``DATABASE_URL``)."""

from functools import lru_cache
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PDCA_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        default="sqlite:///./pdca.db",
        validation_alias=AliasChoices("DATABASE_URL", "PDCA_DATABASE_URL"),
        description="SQLAlchemy URL: sqlite:///path.db (embedded) or postgresql://user:pw@host/db.",
    )
    database_replica_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_REPLICA_URL", "PDCA_DATABASE_REPLICA_URL"),
        description="A PostgreSQL read replica's URL: GET and HEAD requests read there (a GET "
        "sent with Cache-Control: no-cache reads the primary, to see its own writes at once).",
    )
    database_pool_size: int = Field(
        default=10, ge=1, description="PostgreSQL pool size per process."
    )
    database_timeout_seconds: float = Field(
        default=15,
        gt=0,
        le=600,
        description="Longest wait for the database: to connect, for a pooled connection and for "
        "one statement (PostgreSQL); past it a request answers 503 with Retry-After.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = Field(
        default="json", description="json for log collectors, console for humans."
    )
    token_last_used_resolution_seconds: int = Field(
        default=60,
        ge=0,
        description="last_used_at of a token is written at most this often, to keep reads read-only.",
    )
    timezone: str = Field(
        default="Europe/Stockholm",
        description="IANA zone whose calendar decides what is due or overdue today.",
    )
    max_body_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest request body accepted (413 above)."
    )
    import_max_body_bytes: int = Field(
        default=512 * 1024 * 1024,
        ge=1024,
        description="Largest export document POST /api/v1/import accepts (413 above); other "
        "requests keep PDCA_MAX_BODY_BYTES.",
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Browser origins allowed to call the API (JSON list)."
    )
    worker_in_server: bool = Field(
        default=True,
        description="pdca serve also runs the webhook worker (off: run `pdca worker` apart).",
    )
    shutdown_grace_seconds: float = Field(
        default=35,
        gt=0,
        le=3600,
        description="On SIGTERM, how long requests in flight and webhook deliveries under way "
        "may take to finish before the process stops anyway (above the 30 s longest long-poll).",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Allow webhooks to loopback, link-local and private addresses (tests, labs).",
    )
    webhook_timeout_seconds: float = Field(
        default=10, gt=0, le=60, description="Timeout of one webhook delivery request."
    )
    webhook_retry_hours: float = Field(
        default=72,
        gt=0,
        description="How long a failing delivery is retried before its endpoint is disabled.",
    )

    event_retention_days: int = Field(
        default=400,
        ge=1,
        le=36500,
        description="Events (and their webhook deliveries and attempts) older than this many days "
        "are removed by the worker; a feed cursor before the oldest kept event answers 410.",
    )
    metrics_allow: list[str] = Field(
        default_factory=lambda: ["127.0.0.1/32", "::1/128"],
        description="Client networks that may read /metrics (JSON list of CIDRs); others get 404.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="A bearer token that may read /metrics from any address (unset: none).",
    )
    prometheus_multiproc_dir: str | None = Field(
        default=None,
        validation_alias=AliasChoices("PROMETHEUS_MULTIPROC_DIR"),
        description="prometheus-client's own variable: a directory where every process (server "
        "workers, pdca worker) keeps its metrics, so /metrics adds them up.",
    )
    rate_limit_enabled: bool = Field(
        default=True, description="Answer 429 past the budgets below (off: no limits at all)."
    )
    rate_limit_storage_url: str = Field(
        default="memory://",
        description="Where the counts live: memory:// (one process) or redis://host:6379/0 "
        "(shared by every process).",
    )
    rate_limit_reads: str = Field(
        default="1200/minute",
        description="Budget of GET and HEAD requests per token (or, without one, per address).",
    )
    rate_limit_writes: str = Field(
        default="300/minute", description="Budget of other requests per token or address."
    )
    rate_limit_uploads: str = Field(
        default="30/minute",
        description="Budget of upload, import and bulk requests per token or address.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Proxies (JSON list of CIDRs) whose X-Forwarded-For names the client.",
    )
    scheduler_interval_seconds: float = Field(
        default=60,
        gt=0,
        le=3600,
        description="How often the worker looks for what became overdue or went unreported.",
    )
    report_grace_days: int = Field(
        default=7,
        ge=0,
        le=365,
        description="Days after a period's last day by which its measurements are due; a unit "
        "that has reported nothing by then is announced once (`measure.report_missing`).",
    )

    @field_validator("database_url", "database_replica_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            raise ValueError(
                "is not a database URL; use sqlite:///path/to/file.db or "
                "postgresql://user:password@host:5432/dbname"
            ) from None
        if backend not in ("sqlite", "postgresql", "postgres"):
            raise ValueError(
                f"names a {backend} database; the service runs on SQLite (sqlite:///path.db) "
                "or PostgreSQL (postgresql://user:password@host:5432/dbname)"
            )
        return value

    @field_validator("metrics_allow", "trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        from ipaddress import ip_network

        for network in value:
            try:
                ip_network(network, strict=False)
            except ValueError:
                raise ValueError(
                    f"{network!r} is not a network; use an address or a CIDR such as 10.0.0.0/8"
                ) from None
        return value

    @field_validator("rate_limit_reads", "rate_limit_writes", "rate_limit_uploads")
    @classmethod
    def _budget(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is not a budget; write it as 1200/minute, 20/second or 5000/hour"
            ) from None
        return value

    @field_validator("rate_limit_storage_url")
    @classmethod
    def _storage(cls, value: str) -> str:
        if value.split("://", 1)[0] not in ("memory", "redis", "rediss", "redis+unix"):
            raise ValueError(
                "use memory:// (one process) or redis://host:6379/0 (shared by processes)"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Europe/Stockholm"
            ) from None
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()


async def _app_settings(request: Request) -> Settings:
    """The settings the running app was built with (tests build apps with their own)."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(_app_settings)]
