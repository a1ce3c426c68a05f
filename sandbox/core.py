"""The sandbox's engine: state plus the operations both bots (Bot API) and people (client) perform.

:class:`Core` owns the :class:`~sandbox.state.World`, the rate limiter, the faults, the call record
and the webhook deliverers.  ``call`` runs one Bot API call end to end (token, method, faults,
record); the ``user_*``/``press``/``vote``/``block`` operations are what a person does in a chat and
turn into the updates Telegram would send.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from sandbox import errors as E
from sandbox.errors import ApiError, bad_request, forbidden
from sandbox.faults import Faults
from sandbox.images import image_size, photo_ladder
from sandbox.limits import Limits, RateLimiter
from sandbox.params import Params
from sandbox.record import CallLog, CallRecord
from sandbox.state import (
    JSON,
    BotState,
    CallbackAnswer,
    CallbackState,
    Chat,
    Described,
    FileBlob,
    PollState,
    StoredMessage,
    UserState,
    World,
)
from sandbox.text import detect_entities, utf16_len
from sandbox.updates import WebhookDeliverer, enqueue


class SandboxError(ValueError):
    """A test-client action Telegram's apps would not allow (pressing a missing button, ...)."""


@dataclass
class Config:
    """Tunable behaviour of a sandbox."""

    #: Seconds a callback query can be answered (later: "query is too old ...").
    callback_query_timeout: float = 15.0
    #: First webhook retry delay; it doubles per failure up to ``webhook_retry_max``.
    webhook_retry_base: float = 0.1
    webhook_retry_max: float = 5.0
    #: Seconds the sandbox waits for a webhook to answer.
    webhook_timeout: float = 10.0
    #: Multiplies ``open_period`` of polls (tests use a small factor to close polls quickly).
    poll_time_scale: float = 1.0


def now() -> int:
    """Unix time, as in ``date`` fields."""
    return int(time.time())


