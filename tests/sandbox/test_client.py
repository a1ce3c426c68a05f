"""The test client: ordered waiting, edits, history, buttons, blocking and several bots."""

from __future__ import annotations

import asyncio
import re

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from sandbox import ChatView, Sandbox, SandboxError, SandboxUser, make_png
from tests.sandbox.conftest import close_bot, make_bot


def markup(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=t, url=d)
                if d.startswith("https://")
                else InlineKeyboardButton(text=t, callback_data=d)
                for t, d in row
            ]
            for row in rows
        ]
    )


async def test_wait_for_consumes_in_order_and_never_misses(tg: Bot, started: SandboxUser) -> None:
    for text in ("Alpha", "Beta", "Gamma"):
        await tg.send_message(started.id, text)
    assert (await started.wait_for("Beta")).text == "Beta"
    assert (await started.wait_for()).text == "Gamma"
    with pytest.raises(AssertionError) as exc:
        await started.wait_for("Alpha", timeout=0.1)
    report = str(exc.value)
    assert "timed out after 0.1 s waiting for a bot message matching 'Alpha'" in report
    assert "#2 bot edubot_bot: Alpha" in report and "#1 asha: /start" in report


async def test_wait_for_a_message_sent_later(tg: Bot, started: SandboxUser) -> None:
    async def later() -> None:
        await asyncio.sleep(0.1)
        await tg.send_message(started.id, "Your result: <b>18/20</b>")

    task = asyncio.create_task(later())
    result = await started.wait_for(re.compile(r"result: (\d+)/20"), timeout=3)
    await task
    assert result.entities == [{"type": "bold", "offset": 13, "length": 5}]


async def test_edits_history_and_deletion(tg: Bot, started: SandboxUser) -> None:
    sent = await tg.send_message(started.id, "Question 1", reply_markup=markup([("A", "a"), ("B", "b")]))
    first = await started.wait_for("Question 1")
    assert first.buttons == [[("A", "a"), ("B", "b")]]
    await tg.edit_message_text(
        "Question 2", chat_id=started.id, message_id=sent.message_id, reply_markup=markup([("C", "c")])
    )
    await tg.edit_message_text("Question 3", chat_id=started.id, message_id=sent.message_id)
    second = await started.wait_for_edit(first)
    assert second.text == "Question 2" and second.edited
    third = await started.wait_for_edit(second, "Question 3")
    assert third.buttons == [] and third.edit_date is not None
    assert [m.text for m in started.messages] == ["/start", "Question 3"]
    assert [m.text for m in started.bot_messages] == ["Question 3"]
    assert started.message(sent.message_id).text == "Question 3"
    await tg.edit_message_text("Question 4", chat_id=started.id, message_id=sent.message_id)
    assert (await started.wait_for("Question 4")).edited, "edits are also bot messages for wait_for"
    with pytest.raises(AssertionError):
        await started.wait_for("Question 3", timeout=0.05)  # consumed by wait_for_edit already
    await tg.delete_message(started.id, sent.message_id)
    await started.wait_for_deletion(sent.message_id, timeout=1)
    assert started.bot_messages == [] and started.last_bot_message is None
    with pytest.raises(AssertionError, match=r"timed out after 0\.05 s waiting for an edit of message #2"):
        await started.wait_for_edit(sent.message_id, "Question 9", timeout=0.05)


async def test_press_by_text_regex_and_message(tg: Bot, started: SandboxUser) -> None:
    old = await tg.send_message(started.id, "Old", reply_markup=markup([("Option 1", "o1")]))
    await tg.send_message(started.id, "New", reply_markup=markup([("Option 1", "n1"), ("Site", "https://example.com")]))
    latest = await started.press("Option 1")
    assert latest.data == "n1"
    older = await started.press(re.compile(r"^Option"), message=old.message_id)
    assert older.data == "o1"
    with pytest.raises(AssertionError, match="no bot message has a button 'Nope'"):
        await started.press("Nope")
    with pytest.raises(SandboxError, match="no callback data"):
        await started.press("Site")
    with pytest.raises(AssertionError, match="did not answer"):
        await started.press("Option 1", wait_answer=True, timeout=0.05)
    updates = await tg.get_updates()
    assert [u.callback_query.data for u in updates if u.callback_query] == ["n1", "o1", "n1"]


