"""Fixtures for the sandbox conformance tests: a started sandbox, a bot, people and an aiogram client."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from sandbox import BotHandle, Sandbox, SandboxUser

TOKEN = "123456789:AAEtestTOKENabcdefghijklmnopqrstuvw"


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    sandbox = Sandbox(webhook_retry_base=0.05, webhook_retry_max=0.2, poll_time_scale=0.02)
    sandbox.add_bot(TOKEN, username="edubot_bot", first_name="edubot")
    await sandbox.start()
    try:
        yield sandbox
    finally:
        await sandbox.stop()


@pytest.fixture
def bot_handle(sb: Sandbox) -> BotHandle:
    return sb.bot


@pytest.fixture
def user(sb: Sandbox) -> SandboxUser:
    return sb.add_user("Asha", "Rao", username="asha", language_code="en")


def make_bot(sb: Sandbox, token: str = TOKEN, *, parse_mode: str | None = "HTML") -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(sb.api_url))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=parse_mode))


async def close_bot(bot: Bot) -> None:
    """Close an aiogram bot's HTTP session (without aiogram's 250 ms TLS grace sleep: no TLS here)."""
    raw = getattr(bot.session, "_session", None)
    if raw is not None and not raw.closed:
        await raw.close()


@pytest.fixture
async def tg(sb: Sandbox) -> AsyncIterator[Bot]:
    bot = make_bot(sb)
    try:
        yield bot
    finally:
        await close_bot(bot)


@pytest.fixture
async def started(user: SandboxUser, tg: Bot) -> SandboxUser:
    """A user who has written /start (so the bot may write to them); the update is confirmed."""
    await user.send("/start")
    updates = await tg.get_updates(timeout=0)
    await tg.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return user


@contextlib.asynccontextmanager
async def polling(dp: Dispatcher, bot: Bot) -> AsyncIterator[None]:
    """Run a dispatcher's long polling in the background for the block's duration."""
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False, polling_timeout=2))
    try:
        yield
    finally:
        await dp.stop_polling()
        with contextlib.suppress(asyncio.CancelledError, RuntimeError):
            await asyncio.wait_for(task, 5)


class Receiver:
    """A tiny webhook endpoint that records requests and answers with a programmable status."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.statuses: list[int] = []
        self.handler: Callable[[dict[str, Any]], Awaitable[web.StreamResponse | None]] | None = None
        self.arrived = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        update = await request.json()
        self.requests.append((dict(request.headers), update))
        self.arrived.set()
        if self.handler is not None:
            response = await self.handler(update)
            if response is not None:
                return response
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status, text="{}", content_type="application/json")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/hook"

    async def wait(self, count: int, timeout: float = 5.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.requests) < count:
            remaining = deadline - loop.time()
            assert remaining > 0, f"only {len(self.requests)} of {count} webhook requests arrived"
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), remaining)

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    await rec.start()
    try:
        yield rec
    finally:
        await rec.stop()
