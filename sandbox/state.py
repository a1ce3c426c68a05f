"""The emulated Telegram world: bots, users, chats, messages, files, polls and callback queries.

Everything lives in memory and is only touched from the event loop the sandbox runs in.  Objects are
kept in the Bot API's JSON shapes where they are shown to bots (``StoredMessage.data`` is the
``Message`` object as Telegram would send it), so methods and updates hand them out unchanged.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

JSON = dict[str, Any]

#: Update types delivered when a bot never named any (Telegram's default set).
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


def new_file_id(kind: str) -> str:
    """A file identifier shaped like Telegram's (the prefix tells the kind of file)."""
    prefix = {"photo": "AgACAgIAAxkBAAI", "document": "BQACAgIAAxkBAAI"}.get(kind, "CAACAgIAAxkBAAI")
    return prefix + secrets.token_urlsafe(48)[:56]


def new_unique_id() -> str:
    """A ``file_unique_id`` shaped like Telegram's."""
    return "AgAD" + secrets.token_urlsafe(12)[:12]


@dataclass
class Described:
    """A method result with the ``description`` Telegram adds to some answers ("Webhook was set")."""

    result: Any
    description: str


@dataclass
class Relation:
    """What a user and a bot are to each other."""

    started: bool = False
    blocked: bool = False


@dataclass
class UserState:
    """A Telegram user (a person) in the sandbox."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_premium: bool = False

    def json(self) -> JSON:
        """The ``User`` object."""
        out: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        if self.language_code:
            out["language_code"] = self.language_code
        if self.is_premium:
            out["is_premium"] = True
        return out

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass
class QueuedUpdate:
    """One pending update of a bot, with the key that orders webhook delivery."""

    update_id: int
    kind: str
    payload: JSON
    order_key: tuple[object, ...]

    @property
    def update(self) -> JSON:
        """The ``Update`` object."""
        return {"update_id": self.update_id, self.kind: self.payload}


@dataclass
class WebhookConfig:
    """A bot's webhook as set by ``setWebhook``."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    ip_address: str = "127.0.0.1"
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class CallbackAnswer:
    """What the bot answered to a pressed button (``answerCallbackQuery``)."""

    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int = 0


@dataclass
class CallbackState:
    """A callback query waiting for its answer."""

    id: str
    bot_id: int
    user_id: int
    message_id: int
    data: str | None
    created: float
    answer: asyncio.Future[CallbackAnswer]


@dataclass
class FileBlob:
    """Stored file content and what Telegram knows about it."""

    unique_id: str
    data: bytes
    kind: Literal["document", "photo"]
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    paths: dict[int, str] = field(default_factory=dict)  # bot id -> file_path given by getFile
    sizes: list[FileBlob] = field(default_factory=list)  # photos: every kept size, this one last
    root_id: str | None = None  # photo sizes: the photo they belong to

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)


@dataclass
class FileRef:
    """What a ``file_id`` stands for: one bot's handle on a stored file."""

    file_id: str
    bot_id: int
    unique_id: str
    kind: Literal["document", "photo"]
    width: int | None = None
    height: int | None = None


@dataclass
class PollState:
    """A poll sent by a bot, with each user's current answer."""

    id: str
    bot_id: int
    chat: Chat
    message_id: int
    data: JSON
    answers: dict[int, list[int]] = field(default_factory=dict)
    timer: asyncio.TimerHandle | None = None


@dataclass
class StoredMessage:
    """A message in a chat; ``data`` is its current ``Message`` object."""

    chat: Chat
    message_id: int
    data: JSON
    sender_bot_id: int | None = None
    sender_user_id: int | None = None
    deleted: bool = False
    version: int = 0
    poll_id: str | None = None

    @property
    def from_bot(self) -> bool:
        """True when a bot sent it."""
        return self.sender_bot_id is not None


@dataclass
class ChatEvent:
    """Something that happened in a chat: a message sent, edited or deleted (with a snapshot)."""

    seq: int
    kind: Literal["new", "edit", "delete"]
    message_id: int
    snapshot: JSON
    from_bot: bool
    at: float


