"""The sandbox web chat: the page and its assets are served, the API it relies on, and a real browser session.

The browser test drives headless Chromium (Selenium, in a worker thread) against a sandbox in which a
tiny aiogram bot polls: a person is created on the page, sends ``/start`` through the composer, sees
the bold answer, presses its button, uploads a file and opens the command menu.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from sandbox import Sandbox, SandboxUser
from tests.sandbox.browser import by_testid, require_browser, start_chromium, visible, wait_until
from tests.sandbox.conftest import close_bot, make_bot, polling

COMMANDS = [BotCommand(command="start", description="Begin"), BotCommand(command="help", description="What I can do")]


@pytest.fixture
async def http(sb: Sandbox) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=sb.api_url) as session:
        yield session


# -- without a browser ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/chat"])
async def test_page_is_served(http: aiohttp.ClientSession, path: str) -> None:
    async with http.get(path) as resp:
        assert resp.status == 200
        assert resp.content_type == "text/html"
        page = await resp.text()
    assert "<title>edubot sandbox</title>" in page
    assert 'src="/sandbox/web/app.js"' in page
    assert 'href="/sandbox/web/style.css"' in page


@pytest.mark.parametrize(
    ("name", "content_type", "needle"),
    [
        ("app.js", "text/javascript", "hashchange"),
        ("api.js", "text/javascript", "EventSource"),
        ("page.js", "text/javascript", "export function go"),
        ("render.js", "text/javascript", "renderText"),
        ("session.js", "text/javascript", "class ChatSession"),
        ("sidebar.js", "text/javascript", "loadPeople"),
        ("style.css", "text/css", ".bubble"),
    ],
)
async def test_assets_are_served(http: aiohttp.ClientSession, name: str, content_type: str, needle: str) -> None:
    async with http.get(f"/sandbox/web/{name}") as resp:
        assert resp.status == 200
        assert resp.content_type == content_type
        assert needle in await resp.text()


async def test_nothing_else_is_served_from_the_folder(http: aiohttp.ClientSession) -> None:
    for path in ("/sandbox/web/routes.py", "/sandbox/web/__init__.py", "/sandbox/web/..%2Fcontrol.py"):
        async with http.get(path) as resp:
            assert resp.status == 404, path


async def test_notes_are_published(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    async with http.get("/sandbox/api/notes") as resp:
        assert await resp.json() == []
    sb.set_notes([("Join as admin", "/start AbC123"), ("Tip", "Say hello")])
    assert sb.notes == [("Join as admin", "/start AbC123"), ("Tip", "Say hello")]
    async with http.get("/sandbox/api/notes") as resp:
        assert await resp.json() == [
            {"title": "Join as admin", "text": "/start AbC123"},
            {"title": "Tip", "text": "Say hello"},
        ]


async def test_state_shows_poll_answers_and_action_age(
    sb: Sandbox, started: SandboxUser, tg: Bot, http: aiohttp.ClientSession
) -> None:
    uid = started.id
    sent = await tg.send_poll(uid, "Best?", ["a", "b", "c"], is_anonymous=False)
    await tg.send_chat_action(uid, "typing")
    async with http.get(f"/sandbox/api/users/{uid}/state") as resp:
        state = await resp.json()
    assert state["poll_answers"] == {}
    assert state["chat_action"] == "typing"
    assert 0 <= state["chat_action_age"] < 5
    await started.answer_poll(sent.message_id, [2])
    async with http.get(f"/sandbox/api/users/{uid}/state") as resp:
        assert (await resp.json())["poll_answers"] == {str(sent.message_id): [2]}


# -- in a browser ------------------------------------------------------------------------------------


def _bot_router() -> Router:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        name = html.escape(message.from_user.first_name if message.from_user else "?")
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Press me", callback_data="press")]]
        )
        await message.answer(f"Hello <b>{name}</b>", reply_markup=keyboard)

    @router.callback_query(F.data == "press")
    async def pressed(query: CallbackQuery) -> None:
        if isinstance(query.message, Message):
            await query.message.edit_text("Pressed")
        await query.answer("You pressed it")

    @router.message(F.document)
    async def document(message: Message) -> None:
        doc = message.document
        assert doc is not None
        keyboard = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Thanks")]], resize_keyboard=True)
        await message.answer(f"Got {html.escape(doc.file_name or '?')} ({doc.file_size} bytes)", reply_markup=keyboard)

    @router.message(F.text == "Thanks")
    async def thanks(message: Message) -> None:
        await message.answer("<i>You are welcome</i>")

    return router


def _bot_message(xpath_inside: str) -> str:
    return f"//div[@data-testid='message' and @data-from='bot'][.{xpath_inside}]"


def _drive(driver: WebDriver, base_url: str, upload: Path) -> None:
    """The browser half of the scenario (runs in a worker thread)."""
    driver.get(base_url + "/chat")
    assert driver.title == "edubot sandbox"
    wait_until(driver, "the page to load", lambda d: d.find_element(By.CSS_SELECTOR, "body[data-ready=true]"))

    # A new person: their chat opens.
    driver.find_element(*by_testid("new-user-first")).send_keys("Meera")
    driver.find_element(*by_testid("new-user-last")).send_keys("Iyer")
    driver.find_element(*by_testid("new-user-submit")).click()
    wait_until(driver, "the new person's chat", lambda d: (e := visible(d, "chat-as")) and "Meera Iyer" in e.text)
    wait_until(driver, "the person in the list", lambda d: visible(d, "user-item", ".active"))
    wait_until(driver, "the live feed", lambda d: (e := visible(d, "chat-status")) and e.text == "bot")

    # /start through the composer: the answer's bold name is rendered as <strong>.
    composer = driver.find_element(*by_testid("composer-input"))
    composer.send_keys("/start", Keys.ENTER)
    mine = "//div[@data-testid='message' and @data-from='person']//*[@data-testid='message-text'][.='/start']"
    wait_until(driver, "the person's /start", lambda d: d.find_element(By.XPATH, mine))
    hello = _bot_message("//*[@data-testid='message-text']//strong[.='Meera']")
    message = wait_until(driver, "the bot's bold greeting", lambda d: d.find_element(By.XPATH, hello))
    assert message.find_element(*by_testid("message-text")).text == "Hello Meera"
    message_id = message.get_attribute("data-message-id")

    # The button: the message is edited in place and the callback answer shows as a toast.
    message.find_element(By.XPATH, ".//*[@data-testid='inline-button'][.='Press me']").click()
    edited = f"//div[@data-testid='message'][@data-message-id='{message_id}']"
    wait_until(
        driver,
        "the edit to 'Pressed'",
        lambda d: (
            (e := d.find_element(By.XPATH, edited)).find_element(*by_testid("message-text")).text == "Pressed"
            and e.find_elements(*by_testid("edited-mark"))
            and not e.find_elements(*by_testid("inline-button"))
        ),
    )
    wait_until(driver, "the toast", lambda d: (e := visible(d, "toast")) and e.text == "You pressed it")

    # A document: the person's file row, then the bot's answer naming it.
    driver.find_element(*by_testid("attach-document")).send_keys(str(upload))
    size = upload.stat().st_size
    row = f"//div[@data-from='person']//*[@data-testid='document-name'][.='{upload.name}']"
    wait_until(driver, "the person's document", lambda d: d.find_element(By.XPATH, row))
    got = _bot_message(f"//*[@data-testid='message-text'][.='Got {upload.name} ({size} bytes)']")
    wait_until(driver, "the bot's answer to the file", lambda d: d.find_element(By.XPATH, got))

    # The reply keyboard that came with it sends its text.
    button = wait_until(driver, "the reply keyboard", lambda d: visible(d, "reply-button"))
    assert button.text == "Thanks"
    button.click()
    welcome = _bot_message("//em[.='You are welcome']")
    wait_until(driver, "the answer to the reply button", lambda d: d.find_element(By.XPATH, welcome))

    # The command menu shows what the bot set with setMyCommands; a command there is sent.
    driver.find_element(*by_testid("menu-button")).click()
    wait_until(driver, "the command menu", lambda d: visible(d, "command-menu"))
    items = driver.find_elements(*by_testid("command-item"))
    assert [(i.get_attribute("data-command"), i.text.split("\n")) for i in items] == [
        ("start", ["/start", "Begin"]),
        ("help", ["/help", "What I can do"]),
    ]
    items[0].click()
    wait_until(driver, "the menu to close", lambda d: not visible(d, "command-menu"))
    again = _bot_message("//strong[.='Meera']") + f"[@data-message-id!='{message_id}']"
    wait_until(driver, "a new greeting", lambda d: d.find_element(By.XPATH, again))

    # On a phone-sized window the chat takes the whole screen, with a way back to the people.
    driver.set_window_size(390, 844)
    wait_until(driver, "the phone layout", lambda d: visible(d, "back-button") and not visible(d, "sidebar"))
    driver.find_element(*by_testid("back-button")).click()
    wait_until(driver, "the people list", lambda d: visible(d, "sidebar") and not visible(d, "chat-pane"))


@pytest.mark.browser
async def test_web_chat_in_a_browser(sb: Sandbox, tmp_path: Path) -> None:
    chromium, chromedriver = require_browser()
    bot = make_bot(sb)
    dp = Dispatcher()
    dp.include_router(_bot_router())
    await bot.set_my_commands(COMMANDS)
    upload = tmp_path / "homework.txt"
    upload.write_bytes(b"2 + 2 = 4\n" * 12)
    driver: WebDriver | None = None
    try:
        async with polling(dp, bot):
            driver = await asyncio.to_thread(start_chromium, chromium, chromedriver, tmp_path / "profile")
            await asyncio.wait_for(asyncio.to_thread(_drive, driver, sb.api_url, upload), 60)
    finally:
        if driver is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(driver.quit)
        await close_bot(bot)
