"""The Bot API methods the emulator implements, with Telegram's checks and error descriptions.

Each method is an ``async`` function of ``(bot, params)`` returning the ``result`` Telegram would
return, or raising :class:`~sandbox.errors.ApiError`.  Method names are looked up without regard
to letter case, as Telegram does.
"""

from __future__ import annotations

import mimetypes
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal

from sandbox import errors as E
from sandbox.errors import ApiError, bad_request
from sandbox.images import image_size, photo_ladder
from sandbox.limits import LIMITED_METHODS
from sandbox.params import Params, Upload
from sandbox.state import (
    JSON,
    BotState,
    CallbackAnswer,
    Chat,
    Described,
    FileBlob,
    PollState,
    StoredMessage,
    UserState,
    WebhookConfig,
)
from sandbox.text import Entity, format_text, is_blank, utf16_len
from sandbox.updates import end_long_polls, get_updates, set_allowed_updates

if TYPE_CHECKING:
    from sandbox.core import Core

Handler = Callable[[BotState, Params], Awaitable[Any]]

MB = 1024 * 1024
MAX_DOCUMENT_UPLOAD = 50 * MB
MAX_PHOTO_UPLOAD = 10 * MB
MAX_DOWNLOAD = 20 * MB

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND = re.compile(r"^[a-z0-9_]+$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_SIMPLE_SCOPES = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators")

METHODS = (
    "getMe",
    "logOut",
    "close",
    "getUpdates",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "setChatMenuButton",
    "getChatMenuButton",
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
    "deleteMessage",
    "answerCallbackQuery",
    "sendChatAction",
    "sendDocument",
    "sendPhoto",
    "sendMediaGroup",
    "sendPoll",
    "stopPoll",
    "getFile",
    "getChat",
    "copyMessage",
    "forwardMessage",
    "setMyDescription",
    "getMyDescription",
    "setMyShortDescription",
    "getMyShortDescription",
    "setMyName",
    "getMyName",
    "deleteMessages",
    "getChatMember",
)


