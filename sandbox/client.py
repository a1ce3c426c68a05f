"""The test client: people in the sandbox who type, upload, press buttons, vote and wait for replies.

A :class:`SandboxUser` is a person; by default it talks to the sandbox's first bot in their private
chat, ``user.with_bot(bot)`` gives the chat with another bot and ``user.in_group(group)`` the
person's view of a group.  Each view keeps a cursor over the chat's history so consecutive
``wait_for`` calls consume the bot's messages in order and never miss one that arrived before the
call.  A timeout raises ``AssertionError`` with the chat transcript.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sandbox.core import SandboxError
from sandbox.state import JSON, BotState, CallbackAnswer, Chat, StoredMessage, UserState

if TYPE_CHECKING:
    from sandbox.core import Core

Pattern = str | re.Pattern[str]


@dataclass(frozen=True)
class MessageView:
    """A message as a person sees it at one moment (a snapshot; ``raw`` is the Bot API object)."""

    raw: JSON
    seq: int = -1
    edited: bool = False

    @property
    def message_id(self) -> int:
        """The message identifier."""
        return int(self.raw["message_id"])

    @property
    def text(self) -> str | None:
        """Text of a text message."""
        return self.raw.get("text")

    @property
    def caption(self) -> str | None:
        """Caption of a photo or document."""
        return self.raw.get("caption")

    @property
    def content(self) -> str:
        """Text, caption or poll question, whichever the message has ("" if none)."""
        poll = self.raw.get("poll")
        return self.raw.get("text") or self.raw.get("caption") or (poll["question"] if poll else "") or ""

    @property
    def entities(self) -> list[JSON]:
        """Entities of the text or the caption."""
        return list(self.raw.get("entities") or self.raw.get("caption_entities") or [])

    @property
    def from_bot(self) -> bool:
        """True when a bot sent it."""
        return bool(self.raw.get("from", {}).get("is_bot"))

    @property
    def sender_id(self) -> int | None:
        """User id of the sender."""
        sender = self.raw.get("from")
        return int(sender["id"]) if sender else None

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Inline keyboard rows as ``(text, callback_data or url)``."""
        markup = self.raw.get("reply_markup") or {}
        return [
            [(b["text"], b.get("callback_data", b.get("url"))) for b in row]
            for row in markup.get("inline_keyboard", [])
        ]

    @property
    def button_texts(self) -> list[str]:
        """Labels of every inline button, row by row."""
        return [text for row in self.buttons for text, _ in row]

    @property
    def document(self) -> JSON | None:
        """The ``Document`` of a document message."""
        return self.raw.get("document")

    @property
    def photo(self) -> list[JSON] | None:
        """The ``PhotoSize`` list of a photo message."""
        return self.raw.get("photo")

    @property
    def poll(self) -> JSON | None:
        """The ``Poll`` of a poll message."""
        return self.raw.get("poll")

    @property
    def edit_date(self) -> int | None:
        """When it was last edited."""
        return self.raw.get("edit_date")

    @property
    def media_group_id(self) -> str | None:
        """Album identifier."""
        return self.raw.get("media_group_id")

    def find_button(self, label: Pattern) -> JSON | None:
        """The inline button whose text equals ``label`` (or matches it, for a regex)."""
        markup = self.raw.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if _label_matches(button["text"], label):
                    return dict(button)
        return None

    def line(self) -> str:
        """One transcript line."""
        sender = self.raw.get("from", {})
        who = ("bot " if sender.get("is_bot") else "") + str(sender.get("username") or sender.get("first_name") or "?")
        body = self.content
        if self.document:
            body = f"[document {self.document.get('file_name', '')}] {body}".rstrip()
        elif self.photo:
            best = self.photo[-1]
            body = f"[photo {best['width']}x{best['height']}] {body}".rstrip()
        elif self.poll:
            options = " | ".join(o["text"] for o in self.poll["options"])
            body = f"[poll{' closed' if self.poll['is_closed'] else ''}] {body} ({options})"
        if self.buttons:
            body += "  " + " ".join(f"[{t}]" for t in self.button_texts)
        if self.edit_date:
            body += "  (edited)"
        return f"#{self.message_id} {who}: {body}"


