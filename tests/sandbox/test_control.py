"""The HTTP control endpoints under /sandbox/api (what a web chat page or another process uses)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramServerError
from aiogram.types import BotCommand, BufferedInputFile

from sandbox import Limits, Sandbox, make_png


@pytest.fixture
async def http(sb: Sandbox) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=sb.api_url) as session:
        yield session


async def call(http: aiohttp.ClientSession, verb: str, path: str, body: Any = None, expect: int = 200) -> Any:
    async with http.request(verb, "/sandbox/api" + path, json=body) as resp:
        data = await resp.json()
        assert resp.status == expect, data
        return data


async def test_people_chat_through_the_api(sb: Sandbox, tg: Bot, http: aiohttp.ClientSession) -> None:
    asha = await call(http, "POST", "/users", {"first_name": "Asha", "last_name": "Rao", "username": "asha"}, 201)
    uid = asha["id"]
    assert asha["full_name"] == "Asha Rao" and asha["is_bot"] is False
    assert [u["id"] for u in await call(http, "GET", "/users")] == [uid]
    sent = await call(http, "POST", f"/users/{uid}/messages", {"text": "/start xyz"}, 201)
    assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    update = (await tg.get_updates())[-1]
    assert update.message is not None and update.message.text == "/start xyz"
    await tg.send_message(uid, "Pick one", reply_markup={"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]})  # type: ignore[arg-type]
    history = await call(http, "GET", f"/users/{uid}/messages")
    assert [m["text"] for m in history["messages"]] == ["/start xyz", "Pick one"]
    assert history["chat"]["id"] == uid

    async def answer_later() -> None:
        for _ in range(100):
            updates = await tg.get_updates(offset=update.update_id + 1)
            if updates and updates[-1].callback_query:
                await tg.answer_callback_query(updates[-1].callback_query.id, text="Going")
                return
            await asyncio.sleep(0.01)

    task = asyncio.create_task(answer_later())
    pressed = await call(http, "POST", f"/users/{uid}/press", {"button": "Go", "wait_answer": True, "timeout": 3})
    await task
    assert pressed["data"] == "go" and pressed["answer"]["text"] == "Going"
    await call(http, "POST", f"/users/{uid}/press", {"button": "Missing"}, 400)
    await call(http, "POST", f"/users/{uid}/messages", {}, 400)
    missing = await call(http, "POST", "/users/1/messages", {"text": "x"}, 404)
    assert "no user 1" in missing["error"]


async def test_events_long_poll_and_stream(sb: Sandbox, tg: Bot, http: aiohttp.ClientSession) -> None:
    uid = (await call(http, "POST", "/users", {"first_name": "Ravi"}, 201))["id"]
    await call(http, "POST", f"/users/{uid}/messages", {"text": "/start"}, 201)
    first = await call(http, "GET", f"/users/{uid}/events?after=-1&timeout=0")
    assert [e["kind"] for e in first["events"]] == ["new"] and first["seq"] == 0

    async def send_later() -> None:
        await asyncio.sleep(0.1)
        sent = await tg.send_message(uid, "hello")
        await tg.edit_message_text("hello again", chat_id=uid, message_id=sent.message_id)

    task = asyncio.create_task(send_later())
    waited = await call(http, "GET", f"/users/{uid}/events?after=0&timeout=5")
    await task
    assert waited["events"][0]["message"]["text"] == "hello" and waited["events"][0]["from_bot"] is True
    async with http.get(f"/sandbox/api/users/{uid}/stream?after=0") as resp:
        assert resp.headers["Content-Type"].startswith("text/event-stream")
        lines: list[str] = []
        while len([x for x in lines if x.startswith("data:")]) < 2:
            lines.append((await resp.content.readline()).decode().strip())
    data = [json.loads(x[5:]) for x in lines if x.startswith("data:")]
    assert [(d["kind"], d["message"]["text"]) for d in data] == [("new", "hello"), ("edit", "hello again")]


async def test_files_polls_commands_and_blocking(sb: Sandbox, tg: Bot, http: aiohttp.ClientSession) -> None:
    uid = (await call(http, "POST", "/users", {"first_name": "Kiran", "language_code": "hi"}, 201))["id"]
    form = aiohttp.FormData()
    form.add_field("caption", "course=CS101")
    form.add_field("file", b"usn,marks\n1,5\n", filename="marks.csv", content_type="text/csv")
    async with http.post(f"/sandbox/api/users/{uid}/documents", data=form) as resp:
        assert resp.status == 201
        doc = await resp.json()
    assert doc["document"]["file_name"] == "marks.csv" and doc["caption"] == "course=CS101"
    png = make_png(40, 30)
    photo = await call(http, "POST", f"/users/{uid}/photos", {"data": base64.b64encode(png).decode()}, 201)
    assert (photo["photo"][-1]["width"], photo["photo"][-1]["height"]) == (40, 30)
    async with http.get(f"/sandbox/api/users/{uid}/files/{photo['message_id']}") as resp:
        assert resp.content_type == "image/png" and await resp.read() == png
    sent = await tg.send_document(uid, BufferedInputFile(b"report", "r.txt"))
    async with http.get(f"/sandbox/api/users/{uid}/files/{sent.message_id}") as resp:
        assert await resp.read() == b"report"

    poll = await tg.send_poll(uid, "Ready?", ["Yes", "No"], is_anonymous=False)
    await call(http, "POST", f"/users/{uid}/poll_answers", {"message_id": poll.message_id, "option_ids": [0]})
    answers = [u.poll_answer for u in await tg.get_updates() if u.poll_answer]
    assert answers and answers[-1].option_ids == [0]

    await tg.set_my_commands([BotCommand(command="start", description="Start")])
    await tg.set_my_commands([BotCommand(command="shuru", description="Shuru")], language_code="hi")
    menu = await call(http, "GET", f"/users/{uid}/commands")
    assert menu == {"commands": [{"command": "shuru", "description": "Shuru"}], "menu_button": {"type": "commands"}}

    await call(http, "POST", f"/users/{uid}/block")
    assert (await call(http, "GET", f"/users/{uid}/state"))["blocked"] is True
    with pytest.raises(TelegramForbiddenError):
        await tg.send_message(uid, "hi")
    await call(http, "POST", f"/users/{uid}/unblock")
    await tg.send_message(uid, "hi")


async def test_faults_limits_calls_and_state(sb: Sandbox, tg: Bot, http: aiohttp.ClientSession) -> None:
    uid = (await call(http, "POST", "/users", {"first_name": "Meera"}, 201))["id"]
    await call(http, "POST", f"/users/{uid}/messages", {"text": "/start"}, 201)
    fault = await call(http, "POST", "/faults", {"method": "sendMessage", "n": 1, "status": 500}, 201)
    assert (fault["kind"], fault["remaining"]) == ("fail", 1)
    assert len(await call(http, "GET", "/faults")) == 1
    with pytest.raises(TelegramServerError):
        await tg.send_message(uid, "x")
    await call(http, "POST", "/faults", {"method": "getMe", "kind": "hang", "seconds": 1}, 201)
    await call(http, "DELETE", "/faults")
    assert await call(http, "GET", "/faults") == []
    await call(http, "POST", "/faults", {"method": "x", "kind": "explode"}, 400)

    limits = await call(http, "PUT", "/limits", {"preset": "telegram"})
    assert limits == {
        "global_per_second": 30,
        "per_chat_per_second": 1,
        "per_chat_burst": 3,
        "per_group_per_minute": 20,
    }
    assert sb.limits == Limits.telegram()
    await call(http, "PUT", "/limits", {"preset": "off"})
    assert sb.limits == Limits.off()

    calls = await call(http, "GET", "/calls?method=sendMessage")
    assert [(c["ok"], c["error_code"], c["fault"]) for c in calls] == [(False, 500, "fail")]
    await call(http, "DELETE", "/calls")
    assert await call(http, "GET", "/calls") == []
    state = await call(http, "GET", "/state")
    assert state["api_url"] == sb.api_url and state["bots"][0]["username"] == "edubot_bot"
    group = await call(http, "POST", "/groups", {"title": "7B", "user_ids": [uid]}, 201)
    sent = await call(http, "POST", f"/users/{uid}/messages", {"text": "/help", "group_id": group["id"]}, 201)
    assert sent["chat"] == {"id": group["id"], "title": "7B", "type": "group"}