class Core:
    """State and operations of one sandbox."""

    def __init__(self, limits: Limits | None = None, config: Config | None = None) -> None:
        from sandbox.methods import BotApi

        self.world = World()
        self.limiter = RateLimiter(limits or Limits.off())
        self.faults = Faults()
        self.log = CallLog()
        self.config = config or Config()
        self.api = BotApi(self)
        self.deliverers: dict[int, WebhookDeliverer] = {}
        self.http: aiohttp.ClientSession | None = None
        self._hanging: set[asyncio.Future[None]] = set()
        #: True while the sandbox is stopping: control streams and long polls end.
        self.stopping = False

    # -- lifecycle ------------------------------------------------------------------------------

    async def open(self) -> None:
        """Create what needs the running loop (the HTTP client for webhooks)."""
        self.stopping = False
        if self.http is None:
            self.http = aiohttp.ClientSession()
        for bot in self.world.bots.values():
            bot.closed = False
            if bot.webhook is not None:
                self.start_webhook(bot)

    async def close(self) -> None:
        """Stop webhook delivery, end long polls and hanging calls, close the HTTP client."""
        self.stopping = True
        for bot in self.world.bots.values():
            bot.closed = True
            bot.notify()
        for chat in [*self.world.private_chats.values(), *self.world.groups.values()]:
            chat.notify()
        for deliverer in list(self.deliverers.values()):
            await deliverer.stop()
        self.deliverers.clear()
        for fut in list(self._hanging):
            if not fut.done():
                fut.cancel()
        for poll in self.world.polls.values():
            if poll.timer is not None:
                poll.timer.cancel()
        if self.http is not None:
            await self.http.close()
            self.http = None

    def start_webhook(self, bot: BotState) -> None:
        """(Re)start delivering a bot's updates to its webhook."""
        if self.http is None:
            return
        deliverer = self.deliverers.get(bot.id)
        if deliverer is None:
            deliverer = self.deliverers[bot.id] = WebhookDeliverer(
                bot,
                self.http,
                self._webhook_reply,
                retry_base=self.config.webhook_retry_base,
                retry_max=self.config.webhook_retry_max,
                timeout=self.config.webhook_timeout,
            )
        deliverer.start()

    async def stop_webhook(self, bot: BotState) -> None:
        """Stop delivering to a bot's webhook."""
        deliverer = self.deliverers.pop(bot.id, None)
        if deliverer is not None:
            await deliverer.stop()

    async def _webhook_reply(self, bot: BotState, method: str, params: Params) -> None:
        await self.call(bot.token, method, params, source="webhook-reply")

    # -- the Bot API entry point ---------------------------------------------------------------------

    async def call(
        self,
        token: str,
        method: str,
        params: Params,
        *,
        source: str = "http",
        connected: Callable[[], bool] | None = None,
    ) -> tuple[int, JSON]:
        """Run one Bot API call: ``(HTTP status, JSON body)``, recorded in the call log.

        ``connected`` tells whether the client still waits; a call held back by a ``hang`` fault
        (``when="before"``) has no effect if its client gave up meanwhile.
        """
        bot = self.world.bots_by_token.get(token)
        spec = self.api.lookup(method)
        record = self.log.start(
            CallRecord(
                seq=self.log.next_seq(),
                monotonic=time.monotonic(),
                wall=time.time(),
                token=token,
                method=spec[0] if spec else method,
                params=params.recorded(),
                bot_id=bot.id if bot else None,
                source=source,
            )
        )
        try:
            if bot is None:
                raise ApiError(401, E.UNAUTHORIZED)
            if spec is None:
                raise ApiError(404, E.NOT_FOUND)
            name, handler = spec
            fault = self.faults.take(name)
            if fault is not None:
                record.fault = fault.kind
                if fault.kind == "fail":
                    raise ApiError(fault.status, fault.description, retry_after=fault.retry_after)
                if fault.when == "before":
                    await self._hang(fault.seconds if fault.then == "answer" else None)
                    if connected is not None and not connected():
                        raise ApiError(499, "Client Closed Request")
                    result = await handler(bot, params)
                else:
                    result = await handler(bot, params)
                    await self._hang(fault.seconds if fault.then == "answer" else None)
            else:
                result = await handler(bot, params)
        except ApiError as exc:
            record.ok, record.error_code, record.description = False, exc.code, exc.description
            record.finished = time.monotonic()
            return exc.code, exc.body()
        except asyncio.CancelledError:
            record.ok, record.error_code, record.description = False, None, "cancelled"
            record.finished = time.monotonic()
            raise
        body: JSON = {"ok": True, "result": result}
        if isinstance(result, Described):
            body = {"ok": True, "result": result.result, "description": result.description}
            result = result.result
        record.ok, record.result, record.finished = True, result, time.monotonic()
        return 200, body

    async def _hang(self, seconds: float | None) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._hanging.add(fut)
        try:
            if seconds is None:
                await fut
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(fut), seconds)
        finally:
            self._hanging.discard(fut)

    # -- chats --------------------------------------------------------------------------------------

    def chat_for_bot(self, bot: BotState, raw: Any, *, sending: bool) -> Chat:
        """The chat a bot names by ``chat_id``, refusing as Telegram does.

        ``sending`` adds the checks of sending (a user who blocked the bot, a user who never
        started it).
        """
        if raw is None or raw == "":
            raise bad_request(E.CHAT_ID_EMPTY)
        text = str(raw).strip()
        world = self.world
        if text.startswith("@"):
            raise bad_request(E.CHAT_NOT_FOUND)
        try:
            chat_id = int(text)
        except ValueError:
            raise bad_request(E.CHAT_NOT_FOUND) from None
        if chat_id < 0:
            group = world.groups.get(chat_id)
            if group is None or bot.id not in group.member_bots:
                raise bad_request(E.CHAT_NOT_FOUND)
            return group
        if chat_id in world.bots:
            if sending:
                raise forbidden("bot can't send messages to bots")
            raise bad_request(E.CHAT_NOT_FOUND)
        user = world.users.get(chat_id)
        if user is None:
            raise bad_request(E.CHAT_NOT_FOUND)
        rel = bot.relations.get(user.id)
        if rel is None or not rel.started:
            shares_group = any(user.id in g.member_users and bot.id in g.member_bots for g in world.groups.values())
            if sending and shares_group:
                raise forbidden(E.CANT_INITIATE)
            raise bad_request(E.CHAT_NOT_FOUND)
        if sending and rel.blocked:
            raise forbidden(E.BOT_BLOCKED)
        return world.private_chat(bot, user)

    # -- messages sent by bots ----------------------------------------------------------------------

    def bot_message(
        self,
        bot: BotState,
        chat: Chat,
        content: JSON,
        *,
        reply_markup: JSON | None = None,
        reply_to: StoredMessage | None = None,
        extra: JSON | None = None,
    ) -> StoredMessage:
        """Store a message a bot sends and show it in the chat."""
        mid = chat.take_message_id()
        data: JSON = {"message_id": mid, "from": bot.user_json(), "chat": chat.json(), "date": now()}
        if reply_to is not None:
            data["reply_to_message"] = {k: v for k, v in reply_to.data.items() if k != "reply_to_message"}
        data.update(content)
        if extra:
            data.update(extra)
        if reply_markup is not None and "inline_keyboard" in reply_markup:
            data["reply_markup"] = reply_markup
        msg = StoredMessage(chat, mid, data, sender_bot_id=bot.id)
        chat.messages[mid] = msg
        if reply_markup is not None:
            if "keyboard" in reply_markup:
                chat.reply_keyboard = reply_markup
            elif reply_markup.get("remove_keyboard"):
                chat.reply_keyboard = None
        chat.event("new", msg)
        return msg

    def edit(self, msg: StoredMessage, changes: JSON, *, drop: tuple[str, ...] = ()) -> StoredMessage:
        """Apply an edit to a message (new dict: snapshots of earlier states stay intact)."""
        data = {k: v for k, v in msg.data.items() if k not in drop}
        data.update(changes)
        data["edit_date"] = max(now(), int(msg.data.get("date", 0)))
        msg.data = data
        msg.version += 1
        msg.chat.event("edit", msg)
        return msg

    def delete(self, msg: StoredMessage) -> None:
        """Delete a message for everyone."""
        msg.deleted = True
        msg.version += 1
        msg.chat.event("delete", msg)

    # -- what people do -----------------------------------------------------------------------------

    def _deliver_to_bots(
        self, chat: Chat, kind: str, payload: JSON, *, copies: int = 1, command: str | None = None
    ) -> list[int]:
        """Queue an update for the bots of a chat; its update ids.

        In groups, bots in privacy mode get only commands (``/cmd`` or ``/cmd@their_name``) and
        replies to their own messages; ``/cmd@other_bot`` goes to that bot only.
        """
        ids: list[int] = []
        world = self.world
        if chat.type == "private":
            assert chat.bot_id is not None
            uid = enqueue(world.bots[chat.bot_id], kind, payload, ("chat", chat.id), copies=copies)
            if uid is not None:
                ids.append(uid)
            return ids
        addressee = command.split("@", 1)[1].lower() if command and "@" in command else None
        for bot_id in sorted(chat.member_bots):
            bot = world.bots[bot_id]
            if addressee is not None and addressee != bot.username.lower():
                continue
            if kind == "message" and not bot.can_read_all_group_messages and command is None:
                reply = payload.get("reply_to_message")
                if not (isinstance(reply, dict) and reply.get("from", {}).get("id") == bot.id):
                    continue
            uid = enqueue(bot, kind, payload, ("chat", chat.id), copies=copies)
            if uid is not None:
                ids.append(uid)
        return ids

    def user_message(
        self,
        user: UserState,
        chat: Chat,
        content: JSON,
        *,
        reply_to: StoredMessage | None = None,
        copies: int = 1,
    ) -> StoredMessage:
        """A person sends a message: store it and queue the ``message`` update(s)."""
        world = self.world
        if chat.type == "private":
            assert chat.bot_id is not None
            bot = world.bots[chat.bot_id]
            rel = bot.relation(user.id)
            if rel.blocked:
                # Telegram apps offer "Restart": sending again unblocks the bot.
                self.unblock(user, bot)
            rel.started = True
        elif user.id not in chat.member_users:
            raise SandboxError(f"{user.full_name} is not a member of {chat.title!r}")
        mid = chat.take_message_id()
        data: JSON = {"message_id": mid, "from": user.json(), "chat": chat.json(), "date": now()}
        if reply_to is not None:
            data["reply_to_message"] = {k: v for k, v in reply_to.data.items() if k != "reply_to_message"}
        data.update(content)
        msg = StoredMessage(chat, mid, data, sender_user_id=user.id)
        chat.messages[mid] = msg
        chat.event("new", msg)
        text = content.get("text")
        command = text.split(maxsplit=1)[0] if isinstance(text, str) and text.startswith("/") else None
        self._deliver_to_bots(chat, "message", data, copies=copies, command=command)
        return msg

    def user_edit(self, user: UserState, msg: StoredMessage, text: str) -> StoredMessage:
        """A person edits their text message: the bots get ``edited_message``."""
        if msg.sender_user_id != user.id or msg.deleted:
            raise SandboxError("people can edit only their own messages")
        if "text" not in msg.data:
            raise SandboxError("only text messages can be edited this way")
        content = self.text_content(text)
        self.edit(msg, content, drop=("entities",))
        first = text.split(maxsplit=1)[0] if text.startswith("/") else None
        self._deliver_to_bots(msg.chat, "edited_message", msg.data, command=first)
        return msg

    def text_content(self, text: str) -> JSON:
        """``text`` and ``entities`` of a message a person types."""
        if not text.strip():
            raise SandboxError("Telegram apps do not send empty messages")
        if utf16_len(text) > 4096:
            raise SandboxError("Telegram apps split messages longer than 4096 characters")
        content: JSON = {"text": text}
        ents = detect_entities(text)
        if ents:
            content["entities"] = ents
        return content

    def upload_document(self, data: bytes, filename: str, mime_type: str | None) -> FileBlob:
        """Store a file a person sends as a document."""
        if not data:
            raise SandboxError("Telegram apps do not send empty files")
        guessed = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        return self.world.store_file(data, "document", file_name=filename, mime_type=guessed)

    def upload_photo(self, data: bytes) -> FileBlob:
        """Store a photo a person sends (its dimensions read from the image)."""
        size = image_size(data)
        if size is None:
            raise SandboxError("not a PNG, JPEG, GIF or WebP image")
        return self.world.store_photo(data, size[0], size[1], photo_ladder(*size))

    def media_content(self, bot_id: int, blob: FileBlob, caption: str | None) -> JSON:
        """The media part of a message (``document`` or ``photo``) with its caption."""
        content: JSON = {}
        if blob.kind == "photo":
            content["photo"] = self.world.photo_json(bot_id, blob)
        else:
            content["document"] = self.world.document_json(bot_id, blob)
        if caption:
            if utf16_len(caption) > 1024:
                raise SandboxError("captions are at most 1024 characters")
            content["caption"] = caption
            ents = detect_entities(caption)
            if ents:
                content["caption_entities"] = ents
        return content

    def press(self, user: UserState, msg: StoredMessage, data: str) -> CallbackState:
        """A person presses an inline button with ``callback_data``: queue the ``callback_query``."""
        chat = msg.chat
        if msg.sender_bot_id is None:
            raise SandboxError("only a bot's messages have inline buttons")
        bot = self.world.bots[msg.sender_bot_id]
        if chat.type == "private" and bot.relation(user.id).blocked:
            raise SandboxError("the bot is blocked; unblock it first")
        qid = str(secrets.randbits(63))
        fut: asyncio.Future[CallbackAnswer] = asyncio.get_running_loop().create_future()
        state = CallbackState(qid, bot.id, user.id, msg.message_id, data, time.monotonic(), fut)
        bot.callbacks[qid] = state
        payload: JSON = {
            "id": qid,
            "from": user.json(),
            "message": msg.data,
            "chat_instance": chat.instance,
            "data": data,
        }
        enqueue(bot, "callback_query", payload, ("chat", chat.id))
        self._prune_callbacks(bot)
        return state

    def _prune_callbacks(self, bot: BotState) -> None:
        if len(bot.callbacks) < 10_000:
            return
        limit = time.monotonic() - self.config.callback_query_timeout
        for qid in [q for q, s in bot.callbacks.items() if s.created < limit]:
            del bot.callbacks[qid]

    def vote(self, user: UserState, msg: StoredMessage, option_ids: list[int]) -> None:
        """A person answers (or, with no options, retracts an answer in) a bot's poll."""
        if msg.poll_id is None or msg.poll_id not in self.world.polls:
            raise SandboxError("the message has no poll")
        poll = self.world.polls[msg.poll_id]
        data = poll.data
        if data["is_closed"]:
            raise SandboxError("the poll is closed")
        chosen = sorted(set(option_ids))
        if len(chosen) > 1 and not data["allows_multiple_answers"]:
            raise SandboxError("the poll allows one answer")
        if any(i < 0 or i >= len(data["options"]) for i in chosen):
            raise SandboxError(f"the poll has no option {chosen}")
        previous = poll.answers.get(user.id)
        if previous is not None and not data.get("allows_revoting", True):
            raise SandboxError("the poll does not allow changing an answer")
        if not chosen and previous is None:
            raise SandboxError("nothing to retract")
        if previous == chosen:
            return
        counts = [o["voter_count"] for o in data["options"]]
        for i in previous or []:
            counts[i] -= 1
        for i in chosen:
            counts[i] += 1
        if chosen:
            poll.answers[user.id] = chosen
        else:
            poll.answers.pop(user.id, None)
        options = [{**o, "voter_count": c} for o, c in zip(data["options"], counts, strict=True)]
        self._set_poll(poll, {**data, "options": options, "total_voter_count": len(poll.answers)})
        bot = self.world.bots[poll.bot_id]
        if not data["is_anonymous"]:
            answer: JSON = {
                "poll_id": poll.id,
                "user": user.json(),
                "option_ids": chosen,
                "option_persistent_ids": [data["options"][i]["persistent_id"] for i in chosen],
            }
            enqueue(bot, "poll_answer", answer, ("chat", poll.chat.id))
        enqueue(bot, "poll", poll.data, ("chat", poll.chat.id))

    def _set_poll(self, poll: PollState, data: JSON) -> None:
        poll.data = data
        msg = poll.chat.messages.get(poll.message_id)
        if msg is not None:
            msg.data = {**msg.data, "poll": data}
            msg.version += 1
            poll.chat.notify()

    def close_poll(self, poll: PollState, *, notify_bot: bool = True) -> JSON:
        """Close a poll (``stopPoll`` or its ``open_period`` ran out)."""
        if poll.timer is not None:
            poll.timer.cancel()
            poll.timer = None
        self._set_poll(poll, {**poll.data, "is_closed": True})
        if notify_bot:
            enqueue(self.world.bots[poll.bot_id], "poll", poll.data, ("chat", poll.chat.id))
        return poll.data

    def schedule_poll_close(self, poll: PollState, seconds: float) -> None:
        """Close a poll after ``seconds`` (scaled by ``Config.poll_time_scale``)."""
        loop = asyncio.get_running_loop()
        poll.timer = loop.call_later(
            seconds * self.config.poll_time_scale,
            lambda: None if poll.data["is_closed"] else self.close_poll(poll),
        )

    def block(self, user: UserState, bot: BotState) -> None:
        """A person blocks the bot: sends fail with 403, the bot gets ``my_chat_member`` (kicked)."""
        rel = bot.relation(user.id)
        if rel.blocked:
            return
        rel.blocked = True
        self._member_update(user, bot, "member", "kicked")

    def unblock(self, user: UserState, bot: BotState) -> None:
        """A person unblocks the bot: the bot gets ``my_chat_member`` (member)."""
        rel = bot.relation(user.id)
        if not rel.blocked:
            return
        rel.blocked = False
        self._member_update(user, bot, "kicked", "member")

    def _member_update(self, user: UserState, bot: BotState, old: str, new: str) -> None:
        chat = self.world.private_chat(bot, user)

        def member(status: str) -> JSON:
            out: JSON = {"status": status, "user": bot.user_json()}
            if status == "kicked":
                out["until_date"] = 0
            return out

        payload: JSON = {
            "chat": chat.json(),
            "from": user.json(),
            "date": now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        enqueue(bot, "my_chat_member", payload, ("chat", chat.id))