def _label_matches(text: str, label: Pattern) -> bool:
    if isinstance(label, re.Pattern):
        return label.search(text) is not None
    return text == label


def _content_matches(view: MessageView, pattern: Pattern | None) -> bool:
    if pattern is None:
        return True
    if isinstance(pattern, re.Pattern):
        return pattern.search(view.content) is not None
    return re.search(pattern, view.content) is not None


@dataclass
class Press:
    """A pressed inline button: the callback query and, once given, the bot's answer."""

    query_id: str
    message_id: int
    data: str
    _answer: asyncio.Future[CallbackAnswer] = field(repr=False)

    @property
    def answered(self) -> CallbackAnswer | None:
        """The bot's ``answerCallbackQuery`` if it came already."""
        return self._answer.result() if self._answer.done() and not self._answer.cancelled() else None

    async def answer(self, timeout: float = 10.0) -> CallbackAnswer:
        """Wait for the bot's ``answerCallbackQuery``."""
        try:
            return await asyncio.wait_for(asyncio.shield(self._answer), timeout)
        except TimeoutError:
            raise AssertionError(f"the bot did not answer callback query {self.query_id} within {timeout} s") from None


class ChatView:
    """One person's view of one chat: send, wait for the bot, press, vote, download."""

    def __init__(self, core: Core, user: UserState, chat: Chat) -> None:
        self._core = core
        self._user = user
        self.chat = chat
        self._cursor = 0
        self._consumed: set[int] = set()

    # -- identity -------------------------------------------------------------------------------

    @property
    def chat_id(self) -> int:
        """Identifier of the chat (the user's id for a private chat)."""
        return self.chat.id

    @property
    def bot(self) -> BotState | None:
        """The bot of a private chat."""
        return self._core.world.bots[self.chat.bot_id] if self.chat.bot_id is not None else None

    # -- sending --------------------------------------------------------------------------------

    def _stored(self, message: MessageView | int) -> StoredMessage:
        mid = message if isinstance(message, int) else message.message_id
        stored = self.chat.messages.get(mid)
        if stored is None:
            raise SandboxError(f"no message #{mid} in this chat")
        return stored

    def _view(self, msg: StoredMessage) -> MessageView:
        return MessageView(msg.data, len(self.chat.events) - 1)

    async def send(
        self, text: str, *, duplicate: bool = False, reply_to: MessageView | int | None = None
    ) -> MessageView:
        """Type a message (``duplicate=True`` delivers the same update, same ``update_id``, twice)."""
        content = self._core.text_content(text)
        msg = self._core.user_message(
            self._user,
            self.chat,
            content,
            copies=2 if duplicate else 1,
            reply_to=self._stored(reply_to) if reply_to is not None else None,
        )
        return self._view(msg)

    async def edit(self, message: MessageView | int, text: str) -> MessageView:
        """Edit one of this person's text messages (the bot gets ``edited_message``)."""
        msg = self._core.user_edit(self._user, self._stored(message), text)
        return self._view(msg)

    async def send_document(
        self,
        data: bytes | Path | str,
        filename: str | None = None,
        caption: str | None = None,
        *,
        mime_type: str | None = None,
        duplicate: bool = False,
    ) -> MessageView:
        """Send a file as a document (bytes, or a path to read)."""
        if isinstance(data, (Path, str)):
            path = Path(data)
            filename = filename or path.name
            data = await asyncio.to_thread(path.read_bytes)
        blob = self._core.upload_document(data, filename or "document", mime_type)
        content = self._core.media_content(self._viewer_bot_id(), blob, caption)
        return self._view(self._core.user_message(self._user, self.chat, content, copies=2 if duplicate else 1))

    async def send_photo(
        self, data: bytes | Path | str, caption: str | None = None, *, duplicate: bool = False
    ) -> MessageView:
        """Send a photo (PNG, JPEG, GIF or WebP; its real size is read from the image)."""
        if isinstance(data, (Path, str)):
            data = await asyncio.to_thread(Path(data).read_bytes)
        blob = self._core.upload_photo(data)
        content = self._core.media_content(self._viewer_bot_id(), blob, caption)
        return self._view(self._core.user_message(self._user, self.chat, content, copies=2 if duplicate else 1))

    def _viewer_bot_id(self) -> int:
        if self.chat.bot_id is not None:
            return self.chat.bot_id
        if not self.chat.member_bots:
            raise SandboxError("the group has no bot")
        return min(self.chat.member_bots)

    # -- waiting --------------------------------------------------------------------------------

    async def wait_for(
        self,
        pattern: Pattern | None = None,
        *,
        timeout: float = 10.0,
        edits: bool = True,
        predicate: Any = None,
    ) -> MessageView:
        """The next bot message (new or edited) whose text/caption matches ``pattern``.

        Messages are consumed in order: bot messages before the match are passed over and a later
        ``wait_for`` starts after the match.  ``predicate`` (a function of :class:`MessageView`)
        narrows the match further.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        events = self.chat.events
        while True:
            while self._cursor < len(events):
                index = self._cursor
                self._cursor += 1
                event = events[index]
                if index in self._consumed or not event.from_bot or event.kind == "delete":
                    continue
                if event.kind == "edit" and not edits:
                    continue
                view = MessageView(event.snapshot, index, event.kind == "edit")
                if _content_matches(view, pattern) and (predicate is None or predicate(view)):
                    self._consumed.add(index)
                    return view
            remaining = deadline - loop.time()
            if remaining <= 0:
                what = f"matching {_describe(pattern)}" if pattern is not None else ""
                raise AssertionError(self._timeout_text(f"a bot message {what}".rstrip(), timeout))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.chat.changed().wait(), remaining)

    async def wait_for_edit(
        self,
        message: MessageView | int,
        pattern: Pattern | None = None,
        *,
        timeout: float = 10.0,
    ) -> MessageView:
        """The next edit of ``message`` (after the snapshot given) whose content matches ``pattern``."""
        mid = message if isinstance(message, int) else message.message_id
        start = message.seq + 1 if isinstance(message, MessageView) and message.seq >= 0 else 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        index = start
        events = self.chat.events
        while True:
            while index < len(events):
                event = events[index]
                if event.kind == "edit" and event.message_id == mid and index not in self._consumed:
                    view = MessageView(event.snapshot, index, True)
                    if _content_matches(view, pattern):
                        self._consumed.add(index)
                        return view
                index += 1
            remaining = deadline - loop.time()
            if remaining <= 0:
                what = f" matching {_describe(pattern)}" if pattern is not None else ""
                raise AssertionError(self._timeout_text(f"an edit of message #{mid}{what}", timeout))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.chat.changed().wait(), remaining)

    async def wait_for_deletion(self, message: MessageView | int, *, timeout: float = 10.0) -> None:
        """Wait until ``message`` is deleted."""
        stored = self._stored(message)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not stored.deleted:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(self._timeout_text(f"deletion of message #{stored.message_id}", timeout))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.chat.changed().wait(), remaining)

    async def assert_no_message(self, within: float = 0.3) -> None:
        """Fail if the bot sends or edits a message (not yet consumed) within ``within`` seconds."""
        await asyncio.sleep(within)
        pending = [
            e
            for i, e in enumerate(self.chat.events[self._cursor :], start=self._cursor)
            if e.from_bot and e.kind != "delete" and i not in self._consumed
        ]
        if pending:
            lines = "\n".join("  " + MessageView(e.snapshot).line() for e in pending)
            raise AssertionError(f"expected no bot message, got:\n{lines}\n{self.transcript()}")

    def skip_pending(self) -> None:
        """Consider every message so far seen (the next ``wait_for`` waits for a new one)."""
        self._cursor = len(self.chat.events)

    def _timeout_text(self, what: str, timeout: float) -> str:
        return f"timed out after {timeout:g} s waiting for {what} in {self._describe_chat()}.\n{self.transcript()}"

    def _describe_chat(self) -> str:
        if self.chat.type == "private":
            bot = self.bot
            return f"the chat of {self._user.full_name} with @{bot.username if bot else '?'}"
        return f"group {self.chat.title!r} as seen by {self._user.full_name}"

    # -- buttons, polls, files ----------------------------------------------------------------------

    def _find_button(self, label: Pattern, message: MessageView | int | None) -> tuple[StoredMessage, JSON]:
        if message is not None:
            stored = self._stored(message)
            if stored.deleted:
                raise AssertionError(f"message #{stored.message_id} was deleted.\n{self.transcript()}")
            found = MessageView(stored.data).find_button(label)
            if found is None:
                raise AssertionError(
                    f"message #{stored.message_id} has no button {_describe(label)}; it has "
                    f"{MessageView(stored.data).button_texts}.\n{self.transcript()}"
                )
            return stored, found
        for stored in reversed(self.chat.visible()):
            if stored.sender_bot_id is None:
                continue
            found = MessageView(stored.data).find_button(label)
            if found is not None:
                return stored, found
        raise AssertionError(f"no bot message has a button {_describe(label)}.\n{self.transcript()}")

    async def press(
        self,
        label: Pattern,
        message: MessageView | int | None = None,
        *,
        wait_answer: bool = False,
        timeout: float = 10.0,
    ) -> Press:
        """Press an inline button by its text (or a regex) on ``message`` or the latest bot message having it.

        Returns once the ``callback_query`` update is queued; with ``wait_answer`` it also waits for
        the bot's ``answerCallbackQuery`` (``press.answered``).
        """
        stored, button = self._find_button(label, message)
        data = button.get("callback_data")
        if not isinstance(data, str):
            raise SandboxError(
                f"button {button['text']!r} opens {button.get('url') or 'something else'}, it has no callback data"
            )
        state = self._core.press(self._user, stored, data)
        pressed = Press(state.id, stored.message_id, data, state.answer)
        if wait_answer:
            await pressed.answer(timeout)
        return pressed

    async def press_forged(
        self, data: str, message: MessageView | int | None = None, *, wait_answer: bool = True, timeout: float = 10.0
    ) -> Press:
        """A tampered client: a ``callback_query`` with ``data`` that no button of the message carries.

        For security tests: the bot must check every id in callback data against the caller's rights.
        ``message`` defaults to the latest bot message in the chat.
        """
        if message is None:
            visible = [m for m in self.chat.visible() if m.sender_bot_id is not None]
            if not visible:
                raise SandboxError("the bot has sent nothing in this chat to attach a callback to")
            stored = visible[-1]
        else:
            stored = self._stored(message)
        state = self._core.press(self._user, stored, data)
        pressed = Press(state.id, stored.message_id, data, state.answer)
        if wait_answer:
            await pressed.answer(timeout)
        return pressed

    async def answer_poll(self, message: MessageView | int, option_ids: list[int]) -> None:
        """Vote in a bot's poll (``[]`` retracts); the bot gets ``poll_answer`` (non-anonymous) and ``poll``."""
        self._core.vote(self._user, self._stored(message), list(option_ids))

    async def download(self, message: MessageView | int) -> bytes:
        """Content of a document, or of the largest size of a photo, in a message."""
        data = self._stored(message).data
        world = self._core.world
        if "document" in data:
            return world.files[data["document"]["file_unique_id"]].data
        if "photo" in data:
            return world.files[data["photo"][-1]["file_unique_id"]].data
        raise SandboxError(f"message #{data['message_id']} has no file")

    # -- history ------------------------------------------------------------------------------------

    @property
    def messages(self) -> list[MessageView]:
        """The chat as the person sees it now: edits applied, deleted messages gone."""
        return [MessageView(m.data) for m in self.chat.visible()]

    @property
    def bot_messages(self) -> list[MessageView]:
        """Only the bots' messages of :attr:`messages`."""
        return [MessageView(m.data) for m in self.chat.visible() if m.sender_bot_id is not None]

    @property
    def last_bot_message(self) -> MessageView | None:
        """The latest visible bot message."""
        bots = self.bot_messages
        return bots[-1] if bots else None

    def message(self, message_id: int) -> MessageView:
        """The current state of one message."""
        return MessageView(self._stored(message_id).data)

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """Rows of the reply keyboard the bot shows, if any."""
        markup = self.chat.reply_keyboard
        if markup is None:
            return None
        return [[b.get("text", "") for b in row] for row in markup.get("keyboard", [])]

    @property
    def chat_action(self) -> str | None:
        """The bot's chat action if it was sent within the last 5 seconds (as apps show it)."""
        action = self.chat.last_action
        if action is None or time.monotonic() - action[1] > 5:
            return None
        return action[0]

    def commands(self) -> list[JSON]:
        """The command menu this person sees here (scopes and language resolved as Telegram does)."""
        bot = self.bot or (self._core.world.bots[min(self.chat.member_bots)] if self.chat.member_bots else None)
        if bot is None:
            return []
        return self._core.api.commands_for(bot, self.chat, self._user)

    def transcript(self) -> str:
        """The chat as text, one line per visible message."""
        lines = [MessageView(m.data).line() for m in self.chat.visible()]
        return "Transcript:\n" + ("\n".join("  " + line for line in lines) if lines else "  (no messages)")