class BotApi:
    """Bot API methods over a :class:`~sandbox.core.Core`."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.world = core.world
        self._table: dict[str, tuple[str, Handler]] = {name.lower(): (name, getattr(self, name)) for name in METHODS}

    def lookup(self, method: str) -> tuple[str, Handler] | None:
        """``(canonical name, handler)`` of a method, any letter case."""
        return self._table.get(method.lower())

    # -- shared helpers ------------------------------------------------------------------------------

    def _format(self, p: Params, text: str, mode_field: str, entities_field: str) -> tuple[str, list[Entity]]:
        return format_text(
            text, p.string(mode_field), p.json(entities_field), user_lookup=self.world.user_lookup, allow_empty=True
        )

    def _rate(self, bot: BotState, chat: Chat, method: str, cost: int = 1) -> None:
        if method.lower() in LIMITED_METHODS:
            self.core.limiter.acquire(bot.id, chat.id, chat.is_group, time.monotonic(), cost)

    def _reply_markup(self, p: Params, *, inline_only: bool = False) -> JSON | None:
        raw = p.json("reply_markup", what="reply keyboard markup")
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in raw:
            return {"inline_keyboard": self._inline_rows(raw["inline_keyboard"])}
        if inline_only:
            raise bad_request("inline keyboard expected")
        if "keyboard" in raw:
            rows = raw["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
            norm = [[b if isinstance(b, dict) else {"text": str(b)} for b in row] for row in rows]
            return {**raw, "keyboard": norm}
        if raw.get("remove_keyboard"):
            return {"remove_keyboard": True}
        if raw.get("force_reply"):
            return {k: v for k, v in raw.items() if k in ("force_reply", "input_field_placeholder", "selective")}
        raise bad_request("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _inline_rows(rows: Any) -> list[list[JSON]]:
        if not isinstance(rows, list):
            raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
        out: list[list[JSON]] = []
        for row in rows:
            if not isinstance(row, list):
                raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
            buttons: list[JSON] = []
            for button in row:
                if not isinstance(button, dict):
                    raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
                if not isinstance(button.get("text"), str):
                    raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
                if not any(k in button for k in _BUTTON_ACTIONS):
                    raise bad_request(E.TEXT_BUTTONS_UNALLOWED)
                if "callback_data" in button:
                    data = button["callback_data"]
                    size = len(str(data).encode("utf-8")) if data is not None else 0
                    if not isinstance(data, str) or not 1 <= size <= 64:
                        raise bad_request(E.BUTTON_DATA_INVALID)
                if "url" in button:
                    url = button["url"]
                    if not isinstance(url, str) or not re.match(r"^(https?|tg|ton)://\S+$", url, re.I):
                        raise bad_request(E.BUTTON_URL_INVALID)
                buttons.append(dict(button))
            if buttons:
                out.append(buttons)
        return out

    def _reply_to(self, p: Params, chat: Chat) -> StoredMessage | None:
        params = p.json("reply_parameters", what="reply parameters")
        target: int | None = None
        allow_missing = p.flag("allow_sending_without_reply")
        if isinstance(params, dict):
            target = int(params["message_id"]) if str(params.get("message_id", "")).lstrip("-").isdigit() else None
            allow_missing = bool(params.get("allow_sending_without_reply", allow_missing))
        elif p.integer("reply_to_message_id"):
            target = p.integer("reply_to_message_id")
        if not target:
            return None
        msg = chat.messages.get(target)
        if msg is None or msg.deleted:
            if allow_missing:
                return None
            raise bad_request(E.REPLY_NOT_FOUND)
        return msg

    @staticmethod
    def _extra(p: Params) -> JSON:
        extra: JSON = {}
        if p.flag("protect_content"):
            extra["has_protected_content"] = True
        return extra

    def _target(self, bot: BotState, p: Params, not_found: str) -> StoredMessage:
        """The message an edit/delete/stop names; refusals as Telegram words them."""
        if "inline_message_id" in p and "chat_id" not in p:
            raise bad_request("MESSAGE_ID_INVALID")
        if "chat_id" not in p:
            raise bad_request(E.CHAT_ID_EMPTY)
        message_id = p.integer("message_id")
        if not message_id:
            raise bad_request(E.MESSAGE_ID_NOT_SPECIFIED)
        chat = self.core.chat_for_bot(bot, p.get("chat_id"), sending=False)
        msg = chat.messages.get(message_id)
        if msg is None or msg.deleted:
            raise bad_request(not_found)
        return msg

    # -- identity ------------------------------------------------------------------------------------

    async def getMe(self, bot: BotState, p: Params) -> JSON:
        """``getMe``."""
        return bot.json()

    async def logOut(self, bot: BotState, p: Params) -> bool:
        """``logOut`` (accepted; the sandbox has no cloud server to leave)."""
        return True

    async def close(self, bot: BotState, p: Params) -> bool:
        """``close`` (accepted)."""
        return True

    # -- updates -------------------------------------------------------------------------------------

    async def getUpdates(self, bot: BotState, p: Params) -> list[JSON]:
        """``getUpdates`` with long polling."""
        limit = p.integer("limit") or 100
        timeout = p.number("timeout") or 0.0
        allowed = p.json("allowed_updates", what="allowed updates")
        return await get_updates(bot, p.integer("offset"), limit, timeout, allowed)

    async def setWebhook(self, bot: BotState, p: Params) -> Any:
        """``setWebhook``: an empty ``url`` removes the webhook."""
        url = (p.string("url") or "").strip()
        if not url:
            return await self.deleteWebhook(bot, p)
        if not re.match(r"^https?://[^/\s:]+(:\d+)?(/\S*)?$", url, re.I):
            raise bad_request("bad webhook: HTTPS url must be provided for webhook")
        secret = p.string("secret_token")
        if secret is not None and secret != "" and not _SECRET.match(secret):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        max_connections = p.integer("max_connections") or 40
        allowed = p.json("allowed_updates", what="allowed updates")
        if p.flag("drop_pending_updates"):
            bot.updates.clear()
        set_allowed_updates(bot, allowed)
        old = bot.webhook
        bot.webhook = WebhookConfig(
            url=url,
            secret_token=secret or None,
            max_connections=min(max(max_connections, 1), 100),
            allowed_updates=sorted(bot.allowed_updates) if allowed is not None else None,
            ip_address=p.string("ip_address") or "127.0.0.1",
        )
        if old is None:
            end_long_polls(bot, "Conflict: terminated by setWebhook request")
        self.core.start_webhook(bot)
        bot.notify()
        return Described(True, "Webhook was set")

    async def deleteWebhook(self, bot: BotState, p: Params) -> Any:
        """``deleteWebhook``."""
        if p.flag("drop_pending_updates"):
            bot.updates.clear()
        had = bot.webhook is not None
        bot.webhook = None
        await self.core.stop_webhook(bot)
        return Described(True, "Webhook was deleted" if had else "Webhook is already deleted")

    async def getWebhookInfo(self, bot: BotState, p: Params) -> JSON:
        """``getWebhookInfo``."""
        hook = bot.webhook
        if hook is None:
            return {"url": "", "has_custom_certificate": False, "pending_update_count": len(bot.updates)}
        info: JSON = {
            "url": hook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(bot.updates),
            "max_connections": hook.max_connections,
            "ip_address": hook.ip_address,
        }
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        if hook.allowed_updates is not None:
            info["allowed_updates"] = hook.allowed_updates
        return info

    # -- commands and menu ---------------------------------------------------------------------------

    def _scope(self, bot: BotState, p: Params) -> tuple[object, ...]:
        scope = p.json("scope", what="bot command scope")
        if scope is None:
            return ("default",)
        if not isinstance(scope, dict):
            raise bad_request("can't parse BotCommandScope: Object expected")
        kind = scope.get("type")
        if kind in _SIMPLE_SCOPES:
            return (kind,)
        if kind in ("chat", "chat_administrators", "chat_member"):
            chat = self.core.chat_for_bot(bot, scope.get("chat_id"), sending=False)
            if kind == "chat":
                return ("chat", chat.id)
            if chat.type == "private":
                raise bad_request("can't use specified scope for private chats")
            if kind == "chat_administrators":
                return ("chat_administrators", chat.id)
            try:
                user_id = int(scope.get("user_id", 0))
            except (TypeError, ValueError):
                user_id = 0
            if user_id not in chat.member_users:
                raise bad_request("user not found")
            return ("chat_member", chat.id, user_id)
        raise bad_request("unsupported bot command scope type specified")

    @staticmethod
    def _language(p: Params) -> str:
        code = p.string("language_code") or ""
        if code and not (len(code) == 2 and code.isascii() and code.isalpha()):
            raise bad_request(E.INVALID_LANGUAGE_CODE)
        return code.lower()

    async def setMyCommands(self, bot: BotState, p: Params) -> bool:
        """``setMyCommands``: validated as TDLib and Telegram's servers validate."""
        raw = p.json("commands", what="commands")
        if not isinstance(raw, list):
            raise bad_request("can't parse commands JSON object")
        scope = self._scope(bot, p)
        language = self._language(p)
        commands: list[JSON] = []
        for item in raw:
            if not isinstance(item, dict):
                raise bad_request(E.COMMAND_EMPTY)
            command = str(item.get("command", "")).strip()
            if command.startswith("/"):
                command = command[1:]
            if not command:
                raise bad_request(E.COMMAND_EMPTY)
            if len(command) > 32:
                raise bad_request(E.COMMAND_TOO_LONG)
            description = str(item.get("description", "")).strip()
            if not description:
                raise bad_request(E.COMMAND_DESCRIPTION_EMPTY)
            if len(description) > 256:
                raise bad_request(E.COMMAND_DESCRIPTION_TOO_LONG)
            commands.append({"command": command, "description": description})
        if len(commands) > 100:
            raise bad_request(E.COMMANDS_TOO_MUCH)
        if any(not _COMMAND.match(c["command"]) for c in commands):
            raise bad_request(E.COMMAND_INVALID)
        if commands:
            bot.commands[(scope, language)] = commands
        else:
            bot.commands.pop((scope, language), None)
        return True

    async def getMyCommands(self, bot: BotState, p: Params) -> list[JSON]:
        """``getMyCommands`` for exactly the scope and language given."""
        return list(bot.commands.get((self._scope(bot, p), self._language(p)), []))

    async def deleteMyCommands(self, bot: BotState, p: Params) -> bool:
        """``deleteMyCommands``."""
        bot.commands.pop((self._scope(bot, p), self._language(p)), None)
        return True

    def commands_for(self, bot: BotState, chat: Chat, user: UserState) -> list[JSON]:
        """The command menu a user sees in a chat: the most specific scope set, as Telegram resolves it."""
        lang = (user.language_code or "")[:2].lower()
        keys: list[tuple[object, ...]] = []
        if chat.type == "private":
            keys = [("chat", chat.id), ("all_private_chats",), ("default",)]
        else:
            is_admin = user.id in chat.admins
            keys = [("chat_member", chat.id, user.id)]
            if is_admin:
                keys.append(("chat_administrators", chat.id))
            keys.append(("chat", chat.id))
            if is_admin:
                keys.append(("all_chat_administrators",))
            keys += [("all_group_chats",), ("default",)]
        for key in keys:
            for language in ([lang] if lang else []) + [""]:
                found = bot.commands.get((key, language))
                if found:
                    return list(found)
        return []

    async def setChatMenuButton(self, bot: BotState, p: Params) -> bool:
        """``setChatMenuButton`` (for one private chat, or the bot's default)."""
        chat_id: int | None = None
        if "chat_id" in p:
            chat_id = self.core.chat_for_bot(bot, p.get("chat_id"), sending=False).id
        button = p.json("menu_button", what="menu button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
            raise bad_request("unsupported menu button type specified")
        if button["type"] == "web_app" and not (
            isinstance(button.get("text"), str) and isinstance(button.get("web_app"), dict)
        ):
            raise bad_request('can\'t parse menu button: Field "web_app" must be of type Object')
        if button["type"] == "default":
            bot.menu_buttons.pop(chat_id, None)
        else:
            bot.menu_buttons[chat_id] = button
        return True

    async def getChatMenuButton(self, bot: BotState, p: Params) -> JSON:
        """``getChatMenuButton``."""
        chat_id: int | None = None
        if "chat_id" in p:
            chat_id = self.core.chat_for_bot(bot, p.get("chat_id"), sending=False).id
            if chat_id in bot.menu_buttons:
                return dict(bot.menu_buttons[chat_id])
        return dict(bot.menu_buttons.get(None, {"type": "commands"}))

    # -- text messages ----------------------------------------------------------------------------------

    async def sendMessage(self, bot: BotState, p: Params) -> JSON:
        """``sendMessage``."""
        text = p.string("text") or ""
        if not text:
            raise bad_request(E.TEXT_EMPTY)
        parsed, entities = self._format(p, text, "parse_mode", "entities")
        markup = self._reply_markup(p)
        chat = self.core.chat_for_bot(bot, p.get("chat_id"), sending=True)
        if is_blank(parsed):
            raise bad_request(E.TEXT_MUST_BE_NON_EMPTY)
        if utf16_len(parsed) > 4096:
            raise bad_request(E.TEXT_TOO_LONG)
        reply_to = self._reply_to(p, chat)
        self._rate(bot, chat, "sendMessage")
        content: JSON = {"text": parsed}
        if entities:
            content["entities"] = entities
        link = p.json("link_preview_options", what="link preview options")
        if isinstance(link, dict) and link:
            content["link_preview_options"] = link
        elif p.flag("disable_web_page_preview"):
            content["link_preview_options"] = {"is_disabled": True}
        msg = self.core.bot_message(
            bot, chat, content, reply_markup=_nonempty(markup), reply_to=reply_to, extra=self._extra(p)
        )
        return msg.data

    async def editMessageText(self, bot: BotState, p: Params) -> JSON:
        """``editMessageText`` (leaving out ``reply_markup`` removes the inline keyboard, as on Telegram)."""
        text = p.string("text") or ""
        if not text:
            raise bad_request(E.TEXT_EMPTY)
        parsed, entities = self._format(p, text, "parse_mode", "entities")
        markup = _nonempty(self._reply_markup(p, inline_only=True))
        msg = self._target(bot, p, E.EDIT_NOT_FOUND)
        if msg.sender_bot_id != bot.id:
            raise bad_request(E.CANT_BE_EDITED)
        if "text" not in msg.data:
            raise bad_request(E.NO_TEXT_TO_EDIT)
        if is_blank(parsed):
            raise bad_request(E.TEXT_MUST_BE_NON_EMPTY)
        if utf16_len(parsed) > 4096:
            raise bad_request(E.EDIT_TEXT_TOO_LONG)
        if (
            msg.data["text"] == parsed
            and msg.data.get("entities", []) == entities
            and msg.data.get("reply_markup") == markup
        ):
            raise bad_request(E.NOT_MODIFIED)
        changes: JSON = {"text": parsed}
        if entities:
            changes["entities"] = entities
        if markup is not None:
            changes["reply_markup"] = markup
        self.core.edit(msg, changes, drop=("entities", "reply_markup"))
        return msg.data

    async def editMessageCaption(self, bot: BotState, p: Params) -> JSON:
        """``editMessageCaption``."""
        caption = p.string("caption") or ""
        parsed, entities = self._format(p, caption, "parse_mode", "caption_entities") if caption else ("", [])
        markup = _nonempty(self._reply_markup(p, inline_only=True))
        msg = self._target(bot, p, E.EDIT_NOT_FOUND)
        if msg.sender_bot_id != bot.id:
            raise bad_request(E.CANT_BE_EDITED)
        if not any(k in msg.data for k in ("document", "photo")):
            raise bad_request(E.NO_CAPTION_TO_EDIT)
        if utf16_len(parsed) > 1024:
            raise bad_request(E.EDIT_CAPTION_TOO_LONG)
        if (
            msg.data.get("caption", "") == parsed
            and msg.data.get("caption_entities", []) == entities
            and msg.data.get("reply_markup") == markup
        ):
            raise bad_request(E.NOT_MODIFIED)
        changes: JSON = {}
        if parsed:
            changes["caption"] = parsed
        if entities:
            changes["caption_entities"] = entities
        if markup is not None:
            changes["reply_markup"] = markup
        self.core.edit(msg, changes, drop=("caption", "caption_entities", "reply_markup"))
        return msg.data

    async def editMessageReplyMarkup(self, bot: BotState, p: Params) -> JSON:
        """``editMessageReplyMarkup``."""
        markup = _nonempty(self._reply_markup(p, inline_only=True))
        msg = self._target(bot, p, E.EDIT_NOT_FOUND)
        if msg.sender_bot_id != bot.id:
            raise bad_request(E.CANT_BE_EDITED)
        if msg.data.get("reply_markup") == markup:
            raise bad_request(E.NOT_MODIFIED)
        self.core.edit(msg, {"reply_markup": markup} if markup else {}, drop=("reply_markup",))
        return msg.data

    async def deleteMessage(self, bot: BotState, p: Params) -> bool:
        """``deleteMessage``."""
        msg = self._target(bot, p, E.DELETE_NOT_FOUND)
        chat = msg.chat
        if chat.is_group and msg.sender_bot_id != bot.id and bot.id not in chat.admins:
            raise bad_request(E.CANT_BE_DELETED)
        self.core.delete(msg)
        return True

    async def answerCallbackQuery(self, bot: BotState, p: Params) -> bool:
        """``answerCallbackQuery``: once per query, within the query's lifetime."""
        qid = p.string("callback_query_id") or ""
        state = bot.callbacks.get(qid)
        expired = state is not None and time.monotonic() - state.created > self.core.config.callback_query_timeout
        if state is None or state.answer.done() or expired:
            raise bad_request(E.QUERY_INVALID)
        text = p.string("text") or None
        if text is not None and utf16_len(text) > 200:
            raise bad_request(E.CALLBACK_ANSWER_TOO_LONG)
        state.answer.set_result(
            CallbackAnswer(
                text=text,
                show_alert=p.flag("show_alert"),
                url=p.string("url") or None,
                cache_time=p.integer("cache_time") or 0,
            )
        )
        return True

    async def sendChatAction(self, bot: BotState, p: Params) -> bool:
        """``sendChatAction`` (the last action is visible to the test client)."""
        action = p.string("action") or ""
        if action not in CHAT_ACTIONS:
            raise bad_request(E.WRONG_ACTION)
        chat = self.core.chat_for_bot(bot, p.get("chat_id"), sending=True)
        chat.last_action = (action, time.monotonic())
        chat.notify()
        return True

    async def getChat(self, bot: BotState, p: Params) -> JSON:
        """``getChat``: a ``ChatFullInfo``."""
        chat = self.core.chat_for_bot(bot, p.get("chat_id"), sending=False)
        info = chat.json()
        info.update(
            {
                "accent_color_id": (abs(chat.id) % 7),
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": True,
                    "limited_gifts": True,
                    "unique_gifts": True,
                    "premium_subscription": True,
                    "gifts_from_channels": True,
                },
            }
        )
        if chat.type == "group":
            info["permissions"] = {
                "can_send_messages": True,
                "can_send_audios": True,
                "can_send_documents": True,
                "can_send_photos": True,
                "can_send_videos": True,
                "can_send_video_notes": True,
                "can_send_voice_notes": True,
                "can_send_polls": True,
                "can_send_other_messages": True,
                "can_add_web_page_previews": True,
                "can_change_info": True,
                "can_invite_users": True,
                "can_pin_messages": True,
                "can_manage_topics": False,
            }
        return info

    async def copyMessage(self, bot: BotState, p: Params) -> JSON:
        """``copyMessage``: the message's content sent again without a link to the original."""
        source = self._source(bot, p, "message to copy not found")
        chat = self.core.chat_for_bot(bot, p.get("chat_id"), sending=True)
        content = {
            k: v
            for k, v in source.data.items()
            if k in ("text", "entities", "document", "photo", "caption", "caption_entities")
        }
        if "caption" in p:
            caption, ents = self._format(p, p.string("caption") or "", "parse_mode", "caption_entities")
            content = {k: v for k, v in content.items() if k not in ("caption", "caption_entities")}
            if caption:
                content["caption"] = caption
            if ents:
                content["caption_entities"] = ents
        if not content:
            raise bad_request("message can't be copied")
        markup = _nonempty(self._reply_markup(p))
        reply_to = self._reply_to(p, chat)
        self._rate(bot, chat, "copyMessage")
        msg = self.core.bot_message(bot, chat, self._rebind(bot, content), reply_markup=markup, reply_to=reply_to)
        return {"message_id": msg.message_id}

    async def forwardMessage(self, bot: BotState, p: Params) -> JSON:
        """``forwardMessage``."""
        source = self._source(bot, p, "message to forward not found")
        chat = self.core.chat_for_bot(bot, p.get("chat_id"), sending=True)
        content = {
            k: v
            for k, v in source.data.items()
            if k in ("text", "entities", "document", "photo", "caption", "caption_entities", "poll")
        }
        sender = source.data.get("from", {})
        content["forward_origin"] = {"type": "user", "sender_user": sender, "date": source.data.get("date", 0)}
        self._rate(bot, chat, "forwardMessage")
        msg = self.core.bot_message(bot, chat, self._rebind(bot, content))
        return msg.data

    def _source(self, bot: BotState, p: Params, not_found: str) -> StoredMessage:
        from_chat = self.core.chat_for_bot(bot, p.get("from_chat_id"), sending=False)
        msg = from_chat.messages.get(p.integer("message_id") or 0)
        if msg is None or msg.deleted:
            raise bad_request(not_found)
        return msg

    def _rebind(self, bot: BotState, content: JSON) -> JSON:
        """File identifiers in copied content, as this bot sees them."""
        out = dict(content)
        if "document" in out:
            blob = self.world.files[out["document"]["file_unique_id"]]
            out["document"] = self.world.document_json(bot.id, blob)
        if "photo" in out:
            largest = self.world.files[out["photo"][-1]["file_unique_id"]]
            out["photo"] = self.world.photo_json(bot.id, self._root(largest))
        return out

    # -- profile and members ------------------------------------------------------------------------

    def _profile(self, bot: BotState, p: Params, field: str, limit: int) -> bool:
        value = (p.string(field) or "").strip()
        if len(value) > limit:
            raise bad_request(f"{field.replace('_', ' ')} is too long")
        language = self._language(p)
        if value:
            bot.profile[(field, language)] = value
        else:
            bot.profile.pop((field, language), None)
        return True

    async def setMyDescription(self, bot: BotState, p: Params) -> bool:
        """``setMyDescription`` (0–512 characters, per language)."""
        return self._profile(bot, p, "description", 512)

    async def getMyDescription(self, bot: BotState, p: Params) -> JSON:
        """``getMyDescription``."""
        lang = self._language(p)
        return {"description": bot.profile.get(("description", lang)) or bot.profile.get(("description", ""), "")}

    async def setMyShortDescription(self, bot: BotState, p: Params) -> bool:
        """``setMyShortDescription`` (0–120 characters, per language)."""
        return self._profile(bot, p, "short_description", 120)

    async def getMyShortDescription(self, bot: BotState, p: Params) -> JSON:
        """``getMyShortDescription``."""
        lang = self._language(p)
        text = bot.profile.get(("short_description", lang)) or bot.profile.get(("short_description", ""), "")
        return {"short_description": text}

    async def setMyName(self, bot: BotState, p: Params) -> bool:
        """``setMyName`` (0–64 characters, per language)."""
        return self._profile(bot, p, "name", 64)

    async def getMyName(self, bot: BotState, p: Params) -> JSON:
        """``getMyName``."""
        lang = self._language(p)
        return {"name": bot.profile.get(("name", lang)) or bot.profile.get(("name", ""), bot.first_name)}

    async def deleteMessages(self, bot: BotState, p: Params) -> bool:
        """``deleteMessages``: 1–100 identifiers; missing ones are skipped."""
        ids = p.json("message_ids", what="message identifiers")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must be a non-empty array of at most 100 identifiers")
        chat = self.core.chat_for_bot(bot, p.get("chat_id"), sending=False)
        found = [chat.messages.get(i) for i in ids if isinstance(i, int)]
        targets = [m for m in found if m is not None and not m.deleted]
        if not targets:
            raise bad_request(E.DELETE_NOT_FOUND)
        for msg in targets:
            if chat.is_group and msg.sender_bot_id != bot.id and bot.id not in chat.admins:
                raise bad_request(E.CANT_BE_DELETED)
        for msg in targets:
            self.core.delete(msg)
        return True

    async def getChatMember(self, bot: BotState, p: Params) -> JSON:
        """``getChatMember``: a ChatMember of the chat (or ``left``)."""
        chat = self.core.chat_for_bot(bot, p.get("chat_id"), sending=False)
        user_id = p.integer("user_id") or 0
        if user_id == bot.id:
            return {"status": "member", "user": bot.user_json()}
        user = self.world.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        if chat.type == "private":
            status = "member" if chat.id == user_id else "left"
        elif user_id in chat.member_users:
            status = "creator" if min(chat.admins, default=None) == user_id else "member"
        else:
            status = "left"
        member: JSON = {"status": status, "user": user.json()}
        if status == "creator":
            member["is_anonymous"] = False
        return member

    # -- files ----------------------------------------------------------------------------------------

    def _root(self, blob: FileBlob) -> FileBlob:
        return self.world.files[blob.root_id] if blob.root_id else blob

    def _input_file(self, bot: BotState, value: Upload | str | None, kind: Literal["document", "photo"]) -> FileBlob:
        if value is None:
            raise bad_request(f"there is no {kind} in the request")
        if isinstance(value, str):
            ref = self.world.file_refs.get(value)
            if ref is None or ref.bot_id != bot.id:
                if "." in value or "/" in value:
                    raise bad_request("failed to get HTTP URL content")
                raise bad_request(E.WRONG_FILE_ID)
            if ref.kind != kind:
                raise bad_request(f"can't use file of type {ref.kind.title()} as {kind.title()}")
            return self._root(self.world.files[ref.unique_id])
        data = value.data
        if not data:
            raise bad_request(E.FILE_EMPTY)
        if kind == "document":
            if len(data) > MAX_DOCUMENT_UPLOAD:
                raise ApiError(413, E.ENTITY_TOO_LARGE)
            name = value.filename or "document"
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return self.world.store_file(data, "document", file_name=name, mime_type=mime)
        if len(data) > MAX_PHOTO_UPLOAD:
            raise bad_request(
                f"file of size {len(data)} bytes is too big for a photo; the maximum size is {MAX_PHOTO_UPLOAD} bytes"
            )
        size = image_size(data)
        if size is None:
            raise bad_request(E.IMAGE_PROCESS_FAILED)
        width, height = size
        if width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        return self.world.store_photo(data, width, height, photo_ladder(width, height))

    def _caption(
        self, p: Params, field: str = "caption", mode: str = "parse_mode", ents: str = "caption_entities"
    ) -> JSON:
        caption = p.string(field) or ""
        if not caption:
            return {}
        parsed, entities = self._format(p, caption, mode, ents)
        if utf16_len(parsed) > 1024:
            raise bad_request(E.CAPTION_TOO_LONG)
        out: JSON = {}
        if parsed:
            out["caption"] = parsed
        if entities:
            out["caption_entities"] = entities
        return out

    async def sendDocument(self, bot: BotState, p: Params) -> JSON:
        """``sendDocument``: an upload (≤ 50 MB) or a ``file_id`` of a document."""
        caption = self._caption(p)
        markup = self._reply_markup(p)
        chat = self.core.chat_for_bot(bot, p.get("chat_id"), sending=True)
        blob = self._input_file(bot, p.file("document"), "document")
        reply_to = self._reply_to(p, chat)
        self._rate(bot, chat, "sendDocument")
        content: JSON = {"document": self.world.document_json(bot.id, blob), **caption}
        return self.core.bot_message(
            bot, chat, content, reply_markup=_nonempty(markup), reply_to=reply_to, extra=self._extra(p)
        ).data

    async def sendPhoto(self, bot: BotState, p: Params) -> JSON:
        """``sendPhoto``: an upload (≤ 10 MB, a readable image) or a ``file_id`` of a photo."""
        caption = self._caption(p)
        markup = self._reply_markup(p)
        chat = self.core.chat_for_bot(bot, p.get("chat_id"), sending=True)
        blob = self._input_file(bot, p.file("photo"), "photo")
        reply_to = self._reply_to(p, chat)
        self._rate(bot, chat, "sendPhoto")
        content: JSON = {"photo": self.world.photo_json(bot.id, blob), **caption}
        if p.flag("has_spoiler"):
            content["has_media_spoiler"] = True
        return self.core.bot_message(
            bot, chat, content, reply_markup=_nonempty(markup), reply_to=reply_to, extra=self._extra(p)
        ).data

    async def sendMediaGroup(self, bot: BotState, p: Params) -> list[JSON]:
        """``sendMediaGroup``: 2–10 photos, or 2–10 documents."""
        media = p.json("media", what="media")
        if not isinstance(media, list):
            raise bad_request("can't parse media JSON object")
        if len(media) > 10:
            raise bad_request(E.ALBUM_TOO_MANY)
        if len(media) < 2:
            raise bad_request(E.ALBUM_TOO_FEW)
        kinds = set()
        items: list[tuple[Literal["document", "photo"], Upload | str | None, JSON]] = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") not in ("photo", "document"):
                raise bad_request("can't parse InputMedia: unsupported media type")
            kind: Literal["document", "photo"] = "photo" if item["type"] == "photo" else "document"
            kinds.add(kind)
            ref = item.get("media")
            value = p.attached(ref) if isinstance(ref, str) and ref else None
            sub = Params({k: v for k, v in item.items() if k in ("caption", "parse_mode", "caption_entities")})
            if "parse_mode" not in item and "parse_mode" in p:
                sub.values["parse_mode"] = p.get("parse_mode")
            items.append((kind, value, self._caption(sub)))
        if len(kinds) > 1:
            raise bad_request("can't use the media of the specified type in the album")
        chat = self.core.chat_for_bot(bot, p.get("chat_id"), sending=True)
        blobs = [self._input_file(bot, value, kind) for kind, value, _ in items]
        reply_to = self._reply_to(p, chat)
        self._rate(bot, chat, "sendMediaGroup", cost=len(items))
        group_id = str(secrets.randbits(62))
        out: list[JSON] = []
        for (kind, _, caption), blob in zip(items, blobs, strict=True):
            part: JSON = (
                {"photo": self.world.photo_json(bot.id, blob)}
                if kind == "photo"
                else {"document": self.world.document_json(bot.id, blob)}
            )
            part.update(caption)
            msg = self.core.bot_message(
                bot, chat, part, reply_to=reply_to, extra={"media_group_id": group_id, **self._extra(p)}
            )
            out.append(msg.data)
        return out

    async def getFile(self, bot: BotState, p: Params) -> JSON:
        """``getFile``: refuses files over 20 MB; the path works at ``/file/bot<token>/<path>``."""
        file_id = p.string("file_id") or ""
        ref = self.world.file_refs.get(file_id)
        if ref is None or ref.bot_id != bot.id:
            raise bad_request(E.INVALID_FILE_ID)
        blob = self.world.files[ref.unique_id]
        if blob.size > MAX_DOWNLOAD:
            raise bad_request(E.FILE_TOO_BIG)
        path = blob.paths.get(bot.id)
        if path is None:
            folder = "photos" if blob.kind == "photo" else "documents"
            ext = ".jpg" if blob.kind == "photo" else _extension(blob.file_name)
            path = f"{folder}/file_{self.world.next_file_number}{ext}"
            self.world.next_file_number += 1
            blob.paths[bot.id] = path
            self.world.paths[(bot.id, path)] = blob.unique_id
        return {"file_id": file_id, "file_unique_id": blob.unique_id, "file_size": blob.size, "file_path": path}

    def download(self, bot: BotState, path: str) -> bytes | None:
        """The content at a ``file_path`` ``getFile`` gave this bot, or ``None``."""
        unique = self.world.paths.get((bot.id, path))
        return None if unique is None else self.world.files[unique].data

    # -- polls ------------------------------------------------------------------------------------------

    def _poll_text(
        self, p: Params, text: str, mode_field: str, entities_field: str, *, option: bool = False
    ) -> tuple[str, list[Entity]]:
        try:
            parsed, entities = format_text(
                text, p.string(mode_field), p.json(entities_field), user_lookup=self.world.user_lookup, allow_empty=True
            )
        except ApiError as exc:
            if option:
                detail = exc.description.removeprefix("Bad Request: ")
                raise bad_request(f"can't parse InputPollOption: {detail[0].upper()}{detail[1:]}") from None
            raise
        if is_blank(parsed):
            raise bad_request(E.TEXT_MUST_BE_NON_EMPTY)
        # Only custom emoji survive in poll questions and options.
        return parsed, [e for e in entities if e["type"] == "custom_emoji"]

    async def sendPoll(self, bot: BotState, p: Params) -> JSON:
        """``sendPoll``: regular or quiz; questions, options and explanations parsed like messages."""
        question_raw = p.string("question") or ""
        question, question_entities = self._poll_text(p, question_raw, "question_parse_mode", "question_entities")
        raw_options = p.json("options", what="options")
        if raw_options is None:
            raise bad_request(E.POLL_OPTIONS_JSON)
        if not isinstance(raw_options, list):
            raise bad_request("expected an Array of InputPollOption")
        options: list[JSON] = []
        for index, item in enumerate(raw_options):
            if isinstance(item, str):
                sub = Params({"text": item})
            elif isinstance(item, dict):
                if "text" not in item:
                    raise bad_request("can't parse InputPollOption: Can't find field \"text\"")
                sub = Params(
                    {
                        "text": item["text"],
                        "text_parse_mode": item.get("text_parse_mode"),
                        "text_entities": item.get("text_entities"),
                    }
                )
            else:
                raise bad_request("can't parse InputPollOption: Expected InputPollOption to be an Object")
            text, ents = self._poll_text(
                sub, str(sub.get("text") or ""), "text_parse_mode", "text_entities", option=True
            )
            option: JSON = {"persistent_id": str(index), "text": text, "voter_count": 0}
            if ents:
                option["text_entities"] = ents
            options.append(option)
        kind = p.string("type") or "regular"
        if kind not in ("regular", "quiz"):
            raise bad_request(E.POLL_UNSUPPORTED_TYPE)
        markup = self._reply_markup(p)
        chat = self.core.chat_for_bot(bot, p.get("chat_id"), sending=True)
        if utf16_len(question) > 300:
            raise bad_request(E.POLL_QUESTION_TOO_LONG)
        if not options:
            raise bad_request(E.POLL_NO_OPTIONS)
        if len(options) > 12:
            raise bad_request(E.POLL_TOO_MANY_OPTIONS)
        if any(utf16_len(o["text"]) > 100 for o in options):
            raise bad_request(E.POLL_OPTION_TOO_LONG)
        poll: JSON = {
            "id": str(secrets.randbits(62)),
            "question": question,
            "options": options,
            "total_voter_count": 0,
            "is_closed": p.flag("is_closed"),
            "is_anonymous": p.flag("is_anonymous", True),
            "type": kind,
            "allows_multiple_answers": p.flag("allows_multiple_answers") if kind == "regular" else False,
            "allows_revoting": p.flag("allows_revoting", kind == "regular"),
            "members_only": False,
        }
        if question_entities:
            poll["question_entities"] = question_entities
        if kind == "quiz":
            correct = p.json("correct_option_ids", what="correct option identifiers")
            if correct is None and p.integer("correct_option_id") is not None:
                correct = [p.integer("correct_option_id")]
            if (
                not isinstance(correct, list)
                or not correct
                or any(not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(options) for i in correct)
                or correct != sorted(set(correct))
            ):
                raise bad_request(E.POLL_WRONG_CORRECT_OPTION)
            poll["correct_option_ids"] = correct
            poll["correct_option_id"] = correct[0]
            if len(correct) > 1:
                poll["allows_multiple_answers"] = True
            explanation = p.string("explanation") or ""
            if explanation:
                text, ents = format_text(
                    explanation,
                    p.string("explanation_parse_mode"),
                    p.json("explanation_entities"),
                    user_lookup=self.world.user_lookup,
                    allow_empty=True,
                )
                if utf16_len(text) > 200 or text.count("\n") > 2:
                    raise bad_request(E.POLL_EXPLANATION_TOO_LONG)
                if text:
                    poll["explanation"] = text
                if ents:
                    poll["explanation_entities"] = ents
        open_period = p.integer("open_period")
        close_date = p.integer("close_date")
        if open_period:
            poll["open_period"] = open_period
            poll["close_date"] = int(time.time()) + open_period
        elif close_date:
            poll["close_date"] = close_date
        reply_to = self._reply_to(p, chat)
        self._rate(bot, chat, "sendPoll")
        msg = self.core.bot_message(
            bot, chat, {"poll": poll}, reply_markup=_nonempty(markup), reply_to=reply_to, extra=self._extra(p)
        )
        state = PollState(poll["id"], bot.id, chat, msg.message_id, poll)
        msg.poll_id = poll["id"]
        self.world.polls[poll["id"]] = state
        if not poll["is_closed"]:
            if open_period:
                self.core.schedule_poll_close(state, open_period)
            elif close_date:
                self.core.schedule_poll_close(state, max(close_date - time.time(), 0))
        return msg.data

    async def stopPoll(self, bot: BotState, p: Params) -> JSON:
        """``stopPoll``."""
        markup = self._reply_markup(p, inline_only=True)
        msg = self._target(bot, p, E.POLL_STOP_NOT_FOUND)
        if msg.poll_id is None:
            raise bad_request(E.POLL_NOT_A_POLL)
        poll = self.world.polls[msg.poll_id]
        if poll.data["is_closed"]:
            raise bad_request(E.POLL_ALREADY_CLOSED)
        if msg.sender_bot_id != bot.id:
            raise bad_request(E.POLL_CANT_BE_STOPPED)
        data = self.core.close_poll(poll)
        if markup is not None:
            self.core.edit(msg, {"reply_markup": markup} if _nonempty(markup) else {}, drop=("reply_markup",))
        return data


def _nonempty(markup: JSON | None) -> JSON | None:
    """Inline markup without rows is no markup."""
    if markup is not None and "inline_keyboard" in markup and not markup["inline_keyboard"]:
        return None
    return markup


def _extension(name: str | None) -> str:
    if name and "." in name:
        ext = name.rsplit(".", 1)[1]
        if ext.isalnum() and len(ext) <= 8:
            return "." + ext.lower()
    return ""
