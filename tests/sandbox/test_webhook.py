"""Webhook delivery: secret header, retries with backoff, per-chat ordering, webhook info, replies."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import CommandStart
from aiogram.methods import SendMessage
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from sandbox import Sandbox, SandboxUser
from tests.sandbox.conftest import Receiver


async def test_delivery_with_secret_header(tg: Bot, user: SandboxUser, receiver: Receiver) -> None:
    assert await tg.set_webhook(receiver.url, secret_token="s3cr3t-Token_1")
    await user.send("/start abc")
    await receiver.wait(1)
    headers, update = receiver.requests[0]
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cr3t-Token_1"
    assert headers["Content-Type"].startswith("application/json")
    assert update["message"]["text"] == "/start abc"
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    for _ in range(20):
        if (await tg.get_webhook_info()).pending_update_count == 0:
            break
        await asyncio.sleep(0.02)
    info = await tg.get_webhook_info()
    assert info.url == receiver.url
    assert info.pending_update_count == 0
    assert info.last_error_message is None


async def test_delivery_without_secret_header(tg: Bot, user: SandboxUser, receiver: Receiver) -> None:
    await tg.set_webhook(receiver.url)
    await user.send("hi")
    await receiver.wait(1)
    headers, _ = receiver.requests[0]
    assert "X-Telegram-Bot-Api-Secret-Token" not in headers


async def test_refused_update_is_retried_and_the_chat_waits(sb: Sandbox, tg: Bot, receiver: Receiver) -> None:
    asha = sb.add_user("Asha")
    ravi = sb.add_user("Ravi")
    refusals = [500, 502]

    async def refuse_a1(update: dict[str, Any]) -> web.StreamResponse | None:
        if update["message"]["text"] == "a1" and refusals:
            return web.Response(status=refusals.pop(0))
        return None

    receiver.handler = refuse_a1
    await tg.set_webhook(receiver.url)
    await asha.send("a1")
    await receiver.wait(1)
    await asha.send("a2")
    await ravi.send("r1")
    await receiver.wait(5, timeout=5)
    texts = [u["message"]["text"] for _, u in receiver.requests]
    # a1 is refused twice and retried; a2 waits behind it while Ravi's chat goes on.
    assert texts.count("a1") == 3
    assert texts.index("r1") < texts.index("a2")
    assert texts.index("a2") > max(i for i, t in enumerate(texts) if t == "a1")
    ids = [u["update_id"] for _, u in receiver.requests if u["message"]["text"] == "a1"]
    assert len(set(ids)) == 1, "a retry is the same update"
    info = await tg.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 502 Bad Gateway"
    assert info.last_error_date is not None


async def test_unreachable_webhook_keeps_updates_pending(tg: Bot, user: SandboxUser) -> None:
    await tg.set_webhook("http://127.0.0.1:9/hook")
    await user.send("one")
    await user.send("two")
    for _ in range(50):
        info = await tg.get_webhook_info()
        if info.last_error_message:
            break
        await asyncio.sleep(0.02)
    assert info.pending_update_count == 2
    assert info.last_error_message == "Connection refused"
    assert await tg.delete_webhook(drop_pending_updates=True)
    assert (await tg.get_webhook_info()).pending_update_count == 0
    assert (await tg.get_webhook_info()).url == ""


async def test_set_webhook_validation_and_descriptions(sb: Sandbox, tg: Bot) -> None:
    with pytest.raises(TelegramBadRequest) as exc:
        await tg.set_webhook("ftp://example.com/hook")
    assert exc.value.message == "Bad Request: bad webhook: HTTPS url must be provided for webhook"
    with pytest.raises(TelegramBadRequest) as exc:
        await tg.set_webhook("http://127.0.0.1:9/hook", secret_token="bad secret!")
    assert exc.value.message == "Bad Request: bad webhook: secret token contains unallowed characters"
    await tg.set_webhook("http://127.0.0.1:9/hook")
    await tg.delete_webhook()
    await tg.delete_webhook()
    answers = [c for c in sb.calls if c.method in ("setWebhook", "deleteWebhook") and c.ok]
    assert [c.method for c in answers] == ["setWebhook", "deleteWebhook", "deleteWebhook"]


async def test_aiogram_webhook_handler_and_method_in_reply(sb: Sandbox, tg: Bot, user: SandboxUser) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> SendMessage:
        return message.answer("Hello from the <i>webhook</i> reply")

    dp = Dispatcher()
    dp.include_router(router)
    app = web.Application()
    SimpleRequestHandler(dp, tg, secret_token="tok", handle_in_background=False).register(app, path="/wh")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/wh"
    try:
        await tg.set_webhook(url, secret_token="tok", allowed_updates=dp.resolve_used_update_types())
        await user.send("/start")
        reply = await user.wait_for("Hello from the webhook reply")
        assert reply.entities == [{"type": "italic", "offset": 15, "length": 7}]
        replies = [c for c in sb.calls if c.source == "webhook-reply"]
        assert [(c.method, c.ok) for c in replies] == [("sendMessage", True)]
    finally:
        await tg.delete_webhook()
        await runner.cleanup()


async def test_wrong_secret_is_refused_by_aiogram_and_retried(tg: Bot, user: SandboxUser, receiver: Receiver) -> None:
    seen: list[str | None] = []

    async def check(update: dict[str, object]) -> web.StreamResponse | None:
        headers = receiver.requests[-1][0]
        seen.append(headers.get("X-Telegram-Bot-Api-Secret-Token"))
        return web.Response(status=401) if len(seen) == 1 else None

    receiver.handler = check
    await tg.set_webhook(receiver.url, secret_token="right")
    await user.send("x")
    await receiver.wait(2)
    assert seen[:2] == ["right", "right"]
    assert json.dumps(receiver.requests[0][1]) == json.dumps(receiver.requests[1][1])
