"""The foundation through the sandbox: /start, /help, /whoami, /language, refusals, admin invites,
duplicate updates, webhook mode, health and metrics, the job pipeline."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys

import aiohttp
import pytest

from edubot.stack import Deployment

pytestmark = pytest.mark.e2e


async def _cli(dep: Deployment, *args: str) -> str:
    res = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "edubot", *args], env=dep.env, capture_output=True, text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout.strip()


async def test_a_newcomer_is_greeted_and_guided(deployment: Deployment) -> None:
    asha = deployment.person("Asha", "Rao")
    await asha.send("/start")
    hello = await asha.wait_for("Hello, Asha! I am edubot")
    assert "paste the invite code" in hello.text
    await asha.send("/help")
    help_ = await asha.wait_for("What I can do for you")
    assert "/whoami" in help_.text and "/language" in help_.text
    assert any(e["type"] == "bold" for e in help_.entities)
    await asha.send("/whoami")
    await asha.wait_for("You have not joined an organization yet")
    await asha.send("what is this?")
    await asha.wait_for("I did not understand that")
    await asha.send("/attendance")
    await asha.wait_for("I do not know the command /attendance")
    await asha.send("/cancel")
    await asha.wait_for("There is nothing to cancel")
    menu = [c["command"] for c in asha.commands()]
    assert menu == ["start", "help", "whoami", "language", "cancel"]


async def test_language_switch_to_hindi_and_back(deployment: Deployment) -> None:
    ravi = deployment.person("Ravi", language_code="en")
    await ravi.send("/language")
    question = await ravi.wait_for("Choose your language")
    await ravi.press("हिन्दी", message=question)
    await ravi.wait_for_edit(question, "भाषा हिन्दी पर सेट कर दी गई है")
    await ravi.send("/help")
    await ravi.wait_for("मैं आपके लिए क्या कर सकता हूँ")
    assert any("अंग्रेज़ी" in c["description"] for c in ravi.commands())
    await ravi.send("/language")
    again = await ravi.wait_for("अपनी भाषा चुनें")
    await ravi.press("English", message=again)
    await ravi.wait_for_edit(again, "Language set to English")


async def test_hindi_speaker_is_answered_in_hindi(deployment: Deployment) -> None:
    meera = deployment.person("Meera", language_code="hi")
    await meera.send("/start")
    await meera.wait_for("नमस्ते, Meera!")


async def test_admin_invite_from_the_command_line(deployment: Deployment) -> None:
    out = await _cli(deployment, "org", "create", "Green Valley <School>", "--country", "IN")
    assert "created organization 'Green Valley <School>'" in out
    link = await _cli(deployment, "invite", "admin", "--org", "green valley <school>")
    match = re.fullmatch(r"https://t\.me/edubot_bot\?start=([A-Za-z0-9_-]{22})", link)
    assert match, link
    code = match.group(1)

    anita = deployment.person("Anita")
    await anita.send(f"/start {code}")
    welcome = await anita.wait_for("Welcome! You are now admin of")
    assert "Green Valley &lt;School&gt;" not in welcome.text and "Green Valley <School>" in welcome.text
    await anita.send("/whoami")
    who = await anita.wait_for("Anita")
    assert "Green Valley <School>: admin" in who.text

    mallory = deployment.person("Mallory")
    await mallory.send(f"/start {code}")
    await mallory.wait_for("This invite has already been used")
    await mallory.send(code)  # pasted instead of a deep link
    await mallory.wait_for("This invite has already been used")
    await mallory.send("/start AAAAAAAAAAAAAAAAAAAAAA")
    await mallory.wait_for("This invite code is not valid")
    await mallory.send("/start not*a*code")
    await mallory.wait_for("That is not an invite code")


async def test_same_update_twice_is_handled_once(deployment: Deployment) -> None:
    dev = deployment.person("Dev")
    await dev.send("/whoami", duplicate=True)
    await dev.wait_for("You have not joined")
    await dev.assert_no_message(within=1.0)
    sent = [c for c in deployment.sandbox.calls_of("sendMessage") if str(c.params.get("chat_id")) == str(dev.id)]
    assert len(sent) == 1


async def test_health_and_metrics(deployment: Deployment) -> None:
    ping = deployment.person("Ping")
    await ping.send("/start")
    await ping.wait_for("Hello")
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{deployment.http_port}/healthz") as resp:
            assert resp.status == 200
            assert await resp.json() == {"status": "ok", "database": "ok", "redis": "ok"}
        async with http.get(f"http://127.0.0.1:{deployment.http_port}/metrics") as resp:
            body = await resp.text()
    assert 'edubot_updates_total{outcome="handled",type="message"}' in body
    assert "edubot_update_seconds_bucket" in body


async def test_the_job_pipeline_end_to_end(deployment: Deployment) -> None:
    out = await _cli(deployment, "check", "--timeout", "20")
    assert out.startswith("ok: a job went through outbox → relay → worker")
    worker_port = deployment.env["EDUBOT_WORKER_METRICS_PORT"]
    async with aiohttp.ClientSession() as http:
        for _ in range(50):  # the exposition server starts a moment after the worker
            try:
                async with http.get(f"http://127.0.0.1:{worker_port}/") as resp:
                    worker_body = await resp.text()
                break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
        else:
            raise AssertionError("the worker's metrics port never answered")
    assert 'dramatiq_messages_total{actor_name="system_ping"' in worker_body


@pytest.mark.deployment(webhook=True)
async def test_webhook_mode_checks_the_secret(own_deployment: Deployment) -> None:
    dep = own_deployment
    assert dep.bot is not None and dep.bot.webhook_url == f"http://127.0.0.1:{dep.http_port}/telegram/webhook"
    kiran = dep.person("Kiran")
    await kiran.send("/start")
    await kiran.wait_for("Hello, Kiran!")
    update = {"update_id": 999999, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"},
                                               "from": {"id": 1, "is_bot": False, "first_name": "X"}, "text": "/start"}}
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(dep.bot.webhook_url, json=update, headers=headers) as resp:
                assert resp.status == 401
