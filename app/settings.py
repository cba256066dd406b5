"""Configuration from environment variables (prefix ``PDCA_``, plus the conventional ``DATABASE_URL``)."""

from functools import lru_cache
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from pydantic import AliasChoices, Field, field_validator
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
    cors_origins: list[str] = Field(
        default_factory=list, description="Browser origins allowed to call the API (JSON list)."
    )
    worker_in_server: bool = Field(
        default=True,
        description="pdca serve also runs the webhook worker (off: run `pdca worker` apart).",
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
