"""An offline Telegram Bot API emulator and a test client for driving a bot through it.

``Sandbox`` serves Telegram's Bot API over HTTP (aiogram talks to it through
``TelegramAPIServer.from_base(sb.api_url)``) and lets tests play the people in the chats.
"""

from sandbox.client import ChatView, MessageView, Press, SandboxUser
from sandbox.core import Config, SandboxError
from sandbox.emulator import BotHandle, Sandbox, SandboxGroup
from sandbox.errors import ApiError
from sandbox.faults import Fault, Faults
from sandbox.images import make_png
from sandbox.limits import Limits
from sandbox.record import CallRecord
from sandbox.server import serve
from sandbox.state import CallbackAnswer

__all__ = [
    "ApiError",
    "BotHandle",
    "CallRecord",
    "CallbackAnswer",
    "ChatView",
    "Config",
    "Fault",
    "Faults",
    "Limits",
    "MessageView",
    "Press",
    "Sandbox",
    "SandboxError",
    "SandboxGroup",
    "SandboxUser",
    "make_png",
    "serve",
]
