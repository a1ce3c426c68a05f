"""The :class:`Sandbox`: an offline Telegram Bot API server plus the people and bots in it.

It serves inside the caller's event loop (``await sb.start()``), so tests, benchmarks and the demo
drive bots and users from the same process::

    sb = Sandbox(limits=Limits.off())
    await sb.start()                       # sb.api_url -> "http://127.0.0.1:PORT"
    bot = sb.add_bot(token="123456:AAE...", username="edubot_bot")
    user = sb.add_user("Asha", "Rao", username="asha")
    await user.send("/start")
    reply = await user.wait_for(r"Welcome")
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from sandbox.client import ChatView, SandboxUser
from sandbox.core import Config, Core, SandboxError
from sandbox.faults import Faults
from sandbox.limits import Limits
from sandbox.record import CallRecord
from sandbox.state import BotState, Chat, UserState

_TOKEN = re.compile(r"^(\d{1,20}):[A-Za-z0-9_-]{10,}$")


class BotHandle:
    """A bot registered in the sandbox (its token, identity and what Telegram holds for it)."""

    def __init__(self, core: Core, state: BotState) -> None:
        self._core = core
        self.state = state

    @property
    def id(self) -> int:
        """The bot's user id (the number before ``:`` in the token)."""
        return self.state.id

    @property
    def token(self) -> str:
        """The bot token."""
        return self.state.token

    @property
    def username(self) -> str:
        """The bot's username, without ``@``."""
        return self.state.username

    @property
    def first_name(self) -> str:
        """The bot's display name."""
        return self.state.first_name

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed (``getUpdates``) or delivered (webhook)."""
        return len(self.state.updates)

    @property
    def webhook_url(self) -> str | None:
        """The webhook URL set, if any."""
        return self.state.webhook.url if self.state.webhook else None

    def commands(self, scope: tuple[object, ...] = ("default",), language_code: str = "") -> list[dict[str, Any]]:
        """Commands set for exactly this scope key and language (``("chat", chat_id)`` etc.)."""
        return list(self.state.commands.get((scope, language_code), []))

    def __repr__(self) -> str:
        return f"<BotHandle {self.id} @{self.username}>"


class SandboxGroup:
    """A basic group with people and bots in it."""

    def __init__(self, core: Core, chat: Chat) -> None:
        self._core = core
        self.chat = chat

    @property
    def id(self) -> int:
        """The group's chat id (negative)."""
        return self.chat.id

    @property
    def title(self) -> str:
        """The group's title."""
        return self.chat.title or ""

    def as_user(self, user: SandboxUser) -> ChatView:
        """The group as one member sees it (send, wait_for, press...)."""
        return user.in_group(self)

    def __repr__(self) -> str:
        return f"<SandboxGroup {self.id} {self.title!r}>"


