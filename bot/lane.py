"""The presses lane: exam-message presses, the bulk of a busy bot's updates, skip the routers, the Redis
FSM (its per-chat lock and state) and the ORM session, and go to a dispatcher of their own.

An exam's state lives in PostgreSQL; a press locks its attempt's row, so one student's presses take
turns there without the per-chat Redis lock, and records its update in the same transaction (dedupe).
The lane still logs and counts every update (ObserveMiddleware) and turns errors into sentences.
Measured with ``edubot bench answers``: the bot's CPU per press is what bounds how many presses a
second it takes, and the FSM, the session middlewares and the routers before the exam router were
about half of it.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update

from bot import errors
from bot.keyboards import ExamCB
from bot.middlewares.observe import ObserveMiddleware
from domain.db import Driver
from domain.services.presses import OPS


def wants(update: Update) -> bool:
    """Whether ``update`` is a press the lane takes."""
    query = update.callback_query
    if query is None or not query.data or not query.data.startswith(ExamCB.__prefix__ + ExamCB.__separator__):
        return False
    try:
        return ExamCB.unpack(query.data).op in OPS
    except (TypeError, ValueError):
        return False


def build_lane(driver: Driver) -> Dispatcher:
    from bot.routers import presses

    lane = Dispatcher(name="presses", disable_fsm=True, driver=driver)
    lane.update.outer_middleware(ObserveMiddleware())
    lane.include_router(errors.build_router())
    lane.include_router(presses.router)
    return lane


class EdubotDispatcher(Dispatcher):
    """The bot's dispatcher: hands the presses lane its updates (polling and webhook both feed updates
    through :meth:`feed_update`), and everything else to its own middlewares and routers."""

    def __init__(self, *, lane: Dispatcher, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lane = lane

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        if wants(update):
            return await self.lane.feed_update(bot, update, **kwargs)
        return await super().feed_update(bot, update, **kwargs)
