"""Configuration: defaults, normalisation, and a sentence naming each malformed variable."""

from __future__ import annotations

import pytest

from domain.config import load_settings
from domain.errors import ConfigError

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("EDUBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir("/")  # no .env file is read


def test_defaults_match_the_architecture() -> None:
    s = load_settings()
    assert s.telegram_api_url == "https://api.telegram.org"
    assert s.database_url is None and s.redis_url is None  # embedded
    assert str(s.data_dir) == ".edubot"
    assert s.timezone == "Asia/Kolkata"
    assert s.telegram_rate == 30
    assert s.webhook_url is None


def test_postgres_urls_are_normalised_to_asyncpg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDUBOT_DATABASE_URL", "postgres://u:p@db:5432/edubot")
    assert load_settings().database_url == "postgresql+asyncpg://u:p@db:5432/edubot"


@pytest.mark.parametrize(
    ("var", "value", "needle"),
    [
        ("EDUBOT_DATABASE_URL", "mysql://root@localhost/edubot", "EDUBOT_DATABASE_URL: must be a PostgreSQL URL"),
        ("EDUBOT_REDIS_URL", "http://localhost:6379", "EDUBOT_REDIS_URL: must be a Redis URL"),
        ("EDUBOT_TIMEZONE", "Asia/Bangalore", "EDUBOT_TIMEZONE: unknown time zone 'Asia/Bangalore'"),
        ("EDUBOT_TELEGRAM_RATE", "-5", "EDUBOT_TELEGRAM_RATE"),
        ("EDUBOT_TELEGRAM_RATE", "fast", "EDUBOT_TELEGRAM_RATE"),
        ("EDUBOT_BOT_TOKEN", "not-a-token", "EDUBOT_BOT_TOKEN: must look like"),
        ("EDUBOT_TELEGRAM_API_URL", "ftp://x", "EDUBOT_TELEGRAM_API_URL: must be an http(s) URL"),
        ("EDUBOT_WEBHOOK_SECRET", "has spaces!", "EDUBOT_WEBHOOK_SECRET"),
    ],
)
def test_malformed_variable_is_named(monkeypatch: pytest.MonkeyPatch, var: str, value: str, needle: str) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert needle in str(info.value)


def test_token_is_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDUBOT_BOT_TOKEN", "123:short-secret-value")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "short-secret-value" not in str(info.value)


def test_webhook_needs_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDUBOT_WEBHOOK_URL", "https://bot.example.org")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "EDUBOT_WEBHOOK_SECRET must be set" in str(info.value)


def test_missing_token_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings().token()
    assert "EDUBOT_BOT_TOKEN is not set" in str(info.value)
    monkeypatch.setenv("EDUBOT_BOT_TOKEN", TOKEN)
    assert load_settings().token() == TOKEN


def test_dotenv_is_read_and_can_be_switched_off(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / ".env").write_text("EDUBOT_TIMEZONE=Europe/Berlin\nEDUBOT_TELEGRAM_RATE=12\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings().timezone == "Europe/Berlin"
    monkeypatch.setenv("EDUBOT_TELEGRAM_RATE", "40")  # the environment wins over the file
    assert load_settings().telegram_rate == 40
    monkeypatch.setenv("EDUBOT_ENV_FILE", "")
    assert load_settings().timezone == "Asia/Kolkata"
