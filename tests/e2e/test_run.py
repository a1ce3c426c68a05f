"""`edubot run` as an operator starts it: one command, answers /start, one Ctrl-C stops everything;
with no URLs configured it brings its own PostgreSQL and Redis, stops them, and keeps the data."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import psutil
import pytest

from edubot.stack import Deployment, Proc
from sandbox import Limits, Sandbox

pytestmark = pytest.mark.e2e


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    sb = Sandbox(limits=Limits.off())
    await sb.start()
    sb.add_bot(token=Deployment.BOT_TOKEN, username="edubot_bot")
    yield sb
    await sb.stop()


def _env(sb: Sandbox, data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDUBOT_")}
    env.update(EDUBOT_BOT_TOKEN=Deployment.BOT_TOKEN, EDUBOT_TELEGRAM_API_URL=sb.api_url,
               EDUBOT_DATA_DIR=str(data), EDUBOT_HTTP_HOST="127.0.0.1", EDUBOT_HTTP_PORT="0",
               EDUBOT_WORKER_METRICS_PORT="0", EDUBOT_WORKER_PROCESSES="1", EDUBOT_ENV_FILE="", **extra)
    return env


async def _ctrl_c(proc: Proc) -> int:
    """What a terminal does on Ctrl-C: SIGINT to the whole foreground process group."""
    descendants = [p.pid for p in proc.tree()]
    os.killpg(proc.pid, signal.SIGINT)
    code = await asyncio.to_thread(proc.popen.wait, 40)
    await asyncio.sleep(0.5)
    left = [pid for pid in descendants if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
    assert left == [], f"still running after Ctrl-C: {left}\n{proc.output()[-4000:]}"
    return code


def _servers_of(data: Path) -> list[int]:
    found = []
    for p in psutil.process_iter(["cmdline", "status"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if str(data) in cmd and p.info["status"] != "zombie" and ("postgres" in cmd or "redis" in cmd):
            found.append(p.pid)
    return found


async def test_run_answers_start_and_one_ctrl_c_stops_all(sandbox: Sandbox, fresh_db, services, redis,
                                                          tmp_path: Path) -> None:
    env = _env(sandbox, tmp_path / "data", EDUBOT_DATABASE_URL=fresh_db, EDUBOT_REDIS_URL=services.redis_url)
    proc = Proc("run", [sys.executable, "-m", "edubot", "run"], env)
    try:
        user = sandbox.add_user("Asha")
        await asyncio.sleep(0)
        await user.send("/start")
        await user.wait_for("Hello, Asha!", timeout=60)
        assert await _ctrl_c(proc) == 0
    finally:
        proc.stop()
    out = proc.output()
    assert "database is at the newest schema" in out


async def test_run_with_embedded_services_keeps_data_and_stops_them(sandbox: Sandbox, tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = _env(sandbox, data)
    ravi = sandbox.add_user("Ravi")

    first = Proc("run-1", [sys.executable, "-m", "edubot", "run"], env)
    try:
        await ravi.send("/language")
        question = await ravi.wait_for("Choose your language", timeout=90)
        await ravi.press("हिन्दी", message=question)
        await ravi.wait_for_edit(question, "हिन्दी", timeout=30)
        assert _servers_of(data), "no embedded servers were started"
        assert await _ctrl_c(first) == 0
    finally:
        first.stop()
    assert _servers_of(data) == [], "embedded servers still running after edubot run stopped"

    second = Proc("run-2", [sys.executable, "-m", "edubot", "run"], env)
    try:
        await ravi.send("/help")
        await ravi.wait_for("मैं आपके लिए क्या कर सकता हूँ", timeout=90)  # the choice survived the restart
        assert await _ctrl_c(second) == 0
    finally:
        second.stop()
    assert _servers_of(data) == []