class Chat:
    """A private chat (one bot and one user) or a basic group."""

    def __init__(
        self,
        chat_id: int,
        kind: Literal["private", "group"],
        *,
        bot_id: int | None = None,
        user: UserState | None = None,
        title: str | None = None,
    ) -> None:
        self.id = chat_id
        self.type = kind
        self.bot_id = bot_id
        self.user = user
        self.title = title
        self.member_users: dict[int, UserState] = {}
        self.member_bots: set[int] = set()
        self.admins: set[int] = set()
        self.messages: dict[int, StoredMessage] = {}
        self.next_message_id = 1
        self.events: list[ChatEvent] = []
        self._changed = asyncio.Event()
        self.reply_keyboard: JSON | None = None
        self.last_action: tuple[str, float] | None = None
        self.instance = str(secrets.randbits(63))

    def json(self) -> JSON:
        """The ``Chat`` object."""
        if self.type == "private":
            assert self.user is not None
            out: JSON = {"id": self.id, "first_name": self.user.first_name}
            if self.user.last_name:
                out["last_name"] = self.user.last_name
            if self.user.username:
                out["username"] = self.user.username
            out["type"] = "private"
            return out
        return {"id": self.id, "title": self.title or "", "type": "group"}

    @property
    def is_group(self) -> bool:
        """True for a group chat."""
        return self.type == "group"

    def take_message_id(self) -> int:
        """The next message identifier of this chat."""
        mid = self.next_message_id
        self.next_message_id += 1
        return mid

    def event(self, kind: Literal["new", "edit", "delete"], msg: StoredMessage) -> None:
        """Record a change and wake whoever waits on this chat."""
        self.events.append(
            ChatEvent(len(self.events), kind, msg.message_id, dict(msg.data), msg.from_bot, time.monotonic())
        )
        self.notify()

    def notify(self) -> None:
        """Wake the waiters of this chat."""
        self._changed.set()
        self._changed = asyncio.Event()

    def changed(self) -> asyncio.Event:
        """An event set at the next change of this chat."""
        return self._changed

    def visible(self) -> list[StoredMessage]:
        """Messages not deleted, oldest first."""
        return [m for m in self.messages.values() if not m.deleted]


class BotState:
    """A bot account: identity, update queue, webhook, commands and pending callback queries."""

    def __init__(
        self, token: str, bot_id: int, username: str, first_name: str, *, read_all_group_messages: bool
    ) -> None:
        self.token = token
        self.id = bot_id
        self.username = username
        self.first_name = first_name
        self.can_read_all_group_messages = read_all_group_messages
        self.updates: deque[QueuedUpdate] = deque()
        self.next_update_id = 100_000_000 + secrets.randbelow(800_000_000)
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._new_update: asyncio.Event | None = None
        self.poll_generation = 0
        self.poll_stop_reason = ""
        self.closed = False  # the sandbox is stopping: waiting long polls return at once
        self.webhook: WebhookConfig | None = None
        self.commands: dict[tuple[tuple[object, ...], str], list[JSON]] = {}
        self.menu_buttons: dict[int | None, JSON] = {}
        self.profile: dict[tuple[str, str], str] = {}  # (field, language) -> name/description
        self.relations: dict[int, Relation] = {}
        self.callbacks: dict[str, CallbackState] = {}
        self.delivered_count = 0

    def json(self) -> JSON:
        """The ``User`` object ``getMe`` returns."""
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": self.can_read_all_group_messages,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def user_json(self) -> JSON:
        """The ``User`` object as it appears in messages (``from``)."""
        return {"id": self.id, "is_bot": True, "first_name": self.first_name, "username": self.username}

    def relation(self, user_id: int) -> Relation:
        """The relation with a user (created on first use)."""
        rel = self.relations.get(user_id)
        if rel is None:
            rel = self.relations[user_id] = Relation()
        return rel

    def new_update_event(self) -> asyncio.Event:
        """An event set when an update is queued."""
        if self._new_update is None:
            self._new_update = asyncio.Event()
        return self._new_update

    def notify(self) -> None:
        """Wake long polls and the webhook deliverer."""
        if self._new_update is not None:
            self._new_update.set()
            self._new_update = asyncio.Event()


