"""Configuration from the environment (prefix ``EDUBOT_``), validated once at start-up.

A malformed value stops the program with a sentence naming the variable, never a traceback.
"""

from __future__ import annotations

import os
import re
from functools import cached_property
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.errors import ConfigError

ENV_PREFIX = "EDUBOT_"
_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class Settings(BaseSettings):
    """Every setting of the product. Field ``x`` is read from ``EDUBOT_X``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    bot_token: SecretStr | None = Field(default=None, description="the bot token from BotFather")
    telegram_api_url: str = Field(default="https://api.telegram.org", description="Bot API server base")
    database_url: str | None = Field(default=None, description="postgresql+asyncpg://… (embedded when unset)")
    redis_url: str | None = Field(default=None, description="redis://… (embedded when unset)")
    data_dir: Path = Field(default=Path(".edubot"), description="where embedded services keep their data")
    webhook_url: str | None = Field(default=None, description="public HTTPS URL for webhook mode")
    webhook_secret: SecretStr | None = Field(default=None, description="secret token checked on webhook calls")
    timezone: str = Field(default="Asia/Kolkata", description="default time zone of new organizations")
    telegram_rate: Annotated[float, Field(gt=0, le=1000)] = Field(
        default=30.0, description="messages per second across all workers"
    )
    http_host: str = Field(default="0.0.0.0", description="bot HTTP server address (health, metrics, webhook)")  # noqa: S104
    http_port: Annotated[int, Field(ge=0, le=65535)] = Field(default=8080, description="bot HTTP server port")
    worker_metrics_port: Annotated[int, Field(ge=0, le=65535)] = Field(
        default=9191, description="Prometheus port of the worker processes"
    )
    worker_processes: Annotated[int, Field(ge=1, le=64)] = Field(default=2, description="worker processes")
    worker_threads: Annotated[int, Field(ge=1, le=256)] = Field(default=8, description="threads per worker")
    worker_orphan_seconds: Annotated[float, Field(ge=2, le=3600)] = Field(
        default=30.0, description="the jobs of a worker that died go back to the queue after this long"
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR")
    log_format: str = Field(default="text", description="text or json")
    outbox_lease_seconds: Annotated[float, Field(gt=0)] = Field(
        default=900.0, description="re-send a relayed job not finished after this long"
    )
    relay_interval_seconds: Annotated[float, Field(gt=0)] = Field(
        default=1.0, description="outbox relay poll interval (also woken by NOTIFY)"
    )
    scheduler_tick_seconds: Annotated[float, Field(gt=0)] = Field(
        default=1.0, description="how often the scheduler checks sweeps and its lock"
    )
    invite_ttl_days: Annotated[int, Field(ge=1, le=365)] = Field(default=7, description="invite lifetime")
    db_pool_size: Annotated[int, Field(ge=1, le=500)] = Field(
        default=10, description="connections per worker or scheduler process")
    # Every update holds a connection only for its statements, but while the bot's event loop is busy (a class
    # pressing at once) each is held until the loop comes back to it: with 10, 500 students pressing got 300
    # presses a second; with 40, 390 (`edubot bench answers`, 2 cores).
    bot_db_connections: Annotated[int, Field(ge=1, le=500)] = Field(
        default=32, description="connections of the bot process (updates beyond them wait for one)")

    @field_validator("bot_token")
    @classmethod
    def _check_token(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not _TOKEN_RE.match(v.get_secret_value()):
            raise ValueError("must look like 123456789:AA… (the token BotFather gives)")
        return v

    @field_validator("database_url")
    @classmethod
    def _check_db(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        scheme = urlsplit(v).scheme
        if scheme in ("postgresql", "postgres", "postgresql+asyncpg"):
            return "postgresql+asyncpg://" + v.split("://", 1)[1]
        raise ValueError(f"must be a PostgreSQL URL (postgresql://user:pass@host/db), got scheme {scheme!r}")

    @field_validator("redis_url")
    @classmethod
    def _check_redis(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        scheme = urlsplit(v).scheme
        if scheme not in ("redis", "rediss", "unix"):
            raise ValueError(f"must be a Redis URL (redis://host:6379/0 or unix:///path), got scheme {scheme!r}")
        return v

    @field_validator("telegram_api_url", "webhook_url")
    @classmethod
    def _check_http(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"must be an http(s) URL, got {v!r}")
        return v.rstrip("/")

    @field_validator("webhook_secret")
    @classmethod
    def _check_secret(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not _SECRET_RE.match(v.get_secret_value()):
            raise ValueError("must be 1–256 characters of A–Z a–z 0–9 _ -")
        return v

    @field_validator("timezone")
    @classmethod
    def _check_tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (use an IANA name such as Asia/Kolkata)") from None
        return v

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, v: str) -> str:
        if v.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return v.upper()

    @field_validator("log_format")
    @classmethod
    def _check_format(cls, v: str) -> str:
        if v.lower() not in ("text", "json"):
            raise ValueError("must be text or json")
        return v.lower()

    @model_validator(mode="after")
    def _check_webhook(self) -> Settings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("EDUBOT_WEBHOOK_SECRET must be set when EDUBOT_WEBHOOK_URL is set")
        return self

    @cached_property
    def data_path(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def telegram_rate_int(self) -> int:
        return max(1, round(self.telegram_rate))

    def token(self) -> str:
        """The bot token, or a ConfigError saying it is needed."""
        if self.bot_token is None:
            raise ConfigError(
                "EDUBOT_BOT_TOKEN is not set: get a token from @BotFather in Telegram "
                "(or run `edubot demo`, which needs none)."
            )
        return self.bot_token.get_secret_value()

    def require_services(self) -> tuple[str, str]:
        """Both service URLs; the embedded services must have filled them in by now."""
        if not self.database_url or not self.redis_url:
            raise ConfigError("EDUBOT_DATABASE_URL and EDUBOT_REDIS_URL must be set (or left to the embedded services)")
        return self.database_url, self.redis_url


def _describe(err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        loc = e.get("loc") or ()
        name = ENV_PREFIX + str(loc[0]).upper() if loc else "configuration"
        msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        value = e.get("input")
        shown = "" if isinstance(value, SecretStr) or value is None or isinstance(value, dict) else f" (got {value!r})"
        if "TOKEN" in name or "SECRET" in name:
            shown = ""
        lines.append(f"{name}: {msg}{shown}" if loc else msg)
    return "Configuration error: " + "; ".join(lines)


def load_settings(**overrides: object) -> Settings:
    """Read the environment (and ``.env``, or the file named by ``EDUBOT_ENV_FILE``; empty for none).

    Raises ConfigError naming each malformed variable.
    """
    env_file = os.environ.get("EDUBOT_ENV_FILE", ".env") or None
    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        raise ConfigError(_describe(err)) from None