def _describe(pattern: Pattern | None) -> str:
    if isinstance(pattern, re.Pattern):
        return f"/{pattern.pattern}/"
    return repr(pattern)


class SandboxUser(ChatView):
    """A person; used directly it is their private chat with the sandbox's first bot."""

    def __init__(self, core: Core, user: UserState) -> None:
        self._views: dict[int, ChatView] = {}
        bots = core.world.bots
        if not bots:
            raise SandboxError("add a bot before adding users")
        bot = next(iter(bots.values()))
        super().__init__(core, user, core.world.private_chat(bot, user))
        self._views[self.chat.bot_id or 0] = self
        self.state = user

    @property
    def id(self) -> int:
        """User id."""
        return self.state.id

    @property
    def first_name(self) -> str:
        """First name."""
        return self.state.first_name

    @property
    def last_name(self) -> str | None:
        """Last name."""
        return self.state.last_name

    @property
    def username(self) -> str | None:
        """Username, without ``@``."""
        return self.state.username

    @property
    def language_code(self) -> str | None:
        """IETF language tag of the user's app."""
        return self.state.language_code

    @property
    def full_name(self) -> str:
        """First and last name."""
        return self.state.full_name

    def with_bot(self, bot: Any) -> ChatView:
        """This person's private chat with another bot (a :class:`~sandbox.BotHandle` or its state)."""
        state: BotState = getattr(bot, "state", bot)
        view = self._views.get(state.id)
        if view is None:
            view = self._views[state.id] = ChatView(
                self._core, self.state, self._core.world.private_chat(state, self.state)
            )
        return view

    def in_group(self, group: Any) -> ChatView:
        """This person's view of a group (a :class:`~sandbox.SandboxGroup` or its chat)."""
        chat: Chat = getattr(group, "chat", group)
        if self.state.id not in chat.member_users:
            raise SandboxError(f"{self.full_name} is not a member of {chat.title!r}")
        view = self._views.get(chat.id)
        if view is None:
            view = self._views[chat.id] = ChatView(self._core, self.state, chat)
        return view

    async def block_bot(self, bot: Any = None) -> None:
        """Block the bot: its sends fail with 403 and it gets ``my_chat_member`` (kicked)."""
        target = self.with_bot(bot).bot if bot is not None else self.bot
        assert target is not None
        self._core.block(self.state, target)

    async def unblock_bot(self, bot: Any = None) -> None:
        """Unblock the bot: it gets ``my_chat_member`` (member)."""
        target = self.with_bot(bot).bot if bot is not None else self.bot
        assert target is not None
        self._core.unblock(self.state, target)

    def __repr__(self) -> str:
        return f"<SandboxUser {self.state.id} {self.full_name!r}>"
