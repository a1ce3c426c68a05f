"""Bot API errors: the exception the emulator raises and Telegram's own descriptions.

Every refusal the emulator produces goes through :class:`ApiError`, so the JSON body is always
``{"ok": false, "error_code": N, "description": "..."}`` (plus ``parameters`` for 429).  The
descriptions are the strings the official Bot API server sends.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API call refused with Telegram's status code and description."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram answers with."""
        out: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            out["parameters"] = {"retry_after": self.retry_after}
        return out


def bad_request(text: str) -> ApiError:
    """A 400 ``Bad Request: <text>`` error."""
    return ApiError(400, f"Bad Request: {text}")


def forbidden(text: str) -> ApiError:
    """A 403 ``Forbidden: <text>`` error."""
    return ApiError(403, f"Forbidden: {text}")


def too_many_requests(retry_after: int) -> ApiError:
    """A 429 with ``parameters.retry_after``."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


UNAUTHORIZED = "Unauthorized"
NOT_FOUND = "Not Found"
INTERNAL = "Internal Server Error"

CHAT_NOT_FOUND = "chat not found"
CHAT_ID_EMPTY = "chat_id is empty"
BOT_BLOCKED = "bot was blocked by the user"
CANT_INITIATE = "bot can't initiate conversation with a user"
TEXT_EMPTY = "message text is empty"
TEXT_MUST_BE_NON_EMPTY = "text must be non-empty"
TEXT_TOO_LONG = "message is too long"
EDIT_TEXT_TOO_LONG = "MESSAGE_TOO_LONG"
CAPTION_TOO_LONG = "message caption is too long"
EDIT_CAPTION_TOO_LONG = "MEDIA_CAPTION_TOO_LONG"
BUTTON_DATA_INVALID = "BUTTON_DATA_INVALID"
BUTTON_URL_INVALID = "BUTTON_URL_INVALID"
TEXT_BUTTONS_UNALLOWED = "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
MESSAGE_ID_NOT_SPECIFIED = "message identifier is not specified"
EDIT_NOT_FOUND = "message to edit not found"
DELETE_NOT_FOUND = "message to delete not found"
CANT_BE_EDITED = "message can't be edited"
CANT_BE_DELETED = "message can't be deleted"
NO_TEXT_TO_EDIT = "there is no text in the message to edit"
NO_CAPTION_TO_EDIT = "there is no caption in the message to edit"
REPLY_NOT_FOUND = "message to be replied not found"
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
CALLBACK_ANSWER_TOO_LONG = "MESSAGE_TOO_LONG"
FILE_TOO_BIG = "file is too big"
INVALID_FILE_ID = "invalid file_id"
WRONG_FILE_ID = "wrong file identifier/HTTP URL specified"
FILE_EMPTY = "file must be non-empty"
IMAGE_PROCESS_FAILED = "IMAGE_PROCESS_FAILED"
ENTITY_TOO_LARGE = "Request Entity Too Large"
UNSUPPORTED_PARSE_MODE = "unsupported parse_mode"
WRONG_ACTION = "wrong parameter action in request"
POLL_QUESTION_TOO_LONG = "poll question length must not exceed 300"
POLL_NO_OPTIONS = "poll must have at least one answer option"
POLL_TOO_MANY_OPTIONS = "poll can't have more than 12 options"
POLL_OPTION_TOO_LONG = "poll options length must not exceed 100"
POLL_OPTIONS_JSON = "can't parse options JSON object"
POLL_WRONG_CORRECT_OPTION = "wrong correct option ID specified"
POLL_EXPLANATION_TOO_LONG = "explanation is too long"
POLL_UNSUPPORTED_TYPE = "unsupported poll type specified"
POLL_STOP_NOT_FOUND = "message with poll to stop not found"
POLL_NOT_A_POLL = "message is not a poll"
POLL_ALREADY_CLOSED = "poll has already been closed"
POLL_CANT_BE_STOPPED = "poll can't be stopped"
ALBUM_TOO_MANY = "Too much messages to send as an album"
ALBUM_TOO_FEW = "media must contain at least 2 items"
COMMAND_EMPTY = "command must be non-empty"
COMMAND_TOO_LONG = "command length must not exceed 32"
COMMAND_INVALID = "BOT_COMMAND_INVALID"
COMMAND_DESCRIPTION_EMPTY = "command description must be non-empty"
COMMAND_DESCRIPTION_TOO_LONG = "command description length must not exceed 256"
COMMANDS_TOO_MUCH = "BOT_COMMANDS_TOO_MUCH"
INVALID_LANGUAGE_CODE = "invalid language code specified"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
POLLING_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