class Sandbox:
    """An offline Telegram: the Bot API emulator, its state and its test client."""

    def __init__(self, limits: Limits | None = None, *, config: Config | None = None, **options: Any) -> None:
        """``options`` are fields of :class:`~sandbox.core.Config` (e.g. ``poll_time_scale=0.01``)."""
        self.core = Core(limits, config or Config(**options))
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.host = "127.0.0.1"
        self.port = 0
        self._bots: dict[int, BotHandle] = {}
        self._users: dict[int, SandboxUser] = {}
        self._groups: dict[int, SandboxGroup] = {}
        self._notes: list[tuple[str, str]] = []

    # -- serving ------------------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """Base URL for ``TelegramAPIServer.from_base`` (``EDUBOT_TELEGRAM_API_URL``)."""
        if self._runner is None:
            raise SandboxError("the sandbox is not started")
        return f"http://{self.host}:{self.port}"

    def build_app(self) -> web.Application:
        """The aiohttp application (Bot API, file downloads, control endpoints)."""
        from sandbox.server import build_app

        return build_app(self)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Sandbox:
        """Serve in the running event loop; ``port=0`` picks a free port."""
        if self._runner is not None:
            return self
        await self.core.open()
        runner = web.AppRunner(self.build_app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        addresses = runner.addresses
        self.host = host
        self.port = int(addresses[0][1]) if addresses else port
        self._runner, self._site = runner, site
        return self

    async def stop(self) -> None:
        """Stop serving and delivering; state is kept."""
        await self.core.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._site = None

    async def __aenter__(self) -> Sandbox:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- who is here --------------------------------------------------------------------------------

    def add_bot(
        self,
        token: str | None = None,
        *,
        username: str = "edubot_bot",
        first_name: str = "edubot",
        can_read_all_group_messages: bool = False,
    ) -> BotHandle:
        """Register a bot; without ``token`` one shaped like Telegram's is made."""
        world = self.core.world
        if token is None:
            bot_id = 6_000_000_000 + secrets.randbelow(999_999_999)
            token = f"{bot_id}:AAE{secrets.token_urlsafe(24)[:32]}"
        match = _TOKEN.match(token)
        if match is None:
            raise SandboxError(f"{token!r} is not shaped like a bot token (<digits>:<secret>)")
        bot_id = int(match.group(1))
        if token in world.bots_by_token or bot_id in world.bots:
            raise SandboxError(f"a bot with id {bot_id} exists already")
        state = BotState(
            token, bot_id, username.lstrip("@"), first_name, read_all_group_messages=can_read_all_group_messages
        )
        world.bots[bot_id] = state
        world.bots_by_token[token] = state
        handle = self._bots[bot_id] = BotHandle(self.core, state)
        if self.core.http is not None and state.webhook is not None:
            self.core.start_webhook(state)
        return handle

    def add_user(
        self,
        first_name: str = "Test",
        last_name: str | None = None,
        *,
        username: str | None = None,
        language_code: str | None = "en",
        user_id: int | None = None,
        is_premium: bool = False,
        started: bool = False,
    ) -> SandboxUser:
        """Add a person; by default they have not written to any bot yet.

        ``started=True`` is a person who pressed Start with every bot some time ago (no update is
        delivered now): bots may write to them. Benchmarks seed thousands of people this way.
        """
        world = self.core.world
        if user_id is None:
            while world.next_user_id in world.users or world.next_user_id in world.bots:
                world.next_user_id += 1
            user_id = world.next_user_id
            world.next_user_id += 1
        if user_id in world.users or user_id in world.bots:
            raise SandboxError(f"id {user_id} is taken")
        state = world.add_user(UserState(user_id, first_name, last_name, username, language_code, is_premium))
        if started:
            for bot in world.bots.values():
                bot.relation(user_id).started = True
        user = self._users[user_id] = SandboxUser(self.core, state)
        return user

    def add_group(self, title: str, members: list[SandboxUser], bots: list[BotHandle] | None = None) -> SandboxGroup:
        """A basic group; the first member is its creator (an administrator)."""
        chosen = bots if bots is not None else list(self._bots.values())
        chat = self.core.world.add_group(title, [m.state for m in members], [b.state for b in chosen])
        group = self._groups[chat.id] = SandboxGroup(self.core, chat)
        return group

    @property
    def bots(self) -> list[BotHandle]:
        """Every bot, in the order added."""
        return list(self._bots.values())

    @property
    def bot(self) -> BotHandle:
        """The first bot."""
        if not self._bots:
            raise SandboxError("no bot added")
        return next(iter(self._bots.values()))

    @property
    def users(self) -> list[SandboxUser]:
        """Every person, in the order added."""
        return list(self._users.values())

    @property
    def groups(self) -> list[SandboxGroup]:
        """Every group."""
        return list(self._groups.values())

    def user(self, user_id: int) -> SandboxUser:
        """A person by id."""
        try:
            return self._users[user_id]
        except KeyError:
            raise SandboxError(f"no user {user_id}") from None

    def bot_by_id(self, bot_id: int) -> BotHandle:
        """A bot by id."""
        try:
            return self._bots[bot_id]
        except KeyError:
            raise SandboxError(f"no bot {bot_id}") from None

    def group(self, group_id: int) -> SandboxGroup:
        """A group by id."""
        try:
            return self._groups[group_id]
        except KeyError:
            raise SandboxError(f"no group {group_id}") from None

    # -- notes for people trying the bot ------------------------------------------------------------

    @property
    def notes(self) -> list[tuple[str, str]]:
        """``(title, text)`` pairs the host program publishes for people (the web chat shows them)."""
        return list(self._notes)

    def set_notes(self, notes: Iterable[tuple[str, str]]) -> None:
        """Replace the notes (e.g. invite commands to copy); ``GET /sandbox/api/notes`` serves them."""
        self._notes = [(str(title), str(text)) for title, text in notes]

    # -- record, faults, limits ---------------------------------------------------------------------

    @property
    def calls(self) -> list[CallRecord]:
        """Every Bot API call so far (a copy of the record)."""
        return list(self.core.log.records)

    def calls_of(self, method: str, *, ok: bool | None = None) -> list[CallRecord]:
        """Calls of one method (any letter case), optionally only successful or failed ones."""
        return self.core.log.of(method, ok=ok)

    def clear_calls(self) -> None:
        """Forget the recorded calls."""
        self.core.log.clear()

    @property
    def record_calls(self) -> bool:
        """Whether Bot API calls are recorded (on by default; long benchmarks may switch it off)."""
        return self.core.log.enabled

    @record_calls.setter
    def record_calls(self, enabled: bool) -> None:
        self.core.log.enabled = enabled

    @property
    def faults(self) -> Faults:
        """Fault injection (``fail_next``, ``hang_next``, ``clear``)."""
        return self.core.faults

    @property
    def limits(self) -> Limits:
        """The rate limits in force."""
        return self.core.limiter.limits

    def set_limits(self, limits: Limits) -> None:
        """Switch rate limits at run time (``Limits.telegram()`` or ``Limits.off()``)."""
        self.core.limiter.configure(limits)
