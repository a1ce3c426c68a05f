"""A bare aiogram bot for the `answers` floor: a button press edits the message, nothing else.

Run as its own process (like the real bot): ``python tests/bench/floor_bot.py`` with
``EDUBOT_TELEGRAM_API_URL`` and ``EDUBOT_BOT_TOKEN`` set. No database, no Redis, no middlewares.
It holds aiogram's answer classes as the real bot does (``bot.client.hold``), so the floor is the best
a bare aiogram bot does on this machine, not one slowed by pydantic rebuilding them on every call.
"""

from __future__ import annotations

import os
import re

from aiogram import Bot, Dispatcher, F
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.client import hold
from edubot import loop

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text=x, callback_data=f"a:{x}") for x in "ABCD"]]
)
dp = Dispatcher()


@dp.message(CommandStart())
async def start(message: Message) -> None:
    await message.answer("Question 1", reply_markup=KEYBOARD)


@dp.callback_query(F.data.startswith("a:"))
async def pressed(query: CallbackQuery) -> None:
    msg = query.message
    assert isinstance(msg, Message) and msg.text
    n = int(re.findall(r"\d+", msg.text)[0]) + 1
    await query.answer()
    await msg.edit_text(f"Question {n}", reply_markup=KEYBOARD)


async def main() -> None:
    hold()
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["EDUBOT_TELEGRAM_API_URL"]))
    bot = Bot(os.environ["EDUBOT_BOT_TOKEN"], session=session, default=DefaultBotProperties(parse_mode="HTML"))
    await dp.start_polling(bot, handle_signals=True)


if __name__ == "__main__":
    loop.run(main())  # the loop the real bot runs on