class World:
    """All state of one sandbox."""

    def __init__(self) -> None:
        self.bots: dict[int, BotState] = {}
        self.bots_by_token: dict[str, BotState] = {}
        self.users: dict[int, UserState] = {}
        self.private_chats: dict[tuple[int, int], Chat] = {}
        self.groups: dict[int, Chat] = {}
        self.files: dict[str, FileBlob] = {}
        self.file_refs: dict[str, FileRef] = {}
        self.file_ids_by_bot: dict[tuple[int, str], str] = {}
        self.paths: dict[tuple[int, str], str] = {}  # (bot id, file_path) -> unique id
        self.polls: dict[str, PollState] = {}
        self.next_user_id = 700_000_001
        self.next_group_id = 4_000_000_001
        self.next_file_number = 1

    # -- identities -------------------------------------------------------------------------

    def add_user(self, user: UserState) -> UserState:
        """Register a user."""
        self.users[user.id] = user
        return user

    def user_lookup(self, user_id: int) -> JSON | None:
        """``User`` object of a known user or bot (for ``tg://user?id=`` links)."""
        user = self.users.get(user_id)
        if user is not None:
            return user.json()
        bot = self.bots.get(user_id)
        return bot.user_json() if bot is not None else None

    def private_chat(self, bot: BotState, user: UserState) -> Chat:
        """The private chat between a bot and a user (created on first use)."""
        key = (bot.id, user.id)
        chat = self.private_chats.get(key)
        if chat is None:
            chat = self.private_chats[key] = Chat(user.id, "private", bot_id=bot.id, user=user)
        return chat

    def add_group(self, title: str, users: list[UserState], bots: list[BotState]) -> Chat:
        """A new basic group with these members."""
        gid = -self.next_group_id
        self.next_group_id += 1
        chat = Chat(gid, "group", title=title)
        for user in users:
            chat.member_users[user.id] = user
        if users:
            chat.admins.add(users[0].id)
        chat.member_bots.update(b.id for b in bots)
        self.groups[gid] = chat
        return chat

    # -- files ------------------------------------------------------------------------------

    def store_file(self, data: bytes, kind: Literal["document", "photo"], **meta: Any) -> FileBlob:
        """Keep new file content and give it a ``file_unique_id``."""
        blob = FileBlob(new_unique_id(), data, kind, **meta)
        self.files[blob.unique_id] = blob
        return blob

    def store_photo(self, data: bytes, width: int, height: int, ladder: list[tuple[int, int]]) -> FileBlob:
        """Keep a photo and the sizes Telegram would make of it (they share the stored bytes)."""
        blob = self.store_file(data, "photo", width=width, height=height, mime_type="image/jpeg")
        sizes: list[FileBlob] = []
        for w, h in ladder:
            if (w, h) == (width, height):
                sizes.append(blob)
            else:
                child = self.store_file(data, "photo", width=w, height=h, mime_type="image/jpeg")
                child.root_id = blob.unique_id
                sizes.append(child)
        if not sizes or sizes[-1] is not blob:
            sizes.append(blob)
        blob.sizes = sizes
        return blob

    def file_id_for(self, bot_id: int, blob: FileBlob) -> FileRef:
        """This bot's ``file_id`` for a stored file (stable for the same bot)."""
        key = (bot_id, blob.unique_id)
        fid = self.file_ids_by_bot.get(key)
        if fid is not None:
            return self.file_refs[fid]
        ref = FileRef(new_file_id(blob.kind), bot_id, blob.unique_id, blob.kind, blob.width, blob.height)
        self.file_refs[ref.file_id] = ref
        self.file_ids_by_bot[key] = ref.file_id
        return ref

    def photo_json(self, bot_id: int, blob: FileBlob) -> list[JSON]:
        """The ``photo`` array (``PhotoSize`` objects, smallest first) a bot sees for a photo."""
        out: list[JSON] = []
        for size in blob.sizes or [blob]:
            ref = self.file_id_for(bot_id, size)
            out.append(
                {
                    "file_id": ref.file_id,
                    "file_unique_id": size.unique_id,
                    "file_size": size.size,
                    "width": size.width,
                    "height": size.height,
                }
            )
        return out

    def document_json(self, bot_id: int, blob: FileBlob) -> JSON:
        """The ``Document`` object a bot sees for a file."""
        ref = self.file_id_for(bot_id, blob)
        out: JSON = {"file_id": ref.file_id, "file_unique_id": blob.unique_id}
        if blob.file_name:
            out["file_name"] = blob.file_name
        if blob.mime_type:
            out["mime_type"] = blob.mime_type
        out["file_size"] = blob.size
        return out
