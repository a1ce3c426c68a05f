"""Long polling: offsets, limits, timeouts, allowed_updates, conflicts and duplicate delivery."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import TelegramConflictError
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message

from sandbox import Sandbox, SandboxUser
from tests.sandbox.conftest import polling


async def test_updates_are_confirmed_by_offset(tg: Bot, user: SandboxUser) -> None:
    await user.send("one")
    await user.send("two")
    await user.send("three")
    first = await tg.get_updates(limit=2)
    assert [u.message.text for u in first if u.message] == ["one", "two"]
    ids = [u.update_id for u in first]
    assert ids[1] == ids[0] + 1
    again = await tg.get_updates()
    assert [u.update_id for u in again] == [*ids, ids[1] + 1], "unconfirmed updates are handed out again"
    rest = await tg.get_updates(offset=ids[1] + 1)
    assert [u.message.text for u in rest if u.message] == ["three"]
    assert await tg.get_updates(offset=rest[-1].update_id + 1) == []


async def test_negative_offset_keeps_only_the_latest(tg: Bot, user: SandboxUser) -> None:
    for text in ("a", "b", "c"):
        await user.send(text)
    latest = await tg.get_updates(offset=-1)
    assert [u.message.text for u in latest if u.message] == ["c"]
    assert len(await tg.get_updates()) == 1


async def test_long_poll_waits_for_an_update(tg: Bot, user: SandboxUser) -> None:
    async def later() -> None:
        await asyncio.sleep(0.2)
        await user.send("hello")

    task = asyncio.create_task(later())
    started = time.monotonic()
    updates = await tg.get_updates(timeout=5)
    elapsed = time.monotonic() - started
    await task
    assert [u.message.text for u in updates if u.message] == ["hello"]
    assert 0.15 < elapsed < 2


async def test_long_poll_times_out_empty(tg: Bot) -> None:
    started = time.monotonic()
    assert await tg.get_updates(timeout=1) == []
    assert 0.9 < time.monotonic() - started < 2


async def test_allowed_updates_filters_new_updates(tg: Bot, user: SandboxUser) -> None:
    await user.send("/start")
    await tg.get_updates(allowed_updates=["callback_query"])
    await user.send("ignored")
    updates = await tg.get_updates()
    assert [u.message.text for u in updates if u.message] == ["/start"], "only updates created before the filter remain"
    await tg.get_updates(offset=updates[-1].update_id + 1, allowed_updates=[])
    await user.send("seen")
    assert [u.message.text for u in await tg.get_updates() if u.message] == ["seen"]


async def test_second_get_updates_terminates_the_first(sb: Sandbox, tg: Bot) -> None:
    first = asyncio.create_task(tg.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(tg.get_updates(timeout=0))
    with pytest.raises(TelegramConflictError) as exc:
        await first
    assert exc.value.message == (
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    )
    assert await second == []


async def test_get_updates_refused_while_webhook_set(tg: Bot) -> None:
    await tg.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(TelegramConflictError) as exc:
        await tg.get_updates()
    assert exc.value.message == (
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
    )
    await tg.delete_webhook()
    assert await tg.get_updates() == []


async def test_duplicate_delivers_the_same_update_twice(tg: Bot, user: SandboxUser) -> None:
    await user.send("/start", duplicate=True)
    updates = await tg.get_updates()
    assert len(updates) == 2
    assert updates[0].update_id == updates[1].update_id
    assert updates[0].message and updates[1].message
    assert updates[0].message.message_id == updates[1].message.message_id
    assert await tg.get_updates(offset=updates[0].update_id + 1) == []


async def test_aiogram_dispatcher_end_to_end(sb: Sandbox, tg: Bot, user: SandboxUser) -> None:
    router = Router()
    seen_members: list[str] = []

    @router.message(CommandStart(deep_link=True))
    async def start(message: Message, command: CommandObject) -> None:
        await message.answer(
            f"Welcome, <b>{message.from_user.first_name if message.from_user else '?'}</b>! code={command.args}",
            reply_markup={"inline_keyboard": [[{"text": "Begin", "callback_data": "begin"}]]},  # type: ignore[arg-type]
        )

    @router.callback_query(F.data == "begin")
    async def begin(query: CallbackQuery) -> None:
        assert query.message is not None
        await query.answer("Started")
        await query.message.edit_text("Question 1")  # type: ignore[union-attr]

    @router.my_chat_member()
    async def member(update: ChatMemberUpdated) -> None:
        seen_members.append(update.new_chat_member.status)

    dp = Dispatcher()
    dp.include_router(router)
    async with polling(dp, tg):
        await user.send("/start abc123")
        welcome = await user.wait_for(r"Welcome, Asha! code=abc123")
        assert welcome.entities == [{"type": "bold", "offset": 9, "length": 4}]
        assert welcome.buttons == [[("Begin", "begin")]]
        pressed = await user.press("Begin", wait_answer=True)
        assert pressed.answered is not None and pressed.answered.text == "Started"
        edited = await user.wait_for_edit(welcome, "Question 1")
        assert edited.buttons == [], "editing without reply_markup removes the keyboard"
        await user.block_bot()
        await user.unblock_bot()
        for _ in range(50):
            if len(seen_members) == 2:
                break
            await asyncio.sleep(0.05)
    assert seen_members == ["kicked", "member"]
    methods = [c.method for c in sb.calls if c.method != "getUpdates"]
    assert methods[:1] == ["getMe"]
    assert {"sendMessage", "answerCallbackQuery", "editMessageText"} <= set(methods)
