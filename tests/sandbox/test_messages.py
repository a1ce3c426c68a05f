"""Sending, editing and deleting messages, with every rule Telegram enforces and its exact wording."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramUnauthorizedError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from aiogram.utils.keyboard import InlineKeyboardBuilder, ReplyKeyboardBuilder

from sandbox import Sandbox, SandboxUser
from tests.sandbox.conftest import TOKEN, close_bot, make_bot


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for text, data in pairs:
        builder.button(text=text, callback_data=data)
    return builder.as_markup()


async def bad(coro: Awaitable[Any]) -> str:
    with pytest.raises(TelegramBadRequest) as exc:
        await coro
    return exc.value.message


async def test_get_me_and_unknown_token_or_method(sb: Sandbox, tg: Bot) -> None:
    me = await tg.get_me()
    assert (me.id, me.is_bot, me.username, me.can_join_groups) == (123456789, True, "edubot_bot", True)
    stranger = make_bot(sb, "987654321:AAEunknownTOKENabcdefghijklmnopqrs")
    try:
        with pytest.raises(TelegramUnauthorizedError) as exc:
            await stranger.get_me()
        assert exc.value.message == "Unauthorized"
    finally:
        await close_bot(stranger)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sb.api_url}/bot{TOKEN}/sendTelepathy") as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with http.get(f"{sb.api_url}/bot{TOKEN}/GETME") as resp:
            assert (await resp.json())["result"]["username"] == "edubot_bot"


async def test_parameters_as_query_string_json_and_form(sb: Sandbox, started: SandboxUser) -> None:
    base = f"{sb.api_url}/bot{TOKEN}/sendMessage"
    markup = '{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}'
    async with aiohttp.ClientSession() as http:
        async with http.get(base, params={"chat_id": str(started.id), "text": "via query"}) as resp:
            assert (await resp.json())["ok"]
        async with http.post(
            base,
            json={
                "chat_id": started.id,
                "text": "via json",
                "reply_markup": {"inline_keyboard": [[{"text": "B", "callback_data": "b"}]]},
            },
        ) as resp:
            body = await resp.json()
            assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "b"
        async with http.post(
            base, data={"chat_id": str(started.id), "text": "via form", "reply_markup": markup}
        ) as resp:
            assert (await resp.json())["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"
    assert [m.text for m in started.bot_messages] == ["via query", "via json", "via form"]
    recorded = sb.calls_of("sendMessage")[-1]
    assert recorded.params["reply_markup"] == {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    assert recorded.ok is True and recorded.result["text"] == "via form"


async def test_send_message_shape_and_increasing_ids(tg: Bot, started: SandboxUser) -> None:
    first = await tg.send_message(started.id, "Hi <b>Asha</b>", reply_markup=keyboard(("Go", "go")))
    second = await tg.send_message(started.id, "again", parse_mode=None, protect_content=True)
    assert first.message_id == 2 and second.message_id == 3, "the user's /start was message 1"
    assert first.chat.id == started.id and first.chat.type == "private" and first.chat.first_name == "Asha"
    assert first.from_user is not None and first.from_user.is_bot
    assert first.text == "Hi Asha"
    assert first.entities is not None and first.entities[0].type == "bold"
    assert second.has_protected_content
    reply = await tg.send_message(started.id, "answer", reply_parameters=ReplyParameters(message_id=first.message_id))
    assert reply.reply_to_message is not None and reply.reply_to_message.message_id == first.message_id
    assert await bad(tg.send_message(started.id, "x", reply_parameters=ReplyParameters(message_id=99))) == (
        "Bad Request: message to be replied not found"
    )


async def test_text_rules(tg: Bot, started: SandboxUser) -> None:
    uid = started.id
    assert await bad(tg.send_message(uid, "")) == "Bad Request: message text is empty"
    assert await bad(tg.send_message(uid, "  <b> </b> ")) == "Bad Request: text must be non-empty"
    ok = await tg.send_message(uid, "é" * 4096)
    assert ok.text is not None and len(ok.text) == 4096
    assert await bad(tg.send_message(uid, "é" * 4097)) == "Bad Request: message is too long"
    # 2048 emoji are 4096 UTF-16 code units; one more character is too many.
    await tg.send_message(uid, "😀" * 2048)
    assert await bad(tg.send_message(uid, "😀" * 2048 + "x")) == "Bad Request: message is too long"
    # Markup does not count, trailing whitespace is trimmed first.
    await tg.send_message(uid, "<b>" + "x" * 4096 + "</b>  \n")
    assert await bad(tg.send_message(uid, "<b>" + "x" * 4097 + "</b>")) == "Bad Request: message is too long"


async def test_html_refusals(tg: Bot, started: SandboxUser) -> None:
    assert await bad(tg.send_message(started.id, "<div>x</div>")) == (
        'Bad Request: can\'t parse entities: Unsupported start tag "div" at byte offset 0'
    )
    assert await bad(tg.send_message(started.id, "<b>bold")) == (
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    )
    assert await bad(tg.send_message(started.id, "marks < 40")) == (
        'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 6'
    )
    assert await bad(tg.send_message(started.id, "x", parse_mode="Fancy")) == "Bad Request: unsupported parse_mode"
    sent = await tg.send_message(started.id, "marks &lt; 40 &amp; <a href='https://t.me/x'>link</a>")
    assert sent.text == "marks < 40 & link"
    assert sent.entities is not None and sent.entities[0].url == "https://t.me/x"
    md = await tg.send_message(started.id, r"*bold* 1\.5", parse_mode="MarkdownV2")
    assert md.text == "bold 1.5"


async def test_keyboard_rules(tg: Bot, started: SandboxUser) -> None:
    uid = started.id
    await tg.send_message(uid, "ok", reply_markup=keyboard(("A", "x" * 64)))
    await tg.send_message(uid, "ok", reply_markup=keyboard(("A", "é" * 32)))
    assert (
        await bad(tg.send_message(uid, "no", reply_markup=keyboard(("A", "x" * 65))))
        == "Bad Request: BUTTON_DATA_INVALID"
    )
    assert (
        await bad(tg.send_message(uid, "no", reply_markup=keyboard(("A", "é" * 33))))
        == "Bad Request: BUTTON_DATA_INVALID"
    )
    assert await bad(tg.send_message(uid, "no", reply_markup=keyboard(("A", "")))) == "Bad Request: BUTTON_DATA_INVALID"
    text_only = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Just text")]])
    assert await bad(tg.send_message(uid, "no", reply_markup=text_only)) == (
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
    )
    url = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Site", url="https://example.com")]])
    sent = await tg.send_message(uid, "url", reply_markup=url)
    assert sent.reply_markup is not None
    assert started.bot_messages[-1].buttons == [[("Site", "https://example.com")]]
    reply_kb = ReplyKeyboardBuilder()
    reply_kb.button(text="Yes")
    reply_kb.button(text="No")
    plain = await tg.send_message(uid, "choose", reply_markup=reply_kb.as_markup())
    assert plain.reply_markup is None, "reply keyboards are not part of the Message object"
    assert started.reply_keyboard == [["Yes", "No"]]


async def test_recipients_who_cannot_be_written_to(sb: Sandbox, tg: Bot, started: SandboxUser) -> None:
    stranger = sb.add_user("Stranger")
    assert await bad(tg.send_message(stranger.id, "hi")) == "Bad Request: chat not found"
    assert await bad(tg.send_message(424242, "hi")) == "Bad Request: chat not found"
    assert await bad(tg.send_message("@asha", "hi")) == "Bad Request: chat not found"
    assert await bad(tg.get_chat(stranger.id)) == "Bad Request: chat not found"
    sb.add_group("Class 7B", [stranger])
    with pytest.raises(TelegramForbiddenError) as exc:
        await tg.send_message(stranger.id, "hi")
    assert exc.value.message == "Forbidden: bot can't initiate conversation with a user"
    await started.block_bot()
    with pytest.raises(TelegramForbiddenError) as exc:
        await tg.send_message(started.id, "hi")
    assert exc.value.message == "Forbidden: bot was blocked by the user"
    with pytest.raises(TelegramForbiddenError):
        await tg.send_chat_action(started.id, "typing")
    chat = await tg.get_chat(started.id)
    assert chat.first_name == "Asha", "getChat still works for a user who blocked the bot"
    await started.unblock_bot()
    await tg.send_message(started.id, "welcome back")


async def test_edit_text(tg: Bot, started: SandboxUser) -> None:
    sent = await tg.send_message(started.id, "Question 1", reply_markup=keyboard(("A", "a")))
    view = await started.wait_for("Question 1")
    edited = await tg.edit_message_text(
        "Question <b>2</b>", chat_id=started.id, message_id=sent.message_id, reply_markup=keyboard(("B", "b"))
    )
    assert isinstance(edited, type(sent)) and edited.edit_date is not None
    after = await started.wait_for_edit(view, "Question 2")
    assert after.buttons == [[("B", "b")]]
    not_modified = (
        "Bad Request: message is not modified: specified new message content and reply markup are exactly the same "
        "as a current content and reply markup of the message"
    )
    assert (
        await bad(
            tg.edit_message_text(
                "Question <b>2</b>", chat_id=started.id, message_id=sent.message_id, reply_markup=keyboard(("B", "b"))
            )
        )
        == not_modified
    )
    # Same text without bold is a change; leaving out reply_markup removes the keyboard.
    await tg.edit_message_text("Question 2", chat_id=started.id, message_id=sent.message_id)
    assert started.message(sent.message_id).buttons == []
    assert (
        await bad(tg.edit_message_text("x", chat_id=started.id, message_id=999))
        == "Bad Request: message to edit not found"
    )
    assert (
        await bad(tg.edit_message_text("x", chat_id=started.id, message_id=1)) == "Bad Request: message can't be edited"
    )
    assert (
        await bad(tg.edit_message_text("", chat_id=started.id, message_id=sent.message_id))
        == "Bad Request: message text is empty"
    )
    assert (
        await bad(tg.edit_message_text("x" * 4097, chat_id=started.id, message_id=sent.message_id))
        == "Bad Request: MESSAGE_TOO_LONG"
    )
    assert await bad(tg.edit_message_text("<i>x", chat_id=started.id, message_id=sent.message_id)) == (
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"i\""
    )


async def test_edit_reply_markup_and_caption_rules(tg: Bot, started: SandboxUser) -> None:
    sent = await tg.send_message(started.id, "pick", reply_markup=keyboard(("A", "a")))
    await tg.edit_message_reply_markup(
        chat_id=started.id, message_id=sent.message_id, reply_markup=keyboard(("B", "b"))
    )
    assert started.message(sent.message_id).buttons == [[("B", "b")]]
    assert (
        await bad(
            tg.edit_message_reply_markup(
                chat_id=started.id, message_id=sent.message_id, reply_markup=keyboard(("B", "b"))
            )
        )
    ).startswith("Bad Request: message is not modified")
    await tg.edit_message_reply_markup(chat_id=started.id, message_id=sent.message_id)
    assert started.message(sent.message_id).buttons == []
    assert await bad(tg.edit_message_caption(chat_id=started.id, message_id=sent.message_id, caption="c")) == (
        "Bad Request: there is no caption in the message to edit"
    )
    assert (
        await bad(tg.edit_message_reply_markup(chat_id=started.id, message_id=12345))
        == "Bad Request: message to edit not found"
    )


async def test_delete_message(tg: Bot, started: SandboxUser) -> None:
    sent = await tg.send_message(started.id, "temporary")
    assert await tg.delete_message(started.id, sent.message_id)
    assert "temporary" not in [m.text for m in started.messages]
    assert await bad(tg.delete_message(started.id, sent.message_id)) == "Bad Request: message to delete not found"
    assert await tg.delete_message(started.id, 1), "bots may delete the user's messages in a private chat"
    assert (
        await bad(tg.edit_message_text("x", chat_id=started.id, message_id=sent.message_id))
        == "Bad Request: message to edit not found"
    )


async def test_answer_callback_query_rules(sb: Sandbox, tg: Bot, started: SandboxUser) -> None:
    await tg.send_message(started.id, "Pick", reply_markup=keyboard(("One", "1"), ("Two", "2")))
    await started.wait_for("Pick")
    pressed = await started.press("Two")
    update = (await tg.get_updates())[-1]
    query = update.callback_query
    assert query is not None
    assert (query.id, query.data, query.from_user.id) == (pressed.query_id, "2", started.id)
    assert query.message is not None and query.message.message_id == pressed.message_id
    assert query.chat_instance
    invalid = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert await bad(tg.answer_callback_query(query.id, text="x" * 201)) == "Bad Request: MESSAGE_TOO_LONG"
    assert await tg.answer_callback_query(query.id, text="Saved", show_alert=True)
    assert pressed.answered is not None and pressed.answered.show_alert
    assert await bad(tg.answer_callback_query(query.id)) == invalid, "a query is answered once"
    assert await bad(tg.answer_callback_query("12345")) == invalid
    sb.core.config.callback_query_timeout = 0.0
    await started.press("One")
    late = (await tg.get_updates(offset=update.update_id + 1))[-1].callback_query
    assert late is not None
    assert await bad(tg.answer_callback_query(late.id)) == invalid


async def test_chat_action_and_get_chat(tg: Bot, started: SandboxUser) -> None:
    assert await tg.send_chat_action(started.id, "upload_document")
    assert started.chat_action == "upload_document"
    assert await bad(tg.send_chat_action(started.id, "dancing")) == "Bad Request: wrong parameter action in request"
    chat = await tg.get_chat(started.id)
    assert (chat.id, chat.type, chat.first_name, chat.last_name, chat.username) == (
        started.id,
        "private",
        "Asha",
        "Rao",
        "asha",
    )
    assert chat.accepted_gift_types is not None


async def test_message_ids_are_per_chat(sb: Sandbox, tg: Bot, started: SandboxUser) -> None:
    other = sb.add_user("Ravi")
    await other.send("/start")
    a = await tg.send_message(started.id, "a")
    b = await tg.send_message(other.id, "b")
    c = await tg.send_message(started.id, "c")
    assert (a.message_id, b.message_id, c.message_id) == (2, 2, 3)


async def test_groups_minimal(sb: Sandbox, tg: Bot) -> None:
    teacher = sb.add_user("Meera")
    student = sb.add_user("Kiran")
    group = sb.add_group("Class 7B", [teacher, student])
    view = teacher.in_group(group)
    await view.send("hello all")
    await view.send("/start@edubot_bot")
    await view.send("/help@another_bot")
    await view.send("/marks")
    updates = await tg.get_updates()
    texts = [u.message.text for u in updates if u.message]
    assert texts == ["/start@edubot_bot", "/marks"], "privacy mode: only commands meant for the bot reach it"
    assert updates[0].message is not None and updates[0].message.chat.type == "group"
    sent = await tg.send_message(group.id, "Hi class")
    assert sent.chat.id == group.id and sent.chat.title == "Class 7B"
    seen = await student.in_group(group).wait_for("Hi class")
    assert seen.message_id == 5
    chat = await tg.get_chat(group.id)
    assert chat.title == "Class 7B" and chat.type == "group"
    assert await bad(tg.delete_message(group.id, 1)) == "Bad Request: message can't be deleted"


async def test_profile_members_and_bulk_delete(sb: Sandbox, tg: Bot, started: SandboxUser) -> None:
    assert (await tg.get_my_name()).name == "edubot"
    await tg.set_my_name("Edubot Hindi", language_code="hi")
    await tg.set_my_description("Assessments in chat")
    await tg.set_my_short_description("Marks and exams")
    assert (await tg.get_my_name(language_code="hi")).name == "Edubot Hindi"
    assert (await tg.get_my_description(language_code="hi")).description == "Assessments in chat"
    assert (await tg.get_my_short_description()).short_description == "Marks and exams"
    assert await bad(tg.set_my_short_description("x" * 121)) == "Bad Request: short description is too long"
    member = await tg.get_chat_member(started.id, started.id)
    assert member.status == "member" and member.user.id == started.id
    a = await tg.send_message(started.id, "a")
    b = await tg.send_message(started.id, "b")
    assert await tg.delete_messages(started.id, [a.message_id, b.message_id, 999])
    assert [m.text for m in started.messages] == ["/start"]
    assert await bad(tg.delete_messages(started.id, [a.message_id])) == "Bad Request: message to delete not found"
