"""The operator's command line: help everywhere, one sentence per mistake, migrate, and the demo."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import asyncpg
import pytest

from edubot.services import recreate_database

COMMANDS = ["run", "bot", "worker", "scheduler", "migrate", "org", "invite", "check", "demo", "bench"]


def edubot(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edubot", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_every_command_has_help() -> None:
    top = edubot("--help")
    assert top.returncode == 0
    for name in COMMANDS:
        assert name in top.stdout
    for args in ([c] for c in COMMANDS if c not in ("org", "invite")):
        res = edubot(*args, "--help")
        assert res.returncode == 0, res.stderr
        assert "Usage" in res.stdout
    assert edubot("org", "create", "--help").returncode == 0
    assert edubot("invite", "admin", "--help").returncode == 0


@pytest.mark.parametrize(
    ("var", "value", "needle"),
    [
        ("EDUBOT_DATABASE_URL", "mysql://root@localhost/edubot", "EDUBOT_DATABASE_URL: must be a PostgreSQL URL"),
        ("EDUBOT_TIMEZONE", "Mars/Base", "EDUBOT_TIMEZONE: unknown time zone"),
    ],
)
def test_malformed_configuration_is_one_sentence(env_for: dict[str, str], var: str, value: str, needle: str) -> None:
    res = edubot("migrate", env={**env_for, var: value})
    assert res.returncode == 2
    assert needle in res.stderr
    assert "Traceback" not in res.stderr + res.stdout


def test_run_without_a_token_says_how_to_get_one(env_for: dict[str, str]) -> None:
    res = edubot("run", env=env_for)
    assert res.returncode == 2
    assert "EDUBOT_BOT_TOKEN is not set" in res.stderr and "@BotFather" in res.stderr


async def test_migrate_an_empty_database(services, env_for: dict[str, str]) -> None:
    url = await recreate_database(services.server_url, "edubot_cli_migrate")
    try:
        res = await asyncio.to_thread(edubot, "migrate", env={**env_for, "EDUBOT_DATABASE_URL": url})
        assert res.returncode == 0, res.stderr
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            tables = {r[0] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")}
        finally:
            await conn.close()
        assert {"organizations", "users", "outbox", "audit_log"} <= tables
        again = await asyncio.to_thread(edubot, "migrate", env={**env_for, "EDUBOT_DATABASE_URL": url})
        assert again.returncode == 0  # idempotent
    finally:
        conn = await asyncpg.connect(services.server_url.replace("postgresql+asyncpg://", "postgresql://"))
        await conn.execute('DROP DATABASE IF EXISTS "edubot_cli_migrate" WITH (FORCE)')
        await conn.close()


def test_operator_mistakes(env_for: dict[str, str], fresh_db: str) -> None:
    env = {**env_for, "EDUBOT_DATABASE_URL": fresh_db}
    res = edubot("org", "create", "X", "--timezone", "Asia/Mumbai", env=env)
    assert res.returncode == 1 and "Unknown time zone Asia/Mumbai" in res.stderr
    res = edubot("invite", "admin", "--org", "Nowhere", "--username", "edubot_bot", env=env)
    assert res.returncode == 1 and "No organization named Nowhere" in res.stderr
    res = edubot("bench", "nonsense", env=env)
    assert res.returncode == 2 and "available: answers" in res.stderr


def test_config_lists_shows_and_sets_an_organizations_settings(env_for: dict[str, str], fresh_db: str) -> None:
    env = {**env_for, "EDUBOT_DATABASE_URL": fresh_db}
    assert edubot("org", "create", "Config College", env=env).returncode == 0
    listing = edubot("config", "--org", "Config College", env=env)
    assert listing.returncode == 0 and "upload.answer_max_mb = 5    # largest answer-sheet page" in listing.stdout
    assert "sla.reminders = [0.5, 0.9]" in listing.stdout
    changed = edubot("config", "--org", "Config College", "upload.answer_max_mb", "8", env=env)
    assert changed.returncode == 0 and changed.stdout.startswith("upload.answer_max_mb = 8")
    assert "upload.answer_max_mb = 8" in edubot("config", "--org", "Config College", env=env).stdout
    refused = edubot("config", "--org", "Config College", "upload.answer_max_mb", "huge", env=env)
    assert refused.returncode == 1
    assert "upload.answer_max_mb takes a number (its default is 5), not huge" in refused.stderr
    assert "upload.answer_max_mb = 8" in edubot("config", "--org", "Config College", "upload.answer_max_mb",
                                                env=env).stdout


def test_demo_plays_every_act(env_for: dict[str, str]) -> None:
    env = {**env_for, "EDUBOT_DATA_DIR": env_for["EDUBOT_DATA_DIR"]}
    os.makedirs(env["EDUBOT_DATA_DIR"], exist_ok=True)
    res = edubot("demo", env=env, timeout=300)
    assert res.returncode == 0, res.stdout[-5000:] + res.stderr[-5000:]
    assert "Anita Desai ▸ /start" in res.stdout
    assert "edubot ▸ Anita Desai: Welcome! You are now admin of Green Valley School." in res.stdout
    last = [line for line in res.stdout.splitlines() if "steps worked" in line][-1]
    done, _, total = last.split()[:3]
    assert done == total and int(total) >= 10