async def test_assert_no_message_and_skip(tg: Bot, started: SandboxUser) -> None:
    await started.assert_no_message(0.05)
    await tg.send_message(started.id, "surprise")
    with pytest.raises(AssertionError, match="expected no bot message"):
        await started.assert_no_message(0.01)
    started.skip_pending()
    await started.assert_no_message(0.01)


async def test_sending_while_blocked_restarts_the_bot(tg: Bot, started: SandboxUser) -> None:
    await started.block_bot()
    await started.send("/start")
    updates = await tg.get_updates()
    kinds = [u.event_type for u in updates]
    assert kinds == ["my_chat_member", "my_chat_member", "message"]
    assert [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member] == ["kicked", "member"]
    member = updates[0].my_chat_member
    assert member is not None and member.from_user.id == started.id and member.chat.id == started.id
    await tg.send_message(started.id, "welcome back")


async def test_downloads_and_reply(tg: Bot, started: SandboxUser) -> None:
    png = make_png(30, 20)
    await tg.send_photo(started.id, BufferedInputFile(png, "p.png"))
    photo = await started.wait_for(predicate=lambda m: m.photo is not None)
    assert await started.download(photo) == png
    with pytest.raises(SandboxError):
        await started.download(1)
    mine = await started.send("an answer", reply_to=photo)
    assert mine.raw["reply_to_message"]["message_id"] == photo.message_id


async def test_two_bots_and_their_chats(sb: Sandbox, tg: Bot, started: SandboxUser) -> None:
    other = sb.add_bot("555666777:AAEsecondBOTtokenabcdefghijklmnopqr", username="parent_bot", first_name="Parents")
    chat = started.with_bot(other)
    await chat.send("/start")
    second = make_bot(sb, other.token)
    try:
        updates = await second.get_updates()
        assert [u.message.text for u in updates if u.message] == ["/start"]
        await second.send_message(started.id, "from the other bot")
        assert (await chat.wait_for()).text == "from the other bot"
        await started.assert_no_message(0.01)
        assert "with @parent_bot" in str(await _timeout(chat))
    finally:
        await close_bot(second)


async def _timeout(chat: ChatView) -> AssertionError:
    try:
        await chat.wait_for("never", timeout=0.01)
    except AssertionError as exc:
        return exc
    raise RuntimeError("expected a timeout")


def test_users_need_a_bot_first() -> None:
    with pytest.raises(SandboxError, match="add a bot"):
        Sandbox().add_user("Nobody")


async def test_people_edit_their_messages(tg: Bot, started: SandboxUser) -> None:
    mine = await started.send("marks 40")
    await started.edit(mine, "marks 45")
    updates = await tg.get_updates()
    edited = updates[-1].edited_message
    assert edited is not None and edited.text == "marks 45" and edited.edit_date is not None
    assert edited.message_id == mine.message_id
    bot_text = await tg.send_message(started.id, "bot text")
    with pytest.raises(SandboxError, match="only their own messages"):
        await started.edit(bot_text.message_id, "nope")


async def test_a_person_who_started_earlier_can_be_written_to(sb: Sandbox, tg: Bot) -> None:
    earlier = sb.add_user("Earlier", started=True)
    fresh = sb.add_user("Fresh")
    sent = await tg.send_message(earlier.id, "hello")
    assert sent.chat.id == earlier.id and earlier.bot_messages[-1].text == "hello"
    with pytest.raises(TelegramBadRequest) as info:
        await tg.send_message(fresh.id, "hello")
    assert info.value.message == "Bad Request: chat not found"
