"""Unit of work: one database session per update, committed at the end if the handler left work open.

Services commit their own use case explicitly; this middleware commits what remains (the dedupe
row of a read-only update) and rolls back when the handler raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class UnitOfWorkMiddleware(BaseMiddleware):
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], slots: asyncio.Semaphore) -> None:
        self.sessionmaker = sessionmaker
        self.slots = slots  # how many updates use the database at once

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self.slots, self.sessionmaker() as session:
            data["session"] = session
            try:
                result = await handler(event, data)
            except BaseException:
                await session.rollback()
                raise
            if session.in_transaction():
                await session.commit()
            return result
