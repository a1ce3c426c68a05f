"""Injected faults (errors, 429, hangs) and Telegram's rate limits, as aiogram experiences them."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from sandbox import Limits, Sandbox, SandboxUser
from tests.sandbox.conftest import TOKEN, close_bot


def impatient_bot(sb: Sandbox, timeout: float = 0.3) -> Bot:
    return Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(sb.api_url), timeout=timeout))


async def test_fail_next_with_500_then_recovers(sb: Sandbox, tg: Bot, started: SandboxUser) -> None:
    sb.faults.fail_next("sendMessage", n=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError) as exc:
            await tg.send_message(started.id, "report ready")
        assert exc.value.message == "Internal Server Error"
    await tg.send_message(started.id, "report ready")
    assert [m.text for m in started.bot_messages] == ["report ready"], "failed calls had no effect"
    outcomes = [(c.ok, c.error_code, c.fault) for c in sb.calls_of("sendmessage")]
    assert outcomes == [(False, 500, "fail"), (False, 500, "fail"), (True, None, None)]
    assert sb.faults.armed() == []


async def test_fail_next_with_other_statuses(sb: Sandbox, tg: Bot, started: SandboxUser) -> None:
    sb.faults.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as retry:
        await tg.send_message(started.id, "x")
    assert retry.value.retry_after == 7
    assert sb.calls[-1].description == "Too Many Requests: retry after 7"
    sb.faults.fail_next("*", status=502)
    with pytest.raises(TelegramServerError) as exc:
        await tg.get_me()
    assert exc.value.message == "Bad Gateway"
    sb.faults.fail_next("SENDMESSAGE", status=400, description="Bad Request: custom refusal")
    with pytest.raises(TelegramBadRequest) as bad:
        await tg.send_message(started.id, "x")
    assert bad.value.message == "Bad Request: custom refusal"


async def test_hang_before_times_the_client_out_without_effect(sb: Sandbox, started: SandboxUser) -> None:
    bot = impatient_bot(sb)
    try:
        sb.faults.hang_next("sendMessage", seconds=0.6)
        with pytest.raises(TelegramNetworkError) as exc:
            await bot.send_message(started.id, "lost")
        assert "timeout" in exc.value.message.lower()
        await asyncio.sleep(0.5)
        assert started.bot_messages == [], "the request never reached Telegram"
        await bot.send_message(started.id, "delivered")
        assert [m.text for m in started.bot_messages] == ["delivered"]
    finally:
        await close_bot(bot)


async def test_hang_after_the_effect_makes_a_retry_duplicate(sb: Sandbox, started: SandboxUser) -> None:
    bot = impatient_bot(sb)
    try:
        sb.faults.hang_next("sendMessage", seconds=0.5, when="after")
        with pytest.raises(TelegramNetworkError):
            await bot.send_message(started.id, "result: 42")
        await bot.send_message(started.id, "result: 42")
        assert [m.text for m in started.bot_messages] == ["result: 42", "result: 42"]
    finally:
        await close_bot(bot)


async def test_hang_forever(sb: Sandbox, started: SandboxUser) -> None:
    bot = impatient_bot(sb, timeout=0.2)
    try:
        sb.faults.hang_next("getChat", then="never")
        with pytest.raises(TelegramNetworkError):
            await bot.get_chat(started.id)
        assert (await bot.get_chat(started.id)).id == started.id
    finally:
        await close_bot(bot)


async def test_per_chat_limit_and_switching(sb: Sandbox, tg: Bot, started: SandboxUser) -> None:
    sb.set_limits(Limits.telegram())
    for i in range(3):
        await tg.send_message(started.id, f"burst {i}")
    with pytest.raises(TelegramRetryAfter) as exc:
        await tg.send_message(started.id, "one too many")
    assert exc.value.retry_after == 1
    assert exc.value.message.endswith("Original description: Too Many Requests: retry after 1")
    assert (sb.calls[-1].error_code, sb.calls[-1].description) == (429, "Too Many Requests: retry after 1")
    last = started.bot_messages[-1]
    await tg.edit_message_text("edited while limited", chat_id=started.id, message_id=last.message_id)
    await tg.get_updates()
    sb.set_limits(Limits.off())
    await tg.send_message(started.id, "limits off")
    assert started.bot_messages[-1].text == "limits off"


async def test_per_chat_tokens_refill(sb: Sandbox, tg: Bot, started: SandboxUser) -> None:
    sb.set_limits(Limits(per_chat_per_second=10, per_chat_burst=1))
    await tg.send_message(started.id, "a")
    with pytest.raises(TelegramRetryAfter):
        await tg.send_message(started.id, "b")
    await asyncio.sleep(0.12)
    await tg.send_message(started.id, "c")


async def test_global_limit(sb: Sandbox, tg: Bot) -> None:
    users = [sb.add_user(f"U{i}") for i in range(3)]
    for u in users:
        await u.send("/start")
    sb.set_limits(Limits(global_per_second=2))  # a bucket of 2, refilled every 0.5 s: robust on a slow machine
    results = await asyncio.gather(*(tg.send_message(u.id, "notice") for u in users), return_exceptions=True)
    refused = [r for r in results if isinstance(r, TelegramRetryAfter)]
    assert len(refused) == 1, results
    assert refused[0].retry_after == 1


async def test_group_limit(sb: Sandbox, tg: Bot) -> None:
    group = sb.add_group("Class 7B", [sb.add_user("Meera")])
    sb.set_limits(Limits(per_group_per_minute=20))
    for i in range(20):
        await tg.send_message(group.id, f"m{i}")
    with pytest.raises(TelegramRetryAfter) as exc:
        await tg.send_message(group.id, "m20")
    assert exc.value.retry_after == 3, "20 a minute: the next token is 3 s away"


async def test_call_record(sb: Sandbox, tg: Bot, started: SandboxUser) -> None:
    sb.clear_calls()
    button = InlineKeyboardButton(text="A", callback_data="a")
    await tg.send_message(started.id, "<b>x</b>", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]))
    with pytest.raises(TelegramBadRequest):
        await tg.send_message(started.id, "")
    first, second = sb.calls
    assert first.method == "sendMessage" and first.ok and first.result["text"] == "x"
    assert first.params["reply_markup"] == {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    assert first.params["parse_mode"] == "HTML" and first.token == TOKEN
    assert first.duration is not None and first.wall > 0 and second.monotonic >= first.monotonic
    assert (second.ok, second.error_code, second.description) == (False, 400, "Bad Request: message text is empty")
    sb.clear_calls()
    assert sb.calls == []
